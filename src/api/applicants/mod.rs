//! Applicants (*sökande*): `/api/v1/{municipality}/applicants`.

pub mod export;
pub mod model;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use uuid::Uuid;

use super::json::JsonBody;
use super::params::{
    ApplicantPath, IfMatchHeader, ListQuery, MunicipalityPath, decode_cursor, etag, fill_page,
    if_match, page_limit,
};
use super::{admit, parse_id};
use crate::audit::{self, AuditEvent};
use crate::auth::Principal;
use crate::auth::policy::{self, Operation, PersonView};
use crate::db::applicants::{self as repo, ApplicantRow};
use crate::db::events::{self, NewEvent};
use crate::db::{DbConn, is_unique_violation};
use crate::domain::applicant::Checker;
use crate::domain::event::EventType;
use crate::domain::{Municipality, PersonalNumber, time};
use crate::error::AppError;
use crate::openapi::problems::*;
use crate::startup::AppState;
use crate::telemetry::RequestId;
use model::{
    Applicant, ApplicantPage, ApplicantPatch, NewApplicantBody, SearchBody, changes, new_applicant,
};

fn respond(status: actix_web::http::StatusCode, applicant: &Applicant) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, etag(applicant.version)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(applicant)
}

/// Finds a person and applies gate 3 of the policy. A refusal is audited in
/// the same transaction and returned as the inner error, so that the audit
/// record commits.
fn visible_person(
    conn: &mut DbConn,
    principal: &Principal,
    op: Operation,
    event: &AuditEvent,
    municipality: &str,
    id: &str,
) -> Result<Result<(ApplicantRow, PersonView), AppError>, AppError> {
    let Some(row) = repo::find(conn, municipality, id)? else {
        return audit::refused(conn, event, AppError::NotFound);
    };
    let relations = repo::relations(conn, municipality, id)?;
    match policy::person_access(principal, op, relations) {
        Ok(view) => Ok(Ok((row, view))),
        Err(refusal) => audit::refused(conn, event, refusal),
    }
}

/// Register an applicant.
///
/// Caseworkers and the case system register applicants in their
/// municipalities. A personal number already registered in the
/// municipality answers 409; find that applicant with `POST .../search`.
#[utoipa::path(
    post,
    path = "/api/v1/{municipality}/applicants",
    tag = "applicants",
    operation_id = "create_applicant",
    params(MunicipalityPath),
    request_body(content = NewApplicantBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Registered", body = Applicant,
         headers(("Location" = String, description = "The new applicant's URL"),
                 ("ETag" = String, description = "The version, for If-Match"))),
        (status = 400, response = MalformedBody),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = DuplicateApplicant),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = ValidationFailed),
    ),
    security(("bearer" = []))
)]
pub async fn create_applicant(
    state: web::Data<AppState>,
    principal: Principal,
    request_id: RequestId,
    path: web::Path<MunicipalityPath>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let op = Operation::CreateApplicant;
    let municipality = admit(&state, &principal, &request_id.0, op, &path.municipality).await?;
    let applicant = body.check(new_applicant)?;
    let id = Uuid::now_v7().to_string();
    let event = AuditEvent::of(&principal, &request_id.0, op)
        .municipality(municipality.as_str())
        .person(&id);
    let row = state
        .write(principal.client_check(&request_id.0), move |conn| {
            let pn = applicant.personal_number.as_str();
            if repo::find_by_personal_number(conn, municipality.as_str(), pn)?.is_some() {
                return Err(AppError::DuplicateApplicant);
            }
            let row = ApplicantRow::new(
                municipality.as_str(),
                &id,
                &applicant,
                time::now().naive_utc(),
            );
            repo::insert(conn, &row).map_err(|e| {
                if is_unique_violation(&e) {
                    AppError::DuplicateApplicant
                } else {
                    e.into()
                }
            })?;
            let created = NewEvent::new(municipality.as_str(), EventType::ApplicantCreated, &id);
            events::append(conn, &[created], row.created_at)?;
            audit::append(conn, &[event])?;
            Ok(row)
        })
        .await?;
    let applicant = Applicant::new(row, PersonView::Full);
    let mut response = respond(StatusCode::CREATED, &applicant);
    response.headers_mut().insert(
        header::LOCATION,
        header::HeaderValue::from_str(&applicant.links.self_link).map_err(AppError::internal)?,
    );
    Ok(response)
}

