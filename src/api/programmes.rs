//! Viadidakt's group programmes: `/api/v1/{municipality}/programmes`.
//!
//! Coaches and admins manage them ("korta vårdspåret", a cleaning course);
//! social services read them; a programme's participants are a coach's
//! view. Places are never overbooked.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::applicants::model::required;
use super::context::Caller;
use super::formats::Line;
use super::json::JsonBody;
use super::params::{
    IfMatch, IfMatchHeader, ListQuery, MunicipalityPath, ResourcePath, decode_cursor,
    encode_cursor, etag, if_match, page_limit,
};
use super::parse_id;
use super::referrals::view::Intervention;
use super::tx::Tx;
use crate::auth::policy::Operation;
use crate::db::programmes::{self as repo, ProgrammeRow};
use crate::db::{stored, stored_uuid};
use crate::domain::applicant::{self as rules, Checker};
use crate::domain::event::EventType;
use crate::domain::referral::{InterventionKind, coach_sight_closed_after};
use crate::domain::time;
use crate::error::AppError;

/// A programme to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Lokalvårdsutbildning", "kind": "vocational_training",
    "start_date": "2019-04-01", "end_date": "2019-07-14", "places": 20
}))]
pub struct ProgrammeBody {
    #[schema(value_type = Line, required = true)]
    pub name: Option<String>,
    /// The kind of intervention a place on it is (BR-9).
    #[schema(value_type = InterventionKind, required = true)]
    pub kind: Option<String>,
    #[schema(value_type = NaiveDate, required = true, max_length = 10)]
    pub start_date: Option<String>,
    /// Not before `start_date`; none for a programme that runs on.
    #[schema(value_type = Option<NaiveDate>, max_length = 10)]
    pub end_date: Option<String>,
    /// How many persons it takes, 1–10000; none when it has no set number.
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 10000)]
    #[serde(default, deserialize_with = "crate::api::json::optional_integer")]
    pub places: Option<i32>,
    /// How many new participants it takes a week, 1–1000, where it has a
    /// continuous intake.
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 1000)]
    #[serde(default, deserialize_with = "crate::api::json::optional_integer")]
    pub weekly_intake: Option<i32>,
}

/// Changes to a programme as a JSON merge patch (RFC 7396). Its kind and
/// start are not changed.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "places": 24 }))]
pub struct ProgrammePatch {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Line, required = false)]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<NaiveDate>, max_length = 10, required = false)]
    pub end_date: Option<Option<String>>,
    /// Not fewer than the places already taken.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 10000, required = false)]
    pub places: Option<Option<serde_json::Value>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 1000, required = false)]
    pub weekly_intake: Option<Option<serde_json::Value>>,
}

fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A programme.
#[derive(Debug, Serialize, ToSchema)]
pub struct Programme {
    pub id: Uuid,
    /// SCB municipality code.
    #[schema(example = "0483")]
    pub municipality: String,
    pub name: String,
    pub kind: InterventionKind,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    /// How many persons it takes; `null` when it has no set number.
    pub places: Option<i32>,
    /// Places taken by interventions.
    pub places_taken: i32,
    pub weekly_intake: Option<i32>,
    /// Increases with every change; the `ETag` is this number in quotes.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<ProgrammeRow> for Programme {
    type Error = AppError;

    fn try_from(row: ProgrammeRow) -> Result<Self, AppError> {
        Ok(Self {
            id: stored_uuid("programmes.id", &row.id)?,
            kind: stored("programmes.kind", InterventionKind::parse(&row.kind))?,
            municipality: row.municipality,
            name: row.name,
            start_date: row.start_date,
            end_date: row.end_date,
            places: row.places,
            places_taken: row.booked,
            weekly_intake: row.weekly_intake,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

/// One page of programmes.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgrammePage {
    pub items: Vec<Programme>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// The persons placed on a programme whom the coach sees.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipantList {
    /// The interventions placing them, oldest first, each naming its referral.
    pub items: Vec<Participant>,
}

/// One person placed on a programme.
#[derive(Debug, Serialize, ToSchema)]
pub struct Participant {
    pub applicant_id: Uuid,
    pub intervention: Intervention,
}

fn respond(status: StatusCode, programme: &Programme) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, etag(programme.version)))
        .json(programme)
}

