//! The audit log's verification: `/api/v1/audit/verify`.

use actix_web::HttpResponse;

use super::context::Caller;
use crate::auth::policy::Operation;
use crate::db::audit;
use crate::domain::audit::Verification;
use crate::error::AppError;

/// Verify the audit log's hash chain.
///
/// Walks every record and names the first broken link: a changed record, a
/// missing one, or records cut off at the end; then holds the chain against
/// the signed checkpoints stored with it, naming a rewrite, renumbering or
/// cut behind one. Copies of checkpoints kept elsewhere are checked with
/// `bistand audit verify --checkpoint FILE`. The check is itself audited.
#[utoipa::path(
    get,
    path = "/api/v1/audit/verify",
    tag = "audit",
    operation_id = "verify_audit_log",
    responses(
        (status = 200, description = "The result of the walk", body = Verification),
    ),
    security(("bearer" = []))
)]
pub async fn get_verification(caller: Caller) -> Result<HttpResponse, AppError> {
    let op = Operation::VerifyAudit;
    caller.permit(op).await?;
    // The walk reads on the read pool, so writers go on meanwhile.
    let keys = caller.state.audit_keys.clone();
    let result: Verification = caller
        .read(move |conn| Ok(audit::verify(conn, &keys, &[])?))
        .await?;
    let record = caller.event(op.audit_action(), op.resource_type());
    caller
        .write(move |_, pending| {
            pending.audit.push(record);
            Ok(())
        })
        .await?;
    Ok(HttpResponse::Ok().json(result))
}
