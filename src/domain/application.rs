//! Applications for economic assistance: codes, status (BR-4) and decisions (BR-3).

use rust_decimal::Decimal;

use crate::code_enum;

code_enum! {
    /// How the application came in.
    Channel {
        EService = "e_service",
        Paper = "paper",
        Visit = "visit",
    }
}

code_enum! {
    /// Socialstyrelsen's categories of *försörjningshinder*.
    ReasonForNeed {
        Unemployed = "unemployed",
        SickWithoutBenefit = "sick_without_benefit",
        SfiStudentWithoutIncome = "sfi_student_without_income",
        WorkObstacles = "work_obstacles",
        InsufficientPension = "insufficient_pension",
        AwaitingBenefitOrSalary = "awaiting_benefit_or_salary",
        SocialReasons = "social_reasons",
        Other = "other",
    }
}

code_enum! {
    /// Kinds of declared income.
    IncomeKind {
        Salary = "salary",
        UnemploymentBenefit = "unemployment_benefit",
        SicknessBenefit = "sickness_benefit",
        ActivitySupport = "activity_support",
        ParentalBenefit = "parental_benefit",
        HousingAllowance = "housing_allowance",
        ChildAllowance = "child_allowance",
        MaintenanceSupport = "maintenance_support",
        Pension = "pension",
        StudentAid = "student_aid",
        Other = "other",
    }
}

code_enum! {
    /// Kinds of declared expense.
    ExpenseKind {
        Rent = "rent",
        Electricity = "electricity",
        HomeInsurance = "home_insurance",
        TravelToWork = "travel_to_work",
        UnionFee = "union_fee",
        UnemploymentFundFee = "unemployment_fund_fee",
        Childcare = "childcare",
        MedicalCare = "medical_care",
        Medicine = "medicine",
        DentalCare = "dental_care",
        Other = "other",
    }
}

code_enum! {
    /// The place of a person named in an application.
    HouseholdRole {
        Applicant = "applicant",
        CoApplicant = "co_applicant",
    }
}

code_enum! {
    /// Where an application is (BR-4).
    Status {
        Received = "received",
        UnderInvestigation = "under_investigation",
        Decided = "decided",
        Withdrawn = "withdrawn",
    }
}

code_enum! {
    /// The outcome of a decision (BR-3).
    Outcome {
        Granted = "granted",
        PartiallyGranted = "partially_granted",
        Rejected = "rejected",
    }
}

/// The explicit actions that move an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    StartInvestigation,
    Decide,
    Withdraw,
}

impl Status {
    /// BR-4: `received` → `under_investigation` → `decided`; an application
    /// not yet decided may be withdrawn. Any other move is refused with the
    /// current status.
    pub fn apply(self, action: Action) -> Result<Status, Status> {
        match (self, action) {
            (Status::Received, Action::StartInvestigation) => Ok(Status::UnderInvestigation),
            (Status::UnderInvestigation, Action::Decide) => Ok(Status::Decided),
            (Status::Received | Status::UnderInvestigation, Action::Withdraw) => {
                Ok(Status::Withdrawn)
            }
            (current, _) => Err(current),
        }
    }
}

impl Outcome {
    /// Whether money may be paid under this outcome.
    pub fn grants_money(self) -> bool {
        matches!(self, Outcome::Granted | Outcome::PartiallyGranted)
    }
}

/// BR-3: the amount a decision with `outcome` carries. A grant names an
/// amount above zero; a rejection none, or zero.
pub fn decision_amount(outcome: Outcome, amount: Option<Decimal>) -> Result<Decimal, String> {
    match (outcome.grants_money(), amount) {
        (true, Some(a)) if a > Decimal::ZERO => Ok(a),
        (true, Some(_)) => Err("must be above zero when granting".into()),
        (true, None) => Err("is required when granting".into()),
        (false, Some(a)) if !a.is_zero() => Err("must be 0 or absent for a rejection".into()),
        (false, _) => Ok(Decimal::ZERO),
    }
}

/// BR-3: whether a decision with `outcome` needs its reasons.
pub fn needs_reasons(outcome: Outcome) -> bool {
    outcome == Outcome::Rejected
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn br4_status_moves_only_forward_through_explicit_actions() {
        use Action::*;
        use Status::*;
        assert_eq!(Received.apply(StartInvestigation), Ok(UnderInvestigation));
        assert_eq!(UnderInvestigation.apply(Decide), Ok(Decided));
        assert_eq!(Received.apply(Withdraw), Ok(Withdrawn));
        assert_eq!(UnderInvestigation.apply(Withdraw), Ok(Withdrawn));
        assert_eq!(Received.apply(Decide), Err(Received));
        assert_eq!(
            UnderInvestigation.apply(StartInvestigation),
            Err(UnderInvestigation)
        );
        for done in [Decided, Withdrawn] {
            for action in [StartInvestigation, Decide, Withdraw] {
                assert_eq!(done.apply(action), Err(done));
            }
        }
    }

    #[test]
    fn br3_a_grant_names_an_amount_above_zero_and_a_rejection_none() {
        let a = |s: &str| Some(s.parse::<Decimal>().unwrap());
        assert_eq!(
            decision_amount(Outcome::Granted, a("8450.00")),
            Ok(a("8450.00").unwrap())
        );
        assert!(decision_amount(Outcome::Granted, a("0")).is_err());
        assert!(decision_amount(Outcome::PartiallyGranted, None).is_err());
        assert_eq!(decision_amount(Outcome::Rejected, None), Ok(Decimal::ZERO));
        assert_eq!(
            decision_amount(Outcome::Rejected, a("0.00")),
            Ok(Decimal::ZERO)
        );
        assert!(decision_amount(Outcome::Rejected, a("1")).is_err());
        assert!(needs_reasons(Outcome::Rejected));
        assert!(!needs_reasons(Outcome::Granted));
    }

    #[test]
    fn codes_parse_their_wire_names_only() {
        assert_eq!(
            ReasonForNeed::parse("sfi_student_without_income"),
            Ok(ReasonForNeed::SfiStudentWithoutIncome)
        );
        assert!(
            ReasonForNeed::parse("lazy")
                .unwrap_err()
                .contains("unemployed")
        );
        assert_eq!(Channel::parse("e_service"), Ok(Channel::EService));
    }
}
