//! Rows for retention (BR-11): each person's last entry and the persons
//! their records are shared with, and the deletion of everything held
//! about a set of persons.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConn;
use super::schema::{
    applicant_identities, applicants, application_items, applications, consents,
    cooperation_meetings, decision_adults, decisions, employment_service_statuses, first_meetings,
    household_members, idempotency_keys, indicator_person_years, interventions, meeting_persons,
    payments, plans, referrals,
};
use crate::domain::time::today_in_sweden;
use crate::error::AppError;

/// A person as retention sees them.
#[derive(Debug, Clone)]
pub struct Held {
    pub municipality: String,
    pub id: String,
    /// The 12 stored digits.
    pub personal_number: String,
    /// The day (in Sweden) of the latest entry about them anywhere.
    pub last_entry: NaiveDate,
    /// Persons whose records hold theirs (the other adults of a household,
    /// the applicant whose application their referral links): they go
    /// together or not at all.
    pub linked: BTreeSet<String>,
}

type Key = (String, String);

struct Ledger {
    last: BTreeMap<Key, NaiveDateTime>,
    links: BTreeMap<Key, BTreeSet<String>>,
}

impl Ledger {
    fn entry(&mut self, municipality: &str, person: &str, at: NaiveDateTime) {
        let e = self
            .last
            .entry((municipality.to_owned(), person.to_owned()))
            .or_insert(at);
        *e = (*e).max(at);
    }

    fn link(&mut self, municipality: &str, a: &str, b: &str) {
        if a != b {
            for (x, y) in [(a, b), (b, a)] {
                self.links
                    .entry((municipality.to_owned(), x.to_owned()))
                    .or_default()
                    .insert(y.to_owned());
            }
        }
    }
}

