//! Viadidakt's group programmes: `/api/v1/{municipality}/programmes`.
//!
//! Coaches and admins manage them ("korta vårdspåret", a cleaning course);
//! social services read them; a programme's participants are a coach's
//! view. Places are never overbooked.

pub mod model;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use uuid::Uuid;

use super::context::Caller;
use super::json::JsonBody;
use super::params::{
    IfMatch, IfMatchHeader, ListQuery, MunicipalityPath, ResourcePath, cut_page, decode_cursor,
    etag, if_match, page_limit,
};
use super::parse_id;
use super::referrals::view::Intervention;
use super::tx::Tx;
use crate::auth::policy::Operation;
use crate::db::programmes::{self as repo, ProgrammeRow};
use crate::db::stored_uuid;
use crate::domain::event::EventType;
use crate::domain::referral::coach_sight_closed_after;
use crate::error::AppError;

use model::{
    Participant, ParticipantList, Programme, ProgrammeBody, ProgrammePage, ProgrammePatch, apply,
    new_programme,
};

fn respond(status: StatusCode, programme: &Programme) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, etag(programme.version)))
        .json(programme)
}

/// Create a programme.
///
/// Coaches and admins create Viadidakt's group programmes: a name, the
/// kind of intervention a place on it is, its dates, its places and its
/// weekly intake where it has them.
#[utoipa::path(
    post,
    path = "/api/v1/{municipality}/programmes",
    tag = "programmes",
    operation_id = "create_programme",
    params(MunicipalityPath),
    request_body(content = ProgrammeBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = Programme,
         headers(("ETag" = String, description = "The version, for If-Match"),
                 ("Location" = String, description = "The programme"))),
    ),
    security(("bearer" = []))
)]
pub async fn create_programme(
    caller: Caller,
    path: web::Path<MunicipalityPath>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let op = Operation::CreateProgramme;
    let municipality = caller.admit(op, &path.municipality).await?;
    let new = body.check(new_programme)?;
    let programme = caller
        .transact(op, municipality, move |tx| {
            let row = ProgrammeRow {
                municipality: tx.municipality().to_owned(),
                id: Uuid::now_v7().to_string(),
                name: new.name.clone(),
                kind: new.kind.as_str().to_owned(),
                start_date: new.start_date,
                end_date: new.end_date,
                places: new.places,
                weekly_intake: new.weekly_intake,
                booked: 0,
                created_by: tx.principal().subject.clone(),
                version: 1,
                created_at: tx.now(),
                updated_at: tx.now(),
            };
            repo::insert(tx.conn, &row)?;
            tx.about_resource(&row.id);
            tx.emit(EventType::ProgrammeCreated, &row.id);
            Programme::try_from(row)
        })
        .await?;
    let location = format!(
        "/api/v1/{}/programmes/{}",
        programme.municipality, programme.id
    );
    let mut response = respond(StatusCode::CREATED, &programme);
    response.headers_mut().insert(
        header::LOCATION,
        header::HeaderValue::from_str(&location).map_err(AppError::internal)?,
    );
    Ok(response)
}

