//! The change feed: every change once, in commit order, resumable.

use std::collections::HashSet;

use bistand::auth::Role;
use serde_json::Value;

use crate::helpers::*;

async fn page(app: &TestApp, token: &str, after: Option<&str>) -> Value {
    let path = match after {
        Some(cursor) => format!("/api/v1/0483/events?after={cursor}&limit=7"),
        None => "/api/v1/0483/events?limit=7".to_owned(),
    };
    let response = app.get(&path, token).await;
    assert_eq!(response.status(), 200, "[{}]", app.backend);
    response.json().await.unwrap()
}

#[actix_web::test]
async fn a_reader_resuming_from_its_cursor_sees_every_event_once_while_writers_run() {
    for app in each_backend().await {
        let b = app.backend;
        let cs = app.token(Role::CaseSystem);
        let app = &app;
        let writers = async {
            let posts = (0..40).map(|i| {
                let pn = [
                    "19121212-1212",
                    "19821105-9954",
                    "19901211-9948",
                    "19730674-9982",
                ][i % 4];
                let mut body = application_body(pn);
                body["message"] = serde_json::json!(format!("ansökan {i}"));
                let token = app.token(Role::Caseworker);
                async move { app.submit(&token, None, &body).await.status().as_u16() }
            });
            futures_util::future::join_all(posts).await
        };
        let reader = async {
            let mut seen = Vec::new();
            let mut cursor: Option<String> = None;
            for _ in 0..60 {
                let p = page(app, &cs, cursor.as_deref()).await;
                for item in p["items"].as_array().unwrap() {
                    seen.push(item["cursor"].as_str().unwrap().parse::<i64>().unwrap());
                }
                cursor = p["next_cursor"].as_str().map(str::to_owned);
                actix_web::rt::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            (seen, cursor)
        };
        let (statuses, (mut seen, mut cursor)) = futures_util::future::join(writers, reader).await;
        assert!(statuses.iter().all(|s| *s == 201), "[{b}] {statuses:?}");
        // Drain what is left after the writers stopped.
        loop {
            let p = page(app, &cs, cursor.as_deref()).await;
            let items = p["items"].as_array().unwrap();
            if items.is_empty() {
                break;
            }
            for item in items {
                seen.push(item["cursor"].as_str().unwrap().parse::<i64>().unwrap());
            }
            cursor = p["next_cursor"].as_str().map(str::to_owned);
        }
        assert!(
            seen.windows(2).all(|w| w[0] < w[1]),
            "[{b}] in order, none twice"
        );
        assert_eq!(
            seen,
            (1..=seen.len() as i64).collect::<Vec<_>>(),
            "[{b}] none skipped"
        );
        // 40 applications and the 4 applicants registered on the way.
        assert_eq!(seen.len(), 44, "[{b}]");
        assert_eq!(app.count("events").await, 44, "[{b}]");
    }
}

#[actix_web::test]
async fn every_change_of_an_application_reaches_the_feed_with_its_type() {
    for app in each_backend().await {
        let b = app.backend;
        let cs = app.token(Role::CaseSystem);
        let submitted: Value = app
            .submit(&cs, None, &application_body(TOLVAN))
            .await
            .json()
            .await
            .unwrap();
        let id = submitted["id"].as_str().unwrap();
        app.act(id, "investigation", &cs, Some("\"1\""), None).await;
        let mut types = Vec::new();
        let mut ids = HashSet::new();
        let p = page(&app, &cs, None).await;
        for item in p["items"].as_array().unwrap() {
            types.push(item["type"].as_str().unwrap().to_owned());
            ids.insert(item["id"].as_str().unwrap().to_owned());
        }
        assert_eq!(
            types,
            [
                "applicant.created",
                "application.created",
                "application.status_changed"
            ],
            "[{b}]"
        );
        assert!(ids.contains(id), "[{b}]");
        let resumed = page(&app, &cs, p["next_cursor"].as_str()).await;
        assert_eq!(resumed["items"], serde_json::json!([]), "[{b}] nothing new");
        assert_eq!(
            resumed["next_cursor"], p["next_cursor"],
            "[{b}] the cursor stays"
        );

        assert_problem(
            app.get("/api/v1/0483/events", &app.token(Role::Caseworker))
                .await,
            403,
            "forbidden",
            b,
        )
        .await;
        assert_problem(
            app.get("/api/v1/0483/events?after=x", &cs).await,
            400,
            "invalid-parameter",
            b,
        )
        .await;
    }
}
