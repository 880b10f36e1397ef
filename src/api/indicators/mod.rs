//! Volume indicators for BI tools: `/api/v1/indicators`.
//!
//! The catalogue says what each indicator counts; values come per
//! municipality and period, split by sex, with the year's forecast and the
//! same period a year earlier, as JSON or CSV ([`values`]); reported
//! values and forecasts are put by admins and the case system
//! ([`report`]). No person-level data is ever in an answer: computed values
//! come from cells kept up to date as records change, and small counts are
//! suppressed for every role but caseworkers.

pub mod report;
pub mod values;

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::context::Caller;
use super::parameter_error;
use crate::auth::policy::Operation;
use crate::domain::indicator::catalogue::{self, CATALOGUE};
use crate::domain::indicator::{Aggregation, Gender, Indicator, IndicatorSource, Unit};
use crate::error::AppError;

/// How small counts are hidden.
#[derive(Debug, Serialize, ToSchema)]
pub struct Suppression {
    /// The smallest count shown: counts from 1 to one less than this, and
    /// shares whose denominator is that small, are `null` with the status
    /// `suppressed` (a setting of the service, `BISTAND_SUPPRESSION_THRESHOLD`).
    #[schema(example = 5)]
    pub threshold: i64,
    /// Who sees every value as counted.
    #[schema(example = json!(["caseworker"]))]
    pub exempt_roles: Vec<&'static str>,
    /// The rule in words.
    pub rule: &'static str,
}

const RULE: &str = "Counts from 1 to threshold - 1, shares whose denominator is that small, medians of that few observations and sums of money paid to that few persons are suppressed; so is, within each municipality and year, every further cell from which a suppressed one could be worked out (K + M = T, and a year, half year or tertial as the sum of the periods that make it up). A real zero is shown as 0.";

/// One indicator of the catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorView {
    /// The indicator's id (also its Kolada `kpi` id).
    #[schema(example = "via-participants-referred-by-soc")]
    pub id: &'static str,
    #[schema(example = "Antal deltagare i arbetsmarknadsåtgärd anvisade av socialförvaltningen")]
    pub title_sv: &'static str,
    #[schema(example = "Participants in labour-market measures referred by social services")]
    pub title_en: &'static str,
    pub unit: Unit,
    pub source: IndicatorSource,
    pub aggregation: Aggregation,
    /// What values are split by: always `municipality` and `period`, and
    /// `sex` where values come as `K`, `M` and `T`.
    #[schema(example = json!(["municipality", "period", "sex"]))]
    pub breakdowns: Vec<&'static str>,
    /// The cells of each value.
    pub sexes: Vec<Gender>,
    /// What is counted, in words.
    pub definition: &'static str,
    /// Who may report values (`PUT .../values`): none for a computed
    /// indicator, whose values the service counts.
    #[schema(example = json!(["admin", "case_system"]))]
    pub values_reported_by: Vec<&'static str>,
    /// Who may report the yearly forecast.
    #[schema(example = json!(["admin"]))]
    pub forecasts_reported_by: Vec<&'static str>,
    pub suppression: Suppression,
}

/// The catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorList {
    pub items: Vec<IndicatorView>,
}

/// Which indicators of the catalogue.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CatalogueQuery {
    /// Only `computed` or only `reported` indicators.
    pub source: Option<IndicatorSource>,
}

/// The path of one or more indicators.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct IndicatorPath {
    /// An indicator's id, or several comma-separated.
    #[param(
        example = "via-participants-referred-by-soc",
        pattern = r"^[a-z0-9-]+(,[a-z0-9-]+)*$"
    )]
    pub id: String,
}

pub fn view(indicator: &'static Indicator, threshold: i64) -> IndicatorView {
    let computed = indicator.source == IndicatorSource::Computed;
    IndicatorView {
        id: indicator.id,
        title_sv: indicator.title_sv,
        title_en: indicator.title_en,
        unit: indicator.unit,
        source: indicator.source,
        aggregation: indicator.aggregation,
        breakdowns: if indicator.by_sex {
            vec!["municipality", "period", "sex"]
        } else {
            vec!["municipality", "period"]
        },
        sexes: indicator.genders().to_vec(),
        definition: indicator.definition,
        values_reported_by: if computed {
            vec![]
        } else {
            vec!["admin", "case_system"]
        },
        forecasts_reported_by: if computed {
            vec!["admin"]
        } else {
            vec!["admin", "case_system"]
        },
        suppression: Suppression {
            threshold,
            exempt_roles: vec!["caseworker"],
            rule: RULE,
        },
    }
}

/// The indicators a path names, in its order: 404 for an unknown one.
pub fn named(ids: &str) -> Result<Vec<&'static Indicator>, AppError> {
    let mut found: Vec<&'static Indicator> = Vec::new();
    for id in ids.split(',') {
        let indicator = catalogue::find(id.trim()).ok_or(AppError::NotFound)?;
        if !found.iter().any(|i| i.id == indicator.id) {
            found.push(indicator);
        }
    }
    if found.is_empty() {
        return Err(parameter_error("names no indicator", "id"));
    }
    Ok(found)
}

/// List the indicator catalogue.
///
/// Every indicator: computed ones (counted by the service from its own
/// records) and reported ones (put by the case system or an admin), with
/// its unit, how a period's value is formed, its breakdowns, its
/// definition and the suppression rule. Analysts, caseworkers, the case
/// system, coaches, AF officers and admins read it.
#[utoipa::path(
    get,
    path = "/api/v1/indicators",
    tag = "indicators",
    operation_id = "list_indicators",
    params(CatalogueQuery),
    responses((status = 200, description = "The catalogue", body = IndicatorList)),
    security(("bearer" = []))
)]
pub async fn list_indicators(
    caller: Caller,
    query: web::Query<CatalogueQuery>,
) -> Result<HttpResponse, AppError> {
    caller.permit(Operation::ReadIndicators).await?;
    let threshold = caller.state.suppression_threshold;
    let items = CATALOGUE
        .iter()
        .filter(|i| query.source.is_none_or(|s| i.source == s))
        .map(|i| view(i, threshold))
        .collect();
    Ok(HttpResponse::Ok().json(IndicatorList { items }))
}

/// Read one indicator of the catalogue.
///
/// The indicator's titles, unit, source, aggregation, breakdowns,
/// definition, who reports its values and forecasts, and the suppression
/// rule with the service's threshold. 404 for an unknown id (audited).
#[utoipa::path(
    get,
    path = "/api/v1/indicators/{id}",
    tag = "indicators",
    operation_id = "get_indicator",
    params(("id" = String, Path, description = "The indicator's id",
            example = "via-participants-referred-by-soc", pattern = r"^[a-z0-9-]+$")),
    responses((status = 200, description = "The indicator", body = IndicatorView)),
    security(("bearer" = []))
)]
pub async fn get_indicator(
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    caller.permit(Operation::ReadIndicators).await?;
    let Some(indicator) = catalogue::find(&id) else {
        let op = Operation::ReadIndicators;
        return Err(caller.refuse_about(op, &id, AppError::NotFound).await);
    };
    Ok(HttpResponse::Ok().json(view(indicator, caller.state.suppression_threshold)))
}
