//! The change feed's rows.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{event_head, events};
use crate::domain::event::EventType;

#[derive(Debug, Clone, Queryable, Insertable, Selectable)]
#[diesel(table_name = events)]
pub struct EventRow {
    pub seq: i64,
    pub municipality: String,
    pub event_type: String,
    pub resource: String,
    pub resource_id: String,
    pub occurred_at: NaiveDateTime,
}

/// An event before it has its place in the feed.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub municipality: String,
    pub event_type: EventType,
    pub resource_id: String,
    pub occurred_at: NaiveDateTime,
}

impl NewEvent {
    pub fn new(municipality: &str, event_type: EventType, id: &str, at: NaiveDateTime) -> Self {
        Self {
            municipality: municipality.to_owned(),
            event_type,
            resource_id: id.to_owned(),
            occurred_at: at,
        }
    }
}

/// Appends events under one lock of the head, which stays locked until the
/// transaction ends, so numbers follow commit order and a reader that
/// resumes after its last number never skips one. The writer calls it once
/// per group commit.
pub fn append(conn: &mut DbConn, new: &[NewEvent]) -> QueryResult<()> {
    if new.is_empty() {
        return Ok(());
    }
    let n = new.len() as i64;
    let last: i64 = diesel::update(event_head::table.find(1))
        .set(event_head::seq.eq(event_head::seq + n))
        .returning(event_head::seq)
        .get_result(conn)?;
    for (i, event) in new.iter().enumerate() {
        diesel::insert_into(events::table)
            .values(&EventRow {
                seq: last - n + 1 + i as i64,
                municipality: event.municipality.clone(),
                event_type: event.event_type.as_str().to_owned(),
                resource: event.event_type.resource().as_str().to_owned(),
                resource_id: event.resource_id.clone(),
                occurred_at: event.occurred_at,
            })
            .execute(conn)?;
    }
    Ok(())
}

/// Events of a municipality after `after_seq`, in order.
pub fn page(
    conn: &mut DbConn,
    municipality: &str,
    after_seq: i64,
    limit: i64,
) -> QueryResult<Vec<EventRow>> {
    events::table
        .filter(events::municipality.eq(municipality))
        .filter(events::seq.gt(after_seq))
        .order(events::seq.asc())
        .limit(limit)
        .select(EventRow::as_select())
        .load(conn)
}
