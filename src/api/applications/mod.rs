//! Applications (*ansökan om ekonomiskt bistånd*): `/api/v1/{municipality}/applications`.

pub mod actions;
pub mod model;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::idempotency::{self, Claim, Key, StoredResponse};
use super::json::JsonBody;
use super::params::{
    IdempotencyKeyHeader, MunicipalityPath, decode_cursor, etag, fill_page, page_limit, strict_uuid,
};
use super::{admit, parameter_error, parse_id};
use crate::audit::{self, AuditEvent};
use crate::auth::policy::{self, ApplicationView, Operation};
use crate::auth::{Principal, Role};
use crate::db::applications::{self as repo, ApplicationRow, ItemRow, ListFilter};
use crate::db::events::{self, NewEvent};
use crate::db::{DbConn, applicants, is_unique_violation};
use crate::domain::applicant::NewApplicant;
use crate::domain::application::Status;
use crate::domain::event::EventType;
use crate::domain::{FieldError, Municipality, money, time};
use crate::error::AppError;
use crate::openapi::problems::*;
use crate::startup::AppState;
use crate::telemetry::RequestId;
use model::{
    Application, ApplicationPage, NewApplication, NewApplicationBody, PersonInput, new_application,
};

/// The path of one application.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ApplicationPath {
    /// SCB municipality code, one of the token's `municipalities`.
    #[param(example = "0483", pattern = r"^[0-9]{4}$")]
    pub municipality: String,
    /// The application's id.
    #[param(format = Uuid)]
    pub id: String,
}

/// Paging and filters of the application list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ApplicationQuery {
    /// Items per page, 1–100 (default 25).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page: the list goes on after it.
    #[param(pattern = r"^[A-Za-z0-9_-]{22}$", example = "AZqT0Ko2cBeaQ3JZ7bZ5Xg")]
    pub cursor: Option<String>,
    /// Only applications in this status.
    #[param(value_type = Option<Status>)]
    pub status: Option<String>,
    /// Only applications that cover this applicant (as applicant or co-applicant).
    #[param(format = Uuid)]
    pub applicant_id: Option<String>,
}

/// Submit an application.
///
/// The e-service portal must send `Idempotency-Key` (BR-2): a retry with the
/// same key and body gets the first answer again (`Idempotent-Replayed:
/// true`), never a second application; the same key with another body is a
/// 422. Others may send one. The applicant is given by `id`, or by personal
/// number, which finds the applicant or, with names, registers them. The
/// portal gets the receipt view back.
#[utoipa::path(
    post,
    path = "/api/v1/{municipality}/applications",
    tag = "applications",
    operation_id = "create_application",
    params(
        MunicipalityPath,
        IdempotencyKeyHeader,
    ),
    request_body(content = NewApplicationBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Received", body = Application,
         headers(("Location" = String, description = "The application's URL"),
                 ("ETag" = String, description = "The version, for If-Match"),
                 ("Idempotent-Replayed" = String, description = "`true` on a replayed answer"))),
        (status = 400, response = IdempotencyKeyRequired),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = ValidationFailed),
        (status = 503, response = Contention),
    ),
    security(("bearer" = []))
)]
pub async fn create_application(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    request_id: RequestId,
    path: web::Path<MunicipalityPath>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let op = Operation::CreateApplication;
    let municipality = admit(&state, &principal, &request_id.0, op, &path.municipality).await?;
    let portal = principal.role == Role::Eservice;
    let key = idempotency::read(&req, portal)?;
    let application = body.check(|b: &NewApplicationBody| new_application(b, portal))?;
    let key = match key {
        Some(key) => Some(Key {
            client: principal
                .client_id
                .clone()
                .unwrap_or_else(|| principal.subject.clone()),
            key,
            request_hash: idempotency::request_hash(municipality.as_str(), body.bytes())?,
        }),
        None => None,
    };
    let request_id = request_id.0;
    let stored = state
        .write_retrying(principal.client_check(&request_id), move |conn| {
            let claimed = match &key {
                Some(key) => idempotency::claim(conn, key)?,
                None => Claim::Fresh,
            };
            if let Claim::Replay(stored) = claimed {
                audit_replay(conn, &principal, &request_id, &municipality, &stored)?;
                return Ok(stored);
            }
            let stored =
                insert_application(conn, &principal, &request_id, &municipality, &application)?;
            if let Some(key) = &key {
                idempotency::complete(conn, key, &stored)?;
            }
            Ok(stored)
        })
        .await?;
    Ok(stored.respond())
}

