//! Consents (*samtycken*) to share with Viadidakt or AF (OSL 12:2, BR-6b).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::admit;
use super::idempotency::{self, Claim, Key, StoredResponse};
use super::json::JsonBody;
use super::params::{ApplicantPath, IdempotencyKeyHeader};
use super::parse_id;
use crate::api::applicants::model::required;
use crate::api::formats::Purpose;
use crate::audit::{self, AuditEvent, Outcome as AuditOutcome};
use crate::auth::policy::Operation;
use crate::auth::{Principal, Role};
use crate::db::applications;
use crate::db::consents::{self as repo, ConsentRow};
use crate::db::events::{self, NewEvent};
use crate::db::{DbConn, applicants};
use crate::domain::applicant::{self as rules, Checker};
use crate::domain::consent::{ConsentChannel, Recipient};
use crate::domain::event::EventType;
use crate::domain::time;
use crate::error::AppError;
use crate::openapi::problems::*;
use crate::startup::AppState;
use crate::telemetry::RequestId;

/// A consent to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "recipient": "employment_service",
    "purpose": "Samverkan om planering mot arbete enligt den lokala överenskommelsen",
    "given_at": "2026-11-20T09:30:00Z",
    "channel": "e_service"
}))]
pub struct ConsentBody {
    #[schema(value_type = Recipient, required = true)]
    pub recipient: Option<String>,
    /// What the person agreed to, in their words or the form's.
    #[schema(value_type = Purpose, required = true)]
    pub purpose: Option<String>,
    /// When the person gave it (RFC 3339); not in the future.
    #[schema(value_type = DateTime<Utc>, required = true)]
    pub given_at: Option<String>,
    #[schema(value_type = ConsentChannel, required = true)]
    pub channel: Option<String>,
}

/// A consent, active or revoked.
#[derive(Debug, Serialize, ToSchema)]
pub struct Consent {
    pub id: Uuid,
    pub applicant_id: Uuid,
    pub recipient: Recipient,
    pub purpose: String,
    pub given_at: DateTime<Utc>,
    pub channel: ConsentChannel,
    /// Whether it is in force (not revoked).
    pub active: bool,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

impl From<ConsentRow> for Consent {
    fn from(row: ConsentRow) -> Self {
        Self {
            id: Uuid::try_parse(&row.id).unwrap_or_default(),
            applicant_id: Uuid::try_parse(&row.applicant_id).unwrap_or_default(),
            recipient: Recipient::parse(&row.recipient).unwrap_or(Recipient::Viadidakt),
            purpose: row.purpose,
            given_at: row.given_at.and_utc(),
            channel: ConsentChannel::parse(&row.channel).unwrap_or(ConsentChannel::Paper),
            active: row.revoked_at.is_none(),
            revoked_at: row.revoked_at.map(|t| t.and_utc()),
            created_at: row.created_at.and_utc(),
            version: row.version,
        }
    }
}

/// The consents of one person.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentList {
    /// Oldest first, revoked ones included.
    pub items: Vec<Consent>,
}

/// The path of one consent.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ConsentPath {
    /// SCB municipality code, one of the token's `municipalities`.
    #[param(example = "0483", pattern = r"^[0-9]{4}$")]
    pub municipality: String,
    /// The consent's id.
    #[param(format = Uuid)]
    pub id: String,
}

/// Whether the caller may act for this person: everyone with the operation,
/// except the portal, which acts only for the persons it submitted an
/// application for as the applicant (a consent is the person's own act, and
/// the portal authenticated the applicant, not a co-applicant).
fn may_act_for(
    conn: &mut DbConn,
    principal: &Principal,
    municipality: &str,
    applicant_id: &str,
) -> Result<bool, AppError> {
    if principal.role != Role::Eservice {
        return Ok(true);
    }
    Ok(applications::submitted_for(
        conn,
        municipality,
        &principal.subject,
        applicant_id,
    )?)
}

