//! Rows of the persons an application's household holds.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::DbConn;
use super::schema::household_members;

#[derive(Debug, Clone, Queryable, Insertable, Selectable)]
#[diesel(table_name = household_members)]
pub struct MemberRow {
    pub municipality: String,
    pub application_id: String,
    /// `applicant`, `partner`, `adult_N`, `child_N`.
    pub member: String,
    /// Order within the household: adults first, then children.
    pub position: i32,
    pub role: String,
    /// Adults: the registered person.
    pub applicant_id: Option<String>,
    /// Children.
    pub birth_date: Option<NaiveDate>,
    /// A child's personal number, when given (12 digits).
    pub personal_number: Option<String>,
    /// Children: days a month in the home, 1–30.
    pub days_in_home: Option<i32>,
    pub school_status: Option<String>,
    /// Children under 7: whether they eat lunch at preschool on weekdays.
    pub preschool_lunch: Option<bool>,
}

pub fn insert(conn: &mut DbConn, rows: &[MemberRow]) -> QueryResult<()> {
    for row in rows {
        diesel::insert_into(household_members::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// The household of an application, in its order.
pub fn members_of(
    conn: &mut DbConn,
    municipality: &str,
    application_id: &str,
) -> QueryResult<Vec<MemberRow>> {
    household_members::table
        .filter(household_members::municipality.eq(municipality))
        .filter(household_members::application_id.eq(application_id))
        .order(household_members::position.asc())
        .select(MemberRow::as_select())
        .load(conn)
}
