//! Kolada API v3-compatible reading: `/kolada/v3/...`.
//!
//! Tools that already read Kolada, the national database of municipal key
//! figures, read bistand's indicators by changing the base URL and adding
//! a bearer token: the same paths, parameters and JSON shapes as Kolada's
//! v3 (`{count, values, next_url, previous_url}`; rows `{kpi,
//! municipality, period, values: [{gender, count, status, value}]}`),
//! years only, paged with `page` and `per_page`. Behind them are the
//! native values ([`super::indicators::values`]): the same tokens, the
//! same suppression, the same audit.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::context::Caller;
use super::indicators::named;
use super::indicators::values::{self, Item, Request, municipalities, number, pairs, read_records};
use super::parameter_error;
use crate::auth::policy::{self, Operation};
use crate::db::{DbConn, indicators as repo};
use crate::domain::indicator::{Indicator, IndicatorSource, Period, catalogue::CATALOGUE};
use crate::domain::time::start_of_day_in_sweden;
use crate::error::AppError;

/// Rows on one page, at most (as Kolada).
const MAX_PER_PAGE: usize = 5000;
/// Ids in one list, at most (as Kolada).
const MAX_IDS: usize = 25;

/// A key figure, as Kolada describes one.
#[derive(Debug, Serialize, ToSchema)]
pub struct KoladaKpi {
    /// The indicator's id.
    #[schema(example = "via-participants-referred-by-soc")]
    pub id: &'static str,
    /// The Swedish title.
    pub title: &'static str,
    /// What is counted, in words.
    pub description: &'static str,
    /// Whether values come for `K` and `M` as well as `T`.
    pub is_divided_by_gender: bool,
    /// Always `K`: municipalities.
    #[schema(example = "K")]
    pub municipality_type: &'static str,
    /// Kolada's code for who is responsible; `null` here.
    #[schema(value_type = Option<String>)]
    pub auspice: Option<&'static str>,
    #[schema(example = "Individ- och familjeomsorg")]
    pub operating_area: &'static str,
    /// Always `Volym`: these are volume indicators.
    #[schema(example = "Volym")]
    pub perspective: &'static str,
    /// `null`: values change as records do.
    #[schema(value_type = Option<String>)]
    pub prel_publication_date: Option<&'static str>,
    /// `null`: values change as records do.
    #[schema(value_type = Option<String>)]
    pub publication_date: Option<&'static str>,
    /// `null`: every year up to this one is published.
    #[schema(value_type = Option<String>)]
    pub publ_period: Option<&'static str>,
    /// Always `false`: no values for organisational units.
    pub has_ou_data: bool,
}

/// A municipality, as Kolada describes one.
#[derive(Debug, Serialize, ToSchema)]
pub struct KoladaMunicipality {
    /// SCB municipality code.
    #[schema(example = "0483")]
    pub id: String,
    #[schema(example = "Katrineholm")]
    pub title: String,
    /// Always `K`: a municipality.
    #[schema(example = "K")]
    #[serde(rename = "type")]
    pub kind: &'static str,
}

/// One value of a row.
#[derive(Debug, Serialize, ToSchema)]
pub struct KoladaValue {
    /// `T`, `K` or `M`.
    #[schema(example = "T")]
    pub gender: &'static str,
    /// 1 when there is a value, 0 when not.
    pub count: u8,
    /// `""` for a value; `suppressed` or `missing` when `value` is `null`.
    #[schema(example = "")]
    pub status: &'static str,
    /// The value; `null` when suppressed or missing (a real zero is 0).
    #[schema(value_type = Option<f64>, example = 244)]
    pub value: Option<serde_json::Number>,
    /// Always `false`: values are never withdrawn, only changed.
    pub isdeleted: bool,
}

/// One key figure in one municipality and year.
#[derive(Debug, Serialize, ToSchema)]
pub struct KoladaRow {
    #[schema(example = "via-participants-referred-by-soc")]
    pub kpi: &'static str,
    #[schema(example = "0483")]
    pub municipality: String,
    /// The year.
    #[schema(example = 2017)]
    pub period: i32,
    pub values: Vec<KoladaValue>,
}

/// A page of key figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct KoladaKpiPage {
    /// Items on this page.
    pub count: usize,
    pub values: Vec<KoladaKpi>,
    /// The next page, or `null` on the last.
    pub next_url: Option<String>,
    /// The previous page, or `null` on the first.
    pub previous_url: Option<String>,
}

