//! The indicators at a country's scale, on the embedded SQLite default:
//! loads synthetic person-level rows (by default 290 municipalities, ten
//! years, about 100,000 households granted assistance a month), builds the
//! kept cells from them as a first start does, and prints how long that
//! takes and the p50/p95 of three reads of values through the service's own
//! routes (in process, as an analyst, suppression on, each read audited),
//! each beside a plain SQL `GROUP BY` that works the same figures out from
//! the rows, and beside `/health/ready`. Prints figures; asserts only that
//! the build and its `GROUP BY` agree on every count they both give.
//!
//!     bash bench/indicators.sh [municipalities] [years] [households a month] [reads]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::dev::Service;
use actix_web::test::{TestRequest, init_service};
use anyhow::{Context, bail};
use bistand::auth::audit_key::{self, AuditKey};
use bistand::auth::token::{MintRequest, mint};
use bistand::auth::{Keys, Role};
use bistand::config::{
    AuditSettings, IndicatorSettings, LimitSettings, Settings, StorageSettings, TokenSettings,
};
use bistand::db::indicators::{self, Build};
use bistand::db::{Backend, Db, DbConn, establish};
use bistand::domain::Municipality;
use bistand::domain::time::SystemClock;
use bistand::startup::{Shared, app};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

/// The first year of the synthetic history.
const FIRST_YEAR: i32 = 2016;
/// How many months a household is granted assistance, on average (1 to 9).
const AVERAGE_MONTHS: u64 = 5;

struct Scale {
    municipalities: u64,
    years: u64,
    households_a_month: u64,
    reads: usize,
}

impl Scale {
    fn months(&self) -> u64 {
        self.years * 12
    }

    /// Households that begin a spell of assistance, over all years.
    fn households(&self) -> u64 {
        self.households_a_month / AVERAGE_MONTHS * self.months()
    }

    fn code(&self, m: u64) -> String {
        format!("{:04}", 1000 + m)
    }

    /// The last full year: the one the reads ask for.
    fn year(&self) -> i32 {
        FIRST_YEAR + self.years as i32 - 1
    }
}

fn main() -> anyhow::Result<()> {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().with_context(|| format!("not a number: {a}")))
        .collect::<anyhow::Result<_>>()?;
    let arg = |i: usize, default: u64| args.get(i).copied().unwrap_or(default);
    let scale = Scale {
        municipalities: arg(0, 290),
        years: arg(1, 10),
        households_a_month: arg(2, 100_000),
        reads: arg(3, 200) as usize,
    };
    if scale.municipalities < 25 || scale.municipalities > 8999 || scale.years == 0 {
        bail!("at least 25 municipalities (at most 8,999) and one year");
    }
    let dir = tempfile::tempdir()?;
    let result = run(&scale, dir.path());
    drop(dir);
    result
}

