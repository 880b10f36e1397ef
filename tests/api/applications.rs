//! Applications: BR-2 (exactly once), BR-3 (decisions), BR-4 (status), role limits.

use bistand::auth::Role;
use serde_json::{Value, json};

use crate::helpers::*;

async fn created(response: reqwest::Response, backend: &str) -> Value {
    assert_eq!(response.status(), 201, "[{backend}] submit");
    response.json().await.unwrap()
}

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
        let names: Vec<&str> = problem["invalid_params"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
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
        body["co_applicant"] = json!({ "personal_number": "821105-9954" });
        body["support_month"] = json!(far.format("%Y-%m").to_string());
        body["reasons_for_need"] = json!(["unemployed", "lazy"]);
        body["incomes"] = json!([{ "kind": "salary", "amount": "-100.00" }, { "kind": "lottery", "amount": "1.005" }]);
        body["expenses"] = json!([{ "kind": "rent", "amount": 6200.5 }]);
        let response = app.submit(&token, None, &body).await;
        let problem = assert_problem(response, 422, "validation-failed", b).await;
        // A JSON number where a string amount belongs fails at parsing, alone.
        assert_eq!(
            problem["invalid_params"][0]["name"], "expenses[0].amount",
            "[{b}] {problem}"
        );

        body["expenses"] = json!([{ "kind": "rent", "amount": "6200.50" }]);
        let response = app.submit(&token, None, &body).await;
        let problem = assert_problem(response, 422, "validation-failed", b).await;
        let names: Vec<&str> = problem["invalid_params"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "co_applicant",
                "support_month",
                "reasons_for_need[1]",
                "incomes[0].amount",
                "incomes[1].kind",
                "incomes[1].amount",
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
async fn the_portal_reads_only_what_it_submitted_and_only_receipt_status_dates_and_applicant() {
    for app in each_backend().await {
        let b = app.backend;
        let portal = app.token(Role::Eservice);
        let mine = created(
            app.submit(&portal, Some("k-1"), &application_body(TOLVAN))
                .await,
            b,
        )
        .await;
        assert_eq!(mine["view"], "receipt", "[{b}]");
        assert!(mine["applicant_id"].is_string(), "[{b}]");
        for hidden in [
            "co_applicant_id",
            "incomes",
            "expenses",
            "children",
            "message",
            "reasons_for_need",
            "decision",
        ] {
            assert!(
                mine.get(hidden).is_none(),
                "[{b}] {hidden} must not reach the portal"
            );
        }
        let caseworkers = created(
            app.submit(&app.token(Role::Caseworker), None, &application_body(ERIK))
                .await,
            b,
        )
        .await;

        let path = |v: &Value| format!("/api/v1/0483/applications/{}", v["id"].as_str().unwrap());
        let read: Value = app.get(&path(&mine), &portal).await.json().await.unwrap();
        assert_eq!(read, mine, "[{b}]");
        assert_problem(
            app.get(&path(&caseworkers), &portal).await,
            404,
            "not-found",
            b,
        )
        .await;
        let page: Value = app
            .get("/api/v1/0483/applications", &portal)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            page["items"].as_array().unwrap().len(),
            1,
            "[{b}] only its own"
        );

        let id = mine["id"].as_str().unwrap();
        assert_problem(
            app.act(id, "investigation", &portal, Some("\"1\""), None)
                .await,
            403,
            "forbidden",
            b,
        )
        .await;
        let response = app.act(id, "withdraw", &portal, Some("\"1\""), None).await;
        assert_eq!(
            response.status(),
            200,
            "[{b}] the portal may withdraw its own"
        );
        for role in [Role::Analyst, Role::Auditor, Role::Admin] {
            assert_problem(
                app.get(&path(&mine), &app.token(role)).await,
                403,
                "forbidden",
                b,
            )
            .await;
        }
    }
}

#[actix_web::test]
async fn the_portal_learns_the_decision_on_what_it_submitted_but_not_the_assessment() {
    for app in each_backend().await {
        let b = app.backend;
        let portal = app.token(Role::Eservice);
        let cs = app.token(Role::CaseSystem);
        let mine: Value = app
            .submit(&portal, Some("d-1"), &application_body(TOLVAN))
            .await
            .json()
            .await
            .unwrap();
        let id = mine["id"].as_str().unwrap();
        let path = format!("/api/v1/0483/applications/{id}");
        let read: Value = app.get(&path, &portal).await.json().await.unwrap();
        assert!(
            read.get("decision_notice").is_none(),
            "[{b}] not decided yet"
        );

        assert_eq!(
            app.act(id, "investigation", &cs, Some("\"1\""), None)
                .await
                .status(),
            200
        );
        let partial = json!({ "outcome": "partially_granted", "amount": "5000.00",
            "reason": "Hyran överstiger skälig nivå för orten.", "work_capacity_percent": 50,
            "support_month": current_month() });
        assert_eq!(
            app.act(id, "decision", &cs, Some("\"2\""), Some(&partial))
                .await
                .status(),
            200
        );

        let read: Value = app.get(&path, &portal).await.json().await.unwrap();
        let notice = &read["decision_notice"];
        assert_eq!(notice["outcome"], "partially_granted", "[{b}]");
        assert_eq!(notice["amount"], "5000.00", "[{b}]");
        assert_eq!(notice["support_month"], current_month(), "[{b}]");
        assert_eq!(
            notice["reason"], "Hyran överstiger skälig nivå för orten.",
            "[{b}]"
        );
        assert!(notice["decided_at"].is_string(), "[{b}]");
        assert!(
            notice.get("work_capacity_percent").is_none(),
            "[{b}] no assessment"
        );
        assert!(read.get("decision").is_none(), "[{b}] not the case view");
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
