//! Path, query and header parameters shared by the resources.

use actix_web::HttpRequest;
use actix_web::http::header;
use base64::Engine;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::parameter_error;
use crate::db::DbConn;
use crate::error::AppError;

/// The municipality segment of a path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MunicipalityPath {
    /// SCB municipality code, one of the token's `municipalities`.
    #[param(example = "0483", pattern = r"^[0-9]{4}$")]
    pub municipality: String,
}

/// The path of one resource of a municipality: an applicant, an
/// application or a consent.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ResourcePath {
    /// SCB municipality code, one of the token's `municipalities`.
    #[param(example = "0483", pattern = r"^[0-9]{4}$")]
    pub municipality: String,
    /// The id of the resource the path names.
    #[param(format = Uuid)]
    pub id: String,
}

/// Paging of a list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Items per page, 1–100 (default 25).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page: the list goes on after it.
    #[param(pattern = r"^[A-Za-z0-9_-]{22}$", example = "AZqT0Ko2cBeaQ3JZ7bZ5Xg")]
    pub cursor: Option<String>,
}

/// The `If-Match` header of a change.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IfMatchHeader {
    /// The `ETag` of your last read, such as `"3"` (or `*`). Required: 428
    /// without it; 412 when the resource has changed since.
    #[serde(rename = "If-Match")]
    #[param(
        rename = "If-Match",
        pattern = r#"^(\*|(W/)?"[0-9]{1,18}"( *, *(W/)?"[0-9]{1,18}")*)$"#,
        example = "\"1\""
    )]
    pub if_match: String,
}

/// The `Idempotency-Key` header of a submission.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IdempotencyKeyHeader {
    /// 1-255 visible ASCII characters, unique per submission, such as a
    /// UUID the client makes when the form is submitted. Required from the
    /// e-service portal; a retry with the same key and body gets the first
    /// answer again, never a second application (BR-2).
    #[serde(rename = "Idempotency-Key")]
    #[param(
        rename = "Idempotency-Key",
        pattern = r"^[\x21-\x7E]{1,255}$",
        example = "8e03978e-40d5-43e8-bc93-6894a57f9324"
    )]
    pub idempotency_key: Option<String>,
}

/// The `Idempotency-Key` header where every caller must send one.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct RequiredIdempotencyKeyHeader {
    /// 1-255 visible ASCII characters, unique per request, such as a UUID
    /// the client makes before its first try. A retry with the same key and
    /// body gets the first answer again and never acts twice; the same key
    /// with another body is a 422.
    #[serde(rename = "Idempotency-Key")]
    #[param(
        rename = "Idempotency-Key",
        pattern = r"^[\x21-\x7E]{1,255}$",
        example = "8e03978e-40d5-43e8-bc93-6894a57f9324"
    )]
    pub idempotency_key: String,
}

/// The ETag of a version.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// What `If-Match` allows.
pub enum IfMatch {
    Any,
    Versions(Vec<i64>),
}

impl IfMatch {
    pub fn matches(&self, version: i64) -> bool {
        match self {
            Self::Any => true,
            Self::Versions(v) => v.contains(&version),
        }
    }
}

/// Reads `If-Match`: 428 when it is missing.
pub fn if_match(req: &HttpRequest) -> Result<IfMatch, AppError> {
    let value = req
        .headers()
        .get(header::IF_MATCH)
        .ok_or(AppError::PreconditionRequired)?
        .to_str()
        .map_err(|_| parameter_error("is not readable", "If-Match"))?;
    if value.trim() == "*" {
        return Ok(IfMatch::Any);
    }
    // Weak tags never match under If-Match (RFC 9110 §13.1.1); unknown tags match nothing.
    let versions = value
        .split(',')
        .map(str::trim)
        .filter(|tag| !tag.starts_with("W/"))
        .filter_map(|tag| tag.strip_prefix('"')?.strip_suffix('"')?.parse().ok())
        .collect();
    Ok(IfMatch::Versions(versions))
}

/// Cursors are the 16 bytes of the last item's id in unpadded base64url:
/// 22 characters, of which the last carries 2 spare bits. Any 22 such
/// characters are a position in id order, so every cursor the contract's
/// pattern allows is read; reading ignores the spare bits.
const CURSOR: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    base64::engine::GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireNone),
);

/// The cursor for the item `id` (a UUID, as all item ids are).
pub fn encode_cursor(id: &str) -> String {
    match Uuid::try_parse(id) {
        Ok(uuid) => CURSOR.encode(uuid.as_bytes()),
        // Item ids are UUIDs written by this service; an unreadable one ends
        // the list rather than handing out a cursor that cannot be read.
        Err(_) => String::new(),
    }
}

/// Cuts a page fetched with one row more than `limit`; the cursor after
/// its last row when there is more.
pub fn cut_page<R>(rows: &mut Vec<R>, limit: i64, id: impl Fn(&R) -> &str) -> Option<String> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|r| encode_cursor(id(r)))
    } else {
        None
    }
}

/// The item id a cursor points after.
pub fn decode_cursor(cursor: &str) -> Result<String, AppError> {
    let bad = || parameter_error("must be the next_cursor of a previous page", "cursor");
    if cursor.len() != 22 {
        return Err(bad());
    }
    let bytes = CURSOR.decode(cursor).map_err(|_| bad())?;
    let bytes: [u8; 16] = bytes.try_into().map_err(|_| bad())?;
    Ok(Uuid::from_bytes(bytes).to_string())
}

/// Reads a UUID in its hyphenated form only (as the contract's `uuid`
/// format has it), 36 characters.
pub fn strict_uuid(text: &str) -> Option<Uuid> {
    if text.len() == 36 {
        Uuid::try_parse(text).ok()
    } else {
        None
    }
}

/// The page size asked for: `default` when left out, else between 1 and `max`.
pub fn page_limit(asked: Option<u32>, default: u32, max: u32) -> Result<i64, AppError> {
    let limit = asked.unwrap_or(default);
    if (1..=max).contains(&limit) {
        Ok(i64::from(limit))
    } else {
        Err(parameter_error(
            &format!("must be between 1 and {max}"),
            "limit",
        ))
    }
}

/// Fills one page with the rows the caller may see. `fetch` reads rows in id
/// order after an id; `keep` turns a row into an item, or `None` when the
/// caller may not see it. Callers that see only some rows may need several
/// batches to fill a page. Returns the items and the cursor of the next page
/// (`None` when no rows are left).
pub fn fill_page<R, T>(
    conn: &mut DbConn,
    mut after: Option<String>,
    limit: i64,
    mut fetch: impl FnMut(&mut DbConn, Option<&str>, i64) -> Result<Vec<R>, AppError>,
    id_of: impl Fn(&R) -> String,
    mut keep: impl FnMut(&mut DbConn, R) -> Result<Option<T>, AppError>,
) -> Result<(Vec<T>, Option<String>), AppError> {
    let mut items = Vec::new();
    loop {
        let rows = fetch(conn, after.as_deref(), limit + 1)?;
        let fetched = rows.len();
        let mut looked_at = 0;
        for row in rows.into_iter().take(limit as usize) {
            looked_at += 1;
            after = Some(id_of(&row));
            if let Some(item) = keep(conn, row)? {
                items.push(item);
                if items.len() as i64 == limit {
                    break;
                }
            }
        }
        let rows_left = fetched > looked_at;
        if items.len() as i64 == limit || !rows_left {
            let next = if rows_left {
                after.as_deref().map(encode_cursor)
            } else {
                None
            };
            return Ok((items, next));
        }
    }
}
