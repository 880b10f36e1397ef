//! No request may lose acknowledged data: every 201 survives the process
//! being killed at once (SIGKILL, no shutdown), on the embedded default.

use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::helpers::*;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[actix_web::test]
async fn every_acknowledged_submission_survives_a_killed_process() {
    let data = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_bistand");
    let port = free_port();
    let mut server = Command::new(bin)
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(data.path())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let mut ready = false;
    for _ in 0..100 {
        if client
            .get(format!("{base}/health/ready"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            ready = true;
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(ready, "the server came up");
    let token = String::from_utf8(
        Command::new(bin)
            .args([
                "token",
                "--role",
                "eservice",
                "--municipality",
                "0483",
                "--data-dir",
            ])
            .arg(data.path())
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
    .to_owned();

    // Submissions in flight while the process is killed.
    let submit = |i: usize| {
        let request = client
            .post(format!("{base}/api/v1/0483/applications"))
            .bearer_auth(&token)
            .header("idempotency-key", format!("crash-{i}"))
            .json(&application_body(TOLVAN))
            .send();
        async move {
            match request.await {
                Ok(r) if r.status() == 201 => r
                    .json::<Value>()
                    .await
                    .ok()
                    .map(|v| v["id"].as_str().unwrap_or_default().to_owned()),
                _ => None,
            }
        }
    };
    let first: Vec<Option<String>> = futures_util::future::join_all((0..100).map(submit)).await;
    let burst = futures_util::future::join_all((100..400).map(submit));
    let killer = async {
        actix_web::rt::time::sleep(Duration::from_millis(150)).await;
        server.kill().unwrap();
    };
    let (rest, ()) = futures_util::future::join(burst, killer).await;
    server.wait().unwrap();
    let acknowledged: HashSet<String> = first.into_iter().chain(rest).flatten().collect();
    assert!(
        acknowledged.len() >= 100,
        "the first hundred were answered before the kill"
    );
    eprintln!("acknowledged {} of 400 before the kill", acknowledged.len());
    assert!(
        acknowledged.len() < 400,
        "the kill came while submissions were in flight"
    );

    // Open the file as a fresh process would and look for each one.
    let settings = settings(None, data.path());
    let db = bistand::db::Db::open(&settings.storage).unwrap();
    let stored: HashSet<String> = db
        .read(|conn| {
            use bistand::db::schema::applications::dsl::*;
            use diesel::prelude::*;
            Ok(applications.select(id).load::<String>(conn)?)
        })
        .await
        .unwrap()
        .into_iter()
        .collect();
    let lost: Vec<&String> = acknowledged.difference(&stored).collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged submissions were lost",
        lost.len()
    );
    let verified = db
        .read(|conn| Ok(bistand::db::audit::verify(conn)?))
        .await
        .unwrap();
    assert!(
        verified.valid,
        "the audit chain is whole after the crash: {verified:?}"
    );
}
