//! `DELETE /events/{event}/pitch-slots/{id}`.
use actix_web::{delete, web, HttpResponse};
use uuid::Uuid;

use crate::error::ApiResult;
use crate::http::auth::{need::Manage, Allowed};
use crate::services::{events, pitch_slots};
use crate::state::AppState;

/// Remove a slot from the draft programme. An assigned presenter is mailed (with a calendar
/// cancellation) by the next release (`POST …/schedule/releases`), not now.
#[utoipa::path(tag = "pitch slots", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug"), ("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[delete("/events/{event}/pitch-slots/{id}")]
pub async fn delete_slot(
    state: web::Data<AppState>,
    _who: Allowed<Manage>,
    path: web::Path<(String, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (key, id) = path.into_inner();
    let event = events::find_visible(&state.db, &key, true).await?;
    pitch_slots::delete(&state, event.id, id).await?;
    Ok(HttpResponse::NoContent().finish())
}
