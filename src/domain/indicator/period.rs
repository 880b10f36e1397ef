//! Indicator periods: a month (`2019-04`), a tertial (`2019-T1`, January to
//! April), a half year (`2019-H1`) or a year (`2019`), civil periods in
//! Sweden; and ranges of them (`2019-01..2019-04`, `2017..2019`).

use std::fmt;

use chrono::{Datelike, NaiveDate};

use crate::domain::month::Month;

/// How long a period is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Length {
    Month,
    Tertial,
    Half,
    Year,
}

impl Length {
    /// Months in a period of this length.
    pub fn months(self) -> u32 {
        match self {
            Length::Month => 1,
            Length::Tertial => 4,
            Length::Half => 6,
            Length::Year => 12,
        }
    }

    /// Periods of this length in a year.
    fn per_year(self) -> u32 {
        12 / self.months()
    }
}

/// One indicator period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    year: i32,
    length: Length,
    /// 1-based: the month, tertial or half within the year (1 for a year).
    index: u32,
}

/// What the contract says a period looks like.
pub const PATTERN: &str = r"^20[0-9]{2}(-(0[1-9]|1[0-2]|T[1-3]|H[1-2]))?$";

pub const FORMS: &str = "must be a month (2019-04), a tertial (2019-T1), a half year (2019-H1) or a year (2019), or a range of one kind (2019-01..2019-04)";

impl Period {
    /// Parses one period (years 2000–2099).
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || FORMS.to_owned();
        let (year_text, rest) = match text.split_once('-') {
            Some((y, r)) => (y, Some(r)),
            None => (text, None),
        };
        if year_text.len() != 4 || !year_text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let year: i32 = year_text.parse().map_err(|_| bad())?;
        if !(2000..=2099).contains(&year) {
            return Err(bad());
        }
        let (length, index) = match rest {
            None => (Length::Year, 1),
            Some(r) if r.len() == 2 && r.starts_with('T') => (Length::Tertial, digit(&r[1..])?),
            Some(r) if r.len() == 2 && r.starts_with('H') => (Length::Half, digit(&r[1..])?),
            Some(r) if r.len() == 2 && r.bytes().all(|b| b.is_ascii_digit()) => {
                (Length::Month, r.parse().map_err(|_| bad())?)
            }
            Some(_) => return Err(bad()),
        };
        if index == 0 || index > length.per_year() {
            return Err(bad());
        }
        Ok(Self {
            year,
            length,
            index,
        })
    }

    /// Parses a list: periods and ranges of one kind, comma-separated.
    /// At most `limit` periods in all.
    pub fn parse_list(text: &str, limit: usize) -> Result<Vec<Self>, String> {
        let mut periods = Vec::new();
        for part in text.split(',').map(str::trim) {
            match part.split_once("..") {
                Some((from, to)) => {
                    let (from, to) = (Self::parse(from)?, Self::parse(to)?);
                    if from.length != to.length {
                        return Err(format!("{part}: a range runs between periods of one kind"));
                    }
                    if from > to {
                        return Err(format!("{part}: a range runs forwards"));
                    }
                    let mut p = from;
                    while p <= to {
                        periods.push(p);
                        if periods.len() > limit {
                            break;
                        }
                        p = p.next();
                    }
                }
                None => periods.push(Self::parse(part)?),
            }
            if periods.len() > limit {
                return Err(format!("at most {limit} periods in one request"));
            }
        }
        periods.sort();
        periods.dedup();
        Ok(periods)
    }

    pub fn year(year: i32) -> Self {
        Self {
            year,
            length: Length::Year,
            index: 1,
        }
    }

    pub fn month(month: Month) -> Self {
        let first = month.first_day();
        Self {
            year: first.year(),
            length: Length::Month,
            index: first.month(),
        }
    }

    pub fn length(self) -> Length {
        self.length
    }

    pub fn calendar_year(self) -> i32 {
        self.year
    }

    /// The first month of the period.
    pub fn first_month(self) -> Month {
        Month::of(self.first_day())
    }

    pub fn first_day(self) -> NaiveDate {
        let month = (self.index - 1) * self.length.months() + 1;
        NaiveDate::from_ymd_opt(self.year, month, 1).unwrap_or_default()
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or_default()
    }

    /// The months the period is made of, in order.
    pub fn months(self) -> Vec<Month> {
        let mut month = self.first_month();
        (0..self.length.months())
            .map(|_| {
                let this = month;
                month = month.next();
                this
            })
            .collect()
    }

    /// The next period of the same length.
    pub fn next(self) -> Self {
        if self.index == self.length.per_year() {
            Self {
                year: self.year + 1,
                index: 1,
                ..self
            }
        } else {
            Self {
                index: self.index + 1,
                ..self
            }
        }
    }

    /// The same period a year earlier.
    pub fn a_year_earlier(self) -> Self {
        Self {
            year: self.year - 1,
            ..self
        }
    }

    /// The year the period falls in.
    pub fn whole_year(self) -> Self {
        Self::year(self.year)
    }

    /// Whether `day` falls in the period.
    pub fn contains(self, day: NaiveDate) -> bool {
        self.first_day() <= day && day <= self.last_day()
    }

    /// The four periods a day falls in: its month, tertial, half year and year.
    pub fn containing(day: NaiveDate) -> [Self; 4] {
        let (year, month) = (day.year(), day.month());
        let of = |length: Length| Self {
            year,
            length,
            index: (month - 1) / length.months() + 1,
        };
        [
            of(Length::Month),
            of(Length::Tertial),
            of(Length::Half),
            of(Length::Year),
        ]
    }

    /// Every period of a year: its 12 months, 3 tertials, 2 halves and itself.
    pub fn all_of_year(year: i32) -> Vec<Self> {
        [Length::Month, Length::Tertial, Length::Half, Length::Year]
            .into_iter()
            .flat_map(|length| {
                (1..=length.per_year()).map(move |index| Self {
                    year,
                    length,
                    index,
                })
            })
            .collect()
    }
}

