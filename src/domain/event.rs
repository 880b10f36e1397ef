//! What the change feed reports.

use crate::code_enum;
use crate::domain::indicator::contribution::Facet;

code_enum! {
    /// What happened, as the change feed names it.
    EventType {
        ApplicantCreated = "applicant.created",
        ApplicantUpdated = "applicant.updated",
        ApplicationCreated = "application.created",
        ApplicationStatusChanged = "application.status_changed",
        /// The caseworker recorded approved amounts.
        ApplicationAssessed = "application.assessed",
        DecisionCreated = "decision.created",
        PaymentCreated = "payment.created",
        ConsentCreated = "consent.created",
        ConsentRevoked = "consent.revoked",
        ReferralCreated = "referral.created",
        ReferralStatusChanged = "referral.status_changed",
        /// An intervention was added to the referral (its id is the referral's).
        ReferralInterventionAdded = "referral.intervention_added",
        /// An intervention of the referral was changed (its id is the referral's).
        ReferralInterventionChanged = "referral.intervention_changed",
        ProgrammeCreated = "programme.created",
        ProgrammeUpdated = "programme.updated",
        /// A place on the programme was taken.
        ProgrammePlaceTaken = "programme.place_taken",
    }
}

code_enum! {
    /// The kind of resource an event is about.
    ResourceKind {
        Applicant = "applicant",
        Application = "application",
        Decision = "decision",
        Payment = "payment",
        Consent = "consent",
        Referral = "referral",
        Programme = "programme",
    }
}

impl EventType {
    /// The kinds of a person's records the change can move the computed
    /// indicators through (none for consents and programmes' own details:
    /// what they change is counted through the records that name them). An
    /// applicant's own change (sex, identity) moves everything of theirs;
    /// a received application is counted on its own
    /// ([`crate::db::indicators::received`]).
    pub fn facets(self) -> &'static [Facet] {
        match self {
            Self::ApplicantCreated | Self::ApplicantUpdated => &Facet::ALL,
            Self::ApplicationCreated => &[Facet::Applications],
            Self::DecisionCreated => &[Facet::Grants],
            Self::PaymentCreated => &[Facet::Payments],
            Self::ReferralCreated | Self::ReferralStatusChanged => &[Facet::Referrals],
            Self::ReferralInterventionAdded | Self::ReferralInterventionChanged => {
                &[Facet::Interventions]
            }
            // Status and assessed amounts are not counted; a place is
            // counted through the intervention that takes it.
            Self::ApplicationStatusChanged
            | Self::ApplicationAssessed
            | Self::ConsentCreated
            | Self::ConsentRevoked
            | Self::ProgrammeCreated
            | Self::ProgrammeUpdated
            | Self::ProgrammePlaceTaken => &[],
        }
    }

    /// The kind of resource this event is about.
    pub fn resource(self) -> ResourceKind {
        match self {
            Self::ApplicantCreated | Self::ApplicantUpdated => ResourceKind::Applicant,
            Self::ApplicationCreated
            | Self::ApplicationStatusChanged
            | Self::ApplicationAssessed => ResourceKind::Application,
            Self::DecisionCreated => ResourceKind::Decision,
            Self::PaymentCreated => ResourceKind::Payment,
            Self::ConsentCreated | Self::ConsentRevoked => ResourceKind::Consent,
            Self::ReferralCreated
            | Self::ReferralStatusChanged
            | Self::ReferralInterventionAdded
            | Self::ReferralInterventionChanged => ResourceKind::Referral,
            Self::ProgrammeCreated | Self::ProgrammeUpdated | Self::ProgrammePlaceTaken => {
                ResourceKind::Programme
            }
        }
    }
}
