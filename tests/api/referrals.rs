//! Referrals to Viadidakt: each rule of BR-5 to BR-8, BR-6b and BR-12 by its
//! failing case, the first meeting and AF's report.

use bistand::auth::Role;
use chrono::Duration;
use serde_json::{Value, json};

use crate::helpers::*;

/// Sends a referral.
async fn refer(app: &TestApp, token: &str, body: &Value) -> reqwest::Response {
    app.post("/api/v1/0483/referrals", token, body).await
}

/// Moves referral `id` with `action`, `If-Match` and a body.
async fn act(
    app: &TestApp,
    token: &str,
    id: &str,
    action: &str,
    if_match: Option<&str>,
    body: Option<&Value>,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url(&format!("/api/v1/0483/referrals/{id}/{action}")))
        .bearer_auth(token);
    if let Some(tag) = if_match {
        request = request.header("if-match", tag);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.unwrap()
}

fn mapping() -> Value {
    json!({
        "education_level": "upper_secondary",
        "work_experience": "Lokalvård 2019–2023, deltid.",
        "health_limits": "Ont i ryggen vid tunga lyft.",
        "languages": ["sv", "ar"],
        "driving_licence": false,
        "af_answer": "not_registered",
        "af_registration_guidance": true
    })
}

/// An application of the person submitted by the case system; its id.
async fn application_of(app: &TestApp, personal_number: &str) -> String {
    let cs = app.token(Role::CaseSystem);
    let body = created(
        app.submit(&cs, None, &application_body(personal_number))
            .await,
        app.backend,
    )
    .await;
    body["id"].as_str().unwrap().to_owned()
}

/// Investigates and decides application `id` as the case system with this
/// work capacity.
async fn decide(app: &TestApp, id: &str, work_capacity_percent: i32) {
    let cs = app.token(Role::CaseSystem);
    let started = app.act(id, "investigation", &cs, Some("*"), None).await;
    assert_eq!(started.status(), 200);
    let decision = decision("granted", Some("5000.00"), work_capacity_percent);
    let decided = app
        .act(id, "decision", &cs, Some("*"), Some(&decision))
        .await;
    assert_eq!(decided.status(), 200);
}

#[actix_web::test]
async fn br5_the_first_meeting_is_due_seven_days_after_the_application_at_25_percent() {
    for app in each_backend().await {
        let b = app.backend;
        let cw = app.token(Role::Caseworker);
        let today = today();
        // Decided at 50 % before the referral: due seven days from the
        // application (today, on the tests' clock).
        let who = person(&app, TOLVAN, &["viadidakt"]).await;
        let application = application_of(&app, TOLVAN).await;
        decide(&app, &application, 50).await;
        let sent = json_of(
            refer(
                &app,
                &cw,
                &json!({ "applicant_id": who, "application_id": application }),
            )
            .await,
            201,
            b,
        )
        .await;
        assert_eq!(
            sent["first_meeting_due"],
            (today + Duration::days(7)).to_string(),
            "[{b}]"
        );
        assert_eq!(sent["status"], "sent", "[{b}]");

        // Referred before the decision: no due date until the decision
        // assesses 25 % or more; then seven days from the application.
        let erik = person(&app, ERIK, &["viadidakt"]).await;
        let pending = application_of(&app, ERIK).await;
        let early = json_of(
            refer(
                &app,
                &cw,
                &json!({ "applicant_id": erik, "application_id": pending }),
            )
            .await,
            201,
            b,
        )
        .await;
        assert_eq!(early["first_meeting_due"], Value::Null, "[{b}]");
        decide(&app, &pending, 25).await;
        let id = early["id"].as_str().unwrap();
        let later = json_of(
            app.get(&format!("/api/v1/0483/referrals/{id}"), &cw).await,
            200,
            b,
        )
        .await;
        assert_eq!(
            later["first_meeting_due"],
            (today + Duration::days(7)).to_string(),
            "[{b}]"
        );

        // Below 25 %: the rule does not apply.
        let anna = person(&app, ANNA, &["viadidakt"]).await;
        let low = application_of(&app, ANNA).await;
        decide(&app, &low, 20).await;
        let none = json_of(
            refer(
                &app,
                &cw,
                &json!({ "applicant_id": anna, "application_id": low }),
            )
            .await,
            201,
            b,
        )
        .await;
        assert_eq!(none["first_meeting_due"], Value::Null, "[{b}]");

        // No application (AF's referral): seven days from the referral.
        let af = app.token(Role::EmploymentOfficer);
        let sara = person(
            &app,
            SARA_COORDINATION,
            &["viadidakt", "employment_service"],
        )
        .await;
        let from_af = json_of(
            refer(&app, &af, &json!({ "applicant_id": sara })).await,
            201,
            b,
        )
        .await;
        assert_eq!(
            from_af["first_meeting_due"],
            (today + Duration::days(7)).to_string(),
            "[{b}]"
        );
        assert_eq!(from_af["source"], "employment_service", "[{b}]");
        app.assert_indicators_agree().await;
    }
}

