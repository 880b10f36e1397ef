//! The audit log: who read or changed person-level data, or tried to.
//!
//! Records are written in the same transaction as the work they describe,
//! are append-only (database triggers refuse UPDATE and DELETE), and are
//! chained: each record's hash covers its fields and the previous hash, and
//! the head row keeps the last number and hash, so an edit, a deletion in
//! the middle or a cut at the end is found by [`verify`].

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::auth::policy::Operation;
use crate::db::DbConn;
use crate::db::audit::{self as rows, AuditRow};
use crate::domain::time;
use crate::error::AppError;

/// The hash before the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

crate::code_enum! {
    /// How an audited attempt ended.
    #[schema(as = AuditOutcome)]
    Outcome {
        /// Done.
        Allowed = "allowed",
        /// Refused: the role lacks the operation (403).
        Denied = "denied",
        /// Refused: the object is not visible to the caller, or does not exist (404).
        NotVisible = "not_visible",
    }
}

/// One audited attempt, before it gets its place in the chain.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub actor: String,
    pub role: String,
    pub action: String,
    pub resource_type: String,
    pub resource_id: Option<String>,
    pub municipality: Option<String>,
    /// The person's applicant id; never a personal number.
    pub person_id: Option<String>,
    pub request_id: String,
    pub outcome: Outcome,
}

impl AuditEvent {
    /// An event by `principal` in the request `request_id`.
    pub fn new(principal: &Principal, request_id: &str, action: &str, resource_type: &str) -> Self {
        Self {
            actor: principal.subject.clone(),
            role: principal.role.as_str().to_owned(),
            action: action.to_owned(),
            resource_type: resource_type.to_owned(),
            resource_id: None,
            municipality: None,
            person_id: None,
            request_id: request_id.to_owned(),
            outcome: Outcome::Allowed,
        }
    }

    /// An event of `op` by `principal` in the request `request_id`.
    pub fn of(principal: &Principal, request_id: &str, op: Operation) -> Self {
        Self::new(principal, request_id, op.audit_action(), op.resource_type())
    }

    pub fn municipality(mut self, code: &str) -> Self {
        self.municipality = Some(code.to_owned());
        self
    }

    /// The resource is the person: sets both the resource id and the person.
    pub fn person(mut self, id: &str) -> Self {
        self.resource_id = Some(id.to_owned());
        self.person_id = Some(id.to_owned());
        self
    }

    /// The resource, before the person it concerns is known.
    pub fn resource(mut self, id: &str) -> Self {
        self.resource_id = Some(id.to_owned());
        self
    }

    /// The resource is something about the person (an application, a consent).
    pub fn about(mut self, resource_id: &str, person_id: &str) -> Self {
        self.resource_id = Some(resource_id.to_owned());
        self.person_id = Some(person_id.to_owned());
        self
    }

    pub fn outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
    }
}

impl Outcome {
    /// The outcome a refusal is recorded with.
    pub fn of_refusal(refusal: &AppError) -> Self {
        match refusal {
            AppError::Forbidden(_) => Self::Denied,
            _ => Self::NotVisible,
        }
    }
}

/// Audits a refusal in the caller's transaction and hands it back as the
/// inner error, so that the transaction commits with the audit record.
pub fn refused<T>(
    conn: &mut DbConn,
    event: &AuditEvent,
    refusal: AppError,
) -> Result<Result<T, AppError>, AppError> {
    append(
        conn,
        &[event.clone().outcome(Outcome::of_refusal(&refusal))],
    )?;
    Ok(Err(refusal))
}

/// Appends events to the chain in the caller's transaction. Call it as the
/// last step of a transaction: it locks the chain head until commit. On the
/// SQLite writer the records join the group commit's single chain step.
pub fn append(conn: &mut DbConn, events: &[AuditEvent]) -> diesel::QueryResult<()> {
    if crate::db::defer_audit(events) {
        return Ok(());
    }
    append_now(conn, events)
}

