//! Support months (`2026-11`): civil months in Sweden.

use std::fmt;

use chrono::{Datelike, NaiveDate};

/// The contract's pattern for a month.
pub const PATTERN: &str = r"^20[0-9]{2}-(0[1-9]|1[0-2])$";

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    month: u32,
}

impl Month {
    /// Parses `YYYY-MM` (years 2000–2099).
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || "must be a month written YYYY-MM, such as 2026-11".to_owned();
        let (y, m) = text.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        if !(1..=12).contains(&month) || !(2000..=2099).contains(&year) {
            return Err(bad());
        }
        Ok(Self { year, month })
    }

    pub fn of(date: NaiveDate) -> Self {
        Self {
            year: date.year(),
            month: date.month(),
        }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    /// The month's first day.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default()
    }

    /// The month's last day.
    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or_default()
    }

    /// Whether `day` falls in this month.
    pub fn contains(self, day: NaiveDate) -> bool {
        Self::of(day) == self
    }

    /// The month after this one.
    pub fn next(self) -> Self {
        if self.month == 12 {
            Self {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Self {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// A support month may be at most one month after the current one.
    pub fn check_support_month(self, today: NaiveDate) -> Result<Self, String> {
        if self > Self::of(today).next() {
            Err("must not be more than one month ahead".into())
        } else {
            Ok(self)
        }
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_support_month_is_at_most_one_month_ahead() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 15).unwrap();
        assert!(
            Month::parse("2027-01")
                .unwrap()
                .check_support_month(today)
                .is_ok()
        );
        assert!(
            Month::parse("2027-02")
                .unwrap()
                .check_support_month(today)
                .is_err()
        );
        assert!(
            Month::parse("2019-04")
                .unwrap()
                .check_support_month(today)
                .is_ok()
        );
    }

    #[test]
    fn months_are_written_yyyy_mm() {
        assert_eq!(Month::parse("2019-04").unwrap().to_string(), "2019-04");
        for bad in ["2019-4", "2019-13", "19-04", "2019/04", "2019-04-01"] {
            assert!(Month::parse(bad).is_err(), "{bad}");
        }
    }
}
