//! The three-party implementation plan (*genomförandeplan*) of a referral:
//! `POST /api/v1/{municipality}/referrals/{id}/plan`.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;

use super::moves::act;
use crate::api::applicants::model::required;
use crate::api::context::Caller;
use crate::api::formats::Line;
use crate::api::json::JsonBody;
use crate::api::params::{IfMatchHeader, ResourcePath};
use crate::auth::policy::Operation;
use crate::db::programmes::{self as repo, PlanRow};
use crate::db::referrals as referrals_repo;
use crate::domain::applicant::{self as rules, Checker};
use crate::domain::referral::{AfPlan, Move, PLAN_PARTIES, PlanParticipant};
use crate::domain::time;
use crate::error::AppError;
use crate::error::catalogue::*;

use super::view::Referral;

/// A three-party plan, agreed by the person, the caseworker and the coach.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "agreed_on": "2026-11-25",
    "participants": ["person", "caseworker", "coach"],
    "goals": ["Praktik inom äldreomsorgen från januari", "Körkortsteori"],
    "next_follow_up": "2026-12-16"
}))]
pub struct PlanBody {
    /// The day it was agreed: not before the first meeting, not in the future.
    #[schema(value_type = NaiveDate, required = true, max_length = 10)]
    pub agreed_on: Option<String>,
    /// Who agreed it: the person, the caseworker and the coach (who was
    /// present) must all be named; AF may be too.
    #[schema(value_type = Vec<PlanParticipant>, required = true, min_items = 3, max_items = 4)]
    pub participants: Option<Vec<String>>,
    /// The goals, 1–10 lines.
    #[schema(value_type = Vec<Line>, required = true, min_items = 1, max_items = 10)]
    pub goals: Option<Vec<String>>,
    /// The next follow-up: after `agreed_on`.
    #[schema(value_type = NaiveDate, required = true, max_length = 10)]
    pub next_follow_up: Option<String>,
    /// Required `true` when the person has a plan at AF in force (BR-6): the
    /// plan then names it, as the one the person follows.
    pub follows_af_plan: Option<bool>,
}

/// A plan whose every field has passed the rules.
struct NewPlan {
    agreed_on: NaiveDate,
    participants: Vec<PlanParticipant>,
    goals: Vec<String>,
    next_follow_up: NaiveDate,
    follows_af_plan: bool,
}

fn date(c: &mut Checker, field: &str, value: &Option<String>) -> Option<NaiveDate> {
    c.check(
        field,
        required(value)
            .and_then(|d| time::parse_date(d).ok_or_else(|| "must be a date, YYYY-MM-DD".into())),
    )
}

fn new_plan(body: &PlanBody, earliest: NaiveDate, today: NaiveDate) -> Result<NewPlan, AppError> {
    let mut c = Checker::default();
    let agreed_on = date(&mut c, "agreed_on", &body.agreed_on).and_then(|d| {
        let check = if d > today {
            Err("must not be in the future".to_owned())
        } else if d < earliest {
            Err(format!("must not be before the first meeting ({earliest})"))
        } else {
            Ok(d)
        };
        c.check("agreed_on", check)
    });
    let participants = match &body.participants {
        None => c.check("participants", Err("is required".into())),
        Some(list) => {
            let parsed: Result<Vec<PlanParticipant>, String> =
                list.iter().map(|p| PlanParticipant::parse(p)).collect();
            c.check(
                "participants",
                parsed.and_then(|parts| {
                    let once = parts.iter().enumerate().all(|(i, p)| !parts[..i].contains(p));
                    if PLAN_PARTIES.iter().all(|p| parts.contains(p)) && once {
                        Ok(parts)
                    } else {
                        Err("must name person, caseworker and coach, each once (and may name employment_service)".into())
                    }
                }),
            )
        }
    };
    let goals = match &body.goals {
        None => c.check("goals", Err("is required".into())),
        Some(list) if list.is_empty() || list.len() > 10 => {
            c.check("goals", Err("must hold 1 to 10 goals".into()))
        }
        Some(list) => {
            let mut goals = Vec::new();
            for (i, goal) in list.iter().enumerate() {
                if let Some(g) = c.check(&format!("goals[{i}]"), rules::line(goal, 200)) {
                    goals.push(g);
                }
            }
            (goals.len() == list.len()).then_some(goals)
        }
    };
    let next_follow_up =
        date(&mut c, "next_follow_up", &body.next_follow_up).and_then(|d| match agreed_on {
            Some(agreed) if d <= agreed => c.check(
                "next_follow_up",
                Err::<NaiveDate, _>("must be after agreed_on".into()),
            ),
            _ => Some(d),
        });
    c.finish().map_err(AppError::Validation)?;
    match (agreed_on, participants, goals, next_follow_up) {
        (Some(agreed_on), Some(participants), Some(goals), Some(next_follow_up)) => Ok(NewPlan {
            agreed_on,
            participants,
            goals,
            next_follow_up,
            follows_af_plan: body.follows_af_plan.unwrap_or(false),
        }),
        _ => Err(AppError::internal("validated field missing")),
    }
}

