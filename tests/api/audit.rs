//! The audit log: every read, change and refusal, hash-chained.

use bistand::auth::Role;
use bistand::auth::audit_key::AuditKey;
use bistand::db::DbConn;
use bistand::db::audit::AuditRow;
use bistand::domain::audit::{Checkpoint, GENESIS, Verification, hash};
use bistand::domain::time::Clock;
use diesel::connection::SimpleConnection;
use serde_json::{Value, json};

use crate::helpers::*;

fn request_id(response: &reqwest::Response) -> String {
    response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned()
}

#[actix_web::test]
async fn every_read_change_and_refusal_of_person_data_is_audited() {
    for app in each_backend().await {
        let b = app.backend;
        let caseworker = app.token(Role::Caseworker);
        let response = app
            .post(
                "/api/v1/0483/applicants",
                &caseworker,
                &applicant_body(TOLVAN),
            )
            .await;
        let created_rid = request_id(&response);
        let created: Value = response.json().await.unwrap();
        let id = created["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/0483/applicants/{id}");
        let start = app.audit_count().await;

        let read = app.get(&path, &caseworker).await;
        let patched = app
            .patch(
                &path,
                &caseworker,
                Some("\"1\""),
                &json!({ "phone": "0150-222 22" }),
            )
            .await;
        let searched = app
            .post(
                "/api/v1/0483/applicants/search",
                &app.token(Role::CaseSystem),
                &json!({ "personal_number": TOLVAN }),
            )
            .await;
        let listed = app.get("/api/v1/0483/applicants", &caseworker).await;
        let analyst = app.get(&path, &app.token(Role::Analyst)).await;
        let coach = app.get(&path, &app.token(Role::Coach)).await;
        let elsewhere = app
            .get(&path, &app.token_for(Role::Caseworker, &["0428"]))
            .await;

        let expected = [
            (
                request_id(&read),
                "caseworker",
                "applicant.read",
                "allowed",
                Some(id.as_str()),
            ),
            (
                request_id(&patched),
                "caseworker",
                "applicant.update",
                "allowed",
                Some(&id),
            ),
            (
                request_id(&searched),
                "case_system",
                "applicant.search",
                "allowed",
                Some(&id),
            ),
            (
                request_id(&listed),
                "caseworker",
                "applicant.list",
                "allowed",
                Some(&id),
            ),
            (
                request_id(&analyst),
                "analyst",
                "applicant.read",
                "denied",
                None,
            ),
            (
                request_id(&coach),
                "coach",
                "applicant.read",
                "not_visible",
                Some(&id),
            ),
            (
                request_id(&elsewhere),
                "caseworker",
                "applicant.read",
                "not_visible",
                None,
            ),
        ];
        let records = app.audit_since(start).await;
        assert_eq!(
            records.len(),
            expected.len(),
            "[{b}] one record per attempt"
        );
        for (record, (rid, role, action, outcome, person)) in records.iter().zip(expected) {
            assert_eq!(record.request_id, rid, "[{b}] {action}");
            assert_eq!(record.role, role, "[{b}] {action}");
            assert_eq!(record.actor, format!("test-{role}"), "[{b}] {action}");
            assert_eq!(record.action, action, "[{b}] {action}");
            assert_eq!(record.outcome, outcome, "[{b}] {action} by {role}");
            assert_eq!(
                record.person_id.as_deref(),
                person,
                "[{b}] {action} by {role}"
            );
        }
        let create = app
            .audit_since(0)
            .await
            .into_iter()
            .find(|r| r.request_id == created_rid)
            .unwrap();
        assert_eq!(create.action, "applicant.create", "[{b}]");
        assert_eq!(create.person_id.as_deref(), Some(id.as_str()), "[{b}]");
        assert!(
            app.audit_since(0)
                .await
                .iter()
                .all(|r| !format!("{r:?}").contains("121212")),
            "[{b}] no personal number in the audit log"
        );
    }
}

