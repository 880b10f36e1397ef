//! Decisions as legal documents: outcomes, the caseworker's assessment of
//! each adult, periods, reasons (FL 32 §), appeal notices (FL 33 §) and
//! replacements.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::code_enum;
use crate::domain::month::Month;

code_enum! {
    /// What a decision is about.
    DecisionKind {
        /// Assistance applied for (*försörjningsstöd*, *livsföring i övrigt*).
        Assistance = "assistance",
        /// A claim to pay back assistance (*återkrav*).
        Recovery = "recovery",
        /// Letting a claim go, in whole or in part (*eftergift*).
        WriteOff = "write_off",
    }
}

code_enum! {
    /// The outcome of a decision.
    Outcome {
        /// *Bifall*: everything applied for.
        Granted = "granted",
        /// *Delavslag*: part granted, part rejected.
        PartiallyRejected = "partially_rejected",
        /// *Avslag*: nothing granted, after trying the matter.
        Rejected = "rejected",
        /// *Avvisning*: the matter not tried (an application that cannot be
        /// tried, such as one not completed after a request to complete it).
        Dismissed = "dismissed",
        /// A recovery decision: the committee claims the amount back.
        Claimed = "claimed",
    }
}

code_enum! {
    /// Why a decision replaces an earlier one.
    ReplacementGround {
        /// The committee changed its own decision (*ändring*, FL 37–39 §§).
        Reconsideration = "reconsideration",
        /// A court's ruling on appeal (*förvaltningsrättens dom*).
        CourtRuling = "court_ruling",
        /// An obvious mistake put right (*rättelse*, FL 36 §).
        Correction = "correction",
    }
}

impl Outcome {
    /// Whether money may be paid under this outcome.
    pub fn grants_money(self) -> bool {
        matches!(self, Outcome::Granted | Outcome::PartiallyRejected)
    }

    /// FL 32 §: a decision that does not give the person everything they
    /// asked for states its reasons.
    pub fn needs_reasons(self) -> bool {
        self != Outcome::Granted
    }

    /// A decision that tries an application assesses every adult it
    /// covers; a dismissal tries nothing (and a recovery is no application).
    pub fn assesses_adults(self) -> bool {
        !matches!(self, Outcome::Dismissed | Outcome::Claimed)
    }

    /// The outcomes a decision of `kind` can have.
    pub fn fits(self, kind: DecisionKind) -> bool {
        match kind {
            DecisionKind::Assistance => self != Outcome::Claimed,
            DecisionKind::Recovery => self == Outcome::Claimed,
            DecisionKind::WriteOff => {
                matches!(
                    self,
                    Outcome::Granted | Outcome::PartiallyRejected | Outcome::Rejected
                )
            }
        }
    }
}

/// The amount a decision with `outcome` carries: above zero when it grants
/// money, zero (or none given) otherwise.
pub fn amount(outcome: Outcome, amount: Option<Decimal>) -> Result<Decimal, String> {
    match (outcome.grants_money(), amount) {
        (true, Some(a)) if a > Decimal::ZERO => Ok(a),
        (true, Some(_)) => Err("must be above zero when granting".into()),
        (true, None) => Err("is required when granting".into()),
        (false, Some(a)) if !a.is_zero() => {
            Err(format!("must be 0 or absent when the outcome is {outcome}"))
        }
        (false, _) => Ok(Decimal::ZERO),
    }
}

/// The period an assistance decision covers: `from` ≤ `to`, both within the
/// application's support month (a decision may start after the first day,
/// such as from the day the need began).
pub fn period_within(from: NaiveDate, to: NaiveDate, month: Month) -> Result<(), String> {
    if from > to {
        return Err("from must not be after to".into());
    }
    if !month.contains(from) || !month.contains(to) {
        return Err(format!(
            "must lie within the support month {month} ({} – {})",
            month.first_day(),
            month.last_day()
        ));
    }
    Ok(())
}

/// How a decision can be appealed, as the decision tells the person
/// (FL 33 §). A decision under a provision that 35 kap. 1 § of the Social
/// Services Act lists (the right to assistance, a refused or reduced
/// försörjningsstöd) is appealed to the administrative court
/// (*förvaltningsrätten*), in writing, lodged with the committee that
/// decided, within three weeks of the day the person was notified (FL 43–44
/// §§). Other decisions (assistance beyond the right, a write-off) cannot
/// be appealed that way. A recovery claim is not appealed: the committee
/// must take it to the administrative court to enforce it, where the person
/// answers it (33 kap. 4 §).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppealNotice {
    pub appealable: bool,
    /// The court that tries an appeal.
    pub court: Option<&'static str>,
    /// Where the appeal is lodged.
    pub lodge_with: Option<&'static str>,
    /// Weeks from notice.
    pub within_weeks: Option<u32>,
    /// The notice as printed on the decision, in Swedish.
    pub text_sv: &'static str,
}