/// Every person, with the day of their last entry and whom they are
/// linked to.
pub fn held(conn: &mut DbConn) -> Result<Vec<Held>, AppError> {
    let people: Vec<(String, String, String, NaiveDateTime)> = applicants::table
        .select((
            applicants::municipality,
            applicants::id,
            applicants::personal_number,
            applicants::updated_at,
        ))
        .load(conn)?;
    let mut ledger = Ledger {
        last: BTreeMap::new(),
        links: BTreeMap::new(),
    };
    for (m, id, _, at) in &people {
        ledger.entry(m, id, *at);
    }
    // Applications: the applicant, a partner of old, every adult of the household.
    let apps: Vec<(String, String, String, Option<String>, NaiveDateTime)> = applications::table
        .select((
            applications::municipality,
            applications::id,
            applications::applicant_id,
            applications::co_applicant_id,
            applications::updated_at,
        ))
        .load(conn)?;
    let mut applicant_of: BTreeMap<Key, (String, NaiveDateTime)> = BTreeMap::new();
    for (m, id, applicant, partner, at) in &apps {
        ledger.entry(m, applicant, *at);
        if let Some(p) = partner {
            ledger.entry(m, p, *at);
            ledger.link(m, applicant, p);
        }
        applicant_of.insert((m.clone(), id.clone()), (applicant.clone(), *at));
    }
    let members: Vec<(String, String, Option<String>)> = household_members::table
        .select((
            household_members::municipality,
            household_members::application_id,
            household_members::applicant_id,
        ))
        .load(conn)?;
    for (m, application, member) in &members {
        if let (Some(member), Some((applicant, at))) =
            (member, applicant_of.get(&(m.clone(), application.clone())))
        {
            ledger.entry(m, member, *at);
            ledger.link(m, applicant, member);
        }
    }
    let decided: Vec<(String, String, NaiveDateTime)> = decisions::table
        .select((
            decisions::municipality,
            decisions::applicant_id,
            decisions::decided_at,
        ))
        .load(conn)?;
    for (m, person, at) in &decided {
        ledger.entry(m, person, *at);
    }
    let paid: Vec<(String, String, NaiveDateTime)> = payments::table
        .select((
            payments::municipality,
            payments::application_id,
            payments::created_at,
        ))
        .load(conn)?;
    for (m, application, at) in &paid {
        if let Some((applicant, _)) = applicant_of.get(&(m.clone(), application.clone())) {
            ledger.entry(m, applicant, *at);
        }
    }
    let consented: Vec<(String, String, NaiveDateTime, Option<NaiveDateTime>)> = consents::table
        .select((
            consents::municipality,
            consents::applicant_id,
            consents::created_at,
            consents::revoked_at,
        ))
        .load(conn)?;
    for (m, person, at, revoked) in &consented {
        ledger.entry(m, person, revoked.unwrap_or(*at).max(*at));
    }
    let reported: Vec<(String, String, NaiveDateTime)> = employment_service_statuses::table
        .select((
            employment_service_statuses::municipality,
            employment_service_statuses::applicant_id,
            employment_service_statuses::recorded_at,
        ))
        .load(conn)?;
    for (m, person, at) in &reported {
        ledger.entry(m, person, *at);
    }
    let referred: Vec<(String, String, String, Option<String>, NaiveDateTime)> = referrals::table
        .select((
            referrals::municipality,
            referrals::id,
            referrals::applicant_id,
            referrals::application_id,
            referrals::updated_at,
        ))
        .load(conn)?;
    let mut person_of_referral: BTreeMap<Key, String> = BTreeMap::new();
    for (m, id, person, application, at) in &referred {
        ledger.entry(m, person, *at);
        if let Some((applicant, _)) = application
            .as_ref()
            .and_then(|a| applicant_of.get(&(m.clone(), a.clone())))
        {
            ledger.link(m, person, applicant);
        }
        person_of_referral.insert((m.clone(), id.clone()), person.clone());
    }
    let by_referral: Vec<(String, String, NaiveDateTime)> = plans::table
        .select((plans::municipality, plans::referral_id, plans::recorded_at))
        .load::<(String, String, NaiveDateTime)>(conn)?
        .into_iter()
        .chain(
            first_meetings::table
                .select((
                    first_meetings::municipality,
                    first_meetings::referral_id,
                    first_meetings::held_at,
                ))
                .load::<(String, String, NaiveDateTime)>(conn)?,
        )
        .chain(
            interventions::table
                .select((
                    interventions::municipality,
                    interventions::referral_id,
                    interventions::updated_at,
                ))
                .load::<(String, String, NaiveDateTime)>(conn)?,
        )
        .collect();
    for (m, referral, at) in &by_referral {
        if let Some(person) = person_of_referral.get(&(m.clone(), referral.clone())) {
            ledger.entry(m, person, *at);
        }
    }
    let discussed: Vec<(String, String, NaiveDateTime)> = meeting_persons::table
        .inner_join(
            cooperation_meetings::table.on(cooperation_meetings::municipality
                .eq(meeting_persons::municipality)
                .and(cooperation_meetings::id.eq(meeting_persons::meeting_id))),
        )
        .select((
            meeting_persons::municipality,
            meeting_persons::applicant_id,
            cooperation_meetings::created_at,
        ))
        .load(conn)?;
    for (m, person, at) in &discussed {
        ledger.entry(m, person, *at);
    }
    let renumbered: Vec<(String, String, NaiveDateTime)> = applicant_identities::table
        .select((
            applicant_identities::municipality,
            applicant_identities::applicant_id,
            applicant_identities::replaced_at,
        ))
        .load(conn)?;
    for (m, person, at) in &renumbered {
        ledger.entry(m, person, *at);
    }
    Ok(people
        .into_iter()
        .map(|(m, id, personal_number, _)| {
            let key = (m.clone(), id.clone());
            let last = ledger.last[&key];
            Held {
                linked: ledger.links.remove(&key).unwrap_or_default(),
                municipality: m,
                id,
                personal_number,
                last_entry: today_in_sweden(last.and_utc()),
            }
        })
        .collect())
}

