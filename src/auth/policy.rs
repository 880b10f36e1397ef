//! The one place that decides who may do what (docs/access.md).
//!
//! Three gates, in this order:
//! 1. [`authorize`]: an operation the role never has answers 403.
//! 2. [`municipality`]: a municipality outside the token answers 404.
//! 3. [`person_access`]: a person the caller may not see answers 404; an
//!    action the role lacks on a person it can see answers 403.

use super::{Principal, Role};
use crate::domain::Municipality;
use crate::error::AppError;

/// Everything a caller can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    CreateApplicant,
    ReadApplicant,
    ListApplicants,
    SearchApplicants,
    UpdateApplicant,
    ExportApplicant,
    CreateApplication,
    ReadApplication,
    ListApplications,
    /// Start the investigation of an application.
    InvestigateApplication,
    DecideApplication,
    WithdrawApplication,
    CreatePayment,
    ReadPayments,
    CreateConsent,
    ReadConsents,
    RevokeConsent,
    ReadEvents,
    VerifyAudit,
}

impl Operation {
    /// The action name in the audit log.
    pub fn audit_action(self) -> &'static str {
        match self {
            Self::CreateApplicant => "applicant.create",
            Self::ReadApplicant => "applicant.read",
            Self::ListApplicants => "applicant.list",
            Self::SearchApplicants => "applicant.search",
            Self::UpdateApplicant => "applicant.update",
            Self::ExportApplicant => "applicant.export",
            Self::CreateApplication => "application.create",
            Self::ReadApplication => "application.read",
            Self::ListApplications => "application.list",
            Self::InvestigateApplication => "application.investigate",
            Self::DecideApplication => "application.decide",
            Self::WithdrawApplication => "application.withdraw",
            Self::CreatePayment => "payment.create",
            Self::ReadPayments => "payment.read",
            Self::CreateConsent => "consent.create",
            Self::ReadConsents => "consent.read",
            Self::RevokeConsent => "consent.revoke",
            Self::ReadEvents => "event.read",
            Self::VerifyAudit => "audit.verify",
        }
    }

    /// The kind of resource the operation touches, for the audit log.
    pub fn resource_type(self) -> &'static str {
        match self {
            Self::VerifyAudit => "audit_log",
            Self::CreateApplication
            | Self::ReadApplication
            | Self::ListApplications
            | Self::InvestigateApplication
            | Self::DecideApplication
            | Self::WithdrawApplication => "application",
            Self::CreatePayment | Self::ReadPayments => "payment",
            Self::CreateConsent | Self::ReadConsents | Self::RevokeConsent => "consent",
            Self::ReadEvents => "event",
            Self::CreateApplicant
            | Self::ReadApplicant
            | Self::ListApplicants
            | Self::SearchApplicants
            | Self::UpdateApplicant
            | Self::ExportApplicant => "applicant",
        }
    }
}

/// How much of a person the caller sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonView {
    /// Caseworkers: everything, protected contact details included.
    Full,
    /// The case system: case data; protected contact details withheld.
    Case,
    /// Coaches and AF officers: the labour-market view only (no income,
    /// expenses, amounts, household or notes); protected contact withheld.
    LabourMarket,
}

impl PersonView {
    /// Whether contact details of a person with protected identity are shown.
    pub fn shows_protected_contact(self) -> bool {
        self == Self::Full
    }
}

/// What ties a caller's organisation to a person: an open referral to
/// Viadidakt (or one closed under 90 days) and the person's consents.
#[derive(Debug, Clone, Copy, Default)]
pub struct PersonRelations {
    pub open_referral_to_viadidakt: bool,
    pub consent_to_viadidakt: bool,
    pub consent_to_employment_service: bool,
}

/// Which persons a caller may see at all, as a filter the database applies
/// before the per-person check of [`person_view`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonScope {
    All,
    /// Persons with an unrevoked consent to this recipient.
    ActiveConsentTo(&'static str),
    Nobody,
}

/// The scope of persons the caller may list.
pub fn person_scope(principal: &Principal) -> PersonScope {
    match principal.role {
        Role::Caseworker | Role::CaseSystem => PersonScope::All,
        Role::EmploymentOfficer => PersonScope::ActiveConsentTo("employment_service"),
        // A coach needs an open referral, and referrals are not part of
        // this schema version yet.
        Role::Coach => PersonScope::Nobody,
        Role::Analyst | Role::Auditor | Role::Admin | Role::Eservice => PersonScope::Nobody,
    }
}

