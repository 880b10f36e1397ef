//! The Kolada v3-compatible routes: Kolada's paths, parameters and shapes
//! over the same values, suppression and audit as the native ones.

use bistand::auth::Role;
use serde_json::{Value, json};

use crate::helpers::*;

async fn kolada(app: &TestApp, token: &str, path: &str) -> Value {
    json_of(
        app.get(&format!("/kolada/v3/{path}"), token).await,
        200,
        path,
    )
    .await
}

#[actix_web::test]
async fn kolada_clients_read_the_values_by_path_and_by_query_in_kolada_shape() {
    for app in each_backend().await {
        let b = app.backend;
        let admin = app.token_for(Role::Admin, &["0483", "0428"]);
        let reported = json!({ "unit": "count", "values": [
            { "municipality": "0483", "period": "2018", "value": 2005 },
            { "municipality": "0428", "period": "2018", "value": 0 } ] });
        let put = app
            .client
            .put(app.url("/api/v1/indicators/soc-investigations-started/values"))
            .bearer_auth(&admin)
            .json(&reported)
            .send()
            .await
            .unwrap();
        assert_eq!(put.status(), 200, "[{b}]");
        app.load_norm().await;
        app.decided(TOLVAN, &decision("granted", Some("5100.00"), 50))
            .await;

        let analyst = app.token_for(Role::Analyst, &["0483", "0428"]);
        let by_path = kolada(
            &app,
            &analyst,
            "data/kpi/soc-investigations-started/municipality/0483,0428/year/2018",
        )
        .await;
        assert_eq!(by_path["count"], 2, "[{b}] {by_path}");
        assert_eq!(by_path["next_url"], Value::Null, "[{b}]");
        assert_eq!(
            by_path["values"][0],
            json!({ "kpi": "soc-investigations-started", "municipality": "0483", "period": 2018,
                    "values": [{ "gender": "T", "count": 1, "status": "", "value": 2005, "isdeleted": false }] }),
            "[{b}]"
        );
        // A real zero stays 0.
        assert_eq!(by_path["values"][1]["values"][0]["value"], 0, "[{b}]");
        let query = kolada(&app, &analyst, "data?kpi_id=soc-investigations-started&municipality_id=0483&municipality_id=0428&year=2018").await;
        assert_eq!(query, by_path, "[{b}]");
        let slash = kolada(
            &app,
            &analyst,
            "data/?kpi_id=soc-investigations-started&municipality_id=0483,0428&year=2018",
        )
        .await;
        assert_eq!(slash, by_path, "[{b}]");

        // Computed values, split by sex, suppressed as natively.
        let seen = kolada(
            &app,
            &analyst,
            "data/kpi/applications-received/municipality/0483/year/2025,2026",
        )
        .await;
        let rows = seen["values"].as_array().unwrap();
        let y2026 = rows.iter().find(|r| r["period"] == 2026).unwrap();
        let total = y2026["values"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["gender"] == "T")
            .unwrap();
        assert_eq!(
            *total,
            json!({ "gender": "T", "count": 0, "status": "suppressed", "value": null, "isdeleted": false }),
            "[{b}]"
        );
        let y2025 = rows.iter().find(|r| r["period"] == 2025).unwrap();
        assert!(
            y2025["values"]
                .as_array()
                .unwrap()
                .iter()
                .all(|v| v["status"] == "missing"),
            "[{b}]"
        );
        let caseworker = app.token(Role::Caseworker);
        let truth = kolada(
            &app,
            &caseworker,
            "data/kpi/applications-received/municipality/0483/year/2026",
        )
        .await;
        let total = truth["values"][0]["values"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["gender"] == "T")
            .unwrap()
            .clone();
        assert_eq!(total["value"], 1, "[{b}] {truth}");
        // Without a year: every year from the first with values to this one.
        let all = kolada(
            &app,
            &caseworker,
            "data?kpi_id=soc-investigations-started&municipality_id=0483",
        )
        .await;
        let years: Vec<i64> = all["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["period"].as_i64().unwrap())
            .collect();
        assert_eq!(years.first(), Some(&2018), "[{b}] {years:?}");
        assert_eq!(years.last(), Some(&2026), "[{b}]");

        // Paging.
        let first = kolada(
            &app,
            &caseworker,
            "data?kpi_id=soc-investigations-started&municipality_id=0483&per_page=4",
        )
        .await;
        assert_eq!(first["count"], 4, "[{b}]");
        let next = first["next_url"].as_str().unwrap();
        assert!(
            next.contains("page=2") && next.contains("per_page=4") && next.starts_with("http"),
            "[{b}] {next}"
        );
        assert_eq!(first["previous_url"], Value::Null, "[{b}]");
        let path = next.split_once("/kolada/v3/").unwrap().1;
        let second = kolada(&app, &caseworker, path).await;
        assert_eq!(second["values"][0]["period"], 2022, "[{b}] {second}");
        assert!(
            second["previous_url"].as_str().unwrap().contains("page=1"),
            "[{b}]"
        );

        // Metadata.
        let kpis = kolada(&app, &analyst, "kpi").await;
        assert!(kpis["count"].as_u64().unwrap() >= 28, "[{b}]");
        let one = kolada(&app, &analyst, "kpi/via-participants-referred-by-soc").await;
        assert_eq!(one["values"][0]["is_divided_by_gender"], true, "[{b}]");
        assert_eq!(
            one["values"][0]["title"],
            "Antal deltagare i arbetsmarknadsåtgärd anvisade av socialförvaltningen",
            "[{b}]"
        );
        let both = app.token_for(Role::Analyst, &["0483", "0428"]);
        let municipalities = kolada(&app, &both, "municipality").await;
        assert_eq!(
            municipalities["values"],
            json!([{ "id": "0428", "title": "Vingåker", "type": "K" }, { "id": "0483", "title": "Katrineholm", "type": "K" }]),
            "[{b}]"
        );
        let filtered = kolada(&app, &both, "municipality?title=katrine").await;
        assert_eq!(filtered["count"], 1, "[{b}]");

        // Refusals, as natively.
        let only = app.token_for(Role::Analyst, &["0483"]);
        assert_problem(
            app.get(
                "/kolada/v3/data/kpi/households-granted/municipality/0428/year/2018",
                &only,
            )
            .await,
            404,
            "not-found",
            b,
        )
        .await;
        assert_problem(
            app.get("/kolada/v3/kpi/no-such-kpi", &only).await,
            404,
            "not-found",
            b,
        )
        .await;
        let many = (2000..2030)
            .map(|y| y.to_string())
            .collect::<Vec<_>>()
            .join(",");
        assert_problem(
            app.get(
                &format!("/kolada/v3/data?kpi_id=households-granted&year={many}"),
                &only,
            )
            .await,
            400,
            "invalid-parameter",
            b,
        )
        .await;
        assert_problem(
            app.get(
                "/kolada/v3/data?kpi_id=households-granted&per_page=5001",
                &only,
            )
            .await,
            400,
            "invalid-parameter",
            b,
        )
        .await;
        assert_problem(
            app.get("/kolada/v3/data", &app.token(Role::Eservice)).await,
            403,
            "forbidden",
            b,
        )
        .await;
        // As the contract says: a title of at most 200 characters, a day.
        let long = "x".repeat(201);
        for path in [
            format!("/kolada/v3/kpi?title={long}"),
            format!("/kolada/v3/municipality/0483?title={long}"),
            "/kolada/v3/data/kpi/households-granted/municipality/0483/year/2018?from_date="
                .to_owned(),
        ] {
            assert_problem(app.get(&path, &only).await, 400, "invalid-parameter", b).await;
        }
    }
}
