//! Payments (*utbetalningar*, BR-3b): `POST /api/v1/{municipality}/payments`
//! and `GET /api/v1/{municipality}/applications/{id}/payments`.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::applications::model::{stored_uuid, unreadable};
use super::applications::{ApplicationPath, visible_application};
use super::formats::{Month as MonthText, Reasons, SignedSek};
use super::idempotency::{self, Claim, Key, StoredResponse};
use super::json::JsonBody;
use super::params::{MunicipalityPath, RequiredIdempotencyKeyHeader, strict_uuid};
use super::{admit, parse_id};
use crate::audit::{self, AuditEvent};
use crate::auth::Principal;
use crate::auth::policy::Operation;
use crate::db::applications::{self as repo, PaymentRow};
use crate::db::events::{self, NewEvent};
use crate::domain::applicant::{self as rules, Checker};
use crate::domain::application::Outcome;
use crate::domain::event::EventType;
use crate::domain::month::Month;
use crate::domain::{FieldError, money, time};
use crate::error::AppError;
use crate::openapi::problems::*;
use crate::startup::AppState;
use crate::telemetry::RequestId;

/// A payment to record. A negative amount corrects an earlier payment or
/// records money reclaimed, and carries its reason.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "application_id": "019a2b3c-0000-7000-8000-00000000000a",
    "support_month": "2026-10", "amount": "8450.00", "paid_on": "2026-10-01"
}))]
pub struct PaymentBody {
    /// The application paid under; it needs a decision that grants money.
    #[schema(value_type = Uuid, required = true)]
    pub application_id: Option<String>,
    /// The application's support month.
    #[schema(value_type = MonthText, required = true)]
    pub support_month: Option<String>,
    /// Never zero; negative for a correction or money reclaimed.
    #[schema(value_type = SignedSek, required = true)]
    pub amount: Option<String>,
    /// The date of payment, not in the future.
    #[schema(value_type = NaiveDate, required = true)]
    pub paid_on: Option<String>,
    /// Why: required on a negative amount.
    #[schema(value_type = Option<Reasons>)]
    pub reason: Option<String>,
}

/// A recorded payment.
#[derive(Debug, Serialize, ToSchema)]
pub struct Payment {
    pub id: Uuid,
    pub application_id: Uuid,
    #[schema(example = "2026-10")]
    pub support_month: String,
    /// SEK with two decimals, as a string; negative for a correction.
    #[schema(value_type = String, example = "8450.00")]
    pub amount: Decimal,
    pub paid_on: NaiveDate,
    /// Why, on a negative payment.
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<PaymentRow> for Payment {
    type Error = AppError;

    fn try_from(row: PaymentRow) -> Result<Self, AppError> {
        Ok(Self {
            id: stored_uuid("payments.id", &row.id)?,
            application_id: stored_uuid("payments.application_id", &row.application_id)?,
            support_month: row.support_month,
            amount: money::from_ore(row.amount_ore),
            paid_on: row.paid_on,
            reason: row.reason,
            created_at: row.created_at.and_utc(),
        })
    }
}

/// An application's payments, with what was granted and what is paid.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentList {
    pub items: Vec<Payment>,
    /// What the application's decision grants for its support month; `0.00`
    /// without a granting decision.
    #[schema(value_type = String, example = "8450.00")]
    pub granted: Decimal,
    /// The sum of the payments: never below zero, never above `granted`.
    #[schema(value_type = String, example = "8450.00")]
    pub paid: Decimal,
}

/// A payment as checked.
struct NewPayment {
    application_id: String,
    month: Month,
    amount: Decimal,
    paid_on: NaiveDate,
    reason: Option<String>,
}