/// Three weeks from notice (FL 44 §).
pub const APPEAL_WITHIN_WEEKS: u32 = 3;

/// The appeal notice of a decision of `kind`; `appealable` says whether
/// its legal basis makes it appealable to the administrative court.
pub fn appeal_notice(kind: DecisionKind, appealable: bool) -> AppealNotice {
    let not_appealable = |text_sv| AppealNotice {
        appealable: false,
        court: None,
        lodge_with: None,
        within_weeks: None,
        text_sv,
    };
    match kind {
        DecisionKind::Recovery => not_appealable(
            "Beslutet om återkrav kan inte överklagas. Om du inte betalar frivilligt kan \
             socialnämnden ansöka hos förvaltningsrätten om att du ska betala, och du får då \
             lämna dina synpunkter till domstolen. Du kan ansöka hos socialnämnden om att \
             nämnden helt eller delvis avstår från kravet.",
        ),
        _ if !appealable => not_appealable(
            "Beslutet kan inte överklagas till förvaltningsrätten (35 kap. 1 § \
             socialtjänstlagen).",
        ),
        _ => AppealNotice {
            appealable: true,
            court: Some("förvaltningsrätten"),
            lodge_with: Some("socialnämnden"),
            within_weeks: Some(APPEAL_WITHIN_WEEKS),
            text_sv: "Om du inte är nöjd med beslutet kan du överklaga det till \
                förvaltningsrätten. Överklagandet ska vara skriftligt och ställas till \
                förvaltningsrätten, men skickas eller lämnas till socialnämnden. Det måste ha \
                kommit in till socialnämnden inom tre veckor från den dag du fick del av \
                beslutet. Skriv vilket beslut du överklagar, varför du anser att det är fel \
                och hur du vill att det ska ändras, och skriv under. Om nämnden inte ändrar \
                beslutet som du begär skickar nämnden överklagandet vidare till \
                förvaltningsrätten. Din handläggare kan hjälpa dig att överklaga.",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_grant_names_an_amount_above_zero_and_anything_else_none() {
        let a = |s: &str| Some(s.parse::<Decimal>().unwrap());
        assert_eq!(
            amount(Outcome::Granted, a("8450.00")),
            Ok(a("8450.00").unwrap())
        );
        assert!(amount(Outcome::Granted, a("0")).is_err());
        assert!(amount(Outcome::PartiallyRejected, None).is_err());
        assert_eq!(amount(Outcome::Rejected, None), Ok(Decimal::ZERO));
        assert_eq!(amount(Outcome::Dismissed, a("0.00")), Ok(Decimal::ZERO));
        assert!(amount(Outcome::Rejected, a("1")).is_err());
    }

    #[test]
    fn fl32_anything_but_a_full_grant_states_its_reasons() {
        assert!(!Outcome::Granted.needs_reasons());
        for o in [
            Outcome::PartiallyRejected,
            Outcome::Rejected,
            Outcome::Dismissed,
        ] {
            assert!(o.needs_reasons(), "{o}");
        }
        assert!(!Outcome::Dismissed.assesses_adults());
    }

    #[test]
    fn a_period_lies_within_its_support_month() {
        let m = Month::parse("2026-12").unwrap();
        assert!(period_within(d(2026, 12, 1), d(2026, 12, 31), m).is_ok());
        assert!(period_within(d(2026, 12, 10), d(2026, 12, 31), m).is_ok());
        assert!(period_within(d(2026, 12, 31), d(2026, 12, 1), m).is_err());
        assert!(period_within(d(2026, 11, 30), d(2026, 12, 31), m).is_err());
        assert!(period_within(d(2026, 12, 1), d(2027, 1, 1), m).is_err());
    }

    #[test]
    fn fl33_an_appealable_decision_says_where_how_and_within_three_weeks() {
        let n = appeal_notice(DecisionKind::Assistance, true);
        assert!(n.appealable && n.within_weeks == Some(3));
        assert!(n.text_sv.contains("tre veckor") && n.text_sv.contains("skriftligt"));
        assert_eq!(n.lodge_with, Some("socialnämnden"));
        assert!(!appeal_notice(DecisionKind::Assistance, false).appealable);
        assert!(!appeal_notice(DecisionKind::WriteOff, false).appealable);
        let recovery = appeal_notice(DecisionKind::Recovery, true);
        assert!(!recovery.appealable && recovery.text_sv.contains("återkrav"));
    }
}
