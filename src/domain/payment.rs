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
/// are granted for the month and `paid` öre are paid. Money is paid only
/// under a grant and up to it; a correction (a negative amount) may take
/// the sum down to zero, also when a replacing decision now grants less
/// than was paid (or nothing), so that the excess can be booked back.
pub fn check(granted: i64, paid: i64, amount: i64) -> Result<(), Refusal> {
    if amount < 0 {
        return if paid + amount < 0 {
            Err(Refusal::SumNegative)
        } else {
            Ok(())
        };
    }
    if granted <= 0 {
        Err(Refusal::NoGrant)
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
        // A replacing decision that grants less than was paid, or nothing:
        // no more money, but corrections down to zero.
        assert_eq!(check(500_000, 845_000, 1), Err(Refusal::ExceedsGrant));
        assert_eq!(check(500_000, 845_000, -100_000), Ok(()));
        assert_eq!(check(0, 845_000, -845_000), Ok(()));
        assert_eq!(check(0, 845_000, 100), Err(Refusal::NoGrant));
    }
}
