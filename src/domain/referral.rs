//! Referrals to Viadidakt: the status (BR-7), closing outcomes (BR-8), the
//! coach-within-a-week rule (BR-5), the first meeting's mapping and what AF
//! reports about a person (BR-6).

use chrono::{Duration, NaiveDate};

use crate::code_enum;

code_enum! {
    /// Who sent the referral.
    Source {
        /// Social services' economic assistance (caseworkers, the case system).
        SocialServices = "social_services",
        /// The Employment Service (*Arbetsförmedlingen*).
        EmploymentService = "employment_service",
    }
}

code_enum! {
    /// Where a referral is (BR-7).
    ReferralStatus {
        Sent = "sent",
        Accepted = "accepted",
        Declined = "declined",
        Withdrawn = "withdrawn",
        FirstMeetingBooked = "first_meeting_booked",
        FirstMeetingHeld = "first_meeting_held",
        PlanEstablished = "plan_established",
        Closed = "closed",
    }
}

/// What can be done to a referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// Viadidakt takes it on and assigns a coach.
    Accept,
    /// Viadidakt declines it, with a reason.
    Decline,
    /// The sender takes it back before it is accepted.
    Withdraw,
    /// A first meeting is booked (or booked again at another time).
    BookFirstMeeting,
    /// The first meeting was held, with its mapping.
    HoldFirstMeeting,
    /// The three-party plan is agreed.
    EstablishPlan,
    /// The referral ends with an outcome (BR-8).
    Close,
}

impl ReferralStatus {
    /// The status after `action`, or the current status when BR-7 does not
    /// allow it from here.
    ///
    /// Besides the chain `sent` → `accepted` → `first_meeting_booked` →
    /// `first_meeting_held` → `plan_established` → `closed`: a booked
    /// meeting may be booked again at another time, and a referral that
    /// Viadidakt has accepted may be closed from any later status (a person
    /// who moves or never comes is closed with `moved` or `discontinued`),
    /// so that no referral stays open, and keeps a coach's sight of the
    /// person, after the work has ended. An established plan may be revised
    /// (at each follow-up).
    pub fn apply(self, action: Move) -> Result<Self, Self> {
        use ReferralStatus::*;
        match (self, action) {
            (Sent, Move::Accept) => Ok(Accepted),
            (Sent, Move::Decline) => Ok(Declined),
            (Sent, Move::Withdraw) => Ok(Withdrawn),
            (Accepted | FirstMeetingBooked, Move::BookFirstMeeting) => Ok(FirstMeetingBooked),
            (FirstMeetingBooked, Move::HoldFirstMeeting) => Ok(FirstMeetingHeld),
            (FirstMeetingHeld | PlanEstablished, Move::EstablishPlan) => Ok(PlanEstablished),
            (Accepted | FirstMeetingBooked | FirstMeetingHeld | PlanEstablished, Move::Close) => {
                Ok(Closed)
            }
            (current, _) => Err(current),
        }
    }

    /// Whether interventions may be added or changed (BR-7, BR-9): from the
    /// first meeting held until the referral is closed.
    pub fn takes_interventions(self) -> bool {
        matches!(self, Self::FirstMeetingHeld | Self::PlanEstablished)
    }

    /// Whether the referral has ended (declined, withdrawn or closed).
    pub fn is_ended(self) -> bool {
        matches!(self, Self::Declined | Self::Withdrawn | Self::Closed)
    }
}

code_enum! {
    /// How a referral ended (BR-8).
    CloseOutcome {
        WorkUnsubsidised = "work_unsubsidised",
        WorkSubsidised = "work_subsidised",
        Studies = "studies",
        EmploymentServiceProgramme = "employment_service_programme",
        SickLeave = "sick_leave",
        Moved = "moved",
        Discontinued = "discontinued",
        Other = "other",
    }
}

impl CloseOutcome {
    /// Self-sufficiency (*egen försörjning*): work, with or without
    /// subsidy, or studies (BR-8).
    pub fn is_self_sufficiency(self) -> bool {
        matches!(
            self,
            Self::WorkUnsubsidised | Self::WorkSubsidised | Self::Studies
        )
    }
}