/// Checks a payment against BR-3b, naming every bad field.
fn new_payment(body: &PaymentBody) -> Result<NewPayment, AppError> {
    let mut c = Checker::default();
    let required = |field: &str| format!("{field} is required");
    let application_id = c.check(
        "application_id",
        match &body.application_id {
            Some(id) => strict_uuid(id)
                .map(|u| u.to_string())
                .ok_or_else(|| "must be a UUID".to_owned()),
            None => Err(required("the application")),
        },
    );
    let month = c.check(
        "support_month",
        body.support_month
            .as_deref()
            .ok_or_else(|| required("the support month"))
            .and_then(Month::parse),
    );
    let amount = c.check(
        "amount",
        body.amount
            .as_deref()
            .ok_or_else(|| required("the amount"))
            .and_then(|a| money::parse_sek(a, true))
            .and_then(|a| {
                if a.is_zero() {
                    Err("must not be zero".into())
                } else {
                    Ok(a)
                }
            }),
    );
    let paid_on = c.check(
        "paid_on",
        body.paid_on
            .as_deref()
            .ok_or_else(|| required("the date of payment"))
            .and_then(|d| {
                time::parse_date(d).ok_or_else(|| "must be a date written YYYY-MM-DD".to_owned())
            })
            .and_then(|d| {
                if d > time::today_in_sweden() {
                    Err("must not be in the future".to_owned())
                } else {
                    Ok(d)
                }
            }),
    );
    let reason = match (&body.reason, amount) {
        (Some(r), _) => c.check("reason", rules::note(r, 2000).map(Some)),
        (None, Some(a)) if a.is_sign_negative() => c.check(
            "reason",
            Err("a correction or reclaim needs its reason".to_owned()),
        ),
        (None, _) => Some(None),
    };
    c.finish().map_err(AppError::Validation)?;
    match (application_id, month, amount, paid_on, reason) {
        (Some(application_id), Some(month), Some(amount), Some(paid_on), Some(reason)) => {
            Ok(NewPayment {
                application_id,
                month,
                amount,
                paid_on,
                reason,
            })
        }
        _ => Err(AppError::internal("validated field missing")),
    }
}

/// Record a payment.
///
/// Only the case system records payments, exactly once per
/// `Idempotency-Key` (required: a retry after a timeout gets the first answer
/// again, with `Idempotent-Replayed: true`, and never pays twice; the same
/// key with another body is a 422). A payment is for an application with a
/// decision that grants money, in its support month; the sum of the
/// application's payments stays between zero and what the decision grants,
/// also under concurrent requests (409 `payment-exceeds-grant` or
/// `payment-sum-negative`). A negative amount is a correction or money
/// reclaimed and needs its `reason`.
#[utoipa::path(
    post,
    path = "/api/v1/{municipality}/payments",
    tag = "applications",
    operation_id = "create_payment",
    params(MunicipalityPath, RequiredIdempotencyKeyHeader),
    request_body(content = PaymentBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Recorded", body = Payment,
         headers(("Idempotent-Replayed" = String, description = "`true` on a replayed answer"))),
        (status = 400, response = IdempotencyKeyRequired),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = NoGrantedDecision),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = ValidationFailed),
        (status = 503, response = Contention),
    ),
    security(("bearer" = []))
)]
pub async fn create_payment(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    request_id: RequestId,
    path: web::Path<MunicipalityPath>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let op = Operation::CreatePayment;
    let municipality = admit(&state, &principal, &request_id.0, op, &path.municipality).await?;
    let key = idempotency::read(&req, true)?.ok_or(AppError::IdempotencyKeyRequired)?;
    let payment = body.check(new_payment)?;
    let key = Key {
        client: principal
            .client_id
            .clone()
            .unwrap_or_else(|| principal.subject.clone()),
        key,
        request_hash: idempotency::request_hash(&format!("{municipality}/payments"), body.bytes())?,
    };
    let event = AuditEvent::of(&principal, &request_id.0, op).municipality(municipality.as_str());
    let request_id = request_id.0;
    let stored = state
        .write_retrying(principal.client_check(&request_id), move |conn| {
            let m = municipality.as_str();
            if let Claim::Replay(stored) = idempotency::claim(conn, &key)? {
                let id = stored_id(&stored)?;
                let replay = AuditEvent::new(&principal, &request_id, "payment.replay", "payment")
                    .municipality(m)
                    .resource(&id);
                audit::append(conn, &[replay])?;
                return Ok(stored);
            }
            let Some(application) = repo::find(conn, m, &payment.application_id)? else {
                return Err(AppError::Validation(vec![FieldError::new(
                    "application_id",
                    "no application with this id in the municipality",
                )]));
            };
            if payment.month.to_string() != application.support_month {
                return Err(AppError::Validation(vec![FieldError::new(
                    "support_month",
                    format!(
                        "must be the application's support month, {}",
                        application.support_month
                    ),
                )]));
            }
            // Payments of one application are serialised on its row, so
            // concurrent payments cannot both see the same sum.
            repo::lock(conn, m, &payment.application_id)?;
            let granted = granted_ore(conn, m, &payment.application_id)?;
            if granted == 0 {
                return Err(AppError::NoGrantedDecision);
            }
            let ore = money::to_ore(payment.amount);
            let paid =
                repo::paid_ore(conn, m, &payment.application_id, &application.support_month)?;
            if paid + ore < 0 {
                return Err(AppError::PaymentSumNegative);
            }
            if paid + ore > granted {
                return Err(AppError::PaymentExceedsGrant {
                    granted: money::from_ore(granted),
                    paid: money::from_ore(paid),
                });
            }
            let now = time::now().naive_utc();
            let row = PaymentRow {
                municipality: m.to_owned(),
                id: Uuid::now_v7().to_string(),
                application_id: payment.application_id.clone(),
                support_month: application.support_month.clone(),
                amount_ore: ore,
                paid_on: payment.paid_on,
                created_by: principal.subject.clone(),
                created_at: now,
                reason: payment.reason.clone(),
            };
            repo::insert_payment(conn, &row)?;
            events::append(
                conn,
                &[NewEvent::new(m, EventType::PaymentCreated, &row.id)],
                now,
            )?;
            audit::append(
                conn,
                &[event.clone().about(&row.id, &application.applicant_id)],
            )?;
            let stored = StoredResponse {
                status: 201,
                location: None,
                body: serde_json::to_string(&Payment::try_from(row)?)
                    .map_err(AppError::internal)?,
                replayed: false,
            };
            idempotency::complete(conn, &key, &stored)?;
            Ok(stored)
        })
        .await?;
    Ok(stored.respond())
}

