//! The household, its assessment, the national norm and the calculation
//! behind a decision's amount; the signed delavslag.

use bistand::auth::Role;
use serde_json::{Value, json};

use crate::helpers::*;

/// Two adults and a child of eight living at home every other week, with
/// an income, the rent, electricity and a home insurance the caseworker
/// will not approve. Lines: 1 salary (applicant), 2 rent, 3 home insurance
/// (partner), 4 electricity.
fn two_adults_and_a_child_half_the_time() -> Value {
    json!({
        "applicant": { "personal_number": TOLVAN, "first_name": "Tolvan", "last_name": "Tolvansson" },
        "partner": { "personal_number": ERIK, "first_name": "Erik", "last_name": "Testsson" },
        "children": [ { "birth_date": "2018-03-01", "days_in_home": 15 } ],
        "support_month": current_month(),
        "channel": "visit",
        "stated_reasons": [ "unemployed" ],
        "incomes": [ { "member": "applicant", "kind": "salary", "applied_amount": "4000.00" } ],
        "expenses": [
            { "member": "applicant", "kind": "rent", "applied_amount": "6200.00" },
            { "member": "partner", "kind": "home_insurance", "applied_amount": "300.00" },
            { "member": "applicant", "kind": "electricity", "applied_amount": "450.50" }
        ]
    })
}

/// Submits, starts the investigation and records the assessment as a
/// caseworker; the application's id and ETag.
async fn assessed(app: &TestApp, body: &Value, approvals: &Value) -> (String, String) {
    let cw = app.token(Role::Caseworker);
    let b = app.backend;
    let submitted = json_of(app.submit(&cw, None, body).await, 201, b).await;
    let id = submitted["id"].as_str().unwrap().to_owned();
    json_of(
        app.act(&id, "investigation", &cw, Some("\"1\""), None)
            .await,
        200,
        b,
    )
    .await;
    let response = app
        .client
        .put(app.url(&format!("/api/v1/0483/applications/{id}/assessment")))
        .bearer_auth(&cw)
        .header("if-match", "\"2\"")
        .json(approvals)
        .send()
        .await
        .unwrap();
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    json_of(response, 200, "the assessment").await;
    (id, etag)
}

fn approvals() -> Value {
    json!({ "lines": [
        { "line": 1, "approved_amount": "4000.00" },
        { "line": 2, "approved_amount": "6200.00" },
        { "line": 3, "approved_amount": "0.00" },
        { "line": 4, "approved_amount": "450.50" }
    ] })
}

