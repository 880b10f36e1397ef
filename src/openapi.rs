//! The contract: OpenAPI 3.1, generated from the handlers' annotations.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api;
use crate::domain::codes::CodeList;

/// The whole API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "bistand",
        description = "Integration API for economic assistance (ekonomiskt bistånd) and labour-market \
work in Katrineholm and Vingåker: the e-service portal, the case system, Viadidakt, \
Arbetsförmedlingen and BI tools. Every error is an RFC 9457 problem document with a stable `type`. \
A personal number never appears in a URL.",
        license(name = "MIT OR Apache-2.0")
    ),
    paths(
        api::applicants::create_applicant,
        api::applicants::list_applicants,
        api::applicants::get_applicant,
        api::applicants::patch_applicant,
        api::applicants::search_applicants,
        api::applicants::export::export_applicant,
        api::consents::create_consent,
        api::consents::list_consents,
        api::consents::revoke_consent,
        api::applications::create_application,
        api::applications::list_applications,
        api::applications::get_application,
        api::applications::actions::start_investigation,
        api::applications::actions::decide_application,
        api::applications::actions::withdraw_application,
        api::payments::create_payment,
        api::events::list_events,
        api::audit::get_verification,
        api::oauth::post_token,
        api::oauth::get_jwks,
        api::ops::get_live,
        api::ops::get_ready,
        api::ops::get_metrics,
    ),
    components(
        schemas(crate::error::Problem, crate::error::InvalidParam),
        responses(
            problems::MalformedBody,
            problems::InvalidParameter,
            problems::Unauthenticated,
            problems::Forbidden,
            problems::NotFound,
            problems::DuplicateApplicant,
            problems::PreconditionFailed,
            problems::PreconditionRequired,
            problems::PayloadTooLarge,
            problems::UnsupportedMediaType,
            problems::ValidationFailed,
            problems::OAuthError,
            problems::OAuthInvalidClient,
            problems::IdempotencyKeyRequired,
            problems::IdempotencyKeyReused,
            problems::InvalidTransition,
            problems::NoGrantedDecision,
            problems::PaymentSumNegative,
            problems::ConsentRevoked,
            problems::Contention,
            problems::Unavailable,
        )
    ),
    modifiers(&BearerScheme),
    tags(
        (name = "applicants", description = "Persons who apply for economic assistance"),
        (name = "applications", description = "Applications, decisions and payments"),
        (name = "consents", description = "Consents to share with Viadidakt or AF"),
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
            "An EdDSA-signed JWT from POST /oauth/token, the municipality's identity provider, \
             or `bistand token`. Claims: role, unit, municipalities."
                .into(),
        );
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// Links from an operation's answer to the operations that take what it
/// returns (OpenAPI 3.1 §4.8.20), so a client, a code generator or a
/// stateful test can follow a resource from its creation:
/// `(from operation, status, link name, to operation, parameters)`; a
/// parameter is `(name as in the target, runtime expression)`.
type LinkRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const SAME_MUNICIPALITY: (&str, &str) = ("municipality", "$request.path.municipality");
const BODY_ID: (&str, &str) = ("id", "$response.body#/id");
const ETAG: (&str, &str) = ("If-Match", "$response.header.ETag");

