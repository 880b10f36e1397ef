//! The national norm (*riksnormen*): `POST /api/v1/norm-tables` (admins
//! load a year) and `GET /api/v1/norm-tables` (by year and revision).
//! National data, no person in it.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::applicants::model::required;
use super::context::Caller;
use super::formats::{Line, Sek};
use super::json::JsonBody;
use super::parameter_error;
use crate::auth::policy::Operation;
use crate::db::norms::{self, NormRow};
use crate::db::{DbConn, stored, unique_or};
use crate::domain::FieldError;
use crate::domain::applicant::{self as rules, Checker};
use crate::domain::money::parse_sek;
use crate::domain::norm::{Band, NormTable};
use crate::error::AppError;

/// Which tables to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NormQuery {
    /// Only this year's revisions.
    #[param(minimum = 2000, maximum = 2099, example = 2026)]
    pub year: Option<i32>,
    /// Only this revision (with `year`).
    #[param(minimum = 1, maximum = 1000)]
    pub revision: Option<i32>,
}

/// One band's personal costs.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BandAmount {
    #[schema(value_type = Band, required = true)]
    pub band: Option<String>,
    /// SEK a month.
    #[schema(value_type = Sek, required = true)]
    pub amount: Option<String>,
}

/// The common costs of a household of `persons`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SizeAmount {
    /// 1–7 persons.
    #[schema(value_type = i32, minimum = 1, maximum = 7, required = true)]
    #[serde(default, deserialize_with = "crate::api::json::optional_integer")]
    pub persons: Option<i32>,
    /// SEK a month.
    #[schema(value_type = Sek, required = true)]
    pub amount: Option<String>,
}

/// A year's norm, as published: the personal costs of every band and the
/// common costs of households of one to seven persons (above seven, each
/// further person adds the step from six to seven).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = published_2026)]
pub struct NormTableBody {
    /// The year the table is for, 2000–2099.
    #[schema(value_type = i32, minimum = 2000, maximum = 2099, required = true, example = 2026)]
    #[serde(default, deserialize_with = "crate::api::json::optional_integer")]
    pub year: Option<i32>,
    /// Where the amounts are published.
    #[schema(value_type = Line, required = true)]
    pub source: Option<String>,
    /// Every band once.
    #[serde(default)]
    #[schema(min_items = 14, max_items = 14)]
    pub personal_costs: Vec<BandAmount>,
    /// Households of 1–7 persons, each once.
    #[serde(default)]
    #[schema(min_items = 7, max_items = 7)]
    pub household_costs: Vec<SizeAmount>,
}

/// A loaded norm table.
#[derive(Debug, Serialize, ToSchema)]
pub struct NormTableView {
    pub year: i32,
    /// Increases each time the year is loaded with other amounts; a
    /// decision names the revision it used.
    pub revision: i32,
    pub source: String,
    pub personal_costs: Vec<BandAmountView>,
    pub household_costs: Vec<SizeAmountView>,
    pub loaded_at: DateTime<Utc>,
}

/// One band's personal costs, SEK a month.
#[derive(Debug, Serialize, ToSchema)]
pub struct BandAmountView {
    pub band: Band,
    #[schema(value_type = String, example = "3940.00")]
    pub amount: Decimal,
}

/// The common costs of a household, SEK a month.
#[derive(Debug, Serialize, ToSchema)]
pub struct SizeAmountView {
    pub persons: i32,
    #[schema(value_type = String, example = "1280.00")]
    pub amount: Decimal,
}

/// Every loaded table.
#[derive(Debug, Serialize, ToSchema)]
pub struct NormTableList {
    /// Newest year first, each year's revisions newest first.
    pub items: Vec<NormTableView>,
}

/// The stored form: bands and sizes with their amounts, in table order.
#[derive(Debug, Serialize, Deserialize)]
struct Stored {
    personal_costs: Vec<(String, Decimal)>,
    household_costs: Vec<(i32, Decimal)>,
}

/// The published table of 2026, as the contract's example.
fn published_2026() -> serde_json::Value {
    serde_json::from_str(include_str!("../../reference/riksnorm-2026.json")).unwrap_or_default()
}

