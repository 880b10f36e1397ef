//! The problem document (RFC 9457) every error answers with.

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::FieldError;

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Stable URI naming the kind of problem; clients branch on this, never on `detail`.
    #[serde(rename = "type")]
    #[schema(example = "https://bistand.katrineholm.se/problems/not-found")]
    pub problem_type: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// HTTP status code, repeated for convenience.
    pub status: u16,
    /// Human-readable explanation of this occurrence. Never holds a personal number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The fields that broke a rule, each named by its JSON path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invalid_params: Option<Vec<InvalidParam>>,
    /// OAuth 2.0 error code (RFC 6749 §5.2), on answers from `/oauth/token` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The status the resource is in, on state conflicts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_status: Option<String>,
}

/// One bad field in a request.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvalidParam {
    /// JSON path of the field (`address.postal_code`), or the name of a path or query parameter.
    #[schema(example = "personal_number")]
    pub name: String,
    /// What is wrong with it.
    #[schema(example = "the check digit does not match (Luhn)")]
    pub reason: String,
}

impl From<FieldError> for InvalidParam {
    fn from(e: FieldError) -> Self {
        Self {
            name: e.name,
            reason: e.reason,
        }
    }
}
