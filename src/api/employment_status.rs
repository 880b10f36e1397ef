//! What the Employment Service (AF) reports about a person:
//! `/api/v1/{municipality}/applicants/{id}/employment-service-status`.
//!
//! AF officers record it; caseworkers and coaches record what AF told them.
//! Every report is kept; reads show the latest. An active plan at AF takes
//! precedence over a referral from social services (BR-6).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::applicants::model::{Applicant, required};
use super::context::Caller;
use super::formats::Line;
use super::json::JsonBody;
use super::params::ResourcePath;
use super::parse_id;
use crate::auth::Role;
use crate::auth::policy::Operation;
use crate::db::referrals::{self as repo, AfStatusRow};
use crate::db::{stored, stored_uuid};
use crate::domain::applicant::{self as rules, Checker};
use crate::domain::referral::AfPlan;
use crate::domain::time;
use crate::error::AppError;

/// A plan at AF, with its dates.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AfPlanBody {
    /// The first day of the plan.
    #[schema(value_type = NaiveDate, required = true, max_length = 10)]
    pub from: Option<String>,
    /// The last day, when the plan has one; not before `from`.
    #[schema(value_type = Option<NaiveDate>, max_length = 10)]
    pub to: Option<String>,
}

/// What AF reports about the person now.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "registered": true,
    "active_plan": { "from": "2026-11-01", "to": "2027-04-30" },
    "programme": "Kundval Rusta och matcha"
}))]
pub struct EmploymentStatusBody {
    /// Whether the person is registered at AF.
    #[schema(value_type = bool, required = true)]
    pub registered: Option<bool>,
    /// The person's plan at AF, if AF has one (only for a registered person).
    pub active_plan: Option<AfPlanBody>,
    /// The AF programme the person takes part in (only for a registered person).
    #[schema(value_type = Option<Line>)]
    pub programme: Option<String>,
}

/// A plan at AF.
#[derive(Debug, Serialize, ToSchema)]
pub struct AfPlanDates {
    pub from: NaiveDate,
    /// `null` when the plan has no set end.
    pub to: Option<NaiveDate>,
}

/// A report from AF about a person.
#[derive(Debug, Serialize, ToSchema)]
pub struct AfReport {
    pub registered: bool,
    pub active_plan: Option<AfPlanDates>,
    /// Whether the plan is in force today (BR-6: then it is the plan the
    /// person follows, and social services consult AF before referring).
    pub plan_in_force: bool,
    pub programme: Option<String>,
    /// Who recorded it: AF itself (`employment_officer`), or a caseworker
    /// or coach recording what AF told them.
    pub recorded_role: Role,
    pub recorded_at: DateTime<Utc>,
}

/// What AF has reported about a person: the latest report, if any.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmploymentServiceStatus {
    pub applicant_id: Uuid,
    /// The latest report; `null` while none is recorded.
    #[schema(required = true)]
    pub current: Option<AfReport>,
    /// How many reports have been recorded about the person (the earlier
    /// ones are kept).
    pub reports: i64,
}

impl EmploymentServiceStatus {
    /// What is recorded about `applicant_id`, as answered on `today`.
    pub(crate) fn of(
        conn: &mut crate::db::DbConn,
        municipality: &str,
        applicant_id: &str,
        today: NaiveDate,
    ) -> Result<Self, AppError> {
        let current = repo::current_af_status(conn, municipality, applicant_id)?;
        let reports = repo::af_status_count(conn, municipality, applicant_id)?;
        Ok(Self {
            applicant_id: stored_uuid("employment_service_statuses.applicant_id", applicant_id)?,
            current: current.map(|row| AfReport::new(row, today)).transpose()?,
            reports,
        })
    }
}

impl AfReport {
    fn new(row: AfStatusRow, today: NaiveDate) -> Result<Self, AppError> {
        let plan = row.plan_from.map(|from| AfPlan {
            from,
            to: row.plan_to,
        });
        Ok(Self {
            registered: row.registered,
            plan_in_force: plan.is_some_and(|p| p.is_active_on(today)),
            active_plan: plan.map(|p| AfPlanDates {
                from: p.from,
                to: p.to,
            }),
            programme: row.programme,
            recorded_role: stored(
                "employment_service_statuses.recorded_role",
                row.recorded_role.parse::<Role>(),
            )?,
            recorded_at: row.recorded_at.and_utc(),
        })
    }
}

/// A report whose every field has passed the rules.
struct NewStatus {
    registered: bool,
    plan: Option<AfPlan>,
    programme: Option<String>,
}

