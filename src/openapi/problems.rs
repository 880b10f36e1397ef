//! Problem answers in the contract: per operation and status, every problem
//! type it can answer, each an example taken from the catalogue
//! (`error::catalogue`).

use serde_json::json;

use crate::error::catalogue;

/// Problem types an operation answers beyond those its handler's annotation
/// and its shape name: `(operation, status, problem type)`.
const MORE: &[(&str, &str, &str)] = &[
    ("create_payment", "409", "PaymentSumNegative"),
    ("create_payment", "409", "PaymentExceedsGrant"),
];

/// Problem types that follow from an operation's shape: a body can be
/// malformed, too large, of another media type or invalid; a parameter can
/// be malformed; a token can be missing or lack the role; a municipality or
/// an id can name nothing visible; a caller can be over its rate limits;
/// `If-Match` can be missing or stale; an
/// `Idempotency-Key` can be missing or reused, and its retries collide; and
/// anything that reads the database can fail inside or find it unavailable.
fn implied(op: &serde_json::Value) -> Vec<(&'static str, &'static str)> {
    let mut implied = Vec::new();
    if op.get("requestBody").is_some() {
        implied.extend([
            ("400", "MalformedBody"),
            ("408", "RequestTimeout"),
            ("413", "PayloadTooLarge"),
            ("415", "UnsupportedMediaType"),
            ("422", "ValidationFailed"),
        ]);
    }
    let parameters = op["parameters"].as_array().cloned().unwrap_or_default();
    let has = |place: &str, name: &str| {
        parameters
            .iter()
            .any(|p| p["in"] == place && p["name"] == name)
    };
    if parameters
        .iter()
        .any(|p| p["in"] == "query" || (p["in"] == "path" && p["name"] != "municipality"))
    {
        implied.push(("400", "InvalidParameter"));
    }
    let secured = op["security"]
        .as_array()
        .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
    if secured {
        implied.extend([
            ("401", "Unauthenticated"),
            ("403", "Forbidden"),
            ("429", "TooManyRequests"),
        ]);
        if parameters.iter().any(|p| {
            p["in"] == "path"
                || (p["in"] == "query"
                    && ["municipality", "municipality_id", "kpi_id"]
                        .contains(&p["name"].as_str().unwrap_or_default()))
        }) {
            implied.push(("404", "NotFound"));
        }
        implied.extend([("500", "InternalError"), ("503", "Unavailable")]);
    }
    if has("header", "If-Match") {
        implied.extend([
            ("412", "PreconditionFailed"),
            ("428", "PreconditionRequired"),
        ]);
    }
    if has("header", "Idempotency-Key") {
        implied.extend([
            ("400", "IdempotencyKeyRequired"),
            ("422", "IdempotencyKeyReused"),
            ("503", "Contention"),
        ]);
    }
    implied
}

/// Turns every operation's problem answers into one response per status
/// whose examples name each problem type it can answer there, each example
/// kept once under `components/examples`; the reusable responses the
/// handlers' annotations point at are folded in and removed.
pub(super) fn inline(document: &mut serde_json::Value) {
    let mut used = std::collections::BTreeMap::new();
    {
        for op in super::operations_mut(document) {
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
                    let Some(problem) = catalogue::ALL.iter().find(|p| p.name == name) else {
                        continue;
                    };
                    let description = problem.description;
                    descriptions.push(if descriptions.is_empty() {
                        description.to_owned()
                    } else {
                        lower_first(description)
                    });
                    used.insert(
                        name.clone(),
                        json!({ "summary": problem.description, "value": problem.example() }),
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
                if status == "429" {
                    op["responses"]["429"]["headers"] = json!({
                        "Retry-After": {
                            "description": "Seconds to wait before sending again",
                            "schema": { "type": "integer", "minimum": 1 }
                        }
                    });
                }
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
