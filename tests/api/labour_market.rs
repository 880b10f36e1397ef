//! The labour-market loop over HTTP, interventions (BR-9), the three-party
//! plan and Viadidakt's programmes.

use bistand::auth::Role;
use chrono::Duration;
use serde_json::{Value, json};

use crate::helpers::*;

/// POST with `If-Match`.
async fn post_if(
    app: &TestApp,
    path: &str,
    token: &str,
    tag: &str,
    body: Option<&Value>,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .header("if-match", tag);
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.unwrap()
}

/// PATCH as a merge patch with `If-Match`.
async fn patch_if(
    app: &TestApp,
    path: &str,
    token: &str,
    tag: &str,
    body: &Value,
) -> reqwest::Response {
    app.patch(path, token, Some(tag), body).await
}

fn etag(v: &Value) -> String {
    format!("\"{}\"", v["version"])
}

fn mapping(af_answer: &str) -> Value {
    json!({
        "education_level": "primary", "work_experience": "Städ och servering.",
        "languages": ["ti", "sv"], "driving_licence": true, "af_answer": af_answer
    })
}

/// A consenting person in 0483 referred by social services, accepted, with
/// the first meeting booked and held today; the referral.
async fn met(app: &TestApp, personal_number: &str) -> Value {
    let cw = app.token(Role::Caseworker);
    let coach = app.token(Role::Coach);
    let person = app.create_applicant(personal_number).await;
    let who = person["id"].as_str().unwrap();
    let consent = json!({ "recipient": "viadidakt", "purpose": "Stöd mot arbete",
        "given_at": "2026-11-20T09:30:00Z", "channel": "visit" });
    json_of(
        app.post(
            &format!("/api/v1/0483/applicants/{who}/consents"),
            &cw,
            &consent,
        )
        .await,
        201,
        "consent",
    )
    .await;
    let sent = json_of(
        app.post(
            "/api/v1/0483/referrals",
            &cw,
            &json!({ "applicant_id": who }),
        )
        .await,
        201,
        "refer",
    )
    .await;
    let path = format!("/api/v1/0483/referrals/{}", sent["id"].as_str().unwrap());
    let r = json_of(
        post_if(
            app,
            &format!("{path}/accept"),
            &coach,
            "\"1\"",
            Some(&json!({})),
        )
        .await,
        200,
        "accept",
    )
    .await;
    let at = json!({ "scheduled_at": now().to_rfc3339() });
    let r = json_of(
        post_if(
            app,
            &format!("{path}/first-meeting"),
            &coach,
            &etag(&r),
            Some(&at),
        )
        .await,
        200,
        "book",
    )
    .await;
    let held = json!({ "held_at": now().to_rfc3339(), "mapping": mapping("no_plan") });
    json_of(
        post_if(
            app,
            &format!("{path}/first-meeting"),
            &coach,
            &etag(&r),
            Some(&held),
        )
        .await,
        200,
        "held",
    )
    .await
}

fn referral_path(r: &Value) -> String {
    format!("/api/v1/0483/referrals/{}", r["id"].as_str().unwrap())
}

