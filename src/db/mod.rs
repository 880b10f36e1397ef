//! Database access for both backends: one `MultiConnection`, a read pool,
//! and a write path that commits concurrent SQLite writes together.

pub mod agreements;
pub mod applicants;
pub mod applications;
pub mod audit;
pub mod clients;
pub mod consents;
pub mod decisions;
pub mod events;
pub mod households;
pub mod idempotency;
pub mod indicators;
pub mod norms;
pub mod programmes;
pub mod purge;
pub mod referrals;
pub mod schema;
mod writer;

pub use writer::Pending;

use std::sync::Arc;
use std::time::Duration;

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection, Pool};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use tokio::sync::Semaphore;

use crate::config::StorageSettings;
use crate::error::AppError;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// How long an SQLite connection waits for a lock before failing.
const SQLITE_BUSY_TIMEOUT_MS: u32 = 5_000;

/// A connection to either backend; queries are written once against it.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which database the URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::Postgres
        } else {
            Self::Sqlite
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// Opens connections of the configured backend only, so a PostgreSQL URL
/// can never fall through to creating an SQLite file.
struct Manager {
    backend: Backend,
    url: String,
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        establish(self.backend, &self.url).map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    /// A connection given back while its thread panics may be inside a
    /// transaction that never ends: it is closed rather than reused.
    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        std::thread::panicking()
    }
}

/// Opens one connection. SQLite connections get the durability and
/// concurrency pragmas every time; the busy timeout comes first,
/// so that the others wait for a lock instead of failing.
pub fn establish(backend: Backend, url: &str) -> Result<DbConn, diesel::ConnectionError> {
    match backend {
        Backend::Postgres => Ok(DbConn::Postgresql(PgConnection::establish(url)?)),
        Backend::Sqlite => {
            let mut conn = SqliteConnection::establish(url)?;
            conn.batch_execute(&format!(
                "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}; \
                 PRAGMA journal_mode = WAL; \
                 PRAGMA synchronous = FULL; \
                 PRAGMA foreign_keys = ON;"
            ))
            .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?;
            Ok(DbConn::Sqlite(conn))
        }
    }
}

/// Applies pending migrations of the connection's backend.
pub fn migrate(conn: &mut DbConn) -> anyhow::Result<()> {
    let applied = match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
        DbConn::Postgresql(c) => c
            .run_pending_migrations(POSTGRES_MIGRATIONS)
            .map(|v| v.len()),
    }
    .map_err(|e| anyhow::anyhow!("migrations failed: {e}"))?;
    if applied > 0 {
        tracing::info!(applied, "migrations applied");
    }
    Ok(())
}

/// Whether every migration has been applied.
pub fn migrations_current(conn: &mut DbConn) -> anyhow::Result<bool> {
    let pending = match conn {
        DbConn::Sqlite(c) => c.has_pending_migration(SQLITE_MIGRATIONS),
        DbConn::Postgresql(c) => c.has_pending_migration(POSTGRES_MIGRATIONS),
    }
    .map_err(|e| anyhow::anyhow!("cannot read migrations: {e}"))?;
    Ok(!pending)
}

/// The database handle shared by all requests.
#[derive(Clone)]
pub struct Db {
    backend: Backend,
    pool: Pool<Manager>,
    writer: writer::Writer,
    /// Bounds the blocking threads that database work may occupy.
    blocking: Arc<Semaphore>,
}

impl Db {
    /// Opens the database (creating the data folder and SQLite file when
    /// needed), applies migrations and starts the write path.
    /// Opens a database that exists already: an SQLite file that is not
    /// there is an error naming the folder, so that a command run from
    /// another folder never creates a second database.
    pub fn open_existing(settings: &StorageSettings) -> anyhow::Result<Self> {
        if settings.database_url.is_none() {
            let file = settings.data_dir.join("bistand.db");
            if !file.exists() {
                anyhow::bail!(
                    "no database in the data folder {}: point --data-dir (or BISTAND_DATA_DIR) \
                     at the folder the service uses, or --database-url at its PostgreSQL",
                    crate::auth::keys::absolute(&settings.data_dir).display()
                );
            }
        }
        Self::open(settings)
    }