code_enum! {
    /// The highest level of education, in the levels of Statistics Sweden's
    /// education register (SUN 2020, *utbildningsnivå*).
    EducationLevel {
        /// *Förgymnasial utbildning kortare än 9 år.*
        PrimaryUnder9Years = "primary_under_9_years",
        /// *Förgymnasial utbildning 9 (10) år.*
        Primary = "primary",
        /// *Gymnasial utbildning.*
        UpperSecondary = "upper_secondary",
        /// *Eftergymnasial utbildning kortare än 3 år.*
        PostSecondaryUnder3Years = "post_secondary_under_3_years",
        /// *Eftergymnasial utbildning 3 år eller längre.*
        PostSecondary3YearsOrMore = "post_secondary_3_years_or_more",
        /// Not known, or not comparable (an education abroad not yet assessed).
        Unknown = "unknown",
    }
}

code_enum! {
    /// What AF answered when the coach asked about the person.
    AfAnswer {
        /// AF has a plan for the person: it is the one the person follows (BR-6).
        HasPlan = "has_plan",
        /// The person is registered at AF without a plan.
        NoPlan = "no_plan",
        /// The person is not registered at AF.
        NotRegistered = "not_registered",
    }
}

code_enum! {
    /// Kinds of intervention (*insats*, BR-9).
    InterventionKind {
        Mapping = "mapping",
        WorkTraining = "work_training",
        Internship = "internship",
        SubsidisedEmployment = "subsidised_employment",
        VocationalTraining = "vocational_training",
        Sfi = "sfi",
        Guidance = "guidance",
        MotivationGroup = "motivation_group",
        Other = "other",
    }
}

code_enum! {
    /// The kind of a subsidised employment (BR-9).
    EmploymentSubtype {
        /// *Extratjänst*, paid by AF.
        Extratjanst = "extratjanst",
        /// *Introduktionsjobb*, paid by AF.
        Introduktionsjobb = "introduktionsjobb",
        /// *Nystartsjobb*, paid by AF.
        Nystartsjobb = "nystartsjobb",
        /// *Offentligt skyddat arbete.*
        Osa = "osa",
        Other = "other",
    }
}

impl EmploymentSubtype {
    /// Whether AF pays for it, so that AF's judgement of who qualifies
    /// takes precedence and its assessment must be recorded (BR-6, BR-9).
    pub fn paid_by_af(self) -> bool {
        matches!(
            self,
            Self::Extratjanst | Self::Introduktionsjobb | Self::Nystartsjobb
        )
    }
}

code_enum! {
    /// Where an intervention takes place (BR-9).
    Placement {
        Municipal = "municipal",
        PrivateSector = "private_sector",
        NonProfit = "non_profit",
        ViadidaktOwn = "viadidakt_own",
    }
}

code_enum! {
    /// Who agreed a three-party plan (*trepartssamtal*).
    PlanParticipant {
        /// The person the plan is for.
        Person = "person",
        /// The caseworker at social services.
        Caseworker = "caseworker",
        /// The coach at Viadidakt, who was present.
        Coach = "coach",
        /// An officer of the Employment Service.
        EmploymentService = "employment_service",
    }
}

/// The parties a plan must name: the person, the caseworker and the coach.
pub const PLAN_PARTIES: [PlanParticipant; 3] = [
    PlanParticipant::Person,
    PlanParticipant::Caseworker,
    PlanParticipant::Coach,
];

/// Days from the application (or the referral) to the last day of the
/// first meeting (BR-5).
pub const FIRST_MEETING_WITHIN_DAYS: i64 = 7;

/// Work capacity from which the person meets a coach within a week (BR-5).
pub const COACH_RULE_WORK_CAPACITY: i32 = 25;

/// How long after closing a coach still sees the person.
pub const COACH_SIGHT_AFTER_CLOSING_DAYS: i64 = 90;

/// The last day of the first meeting (BR-5): for a referral linked to an
/// application, seven calendar days from the day the application came in,
/// once a decision has assessed the work capacity at 25 % or more (none
/// before that, nor below it); for one linked to no application, seven days
/// from the referral. Civil dates in Sweden.
pub fn first_meeting_due(
    referred_on: NaiveDate,
    application: Option<(NaiveDate, Option<i32>)>,
) -> Option<NaiveDate> {
    let within = Duration::days(FIRST_MEETING_WITHIN_DAYS);
    match application {
        None => Some(referred_on + within),
        Some((applied_on, Some(capacity))) if capacity >= COACH_RULE_WORK_CAPACITY => {
            Some(applied_on + within)
        }
        Some(_) => None,
    }
}

