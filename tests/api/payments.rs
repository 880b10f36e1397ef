//! Payments (BR-3b): exactly once per key, bounded by the grant, readable.

use bistand::auth::Role;
use serde_json::{Value, json};

use crate::helpers::*;

fn grant(amount: &str) -> Value {
    decision("granted", Some(amount), 50)
}

fn payment(id: &str, amount: &str) -> Value {
    let today = today().to_string();
    json!({ "application_id": id, "support_month": current_month(), "amount": amount, "paid_on": today, "payee": { "kind": "applicant" } })
}

#[actix_web::test]
async fn br3b_payments_need_a_grant_and_their_sum_stays_between_zero_and_the_grant() {
    for app in each_backend().await {
        let b = app.backend;
        let cs = app.token(Role::CaseSystem);
        let undecided: Value = app
            .submit(&cs, None, &application_body(ERIK))
            .await
            .json()
            .await
            .unwrap();
        let undecided = undecided["id"].as_str().unwrap();
        assert_problem(
            app.pay(&cs, Some("u-1"), &payment(undecided, "100.00"))
                .await,
            409,
            "no-granted-decision",
            b,
        )
        .await;

        let id = app.decided(TOLVAN, &grant("8450.00")).await;
        let before = app.footprint().await;
        let problem = assert_problem(
            app.pay(&cs, Some("p-big"), &payment(&id, "100000.00"))
                .await,
            409,
            "payment-exceeds-grant",
            b,
        )
        .await;
        assert!(
            problem["detail"].as_str().unwrap().contains("8450.00"),
            "[{b}] the detail names the grant"
        );
        assert_eq!(
            app.footprint().await,
            before,
            "[{b}] refused, nothing written"
        );

        assert_eq!(
            app.pay(&cs, Some("p-1"), &payment(&id, "8000.00"))
                .await
                .status(),
            201,
            "[{b}]"
        );
        assert_problem(
            app.pay(&cs, Some("p-2"), &payment(&id, "450.01")).await,
            409,
            "payment-exceeds-grant",
            b,
        )
        .await;
        assert_eq!(
            app.pay(&cs, Some("p-3"), &payment(&id, "450.00"))
                .await
                .status(),
            201,
            "[{b}] up to the grant"
        );

        // A correction is negative and says why; the sum never goes below zero.
        let problem = assert_problem(
            app.pay(&cs, Some("c-1"), &payment(&id, "-1000.00")).await,
            422,
            "validation-failed",
            b,
        )
        .await;
        assert_eq!(problem["invalid_params"][0]["name"], "reason", "[{b}]");
        let mut correction = payment(&id, "-1000.00");
        correction["reason"] = json!("Återkrav: hyran var lägre än ansökt");
        let response = app.pay(&cs, Some("c-2"), &correction).await;
        assert_eq!(response.status(), 201, "[{b}]");
        let recorded: Value = response.json().await.unwrap();
        assert_eq!(
            recorded["reason"], "Återkrav: hyran var lägre än ansökt",
            "[{b}]"
        );
        correction["amount"] = json!("-7450.01");
        assert_problem(
            app.pay(&cs, Some("c-3"), &correction).await,
            409,
            "payment-sum-negative",
            b,
        )
        .await;

        let list: Value = app
            .get(&format!("/api/v1/0483/applications/{id}/payments"), &cs)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(list["items"].as_array().unwrap().len(), 3, "[{b}]");
        assert_eq!(list["granted"], "8450.00", "[{b}]");
        assert_eq!(list["paid"], "7450.00", "[{b}]");
        app.assert_indicators_agree().await;
    }
}

#[actix_web::test]
async fn br3b_a_retried_payment_pays_once_and_a_key_reused_for_another_payment_is_refused() {
    for app in each_backend().await {
        let b = app.backend;
        let cs = app.token(Role::CaseSystem);
        let id = app.decided(TOLVAN, &grant("8450.00")).await;
        assert_problem(
            app.pay(&cs, None, &payment(&id, "8450.00")).await,
            400,
            "idempotency-key-required",
            b,
        )
        .await;
        let first = app
            .pay(&cs, Some("treserva-utb-1"), &payment(&id, "8450.00"))
            .await;
        assert_eq!(first.status(), 201, "[{b}]");
        let first: Value = first.json().await.unwrap();
        let again = app
            .pay(&cs, Some("treserva-utb-1"), &payment(&id, "8450.00"))
            .await;
        assert_eq!(again.status(), 201, "[{b}]");
        assert_eq!(again.headers()["idempotent-replayed"], "true", "[{b}]");
        let again: Value = again.json().await.unwrap();
        assert_eq!(
            again["id"], first["id"],
            "[{b}] the same payment, not a second"
        );
        assert_problem(
            app.pay(&cs, Some("treserva-utb-1"), &payment(&id, "100.00"))
                .await,
            422,
            "idempotency-key-reused",
            b,
        )
        .await;
        assert_eq!(app.count("payments").await, 1, "[{b}] paid once");
    }
}

#[actix_web::test]
async fn br3b_concurrent_payments_never_together_exceed_the_grant() {
    for app in each_backend().await {
        let b = app.backend;
        let cs = app.token(Role::CaseSystem);
        let id = app.decided(TOLVAN, &grant("5000.00")).await;
        let requests = (0..12).map(|i| {
            let body = payment(&id, "1000.00");
            let key = format!("parallel-{i}");
            let app = &app;
            let cs = cs.clone();
            async move { app.pay(&cs, Some(&key), &body).await.status().as_u16() }
        });
        let statuses = futures_util::future::join_all(requests).await;
        let paid = statuses.iter().filter(|s| **s == 201).count();
        let refused = statuses.iter().filter(|s| **s == 409).count();
        assert_eq!((paid, refused), (5, 7), "[{b}] {statuses:?}");
        let list: Value = app
            .get(&format!("/api/v1/0483/applications/{id}/payments"), &cs)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(list["paid"], "5000.00", "[{b}]");
        app.assert_indicators_agree().await;
    }
}

#[actix_web::test]
async fn payments_are_read_by_caseworkers_and_the_case_system_only() {
    for app in each_backend().await {
        let b = app.backend;
        let id = app.decided(TOLVAN, &grant("8450.00")).await;
        let path = format!("/api/v1/0483/applications/{id}/payments");
        assert_eq!(
            app.get(&path, &app.token(Role::Caseworker)).await.status(),
            200,
            "[{b}]"
        );
        for role in [
            Role::Coach,
            Role::EmploymentOfficer,
            Role::Eservice,
            Role::Analyst,
            Role::Auditor,
            Role::Admin,
        ] {
            assert_problem(app.get(&path, &app.token(role)).await, 403, "forbidden", b).await;
        }
        assert_problem(
            app.get(&path, &app.token_for(Role::Caseworker, &["0428"]))
                .await,
            404,
            "not-found",
            b,
        )
        .await;
    }
}
