//! `DELETE /webhooks/{id}`.
use actix_web::{delete, web, HttpResponse};
use uuid::Uuid;

use crate::error::ApiResult;
use crate::http::auth::{need::Manage, Allowed};
use crate::services::webhooks;
use crate::state::AppState;

/// Remove a webhook endpoint and its delivery log; nothing more is sent to it, pending
/// deliveries included. 404 for an endpoint of another member (admins may remove any).
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The endpoint's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
    ))]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    who: Allowed<Manage>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    webhooks::remove(&state.db, &who.0 .1, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