/// A page of municipalities.
#[derive(Debug, Serialize, ToSchema)]
pub struct KoladaMunicipalityPage {
    /// Items on this page.
    pub count: usize,
    pub values: Vec<KoladaMunicipality>,
    /// The next page, or `null` on the last.
    pub next_url: Option<String>,
    /// The previous page, or `null` on the first.
    pub previous_url: Option<String>,
}

/// A page of values.
#[derive(Debug, Serialize, ToSchema)]
pub struct KoladaDataPage {
    /// Rows on this page.
    pub count: usize,
    pub values: Vec<KoladaRow>,
    /// The next page, or `null` on the last.
    pub next_url: Option<String>,
    /// The previous page, or `null` on the first.
    pub previous_url: Option<String>,
}

/// Paging, and a title filter for the metadata.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MetaQuery {
    /// Only those whose title contains this (any case).
    #[param(max_length = 200)]
    pub title: Option<String>,
    /// The page, from 1.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
    /// Items per page, 1–5000 (default 5000).
    #[param(minimum = 1, maximum = 5000)]
    pub per_page: Option<u32>,
}

/// Paging of values, and which changed since a day.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DataPathQuery {
    /// Only values changed on or after this day (in Sweden).
    #[param(value_type = Option<String>, format = Date, example = "2026-11-01")]
    pub from_date: Option<String>,
    /// The page, from 1.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
    /// Rows per page, 1–5000 (default 5000).
    #[param(minimum = 1, maximum = 5000)]
    pub per_page: Option<u32>,
}

/// Which values: lists comma-separated or repeated.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DataQuery {
    /// Key figure ids (at most 25).
    #[param(
        example = "via-participants-referred-by-soc",
        pattern = r"^[a-z0-9-]+(,[a-z0-9-]+)*$"
    )]
    pub kpi_id: String,
    /// Municipality codes (at most 25); default every municipality of the token.
    #[param(example = "0483,0428", pattern = r"^[0-9]{4}(,[0-9]{4})*$")]
    pub municipality_id: Option<String>,
    /// Years (at most 25); default every year from the first with values to this one.
    #[param(example = "2017,2018", pattern = r"^20[0-9]{2}(,20[0-9]{2})*$")]
    pub year: Option<String>,
    /// Only values changed on or after this day (in Sweden).
    #[param(value_type = Option<String>, format = Date, example = "2026-11-01")]
    pub from_date: Option<String>,
    /// The page, from 1.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
    /// Rows per page, 1–5000 (default 5000).
    #[param(minimum = 1, maximum = 5000)]
    pub per_page: Option<u32>,
}

/// The path of key figures or municipalities by id.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct IdsPath {
    /// Ids, comma-separated (at most 25).
    #[param(
        example = "via-participants-referred-by-soc",
        pattern = r"^[a-z0-9-]+(,[a-z0-9-]+)*$"
    )]
    pub ids: String,
}

/// The path of values by key figure, municipality and year.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct DataPath {
    /// Key figure ids, comma-separated (at most 25).
    #[param(
        example = "via-participants-referred-by-soc",
        pattern = r"^[a-z0-9-]+(,[a-z0-9-]+)*$"
    )]
    pub kpi: String,
    /// Municipality codes, comma-separated (at most 25).
    #[param(example = "0483,0428", pattern = r"^[0-9]{4}(,[0-9]{4})*$")]
    pub ids: String,
    /// Years, comma-separated (at most 25).
    #[param(example = "2017,2018", pattern = r"^20[0-9]{2}(,20[0-9]{2})*$")]
    pub years: String,
}

/// Municipalities this service knows by name (SCB codes); any other code
/// of a token is titled by its code.
const NAMES: &[(&str, &str)] = &[
    ("0428", "Vingåker"),
    ("0461", "Gnesta"),
    ("0480", "Nyköping"),
    ("0481", "Oxelösund"),
    ("0482", "Flen"),
    ("0483", "Katrineholm"),
    ("0484", "Eskilstuna"),
    ("0486", "Strängnäs"),
    ("0488", "Trosa"),
];

fn operating_area(indicator: &Indicator) -> &'static str {
    if indicator.id.starts_with("via-") {
        "Arbetsmarknad"
    } else {
        "Individ- och familjeomsorg"
    }
}

