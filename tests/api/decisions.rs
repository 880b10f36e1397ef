//! Moving an application (BR-4) and deciding it: the decision as a legal
//! document, each rule's failing case, and replacements.

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
        let decision = decision("granted", Some("8450.00"), 50);

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
        assert_eq!(
            decided["decision"]["adults"][0]["work_capacity_percent"], 50,
            "[{b}]"
        );

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

/// An application under investigation, as a caseworker; returns its id.
async fn investigated(app: &TestApp, token: &str) -> String {
    let b = app.backend;
    let body = created(app.submit(token, None, &application_body(TOLVAN)).await, b).await;
    let id = body["id"].as_str().unwrap().to_owned();
    let started = app
        .act(&id, "investigation", token, Some("\"1\""), None)
        .await;
    assert_eq!(started.status(), 200, "[{b}]");
    id
}

#[actix_web::test]
async fn every_rule_of_a_decision_names_its_field_and_a_refused_decision_writes_nothing() {
    for app in each_backend().await {
        let b = app.backend;
        let token = app.token(Role::Caseworker);
        let id = investigated(&app, &token).await;
        let with = |outcome: &str, amount: Option<&str>, change: &dyn Fn(&mut Value)| {
            let mut body = decision(outcome, amount, 50);
            change(&mut body);
            body
        };
        let other_month = today() - chrono::Duration::days(40);
        let cases: Vec<(Value, &str)> = vec![
            (
                with("rejected", None, &|d| {
                    drop(d.as_object_mut().unwrap().remove("reasons"))
                }),
                "reasons",
            ),
            (
                with("partially_rejected", Some("100.00"), &|d| {
                    drop(d.as_object_mut().unwrap().remove("reasons"))
                }),
                "reasons",
            ),
            (
                with("dismissed", None, &|d| {
                    d.as_object_mut().unwrap().remove("reasons");
                    d["adults"] = json!([]);
                }),
                "reasons",
            ),
            (with("granted", None, &|_| {}), "amount"),
            (with("granted", Some("12.345"), &|_| {}), "amount"),
            (with("rejected", Some("100.00"), &|_| {}), "amount"),
            (
                with("granted", Some("100.00"), &|d| {
                    d["adults"][0]["work_capacity_percent"] = json!(101)
                }),
                "adults[0].work_capacity_percent",
            ),
            (with("approved", Some("100.00"), &|_| {}), "outcome"),
            (
                with("partially_granted", Some("100.00"), &|_| {}),
                "outcome",
            ),
            (
                with(
                    "granted",
                    Some("100.00"),
                    &|d| {
                        d["period"] = json!({ "from": other_month.to_string(), "to": other_month.to_string() })
                    },
                ),
                "period",
            ),
            (
                with("granted", Some("100.00"), &|d| {
                    d["period"]["to"] = json!("2019-02-30")
                }),
                "period.to",
            ),
            (
                with("granted", Some("100.00"), &|d| {
                    d["legal_basis"] = json!(["sol_2025_11_1"])
                }),
                "legal_basis[0]",
            ),
            (
                with("granted", Some("100.00"), &|d| d["legal_basis"] = json!([])),
                "legal_basis",
            ),
            (
                with("granted", Some("100.00"), &|d| {
                    d["legal_basis"] = json!(["sol_2001_4_1"])
                }),
                "legal_basis[0]",
            ),
            (
                with("granted", Some("100.00"), &|d| {
                    d["legal_basis"] = json!(["sol_2025_12_1", "sol_2025_12_5"])
                }),
                "legal_basis[1]",
            ),
            (
                with("granted", Some("100.00"), &|d| {
                    d["legal_basis"] = json!(["sol_2025_12_7"])
                }),
                "legal_basis",
            ),
            (
                with("granted", Some("100.00"), &|d| {
                    d["persons_covered"] = json!(["child_1"])
                }),
                "persons_covered",
            ),
            (
                with("granted", Some("100.00"), &|d| {
                    d["persons_covered"] = json!(["applicant", "child_5"])
                }),
                "persons_covered[1]",
            ),
            (
                with("granted", Some("100.00"), &|d| d["adults"] = json!([])),
                "adults",
            ),
            (
                with("granted", Some("100.00"), &|d| {
                    d["adults"][0]["support_obstacle"] = json!("lazy")
                }),
                "adults[0].support_obstacle",
            ),
            (
                with("granted", Some("100.00"), &|d| {
                    d["adults"][0]["member"] = json!("child_1")
                }),
                "adults[0].member",
            ),
            (with("dismissed", None, &|_| {}), "adults"),
            (
                with("granted", Some("100.00"), &|d| {
                    drop(d.as_object_mut().unwrap().remove("decision_maker"))
                }),
                "decision_maker",
            ),
            (
                with("granted", Some("100.00"), &|d| {
                    d["decision_maker"]["user_id"] = json!("someone-else")
                }),
                "decision_maker.user_id",
            ),
            (
                with("granted", Some("100.00"), &|d| {
                    drop(
                        d["decision_maker"]
                            .as_object_mut()
                            .unwrap()
                            .remove("delegation"),
                    )
                }),
                "decision_maker.delegation",
            ),
        ];
        for (body, field) in cases {
            let response = app
                .act(&id, "decision", &token, Some("\"2\""), Some(&body))
                .await;
            let problem = assert_problem(response, 422, "validation-failed", b).await;
            let names = invalid_names(&problem);
            assert!(
                names.contains(&field),
                "[{b}] {field}: {names:?} for {body}"
            );
        }
        assert_eq!(app.count("decisions").await, 0, "[{b}] nothing written");
        assert_eq!(app.count("decision_adults").await, 0, "[{b}]");
        let application: Value = app
            .get(&format!("/api/v1/0483/applications/{id}"), &token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(application["status"], "under_investigation", "[{b}]");
        assert_eq!(application["version"], 2, "[{b}]");
    }
}

#[actix_web::test]
async fn a_rejection_is_a_document_with_its_legal_basis_reasons_maker_and_appeal_notice() {
    for app in each_backend().await {
        let b = app.backend;
        let token = app.token(Role::Caseworker);
        let id = investigated(&app, &token).await;
        let mut rejection = decision("rejected", None, 100);
        rejection["legal_basis"] = json!(["sol_2025_12_1", "sol_2025_12_7", "stf_2025_12_2"]);
        rejection["reasons"] = json!("Inkomsterna överstiger normen.");
        // A caseworker decides in their own name: the user id may be left out.
        rejection["decision_maker"]
            .as_object_mut()
            .unwrap()
            .remove("user_id");
        let decided: Value = app
            .act(&id, "decision", &token, Some("\"2\""), Some(&rejection))
            .await
            .json()
            .await
            .unwrap();
        let d = &decided["decision"];
        assert_eq!(d["kind"], "assistance", "[{b}]");
        assert_eq!(d["outcome"], "rejected", "[{b}]");
        assert_eq!(d["amount"], "0.00", "[{b}]");
        assert_eq!(d["reasons"], "Inkomsterna överstiger normen.", "[{b}]");
        assert_eq!(
            d["legal_basis"][0],
            json!({ "code": "sol_2025_12_1", "citation": "12 kap. 1 § socialtjänstlagen (2025:400)" }),
            "[{b}]"
        );
        assert_eq!(d["period"]["from"], rejection["period"]["from"], "[{b}]");
        assert_eq!(
            d["persons_covered"],
            json!(["applicant", "child_1"]),
            "[{b}]"
        );
        assert_eq!(d["decision_maker"]["user_id"], "test-caseworker", "[{b}]");
        assert_eq!(
            d["decision_maker"]["delegation"], "Delegationsordning 3.1.1",
            "[{b}]"
        );
        assert_eq!(d["decided_by"], "test-caseworker", "[{b}]");
        assert_eq!(d["appeal"]["appealable"], true, "[{b}]");
        assert_eq!(d["appeal"]["court"], "förvaltningsrätten", "[{b}]");
        assert_eq!(d["appeal"]["within_weeks"], 3, "[{b}]");
        assert!(
            d["appeal"]["text_sv"]
                .as_str()
                .unwrap()
                .contains("tre veckor"),
            "[{b}]"
        );
        assert_eq!(
            d["adults"][0]["support_obstacle"], "unemployed_no_benefit",
            "[{b}]"
        );
        assert_eq!(d["replaced_by"], Value::Null, "[{b}]");
        assert_eq!(decided["replaced_decisions"], json!([]), "[{b}]");
        let read: Value = app
            .get(
                &format!("/api/v1/0483/decisions/{}", d["id"].as_str().unwrap()),
                &token,
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(&read, d, "[{b}] the decision reads the same by its own id");
    }
}

#[actix_web::test]
async fn the_case_system_names_the_caseworker_it_decides_for() {
    for app in each_backend().await {
        let b = app.backend;
        let cs = app.token(Role::CaseSystem);
        let id = investigated(&app, &cs).await;
        let mut grant = decision("granted", Some("100.00"), 0);
        grant["decision_maker"]
            .as_object_mut()
            .unwrap()
            .remove("user_id");
        let problem = assert_problem(
            app.act(&id, "decision", &cs, Some("\"2\""), Some(&grant))
                .await,
            422,
            "validation-failed",
            b,
        )
        .await;
        assert_eq!(
            problem["invalid_params"][0]["name"], "decision_maker.user_id",
            "[{b}]"
        );
        grant["decision_maker"]["user_id"] = json!("anna.andersson");
        let decided: Value = app
            .act(&id, "decision", &cs, Some("\"2\""), Some(&grant))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            decided["decision"]["decision_maker"]["user_id"], "anna.andersson",
            "[{b}]"
        );
        assert_eq!(
            decided["decision"]["decided_by"], "test-case_system",
            "[{b}]"
        );
    }
}

#[actix_web::test]
async fn a_decision_under_the_discretionary_provision_says_it_cannot_be_appealed() {
    for app in each_backend().await {
        let b = app.backend;
        let token = app.token(Role::Caseworker);
        let id = investigated(&app, &token).await;
        let mut grant = decision("granted", Some("1500.00"), 0);
        grant["legal_basis"] = json!(["sol_2025_12_2"]);
        let decided: Value = app
            .act(&id, "decision", &token, Some("\"2\""), Some(&grant))
            .await
            .json()
            .await
            .unwrap();
        let appeal = &decided["decision"]["appeal"];
        assert_eq!(appeal["appealable"], false, "[{b}]");
        assert_eq!(appeal["within_weeks"], Value::Null, "[{b}]");
        assert!(
            appeal["text_sv"]
                .as_str()
                .unwrap()
                .contains("kan inte överklagas"),
            "[{b}]"
        );
    }
}

#[actix_web::test]
async fn a_replaced_decision_is_kept_and_only_the_one_in_force_can_be_replaced() {
    for app in each_backend().await {
        let b = app.backend;
        let token = app.token(Role::Caseworker);
        let id = app
            .decided(TOLVAN, &decision("partially_rejected", Some("5000.00"), 50))
            .await;
        let first: Value = app
            .get(&format!("/api/v1/0483/applications/{id}"), &token)
            .await
            .json()
            .await
            .unwrap();
        let first_id = first["decision"]["id"].as_str().unwrap().to_owned();
        let replace = |body: Value| {
            let url = format!("/api/v1/0483/decisions/{first_id}/replacement");
            let token = token.clone();
            let app = &app;
            async move {
                app.client
                    .post(app.url(&url))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
            }
        };
        let problem = assert_problem(
            replace(
                json!({ "ground": "whim", "decision": decision("granted", Some("6000.00"), 50) }),
            )
            .await,
            422,
            "validation-failed",
            b,
        )
        .await;
        let names = invalid_names(&problem);
        assert_eq!(names, ["ground", "reason"], "[{b}]");
        let mut bad = decision("granted", Some("6000.00"), 50);
        bad["persons_covered"] = json!(["applicant", "partner"]);
        let problem = assert_problem(
            replace(json!({ "ground": "reconsideration", "reason": "Ny hyra.", "decision": bad }))
                .await,
            422,
            "validation-failed",
            b,
        )
        .await;
        assert_eq!(
            problem["invalid_params"][0]["name"], "decision.persons_covered[1]",
            "[{b}]"
        );
        assert_eq!(app.count("decisions").await, 1, "[{b}] nothing written");

        let body = json!({ "ground": "reconsideration", "reason": "Nya uppgifter om hyran.",
                           "decision": decision("granted", Some("6000.00"), 50) });
        let response = replace(body.clone()).await;
        assert_eq!(response.status(), 201, "[{b}]");
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let second: Value = response.json().await.unwrap();
        assert_eq!(
            location,
            format!("/api/v1/0483/decisions/{}", second["id"].as_str().unwrap()),
            "[{b}]"
        );
        assert_eq!(
            second["replaces"]["decision_id"],
            first_id.as_str(),
            "[{b}]"
        );
        assert_eq!(second["replaces"]["ground"], "reconsideration", "[{b}]");
        assert_eq!(
            second["replaces"]["reason"], "Nya uppgifter om hyran.",
            "[{b}]"
        );

        let application: Value = app
            .get(&format!("/api/v1/0483/applications/{id}"), &token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            application["decision"]["id"], second["id"],
            "[{b}] the new one is in force"
        );
        assert_eq!(application["decision"]["amount"], "6000.00", "[{b}]");
        assert_eq!(
            application["replaced_decisions"][0]["id"],
            first_id.as_str(),
            "[{b}]"
        );
        assert_eq!(
            application["replaced_decisions"][0]["replaced_by"], second["id"],
            "[{b}]"
        );
        assert_eq!(
            application["replaced_decisions"][0]["amount"], "5000.00",
            "[{b}] kept as it was"
        );

        assert_problem(replace(body).await, 409, "decision-replaced", b).await;
        assert_eq!(app.count("decisions").await, 2, "[{b}]");
        let payments: Value = app
            .get(&format!("/api/v1/0483/applications/{id}/payments"), &token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            payments["granted"], "6000.00",
            "[{b}] payments follow the decision in force"
        );
    }
}

#[actix_web::test]
async fn two_concurrent_replacements_of_one_decision_leave_one_in_force() {
    for app in each_backend().await {
        let b = app.backend;
        let token = app.token(Role::CaseSystem);
        let id = app
            .decided(TOLVAN, &decision("granted", Some("5000.00"), 50))
            .await;
        let application: Value = app
            .get(&format!("/api/v1/0483/applications/{id}"), &token)
            .await
            .json()
            .await
            .unwrap();
        let first_id = application["decision"]["id"].as_str().unwrap().to_owned();
        let url = app.url(&format!("/api/v1/0483/decisions/{first_id}/replacement"));
        let send = |amount: &'static str| {
            let request = app.client.post(&url).bearer_auth(&token).json(&json!({
                "ground": "correction", "reason": "Räknefel.",
                "decision": decision("granted", Some(amount), 50) }));
            async move { request.send().await.unwrap().status().as_u16() }
        };
        let mut statuses = futures_util::future::join_all([send("5100.00"), send("5200.00")]).await;
        statuses.sort();
        assert_eq!(statuses, [201, 409], "[{b}]");
        assert_eq!(app.count("decisions").await, 2, "[{b}]");
    }
}

#[actix_web::test]
async fn an_unreadable_stored_outcome_is_a_500_never_a_guess() {
    for app in each_backend().await {
        let b = app.backend;
        let cs = app.token(Role::CaseSystem);
        let grant = decision("granted", Some("8450.00"), 50);
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
