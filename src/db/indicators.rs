//! Rows of the indicators: the cells the computed ones are kept in, what
//! each person contributes to them, reported values and forecasts, and
//! from which month each municipality has values.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use super::schema::{
    applicants, applications, decisions, household_members, indicator_builds, indicator_cells,
    indicator_coverage, indicator_person_years, indicator_reports, interventions, payments,
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

/// What one person's records of one kind add in one calendar year
/// ([`contribution::write_slice`]'s form).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = indicator_person_years)]
struct PersonYearRow {
    municipality: String,
    person_id: String,
    facet: String,
    year: i32,
    sex: String,
    cells: String,
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

/// What of a decision the indicators count.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = decisions)]
struct GrantRow {
    id: String,
    applicant_id: String,
    kind: String,
    outcome: String,
    amount_ore: i64,
    support_month: Option<String>,
    persons_covered: Option<String>,
    application_id: Option<String>,
    replaces: Option<String>,
}

/// A member of a household as an application gave it: key, role, birth date.
type Member = (String, String, Option<NaiveDate>);

/// An intervention: whose, start, kind, programme.
type InterventionRow = (String, NaiveDate, String, Option<String>);

/// The rows the computed indicators count, of one person or of every person
/// in a municipality, before they are put together per person.
#[derive(Default)]
struct Records {
    /// Applications: id, applicant, day received in Sweden.
    applications: Vec<(String, String, NaiveDate)>,
    grants: Vec<GrantRow>,
    /// The members of the households of the granting decisions' applications,
    /// by application.
    members: HashMap<String, Vec<Member>>,
    referrals: Vec<super::referrals::ReferralRow>,
    interventions: Vec<InterventionRow>,
    /// Payments: whose application, day paid, öre.
    payments: Vec<(String, NaiveDate, i64)>,
    /// The day received of every application a referral links (also those the
    /// person is the partner on).
    received: HashMap<String, NaiveDate>,
}

/// One person's rows among [`Records`].
#[derive(Default)]
struct Own<'a> {
    applications: Vec<NaiveDate>,
    grants: Vec<&'a GrantRow>,
    referrals: Vec<&'a super::referrals::ReferralRow>,
    interventions: Vec<&'a InterventionRow>,
    payments: Vec<(NaiveDate, i64)>,
}

