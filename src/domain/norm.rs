//! The national norm (*riksnormen*) and the calculation of försörjningsstöd
//! for one month: dated tables loaded as data (no amounts in code), and a
//! pure function that explains every line of its result.
//!
//! The rules (socialtjänstförordningen (2025:468) 12 kap. 2–3 §§, and
//! Socialstyrelsen's general advice on alternating residence):
//! - personal costs per person by age band; two cohabiting adults have one
//!   amount together, a single adult their own;
//! - a child counts from the age they have on the first day of the support
//!   month; under 7 with lunch at preschool five days a week, the lower
//!   amount; 19–20 only while in upper secondary school (checked on the way
//!   in);
//! - a child who lives in the home part of the month (alternating
//!   residence) counts personal costs for the days in the home, out of 30,
//!   and counts fully in the household's size;
//! - common household costs by the household's size; above seven persons,
//!   each further person adds the difference between six and seven;
//! - another adult sharing the home (not a partner) makes the household
//!   larger; the persons the decision covers then count their share of the
//!   common costs (the costs divided by the household's size, per person
//!   covered);
//! - reasonable costs are the expenses approved, and incomes the incomes
//!   counted, of the persons covered; a line not yet assessed counts as
//!   applied for, and says so;
//! - the result is the norm plus the costs less the incomes, never below
//!   zero; amounts are rounded to whole öre (half away from zero).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::code_enum;
use crate::domain::household::{DAYS_IN_MONTH, age_on};
use crate::domain::month::Month;

code_enum! {
    /// A row of the norm's personal costs.
    Band {
        Child0 = "child_0",
        Child1To2 = "child_1_2",
        Child3 = "child_3",
        Child4To6 = "child_4_6",
        Child7To10 = "child_7_10",
        Child11To14 = "child_11_14",
        Child15To18 = "child_15_18",
        Child19To20 = "child_19_20",
        /// A single adult.
        AdultSingle = "adult_single",
        /// Two cohabiting adults, together.
        AdultCohabiting = "adult_cohabiting",
        Child0WithoutLunch = "child_0_without_lunch",
        Child1To2WithoutLunch = "child_1_2_without_lunch",
        Child3WithoutLunch = "child_3_without_lunch",
        Child4To6WithoutLunch = "child_4_6_without_lunch",
    }
}

/// The most persons the common household costs are tabled for.
pub const TABLED_PERSONS: usize = 7;

impl Band {
    /// The band of a child of `age` (full years), with lunch at preschool
    /// or not.
    pub fn of_child(age: i32, preschool_lunch: bool) -> Band {
        use Band::*;
        match (age, preschool_lunch) {
            (..=0, false) => Child0,
            (..=0, true) => Child0WithoutLunch,
            (1..=2, false) => Child1To2,
            (1..=2, true) => Child1To2WithoutLunch,
            (3, false) => Child3,
            (3, true) => Child3WithoutLunch,
            (4..=6, false) => Child4To6,
            (4..=6, true) => Child4To6WithoutLunch,
            (7..=10, _) => Child7To10,
            (11..=14, _) => Child11To14,
            (15..=18, _) => Child15To18,
            _ => Child19To20,
        }
    }

    /// How the band is named on a calculation (Swedish).
    pub fn label_sv(self) -> &'static str {
        use Band::*;
        match self {
            Child0 => "barn 0 år",
            Child1To2 => "barn 1–2 år",
            Child3 => "barn 3 år",
            Child4To6 => "barn 4–6 år",
            Child7To10 => "barn 7–10 år",
            Child11To14 => "barn 11–14 år",
            Child15To18 => "barn 15–18 år",
            Child19To20 => "skolungdom 19–20 år",
            AdultSingle => "ensamstående vuxen",
            AdultCohabiting => "sammanboende vuxna, tillsammans",
            Child0WithoutLunch => "barn 0 år, utan lunch fem dagar i veckan",
            Child1To2WithoutLunch => "barn 1–2 år, utan lunch fem dagar i veckan",
            Child3WithoutLunch => "barn 3 år, utan lunch fem dagar i veckan",
            Child4To6WithoutLunch => "barn 4–6 år, utan lunch fem dagar i veckan",
        }
    }
}