/// Read an applicant.
///
/// Answers 404 when the applicant does not exist or is not visible to the
/// caller: coaches see a person only under an open referral with consent,
/// AF officers only with an active consent to AF (BR-6b).
#[utoipa::path(
    get,
    path = "/api/v1/{municipality}/applicants/{id}",
    tag = "applicants",
    operation_id = "get_applicant",
    params(ApplicantPath),
    responses(
        (status = 200, description = "The applicant", body = Applicant,
         headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 400, response = InvalidParameter),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
    security(("bearer" = []))
)]
pub async fn get_applicant(
    state: web::Data<AppState>,
    principal: Principal,
    request_id: RequestId,
    path: web::Path<ApplicantPath>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ReadApplicant;
    let municipality = admit(&state, &principal, &request_id.0, op, &path.municipality).await?;
    let id = parse_id(&path.id)?.to_string();
    let event = AuditEvent::of(&principal, &request_id.0, op)
        .municipality(municipality.as_str())
        .person(&id);
    let applicant = state
        .write(principal.client_check(&request_id.0), move |conn| {
            let (row, view) =
                match visible_person(conn, &principal, op, &event, municipality.as_str(), &id)? {
                    Ok(found) => found,
                    Err(refusal) => return Ok(Err(refusal)),
                };
            audit::append(conn, &[event])?;
            Ok(Ok(Applicant::new(row, view)))
        })
        .await??;
    Ok(respond(StatusCode::OK, &applicant))
}

/// Change an applicant.
///
/// A JSON merge patch (RFC 7396). `If-Match` with the ETag of the last read
/// is required: 428 without it, 412 when the applicant has changed since.
#[utoipa::path(
    patch,
    path = "/api/v1/{municipality}/applicants/{id}",
    tag = "applicants",
    operation_id = "patch_applicant",
    params(
        ApplicantPath,
        IfMatchHeader,
    ),
    request_body(content = ApplicantPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The changed applicant", body = Applicant,
         headers(("ETag" = String, description = "The new version"))),
        (status = 400, response = MalformedBody),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 412, response = PreconditionFailed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = ValidationFailed),
        (status = 428, response = PreconditionRequired),
    ),
    security(("bearer" = []))
)]
pub async fn patch_applicant(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    request_id: RequestId,
    path: web::Path<ApplicantPath>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let op = Operation::UpdateApplicant;
    let municipality = admit(&state, &principal, &request_id.0, op, &path.municipality).await?;
    let id = parse_id(&path.id)?.to_string();
    let expected = if_match(&req)?;
    let changes = body.check(changes)?;
    let event = AuditEvent::of(&principal, &request_id.0, op)
        .municipality(municipality.as_str())
        .person(&id);
    let applicant = state
        .write(principal.client_check(&request_id.0), move |conn| {
            let (mut row, view) =
                match visible_person(conn, &principal, op, &event, municipality.as_str(), &id)? {
                    Ok(found) => found,
                    Err(refusal) => return Ok(Err(refusal)),
                };
            if !expected.matches(row.version) {
                return Ok(Err(AppError::PreconditionFailed));
            }
            let touches_protection = changes
                .protected_identity
                .is_some_and(|p| p != row.protected_identity)
                || (row.protected_identity && changes.touches_contact());
            if let Err(refusal) = policy::may_change_protected(&principal, touches_protection) {
                audit::append(conn, &[event.outcome(audit::Outcome::Denied)])?;
                return Ok(Err(refusal));
            }
            if changes.is_empty() {
                // Nothing to change: the applicant as it is, no new version.
                audit::append(conn, &[event])?;
                return Ok(Ok(Applicant::new(row, view)));
            }
            let current = row.version;
            row.apply(&changes, time::now().naive_utc());
            if !repo::update(conn, &row, current)? {
                return Ok(Err(AppError::PreconditionFailed));
            }
            let updated = NewEvent::new(municipality.as_str(), EventType::ApplicantUpdated, &id);
            events::append(conn, &[updated], row.updated_at)?;
            audit::append(conn, &[event])?;
            Ok(Ok(Applicant::new(row, view)))
        })
        .await??;
    Ok(respond(StatusCode::OK, &applicant))
}