impl Records {
    /// The rows by person.
    fn by_person(&self) -> HashMap<&str, Own<'_>> {
        let mut by: HashMap<&str, Own<'_>> = HashMap::new();
        for (_, person, day) in &self.applications {
            by.entry(person).or_default().applications.push(*day);
        }
        for g in &self.grants {
            by.entry(&g.applicant_id).or_default().grants.push(g);
        }
        for r in &self.referrals {
            by.entry(&r.applicant_id).or_default().referrals.push(r);
        }
        for i in &self.interventions {
            by.entry(&i.0).or_default().interventions.push(i);
        }
        for (person, day, ore) in &self.payments {
            by.entry(person).or_default().payments.push((*day, *ore));
        }
        by
    }

    /// The person's facts from their rows.
    fn facts(&self, gender: Gender, own: &Own<'_>) -> Result<Facts, AppError> {
        Ok(Facts {
            gender,
            grants: grants_from(&own.grants, &self.members)?,
            applications: own.applications.clone(),
            referrals: own
                .referrals
                .iter()
                .map(|r| referral_from(r, &self.received))
                .collect::<Result<_, _>>()?,
            interventions: own
                .interventions
                .iter()
                .map(|(_, start_date, kind, programme)| {
                    let kind = stored("interventions.kind", InterventionKind::parse(kind))?;
                    Ok(contribution::Intervention {
                        start_date: *start_date,
                        subsidised_employment: kind == InterventionKind::SubsidisedEmployment,
                        on_programme: programme.is_some(),
                    })
                })
                .collect::<Result<_, AppError>>()?,
            payments: own.payments.clone(),
        })
    }

    /// The rows of the kinds in `facets` (the others left empty) of one
    /// person, or of everyone in the municipality when `person` is `None`.
    fn load(
        conn: &mut DbConn,
        municipality: &str,
        person: Option<&str>,
        facets: &BTreeSet<Facet>,
    ) -> Result<Records, AppError> {
        let wants = |facet| facets.contains(&facet);
        let mut records = Records::default();
        if wants(Facet::Applications) || wants(Facet::Referrals) {
            let mut query = applications::table
                .filter(applications::municipality.eq(municipality))
                .select((
                    applications::id,
                    applications::applicant_id,
                    applications::received_at,
                ))
                .into_boxed();
            if let Some(person) = person {
                query = query.filter(applications::applicant_id.eq(person));
            }
            records.applications = query
                .load::<(String, String, NaiveDateTime)>(conn)?
                .into_iter()
                .map(|(id, person, at)| (id, person, today_in_sweden(at.and_utc())))
                .collect();
            records.received = records
                .applications
                .iter()
                .map(|(id, _, day)| (id.clone(), *day))
                .collect();
        }
        if wants(Facet::Grants) {
            let mut query = decisions::table
                .filter(decisions::municipality.eq(municipality))
                .select(GrantRow::as_select())
                .into_boxed();
            if let Some(person) = person {
                query = query.filter(decisions::applicant_id.eq(person));
            }
            records.grants = query.load(conn)?;
            let mut query = household_members::table
                .filter(household_members::municipality.eq(municipality))
                .select((
                    household_members::application_id,
                    household_members::member,
                    household_members::role,
                    household_members::birth_date,
                ))
                .into_boxed();
            // One person's: the households of their decisions.
            if person.is_some() {
                let linked: BTreeSet<&str> = records
                    .grants
                    .iter()
                    .filter_map(|g| g.application_id.as_deref())
                    .collect();
                query = query.filter(household_members::application_id.eq_any(linked));
            }
            records.members = members(query.load(conn)?);
        }
        if wants(Facet::Referrals) {
            let mut query = referrals::table
                .filter(referrals::municipality.eq(municipality))
                .select(super::referrals::ReferralRow::as_select())
                .into_boxed();
            if let Some(person) = person {
                query = query.filter(referrals::applicant_id.eq(person));
            }
            records.referrals = query.load(conn)?;
            // A referral may link an application the person is the partner on.
            let others: BTreeSet<&str> = records
                .referrals
                .iter()
                .filter_map(|r| r.application_id.as_deref())
                .filter(|id| !records.received.contains_key(*id))
                .collect();
            if !others.is_empty() {
                let days: Vec<(String, NaiveDateTime)> = applications::table
                    .filter(applications::municipality.eq(municipality))
                    .filter(applications::id.eq_any(others))
                    .select((applications::id, applications::received_at))
                    .load(conn)?;
                records.received.extend(
                    days.into_iter()
                        .map(|(id, at)| (id, today_in_sweden(at.and_utc()))),
                );
            }
        }
        if !wants(Facet::Applications) {
            records.applications.clear();
        }
        if wants(Facet::Interventions) {
            let mut query = interventions::table
                .filter(interventions::municipality.eq(municipality))
                .select((
                    interventions::applicant_id,
                    interventions::start_date,
                    interventions::kind,
                    interventions::programme_id,
                ))
                .into_boxed();
            if let Some(person) = person {
                query = query.filter(interventions::applicant_id.eq(person));
            }
            records.interventions = query.load(conn)?;
        }
        if wants(Facet::Payments) {
            let mut query = payments::table
                .inner_join(
                    applications::table.on(applications::municipality
                        .eq(payments::municipality)
                        .and(applications::id.eq(payments::application_id))),
                )
                .filter(payments::municipality.eq(municipality))
                .select((
                    applications::applicant_id,
                    payments::paid_on,
                    payments::amount_ore,
                ))
                .into_boxed();
            if let Some(person) = person {
                query = query.filter(applications::applicant_id.eq(person));
            }
            records.payments = query.load(conn)?;
        }
        Ok(records)
    }
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
    let records = Records::load(conn, municipality, Some(person), facets)?;
    let own = records.by_person().remove(person).unwrap_or_default();
    records.facts(gender, &own).map(Some)
}

/// What the computed indicators count of the records of every person in
/// the municipality, person by person: [`facts`] for a build, in a few
/// reads instead of a few per person.
fn facts_of_municipality(
    conn: &mut DbConn,
    municipality: &str,
) -> Result<Vec<(String, Facts)>, AppError> {
    let persons: Vec<(String, String)> = applicants::table
        .filter(applicants::municipality.eq(municipality))
        .select((applicants::id, applicants::sex))
        .load(conn)?;
    let records = Records::load(conn, municipality, None, &BTreeSet::from(Facet::ALL))?;
    let mut by_person = records.by_person();
    persons
        .into_iter()
        .map(|(person, sex)| {
            let gender = Gender::from(stored("applicants.sex", Sex::parse(&sex))?);
            let own = by_person.remove(person.as_str()).unwrap_or_default();
            let facts = records.facts(gender, &own)?;
            Ok((person, facts))
        })
        .collect()
}