/// Agree the three-party plan, or revise it at a follow-up.
///
/// The coach, or the caseworker of a referral from social services,
/// records the plan the person, the caseworker and the coach agreed:
/// goals and the next follow-up (`first_meeting_held` → `plan_established`;
/// each later plan is a new revision, the earlier ones are kept). When the
/// person has a plan at AF in force, the plan must name it
/// (`follows_af_plan: true`, 409 `af-plan-active` otherwise): it is the one
/// the person follows (BR-6). Follow-ups past their day are listed with
/// `GET .../referrals?follow_up_overdue=true`.
#[utoipa::path(
    post,
    path = "/api/v1/{municipality}/referrals/{id}/plan",
    tag = "referrals",
    operation_id = "establish_plan",
    params(ResourcePath, IfMatchHeader),
    request_body(content = PlanBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Agreed; the referral with its plan", body = Referral),
        (status = 409, response = AfPlanActive),
    ),
    security(("bearer" = []))
)]
pub async fn establish_plan(
    req: HttpRequest,
    caller: Caller,
    path: web::Path<ResourcePath>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let op = Operation::EstablishPlan;
    let municipality = caller.admit(op, &path.municipality).await?;
    let today = caller.today();
    // Checked before any work with no lower bound on the day, and again in
    // the transaction against the day of the first meeting.
    body.check(|b| new_plan(b, NaiveDate::MIN, today))?;
    let target = (municipality, path.id.as_str());
    act(
        &req,
        &caller,
        target,
        (op, Move::EstablishPlan),
        move |tx, row| {
            let earliest = row.first_meeting_held_on.unwrap_or(row.referred_on);
            let plan = body.check(|b| new_plan(b, earliest, today))?;
            let status =
                referrals_repo::current_af_status(tx.conn, &row.municipality, &row.applicant_id)?;
            let af_plan = status
                .and_then(|s| {
                    s.plan_from.map(|from| AfPlan {
                        from,
                        to: s.plan_to,
                    })
                })
                .filter(|p| p.is_active_on(plan.agreed_on));
            let followed = match (af_plan, plan.follows_af_plan) {
                (Some(_), false) => {
                    return Err(AppError::AfPlanActive(
                        "the person has a plan at the Employment Service in force; the \
                     implementation plan names it (follows_af_plan: true), as the plan \
                     the person follows",
                    ));
                }
                (None, true) => {
                    return Err(AppError::Validation(vec![crate::domain::FieldError::new(
                        "follows_af_plan",
                        "the person has no plan at AF in force on agreed_on",
                    )]));
                }
                (plan, _) => plan,
            };
            let revision = repo::current_plan(tx.conn, &row.municipality, &row.id)?
                .map_or(1, |p| p.revision + 1);
            let goals = serde_json::to_string(&plan.goals).map_err(AppError::internal)?;
            repo::insert_plan(
                tx.conn,
                &PlanRow {
                    municipality: row.municipality.clone(),
                    referral_id: row.id.clone(),
                    revision,
                    agreed_on: plan.agreed_on,
                    participants: plan
                        .participants
                        .iter()
                        .map(|p| p.as_str())
                        .collect::<Vec<_>>()
                        .join(","),
                    goals,
                    next_follow_up: plan.next_follow_up,
                    af_plan_from: followed.map(|p| p.from),
                    af_plan_to: followed.and_then(|p| p.to),
                    recorded_by: tx.principal().subject.clone(),
                    recorded_role: tx.principal().role.as_str().to_owned(),
                    recorded_at: tx.now(),
                },
            )?;
            row.next_follow_up = Some(plan.next_follow_up);
            Ok(())
        },
    )
    .await
}