/// How many days a plan's follow-up is overdue on `day`: its date has
/// passed and the referral had not ended by then.
pub fn follow_up_days_late(
    next_follow_up: Option<NaiveDate>,
    ended_on: Option<NaiveDate>,
    day: NaiveDate,
) -> Option<i64> {
    let due = next_follow_up?;
    let ended = ended_on.is_some_and(|e| e <= day);
    (due < day && !ended).then(|| (day - due).num_days())
}

/// The facts that make a referral overdue on a day (BR-5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeetingClock {
    pub referred_on: NaiveDate,
    pub due: Option<NaiveDate>,
    /// The day the first meeting was held.
    pub held_on: Option<NaiveDate>,
    /// The day the referral was declined, withdrawn or closed.
    pub ended_on: Option<NaiveDate>,
}

impl MeetingClock {
    /// How many days late the first meeting is on `day`: the referral
    /// existed and had not ended, its due date has passed and no first
    /// meeting had been held by then. `None` when it is not overdue.
    pub fn days_late(&self, day: NaiveDate) -> Option<i64> {
        let due = self.due?;
        let held = self.held_on.is_some_and(|h| h <= day);
        let ended = self.ended_on.is_some_and(|e| e <= day);
        (self.referred_on <= day && due < day && !held && !ended).then(|| (day - due).num_days())
    }
}

/// Whether a coach still sees the person through this referral on `today`:
/// while it is neither declined nor withdrawn, and for 90 days after it was
/// closed.
pub fn gives_coach_sight(
    status: ReferralStatus,
    closed_on: Option<NaiveDate>,
    today: NaiveDate,
) -> bool {
    match status {
        ReferralStatus::Declined | ReferralStatus::Withdrawn => false,
        ReferralStatus::Closed => {
            closed_on.is_some_and(|c| today < c + Duration::days(COACH_SIGHT_AFTER_CLOSING_DAYS))
        }
        _ => true,
    }
}

/// The first day a closed referral no longer gives a coach sight of the
/// person is `closed_on + 90`; a referral closed after this day on `today`
/// still does.
pub fn coach_sight_closed_after(today: NaiveDate) -> NaiveDate {
    today - Duration::days(COACH_SIGHT_AFTER_CLOSING_DAYS)
}

/// A plan at AF, with its dates (the end may be open).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AfPlan {
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

impl AfPlan {
    /// Whether the plan is in force on `day`.
    pub fn is_active_on(&self, day: NaiveDate) -> bool {
        self.from <= day && self.to.is_none_or(|to| day <= to)
    }
}