/// Record a consent.
///
/// Caseworkers and the case system record consents; the portal records one
/// given in its form, for the person it submitted an application for as the
/// applicant (the `applicant_id` of its receipt), never for a co-applicant.
/// An optional `Idempotency-Key` makes a retried request record the consent
/// once (the same key and body get the first answer again).
#[utoipa::path(
    post,
    path = "/api/v1/{municipality}/applicants/{id}/consents",
    tag = "consents",
    operation_id = "create_consent",
    params(ApplicantPath, IdempotencyKeyHeader),
    request_body(content = ConsentBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Recorded", body = Consent,
         headers(("ETag" = String, description = "The version, for If-Match"),
                 ("Idempotent-Replayed" = String, description = "`true` on a replayed answer"))),
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
pub async fn create_consent(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    request_id: RequestId,
    path: web::Path<ApplicantPath>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let op = Operation::CreateConsent;
    let municipality = admit(&state, &principal, &request_id.0, op, &path.municipality).await?;
    let applicant_id = parse_id(&path.id)?.to_string();
    let key = idempotency::read(&req, false)?;
    let new = body.check(new_consent)?;
    let key = match key {
        Some(key) => Some(Key {
            client: principal
                .client_id
                .clone()
                .unwrap_or_else(|| principal.subject.clone()),
            key,
            request_hash: idempotency::request_hash(
                &format!("{municipality}/applicants/{applicant_id}/consents"),
                body.bytes(),
            )?,
        }),
        None => None,
    };
    let event = AuditEvent::of(&principal, &request_id.0, op)
        .municipality(municipality.as_str())
        .person(&applicant_id);
    let request_id = request_id.0;
    let stored = state
        .write_retrying(principal.client_check(&request_id), move |conn| {
            let m = municipality.as_str();
            if let Some(key) = &key
                && let Claim::Replay(stored) = idempotency::claim(conn, key)?
            {
                let id = stored_id(&stored)?;
                let replay = AuditEvent::new(&principal, &request_id, "consent.replay", "consent")
                    .municipality(m)
                    .about(&id, &applicant_id);
                audit::append(conn, &[replay])?;
                return Ok(Ok(stored));
            }
            if applicants::find(conn, m, &applicant_id)?.is_none()
                || !may_act_for(conn, &principal, m, &applicant_id)?
            {
                return audit::refused(conn, &event, AppError::NotFound);
            }
            let now = time::now().naive_utc();
            let row = ConsentRow {
                municipality: m.to_owned(),
                id: Uuid::now_v7().to_string(),
                applicant_id: applicant_id.clone(),
                recipient: new.recipient.as_str().to_owned(),
                purpose: new.purpose.clone(),
                given_at: new.given_at.naive_utc(),
                channel: new.channel.as_str().to_owned(),
                recorded_by: principal.subject.clone(),
                recorded_role: principal.role.as_str().to_owned(),
                created_at: now,
                revoked_at: None,
                revoked_by: None,
                version: 1,
            };
            repo::insert(conn, &row)?;
            events::append(
                conn,
                &[NewEvent::new(m, EventType::ConsentCreated, &row.id)],
                now,
            )?;
            audit::append(conn, &[event.clone().about(&row.id, &applicant_id)])?;
            let stored = StoredResponse {
                status: 201,
                location: None,
                body: serde_json::to_string(&Consent::from(row)).map_err(AppError::internal)?,
                replayed: false,
            };
            if let Some(key) = &key {
                idempotency::complete(conn, key, &stored)?;
            }
            Ok(Ok(stored))
        })
        .await??;
    Ok(stored.respond())
}

/// A consent whose every field has passed the rules.
struct NewConsent {
    recipient: Recipient,
    purpose: String,
    given_at: DateTime<Utc>,
    channel: ConsentChannel,
}

/// Checks a consent, naming every bad field.
fn new_consent(body: &ConsentBody) -> Result<NewConsent, AppError> {
    let mut c = Checker::default();
    let recipient = c.check(
        "recipient",
        required(&body.recipient).and_then(Recipient::parse),
    );
    let purpose = c.check(
        "purpose",
        required(&body.purpose).and_then(|p| rules::note(p, 500)),
    );
    let given_at = c.check(
        "given_at",
        required(&body.given_at)
            .and_then(|t| {
                DateTime::parse_from_rfc3339(t).map_err(|_| {
                    "must be a time in RFC 3339, such as 2026-11-20T09:30:00Z".to_owned()
                })
            })
            .map(|t| time::truncate(t.with_timezone(&Utc)))
            .and_then(|t| {
                if t > Utc::now() + chrono::Duration::minutes(5) {
                    Err("must not be in the future".to_owned())
                } else {
                    Ok(t)
                }
            }),
    );
    let channel = c.check(
        "channel",
        required(&body.channel).and_then(ConsentChannel::parse),
    );
    c.finish().map_err(AppError::Validation)?;
    match (recipient, purpose, given_at, channel) {
        (Some(recipient), Some(purpose), Some(given_at), Some(channel)) => Ok(NewConsent {
            recipient,
            purpose,
            given_at,
            channel,
        }),
        _ => Err(AppError::internal("validated field missing")),
    }
}

