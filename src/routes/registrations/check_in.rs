//! `POST/DELETE /events/{event}/registrations/{id}/check-in`: organisers check attendees in;
//! `POST /events/{event}/check-in`: the door scans an attendee's check-in code.
use actix_web::{delete, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::AttendeeResponse;
use crate::error::ApiResult;
use crate::http::auth::{need::CheckIn, Allowed};
use crate::services::{check_in as door, events, registrations};
use crate::state::AppState;

/// A scanned or typed check-in code.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"code": "H4VYYHU5JJHGXIOHL2HQ2K2KNGQ3FQ6U4X3AOGA"}))]
pub struct CheckInRequest {
    /// The attendee's `check_in_code` (case, spaces and dashes do not matter).
    pub code: String,
}

/// The outcome of a scan.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckInResponse {
    /// `checked_in` (now) or `already_checked_in` (earlier; the first time is kept).
    pub result: String,
    /// For the door: "checked in at 09:12" or "already checked in at 09:12" (event time).
    pub message: String,
    /// The attendee checked in, with `checked_in_at` the first check-in time (UTC).
    pub attendee: AttendeeResponse,
}

/// Check an attendee in by their check-in code. Idempotent: a second scan answers 200 with
/// `already_checked_in` and the first time. 404 for a code of no attendee of this event; 409
/// for a waitlisted, unconfirmed, cancelled or expired registration (not checked in).
#[utoipa::path(tag = "registrations", security(("bearer" = [])), request_body = CheckInRequest,
    params(("event" = String, Path, description = "id or slug")),
    responses((status = 200, body = CheckInResponse), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
#[post("/events/{event}/check-in")]
pub async fn check_in_by_code(
    state: web::Data<AppState>,
    _who: Allowed<CheckIn>,
    key: web::Path<String>,
    body: crate::http::extract::Json<CheckInRequest>,
) -> ApiResult<web::Json<CheckInResponse>> {
    let event = events::find_visible(&state.db, &key, true).await?;
    let scan = door::by_code(&state.db, &event, &body.code).await?;
    Ok(web::Json(CheckInResponse {
        result: if scan.now {
            "checked_in"
        } else {
            "already_checked_in"
        }
        .to_owned(),
        message: scan.message(&event),
        attendee: AttendeeResponse::new(scan.registration, None),
    }))
}

/// Check a confirmed attendee in; repeating keeps the first time. 409 unless confirmed.
#[utoipa::path(tag = "registrations", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug"), ("id" = Uuid, Path)),
    responses((status = 200, body = AttendeeResponse), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
#[post("/events/{event}/registrations/{id}/check-in")]
pub async fn check_in(
    state: web::Data<AppState>,
    _who: Allowed<CheckIn>,
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
    _who: Allowed<CheckIn>,
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