fn run(scale: &Scale, dir: &Path) -> anyhow::Result<()> {
    println!(
        "machine: {} cores, {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|c| c
                .lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned()))
            .unwrap_or_default()
    );
    let settings = settings(dir);
    let db = Db::open(&settings.storage)?;
    // Loading is not measured: it skips the durability the service keeps.
    let mut conn = establish(Backend::Sqlite, &settings.storage.url())?;
    conn.batch_execute("PRAGMA synchronous = OFF; PRAGMA cache_size = -2000000;")?;

    println!(
        "== synthetic rows: {} municipalities, {}–{}, about {} households granted a month",
        scale.municipalities,
        FIRST_YEAR,
        scale.year(),
        scale.households_a_month
    );
    let started = Instant::now();
    load(&mut conn, scale)?;
    let count = |conn: &mut DbConn, table: &str| -> anyhow::Result<i64> {
        Ok(
            diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
                .get_result::<N>(conn)?
                .n,
        )
    };
    println!(
        "loaded in {:.1} s: {} applicants, {} applications, {} decisions, {} household members; database {:.1} GiB",
        started.elapsed().as_secs_f64(),
        count(&mut conn, "applicants")?,
        count(&mut conn, "applications")?,
        count(&mut conn, "decisions")?,
        count(&mut conn, "household_members")?,
        size(dir) as f64 / (1u64 << 30) as f64
    );

    // The build and its GROUP BY on a connection as the service opens it.
    drop(conn);
    let mut conn = establish(Backend::Sqlite, &settings.storage.url())?;
    println!("== building the cells from the rows (as a first start does) beside GROUP BY");
    let started = Instant::now();
    let built = conn.transaction(|c| {
        indicators::build(c, Build::Everything, chrono::Utc::now().naive_utc())
            .map_err(|e| anyhow::anyhow!("{e:?}"))
    })?;
    let build_time = started.elapsed();
    let started = Instant::now();
    let grouped = group_by_all(&mut conn)?;
    let group_time = started.elapsed();
    println!(
        "build: {:.1} s ({} persons, {} person-years, {} cells); GROUP BY of the same cells: {:.1} s; build / GROUP BY = {:.2}",
        build_time.as_secs_f64(),
        built.persons,
        built.person_years,
        built.cells,
        group_time.as_secs_f64(),
        build_time.as_secs_f64() / group_time.as_secs_f64()
    );
    let kept = conn
        .transaction(|c| indicators::cells(c).map_err(|e| anyhow::anyhow!("{e:?}")))?
        .into_iter()
        .filter(|((_, cell), n)| *n != 0 && cell.part.as_string() == "n")
        .map(|((m, cell), n)| {
            let key = (cell.indicator.to_owned(), m, cell.period.to_string());
            ((key, cell.gender.as_str().to_owned()), n)
        })
        .collect::<BTreeMap<_, _>>();
    if kept != grouped {
        let differ = kept
            .iter()
            .filter(|(k, n)| grouped.get(*k) != Some(n))
            .take(5)
            .collect::<Vec<_>>();
        bail!(
            "the build and GROUP BY disagree ({} cells against {}): {differ:?}",
            kept.len(),
            grouped.len()
        );
    }
    println!(
        "the build and GROUP BY agree on all {} counts (households, household-months, persons, children; applications by sex)",
        kept.len()
    );
    drop(conn);

    actix_web::rt::System::new().block_on(reads(scale, &settings, db))
}

