//! `GET /events/{event}/schedule`: the public programme, by stage and time.
use actix_web::{get, web};
use chrono::{DateTime, FixedOffset};
use entity::event::EventStatus;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::MaybeOrganiser;
use crate::domain::time::in_zone;
use crate::error::ApiResult;
use crate::services::{events, programme};
use crate::startup::AppState;

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
/// drafts. Read in a fixed number of queries however large the programme.
#[utoipa::path(tag = "pitch slots", params(("event" = String, Path, description = "id or slug")),
    responses((status = 200, body = ScheduleResponse), (status = 404, body = crate::error::Problem)))]
#[get("/events/{event}/schedule")]
pub async fn schedule(
    state: web::Data<AppState>,
    who: MaybeOrganiser,
    key: web::Path<String>,
) -> ApiResult<web::Json<ScheduleResponse>> {
    let event = events::find_visible(&state.db, &key, who.is_organiser()).await?;
    let programme = programme::load(&state.db, event.id).await?;
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
    Ok(web::Json(ScheduleResponse {
        event_id: event.id,
        slug: event.slug.clone(),
        title: event.title.clone(),
        timezone: event.timezone.clone(),
        status: event.status,
        stages,
    }))
}
