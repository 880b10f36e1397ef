//! The one place that decides who may do what (docs/access.md).
//!
//! Three gates, in this order:
//! 1. [`authorize`]: an operation the role never has answers 403. Which
//!    roles have which operation is one table, [`RULES`], whose rows also
//!    name what the audit log records and whether an `Idempotency-Key` is
//!    required.
//! 2. [`municipality`]: a municipality outside the token answers 404.
//! 3. [`person_access`] and [`application_access`]: an object the caller may
//!    not see answers 404; an action the role lacks on an object it can see
//!    answers 403.
//!
//! Every other choice made by role (which view a caller gets, which persons
//! a list holds, for whom the portal acts) is a function here too.

use chrono::NaiveDate;

use super::{Principal, Role};
use crate::code_enum;
use crate::domain::Municipality;
use crate::domain::access::{PersonRelations, PersonScope, ReferralScope};
use crate::domain::consent::Recipient;
use crate::domain::referral::{self, ReferralStatus, Source};
use crate::error::AppError;

code_enum! {
    /// Everything a caller can ask for, named as the audit log records it.
    Operation {
        CreateApplicant = "applicant.create",
        ReadApplicant = "applicant.read",
        ListApplicants = "applicant.list",
        SearchApplicants = "applicant.search",
        UpdateApplicant = "applicant.update",
        ExportApplicant = "applicant.export",
        /// Read a person's current and former numbers.
        ReadPersonalNumbers = "applicant.personal_numbers",
        /// Replace a coordination number by a personal number.
        ReplacePersonalNumber = "applicant.replace_personal_number",
        /// Read a person's labour-market view (a coach's or AF's).
        ReadLabourMarketView = "applicant.labour_market_view",
        CreateApplication = "application.create",
        ReadApplication = "application.read",
        ListApplications = "application.list",
        /// Start the investigation of an application.
        InvestigateApplication = "application.investigate",
        DecideApplication = "application.decide",
        /// Record the approved amount of each income and expense.
        AssessApplication = "application.assess",
        ReadDecision = "decision.read",
        /// Record a recovery or write-off decision.
        CreateDecision = "decision.create",
        /// List the decisions about a person.
        ListDecisions = "decision.list",
        /// Read an application's norm calculation.
        ReadCalculation = "application.calculation",
        /// Load a year's national norm.
        LoadNormTable = "norm_table.load",
        ReadNormTables = "norm_table.read",
        /// Read the indicator catalogue (one entry or all).
        ReadIndicators = "indicator.catalogue",
        /// Read indicator values (natively or Kolada's way).
        ReadIndicatorValues = "indicator.values",
        /// Report indicator values or forecasts.
        ReportIndicatorValues = "indicator.report",
        /// Record a decision that replaces the one in force.
        ReplaceDecision = "decision.replace",
        WithdrawApplication = "application.withdraw",
        CreatePayment = "payment.create",
        ReadPayments = "payment.read",
        CreateConsent = "consent.create",
        ReadConsents = "consent.read",
        RevokeConsent = "consent.revoke",
        /// Read what AF last reported about a person.
        ReadEmploymentStatus = "employment_status.read",
        /// Record what AF reports about a person.
        UpdateEmploymentStatus = "employment_status.update",
        CreateReferral = "referral.create",
        ReadReferral = "referral.read",
        ListReferrals = "referral.list",
        AcceptReferral = "referral.accept",
        DeclineReferral = "referral.decline",
        WithdrawReferral = "referral.withdraw",
        /// Book the first meeting, or record it held with the mapping.
        RecordFirstMeeting = "referral.first_meeting",
        CloseReferral = "referral.close",
        /// Agree the three-party plan, or revise it.
        EstablishPlan = "referral.plan",
        CreateIntervention = "intervention.create",
        UpdateIntervention = "intervention.update",
        CreateProgramme = "programme.create",
        ReadProgramme = "programme.read",
        ListProgrammes = "programme.list",
        UpdateProgramme = "programme.update",
        /// List the persons placed on a programme.
        ListParticipants = "programme.participants",
        CreateAgreement = "agreement.create",
        ReadAgreement = "agreement.read",
        ListAgreements = "agreement.list",
        /// Record a cooperation meeting under an agreement.
        CreateMeeting = "meeting.create",
        ListMeetings = "meeting.list",
        ReadEvents = "event.read",
        VerifyAudit = "audit.verify",
        ReadAudit = "audit.read",
        ReportAudit = "audit.report",
    }
}