#[actix_web::test]
async fn the_whole_loop_from_application_to_subsidised_work_runs_over_http() {
    for app in each_backend().await {
        let b = app.backend;
        let portal = app.token(Role::Eservice);
        let cs = app.token(Role::CaseSystem);
        let cw = app.token(Role::Caseworker);
        let coach = app.token_as(Role::Coach, "coach-lina");
        let af = app.token(Role::EmploymentOfficer);
        let admin = app.token(Role::Admin);

        // Apply through the portal; consents to Viadidakt and AF.
        let receipt = created(
            app.submit(&portal, Some("loop-1"), &application_body(TOLVAN))
                .await,
            b,
        )
        .await;
        let application = receipt["id"].as_str().unwrap().to_owned();
        let who = receipt["applicant_id"].as_str().unwrap().to_owned();
        for recipient in ["viadidakt", "employment_service"] {
            let consent = json!({ "personal_number": TOLVAN, "recipient": recipient,
                "purpose": "Samverkan om planering mot arbete", "given_at": "2026-11-25T08:00:00Z", "channel": "e_service" });
            json_of(
                app.post(
                    &format!("/api/v1/0483/applicants/{who}/consents"),
                    &portal,
                    &consent,
                )
                .await,
                201,
                b,
            )
            .await;
        }
        // Investigate and decide with 50 % work capacity.
        json_of(
            app.act(&application, "investigation", &cs, Some("\"1\""), None)
                .await,
            200,
            b,
        )
        .await;
        let decision = decision("granted", Some("6200.00"), 50);
        json_of(
            app.act(
                &application,
                "decision",
                &cs,
                Some("\"2\""),
                Some(&decision),
            )
            .await,
            200,
            b,
        )
        .await;

        // Refer: the first meeting is due within the week of the application.
        let sent = json_of(app.post("/api/v1/0483/referrals", &cw,
            &json!({ "applicant_id": who, "application_id": application, "note": "Vill arbeta inom vården." })).await, 201, b).await;
        let due = today() + Duration::days(7);
        assert_eq!(sent["first_meeting_due"], due.to_string(), "[{b}]");
        let path = referral_path(&sent);

        // Accept, book and hold the first meeting on day 2 (AF: not registered, guided).
        let r = json_of(
            post_if(
                &app,
                &format!("{path}/accept"),
                &coach,
                &etag(&sent),
                Some(&json!({})),
            )
            .await,
            200,
            b,
        )
        .await;
        let at = json!({ "scheduled_at": (now() + Duration::days(2)).to_rfc3339() });
        let r = json_of(
            post_if(
                &app,
                &format!("{path}/first-meeting"),
                &coach,
                &etag(&r),
                Some(&at),
            )
            .await,
            200,
            b,
        )
        .await;
        app.clock.set(now() + Duration::days(2));
        let mut held_mapping = mapping("not_registered");
        held_mapping["af_registration_guidance"] = json!(true);
        let held =
            json!({ "held_at": (now() + Duration::days(2)).to_rfc3339(), "mapping": held_mapping });
        let r = json_of(
            post_if(
                &app,
                &format!("{path}/first-meeting"),
                &coach,
                &etag(&r),
                Some(&held),
            )
            .await,
            200,
            b,
        )
        .await;
        assert_eq!(r["days_late"], Value::Null, "[{b}] met inside the week");
        let overdue = json_of(
            app.get(
                &format!(
                    "/api/v1/0483/referrals?overdue=true&as_of={}",
                    due + Duration::days(1)
                ),
                &cw,
            )
            .await,
            200,
            b,
        )
        .await;
        assert_eq!(overdue["items"], json!([]), "[{b}]");

        // The person registers at AF; the three-party plan.
        let status = format!("/api/v1/0483/applicants/{who}/employment-service-status");
        let put = app
            .client
            .put(app.url(&status))
            .bearer_auth(&af)
            .json(&json!({ "registered": true }))
            .send()
            .await
            .unwrap();
        json_of(put, 200, b).await;
        let plan = json!({ "agreed_on": (today() + Duration::days(2)).to_string(),
            "participants": ["person", "caseworker", "coach"],
            "goals": ["Förberedande vårdutbildning", "Anställning inom äldreomsorgen"],
            "next_follow_up": (today() + Duration::days(30)).to_string() });
        let r = json_of(
            post_if(&app, &format!("{path}/plan"), &cw, &etag(&r), Some(&plan)).await,
            200,
            b,
        )
        .await;
        assert_eq!(r["status"], "plan_established", "[{b}]");
        assert_eq!(r["plan"]["revision"], 1, "[{b}]");

        // Place the person on a programme.
        let programme = json_of(
            app.post(
                "/api/v1/0483/programmes",
                &admin,
                &json!({
            "name": "Korta vårdspåret", "kind": "vocational_training", "start_date": "2026-12-01",
            "end_date": "2027-04-11", "places": 12 }),
            )
            .await,
            201,
            b,
        )
        .await;
        let course = json!({ "kind": "vocational_training", "placement": "viadidakt_own", "extent_percent": 100,
            "start_date": "2026-12-01", "end_date": "2027-04-11", "programme_id": programme["id"] });
        json_of(
            app.post(&format!("{path}/interventions"), &coach, &course)
                .await,
            201,
            b,
        )
        .await;
        let programme_path = format!(
            "/api/v1/0483/programmes/{}",
            programme["id"].as_str().unwrap()
        );
        let taken = json_of(app.get(&programme_path, &cw).await, 200, b).await;
        assert_eq!(taken["places_taken"], 1, "[{b}]");
        let participants = json_of(
            app.get(&format!("{programme_path}/participants"), &coach)
                .await,
            200,
            b,
        )
        .await;
        assert_eq!(
            participants["items"][0]["applicant_id"],
            who.as_str(),
            "[{b}]"
        );

        // A subsidised employment of a kind AF pays for, with AF's assessment.
        let job = json!({ "kind": "subsidised_employment", "subtype": "introduktionsjobb", "placement": "municipal",
            "extent_percent": 100, "start_date": "2027-04-12", "monthly_cost": "26000.00", "monthly_subsidy": "20800.00",
            "af_assessment": { "assessed_on": today().to_string(), "qualifies": true } });
        let job = json_of(
            app.post(&format!("{path}/interventions"), &coach, &job)
                .await,
            201,
            b,
        )
        .await;
        assert_eq!(job["monthly_subsidy"], "20800.00", "[{b}]");

        // Close with work_subsidised.
        let r = json_of(app.get(&path, &coach).await, 200, b).await;
        assert_eq!(r["interventions"].as_array().unwrap().len(), 2, "[{b}]");
        let close = json!({ "outcome": "work_subsidised", "closed_on": today().to_string() });
        let closed = json_of(
            post_if(
                &app,
                &format!("{path}/close"),
                &coach,
                &etag(&r),
                Some(&close),
            )
            .await,
            200,
            b,
        )
        .await;
        assert_eq!(
            (closed["status"].as_str(), closed["outcome"].as_str()),
            (Some("closed"), Some("work_subsidised")),
            "[{b}]"
        );

        // The case system follows it all in its feed.
        let feed = json_of(app.get("/api/v1/0483/events?limit=1000", &cs).await, 200, b).await;
        let types: Vec<&str> = feed["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["resource"] == "referral")
            .map(|e| e["type"].as_str().unwrap())
            .collect();
        assert_eq!(
            types,
            [
                "referral.created",
                "referral.status_changed",
                "referral.status_changed",
                "referral.status_changed",
                "referral.status_changed",
                "referral.intervention_added",
                "referral.intervention_added",
                "referral.status_changed"
            ],
            "[{b}]"
        );
        app.assert_indicators_agree().await;
    }
}

#[actix_web::test]
async fn br9_interventions_start_at_the_first_meeting_and_af_paid_employment_needs_afs_assessment()
{
    for app in each_backend().await {
        let b = app.backend;
        let cw = app.token(Role::Caseworker);
        let coach = app.token(Role::Coach);
        // Not before the first meeting is held.
        let who = app.create_applicant(ERIK).await;
        let who = who["id"].as_str().unwrap();
        let consent = json!({ "recipient": "viadidakt", "purpose": "Stöd mot arbete", "given_at": "2026-11-20T09:30:00Z", "channel": "visit" });
        json_of(
            app.post(
                &format!("/api/v1/0483/applicants/{who}/consents"),
                &cw,
                &consent,
            )
            .await,
            201,
            b,
        )
        .await;
        let early = json_of(
            app.post(
                "/api/v1/0483/referrals",
                &cw,
                &json!({ "applicant_id": who }),
            )
            .await,
            201,
            b,
        )
        .await;
        let work = json!({ "kind": "internship", "placement": "private_sector", "extent_percent": 50, "start_date": "2026-12-01" });
        let problem = assert_problem(
            app.post(
                &format!("{}/interventions", referral_path(&early)),
                &coach,
                &work,
            )
            .await,
            409,
            "invalid-status-transition",
            b,
        )
        .await;
        assert_eq!(problem["current_status"], "sent", "[{b}]");

        let r = met(&app, TOLVAN).await;
        let path = format!("{}/interventions", referral_path(&r));
        let before = app.count("interventions").await;
        // Every bad field at once: unknown kind, end before start, extent, decimals.
        let bad = json!({ "kind": "gardening", "placement": "moon", "extent_percent": 120,
            "start_date": "2026-12-01", "end_date": "2026-11-01", "monthly_cost": "100.123", "monthly_subsidy": "-1" });
        let problem = assert_problem(
            app.post(&path, &coach, &bad).await,
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
                "extent_percent",
                "kind",
                "monthly_cost",
                "monthly_subsidy",
                "placement"
            ],
            "[{b}] {problem}"
        );
        let bad = json!({ "kind": "internship", "subtype": "nystartsjobb", "placement": "municipal", "extent_percent": 50,
            "start_date": "2026-12-01", "end_date": "2026-11-01", "monthly_subsidy": "100.00" });
        let problem = assert_problem(
            app.post(&path, &coach, &bad).await,
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
        assert_eq!(names, ["subtype", "end_date", "monthly_subsidy"], "[{b}]");

        // AF pays for it: AF's assessment is required, and must say the person qualifies.
        let mut job = json!({ "kind": "subsidised_employment", "subtype": "extratjanst", "placement": "non_profit",
            "extent_percent": 75, "start_date": "2026-12-01", "monthly_cost": "20000.00", "monthly_subsidy": "20000.00" });
        assert_problem(
            app.post(&path, &coach, &job).await,
            409,
            "af-assessment-required",
            b,
        )
        .await;
        job["af_assessment"] = json!({ "assessed_on": today().to_string(), "qualifies": false });
        assert_problem(
            app.post(&path, &coach, &job).await,
            409,
            "af-assessment-required",
            b,
        )
        .await;
        assert_eq!(
            app.count("interventions").await,
            before,
            "[{b}] nothing written"
        );
        job["af_assessment"]["qualifies"] = json!(true);
        let added = json_of(app.post(&path, &coach, &job).await, 201, b).await;
        // OSA is not one AF's judgement decides here.
        let osa = json!({ "kind": "subsidised_employment", "subtype": "osa", "placement": "municipal", "extent_percent": 50, "start_date": "2026-12-01" });
        json_of(app.post(&path, &coach, &osa).await, 201, b).await;

        // A change keeps the rules: removing AF's assessment is refused; If-Match is required.
        let one = format!("{path}/{}", added["id"].as_str().unwrap());
        assert_problem(
            app.patch(&one, &coach, None, &json!({ "extent_percent": 50 }))
                .await,
            428,
            "precondition-required",
            b,
        )
        .await;
        assert_problem(
            patch_if(
                &app,
                &one,
                &coach,
                "\"1\"",
                &json!({ "af_assessment": null }),
            )
            .await,
            409,
            "af-assessment-required",
            b,
        )
        .await;
        let problem = assert_problem(
            patch_if(
                &app,
                &one,
                &coach,
                "\"1\"",
                &json!({ "extent_percent": 0, "end_date": "2026-01-01" }),
            )
            .await,
            422,
            "validation-failed",
            b,
        )
        .await;
        assert_eq!(
            problem["invalid_params"].as_array().unwrap().len(),
            2,
            "[{b}] {problem}"
        );
        let changed = json_of(
            patch_if(
                &app,
                &one,
                &coach,
                "\"1\"",
                &json!({ "extent_percent": 50, "end_date": "2027-05-31" }),
            )
            .await,
            200,
            b,
        )
        .await;
        assert_eq!(
            (
                changed["extent_percent"].as_i64(),
                changed["version"].as_i64()
            ),
            (Some(50), Some(2)),
            "[{b}]"
        );
        assert_problem(
            patch_if(
                &app,
                &one,
                &coach,
                "\"1\"",
                &json!({ "extent_percent": 60 }),
            )
            .await,
            412,
            "precondition-failed",
            b,
        )
        .await;
        // Closed: no more interventions.
        let r = json_of(app.get(&referral_path(&r), &coach).await, 200, b).await;
        let close = json!({ "outcome": "work_subsidised", "closed_on": today().to_string() });
        json_of(
            post_if(
                &app,
                &format!("{}/close", referral_path(&r)),
                &coach,
                &etag(&r),
                Some(&close),
            )
            .await,
            200,
            b,
        )
        .await;
        assert_problem(
            app.post(&path, &coach, &osa).await,
            409,
            "invalid-status-transition",
            b,
        )
        .await;
        app.assert_indicators_agree().await;
    }
}

#[actix_web::test]
async fn br6_the_plan_of_a_person_with_an_af_plan_names_it_and_follow_ups_are_listed_when_late() {
    for app in each_backend().await {
        let b = app.backend;
        let cw = app.token(Role::Caseworker);
        let coach = app.token(Role::Coach);
        let r = met(&app, TOLVAN).await;
        let who = r["applicant_id"].as_str().unwrap();
        let status = format!("/api/v1/0483/applicants/{who}/employment-service-status");
        let af_plan = json!({ "registered": true, "active_plan": { "from": today().to_string() } });
        json_of(
            app.client
                .put(app.url(&status))
                .bearer_auth(&coach)
                .json(&af_plan)
                .send()
                .await
                .unwrap(),
            200,
            b,
        )
        .await;

        let path = format!("{}/plan", referral_path(&r));
        let mut plan = json!({ "agreed_on": today().to_string(), "participants": ["person", "caseworker", "coach"],
            "goals": ["Följa planeringen hos Arbetsförmedlingen"], "next_follow_up": (today() + Duration::days(14)).to_string() });
        assert_problem(
            post_if(&app, &path, &cw, &etag(&r), Some(&plan)).await,
            409,
            "af-plan-active",
            b,
        )
        .await;
        // The coach must be one of the parties, and the follow-up after the agreement.
        let bad = json!({ "agreed_on": today().to_string(), "participants": ["person", "caseworker"],
            "goals": [], "next_follow_up": today().to_string() });
        let problem = assert_problem(
            post_if(&app, &path, &cw, &etag(&r), Some(&bad)).await,
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
        assert_eq!(names, ["participants", "goals", "next_follow_up"], "[{b}]");
        plan["follows_af_plan"] = json!(true);
        let r = json_of(
            post_if(&app, &path, &cw, &etag(&r), Some(&plan)).await,
            200,
            b,
        )
        .await;
        assert_eq!(
            r["plan"]["follows_af_plan"]["from"],
            today().to_string(),
            "[{b}]"
        );

        // Late follow-up: listed with the days late; a revision moves it on.
        let late = (today() + Duration::days(16)).to_string();
        let list = json_of(
            app.get(
                &format!("/api/v1/0483/referrals?follow_up_overdue=true&as_of={late}"),
                &coach,
            )
            .await,
            200,
            b,
        )
        .await;
        assert_eq!(list["items"][0]["follow_up_days_late"], 2, "[{b}] {list}");
        app.clock.set(now() + Duration::days(16));
        plan["agreed_on"] = json!(late);
        plan["next_follow_up"] = json!((today() + Duration::days(40)).to_string());
        let revised = json_of(
            post_if(&app, &path, &coach, &etag(&r), Some(&plan)).await,
            200,
            b,
        )
        .await;
        assert_eq!(revised["plan"]["revision"], 2, "[{b}]");
        let list = json_of(
            app.get("/api/v1/0483/referrals?follow_up_overdue=true", &coach)
                .await,
            200,
            b,
        )
        .await;
        assert_eq!(list["items"], json!([]), "[{b}]");
        app.assert_indicators_agree().await;
    }
}

#[actix_web::test]
async fn programme_places_are_never_overbooked_also_under_concurrent_requests() {
    for app in each_backend().await {
        let b = app.backend;
        let coach = app.token(Role::Coach);
        let admin = app.token(Role::Admin);
        // The seeds' cleaning course: 15 weeks from April 2019, 20 places.
        let bad = json!({ "name": " ", "kind": "cleaning", "start_date": "2019-04-01", "end_date": "2019-03-01", "places": 0 });
        let problem = assert_problem(
            app.post("/api/v1/0483/programmes", &admin, &bad).await,
            422,
            "validation-failed",
            b,
        )
        .await;
        assert_eq!(
            problem["invalid_params"].as_array().unwrap().len(),
            4,
            "[{b}] {problem}"
        );
        let programme = json_of(app.post("/api/v1/0483/programmes", &coach, &json!({
            "name": "Lokalvårdsutbildning", "kind": "vocational_training", "start_date": "2019-04-01",
            "end_date": "2019-07-14", "places": 2 })).await, 201, b).await;
        let id = programme["id"].as_str().unwrap();
        let mut referrals = Vec::new();
        for pn in [
            "19121212-1212",
            "19821105-9954",
            "19901211-9948",
            "19730674-9982",
        ] {
            referrals.push(met(&app, pn).await);
        }
        let place = json!({ "kind": "vocational_training", "placement": "viadidakt_own", "extent_percent": 100,
            "start_date": "2019-04-01", "programme_id": id });
        let requests = referrals.iter().map(|r| {
            let path = format!("{}/interventions", referral_path(r));
            let (app, coach, place) = (&app, &coach, &place);
            async move { app.post(&path, coach, place).await.status().as_u16() }
        });
        let mut statuses = futures_util::future::join_all(requests).await;
        statuses.sort();
        assert_eq!(statuses, [201, 201, 409, 409], "[{b}]");
        let programme_path = format!("/api/v1/0483/programmes/{id}");
        let now_taken = json_of(app.get(&programme_path, &coach).await, 200, b).await;
        assert_eq!(now_taken["places_taken"], 2, "[{b}]");
        // Taking a place is a change: a change made on the version read before is stale.
        assert_eq!(now_taken["version"], 3, "[{b}]");
        assert_problem(
            patch_if(
                &app,
                &programme_path,
                &admin,
                "\"1\"",
                &json!({ "places": 5 }),
            )
            .await,
            412,
            "precondition-failed",
            b,
        )
        .await;
        assert_eq!(app.count("interventions").await, 2, "[{b}]");
        // Places never fall below those taken; a wrong kind is named.
        let problem = assert_problem(
            patch_if(
                &app,
                &programme_path,
                &admin,
                &etag(&now_taken),
                &json!({ "places": 1 }),
            )
            .await,
            422,
            "validation-failed",
            b,
        )
        .await;
        assert_eq!(problem["invalid_params"][0]["name"], "places", "[{b}]");
        let more = json_of(
            patch_if(
                &app,
                &programme_path,
                &admin,
                &etag(&now_taken),
                &json!({ "places": 3 }),
            )
            .await,
            200,
            b,
        )
        .await;
        assert_eq!(more["places"], 3, "[{b}]");
        let mut wrong = place.clone();
        wrong["kind"] = json!("internship");
        let problem = assert_problem(
            app.post(
                &format!("{}/interventions", referral_path(&referrals[3])),
                &coach,
                &wrong,
            )
            .await,
            422,
            "validation-failed",
            b,
        )
        .await;
        assert_eq!(
            problem["invalid_params"][0]["name"], "programme_id",
            "[{b}]"
        );
        // Participants are a coach's view; social services read the programme only.
        let cw = app.token(Role::Caseworker);
        assert_problem(
            app.get(&format!("{programme_path}/participants"), &cw)
                .await,
            403,
            "forbidden",
            b,
        )
        .await;
        let list = json_of(
            app.get(&format!("{programme_path}/participants"), &coach)
                .await,
            200,
            b,
        )
        .await;
        assert_eq!(list["items"].as_array().unwrap().len(), 2, "[{b}]");
        app.assert_indicators_agree().await;
    }
}

/// Every key anywhere in `value`.
fn keys_in(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                found.push(k.clone());
                keys_in(v, found);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| keys_in(v, found)),
        _ => {}
    }
}

