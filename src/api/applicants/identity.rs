//! A person's numbers over time: a coordination number replaced by a
//! personal number, `GET`/`POST /api/v1/{municipality}/applicants/{id}/personal-numbers`.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{Applicant, required};
use crate::api::context::Caller;
use crate::api::formats::{PersonalNumber as PersonalNumberText, Reasons};
use crate::api::json::JsonBody;
use crate::api::params::{IfMatch, IfMatchHeader, ResourcePath, etag, if_match};
use crate::api::parse_id;
use crate::api::tx::Tx;
use crate::auth::policy::Operation;
use crate::db::applicants::{self as repo, ApplicantRow, FormerNumberRow};
use crate::db::unique_or;
use crate::domain::PersonalNumber;
use crate::domain::applicant::{self as rules, Checker};
use crate::domain::event::EventType;
use crate::error::AppError;
use crate::error::catalogue::*;

/// A coordination number replaced by the personal number the person has
/// been given.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "personal_number": "19121212-1212",
    "reason": "Folkbokförd; Skatteverket har tilldelat personnummer."
}))]
pub struct NumberChangeBody {
    /// The person's personal number (not a coordination number).
    #[schema(value_type = PersonalNumberText, required = true)]
    pub personal_number: Option<String>,
    /// Why, such as the person's registration in the population register.
    #[schema(value_type = Reasons, required = true)]
    pub reason: Option<String>,
}

/// A number the person held before.
#[derive(Debug, Serialize, ToSchema)]
pub struct FormerNumber {
    /// 12 digits.
    #[schema(example = "197306749982")]
    pub personal_number: String,
    pub replaced_at: DateTime<Utc>,
    /// Who replaced it (a user's id or an API client's).
    pub replaced_by: String,
    pub reason: String,
}

/// A person's number now and the numbers they held before.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonalNumbers {
    pub applicant_id: uuid::Uuid,
    /// 12 digits.
    #[schema(example = "191212121212")]
    pub personal_number: String,
    pub coordination_number: bool,
    /// Oldest first; a search by any of them finds the person.
    pub former: Vec<FormerNumber>,
    /// The applicant's version, for `If-Match`.
    pub version: i64,
}

impl From<FormerNumberRow> for FormerNumber {
    fn from(f: FormerNumberRow) -> Self {
        Self {
            personal_number: f.personal_number,
            replaced_at: f.replaced_at.and_utc(),
            replaced_by: f.replaced_by,
            reason: f.reason,
        }
    }
}

fn numbers_of(tx: &mut Tx, row: &ApplicantRow) -> Result<PersonalNumbers, AppError> {
    let former = repo::former_numbers(tx.conn, &row.municipality, &row.id)?
        .into_iter()
        .map(FormerNumber::from)
        .collect();
    Ok(PersonalNumbers {
        applicant_id: crate::db::stored_uuid("applicants.id", &row.id)?,
        personal_number: row.personal_number.clone(),
        coordination_number: PersonalNumber::from_stored(row.personal_number.clone())
            .is_coordination_number(),
        former,
        version: row.version,
    })
}

fn respond(status: StatusCode, numbers: &PersonalNumbers) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, etag(numbers.version)))
        .json(numbers)
}

/// Read a person's numbers.
///
/// The number the person has now and the ones replaced, with when, by whom
/// and why. Caseworkers and the case system; reading is audited.
#[utoipa::path(
    get,
    path = "/api/v1/{municipality}/applicants/{id}/personal-numbers",
    tag = "applicants",
    operation_id = "get_personal_numbers",
    params(ResourcePath),
    responses(
        (status = 200, description = "The numbers", body = PersonalNumbers,
         headers(("ETag" = String, description = "The applicant's version, for If-Match"))),
    ),
    security(("bearer" = []))
)]
pub async fn get_personal_numbers(
    caller: Caller,
    path: web::Path<ResourcePath>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ReadPersonalNumbers;
    let municipality = caller.admit(op, &path.municipality).await?;
    let id = parse_id(&path.id)?.to_string();
    let numbers = caller
        .transact(op, municipality, move |tx| {
            let (row, _) = tx.load::<Applicant>(&id)?;
            numbers_of(tx, &row)
        })
        .await?;
    Ok(respond(StatusCode::OK, &numbers))
}

