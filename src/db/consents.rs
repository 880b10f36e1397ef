//! Rows of consents.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::consents;

#[derive(Debug, Clone, Queryable, Insertable, Selectable, AsChangeset)]
#[diesel(table_name = consents, treat_none_as_null = true)]
pub struct ConsentRow {
    pub municipality: String,
    pub id: String,
    pub applicant_id: String,
    pub recipient: String,
    pub purpose: String,
    pub given_at: NaiveDateTime,
    pub channel: String,
    pub recorded_by: String,
    pub recorded_role: String,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoked_by: Option<String>,
    pub version: i64,
}

pub fn insert(conn: &mut DbConn, row: &ConsentRow) -> QueryResult<()> {
    diesel::insert_into(consents::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut DbConn, municipality: &str, id: &str) -> QueryResult<Option<ConsentRow>> {
    consents::table
        .find((municipality, id))
        .select(ConsentRow::as_select())
        .first(conn)
        .optional()
}

/// Every consent of a person, oldest first, revoked ones included.
pub fn of_applicant(
    conn: &mut DbConn,
    municipality: &str,
    applicant_id: &str,
) -> QueryResult<Vec<ConsentRow>> {
    consents::table
        .filter(consents::municipality.eq(municipality))
        .filter(consents::applicant_id.eq(applicant_id))
        .order((consents::created_at.asc(), consents::id.asc()))
        .select(ConsentRow::as_select())
        .load(conn)
}

/// Whether the person has an unrevoked consent to `recipient`.
pub fn active_to(
    conn: &mut DbConn,
    municipality: &str,
    applicant_id: &str,
    recipient: &str,
) -> QueryResult<bool> {
    let n: i64 = consents::table
        .filter(consents::municipality.eq(municipality))
        .filter(consents::applicant_id.eq(applicant_id))
        .filter(consents::recipient.eq(recipient))
        .filter(consents::revoked_at.is_null())
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Revokes a consent still active at `version`; returns whether it was.
pub fn revoke(conn: &mut DbConn, row: &ConsentRow, expected_version: i64) -> QueryResult<bool> {
    let n = diesel::update(
        consents::table
            .find((row.municipality.as_str(), row.id.as_str()))
            .filter(consents::version.eq(expected_version))
            .filter(consents::revoked_at.is_null()),
    )
    .set(row)
    .execute(conn)?;
    Ok(n == 1)
}

/// Every consent, revoked ones included, of these persons.
pub fn of_persons(conn: &mut DbConn, persons: &[String]) -> QueryResult<Vec<ConsentRow>> {
    consents::table
        .filter(consents::applicant_id.eq_any(persons.to_vec()))
        .select(ConsentRow::as_select())
        .load(conn)
}
