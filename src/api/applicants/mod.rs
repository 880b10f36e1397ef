//! Applicants (*sökande*): `/api/v1/{municipality}/applicants`.

pub mod export;
pub mod identity;
pub mod model;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use uuid::Uuid;

use super::context::Caller;
use super::json::JsonBody;
use super::params::{
    IfMatchHeader, ListQuery, MunicipalityPath, ResourcePath, decode_cursor, etag, fill_page,
    if_match, page_limit,
};
use super::parse_id;
use super::tx::{Resource, Tx};
use crate::auth::Principal;
use crate::auth::policy::{self, Operation, PersonView};
use crate::db::applicants::{self as repo, ApplicantRow};
use crate::db::{DbConn, unique_or};
use crate::domain::PersonalNumber;
use crate::domain::access::PersonRelations;
use crate::domain::applicant::Checker;
use crate::domain::event::EventType;
use crate::error::AppError;
use crate::error::catalogue::*;
use model::{
    Applicant, ApplicantPage, ApplicantPatch, NewApplicantBody, SearchBody, changes, new_applicant,
};

/// A person, as the policy sees them: visible by the caller's relations to
/// them, in the view its role has.
impl Resource for Applicant {
    type Row = ApplicantRow;
    type View = PersonView;
    const IS_PERSON: bool = true;

    fn find(
        conn: &mut DbConn,
        municipality: &str,
        id: &str,
    ) -> Result<Option<ApplicantRow>, AppError> {
        Ok(repo::find(conn, municipality, id)?)
    }

    fn person(row: &ApplicantRow) -> &str {
        &row.id
    }

    fn access(
        principal: &Principal,
        op: Operation,
        _: &ApplicantRow,
        relations: PersonRelations,
        _: NaiveDate,
    ) -> Result<PersonView, AppError> {
        policy::person_access(principal, op, relations)
    }
}

