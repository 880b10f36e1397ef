//! Indicator values: `GET /api/v1/indicators/{ids}/values`, as JSON or CSV.
//!
//! The same rows feed the Kolada-compatible routes (`api::kolada`): one
//! reading of the cells, one suppression, one audit.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{IndicatorPath, named};
use crate::api::context::Caller;
use crate::api::parameter_error;
use crate::auth::policy::{self, Operation};
use crate::db::{DbConn, indicators as repo, stored};
use crate::domain::Municipality;
use crate::domain::audit::AuditEvent;
use crate::domain::indicator::table::{self, Shown, Status, Stored};
use crate::domain::indicator::{Gender, Indicator, IndicatorSource, Part, Period, period};
use crate::domain::month::Month;
use crate::error::AppError;

/// Periods in one request, at most.
pub const MAX_PERIODS: usize = 240;
/// Values in one answer, at most.
pub const MAX_ITEMS: usize = 50_000;

crate::code_enum! {
    /// Why a value is `null`.
    ValueStatus {
        /// Hidden so that no person can be recognised (every role but caseworkers).
        Suppressed = "suppressed",
        /// No data: before the municipality's records begin, after today, a
        /// share with nothing to share, or nothing reported.
        Missing = "missing",
    }
}

impl From<Status> for ValueStatus {
    fn from(status: Status) -> Self {
        match status {
            Status::Suppressed => ValueStatus::Suppressed,
            Status::Missing => ValueStatus::Missing,
        }
    }
}

/// One cell of a value.
#[derive(Debug, Serialize, ToSchema)]
pub struct ValueCell {
    pub sex: Gender,
    /// The value in the indicator's unit; `null` with a `status` when not given.
    #[schema(value_type = Option<f64>, example = 122)]
    pub value: Option<serde_json::Number>,
    pub status: Option<ValueStatus>,
}

/// An indicator's value in one municipality and period.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorValue {
    #[schema(example = "via-participants-referred-by-soc")]
    pub indicator: &'static str,
    #[schema(example = "0483")]
    pub municipality: String,
    /// `2019-04`, `2019-T1`, `2019-H1` or `2019`.
    #[schema(example = "2017")]
    pub period: String,
    /// `K`, `M` and `T` (or only `T`).
    pub values: Vec<ValueCell>,
    /// The forecast for the period's year (`T`), when one was reported.
    #[schema(value_type = Option<f64>, example = 300)]
    pub forecast: Option<serde_json::Number>,
    /// The `T` value of the same period a year earlier, as the caller sees it.
    #[schema(value_type = Option<f64>)]
    pub previous_period_value: Option<serde_json::Number>,
    /// When a value of the period's year (or of the year before, or the
    /// forecast) last changed; `null` when none was ever stored.
    pub updated_at: Option<DateTime<Utc>>,
}

/// Values, ordered by indicator (as asked), municipality and period.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorValues {
    pub items: Vec<IndicatorValue>,
}

/// Which values. Lists are comma-separated or repeated (`municipality=0483&municipality=0428`).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ValuesQuery {
    /// SCB municipality codes; default every municipality of the token.
    #[param(example = "0483,0428", pattern = r"^[0-9]{4}(,[0-9]{4})*$")]
    pub municipality: Option<String>,
    /// Periods and ranges of one kind: `2019-04`, `2019-T1`, `2019-H1`,
    /// `2019`, `2019-01..2019-04`, `2017..2019` (at most 240 in all).
    /// Required unless `updated_since` is given, which then defaults to
    /// every period of each year with a change.
    #[param(
        example = "2017,2018-H1",
        pattern = r"^20[0-9]{2}(-(0[1-9]|1[0-2]|T[1-3]|H[1-2]))?(\.\.20[0-9]{2}(-(0[1-9]|1[0-2]|T[1-3]|H[1-2]))?)?(,20[0-9]{2}(-(0[1-9]|1[0-2]|T[1-3]|H[1-2]))?(\.\.20[0-9]{2}(-(0[1-9]|1[0-2]|T[1-3]|H[1-2]))?)?)*$"
    )]
    pub period: Option<String>,
    /// Only values changed after this instant (RFC 3339): a BI tool's
    /// incremental refresh.
    #[param(example = "2026-11-01T00:00:00Z")]
    pub updated_since: Option<DateTime<Utc>>,
    /// `csv` for CSV without an `Accept` header (the same as `Accept: text/csv`).
    #[param(pattern = "^(json|csv)$")]
    pub format: Option<String>,
}

