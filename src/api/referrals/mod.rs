//! Referrals to Viadidakt (*anvisningar*): `/api/v1/{municipality}/referrals`.
//!
//! Social services and AF refer a person; Viadidakt's coaches accept or
//! decline, book and hold the first meeting and close the referral. The
//! rules are BR-5 to BR-8, BR-6b and BR-12 (docs/referrals.md).

pub mod body;
pub mod interventions;
pub mod moves;
pub mod plan;
pub mod view;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::applicants::model::Applicant;
use super::context::Caller;
use super::idempotency::{self, StoredResponse};
use super::invalid;
use super::json::JsonBody;
use super::params::{
    IdempotencyKeyHeader, MunicipalityPath, ResourcePath, decode_cursor, etag, fill_page,
    page_limit, strict_uuid,
};
use super::tx::{Resource, Tx};
use super::{parameter_error, parse_id};
use crate::auth::Principal;
use crate::auth::policy::{self, Operation, ReferralFacts, ReferralView};
use crate::db::referrals::{self as repo, ListFilter, ReferralRow};
use crate::db::{DbConn, applications, consents, programmes};
use crate::domain::access::PersonRelations;
use crate::domain::consent::Recipient;
use crate::domain::event::EventType;
use crate::domain::referral::{self, AfPlan, ReferralStatus, Source};
use crate::domain::time;
use crate::error::AppError;
use crate::error::catalogue::*;
use body::{NewReferral, ReferralBody, new_referral};
use view::{Referral, ReferralPage, Work};

/// The provider referrals go to, as the service areas name it (BR-12).
const VIADIDAKT: &str = "viadidakt";

/// A referral, as the policy sees it: visible to the side that sent it and
/// to Viadidakt, each with the person's consent where the rules need it.
impl Resource for Referral {
    type Row = ReferralRow;
    type View = ReferralView;

    fn find(
        conn: &mut DbConn,
        municipality: &str,
        id: &str,
    ) -> Result<Option<ReferralRow>, AppError> {
        Ok(repo::find(conn, municipality, id)?)
    }

    fn person(row: &ReferralRow) -> &str {
        &row.applicant_id
    }

    fn access(
        principal: &Principal,
        _: Operation,
        row: &ReferralRow,
        relations: PersonRelations,
        today: NaiveDate,
    ) -> Result<ReferralView, AppError> {
        let facts = ReferralFacts {
            source: row.source()?,
            status: row.status()?,
            closed_on: row.closed_on,
        };
        policy::referral_access(principal, facts, relations, today)
    }
}

/// The referral as `view` sees it today, with what was recorded on it.
pub(crate) fn present(
    tx: &mut Tx,
    row: ReferralRow,
    view: ReferralView,
) -> Result<Referral, AppError> {
    let work = work_of(tx.conn, &row)?;
    Referral::new(row, work, view, tx.today())
}

/// The first meeting, plan and interventions of a referral, as of today.
pub(crate) fn work_of(conn: &mut DbConn, row: &ReferralRow) -> Result<Work, AppError> {
    let plan = programmes::current_plan(conn, &row.municipality, &row.id)?;
    Ok(Work {
        meeting: repo::first_meeting(conn, &row.municipality, &row.id)?,
        follow_up: plan.as_ref().map(|p| p.next_follow_up),
        plan,
        interventions: programmes::interventions_of(conn, &row.municipality, &row.id)?,
    })
}

/// [`work_of`], with the follow-up of the plan in force on `as_of`.
fn work_on(conn: &mut DbConn, row: &ReferralRow, as_of: NaiveDate) -> Result<Work, AppError> {
    let mut work = work_of(conn, row)?;
    work.follow_up =
        programmes::plan_on(conn, &row.municipality, &row.id, as_of)?.map(|p| p.next_follow_up);
    Ok(work)
}

/// The answer with the referral's `ETag`.
pub(crate) fn respond(status: StatusCode, referral: &Referral) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, etag(referral.version)))
        .json(referral)
}