fn kpi(indicator: &'static Indicator) -> KoladaKpi {
    KoladaKpi {
        id: indicator.id,
        title: indicator.title_sv,
        description: indicator.definition,
        is_divided_by_gender: indicator.by_sex,
        municipality_type: "K",
        auspice: None,
        operating_area: operating_area(indicator),
        perspective: "Volym",
        prel_publication_date: None,
        publication_date: None,
        publ_period: None,
        has_ou_data: false,
    }
}

/// A list from the path or query, checked: at most 25, none empty.
fn list(values: &[String], name: &str) -> Result<Vec<String>, AppError> {
    let list: Vec<String> = values
        .iter()
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect();
    if list.is_empty() {
        return Err(parameter_error("names nothing", name));
    }
    if list.len() > MAX_IDS {
        return Err(parameter_error(
            &format!("at most {MAX_IDS} in one request"),
            name,
        ));
    }
    Ok(list)
}

fn years_of(values: &[String]) -> Result<Vec<i32>, AppError> {
    list(values, "year")?
        .iter()
        .map(|y| {
            y.parse::<i32>()
                .ok()
                .filter(|y| (2000..=2099).contains(y))
                .ok_or_else(|| parameter_error("must be years such as 2017,2018", "year"))
        })
        .collect()
}

/// Page and size from the query: 1-based, at most 5000 a page.
fn paging(pairs: &BTreeMap<String, Vec<String>>) -> Result<(usize, usize), AppError> {
    let number =
        |name: &str, max: usize, default: usize| match pairs.get(name).and_then(|v| v.first()) {
            None => Ok(default),
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| {
                    parameter_error(&format!("must be a whole number from 1 to {max}"), name)
                }),
        };
    Ok((
        number("page", 100_000, 1)?,
        number("per_page", MAX_PER_PAGE, MAX_PER_PAGE)?,
    ))
}

/// The `title` filter, lower-cased: at most 200 characters.
fn title_of(pairs: &BTreeMap<String, Vec<String>>) -> Result<Option<String>, AppError> {
    match pairs.get("title").map(|t| t.join(",")) {
        Some(title) if title.chars().count() > 200 => {
            Err(parameter_error("must be at most 200 characters", "title"))
        }
        title => Ok(title.map(|t| t.to_lowercase())),
    }
}

fn only(pairs: &BTreeMap<String, Vec<String>>, allowed: &[&str]) -> Result<(), AppError> {
    match pairs.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(key) => Err(parameter_error("is not a parameter of this operation", key)),
        None => Ok(()),
    }
}

/// The page of `items` asked for, with the URLs of its neighbours.
fn page_of<T>(
    req: &HttpRequest,
    mut items: Vec<T>,
    (page, per_page): (usize, usize),
) -> (Vec<T>, Option<String>, Option<String>) {
    let total = items.len();
    let start = (page - 1).saturating_mul(per_page).min(total);
    let end = start.saturating_add(per_page).min(total);
    let values: Vec<T> = items.drain(start..end).collect();
    let info = req.connection_info();
    let url = |p: usize| {
        let mut query: Vec<(String, String)> =
            web::Query::<Vec<(String, String)>>::from_query(req.query_string())
                .map(|q| q.into_inner())
                .unwrap_or_default()
                .into_iter()
                .filter(|(k, _)| k != "page" && k != "per_page")
                .collect();
        query.push(("page".into(), p.to_string()));
        query.push(("per_page".into(), per_page.to_string()));
        let encoded: Vec<String> = query
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        format!(
            "{}://{}{}?{}",
            info.scheme(),
            info.host(),
            req.path(),
            encoded.join("&")
        )
    };
    let next = (end < total).then(|| url(page + 1));
    let previous = (page > 1 && total > 0).then(|| url(page - 1));
    (values, next, previous)
}

/// Percent-encodes a query component.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b',' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Kolada's key figures: every indicator of the catalogue.
///
/// The catalogue in Kolada's shape (`{count, values, next_url,
/// previous_url}`), optionally filtered by `title`, paged with `page` and
/// `per_page` (at most 5000).
#[utoipa::path(
    get,
    path = "/kolada/v3/kpi",
    tag = "kolada",
    operation_id = "list_kolada_kpis",
    params(MetaQuery),
    responses((status = 200, description = "The key figures", body = KoladaKpiPage)),
    security(("bearer" = []))
)]
pub async fn list_kolada_kpis(req: HttpRequest, caller: Caller) -> Result<HttpResponse, AppError> {
    caller.permit(Operation::ReadIndicators).await?;
    let pairs = pairs(&req)?;
    only(&pairs, &["title", "page", "per_page"])?;
    let title = title_of(&pairs)?;
    let items: Vec<KoladaKpi> = CATALOGUE
        .iter()
        .filter(|i| {
            title
                .as_ref()
                .is_none_or(|t| i.title_sv.to_lowercase().contains(t))
        })
        .map(kpi)
        .collect();
    let (values, next_url, previous_url) = page_of(&req, items, paging(&pairs)?);
    Ok(HttpResponse::Ok().json(KoladaKpiPage {
        count: values.len(),
        values,
        next_url,
        previous_url,
    }))
}

