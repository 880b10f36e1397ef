//! Spawns the application and speaks to it.

use std::sync::Arc;
use std::time::Duration;

use bistand::auth::token::{MintRequest, mint};
use bistand::auth::{Keys, Role};
use bistand::config::{
    AuditSettings, IndicatorSettings, LimitSettings, Settings, StorageSettings, TokenSettings,
};
use bistand::db::Db;
use bistand::domain::Municipality;
use bistand::domain::time::FixedClock;
use bistand::startup::Application;
use chrono::Datelike;
use diesel::Connection;
use diesel::connection::SimpleConnection;
use serde_json::{Value, json};

/// Published test numbers (Skatteverket's series, and Tolvan).
pub const TOLVAN: &str = "19121212-1212";
pub const ERIK: &str = "19821105-9954";
pub const ANNA: &str = "19901211-9948";
pub const SARA_COORDINATION: &str = "19730674-9982";
/// Luhn-invalid (from the published test cases).
pub const BAD_CHECK_DIGIT: &str = "19870704-9996";

/// Where the tests' clock stands: every date rule of the service reads it,
/// so no test flips at midnight or at the turn of a month.
pub const NOW: &str = "2026-11-25T10:00:00Z";

/// The tests' "now".
pub fn now() -> chrono::DateTime<chrono::Utc> {
    NOW.parse().expect("a time")
}

/// The tests' "today" in Sweden.
pub fn today() -> chrono::NaiveDate {
    bistand::domain::time::today_in_sweden(now())
}

pub struct TestApp {
    pub address: String,
    /// The clock the application reads; tests may move it.
    pub clock: Arc<FixedClock>,
    pub backend: &'static str,
    pub client: reqwest::Client,
    pub keys: Arc<Keys>,
    pub db: Db,
    pub data_dir: tempfile::TempDir,
    /// What it was started with.
    pub settings: Settings,
}

/// One running application per backend under test.
pub async fn each_backend() -> Vec<TestApp> {
    let mut apps = vec![spawn(None).await];
    if let Ok(admin_url) = std::env::var("BISTAND_TEST_DATABASE_URL") {
        apps.push(spawn(Some(fresh_postgres_database(&admin_url))).await);
    }
    apps
}

/// A new, empty PostgreSQL database on the test server; its URL.
fn fresh_postgres_database(admin_url: &str) -> String {
    let name = format!("bistand_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = diesel::PgConnection::establish(admin_url).expect("connect to the test server");
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create a test database");
    let (base, _) = admin_url
        .rsplit_once('/')
        .expect("URL with a database name");
    format!("{base}/{name}")
}

pub fn settings(database_url: Option<String>, data_dir: &std::path::Path) -> Settings {
    Settings {
        bind: "127.0.0.1:0".into(),
        storage: StorageSettings {
            data_dir: data_dir.to_path_buf(),
            database_url,
            pool_size: None,
        },
        tokens: TokenSettings {
            issuer: "bistand".into(),
            trusted_jwks: None,
            trusted_issuer: None,
            client_token_ttl: Duration::from_secs(3600),
            max_token_lifetime: Duration::from_secs(12 * 3600),
        },
        audit: AuditSettings {
            audit_key: None,
            audit_retired_keys: None,
            checkpoint_interval: Duration::from_secs(3600),
        },
        // Off here; the limits' own tests turn them on.
        limits: LimitSettings {
            rate_limit: 0,
            refusal_limit: 0,
            login_failure_limit: 0,
        },
        indicators: IndicatorSettings {
            suppression_threshold: 5,
        },
        workers: Some(2),
        body_timeout: Duration::from_secs(30),
        metrics_token: None,
    }
}

pub async fn spawn(database_url: Option<String>) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temporary folder");
    spawn_with(settings(database_url, data_dir.path()), data_dir).await
}

