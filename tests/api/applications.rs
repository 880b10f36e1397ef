//! Submitting applications: exactly once (BR-2), receipts, the persons they name, the rules their fields must pass.

use bistand::auth::Role;
use serde_json::{Value, json};

use crate::helpers::*;

#[actix_web::test]
async fn br2_a_portal_submission_without_idempotency_key_is_400_and_writes_nothing() {
    for app in each_backend().await {
        let b = app.backend;
        let before = app.footprint().await;
        let response = app
            .submit(&app.token(Role::Eservice), None, &application_body(TOLVAN))
            .await;
        assert_problem(response, 400, "idempotency-key-required", b).await;
        assert_eq!(app.footprint().await, before, "[{b}] nothing written");
    }
}

#[actix_web::test]
async fn br2_the_same_key_and_body_replays_the_first_answer() {
    for app in each_backend().await {
        let b = app.backend;
        let token = app.token(Role::Eservice);
        let first = app
            .submit(&token, Some("portal-0001"), &application_body(TOLVAN))
            .await;
        let location = first.headers()["location"].to_str().unwrap().to_owned();
        let first_body: Value = created(first, b).await;
        // The same body with its keys in another order is the same request.
        let mut reordered = serde_json::Map::new();
        for (k, v) in application_body(TOLVAN).as_object().unwrap().iter().rev() {
            reordered.insert(k.clone(), v.clone());
        }
        let again = app
            .submit(&token, Some("portal-0001"), &Value::Object(reordered))
            .await;
        assert_eq!(again.status(), 201, "[{b}]");
        assert_eq!(again.headers()["idempotent-replayed"], "true", "[{b}]");
        assert_eq!(
            again.headers()["location"].to_str().unwrap(),
            location,
            "[{b}]"
        );
        let again_body: Value = again.json().await.unwrap();
        assert_eq!(again_body, first_body, "[{b}] the first answer, again");
        assert_eq!(app.count("applications").await, 1, "[{b}]");
    }
}

#[actix_web::test]
async fn br2_the_same_key_with_another_body_is_422_and_writes_nothing() {
    for app in each_backend().await {
        let b = app.backend;
        let token = app.token(Role::Eservice);
        created(
            app.submit(&token, Some("portal-0002"), &application_body(TOLVAN))
                .await,
            b,
        )
        .await;
        let before = app.footprint().await;
        let mut other = application_body(TOLVAN);
        other["message"] = json!("Något annat.");
        let response = app.submit(&token, Some("portal-0002"), &other).await;
        assert_problem(response, 422, "idempotency-key-reused", b).await;
        assert_eq!(app.footprint().await, before, "[{b}]");
        // Keys belong to one client: another client may use the same key.
        let other_portal = app.token_as(Role::Eservice, "another-portal");
        created(
            app.submit(&other_portal, Some("portal-0002"), &other).await,
            b,
        )
        .await;
    }
}

#[actix_web::test]
async fn br2_twenty_concurrent_submissions_with_one_key_create_exactly_one_application() {
    for app in each_backend().await {
        let b = app.backend;
        let token = app.token(Role::Eservice);
        let body = application_body(ERIK);
        let attempts = (0..20).map(|_| app.submit(&token, Some("portal-burst"), &body));
        let responses = futures_util::future::join_all(attempts).await;
        let mut ids = Vec::new();
        for response in responses {
            assert_eq!(
                response.status(),
                201,
                "[{b}] every retry gets the first answer"
            );
            let body: Value = response.json().await.unwrap();
            ids.push(body["id"].as_str().unwrap().to_owned());
        }
        ids.dedup();
        assert_eq!(ids.len(), 1, "[{b}] one application id in all answers");
        assert_eq!(app.count("applications").await, 1, "[{b}]");
        assert_eq!(app.count("applicants").await, 1, "[{b}]");
    }
}

#[actix_web::test]
async fn receipt_numbers_follow_a_series_per_municipality() {
    for app in each_backend().await {
        let b = app.backend;
        let token = app.token_for(Role::Caseworker, &["0483", "0428"]);
        let year = &current_month()[..4];
        for (n, pn) in [TOLVAN, ERIK].iter().enumerate() {
            let body = created(app.submit(&token, None, &application_body(pn)).await, b).await;
            assert_eq!(
                body["receipt_number"],
                format!("EB-{year}-{:06}", n + 1),
                "[{b}]"
            );
        }
        let response = app
            .client
            .post(app.url("/api/v1/0428/applications"))
            .bearer_auth(&token)
            .json(&application_body(ANNA))
            .send()
            .await
            .unwrap();
        let body = created(response, b).await;
        assert_eq!(
            body["receipt_number"],
            format!("EB-{year}-000001"),
            "[{b}] Vingåker has its own series"
        );
    }
}