/// List programmes.
///
/// In id (creation) order, cursor-paginated.
#[utoipa::path(
    get,
    path = "/api/v1/{municipality}/programmes",
    tag = "programmes",
    operation_id = "list_programmes",
    params(MunicipalityPath, ListQuery),
    responses(
        (status = 200, description = "One page", body = ProgrammePage),
    ),
    security(("bearer" = []))
)]
pub async fn list_programmes(
    caller: Caller,
    path: web::Path<MunicipalityPath>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ListProgrammes;
    let municipality = caller.admit(op, &path.municipality).await?;
    let limit = page_limit(query.limit, 25, 100)?;
    let after = query.cursor.as_deref().map(decode_cursor).transpose()?;
    let page = caller
        .transact(op, municipality, move |tx| {
            let mut rows = repo::page(tx.conn, tx.municipality(), after.as_deref(), limit + 1)?;
            let next_cursor = cut_page(&mut rows, limit, |r| &r.id);
            let items = rows
                .into_iter()
                .map(Programme::try_from)
                .collect::<Result<_, _>>()?;
            Ok(ProgrammePage { items, next_cursor })
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

fn load(tx: &mut Tx, id: &str) -> Result<ProgrammeRow, AppError> {
    let row = repo::find(tx.conn, tx.municipality(), id)?;
    tx.found(id, row)
}

/// Read a programme.
///
/// Its name, kind, dates, places (and how many are taken) and weekly
/// intake. Programmes hold no person data.
#[utoipa::path(
    get,
    path = "/api/v1/{municipality}/programmes/{id}",
    tag = "programmes",
    operation_id = "get_programme",
    params(ResourcePath),
    responses(
        (status = 200, description = "The programme", body = Programme,
         headers(("ETag" = String, description = "The version, for If-Match"))),
    ),
    security(("bearer" = []))
)]
pub async fn get_programme(
    caller: Caller,
    path: web::Path<ResourcePath>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ReadProgramme;
    let municipality = caller.admit(op, &path.municipality).await?;
    let id = parse_id(&path.id)?.to_string();
    let programme = caller
        .transact(op, municipality, move |tx| {
            Programme::try_from(load(tx, &id)?)
        })
        .await?;
    Ok(respond(StatusCode::OK, &programme))
}

/// Change a programme, with `If-Match`.
///
/// A JSON merge patch of its name, end, places and weekly intake; its
/// places never fall below the places taken (422).
#[utoipa::path(
    patch,
    path = "/api/v1/{municipality}/programmes/{id}",
    tag = "programmes",
    operation_id = "patch_programme",
    params(ResourcePath, IfMatchHeader),
    request_body(content = ProgrammePatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Changed", body = Programme,
         headers(("ETag" = String, description = "The version, for If-Match"))),
    ),
    security(("bearer" = []))
)]
pub async fn patch_programme(
    req: HttpRequest,
    caller: Caller,
    path: web::Path<ResourcePath>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let op = Operation::UpdateProgramme;
    let municipality = caller.admit(op, &path.municipality).await?;
    let id = parse_id(&path.id)?.to_string();
    let expected: IfMatch = if_match(&req)?;
    let patch = body.check(|p: &ProgrammePatch| Ok(p.clone()))?;
    let programme = caller
        .transact(op, municipality, move |tx| {
            let mut row = load(tx, &id)?;
            if !expected.matches(row.version) {
                return Err(AppError::PreconditionFailed);
            }
            apply(&mut row, &patch)?;
            let version = row.version;
            row.version += 1;
            row.updated_at = tx.now();
            if !repo::update(tx.conn, &row, version)? {
                return Err(AppError::PreconditionFailed);
            }
            tx.emit(EventType::ProgrammeUpdated, &row.id);
            Programme::try_from(row)
        })
        .await?;
    Ok(respond(StatusCode::OK, &programme))
}

/// List the persons placed on a programme.
///
/// A coach's view: the interventions placing persons on the programme,
/// of the persons the coach sees (an open referral, or one closed under 90
/// days ago, and consent to Viadidakt), filtered in the database. Every
/// person listed is audited.
#[utoipa::path(
    get,
    path = "/api/v1/{municipality}/programmes/{id}/participants",
    tag = "programmes",
    operation_id = "list_participants",
    params(ResourcePath),
    responses(
        (status = 200, description = "The participants the coach sees", body = ParticipantList),
    ),
    security(("bearer" = []))
)]
pub async fn list_participants(
    caller: Caller,
    path: web::Path<ResourcePath>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ListParticipants;
    let municipality = caller.admit(op, &path.municipality).await?;
    let id = parse_id(&path.id)?.to_string();
    let list = caller
        .transact(op, municipality, move |tx| {
            load(tx, &id)?;
            let closed_after = coach_sight_closed_after(tx.today());
            let rows = repo::participants(tx.conn, tx.municipality(), &id, closed_after)?;
            if !rows.is_empty() {
                // A record per person listed, in place of the list's own.
                tx.without_own_record();
            }
            let mut items = Vec::new();
            for row in rows {
                tx.read(&id, &row.applicant_id);
                items.push(Participant {
                    applicant_id: stored_uuid("interventions.applicant_id", &row.applicant_id)?,
                    intervention: Intervention::try_from(row)?,
                });
            }
            Ok(ParticipantList { items })
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}