/// Appends events to the chain now.
pub fn append_now(conn: &mut DbConn, events: &[AuditEvent]) -> diesel::QueryResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let n = events.len() as i64;
    let (last, mut prev) = rows::reserve(conn, n)?;
    let occurred_at = time::now().naive_utc();
    for (i, event) in events.iter().enumerate() {
        let mut row = AuditRow {
            seq: last - n + 1 + i as i64,
            occurred_at,
            actor: event.actor.clone(),
            role: event.role.clone(),
            action: event.action.clone(),
            resource_type: event.resource_type.clone(),
            resource_id: event.resource_id.clone(),
            municipality: event.municipality.clone(),
            person_id: event.person_id.clone(),
            request_id: event.request_id.clone(),
            outcome: event.outcome.as_str().to_owned(),
            prev_hash: prev,
            hash: String::new(),
        };
        row.hash = hash(&row);
        rows::insert(conn, &row)?;
        prev = row.hash;
    }
    rows::set_head_hash(conn, &prev)
}

/// The hash of a record: SHA-256 over a JSON array of its fields and the
/// previous hash, so no two different records serialise alike.
pub fn hash(row: &AuditRow) -> String {
    let at = DateTime::<Utc>::from_naive_utc_and_offset(row.occurred_at, Utc)
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string();
    let canonical = serde_json::json!([
        row.prev_hash,
        row.seq,
        at,
        row.actor,
        row.role,
        row.action,
        row.resource_type,
        row.resource_id,
        row.municipality,
        row.person_id,
        row.request_id,
        row.outcome,
    ]);
    let digest = Sha256::digest(canonical.to_string().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The result of walking the chain.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Verification {
    /// Whether every link holds.
    pub valid: bool,
    /// Records read.
    pub records_checked: i64,
    /// The sequence number of the first record that breaks the chain.
    pub first_broken_seq: Option<i64>,
    /// What is wrong there.
    pub reason: Option<String>,
}

/// Walks the chain up to the head as it stands when the walk starts, and
/// names the first broken link. Records appended meanwhile are left for the
/// next walk, so a walk beside running writers never reports them.
pub fn verify(conn: &mut DbConn) -> diesel::QueryResult<Verification> {
    const PAGE: i64 = 5_000;
    let (head_seq, head_hash) = rows::head(conn)?;
    let mut expected_seq = 1;
    let mut prev = GENESIS.to_owned();
    let broken = |seq: i64, checked: i64, reason: String| Verification {
        valid: false,
        records_checked: checked,
        first_broken_seq: Some(seq),
        reason: Some(reason),
    };
    while expected_seq <= head_seq {
        let page = rows::page(
            conn,
            expected_seq - 1,
            PAGE.min(head_seq - expected_seq + 1),
        )?;
        if page.is_empty() {
            break;
        }
        for row in &page {
            let checked = expected_seq - 1;
            if row.seq != expected_seq {
                return Ok(broken(
                    expected_seq,
                    checked,
                    format!("record {expected_seq} is missing"),
                ));
            }
            if row.prev_hash != prev {
                return Ok(broken(
                    row.seq,
                    checked,
                    "the link to the previous record is broken".into(),
                ));
            }
            if hash(row) != row.hash {
                return Ok(broken(
                    row.seq,
                    checked,
                    "the record was changed after it was written".into(),
                ));
            }
            prev = row.hash.clone();
            expected_seq += 1;
        }
    }
    let checked = expected_seq - 1;
    if checked != head_seq || head_hash != prev {
        return Ok(broken(
            checked + 1,
            checked,
            format!("records after {checked} are missing (the head names record {head_seq})"),
        ));
    }
    // Records appended since the walk began are covered by the head as it
    // is now; one beyond even that was not written through the chain.
    let (head_now, _) = rows::head(conn)?;
    if let Some(planted) = rows::page(conn, head_now, 1)?.first() {
        return Ok(broken(
            planted.seq,
            checked,
            format!("record {} lies beyond the head of the chain", planted.seq),
        ));
    }
    Ok(Verification {
        valid: true,
        records_checked: checked,
        first_broken_seq: None,
        reason: None,
    })
}