/// Checks a table body, naming every bad field.
pub fn check(body: &NormTableBody) -> Result<NormTable, AppError> {
    let mut c = Checker::default();
    let year = c.check(
        "year",
        match body.year {
            Some(y) if (2000..=2099).contains(&y) => Ok(y),
            Some(_) => Err("must be a year, 2000–2099".to_owned()),
            None => Err("is required".to_owned()),
        },
    );
    let source = c.check(
        "source",
        required(&body.source).and_then(|s| rules::line(s, 200)),
    );
    let mut personal = Vec::new();
    for (i, row) in body.personal_costs.iter().enumerate() {
        let band = c.check(
            &format!("personal_costs[{i}].band"),
            required(&row.band).and_then(Band::parse),
        );
        let amount = c.check(
            &format!("personal_costs[{i}].amount"),
            required(&row.amount).and_then(|a| parse_sek(a, false)),
        );
        if let Some(band) = band {
            personal.push((band, amount.unwrap_or_default()));
        }
    }
    let mut household = Vec::new();
    for (i, row) in body.household_costs.iter().enumerate() {
        let persons = c.check(
            &format!("household_costs[{i}].persons"),
            match row.persons {
                Some(n @ 1..=7) => Ok(n),
                Some(_) => Err(
                    "must be 1–7: above seven persons the step from six to seven is added"
                        .to_owned(),
                ),
                None => Err("is required".to_owned()),
            },
        );
        let amount = c.check(
            &format!("household_costs[{i}].amount"),
            required(&row.amount).and_then(|a| parse_sek(a, false)),
        );
        // A size with a bad amount is still there for the completeness check.
        if let Some(persons) = persons {
            household.push((
                usize::try_from(persons).unwrap_or(0),
                amount.unwrap_or_default(),
            ));
        }
    }
    let mut errors = c.finish().err().unwrap_or_default();
    let source = source.unwrap_or_default();
    match NormTable::new(year.unwrap_or_default(), source, &personal, &household) {
        Ok(table) if errors.is_empty() => Ok(table),
        Ok(_) => Err(AppError::Validation(errors)),
        Err(more) => {
            errors.extend(more.into_iter().map(|(n, r)| FieldError::new(n, r)));
            Err(AppError::Validation(errors))
        }
    }
}

fn stored_body(table: &NormTable) -> Result<String, AppError> {
    let body = Stored {
        personal_costs: Band::ALL
            .iter()
            .map(|b| (b.as_str().to_owned(), table.personal(*b).round_dp(2)))
            .collect(),
        household_costs: (1..=crate::domain::norm::TABLED_PERSONS)
            .map(|n| (n as i32, table.household_costs(n).round_dp(2)))
            .collect(),
    };
    serde_json::to_string(&body).map_err(AppError::internal)
}

/// The table a stored row holds, read strictly.
pub fn table_of(row: &NormRow) -> Result<NormTable, AppError> {
    let body: Stored = stored("norm_tables.body", serde_json::from_str(&row.body))?;
    let personal = body
        .personal_costs
        .iter()
        .map(|(b, a)| Ok((stored("norm_tables.body", Band::parse(b))?, *a)))
        .collect::<Result<Vec<_>, AppError>>()?;
    let household: Vec<(usize, Decimal)> = body
        .household_costs
        .iter()
        .map(|(n, a)| (usize::try_from(*n).unwrap_or(0), *a))
        .collect();
    stored(
        "norm_tables.body",
        NormTable::new(row.year, row.source.clone(), &personal, &household),
    )
}

fn view(row: &NormRow) -> Result<NormTableView, AppError> {
    let table = table_of(row)?;
    Ok(NormTableView {
        year: row.year,
        revision: row.revision,
        source: row.source.clone(),
        personal_costs: Band::ALL
            .iter()
            .map(|b| BandAmountView {
                band: *b,
                amount: table.personal(*b).round_dp(2),
            })
            .collect(),
        household_costs: (1..=crate::domain::norm::TABLED_PERSONS)
            .map(|n| SizeAmountView {
                persons: n as i32,
                amount: table.household_costs(n).round_dp(2),
            })
            .collect(),
        loaded_at: row.loaded_at.and_utc(),
    })
}

