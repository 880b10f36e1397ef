//! Exactly-once requests (BR-2, BR-3b): `Idempotency-Key`.
//!
//! The first request with a key stores its response in the same transaction
//! as its work; a retry with the same key and body gets that
//! response again, with `Idempotent-Replayed: true`; the same key with another
//! body is a 422 problem. Keys are scoped to the client and kept for good
//! (well over the 24 hours a portal may retry in).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::context::Caller;
use super::json::JsonBody;
use super::tx::{Resource, Tx};
use crate::auth::policy::Operation;
use crate::db::idempotency::{self as repo, IdempotencyRow};
use crate::db::{DbConn, unique_or};
use crate::error::AppError;

pub const HEADER: &str = "idempotency-key";

/// A checked key with the hash of the request it came with.
#[derive(Debug, Clone)]
pub struct Key {
    pub client: String,
    pub key: String,
    pub request_hash: String,
}

/// The caller's key for `op` on `target` (the resource the request acts
/// on) with `body`: `None` when the caller sent none and need not; 400 when
/// it must and did not. Keys belong to the caller: the API client, or the
/// user of a staff token.
pub fn key(
    caller: &Caller,
    op: Operation,
    req: &HttpRequest,
    target: &str,
    body: &JsonBody,
) -> Result<Option<Key>, AppError> {
    let Some(key) = read(req, caller.key_required(op))? else {
        return Ok(None);
    };
    // Keys of API clients and of users live apart, so a user whose `sub`
    // equals a client's id never shares that client's keys.
    Ok(Some(Key {
        client: caller.principal.owner(),
        key,
        request_hash: request_hash(target, body.bytes())?,
    }))
}

/// Runs `work` once per key, in the request's transaction: a key seen
/// before with the same request answers the stored response again and
/// audits the replay as `replay_action` (about the stored resource and, when
/// it names one, its applicant); a new key stores `work`'s response with it.
pub fn once(
    tx: &mut Tx,
    key: Option<&Key>,
    replay_action: &str,
    work: impl FnOnce(&mut Tx) -> Result<StoredResponse, AppError>,
) -> Result<StoredResponse, AppError> {
    once_checked(tx, key, replay_action, |_, _| Ok(()), work)
}

/// [`once`] for a resource the caller may lose sight of: a replay answers
/// only while the caller may still see the stored resource (a revoked
/// consent stops replays as it stops reads); otherwise 404, audited.
pub fn once_visible<R: Resource>(
    tx: &mut Tx,
    key: Option<&Key>,
    replay_action: &str,
    work: impl FnOnce(&mut Tx) -> Result<StoredResponse, AppError>,
) -> Result<StoredResponse, AppError> {
    let still_visible = |tx: &mut Tx, id: &str| tx.load::<R>(id).map(drop);
    once_checked(tx, key, replay_action, still_visible, work)
}

fn once_checked(
    tx: &mut Tx,
    key: Option<&Key>,
    replay_action: &str,
    still_visible: impl FnOnce(&mut Tx, &str) -> Result<(), AppError>,
    work: impl FnOnce(&mut Tx) -> Result<StoredResponse, AppError>,
) -> Result<StoredResponse, AppError> {
    if let Some(key) = key
        && let Claim::Replay(stored) = claim(tx.conn, key)?
    {
        let body: serde_json::Value = serde_json::from_str(&stored.body)
            .map_err(|_| AppError::internal("a stored answer that is not JSON"))?;
        let id = body["id"]
            .as_str()
            .ok_or_else(|| AppError::internal("a stored answer without an id"))?;
        still_visible(tx, id)?;
        tx.replayed(replay_action, id, body["applicant_id"].as_str());
        return Ok(stored);
    }
    let stored = work(tx)?;
    if let Some(key) = key {
        complete(tx.conn, key, &stored)?;
    }
    Ok(stored)
}

