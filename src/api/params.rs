//! Path, query and header parameters shared by the resources.

use actix_web::HttpRequest;
use actix_web::http::header;
use base64::Engine;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::parameter_error;
use crate::error::AppError;

/// The municipality segment of a path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MunicipalityPath {
    /// SCB municipality code, one of the token's `municipalities`.
    #[param(example = "0483", pattern = r"^\d{4}$")]
    pub municipality: String,
}

/// The path of one applicant.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ApplicantPath {
    /// SCB municipality code, one of the token's `municipalities`.
    #[param(example = "0483", pattern = r"^\d{4}$")]
    pub municipality: String,
    /// The applicant's id.
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
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
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

/// An opaque cursor for the item `id`.
pub fn encode_cursor(id: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id)
}

/// The item id of a cursor this API gave out.
pub fn decode_cursor(cursor: &str) -> Result<String, AppError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .filter(|id| Uuid::try_parse(id).is_ok())
        .ok_or_else(|| parameter_error("is not a cursor this API gave out", "cursor"))
}