fn insert_application(
    conn: &mut DbConn,
    principal: &Principal,
    request_id: &str,
    municipality: &Municipality,
    application: &NewApplication,
) -> Result<StoredResponse, AppError> {
    let m = municipality.as_str();
    let now = time::now().naive_utc();
    let mut new_events = Vec::new();
    let mut audit_events = Vec::new();
    let base =
        AuditEvent::new(principal, request_id, "applicant.create", "applicant").municipality(m);
    let mut resolve =
        |conn: &mut DbConn, field: &str, person: &PersonInput| -> Result<String, AppError> {
            let (row, created) = resolve_person(conn, m, field, person, now)?;
            if created {
                new_events.push(NewEvent::new(m, EventType::ApplicantCreated, &row));
                audit_events.push(base.clone().person(&row));
            }
            Ok(row)
        };
    let applicant_id = resolve(conn, "applicant", &application.applicant)?;
    let co_applicant_id = match &application.co_applicant {
        Some(p) => Some(resolve(conn, "co_applicant", p)?),
        None => None,
    };
    if co_applicant_id.as_deref() == Some(applicant_id.as_str()) {
        return Err(AppError::Validation(vec![FieldError::new(
            "co_applicant",
            "must not be the applicant",
        )]));
    }
    let year = time::today_in_sweden().format("%Y").to_string();
    let serial = repo::next_receipt_number(conn, m, year.parse().unwrap_or(2026)).map_err(|e| {
        if is_unique_violation(&e) {
            AppError::Contention
        } else {
            e.into()
        }
    })?;
    let id = Uuid::now_v7().to_string();
    let row = ApplicationRow {
        municipality: m.to_owned(),
        id: id.clone(),
        receipt_number: format!("EB-{year}-{serial:06}"),
        applicant_id: applicant_id.clone(),
        co_applicant_id,
        children: serde_json::to_string(&application.children).map_err(AppError::internal)?,
        support_month: application.support_month.to_string(),
        channel: application.channel.as_str().to_owned(),
        reasons_for_need: serde_json::to_string(
            &application
                .reasons
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>(),
        )
        .map_err(AppError::internal)?,
        message: application.message.clone(),
        status: Status::Received.as_str().to_owned(),
        submitted_by: principal.subject.clone(),
        submitted_role: principal.role.as_str().to_owned(),
        received_at: now,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let item = |i: usize, direction: &str, kind: &str, amount| ItemRow {
        municipality: m.to_owned(),
        application_id: id.clone(),
        line_no: i as i32,
        direction: direction.to_owned(),
        kind: kind.to_owned(),
        amount_ore: money::to_ore(amount),
    };
    let items: Vec<ItemRow> = application
        .incomes
        .iter()
        .map(|(k, a)| ("income", k.as_str(), *a))
        .chain(
            application
                .expenses
                .iter()
                .map(|(k, a)| ("expense", k.as_str(), *a)),
        )
        .enumerate()
        .map(|(i, (direction, kind, amount))| item(i, direction, kind, amount))
        .collect();
    repo::insert(conn, &row, &items)?;
    new_events.push(NewEvent::new(m, EventType::ApplicationCreated, &id));
    let view = if principal.role == Role::Eservice {
        ApplicationView::Receipt
    } else {
        ApplicationView::Full
    };
    let body = Application::new(row, items, None, view)?;
    events::append(conn, &new_events, now)?;
    audit_events.push(
        AuditEvent::new(principal, request_id, "application.create", "application")
            .municipality(m)
            .about(&id, &applicant_id),
    );
    audit::append(conn, &audit_events)?;
    Ok(StoredResponse {
        status: 201,
        location: Some(body.links.self_link.clone()),
        body: serde_json::to_string(&body).map_err(AppError::internal)?,
        replayed: false,
    })
}

/// Audits a replayed answer: the stored application was sent again.
fn audit_replay(
    conn: &mut DbConn,
    principal: &Principal,
    request_id: &str,
    municipality: &Municipality,
    stored: &StoredResponse,
) -> Result<(), AppError> {
    let id = serde_json::from_str::<serde_json::Value>(&stored.body)
        .ok()
        .and_then(|v| v["id"].as_str().map(str::to_owned))
        .ok_or_else(|| AppError::internal("a stored answer without an id"))?;
    let mut event = AuditEvent::new(principal, request_id, "application.replay", "application")
        .municipality(municipality.as_str())
        .resource(&id);
    event.person_id = repo::find(conn, municipality.as_str(), &id)?.map(|row| row.applicant_id);
    Ok(audit::append(conn, &[event])?)
}

/// Finds the person, or registers them when given by personal number with
/// names. Returns the applicant id and whether they were registered now.
fn resolve_person(
    conn: &mut DbConn,
    municipality: &str,
    field: &str,
    person: &PersonInput,
    now: chrono::NaiveDateTime,
) -> Result<(String, bool), AppError> {
    match person {
        PersonInput::Existing(id) => match applicants::find(conn, municipality, id)? {
            Some(row) => Ok((row.id, false)),
            None => Err(AppError::Validation(vec![FieldError::new(
                format!("{field}.id"),
                "no applicant with this id in the municipality",
            )])),
        },
        PersonInput::ByNumber {
            personal_number,
            first_name,
            last_name,
        } => {
            if let Some(row) =
                applicants::find_by_personal_number(conn, municipality, personal_number.as_str())?
            {
                return Ok((row.id, false));
            }
            let (Some(first_name), Some(last_name)) = (first_name, last_name) else {
                let missing = [
                    ("first_name", first_name.is_none()),
                    ("last_name", last_name.is_none()),
                ];
                return Err(AppError::Validation(
                    missing
                        .iter()
                        .filter(|(_, m)| *m)
                        .map(|(n, _)| {
                            FieldError::new(
                                format!("{field}.{n}"),
                                "is required to register a new applicant",
                            )
                        })
                        .collect(),
                ));
            };
            let id = Uuid::now_v7().to_string();
            let new = NewApplicant {
                personal_number: personal_number.clone(),
                first_name: first_name.clone(),
                last_name: last_name.clone(),
                protected_identity: false,
                address: None,
                phone: None,
                email: None,
            };
            applicants::insert(
                conn,
                &applicants::ApplicantRow::new(municipality, &id, &new, now),
            )
            .map_err(|e| {
                if is_unique_violation(&e) {
                    AppError::Contention
                } else {
                    e.into()
                }
            })?;
            Ok((id, true))
        }
    }
}

/// Loads an application and applies gate 3 of the policy. A refusal is
/// audited in the same transaction and returned as the inner error.
pub(crate) fn visible_application(
    conn: &mut DbConn,
    principal: &Principal,
    op: Operation,
    event: &AuditEvent,
    municipality: &str,
    id: &str,
) -> Result<Result<(ApplicationRow, ApplicationView), AppError>, AppError> {
    let Some(row) = repo::find(conn, municipality, id)? else {
        return audit::refused(conn, event, AppError::NotFound);
    };
    let relations = applicants::relations(conn, municipality, &row.applicant_id)?;
    match policy::application_access(principal, op, &row.submitted_by, relations) {
        Ok(view) => Ok(Ok((row, view))),
        Err(refusal) => audit::refused(
            conn,
            &event.clone().about(&row.id, &row.applicant_id),
            refusal,
        ),
    }
}

/// The full answer for an application: its items and decision, in `view`.
pub(crate) fn present(
    conn: &mut DbConn,
    row: ApplicationRow,
    view: ApplicationView,
) -> Result<Application, AppError> {
    let items = repo::items(conn, &row.municipality, &row.id)?;
    let decision = repo::decision_of(conn, &row.municipality, &row.id)?;
    Application::new(row, items, decision, view)
}

pub(crate) fn respond(status: StatusCode, application: &Application) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, etag(application.version)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(application)
}

