//! Rows of the audit log and its chain head.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{audit_head, audit_log};

#[derive(Debug, Clone, Queryable, Insertable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub seq: i64,
    pub occurred_at: NaiveDateTime,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub resource_type: String,
    pub resource_id: Option<String>,
    pub municipality: Option<String>,
    pub person_id: Option<String>,
    pub request_id: String,
    pub outcome: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Reserves `n` sequence numbers, locking the head row until the
/// transaction ends. Returns the last reserved number and the hash that
/// precedes the first.
pub fn reserve(conn: &mut DbConn, n: i64) -> QueryResult<(i64, String)> {
    diesel::update(audit_head::table.find(1))
        .set(audit_head::seq.eq(audit_head::seq + n))
        .returning((audit_head::seq, audit_head::hash))
        .get_result(conn)
}

/// Moves the head's hash to the last appended record.
pub fn set_head_hash(conn: &mut DbConn, hash: &str) -> QueryResult<()> {
    diesel::update(audit_head::table.find(1))
        .set(audit_head::hash.eq(hash))
        .execute(conn)
        .map(drop)
}

pub fn insert(conn: &mut DbConn, row: &AuditRow) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// The head: the last sequence number and its hash.
pub fn head(conn: &mut DbConn) -> QueryResult<(i64, String)> {
    audit_head::table
        .find(1)
        .select((audit_head::seq, audit_head::hash))
        .first(conn)
}

/// Records after `after_seq`, in sequence order.
pub fn page(conn: &mut DbConn, after_seq: i64, limit: i64) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .filter(audit_log::seq.gt(after_seq))
        .order(audit_log::seq.asc())
        .limit(limit)
        .select(AuditRow::as_select())
        .load(conn)
}

/// Every record about a person, in order.
pub fn of_person(
    conn: &mut DbConn,
    municipality: &str,
    person_id: &str,
) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .filter(audit_log::municipality.eq(municipality))
        .filter(audit_log::person_id.eq(person_id))
        .order(audit_log::seq.asc())
        .select(AuditRow::as_select())
        .load(conn)
}