/// Reads `Idempotency-Key`: 1–255 visible ASCII characters. Required when `required`.
pub fn read(req: &HttpRequest, required: bool) -> Result<Option<String>, AppError> {
    let Some(value) = req.headers().get(HEADER) else {
        return if required {
            Err(AppError::IdempotencyKeyRequired)
        } else {
            Ok(None)
        };
    };
    let key = value
        .to_str()
        .map_err(|_| AppError::IdempotencyKeyRequired)?
        .trim();
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(AppError::IdempotencyKeyRequired);
    }
    // A key sent as a structured-field string ("...") is the same key.
    let key = key
        .strip_prefix('"')
        .and_then(|k| k.strip_suffix('"'))
        .filter(|k| !k.is_empty())
        .unwrap_or(key);
    Ok(Some(key.to_owned()))
}

/// The hash of a request: its target and its body as canonical JSON (keys
/// sorted, no insignificant white space), so formatting does not matter.
pub fn request_hash(target: &str, body: &[u8]) -> Result<String, AppError> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| AppError::MalformedBody(e.to_string()))?;
    let mut hasher = Sha256::new();
    hasher.update(target.as_bytes());
    hasher.update([0]);
    hasher.update(value.to_string().as_bytes());
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// What a look-up of a key found.
pub enum Claim {
    /// The key is new.
    Fresh,
    /// The key was used before with this request: its stored response.
    Replay(StoredResponse),
}

/// A response kept for replays.
#[derive(Debug, Clone)]
pub struct StoredResponse {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
    pub replayed: bool,
}

/// Finds the stored response of `key`, if it was used before.
pub fn claim(conn: &mut DbConn, key: &Key) -> Result<Claim, AppError> {
    match repo::find(conn, &key.client, &key.key)? {
        Some(row) if row.request_hash != key.request_hash => Err(AppError::IdempotencyKeyReused),
        Some(row) => Ok(Claim::Replay(StoredResponse {
            status: crate::db::stored(
                "idempotency_keys.status_code",
                u16::try_from(row.status_code),
            )?,
            location: row.location,
            body: row.response_body,
            replayed: true,
        })),
        None => Ok(Claim::Fresh),
    }
}

/// Stores the response of a fresh key, in the transaction that did the
/// work. When a concurrent request with the same key committed first (on
/// PostgreSQL the insert waits for it), this fails with
/// [`AppError::Contention`]: the work is rolled back and retried, and the
/// retry finds and replays the first response.
pub fn complete(conn: &mut DbConn, key: &Key, response: &StoredResponse) -> Result<(), AppError> {
    repo::insert(conn, &row(key, response)).map_err(unique_or(AppError::Contention))
}

fn row(key: &Key, response: &StoredResponse) -> IdempotencyRow {
    IdempotencyRow {
        client: key.client.clone(),
        idempotency_key: key.key.clone(),
        request_hash: key.request_hash.clone(),
        status_code: i32::from(response.status),
        location: response.location.clone(),
        response_body: response.body.clone(),
        created_at: crate::domain::time::system_now().naive_utc(),
    }
}

impl StoredResponse {
    /// A `201 Created` answer with `body`, and its `Location` when it has one.
    pub fn created(body: &impl Serialize, location: Option<String>) -> Result<Self, AppError> {
        Ok(Self {
            status: 201,
            location,
            body: serde_json::to_string(body).map_err(AppError::internal)?,
            replayed: false,
        })
    }

    /// The HTTP answer, with `ETag` from the body's `version`.
    pub fn respond(&self) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = HttpResponse::build(status);
        response.content_type("application/json");
        if let Some(location) = &self.location {
            response.insert_header((header::LOCATION, location.as_str()));
        }
        if let Some(version) = serde_json::from_str::<serde_json::Value>(&self.body)
            .ok()
            .and_then(|v| v["version"].as_i64())
        {
            response.insert_header((header::ETAG, super::params::etag(version)));
        }
        if self.replayed {
            response.insert_header(("idempotent-replayed", "true"));
        }
        response.body(self.body.clone())
    }
}
