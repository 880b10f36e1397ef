//! What one person's records add to the computed indicators.
//!
//! The service keeps every computed indicator as stored cells (indicator,
//! municipality, period, sex, part). When a person's records change, their
//! contribution is worked out again from those records alone, and the
//! difference from what they contributed before is added to the cells in
//! the same transaction. A value is therefore never counted from
//! person-level rows when it is asked for, and it survives the rows being
//! purged (BR-11).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use super::catalogue::{self as c, Indicator};
use super::{Gender, MAX_DAYS, Part, Period};
use crate::domain::month::Month;
use crate::domain::referral::{CloseOutcome, Source};

/// A kind of a person's records the computed indicators are counted from.
/// A change to one kind can only move the indicators counted from it, so
/// only those are worked out again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Facet {
    /// Granting decisions in force and the households they cover.
    Grants,
    Applications,
    Referrals,
    Interventions,
    Payments,
}

impl Facet {
    pub const ALL: [Facet; 5] = [
        Facet::Grants,
        Facet::Applications,
        Facet::Referrals,
        Facet::Interventions,
        Facet::Payments,
    ];

    /// The computed indicators counted from this kind of record.
    pub fn indicators(self) -> &'static [&'static str] {
        match self {
            Facet::Grants => &[
                c::HOUSEHOLDS_MONTHLY_AVERAGE,
                c::HOUSEHOLDS,
                c::PERSONS,
                c::CHILDREN,
            ],
            Facet::Applications => &[c::APPLICATIONS],
            Facet::Referrals => &[
                c::REFERRED_BY_SOC,
                c::REFERRED_BY_AF,
                c::CLOSED,
                c::CLOSED_TO_WORK,
                c::CLOSED_TO_STUDIES,
                c::CLOSED_TO_SELF_SUFFICIENCY,
                c::TO_UNSUBSIDISED_WORK,
                c::FIRST_MEETINGS,
                c::COACH_WITHIN_A_WEEK,
                c::DAYS_TO_FIRST_MEETING,
            ],
            Facet::Interventions => &[c::SUBSIDISED_EMPLOYMENTS, c::PROGRAMME_PARTICIPANTS],
            Facet::Payments => &[c::SEK_PAID],
        }
    }

    /// The kind of record the computed indicator is counted from.
    pub fn of(indicator: &str) -> Option<Facet> {
        Facet::ALL
            .into_iter()
            .find(|f| f.indicators().contains(&indicator))
    }

    /// The kind's name where a person's part is stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Facet::Grants => "grants",
            Facet::Applications => "applications",
            Facet::Referrals => "referrals",
            Facet::Interventions => "interventions",
            Facet::Payments => "payments",
        }
    }

    pub fn parse(text: &str) -> Option<Facet> {
        Facet::ALL.into_iter().find(|f| f.as_str() == text)
    }
}

/// One granting decision in force, for a household whose applicant is
/// the person.
#[derive(Debug, Clone)]
pub struct Grant {
    pub month: Month,
    /// The members it covers, by their key in the household (`applicant`,
    /// `partner`, `child_1` ...), and whether each is a child under 18 on
    /// the month's first day.
    pub covered: Vec<(String, bool)>,
}

/// One referral of the person to Viadidakt.
#[derive(Debug, Clone)]
pub struct Referral {
    pub source: Source,
    pub referred_on: NaiveDate,
    /// Where the wait for the first meeting starts: the linked
    /// application's date received, or the referral's own date.
    pub waiting_from: NaiveDate,
    pub first_meeting_due: Option<NaiveDate>,
    pub first_meeting_held_on: Option<NaiveDate>,
    /// The day it was declined or withdrawn, when it was.
    pub ended_on: Option<NaiveDate>,
    pub closed: Option<(NaiveDate, CloseOutcome)>,
}

/// One intervention of the person.
#[derive(Debug, Clone)]
pub struct Intervention {
    pub start_date: NaiveDate,
    pub subsidised_employment: bool,
    pub on_programme: bool,
}