/// What is asked for, checked.
#[derive(Debug, Clone)]
pub struct Request {
    pub indicators: Vec<&'static Indicator>,
    pub municipalities: Vec<Municipality>,
    /// `None`: every period of each year changed since `updated_since`.
    pub periods: Option<Vec<Period>>,
    pub updated_since: Option<NaiveDateTime>,
}

/// One value as the caller sees it.
#[derive(Debug, Clone)]
pub struct Item {
    pub indicator: &'static Indicator,
    pub municipality: String,
    pub period: Period,
    pub cells: Vec<(Gender, Shown)>,
    pub forecast: Option<Decimal>,
    pub previous: Shown,
    pub updated_at: Option<NaiveDateTime>,
}

/// A year of an indicator in a municipality, as the caller sees it.
struct Year {
    shown: BTreeMap<(Period, Gender), Shown>,
    updated_at: Option<NaiveDateTime>,
    forecast: Option<Decimal>,
}

/// The query's pairs, with lists comma-separated or repeated. A
/// parameter given empty (`?from_date=`) stays, as one empty value, for
/// its own check to refuse or accept.
pub fn pairs(req: &HttpRequest) -> Result<BTreeMap<String, Vec<String>>, AppError> {
    let pairs = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map_err(|_| parameter_error("is not a readable query string", "query"))?;
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (key, value) in pairs.into_inner() {
        let values = map.entry(key).or_default();
        if value.trim().is_empty() {
            values.push(String::new());
        } else {
            values.extend(
                value
                    .split(',')
                    .map(|v| v.trim().to_owned())
                    .filter(|v| !v.is_empty()),
            );
        }
    }
    Ok(map)
}

/// The municipalities asked for (each one of the token's, else 404,
/// audited), or every municipality of the token.
pub async fn municipalities(
    caller: &Caller,
    op: Operation,
    codes: Option<&Vec<String>>,
) -> Result<Vec<Municipality>, AppError> {
    match codes {
        Some(codes) if !codes.is_empty() => {
            let mut list = Vec::new();
            for code in codes {
                let m = caller.admit(op, code).await?;
                if !list.contains(&m) {
                    list.push(m);
                }
            }
            Ok(list)
        }
        _ => Ok(caller.principal.municipalities.clone()),
    }
}

