//! Every problem type the API answers with, once: its status, stable slug,
//! title, what it means, and an example. The error mapping
//! ([`super::AppError`]) and the contract's problem answers are both built
//! from this list.

use serde_json::{Value, json};
use utoipa::openapi::{ContentBuilder, RefOr, Response, ResponseBuilder, schema::Ref};

use super::PROBLEM_BASE;

/// One problem type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProblemType {
    /// Its name in the contract (`components/examples`).
    pub name: &'static str,
    pub status: u16,
    /// The last segment of its `type` URI, and of its page `/problems/<slug>`.
    pub slug: &'static str,
    pub title: &'static str,
    /// What it means, in the contract.
    pub description: &'static str,
    /// The example's `detail`.
    pub detail: &'static str,
    /// More members of the example, as JSON text (`{}` for none).
    pub extra: &'static str,
}

impl ProblemType {
    /// The `type` URI.
    pub fn uri(&self) -> String {
        format!("{PROBLEM_BASE}{}", self.slug)
    }

    /// An example problem document of this type.
    pub fn example(&self) -> Value {
        let mut example = json!({
            "type": self.uri(),
            "title": self.title,
            "status": self.status,
        });
        if !self.detail.is_empty() {
            example["detail"] = json!(self.detail);
        }
        if let Ok(Value::Object(extra)) = serde_json::from_str::<Value>(self.extra) {
            for (key, value) in extra {
                example[key] = value;
            }
        }
        example
    }

    /// The problem answer as a contract response, with its example.
    pub fn response(&self) -> RefOr<Response> {
        ResponseBuilder::new()
            .description(self.description)
            .content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .example(Some(self.example()))
                    .build(),
            )
            .build()
            .into()
    }
}

/// Declares the catalogue: a type per problem (for `response = ...` in the
/// handlers' contract annotations) and [`ALL`].
macro_rules! catalogue {
    ($($name:ident: $status:literal, $slug:literal, $title:literal, $detail:literal, $description:literal $(, $extra:literal)?;)+) => {
        $(
            #[doc = $description]
            pub struct $name;

            impl $name {
                pub const TYPE: ProblemType = ProblemType {
                    name: stringify!($name),
                    status: $status,
                    slug: $slug,
                    title: $title,
                    description: $description,
                    detail: $detail,
                    extra: catalogue!(@extra $($extra)?),
                };
            }

            impl<'s> utoipa::ToResponse<'s> for $name {
                fn response() -> (&'s str, RefOr<Response>) {
                    (stringify!($name), Self::TYPE.response())
                }
            }
        )+

        /// Every problem type, in one list.
        pub const ALL: &[ProblemType] = &[$($name::TYPE),+];
    };
    (@extra) => { "{}" };
    (@extra $extra:literal) => { $extra };
}

