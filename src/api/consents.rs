//! Consents (*samtycken*) to share with Viadidakt or AF (OSL 12:2, BR-6b).

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::applicants::model::{Applicant, required};
use super::context::Caller;
use super::formats::{PersonalNumber as PersonalNumberText, Purpose};
use super::idempotency::{self, StoredResponse};
use super::json::JsonBody;
use super::params::{IdempotencyKeyHeader, ResourcePath};
use super::parse_id;
use super::tx::Tx;
use crate::auth::policy::{self, Operation};
use crate::db::consents::{self as repo, ConsentRow};
use crate::db::{applicants, applications, stored, stored_uuid};
use crate::domain::FieldError;
use crate::domain::PersonalNumber;
use crate::domain::applicant::{self as rules, Checker};
use crate::domain::consent::{ConsentChannel, Recipient};
use crate::domain::event::EventType;
use crate::domain::time;
use crate::error::AppError;
use crate::error::catalogue::*;

/// A consent to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "personal_number": "19121212-1212",
    "recipient": "employment_service",
    "purpose": "Samverkan om planering mot arbete enligt den lokala överenskommelsen",
    "given_at": "2026-11-20T09:30:00Z",
    "channel": "e_service"
}))]
pub struct ConsentBody {
    /// The personal number of the person giving the consent; it must be
    /// the applicant's. Required from the e-service portal, where it is the
    /// person who signed in to the form.
    #[schema(value_type = Option<PersonalNumberText>)]
    pub personal_number: Option<String>,
    #[schema(value_type = Recipient, required = true)]
    pub recipient: Option<String>,
    /// What the person agreed to, in their words or the form's.
    #[schema(value_type = Purpose, required = true)]
    pub purpose: Option<String>,
    /// When the person gave it (RFC 3339); not in the future.
    #[schema(value_type = DateTime<Utc>, required = true, max_length = 35)]
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

impl TryFrom<ConsentRow> for Consent {
    type Error = AppError;

    fn try_from(row: ConsentRow) -> Result<Self, AppError> {
        Ok(Self {
            id: stored_uuid("consents.id", &row.id)?,
            applicant_id: stored_uuid("consents.applicant_id", &row.applicant_id)?,
            recipient: stored("consents.recipient", Recipient::parse(&row.recipient))?,
            purpose: row.purpose,
            given_at: row.given_at.and_utc(),
            channel: stored("consents.channel", ConsentChannel::parse(&row.channel))?,
            active: row.revoked_at.is_none(),
            revoked_at: row.revoked_at.map(|t| t.and_utc()),
            created_at: row.created_at.and_utc(),
            version: row.version,
        })
    }
}

/// The consents of one person.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentList {
    /// Oldest first, revoked ones included.
    pub items: Vec<Consent>,
}

/// Whether the caller may record or revoke consents of this person: the
/// portal only for the applicant it submitted for (the policy's rule, asked
/// of the database here). A refusal is audited and answered 404.
fn act_for(tx: &mut Tx, applicant_id: &str) -> Result<(), AppError> {
    let municipality = tx.municipality().to_owned();
    let principal = tx.principal().clone();
    let mut failed = None;
    let allowed = policy::may_record_consent(&principal, || {
        applications::submitted_for(tx.conn, &municipality, &principal.subject, applicant_id)
            .unwrap_or_else(|e| {
                failed = Some(e);
                false
            })
    });
    if let Some(e) = failed {
        return Err(e.into());
    }
    if allowed {
        Ok(())
    } else {
        Err(tx.refuse(AppError::NotFound))
    }
}

