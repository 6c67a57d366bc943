//! Pitches: proposals, the organisers' review and the presenter's self-service; the DTOs and
//! the wiring, one file per action.
mod create;
mod erase;
mod list;
mod own;
mod review;

use chrono::{DateTime, FixedOffset, Utc};
use entity::{pitch::PitchStatus, registration::Language};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::domain::time::in_zone;
use crate::error::FieldError;
use crate::services::pitches::PitchView;

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(create::create_pitch)
        .service(list::list_pitches)
        .service(list::get_pitch)
        .service(review::update_pitch)
        .service(own::own_pitch)
        .service(own::withdraw_pitch)
        .service(erase::erase_own_pitch)
        .service(erase::erase_pitch);
}

/// A pitch proposal.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"title": "Quantensensoren für den Mittelstand",
    "abstract": "Fünf Minuten über einen Sensor, der Schwingungen misst.",
    "organisation": "Leibniz-IPHT", "presenter_name": "Dr. Jana Weber",
    "presenter_email": "jana.weber@ipht.example", "language": "de", "duration_minutes": 5}))]
pub struct CreatePitch {
    #[schema(max_length = 200)]
    pub title: String,
    #[serde(rename = "abstract", default)]
    #[schema(max_length = 5000)]
    pub abstract_text: Option<String>,
    #[schema(max_length = 200)]
    pub organisation: String,
    #[schema(max_length = 200)]
    pub presenter_name: String,
    pub presenter_email: String,
    /// Language of the mails to the presenter (default `en`).
    pub language: Option<Language>,
    /// 1 to 240.
    #[schema(minimum = 1, maximum = 240)]
    pub duration_minutes: i64,
}

/// The organisers' review and edits; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePitch {
    /// `accepted` or `rejected` (each mails the presenter). Rejecting an assigned pitch frees its slot.
    pub status: Option<PitchStatus>,
    pub title: Option<String>,
    #[serde(rename = "abstract")]
    pub abstract_text: Option<String>,
    pub organisation: Option<String>,
    pub presenter_name: Option<String>,
    pub presenter_email: Option<String>,
    pub language: Option<Language>,
    pub duration_minutes: Option<i64>,
}

/// The slot a pitch holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct PitchSlotRef {
    pub id: Uuid,
    pub stage_id: Uuid,
    pub stage_name: String,
    /// Event-local time with offset.
    pub starts_at: DateTime<FixedOffset>,
    pub ends_at: DateTime<FixedOffset>,
}

/// A pitch as its presenter and the organisers see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PitchResponse {
    pub id: Uuid,
    pub event_id: Uuid,
    pub title: String,
    #[serde(rename = "abstract")]
    pub abstract_text: String,
    pub organisation: String,
    pub presenter_name: String,
    pub presenter_email: String,
    pub language: Language,
    pub duration_minutes: i32,
    pub status: PitchStatus,
    /// The slot it is scheduled in, if any.
    pub slot: Option<PitchSlotRef>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl PitchResponse {
    pub fn new(view: PitchView, timezone: &str) -> Self {
        let p = view.pitch;
        Self {
            id: p.id,
            event_id: p.event_id,
            title: p.title,
            abstract_text: p.r#abstract,
            organisation: p.organisation,
            presenter_name: p.presenter_name,
            presenter_email: p.presenter_email,
            language: p.language,
            duration_minutes: p.duration_minutes,
            status: p.status,
            slot: view.slot.map(|(slot, stage)| PitchSlotRef {
                id: slot.id,
                stage_id: stage.id,
                stage_name: stage.name,
                starts_at: in_zone(slot.starts_at, timezone),
                ends_at: in_zone(slot.ends_at, timezone),
            }),
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// The new pitch and its secret `manage_token`, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct PitchCreated {
    #[serde(flatten)]
    pub pitch: PitchResponse,
    pub manage_token: String,
    /// The presenter's page (HTML), where their mails link.
    pub manage_url: String,
    /// This record as JSON.
    pub api_url: String,
}

/// `1..=240` minutes.
pub(crate) fn duration(value: i64) -> Result<i32, FieldError> {
    i32::try_from(value)
        .ok()
        .filter(|d| (1..=crate::services::pitches::DURATION_MAX).contains(d))
        .ok_or_else(|| FieldError::new("duration_minutes", "must be between 1 and 240"))
}

/// The presenter's own pitch, with the links to its page and to itself.
#[derive(Debug, Serialize, ToSchema)]
pub struct OwnPitch {
    #[serde(flatten)]
    pub pitch: PitchResponse,
    /// The presenter's page (HTML).
    pub manage_url: String,
    /// This record as JSON.
    pub api_url: String,
}
