//! The cooperation agreement and its meetings (BR-10).

use bistand::auth::Role;
use serde_json::{Value, json};

use crate::helpers::*;

fn agreement() -> Value {
    json!({
        "title": "Lokal överenskommelse om samverkan",
        "parties": [
            { "unit": "social_services", "name": "Socialförvaltningen Katrineholm" },
            { "unit": "viadidakt", "name": "Viadidakt Arbetsmarknad" },
            { "unit": "employment_service", "name": "Arbetsförmedlingen Västra Sörmland" }
        ],
        "valid_from": "2018-12-01", "valid_to": "2026-12-31", "signed_on": "2018-11-28",
        "exchange": ["Planering hos Arbetsförmedlingen", "Insatser och resultat"]
    })
}

#[actix_web::test]
async fn br10_a_meeting_names_only_persons_who_consented_to_af_and_only_while_the_agreement_holds()
{
    for app in each_backend().await {
        let b = app.backend;
        let admin = app.token(Role::Admin);
        let cw = app.token(Role::Caseworker);
        let af = app.token(Role::EmploymentOfficer);
        let coach = app.token(Role::Coach);

        // The agreement: every bad field named, nothing written.
        let bad = json!({ "title": "", "parties": [{ "unit": "viadidakt", "name": "Viadidakt" }, { "unit": "viadidakt", "name": "Igen" }],
            "valid_from": "2019-01-01", "valid_to": "2018-01-01", "signed_on": "2099-01-01", "exchange": [] });
        let problem = assert_problem(
            app.post("/api/v1/0483/agreements", &admin, &bad).await,
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
        assert_eq!(
            names,
            [
                "title",
                "parties[1].unit",
                "valid_to",
                "signed_on",
                "exchange"
            ],
            "[{b}]"
        );
        assert_eq!(app.count("agreements").await, 0, "[{b}]");
        let signed = json_of(
            app.post("/api/v1/0483/agreements", &admin, &agreement())
                .await,
            201,
            b,
        )
        .await;
        assert_eq!(signed["in_force"], true, "[{b}]");
        let id = signed["id"].as_str().unwrap();
        for token in [&cw, &af, &coach] {
            json_of(
                app.get(&format!("/api/v1/0483/agreements/{id}"), token)
                    .await,
                200,
                b,
            )
            .await;
        }

        let with = person(&app, TOLVAN, &["employment_service"]).await;
        let without = person(&app, ERIK, &[]).await;
        let meetings = format!("/api/v1/0483/agreements/{id}/meetings");
        let meeting = |persons: Vec<&str>, held_on: &str| {
            json!({ "kind": "operational", "held_on": held_on,
            "units_present": ["social_services", "viadidakt", "employment_service"], "persons": persons,
            "actions": ["AF bokar inskrivningsmöte"] })
        };
        let before = app.count("cooperation_meetings").await;
        let refused = app
            .post(
                &meetings,
                &cw,
                &meeting(vec![&with, &without], &today().to_string()),
            )
            .await;
        let problem = assert_problem(refused, 409, "consent-required", b).await;
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("employment_service"),
            "[{b}]"
        );
        // Before the agreement, and a party not in it.
        assert_problem(
            app.post(&meetings, &cw, &meeting(vec![&with], "2018-11-30"))
                .await,
            409,
            "outside-agreement",
            b,
        )
        .await;
        assert_eq!(
            app.count("cooperation_meetings").await,
            before,
            "[{b}] nothing written"
        );
        // AF does not see the person without consent: answered as unknown.
        let problem = assert_problem(
            app.post(
                &meetings,
                &af,
                &meeting(vec![&without], &today().to_string()),
            )
            .await,
            422,
            "validation-failed",
            b,
        )
        .await;
        assert_eq!(problem["invalid_params"][0]["name"], "persons[0]", "[{b}]");

        let held = json_of(
            app.post(&meetings, &af, &meeting(vec![&with], &today().to_string()))
                .await,
            201,
            b,
        )
        .await;
        assert_eq!(held["persons"], json!([with]), "[{b}]");
        // The coach has no referral of the person: the person is withheld.
        let list = json_of(app.get(&meetings, &coach).await, 200, b).await;
        assert_eq!(
            (
                list["items"][0]["persons"].clone(),
                list["items"][0]["persons_withheld"].clone()
            ),
            (json!([]), json!(1)),
            "[{b}]"
        );
        let list = json_of(app.get(&meetings, &cw).await, 200, b).await;
        assert_eq!(list["items"][0]["persons"], json!([with]), "[{b}]");
        // The portal, the case system and analysts have no meetings.
        for role in [Role::Eservice, Role::CaseSystem, Role::Analyst, Role::Admin] {
            assert_problem(
                app.get(&meetings, &app.token(role)).await,
                403,
                "forbidden",
                b,
            )
            .await;
        }
    }
}
