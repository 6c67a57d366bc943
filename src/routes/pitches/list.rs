//! The organisers' pitch list and single pitch.
use actix_web::{get, web};
use entity::pitch::PitchStatus;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::{PitchResponse, TeamPitch};
use crate::error::{ApiError, ApiResult};
use crate::http::auth::{need::Review, Allowed};
use crate::routes::pagination::{next_offset_cursor, Page, PageQuery};
use crate::services::pitches::{self, PitchFilter};
use crate::services::{events, reviews};
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

/// The event's pitches, oldest first, with the slot each holds and the review table's numbers
/// (`review_count`, `score`, `score_median`, `score_stddev`, `score_min`, `score_max`: see
/// the schema). A `reviewer` sees the numbers of the pitches they reviewed, and under
/// anonymous review no presenter.
#[utoipa::path(tag = "pitches", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug"), PitchListQuery),
    responses((status = 200, body = Page<TeamPitch>), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[get("/events/{event}/pitches")]
pub async fn list_pitches(
    state: web::Data<AppState>,
    who: Allowed<Review>,
    key: web::Path<String>,
    query: web::Query<PitchListQuery>,
) -> ApiResult<web::Json<Page<TeamPitch>>> {
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
    let viewer = &who.0 .1;
    let ids: Vec<Uuid> = items.iter().map(|v| v.pitch.id).collect();
    let mut table = reviews::table(&state.db, event.id, &ids, viewer).await?;
    let anonymous = reviews::hides_presenters(&state.db, event.id, viewer).await?;
    Ok(web::Json(Page {
        next_cursor: next_offset_cursor(offset, items.len(), total),
        items: items
            .into_iter()
            .map(|v| {
                let numbers = table.remove(&v.pitch.id).unwrap_or_default();
                TeamPitch::new(PitchResponse::new(v, &event.timezone), numbers, anonymous)
            })
            .collect(),
        total,
    }))
}

/// One pitch of the event, with its review numbers as in the list.
#[utoipa::path(tag = "pitches", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug"), ("id" = Uuid, Path)),
    responses((status = 200, body = TeamPitch), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[get("/events/{event}/pitches/{id}")]
pub async fn get_pitch(
    state: web::Data<AppState>,
    who: Allowed<Review>,
    path: web::Path<(String, Uuid)>,
) -> ApiResult<web::Json<TeamPitch>> {
    let (key, id) = path.into_inner();
    let event = events::find_visible(&state.db, &key, true).await?;
    let view = pitches::get(&state.db, event.id, id).await?;
    let viewer = &who.0 .1;
    let numbers = reviews::table(&state.db, event.id, &[id], viewer)
        .await?
        .remove(&id)
        .unwrap_or_default();
    let anonymous = reviews::hides_presenters(&state.db, event.id, viewer).await?;
    Ok(web::Json(TeamPitch::new(
        PitchResponse::new(view, &event.timezone),
        numbers,
        anonymous,
    )))
}
