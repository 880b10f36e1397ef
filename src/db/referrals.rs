//! Rows of referrals to Viadidakt, their first meetings, what AF reports
//! about persons, and the dated areas Viadidakt serves.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConn;
use super::schema::{employment_service_statuses, first_meetings, referrals, service_areas};
use crate::domain::access::ReferralScope;
use crate::domain::referral::{ReferralStatus, Source, serves_on};

#[derive(Debug, Clone, Queryable, Insertable, Selectable, AsChangeset)]
#[diesel(table_name = referrals, treat_none_as_null = true)]
pub struct ReferralRow {
    pub municipality: String,
    pub id: String,
    pub applicant_id: String,
    pub application_id: Option<String>,
    pub source: String,
    pub af_consulted: bool,
    pub note: Option<String>,
    pub status: String,
    pub referred_on: NaiveDate,
    pub first_meeting_due: Option<NaiveDate>,
    pub assigned_to: Option<String>,
    pub decline_reason: Option<String>,
    pub first_meeting_at: Option<NaiveDateTime>,
    pub first_meeting_held_on: Option<NaiveDate>,
    pub outcome: Option<String>,
    pub closed_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    pub sent_by: String,
    pub sent_role: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The plan's next follow-up, once a plan is agreed.
    pub next_follow_up: Option<NaiveDate>,
}

#[derive(Debug, Clone, Queryable, Insertable, Selectable)]
#[diesel(table_name = first_meetings)]
pub struct FirstMeetingRow {
    pub municipality: String,
    pub referral_id: String,
    pub held_at: NaiveDateTime,
    pub education_level: String,
    pub work_experience: String,
    pub health_limits: Option<String>,
    /// ISO 639 codes, comma-separated.
    pub languages: String,
    pub driving_licence: bool,
    pub af_answer: String,
    pub af_registration_guidance: Option<bool>,
    pub recorded_by: String,
}

#[derive(Debug, Clone, Queryable, Insertable, Selectable)]
#[diesel(table_name = employment_service_statuses)]
pub struct AfStatusRow {
    pub municipality: String,
    pub id: String,
    pub applicant_id: String,
    pub registered: bool,
    pub plan_from: Option<NaiveDate>,
    pub plan_to: Option<NaiveDate>,
    pub programme: Option<String>,
    pub recorded_by: String,
    pub recorded_role: String,
    pub recorded_at: NaiveDateTime,
}

/// The filter of persons a coach sees (BR-6b): an active consent to
/// Viadidakt and a referral that is open or was closed after `$closed_after`,
/// for the person in the columns `$municipality` and `$person`. A macro, so
/// that each list query states it in its own SQL.
#[macro_export]
macro_rules! coach_sight {
    ($municipality:expr, $person:expr, $closed_after:expr) => {{
        use $crate::db::schema::{consents as c, referrals as r};
        diesel::dsl::exists(
            c::table
                .filter(c::municipality.eq($municipality))
                .filter(c::applicant_id.eq($person))
                .filter(c::recipient.eq("viadidakt"))
                .filter(c::revoked_at.is_null()),
        )
        .and(diesel::dsl::exists(
            r::table
                .filter(r::municipality.eq($municipality))
                .filter(r::applicant_id.eq($person))
                .filter(r::status.ne_all(["declined", "withdrawn"]))
                .filter(r::status.ne("closed").or(r::closed_on.gt($closed_after))),
        ))
    }};
}

