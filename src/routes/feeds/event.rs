//! `GET /events/{event}/calendar.ics`: one event and its programme.
use actix_web::{get, web, HttpRequest, HttpResponse};

use crate::error::ApiResult;
use crate::http::auth::MaybeOrganiser;
use crate::services::feeds;
use crate::state::AppState;

/// One event and each assigned pitch slot as its own entry (UID `pitch-{id}@podium`, SUMMARY
/// "title — organisation", LOCATION "stage, venue"). A cancelled event keeps its entries with
/// `STATUS:CANCELLED`. A draft is a 404 except for organisers. `HEAD` answers the headers alone.
#[utoipa::path(tag = "calendar feeds",
    params(
        ("event" = String, Path, description = "id or slug"),
        ("If-None-Match" = Option<String>, Header, description = "ETags from an earlier answer (a list, or `*`): 304 when one matches"),
        ("If-Modified-Since" = Option<String>, Header, description = "HTTP date; 304 when the feed has not changed since (ignored with If-None-Match)"),
    ),
    responses(
        (status = 200, description = "The feed", content_type = "text/calendar", body = String,
            headers(("ETag" = String, description = "Strong: a hash of the body"), ("Last-Modified" = String),
                ("Cache-Control" = String, description = "`public, max-age=60` (`private` for a draft)"),
                ("Content-Disposition" = String, description = "`inline; filename=\"{slug}.ics\"`"))),
        (status = 304, description = "Unchanged since the validators sent",
            headers(("ETag" = String), ("Last-Modified" = String), ("Cache-Control" = String))),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
#[get("/events/{event}/calendar.ics")]
pub async fn event_feed(
    state: web::Data<AppState>,
    who: MaybeOrganiser,
    key: web::Path<String>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    serve(state, who, key, req).await
}

/// The same answer as `GET` without the body: `Content-Length` and the validators only.
/// Documentation alone: `HEAD` is answered by the `GET` handler (`http::routes::head_as_get`).
#[utoipa::path(head, path = "/api/v1/events/{event}/calendar.ics", tag = "calendar feeds", operation_id = "event_feed_head",
    params(
        ("event" = String, Path, description = "id or slug"),
        ("If-None-Match" = Option<String>, Header, description = "as for GET"),
        ("If-Modified-Since" = Option<String>, Header, description = "as for GET"),
    ),
    responses(
        (status = 200, description = "The headers of the feed",
            headers(("ETag" = String), ("Last-Modified" = String), ("Cache-Control" = String),
                ("Content-Type" = String), ("Content-Length" = String), ("Content-Disposition" = String))),
        (status = 304, description = "Unchanged since the validators sent"),
        (status = 404, description = "No such feed"),
    ))]
#[allow(dead_code, reason = "only its OpenAPI description is used")]
pub fn event_feed_head() {}

async fn serve(
    state: web::Data<AppState>,
    who: MaybeOrganiser,
    key: web::Path<String>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let answer = feeds::event(
        &state.db,
        &state.feeds,
        &state.reads,
        &state.public_url,
        &key,
        who.is_organiser(),
    )
    .await?;
    Ok(super::respond(&req, &answer))
}
