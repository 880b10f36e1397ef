//! Decisions as documents: `GET /api/v1/{municipality}/decisions/{id}` and
//! `POST /api/v1/{municipality}/decisions/{id}/replacement`.

pub mod claims;
pub mod document;
pub mod record;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::NaiveDate;

use super::applications::decision::{ReplacementBody, new_replacement};
use super::context::Caller;
use super::json::JsonBody;
use super::params::ResourcePath;
use super::parse_id;
use super::tx::{Resource, Tx};
use crate::auth::Principal;
use crate::auth::policy::{self, Operation};
use crate::db::decisions::{self, DecisionRow};
use crate::db::{DbConn, applications};
use crate::domain::access::PersonRelations;
use crate::domain::application::Status;
use crate::domain::decision::DecisionKind;
use crate::error::AppError;
use crate::error::catalogue::*;
use document::Decision;
use record::{Replacing, record};

/// A decision belongs to the person it is about; social services' case
/// roles see it.
impl Resource for Decision {
    type Row = DecisionRow;
    type View = ();

    fn find(
        conn: &mut DbConn,
        municipality: &str,
        id: &str,
    ) -> Result<Option<DecisionRow>, AppError> {
        Ok(decisions::find(conn, municipality, id)?)
    }

    fn person(row: &DecisionRow) -> &str {
        &row.applicant_id
    }

    fn access(
        principal: &Principal,
        op: Operation,
        _: &DecisionRow,
        relations: PersonRelations,
        _: NaiveDate,
    ) -> Result<(), AppError> {
        policy::person_access(principal, op, relations).map(drop)
    }
}

/// The document of a stored decision, with the decision that replaced it
/// and, for a recovery, what is left of the claim.
pub fn document(tx: &mut Tx, row: &DecisionRow) -> Result<Decision, AppError> {
    let m = tx.municipality().to_owned();
    let adults = decisions::adults_of(tx.conn, &m, &row.id)?;
    let replaced_by = decisions::replaced_by(tx.conn, &m, &row.id)?;
    let outstanding = if row.kind == DecisionKind::Recovery.as_str() {
        Some(claims::outstanding_ore(tx, row)?)
    } else {
        None
    };
    Decision::new(row, &adults, replaced_by, outstanding)
}

/// Every decision about a person, newest first.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DecisionList {
    pub items: Vec<Decision>,
}

/// List the decisions about a person.
///
/// Every decision about the person, newest first: assistance decisions on
/// the applications where they are the applicant (replaced ones too, each
/// naming its replacement), recoveries and write-offs. Caseworkers and the
/// case system read them; reading is audited.
#[utoipa::path(
    get,
    path = "/api/v1/{municipality}/applicants/{id}/decisions",
    tag = "decisions",
    operation_id = "list_person_decisions",
    params(ResourcePath),
    responses(
        (status = 200, description = "The decisions", body = DecisionList),
    ),
    security(("bearer" = []))
)]
pub async fn list_person_decisions(
    caller: Caller,
    path: web::Path<ResourcePath>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ListDecisions;
    let municipality = caller.admit(op, &path.municipality).await?;
    let id = parse_id(&path.id)?.to_string();
    let list = caller
        .transact(op, municipality, move |tx| {
            tx.load::<crate::api::applicants::model::Applicant>(&id)?;
            let m = tx.municipality().to_owned();
            let items = decisions::of_person(tx.conn, &m, &id)?
                .iter()
                .map(|row| document(tx, row))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(DecisionList { items })
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

fn respond(status: StatusCode, decision: &Decision) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((
            actix_web::http::header::LOCATION,
            format!(
                "/api/v1/{}/decisions/{}",
                decision.municipality, decision.id
            ),
        ))
        .json(decision)
}

/// Read a decision.
///
/// The whole document: outcome, amount, period, legal basis, reasons,
/// persons covered, each adult's assessment, decision-maker, appeal notice,
/// and what it replaced or what replaced it. Caseworkers and the case
/// system read decisions; reading is audited.
#[utoipa::path(
    get,
    path = "/api/v1/{municipality}/decisions/{id}",
    tag = "decisions",
    operation_id = "get_decision",
    params(ResourcePath),
    responses(
        (status = 200, description = "The decision", body = Decision),
    ),
    security(("bearer" = []))
)]
pub async fn get_decision(
    caller: Caller,
    path: web::Path<ResourcePath>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ReadDecision;
    let municipality = caller.admit(op, &path.municipality).await?;
    let id = parse_id(&path.id)?.to_string();
    let decision = caller
        .transact(op, municipality, move |tx| {
            let (row, ()) = tx.load::<Decision>(&id)?;
            document(tx, &row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(decision))
}

/// Replace a decision.
///
/// Records a new decision on the same application in place of the one in
/// force: after reconsideration (*ändring*, FL 37–39 §§), a court's ruling,
/// or to put an obvious mistake right (FL 36 §), with the reason. The
/// replaced decision is kept and names its replacement; the same rules as
/// a first decision apply to the new one. Only the decision in force can
/// be replaced: 409 `decision-replaced` otherwise, also for the second of
/// two concurrent replacements.
#[utoipa::path(
    post,
    path = "/api/v1/{municipality}/decisions/{id}/replacement",
    tag = "decisions",
    operation_id = "replace_decision",
    params(ResourcePath),
    request_body(content = ReplacementBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The new decision, in force", body = Decision,
         headers(("Location" = String, description = "The new decision's URL"))),
        (status = 409, response = DecisionReplaced),
    ),
    security(("bearer" = []))
)]
pub async fn replace_decision(
    caller: Caller,
    path: web::Path<ResourcePath>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ReplaceDecision;
    let municipality = caller.admit(op, &path.municipality).await?;
    let id = parse_id(&path.id)?.to_string();
    let replacement = body.check(|b: &ReplacementBody| new_replacement(b, &caller.principal))?;
    let decision = caller
        .transact(op, municipality, move |tx| {
            let (old, ()) = tx.load::<Decision>(&id)?;
            let m = tx.municipality().to_owned();
            if decisions::replaced_by(tx.conn, &m, &old.id)?.is_some() {
                return Err(AppError::DecisionReplaced);
            }
            // A recovery or write-off is not replaced: a write-off lets go
            // of a claim (in whole or in part).
            let Some(application_id) = old.application_id.clone() else {
                return Err(AppError::Validation(vec![crate::domain::FieldError::new(
                    "decision",
                    "only an assistance decision is replaced; a recovery claim is let go of by a write-off",
                )]));
            };
            // The application is locked while the new decision goes in.
            applications::lock(tx.conn, &m, &application_id)?;
            let application = applications::find(tx.conn, &m, &application_id)?
                .ok_or_else(|| AppError::internal("decision without its application"))?;
            let status =
                crate::db::stored("applications.status", Status::parse(&application.status))?;
            if status != Status::Decided {
                return Err(AppError::internal("decision on an undecided application"));
            }
            let replacing = Replacing {
                decision: &old,
                ground: replacement.ground,
                reason: &replacement.reason,
            };
            let row = record(tx, &application, &replacement.decision, Some(replacing))?;
            document(tx, &row)
        })
        .await?;
    Ok(respond(StatusCode::CREATED, &decision))
}