catalogue! {
    MalformedBody: 400, "malformed-body", "The body is not valid JSON",
        "EOF while parsing an object at line 1 column 20",
        "The body is not JSON";
    InvalidParameter: 400, "invalid-parameter", "Invalid path or query parameter",
        "a path or query parameter is malformed",
        "A path or query parameter is malformed",
        r#"{"invalid_params": [{ "name": "id", "reason": "must be a UUID" }]}"#;
    IdempotencyKeyRequired: 400, "idempotency-key-required", "Idempotency-Key is required",
        "send an Idempotency-Key header of 1-255 visible ASCII characters, unique per request",
        "No Idempotency-Key where one is required, or a malformed one (BR-2, BR-3b)";
    OAuthError: 400, "oauth-error", "The token request was refused",
        "only the client_credentials grant is supported",
        "An RFC 6749 error: invalid_request or unsupported_grant_type, in `error`",
        r#"{"error": "unsupported_grant_type"}"#;
    Unauthenticated: 401, "unauthenticated", "Authentication required",
        "the token has expired",
        "No valid bearer token (see WWW-Authenticate)";
    OAuthInvalidClient: 401, "oauth-error", "The token request was refused",
        "unknown client or wrong secret",
        "Unknown client, wrong secret or revoked client",
        r#"{"error": "invalid_client"}"#;
    Forbidden: 403, "forbidden", "Forbidden",
        "the caller's role does not have this operation",
        "The caller's role lacks this operation";
    NotFound: 404, "not-found", "Not found",
        "no such resource is visible to the caller",
        "No such resource, or one the caller may not see; also a municipality outside the token";
    MethodNotAllowed: 405, "method-not-allowed", "Method not allowed",
        "allowed methods: GET",
        "The path does not take this method; `Allow` lists those it takes";
    DuplicateApplicant: 409, "duplicate-applicant", "The applicant already exists",
        "an applicant with this personal number already exists in this municipality; find it with POST .../applicants/search",
        "The personal number is already registered in the municipality";
    InvalidTransition: 409, "invalid-status-transition", "The status does not allow this",
        "the application is decided; see BR-4 for the moves it allows",
        "The status of the application (BR-4) or the referral (BR-7) does not allow this move",
        r#"{"current_status": "decided"}"#;
    NoGrantedDecision: 409, "no-granted-decision", "The application has no granting decision",
        "payments need a decision that grants the application in whole or in part",
        "Payments need a granting decision";
    PaymentSumNegative: 409, "payment-sum-negative", "The sum paid would be negative",
        "the sum paid for the application's month can never be negative",
        "The payment would make the sum paid for the month negative";
    PaymentExceedsGrant: 409, "payment-exceeds-grant", "The sum paid would exceed what was granted",
        "the decision grants 8450.00 SEK for the month and 8450.00 SEK is paid; the payments of a month never exceed what was granted (BR-3b)",
        "The payment would take the sum paid for the month above what the decision grants";
    ConsentRevoked: 409, "consent-revoked", "The consent is already revoked",
        "a revoked consent stays revoked; record a new one",
        "The consent is already revoked";
    IdentityUnconfirmed: 409, "identity-unconfirmed", "The person's identity is not confirmed",
        "the application named this person under other names than the register's; a caseworker confirms who applied and records the consent",
        "The portal's application named the person under other names than the register's; the portal may not record their consent (BR-6b)";
    ConsentRequired: 409, "consent-required", "The person has not consented",
        "the person has no active consent to viadidakt; a referral needs it (OSL 12:2)",
        "The person has no active consent to the recipient the request shares with (BR-6b)";
    AfPlanActive: 409, "af-plan-active", "The person follows a plan at AF",
        "the person has an active plan at the Employment Service; consult AF and record it with af_consulted: true",
        "The person has a plan at AF in force: a referral from social services records that AF was consulted, and the implementation plan names AF's plan (BR-6)";
    AfAssessmentRequired: 409, "af-assessment-required", "AF's assessment is required",
        "a subsidised employment AF pays for needs AF's assessment that the person qualifies (af_assessment with qualifies: true); AF's judgement takes precedence",
        "A subsidised employment AF pays for (extratjänst, introduktionsjobb, nystartsjobb) needs AF's assessment that the person qualifies (BR-9)";
    ProgrammeFull: 409, "programme-full", "The programme is full",
        "every place of the programme is taken",
        "Every place of the programme is taken; places are never overbooked";
    OutsideAgreement: 409, "outside-agreement", "The agreement is not in force that day",
        "the agreement is not in force on the meeting's day",
        "A meeting on a day outside the agreement's validity";
    DecisionReplaced: 409, "decision-replaced", "The decision has been replaced",
        "this decision has been replaced; replace the decision in force",
        "Only the decision in force can be replaced; this one already has its replacement";
    NotACoordinationNumber: 409, "not-a-coordination-number", "The person's number is not a coordination number",
        "the person's number is a personal number; only a coordination number is replaced",
        "Only a coordination number is replaced by a personal number";
    NormTableMissing: 409, "norm-table-missing", "No norm table is loaded for the year",
        "no norm table is loaded for 2026; an admin loads it with POST /api/v1/norm-tables",
        "The calculation needs the national norm of the support month's year, and none is loaded";
    OutsideServiceArea: 409, "outside-service-area", "Viadidakt does not serve the municipality",
        "Viadidakt does not serve municipality 0428 on 2026-11-25",
        "Viadidakt does not serve the person's municipality on the referral's date (BR-12)";
    RequestTimeout: 408, "request-timeout", "The body did not arrive in time",
        "the body did not arrive in time; send it again",
        "The request body stalled past the service's body timeout; the connection is closed";
    PreconditionFailed: 412, "precondition-failed", "The resource has changed",
        "If-Match does not name the current version; read the resource again",
        "If-Match names an old version";
    PayloadTooLarge: 413, "payload-too-large", "The body is too large",
        "bodies are limited to 256 KiB",
        "The body is over 256 KiB";
    UnsupportedMediaType: 415, "unsupported-media-type", "Unsupported media type",
        "send Content-Type: application/json",
        "The body is not sent as JSON";
    ValidationFailed: 422, "validation-failed", "The request has invalid fields",
        "1 field(s) are invalid",
        "Fields break rules; every bad field is named in invalid_params",
        r#"{"invalid_params": [{ "name": "personal_number", "reason": "the check digit does not match (Luhn)" }]}"#;
    IdempotencyKeyReused: 422, "idempotency-key-reused", "The Idempotency-Key was used with another request",
        "this Idempotency-Key was first used with another body; use a new key for a new request",
        "The key was first used with another body (BR-2, BR-3b)";
    PreconditionRequired: 428, "precondition-required", "If-Match is required",
        "send If-Match with the ETag from your last read",
        "If-Match is missing";
    TooManyRequests: 429, "too-many-requests", "Too many requests",
        "over the rate limit; send again in 12 s",
        "Over a rate limit: the caller's request budget, its refusals of access in the last minute, or failed token requests of the client or address; `Retry-After` says when to send again";
    InternalError: 500, "internal-error", "Internal server error",
        "",
        "Something failed that should not; the cause is in the service's log under the request's X-Request-Id";
    Contention: 503, "contention", "Busy; try again",
        "concurrent requests collided; send the request again",
        "Concurrent requests collided and retries did not resolve it";
    Unavailable: 503, "unavailable", "Service not ready",
        "migrations are pending",
        "The database is unreachable or not migrated, or the write queue is full";
}