/// Whether an operation takes an `Idempotency-Key`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// It takes none.
    None,
    /// It takes one; a caller may leave it out.
    Accepted,
    /// Every caller must send one (BR-3b).
    Required,
    /// The e-service portal must send one; others may (BR-2).
    RequiredFromPortal,
}

/// One row of the policy: who has the operation, what it touches, and
/// whether it takes an `Idempotency-Key`.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub op: Operation,
    pub roles: &'static [Role],
    /// The kind of resource the audit log records it against.
    pub resource: &'static str,
    pub key: Key,
}

use Role::{Admin, Analyst, Auditor, CaseSystem, Caseworker, Coach, EmploymentOfficer, Eservice};

/// Social services' case roles.
const CASE: &[Role] = &[Caseworker, CaseSystem];
/// Those who see persons, each within its own limits.
const PERSONS: &[Role] = &[Caseworker, CaseSystem, Coach, EmploymentOfficer];
/// Those who refer persons to Viadidakt: social services and AF.
const REFERRERS: &[Role] = &[Caseworker, CaseSystem, EmploymentOfficer];
/// Those who record what AF reports: AF, and caseworkers and coaches who
/// were told.
const AF_REPORTERS: &[Role] = &[Caseworker, Coach, EmploymentOfficer];
/// Viadidakt's coaches, who move the referrals sent to them.
const VIADIDAKT: &[Role] = &[Coach];
/// Those who manage Viadidakt's programmes.
const PROGRAMME_MANAGERS: &[Role] = &[Coach, Admin];
/// Those who read Viadidakt's programmes (no person data).
const PROGRAMME_READERS: &[Role] = &[Caseworker, CaseSystem, Coach, Admin];
/// The parties to the cooperation agreement: social services, Viadidakt, AF.
const PARTIES: &[Role] = &[Caseworker, Coach, EmploymentOfficer];
/// Those who read the agreement: the parties and admins.
const AGREEMENT_READERS: &[Role] = &[Caseworker, Coach, EmploymentOfficer, Admin];
/// Those who follow the volume indicators: every role but the portal and
/// the auditor (only caseworkers see small counts).
const INDICATOR_READERS: &[Role] = &[
    Analyst,
    Caseworker,
    CaseSystem,
    Coach,
    EmploymentOfficer,
    Admin,
];
/// Those who report indicator values: admins (forecasts of every
/// indicator too) and the case system (reported indicators).
const INDICATOR_REPORTERS: &[Role] = &[Admin, CaseSystem];
/// Those who submit for a person.
const SUBMITTERS: &[Role] = &[Caseworker, CaseSystem, Eservice];

