//! The explicit actions that move an application (BR-4), each with `If-Match`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::model::{Application, DecisionBody, NewDecision, new_decision};
use super::{ApplicationPath, present, respond, visible_application};
use crate::api::admit;
use crate::api::json::JsonBody;
use crate::api::params::{IfMatch, IfMatchHeader, if_match};
use crate::api::parse_id;
use crate::audit::{self, AuditEvent};
use crate::auth::Principal;
use crate::auth::policy::Operation;
use crate::db::applications::{self as repo, DecisionRow};
use crate::db::events::{self, NewEvent};
use crate::db::is_unique_violation;
use crate::domain::application::{Action, Status};
use crate::domain::event::EventType;
use crate::domain::{FieldError, money, time};
use crate::error::AppError;
use crate::openapi::problems::*;
use crate::startup::AppState;
use crate::telemetry::RequestId;

/// Runs one action in one transaction: visibility, version, BR-4, the
/// decision when there is one, feed events and audit.
async fn act(
    req: &HttpRequest,
    state: &AppState,
    principal: Principal,
    request_id: RequestId,
    path: &ApplicationPath,
    (op, action): (Operation, Action),
    decision_body: Option<&JsonBody>,
) -> Result<HttpResponse, AppError> {
    let municipality = admit(state, &principal, &request_id.0, op, &path.municipality).await?;
    let id = parse_id(&path.id)?.to_string();
    let expected: IfMatch = if_match(req)?;
    let decision: Option<NewDecision> = match decision_body {
        Some(body) => Some(body.check::<DecisionBody, _>(new_decision)?),
        None => None,
    };
    let event = AuditEvent::of(&principal, &request_id.0, op).municipality(municipality.as_str());
    let application: Application = state
        .write(principal.client_check(&request_id.0), move |conn| {
            let m = municipality.as_str();
            let event = event.resource(&id);
            let (mut row, view) = match visible_application(conn, &principal, op, &event, m, &id)? {
                Ok(found) => found,
                Err(refusal) => return Ok(Err(refusal)),
            };
            if !expected.matches(row.version) {
                return Ok(Err(AppError::PreconditionFailed));
            }
            let current = Status::parse(&row.status).map_err(AppError::internal)?;
            let next = match current.apply(action) {
                Ok(next) => next,
                Err(current) => return Ok(Err(AppError::InvalidTransition(current.as_str()))),
            };
            let now = time::now().naive_utc();
            if let Some(decision) = &decision
                && decision.support_month.to_string() != row.support_month
            {
                return Ok(Err(AppError::Validation(vec![FieldError::new(
                    "support_month",
                    format!(
                        "must be the application's support month, {}",
                        row.support_month
                    ),
                )])));
            }
            // The guarded update comes first: it fails when anyone moved the
            // application since it was read (on PostgreSQL it also waits for
            // and then sees a concurrent move), and nothing is written then.
            let version = row.version;
            row.status = next.as_str().to_owned();
            row.version += 1;
            row.updated_at = now;
            if !repo::update(conn, &row, version)? {
                return Err(AppError::PreconditionFailed);
            }
            let mut new_events = Vec::new();
            if let Some(decision) = &decision {
                let decision_id = uuid::Uuid::now_v7().to_string();
                repo::insert_decision(
                    conn,
                    &DecisionRow {
                        municipality: m.to_owned(),
                        id: decision_id.clone(),
                        application_id: id.clone(),
                        outcome: decision.outcome.as_str().to_owned(),
                        amount_ore: money::to_ore(decision.amount),
                        reason: decision.reason.clone(),
                        work_capacity_percent: decision.work_capacity_percent,
                        support_month: row.support_month.clone(),
                        decided_by: principal.subject.clone(),
                        decided_at: now,
                    },
                )
                .map_err(|e| {
                    if is_unique_violation(&e) {
                        AppError::InvalidTransition("decided")
                    } else {
                        e.into()
                    }
                })?;
                new_events.push(NewEvent::new(m, EventType::DecisionCreated, &decision_id));
            }
            new_events.push(NewEvent::new(m, EventType::ApplicationStatusChanged, &id));
            events::append(conn, &new_events, now)?;
            let event = event.about(&id, &row.applicant_id);
            let application = present(conn, row, view)?;
            audit::append(conn, &[event])?;
            Ok(Ok(application))
        })
        .await??;
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
    params(ApplicationPath, IfMatchHeader),
    responses(
        (status = 200, description = "Under investigation", body = Application),
        (status = 400, response = InvalidParameter),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = InvalidTransition),
        (status = 412, response = PreconditionFailed),
        (status = 428, response = PreconditionRequired),
    ),
    security(("bearer" = []))
)]
pub async fn start_investigation(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    request_id: RequestId,
    path: web::Path<ApplicationPath>,
) -> Result<HttpResponse, AppError> {
    let op = (
        Operation::InvestigateApplication,
        Action::StartInvestigation,
    );
    act(&req, &state, principal, request_id, &path, op, None).await
}

/// Withdraw an application that is not yet decided.
///
/// The portal may withdraw what it submitted.
#[utoipa::path(
    post,
    path = "/api/v1/{municipality}/applications/{id}/withdraw",
    tag = "applications",
    operation_id = "withdraw_application",
    params(ApplicationPath, IfMatchHeader),
    responses(
        (status = 200, description = "Withdrawn", body = Application),
        (status = 400, response = InvalidParameter),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = InvalidTransition),
        (status = 412, response = PreconditionFailed),
        (status = 428, response = PreconditionRequired),
    ),
    security(("bearer" = []))
)]
pub async fn withdraw_application(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    request_id: RequestId,
    path: web::Path<ApplicationPath>,
) -> Result<HttpResponse, AppError> {
    let op = (Operation::WithdrawApplication, Action::Withdraw);
    act(&req, &state, principal, request_id, &path, op, None).await
}

/// Decide an application under investigation (BR-3).
///
/// `granted` and `partially_granted` need an amount above zero; `rejected`
/// needs a reason. The support month must be the application's.
#[utoipa::path(
    post,
    path = "/api/v1/{municipality}/applications/{id}/decision",
    tag = "applications",
    operation_id = "decide_application",
    params(ApplicationPath, IfMatchHeader),
    request_body(content = DecisionBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Decided; the decision is embedded", body = Application),
        (status = 400, response = MalformedBody),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = InvalidTransition),
        (status = 412, response = PreconditionFailed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = ValidationFailed),
        (status = 428, response = PreconditionRequired),
    ),
    security(("bearer" = []))
)]
pub async fn decide_application(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    request_id: RequestId,
    path: web::Path<ApplicationPath>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let op = (Operation::DecideApplication, Action::Decide);
    act(&req, &state, principal, request_id, &path, op, Some(&body)).await
}
