//! The audit log's verification: `/api/v1/audit/verify`.

use actix_web::{HttpResponse, web};

use super::permit;
use crate::audit::{self, AuditEvent, Verification};
use crate::auth::Principal;
use crate::auth::policy::Operation;
use crate::error::AppError;
use crate::openapi::problems::*;
use crate::startup::AppState;
use crate::telemetry::RequestId;

/// Verify the audit log's hash chain.
///
/// Walks every record and names the first broken link: a changed record, a
/// missing one, or records cut off at the end. The check is itself audited.
#[utoipa::path(
    get,
    path = "/api/v1/audit/verify",
    tag = "audit",
    operation_id = "verify_audit_log",
    responses(
        (status = 200, description = "The result of the walk", body = Verification),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
    ),
    security(("bearer" = []))
)]
pub async fn get_verification(
    state: web::Data<AppState>,
    principal: Principal,
    request_id: RequestId,
) -> Result<HttpResponse, AppError> {
    let op = Operation::VerifyAudit;
    permit(&state, &principal, &request_id.0, op).await?;
    let event = AuditEvent::of(&principal, &request_id.0, op);
    // The walk reads on the read pool, so writers go on meanwhile.
    let result: Verification = state
        .read(principal.client_check(&request_id.0), |conn| {
            Ok(audit::verify(conn)?)
        })
        .await?;
    state
        .write(principal.client_check(&request_id.0), move |conn| {
            Ok(audit::append(conn, &[event])?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(result))
}
