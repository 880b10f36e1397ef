//! What the e-service portal sees of what it submitted.

use bistand::auth::Role;
use serde_json::{Value, json};

use crate::helpers::*;

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
            "household",
            "incomes",
            "expenses",
            "replaced_decisions",
            "message",
            "stated_reasons",
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
async fn the_portal_learns_the_decision_with_its_reasons_and_appeal_notice_but_not_the_assessment()
{
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
        let mut partial = decision("partially_rejected", Some("5000.00"), 50);
        partial["reasons"] = json!("Hyran överstiger skälig nivå för orten.");
        assert_eq!(
            app.act(id, "decision", &cs, Some("\"2\""), Some(&partial))
                .await
                .status(),
            200
        );

        let read: Value = app.get(&path, &portal).await.json().await.unwrap();
        let notice = &read["decision_notice"];
        assert_eq!(notice["outcome"], "partially_rejected", "[{b}]");
        assert_eq!(notice["amount"], "5000.00", "[{b}]");
        assert_eq!(notice["support_month"], current_month(), "[{b}]");
        assert_eq!(notice["period"], partial["period"], "[{b}]");
        assert_eq!(
            notice["reasons"], "Hyran överstiger skälig nivå för orten.",
            "[{b}]"
        );
        assert_eq!(
            notice["legal_basis"][0]["citation"], "12 kap. 1 § socialtjänstlagen (2025:400)",
            "[{b}]"
        );
        assert_eq!(notice["appeal"]["appealable"], true, "[{b}]");
        assert_eq!(notice["appeal"]["lodge_with"], "socialnämnden", "[{b}]");
        assert_eq!(notice["decided_by_name"], "Anna Andersson", "[{b}]");
        assert!(notice["decided_at"].is_string(), "[{b}]");
        for hidden in [
            "adults",
            "work_capacity_percent",
            "decision_maker",
            "persons_covered",
        ] {
            assert!(
                notice.get(hidden).is_none(),
                "[{b}] no assessment: {hidden}"
            );
        }
        assert!(read.get("decision").is_none(), "[{b}] not the case view");
    }
}

#[actix_web::test]
async fn the_portal_declares_figures_and_names_every_person_of_the_household_in_full() {
    for app in each_backend().await {
        let b = app.backend;
        let portal = app.token(Role::Eservice);
        let mut body = application_body(TOLVAN);
        body["incomes"] = json!([{ "kind": "sickness_benefit", "applied_amount": "3000.00", "source": "forsakringskassan" }]);
        body["other_adults"] = json!([{ "id": uuid::Uuid::now_v7().to_string() }]);
        let problem = assert_problem(
            app.submit(&portal, Some("figures"), &body).await,
            422,
            "validation-failed",
            b,
        )
        .await;
        let names = invalid_names(&problem);
        assert!(names.contains(&"incomes[0].source"), "[{b}] {names:?}");
        assert!(names.contains(&"other_adults[0].id"), "[{b}] {names:?}");
        assert_eq!(app.count("applications").await, 0, "[{b}] nothing written");
    }
}