#[derive(QueryableByName)]
struct N {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn settings(dir: &Path) -> Settings {
    Settings {
        bind: "127.0.0.1:0".into(),
        storage: StorageSettings {
            data_dir: dir.to_path_buf(),
            database_url: None,
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
        // One caller reading as fast as it can.
        limits: LimitSettings {
            rate_limit: 0,
            refusal_limit: 0,
            login_failure_limit: 0,
        },
        indicators: IndicatorSettings {
            suppression_threshold: 5,
        },
        workers: None,
        body_timeout: Duration::from_secs(30),
        metrics_token: None,
    }
}

/// Writes the synthetic rows in one transaction, generated in SQL.
///
/// Household `h` lives in municipality `h % municipalities`, begins its
/// spell in month `h / starts a month` and is granted 1 to 9 months in a
/// row (5 on average, ending with the last month); its applicant is a woman
/// or a man by turns of seven, one household in five is a couple (the
/// partner a person too) and it has 0 to 3 children (one on average), born
/// so that they are under 18. Each month granted is an application received
/// on the month's second day, a granting decision for the month covering
/// every member, and the household's members on the application.
fn load(conn: &mut DbConn, scale: &Scale) -> anyhow::Result<()> {
    let households = scale.households();
    let starts = households / scale.months();
    let setup = format!(
        "
        CREATE TEMP TABLE hh AS
        WITH RECURSIVE h(id) AS (SELECT 0 UNION ALL SELECT id + 1 FROM h WHERE id + 1 < {households})
        SELECT id,
               printf('%04d', 1000 + id % {m}) AS municipality,
               id / {starts} AS start,
               min(1 + (id * 7919) % 9, {months} - id / {starts}) AS months,
               CASE WHEN (id / 7) % 2 = 0 THEN 'K' ELSE 'M' END AS sex,
               (id % 5 = 0) AS couple,
               CASE (id * 13) % 10 WHEN 4 THEN 1 WHEN 5 THEN 1 WHEN 6 THEN 1
                    WHEN 7 THEN 2 WHEN 8 THEN 2 WHEN 9 THEN 3 ELSE 0 END AS children
        FROM h;
        CREATE TEMP TABLE k AS
        WITH RECURSIVE k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n < 8) SELECT n FROM k;
        INSERT INTO applicants (municipality, id, personal_number, sex, first_name, last_name,
                                protected_identity, version, created_at, updated_at)
        SELECT municipality, 'p' || id, 'synthetic-' || id, sex, 'Synthetic', 'Applicant', 0, 1,
               '2016-01-01 00:00:00', '2016-01-01 00:00:00'
        FROM hh
        UNION ALL
        SELECT municipality, 'q' || id, 'synthetic-partner-' || id,
               CASE sex WHEN 'K' THEN 'M' ELSE 'K' END, 'Synthetic', 'Partner', 0, 1,
               '2016-01-01 00:00:00', '2016-01-01 00:00:00'
        FROM hh WHERE couple;
        ",
        m = scale.municipalities,
        months = scale.months(),
    );
    conn.transaction(|c| c.batch_execute(&setup))?;
    // A year a transaction, the log folded back into the file after each, so
    // the database needs no second copy of itself on disk.
    for year in 0..scale.years {
        let rows = format!(
            "
        CREATE TEMP TABLE hm AS
        SELECT hh.*, k.n AS k, start + k.n AS t,
               printf('%04d-%02d', {first} + (start + k.n) / 12, (start + k.n) % 12 + 1) AS month
        FROM hh JOIN k ON k.n < hh.months WHERE (start + k.n) / 12 = {year};
        INSERT INTO applications (municipality, id, receipt_number, applicant_id, co_applicant_id,
                                  children, support_month, channel, reasons_for_need, status,
                                  submitted_by, submitted_role, received_at, version, created_at,
                                  updated_at)
        SELECT municipality, 'a' || id || '-' || k, 'R' || id || '-' || k, 'p' || id,
               CASE WHEN couple THEN 'q' || id END, '[]', month, 'eservice', '[]', 'decided',
               'synthetic', 'eservice', month || '-02 08:00:00', 1, month || '-02 08:00:00',
               month || '-02 08:00:00'
        FROM hm;
        INSERT INTO household_members (municipality, application_id, member, position, role,
                                       applicant_id, birth_date)
        SELECT municipality, 'a' || id || '-' || k, 'applicant', 0, 'applicant', 'p' || id, NULL
        FROM hm
        UNION ALL
        SELECT municipality, 'a' || id || '-' || k, 'partner', 1, 'partner', 'q' || id, NULL
        FROM hm WHERE couple
        UNION ALL
        SELECT municipality, 'a' || id || '-' || k, 'child_' || (c.n + 1), 2 + c.n, 'child', NULL,
               printf('%04d-06-15', {first} + start / 12 - 2 - 4 * c.n)
        FROM hm JOIN k AS c ON c.n < hm.children;
        INSERT INTO decisions (municipality, id, kind, applicant_id, application_id, outcome,
                               amount_ore, legal_basis, period_from, period_to, support_month,
                               persons_covered, decided_by, decided_at)
        SELECT municipality, 'd' || id || '-' || k, 'assistance', 'p' || id, 'a' || id || '-' || k,
               'granted', 950000, 'SoL 4 kap. 1 §', month || '-01',
               date(month || '-01', '+1 month', '-1 day'), month,
               '[\"applicant\"' || CASE WHEN couple THEN ',\"partner\"' ELSE '' END
                   || CASE children WHEN 0 THEN '' WHEN 1 THEN ',\"child_1\"'
                      WHEN 2 THEN ',\"child_1\",\"child_2\"'
                      ELSE ',\"child_1\",\"child_2\",\"child_3\"' END || ']',
               'synthetic', month || '-05 10:00:00'
        FROM hm;
        DROP TABLE hm;
        ",
            first = FIRST_YEAR,
        );
        conn.transaction(|c| c.batch_execute(&rows))?;
        conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)")?;
    }
    conn.batch_execute("DROP TABLE k; DROP TABLE hh;")?;
    conn.batch_execute("ANALYZE")?;
    Ok(())
}

/// A count's indicator, municipality and period (its sex beside).
type Cell = (String, String, String);

