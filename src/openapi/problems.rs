//! Problem answers in the contract: one example per problem type, and per
//! operation and status the problem types it can answer.

use serde_json::json;
use utoipa::openapi::{ContentBuilder, RefOr, Response, ResponseBuilder, schema::Ref};

use crate::error::PROBLEM_BASE;

fn problem(description: &str, example: serde_json::Value) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .example(Some(example))
                .build(),
        )
        .build()
        .into()
}

macro_rules! problem_response {
    ($name:ident, $status:literal, $slug:literal, $title:literal, $detail:literal, $description:literal $(, $key:literal : $value:tt)*) => {
        #[doc = $description]
        pub struct $name;

        impl<'s> utoipa::ToResponse<'s> for $name {
            fn response() -> (&'s str, RefOr<Response>) {
                let extra: &[(&str, serde_json::Value)] = &[$(($key, json!($value))),*];
                let mut example = json!({
                    "type": format!("{PROBLEM_BASE}{}", $slug),
                    "title": $title,
                    "status": $status,
                    "detail": $detail,
                });
                for (key, value) in extra {
                    example[*key] = value.clone();
                }
                (stringify!($name), problem($description, example))
            }
        }
    };
}

problem_response!(
    MalformedBody,
    400,
    "malformed-body",
    "The body is not valid JSON",
    "EOF while parsing an object at line 1 column 20",
    "The body is not JSON, or a path or query parameter is malformed"
);
problem_response!(InvalidParameter, 400, "invalid-parameter", "Invalid path or query parameter",
    "a path or query parameter is malformed", "A path or query parameter is malformed",
    "invalid_params": [{ "name": "id", "reason": "must be a UUID" }]);
problem_response!(
    Unauthenticated,
    401,
    "unauthenticated",
    "Authentication required",
    "the token has expired",
    "No valid bearer token (see WWW-Authenticate)"
);
problem_response!(
    Forbidden,
    403,
    "forbidden",
    "Forbidden",
    "the caller's role does not have this operation",
    "The caller's role lacks this operation"
);
problem_response!(
    NotFound,
    404,
    "not-found",
    "Not found",
    "no such resource is visible to the caller",
    "No such resource, or one the caller may not see; also a municipality outside the token"
);
problem_response!(
    DuplicateApplicant,
    409,
    "duplicate-applicant",
    "The applicant already exists",
    "an applicant with this personal number already exists in this municipality; find it with POST .../applicants/search",
    "The personal number is already registered in the municipality"
);
problem_response!(
    PreconditionFailed,
    412,
    "precondition-failed",
    "The resource has changed",
    "If-Match does not name the current version; read the resource again",
    "If-Match names an old version"
);
problem_response!(
    PreconditionRequired,
    428,
    "precondition-required",
    "If-Match is required",
    "send If-Match with the ETag from your last read",
    "If-Match is missing"
);
problem_response!(
    PayloadTooLarge,
    413,
    "payload-too-large",
    "The body is too large",
    "bodies are limited to 256 KiB",
    "The body is over 256 KiB"
);
problem_response!(
    UnsupportedMediaType,
    415,
    "unsupported-media-type",
    "Unsupported media type",
    "send Content-Type: application/json",
    "The body is not sent as JSON"
);
problem_response!(ValidationFailed, 422, "validation-failed", "The request has invalid fields",
    "1 field(s) are invalid",
    "Fields break rules; every bad field is named in invalid_params",
    "invalid_params": [{ "name": "personal_number", "reason": "the check digit does not match (Luhn)" }]);
problem_response!(OAuthError, 400, "oauth-error", "The token request was refused",
    "only the client_credentials grant is supported",
    "An RFC 6749 error: invalid_request or unsupported_grant_type, in `error`",
    "error": "unsupported_grant_type");
problem_response!(OAuthInvalidClient, 401, "oauth-error", "The token request was refused",
    "unknown client or wrong secret", "Unknown client, wrong secret or revoked client",
    "error": "invalid_client");
problem_response!(
    IdempotencyKeyRequired,
    400,
    "idempotency-key-required",
    "Idempotency-Key is required",
    "submissions from the e-service need an Idempotency-Key header of 1-255 visible ASCII characters",
    "The e-service sent no Idempotency-Key, or a malformed one (BR-2)"
);
problem_response!(
    IdempotencyKeyReused,
    422,
    "idempotency-key-reused",
    "The Idempotency-Key was used with another request",
    "this Idempotency-Key was first used with another body; use a new key for a new submission",
    "The key was first used with another body (BR-2)"
);
problem_response!(InvalidTransition, 409, "invalid-status-transition", "The status does not allow this",
    "the application is decided; see BR-4 for the moves it allows",
    "The application's status does not allow this move (BR-4)",
    "current_status": "decided");
