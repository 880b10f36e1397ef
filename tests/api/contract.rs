//! The committed contract equals the code, and every operation declares
//! its security and its errors.

use serde_json::Value;

const PUBLIC: &[&str] = &[
    "/health/live",
    "/health/ready",
    "/metrics",
    "/.well-known/jwks.json",
    "/oauth/token",
    "/problems/{slug}",
];

fn spec() -> Value {
    serde_json::from_str(&bistand::openapi::json()).unwrap()
}

#[test]
fn the_committed_contract_matches_the_code() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .unwrap_or_default();
    assert!(
        committed == bistand::openapi::json(),
        "openapi/openapi.json differs from the code; regenerate it with\n    cargo run -q -- openapi > openapi/openapi.json"
    );
}

fn operations(spec: &Value) -> Vec<(String, String, Value)> {
    let mut ops = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            ops.push((path.clone(), method.clone(), op.clone()));
        }
    }
    ops
}

#[test]
fn every_operation_but_the_public_ones_declares_bearer_security() {
    let spec = spec();
    assert_eq!(spec["openapi"], "3.1.0");
    assert_eq!(
        spec["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    for (path, method, op) in operations(&spec) {
        let bearer = op["security"]
            .as_array()
            .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
        if PUBLIC.contains(&path.as_str()) {
            assert!(!bearer, "{method} {path} is public");
        } else {
            assert!(bearer, "{method} {path} must declare bearer security");
        }
    }
}

#[test]
fn every_operation_documents_its_error_responses_as_problems() {
    let spec = spec();
    for (path, method, op) in operations(&spec) {
        let responses = op["responses"].as_object().unwrap();
        if path == "/health/live" || path == "/metrics" || path.ends_with("jwks.json") {
            continue; // cannot fail short of the process being down
        }
        let errors: Vec<&String> = responses.keys().filter(|s| s.as_str() >= "400").collect();
        assert!(
            !errors.is_empty(),
            "{method} {path} documents no error response"
        );
        if !PUBLIC.contains(&path.as_str()) {
            for status in ["401", "403"] {
                assert!(
                    responses.contains_key(status),
                    "{method} {path} must document {status}"
                );
            }
        }
        for status in errors {
            let content = &responses[status]["content"]["application/problem+json"];
            assert_eq!(
                content["schema"]["$ref"], "#/components/schemas/Problem",
                "{method} {path} {status} must be a problem response"
            );
            let examples = content["examples"]
                .as_object()
                .unwrap_or_else(|| panic!("{method} {path} {status} names no problem types"));
            assert!(!examples.is_empty(), "{method} {path} {status}");
            for example in examples.values() {
                let name = example["$ref"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap();
                let value = &spec["components"]["examples"][name]["value"];
                assert_eq!(
                    value["status"].as_u64(),
                    status.parse::<u64>().ok(),
                    "{method} {path} {status}: {name} has another status"
                );
                assert!(
                    value["type"].is_string(),
                    "{method} {path} {status}: {name}"
                );
            }
        }
    }
}

#[test]
fn every_operation_has_an_id_a_summary_and_a_tag() {
    for (path, method, op) in operations(&spec()) {
        assert!(op["operationId"].is_string(), "{method} {path}");
        assert!(op["summary"].is_string(), "{method} {path}");
        assert!(op["tags"].is_array(), "{method} {path}");
    }
}

#[actix_web::test]
async fn the_service_serves_its_contract_and_offline_docs() {
    let app = crate::helpers::spawn(None).await;
    let served: Value = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(served, spec());
    let docs = app.client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    let html = docs.text().await.unwrap();
    assert!(html.contains("swagger-ui"));
    assert!(
        !html.contains("https://"),
        "the docs page loads nothing from the internet"
    );
    let script = app
        .client
        .get(app.url("/docs/swagger-ui-bundle.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        script.status(),
        200,
        "the docs' code is served by the binary"
    );
}

#[test]
fn every_request_body_carries_an_example() {
    let spec = spec();
    for (path, method, op) in operations(&spec) {
        let Some(content) = op["requestBody"]["content"].as_object() else {
            continue;
        };
        for (media_type, media) in content {
            let schema = &media["schema"];
            let named = schema["$ref"].as_str().and_then(|r| r.rsplit('/').next());
            let example = media.get("example").is_some()
                || named.is_some_and(|n| spec["components"]["schemas"][n].get("example").is_some());
            assert!(example, "{method} {path} ({media_type}) needs an example");
        }
    }
}

/// Every `enum` anywhere in `value`, with the JSON pointer where it sits.
fn enums_in(value: &Value, at: &str, found: &mut Vec<(String, Vec<String>)>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(values)) = map.get("enum") {
                let names = values
                    .iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                    .collect();
                found.push((at.to_owned(), names));
            }
            for (key, child) in map {
                enums_in(child, &format!("{at}/{key}"), found);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                enums_in(child, &format!("{at}/{i}"), found);
            }
        }
        _ => {}
    }
}

