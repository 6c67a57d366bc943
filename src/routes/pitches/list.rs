//! The organisers' pitch list and single pitch.
use actix_web::{get, web};
use entity::pitch::PitchStatus;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::PitchResponse;
use crate::error::{ApiError, ApiResult};
use crate::http::auth::{need::Review, Allowed};
use crate::routes::pagination::{next_offset_cursor, Page, PageQuery};
use crate::services::events;
use crate::services::pitches::{self, PitchFilter};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
pub struct PitchListQuery {
    /// `submitted`, `accepted`, `rejected` or `withdrawn`.
    #[param(pattern = r"^(submitted|accepted|rejected|withdrawn)$")]
    pub status: Option<String>,
    /// Items per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page (with the same filters).
    #[param(pattern = r"^[A-Za-z0-9_-]+$")]
    pub cursor: Option<String>,
}

fn parse_status(value: &str) -> Result<PitchStatus, ApiError> {
    match value {
        "submitted" => Ok(PitchStatus::Submitted),
        "accepted" => Ok(PitchStatus::Accepted),
        "rejected" => Ok(PitchStatus::Rejected),
        "withdrawn" => Ok(PitchStatus::Withdrawn),
        _ => Err(ApiError::invalid(
            "status",
            "must be submitted, accepted, rejected or withdrawn",
        )),
    }
}

/// The event's pitches, oldest first, with the slot each holds.
#[utoipa::path(tag = "pitches", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug"), PitchListQuery),
    responses((status = 200, body = Page<PitchResponse>), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[get("/events/{event}/pitches")]
pub async fn list_pitches(
    state: web::Data<AppState>,
    _who: Allowed<Review>,
    key: web::Path<String>,
    query: web::Query<PitchListQuery>,
) -> ApiResult<web::Json<Page<PitchResponse>>> {
    let query = query.into_inner();
    let event = events::find_visible(&state.db, &key, true).await?;
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    let (limit, offset) = (page.limit()?, page.offset()?);
    let status = query.status.as_deref().map(parse_status).transpose()?;
    let (items, total) = pitches::list(
        &state.db,
        event.id,
        PitchFilter {
            status,
            offset,
            limit,
        },
    )
    .await?;
    Ok(web::Json(Page {
        next_cursor: next_offset_cursor(offset, items.len(), total),
        items: items
            .into_iter()
            .map(|v| PitchResponse::new(v, &event.timezone))
            .collect(),
        total,
    }))
}

/// One pitch of the event.
#[utoipa::path(tag = "pitches", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug"), ("id" = Uuid, Path)),
    responses((status = 200, body = PitchResponse), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[get("/events/{event}/pitches/{id}")]
pub async fn get_pitch(
    state: web::Data<AppState>,
    _who: Allowed<Review>,
    path: web::Path<(String, Uuid)>,
) -> ApiResult<web::Json<PitchResponse>> {
    let (key, id) = path.into_inner();
    let event = events::find_visible(&state.db, &key, true).await?;
    let view = pitches::get(&state.db, event.id, id).await?;
    Ok(web::Json(PitchResponse::new(view, &event.timezone)))
}