#[actix_web::test]
async fn the_audit_log_refuses_updates_and_deletes() {
    for app in each_backend().await {
        let b = app.backend;
        app.create_applicant(TOLVAN).await;
        for sql in [
            "UPDATE audit_log SET actor = 'someone else'",
            "DELETE FROM audit_log",
        ] {
            let result = app
                .db
                .write(move |conn, _| Ok(conn.batch_execute(sql)?))
                .await;
            assert!(result.is_err(), "[{b}] {sql} must fail");
        }
        assert_eq!(app.audit_count().await, 1, "[{b}]");
    }
}

/// Runs SQL with the append-only triggers switched off, as someone with
/// full database rights could.
async fn tamper(app: &TestApp, sql: &'static str) {
    tamper_with(app, move |conn| Ok(conn.batch_execute(sql)?)).await;
}

/// Runs `f` with the append-only triggers of the audit log and its
/// checkpoints switched off, as someone with full database rights could.
async fn tamper_with(
    app: &TestApp,
    f: impl FnOnce(&mut DbConn) -> Result<(), bistand::error::AppError> + Send + 'static,
) {
    let postgres = app.backend == "postgres";
    app.db
        .write(move |conn: &mut DbConn, _| {
            if postgres {
                conn.batch_execute(
                    "ALTER TABLE audit_log DISABLE TRIGGER USER; \
                     ALTER TABLE audit_checkpoints DISABLE TRIGGER USER;",
                )?;
            } else {
                conn.batch_execute(
                    "DROP TRIGGER IF EXISTS audit_log_no_update; \
                     DROP TRIGGER IF EXISTS audit_log_no_delete; \
                     DROP TRIGGER IF EXISTS audit_checkpoints_no_update; \
                     DROP TRIGGER IF EXISTS audit_checkpoints_no_delete;",
                )?;
            }
            f(conn)?;
            if postgres {
                conn.batch_execute(
                    "ALTER TABLE audit_log ENABLE TRIGGER USER; \
                     ALTER TABLE audit_checkpoints ENABLE TRIGGER USER;",
                )?;
            }
            Ok(())
        })
        .await
        .unwrap();
}

async fn verification(app: &TestApp) -> Value {
    let response = app
        .get("/api/v1/audit/verify", &app.token(Role::Auditor))
        .await;
    assert_eq!(response.status(), 200, "[{}]", app.backend);
    response.json().await.unwrap()
}

#[actix_web::test]
async fn verification_names_the_first_edited_record() {
    for app in each_backend().await {
        let b = app.backend;
        for pn in [TOLVAN, ERIK, ANNA] {
            app.create_applicant(pn).await;
        }
        assert_eq!(verification(&app).await["valid"], true, "[{b}]");
        tamper(
            &app,
            "UPDATE audit_log SET actor = 'someone else' WHERE seq = 2",
        )
        .await;
        let result = verification(&app).await;
        assert_eq!(result["valid"], false, "[{b}]");
        assert_eq!(result["first_broken_seq"], 2, "[{b}]");
    }
}

#[actix_web::test]
async fn verification_names_a_deleted_record_and_a_cut_end() {
    for app in each_backend().await {
        let b = app.backend;
        for pn in [TOLVAN, ERIK, ANNA] {
            app.create_applicant(pn).await;
        }
        tamper(&app, "DELETE FROM audit_log WHERE seq = 2").await;
        let result = verification(&app).await;
        assert_eq!(result["first_broken_seq"], 2, "[{b}] {result}");
    }
    for app in each_backend().await {
        let b = app.backend;
        for pn in [TOLVAN, ERIK, ANNA] {
            app.create_applicant(pn).await;
        }
        tamper(&app, "DELETE FROM audit_log WHERE seq = 3").await;
        let result = verification(&app).await;
        assert_eq!(result["valid"], false, "[{b}]");
        assert_eq!(result["first_broken_seq"], 3, "[{b}] {result}");
    }
}

#[actix_web::test]
async fn only_auditors_verify_the_audit_log() {
    let app = spawn(None).await;
    for role in [
        Role::Caseworker,
        Role::Admin,
        Role::CaseSystem,
        Role::Analyst,
    ] {
        let response = app.get("/api/v1/audit/verify", &app.token(role)).await;
        assert_problem(response, 403, "forbidden", "sqlite").await;
    }
}

