//! Meetings held under a cooperation agreement (BR-10):
//! `/api/v1/{municipality}/agreements/{id}/meetings`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{AgreementParty, date, lines, load};
use crate::api::applicants::model::required;
use crate::api::context::Caller;
use crate::api::formats::{Line, ResourceId};
use crate::api::json::JsonBody;
use crate::api::params::{
    ListQuery, ResourcePath, cut_page, decode_cursor, page_limit, strict_uuid,
};
use crate::api::parse_id;
use crate::auth::policy::{self, Operation};
use crate::db::agreements::{self as repo, MeetingRow};
use crate::db::{applicants, consents, stored, stored_uuid};
use crate::domain::FieldError;
use crate::domain::agreement::{MeetingKind, Party, in_force};
use crate::domain::applicant::Checker;
use crate::domain::consent::Recipient;
use crate::error::AppError;
use crate::error::catalogue::*;

/// A meeting to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "operational", "held_on": "2026-11-24",
    "units_present": ["social_services", "viadidakt", "employment_service"],
    "persons": ["019a2b3c-0000-7000-8000-000000000001"],
    "actions": ["AF bokar inskrivningsmöte", "Coachen ordnar praktikplats"]
}))]
pub struct MeetingBody {
    #[schema(value_type = MeetingKind, required = true)]
    pub kind: Option<String>,
    /// Within the agreement's validity, not in the future.
    #[schema(value_type = NaiveDate, required = true, max_length = 10)]
    pub held_on: Option<String>,
    /// The parties present, 1–3, each a party to the agreement.
    #[schema(value_type = Vec<Party>, required = true, min_items = 1, max_items = 3)]
    pub units_present: Option<Vec<String>>,
    /// The persons discussed, by applicant id (at most 50); each needs an
    /// active consent to AF (BR-10).
    #[schema(value_type = Vec<ResourceId>, max_items = 50)]
    pub persons: Option<Vec<String>>,
    /// The actions agreed, at most 20 lines.
    #[schema(value_type = Vec<Line>, max_items = 20)]
    pub actions: Option<Vec<String>>,
}

/// A cooperation meeting.
#[derive(Debug, Serialize, ToSchema)]
pub struct Meeting {
    pub id: Uuid,
    pub agreement_id: Uuid,
    pub kind: MeetingKind,
    pub held_on: NaiveDate,
    pub units_present: Vec<Party>,
    /// The persons discussed whom the caller may see.
    pub persons: Vec<Uuid>,
    /// How many persons discussed are left out because the caller may not
    /// see them (now).
    pub persons_withheld: usize,
    pub actions: Vec<String>,
    pub created_at: DateTime<Utc>,
}

/// One page of meetings.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingPage {
    pub items: Vec<Meeting>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A meeting whose every field has passed the rules.
struct NewMeeting {
    kind: MeetingKind,
    held_on: NaiveDate,
    units_present: Vec<Party>,
    persons: Vec<String>,
    actions: Vec<String>,
}