#[derive(QueryableByName)]
struct Grouped {
    #[diesel(sql_type = Text)]
    indicator: String,
    #[diesel(sql_type = Text)]
    sex: String,
    #[diesel(sql_type = Text)]
    municipality: String,
    #[diesel(sql_type = Text)]
    period: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The periods a month (`2019-04`) is in, as SQL over `month`.
const PERIODS: [&str; 4] = [
    "month",
    "substr(month, 1, 4) || '-T' || ((CAST(substr(month, 6, 2) AS INTEGER) + 3) / 4)",
    "substr(month, 1, 4) || '-H' || ((CAST(substr(month, 6, 2) AS INTEGER) + 5) / 6)",
    "substr(month, 1, 4)",
];

/// The granting decisions in force as rows of (municipality, applicant, month).
const GRANTS: &str = "SELECT d.municipality, d.applicant_id, d.application_id, d.support_month AS month \
     FROM decisions d WHERE d.kind = 'assistance' AND d.outcome IN ('granted', 'partially_rejected') \
     AND d.amount_ore > 0 AND d.support_month IS NOT NULL \
     AND NOT EXISTS (SELECT 1 FROM decisions r WHERE r.municipality = d.municipality AND r.replaces = d.id)";

/// Every count the build keeps (the `n` of each cell), by plain GROUP BY
/// over the rows: households, household-months, persons and children in
/// households granted, and applications received, for every period length.
fn group_by_all(conn: &mut DbConn) -> anyhow::Result<BTreeMap<(Cell, String), i64>> {
    let mut cells = BTreeMap::new();
    for period in PERIODS {
        let queries = [
            format!(
                "SELECT 'households-granted' AS indicator, 'T' AS sex, municipality, {period} AS period, \
                 count(DISTINCT applicant_id) AS n FROM ({GRANTS}) GROUP BY 1, 2, 3, 4"
            ),
            format!(
                "SELECT 'households-granted-monthly-average' AS indicator, 'T' AS sex, municipality, {period} AS period, \
                 count(*) AS n FROM (SELECT DISTINCT municipality, applicant_id, month FROM ({GRANTS})) \
                 GROUP BY 1, 2, 3, 4"
            ),
            format!(
                "SELECT 'persons-in-households-granted' AS indicator, 'T' AS sex, g.municipality, {period} AS period, \
                 count(DISTINCT g.applicant_id || ' ' || m.member) AS n FROM ({GRANTS}) g \
                 JOIN household_members m ON m.municipality = g.municipality \
                 AND m.application_id = g.application_id GROUP BY 1, 2, 3, 4"
            ),
            format!(
                "SELECT 'children-in-households-granted' AS indicator, 'T' AS sex, g.municipality, {period} AS period, \
                 count(DISTINCT g.applicant_id || ' ' || m.member) AS n FROM ({GRANTS}) g \
                 JOIN household_members m ON m.municipality = g.municipality \
                 AND m.application_id = g.application_id \
                 WHERE m.role = 'child' AND m.birth_date > date(g.month || '-01', '-18 years') \
                 GROUP BY 1, 2, 3, 4"
            ),
            format!(
                "SELECT 'applications-received' AS indicator, sex, municipality, {period} AS period, \
                 count(*) AS n FROM (SELECT a.municipality, p.sex, substr(a.received_at, 1, 7) AS month \
                 FROM applications a JOIN applicants p ON p.municipality = a.municipality \
                 AND p.id = a.applicant_id) GROUP BY 1, 2, 3, 4"
            ),
        ];
        for query in queries {
            for row in diesel::sql_query(query).load::<Grouped>(conn)? {
                if row.sex != "T" {
                    let total = (
                        row.indicator.clone(),
                        row.municipality.clone(),
                        row.period.clone(),
                    );
                    *cells.entry((total, "T".to_owned())).or_default() += row.n;
                }
                cells.insert(
                    ((row.indicator, row.municipality, row.period), row.sex),
                    row.n,
                );
            }
        }
    }
    Ok(cells)
}

async fn reads(scale: &Scale, settings: &Settings, db: Db) -> anyhow::Result<()> {
    let keys = Arc::new(Keys::load(&settings.storage.data_dir, &settings.tokens)?);
    let audit_key = AuditKey::load(
        &audit_key::key_path(&settings.audit, &settings.storage.data_dir),
        true,
    )?;
    let shared = Shared::new(
        settings,
        db,
        keys.clone(),
        audit_key.keyring(None)?,
        Arc::new(SystemClock),
    )?;
    let service = init_service(app(shared)).await;
    let all: Vec<Municipality> = (0..scale.municipalities)
        .filter_map(|m| Municipality::parse(&scale.code(m)))
        .collect();
    let analyst = mint(
        &keys,
        &MintRequest {
            subject: "bench-analyst".into(),
            role: Role::Analyst,
            unit: None,
            municipalities: all,
            ttl: Duration::from_secs(3600),
            client_id: None,
        },
    )?;
    let mut read_conn = establish(Backend::Sqlite, &settings.storage.url())?;
    let year = scale.year();
    let one = scale.code(scale.municipalities / 2);
    let some: Vec<String> = (0..25)
        .map(|i| scale.code(i * (scale.municipalities / 25)))
        .collect();
    let quoted = |codes: &[String]| {
        codes
            .iter()
            .map(|c| format!("'{c}'"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let cases = [
        (
            "one indicator, one municipality, a year by month",
            format!(
                "/api/v1/indicators/households-granted-monthly-average/values?municipality={one}&period={year}-01..{year}-12"
            ),
            format!(
                "SELECT '' AS indicator, 'T' AS sex, municipality, month AS period, count(DISTINCT applicant_id) AS n \
                 FROM ({GRANTS}) WHERE municipality = '{one}' AND month BETWEEN '{year}-01' AND '{year}-12' \
                 GROUP BY 1, 2, 3, 4"
            ),
        ),
        (
            "one indicator, all municipalities, a year",
            format!("/api/v1/indicators/households-granted/values?period={year}"),
            format!(
                "SELECT '' AS indicator, 'T' AS sex, municipality, '{year}' AS period, count(DISTINCT applicant_id) AS n \
                 FROM ({GRANTS}) WHERE month BETWEEN '{year}-01' AND '{year}-12' GROUP BY 1, 2, 3, 4"
            ),
        ),
        (
            "Kolada, 25 municipalities, a year",
            format!(
                "/kolada/v3/data/kpi/households-granted/municipality/{}/year/{year}",
                some.join(",")
            ),
            format!(
                "SELECT '' AS indicator, 'T' AS sex, municipality, '{year}' AS period, count(DISTINCT applicant_id) AS n \
                 FROM ({GRANTS}) WHERE municipality IN ({}) AND month BETWEEN '{year}-01' AND '{year}-12' \
                 GROUP BY 1, 2, 3, 4",
                quoted(&some)
            ),
        ),
    ];
    println!(
        "== reads, {} of each, one at a time, in process (no network), as an analyst (suppression on, audited per municipality)",
        scale.reads
    );
    let service = &service;
    let analyst = &analyst;
    let ready = time(scale.reads, || async move {
        let request = TestRequest::get().uri("/health/ready").to_request();
        let response = service
            .call(request)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        anyhow::ensure!(
            response.status().is_success(),
            "/health/ready: {}",
            response.status()
        );
        Ok(())
    })
    .await?;
    println!("GET /health/ready{:>48}", ready.show());
    for (name, uri, group_by) in cases {
        let uri = &uri;
        let route = time(scale.reads, || async move {
            let request = TestRequest::get()
                .uri(uri)
                .insert_header(("Authorization", format!("Bearer {analyst}")))
                .to_request();
            let response = service
                .call(request)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            anyhow::ensure!(
                response.status().is_success(),
                "{uri}: {}",
                response.status()
            );
            actix_web::test::read_body(response).await;
            Ok(())
        })
        .await?;
        let mut sql = Vec::new();
        for _ in 0..scale.reads.min(10) {
            let started = Instant::now();
            let rows = diesel::sql_query(&group_by).load::<Grouped>(&mut read_conn)?;
            sql.push(started.elapsed());
            anyhow::ensure!(!rows.is_empty(), "nothing granted: {group_by}");
        }
        sql.sort();
        let sql = Times(sql);
        println!(
            "{name}\n    route    {}\n    GROUP BY {}",
            route.show(),
            sql.show_few()
        );
    }
    Ok(())
}

struct Times(Vec<Duration>);

impl Times {
    fn at(&self, q: f64) -> f64 {
        let i = ((self.0.len() as f64 * q).ceil() as usize).clamp(1, self.0.len()) - 1;
        self.0[i].as_secs_f64() * 1000.0
    }

    /// For a handful of runs, whose p95 would be their slowest.
    fn show_few(&self) -> String {
        format!(
            "p50 {:8.2} ms  max {:8.2} ms  ({} runs)",
            self.at(0.5),
            self.at(1.0),
            self.0.len()
        )
    }

    fn show(&self) -> String {
        format!(
            "p50 {:8.2} ms  p95 {:8.2} ms  ({} runs)",
            self.at(0.5),
            self.at(0.95),
            self.0.len()
        )
    }
}

async fn time<F, Fut>(runs: usize, mut f: F) -> anyhow::Result<Times>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        f().await?;
        times.push(started.elapsed());
    }
    times.sort();
    Ok(Times(times))
}
