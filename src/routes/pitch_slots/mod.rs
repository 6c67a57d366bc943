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
    /// The stage (of this event) the slot is on.
    pub stage_id: Uuid,
    /// Start: RFC 3339 date-time with offset, not before the event starts.
    #[schema(format = DateTime, value_type = String)]
    pub starts_at: String,
    /// End: RFC 3339 date-time with offset, after `starts_at` and not after the event ends;
    /// slots on one stage do not overlap.
    #[schema(format = DateTime, value_type = String)]
    pub ends_at: String,
}

/// Back-to-back slots of `slot_minutes` with `gap_minutes` between them, from `from` for as
/// long as a whole slot fits before `to`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"stage_id": "0190a5c2-7b1e-7c3d-9f4e-2a6b8c0d1e2f",
    "from": "2027-06-24T13:00:00+02:00", "to": "2027-06-24T15:00:00+02:00",
    "slot_minutes": 10, "gap_minutes": 2}))]
pub struct GenerateSlots {
    /// The stage (of this event) the slots are on.
    pub stage_id: Uuid,
    /// Start of the first slot: RFC 3339 date-time with offset, not before the event starts.
    #[schema(format = DateTime, value_type = String)]
    pub from: String,
    /// No slot ends after this: RFC 3339 date-time with offset, after `from` and not after the
    /// event ends; at most 500 slots at once.
    #[schema(format = DateTime, value_type = String)]
    pub to: String,
    /// Length of each slot in minutes, 1 to 240.
    #[schema(minimum = 1, maximum = 240)]
    pub slot_minutes: i64,
    /// Minutes between two slots, 0 to 240, default 0.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 240)]
    pub gap_minutes: i64,
}

/// Move, resize or re-stage a slot; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"starts_at": "2027-06-24T10:15:00+02:00",
    "ends_at": "2027-06-24T10:25:00+02:00"}))]
pub struct UpdateSlot {
    /// The stage (of this event) to move the slot to.
    pub stage_id: Option<Uuid>,
    /// New start: RFC 3339 date-time with offset, not before the event starts.
    #[schema(format = DateTime, value_type = Option<String>)]
    pub starts_at: Option<String>,
    /// New end: RFC 3339 date-time with offset, after the start and not after the event ends.
    #[schema(format = DateTime, value_type = Option<String>)]
    pub ends_at: Option<String>,
}

/// The pitch to put into a slot.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"pitch_id": "0190a5c2-7b1e-7c3d-9f4e-2a6b8c0d1e2f"}))]
pub struct AssignPitch {
    /// An accepted pitch of this event that fits the slot's length and holds no other slot.
    pub pitch_id: Uuid,
}

/// The pitch in a slot. `presenter_email` and `status` are shown to organisers only.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlotPitch {
    /// The pitch's id.
    pub id: Uuid,
    /// The pitch's title.
    pub title: String,
    /// The presenter's organisation.
    pub organisation: String,
    /// Who presents.
    pub presenter_name: String,
    /// Length of the pitch in minutes (1 to 240).
    pub duration_minutes: i32,
    /// The presenter's e-mail address (organisers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub presenter_email: Option<String>,
    /// The pitch's status (organisers only): `submitted`, `accepted`, `rejected` or
    /// `withdrawn`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<entity::pitch::PitchStatus>,
}

/// A pitch slot: a time on a stage, open or holding one pitch.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlotResponse {
    /// The slot's id.
    pub id: Uuid,
    /// The event's id.
    pub event_id: Uuid,
    /// The stage's id.
    pub stage_id: Uuid,
    /// The stage's name.
    pub stage_name: String,
    /// Start: event-local time with offset.
    pub starts_at: DateTime<FixedOffset>,
    /// End: event-local time with offset.
    pub ends_at: DateTime<FixedOffset>,
    /// Length of the slot in minutes.
    pub duration_minutes: i64,
    /// No pitch assigned yet.
    pub open: bool,
    /// The pitch in the slot; `null`: open.
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