fn new_meeting(body: &MeetingBody, today: NaiveDate) -> Result<NewMeeting, AppError> {
    let mut c = Checker::default();
    let kind = c.check("kind", required(&body.kind).and_then(MeetingKind::parse));
    let held_on = date(&mut c, "held_on", &body.held_on).and_then(|d| {
        if d > today {
            c.check("held_on", Err("must not be in the future".into()))
        } else {
            Some(d)
        }
    });
    let units_present = match &body.units_present {
        None => c.check("units_present", Err("is required".into())),
        Some(list) if list.is_empty() || list.len() > 3 => {
            c.check("units_present", Err("must name 1 to 3 parties".into()))
        }
        Some(list) => {
            let parsed: Result<Vec<Party>, String> = list.iter().map(|u| Party::parse(u)).collect();
            c.check(
                "units_present",
                parsed.and_then(|units| {
                    if units
                        .iter()
                        .enumerate()
                        .all(|(i, u)| !units[..i].contains(u))
                    {
                        Ok(units)
                    } else {
                        Err("names a party twice".into())
                    }
                }),
            )
        }
    };
    let persons = match &body.persons {
        None => Some(Vec::new()),
        Some(list) if list.len() > 50 => {
            c.check("persons", Err("must name at most 50 persons".into()))
        }
        Some(list) => {
            let mut ids = Vec::new();
            for (i, p) in list.iter().enumerate() {
                if let Some(id) = c.check(
                    &format!("persons[{i}]"),
                    strict_uuid(p)
                        .map(|u| u.to_string())
                        .ok_or_else(|| "must be a UUID".to_owned()),
                ) && !ids.contains(&id)
                {
                    ids.push(id);
                }
            }
            Some(ids)
        }
    };
    let actions = match &body.actions {
        None => Some(Vec::new()),
        Some(list) => lines(&mut c, "actions", list, 20),
    };
    c.finish().map_err(AppError::Validation)?;
    match (kind, held_on, units_present, persons, actions) {
        (Some(kind), Some(held_on), Some(units_present), Some(persons), Some(actions)) => {
            Ok(NewMeeting {
                kind,
                held_on,
                units_present,
                persons,
                actions,
            })
        }
        _ => Err(AppError::internal("validated field missing")),
    }
}

/// Record a cooperation meeting (BR-10).
///
/// Caseworkers, coaches and AF officers record the meetings held under the
/// agreement: operational (weekly) or strategic, the day, the parties
/// present, the persons discussed and the actions agreed. A day outside the
/// agreement's validity is a 409 (`outside-agreement`); a person who is not
/// registered in the municipality is a 422, and one without an active
/// consent to AF a 409 (`consent-required`): secrecy is never broken
/// (OSL 26:1, 12:2). Each person listed is audited.
#[utoipa::path(
    post,
    path = "/api/v1/{municipality}/agreements/{id}/meetings",
    tag = "agreements",
    operation_id = "create_meeting",
    params(ResourcePath),
    request_body(content = MeetingBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Recorded", body = Meeting),
        (status = 409, response = OutsideAgreement),
    ),
    security(("bearer" = []))
)]
pub async fn create_meeting(
    caller: Caller,
    path: web::Path<ResourcePath>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let op = Operation::CreateMeeting;
    let municipality = caller.admit(op, &path.municipality).await?;
    let agreement_id = parse_id(&path.id)?.to_string();
    let new = body.check(|b| new_meeting(b, caller.today()))?;
    let meeting = caller
        .transact(op, municipality, move |tx| {
            let agreement = load(tx, &agreement_id)?;
            if !in_force(agreement.valid_from, agreement.valid_to, new.held_on) {
                return Err(AppError::OutsideAgreement);
            }
            let parties: Vec<AgreementParty> = stored(
                "agreements.parties",
                serde_json::from_str(&agreement.parties),
            )?;
            if let Some(stranger) = new
                .units_present
                .iter()
                .find(|u| !parties.iter().any(|p| p.unit == **u))
            {
                return Err(AppError::Validation(vec![FieldError::new(
                    "units_present",
                    format!("{} is not a party to the agreement", stranger.as_str()),
                )]));
            }
            let m = tx.municipality().to_owned();
            let principal = tx.principal().clone();
            let today = tx.today();
            // A person the caller may not see is answered as one not
            // registered, so that a meeting never reveals who exists.
            let mut unknown = Vec::new();
            for (i, person) in new.persons.iter().enumerate() {
                let visible = applicants::find(tx.conn, &m, person)?.is_some()
                    && policy::person_view(
                        &principal,
                        applicants::relations(tx.conn, &m, person, today)?,
                    )
                    .is_some();
                if !visible {
                    unknown.push(FieldError::new(
                        format!("persons[{i}]"),
                        "must be a person registered in the municipality whom the caller sees",
                    ));
                }
            }
            if !unknown.is_empty() {
                return Err(AppError::Validation(unknown));
            }
            for person in &new.persons {
                if !consents::active_to(tx.conn, &m, person, Recipient::EmploymentService.as_str())?
                {
                    tx.about(&agreement_id, person);
                    return Err(AppError::ConsentRequired(
                        Recipient::EmploymentService.as_str(),
                    ));
                }
            }
            let row = MeetingRow {
                municipality: m.clone(),
                id: Uuid::now_v7().to_string(),
                agreement_id: agreement_id.clone(),
                kind: new.kind.as_str().to_owned(),
                held_on: new.held_on,
                units_present: new
                    .units_present
                    .iter()
                    .map(|u| u.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                actions: serde_json::to_string(&new.actions).map_err(AppError::internal)?,
                recorded_by: tx.principal().subject.clone(),
                recorded_role: tx.principal().role.as_str().to_owned(),
                created_at: tx.now(),
            };
            repo::insert_meeting(tx.conn, &row, &new.persons)?;
            if new.persons.is_empty() {
                tx.about_resource(&row.id);
            } else {
                for person in &new.persons {
                    tx.read(&row.id, person);
                }
            }
            meeting(row, new.persons.clone(), 0)
        })
        .await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(meeting))
}