/// Read an application.
///
/// Caseworkers and the case system see everything; coaches and AF officers
/// the labour-market view of persons visible to them; the portal only the
/// receipt view of what it submitted. Anything else is 404.
#[utoipa::path(
    get,
    path = "/api/v1/{municipality}/applications/{id}",
    tag = "applications",
    operation_id = "get_application",
    params(ApplicationPath),
    responses(
        (status = 200, description = "The application", body = Application,
         headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 400, response = InvalidParameter),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
    security(("bearer" = []))
)]
pub async fn get_application(
    state: web::Data<AppState>,
    principal: Principal,
    request_id: RequestId,
    path: web::Path<ApplicationPath>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ReadApplication;
    let municipality = admit(&state, &principal, &request_id.0, op, &path.municipality).await?;
    let id = parse_id(&path.id)?.to_string();
    let event = AuditEvent::of(&principal, &request_id.0, op).municipality(municipality.as_str());
    let application = state
        .write(principal.client_check(&request_id.0), move |conn| {
            let (row, view) = match visible_application(
                conn,
                &principal,
                op,
                &event.clone().resource(&id),
                municipality.as_str(),
                &id,
            )? {
                Ok(found) => found,
                Err(refusal) => return Ok(Err(refusal)),
            };
            let event = event.about(&id, &row.applicant_id);
            let application = present(conn, row, view)?;
            audit::append(conn, &[event])?;
            Ok(Ok(application))
        })
        .await??;
    Ok(respond(StatusCode::OK, &application))
}