pub fn insert(conn: &mut DbConn, row: &ReferralRow) -> QueryResult<()> {
    diesel::insert_into(referrals::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut DbConn, municipality: &str, id: &str) -> QueryResult<Option<ReferralRow>> {
    referrals::table
        .find((municipality, id))
        .select(ReferralRow::as_select())
        .first(conn)
        .optional()
}

/// Writes a changed row if its version is still `expected_version`.
pub fn update(conn: &mut DbConn, row: &ReferralRow, expected_version: i64) -> QueryResult<bool> {
    let n = diesel::update(
        referrals::table
            .find((row.municipality.as_str(), row.id.as_str()))
            .filter(referrals::version.eq(expected_version)),
    )
    .set(row)
    .execute(conn)?;
    Ok(n == 1)
}

/// The referrals of a person that give a coach sight of them on the day
/// whose bound is `closed_after` (see [`coach_sight!`]).
pub fn gives_coach_sight(
    conn: &mut DbConn,
    municipality: &str,
    applicant_id: &str,
    closed_after: NaiveDate,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        referrals::table
            .filter(referrals::municipality.eq(municipality))
            .filter(referrals::applicant_id.eq(applicant_id))
            .filter(referrals::status.ne_all(["declined", "withdrawn"]))
            .filter(
                referrals::status
                    .ne("closed")
                    .or(referrals::closed_on.gt(closed_after)),
            ),
    ))
    .get_result(conn)
}

/// Filters of the referral list.
#[derive(Debug, Clone)]
pub struct ListFilter {
    pub scope: ReferralScope,
    pub status: Option<String>,
    pub source: Option<Source>,
    pub assigned_to: Option<String>,
    pub applicant_id: Option<String>,
    /// Only those whose first meeting is overdue on this day (BR-5).
    pub overdue_on: Option<NaiveDate>,
    /// Only those whose plan's follow-up is overdue on this day.
    pub follow_up_overdue_on: Option<NaiveDate>,
}

