//! Rows of cooperation agreements and the meetings held under them.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConn;
use super::schema::{agreements, cooperation_meetings, meeting_persons};

#[derive(Debug, Clone, Queryable, Insertable, Selectable)]
#[diesel(table_name = agreements)]
pub struct AgreementRow {
    pub municipality: String,
    pub id: String,
    pub title: String,
    /// A JSON array of `{unit, name}`.
    pub parties: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub signed_on: NaiveDate,
    /// A JSON array of what may be exchanged.
    pub exchange: String,
    pub created_by: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Insertable, Selectable)]
#[diesel(table_name = cooperation_meetings)]
pub struct MeetingRow {
    pub municipality: String,
    pub id: String,
    pub agreement_id: String,
    pub kind: String,
    pub held_on: NaiveDate,
    /// Party codes, comma-separated.
    pub units_present: String,
    /// A JSON array of the agreed actions.
    pub actions: String,
    pub recorded_by: String,
    pub recorded_role: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Insertable, Selectable)]
#[diesel(table_name = meeting_persons)]
pub struct MeetingPersonRow {
    pub municipality: String,
    pub meeting_id: String,
    pub applicant_id: String,
}

pub fn insert(conn: &mut DbConn, row: &AgreementRow) -> QueryResult<()> {
    diesel::insert_into(agreements::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut DbConn, municipality: &str, id: &str) -> QueryResult<Option<AgreementRow>> {
    agreements::table
        .find((municipality, id))
        .select(AgreementRow::as_select())
        .first(conn)
        .optional()
}

/// One page of a municipality's agreements in id order.
pub fn page(
    conn: &mut DbConn,
    municipality: &str,
    after_id: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<AgreementRow>> {
    let mut query = agreements::table
        .filter(agreements::municipality.eq(municipality))
        .select(AgreementRow::as_select())
        .order(agreements::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after_id {
        query = query.filter(agreements::id.gt(after.to_owned()));
    }
    query.load(conn)
}

/// Records a meeting with the persons discussed.
pub fn insert_meeting(conn: &mut DbConn, row: &MeetingRow, persons: &[String]) -> QueryResult<()> {
    diesel::insert_into(cooperation_meetings::table)
        .values(row)
        .execute(conn)?;
    // One row at a time: the multi-backend connection has no batch insert.
    for person in persons {
        diesel::insert_into(meeting_persons::table)
            .values(MeetingPersonRow {
                municipality: row.municipality.clone(),
                meeting_id: row.id.clone(),
                applicant_id: person.clone(),
            })
            .execute(conn)?;
    }
    Ok(())
}

/// One page of an agreement's meetings in id order, each with the persons
/// discussed.
pub fn meetings(
    conn: &mut DbConn,
    municipality: &str,
    agreement_id: &str,
    after_id: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<(MeetingRow, Vec<String>)>> {
    let mut query = cooperation_meetings::table
        .filter(cooperation_meetings::municipality.eq(municipality))
        .filter(cooperation_meetings::agreement_id.eq(agreement_id))
        .select(MeetingRow::as_select())
        .order(cooperation_meetings::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after_id {
        query = query.filter(cooperation_meetings::id.gt(after.to_owned()));
    }
    let rows = query.load(conn)?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let persons: Vec<MeetingPersonRow> = meeting_persons::table
        .filter(meeting_persons::municipality.eq(municipality))
        .filter(meeting_persons::meeting_id.eq_any(&ids))
        .order((
            meeting_persons::meeting_id.asc(),
            meeting_persons::applicant_id.asc(),
        ))
        .select(MeetingPersonRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let of_row = persons
                .iter()
                .filter(|p| p.meeting_id == row.id)
                .map(|p| p.applicant_id.clone())
                .collect();
            (row, of_row)
        })
        .collect())
}
