//! Rows of the audit log and its chain head: appending records to the
//! chain and walking it (the hashing is `domain::audit`'s).
//!
//! Records are written in the same transaction as the work they describe,
//! are append-only (database triggers refuse UPDATE and DELETE), and are
//! chained: each record's hash covers its fields and the previous hash, and
//! the head row keeps the last number and hash, so an edit, a deletion in
//! the middle or a cut at the end is found by [`verify`]. One who can write
//! the database could still rehash the chain; signed checkpoints, checked by
//! [`verify`] too, make that evident up to the latest checkpoint.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{audit_checkpoints, audit_head, audit_log};
use crate::auth::audit_key::{AuditKey, AuditKeyring};
use crate::domain::audit::{AuditEvent, Checkpoint, GENESIS, Link, Verification, hash};

#[derive(Debug, Clone, Queryable, Insertable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub seq: i64,
    pub occurred_at: NaiveDateTime,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub resource_type: String,
    pub resource_id: Option<String>,
    pub municipality: Option<String>,
    pub person_id: Option<String>,
    pub request_id: String,
    pub outcome: String,
    pub prev_hash: String,
    pub hash: String,
    pub correlation_id: Option<String>,
}

/// Reserves `n` sequence numbers, locking the head row until the
/// transaction ends. Returns the last reserved number and the hash that
/// precedes the first.
pub fn reserve(conn: &mut DbConn, n: i64) -> QueryResult<(i64, String)> {
    diesel::update(audit_head::table.find(1))
        .set(audit_head::seq.eq(audit_head::seq + n))
        .returning((audit_head::seq, audit_head::hash))
        .get_result(conn)
}

/// Moves the head's hash to the last appended record.
pub fn set_head_hash(conn: &mut DbConn, hash: &str) -> QueryResult<()> {
    diesel::update(audit_head::table.find(1))
        .set(audit_head::hash.eq(hash))
        .execute(conn)
        .map(drop)
}

pub fn insert(conn: &mut DbConn, row: &AuditRow) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// The head: the last sequence number and its hash.
pub fn head(conn: &mut DbConn) -> QueryResult<(i64, String)> {
    audit_head::table
        .find(1)
        .select((audit_head::seq, audit_head::hash))
        .first(conn)
}

/// Records after `after_seq`, in sequence order.
pub fn page(conn: &mut DbConn, after_seq: i64, limit: i64) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .filter(audit_log::seq.gt(after_seq))
        .order(audit_log::seq.asc())
        .limit(limit)
        .select(AuditRow::as_select())
        .load(conn)
}

/// Every record about a person, in order.
pub fn of_person(
    conn: &mut DbConn,
    municipality: &str,
    person_id: &str,
) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .filter(audit_log::municipality.eq(municipality))
        .filter(audit_log::person_id.eq(person_id))
        .order(audit_log::seq.asc())
        .select(AuditRow::as_select())
        .load(conn)
}

impl AuditRow {
    /// The record as the chain's hash covers it.
    pub fn link(&self) -> Link<'_> {
        Link {
            prev_hash: &self.prev_hash,
            seq: self.seq,
            occurred_at: self.occurred_at,
            actor: &self.actor,
            role: &self.role,
            action: &self.action,
            resource_type: &self.resource_type,
            resource_id: self.resource_id.as_deref(),
            municipality: self.municipality.as_deref(),
            person_id: self.person_id.as_deref(),
            request_id: &self.request_id,
            outcome: &self.outcome,
            correlation_id: self.correlation_id.as_deref(),
        }
    }
}

/// Appends records to the chain, at `occurred_at`, in the caller's
/// transaction. It locks the chain head until commit: the writer calls it
/// once per group commit, as its last step.
pub fn append(
    conn: &mut DbConn,
    events: &[AuditEvent],
    occurred_at: NaiveDateTime,
) -> QueryResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let n = events.len() as i64;
    let (last, mut prev) = reserve(conn, n)?;
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
            correlation_id: event.correlation_id.clone(),
        };
        row.hash = hash(&row.link());
        insert(conn, &row)?;
        prev = row.hash;
    }
    set_head_hash(conn, &prev)
}

#[derive(Debug, Clone, Queryable, Insertable, Selectable)]
#[diesel(table_name = audit_checkpoints)]
struct CheckpointRow {
    seq: i64,
    hash: String,
    signed_at: NaiveDateTime,
    key_id: String,
    signature: String,
}

impl From<CheckpointRow> for Checkpoint {
    fn from(row: CheckpointRow) -> Self {
        Self {
            seq: row.seq,
            hash: row.hash,
            signed_at: row.signed_at.and_utc(),
            kid: row.key_id,
            signature: row.signature,
        }
    }
}

/// The stored checkpoints, oldest first.
pub fn checkpoints(conn: &mut DbConn) -> QueryResult<Vec<Checkpoint>> {
    Ok(audit_checkpoints::table
        .order(audit_checkpoints::seq.asc())
        .select(CheckpointRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Checkpoint::from)
        .collect())
}