const LINKS: &[LinkRow] = &[
    (
        "create_applicant",
        "201",
        "GetApplicant",
        "get_applicant",
        &[SAME_MUNICIPALITY, BODY_ID],
    ),
    (
        "create_applicant",
        "201",
        "PatchApplicant",
        "patch_applicant",
        &[SAME_MUNICIPALITY, BODY_ID, ETAG],
    ),
    (
        "create_applicant",
        "201",
        "ExportApplicant",
        "export_applicant",
        &[SAME_MUNICIPALITY, BODY_ID],
    ),
    (
        "create_applicant",
        "201",
        "ListConsents",
        "list_consents",
        &[SAME_MUNICIPALITY, BODY_ID],
    ),
    (
        "create_applicant",
        "201",
        "CreateConsent",
        "create_consent",
        &[SAME_MUNICIPALITY, BODY_ID],
    ),
    (
        "create_applicant",
        "201",
        "ListApplications",
        "list_applications",
        &[SAME_MUNICIPALITY, ("applicant_id", "$response.body#/id")],
    ),
    (
        "search_applicants",
        "200",
        "GetApplicant",
        "get_applicant",
        &[SAME_MUNICIPALITY, BODY_ID],
    ),
    (
        "search_applicants",
        "200",
        "PatchApplicant",
        "patch_applicant",
        &[SAME_MUNICIPALITY, BODY_ID, ETAG],
    ),
    (
        "search_applicants",
        "200",
        "CreateConsent",
        "create_consent",
        &[SAME_MUNICIPALITY, BODY_ID],
    ),
    (
        "get_applicant",
        "200",
        "PatchApplicant",
        "patch_applicant",
        &[SAME_MUNICIPALITY, BODY_ID, ETAG],
    ),
    (
        "get_applicant",
        "200",
        "ExportApplicant",
        "export_applicant",
        &[SAME_MUNICIPALITY, BODY_ID],
    ),
    (
        "get_applicant",
        "200",
        "ListConsents",
        "list_consents",
        &[SAME_MUNICIPALITY, BODY_ID],
    ),
    (
        "patch_applicant",
        "200",
        "GetApplicant",
        "get_applicant",
        &[SAME_MUNICIPALITY, BODY_ID],
    ),
    (
        "create_consent",
        "201",
        "RevokeConsent",
        "revoke_consent",
        &[SAME_MUNICIPALITY, BODY_ID],
    ),
    (
        "create_consent",
        "201",
        "ListConsents",
        "list_consents",
        &[SAME_MUNICIPALITY, ("id", "$response.body#/applicant_id")],
    ),
    (
        "create_application",
        "201",
        "GetApplication",
        "get_application",
        &[SAME_MUNICIPALITY, BODY_ID],
    ),
    (
        "create_application",
        "201",
        "StartInvestigation",
        "start_investigation",
        &[SAME_MUNICIPALITY, BODY_ID, ETAG],
    ),
    (
        "create_application",
        "201",
        "WithdrawApplication",
        "withdraw_application",
        &[SAME_MUNICIPALITY, BODY_ID, ETAG],
    ),
    (
        "get_application",
        "200",
        "StartInvestigation",
        "start_investigation",
        &[SAME_MUNICIPALITY, BODY_ID, ETAG],
    ),
    (
        "get_application",
        "200",
        "DecideApplication",
        "decide_application",
        &[SAME_MUNICIPALITY, BODY_ID, ETAG],
    ),
    (
        "get_application",
        "200",
        "WithdrawApplication",
        "withdraw_application",
        &[SAME_MUNICIPALITY, BODY_ID, ETAG],
    ),
    (
        "start_investigation",
        "200",
        "DecideApplication",
        "decide_application",
        &[SAME_MUNICIPALITY, BODY_ID, ETAG],
    ),
    (
        "start_investigation",
        "200",
        "WithdrawApplication",
        "withdraw_application",
        &[SAME_MUNICIPALITY, BODY_ID, ETAG],
    ),
    (
        "decide_application",
        "200",
        "GetApplication",
        "get_application",
        &[SAME_MUNICIPALITY, BODY_ID],
    ),
];

/// Adds the links of [`LINKS`] to the contract. They are added to the JSON
/// document, because utoipa writes a link's `operationId` as `operation_id`.
fn add_links(document: &mut serde_json::Value) {
    for (from, status, name, to, parameters) in LINKS {
        let parameters: serde_json::Map<String, serde_json::Value> = parameters
            .iter()
            .map(|(p, e)| ((*p).to_owned(), serde_json::Value::from(*e)))
            .collect();
        let Some(paths) = document["paths"].as_object_mut() else {
            return;
        };
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for op in item.values_mut() {
                if op["operationId"] == *from
                    && let Some(response) = op["responses"][*status].as_object_mut()
                {
                    let links = response
                        .entry("links")
                        .or_insert_with(|| serde_json::json!({}));
                    links[*name] = serde_json::json!({
                        "operationId": to,
                        "parameters": parameters,
                    });
                }
            }
        }
    }
}

