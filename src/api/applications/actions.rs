//! The explicit actions that move an application (BR-4), each with `If-Match`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::decision::{DecisionBody, NewDecision, new_decision};
use super::view::Application;
use super::{present, respond};
use crate::api::context::Caller;
use crate::api::decisions::record::record;
use crate::api::json::JsonBody;
use crate::api::params::ResourcePath;
use crate::api::params::{IfMatch, IfMatchHeader, if_match};
use crate::api::parse_id;
use crate::auth::policy::Operation;
use crate::db::applications as repo;
use crate::db::stored;
use crate::domain::application::{Action, Status};
use crate::domain::event::EventType;
use crate::error::AppError;
use crate::error::catalogue::*;

/// Runs one action in one transaction: visibility, version, BR-4, the
/// decision when there is one, feed events and audit.
async fn act(
    req: &HttpRequest,
    caller: &Caller,
    path: &ResourcePath,
    (op, action): (Operation, Action),
    decision_body: Option<&JsonBody>,
) -> Result<HttpResponse, AppError> {
    let municipality = caller.admit(op, &path.municipality).await?;
    let id = parse_id(&path.id)?.to_string();
    let expected: IfMatch = if_match(req)?;
    let decision: Option<NewDecision> = match decision_body {
        Some(body) => Some(body.check(|b: &DecisionBody| new_decision(b, &caller.principal))?),
        None => None,
    };
    let application = caller
        .transact(op, municipality, move |tx| {
            let (mut row, view) = tx.load::<Application>(&id)?;
            if !expected.matches(row.version) {
                return Err(AppError::PreconditionFailed);
            }
            let current = stored("applications.status", Status::parse(&row.status))?;
            let next = current
                .apply(action)
                .map_err(|current| AppError::InvalidTransition(current.as_str()))?;
            // The guarded update comes first: it fails when anyone moved the
            // application since it was read (on PostgreSQL it also waits for
            // and then sees a concurrent move), and nothing is written then.
            let version = row.version;
            row.status = next.as_str().to_owned();
            row.version += 1;
            row.updated_at = tx.now();
            if !repo::update(tx.conn, &row, version)? {
                return Err(AppError::PreconditionFailed);
            }
            if let Some(decision) = &decision {
                record(tx, &row, decision, None)?;
            }
            tx.emit(EventType::ApplicationStatusChanged, &id);
            present(tx.conn, row, view)
        })
        .await?;
    Ok(respond(StatusCode::OK, &application))
}

/// Start the investigation (`received` → `under_investigation`).
///
/// Caseworkers and the case system start the investigation of a received
/// application (BR-4), with `If-Match` naming the version they read: 428
/// without it, 412 when the application has changed since, 409 with
/// `current_status` when the application is not `received`.
#[utoipa::path(
    post,
    path = "/api/v1/{municipality}/applications/{id}/investigation",
    tag = "applications",
    operation_id = "start_investigation",
    params(ResourcePath, IfMatchHeader),
    responses(
        (status = 200, description = "Under investigation", body = Application),
        (status = 409, response = InvalidTransition),
    ),
    security(("bearer" = []))
)]
pub async fn start_investigation(
    req: HttpRequest,
    caller: Caller,
    path: web::Path<ResourcePath>,
) -> Result<HttpResponse, AppError> {
    let op = (
        Operation::InvestigateApplication,
        Action::StartInvestigation,
    );
    act(&req, &caller, &path, op, None).await
}

/// Withdraw an application that is not yet decided.
///
/// The portal may withdraw what it submitted.
#[utoipa::path(
    post,
    path = "/api/v1/{municipality}/applications/{id}/withdraw",
    tag = "applications",
    operation_id = "withdraw_application",
    params(ResourcePath, IfMatchHeader),
    responses(
        (status = 200, description = "Withdrawn", body = Application),
        (status = 409, response = InvalidTransition),
    ),
    security(("bearer" = []))
)]
pub async fn withdraw_application(
    req: HttpRequest,
    caller: Caller,
    path: web::Path<ResourcePath>,
) -> Result<HttpResponse, AppError> {
    let op = (Operation::WithdrawApplication, Action::Withdraw);
    act(&req, &caller, &path, op, None).await
}

/// Decide an application under investigation.
///
/// The decision is the legal document the decision-maker signs: outcome,
/// amount, the period (within the support month), the provisions it rests
/// on, the reasons (required unless everything is granted, FL 32 §), the
/// persons covered, each covered adult's work capacity and
/// *försörjningshinder*, and the decision-maker with their delegation (the
/// case system names the caseworker it acts for). The answer carries the
/// appeal notice (FL 33 §). An adult assessed at 25 % or more starts the
/// coach-within-a-week rule for referrals made from the application (BR-5).
#[utoipa::path(
    post,
    path = "/api/v1/{municipality}/applications/{id}/decision",
    tag = "applications",
    operation_id = "decide_application",
    params(ResourcePath, IfMatchHeader),
    request_body(content = DecisionBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Decided; the decision is embedded", body = Application),
        (status = 409, response = InvalidTransition),
    ),
    security(("bearer" = []))
)]
pub async fn decide_application(
    req: HttpRequest,
    caller: Caller,
    path: web::Path<ResourcePath>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let op = (Operation::DecideApplication, Action::Decide);
    act(&req, &caller, &path, op, Some(&body)).await
}
