//! What the change feed reports.

use crate::code_enum;

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
    /// Whether the change can move a computed indicator (consents and
    /// programmes' own details cannot: what they change is counted through
    /// the records that name them).
    pub fn moves_indicators(self) -> bool {
        !matches!(
            self,
            EventType::ConsentCreated
                | EventType::ConsentRevoked
                | EventType::ProgrammeCreated
                | EventType::ProgrammeUpdated
                | EventType::ProgrammePlaceTaken
        )
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
