//! Moving an application (BR-4) and deciding it (BR-3).

use bistand::auth::Role;
use serde_json::{Value, json};

use crate::helpers::*;

#[actix_web::test]
async fn br4_status_moves_only_through_explicit_actions_with_if_match() {
    for app in each_backend().await {
        let b = app.backend;
        let token = app.token(Role::CaseSystem);
        let body = created(app.submit(&token, None, &application_body(TOLVAN)).await, b).await;
        let id = body["id"].as_str().unwrap();
        let decision = json!({ "outcome": "granted", "amount": "8450.00", "work_capacity_percent": 50, "support_month": current_month() });

        assert_problem(
            app.act(id, "investigation", &token, None, None).await,
            428,
            "precondition-required",
            b,
        )
        .await;
        let problem = assert_problem(
            app.act(id, "decision", &token, Some("\"1\""), Some(&decision))
                .await,
            409,
            "invalid-status-transition",
            b,
        )
        .await;
        assert_eq!(problem["current_status"], "received", "[{b}]");

        let response = app
            .act(id, "investigation", &token, Some("\"1\""), None)
            .await;
        assert_eq!(response.status(), 200, "[{b}]");
        assert_eq!(response.headers()["etag"], "\"2\"", "[{b}]");
        assert_problem(
            app.act(id, "decision", &token, Some("\"1\""), Some(&decision))
                .await,
            412,
            "precondition-failed",
            b,
        )
        .await;

        let response = app
            .act(id, "decision", &token, Some("\"2\""), Some(&decision))
            .await;
        assert_eq!(response.status(), 200, "[{b}]");
        let decided: Value = response.json().await.unwrap();
        assert_eq!(decided["status"], "decided", "[{b}]");
        assert_eq!(decided["decision"]["amount"], "8450.00", "[{b}]");
        assert_eq!(decided["decision"]["work_capacity_percent"], 50, "[{b}]");

        for action in ["withdraw", "investigation"] {
            let problem = assert_problem(
                app.act(id, action, &token, Some("*"), None).await,
                409,
                "invalid-status-transition",
                b,
            )
            .await;
            assert_eq!(problem["current_status"], "decided", "[{b}] {action}");
        }
        let problem = assert_problem(
            app.act(id, "decision", &token, Some("*"), Some(&decision))
                .await,
            409,
            "invalid-status-transition",
            b,
        )
        .await;
        assert_eq!(problem["current_status"], "decided", "[{b}]");
    }
}

#[actix_web::test]
async fn br3_a_rejection_needs_a_reason_a_grant_an_amount_and_both_the_applications_month() {
    for app in each_backend().await {
        let b = app.backend;
        let token = app.token(Role::Caseworker);
        let body = created(app.submit(&token, None, &application_body(TOLVAN)).await, b).await;
        let id = body["id"].as_str().unwrap();
        assert_eq!(
            app.act(id, "investigation", &token, Some("\"1\""), None)
                .await
                .status(),
            200
        );
        let month = current_month();
        let cases = [
            (
                json!({ "outcome": "rejected", "work_capacity_percent": 0, "support_month": month }),
                "reason",
            ),
            (
                json!({ "outcome": "granted", "work_capacity_percent": 0, "support_month": month }),
                "amount",
            ),
            (
                json!({ "outcome": "granted", "amount": "12.345", "work_capacity_percent": 0, "support_month": month }),
                "amount",
            ),
            (
                json!({ "outcome": "granted", "amount": "100.00", "work_capacity_percent": 101, "support_month": month }),
                "work_capacity_percent",
            ),
            (
                json!({ "outcome": "approved", "amount": "100.00", "work_capacity_percent": 0, "support_month": month }),
                "outcome",
            ),
            (
                json!({ "outcome": "granted", "amount": "100.00", "work_capacity_percent": 0, "support_month": "2019-04" }),
                "support_month",
            ),
        ];
        for (decision, field) in cases {
            let response = app
                .act(id, "decision", &token, Some("\"2\""), Some(&decision))
                .await;
            let problem = assert_problem(response, 422, "validation-failed", b).await;
            assert_eq!(
                problem["invalid_params"][0]["name"], field,
                "[{b}] {decision}"
            );
        }
        let rejection = json!({ "outcome": "rejected", "reason": "Inkomsterna överstiger normen.", "work_capacity_percent": 100, "support_month": month });
        let decided: Value = app
            .act(id, "decision", &token, Some("\"2\""), Some(&rejection))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(decided["decision"]["amount"], "0.00", "[{b}]");
        assert_eq!(
            decided["decision"]["reason"], "Inkomsterna överstiger normen.",
            "[{b}]"
        );
    }
}

#[actix_web::test]
async fn an_unreadable_stored_outcome_is_a_500_never_a_guess() {
    for app in each_backend().await {
        let b = app.backend;
        let cs = app.token(Role::CaseSystem);
        let grant = json!({ "outcome": "granted", "amount": "8450.00", "work_capacity_percent": 50, "support_month": current_month() });
        let id = app.decided(TOLVAN, &grant).await;
        app.db
            .write(|conn, _| {
                use diesel::connection::SimpleConnection;
                Ok(conn.batch_execute("UPDATE decisions SET outcome = 'maybe'")?)
            })
            .await
            .unwrap();
        let response = app
            .get(&format!("/api/v1/0483/applications/{id}"), &cs)
            .await;
        let problem = assert_problem(response, 500, "internal-error", b).await;
        assert!(
            problem.get("detail").is_none(),
            "[{b}] the body stays opaque"
        );
    }
}
