//! Rows of the indicators: the cells the computed ones are kept in, what
//! each person contributes to them, reported values and forecasts, and
//! from which month each municipality has values.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use super::schema::{
    applicants, applications, household_members, indicator_builds, indicator_cells,
    indicator_contributions, indicator_coverage, indicator_reports, interventions, payments,
    referrals,
};
use super::{DbConn, stored, unreadable};
use crate::domain::Sex;
use crate::domain::decision::{DecisionKind, Outcome};
use crate::domain::household::{MemberRole, age_on};
use crate::domain::indicator::contribution::{self, Cell, Contribution, Facet, Facts, Grant};
use crate::domain::indicator::{Gender, Part, Period, catalogue};
use crate::domain::month::Month;
use crate::domain::referral::{CloseOutcome, InterventionKind, Source};
use crate::domain::time::today_in_sweden;
use crate::error::AppError;

/// A stored cell, as read.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = indicator_cells)]
pub struct CellRow {
    pub indicator: String,
    pub municipality: String,
    pub period: String,
    pub sex: String,
    pub part: String,
    pub value: i64,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = indicator_contributions)]
struct ContributionRow {
    municipality: String,
    person_id: String,
    indicator: String,
    period: String,
    sex: String,
    part: String,
    value: i64,
}

/// A reported value or forecast.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = indicator_reports)]
pub struct ReportRow {
    pub indicator: String,
    pub municipality: String,
    /// `value` or `forecast`.
    pub kind: String,
    pub period: String,
    pub sex: String,
    /// Decimal text in the indicator's unit.
    pub value: String,
    pub reported_by: String,
    pub reported_at: NaiveDateTime,
}

/// Reads a stored cell's key strictly.
fn cell_of(indicator: &str, period: &str, sex: &str, part: &str) -> Result<Cell, AppError> {
    Ok(Cell {
        indicator: catalogue::find(indicator)
            .ok_or_else(|| unreadable("indicator_cells.indicator"))?
            .id,
        period: stored("indicator_cells.period", Period::parse(period))?,
        gender: stored("indicator_cells.sex", Gender::parse(sex))?,
        part: Part::parse(part).ok_or_else(|| unreadable("indicator_cells.part"))?,
    })
}

/// What the computed indicators count of the person's records of the
/// kinds in `facets` (the others left empty), or `None` when the person is
/// not (or no longer) there.
pub fn facts(
    conn: &mut DbConn,
    municipality: &str,
    person: &str,
    facets: &BTreeSet<Facet>,
) -> Result<Option<Facts>, AppError> {
    let Some(gender) = gender_of(conn, municipality, person)? else {
        return Ok(None);
    };
    let wants = |facet| facets.contains(&facet);
    let received: HashMap<String, NaiveDate> =
        if wants(Facet::Applications) || wants(Facet::Referrals) {
            applications::table
                .filter(applications::municipality.eq(municipality))
                .filter(applications::applicant_id.eq(person))
                .select((applications::id, applications::received_at))
                .load::<(String, NaiveDateTime)>(conn)?
                .into_iter()
                .map(|(id, at)| (id, today_in_sweden(at.and_utc())))
                .collect()
        } else {
            HashMap::new()
        };
    Ok(Some(Facts {
        gender,
        grants: if wants(Facet::Grants) {
            grants(conn, municipality, person)?
        } else {
            Vec::new()
        },
        applications: if wants(Facet::Applications) {
            received.values().copied().collect()
        } else {
            Vec::new()
        },
        referrals: if wants(Facet::Referrals) {
            referrals_of(conn, municipality, person, &received)?
        } else {
            Vec::new()
        },
        interventions: if wants(Facet::Interventions) {
            interventions_of(conn, municipality, person)?
        } else {
            Vec::new()
        },
        payments: if wants(Facet::Payments) {
            payments::table
                .inner_join(
                    applications::table.on(applications::municipality
                        .eq(payments::municipality)
                        .and(applications::id.eq(payments::application_id))),
                )
                .filter(payments::municipality.eq(municipality))
                .filter(applications::applicant_id.eq(person))
                .select((payments::paid_on, payments::amount_ore))
                .load(conn)?
        } else {
            Vec::new()
        },
    }))
}

