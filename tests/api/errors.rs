//! actix's own errors come out as problems too.

use bistand::auth::Role;

use crate::helpers::*;

#[actix_web::test]
async fn malformed_json_is_a_400_problem_and_writes_nothing() {
    for app in each_backend().await {
        let b = app.backend;
        let response = app
            .client
            .post(app.url("/api/v1/0483/applicants"))
            .bearer_auth(app.token(Role::Caseworker))
            .header("content-type", "application/json")
            .body(r#"{"personal_number": "19121212-1212", "#)
            .send()
            .await
            .unwrap();
        let problem = assert_problem(response, 400, "malformed-body", b).await;
        assert!(!problem.to_string().contains("1212-1212"), "[{b}]");
        assert_eq!(app.applicant_count().await, 0, "[{b}]");
    }
}

#[actix_web::test]
async fn a_field_of_the_wrong_type_is_named_without_echoing_its_value() {
    for app in each_backend().await {
        let b = app.backend;
        let mut body = applicant_body(TOLVAN);
        body["first_name"] = serde_json::json!(191212121212u64);
        let response = app
            .post(
                "/api/v1/0483/applicants",
                &app.token(Role::Caseworker),
                &body,
            )
            .await;
        let problem = assert_problem(response, 422, "validation-failed", b).await;
        assert_eq!(problem["invalid_params"][0]["name"], "first_name", "[{b}]");
        assert!(
            !problem.to_string().contains("191212121212"),
            "[{b}] {problem}"
        );
    }
}

#[actix_web::test]
async fn a_wrong_method_is_405_with_allow() {
    let app = spawn(None).await;
    let response = app
        .client
        .delete(app.url("/api/v1/0483/applicants"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["allow"], "GET, POST");
    assert_problem(response, 405, "method-not-allowed", "sqlite").await;
    let response = app
        .client
        .put(app.url("/oauth/token"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["allow"], "POST");
}

#[actix_web::test]
async fn a_body_over_256_kib_is_413() {
    let app = spawn(None).await;
    let big = format!(r#"{{"personal_number":"{}"}}"#, "x".repeat(300 * 1024));
    let response = app
        .client
        .post(app.url("/api/v1/0483/applicants/search"))
        .bearer_auth(app.token(Role::Caseworker))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_problem(response, 413, "payload-too-large", "sqlite").await;
}

#[actix_web::test]
async fn a_body_that_is_not_json_is_415() {
    let app = spawn(None).await;
    let response = app
        .client
        .post(app.url("/api/v1/0483/applicants"))
        .bearer_auth(app.token(Role::Caseworker))
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_problem(response, 415, "unsupported-media-type", "sqlite").await;
}

#[actix_web::test]
async fn a_malformed_id_is_400_naming_it_and_an_unknown_path_is_404() {
    let app = spawn(None).await;
    let token = app.token(Role::Caseworker);
    let response = app.get("/api/v1/0483/applicants/not-a-uuid", &token).await;
    let problem = assert_problem(response, 400, "invalid-parameter", "sqlite").await;
    assert_eq!(problem["invalid_params"][0]["name"], "id");
    let response = app.get("/api/v1/0483/nothing-here", &token).await;
    assert_problem(response, 404, "not-found", "sqlite").await;
    let response = app.get("/api/v1/Katrineholm/applicants", &token).await;
    assert_problem(response, 404, "not-found", "sqlite").await;
}

/// The names in a validation problem, sorted.
async fn named(response: reqwest::Response, b: &str) -> Vec<String> {
    let problem = assert_problem(response, 422, "validation-failed", b).await;
    let mut names: Vec<String> = problem["invalid_params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

#[actix_web::test]
async fn every_bad_field_is_named_in_one_answer() {
    for app in each_backend().await {
        let b = app.backend;
        let caseworker = app.token(Role::Caseworker);
        let person = app.create_applicant(TOLVAN).await;
        let consents = format!("{}/consents", person["links"]["self"].as_str().unwrap());
        let before = app.footprint().await;

        // An empty consent names all four fields, not only the first.
        let names = named(
            app.post(&consents, &caseworker, &serde_json::json!({}))
                .await,
            b,
        )
        .await;
        assert_eq!(
            names,
            ["channel", "given_at", "purpose", "recipient"],
            "[{b}]"
        );

        // An unknown field hides nothing else.
        let body = serde_json::json!({ "recipient": "police", "purpose": "Samverkan",
            "given_at": "2026-11-20T09:30:00Z", "channel": "visit", "nickname": "x" });
        let names = named(app.post(&consents, &caseworker, &body).await, b).await;
        assert_eq!(names, ["nickname", "recipient"], "[{b}]");

        // Missing names hide no bad check digit; a wrong type and a bad
        // nested field are named beside them.
        let body = serde_json::json!({ "personal_number": "19121212-1213", "protected_identity": "no",
            "address": { "street": "Storgatan 1", "postal_code": "6413", "city": 7 } });
        let names = named(
            app.post("/api/v1/0483/applicants", &caseworker, &body)
                .await,
            b,
        )
        .await;
        assert_eq!(
            names,
            [
                "address.city",
                "address.postal_code",
                "first_name",
                "last_name",
                "personal_number",
                "protected_identity"
            ],
            "[{b}]"
        );

        // In an application, list items are named by their place.
        let mut body = application_body(TOLVAN);
        body["incomes"] =
            serde_json::json!([{ "kind": "salary", "applied_amount": "1.001" }, "500"]);
        body["expenses"] = serde_json::json!([{ "kind": "yacht", "applied_amount": 12 }]);
        body["support_month"] = serde_json::json!("2026-13");
        let names = named(app.submit(&caseworker, None, &body).await, b).await;
        assert_eq!(
            names,
            [
                "expenses[0].applied_amount",
                "expenses[0].kind",
                "incomes[0].applied_amount",
                "incomes[1]",
                "support_month"
            ],
            "[{b}]"
        );
        assert_eq!(app.footprint().await, before, "[{b}] nothing written");
    }
}

#[actix_web::test]
async fn examples_in_messages_are_shown_and_only_personal_numbers_are_masked() {
    for app in each_backend().await {
        let b = app.backend;
        let mut body = application_body(TOLVAN);
        body["support_month"] = serde_json::json!("november");
        let problem = assert_problem(
            app.submit(&app.token(Role::Caseworker), None, &body).await,
            422,
            "validation-failed",
            b,
        )
        .await;
        assert_eq!(
            problem["invalid_params"][0]["reason"],
            "must be a month written YYYY-MM, such as 2026-11",
            "[{b}]"
        );
        assert_eq!(
            bistand::error::redact_digits("bad value 19121212-1212 and 191212-1212 in 2026-11"),
            "bad value *** and *** in 2026-11"
        );
    }
}
