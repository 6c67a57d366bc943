//! `POST/DELETE /events/{event}/registrations/{id}/check-in`: organisers check attendees in.
use actix_web::{delete, post, web};
use uuid::Uuid;

use super::AttendeeResponse;
use crate::auth::Organiser;
use crate::error::ApiResult;
use crate::services::{events, registrations};
use crate::startup::AppState;

/// Check a confirmed attendee in; repeating keeps the first time. 409 unless confirmed.
#[utoipa::path(tag = "registrations", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug"), ("id" = Uuid, Path)),
    responses((status = 200, body = AttendeeResponse), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
#[post("/events/{event}/registrations/{id}/check-in")]
pub async fn check_in(
    state: web::Data<AppState>,
    _who: Organiser,
    path: web::Path<(String, Uuid)>,
) -> ApiResult<web::Json<AttendeeResponse>> {
    let (key, id) = path.into_inner();
    let event = events::find_visible(&state.db, &key, true).await?;
    let found = registrations::set_checked_in(&state.db, event.id, id, true).await?;
    Ok(web::Json(AttendeeResponse::new(
        found.registration,
        found.waitlist_position,
    )))
}

/// Undo a check-in.
#[utoipa::path(tag = "registrations", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug"), ("id" = Uuid, Path)),
    responses((status = 200, body = AttendeeResponse), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[delete("/events/{event}/registrations/{id}/check-in")]
pub async fn undo_check_in(
    state: web::Data<AppState>,
    _who: Organiser,
    path: web::Path<(String, Uuid)>,
) -> ApiResult<web::Json<AttendeeResponse>> {
    let (key, id) = path.into_inner();
    let event = events::find_visible(&state.db, &key, true).await?;
    let found = registrations::set_checked_in(&state.db, event.id, id, false).await?;
    Ok(web::Json(AttendeeResponse::new(
        found.registration,
        found.waitlist_position,
    )))
}
