//! `GET /webhooks/{id}`.
use actix_web::{get, web};
use uuid::Uuid;

use super::WebhookResponse;
use crate::error::ApiResult;
use crate::http::auth::{need::Manage, Allowed};
use crate::services::webhooks;
use crate::state::AppState;

/// One webhook endpoint (no secret): its URL, event types, event and status. 404 for an
/// endpoint of another member (admins see any).
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The endpoint's id")),
    responses(
        (status = 200, body = WebhookResponse),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
    ))]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    who: Allowed<Manage>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<WebhookResponse>> {
    let endpoint = webhooks::find(&state.db, &who.0 .1, id.into_inner()).await?;
    Ok(web::Json(endpoint.into()))
}
