//! Reported values and forecasts: `PUT /api/v1/indicators/{id}/values`.

use std::collections::BTreeSet;

use actix_web::{HttpResponse, web};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::context::Caller;
use crate::api::json::JsonBody;
use crate::auth::Principal;
use crate::auth::policy::{self, Operation};
use crate::db::indicators::{self as repo, ReportRow};
use crate::domain::audit::Outcome;
use crate::domain::indicator::{Gender, Indicator, IndicatorSource, Period, Unit, catalogue};
use crate::domain::{FieldError, Municipality};
use crate::error::AppError;

/// Entries in one body, at most.
const MAX_ENTRIES: usize = 2000;

/// A reported value.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportedValue {
    /// One of the token's municipalities.
    #[schema(example = "0483", pattern = r"^[0-9]{4}$", max_length = 4)]
    pub municipality: String,
    /// A month, tertial, half year or year that has begun.
    #[schema(
        example = "2019-T1",
        pattern = r"^20[0-9]{2}(-(0[1-9]|1[0-2]|T[1-3]|H[1-2]))?$",
        max_length = 7
    )]
    pub period: String,
    /// `T` (reported indicators are not split by sex); default `T`.
    pub sex: Option<Gender>,
    /// The value in the indicator's unit: 0 or more, whole for a count,
    /// at most one decimal otherwise; `null` removes what was reported
    /// (required: leaving it out is not a removal).
    #[serde(deserialize_with = "nullable")]
    #[schema(value_type = Option<f64>, required = true, example = 620)]
    pub value: Option<serde_json::Number>,
}

/// A reported forecast for a year.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportedForecast {
    /// One of the token's municipalities.
    #[schema(example = "0483", pattern = r"^[0-9]{4}$", max_length = 4)]
    pub municipality: String,
    #[schema(example = 2019, minimum = 2000, maximum = 2099)]
    pub year: i32,
    /// The forecast in the indicator's unit (as a value); `null` removes it
    /// (required: leaving it out is not a removal).
    #[serde(deserialize_with = "nullable")]
    #[schema(value_type = Option<f64>, required = true, example = 2200)]
    pub value: Option<serde_json::Number>,
}

/// A value that must be present, and may be `null`.
fn nullable<'de, D>(deserializer: D) -> Result<Option<serde_json::Number>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Option::<serde_json::Number>::deserialize(deserializer)
}

/// Values and forecasts to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "unit": "count",
    "values": [
        { "municipality": "0483", "period": "2019-01", "value": 155 },
        { "municipality": "0483", "period": "2019-02", "value": 160 }
    ],
    "forecasts": [ { "municipality": "0483", "year": 2019, "value": 2200 } ]
}))]
pub struct ReportBody {
    /// The unit the figures are in: must be the indicator's.
    pub unit: Unit,
    /// Values of a reported indicator (a computed one's are counted by the service).
    #[serde(default)]
    #[schema(max_items = 2000)]
    pub values: Vec<ReportedValue>,
    /// Yearly forecasts (`T`).
    #[serde(default)]
    #[schema(max_items = 2000)]
    pub forecasts: Vec<ReportedForecast>,
}

/// What the report changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportResult {
    #[schema(example = "soc-investigations-started")]
    pub indicator: &'static str,
    /// Entries that changed what was stored (added, changed or removed).
    pub changed: usize,
    /// Entries equal to what was stored.
    pub unchanged: usize,
}