fn members(rows: Vec<(String, String, String, Option<NaiveDate>)>) -> HashMap<String, Vec<Member>> {
    let mut by: HashMap<String, Vec<Member>> = HashMap::new();
    for (application, member, role, birth) in rows {
        by.entry(application)
            .or_default()
            .push((member, role, birth));
    }
    by
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

/// The assistance decisions in force among `rows` that grant money, with
/// the members each covers.
fn grants_from(
    rows: &[&GrantRow],
    members: &HashMap<String, Vec<Member>>,
) -> Result<Vec<Grant>, AppError> {
    let replaced: BTreeSet<&str> = rows.iter().filter_map(|d| d.replaces.as_deref()).collect();
    let mut grants = Vec::new();
    for d in rows.iter().filter(|d| !replaced.contains(d.id.as_str())) {
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
        let household: &[Member] = d
            .application_id
            .as_ref()
            .and_then(|a| members.get(a))
            .map_or(&[], Vec::as_slice);
        let first_day = month.first_day();
        let covered = covered
            .into_iter()
            .map(|key| {
                let child = match household.iter().find(|m| m.0 == key) {
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

fn referral_from(
    r: &super::referrals::ReferralRow,
    received: &HashMap<String, NaiveDate>,
) -> Result<contribution::Referral, AppError> {
    let waiting_from = r
        .application_id
        .as_ref()
        .and_then(|id| received.get(id))
        .copied()
        .unwrap_or(r.referred_on);
    let closed = match (r.closed_on, r.outcome.as_deref()) {
        (Some(day), Some(outcome)) => Some((
            day,
            stored("referrals.outcome", CloseOutcome::parse(outcome))?,
        )),
        _ => None,
    };
    Ok(contribution::Referral {
        source: stored("referrals.source", Source::parse(&r.source))?,
        referred_on: r.referred_on,
        waiting_from: waiting_from.min(r.referred_on),
        first_meeting_due: r.first_meeting_due,
        first_meeting_held_on: r.first_meeting_held_on,
        ended_on: r.ended_on,
        closed,
    })
}

/// A kind of record and a calendar year: where a person's part is cut.
type YearOf = (Facet, i32);

/// A stored part: the sex it was stored for and what it adds.
type Slice = (Gender, Contribution);

/// What the person contributes now, as stored, from the records of the
/// kinds in `facets`: each kind and year with the sex it was stored for.
fn stored_slices(
    conn: &mut DbConn,
    municipality: &str,
    person: &str,
    facets: &BTreeSet<Facet>,
) -> Result<BTreeMap<YearOf, Slice>, AppError> {
    let names: Vec<&str> = facets.iter().map(|f| f.as_str()).collect();
    let rows: Vec<PersonYearRow> = indicator_person_years::table
        .filter(indicator_person_years::municipality.eq(municipality))
        .filter(indicator_person_years::person_id.eq(person))
        .filter(indicator_person_years::facet.eq_any(&names))
        .select(PersonYearRow::as_select())
        .load(conn)?;
    rows.into_iter().map(read_row).collect()
}

fn read_row(row: PersonYearRow) -> Result<(YearOf, Slice), AppError> {
    let facet =
        Facet::parse(&row.facet).ok_or_else(|| unreadable("indicator_person_years.facet"))?;
    let gender = stored("indicator_person_years.sex", Gender::parse(&row.sex))?;
    let cells = contribution::read_slice(gender, &row.cells)
        .ok_or_else(|| unreadable("indicator_person_years.cells"))?;
    Ok(((facet, row.year), (gender, cells)))
}

fn person_year(
    municipality: &str,
    person: &str,
    (facet, year): (Facet, i32),
    gender: Gender,
    slice: &Contribution,
) -> Result<PersonYearRow, AppError> {
    let cells = contribution::write_slice(gender, slice).ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!(
            "a contribution of {} in {year} is not one of a person of sex {}",
            facet.as_str(),
            gender.as_str()
        ))
    })?;
    Ok(PersonYearRow {
        municipality: municipality.to_owned(),
        person_id: person.to_owned(),
        facet: facet.as_str().to_owned(),
        year,
        sex: gender.as_str().to_owned(),
        cells,
    })
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
    // `db::writer`), across processes too, so what is read here is the last
    // one stored.
    let (gender, mut after) = match facts(conn, municipality, person, facets)? {
        Some(facts) => (Some(facts.gender), contribution::of(&facts)),
        None => (None, Contribution::new()),
    };
    after.retain(|cell, _| Facet::of(cell.indicator).is_some_and(|f| facets.contains(&f)));
    let before = stored_slices(conn, municipality, person, facets)?;
    let was: Contribution = before
        .values()
        .flat_map(|(_, cells)| cells.iter().map(|(c, n)| (*c, *n)))
        .collect();
    add_cells(conn, municipality, &contribution::delta(&was, &after), now)?;
    // The stored slices that are no longer what the records give.
    let now_slices = contribution::slices(&after);
    let keys: BTreeSet<(Facet, i32)> = before.keys().chain(now_slices.keys()).copied().collect();
    let mut rows = Vec::new();
    for key in keys {
        let (old, new) = (before.get(&key), now_slices.get(&key));
        let same = match (old, new, gender) {
            (Some((g, old)), Some(new), Some(gender)) => *g == gender && old == new,
            _ => false,
        };
        if same {
            continue;
        }
        if old.is_some() {
            diesel::delete(indicator_person_years::table.find((
                municipality,
                person,
                key.0.as_str(),
                key.1,
            )))
            .execute(conn)?;
        }
        if let (Some(new), Some(gender)) = (new, gender) {
            rows.push(person_year(municipality, person, key, gender, new)?);
        }
    }
    insert_person_years(conn, &rows)
}

/// Counts an application just received, without reading the applicant's
/// others: it adds one to the cells of its day and to the person's stored
/// applications of that year, whatever came before (unless its applicant
/// is among `counted`, whose applications were all just worked out again).
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
    let day = today_in_sweden(at.and_utc());
    let key = (Facet::Applications, day.year());
    let row: Option<PersonYearRow> = indicator_person_years::table
        .find((municipality, person.as_str(), key.0.as_str(), key.1))
        .select(PersonYearRow::as_select())
        .first(conn)
        .optional()?;
    let mut slice = match row.map(read_row).transpose()? {
        Some((_, (stored_as, cells))) if stored_as == gender => cells,
        // Stored for another sex (not yet worked out again since the
        // person's sex changed): the whole kind is worked out again, this
        // application with it.
        Some(_) => {
            let facets = BTreeSet::from([Facet::Applications]);
            return refresh(conn, municipality, &person, &facets, now);
        }
        None => Contribution::new(),
    };
    let one = contribution::of(&Facts {
        applications: vec![day],
        ..Facts::none(gender)
    });
    add_cells(conn, municipality, &one, now)?;
    for (cell, n) in &one {
        *slice.entry(*cell).or_default() += n;
    }
    let row = person_year(municipality, &person, key, gender, &slice)?;
    diesel::delete(indicator_person_years::table.find((
        municipality,
        person.as_str(),
        key.0.as_str(),
        key.1,
    )))
    .execute(conn)?;
    diesel::insert_into(indicator_person_years::table)
        .values(&row)
        .execute(conn)?;
    Ok(())
}

/// Adds `delta` to the cells: one statement per thousand cells.
fn add_cells(
    conn: &mut DbConn,
    municipality: &str,
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
            DbConn::Postgresql(c) => add::<diesel::pg::Pg, _>(c, '$', municipality, rows, now)?,
            DbConn::Sqlite(c) => add::<diesel::sqlite::Sqlite, _>(c, '?', municipality, rows, now)?,
        }
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

/// Adds each row's `n` to its cell in one statement (`INSERT ... ON
/// CONFLICT DO UPDATE`, which both backends have but the connection over
/// both cannot build; `mark` is the backend's numbered placeholder).
fn add<DB, C>(
    conn: &mut C,
    mark: char,
    municipality: &str,
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
    let values = placeholders(mark, rows.len(), 7);
    let mut cells = diesel::sql_query(format!(
        "INSERT INTO indicator_cells (indicator, municipality, period, sex, part, value, updated_at) \
         VALUES {values} ON CONFLICT (indicator, municipality, period, sex, part) DO UPDATE \
         SET value = indicator_cells.value + excluded.value, updated_at = excluded.updated_at"
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
    Ok(())
}

/// `($1, $2), ($3, $4)` for two rows of two values (`?1` ... in SQLite).
fn placeholders(mark: char, rows: usize, width: usize) -> String {
    (0..rows)
        .map(|r| {
            let marks: Vec<String> = (1..=width)
                .map(|i| format!("{mark}{}", r * width + i))
                .collect();
            format!("({})", marks.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Stores persons' parts, a thousand rows a statement (the connection over
/// both backends inserts one row at a time).
fn insert_person_years(conn: &mut DbConn, rows: &[PersonYearRow]) -> Result<(), AppError> {
    for rows in rows.chunks(1000) {
        match conn {
            DbConn::Postgresql(c) => put_years::<diesel::pg::Pg, _>(c, '$', rows)?,
            DbConn::Sqlite(c) => put_years::<diesel::sqlite::Sqlite, _>(c, '?', rows)?,
        }
    }
    Ok(())
}

fn put_years<DB, C>(conn: &mut C, mark: char, rows: &[PersonYearRow]) -> QueryResult<()>
where
    DB: diesel::backend::Backend
        + diesel::sql_types::HasSqlType<Text>
        + diesel::sql_types::HasSqlType<diesel::sql_types::Integer>,
    C: Connection<Backend = DB>,
    String: diesel::serialize::ToSql<Text, DB>,
    i32: diesel::serialize::ToSql<diesel::sql_types::Integer, DB>,
    for<'a> diesel::query_builder::BoxedSqlQuery<'a, DB, diesel::query_builder::SqlQuery>:
        diesel::query_dsl::methods::ExecuteDsl<C>,
{
    if rows.is_empty() {
        return Ok(());
    }
    let mut insert = diesel::sql_query(format!(
        "INSERT INTO indicator_person_years (municipality, person_id, facet, year, sex, cells) \
         VALUES {}",
        placeholders(mark, rows.len(), 6)
    ))
    .into_boxed::<DB>();
    for row in rows {
        insert = insert
            .bind::<Text, _>(row.municipality.clone())
            .bind::<Text, _>(row.person_id.clone())
            .bind::<Text, _>(row.facet.clone())
            .bind::<diesel::sql_types::Integer, _>(row.year)
            .bind::<Text, _>(row.sex.clone())
            .bind::<Text, _>(row.cells.clone());
    }
    insert.execute(conn)?;
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

/// A stored cell: what it is, its value and when it last changed.
pub type KeptCell = (Cell, i64, NaiveDateTime);

/// Every stored cell of the indicator in the year, of each of the
/// municipalities, by municipality: one read however many they are.
pub fn cells_of_year(
    conn: &mut DbConn,
    indicator: &str,
    municipalities: &[&str],
    year: i32,
) -> Result<HashMap<String, Vec<KeptCell>>, AppError> {
    let rows: Vec<CellRow> = indicator_cells::table
        .filter(indicator_cells::indicator.eq(indicator))
        .filter(indicator_cells::municipality.eq_any(municipalities))
        .filter(indicator_cells::period.ge(year.to_string()))
        .filter(indicator_cells::period.lt((year + 1).to_string()))
        .select(CellRow::as_select())
        .load(conn)?;
    let mut by: HashMap<String, Vec<KeptCell>> = HashMap::new();
    for r in rows {
        let cell = cell_of(&r.indicator, &r.period, &r.sex, &r.part)?;
        by.entry(r.municipality)
            .or_default()
            .push((cell, r.value, r.updated_at));
    }
    Ok(by)
}

/// The indicator's reports of `kind` in the year, of each of the
/// municipalities, by municipality.
pub fn reports_of_year(
    conn: &mut DbConn,
    indicator: &str,
    municipalities: &[&str],
    kind: &str,
    year: i32,
) -> QueryResult<HashMap<String, Vec<ReportRow>>> {
    let rows: Vec<ReportRow> = indicator_reports::table
        .filter(indicator_reports::indicator.eq(indicator))
        .filter(indicator_reports::municipality.eq_any(municipalities))
        .filter(indicator_reports::kind.eq(kind))
        .filter(indicator_reports::period.ge(year.to_string()))
        .filter(indicator_reports::period.lt((year + 1).to_string()))
        .select(ReportRow::as_select())
        .load(conn)?;
    let mut by: HashMap<String, Vec<ReportRow>> = HashMap::new();
    for r in rows {
        by.entry(r.municipality.clone()).or_default().push(r);
    }
    Ok(by)
}

/// The first month each of the municipalities has computed values for
/// (those with none left out).
pub fn first_months(
    conn: &mut DbConn,
    municipalities: &[&str],
) -> QueryResult<HashMap<String, String>> {
    Ok(indicator_coverage::table
        .filter(indicator_coverage::municipality.eq_any(municipalities))
        .select((
            indicator_coverage::municipality,
            indicator_coverage::first_month,
        ))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
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
        let stored: Contribution = stored_slices(conn, municipality, person, &all)?
            .into_values()
            .flat_map(|(_, cells)| cells)
            .collect();
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
    let cells = cells(conn)?;
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

/// Every stored cell, by municipality.
pub fn cells(conn: &mut DbConn) -> Result<BTreeMap<(String, Cell), i64>, AppError> {
    let rows: Vec<CellRow> = indicator_cells::table
        .select(CellRow::as_select())
        .load(conn)?;
    rows.into_iter()
        .map(|r| {
            let cell = cell_of(&r.indicator, &r.period, &r.sex, &r.part)?;
            Ok(((r.municipality, cell), r.value))
        })
        .collect()
}

/// What a build worked out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Built {
    pub persons: i64,
    /// The persons' stored parts (one per kind of record and year).
    pub person_years: i64,
    /// The cells added to (none when only the persons' parts were built).
    pub cells: i64,
}

/// What [`build`] works out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Build {
    /// The cells and every person's part: for records stored before the
    /// cells were kept.
    Everything,
    /// Every person's part alone, the cells kept as they are: after the
    /// parts' stored form changed.
    PersonsParts,
}

/// Works out every person's part from their records, municipality by
/// municipality, a few reads each, and stores it (and, for
/// [`Build::Everything`], adds it to the cells). Expects no stored parts.
pub fn build(conn: &mut DbConn, what: Build, now: NaiveDateTime) -> Result<Built, AppError> {
    let municipalities: Vec<String> = applicants::table
        .select(applicants::municipality)
        .distinct()
        .load(conn)?;
    let mut built = Built {
        persons: 0,
        person_years: 0,
        cells: 0,
    };
    for municipality in &municipalities {
        let mut cells = Contribution::new();
        let mut rows = Vec::new();
        for (person, facts) in facts_of_municipality(conn, municipality)? {
            let part = contribution::of(&facts);
            for (key, slice) in contribution::slices(&part) {
                rows.push(person_year(
                    municipality,
                    &person,
                    key,
                    facts.gender,
                    &slice,
                )?);
            }
            if what == Build::Everything {
                for (cell, n) in part {
                    *cells.entry(cell).or_default() += n;
                }
            }
            built.persons += 1;
        }
        insert_person_years(conn, &rows)?;
        built.person_years += rows.len() as i64;
        cells.retain(|_, n| *n != 0);
        built.cells += cells.len() as i64;
        add_cells(conn, municipality, &cells, now)?;
    }
    Ok(built)
}

/// Builds what was never built, on start: the cells and every person's
/// part for records stored before the cells were kept (build 1), or the
/// persons' parts alone after their stored form changed (build 2). `None`
/// when there was nothing to build.
pub fn build_if_never_built(
    conn: &mut DbConn,
    now: NaiveDateTime,
) -> Result<Option<Built>, AppError> {
    // The writer's lock, so that a second process starting at the same time
    // waits and then finds the build done.
    diesel::sql_query("UPDATE event_head SET seq = seq WHERE id = 1").execute(conn)?;
    let done: Vec<i32> = indicator_builds::table
        .select(indicator_builds::id)
        .load(conn)?;
    let what = if !done.contains(&1) {
        Build::Everything
    } else if !done.contains(&2) {
        Build::PersonsParts
    } else {
        return Ok(None);
    };
    let built = build(conn, what, now)?;
    for id in [1, 2].into_iter().filter(|id| !done.contains(id)) {
        diesel::insert_into(indicator_builds::table)
            .values((
                indicator_builds::id.eq(id),
                indicator_builds::built_at.eq(now),
                indicator_builds::persons.eq(built.persons),
            ))
            .execute(conn)?;
    }
    Ok(Some(built))
}