#[actix_web::test]
async fn the_coach_and_the_af_officer_each_get_exactly_the_keys_of_their_own_schema() {
    let spec: Value = serde_json::from_str(&bistand::openapi::json()).unwrap();
    let properties = |name: &str| -> Vec<String> {
        let mut keys: Vec<String> = spec["components"]["schemas"][name]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        keys.sort();
        keys
    };
    for app in each_backend().await {
        let b = app.backend;
        let cw = app.token(Role::Caseworker);
        let af = app.token(Role::EmploymentOfficer);
        let coach = app.token(Role::Coach);
        let cs = app.token(Role::CaseSystem);
        // Referred by both sides, decided at 60 %, AF's report recorded.
        let r = met(&app, TOLVAN).await;
        let who = r["applicant_id"].as_str().unwrap();
        let application = created(app.submit(&cs, None, &application_body(TOLVAN)).await, b).await;
        let id = application["id"].as_str().unwrap();
        json_of(
            app.act(id, "investigation", &cs, Some("*"), None).await,
            200,
            b,
        )
        .await;
        let decision = decision("granted", Some("4000.00"), 60);
        json_of(
            app.act(id, "decision", &cs, Some("*"), Some(&decision))
                .await,
            200,
            b,
        )
        .await;
        let consent = json!({ "recipient": "employment_service", "purpose": "Samverkan", "given_at": "2026-11-20T09:30:00Z", "channel": "visit" });
        json_of(
            app.post(
                &format!("/api/v1/0483/applicants/{who}/consents"),
                &cw,
                &consent,
            )
            .await,
            201,
            b,
        )
        .await;
        json_of(
            app.post(
                "/api/v1/0483/referrals",
                &af,
                &json!({ "applicant_id": who }),
            )
            .await,
            201,
            b,
        )
        .await;
        let status = format!("/api/v1/0483/applicants/{who}/employment-service-status");
        json_of(
            app.client
                .put(app.url(&status))
                .bearer_auth(&af)
                .json(&json!({ "registered": true }))
                .send()
                .await
                .unwrap(),
            200,
            b,
        )
        .await;

        let path = format!("/api/v1/0483/applicants/{who}/labour-market-view");
        for (token, schema, view, referrals) in [
            (&coach, "CoachView", "coach", 2),
            (&af, "EmploymentServiceView", "employment_service", 1),
        ] {
            let body = json_of(app.get(&path, token).await, 200, b).await;
            let mut keys: Vec<String> = body.as_object().unwrap().keys().cloned().collect();
            keys.sort();
            assert_eq!(
                keys,
                properties(schema),
                "[{b}] {view}: the keys of its schema, no more, no fewer"
            );
            assert_eq!(body["view"], view, "[{b}]");
            assert_eq!(
                body["referrals"].as_array().unwrap().len(),
                referrals,
                "[{b}] {view}"
            );
            let mut all = Vec::new();
            keys_in(&body, &mut all);
            for never in [
                "personal_number",
                "incomes",
                "expenses",
                "amount",
                "applied_amount",
                "approved_amount",
                "household",
                "message",
                "decision",
                "partner",
                "support_obstacle",
            ] {
                assert!(
                    !all.iter().any(|k| k == never),
                    "[{b}] {view} holds {never}"
                );
            }
            if view == "coach" {
                assert_eq!(body["work_capacity_percent"], 60, "[{b}]");
                assert_eq!(body["stated_reasons"], json!(["unemployed"]), "[{b}]");
            } else {
                assert!(
                    !all.iter().any(|k| k == "mapping"),
                    "[{b}] AF's view has no mapping"
                );
            }
        }
        // Social services read the person in full elsewhere; no consent, no view.
        assert_problem(app.get(&path, &cw).await, 403, "forbidden", b).await;
        let stranger = app.create_applicant(ERIK).await;
        let other = format!(
            "/api/v1/0483/applicants/{}/labour-market-view",
            stranger["id"].as_str().unwrap()
        );
        assert_problem(app.get(&other, &coach).await, 404, "not-found", b).await;
        assert_problem(app.get(&other, &af).await, 404, "not-found", b).await;
    }
}

