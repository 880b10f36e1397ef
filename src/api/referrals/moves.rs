//! The moves of a referral (BR-7), each with `If-Match`: accept, decline,
//! withdraw, the first meeting and closing.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;

use super::body::{
    AcceptBody, CloseBody, DeclineBody, FirstMeetingBody, NewFirstMeeting, assigned_coach, closing,
    decline_reason, new_first_meeting,
};
use super::view::Referral;
use super::{emit, present, respond};
use crate::api::context::Caller;
use crate::api::json::JsonBody;
use crate::api::params::{IfMatch, IfMatchHeader, ResourcePath, if_match};
use crate::api::parse_id;
use crate::api::tx::Tx;
use crate::auth::policy::Operation;
use crate::db::referrals::{self as repo, FirstMeetingRow, ReferralRow};
use crate::db::unique_or;
use crate::domain::Municipality;
use crate::domain::event::EventType;
use crate::domain::referral::Move;
use crate::domain::time;
use crate::error::AppError;
use crate::error::catalogue::*;

/// Runs one move in one transaction: visibility, version, BR-7, then
/// `change` to the row (and what it records beside it), feed and audit.
pub(super) async fn act<F>(
    req: &HttpRequest,
    caller: &Caller,
    (municipality, id): (Municipality, &str),
    (op, action): (Operation, Move),
    change: F,
) -> Result<HttpResponse, AppError>
where
    F: Fn(&mut Tx, &mut ReferralRow) -> Result<(), AppError> + Send + Sync + 'static,
{
    let id = parse_id(id)?.to_string();
    let expected: IfMatch = if_match(req)?;
    let referral = caller
        .transact(op, municipality, move |tx| {
            let (mut row, view) = tx.load::<Referral>(&id)?;
            if !expected.matches(row.version) {
                return Err(AppError::PreconditionFailed);
            }
            let next = row
                .status()?
                .apply(action)
                .map_err(|current| AppError::ReferralTransition(current.as_str()))?;
            let version = row.version;
            let moved = next.as_str() != row.status;
            row.status = next.as_str().to_owned();
            if next.is_ended() && row.ended_on.is_none() {
                row.ended_on = Some(tx.today());
            }
            change(tx, &mut row)?;
            row.version += 1;
            row.updated_at = tx.now();
            // The guarded update fails when anyone moved the referral since
            // it was read; nothing is written then.
            if !repo::update(tx.conn, &row, version)? {
                return Err(AppError::PreconditionFailed);
            }
            if moved {
                emit(tx, &row, EventType::ReferralStatusChanged);
            }
            present(tx, row, view)
        })
        .await?;
    Ok(respond(StatusCode::OK, &referral))
}

/// Accept a referral (`sent` → `accepted`).
///
/// A coach takes the referral on for Viadidakt and assigns a coach: the
/// caller, or the one named in `coach` (their `sub`). `If-Match` names the
/// version read (428 without, 412 when stale); 409 with `current_status`
/// when the referral is not `sent`.
#[utoipa::path(
    post,
    path = "/api/v1/{municipality}/referrals/{id}/accept",
    tag = "referrals",
    operation_id = "accept_referral",
    params(ResourcePath, IfMatchHeader),
    request_body(content = AcceptBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Accepted", body = Referral),
        (status = 409, response = InvalidTransition),
    ),
    security(("bearer" = []))
)]
pub async fn accept_referral(
    req: HttpRequest,
    caller: Caller,
    path: web::Path<ResourcePath>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let op = Operation::AcceptReferral;
    let municipality = caller.admit(op, &path.municipality).await?;
    let subject = caller.principal.subject.clone();
    let coach = body.check(|b: &AcceptBody| assigned_coach(b, &subject))?;
    let target = (municipality, path.id.as_str());
    act(&req, &caller, target, (op, Move::Accept), move |_, row| {
        row.assigned_to = Some(coach.clone());
        Ok(())
    })
    .await
}

/// Decline a referral (`sent` → `declined`), with a reason.
///
/// The reason is required (BR-7). The person is then no longer in the
/// coach's sight through this referral.
#[utoipa::path(
    post,
    path = "/api/v1/{municipality}/referrals/{id}/decline",
    tag = "referrals",
    operation_id = "decline_referral",
    params(ResourcePath, IfMatchHeader),
    request_body(content = DeclineBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Declined", body = Referral),
        (status = 409, response = InvalidTransition),
    ),
    security(("bearer" = []))
)]
pub async fn decline_referral(
    req: HttpRequest,
    caller: Caller,
    path: web::Path<ResourcePath>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let op = Operation::DeclineReferral;
    let municipality = caller.admit(op, &path.municipality).await?;
    let reason = body.check(decline_reason)?;
    let target = (municipality, path.id.as_str());
    act(&req, &caller, target, (op, Move::Decline), move |_, row| {
        row.decline_reason = Some(reason.clone());
        Ok(())
    })
    .await
}