#[test]
fn every_enum_in_the_contract_is_exactly_what_the_code_accepts_and_emits() {
    let spec = spec();
    let lists = bistand::openapi::code_lists();
    let mut found = Vec::new();
    enums_in(&spec, "", &mut found);
    assert!(!found.is_empty());
    for (pointer, values) in &found {
        let name = pointer
            .strip_prefix("/components/schemas/")
            .filter(|rest| !rest.contains('/'))
            .unwrap_or_else(|| panic!("{pointer}: enums are named schemas, not inline lists"));
        let list = lists.iter().find(|l| l.schema == name).unwrap_or_else(|| {
            panic!("the contract's enum {name} is not in openapi::code_lists()")
        });
        assert_eq!(
            values, &list.values,
            "{name}: the contract's values differ from the code's"
        );
    }
    for list in &lists {
        assert!(
            found
                .iter()
                .any(|(p, _)| p == &format!("/components/schemas/{}", list.schema)),
            "{} is listed but not in the contract",
            list.schema
        );
        assert!(
            list.disagreements.is_empty(),
            "{}: {:?}",
            list.schema,
            list.disagreements
        );
    }
}

#[test]
fn every_link_names_an_operation_and_only_its_parameters() {
    let spec = spec();
    let ops = operations(&spec);
    let by_id = |id: &str| {
        ops.iter()
            .find(|(_, _, op)| op["operationId"] == id)
            .map(|(_, _, op)| op.clone())
    };
    for (from, status, name) in bistand::openapi::link_names() {
        let op = by_id(from).unwrap_or_else(|| panic!("no operation {from}"));
        let link = &op["responses"][status]["links"][name];
        let target = link["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{from} {status}: link {name} missing"));
        let target = by_id(target).unwrap_or_else(|| panic!("{name}: no operation {target}"));
        let declared: Vec<&str> = target["parameters"]
            .as_array()
            .map(|ps| ps.iter().filter_map(|p| p["name"].as_str()).collect())
            .unwrap_or_default();
        for (parameter, _) in link["parameters"].as_object().unwrap() {
            assert!(
                declared.contains(&parameter.as_str()),
                "{from} -> {name}: {parameter} is not a parameter of the target"
            );
        }
    }
}