#[actix_web::test]
async fn a_delavslag_for_two_adults_and_a_child_in_alternating_residence_grants_what_the_calculation_says()
 {
    for app in each_backend().await {
        let b = app.backend;
        let cw = app.token(Role::Caseworker);
        let (id, etag) =
            assessed(&app, &two_adults_and_a_child_half_the_time(), &approvals()).await;

        let calculation = json_of(
            app.get(&format!("/api/v1/0483/applications/{id}/calculation"), &cw)
                .await,
            200,
            "the calculation",
        )
        .await;
        // 7 100 (two adults together) + 3 820 × 15/30 (eight years, half the
        // month) + 1 790 (three persons) + 6 200 + 450.50 − 4 000.
        assert_eq!(calculation["norm_table"]["year"], 2026, "[{b}]");
        assert_eq!(calculation["household_size"], 3, "[{b}]");
        assert_eq!(calculation["norm"], "10800.00", "[{b}]");
        assert_eq!(calculation["reasonable_costs"], "6650.50", "[{b}]");
        assert_eq!(calculation["incomes"], "4000.00", "[{b}]");
        assert_eq!(calculation["result"], "13450.50", "[{b}]");
        let lines = calculation["lines"].as_array().unwrap();
        let child = lines
            .iter()
            .find(|l| l["members"] == json!(["child_1"]))
            .unwrap();
        assert_eq!(child["amount"], "1910.00", "[{b}]");
        assert!(
            child["explanation"]
                .as_str()
                .unwrap()
                .contains("15 av 30 dagar"),
            "[{b}] {child}"
        );
        assert!(
            lines
                .iter()
                .all(|l| !l["explanation"].as_str().unwrap().is_empty()),
            "[{b}]"
        );
        let insurance = lines.iter().find(|l| l["line"] == 3).unwrap();
        assert_eq!(insurance["section"], "reasonable_costs", "[{b}]");
        assert_eq!(insurance["amount"], "0.00", "[{b}] not approved");
        let salary = lines.iter().find(|l| l["line"] == 1).unwrap();
        assert_eq!(salary["amount"], "-4000.00", "[{b}]");

        let first = (today() - chrono::Duration::days(today().day0().into())).to_string();
        let last = current_last_day().to_string();
        let delavslag = json!({
            "outcome": "partially_rejected",
            "amount": calculation["result"],
            "period": { "from": first, "to": last },
            "legal_basis": [ "sol_2025_12_1", "sol_2025_12_7", "stf_2025_12_2" ],
            "reasons": "Hemförsäkringen beviljas inte: den ingår i hyran enligt hyresavtalet.",
            "persons_covered": [ "applicant", "partner", "child_1" ],
            "adults": [
                { "member": "applicant", "work_capacity_percent": 50, "support_obstacle": "unemployed_no_benefit" },
                { "member": "partner", "work_capacity_percent": 0, "support_obstacle": "sick_with_certificate_insufficient_benefit" }
            ],
            "decision_maker": { "name": "Anna Andersson", "title": "Socialsekreterare",
                                "delegation": "Delegationsordning 3.1.1" }
        });
        let decided = json_of(
            app.act(&id, "decision", &cw, Some(&etag), Some(&delavslag))
                .await,
            200,
            "the delavslag",
        )
        .await;
        let d = &decided["decision"];
        assert_eq!(d["outcome"], "partially_rejected", "[{b}]");
        assert_eq!(d["amount"], "13450.50", "[{b}] the calculation's amount");
        assert_eq!(
            d["norm"],
            json!({ "norm_year": 2026, "norm_revision": 1, "calculated_amount": "13450.50",
                    "deviation_reason": null }),
            "[{b}]"
        );
        assert_eq!(d["period"], json!({ "from": first, "to": last }), "[{b}]");
        let citations: Vec<&str> = d["legal_basis"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["citation"].as_str().unwrap())
            .collect();
        assert_eq!(
            citations,
            [
                "12 kap. 1 § socialtjänstlagen (2025:400)",
                "12 kap. 7 § socialtjänstlagen (2025:400)",
                "12 kap. 2 § socialtjänstförordningen (2025:468)"
            ],
            "[{b}]"
        );
        assert_eq!(d["reasons"], delavslag["reasons"], "[{b}]");
        assert_eq!(
            d["persons_covered"],
            json!(["applicant", "partner", "child_1"]),
            "[{b}]"
        );
        assert_eq!(d["adults"].as_array().unwrap().len(), 2, "[{b}]");
        assert_eq!(
            d["decision_maker"],
            json!({ "user_id": "test-caseworker", "name": "Anna Andersson",
                    "title": "Socialsekreterare", "delegation": "Delegationsordning 3.1.1" }),
            "[{b}]"
        );
        assert_eq!(d["appeal"]["appealable"], true, "[{b}]");
        assert_eq!(d["appeal"]["court"], "förvaltningsrätten", "[{b}]");
        assert_eq!(d["appeal"]["lodge_with"], "socialnämnden", "[{b}]");
        assert_eq!(d["appeal"]["within_weeks"], 3, "[{b}]");
        let household: Vec<&str> = decided["household"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["member"].as_str().unwrap())
            .collect();
        assert_eq!(household, ["applicant", "partner", "child_1"], "[{b}]");
    }
}

/// The last day of the tests' month.
fn current_last_day() -> chrono::NaiveDate {
    let first = today() - chrono::Duration::days(today().day0().into());
    (first + chrono::Months::new(1)).pred_opt().unwrap()
}

use chrono::Datelike;

