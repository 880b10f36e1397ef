//! What ties a caller's organisation to a person, as the policy and the
//! database both need it.

use super::consent::Recipient;

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
    Nobody,
}
