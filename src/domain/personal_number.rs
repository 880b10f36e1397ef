//! Swedish personal identity numbers (*personnummer*) and coordination
//! numbers (*samordningsnummer*), BR-1.
//!
//! The value never appears in `Debug` output, so it cannot reach a log line
//! by accident.

use std::fmt;

use chrono::{Datelike, NaiveDate};

/// The contract's pattern for the shape of a personal number; the date and
/// the check digit are checked by [`PersonalNumber::parse`].
pub const PATTERN: &str = r"^([0-9]{2})?[0-9]{6}[-+]?[0-9]{4}$";

crate::code_enum! {
    /// Legal sex for statistics (BR-1), from the second-to-last digit of the
    /// personal number: `K` (*kvinna*, even) or `M` (*man*, odd).
    Sex {
        /// *kvinna*: even digit.
        K = "K",
        /// *man*: odd digit.
        M = "M",
    }
}

/// Why a personal number was refused. The messages never repeat the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PersonalNumberError {
    #[error(
        "must be 10 or 12 digits, optionally with '-' or '+' before the last four, and a birth number other than 000"
    )]
    Format,
    #[error("does not hold a valid birth date")]
    Date,
    #[error("the check digit does not match (Luhn)")]
    CheckDigit,
}

/// A valid personal or coordination number, kept as 12 digits (`YYYYMMDDNNNC`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PersonalNumber(String);

impl PersonalNumber {
    /// Parses the forms `YYYYMMDDNNNC`, `YYYYMMDD-NNNC`, `YYMMDDNNNC`,
    /// `YYMMDD-NNNC` and `YYMMDD+NNNC` (`+` marks a person aged 100 or more).
    /// A ten-digit number takes the latest century that puts the birth date
    /// on or before `today`.
    pub fn parse(input: &str, today: NaiveDate) -> Result<Self, PersonalNumberError> {
        let (digits, plus) = split(input)?;
        let full = match digits.len() {
            12 => {
                if !matches!(&digits[..2], "18" | "19" | "20") {
                    return Err(PersonalNumberError::Date);
                }
                digits
            }
            10 => with_century(&digits, plus, today)?,
            _ => return Err(PersonalNumberError::Format),
        };
        let birth = birth_date(&full).ok_or(PersonalNumberError::Date)?;
        if birth > today {
            return Err(PersonalNumberError::Date);
        }
        // The birth number 000 is never issued.
        if &full[8..11] == "000" {
            return Err(PersonalNumberError::Format);
        }
        if !luhn_ok(&full[2..]) {
            return Err(PersonalNumberError::CheckDigit);
        }
        Ok(Self(full))
    }

    /// A number of Skatteverket's published test series (birth numbers 980
    /// to 999, never issued to anyone) for a person born on `born`: the
    /// `n`th of the ten numbers of that day for `sex`. Demo data and tests
    /// use these, never a real person's number.
    pub fn test_series(born: NaiveDate, sex: Sex, n: u32) -> Option<Self> {
        if n >= 10 {
            return None;
        }
        // The birth number's last digit is the sex digit: odd for men.
        let serial = 980 + 2 * n + u32::from(sex == Sex::M);
        let nine = format!("{}{serial}", born.format("%y%m%d"));
        let sum: u32 = nine
            .bytes()
            .enumerate()
            .map(|(i, b)| {
                let v = u32::from(b - b'0') * if i % 2 == 0 { 2 } else { 1 };
                v / 10 + v % 10
            })
            .sum();
        let check = (10 - sum % 10) % 10;
        Some(Self(format!("{}{serial}{check}", born.format("%Y%m%d"))))
    }

    /// The 12 digits, as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Restores a value read back from storage, where it was valid when written.
    pub fn from_stored(digits: String) -> Self {
        Self(digits)
    }

    pub fn sex(&self) -> Sex {
        let digit = self.0.as_bytes()[10] - b'0';
        if digit % 2 == 1 { Sex::M } else { Sex::K }
    }

    /// A coordination number carries the day of birth plus 60.
    pub fn is_coordination_number(&self) -> bool {
        self.0[6..8] > *"60"
    }

    /// The (possibly coordination-adjusted) date of birth.
    pub fn birth_date(&self) -> Option<NaiveDate> {
        birth_date(&self.0)
    }
}

impl fmt::Debug for PersonalNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PersonalNumber(***)")
    }
}

fn split(input: &str) -> Result<(String, bool), PersonalNumberError> {
    let bytes = input.as_bytes();
    let mut digits = String::with_capacity(12);
    let mut plus = false;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'0'..=b'9' => digits.push(char::from(b)),
            b'-' | b'+' if i + 5 == bytes.len() && (i == 6 || i == 8) => plus = b == b'+',
            _ => return Err(PersonalNumberError::Format),
        }
    }
    Ok((digits, plus))
}

