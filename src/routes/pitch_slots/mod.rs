//! Pitch slots and assignment: the DTOs and the wiring, one file per action.
mod assignment;
mod create;
mod delete;
mod generate;
mod list;
mod update;

use chrono::{DateTime, FixedOffset};
use entity::{pitch, pitch_slot, stage};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::domain::time::in_zone;
use crate::services::pitch_slots::SlotView;

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(create::create_slot)
        .service(generate::generate_slots)
        .service(list::list_slots)
        .service(list::get_slot)
        .service(update::update_slot)
        .service(delete::delete_slot)
        .service(assignment::assign_pitch)
        .service(assignment::unassign_pitch);
}

/// A new slot on a stage; half-open `[starts_at, ends_at)` within the event.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"stage_id": "0190a5c2-7b1e-7c3d-9f4e-2a6b8c0d1e2f",
    "starts_at": "2027-06-24T10:00:00+02:00", "ends_at": "2027-06-24T10:10:00+02:00"}))]
pub struct CreateSlot {
    pub stage_id: Uuid,
    #[schema(format = DateTime, value_type = String)]
    pub starts_at: String,
    #[schema(format = DateTime, value_type = String)]
    pub ends_at: String,
}

/// Back-to-back slots of `slot_minutes` with `gap_minutes` between them, from `from` for as
/// long as a whole slot fits before `to`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct GenerateSlots {
    pub stage_id: Uuid,
    #[schema(format = DateTime, value_type = String)]
    pub from: String,
    #[schema(format = DateTime, value_type = String)]
    pub to: String,
    /// 1 to 240.
    #[schema(minimum = 1, maximum = 240)]
    pub slot_minutes: i64,
    /// 0 to 240, default 0.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 240)]
    pub gap_minutes: i64,
}

/// Move, resize or re-stage a slot; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSlot {
    pub stage_id: Option<Uuid>,
    #[schema(format = DateTime, value_type = Option<String>)]
    pub starts_at: Option<String>,
    #[schema(format = DateTime, value_type = Option<String>)]
    pub ends_at: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"pitch_id": "0190a5c2-7b1e-7c3d-9f4e-2a6b8c0d1e2f"}))]
pub struct AssignPitch {
    pub pitch_id: Uuid,
}

/// The pitch in a slot. `presenter_email` and `status` are shown to organisers only.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlotPitch {
    pub id: Uuid,
    pub title: String,
    pub organisation: String,
    pub presenter_name: String,
    pub duration_minutes: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub presenter_email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<entity::pitch::PitchStatus>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SlotResponse {
    pub id: Uuid,
    pub event_id: Uuid,
    pub stage_id: Uuid,
    pub stage_name: String,
    /// Event-local time with offset.
    pub starts_at: DateTime<FixedOffset>,
    pub ends_at: DateTime<FixedOffset>,
    pub duration_minutes: i64,
    /// No pitch assigned yet.
    pub open: bool,
    pub pitch: Option<SlotPitch>,
}

impl SlotResponse {
    /// `organiser` decides whether the presenter's e-mail is shown.
    pub fn new(
        slot: &pitch_slot::Model,
        stage: &stage::Model,
        pitch: Option<&pitch::Model>,
        timezone: &str,
        organiser: bool,
    ) -> Self {
        Self {
            id: slot.id,
            event_id: slot.event_id,
            stage_id: stage.id,
            stage_name: stage.name.clone(),
            starts_at: in_zone(slot.starts_at, timezone),
            ends_at: in_zone(slot.ends_at, timezone),
            duration_minutes: (slot.ends_at - slot.starts_at).num_minutes(),
            open: pitch.is_none(),
            pitch: pitch.map(|p| SlotPitch {
                id: p.id,
                title: p.title.clone(),
                organisation: p.organisation.clone(),
                presenter_name: p.presenter_name.clone(),
                duration_minutes: p.duration_minutes,
                presenter_email: organiser.then(|| p.presenter_email.clone()),
                status: organiser.then_some(p.status),
            }),
        }
    }

    pub fn of_view(view: &SlotView, timezone: &str) -> Self {
        Self::new(&view.slot, &view.stage, view.pitch.as_ref(), timezone, true)
    }
}