/// The policy, a row per operation.
pub const RULES: &[Rule] = &[
    rule(Operation::CreateApplicant, CASE, "applicant", Key::None),
    rule(Operation::ReadApplicant, PERSONS, "applicant", Key::None),
    rule(Operation::ListApplicants, PERSONS, "applicant", Key::None),
    rule(Operation::SearchApplicants, PERSONS, "applicant", Key::None),
    rule(Operation::UpdateApplicant, PERSONS, "applicant", Key::None),
    rule(Operation::ReadPersonalNumbers, CASE, "applicant", Key::None),
    rule(
        Operation::ReplacePersonalNumber,
        CASE,
        "applicant",
        Key::None,
    ),
    rule(
        Operation::ExportApplicant,
        &[Caseworker],
        "applicant",
        Key::None,
    ),
    rule(
        Operation::ReadLabourMarketView,
        &[Coach, EmploymentOfficer],
        "applicant",
        Key::None,
    ),
    rule(
        Operation::CreateApplication,
        SUBMITTERS,
        "application",
        Key::RequiredFromPortal,
    ),
    // AF sees persons, not social services' applications (OSL 26:1).
    rule(
        Operation::ReadApplication,
        &[Caseworker, CaseSystem, Coach, Eservice],
        "application",
        Key::None,
    ),
    rule(
        Operation::ListApplications,
        &[Caseworker, CaseSystem, Coach, Eservice],
        "application",
        Key::None,
    ),
    rule(
        Operation::InvestigateApplication,
        CASE,
        "application",
        Key::None,
    ),
    rule(Operation::DecideApplication, CASE, "application", Key::None),
    rule(Operation::AssessApplication, CASE, "application", Key::None),
    rule(Operation::ReadDecision, CASE, "decision", Key::None),
    rule(Operation::CreateDecision, CASE, "decision", Key::None),
    rule(Operation::ListDecisions, CASE, "decision", Key::None),
    rule(Operation::ReadCalculation, CASE, "application", Key::None),
    rule(Operation::LoadNormTable, &[Admin], "norm_table", Key::None),
    rule(
        Operation::ReadIndicators,
        INDICATOR_READERS,
        "indicator",
        Key::None,
    ),
    rule(
        Operation::ReadIndicatorValues,
        INDICATOR_READERS,
        "indicator",
        Key::None,
    ),
    rule(
        Operation::ReportIndicatorValues,
        INDICATOR_REPORTERS,
        "indicator",
        Key::None,
    ),
    rule(
        Operation::ReadNormTables,
        &[Caseworker, CaseSystem, Admin],
        "norm_table",
        Key::None,
    ),
    rule(Operation::ReplaceDecision, CASE, "decision", Key::None),
    rule(
        Operation::WithdrawApplication,
        SUBMITTERS,
        "application",
        Key::None,
    ),
    rule(
        Operation::CreatePayment,
        &[CaseSystem],
        "payment",
        Key::Required,
    ),
    rule(Operation::ReadPayments, CASE, "payment", Key::None),
    rule(
        Operation::CreateConsent,
        SUBMITTERS,
        "consent",
        Key::Accepted,
    ),
    rule(Operation::ReadConsents, CASE, "consent", Key::None),
    rule(Operation::RevokeConsent, SUBMITTERS, "consent", Key::None),
    rule(
        Operation::ReadEmploymentStatus,
        PERSONS,
        "employment_status",
        Key::None,
    ),
    rule(
        Operation::UpdateEmploymentStatus,
        AF_REPORTERS,
        "employment_status",
        Key::None,
    ),
    rule(
        Operation::CreateReferral,
        REFERRERS,
        "referral",
        Key::Accepted,
    ),
    rule(Operation::ReadReferral, PERSONS, "referral", Key::None),
    rule(Operation::ListReferrals, PERSONS, "referral", Key::None),
    rule(Operation::AcceptReferral, VIADIDAKT, "referral", Key::None),
    rule(Operation::DeclineReferral, VIADIDAKT, "referral", Key::None),
    rule(
        Operation::WithdrawReferral,
        REFERRERS,
        "referral",
        Key::None,
    ),
    rule(
        Operation::RecordFirstMeeting,
        VIADIDAKT,
        "referral",
        Key::None,
    ),
    rule(Operation::CloseReferral, VIADIDAKT, "referral", Key::None),
    rule(
        Operation::EstablishPlan,
        &[Caseworker, Coach],
        "referral",
        Key::None,
    ),
    rule(
        Operation::CreateIntervention,
        VIADIDAKT,
        "intervention",
        Key::None,
    ),
    rule(
        Operation::UpdateIntervention,
        VIADIDAKT,
        "intervention",
        Key::None,
    ),
    rule(
        Operation::CreateProgramme,
        PROGRAMME_MANAGERS,
        "programme",
        Key::None,
    ),
    rule(
        Operation::ReadProgramme,
        PROGRAMME_READERS,
        "programme",
        Key::None,
    ),
    rule(
        Operation::ListProgrammes,
        PROGRAMME_READERS,
        "programme",
        Key::None,
    ),
    rule(
        Operation::UpdateProgramme,
        PROGRAMME_MANAGERS,
        "programme",
        Key::None,
    ),
    rule(
        Operation::ListParticipants,
        VIADIDAKT,
        "programme",
        Key::None,
    ),
    rule(Operation::CreateAgreement, &[Admin], "agreement", Key::None),
    rule(
        Operation::ReadAgreement,
        AGREEMENT_READERS,
        "agreement",
        Key::None,
    ),
    rule(
        Operation::ListAgreements,
        AGREEMENT_READERS,
        "agreement",
        Key::None,
    ),
    rule(
        Operation::CreateMeeting,
        PARTIES,
        "cooperation_meeting",
        Key::None,
    ),
    rule(
        Operation::ListMeetings,
        PARTIES,
        "cooperation_meeting",
        Key::None,
    ),
    rule(Operation::ReadEvents, &[CaseSystem], "event", Key::None),
    rule(Operation::VerifyAudit, &[Auditor], "audit_log", Key::None),
    rule(Operation::ReadAudit, &[Auditor], "audit_log", Key::None),
    rule(Operation::ReportAudit, &[Auditor], "audit_log", Key::None),
];

