//! Recovery (*återkrav*) and write-off (*eftergift*): decisions of their own
//! about a person, `POST /api/v1/{municipality}/decisions`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::document::Decision;
use super::{document, respond};
use crate::api::applicants::model::Applicant;
use crate::api::applicants::model::required;
use crate::api::applications::decision::{
    DecisionMaker, DecisionMakerBody, PeriodBody, date, decision_maker,
};
use crate::api::context::Caller;
use crate::api::formats::{Reasons, ResourceId, Sek};
use crate::api::invalid;
use crate::api::json::JsonBody;
use crate::api::params::{MunicipalityPath, strict_uuid};
use crate::api::tx::Tx;
use crate::auth::Principal;
use crate::auth::policy::Operation;
use crate::db::decisions::{self, DecisionRow};
use crate::db::{applications, stored};
use crate::domain::applicant::{self as rules, Checker};
use crate::domain::decision::{DecisionKind, Outcome};
use crate::domain::event::EventType;
use crate::domain::legal::{self, LegalBasisCode};
use crate::domain::money::{self, parse_sek};
use crate::error::AppError;

/// A recovery or write-off decision to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "recovery",
    "applicant_id": "019a2b3c-4d5e-7f00-8a1b-2c3d4e5f6a7b",
    "concerns": [ "019a2b3c-4d5e-7f00-8a1b-2c3d4e5f6a7c" ],
    "outcome": "claimed",
    "amount": "4000.00",
    "period": { "from": "2026-10-01", "to": "2026-10-31" },
    "legal_basis": [ "sol_2025_33_1" ],
    "reasons": "Lön för oktober redovisades inte i ansökan.",
    "decision_maker": { "name": "Anna Andersson", "title": "Socialsekreterare", "delegation": "Delegationsordning 3.4.1" }
}))]
pub struct ClaimBody {
    /// `recovery` or `write_off` (assistance is decided on its application).
    #[schema(value_type = DecisionKind, required = true)]
    pub kind: Option<String>,
    /// The person the decision is about.
    #[schema(value_type = ResourceId, required = true)]
    pub applicant_id: Option<String>,
    /// A recovery: the person's assistance decisions whose money is
    /// claimed back (1–20). A write-off: the recovery it concerns (one).
    #[serde(default)]
    #[schema(value_type = Vec<ResourceId>, min_items = 1, max_items = 20)]
    pub concerns: Vec<String>,
    /// A recovery is `claimed`; a write-off `granted`, `partially_rejected`
    /// or `rejected`.
    #[schema(value_type = Outcome, required = true)]
    pub outcome: Option<String>,
    /// A recovery: the amount claimed back, above zero and at most what was
    /// paid under the decisions it concerns. A write-off: the amount let go
    /// (at most what is left of the claim); `0.00` or absent when rejected.
    #[schema(value_type = Option<Sek>)]
    pub amount: Option<String>,
    /// The period of the assistance concerned.
    #[schema(required = true)]
    pub period: Option<PeriodBody>,
    /// 1–5 codes that fit the kind and outcome, in force on the period's
    /// first day (docs/legal-basis.md).
    #[serde(default)]
    #[schema(value_type = Vec<LegalBasisCode>, min_items = 1, max_items = 5)]
    pub legal_basis: Vec<String>,
    /// Required unless a write-off grants all asked for (FL 32 §).
    #[schema(value_type = Option<Reasons>)]
    pub reasons: Option<String>,
    #[schema(required = true)]
    pub decision_maker: Option<DecisionMakerBody>,
}

/// A claim decision as checked.
struct NewClaim {
    kind: DecisionKind,
    applicant_id: String,
    concerns: Vec<String>,
    outcome: Outcome,
    amount: Decimal,
    from: NaiveDate,
    to: NaiveDate,
    legal_basis: Vec<LegalBasisCode>,
    reasons: Option<String>,
    maker: DecisionMaker,
}