/// A provider serves a municipality from `valid_from` to `valid_to`,
/// inclusive; an open end is "since always" or "until further notice" (BR-12).
pub fn serves_on(
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
    day: NaiveDate,
) -> bool {
    valid_from.is_none_or(|f| f <= day) && valid_to.is_none_or(|t| day <= t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn br7_allows_the_chain_and_refuses_every_other_move() {
        use ReferralStatus::*;
        assert_eq!(Sent.apply(Move::Accept), Ok(Accepted));
        assert_eq!(Sent.apply(Move::Decline), Ok(Declined));
        assert_eq!(Sent.apply(Move::Withdraw), Ok(Withdrawn));
        assert_eq!(
            Accepted.apply(Move::BookFirstMeeting),
            Ok(FirstMeetingBooked)
        );
        assert_eq!(
            FirstMeetingBooked.apply(Move::BookFirstMeeting),
            Ok(FirstMeetingBooked)
        );
        assert_eq!(
            FirstMeetingBooked.apply(Move::HoldFirstMeeting),
            Ok(FirstMeetingHeld)
        );
        assert_eq!(
            FirstMeetingHeld.apply(Move::EstablishPlan),
            Ok(PlanEstablished)
        );
        assert_eq!(PlanEstablished.apply(Move::Close), Ok(Closed));
        assert_eq!(Sent.apply(Move::Close), Err(Sent));
        assert_eq!(Accepted.apply(Move::Withdraw), Err(Accepted));
        assert_eq!(Accepted.apply(Move::HoldFirstMeeting), Err(Accepted));
        assert_eq!(Declined.apply(Move::Accept), Err(Declined));
        for ended in [Declined, Withdrawn, Closed] {
            for action in [
                Move::Accept,
                Move::Decline,
                Move::Withdraw,
                Move::BookFirstMeeting,
                Move::HoldFirstMeeting,
                Move::EstablishPlan,
                Move::Close,
            ] {
                assert_eq!(ended.apply(action), Err(ended), "{ended:?} {action:?}");
            }
        }
    }

    #[test]
    fn br5_the_first_meeting_is_due_seven_days_after_the_application() {
        let referred = d("2026-11-20");
        assert_eq!(
            first_meeting_due(referred, Some((d("2026-11-16"), Some(50)))),
            Some(d("2026-11-23"))
        );
        assert_eq!(
            first_meeting_due(referred, Some((d("2026-11-16"), Some(25)))),
            Some(d("2026-11-23"))
        );
        assert_eq!(
            first_meeting_due(referred, Some((d("2026-11-16"), Some(24)))),
            None
        );
        assert_eq!(
            first_meeting_due(referred, Some((d("2026-11-16"), None))),
            None
        );
        assert_eq!(first_meeting_due(referred, None), Some(d("2026-11-27")));
    }

    #[test]
    fn a_referral_is_overdue_from_the_day_after_its_due_date_until_the_meeting() {
        let clock = MeetingClock {
            referred_on: d("2026-11-02"),
            due: Some(d("2026-11-09")),
            held_on: Some(d("2026-11-12")),
            ended_on: None,
        };
        assert_eq!(clock.days_late(d("2026-11-09")), None);
        assert_eq!(clock.days_late(d("2026-11-10")), Some(1));
        assert_eq!(clock.days_late(d("2026-11-11")), Some(2));
        assert_eq!(clock.days_late(d("2026-11-12")), None);
        let never_held = MeetingClock {
            held_on: None,
            ..clock
        };
        assert_eq!(never_held.days_late(d("2026-12-09")), Some(30));
        let withdrawn = MeetingClock {
            held_on: None,
            ended_on: Some(d("2026-11-15")),
            ..clock
        };
        assert_eq!(withdrawn.days_late(d("2026-11-14")), Some(5));
        assert_eq!(withdrawn.days_late(d("2026-11-15")), None);
    }

    #[test]
    fn a_coach_sees_the_person_until_ninety_days_after_closing() {
        let closed = Some(d("2026-08-01"));
        assert!(gives_coach_sight(
            ReferralStatus::Closed,
            closed,
            d("2026-10-29")
        ));
        assert!(!gives_coach_sight(
            ReferralStatus::Closed,
            closed,
            d("2026-10-30")
        ));
        assert!(!gives_coach_sight(
            ReferralStatus::Declined,
            None,
            d("2026-08-01")
        ));
        assert!(gives_coach_sight(
            ReferralStatus::Sent,
            None,
            d("2030-01-01")
        ));
        // The SQL filter's bound says the same.
        assert!(d("2026-08-01") > coach_sight_closed_after(d("2026-10-29")));
        assert!(d("2026-08-01") <= coach_sight_closed_after(d("2026-10-30")));
    }

    #[test]
    fn br12_service_areas_are_inclusive_dated_ranges() {
        assert!(serves_on(None, Some(d("2024-12-31")), d("2024-12-31")));
        assert!(!serves_on(None, Some(d("2024-12-31")), d("2025-01-01")));
        assert!(serves_on(None, None, d("2030-01-01")));
        assert!(!serves_on(Some(d("2020-01-01")), None, d("2019-12-31")));
    }

    #[test]
    fn an_af_plan_is_active_within_its_dates() {
        let plan = AfPlan {
            from: d("2026-11-01"),
            to: Some(d("2027-04-30")),
        };
        assert!(plan.is_active_on(d("2026-11-01")));
        assert!(plan.is_active_on(d("2027-04-30")));
        assert!(!plan.is_active_on(d("2027-05-01")));
        assert!(!plan.is_active_on(d("2026-10-31")));
    }
}