/// Reads the values asked for, as the caller may see them (suppressed
/// unless `threshold` is `None`), on `today`.
pub fn items(
    conn: &mut DbConn,
    request: &Request,
    threshold: Option<i64>,
    today: NaiveDate,
) -> Result<Vec<Item>, AppError> {
    let changed = match request.updated_since {
        Some(since) => Some(repo::changed_since(conn, since)?),
        None => None,
    };
    let codes: Vec<&str> = request.municipalities.iter().map(|m| m.as_str()).collect();
    let firsts = repo::first_months(conn, &codes)?;
    let mut rows = Rows {
        codes: &codes,
        years: HashMap::new(),
    };
    let mut items = Vec::new();
    for &indicator in &request.indicators {
        for municipality in &request.municipalities {
            let code = municipality.as_str();
            let periods: Vec<Period> = match (&request.periods, &changed) {
                (Some(periods), _) => periods.clone(),
                (None, Some(changed)) => {
                    let mut years = BTreeSet::new();
                    for (i, m, y) in changed {
                        if i == indicator.id && m == code {
                            let y: i32 = stored("indicator_cells.period", y.parse())?;
                            years.insert(y);
                            years.insert(y + 1);
                        }
                    }
                    years
                        .into_iter()
                        .filter(|y| *y <= today.format("%Y").to_string().parse().unwrap_or(*y))
                        .flat_map(Period::all_of_year)
                        .collect()
                }
                (None, None) => Vec::new(),
            };
            if periods.is_empty() {
                continue;
            }
            let first = match firsts.get(code) {
                Some(m) => Some(stored("indicator_coverage.first_month", Month::parse(m))?),
                None => None,
            };
            let mut years: BTreeMap<i32, Year> = BTreeMap::new();
            for period in &periods {
                for y in [period.calendar_year(), period.calendar_year() - 1] {
                    if let std::collections::btree_map::Entry::Vacant(e) = years.entry(y) {
                        let year = rows.of(conn, indicator, y)?;
                        e.insert(read_year(
                            year, indicator, code, y, first, threshold, today,
                        )?);
                    }
                }
            }
            for period in periods {
                let this = &years[&period.calendar_year()];
                let before = &years[&(period.calendar_year() - 1)];
                let updated_at = [this.updated_at, before.updated_at]
                    .into_iter()
                    .flatten()
                    .max();
                if let Some(since) = request.updated_since
                    && updated_at.is_none_or(|at| at <= since)
                {
                    continue;
                }
                items.push(Item {
                    indicator,
                    municipality: code.to_owned(),
                    period,
                    cells: indicator
                        .genders()
                        .iter()
                        .map(|g| (*g, this.shown[&(period, *g)]))
                        .collect(),
                    forecast: this.forecast,
                    previous: before.shown[&(period.a_year_earlier(), Gender::T)],
                    updated_at,
                });
                if items.len() > MAX_ITEMS {
                    return Err(parameter_error(
                        &format!(
                            "asks for more than {MAX_ITEMS} values: ask for fewer indicators, municipalities or periods"
                        ),
                        "period",
                    ));
                }
            }
        }
    }
    Ok(items)
}

/// The stored rows of one indicator and year, of every municipality asked for.
#[derive(Default)]
struct YearRows {
    cells: HashMap<String, Vec<repo::KeptCell>>,
    forecasts: HashMap<String, Vec<repo::ReportRow>>,
    reports: HashMap<String, Vec<repo::ReportRow>>,
}

/// The rows of each indicator and year read so far: each read once for all
/// the municipalities asked for, not once per municipality.
struct Rows<'a> {
    codes: &'a [&'a str],
    years: HashMap<(&'static str, i32), YearRows>,
}

impl Rows<'_> {
    fn of(
        &mut self,
        conn: &mut DbConn,
        indicator: &Indicator,
        year: i32,
    ) -> Result<&YearRows, AppError> {
        let key = (indicator.id, year);
        if !self.years.contains_key(&key) {
            let forecasts =
                repo::reports_of_year(conn, indicator.id, self.codes, "forecast", year)?;
            let rows = match indicator.source {
                IndicatorSource::Computed => YearRows {
                    cells: repo::cells_of_year(conn, indicator.id, self.codes, year)?,
                    forecasts,
                    reports: HashMap::new(),
                },
                IndicatorSource::Reported => YearRows {
                    cells: HashMap::new(),
                    forecasts,
                    reports: repo::reports_of_year(conn, indicator.id, self.codes, "value", year)?,
                },
            };
            self.years.insert(key, rows);
        }
        Ok(&self.years[&key])
    }
}