/// Refer a person to Viadidakt.
///
/// Caseworkers and the case system refer from social services, linked to
/// the person's application where there is one; AF officers refer from
/// AF, for persons who consented to AF. The referral is refused with 409
/// when the person has no active consent to Viadidakt (BR-6b,
/// `consent-required`), when social services refer a person with an active
/// AF plan without recording that AF was consulted (BR-6, `af-plan-active`)
/// and when Viadidakt does not serve the municipality today (BR-12,
/// `outside-service-area`). Its `first_meeting_due` follows BR-5. An
/// optional `Idempotency-Key` makes a retried request refer once.
#[utoipa::path(
    post,
    path = "/api/v1/{municipality}/referrals",
    tag = "referrals",
    operation_id = "create_referral",
    params(MunicipalityPath, IdempotencyKeyHeader),
    request_body(content = ReferralBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Sent", body = Referral,
         headers(("ETag" = String, description = "The version, for If-Match"),
                 ("Location" = String, description = "The referral"),
                 ("Idempotent-Replayed" = String, description = "`true` on a replayed answer"))),
        (status = 409, response = ConsentRequired),
    ),
    security(("bearer" = []))
)]
pub async fn create_referral(
    req: HttpRequest,
    caller: Caller,
    path: web::Path<MunicipalityPath>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let op = Operation::CreateReferral;
    let municipality = caller.admit(op, &path.municipality).await?;
    let target = format!("{municipality}/referrals");
    let key = idempotency::key(&caller, op, &req, &target, &body)?;
    let side = policy::referring_side(&caller.principal)
        .ok_or_else(|| AppError::internal("a referring role without a side"))?;
    let new = body.check(|b: &ReferralBody| new_referral(b, side))?;
    let stored = caller
        .transact(op, municipality, move |tx| {
            idempotency::once_visible::<Referral>(tx, key.as_ref(), "referral.replay", |tx| {
                refer(tx, &new, side)
            })
        })
        .await?;
    Ok(stored.respond())
}

/// Sends one referral in the transaction, after every rule.
fn refer(tx: &mut Tx, new: &NewReferral, side: Source) -> Result<StoredResponse, AppError> {
    tx.load::<Applicant>(&new.applicant_id)?;
    let m = tx.municipality().to_owned();
    let person = new.applicant_id.as_str();
    let today = tx.today();
    if !repo::serves(tx.conn, VIADIDAKT, &m, today)? {
        return Err(AppError::OutsideServiceArea {
            municipality: m,
            day: today,
        });
    }
    if !consents::active_to(tx.conn, &m, person, Recipient::Viadidakt.as_str())? {
        return Err(AppError::ConsentRequired(Recipient::Viadidakt.as_str()));
    }
    if side == Source::SocialServices && !new.af_consulted && has_active_af_plan(tx, person)? {
        return Err(AppError::AfPlanActive(
            "the person has an active plan at the Employment Service; consult AF and \
             record it with af_consulted: true",
        ));
    }
    let application = match &new.application_id {
        Some(id) => Some(linked_application(tx, id, person)?),
        None => None,
    };
    let row = ReferralRow {
        municipality: m.clone(),
        id: Uuid::now_v7().to_string(),
        applicant_id: person.to_owned(),
        application_id: new.application_id.clone(),
        source: side.as_str().to_owned(),
        af_consulted: new.af_consulted,
        note: new.note.clone(),
        status: ReferralStatus::Sent.as_str().to_owned(),
        referred_on: today,
        first_meeting_due: referral::first_meeting_due(today, application),
        assigned_to: None,
        decline_reason: None,
        first_meeting_at: None,
        first_meeting_held_on: None,
        outcome: None,
        closed_on: None,
        ended_on: None,
        sent_by: tx.principal().subject.clone(),
        sent_role: tx.principal().role.as_str().to_owned(),
        version: 1,
        created_at: tx.now(),
        updated_at: tx.now(),
        next_follow_up: None,
    };
    repo::insert(tx.conn, &row)?;
    emit(tx, &row, EventType::ReferralCreated);
    tx.about(&row.id, person);
    let view = match side {
        Source::SocialServices => ReferralView::SocialServices,
        Source::EmploymentService => ReferralView::EmploymentService,
    };
    let location = format!("/api/v1/{m}/referrals/{}", row.id);
    let referral = Referral::new(row, Work::default(), view, today)?;
    StoredResponse::created(&referral, Some(location))
}

/// Whether the person follows an active plan at AF today, by AF's latest
/// report (BR-6).
pub(crate) fn has_active_af_plan(tx: &mut Tx, person: &str) -> Result<bool, AppError> {
    let today = tx.today();
    let current = repo::current_af_status(tx.conn, tx.municipality(), person)?;
    Ok(current
        .and_then(|s| {
            s.plan_from.map(|from| AfPlan {
                from,
                to: s.plan_to,
            })
        })
        .is_some_and(|plan| plan.is_active_on(today)))
}

