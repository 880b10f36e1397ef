//! Recording an assistance decision: the rules that need the application
//! (its household, its month, the law in force), the rows, the feed and
//! the coach-within-a-week rule.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::super::applications::calculation;
use super::super::applications::decision::NewDecision;
use crate::api::tx::Tx;
use crate::db::applications::ApplicationRow;
use crate::db::decisions::{self, AdultRow, DecisionRow};
use crate::db::households::{self, MemberRow};
use crate::db::referrals;
use crate::domain::decision::{self, DecisionKind, ReplacementGround};
use crate::domain::event::EventType;
use crate::domain::household::{MemberKey, MemberRole};
use crate::domain::month::Month;
use crate::domain::{FieldError, legal, money, referral, time};
use crate::error::AppError;

/// What a decision replaces, and why.
pub struct Replacing<'a> {
    pub decision: &'a DecisionRow,
    pub ground: ReplacementGround,
    pub reason: &'a str,
}

/// Checks `decision` against the application's household, support month
/// and the legal-basis table; every broken rule is one named field (under
/// `prefix`).
fn check(
    decision: &NewDecision,
    members: &[MemberRow],
    (month, today): (Month, NaiveDate),
    prefix: &str,
) -> Vec<FieldError> {
    let f = |name: &str| format!("{prefix}{name}");
    let mut errors = Vec::new();
    if let Err(e) = decision::period_within(decision.from, decision.to, month) {
        errors.push(FieldError::new(f("period"), e));
    }
    for (i, code) in decision.legal_basis.iter().enumerate() {
        // The act in force when the committee decides governs an
        // assistance decision (docs/legal-basis.md).
        if let Err(e) = legal::check(*code, DecisionKind::Assistance, decision.outcome, today) {
            errors.push(FieldError::new(f(&format!("legal_basis[{i}]")), e));
        }
    }
    if !legal::names_the_right(&decision.legal_basis) {
        errors.push(FieldError::new(
            f("legal_basis"),
            "must name the right the decision rests on: 12 kap. 1 § or 2 § socialtjänstlagen \
             (2025:400)",
        ));
    }
    let member = |key: &MemberKey| members.iter().find(|m| m.member == key.as_str());
    for (i, key) in decision.persons_covered.iter().enumerate() {
        let at = f(&format!("persons_covered[{i}]"));
        match member(key) {
            None => errors.push(FieldError::new(
                at,
                "names no person of this application's household",
            )),
            Some(_) if key.role() == MemberRole::OtherAdult => errors.push(FieldError::new(
                at,
                "another adult sharing the home is not covered: they apply on their own",
            )),
            Some(_) => {}
        }
    }
    if !decision.persons_covered.contains(&MemberKey::applicant()) {
        errors.push(FieldError::new(
            f("persons_covered"),
            "must include the applicant",
        ));
    }
    let covered_adults: Vec<&MemberKey> = decision
        .persons_covered
        .iter()
        .filter(|k| matches!(k.role(), MemberRole::Applicant | MemberRole::Partner))
        .filter(|k| member(k).is_some())
        .collect();
    if decision.outcome.assesses_adults() {
        for (i, adult) in decision.adults.iter().enumerate() {
            if !covered_adults.contains(&&adult.member) {
                errors.push(FieldError::new(
                    f(&format!("adults[{i}].member")),
                    "must be an adult the decision covers (applicant or partner)",
                ));
            }
        }
        for key in &covered_adults {
            if !decision.adults.iter().any(|a| &a.member == *key) {
                errors.push(FieldError::new(
                    f("adults"),
                    format!("{key} is covered and needs an assessment"),
                ));
            }
        }
    } else if !decision.adults.is_empty() {
        errors.push(FieldError::new(
            f("adults"),
            "a dismissal tries nothing: no assessments",
        ));
    }
    errors
}

/// A decision that grants money grants what the calculation comes to, or
/// says why not; one that grants nothing has nothing to deviate from.
fn deviation(
    decision: &NewDecision,
    calculated: Option<Decimal>,
    prefix: &str,
) -> Option<FieldError> {
    let field = format!("{prefix}deviation_reason");
    match (
        decision.outcome.grants_money(),
        calculated,
        &decision.deviation_reason,
    ) {
        (true, Some(c), None) if c != decision.amount => Some(FieldError::new(
            field,
            format!(
                "the amount {} differs from the calculation's {c}: state why",
                decision.amount
            ),
        )),
        (true, Some(c), Some(_)) if c == decision.amount => Some(FieldError::new(
            field,
            "the amount is the calculation's: there is no deviation to explain",
        )),
        (false, _, Some(_)) => Some(FieldError::new(
            field,
            "a decision that grants nothing has no amount to deviate",
        )),
        _ => None,
    }
}

