//! Recovery and write-off decisions, and the payment ledger: payees and
//! the decision each payment is made under.

use bistand::auth::Role;
use serde_json::{Value, json};

use crate::helpers::*;

/// A granted application of Tolvan's with 5 000 paid: its id and the
/// decision's.
async fn paid(app: &TestApp) -> (String, String, String) {
    let cs = app.token(Role::CaseSystem);
    let id = app
        .decided(TOLVAN, &decision("granted", Some("8000.00"), 50))
        .await;
    let application = json_of(
        app.get(&format!("/api/v1/0483/applications/{id}"), &cs)
            .await,
        200,
        "read",
    )
    .await;
    let decision_id = application["decision"]["id"].as_str().unwrap().to_owned();
    let person = application["applicant_id"].as_str().unwrap().to_owned();
    let payment = json!({ "application_id": id, "support_month": current_month(), "amount": "5000.00",
                          "paid_on": today().to_string(), "payee": { "kind": "applicant" } });
    json_of(app.pay(&cs, Some("pay-1"), &payment).await, 201, "paid").await;
    (person, decision_id, id)
}

fn recovery(person: &str, concerns: &str, amount: &str) -> Value {
    let first = today().format("%Y-%m-01").to_string();
    json!({
        "kind": "recovery", "applicant_id": person, "concerns": [concerns], "outcome": "claimed",
        "amount": amount, "period": { "from": first, "to": first },
        "legal_basis": ["sol_2025_33_1"],
        "reasons": "Lön för månaden redovisades inte i ansökan.",
        "decision_maker": { "user_id": "test-caseworker", "name": "Anna Andersson",
                            "title": "Socialsekreterare", "delegation": "Delegationsordning 3.4.1" }
    })
}

