//! Rows of the national norm tables: a year's revisions, never changed.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::norm_tables;

#[derive(Debug, Clone, Queryable, Insertable, Selectable)]
#[diesel(table_name = norm_tables)]
pub struct NormRow {
    pub year: i32,
    pub revision: i32,
    pub source: String,
    /// `{"personal_costs": [{band, amount}], "household_costs": [{persons, amount}]}`.
    pub body: String,
    pub loaded_by: String,
    pub loaded_at: NaiveDateTime,
}

/// Adds a revision; a concurrent load of the same year breaks the key.
pub fn insert(conn: &mut DbConn, row: &NormRow) -> QueryResult<()> {
    diesel::insert_into(norm_tables::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// The year's latest revision, or the one asked for.
pub fn find(conn: &mut DbConn, year: i32, revision: Option<i32>) -> QueryResult<Option<NormRow>> {
    let mut query = norm_tables::table
        .filter(norm_tables::year.eq(year))
        .select(NormRow::as_select())
        .order(norm_tables::revision.desc())
        .into_boxed();
    if let Some(revision) = revision {
        query = query.filter(norm_tables::revision.eq(revision));
    }
    query.first(conn).optional()
}

/// Every revision of every year, newest year first.
pub fn all(conn: &mut DbConn) -> QueryResult<Vec<NormRow>> {
    norm_tables::table
        .select(NormRow::as_select())
        .order((norm_tables::year.desc(), norm_tables::revision.desc()))
        .load(conn)
}