/// Stores `table` as its year's next revision, unless the latest revision
/// is the same table: whether it was added, and the revision.
pub fn store(
    conn: &mut DbConn,
    table: &NormTable,
    loaded_by: &str,
    now: chrono::NaiveDateTime,
) -> Result<(bool, NormRow), AppError> {
    let text = stored_body(table)?;
    let latest = norms::find(conn, table.year, None)?;
    if let Some(latest) = latest.as_ref()
        && latest.body == text
        && latest.source == table.source
    {
        return Ok((false, latest.clone()));
    }
    let row = NormRow {
        year: table.year,
        revision: latest.map_or(1, |l| l.revision + 1),
        source: table.source.clone(),
        body: text,
        loaded_by: loaded_by.to_owned(),
        loaded_at: now,
    };
    norms::insert(conn, &row).map_err(unique_or(AppError::Contention))?;
    Ok((true, row))
}

/// The latest revision of `year` (or `revision`), if loaded.
pub fn find(
    conn: &mut DbConn,
    year: i32,
    revision: Option<i32>,
) -> Result<Option<NormRow>, AppError> {
    Ok(norms::find(conn, year, revision)?)
}

/// Load a year's norm.
///
/// Admins load the national norm as the Government publishes it, one year
/// at a time (`year` in the body): every band of personal costs once and
/// the common costs of households of one to seven persons. Loading a year again with other
/// amounts or source adds a revision (201); the same table again changes
/// nothing (200). A table is never changed: decisions name the year and
/// revision they were calculated with. Audited.
#[utoipa::path(
    post,
    path = "/api/v1/norm-tables",
    tag = "norm",
    operation_id = "load_norm_table",
    request_body(content = NormTableBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The same table was loaded already", body = NormTableView),
        (status = 201, description = "A new revision", body = NormTableView,
         headers(("Location" = String, description = "The revision, as a filtered list"))),
    ),
    security(("bearer" = []))
)]
pub async fn load_norm_table(caller: Caller, body: JsonBody) -> Result<HttpResponse, AppError> {
    let op = Operation::LoadNormTable;
    caller.permit(op).await?;
    let table = body.check(check)?;
    let year = table.year;
    let subject = caller.principal.subject.clone();
    let now = caller.now().naive_utc();
    let record = caller.event(op.audit_action(), op.resource_type());
    let (created, row) = caller
        .write(move |conn, pending| {
            let (created, row) = store(conn, &table, &subject, now)?;
            if created {
                pending
                    .audit
                    .push(record.resource(&format!("{}/{}", row.year, row.revision)));
            }
            Ok((created, row))
        })
        .await?;
    let answer = view(&row)?;
    Ok(if created {
        HttpResponse::Created()
            .insert_header((
                actix_web::http::header::LOCATION,
                format!("/api/v1/norm-tables?year={year}&revision={}", row.revision),
            ))
            .json(answer)
    } else {
        HttpResponse::Ok().json(answer)
    })
}

/// List the loaded norm tables.
///
/// Every year and revision loaded, newest first, or only `year`'s (and
/// only its `revision`). Caseworkers, the case system and admins read them.
#[utoipa::path(
    get,
    path = "/api/v1/norm-tables",
    tag = "norm",
    operation_id = "list_norm_tables",
    params(NormQuery),
    responses(
        (status = 200, description = "The tables", body = NormTableList),
    ),
    security(("bearer" = []))
)]
pub async fn list_norm_tables(
    caller: Caller,
    query: web::Query<NormQuery>,
) -> Result<HttpResponse, AppError> {
    caller.permit(Operation::ReadNormTables).await?;
    let check = |value: Option<i32>, range: std::ops::RangeInclusive<i32>, name: &str| match value {
        Some(v) if !range.contains(&v) => Err(parameter_error("is out of range", name)),
        _ => Ok(value),
    };
    let year = check(query.year, 2000..=2099, "year")?;
    let revision = check(query.revision, 1..=1000, "revision")?;
    let rows = caller.read(|conn| Ok(norms::all(conn)?)).await?;
    let items = rows
        .iter()
        .filter(|r| year.is_none_or(|y| r.year == y) && revision.is_none_or(|v| r.revision == v))
        .map(view)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(NormTableList { items }))
}
