//! Reading events: the list, one event, an annual series.
use actix_web::{get, web, HttpResponse};
use entity::event::EventStatus;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{EventResponse, SeriesResponse};
use crate::auth::MaybeOrganiser;
use crate::error::{ApiError, ApiResult};
use crate::routes::pagination::{next_offset_cursor, Page, PageQuery};
use crate::services::events::{self, EventFilter};
use crate::startup::AppState;

#[derive(Debug, Deserialize, IntoParams)]
pub struct EventListQuery {
    /// `draft`, `published` or `cancelled` (drafts for organisers only).
    pub status: Option<String>,
    /// Only editions of this annual series.
    pub series: Option<String>,
    /// Items per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page (with the same filters).
    pub cursor: Option<String>,
}

fn parse_status(value: &str) -> Result<EventStatus, ApiError> {
    match value {
        "draft" => Ok(EventStatus::Draft),
        "published" => Ok(EventStatus::Published),
        "cancelled" => Ok(EventStatus::Cancelled),
        _ => Err(ApiError::invalid(
            "status",
            "must be draft, published or cancelled",
        )),
    }
}

/// Visible statuses: the public sees published and cancelled events, organisers also drafts.
fn visible(organiser: bool) -> Vec<EventStatus> {
    if organiser {
        vec![
            EventStatus::Draft,
            EventStatus::Published,
            EventStatus::Cancelled,
        ]
    } else {
        vec![EventStatus::Published, EventStatus::Cancelled]
    }
}

/// List events, soonest first.
#[utoipa::path(tag = "events", params(EventListQuery),
    responses((status = 200, body = Page<EventResponse>), (status = 422, body = crate::error::Problem)))]
#[get("/events")]
pub async fn list_events(
    state: web::Data<AppState>,
    who: MaybeOrganiser,
    query: web::Query<EventListQuery>,
) -> ApiResult<web::Json<Page<EventResponse>>> {
    let query = query.into_inner();
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    let (limit, offset) = (page.limit()?, page.offset()?);
    let mut statuses = visible(who.is_organiser());
    if let Some(status) = &query.status {
        let wanted = parse_status(status)?;
        statuses.retain(|s| *s == wanted);
    }
    let (items, total) = events::list(
        &state.db,
        EventFilter {
            statuses,
            series: query.series,
            offset,
            limit,
        },
    )
    .await?;
    Ok(web::Json(Page {
        next_cursor: next_offset_cursor(offset, items.len(), total),
        items: items
            .into_iter()
            .map(|m| EventResponse::new(m, &state.public_url))
            .collect(),
        total,
    }))
}

/// One event by id or slug, with an ETag.
#[utoipa::path(tag = "events", params(("event" = String, Path, description = "id or slug")),
    responses((status = 200, body = EventResponse, headers(("ETag" = String))), (status = 404, body = crate::error::Problem)))]
#[get("/events/{event}")]
pub async fn get_event(
    state: web::Data<AppState>,
    who: MaybeOrganiser,
    key: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let event = events::find_visible(&state.db, &key, who.is_organiser()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", super::etag(&event)))
        .insert_header(("Cache-Control", "no-cache"))
        .json(EventResponse::new(event, &state.public_url)))
}

/// The editions of an annual series, oldest first.
#[utoipa::path(tag = "events", params(("slug" = String, Path)),
    responses((status = 200, body = SeriesResponse), (status = 404, body = crate::error::Problem)))]
#[get("/series/{slug}")]
pub async fn get_series(
    state: web::Data<AppState>,
    who: MaybeOrganiser,
    slug: web::Path<String>,
) -> ApiResult<web::Json<SeriesResponse>> {
    let slug = slug.into_inner();
    let (items, _) = events::list(
        &state.db,
        EventFilter {
            statuses: visible(who.is_organiser()),
            series: Some(slug.clone()),
            offset: 0,
            limit: 1000,
        },
    )
    .await?;
    if items.is_empty() {
        return Err(ApiError::NotFound(format!("no series '{slug}'")));
    }
    Ok(web::Json(SeriesResponse {
        slug,
        editions: items
            .into_iter()
            .map(|m| EventResponse::new(m, &state.public_url))
            .collect(),
    }))
}
