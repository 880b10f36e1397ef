//! Applicants (*sökande*): `/api/v1/{municipality}/applicants`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::json::JsonBody;
use super::{admit, outcome_of, parameter_error, parse_id};
use crate::audit::{self, AuditEvent};
use crate::auth::Principal;
use crate::auth::policy::{self, Operation, PersonView};
use crate::db::applicants::{self as repo, ApplicantRow};
use crate::db::{DbConn, is_unique_violation};
use crate::domain::applicant::{self as rules, ApplicantChanges, Checker, NewApplicant};
use crate::domain::{Municipality, PersonalNumber, time};
use crate::error::AppError;
use crate::openapi::problems::*;
use crate::startup::AppState;
use crate::telemetry::RequestId;

/// A postal address.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// Street and number.
    #[schema(example = "Storgatan 1")]
    pub street: String,
    /// Five digits, with or without a space.
    #[schema(example = "641 30")]
    pub postal_code: String,
    #[schema(example = "Katrineholm")]
    pub city: String,
}

/// A new applicant.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "personal_number": "19121212-1212",
    "first_name": "Tolvan",
    "last_name": "Tolvansson",
    "protected_identity": false,
    "address": { "street": "Storgatan 1", "postal_code": "641 30", "city": "Katrineholm" },
    "phone": "0150-123 45",
    "email": "tolvan@example.se"
}))]
pub struct NewApplicantBody {
    /// Personal or coordination number, 10 or 12 digits with an optional
    /// `-` or `+` before the last four (BR-1). Stored as 12 digits.
    pub personal_number: String,
    pub first_name: String,
    pub last_name: String,
    /// *Skyddade personuppgifter*: address, phone and e-mail are then shown
    /// only to caseworkers of the person's municipality.
    #[serde(default)]
    pub protected_identity: bool,
    pub address: Option<Address>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// Changes to an applicant as a JSON merge patch (RFC 7396): a field left
/// out stays as it is; `null` clears an optional field. The personal number
/// cannot be changed.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "phone": "0150-543 21", "email": null }))]
pub struct ApplicantPatch {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub first_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub last_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<bool>)]
    pub protected_identity: Option<Option<bool>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Address>)]
    pub address: Option<Option<Address>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
}

/// Keeps "present but null" apart from "absent" in a merge patch.
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A search by personal number, which never goes in a URL.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "personal_number": "19121212-1212" }))]
pub struct SearchBody {
    /// Personal or coordination number in any form BR-1 accepts.
    pub personal_number: String,
}

/// Links to related resources.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicantLinks {
    /// This applicant.
    #[serde(rename = "self")]
    pub self_link: String,
}

/// An applicant as the caller may see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct Applicant {
    pub id: Uuid,
    /// SCB municipality code.
    #[schema(example = "0483")]
    pub municipality: String,
    /// 12 digits, `YYYYMMDDNNNC`.
    #[schema(example = "191212121212")]
    pub personal_number: String,
    /// Legal sex for statistics: `K` or `M` (BR-1).
    #[schema(example = "M")]
    pub sex: String,
    /// Whether this is a coordination number (*samordningsnummer*).
    pub coordination_number: bool,
    pub first_name: String,
    pub last_name: String,
    /// When true, address, phone and e-mail are `null` for everyone but
    /// caseworkers of the person's municipality.
    pub protected_identity: bool,
    pub address: Option<Address>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// Increases with every change; the `ETag` is this number in quotes.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub links: ApplicantLinks,
}

impl Applicant {
    fn new(row: ApplicantRow, view: PersonView) -> Self {
        let show_contact = !row.protected_identity || view.shows_protected_contact();
        let address = row.address().filter(|_| show_contact).map(|a| Address {
            street: a.street,
            postal_code: a.postal_code,
            city: a.city,
        });
        let personal_number = PersonalNumber::from_stored(row.personal_number);
        Self {
            links: ApplicantLinks {
                self_link: format!("/api/v1/{}/applicants/{}", row.municipality, row.id),
            },
            id: Uuid::try_parse(&row.id).unwrap_or_default(),
            municipality: row.municipality,
            coordination_number: personal_number.is_coordination_number(),
            personal_number: personal_number.as_str().to_owned(),
            sex: row.sex,
            first_name: row.first_name,
            last_name: row.last_name,
            protected_identity: row.protected_identity,
            address,
            phone: row.phone.filter(|_| show_contact),
            email: row.email.filter(|_| show_contact),
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// One page of applicants.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicantPage {
    pub items: Vec<Applicant>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// The municipality segment of a path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MunicipalityPath {
    /// SCB municipality code, one of the token's `municipalities`.
    #[param(example = "0483")]
    pub municipality: String,
}

/// The path of one applicant.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ApplicantPath {
    /// SCB municipality code, one of the token's `municipalities`.
    #[param(example = "0483")]
    pub municipality: String,
    /// The applicant's id.
    pub id: String,
}

/// Paging of a list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Items per page, 1–100 (default 25).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

fn respond(status: actix_web::http::StatusCode, applicant: &Applicant) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, etag(applicant.version)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(applicant)
}

