//! Health, metrics and request ids.

use bistand::auth::Role;
use serde_json::Value;

use crate::helpers::*;

#[actix_web::test]
async fn readiness_names_the_backend_once_migrations_are_applied() {
    for app in each_backend().await {
        let live = app
            .client
            .get(app.url("/health/live"))
            .send()
            .await
            .unwrap();
        assert_eq!(live.status(), 200);
        let ready: Value = app
            .client
            .get(app.url("/health/ready"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(ready["status"], "up");
        assert_eq!(ready["database"], app.backend);
    }
}

#[actix_web::test]
async fn metrics_count_requests_by_route_template_and_status() {
    let app = spawn(None).await;
    let created = app.create_applicant(TOLVAN).await;
    app.get(
        created["links"]["self"].as_str().unwrap(),
        &app.token(Role::Caseworker),
    )
    .await;
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains(
        r#"http_requests_total{method="GET",route="/api/v1/{municipality}/applicants/{id}",status="200"} 1"#
    ), "{text}");
    assert!(text.contains(r#"http_request_duration_seconds_bucket{method="POST",route="/api/v1/{municipality}/applicants",status="201""#));
    assert!(
        !text.contains(created["id"].as_str().unwrap()),
        "no raw paths in metrics"
    );
}

#[actix_web::test]
async fn the_service_gives_each_request_its_own_id_and_keeps_the_callers_as_correlation() {
    let app = spawn(None).await;
    let before = app.audit_count().await;
    let response = app
        .client
        .get(app.url("/api/v1/0483/applicants"))
        .bearer_auth(app.token(Role::Caseworker))
        .header("x-request-id", "portal-abc-1")
        .send()
        .await
        .unwrap();
    let made = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        uuid::Uuid::try_parse(&made).is_ok(),
        "the service's own id, not the caller's"
    );
    let _ = app.create_applicant(TOLVAN).await;
    let response = app
        .client
        .get(app.url("/api/v1/0483/applicants"))
        .bearer_auth(app.token(Role::Caseworker))
        .header("x-request-id", "portal-abc-2")
        .send()
        .await
        .unwrap();
    let made = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let records = app.audit_since(before).await;
    let read = records
        .iter()
        .find(|r| r.request_id == made)
        .expect("the read is audited");
    assert_eq!(read.correlation_id.as_deref(), Some("portal-abc-2"));
    // An id that could be a personal number is neither adopted nor kept.
    let response = app
        .client
        .get(app.url("/health/live"))
        .header("x-request-id", "19121212-1212")
        .send()
        .await
        .unwrap();
    assert_ne!(response.headers()["x-request-id"], "19121212-1212");
}