/// Everything of one person that the computed indicators count.
#[derive(Debug, Clone)]
pub struct Facts {
    pub gender: Gender,
    pub grants: Vec<Grant>,
    /// The days (in Sweden) the person's applications were received.
    pub applications: Vec<NaiveDate>,
    pub referrals: Vec<Referral>,
    pub interventions: Vec<Intervention>,
    /// Payments under the person's applications: day paid and öre
    /// (corrections negative).
    pub payments: Vec<(NaiveDate, i64)>,
}

impl Facts {
    /// A person of `gender` with no records.
    pub fn none(gender: Gender) -> Facts {
        Facts {
            gender,
            grants: Vec::new(),
            applications: Vec::new(),
            referrals: Vec::new(),
            interventions: Vec::new(),
            payments: Vec::new(),
        }
    }
}

/// A stored cell of a municipality's indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cell {
    pub indicator: &'static str,
    pub period: Period,
    pub gender: Gender,
    pub part: Part,
}

impl std::fmt::Display for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} {} {}",
            self.indicator,
            self.period,
            self.gender.as_str(),
            self.part.as_string()
        )
    }
}

/// A person's contribution: what they add to each cell (no zeros).
pub type Contribution = BTreeMap<Cell, i64>;

struct Builder<'a> {
    gender: Gender,
    cells: &'a mut Contribution,
}

impl Builder<'_> {
    /// Adds `n` to `indicator`'s `part` in `period`, for the person's sex
    /// and the total where the indicator is split by sex.
    fn add(&mut self, indicator: &'static Indicator, period: Period, part: Part, n: i64) {
        for &gender in indicator.genders() {
            if gender == Gender::T || gender == self.gender {
                *self
                    .cells
                    .entry(Cell {
                        indicator: indicator.id,
                        period,
                        gender,
                        part,
                    })
                    .or_default() += n;
            }
        }
    }

    /// Adds `n` in every period containing `day`.
    fn on(&mut self, indicator: &'static Indicator, day: NaiveDate, part: Part, n: i64) {
        for period in Period::containing(day) {
            self.add(indicator, period, part, n);
        }
    }
}

fn indicator(id: &str) -> &'static Indicator {
    // The ids are the catalogue's own constants; a test walks them all.
    c::find(id).unwrap_or(&c::CATALOGUE[0])
}

/// What the person's records add to each cell.
pub fn of(facts: &Facts) -> Contribution {
    let mut cells = Contribution::new();
    let mut b = Builder {
        gender: facts.gender,
        cells: &mut cells,
    };
    households(&mut b, &facts.grants);
    for day in &facts.applications {
        b.on(indicator(c::APPLICATIONS), *day, Part::N, 1);
    }
    referrals(&mut b, &facts.referrals);
    for i in &facts.interventions {
        if i.subsidised_employment {
            b.on(
                indicator(c::SUBSIDISED_EMPLOYMENTS),
                i.start_date,
                Part::N,
                1,
            );
        }
        if i.on_programme {
            b.on(
                indicator(c::PROGRAMME_PARTICIPANTS),
                i.start_date,
                Part::N,
                1,
            );
        }
    }
    let mut paid_in: BTreeSet<Period> = BTreeSet::new();
    for (day, ore) in &facts.payments {
        b.on(indicator(c::SEK_PAID), *day, Part::N, *ore);
        paid_in.extend(Period::containing(*day));
    }
    for period in paid_in {
        b.add(indicator(c::SEK_PAID), period, Part::C, 1);
    }
    cells.retain(|_, n| *n != 0);
    cells
}

