//! `GET /events/{event}/schedule`: the public programme (the last release), by stage and time;
//! and the releases (`releases`).
mod releases;

use std::sync::Arc;

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, FixedOffset};
use entity::event::{self, EventStatus};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::domain::time::in_zone;
use crate::error::{ApiError, ApiResult};
use crate::http::auth::MaybeOrganiser;
use crate::routes::feeds as feeds_routes;
use crate::services::feeds::{self, FeedId, RenderedFeed};
use crate::services::programme::{self, Programme};
use crate::state::AppState;

/// What `web::Json` answered with before the schedule was cached.
const CONTENT_TYPE: &str = "application/json";

mod frab;

/// The frab schedules' `HEAD` in the OpenAPI document (conference apps ask it before they
/// fetch); answered by the `GET` handlers like every other `HEAD`.
#[derive(utoipa::OpenApi)]
#[openapi(paths(frab::schedule_xml_head, frab::schedule_json_head))]
pub struct HeadDocs;

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(schedule)
        .service(frab::schedule_xml)
        .service(frab::schedule_json)
        .service(releases::create_release)
        .service(releases::list_releases)
        .service(releases::get_release)
        .service(releases::draft);
}

/// What the programme shows of a pitch: no e-mail address, no token.
#[derive(Debug, Serialize, ToSchema)]
pub struct SchedulePitch {
    /// The pitch's id.
    pub id: Uuid,
    /// The pitch's title.
    pub title: String,
    /// What the pitch is about, plain text (may be empty).
    #[serde(rename = "abstract")]
    pub abstract_text: String,
    /// The presenter's organisation.
    pub organisation: String,
    /// Who presents.
    pub presenter_name: String,
    /// Length of the pitch in minutes (1 to 240).
    pub duration_minutes: i32,
}

/// A slot in the programme.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleSlot {
    /// The slot's id.
    pub id: Uuid,
    /// Start: event-local time with offset.
    pub starts_at: DateTime<FixedOffset>,
    /// End: event-local time with offset.
    pub ends_at: DateTime<FixedOffset>,
    /// No pitch assigned yet; `pitch` is then `null`.
    pub open: bool,
    /// The pitch in the slot; `null` when open.
    pub pitch: Option<SchedulePitch>,
}

/// A stage in the programme.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleStage {
    /// The stage's id.
    pub id: Uuid,
    /// The stage's name.
    pub name: String,
    /// What and where the stage is (may be empty).
    pub description: String,
    /// By start time.
    pub slots: Vec<ScheduleSlot>,
}

/// An event's programme.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleResponse {
    /// The event's id.
    pub event_id: Uuid,
    /// The event's slug.
    pub slug: String,
    /// The event's title.
    pub title: String,
    /// IANA time zone of the event; all times are shown in it.
    pub timezone: String,
    /// `published`, `cancelled`, or `draft` (organisers only).
    pub status: EventStatus,
    /// In programme order (stage position); every stage, even without slots.
    pub stages: Vec<ScheduleStage>,
}

/// The programme as last released (`POST …/schedule/releases`), never the draft: stages in
/// order, each with its slots by time; open slots are listed with `open: true` and no pitch.
/// Before the first release every stage is listed without slots. Public for published and cancelled events; organisers also see
/// drafts. Read in a fixed number of queries however large the programme, and kept rendered per
/// event version (see `services::feeds`), with a strong `ETag` for conditional requests.
#[utoipa::path(tag = "pitch slots",
    params(
        ("event" = String, Path, description = "id or slug"),
        ("If-None-Match" = Option<String>, Header, description = "ETags from an earlier answer (a list, or `*`): 304 when one matches"),
    ),
    responses(
        (status = 200, body = ScheduleResponse,
            headers(("ETag" = String, description = "Strong: a hash of the body"))),
        (status = 304, description = "Unchanged since the ETag sent", headers(("ETag" = String))),
        (status = 404, body = crate::error::Problem),
    ))]
#[get("/events/{event}/schedule")]
pub async fn schedule(
    state: web::Data<AppState>,
    who: MaybeOrganiser,
    key: web::Path<String>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let event = state
        .reads
        .find_visible(&state.db, &key, who.is_organiser())
        .await?;
    let id = FeedId::Schedule(event.id);
    let fingerprint = feeds::fingerprint_of(event.version);
    let rendered = match state.feeds.get(id, fingerprint) {
        Some(rendered) => rendered,
        None => {
            let programme = programme::load(&state.db, event.id).await?;
            let body = serde_json::to_string(&build(&event, &programme))
                .map_err(|e| ApiError::Internal(e.into()))?;
            let rendered = Arc::new(RenderedFeed::from_body(body, None));
            state.feeds.put(id, fingerprint, rendered.clone());
            rendered
        }
    };
    Ok(feeds_routes::conditional(
        &req,
        &rendered,
        CONTENT_TYPE,
        None,
        None,
    ))
}

/// The schedule of `event` from its programme.
fn build(event: &event::Model, programme: &Programme) -> ScheduleResponse {
    let tz = event.timezone.as_str();
    let stages = programme
        .stages
        .iter()
        .map(|stage| ScheduleStage {
            id: stage.id,
            name: stage.name.clone(),
            description: stage.description.clone(),
            slots: programme
                .slots_on(stage.id)
                .map(|slot| {
                    let pitch = programme.pitch_of(slot).map(|p| SchedulePitch {
                        id: p.id,
                        title: p.title.clone(),
                        abstract_text: p.r#abstract.clone(),
                        organisation: p.organisation.clone(),
                        presenter_name: p.presenter_name.clone(),
                        duration_minutes: p.duration_minutes,
                    });
                    ScheduleSlot {
                        id: slot.id,
                        starts_at: in_zone(slot.starts_at, tz),
                        ends_at: in_zone(slot.ends_at, tz),
                        open: pitch.is_none(),
                        pitch,
                    }
                })
                .collect(),
        })
        .collect();
    ScheduleResponse {
        event_id: event.id,
        slug: event.slug.clone(),
        title: event.title.clone(),
        timezone: event.timezone.clone(),
        status: event.status,
        stages,
    }
}