/// The application a referral is linked to, as BR-5 needs it: the day it
/// came in and the person's work capacity as its decision in force assessed
/// it. The person must be its applicant or partner in the municipality:
/// 422 otherwise.
fn linked_application(
    tx: &mut Tx,
    id: &str,
    person: &str,
) -> Result<(NaiveDate, Option<i32>), AppError> {
    let m = tx.municipality().to_owned();
    let adults = crate::db::households::members_of(tx.conn, &m, id)?;
    let application = applications::find(tx.conn, &m, id)?
        .filter(|_| {
            // Only the applicant and the partner are assessed on the
            // decision (BR-5); another adult sharing the home applies on
            // their own.
            adults.iter().any(|a| {
                a.applicant_id.as_deref() == Some(person)
                    && matches!(a.role.as_str(), "applicant" | "partner")
            })
        })
        .ok_or_else(|| {
            invalid(
                "application_id",
                "must be an application of this person (as applicant or partner) in the municipality",
            )
        })?;
    let capacity = crate::db::decisions::capacity_on(tx.conn, &m, id, person)?;
    Ok((
        time::today_in_sweden(application.received_at.and_utc()),
        capacity,
    ))
}

/// A change of a referral. The feed is the case system's, so only
/// referrals from social services join it: AF's are not its to see, though
/// the indicators count them.
pub(crate) fn emit(tx: &mut Tx, row: &ReferralRow, event: EventType) {
    if row.source == Source::SocialServices.as_str() {
        tx.emit(event, &row.id);
    } else {
        tx.changed(event, &row.id);
    }
}

/// Read a referral.
///
/// The side that sent it reads it (AF with the person's consent to AF),
/// and Viadidakt's coaches while it is open or closed under 90 days ago,
/// with the person's consent to Viadidakt (BR-6b); anyone else gets 404.
/// AF's view has no mapping of the first meeting. Reading is audited.
#[utoipa::path(
    get,
    path = "/api/v1/{municipality}/referrals/{id}",
    tag = "referrals",
    operation_id = "get_referral",
    params(ResourcePath),
    responses(
        (status = 200, description = "The referral", body = Referral,
         headers(("ETag" = String, description = "The version, for If-Match"))),
    ),
    security(("bearer" = []))
)]
pub async fn get_referral(
    caller: Caller,
    path: web::Path<ResourcePath>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ReadReferral;
    let municipality = caller.admit(op, &path.municipality).await?;
    let id = parse_id(&path.id)?.to_string();
    let referral = caller
        .transact(op, municipality, move |tx| {
            let (row, view) = tx.load::<Referral>(&id)?;
            present(tx, row, view)
        })
        .await?;
    Ok(respond(StatusCode::OK, &referral))
}

/// Paging and filters of the referral list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReferralQuery {
    /// Items per page, 1–100 (default 25).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page: the list goes on after it.
    #[param(pattern = r"^[A-Za-z0-9_-]{22}$", example = "AZqT0Ko2cBeaQ3JZ7bZ5Xg")]
    pub cursor: Option<String>,
    /// Only referrals in this status.
    #[param(value_type = Option<ReferralStatus>)]
    pub status: Option<String>,
    /// Only referrals from this side.
    #[param(value_type = Option<Source>)]
    pub source: Option<String>,
    /// `me`: only those assigned to the caller (a coach's caseload).
    #[param(pattern = r"^me$", example = "me")]
    pub assigned_to: Option<String>,
    /// Only referrals of this person.
    #[param(format = Uuid)]
    pub applicant_id: Option<String>,
    /// `true`: only those whose first meeting is overdue on `as_of` (BR-5).
    #[param(value_type = Option<bool>)]
    pub overdue: Option<String>,
    /// `true`: only those whose plan's follow-up is overdue on `as_of`.
    #[param(value_type = Option<bool>)]
    pub follow_up_overdue: Option<String>,
    /// The day `overdue`, `follow_up_overdue`, `days_late` and
    /// `follow_up_days_late` are counted on, `YYYY-MM-DD` (default today in
    /// Sweden).
    #[param(value_type = Option<NaiveDate>, format = Date)]
    pub as_of: Option<String>,
}