#[actix_web::test]
async fn a_personal_number_finds_the_applicant_or_registers_them_with_names() {
    for app in each_backend().await {
        let b = app.backend;
        let known = app.create_applicant(TOLVAN).await;
        let token = app.token(Role::CaseSystem);
        let mut body = application_body("121212-1212");
        body["applicant"] = json!({ "personal_number": "121212+1212" });
        let found = created(app.submit(&token, None, &body).await, b).await;
        assert_eq!(found["applicant_id"], known["id"], "[{b}] found by number");

        let mut unknown = application_body(ERIK);
        unknown["applicant"] = json!({ "personal_number": ERIK });
        let problem = assert_problem(
            app.submit(&token, None, &unknown).await,
            422,
            "validation-failed",
            b,
        )
        .await;
        let names = invalid_names(&problem);
        assert_eq!(
            names,
            ["applicant.first_name", "applicant.last_name"],
            "[{b}]"
        );

        let registered = created(app.submit(&token, None, &application_body(ERIK)).await, b).await;
        assert_ne!(registered["applicant_id"], known["id"], "[{b}]");
        assert_eq!(app.count("applicants").await, 2, "[{b}]");
    }
}

#[actix_web::test]
async fn bad_input_is_a_422_naming_every_bad_field_and_writes_nothing() {
    for app in each_backend().await {
        let b = app.backend;
        let token = app.token(Role::Caseworker);
        created(app.submit(&token, None, &application_body(TOLVAN)).await, b).await;
        let before = app.footprint().await;
        let far = today() + chrono::Months::new(2);
        let mut body = application_body(ERIK);
        body["partner"] = json!({ "personal_number": "821105-9954" });
        body["support_month"] = json!(far.format("%Y-%m").to_string());
        body["stated_reasons"] = json!(["unemployed", "lazy"]);
        body["children"] = json!([
            { "birth_date": "2019-05-14", "personal_number": TOLVAN },
            { "birth_date": "2019-05-14", "days_in_home": 31 },
            { "days_in_home": 15 }
        ]);
        body["incomes"] = json!([{ "kind": "salary", "applied_amount": "-100.00" }, { "kind": "lottery", "applied_amount": "1.005" },
                                 { "member": "child_4", "kind": "salary", "applied_amount": "1.00" },
                                 { "member": "adult_1", "kind": "salary", "applied_amount": "1.00", "source": "csn" }]);
        body["expenses"] = json!([{ "kind": "rent", "applied_amount": 6200.5 }]);
        let response = app.submit(&token, None, &body).await;
        let problem = assert_problem(response, 422, "validation-failed", b).await;
        // A JSON number where a string amount belongs fails at parsing, alone.
        assert_eq!(
            problem["invalid_params"][0]["name"], "expenses[0].applied_amount",
            "[{b}] {problem}"
        );

        body["expenses"] = json!([{ "kind": "rent", "applied_amount": "6200.50" }]);
        let response = app.submit(&token, None, &body).await;
        let problem = assert_problem(response, 422, "validation-failed", b).await;
        let names = invalid_names(&problem);
        assert_eq!(
            names,
            [
                "partner",
                "support_month",
                "children[0].birth_date",
                "children[1].days_in_home",
                "children[2].birth_date",
                "stated_reasons[1]",
                "incomes[0].applied_amount",
                "incomes[1].kind",
                "incomes[1].applied_amount",
                "incomes[2].member",
                "incomes[3].member",
            ],
            "[{b}] {problem}"
        );

        let mut unknown_field = application_body(ERIK);
        unknown_field["urgent"] = json!(true);
        let problem = assert_problem(
            app.submit(&token, None, &unknown_field).await,
            422,
            "validation-failed",
            b,
        )
        .await;
        assert_eq!(problem["invalid_params"][0]["name"], "urgent", "[{b}]");
        assert_eq!(app.footprint().await, before, "[{b}] nothing written");
    }
}

#[actix_web::test]
async fn the_support_month_limit_and_the_receipt_year_follow_the_service_clock() {
    for app in each_backend().await {
        let b = app.backend;
        let cs = app.token(Role::CaseSystem);
        // 23:30 UTC on New Year's Eve is already 2027 in Sweden.
        app.clock.set("2026-12-31T23:30:00Z".parse().unwrap());
        let mut body = application_body(TOLVAN);
        body["support_month"] = json!("2027-02");
        let created: Value = app.submit(&cs, None, &body).await.json().await.unwrap();
        assert!(
            created["receipt_number"]
                .as_str()
                .unwrap()
                .starts_with("EB-2027-"),
            "[{b}] {created}"
        );
        body["support_month"] = json!("2027-03");
        let problem = assert_problem(
            app.submit(&cs, None, &body).await,
            422,
            "validation-failed",
            b,
        )
        .await;
        assert_eq!(
            problem["invalid_params"][0]["name"], "support_month",
            "[{b}]"
        );
    }
}