#[actix_web::test]
async fn the_command_line_verification_exits_nonzero_on_a_broken_chain() {
    let app = spawn(None).await;
    app.create_applicant(TOLVAN).await;
    let verify = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_bistand"))
            .args(["audit", "verify", "--data-dir"])
            .arg(app.data_dir.path())
            .output()
            .unwrap()
    };
    assert!(verify().status.success());
    tamper(
        &app,
        "UPDATE audit_log SET outcome = 'denied' WHERE seq = 1",
    )
    .await;
    let output = verify();
    assert!(!output.status.success());
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["first_broken_seq"], 1);
}

#[actix_web::test]
async fn verification_names_a_record_planted_beyond_the_head() {
    for app in each_backend().await {
        let b = app.backend;
        app.create_applicant(TOLVAN).await;
        tamper(
            &app,
            "INSERT INTO audit_log (seq, occurred_at, actor, role, action, resource_type, request_id, outcome, prev_hash, hash) \
             SELECT seq + 1, occurred_at, 'someone', role, action, resource_type, request_id, outcome, hash, hash FROM audit_log WHERE seq = 1",
        )
        .await;
        // Walked directly: the service's own next append now collides with
        // the planted record, which is how the tampering shows in operation.
        let result = verify_with(&app, Vec::new()).await;
        assert!(!result.valid, "[{b}]");
        assert_eq!(result.first_broken_seq, Some(2), "[{b}] {result:?}");
    }
}

