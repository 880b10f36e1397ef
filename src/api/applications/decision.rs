//! A decision to record on an application (BR-3).

use rust_decimal::Decimal;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::applicants::model::required;
use crate::api::formats::{Month as MonthText, Reasons, Sek};
use crate::domain::applicant::{self as rules, Checker};
use crate::domain::application::{Outcome, decision_amount, needs_reasons};
use crate::domain::money::parse_sek;
use crate::domain::month::Month;
use crate::error::AppError;

/// A decision to record (BR-3).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "outcome": "granted", "amount": "8450.00", "work_capacity_percent": 50, "support_month": "2026-12"
}))]
pub struct DecisionBody {
    #[schema(value_type = Outcome, required = true)]
    pub outcome: Option<String>,
    /// Required and above zero when granting; `0.00` or absent for a rejection.
    #[schema(value_type = Option<Sek>)]
    pub amount: Option<String>,
    /// The reasons, required for a rejection; at most 2000 characters.
    #[schema(value_type = Option<Reasons>)]
    pub reason: Option<String>,
    /// Assessed work capacity, 0–100.
    #[schema(value_type = i32, minimum = 0, maximum = 100, required = true)]
    #[serde(default, deserialize_with = "crate::api::json::optional_integer")]
    pub work_capacity_percent: Option<i32>,
    /// Must be the application's support month.
    #[schema(value_type = MonthText, required = true)]
    pub support_month: Option<String>,
}

/// A decision as checked.
#[derive(Debug, Clone)]
pub struct NewDecision {
    pub outcome: Outcome,
    pub amount: Decimal,
    pub reason: Option<String>,
    pub work_capacity_percent: i32,
    pub support_month: Month,
}

/// Checks a decision against BR-3, naming every bad field.
pub fn new_decision(body: &DecisionBody) -> Result<NewDecision, AppError> {
    let mut c = Checker::default();
    let outcome = c.check("outcome", required(&body.outcome).and_then(Outcome::parse));
    let amount = match outcome {
        Some(o) => c.check(
            "amount",
            body.amount
                .as_deref()
                .map(|text| parse_sek(text, false))
                .transpose()
                .and_then(|a| decision_amount(o, a)),
        ),
        None => None,
    };
    let reason = match (&body.reason, outcome) {
        (Some(r), _) => c.check("reason", rules::note(r, 2000).map(Some)),
        (None, Some(o)) if needs_reasons(o) => {
            c.check("reason", Err("a rejection needs its reasons".into()))
        }
        (None, _) => Some(None),
    };
    let wcp = c.check(
        "work_capacity_percent",
        match body.work_capacity_percent {
            Some(p) if (0..=100).contains(&p) => Ok(p),
            Some(_) => Err("must be between 0 and 100".to_owned()),
            None => Err("is required".to_owned()),
        },
    );
    let support_month = c.check(
        "support_month",
        required(&body.support_month).and_then(Month::parse),
    );
    c.finish().map_err(AppError::Validation)?;
    let missing = || AppError::internal("validated field missing");
    Ok(NewDecision {
        outcome: outcome.ok_or_else(missing)?,
        amount: amount.ok_or_else(missing)?,
        reason: reason.ok_or_else(missing)?,
        work_capacity_percent: wcp.ok_or_else(missing)?,
        support_month: support_month.ok_or_else(missing)?,
    })
}
