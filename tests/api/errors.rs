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
