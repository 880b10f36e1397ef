//! `bistand purge`: retention (BR-11). Person-level data goes five years
//! after the person's last entry; persons born on the 5th, 15th and 25th
//! are kept for research; persons whose records are shared (the adults of
//! a household, a referral and the application it links) go together or
//! not at all. The indicators' cells stay as they are. Each person purged
//! leaves an audit record (`applicant.purge`).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use crate::db::Db;
use crate::db::purge::{self, Deleted, Held};
use crate::domain::PersonalNumber;
use crate::domain::audit::{AuditEvent, Outcome};
use crate::domain::retention::{Verdict, verdict};
use crate::domain::time::today_in_sweden;

/// What a purge found, and did.
#[derive(Debug, Default, Clone)]
pub struct Report {
    pub dry_run: bool,
    /// Every person held.
    pub persons: usize,
    /// Persons whose data went (or would go, in a dry run).
    pub purged: usize,
    pub kept_for_research: usize,
    /// Persons with an entry within the last five years.
    pub recent: usize,
    /// Persons due to go whose records are shared with someone kept.
    pub kept_with_others: usize,
    /// Rows deleted per table (none in a dry run).
    pub deleted: Deleted,
}

/// Who goes: those due whose every linked person goes too.
fn purgeable(
    held: &[Held],
    today: chrono::NaiveDate,
    report: &mut Report,
) -> Vec<(String, String)> {
    let mut due: BTreeSet<(String, String)> = BTreeSet::new();
    for person in held {
        let number = PersonalNumber::from_stored(person.personal_number.clone());
        match verdict(&number, person.last_entry, today) {
            Verdict::Purge => {
                due.insert((person.municipality.clone(), person.id.clone()));
            }
            Verdict::KeptForResearch => report.kept_for_research += 1,
            Verdict::Recent => report.recent += 1,
        }
    }
    let links: BTreeMap<(String, String), &BTreeSet<String>> = held
        .iter()
        .map(|p| ((p.municipality.clone(), p.id.clone()), &p.linked))
        .collect();
    let before = due.len();
    loop {
        let kept: Vec<(String, String)> = due
            .iter()
            .filter(|(m, id)| {
                links[&(m.clone(), id.clone())]
                    .iter()
                    .any(|other| !due.contains(&(m.clone(), other.clone())))
            })
            .cloned()
            .collect();
        if kept.is_empty() {
            break;
        }
        for k in kept {
            due.remove(&k);
        }
    }
    report.kept_with_others = before - due.len();
    due.into_iter().collect()
}

/// Purges on `now`'s day in Sweden; a dry run only counts.
pub fn run(db: &Db, now: DateTime<Utc>, dry_run: bool) -> anyhow::Result<Report> {
    let today = today_in_sweden(now);
    let report = db.write_blocking(|conn, pending| {
        let held = purge::held(conn)?;
        let mut report = Report {
            dry_run,
            persons: held.len(),
            ..Report::default()
        };
        let going = purgeable(&held, today, &mut report);
        report.purged = going.len();
        if dry_run {
            return Ok(report);
        }
        let mut by_municipality: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (m, id) in going {
            by_municipality.entry(m).or_default().push(id);
        }
        for (m, ids) in &by_municipality {
            purge::delete(conn, m, ids, &mut report.deleted)?;
            for id in ids {
                pending.audit.push(AuditEvent {
                    actor: "bistand purge".into(),
                    role: "system".into(),
                    action: "applicant.purge".into(),
                    resource_type: "applicant".into(),
                    resource_id: Some(id.clone()),
                    municipality: Some(m.clone()),
                    person_id: Some(id.clone()),
                    request_id: format!("purge-{today}"),
                    correlation_id: None,
                    outcome: Outcome::Allowed,
                });
            }
        }
        Ok(report)
    })?;
    Ok(report)
}