/// Rows deleted, per table.
pub type Deleted = BTreeMap<&'static str, usize>;

const CHUNK: usize = 500;

/// Deletes everything held about `persons` of `municipality`: their
/// applications with their lines, households, decisions and payments,
/// the stored answers of idempotency keys that name them or any of those
/// records, their consents, AF's reports, referrals with their first
/// meetings, plans and interventions, their places in meeting records,
/// their former numbers, their contributions to the indicators (never the
/// indicators' cells), and the persons themselves.
pub fn delete(
    conn: &mut DbConn,
    municipality: &str,
    persons: &[String],
    deleted: &mut Deleted,
) -> Result<(), AppError> {
    // Everything that names a person goes before any person does: persons
    // linked to each other (a household's adults) may fall in different
    // chunks.
    let mut answered: BTreeSet<String> = persons.iter().cloned().collect();
    for chunk in persons.chunks(CHUNK) {
        answered.extend(delete_records(conn, municipality, chunk, deleted)?);
    }
    delete_stored_answers(conn, &answered, deleted)?;
    for chunk in persons.chunks(CHUNK) {
        *deleted.entry("applicants").or_default() += diesel::delete(
            applicants::table
                .filter(applicants::municipality.eq(municipality))
                .filter(applicants::id.eq_any(chunk)),
        )
        .execute(conn)?;
    }
    Ok(())
}

/// The stored answers of `Idempotency-Key`s that name any of `ids` (a
/// person, or one of their applications, payments, consents or
/// referrals) in their location or body.
fn delete_stored_answers(
    conn: &mut DbConn,
    ids: &BTreeSet<String>,
    deleted: &mut Deleted,
) -> Result<(), AppError> {
    let keys: Vec<(String, String, Option<String>, String)> = idempotency_keys::table
        .select((
            idempotency_keys::client,
            idempotency_keys::idempotency_key,
            idempotency_keys::location,
            idempotency_keys::response_body,
        ))
        .load(conn)?;
    let is_id = |c: char| c.is_ascii_hexdigit() || c == '-';
    for (client, key, location, body) in keys {
        let text = format!("{} {body}", location.unwrap_or_default());
        let names_one = text
            .split(|c: char| !is_id(c))
            .any(|token| token.len() == 36 && ids.contains(token));
        if names_one {
            *deleted.entry("idempotency_keys").or_default() +=
                diesel::delete(idempotency_keys::table.find((&client, &key))).execute(conn)?;
        }
    }
    Ok(())
}