/// Kolada's key figures by id.
///
/// One or more indicators (comma-separated ids, at most 25) in Kolada's
/// shape; an unknown id answers 404.
#[utoipa::path(
    get,
    path = "/kolada/v3/kpi/{ids}",
    tag = "kolada",
    operation_id = "get_kolada_kpis",
    params(IdsPath, MetaQuery),
    responses((status = 200, description = "The key figures", body = KoladaKpiPage)),
    security(("bearer" = []))
)]
pub async fn get_kolada_kpis(
    req: HttpRequest,
    caller: Caller,
    path: web::Path<IdsPath>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ReadIndicators;
    caller.permit(op).await?;
    let pairs = pairs(&req)?;
    only(&pairs, &["title", "page", "per_page"])?;
    let title = title_of(&pairs)?;
    let ids = list(std::slice::from_ref(&path.ids), "ids")?;
    let indicators = match named(&ids.join(",")) {
        Ok(list) => list,
        Err(refusal) => return Err(caller.refuse_about(op, &path.ids, refusal).await),
    };
    let items: Vec<KoladaKpi> = indicators
        .into_iter()
        .filter(|i| {
            title
                .as_ref()
                .is_none_or(|t| i.title_sv.to_lowercase().contains(t))
        })
        .map(kpi)
        .collect();
    let (values, next_url, previous_url) = page_of(&req, items, paging(&pairs)?);
    Ok(HttpResponse::Ok().json(KoladaKpiPage {
        count: values.len(),
        values,
        next_url,
        previous_url,
    }))
}

fn municipality(code: &str) -> KoladaMunicipality {
    KoladaMunicipality {
        id: code.to_owned(),
        title: NAMES
            .iter()
            .find(|(c, _)| *c == code)
            .map_or_else(|| code.to_owned(), |(_, name)| (*name).to_owned()),
        kind: "K",
    }
}

/// Kolada's municipalities: those of the token.
///
/// The municipalities the caller's token covers, in Kolada's shape,
/// optionally filtered by `title`.
#[utoipa::path(
    get,
    path = "/kolada/v3/municipality",
    tag = "kolada",
    operation_id = "list_kolada_municipalities",
    params(MetaQuery),
    responses((status = 200, description = "The municipalities", body = KoladaMunicipalityPage)),
    security(("bearer" = []))
)]
pub async fn list_kolada_municipalities(
    req: HttpRequest,
    caller: Caller,
) -> Result<HttpResponse, AppError> {
    caller.permit(Operation::ReadIndicators).await?;
    let pairs = pairs(&req)?;
    only(&pairs, &["title", "page", "per_page"])?;
    let title = title_of(&pairs)?;
    let mut codes: Vec<&str> = caller
        .principal
        .municipalities
        .iter()
        .map(|m| m.as_str())
        .collect();
    codes.sort_unstable();
    let items: Vec<KoladaMunicipality> = codes
        .into_iter()
        .map(municipality)
        .filter(|m| {
            title
                .as_ref()
                .is_none_or(|t| m.title.to_lowercase().contains(t))
        })
        .collect();
    let (values, next_url, previous_url) = page_of(&req, items, paging(&pairs)?);
    Ok(HttpResponse::Ok().json(KoladaMunicipalityPage {
        count: values.len(),
        values,
        next_url,
        previous_url,
    }))
}