/// The latest checkpoint that `keys` vouch for, among the stored ones and
/// `others` (a checkpoint signed by this process earlier, or copies kept
/// elsewhere).
pub fn latest_trusted(
    conn: &mut DbConn,
    keys: &AuditKeyring,
    others: &[Checkpoint],
) -> QueryResult<Option<Checkpoint>> {
    let mut all = checkpoints(conn)?;
    all.extend(others.iter().cloned());
    Ok(all
        .into_iter()
        .filter(|c| keys.holds(c))
        .max_by_key(|c| c.seq))
}

/// Walks the chain from `anchor` (a trusted checkpoint, or the start) to
/// the head. The head's number and hash when every record since the anchor
/// extends it; otherwise why not. A checkpoint is only ever signed for a
/// head reached this way, so a chain rewritten behind the last checkpoint
/// is never signed.
pub fn extension(
    conn: &mut DbConn,
    anchor: Option<&Checkpoint>,
) -> QueryResult<Result<(i64, String), String>> {
    const PAGE: i64 = 5_000;
    let (head_seq, head_hash) = head(conn)?;
    let (mut seq, mut prev) = match anchor {
        None => (0, GENESIS.to_owned()),
        Some(a) if head_seq < a.seq => {
            return Ok(Err(format!(
                "the chain ends at record {head_seq}, before record {} of the checkpoint signed at {}",
                a.seq,
                a.signed_at.to_rfc3339()
            )));
        }
        Some(a) => match page(conn, a.seq - 1, 1)?.first() {
            Some(row)
                if row.seq == a.seq && row.hash == a.hash && hash(&row.link()) == row.hash =>
            {
                (a.seq, a.hash.clone())
            }
            _ => {
                return Ok(Err(format!(
                    "record {} is not the one the checkpoint signed at {} holds",
                    a.seq,
                    a.signed_at.to_rfc3339()
                )));
            }
        },
    };
    while seq < head_seq {
        let rows = page(conn, seq, PAGE.min(head_seq - seq))?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            if row.seq != seq + 1 || row.prev_hash != prev || hash(&row.link()) != row.hash {
                return Ok(Err(format!(
                    "record {} does not extend the chain from record {seq}",
                    seq + 1
                )));
            }
            seq = row.seq;
            prev = row.hash;
        }
    }
    if seq != head_seq || prev != head_hash {
        return Ok(Err(format!(
            "the head names record {head_seq}, but the chain ends at record {seq}"
        )));
    }
    Ok(Ok((seq, prev)))
}

/// Stores a signed checkpoint. One stored already for the same record must
/// hold the same hash: a different one means the chain was rewritten.
pub fn store_checkpoint(conn: &mut DbConn, c: &Checkpoint) -> QueryResult<Result<(), String>> {
    let existing = audit_checkpoints::table
        .find(c.seq)
        .select(CheckpointRow::as_select())
        .first(conn)
        .optional()?;
    match existing {
        Some(row) if row.hash == c.hash => Ok(Ok(())),
        Some(_) => Ok(Err(format!(
            "a checkpoint of record {} with another hash is stored already",
            c.seq
        ))),
        None => diesel::insert_into(audit_checkpoints::table)
            .values(CheckpointRow {
                seq: c.seq,
                hash: c.hash.clone(),
                signed_at: c.signed_at.naive_utc(),
                key_id: c.kid.clone(),
                signature: c.signature.clone(),
            })
            .execute(conn)
            .map(|_| Ok(())),
    }
}

/// Signs a checkpoint of the head, but only when the chain extends the
/// latest trusted checkpoint (`others`, or a stored one `key` vouches for),
/// and stores it. `Ok(None)` while the chain is empty; `Err` with the reason
/// when the chain does not extend the last checkpoint, which is a sign of
/// tampering and is never signed.
pub fn checkpoint(
    conn: &mut DbConn,
    key: &AuditKey,
    now: chrono::DateTime<chrono::Utc>,
    others: &[Checkpoint],
) -> QueryResult<Result<Option<Checkpoint>, String>> {
    let anchor = latest_trusted(conn, &key.own_keyring(), others)?;
    let (seq, hash) = match extension(conn, anchor.as_ref())? {
        Ok(head) => head,
        Err(reason) => return Ok(Err(reason)),
    };
    if seq == 0 {
        return Ok(Ok(None));
    }
    if let Some(a) = anchor.filter(|a| a.seq == seq) {
        return Ok(Ok(Some(a)));
    }
    let signed = key.sign(seq, &hash, now);
    Ok(store_checkpoint(conn, &signed)?.map(|()| Some(signed)))
}

