//! `PUT` / `DELETE /events/{event}/pitch-slots/{id}/assignment`.
use actix_web::{delete, put, web, HttpResponse};
use uuid::Uuid;

use super::{AssignPitch, SlotResponse};
use crate::error::ApiResult;
use crate::http::auth::{need::Manage, Allowed};
use crate::services::{events, pitch_slots};
use crate::state::AppState;

/// Assign an accepted pitch to an empty slot of the draft programme; the public programme shows
/// it, and the presenter is mailed with an `.ics` (REQUEST), at the next release
/// (`POST …/schedule/releases`).
///
/// Putting the same pitch into the same slot again is a 200 that changes nothing. 409 when the
/// pitch is not accepted, already holds another slot, its presenter (same e-mail, any case)
/// holds an overlapping slot on any stage, or the slot holds another pitch (no silent
/// replacement: unassign first). 422 when the pitch is longer than the slot or not of this event.
#[utoipa::path(tag = "pitch slots", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug"), ("id" = Uuid, Path)),
    request_body = AssignPitch,
    responses((status = 200, body = SlotResponse), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
#[put("/events/{event}/pitch-slots/{id}/assignment")]
pub async fn assign_pitch(
    state: web::Data<AppState>,
    _who: Allowed<Manage>,
    path: web::Path<(String, Uuid)>,
    body: crate::http::extract::Json<AssignPitch>,
) -> ApiResult<web::Json<SlotResponse>> {
    let (key, id) = path.into_inner();
    let event = events::find_visible(&state.db, &key, true).await?;
    let (event, view, _) = pitch_slots::assign(&state, event.id, id, body.pitch_id).await?;
    Ok(web::Json(SlotResponse::of_view(&view, &event.timezone)))
}

/// Empty the slot in the draft programme; if the last release placed the presenter there, the
/// next release mails them an `.ics` cancellation (CANCEL). An empty slot answers 204 as well.
#[utoipa::path(tag = "pitch slots", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug"), ("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
#[delete("/events/{event}/pitch-slots/{id}/assignment")]
pub async fn unassign_pitch(
    state: web::Data<AppState>,
    _who: Allowed<Manage>,
    path: web::Path<(String, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (key, id) = path.into_inner();
    let event = events::find_visible(&state.db, &key, true).await?;
    pitch_slots::unassign(&state, event.id, id).await?;
    Ok(HttpResponse::NoContent().finish())
}
