//! A coordination number replaced by a personal number: history kept, the
//! old number still finds the person.

use bistand::auth::Role;
use serde_json::json;

use crate::helpers::*;

#[actix_web::test]
async fn a_coordination_number_is_replaced_and_still_finds_the_person() {
    for app in each_backend().await {
        let b = app.backend;
        let cw = app.token(Role::Caseworker);
        let sara = app.create_applicant(SARA_COORDINATION).await;
        let id = sara["id"].as_str().unwrap();
        let path = format!("/api/v1/0483/applicants/{id}/personal-numbers");
        let post = |tag: &'static str, body: serde_json::Value| {
            let request = app
                .client
                .post(app.url(&path))
                .bearer_auth(&cw)
                .header("if-match", tag)
                .json(&body);
            async move { request.send().await.unwrap() }
        };
        let problem = assert_problem(
            post(
                "\"1\"",
                json!({ "personal_number": "19570574-9959", "reason": "x" }),
            )
            .await,
            422,
            "validation-failed",
            b,
        )
        .await;
        assert_eq!(
            problem["invalid_params"][0]["name"], "personal_number",
            "[{b}] not another coordination number"
        );
        assert_problem(
            post("\"1\"", json!({ "personal_number": ANNA })).await,
            422,
            "validation-failed",
            b,
        )
        .await;
        app.create_applicant(ERIK).await;
        assert_problem(
            post(
                "\"1\"",
                json!({ "personal_number": ERIK, "reason": "Folkbokförd." }),
            )
            .await,
            409,
            "duplicate-applicant",
            b,
        )
        .await;
        assert_problem(
            post(
                "\"7\"",
                json!({ "personal_number": ANNA, "reason": "Folkbokförd." }),
            )
            .await,
            412,
            "precondition-failed",
            b,
        )
        .await;
        let replaced = json_of(
            post("\"1\"", json!({ "personal_number": ANNA, "reason": "Folkbokförd; Skatteverket har tilldelat personnummer." })).await,
            200,
            "replaced",
        )
        .await;
        assert_eq!(replaced["personal_number"], "199012119948", "[{b}]");
        assert_eq!(replaced["coordination_number"], false, "[{b}]");
        assert_eq!(
            replaced["former"][0]["personal_number"], "197306749982",
            "[{b}]"
        );
        assert_eq!(
            replaced["former"][0]["replaced_by"], "test-caseworker",
            "[{b}]"
        );
        assert_eq!(replaced["version"], 2, "[{b}]");

        // The old number finds her; no one else can be registered with it.
        let found = json_of(
            app.post(
                "/api/v1/0483/applicants/search",
                &cw,
                &json!({ "personal_number": SARA_COORDINATION }),
            )
            .await,
            200,
            "search by the old number",
        )
        .await;
        assert_eq!(found["id"], id, "[{b}]");
        assert_eq!(found["personal_number"], "199012119948", "[{b}]");
        assert_problem(
            app.post(
                "/api/v1/0483/applicants",
                &cw,
                &applicant_body(SARA_COORDINATION),
            )
            .await,
            409,
            "duplicate-applicant",
            b,
        )
        .await;
        // An application naming her by the old number is hers.
        let mut body = application_body(SARA_COORDINATION);
        body["applicant"]["first_name"] = json!("Tolvan");
        let application = json_of(app.submit(&cw, None, &body).await, 201, "an application").await;
        assert_eq!(application["applicant_id"], id, "[{b}]");

        // A personal number is not replaced.
        let problem = assert_problem(
            post(
                "\"2\"",
                json!({ "personal_number": TOLVAN, "reason": "Fel." }),
            )
            .await,
            409,
            "not-a-coordination-number",
            b,
        )
        .await;
        assert!(
            problem["detail"].as_str().unwrap().contains("coordination"),
            "[{b}]"
        );
        let read = json_of(
            app.get(&path, &app.token(Role::CaseSystem)).await,
            200,
            "the history",
        )
        .await;
        assert_eq!(read["former"].as_array().unwrap().len(), 1, "[{b}]");
        let extract = json_of(
            app.get(&format!("/api/v1/0483/applicants/{id}/export"), &cw)
                .await,
            200,
            "extract",
        )
        .await;
        assert_eq!(
            extract["former_personal_numbers"][0]["personal_number"], "197306749982",
            "[{b}]"
        );
        assert_problem(
            app.get(&path, &app.token(Role::Coach)).await,
            403,
            "forbidden",
            b,
        )
        .await;
        let events = json_of(
            app.get(
                "/api/v1/0483/events?limit=100",
                &app.token(Role::CaseSystem),
            )
            .await,
            200,
            "feed",
        )
        .await;
        assert!(
            events["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["type"] == "applicant.updated" && e["id"] == id),
            "[{b}]"
        );
    }
}
