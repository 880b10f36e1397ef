//! Volume indicators over HTTP: the catalogue, values kept up to date in
//! the same transaction as the records they count, reported values and
//! forecasts, CSV, incremental refresh, and suppression that no caller can
//! undo from what it can fetch.

use std::collections::BTreeMap;

use bistand::auth::Role;
use bistand::domain::Sex;
use bistand::domain::indicator::suppression::{Key, peel};
use bistand::domain::indicator::{Gender, Period};
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use serde_json::{Value, json};

use crate::helpers::*;

/// `GET /api/v1/indicators/{query}` as `token`, answered 200 with JSON.
async fn read(app: &TestApp, token: &str, query: &str) -> Value {
    let path = match query.chars().next() {
        None | Some('?' | '/') => format!("/api/v1/indicators{query}"),
        _ => format!("/api/v1/indicators/{query}"),
    };
    json_of(app.get(&path, token).await, 200, query).await
}

/// The value's cell of `sex` in `period` from an answer's items.
fn cell<'a>(answer: &'a Value, indicator: &str, period: &str, sex: &str) -> &'a Value {
    answer["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["indicator"] == indicator && i["period"] == period)
        .and_then(|i| {
            i["values"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["sex"] == sex)
        })
        .unwrap_or_else(|| panic!("no {indicator} {period} {sex} in {answer}"))
}

fn value<'a>(answer: &'a Value, indicator: &str, period: &str, sex: &str) -> &'a Value {
    &cell(answer, indicator, period, sex)["value"]
}