fn respond(status: StatusCode, applicant: &Applicant) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, etag(applicant.version)))
        .json(applicant)
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
        (status = 409, response = DuplicateApplicant),
    ),
    security(("bearer" = []))
)]
pub async fn create_applicant(
    caller: Caller,
    path: web::Path<MunicipalityPath>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let op = Operation::CreateApplicant;
    let municipality = caller.admit(op, &path.municipality).await?;
    let today = caller.today();
    let applicant = body.check(|b| new_applicant(b, today))?;
    let row = caller
        .transact(op, municipality, move |tx| {
            let pn = applicant.personal_number.as_str();
            if repo::find_by_personal_number(tx.conn, tx.municipality(), pn)?.is_some() {
                return Err(AppError::DuplicateApplicant);
            }
            let id = Uuid::now_v7().to_string();
            let row = ApplicantRow::new(tx.municipality(), &id, &applicant, tx.now());
            repo::insert(tx.conn, &row).map_err(unique_or(AppError::DuplicateApplicant))?;
            tx.emit(EventType::ApplicantCreated, &id);
            tx.about_person(&id);
            Ok(row)
        })
        .await?;
    let applicant = Applicant::new(row, PersonView::Full)?;
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
    params(ResourcePath),
    responses(
        (status = 200, description = "The applicant", body = Applicant,
         headers(("ETag" = String, description = "The version, for If-Match"))),
    ),
    security(("bearer" = []))
)]
pub async fn get_applicant(
    caller: Caller,
    path: web::Path<ResourcePath>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ReadApplicant;
    let municipality = caller.admit(op, &path.municipality).await?;
    let id = parse_id(&path.id)?.to_string();
    let applicant = caller
        .transact(op, municipality, move |tx| {
            let (row, view) = tx.load::<Applicant>(&id)?;
            Applicant::new(row, view)
        })
        .await?;
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
        ResourcePath,
        IfMatchHeader,
    ),
    request_body(content = ApplicantPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The changed applicant", body = Applicant,
         headers(("ETag" = String, description = "The new version"))),
    ),
    security(("bearer" = []))
)]
pub async fn patch_applicant(
    req: HttpRequest,
    caller: Caller,
    path: web::Path<ResourcePath>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let op = Operation::UpdateApplicant;
    let municipality = caller.admit(op, &path.municipality).await?;
    let id = parse_id(&path.id)?.to_string();
    let expected = if_match(&req)?;
    let changes = body.check(changes)?;
    let applicant = caller
        .transact(op, municipality, move |tx| {
            let (mut row, view) = tx.load::<Applicant>(&id)?;
            if !expected.matches(row.version) {
                return Err(AppError::PreconditionFailed);
            }
            let touches_protection = changes
                .protected_identity
                .is_some_and(|p| p != row.protected_identity)
                || (row.protected_identity && changes.touches_contact());
            if let Err(refusal) = policy::may_change_protected(tx.principal(), touches_protection) {
                return Err(tx.refuse(refusal));
            }
            if changes.is_empty() {
                // Nothing to change: the applicant as it is, no new version.
                return Applicant::new(row, view);
            }
            let current = row.version;
            row.apply(&changes, tx.now());
            if !repo::update(tx.conn, &row, current)? {
                return Err(AppError::PreconditionFailed);
            }
            tx.emit(EventType::ApplicantUpdated, &id);
            Applicant::new(row, view)
        })
        .await?;
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
    ),
    security(("bearer" = []))
)]
pub async fn list_applicants(
    caller: Caller,
    path: web::Path<MunicipalityPath>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ListApplicants;
    let municipality = caller.admit(op, &path.municipality).await?;
    let limit = page_limit(query.limit, 25, 100)?;
    let after = query.cursor.as_deref().map(decode_cursor).transpose()?;
    let page = caller
        .transact(op, municipality, move |tx| {
            list_page(tx, after.clone(), limit)
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// One page of the persons the caller may see, each read audited.
fn list_page(tx: &mut Tx, after: Option<String>, limit: i64) -> Result<ApplicantPage, AppError> {
    let m = tx.municipality().to_owned();
    let principal = tx.principal().clone();
    let today = tx.today();
    let scope = policy::person_scope(&principal, today);
    let mut read = Vec::new();
    let (items, next_cursor) = fill_page(
        tx.conn,
        after,
        limit,
        |conn, after, n| Ok(repo::page(conn, &m, scope, after, n)?),
        |row| row.id.clone(),
        |conn, row| {
            let relations = repo::relations(conn, &m, &row.id, today)?;
            policy::person_view(&principal, relations)
                .map(|view| {
                    read.push(row.id.clone());
                    Applicant::new(row, view)
                })
                .transpose()
        },
    )?;
    tx.without_own_record();
    for person in &read {
        tx.read(person, person);
    }
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
    ),
    security(("bearer" = []))
)]
pub async fn search_applicants(
    caller: Caller,
    path: web::Path<MunicipalityPath>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let op = Operation::SearchApplicants;
    let municipality = caller.admit(op, &path.municipality).await?;
    let today = caller.today();
    let personal_number = body.check(|search: &SearchBody| {
        let mut c = Checker::default();
        let personal_number = c.check(
            "personal_number",
            model::required(&search.personal_number)
                .and_then(|pn| PersonalNumber::parse(pn, today).map_err(|e| e.to_string())),
        );
        c.finish().map_err(AppError::Validation)?;
        personal_number.ok_or_else(|| AppError::internal("validated field missing"))
    })?;
    let applicant = caller
        .transact(op, municipality, move |tx| {
            let pn = personal_number.as_str();
            let Some(found) = repo::find_by_personal_number(tx.conn, tx.municipality(), pn)? else {
                return Err(tx.refuse(AppError::NotFound));
            };
            let (row, view) = tx.load::<Applicant>(&found.id)?;
            Applicant::new(row, view)
        })
        .await?;
    Ok(respond(StatusCode::OK, &applicant))
}
