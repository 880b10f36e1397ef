//! What ties a caller's organisation to a person, as the policy and the
//! database both need it.

use chrono::NaiveDate;

use super::consent::Recipient;
use super::referral::Source;

/// What ties a caller's organisation to a person: an open referral to
/// Viadidakt (or one closed under 90 days) and the person's consents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PersonRelations {
    pub open_referral_to_viadidakt: bool,
    pub consent_to_viadidakt: bool,
    pub consent_to_employment_service: bool,
}

/// Which persons a caller may see at all, as a filter the database applies
/// before the per-person check of the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonScope {
    All,
    /// Persons with an unrevoked consent to this recipient.
    ActiveConsentTo(Recipient),
    /// Persons with an unrevoked consent to Viadidakt and a referral to it
    /// that is open or was closed after this day (a coach's, BR-6b).
    ReferredToViadidakt {
        closed_after: NaiveDate,
    },
    Nobody,
}

/// Which referrals a caller may see at all, as a filter the database
/// applies before the per-referral check of the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferralScope {
    /// Those this side sent, of persons with an unrevoked consent to the
    /// recipient where one is named (AF sees its own referrals only with
    /// the person's consent to AF).
    SentBy(Source, Option<Recipient>),
    /// Viadidakt's: those not declined or withdrawn, and not closed on or
    /// before this day, of persons with an unrevoked consent to Viadidakt.
    Viadidakt {
        closed_after: NaiveDate,
    },
    Nobody,
}
