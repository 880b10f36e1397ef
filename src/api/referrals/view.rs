//! What a caller sees of a referral.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::policy::ReferralView;
use crate::db::referrals::{FirstMeetingRow, ReferralRow};
use crate::db::{stored, stored_uuid};
use crate::domain::referral::{
    AfAnswer, CloseOutcome, EducationLevel, MeetingClock, ReferralStatus, Source,
};
use crate::error::AppError;

/// The coach's mapping at the first meeting (*kartläggning*): the basis of
/// the caseworker's investigation.
#[derive(Debug, Serialize, ToSchema)]
pub struct Mapping {
    pub education_level: EducationLevel,
    /// Work experience, as the person told it.
    pub work_experience: String,
    /// Limits of health, in the person's own words; `null` when none were told.
    pub health_limits: Option<String>,
    /// The languages the person speaks, as ISO 639 codes (`sv`, `ar`, `so`).
    pub languages: Vec<String>,
    pub driving_licence: bool,
    /// What AF answered when the coach asked.
    pub af_answer: AfAnswer,
    /// For a person not registered at AF: whether they were guided to register.
    pub af_registration_guidance: Option<bool>,
}

/// The first meeting with a coach: booked, then held.
#[derive(Debug, Serialize, ToSchema)]
pub struct FirstMeeting {
    /// When it is (or was) booked for.
    pub scheduled_at: Option<DateTime<Utc>>,
    /// When it was held.
    pub held_at: Option<DateTime<Utc>>,
    /// The mapping, once held. Absent in AF's view.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mapping: Option<Mapping>,
}

/// Links to related resources.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralLinks {
    /// This referral.
    #[serde(rename = "self")]
    pub self_link: String,
    /// The person.
    pub applicant: String,
}

/// A referral to Viadidakt (*anvisning*) as the caller may see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Referral {
    pub id: Uuid,
    /// SCB municipality code.
    #[schema(example = "0483")]
    pub municipality: String,
    pub applicant_id: Uuid,
    /// The application it was made from, when there is one.
    pub application_id: Option<Uuid>,
    pub source: Source,
    /// Whether the sender consulted AF before referring (BR-6).
    pub af_consulted: bool,
    /// What the sender wrote to Viadidakt.
    pub note: Option<String>,
    pub status: ReferralStatus,
    /// The day it was sent (in Sweden).
    pub referred_on: NaiveDate,
    /// The last day of the first meeting (BR-5): seven days from the
    /// application once its work capacity is assessed at 25 % or more, or
    /// from the referral when it has no application; `null` when the rule
    /// does not apply (yet).
    pub first_meeting_due: Option<NaiveDate>,
    /// Days the first meeting is overdue on `as_of` (today, or the list's
    /// `as_of`); `null` when it is not overdue.
    pub days_late: Option<i64>,
    /// The day `days_late` is counted on.
    pub as_of: NaiveDate,
    /// The coach assigned on acceptance (their `sub`).
    pub assigned_to: Option<String>,
    /// Why Viadidakt declined it.
    pub decline_reason: Option<String>,
    pub first_meeting: Option<FirstMeeting>,
    /// How it ended (BR-8).
    pub outcome: Option<CloseOutcome>,
    pub closed_on: Option<NaiveDate>,
    /// Increases with every move; the `ETag` is this number in quotes.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub links: ReferralLinks,
}

impl Referral {
    /// The referral as `view` sees it on `as_of`, with its first meeting's
    /// mapping when there is one; a stored value this code cannot read is a
    /// 500 naming the column.
    pub fn new(
        row: ReferralRow,
        meeting: Option<FirstMeetingRow>,
        view: ReferralView,
        as_of: NaiveDate,
    ) -> Result<Self, AppError> {
        let clock = MeetingClock {
            referred_on: row.referred_on,
            due: row.first_meeting_due,
            held_on: row.first_meeting_held_on,
            ended_on: row.ended_on,
        };
        let held_at = meeting.as_ref().map(|m| m.held_at.and_utc());
        let mapping = match meeting.filter(|_| view.shows_mapping()) {
            Some(m) => Some(Mapping::try_from(m)?),
            None => None,
        };
        let first_meeting =
            (row.first_meeting_at.is_some() || held_at.is_some()).then(|| FirstMeeting {
                scheduled_at: row.first_meeting_at.map(|t| t.and_utc()),
                held_at,
                mapping,
            });
        Ok(Self {
            links: ReferralLinks {
                self_link: format!("/api/v1/{}/referrals/{}", row.municipality, row.id),
                applicant: format!(
                    "/api/v1/{}/applicants/{}",
                    row.municipality, row.applicant_id
                ),
            },
            id: stored_uuid("referrals.id", &row.id)?,
            applicant_id: stored_uuid("referrals.applicant_id", &row.applicant_id)?,
            application_id: row
                .application_id
                .as_deref()
                .map(|a| stored_uuid("referrals.application_id", a))
                .transpose()?,
            source: row.source()?,
            status: row.status()?,
            af_consulted: row.af_consulted,
            note: row.note,
            referred_on: row.referred_on,
            first_meeting_due: row.first_meeting_due,
            days_late: clock.days_late(as_of),
            as_of,
            assigned_to: row.assigned_to,
            decline_reason: row.decline_reason,
            first_meeting,
            outcome: row
                .outcome
                .as_deref()
                .map(|o| stored("referrals.outcome", CloseOutcome::parse(o)))
                .transpose()?,
            closed_on: row.closed_on,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            municipality: row.municipality,
        })
    }
}

impl TryFrom<FirstMeetingRow> for Mapping {
    type Error = AppError;

    fn try_from(row: FirstMeetingRow) -> Result<Self, AppError> {
        Ok(Self {
            education_level: stored(
                "first_meetings.education_level",
                EducationLevel::parse(&row.education_level),
            )?,
            work_experience: row.work_experience,
            health_limits: row.health_limits,
            languages: row
                .languages
                .split(',')
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
            driving_licence: row.driving_licence,
            af_answer: stored("first_meetings.af_answer", AfAnswer::parse(&row.af_answer))?,
            af_registration_guidance: row.af_registration_guidance,
        })
    }
}

/// One page of referrals.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralPage {
    pub items: Vec<Referral>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}