#[actix_web::test]
async fn an_amount_other_than_the_calculation_needs_a_deviation_reason_and_only_then() {
    for app in each_backend().await {
        let b = app.backend;
        let cw = app.token(Role::Caseworker);
        let (id, etag) =
            assessed(&app, &two_adults_and_a_child_half_the_time(), &approvals()).await;
        let mut body = decision("granted", Some("13000.00"), 50);
        body["persons_covered"] = json!(["applicant", "partner", "child_1"]);
        body["adults"] = json!([
            { "member": "applicant", "work_capacity_percent": 50, "support_obstacle": "unemployed_no_benefit" },
            { "member": "partner", "work_capacity_percent": 50, "support_obstacle": "unemployed_no_benefit" }
        ]);
        body.as_object_mut().unwrap().remove("deviation_reason");
        let problem = assert_problem(
            app.act(&id, "decision", &cw, Some(&etag), Some(&body))
                .await,
            422,
            "validation-failed",
            b,
        )
        .await;
        assert_eq!(
            problem["invalid_params"][0]["name"], "deviation_reason",
            "[{b}]"
        );
        assert!(
            problem["invalid_params"][0]["reason"]
                .as_str()
                .unwrap()
                .contains("13450.50"),
            "[{b}] {problem}"
        );
        let mut same = body.clone();
        same["amount"] = json!("13450.50");
        same["deviation_reason"] = json!("Ingen avvikelse.");
        let problem = assert_problem(
            app.act(&id, "decision", &cw, Some(&etag), Some(&same))
                .await,
            422,
            "validation-failed",
            b,
        )
        .await;
        assert_eq!(
            problem["invalid_params"][0]["name"], "deviation_reason",
            "[{b}]"
        );
        let mut rejection = body.clone();
        rejection["outcome"] = json!("rejected");
        rejection.as_object_mut().unwrap().remove("amount");
        rejection["reasons"] = json!("Avslag.");
        rejection["deviation_reason"] = json!("Avvikelse.");
        let problem = assert_problem(
            app.act(&id, "decision", &cw, Some(&etag), Some(&rejection))
                .await,
            422,
            "validation-failed",
            b,
        )
        .await;
        assert_eq!(
            problem["invalid_params"][0]["name"], "deviation_reason",
            "[{b}]"
        );
        assert_eq!(app.count("decisions").await, 0, "[{b}] nothing written");

        body["deviation_reason"] =
            json!("Skälig kostnad för glasögon ingår med 450 kr, avräknat mot tidigare överskott.");
        let decided = json_of(
            app.act(&id, "decision", &cw, Some(&etag), Some(&body))
                .await,
            200,
            "a deviation with its reason",
        )
        .await;
        assert_eq!(decided["decision"]["amount"], "13000.00", "[{b}]");
        assert_eq!(
            decided["decision"]["norm"]["calculated_amount"], "13450.50",
            "[{b}]"
        );
        assert_eq!(
            decided["decision"]["norm"]["deviation_reason"], body["deviation_reason"],
            "[{b}]"
        );
    }
}

#[actix_web::test]
async fn without_the_years_norm_a_calculation_and_a_grant_answer_409_and_a_rejection_needs_none() {
    for app in each_backend().await {
        let b = app.backend;
        let cw = app.token(Role::Caseworker);
        let (id, etag) =
            assessed(&app, &two_adults_and_a_child_half_the_time(), &approvals()).await;
        app.db
            .write(|conn, _| {
                use diesel::connection::SimpleConnection;
                Ok(conn.batch_execute("DELETE FROM norm_tables")?)
            })
            .await
            .unwrap();
        let problem = assert_problem(
            app.get(&format!("/api/v1/0483/applications/{id}/calculation"), &cw)
                .await,
            409,
            "norm-table-missing",
            b,
        )
        .await;
        assert!(
            problem["detail"].as_str().unwrap().contains("2026"),
            "[{b}]"
        );
        let mut grant = decision("granted", Some("13000.00"), 50);
        grant["persons_covered"] = json!(["applicant"]);
        grant["adults"] = json!([{ "member": "applicant", "work_capacity_percent": 50, "support_obstacle": "unemployed_no_benefit" }]);
        grant.as_object_mut().unwrap().remove("deviation_reason");
        assert_problem(
            app.act(&id, "decision", &cw, Some(&etag), Some(&grant))
                .await,
            409,
            "norm-table-missing",
            b,
        )
        .await;
        let mut rejection = grant.clone();
        rejection["outcome"] = json!("rejected");
        rejection.as_object_mut().unwrap().remove("amount");
        rejection["reasons"] = json!("Sökanden står inte till arbetsmarknadens förfogande.");
        rejection["legal_basis"] = json!(["sol_2025_12_1", "sol_2025_12_3"]);
        let decided = json_of(
            app.act(&id, "decision", &cw, Some(&etag), Some(&rejection))
                .await,
            200,
            "a rejection without a norm",
        )
        .await;
        assert_eq!(decided["decision"]["norm"], Value::Null, "[{b}]");
    }
}

