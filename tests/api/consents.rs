//! Consents (BR-6b) and the register extract.

use bistand::auth::Role;
use serde_json::{Value, json};

use crate::helpers::*;

fn consent(recipient: &str) -> Value {
    json!({
        "recipient": recipient,
        "purpose": "Samverkan om planering mot arbete",
        "given_at": "2026-11-20T09:30:00Z",
        "channel": "visit"
    })
}

/// A consent as the portal sends it: with the personal number of the person
/// who signed in and gave it.
fn signed(recipient: &str, personal_number: &str) -> Value {
    let mut body = consent(recipient);
    body["personal_number"] = json!(personal_number);
    body["channel"] = json!("e_service");
    body
}

#[actix_web::test]
async fn an_af_officer_sees_a_person_only_while_a_consent_to_af_is_active() {
    for app in each_backend().await {
        let b = app.backend;
        let person = app.create_applicant(TOLVAN).await;
        let path = person["links"]["self"].as_str().unwrap().to_owned();
        let officer = app.token(Role::EmploymentOfficer);
        let caseworker = app.token(Role::Caseworker);
        assert_problem(app.get(&path, &officer).await, 404, "not-found", b).await;

        // A consent to Viadidakt does not open the person to AF.
        let response = app
            .post(
                &format!("{path}/consents"),
                &caseworker,
                &consent("viadidakt"),
            )
            .await;
        assert_eq!(response.status(), 201, "[{b}]");
        assert_problem(app.get(&path, &officer).await, 404, "not-found", b).await;

        let response = app
            .post(
                &format!("{path}/consents"),
                &caseworker,
                &consent("employment_service"),
            )
            .await;
        assert_eq!(response.status(), 201, "[{b}]");
        let given: Value = response.json().await.unwrap();
        assert_eq!(given["active"], true, "[{b}]");
        let seen = app.get(&path, &officer).await;
        assert_eq!(seen.status(), 200, "[{b}] visible with consent");
        // Seeing is not changing.
        let response = app
            .patch(
                &path,
                &officer,
                Some("\"1\""),
                &json!({ "phone": "0150-1111111" }),
            )
            .await;
        assert_problem(response, 403, "forbidden", b).await;

        let revoke = format!(
            "/api/v1/0483/consents/{}/revoke",
            given["id"].as_str().unwrap()
        );
        let response = app.post(&revoke, &caseworker, &json!({})).await;
        assert_eq!(response.status(), 200, "[{b}]");
        let revoked: Value = response.json().await.unwrap();
        assert_eq!(revoked["active"], false, "[{b}]");
        assert!(revoked["revoked_at"].is_string(), "[{b}]");
        assert_problem(app.get(&path, &officer).await, 404, "not-found", b).await;
        assert_problem(
            app.post(&revoke, &caseworker, &json!({})).await,
            409,
            "consent-revoked",
            b,
        )
        .await;

        let list: Value = app
            .get(&format!("{path}/consents"), &caseworker)
            .await
            .json()
            .await
            .unwrap();
        let active: Vec<bool> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["active"].as_bool().unwrap())
            .collect();
        assert_eq!(active, [true, false], "[{b}] the history is kept");
    }
}

