//! What the demo's history holds, and when: Katrineholm's (0483) and
//! Vingåker's (0428) economic assistance and referrals to Viadidakt from
//! 2017 to May 2019, drawn up so that the computed indicators come to the
//! figures the municipalities' own volume tables print (docs/demo.md).
//! Everything here is arithmetic; [`super::history`] sends it.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};

use crate::domain::Sex;
use crate::domain::month::Month;
use crate::domain::referral::{CloseOutcome, Source};

/// Katrineholm's households granted assistance: 599 a month in 2018
/// (7,188 household-months), 1,395 of them during the year, and 602 a month
/// from January to April 2019.
const SLOTS_2018: usize = 599;
/// New households in each month of 2018 from February on, as many as
/// others leave: 796 in eleven months, so that 599 + 796 = 1,395.
const STARTS_2018: [usize; 11] = [72, 73, 72, 72, 73, 72, 72, 73, 72, 72, 73];
/// Households that start in January 2019 beside the 599 that go on.
const NEW_IN_2019: usize = 3;
/// Of the 1,395 households of 2018, those with a partner.
const COUPLES_2018: usize = 300;
/// The children under 18 in the households of 2018.
const CHILDREN_2018: usize = 1_305;

/// A household granted assistance in some months.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Household {
    pub index: usize,
    pub partner: bool,
    /// The children's birth dates, all under 18 through 2019.
    pub children: Vec<NaiveDate>,
}

impl Household {
    fn new(index: usize, partner: bool, children: usize) -> Self {
        let children = (0..children)
            .map(|k| {
                let born = NaiveDate::from_ymd_opt(2004, 1, 1).unwrap_or_default();
                born + Duration::days(((index * 613 + k * 1_361) % 4_700) as i64)
            })
            .collect();
        Self {
            index,
            partner,
            children,
        }
    }

    /// The applicant's sex: the households alternate.
    pub fn applicant_sex(&self) -> Sex {
        if self.index.is_multiple_of(2) {
            Sex::K
        } else {
            Sex::M
        }
    }
}

/// The households and the months each is granted.
pub fn households() -> Vec<(Household, Vec<Month>)> {
    let month = |y, m| Month::of(day(y, m, 1));
    // Each slot holds one household at a time; a household that leaves
    // makes room for the next one, slot by slot in turn.
    let mut slots: Vec<usize> = (0..SLOTS_2018).collect();
    let mut months: BTreeMap<usize, Vec<Month>> = BTreeMap::new();
    let mut next = SLOTS_2018;
    let mut turn = 0;
    for m in 1..=12 {
        if m > 1 {
            for _ in 0..STARTS_2018[m as usize - 2] {
                slots[turn] = next;
                next += 1;
                turn = (turn + 1) % SLOTS_2018;
            }
        }
        for h in &slots {
            months.entry(*h).or_default().push(month(2018, m));
        }
    }
    let of_2018 = next;
    slots.extend(next..next + NEW_IN_2019);
    for m in 1..=4 {
        for h in &slots {
            months.entry(*h).or_default().push(month(2019, m));
        }
    }
    // Partners and children spread evenly over the households of 2018;
    // the children first over every household in a pattern of none to
    // three, then one more each to households without until they are all.
    let pattern = [0, 2, 0, 1, 3, 0, 1, 0, 2, 0];
    let mut children: Vec<usize> = (0..of_2018).map(|h| pattern[h % pattern.len()]).collect();
    let mut missing = CHILDREN_2018.saturating_sub(children.iter().sum());
    for c in children.iter_mut() {
        if missing == 0 {
            break;
        }
        if *c == 0 {
            *c = 1;
            missing -= 1;
        }
    }
    months
        .into_iter()
        .map(|(h, months)| {
            let (partner, kids) = if h < of_2018 {
                let partner = (h + 1) * COUPLES_2018 / of_2018 > h * COUPLES_2018 / of_2018;
                (partner, children[h])
            } else {
                (h.is_multiple_of(2), 1)
            };
            (Household::new(h, partner, kids), months)
        })
        .collect()
}