/// The id in a stored answer.
fn stored_id(stored: &StoredResponse) -> Result<String, AppError> {
    serde_json::from_str::<serde_json::Value>(&stored.body)
        .ok()
        .and_then(|v| v["id"].as_str().map(str::to_owned))
        .ok_or_else(|| AppError::internal("a stored answer without an id"))
}

/// List a person's consents, revoked ones included.
///
/// Caseworkers and the case system read the whole history of a person's
/// consents to Viadidakt and AF: when each was given, how, and whether and
/// when it was revoked. Reading is audited.
#[utoipa::path(
    get,
    path = "/api/v1/{municipality}/applicants/{id}/consents",
    tag = "consents",
    operation_id = "list_consents",
    params(ApplicantPath),
    responses(
        (status = 200, description = "The consents", body = ConsentList),
        (status = 400, response = InvalidParameter),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
    security(("bearer" = []))
)]
pub async fn list_consents(
    state: web::Data<AppState>,
    principal: Principal,
    request_id: RequestId,
    path: web::Path<ApplicantPath>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ReadConsents;
    let municipality = admit(&state, &principal, &request_id.0, op, &path.municipality).await?;
    let applicant_id = parse_id(&path.id)?.to_string();
    let event = AuditEvent::of(&principal, &request_id.0, op)
        .municipality(municipality.as_str())
        .person(&applicant_id);
    let list = state
        .write(principal.client_check(&request_id.0), move |conn| {
            let m = municipality.as_str();
            if applicants::find(conn, m, &applicant_id)?.is_none() {
                audit::append(conn, &[event.outcome(AuditOutcome::NotVisible)])?;
                return Ok(Err(AppError::NotFound));
            }
            let items = repo::of_applicant(conn, m, &applicant_id)?
                .into_iter()
                .map(Consent::from)
                .collect();
            audit::append(conn, &[event])?;
            Ok(Ok(ConsentList { items }))
        })
        .await??;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(list))
}

/// Revoke a consent, at once.
///
/// The row stays, with the time of revocation; reads that needed the
/// consent are refused from this moment. Revoking twice is a 409.
#[utoipa::path(
    post,
    path = "/api/v1/{municipality}/consents/{id}/revoke",
    tag = "consents",
    operation_id = "revoke_consent",
    params(ConsentPath),
    responses(
        (status = 200, description = "Revoked", body = Consent),
        (status = 400, response = InvalidParameter),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = ConsentRevoked),
    ),
    security(("bearer" = []))
)]
pub async fn revoke_consent(
    state: web::Data<AppState>,
    principal: Principal,
    request_id: RequestId,
    path: web::Path<ConsentPath>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::RevokeConsent;
    let municipality = admit(&state, &principal, &request_id.0, op, &path.municipality).await?;
    let id = parse_id(&path.id)?.to_string();
    let event = AuditEvent::of(&principal, &request_id.0, op).municipality(municipality.as_str());
    let consent = state
        .write(principal.client_check(&request_id.0), move |conn| {
            let m = municipality.as_str();
            let event = event.resource(&id);
            let Some(mut row) = repo::find(conn, m, &id)? else {
                return audit::refused(conn, &event, AppError::NotFound);
            };
            let event = event.about(&id, &row.applicant_id);
            if !may_act_for(conn, &principal, m, &row.applicant_id)? {
                return audit::refused(conn, &event, AppError::NotFound);
            }
            if row.revoked_at.is_some() {
                return Ok(Err(AppError::ConsentRevoked));
            }
            let now = time::now().naive_utc();
            let version = row.version;
            row.revoked_at = Some(now);
            row.revoked_by = Some(principal.subject.clone());
            row.version += 1;
            if !repo::revoke(conn, &row, version)? {
                return Ok(Err(AppError::ConsentRevoked));
            }
            events::append(
                conn,
                &[NewEvent::new(m, EventType::ConsentRevoked, &id)],
                now,
            )?;
            audit::append(conn, &[event])?;
            Ok(Ok(Consent::from(row)))
        })
        .await??;
    Ok(HttpResponse::build(StatusCode::OK)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(consent))
}
