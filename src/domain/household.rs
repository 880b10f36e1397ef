//! The household an application covers: adults in their roles, children as
//! persons, and whose each income and expense is.

use std::fmt;

use chrono::{Datelike, NaiveDate};

use crate::code_enum;

code_enum! {
    /// A person's place in the household.
    MemberRole {
        /// The person who applies.
        Applicant = "applicant",
        /// The applicant's spouse or cohabiting partner (*make, sambo*),
        /// who applies with them.
        Partner = "partner",
        /// Another adult sharing the home (an adult child, a lodger): named
        /// in the household, not covered by the calculation.
        OtherAdult = "other_adult",
        /// A child living in the home, all or part of the month.
        Child = "child",
    }
}

code_enum! {
    /// Whether a child of 19 or 20 still attends upper secondary school
    /// (*gymnasieskola* or the like), which keeps them a child in the norm.
    SchoolStatus {
        UpperSecondary = "upper_secondary",
        NotInSchool = "not_in_school",
    }
}

code_enum! {
    /// Where an income or expense figure comes from: the applicant's
    /// declaration, or another authority (fetched through SSBTEK or read
    /// from its decision).
    LineSource {
        Declared = "declared",
        Forsakringskassan = "forsakringskassan",
        Pensionsmyndigheten = "pensionsmyndigheten",
        Csn = "csn",
        Arbetsformedlingen = "arbetsformedlingen",
        UnemploymentFund = "unemployment_fund",
        Skatteverket = "skatteverket",
    }
}

/// The contract's pattern for a member key.
pub const MEMBER_PATTERN: &str = r"^(applicant|partner|adult_[1-9][0-9]?|child_[1-9][0-9]?)$";

/// The most days a month a child can live in the home: a month counts as 30
/// days (a child living there half the time lives there 15).
pub const DAYS_IN_MONTH: i32 = 30;

/// The oldest a child can be (at the start of the support month) and still
/// count as a child: 20, while in upper secondary school.
pub const CHILD_UNTIL_AGE: i32 = 20;

/// The age from which a child counts only while in upper secondary school.
pub const SCHOOL_AGE_LIMIT: i32 = 19;

/// Names a person within one application: `applicant`, `partner`,
/// `adult_1`…, `child_1`… (numbered in the order the application lists
/// them). Lines and assessments refer to persons by it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MemberKey(String);

impl MemberKey {
    pub fn applicant() -> Self {
        Self("applicant".into())
    }

    pub fn partner() -> Self {
        Self("partner".into())
    }

    /// The `n`th other adult, from 1.
    pub fn adult(n: usize) -> Self {
        Self(format!("adult_{n}"))
    }

    /// The `n`th child, from 1.
    pub fn child(n: usize) -> Self {
        Self(format!("child_{n}"))
    }

    /// Reads a key as written; the error says what keys look like.
    pub fn parse(text: &str) -> Result<Self, String> {
        let numbered = |prefix: &str| {
            text.strip_prefix(prefix).is_some_and(|n| {
                !n.is_empty()
                    && n.len() <= 2
                    && !n.starts_with('0')
                    && n.bytes().all(|b| b.is_ascii_digit())
            })
        };
        if text == "applicant" || text == "partner" || numbered("adult_") || numbered("child_") {
            Ok(Self(text.to_owned()))
        } else {
            Err(
                "must name a person of the household: applicant, partner, adult_N or child_N"
                    .into(),
            )
        }
    }

    /// The role the key stands for.
    pub fn role(&self) -> MemberRole {
        match self.0.as_str() {
            "applicant" => MemberRole::Applicant,
            "partner" => MemberRole::Partner,
            key if key.starts_with("adult_") => MemberRole::OtherAdult,
            _ => MemberRole::Child,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MemberKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Full years of age on `day`.
pub fn age_on(birth_date: NaiveDate, day: NaiveDate) -> i32 {
    let mut age = day.year() - birth_date.year();
    if (day.month(), day.day()) < (birth_date.month(), birth_date.day()) {
        age -= 1;
    }
    age
}

/// Whether a person born on `birth_date` counts as a child of the household
/// at the start of the support month (`month_start`, its first day): born
/// by the month's end, under 19, or 19–20 while in upper secondary school.
pub fn child_counts(
    birth_date: NaiveDate,
    month_start: NaiveDate,
    school: Option<SchoolStatus>,
) -> Result<(), String> {
    if birth_date >= month_start + chrono::Months::new(1) {
        return Err("must not be after the support month".into());
    }
    let age = age_on(birth_date, month_start);
    match (age, school) {
        (..SCHOOL_AGE_LIMIT, _) => Ok(()),
        (SCHOOL_AGE_LIMIT..=CHILD_UNTIL_AGE, Some(SchoolStatus::UpperSecondary)) => Ok(()),
        (SCHOOL_AGE_LIMIT..=CHILD_UNTIL_AGE, None) => Err(
            "a child of 19 or 20 needs school_status: counted as a child only while in upper secondary school"
                .into(),
        ),
        (SCHOOL_AGE_LIMIT..=CHILD_UNTIL_AGE, Some(SchoolStatus::NotInSchool)) => Err(
            "a person of 19 or 20 not in upper secondary school is an adult: name them in other_adults"
                .into(),
        ),
        _ => Err("a person of 21 or more is an adult: name them in other_adults".into()),
    }
}

/// Days a month a child lives in the home: 1–30 (30 is all the time).
pub fn days_in_home(days: i32) -> Result<i32, String> {
    if (1..=DAYS_IN_MONTH).contains(&days) {
        Ok(days)
    } else {
        Err(format!(
            "must be 1–{DAYS_IN_MONTH} (days a month the child lives in the home)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn member_keys_name_a_role_and_a_number() {
        assert_eq!(
            MemberKey::parse("child_2").unwrap().role(),
            MemberRole::Child
        );
        assert_eq!(
            MemberKey::parse("adult_1").unwrap().role(),
            MemberRole::OtherAdult
        );
        assert_eq!(MemberKey::parse("partner").unwrap(), MemberKey::partner());
        for bad in [
            "child_0",
            "child_",
            "child_01",
            "kid_1",
            "Applicant",
            "adult_100",
        ] {
            assert!(MemberKey::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn age_counts_full_years() {
        assert_eq!(age_on(d(2007, 12, 1), d(2026, 12, 1)), 19);
        assert_eq!(age_on(d(2007, 12, 2), d(2026, 12, 1)), 18);
        assert_eq!(age_on(d(2020, 2, 29), d(2021, 2, 28)), 0);
    }

    #[test]
    fn a_child_of_19_or_20_counts_only_in_upper_secondary_school() {
        let start = d(2026, 12, 1);
        assert!(child_counts(d(2010, 5, 1), start, None).is_ok());
        assert!(child_counts(d(2007, 5, 1), start, None).is_err());
        assert!(child_counts(d(2007, 5, 1), start, Some(SchoolStatus::UpperSecondary)).is_ok());
        assert!(child_counts(d(2007, 5, 1), start, Some(SchoolStatus::NotInSchool)).is_err());
        assert!(child_counts(d(2005, 11, 30), start, Some(SchoolStatus::UpperSecondary)).is_err());
        assert!(child_counts(d(2027, 3, 1), start, None).is_err());
    }

    #[test]
    fn days_in_home_are_1_to_30() {
        assert_eq!(days_in_home(15), Ok(15));
        assert!(days_in_home(0).is_err());
        assert!(days_in_home(31).is_err());
    }
}
