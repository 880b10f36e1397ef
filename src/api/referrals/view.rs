//! What a caller sees of a referral.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::policy::ReferralView;
use crate::db::programmes::{InterventionRow, PlanRow};
use crate::db::referrals::{FirstMeetingRow, ReferralRow};
use crate::db::{stored, stored_uuid};
use crate::domain::money;
use crate::domain::referral::{
    AfAnswer, CloseOutcome, EducationLevel, EmploymentSubtype, InterventionKind, MeetingClock,
    Placement, PlanParticipant, ReferralStatus, Source, follow_up_days_late,
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
    /// The three-party plan, its latest revision.
    pub plan: Option<Plan>,
    /// Days the plan's follow-up is overdue on `as_of`; `null` when it is not.
    pub follow_up_days_late: Option<i64>,
    /// The interventions, oldest first (BR-9).
    pub interventions: Vec<Intervention>,
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
        work: Work,
        view: ReferralView,
        as_of: NaiveDate,
    ) -> Result<Self, AppError> {
        let Work {
            meeting,
            plan,
            interventions,
            follow_up,
        } = work;
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
            plan: plan.map(Plan::try_from).transpose()?,
            follow_up_days_late: follow_up_days_late(follow_up, row.ended_on, as_of),
            interventions: interventions
                .into_iter()
                .map(Intervention::try_from)
                .collect::<Result<_, _>>()?,
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

/// What was recorded on a referral beside its row.
#[derive(Debug, Default)]
pub struct Work {
    pub meeting: Option<FirstMeetingRow>,
    pub plan: Option<PlanRow>,
    pub interventions: Vec<InterventionRow>,
    /// The follow-up day of the plan in force on `as_of` (the latest plan
    /// agreed by then).
    pub follow_up: Option<NaiveDate>,
}

/// AF's plan, as a three-party plan names it.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowedAfPlan {
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

/// The three-party implementation plan (*genomförandeplan*).
#[derive(Debug, Serialize, ToSchema)]
pub struct Plan {
    /// 1 for the first plan, then one more at each revision.
    pub revision: i32,
    pub agreed_on: NaiveDate,
    /// Who agreed it: always the person, the caseworker and the coach.
    pub participants: Vec<PlanParticipant>,
    pub goals: Vec<String>,
    pub next_follow_up: NaiveDate,
    /// The plan at AF the person follows, when AF has one in force (BR-6).
    pub follows_af_plan: Option<FollowedAfPlan>,
    pub recorded_at: DateTime<Utc>,
}

impl TryFrom<PlanRow> for Plan {
    type Error = AppError;

    fn try_from(row: PlanRow) -> Result<Self, AppError> {
        let participants = row
            .participants
            .split(',')
            .map(|p| stored("plans.participants", PlanParticipant::parse(p)))
            .collect::<Result<_, _>>()?;
        let goals = stored("plans.goals", serde_json::from_str(&row.goals))?;
        Ok(Self {
            revision: row.revision,
            agreed_on: row.agreed_on,
            participants,
            goals,
            next_follow_up: row.next_follow_up,
            follows_af_plan: row.af_plan_from.map(|from| FollowedAfPlan {
                from,
                to: row.af_plan_to,
            }),
            recorded_at: row.recorded_at.and_utc(),
        })
    }
}

/// AF's assessment of who qualifies for a subsidised employment it pays for.
#[derive(Debug, Serialize, ToSchema)]
pub struct AfAssessment {
    pub assessed_on: NaiveDate,
    /// Whether AF judged that the person qualifies.
    pub qualifies: bool,
}

/// An intervention (*insats*, BR-9).
#[derive(Debug, Serialize, ToSchema)]
pub struct Intervention {
    pub id: Uuid,
    pub referral_id: Uuid,
    pub kind: InterventionKind,
    /// The kind of subsidised employment; only for `subsidised_employment`.
    pub subtype: Option<EmploymentSubtype>,
    pub placement: Placement,
    /// Extent in percent of full time, 1–100.
    pub extent_percent: i32,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    /// SEK per month, as a string with two decimals.
    #[schema(value_type = Option<String>, example = "18500.00")]
    pub monthly_cost: Option<rust_decimal::Decimal>,
    /// SEK per month the subsidy covers, as a string with two decimals.
    #[schema(value_type = Option<String>, example = "14800.00")]
    pub monthly_subsidy: Option<rust_decimal::Decimal>,
    pub af_assessment: Option<AfAssessment>,
    /// The programme the intervention places the person on.
    pub programme_id: Option<Uuid>,
    /// Increases with every change; the `ETag` is this number in quotes.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<InterventionRow> for Intervention {
    type Error = AppError;

    fn try_from(row: InterventionRow) -> Result<Self, AppError> {
        Ok(Self {
            id: stored_uuid("interventions.id", &row.id)?,
            referral_id: stored_uuid("interventions.referral_id", &row.referral_id)?,
            kind: stored("interventions.kind", InterventionKind::parse(&row.kind))?,
            subtype: row
                .subtype
                .as_deref()
                .map(|s| stored("interventions.subtype", EmploymentSubtype::parse(s)))
                .transpose()?,
            placement: stored("interventions.placement", Placement::parse(&row.placement))?,
            extent_percent: row.extent_percent,
            start_date: row.start_date,
            end_date: row.end_date,
            monthly_cost: row.monthly_cost_ore.map(money::from_ore),
            monthly_subsidy: row.monthly_subsidy_ore.map(money::from_ore),
            af_assessment: match (row.af_assessed_on, row.af_qualifies) {
                (Some(assessed_on), Some(qualifies)) => Some(AfAssessment {
                    assessed_on,
                    qualifies,
                }),
                (None, None) => None,
                _ => {
                    return Err(AppError::internal(
                        "interventions.af_assessed_on and af_qualifies disagree",
                    ));
                }
            },
            programme_id: row
                .programme_id
                .as_deref()
                .map(|p| stored_uuid("interventions.programme_id", p))
                .transpose()?,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
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
