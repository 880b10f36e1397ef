//! Applicants: BR-1, uniqueness, ETags, paging, protected identity.

use bistand::auth::Role;
use serde_json::{Value, json};

use crate::helpers::*;

#[actix_web::test]
async fn caseworker_registers_an_applicant_and_reads_it_back_with_etag() {
    for app in each_backend().await {
        let b = app.backend;
        let token = app.token(Role::Caseworker);
        let response = app
            .post("/api/v1/0483/applicants", &token, &applicant_body(TOLVAN))
            .await;
        assert_eq!(response.status(), 201, "[{b}]");
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        assert_eq!(response.headers()["etag"], "\"1\"", "[{b}]");
        let created: Value = response.json().await.unwrap();
        assert_eq!(
            location,
            format!(
                "/api/v1/0483/applicants/{}",
                created["id"].as_str().unwrap()
            )
        );
        assert_eq!(
            created["personal_number"], "191212121212",
            "[{b}] stored as 12 digits"
        );
        assert_eq!(created["sex"], "M", "[{b}]");
        assert_eq!(created["address"]["postal_code"], "64130", "[{b}]");
        assert_eq!(created["version"], 1, "[{b}]");

        let response = app.get(&location, &token).await;
        assert_eq!(response.status(), 200, "[{b}]");
        assert_eq!(response.headers()["etag"], "\"1\"", "[{b}]");
        let read: Value = response.json().await.unwrap();
        assert_eq!(read, created, "[{b}] the read equals the create answer");
    }
}

#[actix_web::test]
async fn br1_ten_digit_and_coordination_numbers_are_stored_as_twelve_digits() {
    for app in each_backend().await {
        let b = app.backend;
        let created = app.create_applicant("730674-9982").await;
        assert_eq!(created["personal_number"], "197306749982", "[{b}]");
        assert_eq!(created["coordination_number"], true, "[{b}]");
        assert_eq!(created["sex"], "K", "[{b}]");
    }
}

#[actix_web::test]
async fn br1_an_invalid_personal_number_is_a_422_naming_the_field_and_writes_nothing() {
    for app in each_backend().await {
        let b = app.backend;
        let token = app.token(Role::Caseworker);
        let before = app.applicant_count().await;
        let mut body = applicant_body(BAD_CHECK_DIGIT);
        body["first_name"] = json!(" ");
        body["address"]["postal_code"] = json!("123");
        let response = app.post("/api/v1/0483/applicants", &token, &body).await;
        let problem = assert_problem(response, 422, "validation-failed", b).await;
        let names = invalid_names(&problem);
        assert_eq!(
            names,
            ["personal_number", "first_name", "address.postal_code"],
            "[{b}]"
        );
        assert!(
            !problem.to_string().contains("9996"),
            "[{b}] the number is not echoed"
        );
        assert_eq!(app.applicant_count().await, before, "[{b}] nothing written");
    }
}

#[actix_web::test]
async fn a_second_applicant_with_the_same_personal_number_in_a_municipality_is_409() {
    for app in each_backend().await {
        let b = app.backend;
        app.create_applicant(TOLVAN).await;
        let token = app.token_for(Role::Caseworker, &["0483", "0428"]);
        // The same person in another form is the same person.
        let response = app
            .post(
                "/api/v1/0483/applicants",
                &token,
                &applicant_body("121212+1212"),
            )
            .await;
        assert_problem(response, 409, "duplicate-applicant", b).await;
        // Another municipality keeps its own register.
        let response = app
            .post("/api/v1/0428/applicants", &token, &applicant_body(TOLVAN))
            .await;
        assert_eq!(response.status(), 201, "[{b}]");
        assert_eq!(app.applicant_count().await, 2, "[{b}]");
    }
}

#[actix_web::test]
async fn concurrent_registrations_of_one_person_create_exactly_one_applicant() {
    for app in each_backend().await {
        let b = app.backend;
        let token = app.token(Role::Caseworker);
        let body = applicant_body(ERIK);
        let attempts = (0..12).map(|_| app.post("/api/v1/0483/applicants", &token, &body));
        let statuses: Vec<u16> = futures_util::future::join_all(attempts)
            .await
            .iter()
            .map(|r| r.status().as_u16())
            .collect();
        assert_eq!(
            statuses.iter().filter(|s| **s == 201).count(),
            1,
            "[{b}] {statuses:?}"
        );
        assert_eq!(
            statuses.iter().filter(|s| **s == 409).count(),
            11,
            "[{b}] {statuses:?}"
        );
        assert_eq!(app.applicant_count().await, 1, "[{b}]");
    }
}

