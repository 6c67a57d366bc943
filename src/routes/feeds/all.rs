//! `GET /calendar.ics`: every published or cancelled event.
use actix_web::{get, web, HttpRequest, HttpResponse};

use crate::error::ApiResult;
use crate::services::feeds;
use crate::state::AppState;

/// Every published or cancelled event as an iCalendar feed (cancelled ones with
/// `STATUS:CANCELLED`). `HEAD` answers the same headers without the body.
#[utoipa::path(tag = "calendar feeds",
    params(
        ("If-None-Match" = Option<String>, Header, description = "ETags from an earlier answer (a list, or `*`): 304 when one matches"),
        ("If-Modified-Since" = Option<String>, Header, description = "HTTP date; 304 when the feed has not changed since (ignored with If-None-Match)"),
    ),
    responses(
        (status = 200, description = "The feed", content_type = "text/calendar", body = String,
            headers(("ETag" = String, description = "Strong: a hash of the body"), ("Last-Modified" = String),
                ("Cache-Control" = String, description = "`public, max-age=60`"),
                ("Content-Disposition" = String, description = "`inline; filename=\"podium.ics\"`"))),
        (status = 304, description = "Unchanged since the validators sent",
            headers(("ETag" = String), ("Last-Modified" = String), ("Cache-Control" = String))),
    ))]
#[get("/calendar.ics")]
pub async fn all_events_feed(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    serve(state, req).await
}

/// The same answer as `GET` without the body: `Content-Length` and the validators only.
/// Documentation alone: `HEAD` is answered by the `GET` handler (`http::routes::head_as_get`).
#[utoipa::path(head, path = "/api/v1/calendar.ics", tag = "calendar feeds", operation_id = "all_events_feed_head",
    params(
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
pub fn all_events_feed_head() {}

async fn serve(state: web::Data<AppState>, req: HttpRequest) -> ApiResult<HttpResponse> {
    let answer =
        feeds::all_events(&state.db, &state.feeds, &state.reads, &state.public_url).await?;
    Ok(super::respond(&req, &answer))
}