async fn put(app: &TestApp, token: &str, indicator: &str, body: &Value) -> reqwest::Response {
    app.client
        .put(app.url(&format!("/api/v1/indicators/{indicator}/values")))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn the_catalogue_names_each_indicator_its_unit_and_the_suppression_threshold() {
    for app in each_backend().await {
        let b = app.backend;
        let analyst = app.token(Role::Analyst);
        let all = read(&app, &analyst, "").await;
        let items = all["items"].as_array().unwrap();
        assert!(items.len() >= 28, "[{b}] {}", items.len());
        let households = items
            .iter()
            .find(|i| i["id"] == "households-granted-monthly-average")
            .unwrap();
        assert_eq!(households["unit"], "count");
        assert_eq!(households["source"], "computed");
        assert_eq!(households["aggregation"], "monthly_average");
        assert_eq!(households["sexes"], json!(["T"]));
        assert_eq!(households["suppression"]["threshold"], 5);
        assert_eq!(
            households["suppression"]["exempt_roles"],
            json!(["caseworker"])
        );
        assert_eq!(households["values_reported_by"], json!([]));
        let reported = read(&app, &analyst, "?source=reported").await;
        assert!(
            reported["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| i["source"] == "reported")
        );
        let one = read(&app, &analyst, "/via-participants-referred-by-soc").await;
        assert_eq!(one["sexes"], json!(["K", "M", "T"]), "[{b}]");
        assert_problem(
            app.get("/api/v1/indicators/no-such-thing", &analyst).await,
            404,
            "not-found",
            b,
        )
        .await;
        for role in [Role::Eservice, Role::Auditor] {
            assert_problem(
                app.get("/api/v1/indicators", &app.token(role)).await,
                403,
                "forbidden",
                b,
            )
            .await;
        }
    }
}

#[actix_web::test]
async fn a_granting_decision_counts_its_household_at_once_and_a_replacement_takes_it_back() {
    for app in each_backend().await {
        let b = app.backend;
        app.load_norm().await;
        let caseworker = app.token(Role::Caseworker);
        let id = app
            .decided(TOLVAN, &decision("granted", Some("5100.00"), 50))
            .await;
        let ids = "households-granted-monthly-average,households-granted,persons-in-households-granted,children-in-households-granted,applications-received";
        let query = format!("{ids}/values?municipality=0483&period=2026-11,2026");
        let seen = read(&app, &caseworker, &query).await;
        assert_eq!(
            *value(&seen, "households-granted", "2026-11", "T"),
            json!(1),
            "[{b}] {seen}"
        );
        assert_eq!(
            *value(&seen, "households-granted", "2026", "T"),
            json!(1),
            "[{b}]"
        );
        assert_eq!(
            *value(&seen, "persons-in-households-granted", "2026", "T"),
            json!(2),
            "[{b}]"
        );
        assert_eq!(
            *value(&seen, "children-in-households-granted", "2026", "T"),
            json!(1),
            "[{b}]"
        );
        assert_eq!(
            *value(&seen, "households-granted-monthly-average", "2026-11", "T"),
            json!(1),
            "[{b}]"
        );
        // One household-month in twelve.
        assert_eq!(
            *value(&seen, "households-granted-monthly-average", "2026", "T"),
            json!(0.1),
            "[{b}]"
        );
        // Tolvan is a man (BR-1).
        assert_eq!(
            *value(&seen, "applications-received", "2026-11", "M"),
            json!(1),
            "[{b}]"
        );
        assert_eq!(
            *value(&seen, "applications-received", "2026-11", "K"),
            json!(0),
            "[{b}]"
        );

        // The analyst sees the small counts suppressed.
        let analyst = app.token(Role::Analyst);
        let hidden = read(&app, &analyst, &query).await;
        let household = cell(&hidden, "households-granted", "2026-11", "T");
        assert_eq!(household["value"], Value::Null, "[{b}]");
        assert_eq!(household["status"], "suppressed", "[{b}]");

        // A reconsideration that rejects takes the household out.
        let application: Value = app
            .get(&format!("/api/v1/0483/applications/{id}"), &caseworker)
            .await
            .json()
            .await
            .unwrap();
        let decision_id = application["decision"]["id"].as_str().unwrap();
        let replaced = app
            .post(
                &format!("/api/v1/0483/decisions/{decision_id}/replacement"),
                &caseworker,
                &json!({ "ground": "reconsideration", "reason": "Ny inkomst redovisad.",
                         "decision": decision("rejected", None, 50) }),
            )
            .await;
        assert_eq!(
            replaced.status(),
            201,
            "[{b}] {}",
            replaced.text().await.unwrap()
        );
        let after = read(&app, &caseworker, &query).await;
        assert_eq!(
            *value(&after, "households-granted", "2026-11", "T"),
            json!(0),
            "[{b}] {after}"
        );
        assert_eq!(
            *value(&after, "persons-in-households-granted", "2026", "T"),
            json!(0),
            "[{b}]"
        );
        assert_eq!(
            *value(&after, "applications-received", "2026-11", "T"),
            json!(1),
            "[{b}]"
        );
        // Before the records begin a value is missing, not zero.
        let before = read(
            &app,
            &caseworker,
            "households-granted/values?municipality=0483&period=2025",
        )
        .await;
        assert_eq!(
            cell(&before, "households-granted", "2025", "T")["status"],
            "missing",
            "[{b}]"
        );
        // Tolvan applies again: an existing applicant's application is
        // counted on its own, and a new grant counts the household again.
        app.decided(TOLVAN, &decision("granted", Some("5100.00"), 50))
            .await;
        let again = read(&app, &caseworker, &query).await;
        assert_eq!(
            *value(&again, "applications-received", "2026-11", "M"),
            json!(2),
            "[{b}] {again}"
        );
        assert_eq!(
            *value(&again, "households-granted", "2026-11", "T"),
            json!(1),
            "[{b}]"
        );
        app.assert_indicators_agree().await;
    }
}

#[actix_web::test]
async fn reported_values_are_checked_whole_and_nothing_of_a_bad_body_is_written() {
    for app in each_backend().await {
        let b = app.backend;
        let admin = app.token(Role::Admin);
        let indicator = "soc-investigations-started";
        let months: Vec<Value> = (1..=4)
            .map(|m| json!({ "municipality": "0483", "period": format!("2019-{m:02}"), "value": 155 }))
            .collect();
        let body = json!({ "unit": "count", "values": months,
                           "forecasts": [{ "municipality": "0483", "year": 2019, "value": 2200 }] });
        let done = json_of(put(&app, &admin, indicator, &body).await, 200, "a report").await;
        assert_eq!(done["changed"], 5, "[{b}]");
        let again = json_of(
            put(&app, &admin, indicator, &body).await,
            200,
            "the same again",
        )
        .await;
        assert_eq!(
            (again["changed"].clone(), again["unchanged"].clone()),
            (json!(0), json!(5)),
            "[{b}]"
        );

        let query = format!("{indicator}/values?municipality=0483&period=2019,2019-T1,2019-01");
        let analyst = app.token(Role::Analyst);
        let before = read(&app, &analyst, &query).await;
        assert_eq!(
            *value(&before, indicator, "2019-T1", "T"),
            json!(620),
            "[{b}] {before}"
        );
        assert_eq!(
            *value(&before, indicator, "2019-01", "T"),
            json!(155),
            "[{b}]"
        );
        assert_eq!(
            cell(&before, indicator, "2019", "T")["status"],
            "missing",
            "[{b}]"
        );
        let t1 = before["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["period"] == "2019-T1")
            .unwrap();
        assert_eq!(t1["forecast"], 2200, "[{b}]");

        let one = |entry: Value| json!({ "unit": "count", "values": [entry] });
        let cases = [
            (
                json!({ "unit": "percent", "values": [{ "municipality": "0483", "period": "2019-05", "value": 1 }] }),
                "unit",
            ),
            (
                one(json!({ "municipality": "0483", "period": "2019-05", "value": -1 })),
                "values[0].value",
            ),
            (
                one(json!({ "municipality": "0483", "period": "2019-05", "value": 1.5 })),
                "values[0].value",
            ),
            (
                one(json!({ "municipality": "0483", "period": "2019-T4", "value": 1 })),
                "values[0].period",
            ),
            (
                one(json!({ "municipality": "0483", "period": "2031-01", "value": 1 })),
                "values[0].period",
            ),
            (
                one(json!({ "municipality": "0428", "period": "2019-05", "value": 1 })),
                "values[0].municipality",
            ),
            (
                one(json!({ "municipality": "0483", "period": "2019-05", "sex": "K", "value": 1 })),
                "values[0].sex",
            ),
            (json!({ "unit": "count" }), "values"),
        ];
        let admin_0483 = app.token_for(Role::Admin, &["0483"]);
        for (body, field) in cases {
            // A good entry first: nothing of a bad body is written.
            let mut body = body;
            if let Some(values) = body["values"].as_array_mut() {
                values.insert(
                    0,
                    json!({ "municipality": "0483", "period": "2019-01", "value": 9999 }),
                );
            }
            let field = field.replace("values[0]", "values[1]");
            let problem = assert_problem(
                put(&app, &admin_0483, indicator, &body).await,
                422,
                "validation-failed",
                b,
            )
            .await;
            assert!(
                invalid_names(&problem).contains(&field.as_str()),
                "[{b}] {field} in {problem}"
            );
        }
        let computed = json!({ "unit": "count", "values": [{ "municipality": "0483", "period": "2019-01", "value": 1 }] });
        let problem = assert_problem(
            put(&app, &admin, "applications-received", &computed).await,
            422,
            "validation-failed",
            b,
        )
        .await;
        assert_eq!(invalid_names(&problem), ["values"], "[{b}]");
        assert_eq!(
            read(&app, &analyst, &query).await,
            before,
            "[{b}] nothing written"
        );

        // The case system reports reported indicators only; analysts nothing.
        let cs = app.token(Role::CaseSystem);
        let forecast = json!({ "unit": "count", "forecasts": [{ "municipality": "0483", "year": 2019, "value": 550 }] });
        assert_problem(
            put(&app, &cs, "households-granted-monthly-average", &forecast).await,
            403,
            "forbidden",
            b,
        )
        .await;
        assert_problem(
            put(&app, &analyst, indicator, &body).await,
            403,
            "forbidden",
            b,
        )
        .await;
        json_of(
            put(
                &app,
                &admin,
                "households-granted-monthly-average",
                &forecast,
            )
            .await,
            200,
            "a forecast",
        )
        .await;
        let households = read(
            &app,
            &analyst,
            "households-granted-monthly-average/values?municipality=0483&period=2019-T1",
        )
        .await;
        assert_eq!(
            households["items"][0]["forecast"], 550,
            "[{b}] {households}"
        );
        let removal = json!({ "unit": "count", "values": [{ "municipality": "0483", "period": "2019-01", "value": null }] });
        json_of(put(&app, &cs, indicator, &removal).await, 200, "a removal").await;
        let removed = read(&app, &analyst, &query).await;
        assert_eq!(
            cell(&removed, indicator, "2019-01", "T")["status"],
            "missing",
            "[{b}]"
        );
        assert_eq!(
            cell(&removed, indicator, "2019-T1", "T")["status"],
            "missing",
            "[{b}]"
        );
    }
}

#[actix_web::test]
async fn csv_gives_the_same_rows_and_updated_since_only_what_changed() {
    for app in each_backend().await {
        let b = app.backend;
        let admin = app.token(Role::Admin);
        let indicator = "soc-care-days-institution-adults";
        let report = |period: &str, n: i64| json!({ "unit": "count", "values": [{ "municipality": "0483", "period": period, "value": n }] });
        json_of(
            put(&app, &admin, indicator, &report("2018", 7690)).await,
            200,
            "2018",
        )
        .await;
        let first = now();
        app.clock.set(first + Duration::hours(1));
        json_of(
            put(&app, &admin, indicator, &report("2019-T1", 2567)).await,
            200,
            "2019-T1",
        )
        .await;

        let analyst = app.token(Role::Analyst);
        let query = format!("{indicator}/values?municipality=0483&period=2018,2019-T1,2019");
        let json = read(&app, &analyst, &query).await;
        let csv = app
            .client
            .get(app.url(&format!("/api/v1/indicators/{query}")))
            .bearer_auth(&analyst)
            .header("accept", "text/csv")
            .send()
            .await
            .unwrap();
        assert_eq!(csv.status(), 200, "[{b}]");
        assert!(
            csv.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv"),
            "[{b}]"
        );
        let text = csv.text().await.unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "indicator,municipality,period,sex,value,status,forecast,previous_period_value,updated_at"
        );
        assert_eq!(
            lines.len(),
            1 + json["items"].as_array().unwrap().len(),
            "[{b}] {text}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&format!("{indicator},0483,2019-T1,T,2567,,"))),
            "[{b}] {text}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&format!("{indicator},0483,2019,T,,missing,,7690,"))),
            "[{b}] {text}"
        );
        let by_format = app
            .get(&format!("/api/v1/indicators/{query}&format=csv"), &analyst)
            .await;
        assert_eq!(by_format.text().await.unwrap(), text, "[{b}]");

        let since =
            (first + Duration::minutes(30)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let changed = read(
            &app,
            &analyst,
            &format!("{indicator}/values?municipality=0483&updated_since={since}"),
        )
        .await;
        let periods: Vec<&str> = changed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["period"].as_str().unwrap())
            .collect();
        assert!(periods.contains(&"2019-T1"), "[{b}] {periods:?}");
        assert!(
            periods
                .iter()
                .all(|p| p.starts_with("2019") || p.starts_with("2020")),
            "[{b}] {periods:?}"
        );
        let nothing =
            (first + Duration::hours(2)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let none = read(
            &app,
            &analyst,
            &format!("{indicator}/values?municipality=0483&updated_since={nothing}"),
        )
        .await;
        assert_eq!(none["items"], json!([]), "[{b}]");
        assert_problem(
            app.get(
                &format!("/api/v1/indicators/{indicator}/values?municipality=0483"),
                &analyst,
            )
            .await,
            400,
            "invalid-parameter",
            b,
        )
        .await;
        assert_problem(
            app.get(
                &format!("/api/v1/indicators/{indicator}/values?period=2019-T4"),
                &analyst,
            )
            .await,
            400,
            "invalid-parameter",
            b,
        )
        .await;
        assert_problem(
            app.get(
                &format!("/api/v1/indicators/{indicator}/values?period=2019&municipality=0999"),
                &analyst,
            )
            .await,
            404,
            "not-found",
            b,
        )
        .await;
    }
}

/// The `n`th person's birthday (one per day from 1970).
fn born(n: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + Duration::days(i64::from(n))
}

/// Applications received per month of 2026, women and men: many small.
const WOMEN: [u32; 11] = [2, 6, 0, 1, 5, 3, 8, 0, 4, 6, 1];
const MEN: [u32; 11] = [5, 1, 7, 0, 3, 6, 2, 9, 1, 0, 4];

#[actix_web::test]
async fn no_suppressed_value_can_be_worked_out_from_what_an_analyst_can_fetch() {
    for app in each_backend().await {
        let b = app.backend;
        let cs = app.token(Role::CaseSystem);
        for (m, (women, men)) in WOMEN.iter().zip(MEN).enumerate() {
            let month = m as u32 + 1;
            app.clock
                .set(Utc.with_ymd_and_hms(2026, month, 10, 9, 0, 0).unwrap());
            for (sex, count) in [(Sex::K, *women), (Sex::M, men)] {
                for n in 0..count {
                    let mut body = application_body(&test_number(born(n), sex, 0));
                    body["support_month"] = json!(format!("2026-{month:02}"));
                    let sent = app.submit(&cs, None, &body).await;
                    assert_eq!(sent.status(), 201, "[{b}] {}", sent.text().await.unwrap());
                }
            }
        }
        app.clock.set(now());
        let query = "applications-received/values?municipality=0483&period=2026-01..2026-12,2026-T1..2026-T3,2026-H1..2026-H2,2026";
        let truth = read(&app, &app.token(Role::Caseworker), query).await;
        for (m, (women, men)) in WOMEN.iter().zip(MEN).enumerate() {
            let period = format!("2026-{:02}", m + 1);
            assert_eq!(
                *value(&truth, "applications-received", &period, "K"),
                json!(women),
                "[{b}] {period}"
            );
            assert_eq!(
                *value(&truth, "applications-received", &period, "T"),
                json!(women + men),
                "[{b}]"
            );
        }
        let total: u32 = WOMEN.iter().chain(MEN.iter()).sum();
        assert_eq!(
            *value(&truth, "applications-received", "2026", "T"),
            json!(total),
            "[{b}]"
        );

        for role in [Role::Analyst, Role::Admin, Role::CaseSystem, Role::Coach] {
            let seen = read(&app, &app.token(role), query).await;
            let mut shown: BTreeMap<Key, Option<i64>> = BTreeMap::new();
            let mut suppressed = 0;
            for item in seen["items"].as_array().unwrap() {
                let period = Period::parse(item["period"].as_str().unwrap()).unwrap();
                for c in item["values"].as_array().unwrap() {
                    let sex = Gender::parse(c["sex"].as_str().unwrap()).unwrap();
                    let real = value(
                        &truth,
                        "applications-received",
                        item["period"].as_str().unwrap(),
                        c["sex"].as_str().unwrap(),
                    );
                    match c["status"].as_str() {
                        Some("suppressed") => {
                            suppressed += 1;
                            shown.insert((period, sex), None);
                        }
                        // December has not come: nothing, and known to be.
                        Some("missing") => {
                            shown.insert((period, sex), Some(0));
                        }
                        _ => {
                            let v = c["value"].as_i64().unwrap();
                            assert_eq!(json!(v), *real, "[{b}] {role} sees a wrong value");
                            assert!(
                                !(1..5).contains(&v),
                                "[{b}] {role} sees a small count {period} {sex:?}"
                            );
                            shown.insert((period, sex), Some(v));
                        }
                    }
                }
            }
            assert!(suppressed > 0, "[{b}]");
            let learnt = peel(&shown, true);
            assert!(learnt.is_empty(), "[{b}] {role} can work out {learnt:?}");
        }
    }
}

#[actix_web::test]
async fn reads_of_values_are_audited_per_municipality_and_refusals_too() {
    for app in each_backend().await {
        let b = app.backend;
        let analyst = app.token_for(Role::Analyst, &["0483", "0428"]);
        let before = app.audit_count().await;
        read(
            &app,
            &analyst,
            "households-granted/values?municipality=0483,0428&period=2026",
        )
        .await;
        let records = app.audit_since(before).await;
        let reads: Vec<_> = records
            .iter()
            .filter(|r| r.action == "indicator.values")
            .collect();
        assert_eq!(reads.len(), 2, "[{b}] {records:?}");
        assert!(
            reads
                .iter()
                .all(|r| r.person_id.is_none() && r.outcome == "allowed"),
            "[{b}]"
        );
        let before = app.audit_count().await;
        let other = app.token_for(Role::Analyst, &["0483"]);
        assert_problem(
            app.get(
                "/api/v1/indicators/households-granted/values?municipality=0428&period=2026",
                &other,
            )
            .await,
            404,
            "not-found",
            b,
        )
        .await;
        let refused = app.audit_since(before).await;
        assert!(
            refused
                .iter()
                .any(|r| r.action == "indicator.values" && r.outcome != "allowed"),
            "[{b}] {refused:?}"
        );
    }
}