fn digit(text: &str) -> Result<u32, String> {
    text.parse().map_err(|_| FORMS.to_owned())
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.length {
            Length::Year => write!(f, "{:04}", self.year),
            Length::Month => write!(f, "{:04}-{:02}", self.year, self.index),
            Length::Tertial => write!(f, "{:04}-T{}", self.year, self.index),
            Length::Half => write!(f, "{:04}-H{}", self.year, self.index),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Period {
        Period::parse(text).unwrap()
    }

    #[test]
    fn periods_are_written_as_the_committees_read_them() {
        for text in ["2019-04", "2019-T1", "2019-T3", "2019-H2", "2019"] {
            assert_eq!(p(text).to_string(), text);
        }
        for bad in [
            "2019-T4", "2019-H3", "2019-T0", "2019-13", "19", "2019-4", "2019-Q1", "1999",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_tertial_is_january_to_april() {
        let t1 = p("2019-T1");
        assert_eq!(t1.first_day(), NaiveDate::from_ymd_opt(2019, 1, 1).unwrap());
        assert_eq!(t1.last_day(), NaiveDate::from_ymd_opt(2019, 4, 30).unwrap());
        assert_eq!(p("2019-T3").months().len(), 4);
        assert_eq!(p("2019-H2").first_month().to_string(), "2019-07");
        assert_eq!(p("2019").months().len(), 12);
    }

    #[test]
    fn a_day_falls_in_one_period_of_each_length() {
        let day = NaiveDate::from_ymd_opt(2019, 5, 31).unwrap();
        let names: Vec<String> = Period::containing(day)
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(names, ["2019-05", "2019-T2", "2019-H1", "2019"]);
        assert_eq!(Period::all_of_year(2019).len(), 18);
    }

    #[test]
    fn ranges_expand_to_each_period_of_their_kind() {
        let list = Period::parse_list("2019-11..2020-02,2018", 100).unwrap();
        let names: Vec<String> = list.iter().map(|p| p.to_string()).collect();
        assert_eq!(names, ["2018", "2019-11", "2019-12", "2020-01", "2020-02"]);
        assert!(Period::parse_list("2019..2019-04", 100).is_err());
        assert!(Period::parse_list("2019..2017", 100).is_err());
        assert!(Period::parse_list("2000-01..2099-12", 240).is_err());
        assert_eq!(p("2019-T1").a_year_earlier().to_string(), "2018-T1");
    }
}