#[actix_web::test]
async fn every_problem_type_has_its_page_and_every_page_a_problem_type() {
    let kinds: Vec<&str> = bistand::error::AppError::one_of_each()
        .iter()
        .map(|e| e.kind().0)
        .collect();
    let mut documented = bistand::api::problems::slugs();
    documented.sort_unstable();
    let mut expected = kinds.clone();
    expected.sort_unstable();
    expected.dedup();
    assert_eq!(
        documented, expected,
        "docs/problems.md and the code's problem types"
    );
    let spec = spec();
    for example in spec["components"]["examples"].as_object().unwrap().values() {
        let slug = example["value"]["type"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap();
        assert!(
            kinds.contains(&slug),
            "the contract's {slug} is not a problem the code answers"
        );
    }
    let app = crate::helpers::spawn(None).await;
    for slug in &kinds {
        let page = app
            .client
            .get(app.url(&format!("/problems/{slug}")))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200, "{slug}");
        let html = page.text().await.unwrap();
        assert!(html.contains(&format!("<h1>{slug}</h1>")), "{slug}");
    }
    let missing = app
        .client
        .get(app.url("/problems/no-such-thing"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[actix_web::test]
async fn the_docs_page_validates_nothing_online_and_the_security_text_names_both_algorithms() {
    let app = crate::helpers::spawn(None).await;
    let script = app
        .client
        .get(app.url("/docs/swagger-initializer.js"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(script.contains(r#""validatorUrl": "none""#), "{script}");
    let description = spec()["components"]["securitySchemes"]["bearer"]["description"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        description.contains("EdDSA") && description.contains("ES256"),
        "{description}"
    );
}

#[test]
fn what_users_read_points_only_at_documents_the_repository_has() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut texts = vec![
        (
            "README.md".to_owned(),
            std::fs::read_to_string(format!("{root}/README.md")).unwrap(),
        ),
        ("openapi.json".to_owned(), bistand::openapi::json()),
    ];
    for entry in std::fs::read_dir(format!("{root}/docs")).unwrap() {
        let path = entry.unwrap().path();
        texts.push((
            path.display().to_string(),
            std::fs::read_to_string(&path).unwrap(),
        ));
    }
    for (name, text) in &texts {
        assert!(
            !text.contains("DESIGN"),
            "{name} cites a document users do not have"
        );
        for link in text.split("](").skip(1) {
            let target = link.split(')').next().unwrap().split('#').next().unwrap();
            if target.starts_with("http") || target.is_empty() {
                continue;
            }
            let base = if name.contains("/docs/") {
                format!("{root}/docs")
            } else {
                root.to_owned()
            };
            assert!(
                std::path::Path::new(&format!("{base}/{target}")).exists(),
                "{name} links to {target}, which is not in the repository"
            );
        }
    }
    // Every rule a problem cites is in docs/rules.md.
    let rules = std::fs::read_to_string(format!("{root}/docs/rules.md")).unwrap();
    for (name, text) in &texts {
        for cited in text.split("BR-").skip(1) {
            let number: String = cited
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            assert!(
                rules.contains(&format!("## BR-{number} ")),
                "{name} cites BR-{number}, which docs/rules.md does not describe"
            );
        }
    }
}

/// Whether a pattern bounds the length of what it matches: anchored at both
/// ends, and no repetition without an upper bound (`*`, `+`, `{n,}`)
/// outside a character class.
fn bounded_pattern(pattern: &str) -> bool {
    let mut outside = String::new();
    let mut in_class = false;
    let mut escaped = false;
    for c in pattern.chars() {
        match (escaped, in_class, c) {
            (true, ..) => escaped = false,
            (false, _, '\\') => escaped = true,
            (false, false, '[') => in_class = true,
            (false, true, ']') => in_class = false,
            (false, false, c) => outside.push(c),
            _ => {}
        }
    }
    pattern.starts_with('^')
        && pattern.ends_with('$')
        && !outside.contains(['*', '+'])
        && !outside.contains(",}")
}

/// Every unbounded string or list that `schema` lets a request carry, by
/// path: each string needs a `maxLength`, an `enum` or a pattern that
/// bounds it, each list a `maxItems`.
fn unbounded(spec: &Value, schema: &Value, path: &str, depth: usize, found: &mut Vec<String>) {
    if depth > 12 {
        return;
    }
    let mut schema = schema;
    while let Some(name) = schema["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
        schema = &spec["components"]["schemas"][name];
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        for branch in schema[key].as_array().into_iter().flatten() {
            unbounded(spec, branch, path, depth + 1, found);
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if types.contains(&"string")
        && schema.get("maxLength").is_none()
        && schema.get("enum").is_none()
        && schema.get("const").is_none()
        && !schema["pattern"].as_str().is_some_and(bounded_pattern)
    {
        found.push(format!("{path}: a string without maxLength"));
    }
    if types.contains(&"array") {
        if schema.get("maxItems").is_none() {
            found.push(format!("{path}: a list without maxItems"));
        }
        unbounded(
            spec,
            &schema["items"],
            &format!("{path}[]"),
            depth + 1,
            found,
        );
    }
    for (name, property) in schema["properties"].as_object().into_iter().flatten() {
        unbounded(spec, property, &format!("{path}.{name}"), depth + 1, found);
    }
}

#[test]
fn every_string_and_list_a_request_carries_is_bounded() {
    let spec = spec();
    let mut found = Vec::new();
    let mut bodies = 0;
    for (_, _, op) in operations(&spec) {
        let id = op["operationId"].as_str().unwrap_or_default().to_owned();
        for (_, content) in op["requestBody"]["content"]
            .as_object()
            .into_iter()
            .flatten()
        {
            bodies += 1;
            unbounded(&spec, &content["schema"], &id, 0, &mut found);
        }
    }
    assert!(bodies >= 8, "{bodies}");
    assert!(found.is_empty(), "{found:#?}");
}