fn households(b: &mut Builder, grants: &[Grant]) {
    // Per month, the members covered by any granting decision in force.
    let mut months: BTreeMap<Month, BTreeMap<&str, bool>> = BTreeMap::new();
    for grant in grants {
        let members = months.entry(grant.month).or_default();
        for (key, child) in &grant.covered {
            *members.entry(key.as_str()).or_default() |= *child;
        }
    }
    let mut periods: BTreeMap<Period, (i64, BTreeSet<&str>, BTreeSet<&str>)> = BTreeMap::new();
    for (month, members) in &months {
        for period in Period::containing(month.first_day()) {
            let (granted_months, persons, children) = periods.entry(period).or_default();
            *granted_months += 1;
            for (key, child) in members {
                persons.insert(key);
                if *child {
                    children.insert(key);
                }
            }
        }
    }
    for (period, (granted_months, persons, children)) in periods {
        b.add(
            indicator(c::HOUSEHOLDS_MONTHLY_AVERAGE),
            period,
            Part::N,
            granted_months,
        );
        b.add(indicator(c::HOUSEHOLDS), period, Part::N, 1);
        b.add(indicator(c::PERSONS), period, Part::N, persons.len() as i64);
        b.add(
            indicator(c::CHILDREN),
            period,
            Part::N,
            children.len() as i64,
        );
    }
}