#[actix_web::test]
async fn a_programme_lists_only_participants_whose_own_referral_the_coach_still_sees() {
    for app in each_backend().await {
        let b = app.backend;
        let cw = app.token(Role::Caseworker);
        let coach = app.token(Role::Coach);
        let programme = json_of(app.post("/api/v1/0483/programmes", &coach, &json!({
            "name": "Korta vårdspåret", "kind": "vocational_training", "start_date": "2026-12-01", "places": 5 })).await, 201, b).await;
        let id = programme["id"].as_str().unwrap();
        let r = met(&app, TOLVAN).await;
        let place = json!({ "kind": "vocational_training", "placement": "viadidakt_own", "extent_percent": 100,
            "start_date": "2026-12-01", "programme_id": id, "monthly_cost": "9000.00" });
        json_of(
            app.post(
                &format!("{}/interventions", referral_path(&r)),
                &coach,
                &place,
            )
            .await,
            201,
            b,
        )
        .await;
        let close = json!({ "outcome": "studies", "closed_on": today().to_string() });
        json_of(
            post_if(
                &app,
                &format!("{}/close", referral_path(&r)),
                &coach,
                &etag(&r),
                Some(&close),
            )
            .await,
            200,
            b,
        )
        .await;
        let participants = format!("/api/v1/0483/programmes/{id}/participants");
        let list = json_of(app.get(&participants, &coach).await, 200, b).await;
        assert_eq!(
            list["items"].as_array().unwrap().len(),
            1,
            "[{b}] closed under 90 days ago"
        );
        // 100 days on, a new referral gives sight of the person, not of the old one's work.
        app.clock.set(now() + Duration::days(100));
        let who = r["applicant_id"].as_str().unwrap();
        json_of(
            app.post(
                "/api/v1/0483/referrals",
                &cw,
                &json!({ "applicant_id": who }),
            )
            .await,
            201,
            b,
        )
        .await;
        assert_problem(
            app.get(&referral_path(&r), &coach).await,
            404,
            "not-found",
            b,
        )
        .await;
        let list = json_of(app.get(&participants, &coach).await, 200, b).await;
        assert_eq!(list["items"], json!([]), "[{b}]");
        // The coach's reads of persons are in the auditor's monthly report.
        json_of(
            app.get(
                &format!("/api/v1/0483/applicants/{who}/labour-market-view"),
                &coach,
            )
            .await,
            200,
            b,
        )
        .await;
        let month = today().format("%Y-%m").to_string();
        let auditor = app.token(Role::Auditor);
        let report = json_of(
            app.get(&format!("/api/v1/audit/report?month={month}"), &auditor)
                .await,
            200,
            b,
        )
        .await;
        let actions: Vec<&str> = report["labour_market_reads"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["record"]["action"].as_str().unwrap())
            .collect();
        assert!(
            actions.contains(&"applicant.labour_market_view"),
            "[{b}] {actions:?}"
        );
    }
}