/// Deletes the records of `persons` (not the persons); returns the ids of
/// what went, for the stored answers that name them.
fn delete_records(
    conn: &mut DbConn,
    m: &str,
    persons: &[String],
    deleted: &mut Deleted,
) -> Result<Vec<String>, AppError> {
    let apps: Vec<String> = applications::table
        .filter(applications::municipality.eq(m))
        .filter(applications::applicant_id.eq_any(persons))
        .select(applications::id)
        .load(conn)?;
    let refs: Vec<String> = referrals::table
        .filter(referrals::municipality.eq(m))
        .filter(referrals::applicant_id.eq_any(persons))
        .select(referrals::id)
        .load(conn)?;
    let decs: Vec<String> = decisions::table
        .filter(decisions::municipality.eq(m))
        .filter(decisions::applicant_id.eq_any(persons))
        .select(decisions::id)
        .load(conn)?;
    let mut count = |table: &'static str, n: usize| *deleted.entry(table).or_default() += n;
    for ids in refs.chunks(CHUNK) {
        count(
            "first_meetings",
            diesel::delete(
                first_meetings::table
                    .filter(first_meetings::municipality.eq(m))
                    .filter(first_meetings::referral_id.eq_any(ids)),
            )
            .execute(conn)?,
        );
        count(
            "plans",
            diesel::delete(
                plans::table
                    .filter(plans::municipality.eq(m))
                    .filter(plans::referral_id.eq_any(ids)),
            )
            .execute(conn)?,
        );
        count(
            "interventions",
            diesel::delete(
                interventions::table
                    .filter(interventions::municipality.eq(m))
                    .filter(interventions::referral_id.eq_any(ids)),
            )
            .execute(conn)?,
        );
        count(
            "referrals",
            diesel::delete(
                referrals::table
                    .filter(referrals::municipality.eq(m))
                    .filter(referrals::id.eq_any(ids)),
            )
            .execute(conn)?,
        );
    }
    for ids in decs.chunks(CHUNK) {
        count(
            "decision_adults",
            diesel::delete(
                decision_adults::table
                    .filter(decision_adults::municipality.eq(m))
                    .filter(decision_adults::decision_id.eq_any(ids)),
            )
            .execute(conn)?,
        );
    }
    let mut answered: BTreeSet<String> = apps.iter().cloned().collect();
    for ids in apps.chunks(CHUNK) {
        let paid: Vec<String> = payments::table
            .filter(payments::municipality.eq(m))
            .filter(payments::application_id.eq_any(ids))
            .select(payments::id)
            .load(conn)?;
        answered.extend(paid);
        count(
            "payments",
            diesel::delete(
                payments::table
                    .filter(payments::municipality.eq(m))
                    .filter(payments::application_id.eq_any(ids)),
            )
            .execute(conn)?,
        );
    }
    // Decisions are deleted before the applications they name, and
    // payments before the decisions they were paid under.
    for ids in decs.chunks(CHUNK) {
        count(
            "decisions",
            diesel::delete(
                decisions::table
                    .filter(decisions::municipality.eq(m))
                    .filter(decisions::id.eq_any(ids)),
            )
            .execute(conn)?,
        );
    }
    for ids in apps.chunks(CHUNK) {
        count(
            "application_items",
            diesel::delete(
                application_items::table
                    .filter(application_items::municipality.eq(m))
                    .filter(application_items::application_id.eq_any(ids)),
            )
            .execute(conn)?,
        );
        count(
            "household_members",
            diesel::delete(
                household_members::table
                    .filter(household_members::municipality.eq(m))
                    .filter(household_members::application_id.eq_any(ids)),
            )
            .execute(conn)?,
        );
        count(
            "applications",
            diesel::delete(
                applications::table
                    .filter(applications::municipality.eq(m))
                    .filter(applications::id.eq_any(ids)),
            )
            .execute(conn)?,
        );
    }
    let consented: Vec<String> = consents::table
        .filter(consents::municipality.eq(m))
        .filter(consents::applicant_id.eq_any(persons))
        .select(consents::id)
        .load(conn)?;
    count(
        "consents",
        diesel::delete(
            consents::table
                .filter(consents::municipality.eq(m))
                .filter(consents::applicant_id.eq_any(persons)),
        )
        .execute(conn)?,
    );
    count(
        "employment_service_statuses",
        diesel::delete(
            employment_service_statuses::table
                .filter(employment_service_statuses::municipality.eq(m))
                .filter(employment_service_statuses::applicant_id.eq_any(persons)),
        )
        .execute(conn)?,
    );
    count(
        "meeting_persons",
        diesel::delete(
            meeting_persons::table
                .filter(meeting_persons::municipality.eq(m))
                .filter(meeting_persons::applicant_id.eq_any(persons)),
        )
        .execute(conn)?,
    );
    count(
        "applicant_identities",
        diesel::delete(
            applicant_identities::table
                .filter(applicant_identities::municipality.eq(m))
                .filter(applicant_identities::applicant_id.eq_any(persons)),
        )
        .execute(conn)?,
    );
    count(
        "indicator_person_years",
        diesel::delete(
            indicator_person_years::table
                .filter(indicator_person_years::municipality.eq(m))
                .filter(indicator_person_years::person_id.eq_any(persons)),
        )
        .execute(conn)?,
    );
    answered.extend(consented);
    answered.extend(refs);
    answered.extend(decs);
    Ok(answered.into_iter().collect())
}
