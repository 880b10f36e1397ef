//! The explicit actions that move an application (BR-4), each with `If-Match`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::decision::{DecisionBody, NewDecision, new_decision};
use super::view::Application;
use super::{present, respond};
use crate::api::context::Caller;
use crate::api::json::JsonBody;
use crate::api::params::ResourcePath;
use crate::api::params::{IfMatch, IfMatchHeader, if_match};
use crate::api::parse_id;
use crate::api::tx::Tx;
use crate::auth::policy::Operation;
use crate::db::applications::{self as repo, ApplicationRow, DecisionRow};
use crate::db::referrals;
use crate::db::{stored, unique_or};
use crate::domain::application::{Action, Status};
use crate::domain::event::EventType;
use crate::domain::referral;
use crate::domain::time;
use crate::domain::{FieldError, money};
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
        Some(body) => Some(body.check::<DecisionBody, _>(new_decision)?),
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
            if let Some(decision) = &decision
                && decision.support_month.to_string() != row.support_month
            {
                return Err(AppError::Validation(vec![FieldError::new(
                    "support_month",
                    format!(
                        "must be the application's support month, {}",
                        row.support_month
                    ),
                )]));
            }
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
                let decision_id = uuid::Uuid::now_v7().to_string();
                let decided = DecisionRow {
                    municipality: row.municipality.clone(),
                    id: decision_id.clone(),
                    application_id: id.clone(),
                    outcome: decision.outcome.as_str().to_owned(),
                    amount_ore: money::to_ore(decision.amount),
                    reason: decision.reason.clone(),
                    work_capacity_percent: decision.work_capacity_percent,
                    support_month: row.support_month.clone(),
                    decided_by: tx.principal().subject.clone(),
                    decided_at: tx.now(),
                };
                repo::insert_decision(tx.conn, &decided)
                    .map_err(unique_or(AppError::InvalidTransition("decided")))?;
                tx.emit(EventType::DecisionCreated, &decision_id);
                start_coach_rule(tx, &row, decision.work_capacity_percent)?;
            }
            tx.emit(EventType::ApplicationStatusChanged, &id);
            present(tx.conn, row, view)
        })
        .await?;
    Ok(respond(StatusCode::OK, &application))
}

/// BR-5: the assessed work capacity gives the referrals made from the
/// application before its decision their first meeting's due date.
fn start_coach_rule(
    tx: &mut Tx,
    application: &ApplicationRow,
    work_capacity_percent: i32,
) -> Result<(), AppError> {
    let applied_on = time::today_in_sweden(application.received_at.and_utc());
    for mut referral in
        referrals::awaiting_assessment(tx.conn, &application.municipality, &application.id)?
    {
        let due = referral::first_meeting_due(
            referral.referred_on,
            Some((applied_on, Some(work_capacity_percent))),
        );
        if due.is_none() {
            continue;
        }
        let version = referral.version;
        referral.first_meeting_due = due;
        referral.version += 1;
        referral.updated_at = tx.now();
        if !referrals::update(tx.conn, &referral, version)? {
            return Err(AppError::Contention);
        }
    }
    Ok(())
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

/// Decide an application under investigation (BR-3).
///
/// `granted` and `partially_granted` need an amount above zero; `rejected`
/// needs a reason. The support month must be the application's.
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