fn read_year(
    rows: &YearRows,
    indicator: &Indicator,
    municipality: &str,
    year: i32,
    first: Option<Month>,
    threshold: Option<i64>,
    today: NaiveDate,
) -> Result<Year, AppError> {
    let none = Vec::new();
    let forecasts = rows.forecasts.get(municipality).unwrap_or(&none);
    let mut updated_at = forecasts.iter().map(|f| f.reported_at).max();
    let forecast = match forecasts
        .iter()
        .find(|f| f.sex == "T" && f.period == year.to_string())
    {
        Some(f) => Some(stored(
            "indicator_reports.value",
            f.value.parse::<Decimal>(),
        )?),
        None => None,
    };
    let shown = match indicator.source {
        IndicatorSource::Computed => {
            let mut cells: BTreeMap<(Period, Gender, Part), i64> = BTreeMap::new();
            for (cell, value, at) in rows.cells.get(municipality).into_iter().flatten() {
                cells.insert((cell.period, cell.gender, cell.part), *value);
                updated_at = updated_at.max(Some(*at));
            }
            let covered = |p: Period| {
                first.is_some_and(|f| p.last_day() >= f.first_day()) && p.first_day() <= today
            };
            let stored = Stored::Cells {
                cells: &cells,
                covered: &covered,
            };
            table::year(indicator, year, &stored, threshold, today)
        }
        IndicatorSource::Reported => {
            let mut reports: BTreeMap<(Period, Gender), Decimal> = BTreeMap::new();
            for r in rows.reports.get(municipality).into_iter().flatten() {
                let period = stored("indicator_reports.period", Period::parse(&r.period))?;
                let gender = stored("indicator_reports.sex", Gender::parse(&r.sex))?;
                let value = stored("indicator_reports.value", r.value.parse::<Decimal>())?;
                reports.insert((period, gender), value);
                updated_at = updated_at.max(Some(r.reported_at));
            }
            table::year(
                indicator,
                year,
                &Stored::Reports(&reports),
                threshold,
                today,
            )
        }
    };
    Ok(Year {
        shown,
        updated_at,
        forecast,
    })
}

/// A value as a JSON number: an integer when it is whole.
pub fn number(value: Decimal) -> Option<serde_json::Number> {
    let value = value.normalize();
    if value.scale() == 0
        && let Ok(n) = i64::try_from(value)
    {
        return Some(n.into());
    }
    value
        .to_string()
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
}

pub fn json_of(item: &Item) -> IndicatorValue {
    IndicatorValue {
        indicator: item.indicator.id,
        municipality: item.municipality.clone(),
        period: item.period.to_string(),
        values: item
            .cells
            .iter()
            .map(|(sex, shown)| ValueCell {
                sex: *sex,
                value: shown.value().and_then(number),
                status: shown.status().map(ValueStatus::from),
            })
            .collect(),
        forecast: item.forecast.and_then(number),
        previous_period_value: item.previous.value().and_then(number),
        updated_at: item.updated_at.map(|t| t.and_utc()),
    }
}

/// The CSV header.
pub const CSV_HEADER: &str =
    "indicator,municipality,period,sex,value,status,forecast,previous_period_value,updated_at";

/// The items as CSV: a header line, then one line per cell (UTF-8, comma
/// separated, `.` as the decimal sign, CRLF line ends as RFC 4180 has).
pub fn csv_of(items: &[Item]) -> String {
    let mut out = String::from(CSV_HEADER);
    out.push_str("\r\n");
    let text = |d: Option<Decimal>| d.map(|d| d.normalize().to_string()).unwrap_or_default();
    for item in items {
        for (sex, shown) in &item.cells {
            let line = [
                item.indicator.id.to_owned(),
                item.municipality.clone(),
                item.period.to_string(),
                sex.as_str().to_owned(),
                text(shown.value()),
                shown
                    .status()
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_default(),
                text(item.forecast),
                text(item.previous.value()),
                item.updated_at
                    .map(|t| {
                        t.and_utc()
                            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                    })
                    .unwrap_or_default(),
            ];
            out.push_str(&line.join(","));
            out.push_str("\r\n");
        }
    }
    out
}

/// Whether the caller asked for CSV.
fn wants_csv(req: &HttpRequest, format: Option<&Vec<String>>) -> Result<bool, AppError> {
    match format.and_then(|f| f.first()).map(String::as_str) {
        Some("csv") => return Ok(true),
        Some("json") => return Ok(false),
        Some(_) => return Err(parameter_error("must be json or csv", "format")),
        None => {}
    }
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    Ok(accept.to_ascii_lowercase().contains("text/csv"))
}