/// List referrals.
///
/// In id (sending) order, cursor-paginated, each in the caller's view:
/// social services see the referrals they sent, AF those it sent of
/// persons who consented to AF, coaches those sent to Viadidakt while they
/// are open or closed under 90 days ago, of persons who consented to
/// Viadidakt. `assigned_to=me` is a coach's caseload; `overdue=true` lists
/// the referrals whose first meeting is overdue on `as_of` (default
/// today), each with `days_late` (BR-5). Every referral read is audited.
#[utoipa::path(
    get,
    path = "/api/v1/{municipality}/referrals",
    tag = "referrals",
    operation_id = "list_referrals",
    params(MunicipalityPath, ReferralQuery),
    responses(
        (status = 200, description = "One page", body = ReferralPage),
    ),
    security(("bearer" = []))
)]
pub async fn list_referrals(
    caller: Caller,
    path: web::Path<MunicipalityPath>,
    query: web::Query<ReferralQuery>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ListReferrals;
    let municipality = caller.admit(op, &path.municipality).await?;
    let limit = page_limit(query.limit, 25, 100)?;
    let after = query.cursor.as_deref().map(decode_cursor).transpose()?;
    let today = caller.today();
    let as_of = match query.as_of.as_deref() {
        Some(text) => time::parse_date(text)
            .ok_or_else(|| parameter_error("must be a date, YYYY-MM-DD", "as_of"))?,
        None => today,
    };
    let flag = |value: Option<&str>, name: &str| match value {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(parameter_error("must be true or false", name)),
    };
    let overdue = flag(query.overdue.as_deref(), "overdue")?;
    let follow_up_overdue = flag(query.follow_up_overdue.as_deref(), "follow_up_overdue")?;
    let filter = ListFilter {
        scope: policy::referral_scope(&caller.principal, today),
        status: query
            .status
            .as_deref()
            .map(|s| ReferralStatus::parse(s).map_err(|e| parameter_error(&e, "status")))
            .transpose()?
            .map(|s| s.as_str().to_owned()),
        source: query
            .source
            .as_deref()
            .map(|s| Source::parse(s).map_err(|e| parameter_error(&e, "source")))
            .transpose()?,
        assigned_to: match query.assigned_to.as_deref() {
            None => None,
            Some("me") => Some(caller.principal.subject.clone()),
            Some(_) => return Err(parameter_error("must be me", "assigned_to")),
        },
        applicant_id: query
            .applicant_id
            .as_deref()
            .map(|a| {
                strict_uuid(a)
                    .map(|u| u.to_string())
                    .ok_or_else(|| parameter_error("must be a UUID", "applicant_id"))
            })
            .transpose()?,
        overdue_on: overdue.then_some(as_of),
        follow_up_overdue_on: follow_up_overdue.then_some(as_of),
    };
    let page = caller
        .transact(op, municipality, move |tx| {
            list_page(tx, &filter, after.clone(), limit, as_of)
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// One page of the referrals the caller may see, each read audited.
fn list_page(
    tx: &mut Tx,
    filter: &ListFilter,
    after: Option<String>,
    limit: i64,
    as_of: NaiveDate,
) -> Result<ReferralPage, AppError> {
    let m = tx.municipality().to_owned();
    let principal = tx.principal().clone();
    let today = tx.today();
    let mut read = Vec::new();
    let (items, next_cursor) = fill_page(
        tx.conn,
        after,
        limit,
        |conn, after, n| Ok(repo::page(conn, &m, filter, after, n)?),
        |row| row.id.clone(),
        |conn, row| {
            // The filter above chose in SQL; the policy confirms each.
            let relations = crate::db::applicants::relations(conn, &m, &row.applicant_id, today)?;
            let facts = ReferralFacts {
                source: row.source()?,
                status: row.status()?,
                closed_on: row.closed_on,
            };
            let Some(view) = policy::referral_view(&principal, facts, relations, today) else {
                return Ok(None);
            };
            let work = work_on(conn, &row, as_of)?;
            let referral = Referral::new(row, work, view, as_of)?;
            // The SQL filter found a late follow-up agreed by then; only
            // one of the plan in force on the day counts.
            if filter.follow_up_overdue_on.is_some() && referral.follow_up_days_late.is_none() {
                return Ok(None);
            }
            read.push((referral.id.to_string(), referral.applicant_id.to_string()));
            Ok(Some(referral))
        },
    )?;
    tx.without_own_record();
    for (id, person) in &read {
        tx.read(id, person);
    }
    Ok(ReferralPage { items, next_cursor })
}
