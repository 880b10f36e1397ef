//! The demo's history of 2017 to May 2019, sent through the API, gives the
//! figures Katrineholm's and Vingåker's own volume tables print, read as a
//! caseworker (nothing suppressed) through the native and the Kolada
//! routes.

use std::collections::BTreeMap;

use bistand::auth::Role;
use bistand::demo::history;
use serde_json::{Value, json};

use crate::helpers::*;

/// (indicator, municipality, period, sex) → value, and the forecasts of
/// (indicator, municipality, period), from a native answer.
type Cells = BTreeMap<(String, String, String, String), Value>;

fn cells(answer: &Value) -> (Cells, BTreeMap<(String, String, String), Value>) {
    let (mut values, mut forecasts) = (Cells::new(), BTreeMap::new());
    for item in answer["items"].as_array().unwrap_or(&vec![]) {
        let key = |k: &str| item[k].as_str().unwrap_or_default().to_owned();
        for cell in item["values"].as_array().unwrap_or(&vec![]) {
            values.insert(
                (
                    key("indicator"),
                    key("municipality"),
                    key("period"),
                    cell["sex"].as_str().unwrap_or_default().to_owned(),
                ),
                cell["value"].clone(),
            );
        }
        forecasts.insert(
            (key("indicator"), key("municipality"), key("period")),
            item["forecast"].clone(),
        );
    }
    (values, forecasts)
}

async fn native(app: &TestApp, token: &str, query: &str) -> Value {
    json_of(
        app.get(&format!("/api/v1/indicators/{query}"), token).await,
        200,
        query,
    )
    .await
}

/// The seeds' figures: (indicator, municipality, period, sex, value).
const FIGURES: &[(&str, &str, &str, &str, f64)] = &[
    (
        "households-granted-monthly-average",
        "0483",
        "2018",
        "T",
        599.0,
    ),
    (
        "households-granted-monthly-average",
        "0483",
        "2019-T1",
        "T",
        602.0,
    ),
    ("households-granted", "0483", "2018", "T", 1395.0),
    ("persons-in-households-granted", "0483", "2018", "T", 3000.0),
    (
        "children-in-households-granted",
        "0483",
        "2018",
        "T",
        1305.0,
    ),
    (
        "via-participants-referred-by-soc",
        "0483",
        "2017",
        "T",
        244.0,
    ),
    (
        "via-participants-referred-by-soc",
        "0483",
        "2017",
        "K",
        122.0,
    ),
    (
        "via-participants-referred-by-soc",
        "0483",
        "2018-H1",
        "T",
        180.0,
    ),
    (
        "via-participants-referred-by-soc",
        "0483",
        "2018-H1",
        "K",
        81.0,
    ),
    (
        "via-participants-referred-by-soc",
        "0428",
        "2017",
        "T",
        71.0,
    ),
    (
        "via-participants-referred-by-soc",
        "0428",
        "2017",
        "K",
        37.0,
    ),
    (
        "via-participants-referred-by-soc",
        "0428",
        "2018-H1",
        "T",
        42.0,
    ),
    (
        "via-participants-referred-by-soc",
        "0428",
        "2018-H1",
        "K",
        24.0,
    ),
    (
        "via-participants-referred-by-af",
        "0483",
        "2017",
        "T",
        267.0,
    ),
    (
        "via-participants-referred-by-af",
        "0483",
        "2017",
        "K",
        136.0,
    ),
    (
        "via-participants-referred-by-af",
        "0483",
        "2018-H1",
        "T",
        132.0,
    ),
    (
        "via-participants-referred-by-af",
        "0483",
        "2018-H1",
        "K",
        67.0,
    ),
    ("via-participants-referred-by-af", "0428", "2017", "T", 48.0),
    ("via-participants-referred-by-af", "0428", "2017", "K", 18.0),
    (
        "via-participants-referred-by-af",
        "0428",
        "2018-H1",
        "T",
        17.0,
    ),
    (
        "via-participants-referred-by-af",
        "0428",
        "2018-H1",
        "K",
        9.0,
    ),
    ("via-closed-to-self-sufficiency", "0483", "2017", "T", 26.0),
    (
        "via-subsidised-employments-started",
        "0483",
        "2019-01..2019-05",
        "K",
        4.0,
    ),
    (
        "via-subsidised-employments-started",
        "0483",
        "2019-01..2019-05",
        "M",
        7.0,
    ),
    (
        "via-to-unsubsidised-work",
        "0483",
        "2019-01..2019-05",
        "K",
        2.0,
    ),
    (
        "via-to-unsubsidised-work",
        "0483",
        "2019-01..2019-05",
        "M",
        3.0,
    ),
    ("via-first-meetings-held", "0483", "2019-03", "T", 12.0),
    (
        "via-programme-participants-started",
        "0483",
        "2019-02",
        "K",
        10.0,
    ),
    (
        "via-programme-participants-started",
        "0483",
        "2019-02",
        "M",
        8.0,
    ),
    (
        "via-programme-participants-started",
        "0483",
        "2019-04",
        "K",
        7.0,
    ),
    (
        "via-programme-participants-started",
        "0483",
        "2019-04",
        "M",
        10.0,
    ),
];

/// The forecasts an admin reported: (indicator, municipality, year, value).
const FORECASTS: &[(&str, &str, &str, f64)] = &[
    ("households-granted-monthly-average", "0483", "2019", 550.0),
    ("via-participants-referred-by-soc", "0483", "2018", 300.0),
    ("via-participants-referred-by-soc", "0483", "2019", 300.0),
    ("via-participants-referred-by-soc", "0428", "2018", 60.0),
    ("via-participants-referred-by-soc", "0428", "2019", 60.0),
    ("via-participants-referred-by-af", "0483", "2018", 200.0),
    ("via-participants-referred-by-af", "0483", "2019", 200.0),
    ("via-participants-referred-by-af", "0428", "2018", 40.0),
    ("via-participants-referred-by-af", "0428", "2019", 40.0),
];