/// Gate 1: whether the role ever has the operation.
pub fn authorize(principal: &Principal, op: Operation) -> Result<(), AppError> {
    use Operation::*;
    use Role::*;
    let role = principal.role;
    let allowed = match op {
        CreateApplicant => matches!(role, Caseworker | CaseSystem),
        ReadApplicant | ListApplicants | SearchApplicants | UpdateApplicant => {
            matches!(role, Caseworker | CaseSystem | Coach | EmploymentOfficer)
        }
        // AF sees persons, not social services' applications (OSL 26:1).
        ReadApplication | ListApplications => {
            matches!(role, Caseworker | CaseSystem | Coach | Eservice)
        }
        ExportApplicant => role == Caseworker,
        CreateApplication | CreateConsent | RevokeConsent | WithdrawApplication => {
            matches!(role, Caseworker | CaseSystem | Eservice)
        }
        InvestigateApplication | DecideApplication | ReadConsents | ReadPayments => {
            matches!(role, Caseworker | CaseSystem)
        }
        CreatePayment | ReadEvents => role == CaseSystem,
        VerifyAudit => role == Auditor,
    };
    if allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "the caller's role does not have this operation",
        ))
    }
}

/// Gate 2: the municipality in the path must be a well-formed code in the token.
pub fn municipality(principal: &Principal, code: &str) -> Result<Municipality, AppError> {
    Municipality::parse(code)
        .filter(|m| principal.serves(m))
        .ok_or(AppError::NotFound)
}

/// Which view of a person the caller has, or `None` when it may not see them.
pub fn person_view(principal: &Principal, relations: PersonRelations) -> Option<PersonView> {
    match principal.role {
        Role::Caseworker => Some(PersonView::Full),
        Role::CaseSystem => Some(PersonView::Case),
        // BR-6b: a coach needs an open referral and the person's consent to Viadidakt.
        Role::Coach => (relations.open_referral_to_viadidakt && relations.consent_to_viadidakt)
            .then_some(PersonView::LabourMarket),
        // BR-6b: an AF officer needs the person's active consent to AF.
        Role::EmploymentOfficer => relations
            .consent_to_employment_service
            .then_some(PersonView::LabourMarket),
        Role::Analyst | Role::Auditor | Role::Admin | Role::Eservice => None,
    }
}

/// Gate 3: the caller's view of a person, refusing with 404 when it may not
/// see them and 403 when it sees them but its role lacks the operation.
pub fn person_access(
    principal: &Principal,
    op: Operation,
    relations: PersonRelations,
) -> Result<PersonView, AppError> {
    let view = person_view(principal, relations).ok_or(AppError::NotFound)?;
    let acts = match op {
        Operation::UpdateApplicant => matches!(principal.role, Role::Caseworker | Role::CaseSystem),
        _ => true,
    };
    if acts {
        Ok(view)
    } else {
        Err(AppError::Forbidden(
            "the caller's role may read this person but not change them",
        ))
    }
}

/// Whether the caller may make this change to a person it may update:
/// only caseworkers lift or set protected identity, or touch the contact
/// details of a person with protected identity (docs/access.md).
pub fn may_change_protected(
    principal: &Principal,
    touches_protection: bool,
) -> Result<(), AppError> {
    if touches_protection && principal.role != Role::Caseworker {
        Err(AppError::Forbidden(
            "only caseworkers change protected identity or the contact details it protects",
        ))
    } else {
        Ok(())
    }
}

crate::code_enum! {
    /// Which fields of an application the caller sees: `full` (caseworkers
    /// and the case system) has all; `labour_market` (coaches) has no money,
    /// household or free text; `receipt` (the portal, on what it submitted)
    /// has receipt, status, dates and the applicant's id only.
    ApplicationView {
        /// Caseworkers and the case system: everything.
        Full = "full",
        /// Coaches: status, month, reasons and work capacity; no money,
        /// household or free text.
        LabourMarket = "labour_market",
        /// The portal, on what it submitted: receipt, status, dates and the applicant's id.
        Receipt = "receipt",
    }
}

/// Which view of an application the caller has, or `None` when it may not
/// see it. `submitted_by` is the `sub` the application was submitted under;
/// `relations` tie the caller's organisation to the applicant.
pub fn application_view(
    principal: &Principal,
    submitted_by: &str,
    relations: PersonRelations,
) -> Option<ApplicationView> {
    match principal.role {
        Role::Caseworker | Role::CaseSystem => Some(ApplicationView::Full),
        Role::Eservice => (submitted_by == principal.subject).then_some(ApplicationView::Receipt),
        Role::Coach => person_view(principal, relations).map(|_| ApplicationView::LabourMarket),
        Role::EmploymentOfficer | Role::Analyst | Role::Auditor | Role::Admin => None,
    }
}

/// Gate 3 for an application: 404 when the caller may not see it, 403 when
/// it sees it but its role lacks the operation on it.
pub fn application_access(
    principal: &Principal,
    op: Operation,
    submitted_by: &str,
    relations: PersonRelations,
) -> Result<ApplicationView, AppError> {
    let view = application_view(principal, submitted_by, relations).ok_or(AppError::NotFound)?;
    let acts = match op {
        Operation::ReadApplication | Operation::ListApplications => true,
        Operation::WithdrawApplication => view != ApplicationView::LabourMarket,
        _ => view == ApplicationView::Full,
    };
    if acts {
        Ok(view)
    } else {
        Err(AppError::Forbidden(
            "the caller's role may read this application but not do this",
        ))
    }
}