#[actix_web::test]
async fn a_recovery_claims_back_at_most_what_was_paid_and_a_write_off_at_most_what_is_left() {
    for app in each_backend().await {
        let b = app.backend;
        let cw = app.token(Role::Caseworker);
        let (person, decision_id, application) = paid(&app).await;
        let with = |change: &dyn Fn(&mut Value)| {
            let mut body = recovery(&person, &decision_id, "4000.00");
            change(&mut body);
            body
        };
        let before = (today() - chrono::Duration::days(40))
            .format("%Y-%m-01")
            .to_string();
        let old_period = json!({ "from": before, "to": before });
        let cases: Vec<(Value, &str)> = vec![
            (with(&|d| d["kind"] = json!("assistance")), "kind"),
            (with(&|d| d["outcome"] = json!("granted")), "outcome"),
            (
                with(&|d| d["legal_basis"] = json!(["sol_2025_12_1"])),
                "legal_basis[0]",
            ),
            (
                with(&|d| d["legal_basis"] = json!(["sol_2001_9_1"])),
                "legal_basis[0]",
            ),
            (
                with(&|d| drop(d.as_object_mut().unwrap().remove("reasons"))),
                "reasons",
            ),
            (with(&|d| d["amount"] = json!("0.00")), "amount"),
            (with(&|d| d["concerns"] = json!([])), "concerns"),
            (
                with(&|d| d["concerns"] = json!([uuid::Uuid::now_v7().to_string()])),
                "concerns[0]",
            ),
            (
                with(&|d| d["concerns"] = json!([application])),
                "concerns[0]",
            ),
            (with(&|d| d["amount"] = json!("6000.00")), "amount"),
            (with(&|d| d["period"] = old_period.clone()), "period"),
            (
                with(&|d| d["applicant_id"] = json!(uuid::Uuid::now_v7().to_string())),
                "applicant_id",
            ),
        ];
        for (body, field) in cases {
            let problem = assert_problem(
                app.post("/api/v1/0483/decisions", &cw, &body).await,
                422,
                "validation-failed",
                b,
            )
            .await;
            let names = invalid_names(&problem);
            assert!(names.contains(&field), "[{b}] {field}: {names:?}");
        }
        assert_eq!(app.count("decisions").await, 1, "[{b}] nothing written");

        let response = app
            .post(
                "/api/v1/0483/decisions",
                &cw,
                &recovery(&person, &decision_id, "4000.00"),
            )
            .await;
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let claim = json_of(response, 201, "the recovery").await;
        assert_eq!(
            location,
            format!("/api/v1/0483/decisions/{}", claim["id"].as_str().unwrap()),
            "[{b}]"
        );
        assert_eq!(claim["kind"], "recovery", "[{b}]");
        assert_eq!(claim["outcome"], "claimed", "[{b}]");
        assert_eq!(claim["concerns"], json!([decision_id]), "[{b}]");
        assert_eq!(claim["outstanding"], "4000.00", "[{b}]");
        assert_eq!(
            claim["legal_basis"][0]["citation"], "33 kap. 1 § socialtjänstlagen (2025:400)",
            "[{b}]"
        );
        assert_eq!(claim["appeal"]["appealable"], false, "[{b}]");
        assert!(
            claim["appeal"]["text_sv"]
                .as_str()
                .unwrap()
                .contains("återkrav"),
            "[{b}]"
        );
        let claim_id = claim["id"].as_str().unwrap().to_owned();

        let write_off = |outcome: &str, amount: Option<&str>| {
            let mut body = recovery(&person, &claim_id, "0.00");
            body["kind"] = json!("write_off");
            body["outcome"] = json!(outcome);
            body["legal_basis"] = json!(["sol_2025_33_6"]);
            body["reasons"] =
                json!("Skulden eftersköts delvis med hänsyn till hushållets ekonomi.");
            match amount {
                Some(a) => body["amount"] = json!(a),
                None => drop(body.as_object_mut().unwrap().remove("amount")),
            }
            body
        };
        let problem = assert_problem(
            app.post(
                "/api/v1/0483/decisions",
                &cw,
                &write_off("granted", Some("4500.00")),
            )
            .await,
            422,
            "validation-failed",
            b,
        )
        .await;
        assert_eq!(
            problem["invalid_params"][0]["name"], "amount",
            "[{b}] more than the claim"
        );
        let problem = assert_problem(
            app.post("/api/v1/0483/decisions", &cw, &{
                let mut w = write_off("granted", Some("100.00"));
                w["concerns"] = json!([decision_id]);
                w
            })
            .await,
            422,
            "validation-failed",
            b,
        )
        .await;
        assert_eq!(
            problem["invalid_params"][0]["name"], "concerns[0]",
            "[{b}] a write-off concerns a recovery"
        );
        let written = json_of(
            app.post(
                "/api/v1/0483/decisions",
                &cw,
                &write_off("partially_rejected", Some("1500.00")),
            )
            .await,
            201,
            "a partial write-off",
        )
        .await;
        assert_eq!(written["kind"], "write_off", "[{b}]");
        assert_eq!(
            written["appeal"]["appealable"], false,
            "[{b}] 33 kap. 6 § is not in 35 kap. 1 §"
        );
        json_of(
            app.post("/api/v1/0483/decisions", &cw, &write_off("rejected", None))
                .await,
            201,
            "a rejected write-off",
        )
        .await;
        let claim = json_of(app.get(&location, &cw).await, 200, "the claim").await;
        assert_eq!(claim["outstanding"], "2500.00", "[{b}]");
        assert_problem(
            app.post(
                "/api/v1/0483/decisions",
                &cw,
                &write_off("granted", Some("2500.01")),
            )
            .await,
            422,
            "validation-failed",
            b,
        )
        .await;

        let list = json_of(
            app.get(&format!("/api/v1/0483/applicants/{person}/decisions"), &cw)
                .await,
            200,
            "the person's decisions",
        )
        .await;
        let kinds: Vec<&str> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            ["write_off", "write_off", "recovery", "assistance"],
            "[{b}] newest first"
        );
        let problem = assert_problem(
            app.post(
                &format!("/api/v1/0483/decisions/{claim_id}/replacement"),
                &cw,
                &json!({ "ground": "correction", "reason": "Fel belopp.", "decision": decision("granted", Some("1.00"), 0) }),
            )
            .await,
            422,
            "validation-failed",
            b,
        )
        .await;
        assert_eq!(problem["invalid_params"][0]["name"], "decision", "[{b}]");
        let extract = json_of(
            app.get(&format!("/api/v1/0483/applicants/{person}/export"), &cw)
                .await,
            200,
            "extract",
        )
        .await;
        assert_eq!(
            extract["decisions"].as_array().unwrap().len(),
            3,
            "[{b}] the claim and its write-offs"
        );
    }
}