/// A group of persons referred to Viadidakt.
struct Group {
    municipality: &'static str,
    source: Source,
    women: usize,
    men: usize,
    from: NaiveDate,
    to: NaiveDate,
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// Referrals to Viadidakt in 2017 and the first half of 2018, as the
/// volume tables count them (women, men).
fn groups() -> Vec<Group> {
    let g = |municipality, source, women, men, from, to| Group {
        municipality,
        source,
        women,
        men,
        from,
        to,
    };
    let (soc, af) = (Source::SocialServices, Source::EmploymentService);
    let year = (day(2017, 1, 9), day(2017, 12, 15));
    let half = (day(2018, 1, 8), day(2018, 6, 20));
    vec![
        g("0483", soc, 122, 122, year.0, year.1),
        g("0483", soc, 81, 99, half.0, half.1),
        g("0428", soc, 37, 34, year.0, year.1),
        g("0428", soc, 24, 18, half.0, half.1),
        g("0483", af, 136, 131, year.0, year.1),
        g("0483", af, 67, 65, half.0, half.1),
        g("0428", af, 18, 30, year.0, year.1),
        g("0428", af, 9, 8, half.0, half.1),
    ]
}

/// What becomes of a referral after it is sent (and accepted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Then {
    /// Nothing more in the demo's time.
    Nothing,
    /// The first meeting on `met`, then closed with `outcome` on `closed`.
    Closed {
        met: NaiveDate,
        closed: NaiveDate,
        outcome: CloseOutcome,
    },
    /// The first meeting on `met`, then a place on programme `programme`
    /// ([`PROGRAMMES`]) from its start, booked on `booked`.
    Programme {
        met: NaiveDate,
        booked: NaiveDate,
        programme: usize,
    },
    /// The first meeting on `met`, then a subsidised employment from
    /// `starts`.
    Employed { met: NaiveDate, starts: NaiveDate },
}

impl Then {
    /// The day of the first meeting and of the step after it, if any.
    pub fn days(&self) -> Option<(NaiveDate, NaiveDate)> {
        match self {
            Then::Nothing => None,
            Then::Closed { met, closed, .. } => Some((*met, *closed)),
            Then::Programme { met, booked, .. } => Some((*met, *booked)),
            Then::Employed { met, starts } => Some((*met, *starts)),
        }
    }
}

/// One person referred to Viadidakt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referral {
    /// The person's number among the referred.
    pub index: usize,
    pub municipality: &'static str,
    pub source: Source,
    pub sex: Sex,
    pub referred: NaiveDate,
    pub then: Then,
}

/// A programme of Viadidakt's: its name, when the admin creates it, and
/// its first and last day.
pub struct Programme {
    pub name: &'static str,
    pub created: NaiveDate,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub places: u32,
}

pub const PROGRAMMES: [Programme; 2] = [
    Programme {
        name: "Korta vårdspåret",
        created: NaiveDate::from_ymd_opt(2019, 1, 7).expect("a date"),
        start: NaiveDate::from_ymd_opt(2019, 2, 11).expect("a date"),
        end: NaiveDate::from_ymd_opt(2019, 6, 14).expect("a date"),
        places: 20,
    },
    Programme {
        name: "Städutbildning",
        created: NaiveDate::from_ymd_opt(2019, 2, 1).expect("a date"),
        start: NaiveDate::from_ymd_opt(2019, 4, 8).expect("a date"),
        end: NaiveDate::from_ymd_opt(2019, 5, 31).expect("a date"),
        places: 20,
    },
];

/// The closures of 2017 in Katrineholm: 150, of which 39 (26 %) to work
/// or studies; by rank.
fn outcome_2017(rank: usize) -> CloseOutcome {
    match rank {
        0..20 => CloseOutcome::WorkUnsubsidised,
        20..25 => CloseOutcome::WorkSubsidised,
        25..39 => CloseOutcome::Studies,
        39..79 => CloseOutcome::EmploymentServiceProgramme,
        79..109 => CloseOutcome::Discontinued,
        109..129 => CloseOutcome::Moved,
        _ => CloseOutcome::SickLeave,
    }
}
const CLOSED_2017: usize = 150;

