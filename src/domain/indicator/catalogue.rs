//! The indicator catalogue: what each indicator counts, in which unit, how
//! a period's value is formed, and whether the service computes it or
//! someone reports it.

use super::Gender;

crate::code_enum! {
    /// The unit of an indicator's values.
    Unit {
        /// A number of households, persons, applications or events.
        Count = "count",
        /// A share, in percent with one decimal.
        Percent = "percent",
        /// A number of days.
        Days = "days",
        /// Thousands of kronor (*tkr*), with one decimal.
        SekThousands = "sek_thousands",
    }
}

crate::code_enum! {
    /// Where an indicator's values come from.
    IndicatorSource {
        /// Counted by the service from its own records, kept up to date as
        /// they change.
        Computed = "computed",
        /// Reported by an admin or the case system (`PUT .../values`).
        Reported = "reported",
    }
}

crate::code_enum! {
    /// How a period's value is formed.
    Aggregation {
        /// Events in the period: a year is the sum of its months.
        Sum = "sum",
        /// Distinct households or persons in the period: each counted once
        /// however often it occurs in the period.
        Distinct = "distinct",
        /// The average per month of a monthly count (the period's sum over
        /// its months, divided by the number of months).
        MonthlyAverage = "monthly_average",
        /// Numerator over denominator, in percent.
        Share = "share",
        /// The median of the observations in the period.
        Median = "median",
        /// A stock at the end of the period, as reported (never summed).
        Stock = "stock",
    }
}

/// One indicator of the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct Indicator {
    pub id: &'static str,
    pub title_sv: &'static str,
    pub title_en: &'static str,
    pub unit: Unit,
    pub source: IndicatorSource,
    pub aggregation: Aggregation,
    /// Whether values are split by sex (`K`, `M` and `T`) or only `T`.
    pub by_sex: bool,
    /// What is counted, in words.
    pub definition: &'static str,
}

impl Indicator {
    /// The cells a period's value has.
    pub fn genders(&self) -> &'static [Gender] {
        if self.by_sex {
            &[Gender::K, Gender::M, Gender::T]
        } else {
            &[Gender::T]
        }
    }

    /// Whether a year's value is the sum of its months' (and a tertial's
    /// or half's of theirs): the relations a suppressed cell could be
    /// derived from. Distinct counts are treated as if they were, which
    /// hides more, never less.
    pub fn additive(&self) -> bool {
        !matches!(self.aggregation, Aggregation::Stock | Aggregation::Median)
    }
}

const fn computed(
    id: &'static str,
    title_sv: &'static str,
    title_en: &'static str,
    unit: Unit,
    aggregation: Aggregation,
    by_sex: bool,
    definition: &'static str,
) -> Indicator {
    Indicator {
        id,
        title_sv,
        title_en,
        unit,
        source: IndicatorSource::Computed,
        aggregation,
        by_sex,
        definition,
    }
}

const fn reported(
    id: &'static str,
    title_sv: &'static str,
    title_en: &'static str,
    aggregation: Aggregation,
    definition: &'static str,
) -> Indicator {
    Indicator {
        id,
        title_sv,
        title_en,
        unit: Unit::Count,
        source: IndicatorSource::Reported,
        aggregation,
        by_sex: false,
        definition,
    }
}

use Aggregation::{Distinct, Median, MonthlyAverage, Share, Stock, Sum};

pub const HOUSEHOLDS_MONTHLY_AVERAGE: &str = "households-granted-monthly-average";
pub const HOUSEHOLDS: &str = "households-granted";
pub const PERSONS: &str = "persons-in-households-granted";
pub const CHILDREN: &str = "children-in-households-granted";
pub const APPLICATIONS: &str = "applications-received";
pub const REFERRED_BY_SOC: &str = "via-participants-referred-by-soc";
pub const REFERRED_BY_AF: &str = "via-participants-referred-by-af";
pub const CLOSED: &str = "via-referrals-closed";
pub const CLOSED_TO_WORK: &str = "via-closed-to-work";
pub const CLOSED_TO_STUDIES: &str = "via-closed-to-studies";
pub const CLOSED_TO_SELF_SUFFICIENCY: &str = "via-closed-to-self-sufficiency";
pub const TO_UNSUBSIDISED_WORK: &str = "via-to-unsubsidised-work";
pub const FIRST_MEETINGS: &str = "via-first-meetings-held";
pub const COACH_WITHIN_A_WEEK: &str = "via-coach-within-a-week";
pub const DAYS_TO_FIRST_MEETING: &str = "via-days-to-first-meeting";
pub const SUBSIDISED_EMPLOYMENTS: &str = "via-subsidised-employments-started";
pub const PROGRAMME_PARTICIPANTS: &str = "via-programme-participants-started";
pub const SEK_PAID: &str = "sek-paid";