#[actix_web::test]
async fn bad_consents_name_every_field_and_the_portal_acts_only_for_its_own_applicants() {
    for app in each_backend().await {
        let b = app.backend;
        let person = app.create_applicant(TOLVAN).await;
        let path = format!("{}/consents", person["links"]["self"].as_str().unwrap());
        let bad = json!({ "recipient": "police", "purpose": "", "given_at": "2999-01-01T00:00:00Z", "channel": "fax" });
        let problem = assert_problem(
            app.post(&path, &app.token(Role::Caseworker), &bad).await,
            422,
            "validation-failed",
            b,
        )
        .await;
        let names = invalid_names(&problem);
        assert_eq!(
            names,
            ["recipient", "purpose", "given_at", "channel"],
            "[{b}]"
        );

        let portal = app.token(Role::Eservice);
        let problem = assert_problem(
            app.post(&path, &portal, &consent("viadidakt")).await,
            422,
            "validation-failed",
            b,
        )
        .await;
        assert_eq!(
            problem["invalid_params"][0]["name"], "personal_number",
            "[{b}] the portal names who gave the consent"
        );
        assert_problem(
            app.post(&path, &portal, &signed("viadidakt", TOLVAN)).await,
            404,
            "not-found",
            b,
        )
        .await;
        // The portal names the person in full; the registered person is found.
        assert_eq!(
            app.submit(&portal, Some("c-1"), &application_body(TOLVAN))
                .await
                .status(),
            201,
            "[{b}]"
        );
        // Someone else's number is not the applicant's consent.
        let problem = assert_problem(
            app.post(&path, &portal, &signed("viadidakt", ERIK)).await,
            422,
            "validation-failed",
            b,
        )
        .await;
        assert_eq!(
            problem["invalid_params"][0]["name"], "personal_number",
            "[{b}]"
        );
        assert_eq!(
            app.post(&path, &portal, &signed("viadidakt", TOLVAN))
                .await
                .status(),
            201,
            "[{b}]"
        );
        assert_problem(app.get(&path, &portal).await, 403, "forbidden", b).await;
    }
}

#[actix_web::test]
async fn the_register_extract_holds_everything_about_the_person_and_who_read_it() {
    for app in each_backend().await {
        let b = app.backend;
        let cs = app.token(Role::CaseSystem);
        let submitted: Value = app
            .submit(&cs, None, &application_body(TOLVAN))
            .await
            .json()
            .await
            .unwrap();
        let id = submitted["id"].as_str().unwrap().to_owned();
        let applicant = submitted["applicant_id"].as_str().unwrap().to_owned();
        assert_eq!(
            app.act(&id, "investigation", &cs, Some("\"1\""), None)
                .await
                .status(),
            200
        );
        let grant = decision("granted", Some("7000.00"), 50);
        assert_eq!(
            app.act(&id, "decision", &cs, Some("\"2\""), Some(&grant))
                .await
                .status(),
            200
        );
        let today = today().to_string();
        let payment = json!({ "application_id": id, "support_month": current_month(), "amount": "7000.00", "paid_on": today, "payee": { "kind": "applicant" } });
        assert_eq!(
            app.pay(&cs, Some("extract-1"), &payment).await.status(),
            201
        );
        let person = format!("/api/v1/0483/applicants/{applicant}");
        let caseworker = app.token(Role::Caseworker);
        assert_eq!(
            app.post(
                &format!("{person}/consents"),
                &caseworker,
                &consent("viadidakt")
            )
            .await
            .status(),
            201
        );
        assert_eq!(
            app.get(
                &person,
                &app.token_as(Role::Caseworker, "kalle.handlaggare")
            )
            .await
            .status(),
            200
        );

        let response = app.get(&format!("{person}/export"), &caseworker).await;
        assert_eq!(response.status(), 200, "[{b}]");
        let extract: Value = response.json().await.unwrap();
        assert_eq!(
            extract["applicant"]["personal_number"], "191212121212",
            "[{b}]"
        );
        assert_eq!(
            extract["applications"][0]["decision"]["amount"], "7000.00",
            "[{b}]"
        );
        assert_eq!(
            extract["applications"][0]["incomes"][0]["applied_amount"], "1200.00",
            "[{b}]"
        );
        assert_eq!(extract["payments"][0]["amount"], "7000.00", "[{b}]");
        assert_eq!(extract["consents"][0]["recipient"], "viadidakt", "[{b}]");
        let accesses = extract["accesses"].as_array().unwrap();
        assert!(
            accesses
                .iter()
                .any(|a| a["actor"] == "kalle.handlaggare" && a["action"] == "applicant.read"),
            "[{b}] the read by another caseworker is listed"
        );
        assert!(
            accesses
                .iter()
                .any(|a| a["action"] == "application.decide" && a["role"] == "case_system"),
            "[{b}]"
        );

        // The extract is itself audited, and only caseworkers take it.
        let again: Value = app
            .get(&format!("{person}/export"), &caseworker)
            .await
            .json()
            .await
            .unwrap();
        assert!(
            again["accesses"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["action"] == "applicant.export"),
            "[{b}]"
        );
        assert_problem(
            app.get(&format!("{person}/export"), &cs).await,
            403,
            "forbidden",
            b,
        )
        .await;
    }
}

