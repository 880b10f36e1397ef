//! Health and metrics.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::AppError;
use crate::openapi::problems::*;
use crate::startup::AppState;
use crate::telemetry::Metrics;

/// A health answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "up")]
    pub status: String,
    /// The database backend, on readiness answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "sqlite")]
    pub database: Option<String>,
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/health/live", tag = "operations", operation_id = "get_liveness",
    responses((status = 200, description = "Alive", body = Health)))]
pub async fn get_live() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "up".into(),
        database: None,
    })
}

/// Readiness: the database answers and every migration is applied.
#[utoipa::path(get, path = "/health/ready", tag = "operations", operation_id = "get_readiness",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, response = Unavailable),
    ))]
pub async fn get_ready(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    state.db.ready().await?;
    Ok(HttpResponse::Ok().json(Health {
        status: "up".into(),
        database: Some(state.db.backend().name().into()),
    }))
}

/// Request counts and latency histograms by route template and status,
/// in the Prometheus text format.
#[utoipa::path(get, path = "/metrics", tag = "operations", operation_id = "get_metrics",
    responses((status = 200, description = "Prometheus text exposition", body = String,
               content_type = "text/plain; version=0.0.4")))]
pub async fn get_metrics(metrics: web::Data<Metrics>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(metrics.render())
}
