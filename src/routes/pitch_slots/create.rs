//! `POST /events/{event}/pitch-slots`: one slot.
use actix_web::{post, web, HttpResponse};

use super::{CreateSlot, SlotResponse};
use crate::domain::{text::Validator, time::parse_instant};
use crate::error::{ApiError, ApiResult};
use crate::http::auth::{need::Manage, Allowed};
use crate::services::events;
use crate::services::pitch_slots::{self, Placement};
use crate::state::AppState;

/// Create a slot on a stage. 409 when it overlaps a slot on the same stage (back-to-back is
/// fine); 422 when it ends before it starts, lies outside the event or names another stage.
#[utoipa::path(tag = "pitch slots", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug")), request_body = CreateSlot,
    responses((status = 201, body = SlotResponse, headers(("Location" = String))),
        (status = 401, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/events/{event}/pitch-slots")]
pub async fn create_slot(
    state: web::Data<AppState>,
    _who: Allowed<Manage>,
    key: web::Path<String>,
    body: crate::http::extract::Json<CreateSlot>,
) -> ApiResult<HttpResponse> {
    let event = events::find_visible(&state.db, &key, true).await?;
    let mut v = Validator::new();
    let starts_at = v.check(parse_instant("starts_at", &body.starts_at));
    let ends_at = v.check(parse_instant("ends_at", &body.ends_at));
    v.finish()?;
    let (Some(starts_at), Some(ends_at)) = (starts_at, ends_at) else {
        return Err(ApiError::BadRequest("invalid slot".to_owned()));
    };
    let placement = Placement {
        stage_id: body.stage_id,
        starts_at,
        ends_at,
    };
    let (event, view) = pitch_slots::create(&state, event.id, placement).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/events/{}/pitch-slots/{}", event.id, view.slot.id),
        ))
        .json(SlotResponse::of_view(&view, &event.timezone)))
}