/// List applications.
///
/// In id (arrival) order, cursor-paginated, each in the caller's view. The
/// portal sees only what it submitted.
#[utoipa::path(
    get,
    path = "/api/v1/{municipality}/applications",
    tag = "applications",
    operation_id = "list_applications",
    params(MunicipalityPath, ApplicationQuery),
    responses(
        (status = 200, description = "One page", body = ApplicationPage),
        (status = 400, response = InvalidParameter),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
    security(("bearer" = []))
)]
pub async fn list_applications(
    state: web::Data<AppState>,
    principal: Principal,
    request_id: RequestId,
    path: web::Path<MunicipalityPath>,
    query: web::Query<ApplicationQuery>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ListApplications;
    let municipality = admit(&state, &principal, &request_id.0, op, &path.municipality).await?;
    let limit = page_limit(query.limit, 25, 100)?;
    let after = query.cursor.as_deref().map(decode_cursor).transpose()?;
    let status = match &query.status {
        Some(s) => Some(
            Status::parse(s)
                .map_err(|e| parameter_error(&e, "status"))?
                .as_str()
                .to_owned(),
        ),
        None => None,
    };
    let applicant_id = match &query.applicant_id {
        Some(a) => Some(
            strict_uuid(a)
                .ok_or_else(|| parameter_error("must be a UUID", "applicant_id"))?
                .to_string(),
        ),
        None => None,
    };
    let portal = principal.role == Role::Eservice;
    let filter = ListFilter {
        // The portal sees what it submitted; others the persons in their scope.
        scope: (!portal).then(|| policy::person_scope(&principal)),
        submitted_by: portal.then(|| principal.subject.clone()),
        status,
        applicant_id,
    };
    let base = AuditEvent::of(&principal, &request_id.0, op).municipality(municipality.as_str());
    let page = state
        .write(principal.client_check(&request_id.0), move |conn| {
            let m = municipality.as_str();
            let mut audited = Vec::new();
            let (items, next_cursor) = fill_page(
                conn,
                after,
                limit,
                |conn, after, n| Ok(repo::page(conn, m, &filter, after, n)?),
                |row| row.id.clone(),
                |conn, row| {
                    let relations = applicants::relations(conn, m, &row.applicant_id)?;
                    match policy::application_view(&principal, &row.submitted_by, relations) {
                        Some(view) => {
                            audited.push(base.clone().about(&row.id, &row.applicant_id));
                            present(conn, row, view).map(Some)
                        }
                        None => Ok(None),
                    }
                },
            )?;
            audit::append(conn, &audited)?;
            Ok(ApplicationPage { items, next_cursor })
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(page))
}
