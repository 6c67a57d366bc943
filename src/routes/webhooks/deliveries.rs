//! `GET /webhooks/{id}/deliveries`.
use actix_web::{get, web};
use uuid::Uuid;

use super::DeliveryResponse;
use crate::error::ApiResult;
use crate::http::auth::{need::Manage, Allowed};
use crate::routes::pagination::{next_offset_cursor, Page, PageQuery};
use crate::services::webhooks;
use crate::state::AppState;

/// The endpoint's delivery log, newest first: each delivery's type, status (`pending`,
/// `delivered`, `failed`), attempts and the last answer code or error. 404 for an endpoint
/// of another member (admins see any).
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The endpoint's id"), PageQuery),
    responses(
        (status = 200, body = Page<DeliveryResponse>),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem),
    ))]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    who: Allowed<Manage>,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<DeliveryResponse>>> {
    let (limit, offset) = (query.limit()?, query.offset()?);
    let page = webhooks::deliveries(&state.db, &who.0 .1, id.into_inner(), offset, limit).await?;
    Ok(web::Json(Page {
        next_cursor: next_offset_cursor(offset, page.items.len(), page.total),
        items: page.items.into_iter().map(Into::into).collect(),
        total: page.total,
    }))
}