/// What an application's decision grants for its month, in öre: zero
/// without a decision that grants money.
fn granted_ore(
    conn: &mut crate::db::DbConn,
    municipality: &str,
    application_id: &str,
) -> Result<i64, AppError> {
    let Some(decision) = repo::decision_of(conn, municipality, application_id)? else {
        return Ok(0);
    };
    let outcome = Outcome::parse(&decision.outcome).map_err(|_| unreadable("decisions.outcome"))?;
    Ok(if outcome.grants_money() {
        decision.amount_ore
    } else {
        0
    })
}

/// The id in a stored answer.
fn stored_id(stored: &StoredResponse) -> Result<String, AppError> {
    serde_json::from_str::<serde_json::Value>(&stored.body)
        .ok()
        .and_then(|v| v["id"].as_str().map(str::to_owned))
        .ok_or_else(|| AppError::internal("a stored answer without an id"))
}

/// List an application's payments.
///
/// Caseworkers and the case system read what has been paid under an
/// application, corrections included, with what its decision grants and
/// the sum paid. Reading is audited.
#[utoipa::path(
    get,
    path = "/api/v1/{municipality}/applications/{id}/payments",
    tag = "applications",
    operation_id = "list_payments",
    params(ApplicationPath),
    responses(
        (status = 200, description = "The payments, oldest first", body = PaymentList),
        (status = 400, response = InvalidParameter),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
    security(("bearer" = []))
)]
pub async fn list_payments(
    state: web::Data<AppState>,
    principal: Principal,
    request_id: RequestId,
    path: web::Path<ApplicationPath>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ReadPayments;
    let municipality = admit(&state, &principal, &request_id.0, op, &path.municipality).await?;
    let id = parse_id(&path.id)?.to_string();
    let event = AuditEvent::of(&principal, &request_id.0, op)
        .municipality(municipality.as_str())
        .resource(&id);
    let list = state
        .write(principal.client_check(&request_id.0), move |conn| {
            let m = municipality.as_str();
            let (row, _) = match visible_application(conn, &principal, op, &event, m, &id)? {
                Ok(found) => found,
                Err(refusal) => return Ok(Err(refusal)),
            };
            let items = repo::payments_of(conn, m, &id)?
                .into_iter()
                .map(Payment::try_from)
                .collect::<Result<Vec<_>, _>>()?;
            let granted = money::from_ore(granted_ore(conn, m, &id)?);
            let paid = items.iter().map(|p| p.amount).sum::<Decimal>().round_dp(2);
            audit::append(conn, &[event.about(&id, &row.applicant_id)])?;
            Ok(Ok(PaymentList {
                items,
                granted,
                paid,
            }))
        })
        .await??;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(list))
}