pub async fn spawn_with(settings: Settings, data_dir: tempfile::TempDir) -> TestApp {
    let backend = if settings.storage.database_url.is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    let clock = Arc::new(FixedClock::at(now()));
    let app =
        Application::build_with_clock(&settings, clock.clone()).expect("the application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let keys = app.keys();
    let db = app.db();
    actix_web::rt::spawn(app.run_until_stopped());
    let app = TestApp {
        address,
        clock,
        backend,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("HTTP client"),
        keys,
        db,
        data_dir,
        settings,
    };
    app.load_norm().await;
    app
}

/// The norm of 2026 as published, in the shape `POST /api/v1/norm-tables` takes.
pub const NORM_2026: &str = include_str!("../../reference/riksnorm-2026.json");

impl TestApp {
    /// A token for `role` in Katrineholm (0483).
    pub fn token(&self, role: Role) -> String {
        self.token_for(role, &["0483"])
    }

    pub fn token_for(&self, role: Role, municipalities: &[&str]) -> String {
        self.token_with(role, municipalities, &format!("test-{role}"))
    }

    /// A token for `role` in 0483 with its own subject.
    pub fn token_as(&self, role: Role, subject: &str) -> String {
        self.token_with(role, &["0483"], subject)
    }

    pub fn token_with(&self, role: Role, municipalities: &[&str], subject: &str) -> String {
        mint(
            &self.keys,
            &MintRequest {
                subject: subject.to_owned(),
                role,
                unit: None,
                municipalities: municipalities
                    .iter()
                    .map(|m| Municipality::parse(m).expect("code"))
                    .collect(),
                ttl: Duration::from_secs(600),
                client_id: None,
            },
        )
        .expect("mint")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn patch(
        &self,
        path: &str,
        token: &str,
        if_match: Option<&str>,
        body: &Value,
    ) -> reqwest::Response {
        let mut request = self
            .client
            .patch(self.url(path))
            .bearer_auth(token)
            .header("content-type", "application/merge-patch+json")
            .body(body.to_string());
        if let Some(tag) = if_match {
            request = request.header("if-match", tag);
        }
        request.send().await.expect("request")
    }

    /// Registers an applicant as a caseworker of 0483; returns the body.
    pub async fn create_applicant(&self, personal_number: &str) -> Value {
        let response = self
            .post(
                "/api/v1/0483/applicants",
                &self.token(Role::Caseworker),
                &applicant_body(personal_number),
            )
            .await;
        assert_eq!(
            response.status(),
            201,
            "[{}] create applicant",
            self.backend
        );
        response.json().await.expect("JSON")
    }

    /// How many audit records there are.
    pub async fn audit_count(&self) -> i64 {
        self.db
            .read(|conn| Ok(bistand::db::audit::head(conn)?.0))
            .await
            .expect("audit head")
    }

    /// Audit records after `after_seq`.
    pub async fn audit_since(&self, after_seq: i64) -> Vec<bistand::db::audit::AuditRow> {
        self.db
            .read(move |conn| Ok(bistand::db::audit::page(conn, after_seq, 1000)?))
            .await
            .expect("audit records")
    }

    /// How many applicants there are in all municipalities.
    pub async fn applicant_count(&self) -> usize {
        let mut n = 0;
        for m in ["0483", "0428"] {
            n += self
                .db
                .read(move |conn| {
                    Ok(bistand::db::applicants::page(
                        conn,
                        m,
                        bistand::domain::access::PersonScope::All,
                        None,
                        10_000,
                    )?)
                })
                .await
                .expect("applicants")
                .len();
        }
        n
    }
}

pub fn applicant_body(personal_number: &str) -> Value {
    json!({
        "personal_number": personal_number,
        "first_name": "Tolvan",
        "last_name": "Tolvansson",
        "address": { "street": "Storgatan 12", "postal_code": "641 30", "city": "Katrineholm" },
        "phone": "0150-123 45",
        "email": "tolvan@example.se"
    })
}

/// Asserts a problem answer: status, content type and the `type` slug.
pub async fn assert_problem(
    response: reqwest::Response,
    status: u16,
    slug: &str,
    backend: &str,
) -> Value {
    assert_eq!(response.status(), status, "[{backend}] status");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        content_type, "application/problem+json",
        "[{backend}] content type"
    );
    let body: Value = response.json().await.expect("problem JSON");
    assert_eq!(
        body["type"],
        format!("{}{slug}", bistand::error::PROBLEM_BASE),
        "[{backend}] problem type in {body}"
    );
    assert_eq!(body["status"], status, "[{backend}] status member");
    body
}

/// A portal submission for the person with `personal_number` (registered on
/// the way when unknown).
pub fn application_body(personal_number: &str) -> Value {
    json!({
        "applicant": { "personal_number": personal_number, "first_name": "Tolvan", "last_name": "Tolvansson" },
        "children": [ { "birth_date": "2019-05-14" } ],
        "support_month": current_month(),
        "channel": "e_service",
        "stated_reasons": [ "unemployed" ],
        "incomes": [ { "kind": "housing_allowance", "applied_amount": "1200.00" } ],
        "expenses": [ { "kind": "rent", "applied_amount": "6200.00" }, { "kind": "electricity", "applied_amount": "450.50" } ],
        "message": "Jag söker arbete."
    })
}

/// A decision on an application from [`application_body`] (the applicant
/// and one child), valid from the case system and from the caseworker
/// `test-caseworker`: the whole month, the right to assistance, reasons
/// unless granted, the applicant assessed at `capacity` percent; an amount
/// granted says why it is not the calculation's (the tests' amounts are
/// not).
pub fn decision(outcome: &str, amount: Option<&str>, capacity: i32) -> Value {
    let first = today().with_day(1).expect("first day");
    let last = (first + chrono::Months::new(1))
        .pred_opt()
        .expect("last day");
    let mut body = json!({
        "outcome": outcome,
        "period": { "from": first.to_string(), "to": last.to_string() },
        "legal_basis": [ "sol_2025_12_1" ],
        "persons_covered": [ "applicant", "child_1" ],
        "adults": [ { "member": "applicant", "work_capacity_percent": capacity,
                      "support_obstacle": "unemployed_no_benefit" } ],
        "decision_maker": { "user_id": "test-caseworker", "name": "Anna Andersson",
                            "title": "Socialsekreterare", "delegation": "Delegationsordning 3.1.1" }
    });
    if let Some(amount) = amount {
        body["amount"] = json!(amount);
    }
    if outcome != "granted" {
        body["reasons"] = json!("Hushållets inkomster täcker en del av behovet.");
    }
    if matches!(outcome, "granted" | "partially_rejected") {
        body["deviation_reason"] = json!("Beloppet bestäms efter en individuell prövning.");
    }
    body
}

/// This month, `YYYY-MM`, in Sweden, on the tests' clock.
pub fn current_month() -> String {
    today().format("%Y-%m").to_string()
}

impl TestApp {
    /// Stores the published norm of 2026, as every service needs before it
    /// decides money for a month of 2026 (straight into the database, so
    /// that the audit log starts empty; loading over HTTP has its own tests).
    pub async fn load_norm(&self) {
        let body: bistand::api::norms::NormTableBody =
            serde_json::from_str(NORM_2026).expect("the norm's JSON");
        let table = bistand::api::norms::check(&body).expect("the published norm");
        self.db
            .write(move |conn, _| {
                bistand::api::norms::store(conn, &table, "test-setup", now().naive_utc())
            })
            .await
            .expect("the norm stored");
    }

    /// Posts an application with an optional `Idempotency-Key`.
    pub async fn submit(&self, token: &str, key: Option<&str>, body: &Value) -> reqwest::Response {
        let mut request = self
            .client
            .post(self.url("/api/v1/0483/applications"))
            .bearer_auth(token)
            .json(body);
        if let Some(key) = key {
            request = request.header("idempotency-key", key);
        }
        request.send().await.expect("request")
    }

    /// Records a payment as the case system would, with an `Idempotency-Key`.
    pub async fn pay(&self, token: &str, key: Option<&str>, body: &Value) -> reqwest::Response {
        let mut request = self
            .client
            .post(self.url("/api/v1/0483/payments"))
            .bearer_auth(token)
            .json(body);
        if let Some(key) = key {
            request = request.header("idempotency-key", key);
        }
        request.send().await.expect("request")
    }

    /// Submits an application as the case system, starts its investigation
    /// and decides it with `decision`; returns the application's id.
    pub async fn decided(&self, personal_number: &str, decision: &Value) -> String {
        let cs = self.token(Role::CaseSystem);
        let body: Value = self
            .submit(&cs, None, &application_body(personal_number))
            .await
            .json()
            .await
            .expect("json");
        let id = body["id"].as_str().expect("id").to_owned();
        let started = self
            .act(&id, "investigation", &cs, Some("\"1\""), None)
            .await;
        assert_eq!(started.status(), 200);
        let decided = self
            .act(&id, "decision", &cs, Some("\"2\""), Some(decision))
            .await;
        assert_eq!(decided.status(), 200);
        id
    }

    /// Posts an action (`investigation`, `withdraw`, `decision`) with `If-Match`.
    pub async fn act(
        &self,
        id: &str,
        action: &str,
        token: &str,
        if_match: Option<&str>,
        body: Option<&Value>,
    ) -> reqwest::Response {
        let mut request = self
            .client
            .post(self.url(&format!("/api/v1/0483/applications/{id}/{action}")))
            .bearer_auth(token);
        if let Some(tag) = if_match {
            request = request.header("if-match", tag);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("request")
    }

    /// Counts rows of a table, to prove that a refused request wrote nothing.
    pub async fn count(&self, table: &'static str) -> i64 {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        self.db
            .read(move |conn| {
                Ok(
                    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
                        .get_result::<Count>(conn)?
                        .n,
                )
            })
            .await
            .expect("count")
    }

    /// The indicators kept in the write path agree with the records: every
    /// person's stored contribution with one worked out from all their
    /// records, every cell with the sum of the persons' parts.
    pub async fn assert_indicators_agree(&self) {
        let found = self
            .db
            .read(bistand::db::indicators::disagreements)
            .await
            .expect("indicators");
        assert!(found.is_empty(), "[{}] {found:#?}", self.backend);
        // A build from the records alone, as on a first start, gives the
        // same cells (tried in a transaction rolled back after).
        let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
        let out = seen.clone();
        let _ = self
            .db
            .write(move |conn, _| {
                use bistand::db::indicators::{Build, build, cells};
                use diesel::RunQueryDsl;
                let kept = cells(conn)?;
                diesel::sql_query("DELETE FROM indicator_cells").execute(conn)?;
                diesel::sql_query("DELETE FROM indicator_person_years").execute(conn)?;
                let built = build(conn, Build::Everything, chrono::Utc::now().naive_utc())?;
                let again = cells(conn)?;
                *out.lock().unwrap() = Some((kept, again, built));
                Err::<(), _>(bistand::error::AppError::Internal(anyhow::anyhow!(
                    "rolled back"
                )))
            })
            .await;
        let (mut kept, again, built) = seen.lock().unwrap().take().expect("the build ran");
        // A cell moved back to zero stays as a row.
        kept.retain(|_, n| *n != 0);
        assert_eq!(built.cells as usize, kept.len(), "[{}]", self.backend);
        assert!(
            kept == again,
            "[{}] a build from the records gives other cells",
            self.backend
        );
        // And the first start after the persons' parts changed form works
        // them out again from the records, leaving the cells as they are.
        let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
        let out = seen.clone();
        let _ = self
            .db
            .write(move |conn, _| {
                use bistand::db::indicators::{build_if_never_built, cells, disagreements};
                use diesel::RunQueryDsl;
                let kept = cells(conn)?;
                diesel::sql_query("DELETE FROM indicator_person_years").execute(conn)?;
                diesel::sql_query("DELETE FROM indicator_builds WHERE id = 2").execute(conn)?;
                let built = build_if_never_built(conn, chrono::Utc::now().naive_utc())?;
                let again = build_if_never_built(conn, chrono::Utc::now().naive_utc())?;
                *out.lock().unwrap() =
                    Some((kept == cells(conn)?, built, again, disagreements(conn)?));
                Err::<(), _>(bistand::error::AppError::Internal(anyhow::anyhow!(
                    "rolled back"
                )))
            })
            .await;
        let (same, built, again, found) = seen.lock().unwrap().take().expect("the upgrade ran");
        assert!(same, "[{}] the upgrade moved the cells", self.backend);
        assert!(
            built.is_some_and(|b| b.cells == 0),
            "[{}] {built:?}",
            self.backend
        );
        assert_eq!(again, None, "[{}] built twice", self.backend);
        assert!(
            found.is_empty(),
            "[{}] after the upgrade: {found:#?}",
            self.backend
        );
        let after = self
            .db
            .read(bistand::db::indicators::disagreements)
            .await
            .expect("indicators");
        assert!(
            after.is_empty(),
            "[{}] rolled back: {after:#?}",
            self.backend
        );
    }

    /// Row counts of every table a submission touches.
    pub async fn footprint(&self) -> Vec<i64> {
        let mut counts = Vec::new();
        for table in [
            "applicants",
            "applications",
            "application_items",
            "events",
            "idempotency_keys",
            "decisions",
            "payments",
            "consents",
        ] {
            counts.push(self.count(table).await);
        }
        counts
    }
}

/// The body of a 201, after checking the status.
pub async fn created(response: reqwest::Response, backend: &str) -> Value {
    assert_eq!(response.status(), 201, "[{backend}] submit");
    response.json().await.unwrap()
}

/// The names of a validation problem's invalid parameters, in order.
pub fn invalid_names(problem: &Value) -> Vec<&str> {
    problem["invalid_params"]
        .as_array()
        .expect("invalid_params")
        .iter()
        .map(|p| p["name"].as_str().expect("a name"))
        .collect()
}

/// The JSON body of an answer, after checking its status (`what` names the
/// step in the failure message).
pub async fn json_of(response: reqwest::Response, status: u16, what: &str) -> Value {
    let got = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(got, status, "{what}: {body}");
    body
}

/// Registers a person in 0483 as a caseworker, with a consent to each of
/// `recipients` given in a visit; their id.
pub async fn person(app: &TestApp, personal_number: &str, recipients: &[&str]) -> String {
    let id = app.create_applicant(personal_number).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    for recipient in recipients {
        let consent = json!({
            "recipient": recipient,
            "purpose": "Samverkan om planering mot arbete",
            "given_at": "2026-11-20T09:30:00Z",
            "channel": "visit"
        });
        let path = format!("/api/v1/0483/applicants/{id}/consents");
        let given = app
            .post(&path, &app.token(Role::Caseworker), &consent)
            .await;
        json_of(given, 201, "a consent").await;
    }
    id
}

/// A number of Skatteverket's test series (birth numbers 980–999), written
/// `YYYYMMDD-NNNC`: the `n`th (0–9) of `sex` born on `born`.
pub fn test_number(born: chrono::NaiveDate, sex: bistand::domain::Sex, n: u32) -> String {
    let number = bistand::domain::PersonalNumber::test_series(born, sex, n).expect("n below 10");
    let digits = number.as_str();
    format!("{}-{}", &digits[..8], &digits[8..])
}
