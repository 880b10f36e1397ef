//! Demo data: applicants with Skatteverket's published test numbers
//! (serial 980–999, and 19121212-1212), in Katrineholm and Vingåker.

use crate::audit::{self, AuditEvent, Outcome};
use crate::db::Db;
use crate::db::applicants::{self as repo, ApplicantRow};
use crate::db::events::{self, NewEvent};
use crate::domain::applicant::{Address, NewApplicant};
use crate::domain::event::EventType;
use crate::domain::{PersonalNumber, time};

struct Person {
    municipality: &'static str,
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
        personal_number: "19570574-9959",
        first_name: "Olof",
        last_name: "Prövare",
        protected_identity: false,
        street: "Kyrkogatan 2",
        postal_code: "64331",
        city: "Vingåker",
    },
];

/// Adds the demo applicants that are not there yet; returns how many were added.
pub fn load(db: &Db) -> anyhow::Result<usize> {
    let today = time::today_in_sweden();
    let mut added = 0;
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
        let inserted = db.write_blocking(|conn| {
            let pn = applicant.personal_number.as_str();
            if repo::find_by_personal_number(conn, person.municipality, pn)?.is_some() {
                return Ok(false);
            }
            let id = uuid::Uuid::now_v7().to_string();
            let row = ApplicantRow::new(
                person.municipality,
                &id,
                &applicant,
                time::now().naive_utc(),
            );
            repo::insert(conn, &row)?;
            let created = NewEvent::new(person.municipality, EventType::ApplicantCreated, &id);
            events::append(conn, &[created], row.created_at)?;
            let event = AuditEvent {
                actor: "bistand-demo".into(),
                role: "system".into(),
                action: "applicant.create".into(),
                resource_type: "applicant".into(),
                resource_id: Some(id.clone()),
                municipality: Some(person.municipality.into()),
                person_id: Some(id),
                request_id: "demo".into(),
                outcome: Outcome::Allowed,
            };
            audit::append(conn, &[event])?;
            Ok(true)
        })?;
        added += usize::from(inserted);
    }
    Ok(added)
}