#[actix_web::test]
async fn af_officers_never_read_social_services_applications_even_with_consent() {
    for app in each_backend().await {
        let b = app.backend;
        let cs = app.token(Role::CaseSystem);
        let submitted: Value = app
            .submit(&cs, None, &application_body(TOLVAN))
            .await
            .json()
            .await
            .unwrap();
        let path = format!(
            "/api/v1/0483/applications/{}",
            submitted["id"].as_str().unwrap()
        );
        let person = format!(
            "/api/v1/0483/applicants/{}",
            submitted["applicant_id"].as_str().unwrap()
        );
        let officer = app.token(Role::EmploymentOfficer);
        let response = app
            .post(
                &format!("{person}/consents"),
                &app.token(Role::Caseworker),
                &consent("employment_service"),
            )
            .await;
        assert_eq!(response.status(), 201, "[{b}]");
        assert_eq!(
            app.get(&person, &officer).await.status(),
            200,
            "[{b}] the person, with consent"
        );
        // Secrecy between authorities (OSL 26:1): the case stays with social services.
        assert_problem(app.get(&path, &officer).await, 403, "forbidden", b).await;
        assert_problem(
            app.get("/api/v1/0483/applications", &officer).await,
            403,
            "forbidden",
            b,
        )
        .await;
    }
}

#[actix_web::test]
async fn the_portal_names_the_person_in_full_and_replays_are_audited() {
    for app in each_backend().await {
        let b = app.backend;
        let known = app.create_applicant(TOLVAN).await;
        let portal = app.token(Role::Eservice);
        let mut by_id = application_body(TOLVAN);
        by_id["applicant"] = json!({ "id": known["id"] });
        let problem = assert_problem(
            app.submit(&portal, Some("p-1"), &by_id).await,
            422,
            "validation-failed",
            b,
        )
        .await;
        let names = invalid_names(&problem);
        assert_eq!(
            names,
            [
                "applicant.id",
                "applicant.personal_number",
                "applicant.first_name",
                "applicant.last_name"
            ],
            "[{b}]"
        );

        let first = app
            .submit(&portal, Some("p-2"), &application_body(TOLVAN))
            .await;
        assert_eq!(
            first.status(),
            201,
            "[{b}] a registered person is found, and the answer is the same"
        );
        let before = app.audit_count().await;
        let again = app
            .submit(&portal, Some("p-2"), &application_body(TOLVAN))
            .await;
        assert_eq!(again.headers()["idempotent-replayed"], "true", "[{b}]");
        let records = app.audit_since(before).await;
        assert_eq!(records.len(), 1, "[{b}]");
        assert_eq!(records[0].action, "application.replay", "[{b}]");
        assert_eq!(
            records[0].person_id.as_ref(),
            known["id"].as_str().map(str::to_owned).as_ref(),
            "[{b}]"
        );
    }
}