#[actix_web::test]
async fn a_payment_names_its_payee_and_the_decision_in_force_that_allows_it() {
    for app in each_backend().await {
        let b = app.backend;
        let cs = app.token(Role::CaseSystem);
        let id = app
            .decided(TOLVAN, &decision("granted", Some("8000.00"), 50))
            .await;
        let base = json!({ "application_id": id, "support_month": current_month(), "amount": "6200.00",
                           "paid_on": today().to_string() });
        let with = |payee: Value| {
            let mut body = base.clone();
            body["payee"] = payee;
            body
        };
        let problem = assert_problem(
            app.pay(&cs, Some("p-0"), &base).await,
            422,
            "validation-failed",
            b,
        )
        .await;
        assert_eq!(problem["invalid_params"][0]["name"], "payee", "[{b}]");
        let problem = assert_problem(
            app.pay(&cs, Some("p-1"), &with(json!({ "kind": "landlord" })))
                .await,
            422,
            "validation-failed",
            b,
        )
        .await;
        assert_eq!(problem["invalid_params"][0]["name"], "payee.name", "[{b}]");
        let problem = assert_problem(
            app.pay(&cs, Some("p-2"), &with(json!({ "kind": "bank" })))
                .await,
            422,
            "validation-failed",
            b,
        )
        .await;
        assert_eq!(problem["invalid_params"][0]["name"], "payee.kind", "[{b}]");
        assert_eq!(app.count("payments").await, 0, "[{b}] nothing paid");

        let rent = json_of(
            app.pay(&cs, Some("p-3"), &with(json!({ "kind": "landlord", "name": "AB Katrineholmshem", "reference": "4471002581" }))).await,
            201,
            "rent to the landlord",
        )
        .await;
        let application = json_of(
            app.get(&format!("/api/v1/0483/applications/{id}"), &cs)
                .await,
            200,
            "read",
        )
        .await;
        let first = application["decision"]["id"].clone();
        assert_eq!(rent["decision_id"], first, "[{b}]");
        assert_eq!(
            rent["payee"],
            json!({ "kind": "landlord", "name": "AB Katrineholmshem", "reference": "4471002581" }),
            "[{b}]"
        );

        let replaced = json_of(
            app.post(
                &format!("/api/v1/0483/decisions/{}/replacement", first.as_str().unwrap()),
                &cs,
                &json!({ "ground": "reconsideration", "reason": "Ny prövning.", "decision": decision("granted", Some("9000.00"), 50) }),
            )
            .await,
            201,
            "replaced",
        )
        .await;
        let rest = json_of(
            app.pay(&cs, Some("p-4"), &{
                let mut body = with(json!({ "kind": "applicant" }));
                body["amount"] = json!("2800.00");
                body
            })
            .await,
            201,
            "the rest to the person",
        )
        .await;
        assert_eq!(
            rest["decision_id"], replaced["id"],
            "[{b}] under the decision now in force"
        );
        let correction = json_of(
            app.pay(&cs, Some("p-5"), &{
                let mut body = with(json!({ "kind": "applicant" }));
                body["amount"] = json!("-100.00");
                body["reason"] = json!("Dubbelutbetald elräkning.");
                body
            })
            .await,
            201,
            "a correction with its reason",
        )
        .await;
        assert_eq!(correction["reason"], "Dubbelutbetald elräkning.", "[{b}]");
        let ledger = json_of(
            app.get(&format!("/api/v1/0483/applications/{id}/payments"), &cs)
                .await,
            200,
            "ledger",
        )
        .await;
        assert_eq!(ledger["granted"], "9000.00", "[{b}]");
        assert_eq!(ledger["paid"], "8900.00", "[{b}]");
    }
}

