//! A year's values of one indicator in one municipality, as a caller sees
//! them: worked out from the stored cells (or the reports), with the cells
//! the caller may not see suppressed.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};

use super::catalogue::{Aggregation, Indicator, Unit};
use super::period::Length;
use super::suppression::{self, Key};
use super::{Gender, Part, Period};

/// Why a value is not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Hidden so that no person can be recognised.
    Suppressed,
    /// No data: before the service's records begin, after today, a share
    /// with nothing to share, or nothing reported.
    Missing,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Suppressed => "suppressed",
            Status::Missing => "missing",
        }
    }
}

/// One cell as shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Value(Decimal),
    Not(Status),
}

impl Shown {
    pub fn value(self) -> Option<Decimal> {
        match self {
            Shown::Value(v) => Some(v),
            Shown::Not(_) => None,
        }
    }

    pub fn status(self) -> Option<Status> {
        match self {
            Shown::Value(_) => None,
            Shown::Not(s) => Some(s),
        }
    }
}

/// What a year's values are made from.
pub enum Stored<'a> {
    /// A computed indicator's cells, and which periods the records cover.
    Cells {
        cells: &'a BTreeMap<(Period, Gender, Part), i64>,
        covered: &'a dyn Fn(Period) -> bool,
    },
    /// A reported indicator's values, period by period.
    Reports(&'a BTreeMap<(Period, Gender), Decimal>),
}

/// A year's values: every period of the year, for each of the indicator's
/// sexes. `threshold` is `None` for callers who see every value.
pub fn year(
    indicator: &Indicator,
    year: i32,
    stored: &Stored,
    threshold: Option<i64>,
    today: NaiveDate,
) -> BTreeMap<Key, Shown> {
    let mut raw: BTreeMap<Key, Raw> = BTreeMap::new();
    for period in Period::all_of_year(year) {
        for &gender in indicator.genders() {
            let cell = match stored {
                // Outside the records a value is missing, and known to be
                // nothing: it stays in the relations as a zero anyone knows.
                Stored::Cells { cells, covered } => Some(if covered(period) {
                    computed(indicator, period, gender, cells)
                } else {
                    Raw {
                        value: None,
                        base: Decimal::ZERO,
                        additive: 0,
                    }
                }),
                Stored::Reports(reports) => reported(indicator, period, gender, reports),
            };
            if let Some(cell) = cell {
                raw.insert((period, gender), cell);
            }
        }
    }
    let hidden = match threshold {
        Some(t) => hide(indicator, &raw, t, today),
        None => BTreeSet::new(),
    };
    let mut shown = BTreeMap::new();
    for period in Period::all_of_year(year) {
        for &gender in indicator.genders() {
            let key = (period, gender);
            let cell = match raw.get(&key) {
                None => Shown::Not(Status::Missing),
                Some(_) if hidden.contains(&key) => Shown::Not(Status::Suppressed),
                Some(r) => r.value.map_or(Shown::Not(Status::Missing), Shown::Value),
            };
            shown.insert(key, cell);
        }
    }
    shown
}

/// A cell before suppression: its value, and the count its suppression
/// turns on (`base`) and that relates it to other cells.
#[derive(Debug, Clone, Copy)]
struct Raw {
    value: Option<Decimal>,
    /// Compared with the threshold: the count, the denominator, the number
    /// of observations or of persons behind a sum, or the average.
    base: Decimal,
    /// What adds up across sexes and periods (the count, the denominator,
    /// the sum), for the relations of secondary suppression.
    additive: i64,
}

