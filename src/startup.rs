//! Builds the application once, for `main` and for the tests.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use utoipa_swagger_ui::SwaggerUi;

use crate::api::{self, json::BODY_LIMIT};
use crate::auth::principal::ClientCheck;
use crate::auth::{Keys, TokenVerifier};
use crate::config::Settings;
use crate::db::Db;
use crate::db::DbConn;
use crate::error::AppError;
use crate::telemetry::{self, Metrics};

/// What every request shares.
pub struct AppState {
    pub db: Db,
    pub tokens: TokenVerifier,
    pub client_token_ttl: Duration,
    /// Bounds the threads verifying client secrets (Argon2 is slow by design).
    pub hashing: tokio::sync::Semaphore,
}

impl AppState {
    /// Runs `f` in one transaction for a caller, after checking in the same
    /// transaction that the caller's API client (if any) is not revoked: a
    /// revoked client's request is refused at once with 401, never commits
    /// anything, and leaves an audit record of the attempt.
    pub async fn write<T, F>(&self, check: ClientCheck, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        self.db
            .write(move |conn| match refused(conn, &check)? {
                Some(refusal) => Ok(Err(refusal)),
                None => f(conn).map(Ok),
            })
            .await?
    }

    /// [`AppState::write`] for work that may be retried on contention.
    pub async fn write_retrying<T, F>(&self, check: ClientCheck, f: F) -> Result<T, AppError>
    where
        F: Fn(&mut DbConn) -> Result<T, AppError> + Send + Sync + 'static,
        T: Send + 'static,
    {
        self.db
            .write_retrying(move |conn| match refused(conn, &check)? {
                Some(refusal) => Ok(Err(refusal)),
                None => f(conn).map(Ok),
            })
            .await?
    }

    /// Runs `f` on a read connection for a caller, after the same check
    /// (a refusal is audited through the writer).
    pub async fn read<T, F>(&self, check: ClientCheck, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let client = check.client_id.clone();
        let result = self
            .db
            .read(move |conn| match client.as_deref() {
                Some(id) if !crate::db::clients::is_active(conn, id)? => Ok(None),
                _ => f(conn).map(Some),
            })
            .await?;
        match result {
            Some(value) => Ok(value),
            None => {
                self.write(check, |_| Err(AppError::internal("the client was revoked")))
                    .await
            }
        }
    }
}

/// The refusal of a revoked API client, audited in the caller's transaction.
fn refused(conn: &mut DbConn, check: &ClientCheck) -> Result<Option<AppError>, AppError> {
    let Some(client_id) = check.client_id.as_deref() else {
        return Ok(None);
    };
    if crate::db::clients::is_active(conn, client_id)? {
        return Ok(None);
    }
    let event = crate::audit::AuditEvent {
        actor: check.actor.clone(),
        role: check.role.clone(),
        action: "client.refused".into(),
        resource_type: "api_client".into(),
        resource_id: Some(client_id.to_owned()),
        municipality: None,
        person_id: None,
        request_id: check.request_id.clone(),
        outcome: crate::audit::Outcome::Denied,
    };
    crate::audit::append(conn, &[event])?;
    Ok(Some(AppError::Unauthenticated {
        detail: "the API client of this token has been revoked",
        invalid_token: true,
    }))
}

/// A bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
    keys: Arc<Keys>,
    db: Db,
}

impl Application {
    /// Opens the database (migrating it), loads the keys and binds the listener.
    pub fn build(settings: &Settings) -> anyhow::Result<Self> {
        let db = Db::open(&settings.storage)?;
        let keys = Arc::new(Keys::load(&settings.storage.data_dir, &settings.tokens)?);
        let listener = TcpListener::bind(&settings.bind).map_err(|e| {
            anyhow::anyhow!(
                "cannot listen on {}: {e}; choose another address with --bind or BISTAND_BIND",
                settings.bind
            )
        })?;
        let port = listener.local_addr()?.port();
        let state = web::Data::new(AppState {
            db: db.clone(),
            tokens: TokenVerifier::new(keys.clone()),
            client_token_ttl: settings.tokens.client_token_ttl,
            hashing: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            ),
        });
        let metrics = web::Data::new(Metrics::new()?);
        let contract = web::Bytes::from(crate::openapi::json());
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(metrics.clone())
                .app_data(web::PayloadConfig::new(BODY_LIMIT))
                .app_data(
                    web::PathConfig::default()
                        .error_handler(|e, _| api::parameter_error(&e.to_string(), "path").into()),
                )
                .app_data(web::QueryConfig::default().error_handler(|e, _| query_error(&e).into()))
                .app_data(
                    web::FormConfig::default()
                        .limit(BODY_LIMIT)
                        .error_handler(|_, _| {
                            AppError::OAuth {
                        code: "invalid_request",
                        detail: "send the token request as application/x-www-form-urlencoded",
                        basic_auth: false,
                    }
                    .into()
                        }),
                )
                .wrap(from_fn(telemetry::middleware))
                .configure(api::routes)
                .route(
                    "/openapi.json",
                    web::get().to({
                        let contract = contract.clone();
                        move || {
                            let contract = contract.clone();
                            async move {
                                actix_web::HttpResponse::Ok()
                                    .content_type("application/json")
                                    .body(contract)
                            }
                        }
                    }),
                )
                // The docs read the contract from this service and validate
                // nothing online.
                .service(
                    SwaggerUi::new("/docs/{_:.*}").config(
                        utoipa_swagger_ui::Config::from("/openapi.json").validator_url("none"),
                    ),
                )
                .route(
                    "/docs",
                    web::get().to(|| async {
                        actix_web::HttpResponse::PermanentRedirect()
                            .insert_header(("Location", "/docs/"))
                            .finish()
                    }),
                )
                .default_service(web::to(api::no_route))
        })
        .listen(listener)?;
        if let Some(workers) = settings.workers {
            server = server.workers(workers);
        }
        Ok(Self {
            port,
            server: server.run(),
            keys,
            db,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn keys(&self) -> Arc<Keys> {
        self.keys.clone()
    }

    pub fn db(&self) -> Db {
        self.db.clone()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

fn query_error(e: &actix_web::error::QueryPayloadError) -> AppError {
    let message = e.to_string();
    // serde_urlencoded names unknown fields in backticks, as serde does.
    let name = message.split('`').nth(1).unwrap_or("query").to_owned();
    let reason = message
        .split_once(": ")
        .map_or(message.as_str(), |(_, r)| r)
        .to_owned();
    api::parameter_error(&crate::error::redact_digits(&reason), &name)
}