/// Sums a range's months for the cells asked for by range.
fn figure(values: &Cells, indicator: &str, municipality: &str, period: &str, sex: &str) -> f64 {
    let one = |p: &str| {
        values
            .get(&(indicator.into(), municipality.into(), p.into(), sex.into()))
            .and_then(Value::as_f64)
            .unwrap_or_else(|| panic!("no {indicator} {municipality} {p} {sex}"))
    };
    match period.split_once("..") {
        Some(("2019-01", "2019-05")) => ["2019-01", "2019-02", "2019-03", "2019-04", "2019-05"]
            .iter()
            .map(|p| one(p))
            .sum(),
        _ => one(period),
    }
}

#[actix_web::test]
async fn the_demo_history_gives_the_figures_the_municipalities_tables_print() {
    for app in each_backend().await {
        let b = app.backend;
        let s = &app.settings;
        let sent = history::load(&s.storage, &s.tokens, &s.audit, &app.db, app.keys.clone())
            .await
            .unwrap_or_else(|e| panic!("[{b}] {e:#}"));
        assert!(!sent.already, "[{b}]");
        assert_eq!(
            (sent.households, sent.household_months),
            (1_398, 9_596),
            "[{b}]"
        );
        let cw = app.token_for(Role::Caseworker, &["0483", "0428"]);
        let ids: Vec<&str> = FIGURES
            .iter()
            .map(|f| f.0)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let query = format!(
            "{}/values?municipality=0483,0428&period=2017,2018,2018-H1,2019,2019-T1,2019-01..2019-05",
            ids.join(",")
        );
        let (values, forecasts) = cells(&native(&app, &cw, &query).await);
        for (indicator, m, period, sex, expected) in FIGURES {
            assert_eq!(
                figure(&values, indicator, m, period, sex),
                *expected,
                "[{b}] {indicator} {m} {period} {sex}"
            );
        }
        // The shares of women the tables print, rounded.
        for (m, indicator, period, share) in [
            ("0483", "via-participants-referred-by-soc", "2017", 50),
            ("0483", "via-participants-referred-by-soc", "2018-H1", 45),
            ("0428", "via-participants-referred-by-soc", "2017", 52),
            ("0428", "via-participants-referred-by-soc", "2018-H1", 57),
            ("0483", "via-participants-referred-by-af", "2017", 51),
            ("0483", "via-participants-referred-by-af", "2018-H1", 51),
            ("0428", "via-participants-referred-by-af", "2017", 38),
            ("0428", "via-participants-referred-by-af", "2018-H1", 53),
        ] {
            let women = figure(&values, indicator, m, period, "K");
            let all = figure(&values, indicator, m, period, "T");
            assert_eq!(
                (100.0 * women / all).round(),
                f64::from(share),
                "[{b}] {indicator} {m} {period}"
            );
        }
        // Viadidakt's whole intake in the first half of 2018.
        let intake: f64 = [
            "via-participants-referred-by-soc",
            "via-participants-referred-by-af",
        ]
        .iter()
        .flat_map(|i| ["0483", "0428"].map(|m| figure(&values, i, m, "2018-H1", "T")))
        .sum();
        assert_eq!(intake, 371.0, "[{b}]");
        for (indicator, m, year, expected) in FORECASTS {
            let forecast = forecasts
                .get(&(indicator.to_string(), m.to_string(), year.to_string()))
                .and_then(Value::as_f64);
            assert_eq!(
                forecast,
                Some(*expected),
                "[{b}] forecast {indicator} {m} {year}"
            );
        }

        // Kolada's route gives the same years.
        for (indicator, m, period, sex, expected) in FIGURES {
            if period.len() != 4 {
                continue;
            }
            let path = format!("/kolada/v3/data/kpi/{indicator}/municipality/{m}/year/{period}");
            let answer = json_of(app.get(&path, &cw).await, 200, &path).await;
            let value = answer["values"][0]["values"]
                .as_array()
                .and_then(|v| v.iter().find(|c| c["gender"] == *sex))
                .and_then(|c| c["value"].as_f64());
            assert_eq!(value, Some(*expected), "[{b}] {path} {sex}: {answer}");
        }
        let year = "/kolada/v3/data/kpi/via-subsidised-employments-started,via-to-unsubsidised-work/municipality/0483/year/2019";
        let answer = json_of(app.get(year, &cw).await, 200, year).await;
        for (kpi, women, men) in [
            ("via-subsidised-employments-started", 4, 7),
            ("via-to-unsubsidised-work", 2, 3),
        ] {
            let row = answer["values"]
                .as_array()
                .and_then(|rows| rows.iter().find(|r| r["kpi"] == kpi))
                .unwrap_or_else(|| panic!("[{b}] no {kpi} in {answer}"));
            let of = |g: &str| {
                row["values"]
                    .as_array()
                    .and_then(|v| v.iter().find(|c| c["gender"] == g))
                    .map(|c| c["value"].clone())
            };
            assert_eq!(
                (of("K"), of("M")),
                (Some(json!(women)), Some(json!(men))),
                "[{b}] {kpi}"
            );
        }

        // A second load sends nothing, and the kept cells agree with every record.
        let again = history::load(&s.storage, &s.tokens, &s.audit, &app.db, app.keys.clone())
            .await
            .unwrap_or_else(|e| panic!("[{b}] {e:#}"));
        assert!(again.already, "[{b}]");
        app.assert_indicators_agree().await;
    }
}
