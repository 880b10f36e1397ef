//! Consents (*samtycken*) to share with Viadidakt or AF (OSL 12:2, BR-6b).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::admit;
use super::json::JsonBody;
use super::params::ApplicantPath;
use super::parse_id;
use crate::audit::{self, AuditEvent, Outcome as AuditOutcome};
use crate::auth::policy::Operation;
use crate::auth::{Principal, Role};
use crate::db::applications::{self as applications, ListFilter};
use crate::db::consents::{self as repo, ConsentRow};
use crate::db::events::{self, NewEvent};
use crate::db::{DbConn, applicants};
use crate::domain::applicant::Checker;
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
    #[schema(value_type = Recipient)]
    pub recipient: String,
    /// What the person agreed to, in their words or the form's, 1–500 characters.
    #[schema(min_length = 1, max_length = 500)]
    pub purpose: String,
    /// When the person gave it (RFC 3339); not in the future.
    #[schema(value_type = DateTime<Utc>)]
    pub given_at: String,
    #[schema(value_type = ConsentChannel)]
    pub channel: String,
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
    #[param(example = "0483", pattern = r"^\d{4}$")]
    pub municipality: String,
    /// The consent's id.
    #[param(format = Uuid)]
    pub id: String,
}

/// Whether the caller may act for this person: everyone with the operation,
/// except the portal, which acts only for persons it submitted for.
fn may_act_for(
    conn: &mut DbConn,
    principal: &Principal,
    municipality: &str,
    applicant_id: &str,
) -> Result<bool, AppError> {
    if principal.role != Role::Eservice {
        return Ok(true);
    }
    let filter = ListFilter {
        submitted_by: Some(principal.subject.clone()),
        applicant_id: Some(applicant_id.to_owned()),
        ..ListFilter::default()
    };
    Ok(!applications::page(conn, municipality, &filter, None, 1)?.is_empty())
}

/// Record a consent.
///
/// Caseworkers and the case system record consents; the portal records one
/// given in its form, for a person it has submitted an application for.
#[utoipa::path(
    post,
    path = "/api/v1/{municipality}/applicants/{id}/consents",
    tag = "consents",
    operation_id = "create_consent",
    params(ApplicantPath),
    request_body(content = ConsentBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Recorded", body = Consent),
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
    state: web::Data<AppState>,
    principal: Principal,
    request_id: RequestId,
    path: web::Path<ApplicantPath>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let op = Operation::CreateConsent;
    let municipality = admit(&state, &principal, &request_id.0, op, &path.municipality).await?;
    let applicant_id = parse_id(&path.id)?.to_string();
    let body: ConsentBody = body.parse()?;
    let mut c = Checker::default();
    let recipient = c.check("recipient", Recipient::parse(&body.recipient));
    let purpose = c.check(
        "purpose",
        if body.purpose.trim().is_empty() || body.purpose.chars().count() > 500 {
            Err("must be 1-500 characters".to_owned())
        } else {
            Ok(body.purpose.trim().to_owned())
        },
    );
    let given_at = c.check(
        "given_at",
        DateTime::parse_from_rfc3339(&body.given_at)
            .map(|t| time::truncate(t.with_timezone(&Utc)))
            .map_err(|_| "must be a time in RFC 3339, such as 2026-11-20T09:30:00Z".to_owned())
            .and_then(|t| {
                if t > Utc::now() + chrono::Duration::minutes(5) {
                    Err("must not be in the future".to_owned())
                } else {
                    Ok(t)
                }
            }),
    );
    let channel = c.check("channel", ConsentChannel::parse(&body.channel));
    c.finish().map_err(AppError::Validation)?;
    let (Some(recipient), Some(purpose), Some(given_at), Some(channel)) =
        (recipient, purpose, given_at, channel)
    else {
        return Err(AppError::internal("validated field missing"));
    };
    let event = AuditEvent::of(&principal, &request_id.0, op).municipality(municipality.as_str());
    let consent = state
        .write(principal.client_check(&request_id.0), move |conn| {
            let m = municipality.as_str();
            let event = event.person(&applicant_id);
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
                recipient: recipient.as_str().to_owned(),
                purpose,
                given_at: given_at.naive_utc(),
                channel: channel.as_str().to_owned(),
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
            audit::append(conn, &[event.about(&row.id, &applicant_id)])?;
            Ok(Ok(Consent::from(row)))
        })
        .await??;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(consent))
}

/// List a person's consents, revoked ones included.
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
