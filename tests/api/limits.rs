//! Rate limits: failed client credentials per client and per address, a
//! request budget per caller, and refusal storms audited once per window.

use std::net::{IpAddr, Ipv4Addr};

use bistand::auth::Role;
use bistand::config::LimitSettings;
use serde_json::Value;

use crate::helpers::*;
use crate::oauth::register;

async fn limited(rate_limit: u32, refusal_limit: u32, login_failure_limit: u32) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings(None, dir.path());
    s.limits = LimitSettings {
        rate_limit,
        refusal_limit,
        login_failure_limit,
    };
    spawn_with(s, dir).await
}

/// An HTTP client whose requests come from `127.0.0.<n>`.
fn from(n: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, n)))
        .build()
        .unwrap()
}

async fn token_request(
    app: &TestApp,
    client: &reqwest::Client,
    id: &str,
    secret: &str,
) -> reqwest::Response {
    client
        .post(app.url("/oauth/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
}

async fn assert_limited(response: reqwest::Response) -> u64 {
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1);
    assert_problem(response, 429, "too-many-requests", "sqlite").await;
    retry
}

#[actix_web::test]
async fn guessing_a_clients_secret_is_held_off_per_client_and_per_address() {
    let app = limited(0, 0, 5).await;
    let (attacked, _) = register(&app, Role::CaseSystem).await;
    let (portal, portal_secret) = register(&app, Role::Eservice).await;
    let attacker = from(3);
    // More failures in a minute than the limit (5) ...
    for _ in 0..6 {
        let response = token_request(&app, &attacker, &attacked, "guess").await;
        assert_eq!(response.status(), 401);
    }
    // ... and the next is refused before the secret is checked, for a minute.
    let retry = assert_limited(token_request(&app, &attacker, &attacked, "guess").await).await;
    assert!(retry > 55, "{retry}");
    // The address is held off for every client it names ...
    assert_limited(token_request(&app, &attacker, &portal, &portal_secret).await).await;
    // ... while a legitimate client elsewhere gets its token at once.
    let response = token_request(&app, &from(2), &portal, &portal_secret).await;
    assert_eq!(response.status(), 200);
    // Guessing one client from many addresses holds that client off.
    let (second, second_secret) = register(&app, Role::CaseSystem).await;
    for n in 10..16 {
        let response = token_request(&app, &from(n), &second, "guess").await;
        assert_eq!(response.status(), 401);
    }
    assert_limited(token_request(&app, &from(20), &second, &second_secret).await).await;
    assert_eq!(
        token_request(&app, &from(21), &portal, &portal_secret)
            .await
            .status(),
        200
    );
}

#[actix_web::test]
async fn a_caller_over_its_request_budget_gets_429_and_one_audit_record() {
    let app = limited(5, 0, 0).await;
    let token = app.token(Role::Caseworker);
    let mut statuses = Vec::new();
    for _ in 0..30 {
        statuses.push(
            app.get("/api/v1/0483/applicants", &token)
                .await
                .status()
                .as_u16(),
        );
    }
    let ok = statuses.iter().filter(|s| **s == 200).count();
    assert!((5..30).contains(&ok), "{statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");
    let response = app.get("/api/v1/0483/applicants", &token).await;
    if response.status() == 429 {
        assert_limited(response).await;
    }
    // Another caller has its own budget.
    let other = app.token_as(Role::Caseworker, "another-caseworker");
    assert_eq!(
        app.get("/api/v1/0483/applicants", &other).await.status(),
        200
    );
    let records: Vec<_> = app
        .audit_since(0)
        .await
        .into_iter()
        .filter(|r| r.action == "request.limited")
        .collect();
    assert_eq!(records.len(), 1, "one record for the window");
    assert_eq!(records[0].actor, "test-caseworker");
    assert_eq!(records[0].outcome, "refused");
}

#[actix_web::test]
async fn a_storm_of_refusals_is_held_off_and_audited_once_per_window() {
    let app = limited(0, 10, 0).await;
    let analyst = app.token(Role::Analyst);
    let mut statuses = Vec::new();
    for _ in 0..1000 {
        statuses.push(
            app.get("/api/v1/0483/applicants", &analyst)
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(&statuses[..10], &[403; 10]);
    assert!(
        statuses[11..].iter().all(|s| *s == 429),
        "{:?}",
        &statuses[..20]
    );
    let by_analyst: Vec<(String, String)> = app
        .audit_since(0)
        .await
        .into_iter()
        .filter(|r| r.role == "analyst")
        .map(|r| (r.action, r.outcome))
        .collect();
    let denied = by_analyst.iter().filter(|(_, o)| o == "denied").count();
    let limited = by_analyst
        .iter()
        .filter(|(a, _)| a == "request.limited")
        .count();
    assert!((10..=11).contains(&denied), "{by_analyst:?}");
    assert_eq!(limited, 1, "{by_analyst:?}");
    assert!(
        by_analyst.len() <= 12,
        "not one record per request: {}",
        by_analyst.len()
    );
    // Others are not held off.
    let caseworker = app.token(Role::Caseworker);
    assert_eq!(
        app.get("/api/v1/0483/applicants", &caseworker)
            .await
            .status(),
        200
    );
    // Refusals by a rule (a citizen's mistakes in the portal's form) do not
    // count: the portal is not held off for everyone.
    let portal = app.token(Role::Eservice);
    let mut mistaken = application_body(TOLVAN);
    mistaken["support_month"] = serde_json::json!("2099-01");
    for i in 0..30 {
        let response = app
            .submit(&portal, Some(&format!("form-{i}")), &mistaken)
            .await;
        assert_eq!(response.status(), 422);
    }
    let response = app
        .submit(&portal, Some("form-ok"), &application_body(TOLVAN))
        .await;
    assert_eq!(response.status(), 201);

    // Bad tokens count against their address, and only there.
    let forged = from(7);
    let mut last = 0;
    for _ in 0..20 {
        last = forged
            .get(app.url("/api/v1/0483/applicants"))
            .bearer_auth("not.a.token")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
    }
    assert_eq!(last, 429);
    let response = from(8)
        .get(app.url("/api/v1/0483/applicants"))
        .bearer_auth("not.a.token")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], 401);
}
