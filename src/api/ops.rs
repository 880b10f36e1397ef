//! Health and metrics.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::context::AppState;
use crate::db::Backend;
use crate::error::AppError;
use crate::error::catalogue::*;
use crate::telemetry::Metrics;

crate::code_enum! {
    /// The state of the service: it answers only when it is up.
    HealthStatus {
        Up = "up",
    }
}

crate::code_enum! {
    /// The database backend in use.
    DatabaseBackend {
        Sqlite = "sqlite",
        Postgres = "postgres",
    }
}

/// A health answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: HealthStatus,
    /// The database backend, on readiness answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<DatabaseBackend>,
}

/// Liveness: the process answers.
///
/// For an orchestrator's liveness probe: `up` whenever the process can
/// answer HTTP at all. It reads nothing and needs no token.
#[utoipa::path(get, path = "/health/live", tag = "operations", operation_id = "get_liveness",
    responses((status = 200, description = "Alive", body = Health)))]
pub async fn get_live() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: HealthStatus::Up,
        database: None,
    })
}

/// Readiness: the database answers and every migration is applied.
///
/// For a load balancer's readiness probe: `up` with the backend in use once
/// the database answers and every migration is applied; 503 otherwise. It
/// needs no token.
#[utoipa::path(get, path = "/health/ready", tag = "operations", operation_id = "get_readiness",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, response = Unavailable),
    ))]
pub async fn get_ready(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    state.db.ready().await?;
    let database = match state.db.backend() {
        Backend::Sqlite => DatabaseBackend::Sqlite,
        Backend::Postgres => DatabaseBackend::Postgres,
    };
    Ok(HttpResponse::Ok().json(Health {
        status: HealthStatus::Up,
        database: Some(database),
    }))
}

/// Request counts and latency histograms.
///
/// By route template and status, in the Prometheus text format. Labels
/// name route templates, never raw paths, so no id or personal data
/// reaches a metric. When the service has a metrics token
/// (`BISTAND_METRICS_TOKEN`), it must be sent as a bearer token.
#[utoipa::path(get, path = "/metrics", tag = "operations", operation_id = "get_metrics",
    responses((status = 200, description = "Prometheus text exposition", body = String,
               content_type = "text/plain; version=0.0.4"),
               (status = 401, response = Unauthenticated)))]
pub async fn get_metrics(
    req: actix_web::HttpRequest,
    metrics: web::Data<Metrics>,
    token: web::Data<MetricsToken>,
) -> Result<HttpResponse, AppError> {
    if let Some(expected) = &token.0 {
        let sent = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        if !crate::auth::secrets::same(sent.as_bytes(), expected.as_bytes()) {
            return Err(AppError::Unauthenticated {
                detail: "/metrics needs the metrics token (BISTAND_METRICS_TOKEN) as a bearer token",
                invalid_token: !sent.is_empty(),
            });
        }
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(metrics.render()))
}

/// The secret `/metrics` requires, when one is set.
#[derive(Debug, Clone, Default)]
pub struct MetricsToken(pub Option<String>);