#[actix_web::test]
async fn an_af_officer_lists_exactly_the_persons_with_an_active_consent_to_af() {
    for app in each_backend().await {
        let b = app.backend;
        let caseworker = app.token(Role::Caseworker);
        let mut ids = Vec::new();
        for pn in [TOLVAN, ERIK, ANNA] {
            ids.push(
                app.create_applicant(pn).await["id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        let give = |id: &str, to: &str| {
            let path = format!("/api/v1/0483/applicants/{id}/consents");
            let body = consent(to);
            let token = caseworker.clone();
            let app = &app;
            async move { app.post(&path, &token, &body).await.status() }
        };
        assert_eq!(give(&ids[0], "employment_service").await, 201, "[{b}]");
        assert_eq!(give(&ids[1], "viadidakt").await, 201, "[{b}]");
        assert_eq!(give(&ids[2], "employment_service").await, 201, "[{b}]");
        let list: Value = app
            .get(
                &format!("/api/v1/0483/applicants/{}/consents", ids[2]),
                &caseworker,
            )
            .await
            .json()
            .await
            .unwrap();
        let revoke = format!(
            "/api/v1/0483/consents/{}/revoke",
            list["items"][0]["id"].as_str().unwrap()
        );
        assert_eq!(
            app.post(&revoke, &caseworker, &json!({})).await.status(),
            200,
            "[{b}]"
        );

        let page: Value = app
            .get(
                "/api/v1/0483/applicants?limit=1",
                &app.token(Role::EmploymentOfficer),
            )
            .await
            .json()
            .await
            .unwrap();
        let seen: Vec<&str> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            seen,
            [ids[0].as_str()],
            "[{b}] only the person with an active consent to AF"
        );
        assert_eq!(page["next_cursor"], Value::Null, "[{b}] and no more");
    }
}

#[actix_web::test]
async fn the_portal_records_consents_only_for_the_applicant_it_submitted_for_once_per_key() {
    for app in each_backend().await {
        let b = app.backend;
        let portal = app.token(Role::Eservice);
        let mut body = application_body(TOLVAN);
        body["partner"] =
            json!({ "personal_number": ERIK, "first_name": "Erik", "last_name": "Testsson" });
        let receipt: Value = app
            .submit(&portal, Some("with-partner"), &body)
            .await
            .json()
            .await
            .unwrap();
        let applicant = receipt["applicant_id"].as_str().unwrap().to_owned();
        let found: Value = app
            .post(
                "/api/v1/0483/applicants/search",
                &app.token(Role::Caseworker),
                &json!({ "personal_number": ERIK }),
            )
            .await
            .json()
            .await
            .unwrap();
        let partner = found["id"].as_str().unwrap();

        // The partner's consent is not the portal's to record.
        let path = |id: &str| format!("/api/v1/0483/applicants/{id}/consents");
        assert_problem(
            app.post(&path(partner), &portal, &signed("employment_service", ERIK))
                .await,
            404,
            "not-found",
            b,
        )
        .await;

        // The applicant's, given in the form, is; a retry with the same key
        // records it once.
        let send = || {
            app.client
                .post(app.url(&path(&applicant)))
                .bearer_auth(&portal)
                .header("idempotency-key", "consent-form-1")
                .json(&signed("employment_service", TOLVAN))
                .send()
        };
        let first = send().await.unwrap();
        assert_eq!(first.status(), 201, "[{b}]");
        let first: Value = first.json().await.unwrap();
        let again = send().await.unwrap();
        assert_eq!(again.status(), 201, "[{b}]");
        assert_eq!(again.headers()["idempotent-replayed"], "true", "[{b}]");
        let again: Value = again.json().await.unwrap();
        assert_eq!(again["id"], first["id"], "[{b}]");
        let list: Value = app
            .get(&path(&applicant), &app.token(Role::Caseworker))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(list["items"].as_array().unwrap().len(), 1, "[{b}]");
    }
}

#[actix_web::test]
async fn the_demo_gives_the_af_officer_someone_to_see() {
    for app in each_backend().await {
        let b = app.backend;
        let demo = bistand::demo::load(&app.db, now()).unwrap();
        let with_af: Vec<&str> = demo
            .persons
            .iter()
            .filter(|p| {
                p.municipality == "0483"
                    && p.consents
                        .contains(&bistand::domain::consent::Recipient::EmploymentService)
            })
            .map(|p| p.id.as_str())
            .collect();
        assert!(!with_af.is_empty(), "[{b}]");
        let page: Value = app
            .get(
                "/api/v1/0483/applicants",
                &app.token(Role::EmploymentOfficer),
            )
            .await
            .json()
            .await
            .unwrap();
        let seen: Vec<&str> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap())
            .collect();
        assert_eq!(seen, with_af, "[{b}]");
    }
}