    /// Opens the database, creating it (SQLite) and applying pending migrations.
    pub fn open(settings: &StorageSettings) -> anyhow::Result<Self> {
        let url = settings.url();
        let backend = Backend::of(&url);
        if backend == Backend::Sqlite {
            std::fs::create_dir_all(&settings.data_dir)?;
            owner_only(std::path::Path::new(&url))?;
        }
        let mut conn = establish(backend, &url)?;
        migrate(&mut conn)?;
        let now = crate::domain::time::system_now().naive_utc();
        let built = <DbConn as Connection>::transaction(&mut conn, |conn| {
            indicators::build_if_never_built(conn, now)
        })
        .map_err(|e| anyhow::anyhow!("building the indicators: {e:?}"))?;
        if let Some(built) = built {
            tracing::info!(
                persons = built.persons,
                person_years = built.person_years,
                cells = built.cells,
                "indicators built from the records already stored"
            );
        }
        drop(conn);

        let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as u32;
        let size = match backend {
            // More readers than cores slow SQLite down.
            Backend::Sqlite => settings.pool_size.unwrap_or(cores).clamp(1, cores),
            Backend::Postgres => settings.pool_size.unwrap_or(cores * 4).max(1),
        };
        let pool = Pool::builder()
            .max_size(size)
            // A broken connection shows as an error on use; checking every
            // checkout with a query would double the cost of a point read.
            .test_on_check_out(false)
            .connection_timeout(Duration::from_secs(10))
            .build(Manager {
                backend,
                url: url.clone(),
            })?;
        let writer = writer::Writer::start(backend, url.clone())?;
        Ok(Self {
            backend,
            pool,
            writer,
            blocking: Arc::new(Semaphore::new(size as usize * 2)),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs `f` on a pooled connection off the async threads.
    pub async fn read<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let _permit = self.blocking.acquire().await.map_err(AppError::internal)?;
        let pool = self.pool.clone();
        let span = tracing::Span::current();
        actix_web::web::block(move || {
            let _entered = span.enter();
            let mut conn = pool
                .get()
                .map_err(|e| AppError::Unavailable(e.to_string()))?;
            f(&mut conn)
        })
        .await?
    }

    /// Runs `f` in one transaction: it joins the writer's next group commit,
    /// in its own savepoint. `f`'s changes are kept only if it returns `Ok`
    /// and the commit succeeds; it is answered only after that commit. What
    /// `f` leaves in its [`Pending`] is appended at the end of the group.
    pub async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn, &mut Pending) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let span = tracing::Span::current();
        self.writer
            .submit(move |conn, pending| {
                let _entered = span.enter();
                f(conn, pending)
            })
            .await
    }

    /// Like [`Db::write`], but runs `f` again in a new transaction when it
    /// fails with [`AppError::Contention`] (a concurrent transaction took the
    /// same key first), a few times before giving up.
    pub async fn write_retrying<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: Fn(&mut DbConn, &mut Pending) -> Result<T, AppError> + Send + Sync + 'static,
        T: Send + 'static,
    {
        const ATTEMPTS: u32 = 5;
        let f = Arc::new(f);
        let mut attempt = 1;
        loop {
            let f = f.clone();
            match self.write(move |conn, pending| f(conn, pending)).await {
                Err(AppError::Contention) if attempt < ATTEMPTS => attempt += 1,
                result => return result,
            }
        }
    }

    /// Runs `f` in one transaction on the calling thread (for the CLI),
    /// appending what it leaves in its [`Pending`] before the commit.
    pub fn write_blocking<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn, &mut Pending) -> Result<T, AppError>,
    {
        let mut conn = self
            .pool
            .get()
            .map_err(|e| AppError::Unavailable(e.to_string()))?;
        <DbConn as Connection>::transaction(&mut conn, |conn| {
            let mut pending = Pending::default();
            let value = f(conn, &mut pending)?;
            events::append(conn, &pending.events)?;
            audit::append(
                conn,
                &pending.audit,
                crate::domain::time::system_now().naive_utc(),
            )?;
            Ok(value)
        })
    }

    /// Readiness: the database answers and every migration is applied.
    pub async fn ready(&self) -> Result<(), AppError> {
        self.read(|conn| {
            conn.batch_execute("SELECT 1")
                .map_err(|e| AppError::Unavailable(format!("database unreachable: {e}")))?;
            match migrations_current(conn) {
                Ok(true) => Ok(()),
                Ok(false) => Err(AppError::Unavailable("migrations are pending".into())),
                Err(e) => Err(AppError::Unavailable(e.to_string())),
            }
        })
        .await
    }
}

/// The error for a stored value this code cannot read: a broken row is a
/// 500 and a log line that names the column, never the value (which may be
/// person data), and never a guess.
pub fn unreadable(column: &str) -> AppError {
    AppError::internal(format!("unreadable stored value in {column}"))
}

/// A stored value read strictly: an unreadable one is [`unreadable`].
pub fn stored<T, E>(column: &str, value: Result<T, E>) -> Result<T, AppError> {
    value.map_err(|_| unreadable(column))
}

/// A stored id read strictly.
pub fn stored_uuid(column: &str, text: &str) -> Result<uuid::Uuid, AppError> {
    stored(column, uuid::Uuid::try_parse(text))
}

/// Creates the SQLite file readable and writable by its owner only (mode
/// 0600), and tightens an existing one and its `-wal` and `-shm` files to
/// that. SQLite gives the `-wal` and `-shm` files it creates the mode of the
/// database file, so person data never lies in a file others may read.
fn owner_only(file: &std::path::Path) -> anyhow::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    if !file.exists() {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(file)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", file.display()))?;
    }
    for suffix in ["", "-wal", "-shm"] {
        let path = std::path::PathBuf::from(format!("{}{suffix}", file.display()));
        if path.exists() {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| anyhow::anyhow!("cannot restrict {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// Maps a unique-constraint violation to `conflict`, and any other database
/// error as [`AppError`] does.
pub fn unique_or(conflict: AppError) -> impl FnOnce(diesel::result::Error) -> AppError {
    move |e| {
        if is_unique_violation(&e) {
            conflict
        } else {
            e.into()
        }
    }
}

/// Whether a database error is a unique-constraint violation.
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}
