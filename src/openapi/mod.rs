//! The contract: OpenAPI 3.1, generated from the handlers' annotations,
//! whose paths come from the one list of routes the service registers
//! (`api::routes`).

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api;
use crate::domain::codes::CodeList;

mod links;
pub mod problems;

pub use links::link_names;

/// The whole API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "bistand",
        description = "Integration API for economic assistance (ekonomiskt bistånd) and labour-market \
work in Katrineholm and Vingåker: the e-service portal, the case system, Viadidakt, \
Arbetsförmedlingen and BI tools. Every error is an RFC 9457 problem document with a stable `type`. \
A personal number never appears in a URL.",
        license(name = "MIT OR Apache-2.0", identifier = "MIT OR Apache-2.0")
    ),
    servers((url = "/", description = "The service that serves this document")),
    components(schemas(crate::error::Problem, crate::error::InvalidParam)),
    modifiers(&BearerScheme),
    tags(
        (name = "applicants", description = "Persons who apply for economic assistance"),
        (name = "applications", description = "Applications, their households and figures, and payments"),
        (name = "decisions", description = "Decisions as legal documents: legal basis, reasons, appeal notice, the persons covered and each adult's assessment; replacements keep the history"),
        (name = "norm", description = "The national norm (riksnormen) by year, as loaded by admins"),
        (name = "consents", description = "Consents to share with Viadidakt or AF"),
        (name = "employment-service", description = "What the Employment Service (AF) reports about a person"),
        (name = "referrals", description = "Referrals to Viadidakt: the first meeting with a coach and its mapping, the three-party plan, interventions"),
        (name = "programmes", description = "Viadidakt's group programmes and their places"),
        (name = "agreements", description = "The local cooperation agreement between social services, Viadidakt and AF, and its meetings"),
        (name = "indicators", description = "Volume indicators (volymmått) for BI tools: the catalogue, values per municipality, period and sex as JSON or CSV, with forecasts and the year before; small counts suppressed"),
        (name = "kolada", description = "Kolada API v3-compatible reading of the indicators: the same paths, parameters and shapes as Kolada, years only, the same tokens, suppression and audit"),
        (name = "events", description = "The change feed"),
        (name = "audit", description = "The hash-chained audit log"),
        (name = "auth", description = "Tokens and keys"),
        (name = "operations", description = "Health and metrics"),
    )
)]
pub struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.bearer_format = Some("JWT".into());
        scheme.description = Some(
            "A JWT (`typ: at+jwt`) signed with EdDSA by this service (from POST /oauth/token \
             or `bistand token`), or with EdDSA or ES256 by the municipality's identity \
             provider. Claims: iss, aud (`bistand`), sub, exp, nbf, iat, jti, role, unit, \
             municipalities. See docs/access.md."
                .into(),
        );
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// Every code list the contract shows, with the proof that the code accepts
/// and emits exactly its names. A test holds the contract's enums to this
/// list, so an enum cannot enter the contract unlisted.
pub fn code_lists() -> Vec<CodeList> {
    use crate::domain::application::{Channel, ExpenseKind, IncomeKind, StatedReason, Status};
    use crate::domain::consent::{ConsentChannel, Recipient};
    use crate::domain::decision::{DecisionKind, Outcome, ReplacementGround};
    use crate::domain::event::{EventType, ResourceKind};
    use crate::domain::household::{LineSource, MemberRole, SchoolStatus};
    use crate::domain::referral::{
        AfAnswer, CloseOutcome, EducationLevel, EmploymentSubtype, InterventionKind, Placement,
        PlanParticipant, ReferralStatus, Source,
    };
    vec![
        CodeList::of::<Channel>(),
        CodeList::of::<StatedReason>(),
        CodeList::of::<IncomeKind>(),
        CodeList::of::<ExpenseKind>(),
        CodeList::of::<Status>(),
        CodeList::of::<Outcome>(),
        CodeList::of::<MemberRole>(),
        CodeList::of::<SchoolStatus>(),
        CodeList::of::<LineSource>(),
        CodeList::of::<DecisionKind>(),
        CodeList::of::<ReplacementGround>(),
        CodeList::of::<crate::domain::obstacle::SupportObstacle>(),
        CodeList::of::<crate::domain::legal::LegalBasisCode>(),
        CodeList::of::<crate::domain::norm::Band>(),
        CodeList::of::<crate::domain::payment::PayeeKind>(),
        CodeList::of::<api::applications::calculation::CalculationSection>(),
        CodeList::of::<Recipient>(),
        CodeList::of::<ConsentChannel>(),
        CodeList::of::<EventType>(),
        CodeList::of::<ResourceKind>(),
        CodeList::of::<Source>(),
        CodeList::of::<ReferralStatus>(),
        CodeList::of::<CloseOutcome>(),
        CodeList::of::<EducationLevel>(),
        CodeList::of::<AfAnswer>(),
        CodeList::of::<InterventionKind>(),
        CodeList::of::<EmploymentSubtype>(),
        CodeList::of::<Placement>(),
        CodeList::of::<PlanParticipant>(),
        CodeList::of::<crate::domain::agreement::Party>(),
        CodeList::of::<crate::domain::agreement::MeetingKind>(),
        CodeList::of::<api::labour_market::CoachViewName>(),
        CodeList::of::<api::labour_market::EmploymentServiceViewName>(),
        CodeList::of::<crate::auth::Role>(),
        CodeList::of::<crate::domain::Sex>(),
        CodeList::of::<crate::auth::policy::ApplicationView>(),
        CodeList::of::<crate::domain::audit::Outcome>(),
        CodeList::of::<api::ops::HealthStatus>(),
        CodeList::of::<api::ops::DatabaseBackend>(),
        CodeList::of::<api::oauth::GrantType>(),
        CodeList::of::<api::oauth::TokenType>(),
        CodeList::of::<crate::domain::indicator::Unit>(),
        CodeList::of::<crate::domain::indicator::IndicatorSource>(),
        CodeList::of::<crate::domain::indicator::Aggregation>(),
        CodeList::of::<crate::domain::indicator::Gender>(),
        CodeList::of::<api::indicators::values::ValueStatus>(),
    ]
}