/// List applicants.
///
/// In id order (creation order), cursor-paginated. Coaches and AF officers
/// see only the persons visible to them.
#[utoipa::path(
    get,
    path = "/api/v1/{municipality}/applicants",
    tag = "applicants",
    operation_id = "list_applicants",
    params(MunicipalityPath, ListQuery),
    responses(
        (status = 200, description = "One page", body = ApplicantPage),
        (status = 400, response = InvalidParameter),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
    security(("bearer" = []))
)]
pub async fn list_applicants(
    state: web::Data<AppState>,
    principal: Principal,
    request_id: RequestId,
    path: web::Path<MunicipalityPath>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ListApplicants;
    let municipality = admit(&state, &principal, &request_id.0, op, &path.municipality).await?;
    let limit = page_limit(query.limit, 25, 100)?;
    let after = query.cursor.as_deref().map(decode_cursor).transpose()?;
    let base = AuditEvent::of(&principal, &request_id.0, op).municipality(municipality.as_str());
    let page = state
        .write(principal.client_check(&request_id.0), move |conn| {
            list_page(conn, &principal, &municipality, after, limit, &base)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(page))
}

fn list_page(
    conn: &mut DbConn,
    principal: &Principal,
    municipality: &Municipality,
    after: Option<String>,
    limit: i64,
    base: &AuditEvent,
) -> Result<ApplicantPage, AppError> {
    let m = municipality.as_str();
    let scope = policy::person_scope(principal);
    let mut events = Vec::new();
    let (items, next_cursor) = fill_page(
        conn,
        after,
        limit,
        |conn, after, n| Ok(repo::page(conn, m, scope, after, n)?),
        |row| row.id.clone(),
        |conn, row| {
            let relations = repo::relations(conn, m, &row.id)?;
            Ok(policy::person_view(principal, relations).map(|view| {
                events.push(base.clone().person(&row.id));
                Applicant::new(row, view)
            }))
        },
    )?;
    audit::append(conn, &events)?;
    Ok(ApplicantPage { items, next_cursor })
}

/// Find an applicant by personal number.
///
/// The personal number travels in the body, never in a URL. Answers 404
/// when no visible applicant has it.
#[utoipa::path(
    post,
    path = "/api/v1/{municipality}/applicants/search",
    tag = "applicants",
    operation_id = "search_applicants",
    params(MunicipalityPath),
    request_body(content = SearchBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The applicant", body = Applicant,
         headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 400, response = MalformedBody),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = ValidationFailed),
    ),
    security(("bearer" = []))
)]
pub async fn search_applicants(
    state: web::Data<AppState>,
    principal: Principal,
    request_id: RequestId,
    path: web::Path<MunicipalityPath>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let op = Operation::SearchApplicants;
    let municipality = admit(&state, &principal, &request_id.0, op, &path.municipality).await?;
    let personal_number = body.check(|search: &SearchBody| {
        let mut c = Checker::default();
        let personal_number = c.check(
            "personal_number",
            model::required(&search.personal_number).and_then(|pn| {
                PersonalNumber::parse(pn, time::today_in_sweden()).map_err(|e| e.to_string())
            }),
        );
        c.finish().map_err(AppError::Validation)?;
        personal_number.ok_or_else(|| AppError::internal("validated field missing"))
    })?;
    let event = AuditEvent::of(&principal, &request_id.0, op).municipality(municipality.as_str());
    let applicant = state
        .write(principal.client_check(&request_id.0), move |conn| {
            let found = repo::find_by_personal_number(
                conn,
                municipality.as_str(),
                personal_number.as_str(),
            )?;
            let Some(row) = found else {
                audit::append(conn, &[event.outcome(audit::Outcome::NotVisible)])?;
                return Ok(Err(AppError::NotFound));
            };
            let event = event.person(&row.id);
            let (row, view) =
                match visible_person(conn, &principal, op, &event, municipality.as_str(), &row.id)?
                {
                    Ok(found) => found,
                    Err(refusal) => return Ok(Err(refusal)),
                };
            audit::append(conn, &[event])?;
            Ok(Ok(Applicant::new(row, view)))
        })
        .await??;
    Ok(respond(StatusCode::OK, &applicant))
}