/// The attack that was found: the portal names a registered person as
/// partner under other names, then records a consent to AF for them so
/// that an AF officer can read them. The person is attached by number, the
/// names are flagged for the caseworker, and the consent is refused.
#[actix_web::test]
async fn the_portal_cannot_consent_for_a_registered_partner_and_wrong_names_are_flagged() {
    for app in each_backend().await {
        let b = app.backend;
        let erik = app.create_applicant(ERIK).await;
        let erik_id = erik["id"].as_str().unwrap();
        let portal = app.token(Role::Eservice);
        let mut body = application_body(TOLVAN);
        body["partner"] =
            json!({ "personal_number": ERIK, "first_name": "Fel", "last_name": "Namn" });
        let receipt: Value = app
            .submit(&portal, Some("wrong-names"), &body)
            .await
            .json()
            .await
            .unwrap();
        assert!(
            receipt.get("name_mismatch").is_none(),
            "[{b}] not the portal's to see"
        );

        let path = format!("/api/v1/0483/applicants/{erik_id}/consents");
        for recipient in ["employment_service", "viadidakt"] {
            for number in [ERIK, TOLVAN] {
                let response = app.post(&path, &portal, &signed(recipient, number)).await;
                assert_problem(response, 404, "not-found", b).await;
            }
        }
        let officer = app.token(Role::EmploymentOfficer);
        assert_problem(
            app.get(&format!("/api/v1/0483/applicants/{erik_id}"), &officer)
                .await,
            404,
            "not-found",
            b,
        )
        .await;

        // The caseworker sees who was named under other names.
        let caseworker = app.token(Role::Caseworker);
        let full: Value = app
            .get(
                &format!(
                    "/api/v1/0483/applications/{}",
                    receipt["id"].as_str().unwrap()
                ),
                &caseworker,
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            full["name_mismatch"],
            json!([{ "member": "partner", "applicant_id": erik_id,
                     "given_first_name": "Fel", "given_last_name": "Namn" }]),
            "[{b}]"
        );
        // The register keeps its names.
        let erik: Value = app
            .get(&format!("/api/v1/0483/applicants/{erik_id}"), &caseworker)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(erik["first_name"], "Tolvan", "[{b}]");

        // Names that agree but for case and spacing are not flagged.
        let mut again = application_body(ERIK);
        again["applicant"]["first_name"] = json!("  tolvan ");
        again["applicant"]["last_name"] = json!("TOLVANSSON");
        let receipt: Value = app
            .submit(&portal, Some("same-names"), &again)
            .await
            .json()
            .await
            .unwrap();
        let full: Value = app
            .get(
                &format!(
                    "/api/v1/0483/applications/{}",
                    receipt["id"].as_str().unwrap()
                ),
                &caseworker,
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(full["name_mismatch"], json!([]), "[{b}]");
        // Every refusal was audited, about the person it was aimed at.
        let refused = app
            .audit_since(0)
            .await
            .into_iter()
            .filter(|r| r.action == "consent.create")
            .map(|r| (r.outcome, r.person_id))
            .collect::<Vec<_>>();
        assert_eq!(
            refused,
            vec![("not_visible".to_owned(), Some(erik_id.to_owned())); 4],
            "[{b}]"
        );
    }
}

/// The variant of the attack where the portal names a registered person as
/// the applicant under other names: the application is taken and flagged,
/// but the portal may not record that person's consent until a caseworker
/// has confirmed who applied.
#[actix_web::test]
async fn the_portal_cannot_consent_for_an_applicant_it_named_under_other_names() {
    for app in each_backend().await {
        let b = app.backend;
        let erik = app.create_applicant(ERIK).await;
        let erik_id = erik["id"].as_str().unwrap().to_owned();
        let portal = app.token(Role::Eservice);
        let mut body = application_body(ERIK);
        body["applicant"]["first_name"] = json!("Fel");
        let receipt: Value = app
            .submit(&portal, Some("victim"), &body)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(receipt["applicant_id"], erik_id.as_str(), "[{b}]");
        let path = format!("/api/v1/0483/applicants/{erik_id}/consents");
        assert_problem(
            app.post(&path, &portal, &signed("employment_service", ERIK))
                .await,
            409,
            "identity-unconfirmed",
            b,
        )
        .await;
        assert_eq!(app.count("consents").await, 0, "[{b}] nothing written");
        assert_problem(
            app.get(
                &format!("/api/v1/0483/applicants/{erik_id}"),
                &app.token(Role::EmploymentOfficer),
            )
            .await,
            404,
            "not-found",
            b,
        )
        .await;
        // The caseworker, having checked, records it.
        let response = app
            .post(
                &path,
                &app.token(Role::Caseworker),
                &consent("employment_service"),
            )
            .await;
        assert_eq!(response.status(), 201, "[{b}]");
    }
}