/// Every indicator, computed ones first.
pub const CATALOGUE: &[Indicator] = &[
    computed(
        HOUSEHOLDS_MONTHLY_AVERAGE,
        "Antal hushåll som beviljats ekonomiskt bistånd, genomsnitt per månad",
        "Households granted financial assistance, average per month",
        Unit::Count,
        MonthlyAverage,
        false,
        "For each month, the households whose decision in force for that support month grants money (bifall or delavslag); the period's value is the average of its months. A household is counted by its applicant. Replaced decisions are not counted.",
    ),
    computed(
        HOUSEHOLDS,
        "Antal hushåll som beviljats ekonomiskt bistånd under perioden",
        "Households granted financial assistance during the period",
        Unit::Count,
        Distinct,
        false,
        "Households with at least one support month in the period whose decision in force grants money, each counted once.",
    ),
    computed(
        PERSONS,
        "Antal personer i hushåll som beviljats ekonomiskt bistånd",
        "Persons in households granted financial assistance",
        Unit::Count,
        Distinct,
        false,
        "The persons a granting decision in force covers (persons_covered), each household's members counted once in the period by their place in the household.",
    ),
    computed(
        CHILDREN,
        "Antal barn under 18 år i hushåll som beviljats ekonomiskt bistånd",
        "Children under 18 in households granted financial assistance",
        Unit::Count,
        Distinct,
        false,
        "The children a granting decision in force covers who are under 18 on the first day of the support month, counted once in the period.",
    ),
    computed(
        APPLICATIONS,
        "Antal inkomna ansökningar om ekonomiskt bistånd",
        "Applications for financial assistance received",
        Unit::Count,
        Sum,
        true,
        "Applications received in the period (by the date received in Sweden), by the applicant's legal sex.",
    ),
    computed(
        REFERRED_BY_SOC,
        "Antal deltagare i arbetsmarknadsåtgärd anvisade av socialförvaltningen",
        "Participants in labour-market measures referred by social services",
        Unit::Count,
        Distinct,
        true,
        "Persons referred to Viadidakt by social services in the period (by the referral's date), each counted once, by legal sex; withdrawn referrals included, as they were sent.",
    ),
    computed(
        REFERRED_BY_AF,
        "Antal deltagare i arbetsmarknadsåtgärd anvisade av Arbetsförmedlingen",
        "Participants in labour-market measures referred by the Employment Service",
        Unit::Count,
        Distinct,
        true,
        "Persons referred to Viadidakt by the Employment Service in the period (by the referral's date), each counted once, by legal sex.",
    ),
    computed(
        CLOSED,
        "Antal avslutade anvisningar",
        "Referrals closed",
        Unit::Count,
        Sum,
        true,
        "Referrals to Viadidakt closed in the period (by the date closed), whatever the outcome: the denominator of the shares below.",
    ),
    computed(
        CLOSED_TO_WORK,
        "Andel avslutade anvisningar till arbete",
        "Share of closed referrals to work",
        Unit::Percent,
        Share,
        true,
        "Referrals closed in the period with the outcome work_unsubsidised or work_subsidised, in percent of the referrals closed in the period.",
    ),
    computed(
        CLOSED_TO_STUDIES,
        "Andel avslutade anvisningar till studier",
        "Share of closed referrals to studies",
        Unit::Percent,
        Share,
        true,
        "Referrals closed in the period with the outcome studies, in percent of the referrals closed in the period.",
    ),
    computed(
        CLOSED_TO_SELF_SUFFICIENCY,
        "Andel avslutade anvisningar till egen försörjning",
        "Share of closed referrals to self-sufficiency",
        Unit::Percent,
        Share,
        true,
        "Referrals closed in the period to self-sufficiency (BR-8: work_unsubsidised, work_subsidised or studies), in percent of the referrals closed in the period.",
    ),
    computed(
        TO_UNSUBSIDISED_WORK,
        "Antal personer som gått till anställning utan subvention",
        "Persons who went on to unsubsidised work",
        Unit::Count,
        Sum,
        true,
        "Referrals closed in the period with the outcome work_unsubsidised.",
    ),
    computed(
        FIRST_MEETINGS,
        "Antal hållna första möten med arbetsmarknadscoach",
        "First meetings with a coach held",
        Unit::Count,
        Sum,
        true,
        "Referrals whose first meeting was held in the period (by the day held).",
    ),
    computed(
        COACH_WITHIN_A_WEEK,
        "Andel som träffat coach inom en vecka",
        "Share who met a coach within a week",
        Unit::Percent,
        Share,
        true,
        "Referrals with a first-meeting due date in the period (BR-5: a work capacity of at least 25 %) whose first meeting was held on or before it, in percent of those due in the period that are settled: the meeting was held, or the referral ended (declined, withdrawn, closed) without one after its due date. A referral still waiting is counted once it is settled, so a recent period's share can still move.",
    ),
    computed(
        DAYS_TO_FIRST_MEETING,
        "Mediantid i dagar från ansökan till första mötet med coach",
        "Median days from application to the first meeting with a coach",
        Unit::Days,
        Median,
        true,
        "For first meetings held in the period: the days from the linked application's date received (the referral's own date where none is linked) to the day held; the median.",
    ),
    computed(
        SUBSIDISED_EMPLOYMENTS,
        "Antal påbörjade subventionerade anställningar",
        "Subsidised employments started",
        Unit::Count,
        Sum,
        true,
        "Interventions of the kind subsidised_employment (extratjänst, introduktionsjobb, nystartsjobb, OSA, other) starting in the period.",
    ),
    computed(
        PROGRAMME_PARTICIPANTS,
        "Antal deltagare som påbörjat ett gruppprogram",
        "Participants starting a group programme",
        Unit::Count,
        Sum,
        true,
        "Places taken on Viadidakt's group programmes (such as korta vårdspåret) by interventions starting in the period.",
    ),
    computed(
        SEK_PAID,
        "Utbetalt ekonomiskt bistånd, tkr",
        "Financial assistance paid, SEK thousands",
        Unit::SekThousands,
        Sum,
        false,
        "Payments made in the period (by the day paid), corrections deducted, in thousands of kronor.",
    ),
    reported(
        "soc-care-days-family-homes-unaccompanied",
        "Antal utnyttjade vårddygn i familjehem, ensamkommande barn och unga",
        "Care days used in family homes, unaccompanied children and young people",
        Sum,
        "Reported from the case system.",
    ),
    reported(
        "soc-care-days-supported-housing-unaccompanied",
        "Antal utnyttjade vårddygn i stödboende/HVB, ensamkommande barn och unga",
        "Care days used in supported housing or residential care, unaccompanied children and young people",
        Sum,
        "Reported from the case system.",
    ),
    reported(
        "soc-care-days-family-homes-children",
        "Antal utnyttjade vårddygn i familjehem, barn och unga exkl ensamkommande",
        "Care days used in family homes, children and young people other than unaccompanied",
        Sum,
        "Reported from the case system.",
    ),
    reported(
        "soc-care-days-institution-children",
        "Antal utnyttjade vårddygn på institution, barn och unga exkl ensamkommande",
        "Care days used in institutions, children and young people other than unaccompanied",
        Sum,
        "Reported from the case system.",
    ),
    reported(
        "soc-care-days-institution-adults",
        "Antal utnyttjade vårddygn på institution, vuxna",
        "Care days used in institutions, adults",
        Sum,
        "Reported from the case system.",
    ),
    reported(
        "soc-care-days-varnas",
        "Antal utnyttjade vårddygn på Vårnäs, öppet intag",
        "Care days used at Vårnäs, open intake",
        Sum,
        "Reported from the case system.",
    ),
    reported(
        "soc-actualisations-received",
        "Antal inkomna aktualiseringar",
        "Actualisations received",
        Sum,
        "Matters brought to social services' attention (reports, applications, requests), as the case system counts them.",
    ),
    reported(
        "soc-investigations-started",
        "Antal startade utredningar",
        "Investigations started",
        Sum,
        "Reported from the case system.",
    ),
    reported(
        "soc-investigations-closed",
        "Antal avslutade utredningar",
        "Investigations closed",
        Sum,
        "Reported from the case system.",
    ),
    reported(
        "soc-investigations-ongoing",
        "Antal pågående utredningar",
        "Investigations ongoing",
        Stock,
        "Investigations open at the end of the period, as the case system reports them; a year's value is what was reported for the year (stocks are never summed).",
    ),
];

/// The indicator with this id.
pub fn find(id: &str) -> Option<&'static Indicator> {
    CATALOGUE.iter().find(|i| i.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case() {
        let mut ids: Vec<&str> = CATALOGUE.iter().map(|i| i.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), CATALOGUE.len());
        for id in ids {
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{id}"
            );
        }
    }

    #[test]
    fn shares_are_percent_and_medians_days() {
        for i in CATALOGUE {
            match i.aggregation {
                Share => assert_eq!(i.unit, Unit::Percent, "{}", i.id),
                Median => assert_eq!(i.unit, Unit::Days, "{}", i.id),
                _ => {}
            }
        }
    }
}
