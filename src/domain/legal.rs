//! The provisions decisions rest on: a dated table (docs/legal-basis.md),
//! so that a decision names only what was in force for the period it
//! covers, and only what fits its kind and outcome.

use chrono::NaiveDate;

use crate::code_enum;
use crate::domain::decision::{DecisionKind, Outcome};

code_enum! {
    /// A provision a decision rests on (docs/legal-basis.md).
    LegalBasisCode {
        Sol2025Ch12S1 = "sol_2025_12_1",
        Sol2025Ch12S2 = "sol_2025_12_2",
        Sol2025Ch12S3 = "sol_2025_12_3",
        Sol2025Ch12S5 = "sol_2025_12_5",
        Sol2025Ch12S7 = "sol_2025_12_7",
        Stf2025Ch12S2 = "stf_2025_12_2",
        Stf2025Ch12S3 = "stf_2025_12_3",
        Sol2025Ch33S1 = "sol_2025_33_1",
        Sol2025Ch33S2 = "sol_2025_33_2",
        Sol2025Ch33S3 = "sol_2025_33_3",
        Sol2025Ch33S6 = "sol_2025_33_6",
        Sol2001Ch4S1 = "sol_2001_4_1",
        Sol2001Ch4S2 = "sol_2001_4_2",
        Sol2001Ch4S3 = "sol_2001_4_3",
        Sol2001Ch9S1 = "sol_2001_9_1",
        Sol2001Ch9S2 = "sol_2001_9_2",
        Sol2001Ch9S4 = "sol_2001_9_4",
    }
}

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegalBasis {
    pub code: LegalBasisCode,
    /// As printed on a decision.
    pub citation: &'static str,
    /// What it provides, in one line.
    pub covers: &'static str,
    /// In force from (inclusive), `YYYY-MM-DD`.
    pub valid_from: &'static str,
    /// In force until (inclusive), when repealed.
    pub valid_to: Option<&'static str>,
    /// The kinds of decision that may rest on it.
    pub kinds: &'static [DecisionKind],
    /// The outcomes it can carry.
    pub outcomes: Option<&'static [Outcome]>,
    /// Whether a decision under it can be appealed to the administrative
    /// court (35 kap. 1 § socialtjänstlagen (2025:400)).
    pub appealable: bool,
    /// Whether it is the right an assistance decision rests on (the right
    /// to assistance, or assistance beyond it).
    pub right: bool,
}

use DecisionKind::{Assistance, Recovery, WriteOff};
use LegalBasisCode as C;

/// Outcomes that try the matter.
const TRIED: &[Outcome] = &[
    Outcome::Granted,
    Outcome::PartiallyRejected,
    Outcome::Rejected,
];

/// Every outcome of an assistance decision.
const ASSISTANCE: &[Outcome] = &[
    Outcome::Granted,
    Outcome::PartiallyRejected,
    Outcome::Rejected,
    Outcome::Dismissed,
];

/// The outcome of a recovery decision.
const CLAIMED: &[Outcome] = &[Outcome::Claimed];

/// Outcomes that refuse, in whole or in part.
const REFUSED: &[Outcome] = &[Outcome::PartiallyRejected, Outcome::Rejected];

