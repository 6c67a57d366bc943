//! `POST /events/{event}/pitch-slots/generate`: a run of back-to-back slots.
use actix_web::{post, web, HttpResponse};

use super::{GenerateSlots, SlotResponse};
use crate::domain::{text::Validator, time::parse_instant};
use crate::error::{ApiError, ApiResult};
use crate::http::auth::{need::Manage, Allowed};
use crate::services::events;
use crate::services::pitch_slots::{self, Generate};
use crate::state::AppState;

/// Create slots of `slot_minutes` separated by `gap_minutes` from `from` while a whole slot fits
/// before `to`. All or nothing: 409 if any would overlap an existing slot on the stage.
#[utoipa::path(tag = "pitch slots", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug")), request_body = GenerateSlots,
    responses((status = 201, body = Vec<SlotResponse>, headers(("Location" = String))),
        (status = 401, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/events/{event}/pitch-slots/generate")]
pub async fn generate_slots(
    state: web::Data<AppState>,
    _who: Allowed<Manage>,
    key: web::Path<String>,
    body: crate::http::extract::Json<GenerateSlots>,
) -> ApiResult<HttpResponse> {
    let event = events::find_visible(&state.db, &key, true).await?;
    let mut v = Validator::new();
    let from = v.check(parse_instant("from", &body.from));
    let to = v.check(parse_instant("to", &body.to));
    v.finish()?;
    let (Some(from), Some(to)) = (from, to) else {
        return Err(ApiError::BadRequest("invalid slot run".to_owned()));
    };
    let (event, created) = pitch_slots::generate(
        &state,
        event.id,
        Generate {
            stage_id: body.stage_id,
            from,
            to,
            slot_minutes: body.slot_minutes,
            gap_minutes: body.gap_minutes,
        },
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!(
                "/api/v1/events/{}/pitch-slots?stage_id={}",
                event.id, body.stage_id
            ),
        ))
        .json(
            created
                .iter()
                .map(|v| SlotResponse::of_view(v, &event.timezone))
                .collect::<Vec<_>>(),
        ))
}