#[actix_web::test]
async fn search_finds_an_applicant_by_personal_number_in_the_body() {
    for app in each_backend().await {
        let b = app.backend;
        let created = app.create_applicant(TOLVAN).await;
        let token = app.token(Role::CaseSystem);
        let response = app
            .post(
                "/api/v1/0483/applicants/search",
                &token,
                &json!({ "personal_number": "121212+1212" }),
            )
            .await;
        assert_eq!(response.status(), 200, "[{b}]");
        let found: Value = response.json().await.unwrap();
        assert_eq!(found["id"], created["id"], "[{b}]");

        let response = app
            .post(
                "/api/v1/0483/applicants/search",
                &token,
                &json!({ "personal_number": ANNA }),
            )
            .await;
        assert_problem(response, 404, "not-found", b).await;
        let response = app
            .post(
                "/api/v1/0483/applicants/search",
                &token,
                &json!({ "personal_number": "12" }),
            )
            .await;
        let problem = assert_problem(response, 422, "validation-failed", b).await;
        assert_eq!(
            problem["invalid_params"][0]["name"], "personal_number",
            "[{b}]"
        );
    }
}

#[actix_web::test]
async fn patch_requires_if_match_428_refuses_a_stale_version_412_and_bumps_the_etag() {
    for app in each_backend().await {
        let b = app.backend;
        let created = app.create_applicant(TOLVAN).await;
        let path = created["links"]["self"].as_str().unwrap();
        let token = app.token(Role::Caseworker);
        let change = json!({ "phone": "0150-999 99" });

        let response = app.patch(path, &token, None, &change).await;
        assert_problem(response, 428, "precondition-required", b).await;

        let response = app.patch(path, &token, Some("\"1\""), &change).await;
        assert_eq!(response.status(), 200, "[{b}]");
        assert_eq!(response.headers()["etag"], "\"2\"", "[{b}]");
        let changed: Value = response.json().await.unwrap();
        assert_eq!(changed["phone"], "0150-999 99", "[{b}]");
        assert_eq!(changed["version"], 2, "[{b}]");

        let response = app
            .patch(
                path,
                &token,
                Some("\"1\""),
                &json!({ "phone": "0150-111 11" }),
            )
            .await;
        assert_problem(response, 412, "precondition-failed", b).await;
        let current: Value = app.get(path, &token).await.json().await.unwrap();
        assert_eq!(
            current["phone"], "0150-999 99",
            "[{b}] the stale write changed nothing"
        );
    }
}

#[actix_web::test]
async fn patch_null_clears_contact_and_the_personal_number_cannot_be_changed() {
    for app in each_backend().await {
        let b = app.backend;
        let created = app.create_applicant(TOLVAN).await;
        let path = created["links"]["self"].as_str().unwrap();
        let token = app.token(Role::Caseworker);

        let response = app
            .patch(
                path,
                &token,
                Some("\"1\""),
                &json!({ "personal_number": ERIK }),
            )
            .await;
        let problem = assert_problem(response, 422, "validation-failed", b).await;
        assert_eq!(
            problem["invalid_params"][0]["name"], "personal_number",
            "[{b}]"
        );

        let response = app
            .patch(
                path,
                &token,
                Some("\"1\""),
                &json!({ "email": null, "address": null, "first_name": null }),
            )
            .await;
        let problem = assert_problem(response, 422, "validation-failed", b).await;
        assert_eq!(
            problem["invalid_params"][0]["name"], "first_name",
            "[{b}] a name cannot be removed"
        );

        let response = app
            .patch(
                path,
                &token,
                Some("\"1\""),
                &json!({ "email": null, "address": null }),
            )
            .await;
        assert_eq!(response.status(), 200, "[{b}]");
        let changed: Value = response.json().await.unwrap();
        assert_eq!(changed["email"], Value::Null, "[{b}]");
        assert_eq!(changed["address"], Value::Null, "[{b}]");
        assert_eq!(
            changed["phone"], "0150-123 45",
            "[{b}] untouched fields stay"
        );
        assert_eq!(changed["personal_number"], "191212121212", "[{b}]");
        let reread: Value = app.get(path, &token).await.json().await.unwrap();
        assert_eq!(reread, changed, "[{b}] the cleared fields stay cleared");
    }
}

