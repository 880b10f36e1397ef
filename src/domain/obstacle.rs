//! *Försörjningshinder*: why an adult cannot support themselves, in the
//! categories of Socialstyrelsen's register of economic assistance, as the
//! caseworker assesses each adult on a decision (docs/support-obstacles.md
//! gives each code's Swedish label and the sources).

use crate::code_enum;

code_enum! {
    /// An adult's *försörjningshinder*: Socialstyrelsen's categories, with
    /// the split no benefit / insufficient benefit / waiting for a benefit
    /// where the category has it (docs/support-obstacles.md).
    SupportObstacle {
        /// Arbetslös, ingen ersättning.
        UnemployedNoBenefit = "unemployed_no_benefit",
        /// Arbetslös, otillräcklig ersättning.
        UnemployedInsufficientBenefit = "unemployed_insufficient_benefit",
        /// Arbetslös, väntar på ersättning.
        UnemployedAwaitingBenefit = "unemployed_awaiting_benefit",
        /// Arbetslös med etableringsersättning: ersättning saknas.
        EstablishmentNoBenefit = "establishment_no_benefit",
        /// Etableringsersättning otillräcklig.
        EstablishmentInsufficientBenefit = "establishment_insufficient_benefit",
        /// Väntar på etableringsersättning.
        EstablishmentAwaitingBenefit = "establishment_awaiting_benefit",
        /// Sjukskriven med läkarintyg, ingen sjukpenning.
        SickWithCertificateNoBenefit = "sick_with_certificate_no_benefit",
        /// Sjukskriven med läkarintyg, otillräcklig sjukpenning.
        SickWithCertificateInsufficientBenefit = "sick_with_certificate_insufficient_benefit",
        /// Sjukskriven med läkarintyg, väntar på sjukpenning.
        SickWithCertificateAwaitingBenefit = "sick_with_certificate_awaiting_benefit",
        /// Sjuk- eller aktivitetsersättning, otillräcklig.
        SicknessActivityCompensationInsufficientBenefit =
            "sickness_activity_compensation_insufficient_benefit",
        /// Sjuk- eller aktivitetsersättning, väntar på.
        SicknessActivityCompensationAwaitingBenefit =
            "sickness_activity_compensation_awaiting_benefit",
        /// Föräldrapenning otillräcklig.
        ParentalBenefitInsufficientBenefit = "parental_benefit_insufficient_benefit",
        /// Väntar på föräldrapenning.
        ParentalBenefitAwaitingBenefit = "parental_benefit_awaiting_benefit",
        /// Pension eller äldreförsörjningsstöd otillräcklig.
        PensionInsufficientBenefit = "pension_insufficient_benefit",
        /// Väntar på pension eller äldreförsörjningsstöd.
        PensionAwaitingBenefit = "pension_awaiting_benefit",
        /// Arbetar heltid, otillräcklig inkomst.
        WorkingFullTimeInsufficientIncome = "working_full_time_insufficient_income",
        /// Arbetar heltid, väntar på inkomst.
        WorkingFullTimeAwaitingIncome = "working_full_time_awaiting_income",
        /// Arbetar ofrivilligt deltid, otillräcklig inkomst.
        WorkingPartTimeInsufficientIncome = "working_part_time_insufficient_income",
        /// Arbetar ofrivilligt deltid, väntar på inkomst.
        WorkingPartTimeAwaitingIncome = "working_part_time_awaiting_income",
        /// Arbetshinder, sociala skäl.
        SocialReasons = "social_reasons",
        /// Saknar barnomsorg.
        NoChildcare = "no_childcare",
        /// Ensamkommande ungdom 18–20 år i gymnasieskolan.
        UnaccompaniedYouthInSchool = "unaccompanied_youth_in_school",
        /// Utan försörjningshinder.
        NoSupportObstacle = "no_support_obstacle",
    }
}