fn meeting(row: MeetingRow, persons: Vec<String>, withheld: usize) -> Result<Meeting, AppError> {
    Ok(Meeting {
        id: stored_uuid("cooperation_meetings.id", &row.id)?,
        agreement_id: stored_uuid("cooperation_meetings.agreement_id", &row.agreement_id)?,
        kind: stored("cooperation_meetings.kind", MeetingKind::parse(&row.kind))?,
        held_on: row.held_on,
        units_present: row
            .units_present
            .split(',')
            .map(|u| stored("cooperation_meetings.units_present", Party::parse(u)))
            .collect::<Result<_, _>>()?,
        persons: persons
            .iter()
            .map(|p| stored_uuid("meeting_persons.applicant_id", p))
            .collect::<Result<_, _>>()?,
        persons_withheld: withheld,
        actions: stored(
            "cooperation_meetings.actions",
            serde_json::from_str(&row.actions),
        )?,
        created_at: row.created_at.and_utc(),
    })
}

/// List the meetings held under an agreement.
///
/// The three parties read them, in id order. Of the persons discussed each
/// caller sees those it may see now (a caseworker all; a coach those with a
/// referral to Viadidakt and consent; AF those with consent to AF); the
/// others are counted in `persons_withheld`. Each person listed is audited.
#[utoipa::path(
    get,
    path = "/api/v1/{municipality}/agreements/{id}/meetings",
    tag = "agreements",
    operation_id = "list_meetings",
    params(ResourcePath, ListQuery),
    responses((status = 200, description = "One page", body = MeetingPage)),
    security(("bearer" = []))
)]
pub async fn list_meetings(
    caller: Caller,
    path: web::Path<ResourcePath>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ListMeetings;
    let municipality = caller.admit(op, &path.municipality).await?;
    let agreement_id = parse_id(&path.id)?.to_string();
    let limit = page_limit(query.limit, 25, 100)?;
    let after = query.cursor.as_deref().map(decode_cursor).transpose()?;
    let page = caller
        .transact(op, municipality, move |tx| {
            load(tx, &agreement_id)?;
            let m = tx.municipality().to_owned();
            let principal = tx.principal().clone();
            let today = tx.today();
            let mut rows = repo::meetings(tx.conn, &m, &agreement_id, after.as_deref(), limit + 1)?;
            let next_cursor = cut_page(&mut rows, limit, |(r, _)| &r.id);
            let mut items = Vec::new();
            let mut read = Vec::new();
            for (row, persons) in rows {
                let total = persons.len();
                let mut shown = Vec::new();
                for person in persons {
                    let relations = applicants::relations(tx.conn, &m, &person, today)?;
                    if policy::person_view(&principal, relations).is_some() {
                        read.push((row.id.clone(), person.clone()));
                        shown.push(person);
                    }
                }
                let withheld = total - shown.len();
                items.push(meeting(row, shown, withheld)?);
            }
            for (meeting, person) in &read {
                tx.read(meeting, person);
            }
            Ok(MeetingPage { items, next_cursor })
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}
