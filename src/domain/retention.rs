//! Retention (*gallring*, BR-11): when a person's data goes.

use chrono::{Datelike, Months, NaiveDate};

use super::PersonalNumber;

/// Years after the last entry that person-level data is kept.
pub const YEARS: u32 = 5;

/// Why a person's data is kept, or that it may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Five years have passed since the last entry: it goes.
    Purge,
    /// Born on the 5th, 15th or 25th of a month: kept for research.
    KeptForResearch,
    /// An entry within the last five years.
    Recent,
}

/// The verdict on a person whose last entry was on `last_entry`, with
/// `number` (a coordination number's day is less 60), on `today`.
pub fn verdict(number: &PersonalNumber, last_entry: NaiveDate, today: NaiveDate) -> Verdict {
    if born_on_a_research_day(number) {
        return Verdict::KeptForResearch;
    }
    match last_entry.checked_add_months(Months::new(12 * YEARS)) {
        Some(due) if due <= today => Verdict::Purge,
        _ => Verdict::Recent,
    }
}

/// Whether the person was born on the 5th, 15th or 25th of a month.
fn born_on_a_research_day(number: &PersonalNumber) -> bool {
    number
        .birth_date()
        .is_some_and(|born| matches!(born.day(), 5 | 15 | 25))
}

/// The last day by which the data must be gone: the end of the calendar
/// year after the one in which five years passed.
pub fn deadline(last_entry: NaiveDate) -> Option<NaiveDate> {
    let due = last_entry.checked_add_months(Months::new(12 * YEARS))?;
    NaiveDate::from_ymd_opt(due.year() + 1, 12, 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn number(digits: &str) -> PersonalNumber {
        PersonalNumber::from_stored(digits.to_owned())
    }

    #[test]
    fn data_goes_five_years_after_the_last_entry_unless_born_on_a_research_day() {
        let today = day("2026-11-25");
        let anna = number("199012119948");
        assert_eq!(verdict(&anna, day("2021-11-25"), today), Verdict::Purge);
        assert_eq!(verdict(&anna, day("2021-11-26"), today), Verdict::Recent);
        // Born on the 5th.
        let erik = number("198211059954");
        assert_eq!(
            verdict(&erik, day("2010-01-01"), today),
            Verdict::KeptForResearch
        );
        assert_eq!(deadline(day("2019-03-10")), Some(day("2025-12-31")));
    }
}
