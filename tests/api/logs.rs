//! No personal number ever reaches a log line.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use bistand::auth::Role;
use serde_json::json;

use crate::helpers::*;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs one subscriber for the whole test binary that keeps every line.
fn capture() -> Captured {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    CAPTURED
        .get_or_init(|| {
            let captured = Captured::default();
            let writer = captured.clone();
            tracing_subscriber::fmt()
                .json()
                .with_current_span(true)
                .with_max_level(tracing::Level::TRACE)
                .with_writer(move || writer.clone())
                .init();
            captured
        })
        .clone()
}

#[actix_web::test]
async fn no_personal_number_reaches_a_log_line() {
    let logs = capture();
    for app in each_backend().await {
        let caseworker = app.token(Role::Caseworker);
        let mut rids = Vec::new();
        for pn in [TOLVAN, ERIK] {
            let r = app
                .post("/api/v1/0483/applicants", &caseworker, &applicant_body(pn))
                .await;
            rids.push(r.headers()["x-request-id"].to_str().unwrap().to_owned());
        }
        let attempts = [
            app.post(
                "/api/v1/0483/applicants",
                &caseworker,
                &applicant_body(TOLVAN),
            )
            .await,
            app.post(
                "/api/v1/0483/applicants/search",
                &caseworker,
                &json!({ "personal_number": ERIK }),
            )
            .await,
            app.post(
                "/api/v1/0483/applicants/search",
                &caseworker,
                &json!({ "personal_number": ANNA }),
            )
            .await,
            app.post(
                "/api/v1/0483/applicants/search",
                &caseworker,
                &json!({ "personal_number": BAD_CHECK_DIGIT }),
            )
            .await,
            app.post(
                "/api/v1/0483/applicants/search",
                &caseworker,
                &json!({ "personal_number": 198211059954u64 }),
            )
            .await,
            app.post(
                "/api/v1/0483/applicants/search",
                &app.token(Role::Analyst),
                &json!({ "personal_number": ERIK }),
            )
            .await,
            app.get(
                "/api/v1/0483/applicants?personal_number=198211059954",
                &caseworker,
            )
            .await,
        ];
        for r in attempts {
            rids.push(r.headers()["x-request-id"].to_str().unwrap().to_owned());
        }
        let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
        for rid in &rids {
            assert!(
                text.contains(rid.as_str()),
                "[{}] the logs were captured ({rid})",
                app.backend
            );
        }
        let forms = [
            "191212121212",
            "19121212-1212",
            "1212121212",
            "121212-1212",
            "198211059954",
            "8211059954",
            "821105-9954",
            "199012119948",
            "9012119948",
            "901211-9948",
            "198707049996",
            "8707049996",
        ];
        for digits in forms {
            assert!(
                !text.contains(digits),
                "[{}] a personal number ({digits}) reached the log",
                app.backend
            );
        }
    }
}
