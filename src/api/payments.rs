//! Payments (*utbetalningar*, BR-3b): `POST /api/v1/{municipality}/payments`
//! and `GET /api/v1/{municipality}/applications/{id}/payments`.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::applicants::model::required;
use super::applications::view::Application;
use super::context::Caller;
use super::formats::{Line, Month as MonthText, Reasons, SignedSek};
use super::idempotency::{self, StoredResponse};
use super::json::JsonBody;
use super::params::ResourcePath;
use super::params::{MunicipalityPath, RequiredIdempotencyKeyHeader, strict_uuid};
use super::parse_id;
use super::tx::Tx;
use crate::auth::policy::Operation;
use crate::db::applications::{self as repo, PaymentRow};
use crate::db::{stored, stored_uuid};
use crate::domain::applicant::{self as rules, Checker};
use crate::domain::decision::Outcome;
use crate::domain::event::EventType;
use crate::domain::month::Month;
use crate::domain::payment::{self, PayeeKind, Refusal};
use crate::domain::{FieldError, money, time};
use crate::error::AppError;
use crate::error::catalogue::*;

/// A payment to record. A negative amount corrects an earlier payment or
/// records money reclaimed, and carries its reason.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "application_id": "019a2b3c-0000-7000-8000-00000000000a",
    "support_month": "2026-10", "amount": "6200.00", "paid_on": "2026-10-01",
    "payee": { "kind": "landlord", "name": "AB Katrineholmshem", "reference": "4471002581" }
}))]
pub struct PaymentBody {
    /// The application paid under; it needs a decision that grants money.
    #[schema(value_type = Uuid, required = true, max_length = 36)]
    pub application_id: Option<String>,
    /// The application's support month.
    #[schema(value_type = MonthText, required = true)]
    pub support_month: Option<String>,
    /// Never zero; negative for a correction or money reclaimed.
    #[schema(value_type = SignedSek, required = true)]
    pub amount: Option<String>,
    /// The date of payment, not in the future.
    #[schema(value_type = NaiveDate, required = true, max_length = 10)]
    pub paid_on: Option<String>,
    /// Why: required on a negative amount.
    #[schema(value_type = Option<Reasons>)]
    pub reason: Option<String>,
    /// Who is paid.
    #[schema(required = true)]
    pub payee: Option<PayeeBody>,
}

/// Who a payment goes to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayeeBody {
    #[schema(value_type = PayeeKind, required = true)]
    pub kind: Option<String>,
    /// Required for anyone but the applicant: the landlord's or company's name.
    #[schema(value_type = Option<Line>, example = "AB Katrineholmshem")]
    pub name: Option<String>,
    /// The payee's reference: an OCR number, an invoice or contract number.
    #[schema(value_type = Option<Line>, example = "4471002581")]
    pub reference: Option<String>,
}

/// Who a payment went to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Payee {
    pub kind: PayeeKind,
    pub name: Option<String>,
    pub reference: Option<String>,
}

/// A recorded payment.
#[derive(Debug, Serialize, ToSchema)]
pub struct Payment {
    pub id: Uuid,
    pub application_id: Uuid,
    /// The decision in force when it was paid, which allows it.
    pub decision_id: Option<Uuid>,
    pub payee: Payee,
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
            decision_id: row
                .decision_id
                .as_deref()
                .map(|id| stored_uuid("payments.decision_id", id))
                .transpose()?,
            payee: Payee {
                kind: stored("payments.payee_kind", PayeeKind::parse(&row.payee_kind))?,
                name: row.payee_name,
                reference: row.payee_reference,
            },
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
    payee: (PayeeKind, Option<String>, Option<String>),
}

/// Checks the payee: a kind, and a name for anyone but the applicant.
fn payee(
    c: &mut Checker,
    body: Option<&PayeeBody>,
) -> Option<(PayeeKind, Option<String>, Option<String>)> {
    let Some(body) = body else {
        return c.check("payee", Err("is required".to_owned()));
    };
    let kind = c.check(
        "payee.kind",
        required(&body.kind).and_then(PayeeKind::parse),
    );
    let name = match (&body.name, kind) {
        (Some(n), _) => c.check("payee.name", rules::line(n, 200).map(Some)),
        (None, Some(k)) if k.needs_name() => {
            c.check("payee.name", Err(format!("names the {k} paid")))
        }
        (None, _) => Some(None),
    };
    let reference = match &body.reference {
        Some(r) => c.check("payee.reference", rules::line(r, 200).map(Some)),
        None => Some(None),
    };
    Some((kind?, name?, reference?))
}