/// Parses the query's periods and `updated_since`.
fn periods_and_since(
    pairs: &BTreeMap<String, Vec<String>>,
) -> Result<(Option<Vec<Period>>, Option<NaiveDateTime>), AppError> {
    for key in pairs.keys() {
        if !["municipality", "period", "updated_since", "format"].contains(&key.as_str()) {
            return Err(parameter_error("is not a parameter of this operation", key));
        }
    }
    let since = match pairs.get("updated_since").map(|v| v.join(",")) {
        Some(text) => Some(
            DateTime::parse_from_rfc3339(&text)
                .map_err(|_| {
                    parameter_error(
                        "must be an RFC 3339 instant such as 2026-11-01T00:00:00Z",
                        "updated_since",
                    )
                })?
                .with_timezone(&Utc)
                .naive_utc(),
        ),
        None => None,
    };
    let periods = match pairs.get("period") {
        Some(list) if !list.is_empty() => Some(
            Period::parse_list(&list.join(","), MAX_PERIODS)
                .map_err(|reason| parameter_error(&reason, "period"))?,
        ),
        Some(_) => return Err(parameter_error(period::FORMS, "period")),
        None if since.is_some() => None,
        None => {
            return Err(parameter_error(
                "is required unless updated_since is given",
                "period",
            ));
        }
    };
    Ok((periods, since))
}

/// Audit records of a read of values: one per municipality.
pub fn read_records(caller: &Caller, op: Operation, request: &Request) -> Vec<AuditEvent> {
    let ids: Vec<&str> = request.indicators.iter().map(|i| i.id).collect();
    request
        .municipalities
        .iter()
        .map(|m| {
            caller
                .event(op.audit_action(), op.resource_type())
                .resource(&ids.join(","))
                .municipality(m.as_str())
        })
        .collect()
}

/// Read indicator values.
///
/// One or more indicators (comma-separated ids), for municipalities and
/// periods: months (`2019-04`), tertials (`2019-T1`, January–April), half
/// years (`2019-H1`), years and ranges of one kind. Each value comes split
/// by sex where the indicator is (`K`, `M`, `T`), with the forecast for its
/// year and the `T` value of the same period a year earlier. `null` values
/// carry a status: `suppressed` (every role but caseworkers: counts from 1
/// to the threshold less one, and every cell they could be derived from) or
/// `missing` (no data). `updated_since` returns only values changed since
/// then. `Accept: text/csv` (or `format=csv`) gives the same rows as CSV,
/// one line per cell. Audited per municipality.
#[utoipa::path(
    get,
    path = "/api/v1/indicators/{id}/values",
    tag = "indicators",
    operation_id = "get_indicator_values",
    params(IndicatorPath, ValuesQuery),
    responses(
        (status = 200, description = "The values (JSON, or CSV with a header line and one line per cell)",
         content(
            (IndicatorValues = "application/json"),
            (String = "text/csv", example = json!("indicator,municipality,period,sex,value,status,forecast,previous_period_value,updated_at\r\nvia-participants-referred-by-soc,0483,2017,K,122,,300,,2026-11-25T08:00:00Z\r\n"))
         )),
    ),
    security(("bearer" = []))
)]
pub async fn get_indicator_values(
    req: HttpRequest,
    caller: Caller,
    path: web::Path<IndicatorPath>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ReadIndicatorValues;
    caller.permit(op).await?;
    let indicators = match named(&path.id) {
        Ok(list) => list,
        Err(refusal) => return Err(caller.refuse_about(op, &path.id, refusal).await),
    };
    let pairs = pairs(&req)?;
    let csv = wants_csv(&req, pairs.get("format"))?;
    let (periods, updated_since) = periods_and_since(&pairs)?;
    let municipalities = municipalities(&caller, op, pairs.get("municipality")).await?;
    let request = Request {
        indicators,
        municipalities,
        periods,
        updated_since,
    };
    let threshold = (!policy::sees_small_counts(&caller.principal))
        .then_some(caller.state.suppression_threshold);
    let today = caller.today();
    let records = read_records(&caller, op, &request);
    let items = caller
        .read(move |conn| items(conn, &request, threshold, today))
        .await?;
    caller.audit(records).await?;
    Ok(if csv {
        HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8; header=present")
            .body(csv_of(&items))
    } else {
        HttpResponse::Ok().json(IndicatorValues {
            items: items.iter().map(json_of).collect(),
        })
    })
}