/// Checks what needs nothing but the body, naming every bad field.
fn new_claim(body: &ClaimBody, caller: &Principal) -> Result<NewClaim, AppError> {
    let mut c = Checker::default();
    let kind = c.check(
        "kind",
        required(&body.kind)
            .and_then(DecisionKind::parse)
            .and_then(|k| {
                match k {
                DecisionKind::Assistance => Err(
                    "assistance is decided on its application (POST .../applications/{id}/decision)"
                        .to_owned(),
                ),
                k => Ok(k),
            }
            }),
    );
    let applicant_id = c.check(
        "applicant_id",
        required(&body.applicant_id).and_then(|id| {
            strict_uuid(id)
                .map(|u| u.to_string())
                .ok_or_else(|| "must be a UUID".to_owned())
        }),
    );
    let most = if kind == Some(DecisionKind::WriteOff) {
        1
    } else {
        20
    };
    if body.concerns.is_empty() || body.concerns.len() > most {
        c.check::<()>("concerns", Err(format!("must name 1–{most} decisions")));
    }
    let concerns: Vec<String> = body
        .concerns
        .iter()
        .enumerate()
        .filter_map(|(i, id)| {
            c.check(
                &format!("concerns[{i}]"),
                strict_uuid(id)
                    .map(|u| u.to_string())
                    .ok_or_else(|| "must be a UUID".to_owned()),
            )
        })
        .collect();
    let outcome = c.check(
        "outcome",
        required(&body.outcome)
            .and_then(Outcome::parse)
            .and_then(|o| match kind {
                Some(k) if !o.fits(k) => Err(format!("is not an outcome of a {k} decision")),
                _ => Ok(o),
            }),
    );
    let amount = outcome.and_then(|o| {
        c.check(
            "amount",
            body.amount
                .as_deref()
                .map(|a| parse_sek(a, false))
                .transpose()
                .and_then(|a| match (o, a) {
                    (Outcome::Rejected, Some(a)) if !a.is_zero() => {
                        Err("must be 0 or absent when the write-off is rejected".to_owned())
                    }
                    (Outcome::Rejected, _) => Ok(Decimal::ZERO),
                    (_, Some(a)) if a > Decimal::ZERO => Ok(a),
                    (_, Some(_)) => Err("must be above zero".to_owned()),
                    (_, None) => Err("is required".to_owned()),
                }),
        )
    });
    let (from, to) = match &body.period {
        Some(p) => (
            c.check("period.from", date(&p.from)),
            c.check("period.to", date(&p.to)),
        ),
        None => (c.check("period", Err("is required".into())), None),
    };
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        c.check::<()>("period", Err("from must not be after to".into()));
    }
    if body.legal_basis.is_empty() || body.legal_basis.len() > 5 {
        c.check::<()>("legal_basis", Err("must name 1–5 provisions".into()));
    }
    let mut legal_basis = Vec::new();
    for (i, code) in body.legal_basis.iter().enumerate() {
        let field = format!("legal_basis[{i}]");
        let code = c.check(&field, LegalBasisCode::parse(code));
        if let (Some(code), Some(kind), Some(outcome), Some(from)) = (code, kind, outcome, from) {
            // Recovery and write-off follow the act that governed the
            // assistance concerned (docs/legal-basis.md).
            c.check(&field, legal::check(code, kind, outcome, from));
        }
        legal_basis.extend(code);
    }
    let reasons = match (&body.reasons, outcome) {
        (Some(r), _) => c.check("reasons", rules::note(r, 2000).map(Some)),
        (None, Some(o)) if o.needs_reasons() => c.check(
            "reasons",
            Err(format!("a {o} decision states its reasons (FL 32 §)")),
        ),
        (None, _) => Some(None),
    };
    let maker = match &body.decision_maker {
        None => c.check("decision_maker", Err("is required".into())),
        Some(m) => decision_maker(&mut c, "decision_maker", m, caller),
    };
    c.finish().map_err(AppError::Validation)?;
    let missing = || AppError::internal("validated claim missing");
    Ok(NewClaim {
        kind: kind.ok_or_else(missing)?,
        applicant_id: applicant_id.ok_or_else(missing)?,
        concerns,
        outcome: outcome.ok_or_else(missing)?,
        amount: amount.ok_or_else(missing)?,
        from: from.ok_or_else(missing)?,
        to: to.ok_or_else(missing)?,
        legal_basis,
        reasons: reasons.ok_or_else(missing)?,
        maker: maker.ok_or_else(missing)?,
    })
}