/// One page in id (creation) order.
pub fn page(
    conn: &mut DbConn,
    municipality: &str,
    filter: &ListFilter,
    after_id: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<ReferralRow>> {
    let mut query = referrals::table
        .filter(referrals::municipality.eq(municipality))
        .select(ReferralRow::as_select())
        .order(referrals::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after_id {
        query = query.filter(referrals::id.gt(after.to_owned()));
    }
    match filter.scope {
        ReferralScope::Nobody => return Ok(Vec::new()),
        ReferralScope::SentBy(source, consent) => {
            query = query.filter(referrals::source.eq(source.as_str()));
            if let Some(recipient) = consent {
                use super::schema::consents;
                query = query.filter(diesel::dsl::exists(
                    consents::table
                        .filter(consents::municipality.eq(referrals::municipality))
                        .filter(consents::applicant_id.eq(referrals::applicant_id))
                        .filter(consents::recipient.eq(recipient.as_str()))
                        .filter(consents::revoked_at.is_null()),
                ));
            }
        }
        ReferralScope::Viadidakt { closed_after } => {
            use super::schema::consents;
            query = query
                .filter(diesel::dsl::exists(
                    consents::table
                        .filter(consents::municipality.eq(referrals::municipality))
                        .filter(consents::applicant_id.eq(referrals::applicant_id))
                        .filter(consents::recipient.eq("viadidakt"))
                        .filter(consents::revoked_at.is_null()),
                ))
                .filter(referrals::status.ne_all(["declined", "withdrawn"]))
                .filter(
                    referrals::status
                        .ne("closed")
                        .or(referrals::closed_on.gt(closed_after)),
                );
        }
    }
    if let Some(status) = &filter.status {
        query = query.filter(referrals::status.eq(status.clone()));
    }
    if let Some(source) = filter.source {
        query = query.filter(referrals::source.eq(source.as_str()));
    }
    if let Some(assigned) = &filter.assigned_to {
        query = query.filter(referrals::assigned_to.eq(assigned.clone()));
    }
    if let Some(person) = &filter.applicant_id {
        query = query.filter(referrals::applicant_id.eq(person.clone()));
    }
    if let Some(day) = filter.overdue_on {
        // The same rule as `MeetingClock::days_late`, in SQL.
        query = query
            .filter(referrals::first_meeting_due.lt(day))
            .filter(referrals::referred_on.le(day))
            .filter(
                referrals::first_meeting_held_on
                    .is_null()
                    .or(referrals::first_meeting_held_on.gt(day)),
            )
            .filter(
                referrals::ended_on
                    .is_null()
                    .or(referrals::ended_on.gt(day)),
            );
    }
    if let Some(day) = filter.follow_up_overdue_on {
        // A plan agreed by then whose follow-up day had passed, on a
        // referral not ended by then; the caller keeps those whose plan in
        // force on the day is such a plan (`follow_up_days_late`).
        use super::schema::plans;
        query = query
            .filter(diesel::dsl::exists(
                plans::table
                    .filter(plans::municipality.eq(referrals::municipality))
                    .filter(plans::referral_id.eq(referrals::id))
                    .filter(plans::agreed_on.le(day))
                    .filter(plans::next_follow_up.lt(day)),
            ))
            .filter(
                referrals::ended_on
                    .is_null()
                    .or(referrals::ended_on.gt(day)),
            );
    }
    query.load(conn)
}

/// The referrals linked to an application whose first meeting's due date
/// follows its decision: first meeting not held, not ended.
pub fn before_first_meeting(
    conn: &mut DbConn,
    municipality: &str,
    application_id: &str,
) -> QueryResult<Vec<ReferralRow>> {
    referrals::table
        .filter(referrals::municipality.eq(municipality))
        .filter(referrals::application_id.eq(application_id))
        .filter(referrals::first_meeting_held_on.is_null())
        .filter(referrals::ended_on.is_null())
        .select(ReferralRow::as_select())
        .load(conn)
}

pub fn insert_first_meeting(conn: &mut DbConn, row: &FirstMeetingRow) -> QueryResult<()> {
    diesel::insert_into(first_meetings::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn first_meeting(
    conn: &mut DbConn,
    municipality: &str,
    referral_id: &str,
) -> QueryResult<Option<FirstMeetingRow>> {
    first_meetings::table
        .find((municipality, referral_id))
        .select(FirstMeetingRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_af_status(conn: &mut DbConn, row: &AfStatusRow) -> QueryResult<()> {
    diesel::insert_into(employment_service_statuses::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// The latest report of AF about the person, if any.
pub fn current_af_status(
    conn: &mut DbConn,
    municipality: &str,
    applicant_id: &str,
) -> QueryResult<Option<AfStatusRow>> {
    employment_service_statuses::table
        .filter(employment_service_statuses::municipality.eq(municipality))
        .filter(employment_service_statuses::applicant_id.eq(applicant_id))
        .order((
            employment_service_statuses::recorded_at.desc(),
            employment_service_statuses::id.desc(),
        ))
        .select(AfStatusRow::as_select())
        .first(conn)
        .optional()
}

/// How many reports of AF about the person there are.
pub fn af_status_count(
    conn: &mut DbConn,
    municipality: &str,
    applicant_id: &str,
) -> QueryResult<i64> {
    employment_service_statuses::table
        .filter(employment_service_statuses::municipality.eq(municipality))
        .filter(employment_service_statuses::applicant_id.eq(applicant_id))
        .count()
        .get_result(conn)
}

/// Whether `provider` serves `municipality` on `day` (BR-12).
pub fn serves(
    conn: &mut DbConn,
    provider: &str,
    municipality: &str,
    day: NaiveDate,
) -> QueryResult<bool> {
    let area: Option<(Option<NaiveDate>, Option<NaiveDate>)> = service_areas::table
        .find((provider, municipality))
        .select((service_areas::valid_from, service_areas::valid_to))
        .first(conn)
        .optional()?;
    Ok(area.is_some_and(|(from, to)| serves_on(from, to, day)))
}

impl ReferralRow {
    /// The stored status, read strictly.
    pub fn status(&self) -> Result<ReferralStatus, crate::error::AppError> {
        super::stored("referrals.status", ReferralStatus::parse(&self.status))
    }

    /// The stored source, read strictly.
    pub fn source(&self) -> Result<Source, crate::error::AppError> {
        super::stored("referrals.source", Source::parse(&self.source))
    }
}
