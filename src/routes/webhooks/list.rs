//! `GET /webhooks`.
use actix_web::{get, web};

use super::WebhookResponse;
use crate::error::ApiResult;
use crate::http::auth::{need::Manage, Allowed};
use crate::routes::pagination::{next_offset_cursor, Page, PageQuery};
use crate::services::webhooks;
use crate::state::AppState;

/// The webhook endpoints: an admin sees every one, an organiser the ones they made; oldest
/// first. No secrets.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), params(PageQuery),
    responses(
        (status = 200, body = Page<WebhookResponse>),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem),
    ))]
#[get("/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    who: Allowed<Manage>,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<WebhookResponse>>> {
    let (limit, offset) = (query.limit()?, query.offset()?);
    let (items, total) = webhooks::list(&state.db, &who.0 .1, offset, limit).await?;
    Ok(web::Json(Page {
        next_cursor: next_offset_cursor(offset, items.len(), total),
        items: items.into_iter().map(Into::into).collect(),
        total,
    }))
}