#[actix_web::test]
async fn admins_load_the_norm_as_revisions_that_never_change_and_decisions_name_theirs() {
    for app in each_backend().await {
        let b = app.backend;
        let admin = app.token(Role::Admin);
        let cw = app.token(Role::Caseworker);
        let table: Value = serde_json::from_str(NORM_2026).unwrap();
        let load = |token: String, body: Value| {
            let request = app
                .client
                .post(app.url("/api/v1/norm-tables"))
                .bearer_auth(token)
                .json(&body);
            async move { request.send().await.unwrap() }
        };
        let again = json_of(
            load(admin.clone(), table.clone()).await,
            200,
            "the same table",
        )
        .await;
        assert_eq!(again["revision"], 1, "[{b}] the same table changes nothing");
        assert_problem(load(cw.clone(), table.clone()).await, 403, "forbidden", b).await;

        let mut bad = table.clone();
        bad["personal_costs"].as_array_mut().unwrap().remove(0);
        bad["household_costs"][6]["persons"] = json!(8);
        bad["household_costs"][0]["amount"] = json!("-1280");
        bad["year"] = json!(1999);
        let problem =
            assert_problem(load(admin.clone(), bad).await, 422, "validation-failed", b).await;
        assert_eq!(
            invalid_names(&problem),
            [
                "year",
                "household_costs[0].amount",
                "household_costs[6].persons",
                "personal_costs"
            ],
            "[{b}] {problem}"
        );
        assert_eq!(app.count("norm_tables").await, 1, "[{b}] nothing written");

        let (id, _) = assessed(&app, &two_adults_and_a_child_half_the_time(), &approvals()).await;
        let mut raised = table.clone();
        raised["household_costs"][2]["amount"] = json!("1800");
        let revised = load(admin.clone(), raised).await;
        assert_eq!(revised.status(), 201, "[{b}]");
        assert_eq!(
            revised.headers()["location"],
            "/api/v1/norm-tables?year=2026&revision=2",
            "[{b}]"
        );
        let latest = json_of(
            app.get(&format!("/api/v1/0483/applications/{id}/calculation"), &cw)
                .await,
            200,
            "with revision 2",
        )
        .await;
        assert_eq!(latest["norm_table"]["revision"], 2, "[{b}]");
        assert_eq!(latest["result"], "13460.50", "[{b}]");
        let first = json_of(
            app.get(
                &format!("/api/v1/0483/applications/{id}/calculation?norm_revision=1"),
                &cw,
            )
            .await,
            200,
            "with revision 1",
        )
        .await;
        assert_eq!(
            first["result"], "13450.50",
            "[{b}] reproducible with the revision it used"
        );
        let old = json_of(
            app.get("/api/v1/norm-tables?year=2026&revision=1", &cw)
                .await,
            200,
            "revision 1",
        )
        .await;
        assert_eq!(old["items"].as_array().unwrap().len(), 1, "[{b}]");
        assert_eq!(
            old["items"][0]["household_costs"][2],
            json!({ "persons": 3, "amount": "1790.00" }),
            "[{b}]"
        );
        let list = json_of(
            app.get("/api/v1/norm-tables", &admin).await,
            200,
            "the list",
        )
        .await;
        assert_eq!(list["items"].as_array().unwrap().len(), 2, "[{b}]");
        let none = json_of(
            app.get("/api/v1/norm-tables?year=2031", &cw).await,
            200,
            "no such year",
        )
        .await;
        assert_eq!(none["items"], json!([]), "[{b}]");
        assert_problem(
            app.get("/api/v1/norm-tables?year=1999", &cw).await,
            400,
            "invalid-parameter",
            b,
        )
        .await;
        assert_problem(
            app.get("/api/v1/norm-tables", &app.token(Role::Coach))
                .await,
            403,
            "forbidden",
            b,
        )
        .await;
    }
}

