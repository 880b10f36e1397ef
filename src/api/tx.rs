//! One transaction per operation: the seam every resource plugs into.
//!
//! A handler parses its request, then hands its work to
//! `Caller::transact` (in `api::context`), which runs it with
//! a [`Tx`]. The work loads what it acts on with [`Tx::load`], which applies
//! the policy (a refusal is audited and answered 404 or 403); it changes
//! rows and names the feed events; and when it returns, the transaction
//! appends the operation's audit record, naming the resource and the person
//! it concerns, and brings the indicators up to date with the records of
//! every person a changing operation touched. A new resource implements [`Resource`] (how to find it, whose
//! person it is, which view the caller gets) and none of the ritual.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use crate::auth::Principal;
use crate::auth::policy::Operation;
use crate::db::events::NewEvent;
use crate::db::{DbConn, Pending, applicants, indicators};
use crate::domain::Municipality;
use crate::domain::access::PersonRelations;
use crate::domain::audit::{AuditEvent, Outcome};
use crate::domain::event::EventType;
use crate::domain::indicator::contribution::Facet;
use crate::error::AppError;

/// Something a caller acts on that belongs to a person.
pub trait Resource {
    /// Its stored row.
    type Row;
    /// How much of it the caller sees.
    type View: Copy;
    /// Whether its id is the person's own (an applicant), so that a refusal
    /// of a missing one names the person too.
    const IS_PERSON: bool = false;

    /// The row with this id in the municipality, if there is one.
    fn find(conn: &mut DbConn, municipality: &str, id: &str)
    -> Result<Option<Self::Row>, AppError>;

    /// The person the row is about (an applicant id).
    fn person(row: &Self::Row) -> &str;

    /// Other persons whose data the caller gets in `view` (the other adults
    /// of an application's household, in the full view): each gets an
    /// audit record of the operation too, so that their register extract
    /// shows who read it.
    fn also_about(
        _conn: &mut DbConn,
        _row: &Self::Row,
        _view: Self::View,
    ) -> Result<Vec<String>, AppError> {
        Ok(Vec::new())
    }

    /// The caller's view of the row on `today`: a refusal (404, 403) when it
    /// may not see it or may not do `op` to it.
    fn access(
        principal: &Principal,
        op: Operation,
        row: &Self::Row,
        relations: PersonRelations,
        today: NaiveDate,
    ) -> Result<Self::View, AppError>;
}

/// Who does what, where and when: the fixed part of a transaction.
pub struct Scope {
    principal: Principal,
    request_id: String,
    correlation_id: Option<String>,
    op: Operation,
    municipality: Municipality,
    now: DateTime<Utc>,
    today: NaiveDate,
}

impl Scope {
    /// `principal` does `op` in `municipality`, in the request with the
    /// service's id and the caller's own (`ids`), at `now` (`today` in
    /// Sweden).
    pub fn new(
        principal: Principal,
        ids: (String, Option<String>),
        op: Operation,
        municipality: Municipality,
        now: DateTime<Utc>,
    ) -> Self {
        let (request_id, correlation_id) = ids;
        Self {
            principal,
            request_id,
            correlation_id,
            op,
            municipality,
            now,
            today: crate::domain::time::today_in_sweden(now),
        }
    }
}

/// What the audit record of the operation is about.
#[derive(Debug, Clone, Default)]
struct Subject {
    resource: Option<String>,
    person: Option<String>,
}

/// One operation's transaction: the connection, the caller, and the audit
/// records and feed events it leaves.
pub struct Tx<'a> {
    pub conn: &'a mut DbConn,
    scope: &'a Scope,
    subject: Subject,
    /// Records before the operation's own (such as a person registered on the way).
    records: Vec<AuditEvent>,
    /// Whether the operation's own record is written (a list writes one per
    /// person instead).
    own_record: bool,
    events: Vec<NewEvent>,
    /// Every change, fed or not (AF's referrals are not the feed's), for
    /// the indicators.
    changes: Vec<(EventType, String)>,
    refusals: Vec<AuditEvent>,
}