/// The ids a decision's stored `concerns` names, read strictly.
fn concerns_of(row: &DecisionRow) -> Result<Vec<String>, AppError> {
    match &row.concerns {
        None => Ok(Vec::new()),
        Some(text) => stored("decisions.concerns", serde_json::from_str(text)),
    }
}

/// The decisions of `kind` that concern the decision `id`.
fn concerning(tx: &mut Tx, kind: DecisionKind, id: &str) -> Result<Vec<DecisionRow>, AppError> {
    let m = tx.municipality().to_owned();
    let mut found = Vec::new();
    for row in decisions::mentioning(tx.conn, &m, kind.as_str(), id)? {
        if concerns_of(&row)?.iter().any(|c| c == id) {
            found.push(row);
        }
    }
    Ok(found)
}

/// What is left of a recovery claim: its amount less what write-offs let
/// go (a rejected write-off lets go of nothing; write-offs are never
/// replaced, so each one counts).
pub fn outstanding_ore(tx: &mut Tx, recovery: &DecisionRow) -> Result<i64, AppError> {
    let written_off: i64 = concerning(tx, DecisionKind::WriteOff, &recovery.id)?
        .iter()
        .map(|w| w.amount_ore)
        .sum();
    Ok(recovery.amount_ore - written_off)
}

