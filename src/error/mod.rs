//! One error type for the whole service, turned into RFC 9457
//! `application/problem+json` in exactly one place.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};

use crate::domain::FieldError;

pub mod catalogue;
mod problem;
mod redact;

pub use catalogue::ProblemType;
pub use problem::{InvalidParam, Problem};
pub use redact::redact_digits;

/// Where every problem `type` URI starts. The rest is a stable slug.
pub const PROBLEM_BASE: &str = "https://bistand.katrineholm.se/problems/";

/// Everything that can go wrong in a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No token, or one that failed verification. `invalid_token` is whether one was sent.
    #[error("authentication required: {detail}")]
    Unauthenticated {
        detail: &'static str,
        invalid_token: bool,
    },
    /// The caller's role never has this operation, or lacks it on a visible object.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// No such resource, or one the caller may not see.
    #[error("not found")]
    NotFound,
    /// The body parsed but fields break rules.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// The body is not JSON at all.
    #[error("malformed body: {0}")]
    MalformedBody(String),
    /// A path or query parameter is malformed.
    #[error("invalid parameter")]
    InvalidParameter(Vec<FieldError>),
    /// A second applicant with the same personal number in one municipality.
    #[error("duplicate applicant")]
    DuplicateApplicant,
    /// An `eservice` submission without `Idempotency-Key` (BR-2), or a malformed key.
    #[error("idempotency key required")]
    IdempotencyKeyRequired,
    /// The key was used before with another body (BR-2).
    #[error("idempotency key reused")]
    IdempotencyKeyReused,
    /// A status move BR-4 does not allow; names the current status.
    #[error("invalid status transition from {0}")]
    InvalidTransition(&'static str),
    /// A payment for an application without a granting decision.
    #[error("no granted decision")]
    NoGrantedDecision,
    /// A payment that would make the sum paid for the month negative.
    #[error("payment sum negative")]
    PaymentSumNegative,
    /// A payment that would take the sum paid above what was granted (BR-3b).
    #[error("payment exceeds grant")]
    PaymentExceedsGrant {
        granted: rust_decimal::Decimal,
        paid: rust_decimal::Decimal,
    },
    /// The consent is already revoked.
    #[error("consent already revoked")]
    ConsentRevoked,
    /// The portal named the person under other names than the register's.
    #[error("identity unconfirmed")]
    IdentityUnconfirmed,
    /// A referral move BR-7 does not allow; names the current status.
    #[error("invalid referral transition from {0}")]
    ReferralTransition(&'static str),
    /// The person has no active consent to this recipient (BR-6b).
    #[error("consent required")]
    ConsentRequired(&'static str),
    /// The person has an active AF plan that the request does not respect (BR-6).
    #[error("AF plan active")]
    AfPlanActive(&'static str),
    /// A subsidised employment AF pays for without AF's judgement that the
    /// person qualifies (BR-9).
    #[error("AF assessment required")]
    AfAssessmentRequired,
    /// Every place of the programme is taken.
    #[error("programme full")]
    ProgrammeFull,
    /// A meeting on a day the agreement is not in force.
    #[error("outside agreement")]
    OutsideAgreement,
    /// A decision already replaced: only the one in force can be replaced.
    #[error("decision replaced")]
    DecisionReplaced,
    /// Only a coordination number is replaced by a personal number.
    #[error("not a coordination number")]
    NotACoordinationNumber,
    /// No norm table is loaded for the year a calculation needs.
    #[error("norm table missing")]
    NormTableMissing(i32),
    /// Viadidakt does not serve the municipality on this day (BR-12).
    #[error("outside service area")]
    OutsideServiceArea {
        municipality: String,
        day: chrono::NaiveDate,
    },
    /// Concurrent transactions collided; retried, and still colliding.
    #[error("contention")]
    Contention,
    /// `If-Match` names a version that is no longer current.
    #[error("precondition failed")]
    PreconditionFailed,
    /// `If-Match` is required and missing.
    #[error("precondition required")]
    PreconditionRequired,
    #[error("payload too large")]
    PayloadTooLarge,
    /// The body did not arrive in time.
    #[error("request timeout")]
    RequestTimeout,
    /// Over a rate limit: answered with `Retry-After`.
    #[error("too many requests")]
    TooManyRequests(std::time::Duration),
    #[error("unsupported media type")]
    UnsupportedMediaType(&'static str),
    #[error("method not allowed")]
    MethodNotAllowed(String),
    /// An OAuth 2.0 token endpoint error (RFC 6749 §5.2).
    #[error("oauth error {code}: {detail}")]
    OAuth {
        code: &'static str,
        detail: &'static str,
        basic_auth: bool,
    },
    /// The database cannot be reached or is not migrated.
    #[error("not ready: {0}")]
    Unavailable(String),
    /// Anything else: the body stays opaque, the cause goes to the log.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn internal(message: impl std::fmt::Display) -> Self {
        Self::Internal(anyhow::anyhow!("{message}"))
    }

    /// One error of each kind, for the catalogue's tests and pages. Adding a
    /// kind fails to compile in [`AppError::ordinal`] until it has a place,
    /// and a test holds this list to the ordinals.
    pub fn one_of_each() -> Vec<AppError> {
        vec![
            Self::Unauthenticated {
                detail: "no token",
                invalid_token: false,
            },
            Self::Forbidden("the caller's role does not have this operation"),
            Self::NotFound,
            Self::Validation(Vec::new()),
            Self::MalformedBody(String::new()),
            Self::InvalidParameter(Vec::new()),
            Self::DuplicateApplicant,
            Self::IdempotencyKeyRequired,
            Self::IdempotencyKeyReused,
            Self::InvalidTransition("decided"),
            Self::NoGrantedDecision,
            Self::PaymentSumNegative,
            Self::PaymentExceedsGrant {
                granted: rust_decimal::Decimal::ZERO,
                paid: rust_decimal::Decimal::ZERO,
            },
            Self::ConsentRevoked,
            Self::Contention,
            Self::PreconditionFailed,
            Self::PreconditionRequired,
            Self::PayloadTooLarge,
            Self::UnsupportedMediaType("application/json"),
            Self::MethodNotAllowed("GET".into()),
            Self::OAuth {
                code: "invalid_request",
                detail: "",
                basic_auth: false,
            },
            Self::Unavailable(String::new()),
            Self::Internal(anyhow::anyhow!("example")),
            Self::RequestTimeout,
            Self::TooManyRequests(std::time::Duration::from_secs(1)),
            Self::IdentityUnconfirmed,
            Self::ReferralTransition("sent"),
            Self::ConsentRequired("viadidakt"),
            Self::AfPlanActive(""),
            Self::OutsideServiceArea {
                municipality: "0428".into(),
                day: chrono::NaiveDate::MIN,
            },
            Self::AfAssessmentRequired,
            Self::ProgrammeFull,
            Self::OutsideAgreement,
            Self::DecisionReplaced,
            Self::NormTableMissing(2026),
            Self::NotACoordinationNumber,
        ]
    }

    /// The place of this kind in [`AppError::one_of_each`].
    pub fn ordinal(&self) -> usize {
        match self {
            Self::Unauthenticated { .. } => 0,
            Self::Forbidden(_) => 1,
            Self::NotFound => 2,
            Self::Validation(_) => 3,
            Self::MalformedBody(_) => 4,
            Self::InvalidParameter(_) => 5,
            Self::DuplicateApplicant => 6,
            Self::IdempotencyKeyRequired => 7,
            Self::IdempotencyKeyReused => 8,
            Self::InvalidTransition(_) => 9,
            Self::NoGrantedDecision => 10,
            Self::PaymentSumNegative => 11,
            Self::PaymentExceedsGrant { .. } => 12,
            Self::ConsentRevoked => 13,
            Self::Contention => 14,
            Self::PreconditionFailed => 15,
            Self::PreconditionRequired => 16,
            Self::PayloadTooLarge => 17,
            Self::UnsupportedMediaType(_) => 18,
            Self::MethodNotAllowed(_) => 19,
            Self::OAuth { .. } => 20,
            Self::Unavailable(_) => 21,
            Self::Internal(_) => 22,
            Self::RequestTimeout => 23,
            Self::TooManyRequests(_) => 24,
            Self::IdentityUnconfirmed => 25,
            Self::ReferralTransition(_) => 26,
            Self::ConsentRequired(_) => 27,
            Self::AfPlanActive(_) => 28,
            Self::OutsideServiceArea { .. } => 29,
            Self::AfAssessmentRequired => 30,
            Self::ProgrammeFull => 31,
            Self::OutsideAgreement => 32,
            Self::DecisionReplaced => 33,
            Self::NormTableMissing(_) => 34,
            Self::NotACoordinationNumber => 35,
        }
    }

    /// Whether this answers the caller with a refusal of what it asked (a
    /// 4xx), rather than a failure of the service or a collision to retry.
    pub fn refuses_the_caller(&self) -> bool {
        let status = self.problem_type().status;
        (400..500).contains(&status) && !matches!(self, Self::Contention)
    }

    /// The problem type this error answers with, from the catalogue.
    pub fn problem_type(&self) -> &'static ProblemType {
        use catalogue as c;
        match self {
            Self::Unauthenticated { .. } => &c::Unauthenticated::TYPE,
            Self::Forbidden(_) => &c::Forbidden::TYPE,
            Self::NotFound => &c::NotFound::TYPE,
            Self::Validation(_) => &c::ValidationFailed::TYPE,
            Self::MalformedBody(_) => &c::MalformedBody::TYPE,
            Self::InvalidParameter(_) => &c::InvalidParameter::TYPE,
            Self::DuplicateApplicant => &c::DuplicateApplicant::TYPE,
            Self::IdempotencyKeyRequired => &c::IdempotencyKeyRequired::TYPE,
            Self::IdempotencyKeyReused => &c::IdempotencyKeyReused::TYPE,
            Self::InvalidTransition(_) => &c::InvalidTransition::TYPE,
            Self::NoGrantedDecision => &c::NoGrantedDecision::TYPE,
            Self::PaymentSumNegative => &c::PaymentSumNegative::TYPE,
            Self::PaymentExceedsGrant { .. } => &c::PaymentExceedsGrant::TYPE,
            Self::ConsentRevoked => &c::ConsentRevoked::TYPE,
            Self::IdentityUnconfirmed => &c::IdentityUnconfirmed::TYPE,
            Self::ReferralTransition(_) => &c::InvalidTransition::TYPE,
            Self::ConsentRequired(_) => &c::ConsentRequired::TYPE,
            Self::AfPlanActive(_) => &c::AfPlanActive::TYPE,
            Self::AfAssessmentRequired => &c::AfAssessmentRequired::TYPE,
            Self::ProgrammeFull => &c::ProgrammeFull::TYPE,
            Self::OutsideAgreement => &c::OutsideAgreement::TYPE,
            Self::DecisionReplaced => &c::DecisionReplaced::TYPE,
            Self::NormTableMissing(_) => &c::NormTableMissing::TYPE,
            Self::NotACoordinationNumber => &c::NotACoordinationNumber::TYPE,
            Self::OutsideServiceArea { .. } => &c::OutsideServiceArea::TYPE,
            Self::Contention => &c::Contention::TYPE,
            Self::PreconditionFailed => &c::PreconditionFailed::TYPE,
            Self::PreconditionRequired => &c::PreconditionRequired::TYPE,
            Self::PayloadTooLarge => &c::PayloadTooLarge::TYPE,
            Self::RequestTimeout => &c::RequestTimeout::TYPE,
            Self::TooManyRequests(_) => &c::TooManyRequests::TYPE,
            Self::UnsupportedMediaType(_) => &c::UnsupportedMediaType::TYPE,
            Self::MethodNotAllowed(_) => &c::MethodNotAllowed::TYPE,
            Self::OAuth { code, .. } if *code == "invalid_client" => &c::OAuthInvalidClient::TYPE,
            Self::OAuth { .. } => &c::OAuthError::TYPE,
            Self::Unavailable(_) => &c::Unavailable::TYPE,
            Self::Internal(_) => &c::InternalError::TYPE,
        }
    }

    /// The stable slug behind [`PROBLEM_BASE`], and the title.
    pub fn kind(&self) -> (&'static str, &'static str) {
        let t = self.problem_type();
        (t.slug, t.title)
    }

    fn detail(&self) -> Option<String> {
        match self {
            Self::Unauthenticated { detail, .. } => Some((*detail).to_owned()),
            Self::Forbidden(why) => Some((*why).to_owned()),
            Self::NotFound => Some("no such resource is visible to the caller".into()),
            Self::Validation(errors) => Some(format!("{} field(s) are invalid", errors.len())),
            Self::MalformedBody(why) => Some(redact_digits(why)),
            Self::InvalidParameter(_) => Some("a path or query parameter is malformed".into()),
            Self::DuplicateApplicant => Some(
                "an applicant with this personal number already exists in this municipality; \
                 find it with POST .../applicants/search"
                    .into(),
            ),
            Self::IdempotencyKeyRequired => Some(
                "send an Idempotency-Key header of 1-255 visible ASCII characters, unique per request"
                    .into(),
            ),
            Self::IdempotencyKeyReused => Some(
                "this Idempotency-Key was first used with another body; use a new key for a new request"
                    .into(),
            ),
            Self::InvalidTransition(current) => Some(format!(
                "the application is {current}; see BR-4 for the moves it allows"
            )),
            Self::NoGrantedDecision => Some(
                "payments need a decision that grants the application in whole or in part".into(),
            ),
            Self::PaymentSumNegative => {
                Some("the sum paid for the application's month can never be negative".into())
            }
            Self::PaymentExceedsGrant { granted, paid } => Some(format!(
                "the decision grants {granted} SEK for the month and {paid} SEK is paid; \
                 the payments of a month never exceed what was granted (BR-3b)"
            )),
            Self::ConsentRevoked => Some("a revoked consent stays revoked; record a new one".into()),
            Self::IdentityUnconfirmed => Some(
                "the application named this person under other names than the register's; \
                 a caseworker confirms who applied and records the consent"
                    .into(),
            ),
            Self::ReferralTransition(current) => Some(format!(
                "the referral is {current}; see BR-7 for the moves it allows"
            )),
            Self::ConsentRequired(recipient) => Some(format!(
                "the person has no active consent to {recipient}; a referral needs it (OSL 12:2)"
            )),
            Self::AfPlanActive(detail) => Some((*detail).to_owned()),
            Self::AfAssessmentRequired => Some(
                "a subsidised employment AF pays for needs AF's assessment that the person \
                 qualifies (af_assessment with qualifies: true); AF's judgement takes precedence"
                    .into(),
            ),
            Self::ProgrammeFull => Some("every place of the programme is taken".into()),
            Self::OutsideAgreement => {
                Some("the agreement is not in force on the meeting's day".into())
            }
            Self::DecisionReplaced => Some(
                "this decision has been replaced; replace the decision in force".into(),
            ),
            Self::NotACoordinationNumber => Some(
                "the person's number is a personal number; only a coordination number is replaced"
                    .into(),
            ),
            Self::NormTableMissing(year) => Some(format!(
                "no norm table is loaded for {year}; an admin loads it with POST /api/v1/norm-tables"
            )),
            Self::OutsideServiceArea { municipality, day } => Some(format!(
                "Viadidakt does not serve municipality {municipality} on {day}"
            )),
            Self::Contention => Some("concurrent requests collided; send the request again".into()),
            Self::PreconditionFailed => {
                Some("If-Match does not name the current version; read the resource again".into())
            }
            Self::PreconditionRequired => {
                Some("send If-Match with the ETag from your last read".into())
            }
            Self::PayloadTooLarge => Some("bodies are limited to 256 KiB".into()),
            Self::RequestTimeout => Some("the body did not arrive in time; send it again".into()),
            Self::TooManyRequests(wait) => Some(format!(
                "over the rate limit; send again in {} s",
                retry_after_seconds(*wait)
            )),
            Self::UnsupportedMediaType(expected) => Some(format!("send Content-Type: {expected}")),
            Self::MethodNotAllowed(allow) => Some(format!("allowed methods: {allow}")),
            Self::OAuth { detail, .. } => Some((*detail).to_owned()),
            Self::Unavailable(why) => Some(redact_digits(why)),
            Self::Internal(_) => None,
        }
    }

    /// The problem document for this error.
    pub fn problem(&self) -> Problem {
        let (slug, title) = self.kind();
        let invalid_params = match self {
            Self::Validation(errors) | Self::InvalidParameter(errors) => Some(
                errors
                    .iter()
                    .cloned()
                    .map(|mut e| {
                        e.reason = redact_digits(&e.reason);
                        e.name = redact_digits(&e.name);
                        InvalidParam::from(e)
                    })
                    .collect(),
            ),
            _ => None,
        };
        Problem {
            problem_type: format!("{PROBLEM_BASE}{slug}"),
            title: title.to_owned(),
            status: self.status_code().as_u16(),
            detail: self.detail(),
            invalid_params,
            error: match self {
                Self::OAuth { code, .. } => Some((*code).to_owned()),
                _ => None,
            },
            current_status: match self {
                Self::InvalidTransition(current) | Self::ReferralTransition(current) => {
                    Some((*current).to_owned())
                }
                _ => None,
            },
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.problem_type().status)
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(cause) = self {
            tracing::error!(error = %redact_digits(&format!("{cause:#}")), "internal error");
        }
        let mut response = HttpResponse::build(self.status_code());
        response.content_type("application/problem+json");
        response.insert_header((header::CACHE_CONTROL, "no-store"));
        match self {
            Self::Unauthenticated { invalid_token, .. } => {
                let challenge = if *invalid_token {
                    r#"Bearer realm="bistand", error="invalid_token""#
                } else {
                    r#"Bearer realm="bistand""#
                };
                response.insert_header((header::WWW_AUTHENTICATE, challenge));
            }
            Self::MethodNotAllowed(allow) => {
                response.insert_header((header::ALLOW, allow.as_str()));
            }
            Self::TooManyRequests(wait) => {
                response.insert_header((header::RETRY_AFTER, retry_after_seconds(*wait)));
            }
            Self::OAuth {
                basic_auth: true, ..
            } => {
                response.insert_header((header::WWW_AUTHENTICATE, r#"Basic realm="bistand""#));
            }
            _ => {}
        }
        response.json(self.problem())
    }
}

/// `Retry-After` in whole seconds, rounded up and at least 1.
fn retry_after_seconds(wait: std::time::Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => Self::NotFound,
            other => Self::Internal(anyhow::Error::new(other).context("database")),
        }
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        Self::internal(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_of_each_holds_every_kind_once_in_order() {
        let all = AppError::one_of_each();
        for (i, e) in all.iter().enumerate() {
            assert_eq!(e.ordinal(), i, "{e:?}");
        }
    }
}