/// Replace a coordination number by a personal number.
///
/// When a person with a coordination number (*samordningsnummer*) is
/// given a personal number, caseworkers and the case system record it,
/// with `If-Match` and the reason. The coordination number is kept in the
/// history: a search by it still finds the person, and no one else can be
/// registered with it. Only a coordination number is replaced (409
/// `not-a-coordination-number` otherwise); the new number must be a
/// personal number (422) that no other person in the municipality holds or
/// held (409 `duplicate-applicant`). Legal sex for statistics follows the
/// new number. Audited, and announced on the feed as `applicant.updated`.
#[utoipa::path(
    post,
    path = "/api/v1/{municipality}/applicants/{id}/personal-numbers",
    tag = "applicants",
    operation_id = "replace_personal_number",
    params(ResourcePath, IfMatchHeader),
    request_body(content = NumberChangeBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Replaced", body = PersonalNumbers,
         headers(("ETag" = String, description = "The applicant's new version"))),
        (status = 409, response = NotACoordinationNumber),
    ),
    security(("bearer" = []))
)]
pub async fn replace_personal_number(
    req: HttpRequest,
    caller: Caller,
    path: web::Path<ResourcePath>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ReplacePersonalNumber;
    let municipality = caller.admit(op, &path.municipality).await?;
    let id = parse_id(&path.id)?.to_string();
    let expected: IfMatch = if_match(&req)?;
    let today = caller.today();
    let (number, reason) = body.check(|b: &NumberChangeBody| {
        let mut c = Checker::default();
        let number = c.check(
            "personal_number",
            required(&b.personal_number)
                .and_then(|pn| PersonalNumber::parse(pn, today).map_err(|e| e.to_string()))
                .and_then(|pn| {
                    if pn.is_coordination_number() {
                        Err("must be a personal number, not a coordination number".to_owned())
                    } else {
                        Ok(pn)
                    }
                }),
        );
        let reason = c.check(
            "reason",
            required(&b.reason).and_then(|r| rules::note(r, 2000)),
        );
        c.finish().map_err(AppError::Validation)?;
        let missing = || AppError::internal("validated field missing");
        Ok((number.ok_or_else(missing)?, reason.ok_or_else(missing)?))
    })?;
    let numbers = caller
        .transact(op, municipality, move |tx| {
            let (mut row, _) = tx.load::<Applicant>(&id)?;
            if !expected.matches(row.version) {
                return Err(AppError::PreconditionFailed);
            }
            let old = PersonalNumber::from_stored(row.personal_number.clone());
            if !old.is_coordination_number() {
                return Err(AppError::NotACoordinationNumber);
            }
            let m = row.municipality.clone();
            if repo::find_by_personal_number(tx.conn, &m, number.as_str())?.is_some() {
                return Err(AppError::DuplicateApplicant);
            }
            let version = row.version;
            row.personal_number = number.as_str().to_owned();
            row.sex = number.sex().as_str().to_owned();
            row.version += 1;
            row.updated_at = tx.now();
            if !repo::update(tx.conn, &row, version)
                .map_err(unique_or(AppError::DuplicateApplicant))?
            {
                return Err(AppError::PreconditionFailed);
            }
            let former = FormerNumberRow {
                municipality: m,
                personal_number: old.as_str().to_owned(),
                applicant_id: row.id.clone(),
                replaced_at: tx.now(),
                replaced_by: tx.principal().subject.clone(),
                reason: reason.clone(),
            };
            repo::insert_former(tx.conn, &former).map_err(unique_or(AppError::Contention))?;
            tx.emit(EventType::ApplicantUpdated, &row.id);
            numbers_of(tx, &row)
        })
        .await?;
    Ok(respond(StatusCode::OK, &numbers))
}
