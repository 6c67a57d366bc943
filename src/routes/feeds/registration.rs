//! `GET /registrations/{token}/calendar.ics`: an attendee's own feed.
use actix_web::{get, web, HttpRequest, HttpResponse};

use crate::error::ApiResult;
use crate::services::feeds;
use crate::state::AppState;

/// The attendee's event under a UID of its own (`registration-{id}@podium`): `CONFIRMED`,
/// `TENTATIVE` while waitlisted or unconfirmed, `CANCELLED` when the registration or the event
/// is. `HEAD` answers the headers alone.
#[utoipa::path(tag = "calendar feeds",
    params(
        ("token" = String, Path, description = "the registration's manage token"),
        ("If-None-Match" = Option<String>, Header, description = "ETags from an earlier answer (a list, or `*`): 304 when one matches"),
        ("If-Modified-Since" = Option<String>, Header, description = "HTTP date; 304 when the feed has not changed since (ignored with If-None-Match)"),
    ),
    responses(
        (status = 200, description = "The feed", content_type = "text/calendar", body = String,
            headers(("ETag" = String, description = "Strong: a hash of the body"), ("Last-Modified" = String),
                ("Cache-Control" = String, description = "`private, max-age=60`"),
                ("Content-Disposition" = String, description = "`inline; filename=\"{slug}-registration.ics\"`"))),
        (status = 304, description = "Unchanged since the validators sent",
            headers(("ETag" = String), ("Last-Modified" = String), ("Cache-Control" = String))),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
#[get("/registrations/{token}/calendar.ics")]
pub async fn registration_feed(
    state: web::Data<AppState>,
    token: web::Path<String>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    serve(state, token, req).await
}

/// The same answer as `GET` without the body: `Content-Length` and the validators only.
/// Documentation alone: `HEAD` is answered by the `GET` handler (`http::routes::head_as_get`).
#[utoipa::path(head, path = "/api/v1/registrations/{token}/calendar.ics", tag = "calendar feeds", operation_id = "registration_feed_head",
    params(
        ("token" = String, Path, description = "the registration's manage token"),
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
pub fn registration_feed_head() {}

async fn serve(
    state: web::Data<AppState>,
    token: web::Path<String>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let answer = feeds::registration(&state.db, &state.feeds, &state.public_url, &token).await?;
    Ok(super::respond(&req, &answer))
}