/// Every referral of the demo, in the order they are sent.
pub fn referrals() -> Vec<Referral> {
    let mut all = Vec::new();
    for g in groups() {
        let total = g.women + g.men;
        let span = (g.to - g.from).num_days() as usize;
        for i in 0..total {
            // Women and men alternate in proportion.
            let sex = if (i + 1) * g.women / total > i * g.women / total {
                Sex::K
            } else {
                Sex::M
            };
            all.push(Referral {
                index: 0,
                municipality: g.municipality,
                source: g.source,
                sex,
                referred: g.from + Duration::days((i * span / total) as i64),
                then: Then::Nothing,
            });
        }
    }
    // Katrineholm closes 150 of those sent by the end of September 2017,
    // each after a first meeting five days on and 60 days after it was sent.
    let mut closable: Vec<usize> = (0..all.len())
        .filter(|i| all[*i].municipality == "0483" && all[*i].referred <= day(2017, 9, 30))
        .collect();
    closable.sort_by_key(|i| (all[*i].referred, *i));
    for (k, i) in closable.into_iter().take(CLOSED_2017).enumerate() {
        let r = &mut all[i];
        r.then = Then::Closed {
            met: r.referred + Duration::days(5),
            closed: r.referred + Duration::days(60),
            outcome: outcome_2017(k * 67 % CLOSED_2017),
        };
    }
    // 2019 in Katrineholm, from social services: the two programmes, the
    // subsidised employments, the unsubsidised jobs; the first meetings of
    // March are the employed eleven and one of the five.
    let soc = Source::SocialServices;
    let mut cohort = |women: usize, men: usize, each: &dyn Fn(usize) -> (NaiveDate, Then)| {
        for i in 0..women + men {
            let sex = if i < women { Sex::K } else { Sex::M };
            let (referred, then) = each(i);
            all.push(Referral {
                index: 0,
                municipality: "0483",
                source: soc,
                sex,
                referred,
                then,
            });
        }
    };
    cohort(10, 8, &|i| {
        let referred = day(2019, 1, 8) + Duration::days((i % 9) as i64);
        let then = Then::Programme {
            met: referred + Duration::days(5),
            booked: day(2019, 2, 4),
            programme: 0,
        };
        (referred, then)
    });
    cohort(7, 10, &|i| {
        let referred = day(2019, 2, 4) + Duration::days((i % 10) as i64);
        let then = Then::Programme {
            met: referred + Duration::days(5),
            booked: day(2019, 3, 25),
            programme: 1,
        };
        (referred, then)
    });
    cohort(4, 7, &|i| {
        let referred = day(2019, 2, 18) + Duration::days(i as i64);
        let then = Then::Employed {
            met: day(2019, 3, 4) + Duration::days(i as i64),
            starts: day(2019, 4, 1) + Duration::days(3 * i as i64),
        };
        (referred, then)
    });
    cohort(2, 3, &|i| {
        let referred = day(2019, 1, 14) + Duration::days(i as i64);
        let met = if i == 4 {
            day(2019, 3, 20)
        } else {
            day(2019, 1, 21) + Duration::days(i as i64)
        };
        let then = Then::Closed {
            met,
            closed: day(2019, 4, 10) + Duration::days(10 * i as i64),
            outcome: CloseOutcome::WorkUnsubsidised,
        };
        (referred, then)
    });
    for (i, r) in all.iter_mut().enumerate() {
        r.index = i;
    }
    all
}

/// The day of the history's last closure, its last step: the sign that
/// all of it was sent.
pub fn last_closed(referrals: &[Referral]) -> Option<NaiveDate> {
    referrals
        .iter()
        .filter_map(|r| match &r.then {
            Then::Closed { closed, .. } => Some(*closed),
            _ => None,
        })
        .max()
}