/// The link table's rows, for the contract test that every one is in place.
pub fn link_names() -> Vec<(&'static str, &'static str, &'static str)> {
    LINKS
        .iter()
        .map(|(from, status, name, ..)| (*from, *status, *name))
        .collect()
}

/// Every code list the contract shows, with the proof that the code accepts
/// and emits exactly its names. A test holds the contract's enums to this
/// list, so an enum cannot enter the contract unlisted.
pub fn code_lists() -> Vec<CodeList> {
    use crate::domain::application::{
        Channel, ExpenseKind, IncomeKind, Outcome, ReasonForNeed, Status,
    };
    use crate::domain::consent::{ConsentChannel, Recipient};
    use crate::domain::event::{EventType, ResourceKind};
    vec![
        CodeList::of::<Channel>(),
        CodeList::of::<ReasonForNeed>(),
        CodeList::of::<IncomeKind>(),
        CodeList::of::<ExpenseKind>(),
        CodeList::of::<Status>(),
        CodeList::of::<Outcome>(),
        CodeList::of::<Recipient>(),
        CodeList::of::<ConsentChannel>(),
        CodeList::of::<EventType>(),
        CodeList::of::<ResourceKind>(),
        CodeList::of::<crate::domain::Sex>(),
        CodeList::of::<crate::auth::policy::ApplicationView>(),
        CodeList::of::<crate::audit::Outcome>(),
        CodeList::of::<api::ops::HealthStatus>(),
        CodeList::of::<api::ops::DatabaseBackend>(),
    ]
}

/// The contract as a JSON document.
pub fn document() -> serde_json::Value {
    let mut document = serde_json::to_value(ApiDoc::openapi())
        .unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }));
    add_links(&mut document);
    document
}