fn new_status(body: &EmploymentStatusBody) -> Result<NewStatus, AppError> {
    let mut c = Checker::default();
    let registered = c.check(
        "registered",
        body.registered.ok_or_else(|| "is required".to_owned()),
    );
    let unregistered = registered == Some(false);
    let plan = match &body.active_plan {
        None => Some(None),
        Some(_) if unregistered => c.check(
            "active_plan",
            Err("needs registered: true; AF plans only for those registered".into()),
        ),
        Some(plan) => {
            let date = |field: &str, text: &str| {
                time::parse_date(text).ok_or_else(|| format!("{field} must be a date, YYYY-MM-DD"))
            };
            let from = c.check(
                "active_plan.from",
                required(&plan.from).and_then(|t| date("from", t)),
            );
            let to = match &plan.to {
                Some(t) => c
                    .check(
                        "active_plan.to",
                        date("to", t).and_then(|to| match from {
                            Some(from) if to < from => Err("must not be before from".into()),
                            _ => Ok(to),
                        }),
                    )
                    .map(Some),
                None => Some(None),
            };
            match (from, to) {
                (Some(from), Some(to)) => Some(Some(AfPlan { from, to })),
                _ => None,
            }
        }
    };
    let programme = match &body.programme {
        None => Some(None),
        Some(_) if unregistered => c.check(
            "programme",
            Err("needs registered: true; AF programmes are for those registered".into()),
        ),
        Some(p) => c.check("programme", rules::line(p, 200)).map(Some),
    };
    c.finish().map_err(AppError::Validation)?;
    match (registered, plan, programme) {
        (Some(registered), Some(plan), Some(programme)) => Ok(NewStatus {
            registered,
            plan,
            programme,
        }),
        _ => Err(AppError::internal("validated field missing")),
    }
}

/// Record what AF reports about a person.
///
/// AF officers record it for persons who consented to AF; caseworkers and
/// coaches record what AF told them, for persons they see. Each report is
/// kept and becomes the current one; the answer is the current one.
#[utoipa::path(
    put,
    path = "/api/v1/{municipality}/applicants/{id}/employment-service-status",
    tag = "employment-service",
    operation_id = "put_employment_status",
    params(ResourcePath),
    request_body(content = EmploymentStatusBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Recorded; the current report", body = EmploymentServiceStatus),
    ),
    security(("bearer" = []))
)]
pub async fn put_employment_status(
    caller: Caller,
    path: web::Path<ResourcePath>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let op = Operation::UpdateEmploymentStatus;
    let municipality = caller.admit(op, &path.municipality).await?;
    let applicant_id = parse_id(&path.id)?.to_string();
    let new = body.check(new_status)?;
    let status = caller
        .transact(op, municipality, move |tx| {
            tx.load::<Applicant>(&applicant_id)?;
            let row = AfStatusRow {
                municipality: tx.municipality().to_owned(),
                id: Uuid::now_v7().to_string(),
                applicant_id: applicant_id.clone(),
                registered: new.registered,
                plan_from: new.plan.map(|p| p.from),
                plan_to: new.plan.and_then(|p| p.to),
                programme: new.programme.clone(),
                recorded_by: tx.principal().subject.clone(),
                recorded_role: tx.principal().role.as_str().to_owned(),
                recorded_at: tx.now(),
            };
            repo::insert_af_status(tx.conn, &row)?;
            tx.about(&row.id, &applicant_id);
            let m = tx.municipality().to_owned();
            EmploymentServiceStatus::of(tx.conn, &m, &applicant_id, tx.today())
        })
        .await?;
    Ok(HttpResponse::Ok().json(status))
}

/// Read what AF last reported about a person.
///
/// Caseworkers and the case system, AF officers for persons who consented
/// to AF, and coaches for persons referred to Viadidakt who consented to
/// it: the latest report (`current`, `null` while none is recorded) and how
/// many there are. Reading is audited.
#[utoipa::path(
    get,
    path = "/api/v1/{municipality}/applicants/{id}/employment-service-status",
    tag = "employment-service",
    operation_id = "get_employment_status",
    params(ResourcePath),
    responses(
        (status = 200, description = "What AF has reported", body = EmploymentServiceStatus),
    ),
    security(("bearer" = []))
)]
pub async fn get_employment_status(
    caller: Caller,
    path: web::Path<ResourcePath>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ReadEmploymentStatus;
    let municipality = caller.admit(op, &path.municipality).await?;
    let applicant_id = parse_id(&path.id)?.to_string();
    let status = caller
        .transact(op, municipality, move |tx| {
            tx.load::<Applicant>(&applicant_id)?;
            let m = tx.municipality().to_owned();
            EmploymentServiceStatus::of(tx.conn, &m, &applicant_id, tx.today())
        })
        .await?;
    Ok(HttpResponse::Ok().json(status))
}
