//! Liveness, readiness and metrics for operators and load balancers.
use actix_web::{get, web, HttpResponse};
use sea_orm::ConnectionTrait;

use crate::error::ApiError;
use crate::startup::AppState;

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: &'static str,
}

/// The process is alive.
#[utoipa::path(tag = "operations", responses((status = 200, body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health { status: "ok" })
}

/// The database answers.
#[utoipa::path(tag = "operations", responses((status = 200, body = Health), (status = 503, body = crate::error::Problem)))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<web::Json<Health>, ApiError> {
    let ping = tokio::time::timeout(
        std::time::Duration::from_secs(2),
        state.db.execute_unprepared("SELECT 1"),
    )
    .await;
    match ping {
        Ok(Ok(_)) => Ok(web::Json(Health { status: "ready" })),
        _ => Err(ApiError::Unavailable(
            "the database does not answer".to_owned(),
        )),
    }
}

/// Prometheus text format: requests by route and status, latency histograms, and the mail
/// outbox (`podium_mail_queued`, `podium_mail_failed`, `podium_mail_oldest_due_age_seconds`,
/// `podium_mail_sent_total`, `podium_mail_failed_total`). When `PODIUM_METRICS_TOKEN` is set it
/// needs `Authorization: Bearer <that token>`.
#[utoipa::path(tag = "operations", responses((status = 200, content_type = "text/plain", body = String),
    (status = 401, description = "PODIUM_METRICS_TOKEN is set and the request does not carry it", body = crate::error::Problem)))]
#[get("/metrics")]
pub async fn metrics(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, ApiError> {
    crate::metrics::render(&state, &req).await
}