/// Kolada's municipalities by id.
///
/// Municipalities by SCB code (comma-separated, at most 25); one outside
/// the token answers 404.
#[utoipa::path(
    get,
    path = "/kolada/v3/municipality/{ids}",
    tag = "kolada",
    operation_id = "get_kolada_municipalities",
    params(("ids" = String, Path, description = "SCB codes, comma-separated (at most 25)",
            example = "0483,0428", pattern = r"^[0-9]{4}(,[0-9]{4})*$"), MetaQuery),
    responses((status = 200, description = "The municipalities", body = KoladaMunicipalityPage)),
    security(("bearer" = []))
)]
pub async fn get_kolada_municipalities(
    req: HttpRequest,
    caller: Caller,
    ids: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ReadIndicators;
    caller.permit(op).await?;
    let pairs = pairs(&req)?;
    only(&pairs, &["title", "page", "per_page"])?;
    let title = title_of(&pairs)?;
    let codes = list(std::slice::from_ref(&*ids), "ids")?;
    let found = municipalities(&caller, op, Some(&codes)).await?;
    let items: Vec<KoladaMunicipality> = found
        .iter()
        .map(|m| municipality(m.as_str()))
        .filter(|m| {
            title
                .as_ref()
                .is_none_or(|t| m.title.to_lowercase().contains(t))
        })
        .collect();
    let (values, next_url, previous_url) = page_of(&req, items, paging(&pairs)?);
    Ok(HttpResponse::Ok().json(KoladaMunicipalityPage {
        count: values.len(),
        values,
        next_url,
        previous_url,
    }))
}

/// What a data request asks for, before it is read.
struct Asked {
    kpis: Vec<String>,
    municipalities: Option<Vec<String>>,
    years: Option<Vec<i32>>,
    from_date: Option<String>,
}

/// The first year with values of any of the indicators in any of the
/// municipalities, or this year.
fn first_year(
    conn: &mut DbConn,
    indicators: &[&'static Indicator],
    municipalities: &[String],
    this_year: i32,
) -> Result<i32, AppError> {
    let mut first = this_year;
    for m in municipalities {
        if indicators
            .iter()
            .any(|i| i.source == IndicatorSource::Computed)
            && let Some(month) = repo::first_month(conn, m)?
        {
            first = first.min(month[..4].parse().unwrap_or(this_year));
        }
        for i in indicators
            .iter()
            .filter(|i| i.source == IndicatorSource::Reported)
        {
            if let Some(period) = repo::first_report(conn, i.id, m)? {
                first = first.min(period[..4].parse().unwrap_or(this_year));
            }
        }
    }
    Ok(first)
}

fn row_of(item: &Item) -> KoladaRow {
    KoladaRow {
        kpi: item.indicator.id,
        municipality: item.municipality.clone(),
        period: item.period.calendar_year(),
        values: item
            .cells
            .iter()
            .rev()
            .map(|(gender, shown)| KoladaValue {
                gender: gender.as_str(),
                count: u8::from(shown.value().is_some()),
                status: shown.status().map_or("", |s| s.as_str()),
                value: shown.value().and_then(number),
                isdeleted: false,
            })
            .collect(),
    }
}

/// Reads the values asked for; the caller was admitted to `op` first.
async fn data(req: &HttpRequest, caller: &Caller, asked: Asked) -> Result<HttpResponse, AppError> {
    let op = Operation::ReadIndicatorValues;
    let pairs = pairs(req)?;
    let paging = paging(&pairs)?;
    let kpis = list(&asked.kpis, "kpi_id")?;
    let indicators = match named(&kpis.join(",")) {
        Ok(list) => list,
        Err(refusal) => return Err(caller.refuse_about(op, &kpis.join(","), refusal).await),
    };
    let codes = match &asked.municipalities {
        Some(codes) => Some(list(codes, "municipality_id")?),
        None => None,
    };
    let municipalities = municipalities(caller, op, codes.as_ref()).await?;
    let since = match &asked.from_date {
        Some(text) => {
            let day: NaiveDate = text
                .parse()
                .map_err(|_| parameter_error("must be a day written YYYY-MM-DD", "from_date"))?;
            Some(start_of_day_in_sweden(day).naive_utc())
        }
        None => None,
    };
    let today = caller.today();
    let threshold = (!policy::sees_small_counts(&caller.principal))
        .then_some(caller.state.suppression_threshold);
    let years = asked.years.clone();
    let mut request = Request {
        indicators,
        municipalities,
        periods: None,
        updated_since: since,
    };
    let records = read_records(caller, op, &request);
    let items = caller
        .read(move |conn| {
            let years = match years {
                Some(years) => years,
                None => {
                    let codes: Vec<String> = request
                        .municipalities
                        .iter()
                        .map(|m| m.as_str().to_owned())
                        .collect();
                    let first = first_year(conn, &request.indicators, &codes, today.year())?;
                    (first..=today.year()).collect()
                }
            };
            request.periods = Some(years.into_iter().map(Period::year).collect());
            values::items(conn, &request, threshold, today)
        })
        .await?;
    caller.audit(records).await?;
    let rows: Vec<KoladaRow> = items.iter().map(row_of).collect();
    let (values, next_url, previous_url) = page_of(req, rows, paging);
    Ok(HttpResponse::Ok().json(KoladaDataPage {
        count: values.len(),
        values,
        next_url,
        previous_url,
    }))
}

/// Kolada's values by key figure, municipality and year.
///
/// Yearly values of the key figures (comma-separated, at most 25) in the
/// municipalities (each one of the token's, else 404) and years, in
/// Kolada's shape: a row per key figure, municipality and year with its
/// values for `T` (and `K`, `M` where split); a suppressed or missing value
/// is `null` with its status, a real zero is 0. Same suppression and audit
/// as `GET /api/v1/indicators/{ids}/values`.
#[utoipa::path(
    get,
    path = "/kolada/v3/data/kpi/{kpi}/municipality/{ids}/year/{years}",
    tag = "kolada",
    operation_id = "get_kolada_data_by_path",
    params(DataPath, DataPathQuery),
    responses((status = 200, description = "The values", body = KoladaDataPage)),
    security(("bearer" = []))
)]
pub async fn get_kolada_data_by_path(
    req: HttpRequest,
    caller: Caller,
    path: web::Path<DataPath>,
) -> Result<HttpResponse, AppError> {
    caller.permit(Operation::ReadIndicatorValues).await?;
    let pairs = pairs(&req)?;
    only(&pairs, &["from_date", "page", "per_page"])?;
    let asked = Asked {
        kpis: vec![path.kpi.clone()],
        municipalities: Some(vec![path.ids.clone()]),
        years: Some(years_of(std::slice::from_ref(&path.years))?),
        from_date: pairs.get("from_date").and_then(|v| v.first().cloned()),
    };
    data(&req, &caller, asked).await
}