fn with_century(digits: &str, plus: bool, today: NaiveDate) -> Result<String, PersonalNumberError> {
    let yy: i32 = digits[..2]
        .parse()
        .map_err(|_| PersonalNumberError::Format)?;
    let mut year = today.year() - (today.year() - yy).rem_euclid(100);
    let candidate = |year: i32| format!("{year:04}{}", &digits[2..]);
    // The latest century whose date is not in the future.
    if birth_date(&candidate(year)).is_some_and(|d| d > today) {
        year -= 100;
    }
    if plus {
        // Aged 100 or more: step back until the birthday is a century ago.
        while birth_date(&candidate(year))
            .is_some_and(|d| d > today.with_year(today.year() - 100).unwrap_or(today))
        {
            year -= 100;
        }
    }
    Ok(candidate(year))
}

fn birth_date(full: &str) -> Option<NaiveDate> {
    let year: i32 = full[..4].parse().ok()?;
    let month: u32 = full[4..6].parse().ok()?;
    let mut day: u32 = full[6..8].parse().ok()?;
    if day > 60 {
        day -= 60;
    }
    NaiveDate::from_ymd_opt(year, month, day)
}

/// Luhn over the ten digits `YYMMDDNNNC`.
fn luhn_ok(ten: &str) -> bool {
    let sum: u32 = ten
        .bytes()
        .enumerate()
        .map(|(i, b)| {
            let v = u32::from(b - b'0') * if i % 2 == 0 { 2 } else { 1 };
            v / 10 + v % 10
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_series_gives_valid_numbers_of_the_sex_asked_for() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let born = NaiveDate::from_ymd_opt(1985, 2, 28).unwrap();
        for sex in [Sex::K, Sex::M] {
            for n in 0..10 {
                let number = PersonalNumber::test_series(born, sex, n).unwrap();
                let parsed = PersonalNumber::parse(number.as_str(), today).unwrap();
                assert_eq!(parsed.sex(), sex);
                assert_eq!(parsed.birth_date(), Some(born));
                let serial: u32 = number.as_str()[8..11].parse().unwrap();
                assert!((980..=999).contains(&serial));
            }
        }
        assert!(PersonalNumber::test_series(born, Sex::K, 10).is_none());
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    #[derive(serde::Deserialize)]
    struct Case {
        long_format: String,
        separated_long: String,
        separated_format: String,
        valid: bool,
        #[serde(rename = "type")]
        kind: String,
        sex: String,
    }

    #[derive(serde::Deserialize)]
    struct Cases {
        cases: Vec<Case>,
    }

    #[test]
    fn agrees_with_every_published_test_case() {
        let text = include_str!("../../tests/data/personal-numbers.json");
        let cases: Cases = serde_json::from_str(text).unwrap();
        assert!(cases.cases.len() >= 10);
        for case in cases.cases {
            for form in [
                &case.long_format,
                &case.separated_long,
                &case.separated_format,
            ] {
                let parsed = PersonalNumber::parse(form, today());
                assert_eq!(
                    parsed.is_ok(),
                    case.valid,
                    "validity of case {}",
                    case.long_format
                );
                if let Ok(pn) = parsed {
                    assert_eq!(pn.as_str(), case.long_format);
                    assert_eq!(pn.sex().as_str(), case.sex);
                    assert_eq!(
                        pn.is_coordination_number(),
                        case.kind == "coordination_number"
                    );
                }
            }
        }
    }

    #[test]
    fn a_ten_digit_number_takes_the_latest_century_not_in_the_future() {
        let pn = PersonalNumber::parse("121212-1212", today()).unwrap();
        assert_eq!(pn.as_str(), "201212121212");
        let pn = PersonalNumber::parse("121212+1212", today()).unwrap();
        assert_eq!(pn.as_str(), "191212121212");
    }

    #[test]
    fn a_birth_date_in_the_future_is_refused() {
        assert_eq!(
            PersonalNumber::parse("20301212-1212", today()).unwrap_err(),
            PersonalNumberError::Date
        );
    }

    #[test]
    fn the_value_never_shows_in_debug_output() {
        let pn = PersonalNumber::parse("19121212-1212", today()).unwrap();
        assert!(!format!("{pn:?}").contains("1212"));
    }

    #[test]
    fn separators_only_before_the_last_four_digits() {
        assert_eq!(
            PersonalNumber::parse("1912-12121212", today()).unwrap_err(),
            PersonalNumberError::Format
        );
        assert_eq!(
            PersonalNumber::parse("19121212 1212", today()).unwrap_err(),
            PersonalNumberError::Format
        );
    }
}