fn new_applicant(body: NewApplicantBody) -> Result<NewApplicant, AppError> {
    let mut c = Checker::default();
    let personal_number = c.check(
        "personal_number",
        PersonalNumber::parse(&body.personal_number, time::today_in_sweden())
            .map_err(|e| e.to_string()),
    );
    let first_name = c.check("first_name", rules::name(&body.first_name));
    let last_name = c.check("last_name", rules::name(&body.last_name));
    let address = body.address.map(|a| address(&mut c, a));
    let phone = body.phone.map(|p| c.check("phone", rules::phone(&p)));
    let email = body.email.map(|e| c.check("email", rules::email(&e)));
    c.finish().map_err(AppError::Validation)?;
    // Every `None` above was recorded as an error, so these are all present.
    let missing = || AppError::internal("validated field missing");
    Ok(NewApplicant {
        personal_number: personal_number.ok_or_else(missing)?,
        first_name: first_name.ok_or_else(missing)?,
        last_name: last_name.ok_or_else(missing)?,
        protected_identity: body.protected_identity,
        address: address.map(|a| a.ok_or_else(missing)).transpose()?,
        phone: phone.map(|p| p.ok_or_else(missing)).transpose()?,
        email: email.map(|e| e.ok_or_else(missing)).transpose()?,
    })
}

fn address(c: &mut Checker, a: Address) -> Option<rules::Address> {
    let street = c.check("address.street", rules::text(&a.street));
    let postal_code = c.check("address.postal_code", rules::postal_code(&a.postal_code));
    let city = c.check("address.city", rules::text(&a.city));
    Some(rules::Address {
        street: street?,
        postal_code: postal_code?,
        city: city?,
    })
}

fn changes(patch: ApplicantPatch) -> Result<ApplicantChanges, AppError> {
    let mut c = Checker::default();
    let required = |c: &mut Checker, field: &str, v: Option<Option<String>>| match v {
        None => None,
        Some(None) => c.check::<String>(field, Err("cannot be removed".into())),
        Some(Some(v)) => c.check(field, rules::name(&v)),
    };
    let first_name = required(&mut c, "first_name", patch.first_name);
    let last_name = required(&mut c, "last_name", patch.last_name);
    let protected_identity = match patch.protected_identity {
        None => None,
        Some(None) => c.check(
            "protected_identity",
            Err("cannot be removed; send true or false".into()),
        ),
        Some(Some(v)) => Some(v),
    };
    let address = patch.address.map(|a| a.map(|a| address(&mut c, a)));
    let phone = patch
        .phone
        .map(|p| p.map(|p| c.check("phone", rules::phone(&p))));
    let email = patch
        .email
        .map(|e| e.map(|e| c.check("email", rules::email(&e))));
    c.finish().map_err(AppError::Validation)?;
    Ok(ApplicantChanges {
        first_name,
        last_name,
        protected_identity,
        address: address.map(Option::flatten),
        phone: phone.map(Option::flatten),
        email: email.map(Option::flatten),
    })
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
    let refused = |conn: &mut DbConn, refusal: AppError| {
        audit::append(conn, &[event.clone().outcome(outcome_of(&refusal))])?;
        Ok(Err(refusal))
    };
    let Some(row) = repo::find(conn, municipality, id)? else {
        return refused(conn, AppError::NotFound);
    };
    let relations = repo::relations(conn, municipality, id)?;
    match policy::person_access(principal, op, relations) {
        Ok(view) => Ok(Ok((row, view))),
        Err(refusal) => refused(conn, refusal),
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
    let applicant = new_applicant(body.parse()?)?;
    let id = Uuid::now_v7().to_string();
    let event = AuditEvent::new(
        &principal,
        &request_id.0,
        op.audit_action(),
        op.resource_type(),
    )
    .municipality(municipality.as_str())
    .person(&id);
    let row = state
        .db
        .write(move |conn| {
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
            audit::append(conn, &[event])?;
            Ok(row)
        })
        .await?;
    let applicant = Applicant::new(row, PersonView::Full);
    let mut response = respond(actix_web::http::StatusCode::CREATED, &applicant);
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
    let event = AuditEvent::new(
        &principal,
        &request_id.0,
        op.audit_action(),
        op.resource_type(),
    )
    .municipality(municipality.as_str())
    .person(&id);
    let applicant = state
        .db
        .write(move |conn| {
            let (row, view) =
                match visible_person(conn, &principal, op, &event, municipality.as_str(), &id)? {
                    Ok(found) => found,
                    Err(refusal) => return Ok(Err(refusal)),
                };
            audit::append(conn, &[event])?;
            Ok(Ok(Applicant::new(row, view)))
        })
        .await??;
    Ok(respond(actix_web::http::StatusCode::OK, &applicant))
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
        ("If-Match" = String, Header, description = "The ETag of the last read, such as \"3\""),
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
    let changes = changes(body.parse()?)?;
    let event = AuditEvent::new(
        &principal,
        &request_id.0,
        op.audit_action(),
        op.resource_type(),
    )
    .municipality(municipality.as_str())
    .person(&id);
    let applicant = state
        .db
        .write(move |conn| {
            let (mut row, view) =
                match visible_person(conn, &principal, op, &event, municipality.as_str(), &id)? {
                    Ok(found) => found,
                    Err(refusal) => return Ok(Err(refusal)),
                };
            if !expected.matches(row.version) {
                return Ok(Err(AppError::PreconditionFailed));
            }
            let current = row.version;
            row.apply(&changes, time::now().naive_utc());
            if !repo::update(conn, &row, current)? {
                return Ok(Err(AppError::PreconditionFailed));
            }
            audit::append(conn, &[event])?;
            Ok(Ok(Applicant::new(row, view)))
        })
        .await??;
    Ok(respond(actix_web::http::StatusCode::OK, &applicant))
}

/// What `If-Match` allows.
enum IfMatch {
    Any,
    Versions(Vec<i64>),
}

impl IfMatch {
    fn matches(&self, version: i64) -> bool {
        match self {
            Self::Any => true,
            Self::Versions(v) => v.contains(&version),
        }
    }
}

fn if_match(req: &HttpRequest) -> Result<IfMatch, AppError> {
    let value = req
        .headers()
        .get(header::IF_MATCH)
        .ok_or(AppError::PreconditionRequired)?
        .to_str()
        .map_err(|_| parameter_error("is not readable", "If-Match"))?;
    if value.trim() == "*" {
        return Ok(IfMatch::Any);
    }
    // Weak tags never match under If-Match (RFC 9110 §13.1.1); unknown tags match nothing.
    let versions = value
        .split(',')
        .map(str::trim)
        .filter(|tag| !tag.starts_with("W/"))
        .filter_map(|tag| tag.strip_prefix('"')?.strip_suffix('"')?.parse().ok())
        .collect();
    Ok(IfMatch::Versions(versions))
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
    let limit = i64::from(query.limit.unwrap_or(25));
    if !(1..=100).contains(&limit) {
        return Err(parameter_error("must be between 1 and 100", "limit"));
    }
    let after = query.cursor.as_deref().map(decode_cursor).transpose()?;
    let base = AuditEvent::new(
        &principal,
        &request_id.0,
        op.audit_action(),
        op.resource_type(),
    )
    .municipality(municipality.as_str());
    let page = state
        .db
        .write(move |conn| list_page(conn, &principal, &municipality, after, limit, &base))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(page))
}