fn count(c: &mut Checker, field: &str, value: i32, max: i32) -> Option<i32> {
    c.check(
        field,
        if (1..=max).contains(&value) {
            Ok(value)
        } else {
            Err(format!("must be between 1 and {max}"))
        },
    )
}

fn date(text: &str) -> Result<NaiveDate, String> {
    time::parse_date(text).ok_or_else(|| "must be a date, YYYY-MM-DD".into())
}

/// A programme whose every field has passed the rules.
struct NewProgramme {
    name: String,
    kind: InterventionKind,
    start_date: NaiveDate,
    end_date: Option<NaiveDate>,
    places: Option<i32>,
    weekly_intake: Option<i32>,
}

fn new_programme(body: &ProgrammeBody) -> Result<NewProgramme, AppError> {
    let mut c = Checker::default();
    let name = c.check(
        "name",
        required(&body.name).and_then(|n| rules::line(n, 200)),
    );
    let kind = c.check(
        "kind",
        required(&body.kind).and_then(InterventionKind::parse),
    );
    let start_date = c.check("start_date", required(&body.start_date).and_then(date));
    let end_date = match &body.end_date {
        Some(d) => c
            .check(
                "end_date",
                date(d).and_then(|end| match start_date {
                    Some(start) if end < start => Err("must not be before start_date".into()),
                    _ => Ok(end),
                }),
            )
            .map(Some),
        None => Some(None),
    };
    let places = body.places.map(|p| count(&mut c, "places", p, 10_000));
    let weekly_intake = body
        .weekly_intake
        .map(|w| count(&mut c, "weekly_intake", w, 1000));
    c.finish().map_err(AppError::Validation)?;
    let missing = || AppError::internal("validated field missing");
    Ok(NewProgramme {
        name: name.ok_or_else(missing)?,
        kind: kind.ok_or_else(missing)?,
        start_date: start_date.ok_or_else(missing)?,
        end_date: end_date.ok_or_else(missing)?,
        places: places.map(|p| p.ok_or_else(missing)).transpose()?,
        weekly_intake: weekly_intake.map(|w| w.ok_or_else(missing)).transpose()?,
    })
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
            let next_cursor = if rows.len() as i64 > limit {
                rows.truncate(limit as usize);
                rows.last().map(|r| encode_cursor(&r.id))
            } else {
                None
            };
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
    tx.about_resource(id);
    match repo::find(tx.conn, tx.municipality(), id)? {
        Some(row) => Ok(row),
        None => Err(tx.refuse(AppError::NotFound)),
    }
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

/// Applies a patch, naming every bad field.
fn apply(row: &mut ProgrammeRow, patch: &ProgrammePatch) -> Result<(), AppError> {
    let mut c = Checker::default();
    match &patch.name {
        None => {}
        Some(None) => {
            c.check::<()>("name", Err("cannot be removed".into()));
        }
        Some(Some(n)) => {
            if let Some(n) = c.check("name", rules::line(n, 200)) {
                row.name = n;
            }
        }
    }
    if let Some(end) = &patch.end_date {
        row.end_date = match end {
            None => None,
            Some(text) => c.check(
                "end_date",
                date(text).and_then(|e| {
                    if e < row.start_date {
                        Err("must not be before start_date".into())
                    } else {
                        Ok(e)
                    }
                }),
            ),
        };
    }
    let number = |c: &mut Checker, field: &str, v: &Option<serde_json::Value>, max: i32| match v {
        None => Some(None),
        Some(v) => match v.as_i64().and_then(|n| i32::try_from(n).ok()) {
            Some(n) => count(c, field, n, max).map(Some),
            None => c.check(
                field,
                Err(format!("must be a whole number between 1 and {max}")),
            ),
        },
    };
    if let Some(places) = &patch.places
        && let Some(places) = number(&mut c, "places", places, 10_000)
    {
        match places {
            Some(p) if p < row.booked => {
                c.check::<()>(
                    "places",
                    Err(format!(
                        "must not be fewer than the {} places taken",
                        row.booked
                    )),
                );
            }
            _ => row.places = places,
        }
    }
    if let Some(intake) = &patch.weekly_intake
        && let Some(intake) = number(&mut c, "weekly_intake", intake, 1000)
    {
        row.weekly_intake = intake;
    }
    c.finish().map_err(AppError::Validation)
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
                tx.read(&row.id, &row.applicant_id);
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
