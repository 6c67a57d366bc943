//! The slots of an event, and one slot.
use actix_web::{get, web};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::SlotResponse;
use crate::error::ApiResult;
use crate::http::auth::{need::Manage, Allowed, MaybeOrganiser};
use crate::routes::pagination::{next_offset_cursor, Page, PageQuery};
use crate::services::{events, pitch_slots, programme};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
pub struct SlotListQuery {
    /// Only the slots of this stage.
    pub stage_id: Option<Uuid>,
    /// Items per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page (with the same filters).
    #[param(pattern = r"^[A-Za-z0-9_-]+$")]
    pub cursor: Option<String>,
}

/// The slots by time, with their assigned pitch. Read publicly (published events; no e-mail
/// addresses, no tokens): the programme of the last release (empty before the first release).
/// Read by an organiser of the event: the draft programme, as assignments and moves left it,
/// with the presenters' e-mail; draft events too. `GET …/schedule/draft` lists what changed
/// since the last release.
#[utoipa::path(tag = "pitch slots",
    params(("event" = String, Path, description = "id or slug"), SlotListQuery),
    responses((status = 200, body = Page<SlotResponse>), (status = 404, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
#[get("/events/{event}/pitch-slots")]
pub async fn list_slots(
    state: web::Data<AppState>,
    who: MaybeOrganiser,
    key: web::Path<String>,
    query: web::Query<SlotListQuery>,
) -> ApiResult<web::Json<Page<SlotResponse>>> {
    let query = query.into_inner();
    let organiser = who.is_organiser();
    let event = events::find_visible(&state.db, &key, organiser).await?;
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    let (limit, offset) = (page.limit()?, page.offset()?);
    let programme = if organiser {
        programme::load_draft(&state.db, event.id).await?
    } else {
        programme::load(&state.db, event.id).await?
    };
    let matching: Vec<SlotResponse> = programme
        .slots
        .iter()
        .filter(|s| query.stage_id.is_none_or(|id| s.stage_id == id))
        .filter_map(|slot| {
            programme.stage(slot.stage_id).map(|stage| {
                SlotResponse::new(
                    slot,
                    stage,
                    programme.pitch_of(slot),
                    &event.timezone,
                    organiser,
                )
            })
        })
        .collect();
    let total = matching.len() as u64;
    let items: Vec<SlotResponse> = matching
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .collect();
    Ok(web::Json(Page {
        next_cursor: next_offset_cursor(offset, items.len(), total),
        items,
        total,
    }))
}

/// One slot with its pitch.
#[utoipa::path(tag = "pitch slots", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug"), ("id" = Uuid, Path)),
    responses((status = 200, body = SlotResponse), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[get("/events/{event}/pitch-slots/{id}")]
pub async fn get_slot(
    state: web::Data<AppState>,
    _who: Allowed<Manage>,
    path: web::Path<(String, Uuid)>,
) -> ApiResult<web::Json<SlotResponse>> {
    let (key, id) = path.into_inner();
    let event = events::find_visible(&state.db, &key, true).await?;
    let view = pitch_slots::get(&state.db, event.id, id).await?;
    Ok(web::Json(SlotResponse::of_view(&view, &event.timezone)))
}