#[actix_web::test]
async fn only_caseworkers_change_protected_identity_or_the_contact_it_protects() {
    for app in each_backend().await {
        let b = app.backend;
        let mut body = applicant_body(ANNA);
        body["protected_identity"] = json!(true);
        let created: Value = app
            .post(
                "/api/v1/0483/applicants",
                &app.token(Role::Caseworker),
                &body,
            )
            .await
            .json()
            .await
            .unwrap();
        let path = created["links"]["self"].as_str().unwrap();
        let cs = app.token(Role::CaseSystem);
        for change in [
            json!({ "protected_identity": false }),
            json!({ "phone": "0150-777 77" }),
        ] {
            let response = app.patch(path, &cs, Some("*"), &change).await;
            assert_problem(response, 403, "forbidden", b).await;
        }
        let response = app
            .patch(path, &cs, Some("*"), &json!({ "last_name": "Provsson" }))
            .await;
        assert_eq!(
            response.status(),
            200,
            "[{b}] other fields are the case system's to change"
        );
        let seen: Value = response.json().await.unwrap();
        assert_eq!(seen["phone"], Value::Null, "[{b}]");
        let response = app
            .patch(
                path,
                &app.token(Role::Caseworker),
                Some("*"),
                &json!({ "protected_identity": false }),
            )
            .await;
        assert_eq!(response.status(), 200, "[{b}]");
    }
}

#[actix_web::test]
async fn the_list_pages_by_cursor_through_every_applicant_once() {
    for app in each_backend().await {
        let b = app.backend;
        for pn in [TOLVAN, ERIK, ANNA, SARA_COORDINATION] {
            app.create_applicant(pn).await;
        }
        let token = app.token(Role::CaseSystem);
        let mut seen = Vec::new();
        let mut path = "/api/v1/0483/applicants?limit=3".to_owned();
        loop {
            let page: Value = app.get(&path, &token).await.json().await.unwrap();
            for item in page["items"].as_array().unwrap() {
                seen.push(item["personal_number"].as_str().unwrap().to_owned());
            }
            match page["next_cursor"].as_str() {
                Some(cursor) => path = format!("/api/v1/0483/applicants?limit=3&cursor={cursor}"),
                None => break,
            }
        }
        assert_eq!(
            seen,
            [
                "191212121212",
                "198211059954",
                "199012119948",
                "197306749982"
            ],
            "[{b}]"
        );

        let response = app.get("/api/v1/0483/applicants?limit=0", &token).await;
        let problem = assert_problem(response, 400, "invalid-parameter", b).await;
        assert_eq!(problem["invalid_params"][0]["name"], "limit", "[{b}]");
        let response = app
            .get("/api/v1/0483/applicants?cursor=nonsense", &token)
            .await;
        let problem = assert_problem(response, 400, "invalid-parameter", b).await;
        assert_eq!(problem["invalid_params"][0]["name"], "cursor", "[{b}]");
        let response = app
            .get("/api/v1/0483/applicants?personal_number=1", &token)
            .await;
        assert_problem(response, 400, "invalid-parameter", b).await;
    }
}

#[actix_web::test]
async fn protected_identity_contact_is_shown_only_to_caseworkers() {
    for app in each_backend().await {
        let b = app.backend;
        let mut body = applicant_body(ANNA);
        body["protected_identity"] = json!(true);
        let response = app
            .post(
                "/api/v1/0483/applicants",
                &app.token(Role::Caseworker),
                &body,
            )
            .await;
        assert_eq!(response.status(), 201, "[{b}]");
        let created: Value = response.json().await.unwrap();
        let path = created["links"]["self"].as_str().unwrap();

        let caseworker: Value = app
            .get(path, &app.token(Role::Caseworker))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(caseworker["address"]["city"], "Katrineholm", "[{b}]");
        assert_eq!(caseworker["email"], "tolvan@example.se", "[{b}]");

        let case_system: Value = app
            .get(path, &app.token(Role::CaseSystem))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(case_system["protected_identity"], true, "[{b}]");
        assert_eq!(case_system["address"], Value::Null, "[{b}]");
        assert_eq!(case_system["phone"], Value::Null, "[{b}]");
        assert_eq!(case_system["email"], Value::Null, "[{b}]");
        assert_eq!(case_system["last_name"], "Tolvansson", "[{b}]");
    }
}

#[actix_web::test]
async fn an_empty_patch_changes_nothing_and_keeps_the_version() {
    for app in each_backend().await {
        let b = app.backend;
        let person = app.create_applicant(TOLVAN).await;
        let path = person["links"]["self"].as_str().unwrap();
        let response = app
            .patch(
                path,
                &app.token(Role::Caseworker),
                Some("\"1\""),
                &json!({}),
            )
            .await;
        assert_eq!(response.status(), 200, "[{b}]");
        assert_eq!(response.headers()["etag"], "\"1\"", "[{b}]");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["version"], 1, "[{b}]");
    }
}
