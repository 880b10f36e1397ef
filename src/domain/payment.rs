//! Payments under a decision (BR-3b).

use crate::code_enum;

code_enum! {
    /// Who a payment goes to.
    PayeeKind {
        /// The person the decision is about.
        Applicant = "applicant",
        /// The landlord, for the rent.
        Landlord = "landlord",
        /// An electricity or other utility company.
        Utility = "utility",
        /// Anyone else the decision allows paying (a preschool, a pharmacy).
        Other = "other",
    }
}

impl PayeeKind {
    /// Whether the payee is named: everyone but the person themselves.
    pub fn needs_name(self) -> bool {
        self != PayeeKind::Applicant
    }
}

/// Why a payment is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The application has no decision that grants money.
    NoGrant,
    /// The sum paid for the month would go below zero.
    SumNegative,
    /// The sum paid for the month would go above what was granted.
    ExceedsGrant,
}

/// BR-3b: whether a payment of `amount` öre may be made where `granted` öre
/// were granted for the month and `paid` öre are paid: the sum stays
/// between zero and the grant.
pub fn check(granted: i64, paid: i64, amount: i64) -> Result<(), Refusal> {
    if granted <= 0 {
        Err(Refusal::NoGrant)
    } else if paid + amount < 0 {
        Err(Refusal::SumNegative)
    } else if paid + amount > granted {
        Err(Refusal::ExceedsGrant)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn br3b_the_sum_paid_stays_between_zero_and_the_grant() {
        assert_eq!(check(0, 0, 100), Err(Refusal::NoGrant));
        assert_eq!(check(845_000, 0, 845_000), Ok(()));
        assert_eq!(check(845_000, 0, 845_001), Err(Refusal::ExceedsGrant));
        assert_eq!(check(845_000, 800_000, 45_001), Err(Refusal::ExceedsGrant));
        assert_eq!(check(845_000, 800_000, -800_000), Ok(()));
        assert_eq!(check(845_000, 800_000, -800_001), Err(Refusal::SumNegative));
    }
}