fn list_page(
    conn: &mut DbConn,
    principal: &Principal,
    municipality: &Municipality,
    mut after: Option<String>,
    limit: i64,
    base: &AuditEvent,
) -> Result<ApplicantPage, AppError> {
    let mut items = Vec::new();
    let mut events = Vec::new();
    // Callers that see only some persons may need several batches to fill a page.
    loop {
        let rows = repo::page(conn, municipality.as_str(), after.as_deref(), limit + 1)?;
        let fetched = rows.len();
        let mut looked_at = 0;
        for row in rows.into_iter().take(limit as usize) {
            looked_at += 1;
            after = Some(row.id.clone());
            let relations = repo::relations(conn, municipality.as_str(), &row.id)?;
            if let Some(view) = policy::person_view(principal, relations) {
                events.push(base.clone().person(&row.id));
                items.push(Applicant::new(row, view));
                if items.len() as i64 == limit {
                    break;
                }
            }
        }
        let rows_left = fetched > looked_at;
        if items.len() as i64 == limit || !rows_left {
            let next_cursor = if rows_left {
                after.as_deref().map(encode_cursor)
            } else {
                None
            };
            audit::append(conn, &events)?;
            return Ok(ApplicantPage { items, next_cursor });
        }
    }
}

fn encode_cursor(id: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id)
}

fn decode_cursor(cursor: &str) -> Result<String, AppError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .filter(|id| Uuid::try_parse(id).is_ok())
        .ok_or_else(|| parameter_error("is not a cursor this API gave out", "cursor"))
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
    let search: SearchBody = body.parse()?;
    let mut c = Checker::default();
    let personal_number = c.check(
        "personal_number",
        PersonalNumber::parse(&search.personal_number, time::today_in_sweden())
            .map_err(|e| e.to_string()),
    );
    c.finish().map_err(AppError::Validation)?;
    let personal_number =
        personal_number.ok_or_else(|| AppError::internal("validated field missing"))?;
    let event = AuditEvent::new(
        &principal,
        &request_id.0,
        op.audit_action(),
        op.resource_type(),
    )
    .municipality(municipality.as_str());
    let applicant = state
        .db
        .write(move |conn| {
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
    Ok(respond(actix_web::http::StatusCode::OK, &applicant))
}
