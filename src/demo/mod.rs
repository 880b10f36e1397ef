//! Demo data: applicants with Skatteverket's published test numbers
//! (serial 980–999, and 19121212-1212), in Katrineholm and Vingåker, and
//! the national norm as the Government published it (`reference/`).

pub mod history;
pub mod plan;

use chrono::{DateTime, Utc};

use crate::api::norms::{self, NormTableBody};
use crate::db::Db;
use crate::db::applicants::{self as repo, ApplicantRow};
use crate::db::consents::{self, ConsentRow};
use crate::db::events::NewEvent;
use crate::domain::applicant::{Address, NewApplicant};
use crate::domain::audit::{AuditEvent, Outcome};
use crate::domain::consent::{ConsentChannel, Recipient};
use crate::domain::event::EventType;
use crate::domain::{PersonalNumber, time};

struct Person {
    municipality: &'static str,
    /// Consents the person has given (recipients), so that the AF officer's
    /// token sees someone.
    consents: &'static [Recipient],
    personal_number: &'static str,
    first_name: &'static str,
    last_name: &'static str,
    protected_identity: bool,
    street: &'static str,
    postal_code: &'static str,
    city: &'static str,
}

const PEOPLE: &[Person] = &[
    Person {
        municipality: "0483",
        consents: &[Recipient::EmploymentService, Recipient::Viadidakt],
        personal_number: "19121212-1212",
        first_name: "Tolvan",
        last_name: "Tolvansson",
        protected_identity: false,
        street: "Storgatan 12",
        postal_code: "64130",
        city: "Katrineholm",
    },
    Person {
        municipality: "0483",
        consents: &[Recipient::EmploymentService],
        personal_number: "19821105-9954",
        first_name: "Erik",
        last_name: "Testsson",
        protected_identity: false,
        street: "Drottninggatan 5",
        postal_code: "64131",
        city: "Katrineholm",
    },
    Person {
        municipality: "0483",
        consents: &[],
        personal_number: "19901211-9948",
        first_name: "Anna",
        last_name: "Provsdotter",
        protected_identity: true,
        street: "Hemlig väg 1",
        postal_code: "64132",
        city: "Katrineholm",
    },
    Person {
        municipality: "0483",
        consents: &[],
        personal_number: "19730674-9982",
        first_name: "Sara",
        last_name: "Samordnad",
        protected_identity: false,
        street: "Vasavägen 3",
        postal_code: "64135",
        city: "Katrineholm",
    },
    Person {
        municipality: "0428",
        consents: &[Recipient::EmploymentService],
        personal_number: "20001209-9891",
        first_name: "Nils",
        last_name: "Exempelsson",
        protected_identity: false,
        street: "Järnvägsgatan 8",
        postal_code: "64330",
        city: "Vingåker",
    },
    Person {
        municipality: "0428",
        consents: &[],
        personal_number: "19570574-9959",
        first_name: "Olof",
        last_name: "Prövare",
        protected_identity: false,
        street: "Kyrkogatan 2",
        postal_code: "64331",
        city: "Vingåker",
    },
];

/// A demo person as loaded: who, where, and their id.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub municipality: &'static str,
    pub name: String,
    pub id: String,
    pub protected_identity: bool,
    pub consents: &'static [Recipient],
}

/// The published norm tables the demo loads, as an admin would.
const NORM_TABLES: &[&str] = &[include_str!("../../reference/riksnorm-2026.json")];

/// What the demo holds after loading.
#[derive(Debug, Clone, Default)]
pub struct Demo {
    /// Persons added now.
    pub added: usize,
    /// Norm tables added now.
    pub norm_tables: usize,
    /// Every demo person, with their id.
    pub persons: Vec<Loaded>,
}