/// The contract as a JSON document.
pub fn document() -> serde_json::Value {
    let mut api = ApiDoc::openapi();
    api.paths = api::routes::paths();
    let components = api.components.get_or_insert_with(Default::default);
    for (name, schema) in api::routes::schemas() {
        components.schemas.entry(name).or_insert(schema);
    }
    let mut document =
        serde_json::to_value(api).unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }));
    links::add(&mut document);
    mark_public(&mut document);
    problems::inline(&mut document);
    document
}

/// Every operation object of the document.
fn operations_mut(
    document: &mut serde_json::Value,
) -> impl Iterator<Item = &mut serde_json::Value> {
    document["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(serde_json::Value::as_object_mut)
        .flat_map(|item| item.values_mut())
}

/// Says of every operation without security that it needs none (an empty
/// security requirement), so no operation leaves it unsaid.
fn mark_public(document: &mut serde_json::Value) {
    for op in operations_mut(document) {
        if op.get("security").is_none() {
            op["security"] = serde_json::json!([{}]);
        }
    }
}

/// The contract as pretty JSON, as committed in `openapi/openapi.json`.
pub fn json() -> String {
    let mut text = serde_json::to_string_pretty(&document())
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    /// Two types with one name would meet as one schema in the contract
    /// (the first one wins, silently): every name must stand for one schema.
    #[test]
    fn every_schema_name_stands_for_one_schema() {
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        let mut clashes = Vec::new();
        for (name, schema) in crate::api::routes::schemas() {
            let text = serde_json::to_string(&schema).unwrap_or_default();
            match seen.get(&name) {
                Some(first) if *first != text => clashes.push(name),
                Some(_) => {}
                None => {
                    seen.insert(name, text);
                }
            }
        }
        assert!(clashes.is_empty(), "schemas sharing a name: {clashes:?}");
    }
}