/// The contract as pretty JSON, as committed in `openapi/openapi.json`.
pub fn json() -> String {
    let mut text = serde_json::to_string_pretty(&document())
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

/// Reusable problem responses, each with an example.
pub mod problems {
    use serde_json::json;
    use utoipa::openapi::{ContentBuilder, RefOr, Response, ResponseBuilder, schema::Ref};

    use crate::error::PROBLEM_BASE;

    fn problem(description: &str, example: serde_json::Value) -> RefOr<Response> {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .example(Some(example))
                    .build(),
            )
            .build()
            .into()
    }

    macro_rules! problem_response {
        ($name:ident, $status:literal, $slug:literal, $title:literal, $detail:literal, $description:literal $(, $key:literal : $value:tt)*) => {
            #[doc = $description]
            pub struct $name;

            impl<'s> utoipa::ToResponse<'s> for $name {
                fn response() -> (&'s str, RefOr<Response>) {
                    let extra: &[(&str, serde_json::Value)] = &[$(($key, json!($value))),*];
                    let mut example = json!({
                        "type": format!("{PROBLEM_BASE}{}", $slug),
                        "title": $title,
                        "status": $status,
                        "detail": $detail,
                    });
                    for (key, value) in extra {
                        example[*key] = value.clone();
                    }
                    (stringify!($name), problem($description, example))
                }
            }
        };
    }

    problem_response!(
        MalformedBody,
        400,
        "malformed-body",
        "The body is not valid JSON",
        "EOF while parsing an object at line 1 column 20",
        "The body is not JSON, or a path or query parameter is malformed"
    );
    problem_response!(InvalidParameter, 400, "invalid-parameter", "Invalid path or query parameter",
        "a path or query parameter is malformed", "A path or query parameter is malformed",
        "invalid_params": [{ "name": "id", "reason": "must be a UUID" }]);
    problem_response!(
        Unauthenticated,
        401,
        "unauthenticated",
        "Authentication required",
        "the token has expired",
        "No valid bearer token (see WWW-Authenticate)"
    );
    problem_response!(
        Forbidden,
        403,
        "forbidden",
        "Forbidden",
        "the caller's role does not have this operation",
        "The caller's role lacks this operation"
    );
    problem_response!(
        NotFound,
        404,
        "not-found",
        "Not found",
        "no such resource is visible to the caller",
        "No such resource, or one the caller may not see; also a municipality outside the token"
    );
    problem_response!(
        DuplicateApplicant,
        409,
        "duplicate-applicant",
        "The applicant already exists",
        "an applicant with this personal number already exists in this municipality; find it with POST .../applicants/search",
        "The personal number is already registered in the municipality"
    );
    problem_response!(
        PreconditionFailed,
        412,
        "precondition-failed",
        "The resource has changed",
        "If-Match does not name the current version; read the resource again",
        "If-Match names an old version"
    );
    problem_response!(
        PreconditionRequired,
        428,
        "precondition-required",
        "If-Match is required",
        "send If-Match with the ETag from your last read",
        "If-Match is missing"
    );
    problem_response!(
        PayloadTooLarge,
        413,
        "payload-too-large",
        "The body is too large",
        "bodies are limited to 256 KiB",
        "The body is over 256 KiB"
    );
    problem_response!(
        UnsupportedMediaType,
        415,
        "unsupported-media-type",
        "Unsupported media type",
        "send Content-Type: application/json",
        "The body is not sent as JSON"
    );
    problem_response!(ValidationFailed, 422, "validation-failed", "The request has invalid fields",
        "1 field(s) are invalid",
        "Fields break rules; every bad field is named in invalid_params",
        "invalid_params": [{ "name": "personal_number", "reason": "the check digit does not match (Luhn)" }]);
    problem_response!(OAuthError, 400, "oauth-error", "The token request was refused",
        "only the client_credentials grant is supported",
        "An RFC 6749 error: invalid_request or unsupported_grant_type, in `error`",
        "error": "unsupported_grant_type");
    problem_response!(OAuthInvalidClient, 401, "oauth-error", "The token request was refused",
        "unknown client or wrong secret", "Unknown client, wrong secret or revoked client",
        "error": "invalid_client");
    problem_response!(
        IdempotencyKeyRequired,
        400,
        "idempotency-key-required",
        "Idempotency-Key is required",
        "submissions from the e-service need an Idempotency-Key header of 1-255 visible ASCII characters",
        "The e-service sent no Idempotency-Key, or a malformed one (BR-2)"
    );
    problem_response!(
        IdempotencyKeyReused,
        422,
        "idempotency-key-reused",
        "The Idempotency-Key was used with another request",
        "this Idempotency-Key was first used with another body; use a new key for a new submission",
        "The key was first used with another body (BR-2)"
    );
    problem_response!(InvalidTransition, 409, "invalid-status-transition", "The status does not allow this",
        "the application is decided; see BR-4 for the moves it allows",
        "The application's status does not allow this move (BR-4)",
        "current_status": "decided");
    problem_response!(
        NoGrantedDecision,
        409,
        "no-granted-decision",
        "The application has no granting decision",
        "payments need a decision that grants the application in whole or in part",
        "Payments need a granting decision"
    );
    problem_response!(
        PaymentSumNegative,
        409,
        "payment-sum-negative",
        "The sum paid would be negative",
        "the sum paid for the application's month can never be negative",
        "The payment would make the sum paid for the month negative"
    );
    problem_response!(
        ConsentRevoked,
        409,
        "consent-revoked",
        "The consent is already revoked",
        "a revoked consent stays revoked; record a new one",
        "The consent is already revoked"
    );
    problem_response!(
        Contention,
        503,
        "contention",
        "Busy; try again",
        "concurrent requests collided; send the request again",
        "Concurrent requests collided and retries did not resolve it"
    );
    problem_response!(
        Unavailable,
        503,
        "unavailable",
        "Service not ready",
        "migrations are pending",
        "The database is unreachable or not migrated"
    );
}