/// Adds the demo applicants, with their consents, that are not there yet,
/// as of `now`.
pub fn load(db: &Db, now: DateTime<Utc>) -> anyhow::Result<Demo> {
    let today = time::today_in_sweden(now);
    let mut demo = Demo::default();
    for text in NORM_TABLES {
        let body: NormTableBody = serde_json::from_str(text)?;
        let table = norms::check(&body).map_err(|e| anyhow::anyhow!("a norm table: {e:?}"))?;
        let added = db.write_blocking(|conn, pending| {
            let (added, row) = norms::store(conn, &table, ACTOR, now.naive_utc())?;
            if added {
                pending.audit.push(AuditEvent {
                    actor: ACTOR.into(),
                    role: "system".into(),
                    action: "norm_table.load".into(),
                    resource_type: "norm_table".into(),
                    resource_id: Some(format!("{}/{}", row.year, row.revision)),
                    municipality: None,
                    person_id: None,
                    request_id: "demo".into(),
                    correlation_id: None,
                    outcome: Outcome::Allowed,
                });
            }
            Ok(added)
        })?;
        demo.norm_tables += usize::from(added);
    }
    for person in PEOPLE {
        let personal_number =
            PersonalNumber::parse(person.personal_number, today).map_err(|e| {
                anyhow::anyhow!(
                    "demo person {} {}: {e}",
                    person.first_name,
                    person.last_name
                )
            })?;
        let applicant = NewApplicant {
            personal_number,
            first_name: person.first_name.into(),
            last_name: person.last_name.into(),
            protected_identity: person.protected_identity,
            address: Some(Address {
                street: person.street.into(),
                postal_code: person.postal_code.into(),
                city: person.city.into(),
            }),
            phone: None,
            email: None,
        };
        let (id, inserted) = db.write_blocking(|conn, pending| {
            let pn = applicant.personal_number.as_str();
            if let Some(row) = repo::find_by_personal_number(conn, person.municipality, pn)? {
                return Ok((row.id, false));
            }
            let id = uuid::Uuid::now_v7().to_string();
            let now = now.naive_utc();
            let row = ApplicantRow::new(person.municipality, &id, &applicant, now);
            repo::insert(conn, &row)?;
            let mut created = vec![NewEvent::new(
                person.municipality,
                EventType::ApplicantCreated,
                &id,
                now,
            )];
            let mut audited = vec![system_event(
                person.municipality,
                "applicant.create",
                "applicant",
                &id,
                &id,
            )];
            for recipient in person.consents {
                let consent = ConsentRow {
                    municipality: person.municipality.to_owned(),
                    id: uuid::Uuid::now_v7().to_string(),
                    applicant_id: id.clone(),
                    recipient: recipient.as_str().to_owned(),
                    purpose: "Samverkan om planering mot arbete enligt den lokala överenskommelsen"
                        .to_owned(),
                    given_at: now,
                    channel: ConsentChannel::Visit.as_str().to_owned(),
                    recorded_by: ACTOR.to_owned(),
                    recorded_role: "system".to_owned(),
                    created_at: now,
                    revoked_at: None,
                    revoked_by: None,
                    version: 1,
                };
                consents::insert(conn, &consent)?;
                created.push(NewEvent::new(
                    person.municipality,
                    EventType::ConsentCreated,
                    &consent.id,
                    now,
                ));
                audited.push(system_event(
                    person.municipality,
                    "consent.create",
                    "consent",
                    &consent.id,
                    &id,
                ));
            }
            pending.events.extend(created);
            pending.audit.extend(audited);
            Ok((id, true))
        })?;
        demo.added += usize::from(inserted);
        demo.persons.push(Loaded {
            municipality: person.municipality,
            name: format!("{} {}", person.first_name, person.last_name),
            id,
            protected_identity: person.protected_identity,
            consents: person.consents,
        });
    }
    Ok(demo)
}

/// Who the demo loader is in the audit log.
const ACTOR: &str = "bistand-demo";

fn system_event(
    municipality: &str,
    action: &str,
    resource_type: &str,
    resource_id: &str,
    person_id: &str,
) -> AuditEvent {
    AuditEvent {
        actor: ACTOR.into(),
        role: "system".into(),
        action: action.into(),
        resource_type: resource_type.into(),
        resource_id: Some(resource_id.into()),
        municipality: Some(municipality.into()),
        person_id: Some(person_id.into()),
        request_id: "demo".into(),
        correlation_id: None,
        outcome: Outcome::Allowed,
    }
}
