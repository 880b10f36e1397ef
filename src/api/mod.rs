//! HTTP: per resource the handlers with their request and response types,
//! on one seam: [`context::Caller`] (who calls, with what every request
//! shares) and [`tx::Tx`] (one transaction per operation, with the policy,
//! the audit trail and the feed). [`routes`] registers every operation once,
//! for the service and its contract.

pub mod agreements;
pub mod applicants;
pub mod applications;
pub mod audit;
pub mod consents;
pub mod context;
pub mod deadline;
pub mod decisions;
pub mod employment_status;
pub mod events;
pub mod formats;
pub mod idempotency;
pub mod indicators;
pub mod json;
pub mod kolada;
pub mod labour_market;
pub mod limits;
pub mod norms;
pub mod oauth;
pub mod ops;
pub mod params;
pub mod payments;
pub mod problems;
pub mod programmes;
pub mod referrals;
pub mod routes;
pub mod tx;

use crate::domain::FieldError;
use crate::error::AppError;

/// Turns actix's own path, query and form errors into problems.
pub fn parameter_error(message: &str, name: &str) -> AppError {
    AppError::InvalidParameter(vec![FieldError::new(name, message)])
}

/// A 422 naming one field of the body.
pub fn invalid(field: &str, reason: impl Into<String>) -> AppError {
    AppError::Validation(vec![FieldError::new(field, reason)])
}

/// Parses a resource id from the path.
pub fn parse_id(text: &str) -> Result<uuid::Uuid, AppError> {
    params::strict_uuid(text).ok_or_else(|| {
        parameter_error(
            "must be a UUID such as 019a2b3c-4d5e-7f00-8a1b-2c3d4e5f6a7b",
            "id",
        )
    })
}
