//! Liveness, readiness and metrics for operators and load balancers.
use std::time::Duration;

use actix_web::{get, web, HttpResponse};

use crate::error::ApiError;
use crate::state::AppState;

/// The answer of `/healthz`.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Always `ok`: the process answers.
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// The process is alive.
#[utoipa::path(tag = "operations", responses((status = 200, body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health { status: "ok" })
}

/// The database answers and can commit a write: 503 (with `Retry-After`) while it cannot be
/// reached, and while the disk is full (a request failed for want of storage in the last
/// [`STORAGE_FAILURE_MEMORY`](crate::http::storage::STORAGE_FAILURE_MEMORY), or the probe's own write fails).
#[utoipa::path(tag = "operations", responses((status = 200, body = Health), (status = 503, body = crate::error::Problem)))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<web::Json<Health>, ApiError> {
    if state.storage.failed_recently() {
        // Not `StorageFull`: this answer must not prolong the memory it comes from.
        return Err(ApiError::Unavailable(
            "the database cannot store data right now".to_owned(),
        ));
    }
    let probe =
        tokio::time::timeout(Duration::from_secs(2), crate::db::check_writable(&state.db)).await;
    match probe {
        Ok(Ok(())) => Ok(web::Json(Health { status: "ready" })),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "readiness: the database cannot commit a write");
            Err(match crate::error::db_fault(&err) {
                Some(crate::error::DbFault::Storage) => ApiError::StorageFull,
                _ => ApiError::Unavailable("the database does not answer".to_owned()),
            })
        }
        Err(_) => Err(ApiError::Unavailable(
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
    crate::http::metrics::render(&state, &req).await
}