fn referrals(b: &mut Builder, referrals: &[Referral]) {
    // Participants are persons: once per period and source.
    let mut referred: BTreeSet<(&'static str, Period)> = BTreeSet::new();
    for r in referrals {
        let id = match r.source {
            Source::SocialServices => c::REFERRED_BY_SOC,
            Source::EmploymentService => c::REFERRED_BY_AF,
        };
        referred.extend(Period::containing(r.referred_on).map(|p| (id, p)));
        if let Some((day, outcome)) = r.closed {
            b.on(indicator(c::CLOSED), day, Part::N, 1);
            let to_work = matches!(
                outcome,
                CloseOutcome::WorkUnsubsidised | CloseOutcome::WorkSubsidised
            );
            let shares = [
                (c::CLOSED_TO_WORK, to_work),
                (c::CLOSED_TO_STUDIES, outcome == CloseOutcome::Studies),
                (c::CLOSED_TO_SELF_SUFFICIENCY, outcome.is_self_sufficiency()),
            ];
            for (id, counted) in shares {
                b.on(indicator(id), day, Part::D, 1);
                b.on(indicator(id), day, Part::N, i64::from(counted));
            }
            if outcome == CloseOutcome::WorkUnsubsidised {
                b.on(indicator(c::TO_UNSUBSIDISED_WORK), day, Part::N, 1);
            }
        }
        if let Some(held) = r.first_meeting_held_on {
            b.on(indicator(c::FIRST_MEETINGS), held, Part::N, 1);
            let days = (held - r.waiting_from)
                .num_days()
                .clamp(0, i64::from(MAX_DAYS));
            let median = indicator(c::DAYS_TO_FIRST_MEETING);
            b.on(median, held, Part::Days(days as u16), 1);
            b.on(median, held, Part::N, 1);
        }
        if let Some(due) = r.first_meeting_due {
            // Settled: the meeting was held, or the referral ended without
            // one after its due date. An open one waits, so the share does
            // not change as days pass with nothing recorded.
            let settled = match (
                r.first_meeting_held_on,
                r.ended_on.or(r.closed.map(|c| c.0)),
            ) {
                (Some(held), _) => Some(held <= due),
                (None, Some(ended)) if ended > due => Some(false),
                _ => None,
            };
            if let Some(in_time) = settled {
                let share = indicator(c::COACH_WITHIN_A_WEEK);
                b.on(share, due, Part::D, 1);
                b.on(share, due, Part::N, i64::from(in_time));
            }
        }
    }
    for (id, period) in referred {
        b.add(indicator(id), period, Part::N, 1);
    }
}

/// A person's contribution cut where it is stored: what each kind of record
/// adds in each calendar year (no empty pieces).
pub fn slices(contribution: &Contribution) -> BTreeMap<(Facet, i32), Contribution> {
    let mut slices: BTreeMap<(Facet, i32), Contribution> = BTreeMap::new();
    for (cell, n) in contribution {
        // Every cell's indicator is a computed one, counted from one kind.
        if let Some(facet) = Facet::of(cell.indicator) {
            slices
                .entry((facet, cell.period.calendar_year()))
                .or_default()
                .insert(*cell, *n);
        }
    }
    slices
}

/// A slice as stored, for a person of `gender`: one line per indicator and
/// part, `indicator part period=n period=n ...`, each `n` added to the
/// person's sex and to the total (or to the total alone where the indicator
/// is not split by sex), as [`of`] adds it. `None` when the slice is not of
/// that form, which `of` never gives.
pub fn write_slice(gender: Gender, slice: &Contribution) -> Option<String> {
    let mut lines: BTreeMap<(&str, String), Vec<String>> = BTreeMap::new();
    for (cell, n) in slice.iter().filter(|(cell, _)| cell.gender == Gender::T) {
        lines
            .entry((cell.indicator, cell.part.as_string()))
            .or_default()
            .push(format!("{}={n}", cell.period));
    }
    let text = lines
        .into_iter()
        .map(|((indicator, part), values)| format!("{indicator} {part} {}", values.join(" ")))
        .collect::<Vec<_>>()
        .join("\n");
    (read_slice(gender, &text).as_ref() == Some(slice)).then_some(text)
}

/// Reads a slice [`write_slice`] wrote for a person of `gender`; `None`
/// when the text is not one.
pub fn read_slice(gender: Gender, text: &str) -> Option<Contribution> {
    let mut cells = Contribution::new();
    for line in text.lines() {
        let mut words = line.split(' ');
        let indicator = c::find(words.next()?)?;
        let part = Part::parse(words.next()?)?;
        for value in words {
            let (period, n) = value.split_once('=')?;
            let (period, n) = (Period::parse(period).ok()?, n.parse::<i64>().ok()?);
            if n == 0 {
                return None;
            }
            for &g in indicator.genders() {
                if g == Gender::T || g == gender {
                    let cell = Cell {
                        indicator: indicator.id,
                        period,
                        gender: g,
                        part,
                    };
                    if cells.insert(cell, n).is_some() {
                        return None;
                    }
                }
            }
        }
    }
    Some(cells)
}

/// The difference `after - before`, cell by cell (no zeros).
pub fn delta(before: &Contribution, after: &Contribution) -> Contribution {
    let mut delta = after.clone();
    for (cell, n) in before {
        *delta.entry(*cell).or_default() -= n;
    }
    delta.retain(|_, n| *n != 0);
    delta
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn get(
        cells: &Contribution,
        id: &'static str,
        period: &str,
        gender: Gender,
        part: Part,
    ) -> i64 {
        let cell = Cell {
            indicator: id,
            period: Period::parse(period).unwrap(),
            gender,
            part,
        };
        cells.get(&cell).copied().unwrap_or(0)
    }

    #[test]
    fn every_computed_indicator_is_counted_from_one_kind_of_record() {
        for i in c::CATALOGUE
            .iter()
            .filter(|i| i.source == c::IndicatorSource::Computed)
        {
            let kinds = Facet::ALL
                .iter()
                .filter(|f| f.indicators().contains(&i.id))
                .count();
            assert_eq!(kinds, 1, "{}", i.id);
        }
        // Every constant the contributions count names an indicator of the
        // catalogue (a kind's list names them all).
        for f in Facet::ALL {
            for id in f.indicators() {
                assert!(c::find(id).is_some(), "{id}");
                assert_eq!(Facet::of(id), Some(f));
            }
        }
    }

    #[test]
    fn a_household_counts_once_a_period_and_each_granted_month_in_the_average() {
        let mut facts = Facts::none(Gender::K);
        let covered =
            |keys: &[(&str, bool)]| keys.iter().map(|(k, c)| (k.to_string(), *c)).collect();
        facts.grants = vec![
            Grant {
                month: Month::parse("2018-01").unwrap(),
                covered: covered(&[("applicant", false), ("child_1", true)]),
            },
            Grant {
                month: Month::parse("2018-02").unwrap(),
                covered: covered(&[("applicant", false), ("child_1", true), ("child_2", true)]),
            },
            // A second granting decision in a month counts the month once.
            Grant {
                month: Month::parse("2018-02").unwrap(),
                covered: covered(&[("applicant", false)]),
            },
        ];
        let cells = of(&facts);
        let t = Gender::T;
        assert_eq!(
            get(&cells, c::HOUSEHOLDS_MONTHLY_AVERAGE, "2018", t, Part::N),
            2
        );
        assert_eq!(
            get(&cells, c::HOUSEHOLDS_MONTHLY_AVERAGE, "2018-02", t, Part::N),
            1
        );
        assert_eq!(get(&cells, c::HOUSEHOLDS, "2018", t, Part::N), 1);
        assert_eq!(get(&cells, c::HOUSEHOLDS, "2018-T1", t, Part::N), 1);
        assert_eq!(get(&cells, c::PERSONS, "2018", t, Part::N), 3);
        assert_eq!(get(&cells, c::CHILDREN, "2018", t, Part::N), 2);
        assert_eq!(get(&cells, c::CHILDREN, "2018-01", t, Part::N), 1);
        // Households are not split by sex.
        assert_eq!(get(&cells, c::HOUSEHOLDS, "2018", Gender::K, Part::N), 0);
    }

    #[test]
    fn a_participant_counts_once_a_period_and_closures_make_the_shares() {
        let mut facts = Facts::none(Gender::M);
        let referral = |on: &str, closed: Option<(&str, CloseOutcome)>| Referral {
            source: Source::SocialServices,
            referred_on: day(on),
            waiting_from: day(on),
            first_meeting_due: None,
            first_meeting_held_on: None,
            ended_on: None,
            closed: closed.map(|(d, o)| (day(d), o)),
        };
        facts.referrals = vec![
            referral("2017-02-01", Some(("2017-06-30", CloseOutcome::Studies))),
            referral("2017-09-01", Some(("2017-12-01", CloseOutcome::SickLeave))),
        ];
        let cells = of(&facts);
        assert_eq!(
            get(&cells, c::REFERRED_BY_SOC, "2017", Gender::M, Part::N),
            1
        );
        assert_eq!(
            get(&cells, c::REFERRED_BY_SOC, "2017", Gender::T, Part::N),
            1
        );
        assert_eq!(
            get(&cells, c::REFERRED_BY_SOC, "2017-H2", Gender::T, Part::N),
            1
        );
        assert_eq!(
            get(&cells, c::REFERRED_BY_SOC, "2017", Gender::K, Part::N),
            0
        );
        assert_eq!(
            get(&cells, c::CLOSED_TO_STUDIES, "2017", Gender::T, Part::D),
            2
        );
        assert_eq!(
            get(&cells, c::CLOSED_TO_STUDIES, "2017", Gender::T, Part::N),
            1
        );
        assert_eq!(
            get(
                &cells,
                c::CLOSED_TO_SELF_SUFFICIENCY,
                "2017-H2",
                Gender::T,
                Part::N
            ),
            0
        );
    }

    #[test]
    fn the_coach_rule_counts_a_referral_once_it_is_settled() {
        let mut facts = Facts::none(Gender::K);
        let due = |held: Option<&str>, ended: Option<&str>| Referral {
            source: Source::SocialServices,
            referred_on: day("2019-03-01"),
            waiting_from: day("2019-02-27"),
            first_meeting_due: Some(day("2019-03-06")),
            first_meeting_held_on: held.map(day),
            ended_on: ended.map(day),
            closed: None,
        };
        facts.referrals = vec![
            due(Some("2019-03-06"), None),
            due(Some("2019-03-07"), None),
            due(None, Some("2019-03-20")),
            due(None, None),
        ];
        let cells = of(&facts);
        let share = c::COACH_WITHIN_A_WEEK;
        assert_eq!(get(&cells, share, "2019-03", Gender::T, Part::D), 3);
        assert_eq!(get(&cells, share, "2019-03", Gender::T, Part::N), 1);
        let median = c::DAYS_TO_FIRST_MEETING;
        assert_eq!(get(&cells, median, "2019-03", Gender::K, Part::Days(7)), 1);
        assert_eq!(get(&cells, median, "2019-03", Gender::K, Part::Days(8)), 1);
        assert_eq!(
            get(&cells, c::FIRST_MEETINGS, "2019", Gender::K, Part::N),
            2
        );
    }

    #[test]
    fn a_slice_is_stored_once_for_the_sex_and_the_total_and_read_back_as_it_was() {
        let mut facts = Facts::none(Gender::M);
        facts.grants = vec![Grant {
            month: Month::parse("2018-12").unwrap(),
            covered: vec![("applicant".into(), false), ("child_1".into(), true)],
        }];
        facts.applications = vec![day("2018-11-20"), day("2019-01-03")];
        facts.payments = vec![(day("2019-01-25"), 1_234_500), (day("2019-01-28"), -500)];
        let cells = of(&facts);
        let slices = slices(&cells);
        assert_eq!(
            slices.keys().copied().collect::<Vec<_>>(),
            vec![
                (Facet::Grants, 2018),
                (Facet::Applications, 2018),
                (Facet::Applications, 2019),
                (Facet::Payments, 2019),
            ]
        );
        let mut whole = Contribution::new();
        for slice in slices.values() {
            let text = write_slice(Gender::M, slice).unwrap();
            assert_eq!(read_slice(Gender::M, &text).as_ref(), Some(slice), "{text}");
            whole.extend(slice.clone());
        }
        assert_eq!(whole, cells);
        let grants = write_slice(Gender::M, &slices[&(Facet::Grants, 2018)]).unwrap();
        assert!(
            grants.contains("persons-in-households-granted n 2018-12=2 2018-T3=2 2018-H2=2 2018=2"),
            "{grants}"
        );
        // Split by sex, a line adds to the person's sex and the total; a
        // slice with a cell for one sex only, or a zero, is not a person's.
        let referred = read_slice(Gender::K, "via-participants-referred-by-soc n 2018=1").unwrap();
        let genders: Vec<Gender> = referred.keys().map(|cell| cell.gender).collect();
        assert_eq!(genders, vec![Gender::K, Gender::T]);
        let mut odd = referred.clone();
        odd.retain(|cell, _| cell.gender == Gender::K);
        assert_eq!(write_slice(Gender::K, &odd), None);
        assert_eq!(write_slice(Gender::M, &referred), None);
        assert_eq!(read_slice(Gender::M, "households-granted n 2018=0"), None);
        assert_eq!(read_slice(Gender::M, "no-such-indicator n 2018=1"), None);
        assert_eq!(
            read_slice(Gender::M, "households-granted n 2018=1 2018=1"),
            None
        );
    }

    #[test]
    fn a_change_moves_only_the_difference() {
        let mut before = Facts::none(Gender::K);
        before.applications = vec![day("2019-01-15")];
        let mut after = before.clone();
        after.applications.push(day("2019-02-01"));
        let d = delta(&of(&before), &of(&after));
        assert_eq!(get(&d, c::APPLICATIONS, "2019-02", Gender::K, Part::N), 1);
        assert_eq!(get(&d, c::APPLICATIONS, "2019", Gender::T, Part::N), 1);
        assert_eq!(get(&d, c::APPLICATIONS, "2019-01", Gender::T, Part::N), 0);
        assert_eq!(d.len(), 8);
    }
}