#[actix_web::test]
async fn the_assessment_approves_lines_the_application_has_within_what_was_applied() {
    for app in each_backend().await {
        let b = app.backend;
        let cw = app.token(Role::Caseworker);
        let submitted = json_of(
            app.submit(&cw, None, &two_adults_and_a_child_half_the_time())
                .await,
            201,
            b,
        )
        .await;
        let id = submitted["id"].as_str().unwrap();
        assert_eq!(submitted["expenses"][0]["line"], 2, "[{b}]");
        assert_eq!(submitted["expenses"][1]["member"], "partner", "[{b}]");
        assert_eq!(submitted["expenses"][1]["source"], "declared", "[{b}]");
        assert_eq!(
            submitted["expenses"][1]["approved_amount"],
            Value::Null,
            "[{b}]"
        );
        let put = |tag: &'static str, body: Value| {
            let request = app
                .client
                .put(app.url(&format!("/api/v1/0483/applications/{id}/assessment")))
                .bearer_auth(&cw)
                .header("if-match", tag)
                .json(&body);
            async move { request.send().await.unwrap() }
        };
        let problem = assert_problem(
            put(
                "\"1\"",
                json!({ "lines": [
                { "line": 9, "approved_amount": "1.00" },
                { "line": 2, "approved_amount": "6200.01" },
                { "line": 1, "approved_amount": "5000.00" }
            ] }),
            )
            .await,
            422,
            "validation-failed",
            b,
        )
        .await;
        let names = invalid_names(&problem);
        assert_eq!(
            names,
            ["lines[0].line", "lines[1].approved_amount"],
            "[{b}] an income may be counted above what was declared"
        );
        let problem = assert_problem(
            put("\"1\"", json!({ "lines": [ { "line": 2, "approved_amount": "1.00" }, { "line": 2, "approved_amount": "2.00" } ] })).await,
            422,
            "validation-failed",
            b,
        )
        .await;
        assert_eq!(
            problem["invalid_params"][0]["name"], "lines[1].line",
            "[{b}]"
        );
        assert_problem(
            put("\"7\"", approvals()).await,
            412,
            "precondition-failed",
            b,
        )
        .await;
        let ok = json_of(put("\"1\"", approvals()).await, 200, "assessed").await;
        assert_eq!(ok["version"], 2, "[{b}]");
        assert_eq!(ok["expenses"][1]["approved_amount"], "0.00", "[{b}]");
        assert_eq!(ok["incomes"][0]["approved_amount"], "4000.00", "[{b}]");
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
                .any(|e| e["type"] == "application.assessed" && e["id"] == id),
            "[{b}]"
        );
        json_of(
            app.act(id, "withdraw", &cw, Some("\"2\""), None).await,
            200,
            "withdrawn",
        )
        .await;
        let problem = assert_problem(
            put("\"3\"", approvals()).await,
            409,
            "invalid-status-transition",
            b,
        )
        .await;
        assert_eq!(problem["current_status"], "withdrawn", "[{b}]");
    }
}

#[actix_web::test]
async fn br5_each_adult_assessed_at_25_percent_or_more_starts_the_coach_rule_on_their_own() {
    for app in each_backend().await {
        let b = app.backend;
        let cw = app.token(Role::Caseworker);
        let tolvan = person(&app, TOLVAN, &["viadidakt"]).await;
        let erik = person(&app, ERIK, &["viadidakt"]).await;
        let mut body = two_adults_and_a_child_half_the_time();
        body["applicant"] = json!({ "id": tolvan });
        body["partner"] = json!({ "id": erik });
        let (id, etag) = assessed(&app, &body, &approvals()).await;
        let mut referrals = Vec::new();
        for person in [&tolvan, &erik] {
            let referral = json_of(
                app.post(
                    "/api/v1/0483/referrals",
                    &cw,
                    &json!({ "applicant_id": person, "application_id": id }),
                )
                .await,
                201,
                "a referral",
            )
            .await;
            assert_eq!(
                referral["first_meeting_due"],
                Value::Null,
                "[{b}] waits for the decision"
            );
            referrals.push(referral["id"].as_str().unwrap().to_owned());
        }
        let mut grant = decision("granted", Some("13450.50"), 50);
        grant.as_object_mut().unwrap().remove("deviation_reason");
        grant["persons_covered"] = json!(["applicant", "partner", "child_1"]);
        grant["adults"] = json!([
            { "member": "applicant", "work_capacity_percent": 75, "support_obstacle": "unemployed_no_benefit" },
            { "member": "partner", "work_capacity_percent": 10, "support_obstacle": "sick_with_certificate_no_benefit" }
        ]);
        json_of(
            app.act(&id, "decision", &cw, Some(&etag), Some(&grant))
                .await,
            200,
            "decided",
        )
        .await;
        let due = |r: &str| {
            let path = format!("/api/v1/0483/referrals/{r}");
            let cw = cw.clone();
            let app = &app;
            async move {
                json_of(app.get(&path, &cw).await, 200, "referral").await["first_meeting_due"]
                    .clone()
            }
        };
        assert_eq!(
            due(&referrals[0]).await,
            json!((today() + chrono::Duration::days(7)).to_string()),
            "[{b}] 75 %"
        );
        assert_eq!(
            due(&referrals[1]).await,
            Value::Null,
            "[{b}] 10 %: not the partner"
        );
    }
}

