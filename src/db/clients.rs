//! Registered API clients of the client-credentials grant.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::api_clients;

#[derive(Debug, Clone, Queryable, Insertable, Selectable)]
#[diesel(table_name = api_clients)]
pub struct ClientRow {
    pub client_id: String,
    pub name: String,
    pub secret_hash: String,
    pub role: String,
    pub unit: String,
    /// Comma-separated municipality codes.
    pub municipalities: String,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, row: &ClientRow) -> QueryResult<()> {
    diesel::insert_into(api_clients::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut DbConn, client_id: &str) -> QueryResult<Option<ClientRow>> {
    api_clients::table
        .find(client_id)
        .select(ClientRow::as_select())
        .first(conn)
        .optional()
}

pub fn list(conn: &mut DbConn) -> QueryResult<Vec<ClientRow>> {
    api_clients::table
        .order(api_clients::created_at.asc())
        .select(ClientRow::as_select())
        .load(conn)
}

/// Whether the client exists and is not revoked.
pub fn is_active(conn: &mut DbConn, client_id: &str) -> Result<bool, crate::error::AppError> {
    let revoked: Option<Option<NaiveDateTime>> = api_clients::table
        .find(client_id)
        .select(api_clients::revoked_at)
        .first(conn)
        .optional()?;
    Ok(matches!(revoked, Some(None)))
}

/// Marks the client revoked. Returns whether an active client was found.
pub fn revoke(conn: &mut DbConn, client_id: &str, at: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        api_clients::table
            .find(client_id)
            .filter(api_clients::revoked_at.is_null()),
    )
    .set(api_clients::revoked_at.eq(Some(at)))
    .execute(conn)?;
    Ok(n == 1)
}