/// The table: the Social Services Act (2025:400) and its ordinance, then
/// the act it replaced (2001:453), which still governs recovery of
/// assistance granted before 2025-07-01 (its transitional provisions).
pub const TABLE: &[LegalBasis] = &[
    LegalBasis {
        code: C::Sol2025Ch12S1,
        citation: "12 kap. 1 § socialtjänstlagen (2025:400)",
        covers: "the right to assistance for one's livelihood (försörjningsstöd) and other living costs",
        valid_from: "2025-07-01",
        valid_to: None,
        kinds: &[Assistance],
        outcomes: Some(ASSISTANCE),
        appealable: true,
        right: true,
    },
    LegalBasis {
        code: C::Sol2025Ch12S2,
        citation: "12 kap. 2 § socialtjänstlagen (2025:400)",
        covers: "assistance beyond the right, at the committee's discretion",
        valid_from: "2025-07-01",
        valid_to: None,
        kinds: &[Assistance],
        outcomes: Some(TRIED),
        appealable: false,
        right: true,
    },
    LegalBasis {
        code: C::Sol2025Ch12S3,
        citation: "12 kap. 3 § socialtjänstlagen (2025:400)",
        covers: "försörjningsstöd for someone able to work requires being available to the labour market",
        valid_from: "2025-07-01",
        valid_to: None,
        kinds: &[Assistance],
        outcomes: Some(REFUSED),
        appealable: false,
        right: false,
    },
    LegalBasis {
        code: C::Sol2025Ch12S5,
        citation: "12 kap. 5 § socialtjänstlagen (2025:400)",
        covers: "försörjningsstöd refused or reduced after declining assigned work practice or skills activity",
        valid_from: "2025-07-01",
        valid_to: None,
        kinds: &[Assistance],
        outcomes: Some(REFUSED),
        appealable: true,
        right: false,
    },
    LegalBasis {
        code: C::Sol2025Ch12S7,
        citation: "12 kap. 7 § socialtjänstlagen (2025:400)",
        covers: "what försörjningsstöd covers: the national norm and reasonable costs",
        valid_from: "2025-07-01",
        valid_to: None,
        kinds: &[Assistance],
        outcomes: Some(TRIED),
        appealable: false,
        right: false,
    },
    LegalBasis {
        code: C::Stf2025Ch12S2,
        citation: "12 kap. 2 § socialtjänstförordningen (2025:468)",
        covers: "the national norm's amounts for the year",
        valid_from: "2025-07-01",
        valid_to: None,
        kinds: &[Assistance],
        outcomes: Some(TRIED),
        appealable: false,
        right: false,
    },
    LegalBasis {
        code: C::Stf2025Ch12S3,
        citation: "12 kap. 3 § socialtjänstförordningen (2025:468)",
        covers: "the norm for households above seven persons and for an adult sharing a household who is not a partner",
        valid_from: "2025-07-01",
        valid_to: None,
        kinds: &[Assistance],
        outcomes: Some(TRIED),
        appealable: false,
        right: false,
    },
    LegalBasis {
        code: C::Sol2025Ch33S1,
        citation: "33 kap. 1 § socialtjänstlagen (2025:400)",
        covers: "recovery of assistance paid wrongly or too much through incorrect or withheld information",
        valid_from: "2025-07-01",
        valid_to: None,
        kinds: &[Recovery],
        outcomes: Some(CLAIMED),
        appealable: false,
        right: false,
    },
    LegalBasis {
        code: C::Sol2025Ch33S2,
        citation: "33 kap. 2 § socialtjänstlagen (2025:400)",
        covers: "recovery of assistance given as an advance, in a labour dispute, or while the person could not use their own money",
        valid_from: "2025-07-01",
        valid_to: None,
        kinds: &[Recovery],
        outcomes: Some(CLAIMED),
        appealable: false,
        right: false,
    },
    LegalBasis {
        code: C::Sol2025Ch33S3,
        citation: "33 kap. 3 § socialtjänstlagen (2025:400)",
        covers: "recovery of assistance beyond the right given on condition of repayment",
        valid_from: "2025-07-01",
        valid_to: None,
        kinds: &[Recovery],
        outcomes: Some(CLAIMED),
        appealable: false,
        right: false,
    },
    LegalBasis {
        code: C::Sol2025Ch33S6,
        citation: "33 kap. 6 § socialtjänstlagen (2025:400)",
        covers: "write-off: the committee lets a repayment claim go, in whole or in part",
        valid_from: "2025-07-01",
        valid_to: None,
        kinds: &[WriteOff],
        outcomes: Some(TRIED),
        appealable: false,
        right: false,
    },
    LegalBasis {
        code: C::Sol2001Ch4S1,
        citation: "4 kap. 1 § socialtjänstlagen (2001:453)",
        covers: "the right to assistance for one's livelihood (försörjningsstöd) and way of life",
        valid_from: "2002-01-01",
        valid_to: Some("2025-06-30"),
        kinds: &[Assistance],
        outcomes: Some(ASSISTANCE),
        appealable: true,
        right: true,
    },
    LegalBasis {
        code: C::Sol2001Ch4S2,
        citation: "4 kap. 2 § socialtjänstlagen (2001:453)",
        covers: "assistance beyond the right, at the committee's discretion",
        valid_from: "2002-01-01",
        valid_to: Some("2025-06-30"),
        kinds: &[Assistance],
        outcomes: Some(TRIED),
        appealable: false,
        right: true,
    },
    LegalBasis {
        code: C::Sol2001Ch4S3,
        citation: "4 kap. 3 § socialtjänstlagen (2001:453)",
        covers: "what försörjningsstöd covers: the national norm and reasonable costs",
        valid_from: "2002-01-01",
        valid_to: Some("2025-06-30"),
        kinds: &[Assistance],
        outcomes: Some(TRIED),
        appealable: false,
        right: false,
    },
    LegalBasis {
        code: C::Sol2001Ch9S1,
        citation: "9 kap. 1 § socialtjänstlagen (2001:453)",
        covers: "recovery of assistance received through false or withheld information",
        valid_from: "2002-01-01",
        valid_to: Some("2025-06-30"),
        kinds: &[Recovery],
        outcomes: Some(CLAIMED),
        appealable: false,
        right: false,
    },
    LegalBasis {
        code: C::Sol2001Ch9S2,
        citation: "9 kap. 2 § socialtjänstlagen (2001:453)",
        covers: "recovery of assistance given as an advance or on condition of repayment",
        valid_from: "2002-01-01",
        valid_to: Some("2025-06-30"),
        kinds: &[Recovery],
        outcomes: Some(CLAIMED),
        appealable: false,
        right: false,
    },
    LegalBasis {
        code: C::Sol2001Ch9S4,
        citation: "9 kap. 4 § socialtjänstlagen (2001:453)",
        covers: "write-off of a repayment claim, in whole or in part",
        valid_from: "2002-01-01",
        valid_to: Some("2025-06-30"),
        kinds: &[WriteOff],
        outcomes: Some(TRIED),
        appealable: false,
        right: false,
    },
];