/// Record a consent.
///
/// Caseworkers and the case system record consents; the portal records one
/// given in its form, for the person it submitted an application for as the
/// applicant (the `applicant_id` of its receipt), never for a co-applicant
/// or anyone else, and sends that person's `personal_number`: a consent is
/// the person's own act. A `personal_number` that is not the applicant's is
/// a 422 and records nothing. When the portal's application named the
/// person under other names than the register's, the portal may not record
/// their consent (409 `identity-unconfirmed`): a caseworker confirms who
/// applied and records it.
/// An optional `Idempotency-Key` makes a retried request record the consent
/// once (the same key and body get the first answer again).
#[utoipa::path(
    post,
    path = "/api/v1/{municipality}/applicants/{id}/consents",
    tag = "consents",
    operation_id = "create_consent",
    params(ResourcePath, IdempotencyKeyHeader),
    request_body(content = ConsentBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Recorded", body = Consent,
         headers(("ETag" = String, description = "The version, for If-Match"),
                 ("Idempotent-Replayed" = String, description = "`true` on a replayed answer"))),
        (status = 409, response = IdentityUnconfirmed),
    ),
    security(("bearer" = []))
)]
pub async fn create_consent(
    req: HttpRequest,
    caller: Caller,
    path: web::Path<ResourcePath>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let op = Operation::CreateConsent;
    let municipality = caller.admit(op, &path.municipality).await?;
    let applicant_id = parse_id(&path.id)?.to_string();
    let target = format!("{municipality}/applicants/{applicant_id}/consents");
    let key = idempotency::key(&caller, op, &req, &target, &body)?;
    let now = caller.now();
    let today = caller.today();
    let signatory_required = policy::consent_names_signatory(&caller.principal);
    let new = body.check(|b| new_consent(b, now, today, signatory_required))?;
    let stored = caller
        .transact(op, municipality, move |tx| {
            idempotency::once(tx, key.as_ref(), "consent.replay", |tx| {
                tx.about_person(&applicant_id);
                let Some(person) = applicants::find(tx.conn, tx.municipality(), &applicant_id)?
                else {
                    return Err(tx.refuse(AppError::NotFound));
                };
                act_for(tx, &applicant_id)?;
                if let Some(pn) = &new.personal_number
                    && pn.as_str() != person.personal_number
                {
                    return Err(tx.refuse(AppError::Validation(vec![FieldError::new(
                        "personal_number",
                        "is not the applicant's personal number",
                    )])));
                }
                // The portal named them under other names than the
                // register's: who signed in is not confirmed (BR-6b).
                if signatory_required
                    && applications::named_otherwise(
                        tx.conn,
                        tx.municipality(),
                        &tx.principal().subject,
                        &applicant_id,
                    )?
                {
                    return Err(tx.refuse(AppError::IdentityUnconfirmed));
                }
                let row = ConsentRow {
                    municipality: tx.municipality().to_owned(),
                    id: Uuid::now_v7().to_string(),
                    applicant_id: applicant_id.clone(),
                    recipient: new.recipient.as_str().to_owned(),
                    purpose: new.purpose.clone(),
                    given_at: new.given_at.naive_utc(),
                    channel: new.channel.as_str().to_owned(),
                    recorded_by: tx.principal().subject.clone(),
                    recorded_role: tx.principal().role.as_str().to_owned(),
                    created_at: tx.now(),
                    revoked_at: None,
                    revoked_by: None,
                    version: 1,
                };
                repo::insert(tx.conn, &row)?;
                tx.emit(EventType::ConsentCreated, &row.id);
                tx.about(&row.id, &applicant_id);
                StoredResponse::created(&Consent::try_from(row)?, None)
            })
        })
        .await?;
    Ok(stored.respond())
}

/// A consent whose every field has passed the rules.
struct NewConsent {
    personal_number: Option<PersonalNumber>,
    recipient: Recipient,
    purpose: String,
    given_at: DateTime<Utc>,
    channel: ConsentChannel,
}

/// Checks a consent, naming every bad field.
fn new_consent(
    body: &ConsentBody,
    now: DateTime<Utc>,
    today: chrono::NaiveDate,
    signatory_required: bool,
) -> Result<NewConsent, AppError> {
    let mut c = Checker::default();
    let personal_number = match &body.personal_number {
        Some(pn) => c
            .check(
                "personal_number",
                PersonalNumber::parse(pn, today).map_err(|e| e.to_string()),
            )
            .map(Some),
        None if signatory_required => c.check(
            "personal_number",
            Err("is required from the e-service: the person who gives the consent".into()),
        ),
        None => Some(None),
    };
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
                if t > now + chrono::Duration::minutes(5) {
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
    match (personal_number, recipient, purpose, given_at, channel) {
        (Some(personal_number), Some(recipient), Some(purpose), Some(given_at), Some(channel)) => {
            Ok(NewConsent {
                personal_number,
                recipient,
                purpose,
                given_at,
                channel,
            })
        }
        _ => Err(AppError::internal("validated field missing")),
    }
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
    params(ResourcePath),
    responses(
        (status = 200, description = "The consents", body = ConsentList),
    ),
    security(("bearer" = []))
)]
pub async fn list_consents(
    caller: Caller,
    path: web::Path<ResourcePath>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ReadConsents;
    let municipality = caller.admit(op, &path.municipality).await?;
    let applicant_id = parse_id(&path.id)?.to_string();
    let list = caller
        .transact(op, municipality, move |tx| {
            tx.load::<Applicant>(&applicant_id)?;
            let items = repo::of_applicant(tx.conn, tx.municipality(), &applicant_id)?
                .into_iter()
                .map(Consent::try_from)
                .collect::<Result<_, _>>()?;
            Ok(ConsentList { items })
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
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
    params(ResourcePath),
    responses(
        (status = 200, description = "Revoked", body = Consent),
        (status = 409, response = ConsentRevoked),
    ),
    security(("bearer" = []))
)]
pub async fn revoke_consent(
    caller: Caller,
    path: web::Path<ResourcePath>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::RevokeConsent;
    let municipality = caller.admit(op, &path.municipality).await?;
    let id = parse_id(&path.id)?.to_string();
    let consent = caller
        .transact(op, municipality, move |tx| {
            let Some(mut row) = repo::find(tx.conn, tx.municipality(), &id)? else {
                tx.about_resource(&id);
                return Err(tx.refuse(AppError::NotFound));
            };
            tx.about(&id, &row.applicant_id);
            act_for(tx, &row.applicant_id.clone())?;
            if row.revoked_at.is_some() {
                return Err(AppError::ConsentRevoked);
            }
            let version = row.version;
            row.revoked_at = Some(tx.now());
            row.revoked_by = Some(tx.principal().subject.clone());
            row.version += 1;
            if !repo::revoke(tx.conn, &row, version)? {
                return Err(AppError::ConsentRevoked);
            }
            tx.emit(EventType::ConsentRevoked, &id);
            Consent::try_from(row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(consent))
}