/// One entry, checked: (kind, municipality, period, sex, value or removal).
type Entry = (&'static str, String, String, Gender, Option<Decimal>);

fn check_value(
    indicator: &Indicator,
    number: Option<&serde_json::Number>,
) -> Result<Option<Decimal>, String> {
    let Some(number) = number else {
        return Ok(None);
    };
    let value: Decimal = number
        .to_string()
        .parse()
        .map_err(|_| "must be a plain decimal number".to_owned())?;
    if value.is_sign_negative() && !value.is_zero() {
        return Err("must not be negative".into());
    }
    if value > Decimal::from(1_000_000_000_000_i64) {
        return Err("is out of range".into());
    }
    let value = value.normalize();
    match indicator.unit {
        Unit::Count if value.scale() > 0 => Err("must be a whole number: the unit is count".into()),
        Unit::Percent if value > Decimal::ONE_HUNDRED => {
            Err("must be at most 100: the unit is percent".into())
        }
        _ if value.scale() > 1 => Err("must have at most one decimal".into()),
        _ => Ok(Some(value)),
    }
}

fn check(
    indicator: &'static Indicator,
    principal: &Principal,
    body: &ReportBody,
    today: chrono::NaiveDate,
) -> Result<Vec<Entry>, AppError> {
    let mut errors = Vec::new();
    if body.unit != indicator.unit {
        errors.push(FieldError::new(
            "unit",
            format!("must be {}: the unit of {}", indicator.unit, indicator.id),
        ));
    }
    if indicator.source == IndicatorSource::Computed && !body.values.is_empty() {
        errors.push(FieldError::new(
            "values",
            "must be empty: a computed indicator's values are counted by the service; only forecasts are reported",
        ));
    }
    if body.values.is_empty() && body.forecasts.is_empty() {
        errors.push(FieldError::new(
            "values",
            "values or forecasts must hold at least one entry",
        ));
    }
    if body.values.len() + body.forecasts.len() > MAX_ENTRIES {
        errors.push(FieldError::new(
            "values",
            format!("at most {MAX_ENTRIES} entries in one body"),
        ));
    }
    let municipality = |code: &str| {
        Municipality::parse(code)
            .filter(|m| principal.serves(m))
            .map(|m| m.as_str().to_owned())
            .ok_or_else(|| "must be one of the token's municipalities".to_owned())
    };
    let mut entries: Vec<Entry> = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, v) in body.values.iter().enumerate() {
        let at = |f: &str| format!("values[{i}].{f}");
        let m = municipality(&v.municipality)
            .map_err(|r| errors.push(FieldError::new(at("municipality"), r)));
        let period = match Period::parse(&v.period) {
            Ok(p) if p.first_day() > today => {
                errors.push(FieldError::new(at("period"), "must have begun"));
                None
            }
            Ok(p) => Some(p),
            Err(r) => {
                errors.push(FieldError::new(at("period"), r));
                None
            }
        };
        let sex = v.sex.unwrap_or(Gender::T);
        if !indicator.genders().contains(&sex) {
            errors.push(FieldError::new(
                at("sex"),
                "must be T: the indicator is not split by sex",
            ));
        }
        let value = check_value(indicator, v.value.as_ref())
            .map_err(|r| errors.push(FieldError::new(at("value"), r)));
        if let (Ok(m), Some(p), Ok(value)) = (m, period, value) {
            if !seen.insert(("value", m.clone(), p, sex)) {
                errors.push(FieldError::new(
                    at("period"),
                    "is given twice for this municipality and sex",
                ));
            }
            entries.push(("value", m, p.to_string(), sex, value));
        }
    }
    for (i, f) in body.forecasts.iter().enumerate() {
        let at = |field: &str| format!("forecasts[{i}].{field}");
        let m = municipality(&f.municipality)
            .map_err(|r| errors.push(FieldError::new(at("municipality"), r)));
        if !(2000..=2099).contains(&f.year) {
            errors.push(FieldError::new(
                at("year"),
                "must be a year from 2000 to 2099",
            ));
        }
        let value = check_value(indicator, f.value.as_ref())
            .map_err(|r| errors.push(FieldError::new(at("value"), r)));
        if let (Ok(m), Ok(value)) = (m, value) {
            let p = Period::year(f.year);
            if !seen.insert(("forecast", m.clone(), p, Gender::T)) {
                errors.push(FieldError::new(
                    at("year"),
                    "is given twice for this municipality",
                ));
            }
            entries.push(("forecast", m, p.to_string(), Gender::T, value));
        }
    }
    if errors.is_empty() {
        Ok(entries)
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Report indicator values and forecasts.
///
/// Admins report yearly forecasts of every indicator, and values of the
/// reported ones (care days, investigations, actualisations); the case
/// system reports values and forecasts of the reported ones. Each entry
/// sets one period's value (`null` removes it); the `unit` must be the
/// indicator's. Nothing is written unless every entry is valid (422 naming
/// each bad field). Audited per municipality.
#[utoipa::path(
    put,
    path = "/api/v1/indicators/{id}/values",
    tag = "indicators",
    operation_id = "put_indicator_values",
    params(("id" = String, Path, description = "The indicator's id",
            example = "soc-investigations-started", pattern = r"^[a-z0-9-]+$")),
    request_body(content = ReportBody, content_type = "application/json"),
    responses((status = 200, description = "Recorded", body = ReportResult)),
    security(("bearer" = []))
)]
pub async fn put_indicator_values(
    caller: Caller,
    id: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ReportIndicatorValues;
    caller.permit(op).await?;
    let Some(indicator) = catalogue::find(&id) else {
        return Err(caller.refuse_about(op, &id, AppError::NotFound).await);
    };
    if let Err(refusal) = policy::may_report(
        &caller.principal,
        indicator.source == IndicatorSource::Computed,
    ) {
        return Err(caller.refuse_about(op, indicator.id, refusal).await);
    }
    let today = caller.today();
    let entries = body.check(|b: &ReportBody| check(indicator, &caller.principal, b, today))?;
    let by = caller.principal.subject.clone();
    let now = caller.now().naive_utc();
    let record = caller
        .event(op.audit_action(), op.resource_type())
        .resource(indicator.id)
        .outcome(Outcome::Allowed);
    let (changed, unchanged) = caller
        .write(move |conn, pending| {
            let mut changed = 0;
            let mut municipalities = BTreeSet::new();
            for (kind, municipality, period, sex, value) in &entries {
                let did = match value {
                    Some(v) => repo::put_report(
                        conn,
                        &ReportRow {
                            indicator: indicator.id.to_owned(),
                            municipality: municipality.clone(),
                            kind: (*kind).to_owned(),
                            period: period.clone(),
                            sex: sex.as_str().to_owned(),
                            value: v.to_string(),
                            reported_by: by.clone(),
                            reported_at: now,
                        },
                    )?,
                    None => repo::remove_report(
                        conn,
                        indicator.id,
                        municipality,
                        kind,
                        period,
                        sex.as_str(),
                    )?,
                };
                if did {
                    changed += 1;
                }
                municipalities.insert(municipality.clone());
            }
            for m in municipalities {
                pending.audit.push(record.clone().municipality(&m));
            }
            Ok((changed, entries.len() - changed))
        })
        .await?;
    Ok(HttpResponse::Ok().json(ReportResult {
        indicator: indicator.id,
        changed,
        unchanged,
    }))
}
