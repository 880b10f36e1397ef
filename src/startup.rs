//! Builds the application once, for `main` and for the tests.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::Server;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use utoipa_swagger_ui::SwaggerUi;

use crate::api::context::AppState;
use crate::api::{self, json::BODY_LIMIT};
use crate::auth::audit_key::{self, AuditKey, AuditKeyring};
use crate::auth::{Keys, TokenVerifier};
use crate::config::Settings;
use crate::db::Db;
use crate::db::audit;
use crate::domain::audit::Checkpoint;
use crate::domain::time::{Clock, SystemClock};
use crate::error::AppError;
use crate::telemetry::{self, Metrics};

/// A bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
    keys: Arc<Keys>,
    db: Db,
}

impl Application {
    /// Opens the database (migrating it), loads the keys and binds the
    /// listener, on the system clock.
    pub fn build(settings: &Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, Arc::new(SystemClock))
    }

    /// [`Application::build`] with the clock every date rule reads.
    pub fn build_with_clock(settings: &Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        if settings.tokens.client_token_ttl > settings.tokens.max_token_lifetime {
            anyhow::bail!(
                "BISTAND_CLIENT_TOKEN_TTL is longer than BISTAND_MAX_TOKEN_LIFETIME; shorten the one or lengthen the other"
            );
        }
        let db = Db::open(&settings.storage)?;
        let keys = Arc::new(Keys::load(&settings.storage.data_dir, &settings.tokens)?);
        let audit_key = Arc::new(AuditKey::load(
            &audit_key::key_path(&settings.audit, &settings.storage.data_dir),
            true,
        )?);
        let audit_keys = audit_key.keyring(settings.audit.audit_retired_keys.as_deref())?;
        if settings.audit.audit_key.is_none() && settings.storage.database_url.is_none() {
            tracing::warn!(
                "the audit key is in the data folder beside the database: whoever can change \
                 the database file can then sign checkpoints; set BISTAND_AUDIT_KEY to a file \
                 elsewhere (docs/audit.md)"
            );
        }
        let listener = TcpListener::bind(&settings.bind).map_err(|e| {
            anyhow::anyhow!(
                "cannot listen on {}: {e}; choose another address with --bind or BISTAND_BIND",
                settings.bind
            )
        })?;
        let port = listener.local_addr()?.port();
        let shared = Shared::new(
            settings,
            db.clone(),
            keys.clone(),
            audit_keys,
            clock.clone(),
        )?;
        actix_web::rt::spawn(api::limits::tidy(shared.limits.clone()));
        let mut server = HttpServer::new(move || app(shared.clone())).listen(listener)?;
        if let Some(workers) = settings.workers {
            server = server.workers(workers);
        }
        actix_web::rt::spawn(sign_checkpoints(
            db.clone(),
            audit_key,
            clock,
            settings.audit.checkpoint_interval,
        ));
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

/// What every worker's application shares: the state requests run
/// against, the limiters, the metrics, the contract.
#[derive(Clone)]
pub struct Shared {
    state: web::Data<AppState>,
    limits: web::Data<api::limits::Limits>,
    metrics: web::Data<Metrics>,
    metrics_token: web::Data<api::ops::MetricsToken>,
    contract: web::Bytes,
    body_deadline: api::deadline::BodyDeadline,
}

impl Shared {
    pub fn new(
        settings: &Settings,
        db: Db,
        keys: Arc<Keys>,
        audit_keys: AuditKeyring,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let limits = web::Data::new(api::limits::Limits::new(&settings.limits));
        let state = web::Data::new(AppState {
            db,
            tokens: TokenVerifier::new(keys, settings.tokens.max_token_lifetime),
            client_token_ttl: settings.tokens.client_token_ttl,
            hashing: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            ),
            clock,
            audit_keys,
            limits: limits.clone(),
            suppression_threshold: settings.indicators.suppression_threshold,
        });
        Ok(Self {
            state,
            limits,
            metrics: web::Data::new(Metrics::new()?),
            metrics_token: web::Data::new(api::ops::MetricsToken(settings.metrics_token.clone())),
            contract: web::Bytes::from(crate::openapi::json()),
            body_deadline: api::deadline::BodyDeadline(settings.body_timeout),
        })
    }
}

/// The application every worker runs, and the demo's history goes through
/// in process: routes, middleware and the contract.
pub fn app(
    shared: Shared,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let Shared {
        state,
        limits,
        metrics,
        metrics_token,
        contract,
        body_deadline,
    } = shared;
    App::new()
        .app_data(state.clone())
        .app_data(limits.clone())
        .app_data(metrics.clone())
        .app_data(metrics_token.clone())
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
        // Person data is never cached (an answer that may be says
        // so), and no answer is read as another media type than it
        // says it is.
        .wrap(
            actix_web::middleware::DefaultHeaders::new()
                .add((actix_web::http::header::CACHE_CONTROL, "no-store"))
                .add((actix_web::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff")),
        )
        .app_data(body_deadline)
        .wrap(from_fn(api::limits::count_refusals))
        .wrap(from_fn(api::deadline::middleware))
        .wrap(from_fn(telemetry::middleware))
        .configure(api::routes::configure)
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
            SwaggerUi::new("/docs/{_:.*}")
                .config(utoipa_swagger_ui::Config::from("/openapi.json").validator_url("none")),
        )
        .route(
            "/docs",
            web::get().to(|| async {
                actix_web::HttpResponse::PermanentRedirect()
                    .insert_header(("Location", "/docs/"))
                    .finish()
            }),
        )
        .default_service(web::to(api::routes::no_route))
}

/// Signs a checkpoint of the audit chain every `interval` when it has grown,
/// stores it and writes it to the log, which is kept apart from the
/// database. The chain is walked from the last checkpoint (this process's
/// own, remembered, or the latest stored one the key vouches for) to the
/// head first, on the read pool: a chain that does not extend it is never
/// signed, and the refusal is logged as an error.
async fn sign_checkpoints(db: Db, key: Arc<AuditKey>, clock: Arc<dyn Clock>, interval: Duration) {
    let mut last: Option<Checkpoint> = None;
    loop {
        actix_web::rt::time::sleep(interval).await;
        let (ring, known) = (key.own_keyring(), last.clone());
        let walked = db
            .read(move |conn| {
                let known: Vec<Checkpoint> = known.into_iter().collect();
                let anchor = audit::latest_trusted(conn, &ring, &known)?;
                Ok((audit::extension(conn, anchor.as_ref())?, anchor))
            })
            .await;
        let (seq, hash) = match walked {
            Ok((Ok(head), anchor)) => {
                if head.0 == 0 || anchor.is_some_and(|a| a.seq == head.0) {
                    continue;
                }
                head
            }
            Ok((Err(reason), _)) => {
                tracing::error!(%reason, "the audit chain does not extend its last checkpoint; not signing");
                continue;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot walk the audit chain");
                continue;
            }
        };
        let signed = key.sign(seq, &hash, clock.now());
        let stored = signed.clone();
        match db
            .write(move |conn, _| Ok(audit::store_checkpoint(conn, &stored)?))
            .await
        {
            Ok(Ok(())) => {
                tracing::info!(
                    seq = signed.seq,
                    hash = %signed.hash,
                    signed_at = %signed.signed_at.to_rfc3339(),
                    kid = %signed.kid,
                    signature = %signed.signature,
                    "audit checkpoint"
                );
                last = Some(signed);
            }
            Ok(Err(reason)) => tracing::error!(%reason, "audit checkpoint refused"),
            Err(e) => tracing::error!(error = %e, "cannot store an audit checkpoint"),
        }
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
