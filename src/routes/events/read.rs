//! Reading events: the list, one event, an annual series.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::{get, http::header, web, web::Bytes, HttpResponse};
use chrono::Utc;
use entity::event::{self, EventStatus};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::{EventResponse, SeriesResponse};
use crate::error::{ApiError, ApiResult};
use crate::http::auth::MaybeOrganiser;
use crate::routes::pagination::{next_offset_cursor, Page, PageQuery};
use crate::services::events::{self, EventFilter};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
pub struct EventListQuery {
    /// `draft`, `published` or `cancelled` (drafts for organisers only).
    #[param(pattern = r"^(draft|published|cancelled)$")]
    pub status: Option<String>,
    /// Only editions of this annual series.
    pub series: Option<String>,
    /// Items per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page (with the same filters).
    #[param(pattern = r"^[A-Za-z0-9_-]+$")]
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
            only: who.0.as_ref().and_then(|o| o.event_scope()),
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

/// Events kept at most in [`EventJsonCache`] (about 2 KB each); all are dropped when reached.
const JSON_MAX: usize = 4096;

/// The event JSON as last serialised, per event: the row it was made from, and whether a
/// registration was open then (the one part that changes with the clock alone). The row comes
/// from [`crate::services::read_cache::EventReads::find_visible_counted`], so a cached answer
/// is reused only while the row, its seat counts included, is the same: every change through
/// this instance shows at once, through another within a second.
#[derive(Default)]
pub struct EventJsonCache {
    kept: Mutex<HashMap<Uuid, Arc<SerialisedEvent>>>,
}

struct SerialisedEvent {
    event: Arc<event::Model>,
    open: bool,
    body: Bytes,
    etag: String,
}

impl EventJsonCache {
    /// The answer for `event` as it is at `now`, serialised only when the row or the window
    /// changed since the last one.
    fn answer(
        &self,
        event: Arc<event::Model>,
        public_url: &str,
        now: chrono::DateTime<Utc>,
    ) -> ApiResult<Arc<SerialisedEvent>> {
        let open = super::registration_open(&event, now);
        let kept = self.lock().get(&event.id).cloned();
        if let Some(kept) = kept {
            if kept.open == open && Arc::ptr_eq(&kept.event, &event) {
                return Ok(kept);
            }
            if kept.open == open && kept.event == event {
                // The same row read again (a refresh of the copy): keep the body, remember the
                // new copy so that the next requests take the quick comparison.
                let same = Arc::new(SerialisedEvent {
                    event,
                    open,
                    body: kept.body.clone(),
                    etag: kept.etag.clone(),
                });
                self.put(same.clone());
                return Ok(same);
            }
        }
        let body = serde_json::to_vec(&EventResponse::at((*event).clone(), public_url, now))
            .map_err(|e| {
                ApiError::Internal(anyhow::Error::new(e).context("serialising an event"))
            })?;
        let made = Arc::new(SerialisedEvent {
            etag: super::etag(&event),
            event,
            open,
            body: Bytes::from(body),
        });
        self.put(made.clone());
        Ok(made)
    }

    fn put(&self, answer: Arc<SerialisedEvent>) {
        let mut kept = self.lock();
        if kept.len() >= JSON_MAX && !kept.contains_key(&answer.event.id) {
            kept.clear();
        }
        kept.insert(answer.event.id, answer);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Arc<SerialisedEvent>>> {
        // Entries are replaced whole, never edited in place: a poisoned lock is still fine.
        self.kept.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// One event by id or slug, with an ETag (of its editable state: `If-Match` for a `PATCH`).
/// The seat counts are current for changes through this instance, and at most a second old
/// for changes through another one on the same database.
#[utoipa::path(tag = "events", params(("event" = String, Path, description = "id or slug")),
    responses((status = 200, body = EventResponse, headers(("ETag" = String))), (status = 404, body = crate::error::Problem)))]
#[get("/events/{event}")]
pub async fn get_event(
    state: web::Data<AppState>,
    who: MaybeOrganiser,
    key: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let event = state
        .reads
        .find_visible_counted(&state.db, &key, who.is_organiser())
        .await?;
    let answer = state
        .event_json
        .answer(event, &state.public_url, Utc::now())?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, answer.etag.as_str()))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .content_type("application/json")
        .body(answer.body.clone()))
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
            only: who.0.as_ref().and_then(|o| o.event_scope()),
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