/// Runs `work` in the transaction `conn` is in. On success its audit
/// records and feed events go to `pending`; on failure, only the records of
/// its refusals (the writer keeps them though the work rolls back).
pub fn run<T>(
    conn: &mut DbConn,
    pending: &mut Pending,
    scope: &Scope,
    work: impl FnOnce(&mut Tx) -> Result<T, AppError>,
) -> Result<T, AppError> {
    let mut tx = Tx {
        conn,
        scope,
        subject: Subject::default(),
        records: Vec::new(),
        own_record: true,
        events: Vec::new(),
        changes: Vec::new(),
        refusals: Vec::new(),
    };
    match work(&mut tx) {
        Ok(value) => {
            let Tx {
                conn,
                subject,
                mut records,
                own_record,
                events,
                changes,
                ..
            } = tx;
            count_in_indicators(conn, scope, &subject, &records, &changes)?;
            if own_record {
                records.push(record_of(scope, &subject, Outcome::Allowed));
            }
            pending.audit.extend(records);
            pending.events.extend(events);
            Ok(value)
        }
        Err(e) => {
            // Every refusal inside the operation is audited: those of the
            // policy as they were recorded, any other answer to the caller
            // (a rule, a stale version) as refused, about what the operation
            // was asked to act on.
            let mut refusals = tx.refusals;
            if refusals.is_empty() && e.refuses_the_caller() {
                refusals.push(record_of(scope, &tx.subject, Outcome::Refused));
            }
            pending.audit.extend(refusals);
            Err(e)
        }
    }
}

/// Counts the operation's changes in the indicators, in its transaction:
/// the records of the kinds its events changed are worked out again for
/// everyone it named (everything of an applicant created or changed), and
/// an application received adds one on its own.
fn count_in_indicators(
    conn: &mut DbConn,
    scope: &Scope,
    subject: &Subject,
    records: &[AuditEvent],
    changes: &[(EventType, String)],
) -> Result<(), AppError> {
    let municipality = scope.municipality.as_str();
    let named: BTreeSet<&str> = records
        .iter()
        .filter_map(|r| r.person_id.as_deref())
        .chain(subject.person.as_deref())
        .collect();
    let mut again: BTreeMap<&str, BTreeSet<Facet>> = BTreeMap::new();
    let mut received = Vec::new();
    for (event, id) in changes {
        match event {
            EventType::ApplicationCreated => received.push(id.as_str()),
            EventType::ApplicantCreated | EventType::ApplicantUpdated => {
                again.entry(id.as_str()).or_default().extend(event.facets());
            }
            other if !other.facets().is_empty() => {
                for person in &named {
                    again.entry(person).or_default().extend(other.facets());
                }
            }
            _ => {}
        }
    }
    let now = scope.now.naive_utc();
    for (person, facets) in &again {
        indicators::refresh(conn, municipality, person, facets, now)?;
    }
    // An applicant worked out again counts their applications already.
    let counted: BTreeSet<&str> = again
        .iter()
        .filter(|(_, facets)| facets.contains(&Facet::Applications))
        .map(|(person, _)| *person)
        .collect();
    for application in received {
        indicators::received(conn, municipality, application, &counted, now)?;
    }
    Ok(())
}

fn record_of(scope: &Scope, subject: &Subject, outcome: Outcome) -> AuditEvent {
    AuditEvent {
        actor: scope.principal.subject.clone(),
        role: scope.principal.role.as_str().to_owned(),
        action: scope.op.audit_action().to_owned(),
        resource_type: scope.op.resource_type().to_owned(),
        resource_id: subject.resource.clone(),
        municipality: Some(scope.municipality.as_str().to_owned()),
        person_id: subject.person.clone(),
        request_id: scope.request_id.clone(),
        correlation_id: scope.correlation_id.clone(),
        outcome,
    }
}