fn computed(
    indicator: &Indicator,
    period: Period,
    gender: Gender,
    cells: &BTreeMap<(Period, Gender, Part), i64>,
) -> Raw {
    let get = |part: Part| cells.get(&(period, gender, part)).copied().unwrap_or(0);
    let n = get(Part::N);
    match indicator.aggregation {
        Aggregation::Share => {
            let d = get(Part::D);
            Raw {
                value: (d > 0)
                    .then(|| round(Decimal::from(n) * Decimal::ONE_HUNDRED / Decimal::from(d))),
                base: Decimal::from(d),
                additive: d,
            }
        }
        Aggregation::MonthlyAverage => {
            let average = Decimal::from(n) / Decimal::from(period.length().months());
            Raw {
                value: Some(round(average)),
                base: average,
                additive: n,
            }
        }
        Aggregation::Median => {
            let days: Vec<(u16, i64)> = cells
                .range((period, gender, Part::Days(0))..=(period, gender, Part::Days(u16::MAX)))
                .filter_map(|((_, _, part), count)| match part {
                    Part::Days(d) => Some((*d, *count)),
                    _ => None,
                })
                .collect();
            Raw {
                value: median(&days),
                base: Decimal::from(n),
                additive: n,
            }
        }
        _ if indicator.unit == Unit::SekThousands => Raw {
            value: Some(round(Decimal::new(n, 2) / Decimal::ONE_THOUSAND)),
            base: Decimal::from(get(Part::C)),
            additive: n,
        },
        _ => Raw {
            value: Some(Decimal::from(n)),
            base: Decimal::from(n),
            additive: n,
        },
    }
}

fn reported(
    indicator: &Indicator,
    period: Period,
    gender: Gender,
    reports: &BTreeMap<(Period, Gender), Decimal>,
) -> Option<Raw> {
    let value = match reports.get(&(period, gender)) {
        Some(v) => Some(*v),
        // A sum not reported for the period is its months', when every
        // month is reported.
        None if indicator.aggregation == Aggregation::Sum && period.length() != Length::Month => {
            period
                .months()
                .iter()
                .map(|m| reports.get(&(Period::month(*m), gender)).copied())
                .sum::<Option<Decimal>>()
        }
        None => None,
    }?;
    let whole = value.round().try_into().unwrap_or(i64::MAX);
    Some(Raw {
        value: Some(value),
        base: value,
        additive: whole,
    })
}

