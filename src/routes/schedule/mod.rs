//! `GET /events/{event}/schedule`: the public programme, by stage and time.
use std::sync::Arc;

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, FixedOffset};
use entity::event::{self, EventStatus};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::MaybeOrganiser;
use crate::domain::time::in_zone;
use crate::error::{ApiError, ApiResult};
use crate::routes::feeds as feeds_routes;
use crate::services::feeds::{self, FeedId, RenderedFeed};
use crate::services::programme::{self, Programme};
use crate::startup::AppState;

/// What `web::Json` answered with before the schedule was cached.
const CONTENT_TYPE: &str = "application/json";

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(schedule);
}

/// What the programme shows of a pitch: no e-mail address, no token.
#[derive(Debug, Serialize, ToSchema)]
pub struct SchedulePitch {
    pub id: Uuid,
    pub title: String,
    #[serde(rename = "abstract")]
    pub abstract_text: String,
    pub organisation: String,
    pub presenter_name: String,
    pub duration_minutes: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleSlot {
    pub id: Uuid,
    /// Event-local time with offset.
    pub starts_at: DateTime<FixedOffset>,
    pub ends_at: DateTime<FixedOffset>,
    /// No pitch assigned yet; `pitch` is then `null`.
    pub open: bool,
    pub pitch: Option<SchedulePitch>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleStage {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    /// By start time.
    pub slots: Vec<ScheduleSlot>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleResponse {
    pub event_id: Uuid,
    pub slug: String,
    pub title: String,
    pub timezone: String,
    pub status: EventStatus,
    /// In programme order (stage position); every stage, even without slots.
    pub stages: Vec<ScheduleStage>,
}

/// The programme: stages in order, each with its slots by time; open slots are listed with
/// `open: true` and no pitch. Public for published and cancelled events; organisers also see
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