/// Checks a payment against BR-3b, naming every bad field.
fn new_payment(body: &PaymentBody, today: NaiveDate) -> Result<NewPayment, AppError> {
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
                if d > today {
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
    let payee = payee(&mut c, body.payee.as_ref());
    c.finish().map_err(AppError::Validation)?;
    match (application_id, month, amount, paid_on, reason, payee) {
        (
            Some(application_id),
            Some(month),
            Some(amount),
            Some(paid_on),
            Some(reason),
            Some(payee),
        ) => Ok(NewPayment {
            application_id,
            month,
            amount,
            paid_on,
            reason,
            payee,
        }),
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
/// reclaimed and needs its `reason`. Every payment names its payee (the
/// applicant, or a named landlord, utility or other party) and is linked
/// to the decision in force, which allows it.
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
        (status = 409, response = NoGrantedDecision),
    ),
    security(("bearer" = []))
)]
pub async fn create_payment(
    req: HttpRequest,
    caller: Caller,
    path: web::Path<MunicipalityPath>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let op = Operation::CreatePayment;
    let municipality = caller.admit(op, &path.municipality).await?;
    let target = format!("{municipality}/payments");
    let key = idempotency::key(&caller, op, &req, &target, &body)?;
    let today = caller.today();
    let payment = body.check(|b| new_payment(b, today))?;
    let stored = caller
        .transact(op, municipality, move |tx| {
            idempotency::once(tx, key.as_ref(), "payment.replay", |tx| pay(tx, &payment))
        })
        .await?;
    Ok(stored.respond())
}

/// Records a payment within the application's grant (BR-3b).
fn pay(tx: &mut Tx, payment: &NewPayment) -> Result<StoredResponse, AppError> {
    let m = tx.municipality().to_owned();
    tx.about_resource(&payment.application_id);
    let Some(application) = repo::find(tx.conn, &m, &payment.application_id)? else {
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
    tx.about(&payment.application_id, &application.applicant_id);
    // Payments of one application are serialised on its row, so concurrent
    // payments cannot both see the same sum.
    repo::lock(tx.conn, &m, &payment.application_id)?;
    let (decision_id, granted) = granted_ore(tx, &payment.application_id)?;
    let ore = money::to_ore(payment.amount);
    let paid = repo::paid_ore(
        tx.conn,
        &m,
        &payment.application_id,
        &application.support_month,
    )?;
    payment::check(granted, paid, ore).map_err(|refusal| match refusal {
        Refusal::NoGrant => AppError::NoGrantedDecision,
        Refusal::SumNegative => AppError::PaymentSumNegative,
        Refusal::ExceedsGrant => AppError::PaymentExceedsGrant {
            granted: money::from_ore(granted),
            paid: money::from_ore(paid),
        },
    })?;
    let row = PaymentRow {
        municipality: m,
        id: Uuid::now_v7().to_string(),
        application_id: payment.application_id.clone(),
        support_month: application.support_month.clone(),
        amount_ore: ore,
        paid_on: payment.paid_on,
        created_by: tx.principal().subject.clone(),
        created_at: tx.now(),
        reason: payment.reason.clone(),
        decision_id,
        payee_kind: payment.payee.0.as_str().to_owned(),
        payee_name: payment.payee.1.clone(),
        payee_reference: payment.payee.2.clone(),
    };
    repo::insert_payment(tx.conn, &row)?;
    tx.emit(EventType::PaymentCreated, &row.id);
    tx.about(&row.id, &application.applicant_id);
    StoredResponse::created(&Payment::try_from(row)?, None)
}

/// The application's decision in force and what it grants for its month,
/// in öre: zero without a decision that grants money.
fn granted_ore(tx: &mut Tx, application_id: &str) -> Result<(Option<String>, i64), AppError> {
    let m = tx.municipality().to_owned();
    let Some(decision) = crate::db::decisions::in_force(tx.conn, &m, application_id)? else {
        return Ok((None, 0));
    };
    let outcome = stored("decisions.outcome", Outcome::parse(&decision.outcome))?;
    let granted = if outcome.grants_money() {
        decision.amount_ore
    } else {
        0
    };
    Ok((Some(decision.id), granted))
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
    params(ResourcePath),
    responses(
        (status = 200, description = "The payments, oldest first", body = PaymentList),
    ),
    security(("bearer" = []))
)]
pub async fn list_payments(
    caller: Caller,
    path: web::Path<ResourcePath>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ReadPayments;
    let municipality = caller.admit(op, &path.municipality).await?;
    let id = parse_id(&path.id)?.to_string();
    let list = caller
        .transact(op, municipality, move |tx| {
            tx.load::<Application>(&id)?;
            let items = repo::payments_of(tx.conn, tx.municipality(), &id)?
                .into_iter()
                .map(Payment::try_from)
                .collect::<Result<Vec<_>, _>>()?;
            let granted = money::from_ore(granted_ore(tx, &id)?.1);
            let paid = items.iter().map(|p| p.amount).sum::<Decimal>().round_dp(2);
            Ok(PaymentList {
                items,
                granted,
                paid,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}
