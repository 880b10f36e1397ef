//! No request may lose acknowledged data: every 201 survives the process
//! being killed at once (SIGKILL, no shutdown), on the embedded default.

use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use crate::helpers::*;

#[actix_web::test]
async fn every_acknowledged_submission_survives_a_killed_process() {
    let data = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_bistand");
    // The service picks its own port and says which in its log, so no port
    // is chosen here and then taken by someone else.
    let mut server = Command::new(bin)
        .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
        .arg(data.path())
        .env("RUST_LOG", "info")
        // One token sends everything: no request budget here.
        .env("BISTAND_RATE_LIMIT", "0")
        .env_remove("BISTAND_LOG_FORMAT")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut log = std::io::BufRead::lines(std::io::BufReader::new(server.stderr.take().unwrap()));
    let port = log
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| {
            let entry: Value = serde_json::from_str(&line).ok()?;
            (entry["fields"]["message"] == "listening").then(|| entry["fields"]["port"].as_u64())?
        })
        .expect("the service says where it listens");
    // The rest of the log is read away, so the service never waits on it.
    std::thread::spawn(move || log.for_each(drop));
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
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

    // Sixteen portals submit one application after another until the
    // process is gone; it is killed once 200 submissions are acknowledged,
    // so requests are in flight when it dies, however fast the machine.
    let acknowledged = Arc::new(Mutex::new(HashSet::new()));
    let next = Arc::new(AtomicUsize::new(0));
    let portal = |_| {
        let (client, base, token) = (client.clone(), base.clone(), token.clone());
        let (acknowledged, next) = (acknowledged.clone(), next.clone());
        async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let answer = client
                    .post(format!("{base}/api/v1/0483/applications"))
                    .bearer_auth(&token)
                    .header("idempotency-key", format!("crash-{i}"))
                    .json(&application_body(TOLVAN))
                    .send()
                    .await;
                match answer {
                    Ok(r) if r.status() == 201 => {
                        let body: Value = r.json().await.unwrap_or_default();
                        if let Some(id) = body["id"].as_str() {
                            acknowledged.lock().unwrap().insert(id.to_owned());
                        }
                    }
                    _ => return,
                }
            }
        }
    };
    let portals = futures_util::future::join_all((0..16).map(portal));
    let killer = async {
        while acknowledged.lock().unwrap().len() < 200 {
            actix_web::rt::time::sleep(Duration::from_millis(5)).await;
        }
        server.kill().unwrap();
    };
    futures_util::future::join(portals, killer).await;
    server.wait().unwrap();
    let acknowledged = acknowledged.lock().unwrap().clone();
    eprintln!("acknowledged {} before the kill", acknowledged.len());
    assert!(acknowledged.len() >= 200);

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
    let keys = bistand::auth::audit_key::AuditKey::load(&data.path().join("audit-key.pem"), false)
        .unwrap()
        .keyring(None)
        .unwrap();
    let verified = db
        .read(move |conn| Ok(bistand::db::audit::verify(conn, &keys, &[])?))
        .await
        .unwrap();
    assert!(
        verified.valid,
        "the audit chain is whole after the crash: {verified:?}"
    );
}