#[actix_web::test]
async fn the_amount_is_checked_against_the_persons_the_decision_covers() {
    for app in each_backend().await {
        let b = app.backend;
        let cw = app.token(Role::Caseworker);
        let (id, etag) =
            assessed(&app, &two_adults_and_a_child_half_the_time(), &approvals()).await;
        // The partner not covered: the applicant alone (3 940), the child
        // (1 910), two thirds of the common costs of three (1 193.33), the
        // applicant's rent and electricity, less the applicant's salary.
        let mut grant = decision("granted", Some("9693.83"), 50);
        grant.as_object_mut().unwrap().remove("deviation_reason");
        let decided = json_of(
            app.act(&id, "decision", &cw, Some(&etag), Some(&grant))
                .await,
            200,
            "decided for the applicant and the child",
        )
        .await;
        assert_eq!(
            decided["decision"]["norm"]["calculated_amount"], "9693.83",
            "[{b}]"
        );
    }
}

#[actix_web::test]
async fn someone_named_in_another_persons_application_gets_only_their_own_part_in_the_extract() {
    for app in each_backend().await {
        let b = app.backend;
        let cw = app.token(Role::Caseworker);
        let mut body = two_adults_and_a_child_half_the_time();
        body["message"] = json!("Min sambo vet inte om skulden.");
        let (id, etag) = assessed(&app, &body, &approvals()).await;
        let mut grant = decision("granted", Some("13450.50"), 50);
        grant.as_object_mut().unwrap().remove("deviation_reason");
        grant["persons_covered"] = json!(["applicant", "partner", "child_1"]);
        grant["adults"] = json!([
            { "member": "applicant", "work_capacity_percent": 50, "support_obstacle": "unemployed_no_benefit" },
            { "member": "partner", "work_capacity_percent": 0, "support_obstacle": "sick_with_certificate_no_benefit" }
        ]);
        json_of(
            app.act(&id, "decision", &cw, Some(&etag), Some(&grant))
                .await,
            200,
            "decided",
        )
        .await;
        let erik = json_of(
            app.post(
                "/api/v1/0483/applicants/search",
                &cw,
                &json!({ "personal_number": ERIK }),
            )
            .await,
            200,
            "the partner",
        )
        .await;
        let extract = json_of(
            app.get(
                &format!(
                    "/api/v1/0483/applicants/{}/export",
                    erik["id"].as_str().unwrap()
                ),
                &cw,
            )
            .await,
            200,
            "the partner's extract",
        )
        .await;
        let application = &extract["applications"][0];
        assert_eq!(application["id"], id, "[{b}]");
        let members: Vec<&str> = application["household"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["member"].as_str().unwrap())
            .collect();
        assert_eq!(
            members,
            ["partner"],
            "[{b}] not the child's personal data, nor the applicant's"
        );
        assert_eq!(
            application["incomes"],
            json!([]),
            "[{b}] the applicant's salary is not theirs"
        );
        assert_eq!(
            application["expenses"].as_array().unwrap().len(),
            1,
            "[{b}] their own home insurance"
        );
        assert_eq!(application.get("message"), None, "[{b}]");
        let adults = application["decision"]["adults"].as_array().unwrap();
        assert_eq!(adults.len(), 1, "[{b}]");
        assert_eq!(adults[0]["member"], "partner", "[{b}]");
        assert_eq!(
            extract["payments"],
            json!([]),
            "[{b}] the applicant's payments"
        );
        // Reading the application read the partner's data too: it is in
        // their extract's accesses.
        let cs = app.token(Role::CaseSystem);
        json_of(
            app.get(&format!("/api/v1/0483/applications/{id}"), &cs)
                .await,
            200,
            "read",
        )
        .await;
        let extract = json_of(
            app.get(
                &format!(
                    "/api/v1/0483/applicants/{}/export",
                    erik["id"].as_str().unwrap()
                ),
                &cw,
            )
            .await,
            200,
            "the partner's extract again",
        )
        .await;
        assert!(
            extract["accesses"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["action"] == "application.read" && a["actor"] == "test-case_system"),
            "[{b}] {}",
            extract["accesses"]
        );
    }
}