/// The checks that need the person's decisions, in the transaction: what a
/// recovery concerns must be the person's assistance decisions that granted
/// money, within its period, and it claims at most what was paid under
/// them; a write-off concerns the person's recovery and lets go at most
/// what is left of it.
fn check_concerns(tx: &mut Tx, claim: &NewClaim) -> Result<(), AppError> {
    let m = tx.municipality().to_owned();
    // The decisions concerned are locked, in one order, before what was
    // paid, claimed or let go under them is read: two claims on them
    // (two write-offs of one recovery, two recoveries of one payment) are
    // checked one after the other, also across replicas.
    let mut ids = claim.concerns.clone();
    ids.sort();
    ids.dedup();
    for id in &ids {
        decisions::lock(tx.conn, &m, id)?;
    }
    let mut concerned = Vec::new();
    for (i, id) in claim.concerns.iter().enumerate() {
        let field = format!("concerns[{i}]");
        let row =
            decisions::find(tx.conn, &m, id)?.filter(|d| d.applicant_id == claim.applicant_id);
        let wanted = match claim.kind {
            DecisionKind::Recovery => DecisionKind::Assistance,
            _ => DecisionKind::Recovery,
        };
        let Some(row) = row.filter(|d| d.kind == wanted.as_str()) else {
            return Err(invalid(
                &field,
                format!("must be a {wanted} decision about this person in the municipality"),
            ));
        };
        if claim.kind == DecisionKind::Recovery {
            let outcome = stored("decisions.outcome", Outcome::parse(&row.outcome))?;
            if !outcome.grants_money() {
                return Err(invalid(&field, "granted no money to claim back"));
            }
        }
        concerned.push(row);
    }
    let earliest = concerned.iter().map(|d| d.period_from).min();
    let latest = concerned.iter().map(|d| d.period_to).max();
    if let (Some(earliest), Some(latest)) = (earliest, latest)
        && (claim.from < earliest || claim.to > latest)
    {
        return Err(invalid(
            "period",
            format!("must lie within the period of the decisions concerned, {earliest} – {latest}"),
        ));
    }
    let ore = money::to_ore(claim.amount);
    match claim.kind {
        DecisionKind::Recovery => {
            let ids: Vec<String> = concerned.iter().map(|d| d.id.clone()).collect();
            let paid = applications::paid_under(tx.conn, &m, &ids)?;
            // Money already claimed back under these decisions is not
            // claimed again (nor what a write-off let go of).
            let mut earlier: Vec<DecisionRow> = Vec::new();
            for id in &ids {
                for row in concerning(tx, DecisionKind::Recovery, id)? {
                    if !earlier.iter().any(|e| e.id == row.id) {
                        earlier.push(row);
                    }
                }
            }
            let claimed: i64 = earlier.iter().map(|r| r.amount_ore).sum();
            let available = paid - claimed;
            if ore > available {
                return Err(invalid(
                    "amount",
                    format!(
                        "is more than is left to claim back under the decisions concerned: {} paid, \
                         {} claimed already",
                        money::from_ore(paid),
                        money::from_ore(claimed)
                    ),
                ));
            }
        }
        _ => {
            let left = outstanding_ore(tx, &concerned[0])?;
            if ore > left {
                return Err(invalid(
                    "amount",
                    format!(
                        "is more than is left of the claim, {}",
                        money::from_ore(left)
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Record a recovery or write-off decision.
///
/// A recovery (*återkrav*, 33 kap. 1–3 §§ socialtjänstlagen, or 9 kap. of
/// the act before for assistance granted before 2025-07-01) claims back
/// money paid under the person's assistance decisions it names, at most
/// what was paid under them, with its reasons. A write-off (*eftergift*,
/// 33 kap. 6 §) lets go of all or part of a recovery claim, at most what is
/// left of it; a rejected write-off states its reasons. Both are legal
/// documents like any decision: legal basis, reasons, decision-maker and the
/// notice of how (or whether) they can be appealed. Caseworkers and the
/// case system record them; audited.
#[utoipa::path(
    post,
    path = "/api/v1/{municipality}/decisions",
    tag = "decisions",
    operation_id = "create_decision",
    params(MunicipalityPath),
    request_body(content = ClaimBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Recorded", body = Decision,
         headers(("Location" = String, description = "The decision's URL"))),
    ),
    security(("bearer" = []))
)]
pub async fn create_decision(
    caller: Caller,
    path: web::Path<MunicipalityPath>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let op = Operation::CreateDecision;
    let municipality = caller.admit(op, &path.municipality).await?;
    let claim = body.check(|b: &ClaimBody| new_claim(b, &caller.principal))?;
    let decision = caller
        .transact(op, municipality, move |tx| {
            // The person must be one the caller sees: an unknown one is a
            // field of the body, like any id that names nothing.
            tx.load::<Applicant>(&claim.applicant_id)
                .map_err(|e| match e {
                    AppError::NotFound => invalid(
                        "applicant_id",
                        "no applicant with this id in the municipality",
                    ),
                    e => e,
                })?;
            check_concerns(tx, &claim)?;
            let m = tx.municipality().to_owned();
            let codes: Vec<&str> = claim.legal_basis.iter().map(|c| c.as_str()).collect();
            let id = Uuid::now_v7().to_string();
            let row = DecisionRow {
                municipality: m,
                id: id.clone(),
                kind: claim.kind.as_str().to_owned(),
                applicant_id: claim.applicant_id.clone(),
                application_id: None,
                outcome: claim.outcome.as_str().to_owned(),
                amount_ore: money::to_ore(claim.amount),
                reasons: claim.reasons.clone(),
                legal_basis: serde_json::to_string(&codes).map_err(AppError::internal)?,
                period_from: claim.from,
                period_to: claim.to,
                support_month: None,
                persons_covered: None,
                decision_maker_id: Some(claim.maker.user_id.clone()),
                decision_maker_name: Some(claim.maker.name.clone()),
                decision_maker_title: Some(claim.maker.title.clone()),
                delegation: Some(claim.maker.delegation.clone()),
                decided_by: tx.principal().subject.clone(),
                decided_at: tx.now(),
                replaces: None,
                replacement_ground: None,
                replacement_reason: None,
                norm_year: None,
                norm_revision: None,
                calculated_ore: None,
                deviation_reason: None,
                concerns: Some(serde_json::to_string(&claim.concerns).map_err(AppError::internal)?),
            };
            decisions::insert(tx.conn, &row, &[])?;
            tx.emit(EventType::DecisionCreated, &id);
            tx.about(&id, &claim.applicant_id);
            document(tx, &row)
        })
        .await?;
    Ok(respond(StatusCode::CREATED, &decision))
}
