//! Rows of Viadidakt's programmes, the interventions of referrals and the
//! three-party plans.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConn;
use super::schema::{interventions, plans, programmes};

#[derive(Debug, Clone, Queryable, Insertable, Selectable, AsChangeset)]
#[diesel(table_name = programmes, treat_none_as_null = true)]
pub struct ProgrammeRow {
    pub municipality: String,
    pub id: String,
    pub name: String,
    pub kind: String,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub places: Option<i32>,
    pub weekly_intake: Option<i32>,
    /// Places taken; never above `places`.
    pub booked: i32,
    pub created_by: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Insertable, Selectable, AsChangeset)]
#[diesel(table_name = interventions, treat_none_as_null = true)]
pub struct InterventionRow {
    pub municipality: String,
    pub id: String,
    pub referral_id: String,
    pub applicant_id: String,
    pub kind: String,
    pub subtype: Option<String>,
    pub placement: String,
    pub extent_percent: i32,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub monthly_cost_ore: Option<i64>,
    pub monthly_subsidy_ore: Option<i64>,
    pub af_assessed_on: Option<NaiveDate>,
    pub af_qualifies: Option<bool>,
    pub programme_id: Option<String>,
    pub created_by: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Insertable, Selectable)]
#[diesel(table_name = plans)]
pub struct PlanRow {
    pub municipality: String,
    pub referral_id: String,
    pub revision: i32,
    pub agreed_on: NaiveDate,
    /// Participant codes, comma-separated.
    pub participants: String,
    /// The goals, a JSON array of strings.
    pub goals: String,
    pub next_follow_up: NaiveDate,
    pub af_plan_from: Option<NaiveDate>,
    pub af_plan_to: Option<NaiveDate>,
    pub recorded_by: String,
    pub recorded_role: String,
    pub recorded_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &ProgrammeRow) -> QueryResult<()> {
    diesel::insert_into(programmes::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut DbConn, municipality: &str, id: &str) -> QueryResult<Option<ProgrammeRow>> {
    programmes::table
        .find((municipality, id))
        .select(ProgrammeRow::as_select())
        .first(conn)
        .optional()
}

/// Writes a changed programme if its version is still `expected_version`
/// and its places are not fewer than those taken (its `booked` count is
/// left as the database has it).
pub fn update(conn: &mut DbConn, row: &ProgrammeRow, expected_version: i64) -> QueryResult<bool> {
    let places = row.places.unwrap_or(i32::MAX);
    let n = diesel::update(
        programmes::table
            .find((row.municipality.as_str(), row.id.as_str()))
            .filter(programmes::version.eq(expected_version))
            .filter(programmes::booked.le(places)),
    )
    .set((
        programmes::name.eq(&row.name),
        programmes::end_date.eq(row.end_date),
        programmes::places.eq(row.places),
        programmes::weekly_intake.eq(row.weekly_intake),
        programmes::version.eq(row.version),
        programmes::updated_at.eq(row.updated_at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Takes one place on a programme, in one guarded statement: false when
/// every place is taken (also when requests race for the last one; the
/// database's row lock orders them). The programme moves to its next
/// version: its places taken changed.
pub fn take_place(
    conn: &mut DbConn,
    municipality: &str,
    id: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        programmes::table.find((municipality, id)).filter(
            programmes::places
                .is_null()
                .or(programmes::places.gt(programmes::booked.nullable())),
        ),
    )
    .set((
        programmes::booked.eq(programmes::booked + 1),
        programmes::version.eq(programmes::version + 1),
        programmes::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// One page of a municipality's programmes in id order.
pub fn page(
    conn: &mut DbConn,
    municipality: &str,
    after_id: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<ProgrammeRow>> {
    let mut query = programmes::table
        .filter(programmes::municipality.eq(municipality))
        .select(ProgrammeRow::as_select())
        .order(programmes::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after_id {
        query = query.filter(programmes::id.gt(after.to_owned()));
    }
    query.load(conn)
}

/// The interventions placing persons on a programme that a coach sees: of
/// a referral that gives sight itself (not declined or withdrawn, not
/// closed on or before `closed_after`) and of a person with an active
/// consent to Viadidakt, as `policy::referral_view` decides one by one;
/// in id order.
pub fn participants(
    conn: &mut DbConn,
    municipality: &str,
    programme_id: &str,
    closed_after: NaiveDate,
) -> QueryResult<Vec<InterventionRow>> {
    use super::schema::{consents, referrals};
    interventions::table
        .filter(interventions::municipality.eq(municipality))
        .filter(interventions::programme_id.eq(programme_id))
        .filter(diesel::dsl::exists(
            referrals::table
                .filter(referrals::municipality.eq(interventions::municipality))
                .filter(referrals::id.eq(interventions::referral_id))
                .filter(referrals::status.ne_all(["declined", "withdrawn"]))
                .filter(
                    referrals::status
                        .ne("closed")
                        .or(referrals::closed_on.gt(closed_after)),
                ),
        ))
        .filter(diesel::dsl::exists(
            consents::table
                .filter(consents::municipality.eq(interventions::municipality))
                .filter(consents::applicant_id.eq(interventions::applicant_id))
                .filter(consents::recipient.eq("viadidakt"))
                .filter(consents::revoked_at.is_null()),
        ))
        .order(interventions::id.asc())
        .select(InterventionRow::as_select())
        .load(conn)
}

pub fn insert_intervention(conn: &mut DbConn, row: &InterventionRow) -> QueryResult<()> {
    diesel::insert_into(interventions::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn find_intervention(
    conn: &mut DbConn,
    municipality: &str,
    referral_id: &str,
    id: &str,
) -> QueryResult<Option<InterventionRow>> {
    interventions::table
        .find((municipality, id))
        .filter(interventions::referral_id.eq(referral_id))
        .select(InterventionRow::as_select())
        .first(conn)
        .optional()
}

/// Writes a changed intervention if its version is still `expected_version`.
pub fn update_intervention(
    conn: &mut DbConn,
    row: &InterventionRow,
    expected_version: i64,
) -> QueryResult<bool> {
    let n = diesel::update(
        interventions::table
            .find((row.municipality.as_str(), row.id.as_str()))
            .filter(interventions::version.eq(expected_version)),
    )
    .set(row)
    .execute(conn)?;
    Ok(n == 1)
}

/// The interventions of a referral, oldest first.
pub fn interventions_of(
    conn: &mut DbConn,
    municipality: &str,
    referral_id: &str,
) -> QueryResult<Vec<InterventionRow>> {
    interventions::table
        .filter(interventions::municipality.eq(municipality))
        .filter(interventions::referral_id.eq(referral_id))
        .order(interventions::id.asc())
        .select(InterventionRow::as_select())
        .load(conn)
}

pub fn insert_plan(conn: &mut DbConn, row: &PlanRow) -> QueryResult<()> {
    diesel::insert_into(plans::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// The latest revision of a referral's plan agreed on or before `day`.
pub fn plan_on(
    conn: &mut DbConn,
    municipality: &str,
    referral_id: &str,
    day: NaiveDate,
) -> QueryResult<Option<PlanRow>> {
    plans::table
        .filter(plans::municipality.eq(municipality))
        .filter(plans::referral_id.eq(referral_id))
        .filter(plans::agreed_on.le(day))
        .order(plans::revision.desc())
        .select(PlanRow::as_select())
        .first(conn)
        .optional()
}

/// The latest revision of a referral's plan.
pub fn current_plan(
    conn: &mut DbConn,
    municipality: &str,
    referral_id: &str,
) -> QueryResult<Option<PlanRow>> {
    plans::table
        .filter(plans::municipality.eq(municipality))
        .filter(plans::referral_id.eq(referral_id))
        .order(plans::revision.desc())
        .select(PlanRow::as_select())
        .first(conn)
        .optional()
}