#[actix_web::test]
async fn money_claimed_back_once_is_not_claimed_again() {
    for app in each_backend().await {
        let b = app.backend;
        let cw = app.token(Role::Caseworker);
        let (person, decision_id, _) = paid(&app).await;
        json_of(
            app.post(
                "/api/v1/0483/decisions",
                &cw,
                &recovery(&person, &decision_id, "4000.00"),
            )
            .await,
            201,
            "the first claim",
        )
        .await;
        let problem = assert_problem(
            app.post(
                "/api/v1/0483/decisions",
                &cw,
                &recovery(&person, &decision_id, "1000.01"),
            )
            .await,
            422,
            "validation-failed",
            b,
        )
        .await;
        assert_eq!(
            problem["invalid_params"][0]["name"], "amount",
            "[{b}] 5 000 paid, 4 000 claimed"
        );
        json_of(
            app.post(
                "/api/v1/0483/decisions",
                &cw,
                &recovery(&person, &decision_id, "1000.00"),
            )
            .await,
            201,
            "the rest",
        )
        .await;
    }
}

#[actix_web::test]
async fn a_replacing_decision_that_grants_less_stops_payments_but_not_corrections() {
    for app in each_backend().await {
        let b = app.backend;
        let cs = app.token(Role::CaseSystem);
        let (_, decision_id, id) = paid(&app).await;
        let mut rejection = decision("rejected", None, 50);
        rejection["reasons"] = json!("Inkomster som inte redovisats täcker behovet.");
        json_of(
            app.post(
                &format!("/api/v1/0483/decisions/{decision_id}/replacement"),
                &cs,
                &json!({ "ground": "reconsideration", "reason": "Nya uppgifter.", "decision": rejection }),
            )
            .await,
            201,
            "replaced by a rejection",
        )
        .await;
        let pay = |amount: &str, key: &'static str| {
            let mut body = json!({ "application_id": id, "support_month": current_month(), "amount": amount,
                                   "paid_on": today().to_string(), "payee": { "kind": "applicant" } });
            if amount.starts_with('-') {
                body["reason"] = json!("Återföring efter omprövning.");
            }
            let app = &app;
            let cs = cs.clone();
            async move { app.pay(&cs, Some(key), &body).await }
        };
        assert_problem(pay("1.00", "k-1").await, 409, "no-granted-decision", b).await;
        json_of(pay("-5000.00", "k-2").await, 201, "the excess booked back").await;
        assert_problem(pay("-0.01", "k-3").await, 409, "payment-sum-negative", b).await;
    }
}

#[actix_web::test]
async fn a_decision_recorded_before_legal_bases_were_still_says_how_to_appeal() {
    for app in each_backend().await {
        let b = app.backend;
        let cs = app.token(Role::CaseSystem);
        let (_, decision_id, _) = paid(&app).await;
        app.db
            .write(|conn, _| {
                use diesel::connection::SimpleConnection;
                Ok(conn.batch_execute("UPDATE decisions SET legal_basis = '[]'")?)
            })
            .await
            .unwrap();
        let read = json_of(
            app.get(&format!("/api/v1/0483/decisions/{decision_id}"), &cs)
                .await,
            200,
            "read",
        )
        .await;
        assert_eq!(read["legal_basis"], json!([]), "[{b}]");
        assert_eq!(
            read["appeal"]["appealable"], true,
            "[{b}] an assistance decision under the right"
        );
    }
}
