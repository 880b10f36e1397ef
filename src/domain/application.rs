//! Applications for economic assistance: codes and status (BR-4).

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
    /// Why the applicant says they need support: their own statement on the
    /// application, not the caseworker's assessment (that is each adult's
    /// `support_obstacle` on the decision).
    StatedReason {
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
    /// Where an application is (BR-4).
    Status {
        Received = "received",
        UnderInvestigation = "under_investigation",
        Decided = "decided",
        Withdrawn = "withdrawn",
    }
}

impl IncomeKind {
    /// How a calculation names the income (Swedish).
    pub fn label_sv(self) -> &'static str {
        match self {
            Self::Salary => "Lön",
            Self::UnemploymentBenefit => "Arbetslöshetsersättning",
            Self::SicknessBenefit => "Sjukpenning",
            Self::ActivitySupport => "Aktivitetsstöd",
            Self::ParentalBenefit => "Föräldrapenning",
            Self::HousingAllowance => "Bostadsbidrag",
            Self::ChildAllowance => "Barnbidrag",
            Self::MaintenanceSupport => "Underhållsstöd",
            Self::Pension => "Pension",
            Self::StudentAid => "Studiemedel",
            Self::Other => "Annan inkomst",
        }
    }
}

impl ExpenseKind {
    /// How a calculation names the cost (Swedish).
    pub fn label_sv(self) -> &'static str {
        match self {
            Self::Rent => "Boendekostnad",
            Self::Electricity => "Hushållsel",
            Self::HomeInsurance => "Hemförsäkring",
            Self::TravelToWork => "Resor till och från arbetet",
            Self::UnionFee => "Fackföreningsavgift",
            Self::UnemploymentFundFee => "Avgift till arbetslöshetskassa",
            Self::Childcare => "Barnomsorg",
            Self::MedicalCare => "Läkarvård",
            Self::Medicine => "Medicin",
            Self::DentalCare => "Tandvård",
            Self::Other => "Annan kostnad",
        }
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
    fn codes_parse_their_wire_names_only() {
        assert_eq!(
            StatedReason::parse("sfi_student_without_income"),
            Ok(StatedReason::SfiStudentWithoutIncome)
        );
        assert!(
            StatedReason::parse("lazy")
                .unwrap_err()
                .contains("unemployed")
        );
        assert_eq!(Channel::parse("e_service"), Ok(Channel::EService));
    }
}