#[actix_web::test]
async fn br5_only_assessed_adults_link_and_a_lower_capacity_on_replacement_takes_the_due_date_away()
{
    for app in each_backend().await {
        let b = app.backend;
        let cw = app.token(Role::Caseworker);
        let tolvan = person(&app, TOLVAN, &["viadidakt"]).await;
        let anna = person(&app, ANNA, &["viadidakt"]).await;
        let mut body = application_body(TOLVAN);
        body["applicant"] = json!({ "id": tolvan });
        body["other_adults"] = json!([{ "id": anna }]);
        let submitted = json_of(app.submit(&cw, None, &body).await, 201, "submitted").await;
        let id = submitted["id"].as_str().unwrap();
        let problem = assert_problem(
            app.post(
                "/api/v1/0483/referrals",
                &cw,
                &json!({ "applicant_id": anna, "application_id": id }),
            )
            .await,
            422,
            "validation-failed",
            b,
        )
        .await;
        assert_eq!(
            problem["invalid_params"][0]["name"], "application_id",
            "[{b}] a lodger is not assessed"
        );
        let referral = json_of(
            app.post(
                "/api/v1/0483/referrals",
                &cw,
                &json!({ "applicant_id": tolvan, "application_id": id }),
            )
            .await,
            201,
            "the applicant's referral",
        )
        .await;
        let rid = referral["id"].as_str().unwrap();
        json_of(
            app.act(id, "investigation", &cw, Some("\"1\""), None).await,
            200,
            "investigating",
        )
        .await;
        let decided = json_of(
            app.act(
                id,
                "decision",
                &cw,
                Some("\"2\""),
                Some(&decision("granted", Some("100.00"), 50)),
            )
            .await,
            200,
            "decided at 50 %",
        )
        .await;
        let path = format!("/api/v1/0483/referrals/{rid}");
        let due = || async {
            json_of(app.get(&path, &cw).await, 200, "referral").await["first_meeting_due"].clone()
        };
        assert_eq!(
            due().await,
            json!((today() + chrono::Duration::days(7)).to_string()),
            "[{b}]"
        );
        let lowered = json!({ "ground": "correction", "reason": "Arbetsförmågan var felskriven.",
                              "decision": decision("granted", Some("100.00"), 10) });
        json_of(
            app.post(
                &format!(
                    "/api/v1/0483/decisions/{}/replacement",
                    decided["decision"]["id"].as_str().unwrap()
                ),
                &cw,
                &lowered,
            )
            .await,
            201,
            "replaced at 10 %",
        )
        .await;
        assert_eq!(
            due().await,
            Value::Null,
            "[{b}] below 25 % the rule does not apply"
        );
    }
}

/// The published tables in `reference/` are valid bodies of
/// `POST /api/v1/norm-tables`.
#[actix_web::test]
async fn every_published_norm_in_reference_loads_as_an_admin_would() {
    let app = spawn(None).await;
    let admin = app.token(Role::Admin);
    for (year, text) in [
        (2017, include_str!("../../reference/riksnorm-2017.json")),
        (2018, include_str!("../../reference/riksnorm-2018.json")),
        (2019, include_str!("../../reference/riksnorm-2019.json")),
        (2026, NORM_2026),
    ] {
        let body: Value = serde_json::from_str(text).unwrap();
        assert_eq!(body["year"], year);
        let loaded = app.post("/api/v1/norm-tables", &admin, &body).await;
        // Every test service starts with 2026's loaded: the same again is 200.
        let expected = if year == 2026 { 200 } else { 201 };
        assert_eq!(
            loaded.status(),
            expected,
            "{year}: {}",
            loaded.text().await.unwrap()
        );
    }
}