const fn rule(op: Operation, roles: &'static [Role], resource: &'static str, key: Key) -> Rule {
    Rule {
        op,
        roles,
        resource,
        key,
    }
}

impl Operation {
    /// The operation's row of [`RULES`].
    pub fn rule(self) -> &'static Rule {
        // Every operation has a row; the policy's tests hold the table to that.
        RULES.iter().find(|r| r.op == self).unwrap_or(&RULES[0])
    }

    /// The action name in the audit log.
    pub fn audit_action(self) -> &'static str {
        self.as_str()
    }

    /// The kind of resource the operation touches, for the audit log.
    pub fn resource_type(self) -> &'static str {
        self.rule().resource
    }
}

/// Gate 1: whether the role ever has the operation.
pub fn authorize(principal: &Principal, op: Operation) -> Result<(), AppError> {
    if op.rule().roles.contains(&principal.role) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "the caller's role does not have this operation",
        ))
    }
}

/// Whether this caller must send an `Idempotency-Key` with `op`.
pub fn key_required(principal: &Principal, op: Operation) -> bool {
    match op.rule().key {
        Key::Required => true,
        Key::RequiredFromPortal => principal.role == Eservice,
        Key::None | Key::Accepted => false,
    }
}

/// Gate 2: the municipality in the path must be a well-formed code in the token.
pub fn municipality(principal: &Principal, code: &str) -> Result<Municipality, AppError> {
    Municipality::parse(code)
        .filter(|m| principal.serves(m))
        .ok_or(AppError::NotFound)
}

/// Whether the caller sees indicator values as counted, small counts
/// included: caseworkers only. Everyone else gets them suppressed.
pub fn sees_small_counts(principal: &Principal) -> bool {
    principal.role == Role::Caseworker
}

