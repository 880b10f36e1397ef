//! HTTP: routes, and per resource the handlers with their request and
//! response types.

pub mod applicants;
pub mod applications;
pub mod audit;
pub mod consents;
pub mod events;
pub mod formats;
pub mod idempotency;
pub mod json;
pub mod oauth;
pub mod ops;
pub mod params;
pub mod payments;
pub mod problems;

use actix_web::{HttpRequest, HttpResponse, web};

use crate::audit::{AuditEvent, Outcome};
use crate::auth::Principal;
use crate::auth::policy::{self, Operation};
use crate::domain::{FieldError, Municipality};
use crate::error::AppError;
use crate::startup::AppState;

/// Registers every route. Each resource answers other methods with 405 and `Allow`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/.well-known/jwks.json")
            .get(oauth::get_jwks)
            .default_service(not_allowed("GET")),
    )
    .service(
        web::resource("/oauth/token")
            .post(oauth::post_token)
            .default_service(not_allowed("POST")),
    )
    .service(
        web::resource("/health/live")
            .get(ops::get_live)
            .default_service(not_allowed("GET")),
    )
    .service(
        web::resource("/health/ready")
            .get(ops::get_ready)
            .default_service(not_allowed("GET")),
    )
    .service(
        web::resource("/metrics")
            .get(ops::get_metrics)
            .default_service(not_allowed("GET")),
    )
    .service(
        web::resource("/problems/{slug}")
            .get(problems::get_problem_type)
            .default_service(not_allowed("GET")),
    )
    .service(
        web::resource("/api/v1/audit/verify")
            .get(audit::get_verification)
            .default_service(not_allowed("GET")),
    )
    .service(
        web::resource("/api/v1/{municipality}/applicants")
            .get(applicants::list_applicants)
            .post(applicants::create_applicant)
            .default_service(not_allowed("GET, POST")),
    )
    .service(
        web::resource("/api/v1/{municipality}/applicants/search")
            .post(applicants::search_applicants)
            .default_service(not_allowed("POST")),
    )
    .service(
        web::resource("/api/v1/{municipality}/applicants/{id}")
            .get(applicants::get_applicant)
            .patch(applicants::patch_applicant)
            .default_service(not_allowed("GET, PATCH")),
    )
    .service(
        web::resource("/api/v1/{municipality}/applicants/{id}/export")
            .get(applicants::export::export_applicant)
            .default_service(not_allowed("GET")),
    )
    .service(
        web::resource("/api/v1/{municipality}/applicants/{id}/consents")
            .get(consents::list_consents)
            .post(consents::create_consent)
            .default_service(not_allowed("GET, POST")),
    )
    .service(
        web::resource("/api/v1/{municipality}/consents/{id}/revoke")
            .post(consents::revoke_consent)
            .default_service(not_allowed("POST")),
    )
    .service(
        web::resource("/api/v1/{municipality}/applications")
            .get(applications::list_applications)
            .post(applications::create_application)
            .default_service(not_allowed("GET, POST")),
    )
    .service(
        web::resource("/api/v1/{municipality}/applications/{id}")
            .get(applications::get_application)
            .default_service(not_allowed("GET")),
    )
    .service(
        web::resource("/api/v1/{municipality}/applications/{id}/investigation")
            .post(applications::actions::start_investigation)
            .default_service(not_allowed("POST")),
    )
    .service(
        web::resource("/api/v1/{municipality}/applications/{id}/decision")
            .post(applications::actions::decide_application)
            .default_service(not_allowed("POST")),
    )
    .service(
        web::resource("/api/v1/{municipality}/applications/{id}/withdraw")
            .post(applications::actions::withdraw_application)
            .default_service(not_allowed("POST")),
    )
    .service(
        web::resource("/api/v1/{municipality}/applications/{id}/payments")
            .get(payments::list_payments)
            .default_service(not_allowed("GET")),
    )
    .service(
        web::resource("/api/v1/{municipality}/payments")
            .post(payments::create_payment)
            .default_service(not_allowed("POST")),
    )
    .service(
        web::resource("/api/v1/{municipality}/events")
            .get(events::list_events)
            .default_service(not_allowed("GET")),
    );
}

fn not_allowed(allow: &'static str) -> actix_web::Route {
    web::route()
        .to(move || async move { Err::<HttpResponse, _>(AppError::MethodNotAllowed(allow)) })
}

/// The answer for paths no route matches.
pub async fn no_route(_req: HttpRequest) -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}

/// Turns actix's own path, query and form errors into problems.
pub fn parameter_error(message: &str, name: &str) -> AppError {
    AppError::InvalidParameter(vec![FieldError::new(name, message)])
}

/// Gate 1 of the policy: whether the role has the operation at all. A
/// refusal is audited before it is answered.
pub async fn permit(
    state: &AppState,
    principal: &Principal,
    request_id: &str,
    op: Operation,
) -> Result<(), AppError> {
    match policy::authorize(principal, op) {
        Ok(()) => Ok(()),
        Err(refusal) => Err(refuse(state, principal, request_id, op, None, refusal).await),
    }
}

/// Gates 1 and 2 of the policy for an operation in a municipality. A refusal
/// is audited before it is answered.
pub async fn admit(
    state: &AppState,
    principal: &Principal,
    request_id: &str,
    op: Operation,
    code: &str,
) -> Result<Municipality, AppError> {
    match policy::authorize(principal, op).and_then(|()| policy::municipality(principal, code)) {
        Ok(m) => Ok(m),
        Err(refusal) => Err(refuse(state, principal, request_id, op, Some(code), refusal).await),
    }
}

/// Audits a refusal and returns it (or the error of writing the audit record).
async fn refuse(
    state: &AppState,
    principal: &Principal,
    request_id: &str,
    op: Operation,
    code: Option<&str>,
    refusal: AppError,
) -> AppError {
    let mut event =
        AuditEvent::of(principal, request_id, op).outcome(Outcome::of_refusal(&refusal));
    if let Some(code) = code {
        // Only a well-formed code goes into the log.
        if Municipality::parse(code).is_some() {
            event = event.municipality(code);
        }
    }
    match state
        .write(principal.client_check(request_id), move |conn| {
            Ok(crate::audit::append(conn, &[event])?)
        })
        .await
    {
        Ok(()) => refusal,
        Err(e) => e,
    }
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