/// Walks the chain up to the head as it stands when the walk starts, and
/// names the first broken link; then holds it against every checkpoint, the
/// stored ones and `external` (copies kept elsewhere). A checkpoint without
/// a valid signature of `keys`, a record that is not the one a checkpoint
/// signed (the chain rewritten or renumbered before it), or a checkpoint
/// beyond the end (the chain cut) is named. Records appended meanwhile are
/// left for the next walk, so a walk beside running writers never reports
/// them.
pub fn verify(
    conn: &mut DbConn,
    keys: &AuditKeyring,
    external: &[Checkpoint],
) -> QueryResult<Verification> {
    // Checkpoints first: every one read now is at or below the head read next.
    let mut signed = checkpoints(conn)?;
    signed.extend(external.iter().cloned());
    signed.sort_by_key(|c| c.seq);
    signed.dedup();
    if let Some(forged) = signed.iter().find(|c| !keys.holds(c)) {
        return Ok(Verification::broken(
            forged.seq,
            0,
            format!(
                "the checkpoint of record {} (signed at {}) has no valid signature of a known \
                 audit key (kid {})",
                forged.seq,
                forged.signed_at.to_rfc3339(),
                forged.kid
            ),
        ));
    }
    let mut result = walk(conn, &signed)?;
    result.checkpoints_checked = signed.len() as i64;
    Ok(result)
}

fn walk(conn: &mut DbConn, signed: &[Checkpoint]) -> QueryResult<Verification> {
    const PAGE: i64 = 5_000;
    let (head_seq, head_hash) = head(conn)?;
    // The checkpoints still ahead of the walk, and the last one it passed.
    let mut ahead = signed.iter().peekable();
    let mut vouched = 0;
    let mut expected_seq = 1;
    let mut prev = GENESIS.to_owned();
    while expected_seq <= head_seq {
        let rows = page(
            conn,
            expected_seq - 1,
            PAGE.min(head_seq - expected_seq + 1),
        )?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            let checked = expected_seq - 1;
            if row.seq != expected_seq {
                return Ok(Verification::broken(
                    expected_seq,
                    checked,
                    format!("record {expected_seq} is missing"),
                ));
            }
            if row.prev_hash != prev {
                return Ok(Verification::broken(
                    row.seq,
                    checked,
                    "the link to the previous record is broken".into(),
                ));
            }
            if hash(&row.link()) != row.hash {
                return Ok(Verification::broken(
                    row.seq,
                    checked,
                    "the record was changed after it was written".into(),
                ));
            }
            while let Some(c) = ahead.next_if(|c| c.seq == row.seq) {
                if c.hash != row.hash {
                    return Ok(Verification::broken(
                        vouched + 1,
                        checked,
                        format!(
                            "record {} is not the one the checkpoint signed at {} holds: \
                             records {}–{} were changed, removed or renumbered and the chain \
                             rehashed",
                            row.seq,
                            c.signed_at.to_rfc3339(),
                            vouched + 1,
                            row.seq
                        ),
                    ));
                }
                vouched = row.seq;
            }
            prev = row.hash.clone();
            expected_seq += 1;
        }
    }
    let checked = expected_seq - 1;
    if let Some(c) = ahead.peek().filter(|c| c.seq > checked) {
        return Ok(Verification::broken(
            checked + 1,
            checked,
            format!(
                "the chain ends at record {checked}, but the checkpoint signed at {} holds \
                 record {}: records after {checked} were cut",
                c.signed_at.to_rfc3339(),
                c.seq
            ),
        ));
    }
    if checked != head_seq || head_hash != prev {
        return Ok(Verification::broken(
            checked + 1,
            checked,
            format!("records after {checked} are missing (the head names record {head_seq})"),
        ));
    }
    // Records appended since the walk began are covered by the head as it
    // is now; one beyond even that was not written through the chain.
    let (head_now, _) = head(conn)?;
    if let Some(planted) = page(conn, head_now, 1)?.first() {
        return Ok(Verification::broken(
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
        checkpoints_checked: 0,
    })
}

/// What an auditor asks of the log: records of these municipalities (and
/// those of no municipality that name no person), narrowed by the other
/// fields that are set.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub municipalities: Vec<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub outcome: Option<String>,
    /// Records about any of these persons (applicant ids).
    pub persons: Option<Vec<String>>,
    pub from: Option<NaiveDateTime>,
    /// Before this instant.
    pub to: Option<NaiveDateTime>,
}

/// Records after `after_seq` that match `filter`, in sequence order.
pub fn search(
    conn: &mut DbConn,
    filter: &Filter,
    after_seq: i64,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    let mut query = audit_log::table
        .filter(audit_log::seq.gt(after_seq))
        // Records of no municipality are shown only when they name no
        // person, so that no one reads about another municipality's persons.
        .filter(
            audit_log::municipality
                .eq_any(filter.municipalities.clone())
                .or(audit_log::municipality
                    .is_null()
                    .and(audit_log::person_id.is_null())),
        )
        .order(audit_log::seq.asc())
        .limit(limit)
        .select(AuditRow::as_select())
        .into_boxed();
    if let Some(actor) = &filter.actor {
        query = query.filter(audit_log::actor.eq(actor.clone()));
    }
    if let Some(action) = &filter.action {
        query = query.filter(audit_log::action.eq(action.clone()));
    }
    if let Some(outcome) = &filter.outcome {
        query = query.filter(audit_log::outcome.eq(outcome.clone()));
    }
    if let Some(persons) = &filter.persons {
        query = query.filter(audit_log::person_id.eq_any(persons.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_log::occurred_at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_log::occurred_at.lt(to));
    }
    query.load(conn)
}