problem_response!(
    NoGrantedDecision,
    409,
    "no-granted-decision",
    "The application has no granting decision",
    "payments need a decision that grants the application in whole or in part",
    "Payments need a granting decision"
);
problem_response!(
    PaymentSumNegative,
    409,
    "payment-sum-negative",
    "The sum paid would be negative",
    "the sum paid for the application's month can never be negative",
    "The payment would make the sum paid for the month negative"
);
problem_response!(
    PaymentExceedsGrant,
    409,
    "payment-exceeds-grant",
    "The sum paid would exceed what was granted",
    "the decision grants 8450.00 SEK for the month and 8450.00 SEK is paid; the payments of a month never exceed what was granted (BR-3b)",
    "The payment would take the sum paid for the month above what the decision grants"
);
problem_response!(
    ConsentRevoked,
    409,
    "consent-revoked",
    "The consent is already revoked",
    "a revoked consent stays revoked; record a new one",
    "The consent is already revoked"
);
problem_response!(
    Contention,
    503,
    "contention",
    "Busy; try again",
    "concurrent requests collided; send the request again",
    "Concurrent requests collided and retries did not resolve it"
);
problem_response!(
    Unavailable,
    503,
    "unavailable",
    "Service not ready",
    "migrations are pending",
    "The database is unreachable or not migrated"
);

/// Problem types an operation answers beyond those its handler's annotation
/// names (an annotation holds one response per status):
/// `(operation, status, problem response)`.
const MORE: &[(&str, &str, &str)] = &[
    ("create_application", "422", "IdempotencyKeyReused"),
    ("create_consent", "400", "IdempotencyKeyRequired"),
    ("create_consent", "422", "IdempotencyKeyReused"),
    ("create_consent", "503", "Contention"),
    ("create_payment", "409", "PaymentSumNegative"),
    ("create_payment", "409", "PaymentExceedsGrant"),
    ("create_payment", "422", "IdempotencyKeyReused"),
    ("create_payment", "400", "MalformedBody"),
];

/// Problem types that follow from an operation's shape: a body can be
/// malformed, too large, of another media type or invalid; a path or query
/// parameter can be malformed.
fn implied(op: &serde_json::Value) -> Vec<(&'static str, &'static str)> {
    let mut implied = Vec::new();
    if op.get("requestBody").is_some() {
        implied.extend([
            ("400", "MalformedBody"),
            ("413", "PayloadTooLarge"),
            ("415", "UnsupportedMediaType"),
            ("422", "ValidationFailed"),
        ]);
    }
    let parameters = op["parameters"].as_array().cloned().unwrap_or_default();
    if parameters
        .iter()
        .any(|p| p["in"] == "query" || (p["in"] == "path" && p["name"] != "municipality"))
    {
        implied.push(("400", "InvalidParameter"));
    }
    implied
}

/// Turns every operation's problem answers into one response per status
/// whose examples name each problem type it can answer there, each example
/// kept once under `components/examples`; the reusable responses the
/// handlers' annotations point at are folded in and removed.
pub(super) fn inline(document: &mut serde_json::Value) {
    let responses = document["components"]["responses"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let mut used = std::collections::BTreeMap::new();
    let Some(paths) = document["paths"].as_object_mut() else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for op in item.values_mut() {
            let id = op["operationId"].as_str().unwrap_or_default().to_owned();
            let mut by_status: std::collections::BTreeMap<String, Vec<String>> = Default::default();
            if let Some(answers) = op["responses"].as_object() {
                for (status, answer) in answers {
                    if let Some(name) = answer["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
                        by_status
                            .entry(status.clone())
                            .or_default()
                            .push(name.to_owned());
                    }
                }
            }
            let more = MORE
                .iter()
                .filter(|(o, ..)| *o == id)
                .map(|(_, s, n)| (*s, *n))
                .chain(implied(op));
            for (status, name) in more {
                let names = by_status.entry(status.to_owned()).or_default();
                if !names.iter().any(|n| n == name) {
                    names.push(name.to_owned());
                }
            }
            for (status, names) in by_status {
                let mut examples = serde_json::Map::new();
                let mut descriptions = Vec::new();
                for name in &names {
                    let Some(response) = responses.get(name) else {
                        continue;
                    };
                    let description = response["description"].as_str().unwrap_or_default();
                    descriptions.push(if descriptions.is_empty() {
                        description.to_owned()
                    } else {
                        lower_first(description)
                    });
                    let example = &response["content"]["application/problem+json"]["example"];
                    used.insert(
                        name.clone(),
                        json!({ "summary": response["description"], "value": example }),
                    );
                    examples.insert(
                        name.clone(),
                        json!({ "$ref": format!("#/components/examples/{name}") }),
                    );
                }
                op["responses"][status.as_str()] = json!({
                    "description": descriptions.join("; or "),
                    "content": {
                        "application/problem+json": {
                            "schema": { "$ref": "#/components/schemas/Problem" },
                            "examples": examples,
                        }
                    }
                });
            }
        }
    }
    if let Some(components) = document["components"].as_object_mut() {
        components.remove("responses");
        components.insert(
            "examples".into(),
            serde_json::Value::Object(used.into_iter().collect()),
        );
    }
}

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) if !text.starts_with("If-") => first.to_lowercase().chain(chars).collect(),
        _ => text.to_owned(),
    }
}