/// One decimal, halves away from zero.
fn round(value: Decimal) -> Decimal {
    value
        .round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

/// The median of observations given as (days, how many).
fn median(days: &[(u16, i64)]) -> Option<Decimal> {
    let total: i64 = days.iter().map(|(_, n)| n).sum();
    if total <= 0 {
        return None;
    }
    // The observations at ranks (total + 1) / 2 and (total + 2) / 2, 1-based.
    let at = |rank: i64| {
        let mut seen = 0;
        for (d, n) in days {
            seen += n;
            if seen >= rank {
                return Decimal::from(*d);
            }
        }
        Decimal::ZERO
    };
    Some(round(
        (at((total + 1) / 2) + at((total + 2) / 2)) / Decimal::TWO,
    ))
}

fn hide(
    indicator: &Indicator,
    raw: &BTreeMap<Key, Raw>,
    threshold: i64,
    today: NaiveDate,
) -> BTreeSet<Key> {
    let threshold = Decimal::from(threshold);
    let primary: BTreeSet<Key> = raw
        .iter()
        .filter(|(_, r)| r.base > Decimal::ZERO && r.base < threshold)
        .map(|(k, _)| *k)
        .collect();
    match indicator.aggregation {
        // A median cannot be summed, but K, M and T bound each other (T's
        // median lies between K's and M's): all three go together.
        Aggregation::Median => primary
            .iter()
            .flat_map(|(period, _)| indicator.genders().iter().map(|g| (*period, *g)))
            .filter(|k| raw.contains_key(k))
            .collect(),
        // A stock is reported per period, never summed.
        Aggregation::Stock => primary,
        _ => {
            let values: BTreeMap<Key, i64> = raw.iter().map(|(k, r)| (*k, r.additive)).collect();
            // A missing value tells its zero: never hidden to protect another.
            let known: BTreeSet<Key> = raw
                .iter()
                .filter(|(_, r)| r.value.is_none())
                .map(|(k, _)| *k)
                .collect();
            let open: BTreeSet<Key> = raw
                .keys()
                .filter(|(period, _)| period.last_day() >= today)
                .copied()
                .collect();
            suppression::hidden(&values, &primary, &known, &open, indicator.additive())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::indicator::catalogue::{self, find};

    const TODAY: NaiveDate = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();

    fn cells(pairs: &[(&str, Gender, Part, i64)]) -> BTreeMap<(Period, Gender, Part), i64> {
        pairs
            .iter()
            .map(|(p, g, part, n)| ((Period::parse(p).unwrap(), *g, *part), *n))
            .collect()
    }

    fn at(shown: &BTreeMap<Key, Shown>, period: &str, gender: Gender) -> Shown {
        shown[&(Period::parse(period).unwrap(), gender)]
    }

    #[test]
    fn a_monthly_average_divides_by_the_months_of_the_period() {
        let indicator = find(catalogue::HOUSEHOLDS_MONTHLY_AVERAGE).unwrap();
        let stored = cells(&[
            ("2018", Gender::T, Part::N, 7188),
            ("2019-T1", Gender::T, Part::N, 2408),
        ]);
        let all = |_: Period| true;
        let s = Stored::Cells {
            cells: &stored,
            covered: &all,
        };
        let y2018 = year(indicator, 2018, &s, None, TODAY);
        assert_eq!(
            at(&y2018, "2018", Gender::T),
            Shown::Value(Decimal::from(599))
        );
        let y2019 = year(indicator, 2019, &s, None, TODAY);
        assert_eq!(
            at(&y2019, "2019-T1", Gender::T),
            Shown::Value(Decimal::from(602))
        );
    }

    #[test]
    fn a_share_is_missing_without_a_denominator_and_hidden_under_five() {
        let indicator = find(catalogue::CLOSED_TO_SELF_SUFFICIENCY).unwrap();
        let stored = cells(&[
            ("2017", Gender::T, Part::N, 26),
            ("2017", Gender::T, Part::D, 100),
            ("2017", Gender::K, Part::N, 3),
            ("2017", Gender::K, Part::D, 4),
            ("2017", Gender::M, Part::N, 23),
            ("2017", Gender::M, Part::D, 96),
        ]);
        let all = |_: Period| true;
        let s = Stored::Cells {
            cells: &stored,
            covered: &all,
        };
        let seen = year(indicator, 2017, &s, None, TODAY);
        assert_eq!(
            at(&seen, "2017", Gender::T),
            Shown::Value(Decimal::from(26))
        );
        assert_eq!(
            at(&seen, "2017", Gender::K),
            Shown::Value(Decimal::from(75))
        );
        assert_eq!(at(&seen, "2017-03", Gender::T), Shown::Not(Status::Missing));
        let hidden = year(indicator, 2017, &s, Some(5), TODAY);
        assert_eq!(
            at(&hidden, "2017", Gender::K),
            Shown::Not(Status::Suppressed)
        );
        assert_eq!(
            at(&hidden, "2017", Gender::M),
            Shown::Not(Status::Suppressed)
        );
    }

    #[test]
    fn the_median_takes_the_middle_observation() {
        assert_eq!(median(&[(3, 1), (7, 1), (9, 1)]), Some(Decimal::from(7)));
        assert_eq!(median(&[(3, 1), (8, 1)]), Some(Decimal::new(55, 1)));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn a_reported_sum_adds_its_months_and_before_the_records_nothing_is_zero() {
        let indicator = find("soc-investigations-started").unwrap();
        let mut reports = BTreeMap::new();
        for m in 1..=4 {
            let period = Period::parse(&format!("2019-{m:02}")).unwrap();
            reports.insert((period, Gender::T), Decimal::from(155));
        }
        let seen = year(indicator, 2019, &Stored::Reports(&reports), None, TODAY);
        assert_eq!(
            at(&seen, "2019-T1", Gender::T),
            Shown::Value(Decimal::from(620))
        );
        assert_eq!(at(&seen, "2019", Gender::T), Shown::Not(Status::Missing));

        let counted = find(catalogue::APPLICATIONS).unwrap();
        let none = BTreeMap::new();
        let from_march = |p: Period| p.last_day() >= "2019-03-01".parse().unwrap();
        let s = Stored::Cells {
            cells: &none,
            covered: &from_march,
        };
        let seen = year(counted, 2019, &s, None, TODAY);
        assert_eq!(at(&seen, "2019-02", Gender::K), Shown::Not(Status::Missing));
        assert_eq!(at(&seen, "2019-03", Gender::K), Shown::Value(Decimal::ZERO));
    }
}
