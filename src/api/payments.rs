//! Payments (*utbetalningar*): `POST /api/v1/{municipality}/payments`.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::admit;
use super::formats::{Month as MonthText, SignedSek};
use super::json::JsonBody;
use super::params::MunicipalityPath;
use crate::audit::{self, AuditEvent};
use crate::auth::Principal;
use crate::auth::policy::Operation;
use crate::db::applications::{self as repo, PaymentRow};
use crate::db::events::{self, NewEvent};
use crate::domain::applicant::Checker;
use crate::domain::application::Outcome;
use crate::domain::event::EventType;
use crate::domain::month::Month;
use crate::domain::{FieldError, money, time};
use crate::error::AppError;
use crate::openapi::problems::*;
use crate::startup::AppState;
use crate::telemetry::RequestId;

/// A payment to record. A negative amount records money reclaimed; the sum
/// paid for the month can never go below zero.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "application_id": "019a2b3c-0000-7000-8000-000000000001",
    "support_month": "2026-12", "amount": "8450.00", "paid_on": "2026-12-01"
}))]
pub struct PaymentBody {
    /// The application paid under; it needs a granting decision.
    #[schema(format = Uuid)]
    pub application_id: String,
    /// The application's support month.
    #[schema(value_type = MonthText)]
    pub support_month: String,
    /// Negative for money reclaimed; never zero.
    #[schema(value_type = SignedSek)]
    pub amount: String,
    /// The date of payment, `YYYY-MM-DD`, not in the future.
    #[schema(value_type = NaiveDate)]
    pub paid_on: String,
}

/// A recorded payment.
#[derive(Debug, Serialize, ToSchema)]
pub struct Payment {
    pub id: Uuid,
    pub application_id: Uuid,
    #[schema(example = "2026-12")]
    pub support_month: String,
    /// SEK with two decimals, as a string.
    #[schema(value_type = String, example = "8450.00")]
    pub amount: Decimal,
    pub paid_on: NaiveDate,
    pub created_at: DateTime<Utc>,
}

impl From<PaymentRow> for Payment {
    fn from(row: PaymentRow) -> Self {
        Self {
            id: Uuid::try_parse(&row.id).unwrap_or_default(),
            application_id: Uuid::try_parse(&row.application_id).unwrap_or_default(),
            support_month: row.support_month,
            amount: money::from_ore(row.amount_ore),
            paid_on: row.paid_on,
            created_at: row.created_at.and_utc(),
        }
    }
}

/// Record a payment.
///
/// Only the case system records payments, for applications with a decision
/// that grants money, in the application's support month. A 409 names the
/// rule: `no-granted-decision`, or `payment-sum-negative` when a reclaim
/// would take the month's sum below zero.
#[utoipa::path(
    post,
    path = "/api/v1/{municipality}/payments",
    tag = "applications",
    operation_id = "create_payment",
    params(MunicipalityPath),
    request_body(content = PaymentBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Recorded", body = Payment),
        (status = 400, response = MalformedBody),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = NoGrantedDecision),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = ValidationFailed),
    ),
    security(("bearer" = []))
)]
pub async fn create_payment(
    state: web::Data<AppState>,
    principal: Principal,
    request_id: RequestId,
    path: web::Path<MunicipalityPath>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let op = Operation::CreatePayment;
    let municipality = admit(&state, &principal, &request_id.0, op, &path.municipality).await?;
    let body: PaymentBody = body.parse()?;
    let mut c = Checker::default();
    let application_id = c.check(
        "application_id",
        super::params::strict_uuid(&body.application_id)
            .ok_or(())
            .map(|u| u.to_string())
            .map_err(|_| "must be a UUID".to_owned()),
    );
    let month = c.check("support_month", Month::parse(&body.support_month));
    let amount = c.check(
        "amount",
        money::parse_sek(&body.amount, true).and_then(|a| {
            if a.is_zero() {
                Err("must not be zero".into())
            } else {
                Ok(a)
            }
        }),
    );
    let paid_on = c.check(
        "paid_on",
        NaiveDate::parse_from_str(&body.paid_on, "%Y-%m-%d")
            .map_err(|_| "must be a date written YYYY-MM-DD".to_owned())
            .and_then(|d| {
                if d > time::today_in_sweden() {
                    Err("must not be in the future".to_owned())
                } else {
                    Ok(d)
                }
            }),
    );
    c.finish().map_err(AppError::Validation)?;
    let (Some(application_id), Some(month), Some(amount), Some(paid_on)) =
        (application_id, month, amount, paid_on)
    else {
        return Err(AppError::internal("validated field missing"));
    };
    let event = AuditEvent::of(&principal, &request_id.0, op).municipality(municipality.as_str());
    let payment = state
        .write(principal.client_check(&request_id.0), move |conn| {
            let m = municipality.as_str();
            let Some(application) = repo::find(conn, m, &application_id)? else {
                return Err(AppError::Validation(vec![FieldError::new(
                    "application_id",
                    "no application with this id in the municipality",
                )]));
            };
            if month.to_string() != application.support_month {
                return Err(AppError::Validation(vec![FieldError::new(
                    "support_month",
                    format!(
                        "must be the application's support month, {}",
                        application.support_month
                    ),
                )]));
            }
            // Payments of one application are serialised on its row, so
            // concurrent reclaims cannot both see the same sum.
            repo::lock(conn, m, &application_id)?;
            let grants = repo::decision_of(conn, m, &application_id)?
                .and_then(|d| Outcome::parse(&d.outcome).ok())
                .is_some_and(Outcome::grants_money);
            if !grants {
                return Err(AppError::NoGrantedDecision);
            }
            let ore = money::to_ore(amount);
            let paid = repo::paid_ore(conn, m, &application_id, &application.support_month)?;
            if paid + ore < 0 {
                return Err(AppError::PaymentSumNegative);
            }
            let now = time::now().naive_utc();
            let row = PaymentRow {
                municipality: m.to_owned(),
                id: Uuid::now_v7().to_string(),
                application_id: application_id.clone(),
                support_month: application.support_month.clone(),
                amount_ore: ore,
                paid_on,
                created_by: principal.subject.clone(),
                created_at: now,
            };
            repo::insert_payment(conn, &row)?;
            events::append(
                conn,
                &[NewEvent::new(m, EventType::PaymentCreated, &row.id)],
                now,
            )?;
            audit::append(conn, &[event.about(&row.id, &application.applicant_id)])?;
            Ok(Payment::from(row))
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(payment))
}