/// One year's norm, as loaded: every band's amount and the common costs
/// of households of one to seven persons, SEK a month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormTable {
    pub year: i32,
    pub source: String,
    pub personal: BTreeMap<&'static str, Decimal>,
    /// Index 0 is one person.
    pub household: Vec<Decimal>,
}

impl NormTable {
    /// A table whose every band and household size 1–7 is there once, with
    /// amounts of at most two decimals and not below zero; the error names
    /// what is wrong.
    pub fn new(
        year: i32,
        source: String,
        personal: &[(Band, Decimal)],
        household: &[(usize, Decimal)],
    ) -> Result<Self, Vec<(String, String)>> {
        let mut errors = Vec::new();
        let mut bands = BTreeMap::new();
        for (band, amount) in personal {
            if bands.insert(band.as_str(), in_ore(*amount)).is_some() {
                errors.push((
                    "personal_costs".into(),
                    format!("gives the band {band} twice"),
                ));
            }
        }
        for band in Band::ALL {
            if !bands.contains_key(band.as_str()) {
                errors.push(("personal_costs".into(), format!("lacks the band {band}")));
            }
        }
        let mut sizes = vec![None; TABLED_PERSONS];
        for (persons, amount) in household {
            match sizes.get_mut(persons.wrapping_sub(1)) {
                Some(slot @ None) => *slot = Some(in_ore(*amount)),
                Some(Some(_)) => errors.push((
                    "household_costs".into(),
                    format!("gives {persons} persons twice"),
                )),
                None => errors.push((
                    "household_costs".into(),
                    format!("tables 1–{TABLED_PERSONS} persons only, not {persons}"),
                )),
            }
        }
        let lacking: Vec<String> = sizes
            .iter()
            .enumerate()
            .filter(|(_, s)| s.is_none())
            .map(|(n, _)| (n + 1).to_string())
            .collect();
        if !lacking.is_empty() {
            errors.push((
                "household_costs".into(),
                format!("lacks households of {} persons", lacking.join(", ")),
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            year,
            source,
            personal: bands,
            household: sizes.into_iter().flatten().collect(),
        })
    }

    pub fn personal(&self, band: Band) -> Decimal {
        self.personal
            .get(band.as_str())
            .copied()
            .unwrap_or_default()
    }

    /// The common household costs of `persons` (at least one).
    pub fn household_costs(&self, persons: usize) -> Decimal {
        let tabled = |n: usize| self.household[n.clamp(1, TABLED_PERSONS) - 1];
        if persons <= TABLED_PERSONS {
            tabled(persons)
        } else {
            let step = tabled(TABLED_PERSONS) - tabled(TABLED_PERSONS - 1);
            tabled(TABLED_PERSONS) + step * Decimal::from(persons - TABLED_PERSONS)
        }
    }
}

/// A person of the household as the calculation sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Person {
    Applicant,
    Partner,
    /// Another adult sharing the home: not covered.
    OtherAdult,
    Child {
        birth_date: NaiveDate,
        days_in_home: i32,
        preschool_lunch: bool,
    },
}

impl Person {
    fn covered(&self) -> bool {
        !matches!(self, Person::OtherAdult)
    }
}

/// Whether a line is an income or an expense.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Income,
    Expense,
}

/// An income or expense line of the application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    pub line: i32,
    pub member: String,
    pub direction: Direction,
    /// What it is, in Swedish, for the explanation.
    pub label_sv: String,
    pub applied: Decimal,
    pub approved: Option<Decimal>,
}

/// The part of the calculation a line belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    PersonalCosts,
    HouseholdCosts,
    ReasonableCosts,
    Incomes,
}

/// One explained line of a calculation; incomes are negative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub section: Section,
    /// The persons it is about (member keys), when it is about persons.
    pub members: Vec<String>,
    /// The application's line, for costs and incomes.
    pub line: Option<i32>,
    pub amount: Decimal,
    /// A short explanation in Swedish.
    pub explanation: String,
}

/// A month's calculation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calculation {
    pub steps: Vec<Step>,
    /// Persons in the household (for the common costs).
    pub household_size: usize,
    pub norm: Decimal,
    pub reasonable_costs: Decimal,
    pub incomes: Decimal,
    /// What the household needs: norm + costs − incomes, never below zero.
    pub result: Decimal,
    pub explanation: String,
}

