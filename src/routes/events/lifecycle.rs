//! Publishing, cancelling and the next edition.
use actix_web::{post, web, HttpResponse};

use super::{CloneEvent, EventResponse};
use crate::domain::text::{self, Validator};
use crate::domain::{event as rules, time::parse_instant, Slug};
use crate::error::{ApiError, ApiResult};
use crate::http::auth::{need::Manage, Allowed};
use crate::services::events;
use crate::state::AppState;

/// Each field checked on its own; every invalid one named at once (422).
impl TryFrom<CloneEvent> for events::NextEdition {
    type Error = ApiError;

    fn try_from(body: CloneEvent) -> Result<Self, ApiError> {
        let mut v = Validator::new();
        let starts_at = v.check(parse_instant("starts_at", &body.starts_at));
        let slug = match &body.slug {
            Some(s) => v.check(Slug::parse("slug", s)).map(Some),
            None => Some(None),
        };
        let title = match &body.title {
            Some(t) => v
                .check(text::one_line("title", t, rules::TITLE_MAX))
                .map(Some),
            None => Some(None),
        };
        v.finish()?;
        let (Some(starts_at), Some(slug), Some(title)) = (starts_at, slug, title) else {
            return Err(ApiError::BadRequest("invalid clone request".to_owned()));
        };
        Ok(Self {
            starts_at,
            slug,
            title,
        })
    }
}

/// Publish a draft: it becomes visible and open for registration.
#[utoipa::path(tag = "events", security(("bearer" = [])), params(("event" = String, Path)),
    responses((status = 200, body = EventResponse), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
#[post("/events/{event}/publish")]
pub async fn publish_event(
    state: web::Data<AppState>,
    _who: Allowed<Manage>,
    key: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let event = events::find_visible(&state.db, &key, true).await?;
    let event = events::publish(&state.db, event.id).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", super::etag(&event)))
        .json(EventResponse::new(event, &state.public_url)))
}

/// Cancel the event: every active attendee, presenter and exhibitor is mailed; feeds mark it
/// cancelled. A draft is a 409: a cancelled event is public, and a draft was never announced.
#[utoipa::path(tag = "events", security(("bearer" = [])), params(("event" = String, Path)),
    responses((status = 200, body = EventResponse), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
#[post("/events/{event}/cancel")]
pub async fn cancel_event(
    state: web::Data<AppState>,
    _who: Allowed<Manage>,
    key: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let found = events::find_visible(&state.db, &key, true).await?;
    let event = events::cancel(&state, found.id).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", super::etag(&event)))
        .json(EventResponse::new(event, &state.public_url)))
}

/// The next edition of an annual conference: copies stages, the slot layout and the
/// registration questions; every time keeps its local time and day offset in the event's
/// zone (DST-correct); no people.
#[utoipa::path(tag = "events", security(("bearer" = [])), params(("event" = String, Path)), request_body = CloneEvent,
    responses((status = 201, body = EventResponse, headers(("Location" = String))),
        (status = 401, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/events/{event}/clone")]
pub async fn clone_event(
    state: web::Data<AppState>,
    who: Allowed<Manage>,
    key: web::Path<String>,
    body: crate::http::extract::Json<CloneEvent>,
) -> ApiResult<HttpResponse> {
    who.require(crate::domain::member::Permission::CreateEvents, None)?;
    let source = events::find_visible(&state.db, &key, true).await?;
    let next = events::NextEdition::try_from(body.into_inner())?;
    let events::Once::New(event, _) = events::clone_edition(&state, source, next, None).await?
    else {
        return Err(ApiError::conflict("the next edition was made already"));
    };
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/events/{}", event.id)))
        .insert_header(("ETag", super::etag(&event)))
        .json(EventResponse::new(event, &state.public_url)))
}
