//! Stored first responses of idempotent requests.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::idempotency_keys;

#[derive(Debug, Clone, Queryable, Insertable, Selectable)]
#[diesel(table_name = idempotency_keys)]
pub struct IdempotencyRow {
    pub client: String,
    pub idempotency_key: String,
    pub request_hash: String,
    pub status_code: i32,
    pub location: Option<String>,
    pub response_body: String,
    pub created_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConn, client: &str, key: &str) -> QueryResult<Option<IdempotencyRow>> {
    idempotency_keys::table
        .find((client, key))
        .select(IdempotencyRow::as_select())
        .first(conn)
        .optional()
}

/// Stores a key with its response; a unique violation when the key exists.
pub fn insert(conn: &mut DbConn, row: &IdempotencyRow) -> QueryResult<()> {
    diesel::insert_into(idempotency_keys::table)
        .values(row)
        .execute(conn)
        .map(drop)
}
