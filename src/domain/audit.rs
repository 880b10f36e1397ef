//! The audit log's records and the hash chain that makes an edit, a
//! deletion or a cut at the end evident, and the checkpoints that make a
//! rewrite of the whole chain evident. Pure: the database appends and walks
//! records with these functions; the audit key signs checkpoints.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::code_enum;

/// The hash before the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

code_enum! {
    /// How an audited attempt ended.
    #[schema(as = AuditOutcome)]
    Outcome {
        /// Done.
        Allowed = "allowed",
        /// Refused: the role lacks the operation (403).
        Denied = "denied",
        /// Refused: the object is not visible to the caller, or does not exist (404).
        NotVisible = "not_visible",
        /// Refused by a rule: a state that does not allow it (409), a version
        /// that is no longer current (412), or a value the rules refuse (422).
        Refused = "refused",
    }
}

/// One audited attempt, before it gets its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// The caller's own id of the request, when it sent one.
    pub correlation_id: Option<String>,
    pub outcome: Outcome,
}

impl AuditEvent {
    /// The person the record is about, who is also the resource.
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

    pub fn municipality(mut self, code: &str) -> Self {
        self.municipality = Some(code.to_owned());
        self
    }

    pub fn outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
    }
}

/// A record in its place in the chain, as the hash covers it.
#[derive(Debug, Clone, Copy)]
pub struct Link<'a> {
    pub prev_hash: &'a str,
    pub seq: i64,
    pub occurred_at: NaiveDateTime,
    pub actor: &'a str,
    pub role: &'a str,
    pub action: &'a str,
    pub resource_type: &'a str,
    pub resource_id: Option<&'a str>,
    pub municipality: Option<&'a str>,
    pub person_id: Option<&'a str>,
    pub request_id: &'a str,
    pub outcome: &'a str,
    pub correlation_id: Option<&'a str>,
}

/// The hash of a record: SHA-256 over a JSON array of its fields and the
/// previous hash, so no two different records serialise alike. The
/// correlation id joins the array only when there is one, so records from
/// before it existed keep their hashes.
pub fn hash(link: &Link) -> String {
    let at = DateTime::<Utc>::from_naive_utc_and_offset(link.occurred_at, Utc)
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string();
    let mut canonical = serde_json::json!([
        link.prev_hash,
        link.seq,
        at,
        link.actor,
        link.role,
        link.action,
        link.resource_type,
        link.resource_id,
        link.municipality,
        link.person_id,
        link.request_id,
        link.outcome,
    ]);
    if let (Some(correlation), Some(array)) = (link.correlation_id, canonical.as_array_mut()) {
        array.push(correlation.into());
    }
    let digest = Sha256::digest(canonical.to_string().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A signed statement that the chain's record `seq` had `hash` at
/// `signed_at`. The hash of a record covers every record before it, so a
/// checkpoint vouches for the whole chain up to it: one who holds the
/// database but not the audit key cannot cut, rewrite or renumber records up
/// to a checkpoint without [`verify`](crate::db::audit::verify) naming it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// The record's sequence number.
    pub seq: i64,
    /// The record's hash (hex SHA-256).
    pub hash: String,
    pub signed_at: DateTime<Utc>,
    /// The audit key's id (RFC 7638 thumbprint).
    pub kid: String,
    /// Ed25519 over [`Checkpoint::statement`], base64url without padding.
    pub signature: String,
}

impl Checkpoint {
    /// The bytes the signature covers.
    pub fn statement(seq: i64, hash: &str, signed_at: DateTime<Utc>) -> String {
        format!(
            "bistand audit checkpoint v1\nseq {seq}\nhash {hash}\nsigned_at {}\n",
            signed_at.format("%Y-%m-%dT%H:%M:%S%.6fZ")
        )
    }
}

/// The result of walking the chain.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Verification {
    /// Whether every link holds, and every checkpoint.
    pub valid: bool,
    /// Records read.
    pub records_checked: i64,
    /// Signed checkpoints the chain was held against (those stored in the
    /// database, and those given to `bistand audit verify --checkpoint`).
    pub checkpoints_checked: i64,
    /// The sequence number of the first record that breaks the chain.
    pub first_broken_seq: Option<i64>,
    /// What is wrong there.
    pub reason: Option<String>,
}

impl Verification {
    pub fn broken(seq: i64, checked: i64, reason: String) -> Self {
        Self {
            valid: false,
            records_checked: checked,
            first_broken_seq: Some(seq),
            reason: Some(reason),
            checkpoints_checked: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(actor: &str) -> Link<'_> {
        Link {
            prev_hash: GENESIS,
            seq: 1,
            occurred_at: chrono::DateTime::from_timestamp(1_764_000_000, 0)
                .unwrap()
                .naive_utc(),
            actor,
            role: "caseworker",
            action: "applicant.read",
            resource_type: "applicant",
            resource_id: None,
            municipality: Some("0483"),
            person_id: None,
            request_id: "r",
            outcome: "allowed",
            correlation_id: None,
        }
    }

    #[test]
    fn the_hash_covers_every_field() {
        assert_eq!(hash(&link("a")), hash(&link("a")));
        assert_ne!(hash(&link("a")), hash(&link("b")));
        let mut moved = link("a");
        moved.seq = 2;
        assert_ne!(hash(&link("a")), hash(&moved));
        let mut correlated = link("a");
        correlated.correlation_id = Some("portal-1");
        assert_ne!(hash(&link("a")), hash(&correlated));
    }
}