fn asked_of(pairs: &BTreeMap<String, Vec<String>>) -> Result<Asked, AppError> {
    only(
        pairs,
        &[
            "kpi_id",
            "municipality_id",
            "year",
            "from_date",
            "page",
            "per_page",
        ],
    )?;
    Ok(Asked {
        kpis: pairs
            .get("kpi_id")
            .cloned()
            .ok_or_else(|| parameter_error("is required", "kpi_id"))?,
        municipalities: pairs.get("municipality_id").cloned(),
        years: match pairs.get("year") {
            Some(years) => Some(years_of(years)?),
            None => None,
        },
        from_date: pairs.get("from_date").and_then(|v| v.first().cloned()),
    })
}

/// Kolada's values by query.
///
/// As the path form, with `kpi_id`, `municipality_id` and `year` as query
/// parameters (comma-separated or repeated); without `municipality_id`
/// every municipality of the token, without `year` every year from the
/// first with values to this one; `from_date` keeps only values changed
/// on or after that day.
#[utoipa::path(
    get,
    path = "/kolada/v3/data",
    tag = "kolada",
    operation_id = "get_kolada_data",
    params(DataQuery),
    responses((status = 200, description = "The values", body = KoladaDataPage)),
    security(("bearer" = []))
)]
pub async fn get_kolada_data(req: HttpRequest, caller: Caller) -> Result<HttpResponse, AppError> {
    caller.permit(Operation::ReadIndicatorValues).await?;
    let asked = asked_of(&pairs(&req)?)?;
    data(&req, &caller, asked).await
}

/// Kolada's values by query (with a trailing slash).
///
/// The same as `GET /kolada/v3/data`, at the path Kolada's own clients
/// call (`/v3/data/`).
#[utoipa::path(
    get,
    path = "/kolada/v3/data/",
    tag = "kolada",
    operation_id = "get_kolada_data_slash",
    params(DataQuery),
    responses((status = 200, description = "The values", body = KoladaDataPage)),
    security(("bearer" = []))
)]
pub async fn get_kolada_data_slash(
    req: HttpRequest,
    caller: Caller,
) -> Result<HttpResponse, AppError> {
    caller.permit(Operation::ReadIndicatorValues).await?;
    let asked = asked_of(&pairs(&req)?)?;
    data(&req, &caller, asked).await
}