impl<'a> Tx<'a> {
    pub fn principal(&self) -> &'a Principal {
        &self.scope.principal
    }

    pub fn op(&self) -> Operation {
        self.scope.op
    }

    /// The municipality's code.
    pub fn municipality(&self) -> &'a str {
        self.scope.municipality.as_str()
    }

    /// Now, on the service's clock, as the rows store it.
    pub fn now(&self) -> NaiveDateTime {
        self.scope.now.naive_utc()
    }

    /// Today's civil date in Sweden, on the service's clock.
    pub fn today(&self) -> NaiveDate {
        self.scope.today
    }

    /// Loads `R` by id and applies the policy: the row and the caller's view
    /// of it, or a refusal that is audited (404 when it does not exist or the
    /// caller may not see it, 403 when it may see it but not do this). The
    /// operation's audit record is then about this resource and its person.
    pub fn load<R: Resource>(&mut self, id: &str) -> Result<(R::Row, R::View), AppError> {
        self.subject = Subject {
            resource: Some(id.to_owned()),
            person: R::IS_PERSON.then(|| id.to_owned()),
        };
        let municipality = self.scope.municipality.as_str();
        let Some(row) = R::find(self.conn, municipality, id)? else {
            return Err(self.refuse(AppError::NotFound));
        };
        let person = R::person(&row).to_owned();
        let relations = applicants::relations(self.conn, municipality, &person, self.scope.today)?;
        self.subject.person = Some(person.clone());
        match R::access(
            &self.scope.principal,
            self.scope.op,
            &row,
            relations,
            self.scope.today,
        ) {
            Ok(view) => {
                for other in R::also_about(self.conn, &row, view)? {
                    if other != person {
                        let action = self.scope.op.audit_action();
                        let kind = self.scope.op.resource_type();
                        self.record(action, kind, id, &other);
                    }
                }
                Ok((row, view))
            }
            Err(refusal) => Err(self.refuse(refusal)),
        }
    }

    /// The operation's audit record is about this resource of this person.
    pub fn about(&mut self, resource_id: &str, person_id: &str) {
        self.subject = Subject {
            resource: Some(resource_id.to_owned()),
            person: Some(person_id.to_owned()),
        };
    }

    /// A resource that belongs to no person (a programme, an agreement),
    /// looked up by `id`: the operation's record is about it, and a missing
    /// one is refused with 404, audited.
    pub fn found<T>(&mut self, id: &str, row: Option<T>) -> Result<T, AppError> {
        self.about_resource(id);
        row.ok_or_else(|| self.refuse(AppError::NotFound))
    }

    /// The operation's audit record is about this resource, whose person is
    /// not known (it was not found).
    pub fn about_resource(&mut self, resource_id: &str) {
        self.subject = Subject {
            resource: Some(resource_id.to_owned()),
            person: None,
        };
    }

    /// The operation's audit record is about this person.
    pub fn about_person(&mut self, person_id: &str) {
        self.about(person_id, person_id);
    }

    /// Records that the caller read this resource of this person, in place
    /// of the operation's single record (for lists: a record per item).
    pub fn read(&mut self, resource_id: &str, person_id: &str) {
        self.own_record = false;
        let subject = Subject {
            resource: Some(resource_id.to_owned()),
            person: Some(person_id.to_owned()),
        };
        self.records
            .push(record_of(self.scope, &subject, Outcome::Allowed));
    }

    /// The operation writes no record of its own (a list that found no one).
    pub fn without_own_record(&mut self) {
        self.own_record = false;
    }

    /// An audit record of something else the operation did (such as
    /// registering a person on the way), before the operation's own.
    pub fn record(
        &mut self,
        action: &str,
        resource_type: &str,
        resource_id: &str,
        person_id: &str,
    ) {
        let mut event = record_of(
            self.scope,
            &Subject {
                resource: Some(resource_id.to_owned()),
                person: Some(person_id.to_owned()),
            },
            Outcome::Allowed,
        );
        event.action = action.to_owned();
        event.resource_type = resource_type.to_owned();
        self.records.push(event);
    }

    /// The request answered a stored response again: its record is of the
    /// replay (`action`), about the stored resource, in place of the
    /// operation's own.
    pub fn replayed(&mut self, action: &str, resource_id: &str, person_id: Option<&str>) {
        self.own_record = false;
        let mut event = record_of(
            self.scope,
            &Subject {
                resource: Some(resource_id.to_owned()),
                person: person_id.map(str::to_owned),
            },
            Outcome::Allowed,
        );
        event.action = action.to_owned();
        self.records.push(event);
    }

    /// A change for the feed, at now.
    pub fn emit(&mut self, event_type: EventType, id: &str) {
        let event = NewEvent::new(self.municipality(), event_type, id, self.now());
        self.events.push(event);
        self.changed(event_type, id);
    }

    /// A change the feed does not report (its readers may not see it),
    /// still counted in the indicators.
    pub fn changed(&mut self, event_type: EventType, id: &str) {
        self.changes.push((event_type, id.to_owned()));
    }

    /// Audits a refusal of the operation, about what it was asked to act on
    /// so far, and returns it for the answer. The record is kept though the
    /// transaction's changes roll back.
    pub fn refuse(&mut self, refusal: AppError) -> AppError {
        let outcome = Outcome::of_refusal(&refusal);
        self.refusals
            .push(record_of(self.scope, &self.subject, outcome));
        refusal
    }
}