/// An amount rounded to whole öre and written with two decimals.
fn ore(amount: Decimal) -> Decimal {
    in_ore(amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
}

/// An amount of at most two decimals, written with two.
fn in_ore(mut amount: Decimal) -> Decimal {
    amount.rescale(2);
    amount
}

fn kr(amount: Decimal) -> String {
    let a = ore(amount);
    if a.fract().is_zero() {
        format!("{} kr", a.trunc())
    } else {
        format!("{a:.2} kr")
    }
}

/// Calculates försörjningsstöd for `month` from `table`, the household's
/// persons (`(member key, person)`) and its lines.
pub fn calculate(
    table: &NormTable,
    month: Month,
    persons: &[(String, Person)],
    figures: &[Figure],
) -> Calculation {
    let start = month.first_day();
    let mut steps = Vec::new();
    let adults: Vec<&String> = persons
        .iter()
        .filter(|(_, p)| matches!(p, Person::Applicant | Person::Partner))
        .map(|(m, _)| m)
        .collect();
    let (band, adults_text) = if adults.len() == 2 {
        (Band::AdultCohabiting, "två sammanboende vuxna")
    } else {
        (Band::AdultSingle, "ensamstående vuxen")
    };
    steps.push(Step {
        section: Section::PersonalCosts,
        members: adults.iter().map(|m| m.to_string()).collect(),
        line: None,
        amount: table.personal(band),
        explanation: format!(
            "Personliga kostnader, {adults_text}: {} enligt riksnormen {}",
            kr(table.personal(band)),
            table.year
        ),
    });
    for (member, person) in persons {
        let Person::Child {
            birth_date,
            days_in_home,
            preschool_lunch,
        } = person
        else {
            continue;
        };
        let age = age_on(*birth_date, start);
        let band = Band::of_child(age, *preschool_lunch);
        let full = table.personal(band);
        let days = (*days_in_home).clamp(1, DAYS_IN_MONTH);
        let amount = ore(full * Decimal::from(days) / Decimal::from(DAYS_IN_MONTH));
        let share = if days == DAYS_IN_MONTH {
            String::new()
        } else {
            format!(
                "; bor i hemmet {days} av {DAYS_IN_MONTH} dagar: {} × {days}/{DAYS_IN_MONTH}",
                kr(full)
            )
        };
        steps.push(Step {
            section: Section::PersonalCosts,
            members: vec![member.clone()],
            line: None,
            amount,
            explanation: format!(
                "Personliga kostnader, {} ({} år den {}): {}{share}",
                band.label_sv(),
                age.max(0),
                start,
                kr(full)
            ),
        });
    }
    let size = persons.len().max(1);
    let covered = persons.iter().filter(|(_, p)| p.covered()).count().max(1);
    let common = table.household_costs(size);
    let (amount, text) = if covered == size {
        (
            common,
            format!(
                "Gemensamma hushållskostnader för {size} personer: {}",
                kr(common)
            ),
        )
    } else {
        let amount = ore(common * Decimal::from(covered) / Decimal::from(size));
        (
            amount,
            format!(
                "Gemensamma hushållskostnader för {size} personer: {}; {covered} av {size} \
                 omfattas av beslutet (de övriga i hushållet gör det inte): {} × {covered}/{size}",
                kr(common),
                kr(common)
            ),
        )
    };
    steps.push(Step {
        section: Section::HouseholdCosts,
        members: Vec::new(),
        line: None,
        amount,
        explanation: text,
    });
    let covered_member = |m: &str| persons.iter().any(|(key, p)| key == m && p.covered());
    let mut costs = Decimal::ZERO;
    let mut incomes = Decimal::ZERO;
    for figure in figures {
        let (section, sign) = match figure.direction {
            Direction::Expense => (Section::ReasonableCosts, Decimal::ONE),
            Direction::Income => (Section::Incomes, Decimal::NEGATIVE_ONE),
        };
        let (counted, how) = if !covered_member(&figure.member) {
            (
                Decimal::ZERO,
                "räknas inte: personen omfattas inte".to_owned(),
            )
        } else {
            match figure.approved {
                Some(a) if figure.direction == Direction::Expense => (
                    a,
                    format!("godkänd {} av ansökta {}", kr(a), kr(figure.applied)),
                ),
                Some(a) => (
                    a,
                    format!("räknas med {} (uppgivet {})", kr(a), kr(figure.applied)),
                ),
                None => (
                    figure.applied,
                    format!("inte prövad än: ansökt belopp {}", kr(figure.applied)),
                ),
            }
        };
        match figure.direction {
            Direction::Expense => costs += counted,
            Direction::Income => incomes += counted,
        }
        steps.push(Step {
            section,
            members: vec![figure.member.clone()],
            line: Some(figure.line),
            amount: in_ore(sign * counted),
            explanation: format!("{} ({}): {how}", figure.label_sv, figure.member),
        });
    }
    let norm: Decimal = steps
        .iter()
        .filter(|s| matches!(s.section, Section::PersonalCosts | Section::HouseholdCosts))
        .map(|s| s.amount)
        .sum();
    let need = norm + costs - incomes;
    let result = ore(need.max(Decimal::ZERO));
    let explanation = if need > Decimal::ZERO {
        format!(
            "Riksnorm {} + skäliga kostnader {} − inkomster {} = {}",
            kr(norm),
            kr(costs),
            kr(incomes),
            kr(result)
        )
    } else {
        format!(
            "Riksnorm {} + skäliga kostnader {} − inkomster {} = {}: inkomsterna täcker \
             behovet, inget försörjningsstöd",
            kr(norm),
            kr(costs),
            kr(incomes),
            kr(need)
        )
    };
    Calculation {
        steps,
        household_size: size,
        norm: ore(norm),
        reasonable_costs: ore(costs),
        incomes: ore(incomes),
        result,
        explanation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The norm of 2026 as the Government published it (socialtjänst-
    /// förordningen (2025:468) 12 kap. 2 §, SFS 2025:1046), from the same
    /// file the API tests load.
    fn norm_2026() -> NormTable {
        let v: serde_json::Value =
            serde_json::from_str(include_str!("../../reference/riksnorm-2026.json")).unwrap();
        let dec = |v: &serde_json::Value| v.as_str().unwrap().parse::<Decimal>().unwrap();
        let personal: Vec<(Band, Decimal)> = v["personal_costs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    Band::parse(r["band"].as_str().unwrap()).unwrap(),
                    dec(&r["amount"]),
                )
            })
            .collect();
        let household: Vec<(usize, Decimal)> = v["household_costs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["persons"].as_u64().unwrap() as usize, dec(&r["amount"])))
            .collect();
        NormTable::new(2026, "test".into(), &personal, &household).unwrap()
    }

    fn sek(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn month() -> Month {
        Month::parse("2026-12").unwrap()
    }

    fn child(birth: &str, days: i32, lunch: bool) -> Person {
        Person::Child {
            birth_date: birth.parse().unwrap(),
            days_in_home: days,
            preschool_lunch: lunch,
        }
    }

    fn household(persons: Vec<(&str, Person)>) -> Vec<(String, Person)> {
        persons
            .into_iter()
            .map(|(m, p)| (m.to_owned(), p))
            .collect()
    }

    fn figure(
        line: i32,
        member: &str,
        direction: Direction,
        applied: &str,
        approved: Option<&str>,
    ) -> Figure {
        Figure {
            line,
            member: member.into(),
            direction,
            label_sv: "post".into(),
            applied: sek(applied),
            approved: approved.map(sek),
        }
    }

    #[test]
    fn the_published_totals_of_2026_come_out_for_a_single_person_and_a_couple() {
        // The Government's own totals: 5 220 kr alone, 8 510 kr as a couple.
        let alone = calculate(
            &norm_2026(),
            month(),
            &household(vec![("applicant", Person::Applicant)]),
            &[],
        );
        assert_eq!(alone.norm, sek("5220"));
        assert_eq!(alone.result, sek("5220"));
        let couple = household(vec![
            ("applicant", Person::Applicant),
            ("partner", Person::Partner),
        ]);
        assert_eq!(
            calculate(&norm_2026(), month(), &couple, &[]).norm,
            sek("8510")
        );
    }

    #[test]
    fn a_child_in_alternating_residence_counts_its_days_and_fully_in_the_household_size() {
        let persons = household(vec![
            ("applicant", Person::Applicant),
            ("partner", Person::Partner),
            ("child_1", child("2018-03-01", 15, false)),
        ]);
        let figures = [
            figure(
                1,
                "applicant",
                Direction::Income,
                "1200.00",
                Some("1200.00"),
            ),
            figure(
                2,
                "applicant",
                Direction::Expense,
                "6200.00",
                Some("6200.00"),
            ),
            figure(3, "partner", Direction::Expense, "300.00", Some("0.00")),
        ];
        let c = calculate(&norm_2026(), month(), &persons, &figures);
        // 7 100 (two adults) + 3 820 × 15/30 (8 years) + 1 790 (three persons).
        assert_eq!(c.household_size, 3);
        assert_eq!(c.steps[1].amount, sek("1910.00"));
        assert!(
            c.steps[1].explanation.contains("15 av 30 dagar"),
            "{}",
            c.steps[1].explanation
        );
        assert_eq!(c.norm, sek("10800.00"));
        assert_eq!(c.reasonable_costs, sek("6200.00"));
        assert_eq!(c.incomes, sek("1200.00"));
        assert_eq!(c.result, sek("15800.00"));
        assert!(c.steps.iter().all(|s| !s.explanation.is_empty()));
    }

    #[test]
    fn age_bands_lunch_at_preschool_and_school_youth_follow_the_table() {
        let t = norm_2026();
        // Six on the first of December: born after it in 2019.
        let persons = household(vec![
            ("applicant", Person::Applicant),
            ("child_1", child("2019-12-15", 30, false)),
            ("child_2", child("2024-06-01", 30, true)),
            ("child_3", child("2007-01-01", 30, false)),
        ]);
        let c = calculate(&t, month(), &persons, &[]);
        assert_eq!(c.steps[1].amount, sek("3060"), "4–6 years");
        assert_eq!(
            c.steps[2].amount,
            sek("2800"),
            "1–2 years, lunch at preschool"
        );
        assert_eq!(c.steps[3].amount, sek("5000"), "19–20 in school");
        assert_eq!(c.steps[4].amount, sek("2030"), "four persons");
    }

    #[test]
    fn above_seven_persons_each_adds_the_step_from_six_to_seven() {
        let t = norm_2026();
        assert_eq!(t.household_costs(7), sek("2830"));
        assert_eq!(t.household_costs(9), sek("3210"));
    }

    #[test]
    fn an_adult_sharing_the_home_who_is_not_a_partner_counts_a_share_of_the_common_costs() {
        let persons = household(vec![
            ("applicant", Person::Applicant),
            ("adult_1", Person::OtherAdult),
        ]);
        let figures = [figure(1, "adult_1", Direction::Income, "20000.00", None)];
        let c = calculate(&norm_2026(), month(), &persons, &figures);
        // 3 940 alone + 1 410 / 2 (socialtjänstförordningen 12 kap. 3 §).
        assert_eq!(c.norm, sek("4645.00"));
        assert_eq!(
            c.incomes,
            Decimal::ZERO,
            "the other adult's income is theirs"
        );
    }

    #[test]
    fn incomes_above_the_need_give_nothing_and_lines_not_assessed_count_as_applied() {
        let persons = household(vec![("applicant", Person::Applicant)]);
        let figures = [
            figure(1, "applicant", Direction::Income, "9000.00", None),
            figure(2, "applicant", Direction::Expense, "3000.00", None),
        ];
        let c = calculate(&norm_2026(), month(), &persons, &figures);
        assert_eq!(c.result, Decimal::ZERO);
        assert!(c.explanation.contains("inget försörjningsstöd"));
        assert!(c.steps[2].explanation.contains("inte prövad"));
        assert_eq!(c.steps[2].amount, sek("-9000.00"));
    }

    #[test]
    fn a_table_lacking_a_band_or_a_size_is_refused() {
        let t = norm_2026();
        let personal: Vec<(Band, Decimal)> = t
            .personal
            .iter()
            .skip(1)
            .map(|(b, a)| (Band::parse(b).unwrap(), *a))
            .collect();
        let household: Vec<(usize, Decimal)> = (1..=6).map(|n| (n, sek("1000"))).collect();
        let errors = NormTable::new(2026, "x".into(), &personal, &household).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[1].1.contains("7"), "{errors:?}");
    }
}