/// The forecasts an admin reports at the start of each year: (indicator,
/// municipality, year, value).
pub const FORECASTS: [(&str, &str, i32, u32); 9] = [
    ("via-participants-referred-by-soc", "0483", 2018, 300),
    ("via-participants-referred-by-soc", "0428", 2018, 60),
    ("via-participants-referred-by-af", "0483", 2018, 200),
    ("via-participants-referred-by-af", "0428", 2018, 40),
    ("via-participants-referred-by-soc", "0483", 2019, 300),
    ("via-participants-referred-by-soc", "0428", 2019, 60),
    ("via-participants-referred-by-af", "0483", 2019, 200),
    ("via-participants-referred-by-af", "0428", 2019, 40),
    ("households-granted-monthly-average", "0483", 2019, 550),
];

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use chrono::Datelike;

    use super::*;

    fn month(text: &str) -> Month {
        Month::parse(text).unwrap()
    }

    #[test]
    fn the_households_come_to_the_tables_figures() {
        let all = households();
        let in_2018: Vec<&(Household, Vec<Month>)> = all
            .iter()
            .filter(|(_, months)| months.iter().any(|m| m.year() == 2018))
            .collect();
        let household_months: usize = in_2018
            .iter()
            .map(|(_, m)| m.iter().filter(|m| m.year() == 2018).count())
            .sum();
        assert_eq!(household_months, 7_188, "599 a month");
        assert_eq!(in_2018.len(), 1_395);
        let persons: usize = in_2018
            .iter()
            .map(|(h, _)| 1 + usize::from(h.partner) + h.children.len())
            .sum();
        let children: usize = in_2018.iter().map(|(h, _)| h.children.len()).sum();
        assert_eq!((persons, children), (3_000, 1_305));
        for m in ["2019-01", "2019-02", "2019-03", "2019-04"] {
            let granted = all.iter().filter(|(_, ms)| ms.contains(&month(m))).count();
            assert_eq!(granted, 602, "{m}");
        }
        for (h, months) in &all {
            // Months in a row, and the same household throughout.
            for pair in months.windows(2) {
                assert_eq!(pair[0].next(), pair[1], "household {}", h.index);
            }
            for born in &h.children {
                assert!(*born > NaiveDate::from_ymd_opt(2001, 6, 1).unwrap());
                assert!(*born < NaiveDate::from_ymd_opt(2017, 12, 1).unwrap());
            }
        }
    }

    #[test]
    fn the_referrals_come_to_the_tables_figures() {
        let all = referrals();
        let count = |m: &str, source: Source, from: NaiveDate, to: NaiveDate, sex: Sex| {
            all.iter()
                .filter(|r| r.municipality == m && r.source == source && r.sex == sex)
                .filter(|r| r.referred >= from && r.referred <= to)
                .count()
        };
        let y17 = (day(2017, 1, 1), day(2017, 12, 31));
        let h18 = (day(2018, 1, 1), day(2018, 6, 30));
        let soc = Source::SocialServices;
        let af = Source::EmploymentService;
        for (m, source, (from, to), women, men) in [
            ("0483", soc, y17, 122, 122),
            ("0483", soc, h18, 81, 99),
            ("0428", soc, y17, 37, 34),
            ("0428", soc, h18, 24, 18),
            ("0483", af, y17, 136, 131),
            ("0483", af, h18, 67, 65),
            ("0428", af, y17, 18, 30),
            ("0428", af, h18, 9, 8),
        ] {
            assert_eq!(
                count(m, source, from, to, Sex::K),
                women,
                "{m} {source:?} {from}"
            );
            assert_eq!(
                count(m, source, from, to, Sex::M),
                men,
                "{m} {source:?} {from}"
            );
        }
        let closed_2017: Vec<&CloseOutcome> = all
            .iter()
            .filter_map(|r| match &r.then {
                Then::Closed {
                    closed, outcome, ..
                } if closed.year() == 2017 => Some(outcome),
                _ => None,
            })
            .collect();
        assert_eq!(closed_2017.len(), 150);
        let to_work_or_studies = closed_2017
            .iter()
            .filter(|o| o.is_self_sufficiency())
            .count();
        assert_eq!(to_work_or_studies, 39, "26 %");
        let met_in_march_2019 = all
            .iter()
            .filter(|r| {
                r.then
                    .days()
                    .is_some_and(|(met, _)| Month::of(met) == month("2019-03"))
            })
            .count();
        assert_eq!(met_in_march_2019, 12);
        // The last closure is the history's last step.
        let last = last_closed(&all).unwrap();
        for r in &all {
            let mut steps = vec![r.referred];
            steps.extend(
                r.then
                    .days()
                    .map(|(met, next)| [met, next])
                    .into_iter()
                    .flatten(),
            );
            assert!(steps.iter().all(|d| *d <= last), "{r:?}");
        }
        assert_eq!(
            all.iter()
                .filter(|r| matches!(&r.then, Then::Closed { closed, .. } if *closed == last))
                .count(),
            1
        );
        for (_, months) in households() {
            assert!(months.iter().all(|m| m.first_day() < last));
        }
        let numbers: BTreeSet<usize> = all.iter().map(|r| r.index).collect();
        assert_eq!(numbers.len(), all.len());
        for r in &all {
            match &r.then {
                Then::Nothing => {}
                Then::Closed { met, closed, .. } => assert!(r.referred < *met && met < closed),
                Then::Programme {
                    met,
                    booked,
                    programme,
                } => {
                    assert!(r.referred < *met && met <= booked);
                    assert!(*booked < PROGRAMMES[*programme].start);
                }
                Then::Employed { met, starts } => assert!(r.referred < *met && met < starts),
            }
        }
    }
}