/// The person's sex as the indicators split it, or `None` when the person
/// is not (or no longer) there.
fn gender_of(
    conn: &mut DbConn,
    municipality: &str,
    person: &str,
) -> Result<Option<Gender>, AppError> {
    let sex: Option<String> = applicants::table
        .filter(applicants::municipality.eq(municipality))
        .filter(applicants::id.eq(person))
        .select(applicants::sex)
        .first(conn)
        .optional()?;
    sex.map(|sex| Ok(Gender::from(stored("applicants.sex", Sex::parse(&sex))?)))
        .transpose()
}

/// The person's assistance decisions in force that grant money, with the
/// members each covers.
fn grants(conn: &mut DbConn, municipality: &str, person: &str) -> Result<Vec<Grant>, AppError> {
    let all = super::decisions::of_person(conn, municipality, person)?;
    let replaced: BTreeSet<&str> = all.iter().filter_map(|d| d.replaces.as_deref()).collect();
    let mut grants = Vec::new();
    for d in all.iter().filter(|d| !replaced.contains(d.id.as_str())) {
        let kind = stored("decisions.kind", DecisionKind::parse(&d.kind))?;
        let outcome = stored("decisions.outcome", Outcome::parse(&d.outcome))?;
        if kind != DecisionKind::Assistance || !outcome.grants_money() || d.amount_ore <= 0 {
            continue;
        }
        let Some(month) = d.support_month.as_deref() else {
            continue;
        };
        let month = stored("decisions.support_month", Month::parse(month))?;
        let covered: Vec<String> = match &d.persons_covered {
            Some(json) => stored("decisions.persons_covered", serde_json::from_str(json))?,
            // Decisions from before households covered the applicant.
            None => vec!["applicant".to_owned()],
        };
        let members: Vec<(String, String, Option<NaiveDate>)> = match &d.application_id {
            Some(application) => household_members::table
                .filter(household_members::municipality.eq(municipality))
                .filter(household_members::application_id.eq(application))
                .select((
                    household_members::member,
                    household_members::role,
                    household_members::birth_date,
                ))
                .load(conn)?,
            None => Vec::new(),
        };
        let first_day = month.first_day();
        let covered = covered
            .into_iter()
            .map(|key| {
                let child = match members.iter().find(|m| m.0 == key) {
                    Some((_, role, birth)) => {
                        let role = stored("household_members.role", MemberRole::parse(role))?;
                        role == MemberRole::Child && birth.is_none_or(|b| age_on(b, first_day) < 18)
                    }
                    None => false,
                };
                Ok((key, child))
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        grants.push(Grant { month, covered });
    }
    Ok(grants)
}

fn referrals_of(
    conn: &mut DbConn,
    municipality: &str,
    person: &str,
    received: &HashMap<String, NaiveDate>,
) -> Result<Vec<contribution::Referral>, AppError> {
    let rows: Vec<super::referrals::ReferralRow> = referrals::table
        .filter(referrals::municipality.eq(municipality))
        .filter(referrals::applicant_id.eq(person))
        .select(super::referrals::ReferralRow::as_select())
        .load(conn)?;
    let mut list = Vec::new();
    for r in rows {
        // A referral may link an application the person is the partner on.
        let waiting_from = match &r.application_id {
            Some(id) => match received.get(id) {
                Some(day) => *day,
                None => applications::table
                    .filter(applications::municipality.eq(municipality))
                    .filter(applications::id.eq(id))
                    .select(applications::received_at)
                    .first::<NaiveDateTime>(conn)
                    .optional()?
                    .map_or(r.referred_on, |at| today_in_sweden(at.and_utc())),
            },
            None => r.referred_on,
        };
        let closed = match (r.closed_on, r.outcome.as_deref()) {
            (Some(day), Some(outcome)) => Some((
                day,
                stored("referrals.outcome", CloseOutcome::parse(outcome))?,
            )),
            _ => None,
        };
        list.push(contribution::Referral {
            source: stored("referrals.source", Source::parse(&r.source))?,
            referred_on: r.referred_on,
            waiting_from: waiting_from.min(r.referred_on),
            first_meeting_due: r.first_meeting_due,
            first_meeting_held_on: r.first_meeting_held_on,
            ended_on: r.ended_on,
            closed,
        });
    }
    Ok(list)
}

fn interventions_of(
    conn: &mut DbConn,
    municipality: &str,
    person: &str,
) -> Result<Vec<contribution::Intervention>, AppError> {
    let rows: Vec<(NaiveDate, String, Option<String>)> = interventions::table
        .filter(interventions::municipality.eq(municipality))
        .filter(interventions::applicant_id.eq(person))
        .select((
            interventions::start_date,
            interventions::kind,
            interventions::programme_id,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(start_date, kind, programme)| {
            let kind = stored("interventions.kind", InterventionKind::parse(&kind))?;
            Ok(contribution::Intervention {
                start_date,
                subsidised_employment: kind == InterventionKind::SubsidisedEmployment,
                on_programme: programme.is_some(),
            })
        })
        .collect()
}

/// What the person contributes now, as stored, to the indicators counted
/// from the records of the kinds in `facets`.
fn stored_contribution(
    conn: &mut DbConn,
    municipality: &str,
    person: &str,
    facets: &BTreeSet<Facet>,
) -> Result<Contribution, AppError> {
    let indicators: Vec<&str> = facets
        .iter()
        .flat_map(|f| f.indicators().iter().copied())
        .collect();
    let rows: Vec<ContributionRow> = indicator_contributions::table
        .filter(indicator_contributions::municipality.eq(municipality))
        .filter(indicator_contributions::person_id.eq(person))
        .filter(indicator_contributions::indicator.eq_any(&indicators))
        .select(ContributionRow::as_select())
        .load(conn)?;
    rows.into_iter()
        .map(|r| Ok((cell_of(&r.indicator, &r.period, &r.sex, &r.part)?, r.value)))
        .collect()
}

/// Brings the cells up to date with the person's records of the kinds in
/// `facets`: works out what those records contribute now, and adds the
/// difference from what they contributed before. Runs in the transaction
/// that changed the records.
pub fn refresh(
    conn: &mut DbConn,
    municipality: &str,
    person: &str,
    facets: &BTreeSet<Facet>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    // Every write takes the writer's lock first (`event_head`, in
    // `db::writer`), across processes too, so the contribution read here is
    // the last one stored.
    let mut after = match facts(conn, municipality, person, facets)? {
        Some(facts) => contribution::of(&facts),
        None => Contribution::new(),
    };
    after.retain(|cell, _| Facet::of(cell.indicator).is_some_and(|f| facets.contains(&f)));
    let before = stored_contribution(conn, municipality, person, facets)?;
    apply(
        conn,
        municipality,
        person,
        &contribution::delta(&before, &after),
        now,
    )
}

/// Counts an application just received, without reading the applicant's
/// others: it adds one to the cells of its day, whatever came before
/// (unless its applicant is among `counted`, whose applications were all
/// just worked out again).
pub fn received(
    conn: &mut DbConn,
    municipality: &str,
    application: &str,
    counted: &BTreeSet<&str>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let Some((person, at)) = applications::table
        .filter(applications::municipality.eq(municipality))
        .filter(applications::id.eq(application))
        .select((applications::applicant_id, applications::received_at))
        .first::<(String, NaiveDateTime)>(conn)
        .optional()?
    else {
        return Ok(());
    };
    if counted.contains(person.as_str()) {
        return Ok(());
    }
    let Some(gender) = gender_of(conn, municipality, &person)? else {
        return Ok(());
    };
    let one = Facts {
        gender,
        applications: vec![today_in_sweden(at.and_utc())],
        ..Facts::none(gender)
    };
    apply(conn, municipality, &person, &contribution::of(&one), now)
}

/// Adds `delta` to the cells and to what the person is stored as
/// contributing: one statement for each, whatever the number of cells.
fn apply(
    conn: &mut DbConn,
    municipality: &str,
    person: &str,
    delta: &Contribution,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    if delta.is_empty() {
        return Ok(());
    }
    let rows: Vec<Added> = delta
        .iter()
        .map(|(cell, n)| Added {
            indicator: cell.indicator,
            period: cell.period.to_string(),
            sex: cell.gender.as_str(),
            part: cell.part.as_string(),
            n: *n,
        })
        .collect();
    // Within both backends' limits on bound values a statement.
    for rows in rows.chunks(1000) {
        match conn {
            DbConn::Postgresql(c) => {
                add::<diesel::pg::Pg, _>(c, '$', municipality, person, rows, now)?
            }
            DbConn::Sqlite(c) => {
                add::<diesel::sqlite::Sqlite, _>(c, '?', municipality, person, rows, now)?
            }
        }
    }
    // A contribution is kept without its zeros: a part may come back to
    // zero when it falls, or when a sum of money (corrections are
    // negative) rises.
    if delta
        .iter()
        .any(|(cell, n)| *n < 0 || cell.indicator == catalogue::SEK_PAID)
    {
        diesel::delete(
            indicator_contributions::table
                .filter(indicator_contributions::municipality.eq(municipality))
                .filter(indicator_contributions::person_id.eq(person))
                .filter(indicator_contributions::value.eq(0)),
        )
        .execute(conn)?;
    }
    if let Some(first) = delta.keys().map(|c| c.period.first_month()).min() {
        cover(conn, municipality, first)?;
    }
    Ok(())
}

/// What a change adds to one cell.
struct Added {
    indicator: &'static str,
    period: String,
    sex: &'static str,
    part: String,
    n: i64,
}

/// Adds each row's `n` to its cell and to the person's part of it, in one
/// statement per table (`INSERT ... ON CONFLICT DO UPDATE`, which both
/// backends have but the connection over both cannot build; `mark` is the
/// backend's numbered placeholder).
fn add<DB, C>(
    conn: &mut C,
    mark: char,
    municipality: &str,
    person: &str,
    rows: &[Added],
    now: NaiveDateTime,
) -> QueryResult<()>
where
    DB: diesel::backend::Backend
        + diesel::sql_types::HasSqlType<Text>
        + diesel::sql_types::HasSqlType<BigInt>
        + diesel::sql_types::HasSqlType<Timestamp>,
    C: Connection<Backend = DB>,
    String: diesel::serialize::ToSql<Text, DB>,
    str: diesel::serialize::ToSql<Text, DB>,
    i64: diesel::serialize::ToSql<BigInt, DB>,
    NaiveDateTime: diesel::serialize::ToSql<Timestamp, DB>,
    for<'a> diesel::query_builder::BoxedSqlQuery<'a, DB, diesel::query_builder::SqlQuery>:
        diesel::query_dsl::methods::ExecuteDsl<C>,
{
    let values = |width: usize| {
        (0..rows.len())
            .map(|r| {
                let marks: Vec<String> = (1..=width)
                    .map(|i| format!("{mark}{}", r * width + i))
                    .collect();
                format!("({})", marks.join(", "))
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut cells = diesel::sql_query(format!(
        "INSERT INTO indicator_cells (indicator, municipality, period, sex, part, value, updated_at) \
         VALUES {} ON CONFLICT (indicator, municipality, period, sex, part) DO UPDATE \
         SET value = indicator_cells.value + excluded.value, updated_at = excluded.updated_at",
        values(7)
    ))
    .into_boxed::<DB>();
    for row in rows {
        cells = cells
            .bind::<Text, _>(row.indicator)
            .bind::<Text, _>(municipality.to_owned())
            .bind::<Text, _>(row.period.clone())
            .bind::<Text, _>(row.sex)
            .bind::<Text, _>(row.part.clone())
            .bind::<BigInt, _>(row.n)
            .bind::<Timestamp, _>(now);
    }
    cells.execute(conn)?;
    let mut parts = diesel::sql_query(format!(
        "INSERT INTO indicator_contributions (municipality, person_id, indicator, period, sex, part, value) \
         VALUES {} ON CONFLICT (municipality, person_id, indicator, period, sex, part) DO UPDATE \
         SET value = indicator_contributions.value + excluded.value",
        values(7)
    ))
    .into_boxed::<DB>();
    for row in rows {
        parts = parts
            .bind::<Text, _>(municipality.to_owned())
            .bind::<Text, _>(person.to_owned())
            .bind::<Text, _>(row.indicator)
            .bind::<Text, _>(row.period.clone())
            .bind::<Text, _>(row.sex)
            .bind::<Text, _>(row.part.clone())
            .bind::<BigInt, _>(row.n);
    }
    parts.execute(conn)?;
    Ok(())
}

/// Values are there from `month` on in the municipality (if not earlier).
fn cover(conn: &mut DbConn, municipality: &str, month: Month) -> Result<(), AppError> {
    let month = month.to_string();
    match first_month(conn, municipality)? {
        Some(first) if first <= month => {}
        Some(_) => {
            diesel::update(indicator_coverage::table.find(municipality))
                .set(indicator_coverage::first_month.eq(&month))
                .execute(conn)?;
        }
        None => {
            diesel::insert_into(indicator_coverage::table)
                .values((
                    indicator_coverage::municipality.eq(municipality),
                    indicator_coverage::first_month.eq(&month),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// The first month the municipality has computed values for.
pub fn first_month(conn: &mut DbConn, municipality: &str) -> QueryResult<Option<String>> {
    indicator_coverage::table
        .find(municipality)
        .select(indicator_coverage::first_month)
        .first(conn)
        .optional()
}

/// Every stored cell of the indicator in the municipality and year.
pub fn cells_of_year(
    conn: &mut DbConn,
    indicator: &str,
    municipality: &str,
    year: i32,
) -> Result<Vec<(Cell, i64, NaiveDateTime)>, AppError> {
    let rows: Vec<CellRow> = indicator_cells::table
        .filter(indicator_cells::indicator.eq(indicator))
        .filter(indicator_cells::municipality.eq(municipality))
        .filter(indicator_cells::period.ge(year.to_string()))
        .filter(indicator_cells::period.lt((year + 1).to_string()))
        .select(CellRow::as_select())
        .load(conn)?;
    rows.into_iter()
        .map(|r| {
            Ok((
                cell_of(&r.indicator, &r.period, &r.sex, &r.part)?,
                r.value,
                r.updated_at,
            ))
        })
        .collect()
}

/// The indicator's reports of `kind` in the municipality and year.
pub fn reports_of_year(
    conn: &mut DbConn,
    indicator: &str,
    municipality: &str,
    kind: &str,
    year: i32,
) -> QueryResult<Vec<ReportRow>> {
    indicator_reports::table
        .filter(indicator_reports::indicator.eq(indicator))
        .filter(indicator_reports::municipality.eq(municipality))
        .filter(indicator_reports::kind.eq(kind))
        .filter(indicator_reports::period.ge(year.to_string()))
        .filter(indicator_reports::period.lt((year + 1).to_string()))
        .select(ReportRow::as_select())
        .load(conn)
}

/// The earliest period the indicator has a report for in the municipality.
pub fn first_report(
    conn: &mut DbConn,
    indicator: &str,
    municipality: &str,
) -> QueryResult<Option<String>> {
    indicator_reports::table
        .filter(indicator_reports::indicator.eq(indicator))
        .filter(indicator_reports::municipality.eq(municipality))
        .filter(indicator_reports::kind.eq("value"))
        .select(diesel::dsl::min(indicator_reports::period))
        .first(conn)
}

/// Records a report; `true` when it changed what was stored.
pub fn put_report(conn: &mut DbConn, row: &ReportRow) -> QueryResult<bool> {
    let key = indicator_reports::table.find((
        &row.indicator,
        &row.municipality,
        &row.kind,
        &row.period,
        &row.sex,
    ));
    let current: Option<String> = key
        .select(indicator_reports::value)
        .first(conn)
        .optional()?;
    match current {
        Some(value) if value == row.value => Ok(false),
        Some(_) => {
            diesel::update(key)
                .set((
                    indicator_reports::value.eq(&row.value),
                    indicator_reports::reported_by.eq(&row.reported_by),
                    indicator_reports::reported_at.eq(row.reported_at),
                ))
                .execute(conn)?;
            Ok(true)
        }
        None => {
            diesel::insert_into(indicator_reports::table)
                .values(row)
                .execute(conn)?;
            Ok(true)
        }
    }
}

/// Removes a report; `true` when there was one.
pub fn remove_report(
    conn: &mut DbConn,
    indicator: &str,
    municipality: &str,
    kind: &str,
    period: &str,
    sex: &str,
) -> QueryResult<bool> {
    diesel::delete(indicator_reports::table.find((indicator, municipality, kind, period, sex)))
        .execute(conn)
        .map(|n| n > 0)
}

/// The (indicator, municipality, year) whose cells or reports changed
/// after `since`.
pub fn changed_since(
    conn: &mut DbConn,
    since: NaiveDateTime,
) -> QueryResult<BTreeSet<(String, String, String)>> {
    let cells: Vec<(String, String, String)> = indicator_cells::table
        .filter(indicator_cells::updated_at.gt(since))
        .select((
            indicator_cells::indicator,
            indicator_cells::municipality,
            indicator_cells::period,
        ))
        .distinct()
        .load(conn)?;
    let reports: Vec<(String, String, String)> = indicator_reports::table
        .filter(indicator_reports::reported_at.gt(since))
        .select((
            indicator_reports::indicator,
            indicator_reports::municipality,
            indicator_reports::period,
        ))
        .distinct()
        .load(conn)?;
    Ok(cells
        .into_iter()
        .chain(reports)
        .map(|(i, m, p)| (i, m, p.chars().take(4).collect()))
        .collect())
}

/// Where the kept indicators disagree with the records: each person's
/// stored contribution against one worked out from all their records
/// again, and each cell against the sum of what persons contribute to it.
/// Empty when they agree. The cells also keep the part of persons purged
/// since (BR-11), so the second check holds only where nobody has been.
pub fn disagreements(conn: &mut DbConn) -> Result<Vec<String>, AppError> {
    let all = BTreeSet::from(Facet::ALL);
    let persons: Vec<(String, String)> = applicants::table
        .select((applicants::municipality, applicants::id))
        .load(conn)?;
    let mut found = Vec::new();
    let mut sums: BTreeMap<(String, Cell), i64> = BTreeMap::new();
    for (municipality, person) in &persons {
        let records = match facts(conn, municipality, person, &all)? {
            Some(facts) => contribution::of(&facts),
            None => Contribution::new(),
        };
        let stored = stored_contribution(conn, municipality, person, &all)?;
        for (cell, n) in contribution::delta(&stored, &records) {
            let kept = stored.get(&cell).copied().unwrap_or(0);
            found.push(format!(
                "person {person}: {cell} stored {kept}, records give {}",
                kept + n
            ));
        }
        for (cell, n) in stored {
            *sums.entry((municipality.clone(), cell)).or_default() += n;
        }
    }
    let rows: Vec<CellRow> = indicator_cells::table
        .select(CellRow::as_select())
        .load(conn)?;
    let mut cells: BTreeMap<(String, Cell), i64> = BTreeMap::new();
    for r in rows {
        let cell = cell_of(&r.indicator, &r.period, &r.sex, &r.part)?;
        cells.insert((r.municipality, cell), r.value);
    }
    for key in sums.keys().chain(cells.keys()).collect::<BTreeSet<_>>() {
        let (kept, sum) = (
            cells.get(key).copied().unwrap_or(0),
            sums.get(key).copied().unwrap_or(0),
        );
        if kept != sum {
            let (municipality, cell) = key;
            found.push(format!("{municipality} {cell}: cell {kept}, persons {sum}"));
        }
    }
    Ok(found)
}

/// Rebuilds every cell from every person's records (on first start after
/// the indicators came, for the records already there): returns the
/// number of persons counted.
pub fn build_if_never_built(
    conn: &mut DbConn,
    now: NaiveDateTime,
) -> Result<Option<i64>, AppError> {
    // The writer's lock, so that a second process starting at the same time
    // waits and then finds the build done.
    diesel::sql_query("UPDATE event_head SET seq = seq WHERE id = 1").execute(conn)?;
    let built: Option<i32> = indicator_builds::table
        .select(indicator_builds::id)
        .first(conn)
        .optional()?;
    if built.is_some() {
        return Ok(None);
    }
    let persons: Vec<(String, String)> = applicants::table
        .select((applicants::municipality, applicants::id))
        .load(conn)?;
    let all = BTreeSet::from(Facet::ALL);
    for (municipality, person) in &persons {
        refresh(conn, municipality, person, &all, now)?;
    }
    let count = persons.len() as i64;
    diesel::insert_into(indicator_builds::table)
        .values((
            indicator_builds::id.eq(1),
            indicator_builds::built_at.eq(now),
            indicator_builds::persons.eq(count),
        ))
        .execute(conn)?;
    Ok(Some(count))
}