#[actix_web::test]
async fn feed_reads_state_refusals_and_stale_versions_are_audited() {
    for app in each_backend().await {
        let b = app.backend;
        let cs = app.token(Role::CaseSystem);
        let created: serde_json::Value = app
            .submit(&cs, None, &application_body(TOLVAN))
            .await
            .json()
            .await
            .unwrap();
        let id = created["id"].as_str().unwrap().to_owned();
        let person = created["applicant_id"].as_str().unwrap().to_owned();

        let before = app.audit_count().await;
        assert_eq!(app.get("/api/v1/0483/events", &cs).await.status(), 200);
        let records = app.audit_since(before).await;
        assert!(
            records
                .iter()
                .any(|r| r.action == "event.read" && r.outcome == "allowed"),
            "[{b}] the feed read"
        );

        // A move BR-4 refuses (409) and a stale version (412).
        let before = app.audit_count().await;
        let grant = decision("granted", Some("100.00"), 0);
        assert_eq!(
            app.act(&id, "decision", &cs, Some("\"1\""), Some(&grant))
                .await
                .status(),
            409
        );
        assert_eq!(
            app.act(&id, "investigation", &cs, Some("\"7\""), None)
                .await
                .status(),
            412
        );
        let records = app.audit_since(before).await;
        for action in ["application.decide", "application.investigate"] {
            let r = records
                .iter()
                .find(|r| r.action == action)
                .unwrap_or_else(|| panic!("[{b}] {action}"));
            assert_eq!(r.outcome, "refused", "[{b}] {action}");
            assert_eq!(r.resource_id.as_deref(), Some(id.as_str()), "[{b}]");
            assert_eq!(r.person_id.as_deref(), Some(person.as_str()), "[{b}]");
        }

        // A payment naming an application of another municipality.
        let other: serde_json::Value = app
            .client
            .post(app.url("/api/v1/0428/applications"))
            .bearer_auth(app.token_for(Role::CaseSystem, &["0428"]))
            .json(&application_body("20001209-9891"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let other_id = other["id"].as_str().unwrap().to_owned();
        let before = app.audit_count().await;
        let payment = serde_json::json!({ "application_id": other_id, "support_month": current_month(),
            "amount": "100.00", "paid_on": today().to_string(), "payee": { "kind": "applicant" } });
        assert_eq!(app.pay(&cs, Some("x-1"), &payment).await.status(), 422);
        let records = app.audit_since(before).await;
        let r = records
            .iter()
            .find(|r| r.action == "payment.create")
            .expect("the attempt is audited");
        assert_eq!(r.outcome, "refused", "[{b}]");
        assert_eq!(r.resource_id.as_deref(), Some(other_id.as_str()), "[{b}]");
    }
}

fn audit_key(app: &TestApp) -> AuditKey {
    AuditKey::load(&app.data_dir.path().join("audit-key.pem"), false).unwrap()
}

/// Signs a checkpoint of the head now, as `bistand audit checkpoint` does.
async fn checkpoint(app: &TestApp) -> Checkpoint {
    checkpoint_after(app, Vec::new())
        .await
        .expect("the chain extends its checkpoints")
        .expect("a checkpoint")
}

/// Signs a checkpoint if the chain extends the latest of the stored ones
/// and `kept`; why not otherwise.
async fn checkpoint_after(
    app: &TestApp,
    kept: Vec<Checkpoint>,
) -> Result<Option<Checkpoint>, String> {
    let key = audit_key(app);
    let now = app.clock.now();
    app.db
        .write(move |conn, _| Ok(bistand::db::audit::checkpoint(conn, &key, now, &kept)?))
        .await
        .unwrap()
}

/// Verifies as `bistand audit verify --checkpoint` does with `external`.
async fn verify_with(app: &TestApp, external: Vec<Checkpoint>) -> Verification {
    let keys = audit_key(app).keyring(None).unwrap();
    app.db
        .read(move |conn| Ok(bistand::db::audit::verify(conn, &keys, &external)?))
        .await
        .unwrap()
}

/// Replaces the whole chain with `rows`, numbered from 1 and rehashed, and
/// moves the head to its end: what someone with full database rights but
/// without the audit key can do. With `drop_checkpoints` they delete the
/// stored checkpoints too.
async fn rewrite_chain(app: &TestApp, mut rows: Vec<AuditRow>, drop_checkpoints: bool) {
    let mut prev = GENESIS.to_owned();
    for (i, row) in rows.iter_mut().enumerate() {
        row.seq = i as i64 + 1;
        row.prev_hash = prev;
        row.hash = hash(&row.link());
        prev = row.hash.clone();
    }
    let head = format!(
        "UPDATE audit_head SET seq = {}, hash = '{prev}'",
        rows.len()
    );
    tamper_with(app, move |conn| {
        conn.batch_execute("DELETE FROM audit_log")?;
        if drop_checkpoints {
            conn.batch_execute("DELETE FROM audit_checkpoints")?;
        }
        for row in &rows {
            bistand::db::audit::insert(conn, row)?;
        }
        Ok(conn.batch_execute(&head)?)
    })
    .await;
}

/// The three attacks on a chain whose head is signed: cutting the tail,
/// rewriting a record and rehashing what follows, and removing a record and
/// renumbering the rest. Each leaves a chain whose links all hold.
#[actix_web::test]
async fn a_cut_a_rewrite_and_a_renumbering_are_named_against_a_signed_checkpoint() {
    type Attack = fn(&mut Vec<AuditRow>);
    let attacks: [(&str, Attack, &str); 3] = [
        ("cut", |rows| rows.truncate(3), "were cut"),
        (
            "rewrite",
            |rows| rows[2].actor = "someone else".into(),
            "changed, removed or renumbered",
        ),
        (
            "renumber",
            |rows| drop(rows.remove(2)),
            "changed, removed or renumbered",
        ),
    ];
    for (name, attack, named) in attacks {
        for drop_checkpoints in [false, true] {
            for app in each_backend().await {
                let b = app.backend;
                for pn in [TOLVAN, ERIK, ANNA] {
                    app.create_applicant(pn).await;
                }
                let caseworker = app.token(Role::Caseworker);
                app.get("/api/v1/0483/applicants", &caseworker).await;
                app.get("/api/v1/0483/applicants", &caseworker).await;
                let signed = checkpoint(&app).await;
                assert_eq!(signed.seq, app.audit_count().await, "[{b}]");
                app.create_applicant(SARA_COORDINATION).await;
                assert!(verify_with(&app, vec![signed.clone()]).await.valid, "[{b}]");

                let mut rows = app.audit_since(0).await;
                attack(&mut rows);
                rewrite_chain(&app, rows, drop_checkpoints).await;
                let context =
                    format!("[{b}] {name}, stored checkpoints dropped: {drop_checkpoints}");

                // The kept copy names the attack whatever was done to the database.
                let result = verify_with(&app, vec![signed.clone()]).await;
                assert!(!result.valid, "{context}");
                let reason = result.reason.clone().unwrap();
                assert!(reason.contains(named), "{context}: {reason}");
                let first = result.first_broken_seq.unwrap();
                assert!((1..=signed.seq).contains(&first), "{context}: {result:?}");

                // The service's own verification holds the chain against the
                // stored checkpoints: it names the attack while they are there.
                let served = verification(&app).await;
                assert_eq!(served["valid"], drop_checkpoints, "{context}: {served}");

                // A rewritten chain is never signed: not against the kept
                // copy, nor against a stored checkpoint left in place.
                let refused = checkpoint_after(&app, vec![signed.clone()]).await;
                assert!(refused.is_err(), "{context}: {refused:?}");
                if !drop_checkpoints {
                    let refused = checkpoint_after(&app, Vec::new()).await;
                    assert!(refused.is_err(), "{context}: {refused:?}");
                }
            }
        }
    }
}

#[actix_web::test]
async fn a_forged_or_unknown_checkpoint_is_named() {
    for app in each_backend().await {
        let b = app.backend;
        app.create_applicant(TOLVAN).await;
        let mut signed = checkpoint(&app).await;
        assert_eq!(
            verify_with(&app, vec![]).await.checkpoints_checked,
            1,
            "[{b}]"
        );
        signed.hash = "0".repeat(64);
        let result = verify_with(&app, vec![signed]).await;
        assert!(!result.valid, "[{b}]");
        assert!(
            result.reason.unwrap().contains("no valid signature"),
            "[{b}]"
        );
        // A checkpoint planted in the database by someone without the key,
        // for a record that is really there, with its real hash.
        app.create_applicant(ERIK).await;
        let other = AuditKey::load(&app.data_dir.path().join("other.pem"), true).unwrap();
        let (seq, head) = app
            .db
            .read(|conn| Ok(bistand::db::audit::head(conn)?))
            .await
            .unwrap();
        let planted = other.sign(seq, &head, app.clock.now());
        tamper_with(&app, move |conn| {
            bistand::db::audit::store_checkpoint(conn, &planted)?.unwrap();
            Ok(())
        })
        .await;
        let served = verification(&app).await;
        assert_eq!(served["valid"], false, "[{b}]");
        assert_eq!(served["first_broken_seq"], seq, "[{b}]");
        assert!(
            served["reason"]
                .as_str()
                .unwrap()
                .contains("no valid signature"),
            "[{b}] {served}"
        );
    }
}

#[actix_web::test]
async fn the_command_line_signs_a_checkpoint_and_verifies_against_a_kept_copy() {
    let app = spawn(None).await;
    for pn in [TOLVAN, ERIK, ANNA] {
        app.create_applicant(pn).await;
    }
    let bistand = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_bistand"))
            .args(args)
            .arg("--data-dir")
            .arg(app.data_dir.path())
            .output()
            .unwrap()
    };
    let output = bistand(&["audit", "checkpoint"]);
    assert!(output.status.success(), "{output:?}");
    let line = String::from_utf8(output.stdout).unwrap();
    let signed: Checkpoint = serde_json::from_str(line.trim()).unwrap();
    assert_eq!(signed.seq, 3);
    let kept = app.data_dir.path().join("kept-checkpoints.jsonl");
    std::fs::write(&kept, &line).unwrap();
    let verify = || bistand(&["audit", "verify", "--checkpoint", kept.to_str().unwrap()]);
    let output = verify();
    assert!(output.status.success(), "{output:?}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["checkpoints_checked"], 1);

    let mut rows = app.audit_since(0).await;
    rows.truncate(1);
    rewrite_chain(&app, rows, true).await;
    let output = verify();
    assert!(!output.status.success());
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["first_broken_seq"], 2, "{report}");

    let key = bistand(&["audit", "key"]);
    let jwk: Value = serde_json::from_slice(&key.stdout).unwrap();
    assert_eq!(jwk["kid"], signed.kid);
    assert!(jwk.get("d").is_none(), "only the public half");

    // Where the private key is not: the public half verifies, and names
    // the cut against the kept copy.
    let public = app.data_dir.path().join("audit-public.json");
    std::fs::write(&public, json!({ "keys": [jwk] }).to_string()).unwrap();
    std::fs::rename(
        app.data_dir.path().join("audit-key.pem"),
        app.data_dir.path().join("moved-away.pem"),
    )
    .unwrap();
    let output = bistand(&[
        "audit",
        "verify",
        "--public-keys",
        public.to_str().unwrap(),
        "--checkpoint",
        kept.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["first_broken_seq"], 2, "{report}");
    assert_eq!(report["checkpoints_checked"], 1, "{report}");
}

#[actix_web::test]
async fn an_auditor_reads_the_log_by_filter_and_by_personal_number_and_the_reading_is_audited() {
    for app in each_backend().await {
        let b = app.backend;
        let auditor = app.token(Role::Auditor);
        let tolvan = app.create_applicant(TOLVAN).await;
        let tolvan_id = tolvan["id"].as_str().unwrap().to_owned();
        app.create_applicant(ERIK).await;
        let caseworker = app.token(Role::Caseworker);
        for _ in 0..3 {
            app.get(&format!("/api/v1/0483/applicants/{tolvan_id}"), &caseworker)
                .await;
        }
        // By person id and action, two at a time.
        let path = format!("/api/v1/audit?person_id={tolvan_id}&action=applicant.read&limit=2");
        let first: Value = app.get(&path, &auditor).await.json().await.unwrap();
        assert_eq!(first["items"].as_array().unwrap().len(), 2, "[{b}] {first}");
        let cursor = first["next_cursor"].as_str().unwrap();
        let second: Value = app
            .get(&format!("{path}&after={cursor}"), &auditor)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(second["items"].as_array().unwrap().len(), 1, "[{b}]");
        assert_eq!(second["next_cursor"], Value::Null, "[{b}]");
        for item in first["items"].as_array().unwrap() {
            assert_eq!(item["person_id"], tolvan_id.as_str(), "[{b}]");
            assert_eq!(item["actor"], "test-caseworker", "[{b}]");
        }

        // By personal number, in the body.
        let response = app
            .post(
                "/api/v1/audit/search",
                &auditor,
                &json!({ "personal_number": TOLVAN }),
            )
            .await;
        assert_eq!(response.status(), 200, "[{b}]");
        let found: Value = response.json().await.unwrap();
        let actions: Vec<&str> = found["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["action"].as_str().unwrap())
            .collect();
        assert!(
            actions.starts_with(&["applicant.create", "applicant.read"]),
            "[{b}] {actions:?}"
        );
        assert!(
            !found.to_string().contains("19121212") && !found.to_string().contains("121212-1212"),
            "[{b}] no personal number"
        );
        let nobody: Value = app
            .post(
                "/api/v1/audit/search",
                &auditor,
                &json!({ "personal_number": ANNA }),
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(nobody["items"], json!([]), "[{b}]");

        // The auditor's reading is in the log, about the person asked for.
        let own: Vec<_> = app
            .audit_since(0)
            .await
            .into_iter()
            .filter(|r| r.action == "audit.read")
            .map(|r| (r.person_id, r.outcome))
            .collect();
        assert_eq!(
            own,
            [
                (Some(tolvan_id.clone()), "allowed".to_owned()),
                (Some(tolvan_id.clone()), "allowed".to_owned()),
                (Some(tolvan_id.clone()), "allowed".to_owned()),
                (None, "not_visible".to_owned()),
            ],
            "[{b}]"
        );

        // Bad filters are named; others may not read the log.
        let problem = assert_problem(
            app.get(
                "/api/v1/audit?outcome=maybe&from=yesterday&action=null",
                &auditor,
            )
            .await,
            400,
            "invalid-parameter",
            b,
        )
        .await;
        assert_eq!(
            problem["invalid_params"].as_array().unwrap().len(),
            3,
            "[{b}]"
        );
        assert_problem(
            app.get("/api/v1/audit", &caseworker).await,
            403,
            "forbidden",
            b,
        )
        .await;
    }
}

#[actix_web::test]
async fn the_monthly_report_names_protected_reads_refusals_labour_market_reads_and_outliers() {
    for app in each_backend().await {
        let b = app.backend;
        let caseworker = app.token(Role::Caseworker);
        let mut protected = applicant_body(ANNA);
        protected["protected_identity"] = json!(true);
        let anna: Value = app
            .post("/api/v1/0483/applicants", &caseworker, &protected)
            .await
            .json()
            .await
            .unwrap();
        let anna_path = anna["links"]["self"].as_str().unwrap().to_owned();
        let erik = app.create_applicant(ERIK).await;
        let erik_path = erik["links"]["self"].as_str().unwrap().to_owned();
        app.get(&anna_path, &caseworker).await;
        let consent = json!({ "recipient": "employment_service", "purpose": "Samverkan",
                              "given_at": "2026-11-20T09:30:00Z", "channel": "visit" });
        let given: Value = app
            .post(&format!("{erik_path}/consents"), &caseworker, &consent)
            .await
            .json()
            .await
            .unwrap();
        let officer = app.token(Role::EmploymentOfficer);
        assert_eq!(app.get(&erik_path, &officer).await.status(), 200, "[{b}]");
        let analyst = app.token(Role::Analyst);
        for _ in 0..3 {
            app.get("/api/v1/0483/applicants", &analyst).await;
        }
        // Three caseworkers; one reads far more than the others.
        app.get(&erik_path, &app.token_as(Role::Caseworker, "quiet-1"))
            .await;
        app.get(&erik_path, &app.token_as(Role::Caseworker, "quiet-2"))
            .await;
        let busy = app.token_as(Role::Caseworker, "busy");
        for _ in 0..25 {
            app.get(&erik_path, &busy).await;
        }
        let month = app.audit_since(0).await[0]
            .occurred_at
            .format("%Y-%m")
            .to_string();

        let auditor = app.token(Role::Auditor);
        let response = app
            .get(&format!("/api/v1/audit/report?month={month}"), &auditor)
            .await;
        assert_eq!(response.status(), 200, "[{b}]");
        let report: Value = response.json().await.unwrap();
        let protected_reads: Vec<&str> = report["protected_identity_reads"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["person_id"].as_str().unwrap())
            .collect();
        assert_eq!(
            protected_reads,
            [anna["id"].as_str().unwrap()],
            "[{b}] {report}"
        );
        assert_eq!(report["refusals"]["denied"], 3, "[{b}]");
        assert_eq!(
            report["refusals"]["by_actor"][0]["actor"], "test-analyst",
            "[{b}]"
        );
        let labour = report["labour_market_reads"].as_array().unwrap();
        assert_eq!(labour.len(), 1, "[{b}] {report}");
        assert_eq!(labour[0]["consent_id"], given["id"], "[{b}]");
        assert_eq!(labour[0]["record"]["role"], "employment_officer", "[{b}]");
        let standing_out = report["standing_out"].as_array().unwrap();
        assert_eq!(standing_out.len(), 1, "[{b}] {report}");
        assert_eq!(standing_out[0]["actor"], "busy", "[{b}]");
        assert_eq!(standing_out[0]["person_reads"], 25, "[{b}]");

        assert_problem(
            app.get("/api/v1/audit/report?month=2026-13", &auditor)
                .await,
            400,
            "invalid-parameter",
            b,
        )
        .await;
        assert_problem(
            app.get(
                "/api/v1/audit/report?month=2026-11&municipality=0428",
                &auditor,
            )
            .await,
            404,
            "not-found",
            b,
        )
        .await;
    }
}