/// The row of a code. Every code has one; a test holds the table to that.
pub fn entry(code: LegalBasisCode) -> &'static LegalBasis {
    TABLE.iter().find(|b| b.code == code).unwrap_or(&TABLE[0])
}

impl LegalBasis {
    /// Whether the provision is in force on `day`.
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        let day = day.format("%Y-%m-%d").to_string();
        self.valid_from <= day.as_str() && self.valid_to.is_none_or(|to| day.as_str() <= to)
    }
}

/// Whether a decision of `kind` with `outcome` may rest on `code` on `day`
/// (the day an assistance decision is made; the first day of the period
/// reclaimed for recovery and write-off); the error says why not.
pub fn check(
    code: LegalBasisCode,
    kind: DecisionKind,
    outcome: Outcome,
    day: NaiveDate,
) -> Result<(), String> {
    let basis = entry(code);
    if !basis.kinds.contains(&kind) {
        return Err(format!(
            "{} is not a basis for a {kind} decision",
            basis.citation
        ));
    }
    if basis.outcomes.is_some_and(|o| !o.contains(&outcome)) {
        return Err(format!(
            "{} is not a basis for the outcome {outcome}",
            basis.citation
        ));
    }
    if !basis.in_force_on(day) {
        return Err(format!(
            "{} is not in force on {day} (in force {} – {})",
            basis.citation,
            basis.valid_from,
            basis.valid_to.unwrap_or("")
        ));
    }
    Ok(())
}

/// Whether a decision resting on `codes` can be appealed to the
/// administrative court: when one of them is a provision 35 kap. 1 § of the
/// Social Services Act lists (or its predecessor did).
pub fn appealable(codes: &[LegalBasisCode]) -> bool {
    codes.iter().any(|c| entry(*c).appealable)
}

/// Whether an assistance decision resting on `codes` names the right it
/// rests on (12 kap. 1 or 2 §, or 4 kap. 1 or 2 § of the act before).
pub fn names_the_right(codes: &[LegalBasisCode]) -> bool {
    codes.iter().any(|c| entry(*c).right)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn every_code_has_one_row() {
        for code in LegalBasisCode::ALL {
            assert_eq!(
                TABLE.iter().filter(|b| b.code == *code).count(),
                1,
                "{code}"
            );
        }
        assert_eq!(TABLE.len(), LegalBasisCode::ALL.len());
    }

    #[test]
    fn a_provision_applies_only_while_in_force_and_to_its_own_kind_and_outcome() {
        let before = d(2025, 6, 30);
        let after = d(2025, 7, 1);
        assert!(check(C::Sol2001Ch4S1, Assistance, Outcome::Granted, before).is_ok());
        assert!(check(C::Sol2001Ch4S1, Assistance, Outcome::Granted, after).is_err());
        assert!(check(C::Sol2025Ch12S1, Assistance, Outcome::Granted, before).is_err());
        assert!(check(C::Sol2025Ch12S1, Assistance, Outcome::Dismissed, after).is_ok());
        assert!(check(C::Sol2025Ch12S1, Recovery, Outcome::Granted, after).is_err());
        assert!(check(C::Sol2025Ch12S5, Assistance, Outcome::Granted, after).is_err());
        assert!(
            check(
                C::Sol2025Ch12S5,
                Assistance,
                Outcome::PartiallyRejected,
                after
            )
            .is_ok()
        );
        assert!(check(C::Sol2025Ch33S6, WriteOff, Outcome::Granted, after).is_ok());
        assert!(check(C::Sol2025Ch12S1, Assistance, Outcome::Claimed, after).is_err());
        // Recovery of assistance for a period before the new act is decided
        // under the old one.
        assert!(check(C::Sol2001Ch9S1, Recovery, Outcome::Claimed, before).is_ok());
        assert!(check(C::Sol2025Ch33S1, Recovery, Outcome::Claimed, before).is_err());
    }

    #[test]
    fn only_decisions_under_the_listed_provisions_are_appealed_to_court() {
        assert!(appealable(&[C::Sol2025Ch12S1, C::Sol2025Ch12S7]));
        assert!(appealable(&[C::Sol2025Ch12S5]));
        assert!(!appealable(&[C::Sol2025Ch12S2]));
        assert!(!appealable(&[C::Sol2025Ch33S6]));
        assert!(names_the_right(&[C::Sol2025Ch12S2]));
        assert!(!names_the_right(&[C::Sol2025Ch12S7, C::Stf2025Ch12S2]));
    }
}
