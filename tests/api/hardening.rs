//! What an attacker tried, and what now stops it: critical token headers,
//! overlong tokens, stalled bodies, open metrics, sniffed media types.

use std::io::{Read, Write};
use std::time::Duration;

use base64::Engine;
use bistand::auth::Role;
use serde_json::{Value, json};

use crate::helpers::*;

/// A caseworker's token edited by `edit` and signed again with the
/// service's own key, so only the edit can make it fail.
fn resigned(app: &TestApp, edit: impl FnOnce(&mut Value, &mut Value)) -> String {
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let valid = app.token(Role::Caseworker);
    let mut parts = valid.split('.');
    let mut decode = || -> Value {
        serde_json::from_slice(&engine.decode(parts.next().unwrap()).unwrap()).unwrap()
    };
    let (mut header, mut claims) = (decode(), decode());
    edit(&mut header, &mut claims);
    let message = format!(
        "{}.{}",
        engine.encode(header.to_string()),
        engine.encode(claims.to_string())
    );
    let signature = jsonwebtoken::crypto::sign(
        message.as_bytes(),
        app.keys.signing_key(),
        jsonwebtoken::Algorithm::EdDSA,
    )
    .unwrap();
    format!("{message}.{signature}")
}

#[actix_web::test]
async fn a_token_naming_a_critical_extension_or_living_too_long_is_refused() {
    let app = spawn(None).await;
    let b = app.backend;
    let fine = resigned(&app, |_, _| {});
    assert_eq!(
        app.get("/api/v1/0483/applicants", &fine).await.status(),
        200,
        "a re-signed token works"
    );
    let crit = resigned(&app, |h, _| h["crit"] = json!(["exp"]));
    let problem = assert_problem(
        app.get("/api/v1/0483/applicants", &crit).await,
        401,
        "unauthenticated",
        b,
    )
    .await;
    assert!(problem["detail"].as_str().unwrap().contains("crit"));
    let long = resigned(&app, |_, c| {
        let iat = c["iat"].as_i64().unwrap();
        c["exp"] = json!(iat + 13 * 3600);
    });
    let problem = assert_problem(
        app.get("/api/v1/0483/applicants", &long).await,
        401,
        "unauthenticated",
        b,
    )
    .await;
    assert!(problem["detail"].as_str().unwrap().contains("longer"));
}

#[actix_web::test]
async fn a_stalled_body_is_answered_408_and_writes_nothing() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut settings = settings(None, data_dir.path());
    settings.body_timeout = Duration::from_secs(1);
    let app = spawn_with(settings, data_dir).await;
    let token = app.token(Role::Caseworker);
    let address = app.address.trim_start_matches("http://").to_owned();
    let answer = actix_web::web::block(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(
            stream,
            "POST /api/v1/0483/applicants HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{{\"personal_number\""
        )
        .unwrap();
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request-timeout"), "{answer}");
    assert_eq!(app.applicant_count().await, 0);
}

#[actix_web::test]
async fn metrics_answer_only_the_metrics_token_when_one_is_set() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut settings = settings(None, data_dir.path());
    settings.metrics_token = Some("s3cret-scrape".into());
    let app = spawn_with(settings, data_dir).await;
    let open = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_problem(open, 401, "unauthenticated", "sqlite").await;
    let wrong = app.get("/metrics", "not-it").await;
    assert_eq!(wrong.status(), 401);
    let right = app.get("/metrics", "s3cret-scrape").await;
    assert_eq!(right.status(), 200);
}

#[actix_web::test]
async fn every_answer_says_nosniff_and_names_no_server() {
    let app = spawn(None).await;
    for path in [
        "/health/live",
        "/api/v1/0483/applicants",
        "/nowhere",
        "/problems/not-found",
    ] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(
            response.headers()["x-content-type-options"],
            "nosniff",
            "{path}"
        );
        assert!(response.headers().get("server").is_none(), "{path}");
        assert!(
            response
                .headers()
                .get("access-control-allow-origin")
                .is_none(),
            "{path}: CORS is off"
        );
    }
}

#[actix_web::test]
async fn a_staff_subject_equal_to_a_client_id_never_shares_its_idempotency_keys() {
    for app in each_backend().await {
        let b = app.backend;
        // A registered client, and a user whose `sub` is that client's id.
        let (client_id, _) = crate::oauth::register(&app, Role::CaseSystem).await;
        let client_token = bistand::auth::token::mint(
            &app.keys,
            &bistand::auth::MintRequest {
                subject: client_id.clone(),
                role: Role::CaseSystem,
                unit: None,
                municipalities: vec![bistand::domain::Municipality::parse("0483").unwrap()],
                ttl: Duration::from_secs(600),
                client_id: Some(client_id.clone()),
            },
        )
        .unwrap();
        let staff = app.token_with(Role::Caseworker, &["0483"], &client_id);
        let first = app
            .submit(&staff, Some("shared-key"), &application_body(TOLVAN))
            .await;
        assert_eq!(first.status(), 201, "[{b}]");
        let mut other = application_body(ERIK);
        other["message"] = json!("another");
        let second = app.submit(&client_token, Some("shared-key"), &other).await;
        // The client's own key space: a new application, not a 422 or a replay.
        assert_eq!(second.status(), 201, "[{b}]");
        assert!(
            second.headers().get("idempotent-replayed").is_none(),
            "[{b}]"
        );
    }
}

/// Lists and strings over the contract's bounds are refused with one entry
/// per field, whatever their size: 15,000 reasons for need are one error,
/// and nothing is written.
#[actix_web::test]
async fn lists_and_strings_over_their_bounds_are_refused_once_each() {
    let app = spawn(None).await;
    let before = app.footprint().await;
    let mut body = application_body(TOLVAN);
    body["stated_reasons"] = json!(vec!["unemployed"; 15_000]);
    body["applicant"]["first_name"] = json!("T".repeat(5_000));
    body["expenses"] = json!(vec![
        json!({ "kind": "rent", "applied_amount": "1.00" });
        51
    ]);
    body["message"] = json!("x".repeat(4_001));
    let problem = assert_problem(
        app.submit(&app.token(Role::CaseSystem), None, &body).await,
        422,
        "validation-failed",
        "sqlite",
    )
    .await;
    let mut named: Vec<(&str, &str)> = problem["invalid_params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["reason"].as_str().unwrap()))
        .collect();
    named.sort_unstable();
    assert_eq!(
        named,
        [
            ("applicant.first_name", "must be at most 100 characters"),
            ("expenses", "must have at most 50 items"),
            ("message", "must be at most 4000 characters"),
            ("stated_reasons", "must have at most 8 items"),
        ]
    );
    assert_eq!(app.footprint().await, before);

    // The token form is bounded too.
    let response = app
        .client
        .post(app.url("/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &"c".repeat(300)),
            ("client_secret", "s"),
        ])
        .send()
        .await
        .unwrap();
    let problem = assert_problem(response, 400, "oauth-error", "sqlite").await;
    assert_eq!(problem["error"], "invalid_request");
}