/// Withdraw a referral not yet accepted (`sent` → `withdrawn`).
///
/// The side that sent it may take it back until Viadidakt has accepted or
/// declined it (BR-7).
#[utoipa::path(
    post,
    path = "/api/v1/{municipality}/referrals/{id}/withdraw",
    tag = "referrals",
    operation_id = "withdraw_referral",
    params(ResourcePath, IfMatchHeader),
    responses(
        (status = 200, description = "Withdrawn", body = Referral),
        (status = 409, response = InvalidTransition),
    ),
    security(("bearer" = []))
)]
pub async fn withdraw_referral(
    req: HttpRequest,
    caller: Caller,
    path: web::Path<ResourcePath>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::WithdrawReferral;
    let municipality = caller.admit(op, &path.municipality).await?;
    let target = (municipality, path.id.as_str());
    act(&req, &caller, target, (op, Move::Withdraw), |_, _| Ok(())).await
}

/// Book the first meeting, or record it held with the mapping.
///
/// With `scheduled_at` the coach books the meeting (`accepted` →
/// `first_meeting_booked`; a booked meeting may be booked again at another
/// time). With `held_at` and `mapping` the coach records it held
/// (`first_meeting_booked` → `first_meeting_held`): education, work
/// experience, health limits in the person's own words, languages, driving
/// licence and what AF answered. The caseworker reads the mapping as the
/// basis of the investigation. Whether it was held within the week of BR-5
/// shows in `first_meeting_due` and `days_late`.
#[utoipa::path(
    post,
    path = "/api/v1/{municipality}/referrals/{id}/first-meeting",
    tag = "referrals",
    operation_id = "record_first_meeting",
    params(ResourcePath, IfMatchHeader),
    request_body(content = FirstMeetingBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Booked or held", body = Referral),
        (status = 409, response = InvalidTransition),
    ),
    security(("bearer" = []))
)]
pub async fn record_first_meeting(
    req: HttpRequest,
    caller: Caller,
    path: web::Path<ResourcePath>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let op = Operation::RecordFirstMeeting;
    let municipality = caller.admit(op, &path.municipality).await?;
    let now = caller.now();
    // Checked before any work with no lower bound on the times, and again
    // in the transaction against the day of the referral.
    let action = match body.check(|b| new_first_meeting(b, NaiveDate::MIN, now))? {
        NewFirstMeeting::Book(_) => Move::BookFirstMeeting,
        NewFirstMeeting::Held(..) => Move::HoldFirstMeeting,
    };
    let target = (municipality, path.id.as_str());
    act(&req, &caller, target, (op, action), move |tx, row| {
        let meeting = body.check(|b| new_first_meeting(b, row.referred_on, now))?;
        match meeting {
            NewFirstMeeting::Book(at) => {
                row.first_meeting_at = Some(at.naive_utc());
            }
            NewFirstMeeting::Held(at, mapping) => {
                row.first_meeting_held_on = Some(time::today_in_sweden(at));
                repo::insert_first_meeting(
                    tx.conn,
                    &FirstMeetingRow {
                        municipality: row.municipality.clone(),
                        referral_id: row.id.clone(),
                        held_at: at.naive_utc(),
                        education_level: mapping.education_level.as_str().to_owned(),
                        work_experience: mapping.work_experience,
                        health_limits: mapping.health_limits,
                        languages: mapping.languages.join(","),
                        driving_licence: mapping.driving_licence,
                        af_answer: mapping.af_answer.as_str().to_owned(),
                        af_registration_guidance: mapping.af_registration_guidance,
                        recorded_by: tx.principal().subject.clone(),
                    },
                )
                // Recorded by a concurrent request since the referral was read.
                .map_err(unique_or(AppError::PreconditionFailed))?;
            }
        }
        Ok(())
    })
    .await
}

/// Close a referral with its outcome (BR-8).
///
/// `outcome` and `closed_on` are required; `work_unsubsidised`,
/// `work_subsidised` and `studies` count as self-sufficiency. A referral
/// Viadidakt has accepted may be closed from any later status; one still
/// `sent` is declined or withdrawn instead (409). The coach sees the person
/// for 90 days after `closed_on`.
#[utoipa::path(
    post,
    path = "/api/v1/{municipality}/referrals/{id}/close",
    tag = "referrals",
    operation_id = "close_referral",
    params(ResourcePath, IfMatchHeader),
    request_body(content = CloseBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Closed", body = Referral),
        (status = 409, response = InvalidTransition),
    ),
    security(("bearer" = []))
)]
pub async fn close_referral(
    req: HttpRequest,
    caller: Caller,
    path: web::Path<ResourcePath>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let op = Operation::CloseReferral;
    let municipality = caller.admit(op, &path.municipality).await?;
    let today = caller.today();
    // Checked before any work with no lower bound on the day, and again in
    // the transaction against the day of the referral.
    body.check(|b| closing(b, NaiveDate::MIN, today))?;
    let target = (municipality, path.id.as_str());
    act(&req, &caller, target, (op, Move::Close), move |_, row| {
        let (outcome, closed_on) = body.check(|b| closing(b, row.referred_on, today))?;
        row.outcome = Some(outcome.as_str().to_owned());
        row.closed_on = Some(closed_on);
        row.ended_on = Some(closed_on);
        Ok(())
    })
    .await
}
