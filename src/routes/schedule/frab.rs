//! `GET /events/{event}/schedule.xml` and `schedule.json`: the programme in the frab format
//! conference apps read (see `services::frab`).
use std::sync::Arc;

use actix_web::{get, web, HttpRequest, HttpResponse};
use entity::event::EventStatus;

use crate::error::{ApiError, ApiResult};
use crate::http::auth::MaybeOrganiser;
use crate::routes::feeds as feeds_routes;
use crate::services::feeds::{self, FeedId, RenderedFeed};
use crate::services::frab::FrabSchedule;
use crate::services::programme;
use crate::state::AppState;

/// How long clients and (for a published event) shared caches may reuse a schedule unasked.
const MAX_AGE_SECONDS: u32 = 60;

#[derive(Clone, Copy)]
enum Format {
    Xml,
    Json,
}

/// The programme as frab's `schedule.xml` (the c3voc XSD): rooms are the stages, one `day`
/// per calendar day of the event in its zone, one `event` per scheduled pitch with a stable
/// `guid` (the pitch's id) and numeric `id`; the presenter's name and nothing personal
/// beyond it. Public for published and cancelled events; organisers also see drafts. Kept
/// rendered per event version; `ETag` (a hash of the body) with 304, and `HEAD`.
#[utoipa::path(tag = "pitch slots",
    params(
        ("event" = String, Path, description = "id or slug"),
        ("If-None-Match" = Option<String>, Header, description = "ETags from an earlier answer (a list, or `*`): 304 when one matches"),
    ),
    responses(
        (status = 200, description = "frab schedule XML (c3voc schema `schedule.xml.xsd`)",
            content_type = "application/xml", body = String,
            headers(("ETag" = String, description = "Strong: a hash of the body"),
                ("Cache-Control" = String, description = "`public, max-age=60` (`private` for a draft)"))),
        (status = 304, description = "Unchanged since the ETag sent", headers(("ETag" = String))),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
#[get("/events/{event}/schedule.xml")]
pub async fn schedule_xml(
    state: web::Data<AppState>,
    who: MaybeOrganiser,
    key: web::Path<String>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    serve(state, who, key, req, Format::Xml).await
}

/// The programme as frab's `schedule.json` (the c3voc JSON schema `schema.json`): the same
/// content as `schedule.xml`, `conference.days[].rooms` keyed by stage name. Public for
/// published and cancelled events; organisers also see drafts. `ETag` with 304, and `HEAD`.
#[utoipa::path(tag = "pitch slots",
    params(
        ("event" = String, Path, description = "id or slug"),
        ("If-None-Match" = Option<String>, Header, description = "ETags from an earlier answer (a list, or `*`): 304 when one matches"),
    ),
    responses(
        (status = 200, description = "frab schedule JSON (c3voc schema)",
            content_type = "application/json", body = Object,
            headers(("ETag" = String, description = "Strong: a hash of the body"),
                ("Cache-Control" = String, description = "`public, max-age=60` (`private` for a draft)"))),
        (status = 304, description = "Unchanged since the ETag sent", headers(("ETag" = String))),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
#[get("/events/{event}/schedule.json")]
pub async fn schedule_json(
    state: web::Data<AppState>,
    who: MaybeOrganiser,
    key: web::Path<String>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    serve(state, who, key, req, Format::Json).await
}

/// The same answer as `GET …/schedule.xml` without the body. Documentation alone: `HEAD` is
/// answered by the `GET` handler (`http::routes::head_as_get`).
#[utoipa::path(head, path = "/api/v1/events/{event}/schedule.xml", tag = "pitch slots", operation_id = "schedule_xml_head",
    params(
        ("event" = String, Path, description = "id or slug"),
        ("If-None-Match" = Option<String>, Header, description = "as for GET"),
    ),
    responses(
        (status = 200, description = "The headers of the schedule",
            headers(("ETag" = String), ("Cache-Control" = String), ("Content-Type" = String), ("Content-Length" = String))),
        (status = 304, description = "Unchanged since the ETag sent"),
        (status = 404, description = "No such event"),
    ))]
#[allow(dead_code, reason = "only its OpenAPI description is used")]
pub fn schedule_xml_head() {}

/// The same answer as `GET …/schedule.json` without the body (documentation alone, as for
/// the XML).
#[utoipa::path(head, path = "/api/v1/events/{event}/schedule.json", tag = "pitch slots", operation_id = "schedule_json_head",
    params(
        ("event" = String, Path, description = "id or slug"),
        ("If-None-Match" = Option<String>, Header, description = "as for GET"),
    ),
    responses(
        (status = 200, description = "The headers of the schedule",
            headers(("ETag" = String), ("Cache-Control" = String), ("Content-Type" = String), ("Content-Length" = String))),
        (status = 304, description = "Unchanged since the ETag sent"),
        (status = 404, description = "No such event"),
    ))]
#[allow(dead_code, reason = "only its OpenAPI description is used")]
pub fn schedule_json_head() {}

async fn serve(
    state: web::Data<AppState>,
    who: MaybeOrganiser,
    key: web::Path<String>,
    req: HttpRequest,
    format: Format,
) -> ApiResult<HttpResponse> {
    let event = state
        .reads
        .find_visible(&state.db, &key, who.is_organiser())
        .await?;
    let id = match format {
        Format::Xml => FeedId::FrabXml(event.id),
        Format::Json => FeedId::FrabJson(event.id),
    };
    let fingerprint = feeds::fingerprint_of(event.version);
    let rendered = match state.feeds.get(id, fingerprint) {
        Some(rendered) => rendered,
        None => {
            let programme = programme::load(&state.db, event.id).await?;
            let schedule = FrabSchedule::build(&event, &programme, &state.public_url);
            let body = match format {
                Format::Xml => schedule.to_xml(),
                Format::Json => serde_json::to_string(&schedule.to_json())
                    .map_err(|e| ApiError::Internal(e.into()))?,
            };
            let rendered = Arc::new(RenderedFeed::from_body(body, None));
            state.feeds.put(id, fingerprint, rendered.clone());
            rendered
        }
    };
    let (content_type, filename) = match format {
        Format::Xml => ("application/xml; charset=utf-8", "schedule.xml"),
        Format::Json => ("application/json", "schedule.json"),
    };
    let scope = if event.status == EventStatus::Draft {
        "private"
    } else {
        "public"
    };
    Ok(feeds_routes::conditional(
        &req,
        &rendered,
        content_type,
        Some(format!("{scope}, max-age={MAX_AGE_SECONDS}")),
        Some(format!("inline; filename=\"{}-{filename}\"", event.slug)),
    ))
}
