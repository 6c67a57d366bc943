//! `PATCH /events/{event}/pitch-slots/{id}`: move, resize, re-stage.
use actix_web::{patch, web};
use uuid::Uuid;

use super::{SlotResponse, UpdateSlot};
use crate::domain::{text::Validator, time::parse_instant};
use crate::error::ApiResult;
use crate::http::auth::{need::Manage, Allowed};
use crate::services::events;
use crate::services::pitch_slots::{self, SlotChange};
use crate::state::AppState;

/// Move a slot. 409 when it would overlap another slot on its stage or, if assigned, put the
/// presenter in two places; 422 outside the event or when the pitch no longer fits. An
/// assigned presenter is mailed the change (with an updated calendar entry, same UID) by the
/// next release (`POST …/schedule/releases`): moves in the draft mail nobody.
#[utoipa::path(tag = "pitch slots", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug"), ("id" = Uuid, Path)),
    request_body = UpdateSlot,
    responses((status = 200, body = SlotResponse), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
#[patch("/events/{event}/pitch-slots/{id}")]
pub async fn update_slot(
    state: web::Data<AppState>,
    _who: Allowed<Manage>,
    path: web::Path<(String, Uuid)>,
    body: crate::http::extract::Json<UpdateSlot>,
) -> ApiResult<web::Json<SlotResponse>> {
    let (key, id) = path.into_inner();
    let event = events::find_visible(&state.db, &key, true).await?;
    let mut v = Validator::new();
    let starts_at = body
        .starts_at
        .as_deref()
        .and_then(|s| v.check(parse_instant("starts_at", s)));
    let ends_at = body
        .ends_at
        .as_deref()
        .and_then(|s| v.check(parse_instant("ends_at", s)));
    v.finish()?;
    let change = SlotChange {
        stage_id: body.stage_id,
        starts_at,
        ends_at,
    };
    let (event, view) = pitch_slots::update(&state, event.id, id, change).await?;
    Ok(web::Json(SlotResponse::of_view(&view, &event.timezone)))
}
