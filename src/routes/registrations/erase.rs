//! `DELETE /events/{event}/registrations/{id}`: an organiser erases an attendee's data.
use actix_web::{delete, web, HttpResponse};
use uuid::Uuid;

use crate::error::ApiResult;
use crate::http::auth::{need::Manage, Allowed};
use crate::services::{events, registrations};
use crate::state::AppState;

/// Erase an attendee: personal fields anonymised, the seat freed (the waitlist moves up), the
/// row kept for the counts. Erasing again is harmless.
#[utoipa::path(tag = "registrations", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug"), ("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[delete("/events/{event}/registrations/{id}")]
pub async fn erase_registration(
    state: web::Data<AppState>,
    _who: Allowed<Manage>,
    path: web::Path<(String, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (key, id) = path.into_inner();
    let event = events::find_visible(&state.db, &key, true).await?;
    registrations::erase_attendee(&state, event.id, id).await?;
    Ok(HttpResponse::NoContent().finish())
}