/// Whether the caller may report values or forecasts of an indicator:
/// admins of every indicator (forecasts; values of reported ones), the
/// case system of reported indicators only. Anyone else who reaches this
/// was refused by [`authorize`] first.
pub fn may_report(principal: &Principal, computed: bool) -> Result<(), AppError> {
    match principal.role {
        Role::Admin => Ok(()),
        Role::CaseSystem if !computed => Ok(()),
        _ => Err(AppError::Forbidden(
            "the case system reports values and forecasts of reported indicators only; forecasts of computed indicators are for admins",
        )),
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

/// The scope of persons the caller may list on `today`.
pub fn person_scope(principal: &Principal, today: NaiveDate) -> PersonScope {
    match principal.role {
        Caseworker | CaseSystem => PersonScope::All,
        EmploymentOfficer => PersonScope::ActiveConsentTo(Recipient::EmploymentService),
        Coach => PersonScope::ReferredToViadidakt {
            closed_after: referral::coach_sight_closed_after(today),
        },
        Analyst | Auditor | Admin | Eservice => PersonScope::Nobody,
    }
}

/// Which view of a person the caller has, or `None` when it may not see them.
pub fn person_view(principal: &Principal, relations: PersonRelations) -> Option<PersonView> {
    match principal.role {
        Caseworker => Some(PersonView::Full),
        CaseSystem => Some(PersonView::Case),
        // BR-6b: a coach needs an open referral and the person's consent to Viadidakt.
        Coach => (relations.open_referral_to_viadidakt && relations.consent_to_viadidakt)
            .then_some(PersonView::LabourMarket),
        // BR-6b: an AF officer needs the person's active consent to AF.
        EmploymentOfficer => relations
            .consent_to_employment_service
            .then_some(PersonView::LabourMarket),
        Analyst | Auditor | Admin | Eservice => None,
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
        Operation::UpdateApplicant => matches!(principal.role, Caseworker | CaseSystem),
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
    if touches_protection && principal.role != Caseworker {
        Err(AppError::Forbidden(
            "only caseworkers change protected identity or the contact details it protects",
        ))
    } else {
        Ok(())
    }
}

/// Whether the caller may record a consent for a person it may otherwise
/// act for. A consent is the person's own act: the portal records one only
/// for the person it submitted an application for as the applicant
/// (`portal_submitted_for`, asked only of the portal).
pub fn may_record_consent(
    principal: &Principal,
    portal_submitted_for: impl FnOnce() -> bool,
) -> bool {
    principal.role != Eservice || portal_submitted_for()
}

/// Whether a consent the caller records must carry the personal number of
/// the person who gave it: the portal's must (it is the person who signed
/// in to the form), and the number must be the applicant's.
pub fn consent_names_signatory(principal: &Principal) -> bool {
    principal.role == Eservice
}

crate::code_enum! {
    /// Which fields of an application the caller sees: `full` (caseworkers
    /// and the case system) has all; `labour_market` (coaches) has no money,
    /// household or free text; `receipt` (the portal, on what it submitted)
    /// has receipt, status, dates, the applicant's id and the decision
    /// notice.
    ApplicationView {
        /// Caseworkers and the case system: everything.
        Full = "full",
        /// Coaches: status, month, reasons and work capacity; no money,
        /// household or free text.
        LabourMarket = "labour_market",
        /// The portal, on what it submitted: receipt, status, dates, the
        /// applicant's id and the decision notice.
        Receipt = "receipt",
    }
}

/// Which applications a list holds for the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApplicationScope {
    /// Those this subject submitted (the portal).
    SubmittedBy(String),
    /// Those of the persons in this scope.
    Persons(PersonScope),
}

/// The applications the caller may list on `today`.
pub fn application_scope(principal: &Principal, today: NaiveDate) -> ApplicationScope {
    match principal.role {
        Eservice => ApplicationScope::SubmittedBy(principal.subject.clone()),
        _ => ApplicationScope::Persons(person_scope(principal, today)),
    }
}

/// The view the caller gets of an application it has just submitted.
pub fn submitted_view(principal: &Principal) -> ApplicationView {
    if principal.role == Eservice {
        ApplicationView::Receipt
    } else {
        ApplicationView::Full
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
        Caseworker | CaseSystem => Some(ApplicationView::Full),
        Eservice => (submitted_by == principal.subject).then_some(ApplicationView::Receipt),
        Coach => person_view(principal, relations).map(|_| ApplicationView::LabourMarket),
        EmploymentOfficer | Analyst | Auditor | Admin => None,
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

/// The side a caller refers from, when its role refers persons.
pub fn referring_side(principal: &Principal) -> Option<Source> {
    match principal.role {
        Caseworker | CaseSystem => Some(Source::SocialServices),
        EmploymentOfficer => Some(Source::EmploymentService),
        Coach | Analyst | Auditor | Admin | Eservice => None,
    }
}

/// Which referrals the caller may list on `today`: each sender its own side's
/// (AF only of persons who consented to AF); Viadidakt those sent to it
/// while they give a coach sight of the person (BR-6b).
pub fn referral_scope(principal: &Principal, today: NaiveDate) -> ReferralScope {
    match principal.role {
        Caseworker | CaseSystem => ReferralScope::SentBy(Source::SocialServices, None),
        EmploymentOfficer => ReferralScope::SentBy(
            Source::EmploymentService,
            Some(Recipient::EmploymentService),
        ),
        Coach => ReferralScope::Viadidakt {
            closed_after: referral::coach_sight_closed_after(today),
        },
        Analyst | Auditor | Admin | Eservice => ReferralScope::Nobody,
    }
}

/// How much of a referral the caller sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferralView {
    /// The sender, social services: all of it, the coach's mapping too (the
    /// basis of the investigation).
    SocialServices,
    /// Viadidakt, to whom it was sent: all of it.
    Viadidakt,
    /// The sender, AF: all but the coach's mapping.
    EmploymentService,
}

impl ReferralView {
    /// Whether the coach's mapping of the first meeting is shown.
    pub fn shows_mapping(self) -> bool {
        self != Self::EmploymentService
    }
}

/// What the policy needs to know of a referral.
#[derive(Debug, Clone, Copy)]
pub struct ReferralFacts {
    pub source: Source,
    pub status: ReferralStatus,
    pub closed_on: Option<NaiveDate>,
}

/// Which view of a referral the caller has on `today`, or `None` when it
/// may not see it: the same rule as [`referral_scope`], for one referral.
pub fn referral_view(
    principal: &Principal,
    referral: ReferralFacts,
    relations: PersonRelations,
    today: NaiveDate,
) -> Option<ReferralView> {
    match principal.role {
        Caseworker | CaseSystem => {
            (referral.source == Source::SocialServices).then_some(ReferralView::SocialServices)
        }
        EmploymentOfficer => (referral.source == Source::EmploymentService
            && relations.consent_to_employment_service)
            .then_some(ReferralView::EmploymentService),
        Coach => (relations.consent_to_viadidakt
            && referral::gives_coach_sight(referral.status, referral.closed_on, today))
        .then_some(ReferralView::Viadidakt),
        Analyst | Auditor | Admin | Eservice => None,
    }
}

/// Gate 3 for a referral: 404 when the caller may not see it. Every role
/// that may see a referral may do to it what gate 1 lets its role do.
pub fn referral_access(
    principal: &Principal,
    referral: ReferralFacts,
    relations: PersonRelations,
    today: NaiveDate,
) -> Result<ReferralView, AppError> {
    referral_view(principal, referral, relations, today).ok_or(AppError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Who has which operation, written from docs/access.md and not from
    /// the table above: the two must agree, and a new operation without a
    /// row here fails.
    const EXPECTED: &[(&str, &[&str])] = &[
        ("applicant.create", &["caseworker", "case_system"]),
        (
            "applicant.read",
            &["caseworker", "case_system", "coach", "employment_officer"],
        ),
        (
            "applicant.list",
            &["caseworker", "case_system", "coach", "employment_officer"],
        ),
        (
            "applicant.search",
            &["caseworker", "case_system", "coach", "employment_officer"],
        ),
        (
            "applicant.update",
            &["caseworker", "case_system", "coach", "employment_officer"],
        ),
        ("applicant.export", &["caseworker"]),
        ("applicant.personal_numbers", &["caseworker", "case_system"]),
        (
            "applicant.replace_personal_number",
            &["caseworker", "case_system"],
        ),
        (
            "applicant.labour_market_view",
            &["coach", "employment_officer"],
        ),
        (
            "application.create",
            &["caseworker", "case_system", "eservice"],
        ),
        (
            "application.read",
            &["caseworker", "case_system", "coach", "eservice"],
        ),
        (
            "application.list",
            &["caseworker", "case_system", "coach", "eservice"],
        ),
        ("application.investigate", &["caseworker", "case_system"]),
        ("application.decide", &["caseworker", "case_system"]),
        ("application.assess", &["caseworker", "case_system"]),
        ("decision.read", &["caseworker", "case_system"]),
        ("decision.create", &["caseworker", "case_system"]),
        ("decision.list", &["caseworker", "case_system"]),
        ("application.calculation", &["caseworker", "case_system"]),
        ("norm_table.load", &["admin"]),
        ("norm_table.read", &["caseworker", "case_system", "admin"]),
        ("decision.replace", &["caseworker", "case_system"]),
        (
            "application.withdraw",
            &["caseworker", "case_system", "eservice"],
        ),
        ("payment.create", &["case_system"]),
        ("payment.read", &["caseworker", "case_system"]),
        ("consent.create", &["caseworker", "case_system", "eservice"]),
        ("consent.read", &["caseworker", "case_system"]),
        ("consent.revoke", &["caseworker", "case_system", "eservice"]),
        (
            "employment_status.read",
            &["caseworker", "case_system", "coach", "employment_officer"],
        ),
        (
            "employment_status.update",
            &["caseworker", "coach", "employment_officer"],
        ),
        (
            "referral.create",
            &["caseworker", "case_system", "employment_officer"],
        ),
        (
            "referral.read",
            &["caseworker", "case_system", "coach", "employment_officer"],
        ),
        (
            "referral.list",
            &["caseworker", "case_system", "coach", "employment_officer"],
        ),
        ("referral.accept", &["coach"]),
        ("referral.decline", &["coach"]),
        (
            "referral.withdraw",
            &["caseworker", "case_system", "employment_officer"],
        ),
        ("referral.first_meeting", &["coach"]),
        ("referral.close", &["coach"]),
        ("referral.plan", &["caseworker", "coach"]),
        ("intervention.create", &["coach"]),
        ("intervention.update", &["coach"]),
        ("programme.create", &["coach", "admin"]),
        (
            "programme.read",
            &["caseworker", "case_system", "coach", "admin"],
        ),
        (
            "programme.list",
            &["caseworker", "case_system", "coach", "admin"],
        ),
        ("programme.update", &["coach", "admin"]),
        ("programme.participants", &["coach"]),
        ("agreement.create", &["admin"]),
        (
            "agreement.read",
            &["caseworker", "coach", "employment_officer", "admin"],
        ),
        (
            "agreement.list",
            &["caseworker", "coach", "employment_officer", "admin"],
        ),
        (
            "meeting.create",
            &["caseworker", "coach", "employment_officer"],
        ),
        (
            "meeting.list",
            &["caseworker", "coach", "employment_officer"],
        ),
        ("event.read", &["case_system"]),
        ("audit.verify", &["auditor"]),
        ("audit.read", &["auditor"]),
        ("audit.report", &["auditor"]),
        (
            "indicator.catalogue",
            &[
                "analyst",
                "caseworker",
                "case_system",
                "coach",
                "employment_officer",
                "admin",
            ],
        ),
        (
            "indicator.values",
            &[
                "analyst",
                "caseworker",
                "case_system",
                "coach",
                "employment_officer",
                "admin",
            ],
        ),
        ("indicator.report", &["admin", "case_system"]),
    ];

    fn principal(role: Role) -> Principal {
        Principal {
            subject: "s".into(),
            role,
            unit: role.default_unit(),
            municipalities: vec![],
            client_id: None,
        }
    }

    #[test]
    fn every_operation_has_one_row_in_the_table() {
        for op in Operation::ALL {
            assert_eq!(RULES.iter().filter(|r| r.op == *op).count(), 1, "{op}");
        }
    }

    #[test]
    fn the_table_gives_each_role_exactly_the_operations_docs_access_lists() {
        for op in Operation::ALL {
            let (_, roles) = EXPECTED
                .iter()
                .find(|(name, _)| *name == op.as_str())
                .unwrap_or_else(|| panic!("{op} has no expected row"));
            for role in Role::ALL {
                let allowed = authorize(&principal(role), *op).is_ok();
                assert_eq!(allowed, roles.contains(&role.as_str()), "{op} as {role}");
            }
        }
        assert_eq!(EXPECTED.len(), Operation::ALL.len());
    }

    #[test]
    fn the_portal_must_send_keys_where_the_table_says() {
        let portal = principal(Eservice);
        let case = principal(CaseSystem);
        assert!(key_required(&portal, Operation::CreateApplication));
        assert!(!key_required(&case, Operation::CreateApplication));
        assert!(key_required(&case, Operation::CreatePayment));
        assert!(!key_required(&portal, Operation::CreateConsent));
    }
}