#[actix_web::test]
async fn br5_overdue_lists_the_referrals_not_met_by_their_due_date_with_days_late() {
    for app in each_backend().await {
        let b = app.backend;
        let cw = app.token(Role::Caseworker);
        let coach = app.token(Role::Coach);
        let late = person(&app, TOLVAN, &["viadidakt"]).await;
        let met = person(&app, ERIK, &["viadidakt"]).await;
        let mut ids = Vec::new();
        for who in [&late, &met] {
            let sent = json_of(
                refer(&app, &cw, &json!({ "applicant_id": who })).await,
                201,
                b,
            )
            .await;
            ids.push(sent["id"].as_str().unwrap().to_owned());
        }
        // The second one is met on day 3.
        let id = &ids[1];
        json_of(
            act(&app, &coach, id, "accept", Some("\"1\""), Some(&json!({}))).await,
            200,
            b,
        )
        .await;
        let at = (now() + Duration::days(1)).to_rfc3339();
        json_of(
            act(
                &app,
                &coach,
                id,
                "first-meeting",
                Some("\"2\""),
                Some(&json!({ "scheduled_at": at })),
            )
            .await,
            200,
            b,
        )
        .await;
        app.clock.set(now() + Duration::days(3));
        let held =
            json!({ "held_at": (now() + Duration::days(3)).to_rfc3339(), "mapping": mapping() });
        json_of(
            act(
                &app,
                &coach,
                id,
                "first-meeting",
                Some("\"3\""),
                Some(&held),
            )
            .await,
            200,
            b,
        )
        .await;

        // Due on day 7: nothing is overdue on day 7, the unmet one on day 9.
        let due = today() + Duration::days(7);
        let on =
            |day: chrono::NaiveDate| format!("/api/v1/0483/referrals?overdue=true&as_of={day}");
        let page = json_of(app.get(&on(due), &cw).await, 200, b).await;
        assert_eq!(page["items"], json!([]), "[{b}]");
        let page = json_of(app.get(&on(due + Duration::days(2)), &cw).await, 200, b).await;
        let items = page["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "[{b}] {page}");
        assert_eq!(items[0]["id"], ids[0].as_str(), "[{b}]");
        assert_eq!(items[0]["days_late"], 2, "[{b}]");
        // As of now (day 3) nothing is late yet; on day 30 by the clock, 23 days.
        let page = json_of(
            app.get("/api/v1/0483/referrals?overdue=true", &cw).await,
            200,
            b,
        )
        .await;
        assert_eq!(page["items"], json!([]), "[{b}]");
        app.clock.set(now() + Duration::days(30));
        let page = json_of(
            app.get("/api/v1/0483/referrals?overdue=true", &coach).await,
            200,
            b,
        )
        .await;
        assert_eq!(page["items"][0]["days_late"], 23, "[{b}] {page}");
        let bad = app
            .get("/api/v1/0483/referrals?overdue=true&as_of=2026-13-01", &cw)
            .await;
        assert_problem(bad, 400, "invalid-parameter", b).await;
    }
}

#[actix_web::test]
async fn br6_a_referral_from_social_services_is_refused_while_the_person_has_an_active_af_plan() {
    for app in each_backend().await {
        let b = app.backend;
        let cw = app.token(Role::Caseworker);
        let af = app.token(Role::EmploymentOfficer);
        let who = person(&app, TOLVAN, &["viadidakt", "employment_service"]).await;
        let status = format!("/api/v1/0483/applicants/{who}/employment-service-status");
        let plan = json!({ "registered": true,
            "active_plan": { "from": (today() - Duration::days(10)).to_string(), "to": (today() + Duration::days(90)).to_string() },
            "programme": "Rusta och matcha" });
        let put = app
            .client
            .put(app.url(&status))
            .bearer_auth(&af)
            .json(&plan)
            .send()
            .await
            .unwrap();
        let current = json_of(put, 200, b).await;
        assert_eq!(current["current"]["plan_in_force"], true, "[{b}]");
        assert_eq!(
            current["current"]["recorded_role"], "employment_officer",
            "[{b}]"
        );

        let before = app.count("referrals").await;
        let refused = refer(&app, &cw, &json!({ "applicant_id": who })).await;
        assert_problem(refused, 409, "af-plan-active", b).await;
        assert_eq!(
            app.count("referrals").await,
            before,
            "[{b}] nothing written"
        );
        // Consulted: the referral goes; AF's own referral needs no consultation.
        json_of(
            refer(
                &app,
                &cw,
                &json!({ "applicant_id": who, "af_consulted": true }),
            )
            .await,
            201,
            b,
        )
        .await;
        json_of(
            refer(&app, &af, &json!({ "applicant_id": who })).await,
            201,
            b,
        )
        .await;

        // A later report without a plan is the current one; history is kept.
        let put = app
            .client
            .put(app.url(&status))
            .bearer_auth(&cw)
            .json(&json!({ "registered": true }))
            .send()
            .await
            .unwrap();
        json_of(put, 200, b).await;
        let current = json_of(app.get(&status, &cw).await, 200, b).await;
        assert_eq!(current["current"]["active_plan"], Value::Null, "[{b}]");
        assert_eq!(current["reports"], 2, "[{b}]");
        assert_eq!(current["current"]["recorded_role"], "caseworker", "[{b}]");
        json_of(
            refer(&app, &cw, &json!({ "applicant_id": who })).await,
            201,
            b,
        )
        .await;

        // A plan for someone not registered, and dates out of order: 422, both named.
        let bad = json!({ "registered": false,
            "active_plan": { "from": "2026-11-10", "to": "2026-11-01" }, "programme": "x" });
        let put = app
            .client
            .put(app.url(&status))
            .bearer_auth(&af)
            .json(&bad)
            .send()
            .await
            .unwrap();
        let problem = assert_problem(put, 422, "validation-failed", b).await;
        let names: Vec<_> = problem["invalid_params"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(names, ["active_plan", "programme"], "[{b}]");
        assert_eq!(app.count("employment_service_statuses").await, 2, "[{b}]");
    }
}

#[actix_web::test]
async fn br6b_a_referral_needs_consent_to_viadidakt_and_a_revoked_consent_cuts_the_coach_off() {
    for app in each_backend().await {
        let b = app.backend;
        let cw = app.token(Role::Caseworker);
        let coach = app.token(Role::Coach);
        let who = person(&app, TOLVAN, &["employment_service"]).await;
        let refused = refer(&app, &cw, &json!({ "applicant_id": who })).await;
        assert_problem(refused, 409, "consent-required", b).await;
        assert_eq!(app.count("referrals").await, 0, "[{b}]");

        // With consent the coach sees the person, the referral and the list.
        let consent = json_of(
            app.post(&format!("/api/v1/0483/applicants/{who}/consents"), &cw, &json!({
                "recipient": "viadidakt", "purpose": "Stöd mot arbete", "given_at": "2026-11-20T09:30:00Z", "channel": "visit" })).await,
            201,
            b,
        )
        .await;
        let sent = json_of(
            refer(&app, &cw, &json!({ "applicant_id": who })).await,
            201,
            b,
        )
        .await;
        let id = sent["id"].as_str().unwrap();
        let person_path = format!("/api/v1/0483/applicants/{who}");
        let read = json_of(app.get(&person_path, &coach).await, 200, b).await;
        assert!(
            read.get("personal_number").is_none(),
            "[{b}] the labour-market view has no number"
        );
        json_of(
            app.get(&format!("/api/v1/0483/referrals/{id}"), &coach)
                .await,
            200,
            b,
        )
        .await;
        let list = json_of(app.get("/api/v1/0483/applicants", &coach).await, 200, b).await;
        assert_eq!(list["items"].as_array().unwrap().len(), 1, "[{b}]");

        // Revoked: every read of the coach is 404 at once.
        let consent_id = consent["id"].as_str().unwrap();
        json_of(
            app.post(
                &format!("/api/v1/0483/consents/{consent_id}/revoke"),
                &cw,
                &json!({}),
            )
            .await,
            200,
            b,
        )
        .await;
        assert_problem(app.get(&person_path, &coach).await, 404, "not-found", b).await;
        assert_problem(
            app.get(&format!("/api/v1/0483/referrals/{id}"), &coach)
                .await,
            404,
            "not-found",
            b,
        )
        .await;
        let list = json_of(app.get("/api/v1/0483/referrals", &coach).await, 200, b).await;
        assert_eq!(list["items"], json!([]), "[{b}]");
        let list = json_of(app.get("/api/v1/0483/applicants", &coach).await, 200, b).await;
        assert_eq!(list["items"], json!([]), "[{b}]");
        // Social services still read what they sent.
        json_of(
            app.get(&format!("/api/v1/0483/referrals/{id}"), &cw).await,
            200,
            b,
        )
        .await;
    }
}

#[actix_web::test]
async fn br7_every_move_needs_if_match_and_only_the_moves_of_the_state_machine_are_allowed() {
    for app in each_backend().await {
        let b = app.backend;
        let cw = app.token(Role::Caseworker);
        let coach = app.token_as(Role::Coach, "coach-anna");
        let who = person(&app, TOLVAN, &["viadidakt"]).await;
        let sent = json_of(
            refer(&app, &cw, &json!({ "applicant_id": who })).await,
            201,
            b,
        )
        .await;
        let id = sent["id"].as_str().unwrap();

        assert_problem(
            act(&app, &coach, id, "accept", None, Some(&json!({}))).await,
            428,
            "precondition-required",
            b,
        )
        .await;
        assert_problem(
            act(&app, &coach, id, "accept", Some("\"7\""), Some(&json!({}))).await,
            412,
            "precondition-failed",
            b,
        )
        .await;
        // A decline needs a reason.
        let problem = assert_problem(
            act(&app, &coach, id, "decline", Some("\"1\""), Some(&json!({}))).await,
            422,
            "validation-failed",
            b,
        )
        .await;
        assert_eq!(problem["invalid_params"][0]["name"], "reason", "[{b}]");
        // Not yet accepted: no meeting, no closing.
        let at = json!({ "scheduled_at": (now() + Duration::days(1)).to_rfc3339() });
        let problem = assert_problem(
            act(&app, &coach, id, "first-meeting", Some("\"1\""), Some(&at)).await,
            409,
            "invalid-status-transition",
            b,
        )
        .await;
        assert_eq!(problem["current_status"], "sent", "[{b}]");
        let close = json!({ "outcome": "moved", "closed_on": today().to_string() });
        assert_problem(
            act(&app, &coach, id, "close", Some("\"1\""), Some(&close)).await,
            409,
            "invalid-status-transition",
            b,
        )
        .await;

        // Accepting assigns the caller, or a named coach; the caseload is `assigned_to=me`.
        let accepted = json_of(
            act(&app, &coach, id, "accept", Some("\"1\""), Some(&json!({}))).await,
            200,
            b,
        )
        .await;
        assert_eq!(accepted["assigned_to"], "coach-anna", "[{b}]");
        assert_eq!(accepted["status"], "accepted", "[{b}]");
        let mine = json_of(
            app.get("/api/v1/0483/referrals?assigned_to=me", &coach)
                .await,
            200,
            b,
        )
        .await;
        assert_eq!(mine["items"].as_array().unwrap().len(), 1, "[{b}]");
        let other = app.token_as(Role::Coach, "coach-bo");
        let theirs = json_of(
            app.get("/api/v1/0483/referrals?assigned_to=me", &other)
                .await,
            200,
            b,
        )
        .await;
        assert_eq!(theirs["items"], json!([]), "[{b}]");
        // The sender may withdraw only what is not yet accepted.
        let problem = assert_problem(
            act(&app, &cw, id, "withdraw", Some("\"2\""), None).await,
            409,
            "invalid-status-transition",
            b,
        )
        .await;
        assert_eq!(problem["current_status"], "accepted", "[{b}]");
        // Held without a booking: 409.
        let held = json!({ "held_at": now().to_rfc3339(), "mapping": mapping() });
        assert_problem(
            act(
                &app,
                &coach,
                id,
                "first-meeting",
                Some("\"2\""),
                Some(&held),
            )
            .await,
            409,
            "invalid-status-transition",
            b,
        )
        .await;

        // A second referral is withdrawn by its sender, a third declined with a reason.
        let second = json_of(
            refer(&app, &cw, &json!({ "applicant_id": who })).await,
            201,
            b,
        )
        .await;
        let second = second["id"].as_str().unwrap();
        let withdrawn = json_of(
            act(&app, &cw, second, "withdraw", Some("\"1\""), None).await,
            200,
            b,
        )
        .await;
        assert_eq!(withdrawn["status"], "withdrawn", "[{b}]");
        let third = json_of(
            refer(&app, &cw, &json!({ "applicant_id": who })).await,
            201,
            b,
        )
        .await;
        let third = third["id"].as_str().unwrap();
        let reason = json!({ "reason": "Personen har redan en planering hos Arbetsförmedlingen." });
        let declined = json_of(
            act(&app, &other, third, "decline", Some("\"1\""), Some(&reason)).await,
            200,
            b,
        )
        .await;
        assert_eq!(declined["decline_reason"], reason["reason"], "[{b}]");
        assert_problem(
            act(&app, &other, third, "accept", Some("*"), Some(&json!({}))).await,
            404,
            "not-found",
            b,
        )
        .await;
        // A coach neither refers nor withdraws; a caseworker never accepts.
        assert_problem(
            refer(&app, &coach, &json!({ "applicant_id": who })).await,
            403,
            "forbidden",
            b,
        )
        .await;
        assert_problem(
            act(&app, &cw, id, "accept", Some("*"), Some(&json!({}))).await,
            403,
            "forbidden",
            b,
        )
        .await;
        app.assert_indicators_agree().await;
    }
}

#[actix_web::test]
async fn br8_closing_needs_an_outcome_and_a_date_and_the_coach_sees_the_person_90_days_after() {
    for app in each_backend().await {
        let b = app.backend;
        let cw = app.token(Role::Caseworker);
        let coach = app.token(Role::Coach);
        let who = person(&app, TOLVAN, &["viadidakt"]).await;
        let sent = json_of(
            refer(&app, &cw, &json!({ "applicant_id": who })).await,
            201,
            b,
        )
        .await;
        let id = sent["id"].as_str().unwrap();
        json_of(
            act(&app, &coach, id, "accept", Some("\"1\""), Some(&json!({}))).await,
            200,
            b,
        )
        .await;

        let before = app.footprint().await;
        let problem = assert_problem(
            act(&app, &coach, id, "close", Some("\"2\""), Some(&json!({}))).await,
            422,
            "validation-failed",
            b,
        )
        .await;
        let names: Vec<_> = problem["invalid_params"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["outcome", "closed_on"], "[{b}]");
        let bad =
            json!({ "outcome": "retired", "closed_on": (today() + Duration::days(1)).to_string() });
        let problem = assert_problem(
            act(&app, &coach, id, "close", Some("\"2\""), Some(&bad)).await,
            422,
            "validation-failed",
            b,
        )
        .await;
        assert_eq!(
            problem["invalid_params"].as_array().unwrap().len(),
            2,
            "[{b}]"
        );
        let early =
            json!({ "outcome": "studies", "closed_on": (today() - Duration::days(1)).to_string() });
        assert_problem(
            act(&app, &coach, id, "close", Some("\"2\""), Some(&early)).await,
            422,
            "validation-failed",
            b,
        )
        .await;
        assert_eq!(app.footprint().await, before, "[{b}] nothing written");

        let close = json!({ "outcome": "studies", "closed_on": today().to_string() });
        let closed = json_of(
            act(&app, &coach, id, "close", Some("\"2\""), Some(&close)).await,
            200,
            b,
        )
        .await;
        assert_eq!(
            (closed["status"].as_str(), closed["outcome"].as_str()),
            (Some("closed"), Some("studies")),
            "[{b}]"
        );
        let person_path = format!("/api/v1/0483/applicants/{who}");
        app.clock.set(now() + Duration::days(89));
        json_of(app.get(&person_path, &coach).await, 200, b).await;
        app.clock.set(now() + Duration::days(90));
        assert_problem(app.get(&person_path, &coach).await, 404, "not-found", b).await;
        assert_problem(
            app.get(&format!("/api/v1/0483/referrals/{id}"), &coach)
                .await,
            404,
            "not-found",
            b,
        )
        .await;
        let list = json_of(app.get("/api/v1/0483/applicants", &coach).await, 200, b).await;
        assert_eq!(list["items"], json!([]), "[{b}]");
        app.assert_indicators_agree().await;
    }
}

#[actix_web::test]
async fn br12_viadidakt_serves_vingaker_only_until_the_end_of_2024() {
    for app in each_backend().await {
        let b = app.backend;
        let cw = app.token_for(Role::Caseworker, &["0428"]);
        let created = app
            .post("/api/v1/0428/applicants", &cw, &applicant_body(TOLVAN))
            .await;
        let who = json_of(created, 201, b).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let consent = json!({ "recipient": "viadidakt", "purpose": "Stöd mot arbete",
            "given_at": "2024-12-01T09:30:00Z", "channel": "visit" });
        json_of(
            app.post(
                &format!("/api/v1/0428/applicants/{who}/consents"),
                &cw,
                &consent,
            )
            .await,
            201,
            b,
        )
        .await;
        let body = json!({ "applicant_id": who });
        let refused = app.post("/api/v1/0428/referrals", &cw, &body).await;
        let problem = assert_problem(refused, 409, "outside-service-area", b).await;
        assert!(
            problem["detail"].as_str().unwrap().contains("0428"),
            "[{b}]"
        );
        app.clock.set("2024-12-31T12:00:00Z".parse().unwrap());
        json_of(app.post("/api/v1/0428/referrals", &cw, &body).await, 201, b).await;
        app.clock.set("2025-01-01T12:00:00Z".parse().unwrap());
        assert_problem(
            app.post("/api/v1/0428/referrals", &cw, &body).await,
            409,
            "outside-service-area",
            b,
        )
        .await;
        assert_eq!(app.count("referrals").await, 1, "[{b}]");
    }
}

#[actix_web::test]
async fn the_first_meeting_records_the_mapping_the_caseworker_reads_and_af_does_not() {
    for app in each_backend().await {
        let b = app.backend;
        let cw = app.token(Role::Caseworker);
        let coach = app.token(Role::Coach);
        let af = app.token(Role::EmploymentOfficer);
        let who = person(&app, TOLVAN, &["viadidakt", "employment_service"]).await;
        let ours = json_of(
            refer(
                &app,
                &cw,
                &json!({ "applicant_id": who, "note": "Vill arbeta inom vården." }),
            )
            .await,
            201,
            b,
        )
        .await;
        let theirs = json_of(
            refer(&app, &af, &json!({ "applicant_id": who })).await,
            201,
            b,
        )
        .await;
        for sent in [&ours, &theirs] {
            let id = sent["id"].as_str().unwrap();
            json_of(
                act(&app, &coach, id, "accept", Some("\"1\""), Some(&json!({}))).await,
                200,
                b,
            )
            .await;
            let at = json!({ "scheduled_at": (now() + Duration::hours(2)).to_rfc3339() });
            json_of(
                act(&app, &coach, id, "first-meeting", Some("\"2\""), Some(&at)).await,
                200,
                b,
            )
            .await;
        }
        app.clock.set(now() + Duration::hours(3));
        let id = ours["id"].as_str().unwrap();

        // Every bad field is named at once, and nothing is written.
        let bad = json!({ "held_at": (now() + Duration::days(2)).to_rfc3339(), "mapping": {
            "education_level": "doctorate", "work_experience": " ", "languages": ["Svenska"],
            "af_answer": "not_registered" } });
        let problem = assert_problem(
            act(&app, &coach, id, "first-meeting", Some("\"3\""), Some(&bad)).await,
            422,
            "validation-failed",
            b,
        )
        .await;
        let mut names: Vec<_> = problem["invalid_params"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "held_at",
                "mapping.af_registration_guidance",
                "mapping.driving_licence",
                "mapping.education_level",
                "mapping.languages[0]",
                "mapping.work_experience"
            ],
            "[{b}] {problem}"
        );
        let both = json!({ "held_at": now().to_rfc3339(), "scheduled_at": now().to_rfc3339() });
        assert_problem(
            act(
                &app,
                &coach,
                id,
                "first-meeting",
                Some("\"3\""),
                Some(&both),
            )
            .await,
            422,
            "validation-failed",
            b,
        )
        .await;
        assert_eq!(app.count("first_meetings").await, 0, "[{b}]");

        let held = json!({ "held_at": now().to_rfc3339(), "mapping": mapping() });
        let after = json_of(
            act(
                &app,
                &coach,
                id,
                "first-meeting",
                Some("\"3\""),
                Some(&held),
            )
            .await,
            200,
            b,
        )
        .await;
        assert_eq!(after["status"], "first_meeting_held", "[{b}]");
        let read = json_of(
            app.get(&format!("/api/v1/0483/referrals/{id}"), &cw).await,
            200,
            b,
        )
        .await;
        assert_eq!(
            read["first_meeting"]["mapping"]["languages"],
            json!(["sv", "ar"]),
            "[{b}]"
        );
        assert_eq!(
            read["first_meeting"]["mapping"]["health_limits"], "Ont i ryggen vid tunga lyft.",
            "[{b}]"
        );
        assert_eq!(read["note"], "Vill arbeta inom vården.", "[{b}]");
        // AF's own referral: held, read by AF without the mapping.
        let theirs = theirs["id"].as_str().unwrap();
        json_of(
            act(
                &app,
                &coach,
                theirs,
                "first-meeting",
                Some("\"3\""),
                Some(&held),
            )
            .await,
            200,
            b,
        )
        .await;
        let read = json_of(
            app.get(&format!("/api/v1/0483/referrals/{theirs}"), &af)
                .await,
            200,
            b,
        )
        .await;
        assert!(read["first_meeting"]["held_at"].is_string(), "[{b}] {read}");
        assert!(
            read["first_meeting"].get("mapping").is_none(),
            "[{b}] {read}"
        );
        // Neither side reads the other's referral.
        assert_problem(
            app.get(&format!("/api/v1/0483/referrals/{id}"), &af).await,
            404,
            "not-found",
            b,
        )
        .await;
        assert_problem(
            app.get(&format!("/api/v1/0483/referrals/{theirs}"), &cw)
                .await,
            404,
            "not-found",
            b,
        )
        .await;
    }
}

#[actix_web::test]
async fn br6b_a_replayed_referral_is_refused_once_the_consent_is_revoked() {
    for app in each_backend().await {
        let b = app.backend;
        let cw = app.token(Role::Caseworker);
        let af = app.token(Role::EmploymentOfficer);
        let who = person(&app, TOLVAN, &["viadidakt", "employment_service"]).await;
        let send = || {
            app.client
                .post(app.url("/api/v1/0483/referrals"))
                .bearer_auth(&af)
                .header("idempotency-key", "af-anvisning-17")
                .json(&json!({ "applicant_id": who }))
                .send()
        };
        let first = json_of(send().await.unwrap(), 201, b).await;
        let again = send().await.unwrap();
        assert_eq!(again.headers()["idempotent-replayed"], "true", "[{b}]");
        assert_eq!(json_of(again, 201, b).await["id"], first["id"], "[{b}]");
        // The person revokes the consent to AF: the replay answers as a read would.
        let consents = json_of(
            app.get(&format!("/api/v1/0483/applicants/{who}/consents"), &cw)
                .await,
            200,
            b,
        )
        .await;
        let to_af = consents["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["recipient"] == "employment_service")
            .unwrap();
        let revoke = format!(
            "/api/v1/0483/consents/{}/revoke",
            to_af["id"].as_str().unwrap()
        );
        json_of(app.post(&revoke, &cw, &json!({})).await, 200, b).await;
        assert_problem(send().await.unwrap(), 404, "not-found", b).await;
    }
}