/// Checks and stores an assistance decision on `application` (replacing
/// the one in force when `replacing` says so), announces it on the feed
/// and gives waiting referrals their first meeting's due date (BR-5).
pub fn record(
    tx: &mut Tx,
    application: &ApplicationRow,
    decision: &NewDecision,
    replacing: Option<Replacing>,
) -> Result<DecisionRow, AppError> {
    let m = application.municipality.clone();
    let members = households::members_of(tx.conn, &m, &application.id)?;
    let month = crate::db::stored(
        "applications.support_month",
        Month::parse(&application.support_month),
    )?;
    let prefix = if replacing.is_some() { "decision." } else { "" };
    let calculation =
        match calculation::calculate(tx.conn, application, None, Some(&decision.persons_covered)) {
            Ok((norm, c)) => Some((norm, c)),
            Err(AppError::NormTableMissing(_)) => None,
            Err(e) => return Err(e),
        };
    let mut errors = check(decision, &members, (month, tx.today()), prefix);
    errors.extend(deviation(
        decision,
        calculation.as_ref().map(|(_, c)| c.result),
        prefix,
    ));
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    if calculation.is_none() && decision.outcome.grants_money() {
        return Err(AppError::NormTableMissing(month.year()));
    }
    let id = Uuid::now_v7().to_string();
    let codes: Vec<&str> = decision.legal_basis.iter().map(|c| c.as_str()).collect();
    let covered: Vec<&str> = decision
        .persons_covered
        .iter()
        .map(|k| k.as_str())
        .collect();
    let row = DecisionRow {
        municipality: m.clone(),
        id: id.clone(),
        kind: DecisionKind::Assistance.as_str().to_owned(),
        applicant_id: application.applicant_id.clone(),
        application_id: Some(application.id.clone()),
        outcome: decision.outcome.as_str().to_owned(),
        amount_ore: money::to_ore(decision.amount),
        reasons: decision.reasons.clone(),
        legal_basis: serde_json::to_string(&codes).map_err(AppError::internal)?,
        period_from: decision.from,
        period_to: decision.to,
        support_month: Some(application.support_month.clone()),
        persons_covered: Some(serde_json::to_string(&covered).map_err(AppError::internal)?),
        decision_maker_id: Some(decision.decision_maker.user_id.clone()),
        decision_maker_name: Some(decision.decision_maker.name.clone()),
        decision_maker_title: Some(decision.decision_maker.title.clone()),
        delegation: Some(decision.decision_maker.delegation.clone()),
        decided_by: tx.principal().subject.clone(),
        decided_at: tx.now(),
        replaces: replacing.as_ref().map(|r| r.decision.id.clone()),
        replacement_ground: replacing.as_ref().map(|r| r.ground.as_str().to_owned()),
        replacement_reason: replacing.as_ref().map(|r| r.reason.to_owned()),
        norm_year: calculation.as_ref().map(|(n, _)| n.year),
        norm_revision: calculation.as_ref().map(|(n, _)| n.revision),
        calculated_ore: calculation.as_ref().map(|(_, c)| money::to_ore(c.result)),
        deviation_reason: decision.deviation_reason.clone(),
        concerns: None,
    };
    let adults: Vec<AdultRow> = decision
        .adults
        .iter()
        .filter_map(|a| {
            let person = members.iter().find(|m| m.member == a.member.as_str())?;
            Some(AdultRow {
                municipality: m.clone(),
                decision_id: id.clone(),
                member: a.member.to_string(),
                applicant_id: person.applicant_id.clone()?,
                work_capacity_percent: a.work_capacity_percent,
                support_obstacle: Some(a.support_obstacle.as_str().to_owned()),
            })
        })
        .collect();
    // The one-in-force rule is the table's: a second replacement of the same
    // decision breaks its unique key.
    decisions::insert(tx.conn, &row, &adults)
        .map_err(crate::db::unique_or(AppError::DecisionReplaced))?;
    tx.emit(EventType::DecisionCreated, &id);
    start_coach_rule(tx, application, &adults)?;
    Ok(row)
}

/// BR-5: the work capacity the decision assessed sets the first meeting's
/// due date of each referral made from the application whose first meeting
/// is still to be held: application day + 7 for a person at 25 % or more,
/// none below (a replacing decision that lowers the capacity takes the due
/// date away again).
fn start_coach_rule(
    tx: &mut Tx,
    application: &ApplicationRow,
    adults: &[AdultRow],
) -> Result<(), AppError> {
    let applied_on = time::today_in_sweden(application.received_at.and_utc());
    for mut referral in
        referrals::before_first_meeting(tx.conn, &application.municipality, &application.id)?
    {
        let capacity = adults
            .iter()
            .find(|a| a.applicant_id == referral.applicant_id)
            .map(|a| a.work_capacity_percent);
        let due = referral::first_meeting_due(referral.referred_on, Some((applied_on, capacity)));
        if due == referral.first_meeting_due {
            continue;
        }
        let version = referral.version;
        referral.first_meeting_due = due;
        referral.version += 1;
        referral.updated_at = tx.now();
        if !referrals::update(tx.conn, &referral, version)? {
            return Err(AppError::Contention);
        }
    }
    Ok(())
}
