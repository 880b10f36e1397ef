//! Rows of decisions and of the caseworker's assessment of each adult.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConn;
use super::schema::{decision_adults, decisions};

#[derive(Debug, Clone, Queryable, Insertable, Selectable)]
#[diesel(table_name = decisions)]
pub struct DecisionRow {
    pub municipality: String,
    pub id: String,
    /// `assistance`, `recovery` or `write_off`.
    pub kind: String,
    /// The person the decision is about (an assistance decision's applicant).
    pub applicant_id: String,
    /// Assistance decisions: the application decided.
    pub application_id: Option<String>,
    pub outcome: String,
    pub amount_ore: i64,
    pub reasons: Option<String>,
    /// JSON array of legal-basis codes.
    pub legal_basis: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub support_month: Option<String>,
    /// JSON array of member keys (`applicant`, `child_1`, …).
    pub persons_covered: Option<String>,
    /// The human decision-maker's user id (the token's `sub` for staff).
    pub decision_maker_id: Option<String>,
    pub decision_maker_name: Option<String>,
    pub decision_maker_title: Option<String>,
    /// The point of the delegation order the decision-maker acts under.
    pub delegation: Option<String>,
    /// The `sub` of the caller that recorded it (a client id for machines).
    pub decided_by: String,
    pub decided_at: NaiveDateTime,
    /// The decision this one replaces.
    pub replaces: Option<String>,
    pub replacement_ground: Option<String>,
    pub replacement_reason: Option<String>,
    /// The norm table used: year and revision.
    pub norm_year: Option<i32>,
    pub norm_revision: Option<i32>,
    /// What the calculation came to, in öre.
    pub calculated_ore: Option<i64>,
    /// Why the amount differs from the calculation.
    pub deviation_reason: Option<String>,
    /// JSON array of the decisions a recovery claims back under, or the
    /// recovery a write-off concerns.
    pub concerns: Option<String>,
}

#[derive(Debug, Clone, Queryable, Insertable, Selectable)]
#[diesel(table_name = decision_adults)]
pub struct AdultRow {
    pub municipality: String,
    pub decision_id: String,
    pub member: String,
    pub applicant_id: String,
    pub work_capacity_percent: i32,
    /// NULL on decisions recorded before per-adult försörjningshinder.
    pub support_obstacle: Option<String>,
}

pub fn insert(conn: &mut DbConn, row: &DecisionRow, adults: &[AdultRow]) -> QueryResult<()> {
    diesel::insert_into(decisions::table)
        .values(row)
        .execute(conn)?;
    for adult in adults {
        diesel::insert_into(decision_adults::table)
            .values(adult)
            .execute(conn)?;
    }
    Ok(())
}

pub fn find(conn: &mut DbConn, municipality: &str, id: &str) -> QueryResult<Option<DecisionRow>> {
    decisions::table
        .find((municipality, id))
        .select(DecisionRow::as_select())
        .first(conn)
        .optional()
}

/// Every decision on an application, oldest first: the last is in force,
/// each earlier one replaced by the next.
pub fn of_application(
    conn: &mut DbConn,
    municipality: &str,
    application_id: &str,
) -> QueryResult<Vec<DecisionRow>> {
    decisions::table
        .filter(decisions::municipality.eq(municipality))
        .filter(decisions::application_id.eq(application_id))
        .order((decisions::decided_at.asc(), decisions::id.asc()))
        .select(DecisionRow::as_select())
        .load(conn)
}

/// The decision in force on an application: the one no other replaces.
pub fn in_force(
    conn: &mut DbConn,
    municipality: &str,
    application_id: &str,
) -> QueryResult<Option<DecisionRow>> {
    let all = of_application(conn, municipality, application_id)?;
    Ok(all
        .iter()
        .find(|d| {
            !all.iter()
                .any(|r| r.replaces.as_deref() == Some(d.id.as_str()))
        })
        .cloned())
}

/// The decision that replaced this one, if any.
pub fn replaced_by(conn: &mut DbConn, municipality: &str, id: &str) -> QueryResult<Option<String>> {
    decisions::table
        .filter(decisions::municipality.eq(municipality))
        .filter(decisions::replaces.eq(id))
        .select(decisions::id)
        .first(conn)
        .optional()
}

/// The adults a decision assessed, in member order.
pub fn adults_of(
    conn: &mut DbConn,
    municipality: &str,
    decision_id: &str,
) -> QueryResult<Vec<AdultRow>> {
    decision_adults::table
        .filter(decision_adults::municipality.eq(municipality))
        .filter(decision_adults::decision_id.eq(decision_id))
        .order(decision_adults::member.asc())
        .select(AdultRow::as_select())
        .load(conn)
}

/// The person's assessed work capacity on the application's decision in
/// force, when that decision assessed them.
pub fn capacity_on(
    conn: &mut DbConn,
    municipality: &str,
    application_id: &str,
    applicant_id: &str,
) -> QueryResult<Option<i32>> {
    let Some(decision) = in_force(conn, municipality, application_id)? else {
        return Ok(None);
    };
    decision_adults::table
        .filter(decision_adults::municipality.eq(municipality))
        .filter(decision_adults::decision_id.eq(&decision.id))
        .filter(decision_adults::applicant_id.eq(applicant_id))
        .select(decision_adults::work_capacity_percent)
        .first(conn)
        .optional()
}

/// The person's latest assessed work capacity on any decision.
pub fn latest_capacity_of(
    conn: &mut DbConn,
    municipality: &str,
    applicant_id: &str,
) -> QueryResult<Option<i32>> {
    decision_adults::table
        .inner_join(
            decisions::table.on(decisions::municipality
                .eq(decision_adults::municipality)
                .and(decisions::id.eq(decision_adults::decision_id))),
        )
        .filter(decision_adults::municipality.eq(municipality))
        .filter(decision_adults::applicant_id.eq(applicant_id))
        .order((decisions::decided_at.desc(), decisions::id.desc()))
        .select(decision_adults::work_capacity_percent)
        .first(conn)
        .optional()
}

/// Every decision about the person, newest first.
pub fn of_person(
    conn: &mut DbConn,
    municipality: &str,
    applicant_id: &str,
) -> QueryResult<Vec<DecisionRow>> {
    decisions::table
        .filter(decisions::municipality.eq(municipality))
        .filter(decisions::applicant_id.eq(applicant_id))
        .order((decisions::decided_at.desc(), decisions::id.desc()))
        .select(DecisionRow::as_select())
        .load(conn)
}

/// Decisions of `kind` whose stored `concerns` mention the decision `id`
/// (write-offs of a recovery, recoveries under a decision); the caller
/// reads each `concerns` list strictly to keep only those that name it.
pub fn mentioning(
    conn: &mut DbConn,
    municipality: &str,
    kind: &str,
    id: &str,
) -> QueryResult<Vec<DecisionRow>> {
    decisions::table
        .filter(decisions::municipality.eq(municipality))
        .filter(decisions::kind.eq(kind))
        .filter(decisions::concerns.like(format!("%{id}%")))
        .select(DecisionRow::as_select())
        .load(conn)
}

/// Takes the decision's row lock until the transaction ends (on SQLite the
/// single writer already serialises writes).
pub fn lock(conn: &mut DbConn, municipality: &str, id: &str) -> QueryResult<()> {
    diesel::update(decisions::table.find((municipality, id)))
        .set(decisions::id.eq(decisions::id))
        .execute(conn)
        .map(drop)
}
