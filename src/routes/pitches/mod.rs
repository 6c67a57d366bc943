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
    /// The pitch's title, one line of 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// What the pitch is about, plain text with line breaks, at most 5 000 characters;
    /// default empty.
    #[serde(rename = "abstract", default)]
    #[schema(max_length = 5000)]
    pub abstract_text: Option<String>,
    /// The presenter's organisation, one line of 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub organisation: String,
    /// Who presents, one line of 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub presenter_name: String,
    /// The presenter's e-mail address (at most 254 characters); it receives the confirmation
    /// with the manage link and the review's outcome.
    #[schema(format = Email, max_length = 254)]
    pub presenter_email: String,
    /// Language of the mails to the presenter, `de` or `en` (default `en`).
    pub language: Option<Language>,
    /// Length of the pitch in minutes, 1 to 240.
    #[schema(minimum = 1, maximum = 240)]
    pub duration_minutes: i64,
}

/// The statuses an organiser may set on a pitch: the schema of its `status` (the API refuses the others).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum PitchDecision {
    Accepted,
    Rejected,
}

/// The organisers' review and edits; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "accepted", "duration_minutes": 7}))]
pub struct UpdatePitch {
    /// `accepted` or `rejected` (each mails the presenter). Rejecting an assigned pitch frees its slot.
    #[schema(value_type = Option<PitchDecision>)]
    pub status: Option<PitchStatus>,
    /// The pitch's title, one line of 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    /// What the pitch is about, plain text, at most 5 000 characters.
    #[serde(rename = "abstract")]
    #[schema(max_length = 5000)]
    pub abstract_text: Option<String>,
    /// The presenter's organisation, one line of 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub organisation: Option<String>,
    /// Who presents, one line of 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub presenter_name: Option<String>,
    /// The presenter's e-mail address (at most 254 characters).
    #[schema(format = Email, max_length = 254)]
    pub presenter_email: Option<String>,
    /// Language of the mails to the presenter, `de` or `en`.
    pub language: Option<Language>,
    /// Length of the pitch in minutes, 1 to 240.
    #[schema(minimum = 1, maximum = 240)]
    pub duration_minutes: Option<i64>,
}

/// The slot a pitch holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct PitchSlotRef {
    /// The slot's id.
    pub id: Uuid,
    /// The stage's id.
    pub stage_id: Uuid,
    /// The stage's name.
    pub stage_name: String,
    /// Start of the slot: event-local time with offset.
    pub starts_at: DateTime<FixedOffset>,
    /// End of the slot: event-local time with offset.
    pub ends_at: DateTime<FixedOffset>,
}

/// A pitch as its presenter and the organisers see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PitchResponse {
    /// The pitch's id.
    pub id: Uuid,
    /// The event's id.
    pub event_id: Uuid,
    /// The pitch's title (1 to 200 characters).
    pub title: String,
    /// What the pitch is about, plain text (may be empty).
    #[serde(rename = "abstract")]
    pub abstract_text: String,
    /// The presenter's organisation.
    pub organisation: String,
    /// Who presents.
    pub presenter_name: String,
    /// The presenter's e-mail address.
    pub presenter_email: String,
    /// Language of the mails to the presenter, `de` or `en`.
    pub language: Language,
    /// Length of the pitch in minutes (1 to 240).
    pub duration_minutes: i32,
    /// `submitted`, `accepted`, `rejected` or `withdrawn`.
    pub status: PitchStatus,
    /// The slot it is scheduled in, if any: for organisers the draft programme's, for the
    /// presenter (`GET /pitches/{token}`) the last release's.
    pub slot: Option<PitchSlotRef>,
    /// When the pitch was submitted (UTC).
    pub created_at: DateTime<Utc>,
    /// When the pitch was last changed (UTC).
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

/// A pitch as the team sees it (`GET …/pitches`, `GET …/pitches/{id}`): the pitch, and the
/// review table's numbers (issue 29).
///
/// A review's value is the weighted mean of its points over the event's current criteria it
/// scored (`Σ weight·points / Σ weight`); `score` is the mean of the reviews' values (each
/// review weighs the same), `score_median` their median, `score_stddev` their population
/// standard deviation, `score_min`/`score_max` their range; all `null` without reviews. A
/// member who does not manage the event (a `reviewer`) sees these numbers only for pitches
/// they have reviewed themselves (`null` otherwise, `review_count` always), and, under
/// anonymous review, no `organisation`, `presenter_name` or `presenter_email` (left out).
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamPitch {
    /// The pitch's id.
    pub id: Uuid,
    /// The event's id.
    pub event_id: Uuid,
    /// The pitch's title (1 to 200 characters).
    pub title: String,
    /// What the pitch is about, plain text (may be empty).
    #[serde(rename = "abstract")]
    pub abstract_text: String,
    /// The presenter's organisation; left out for a reviewer under anonymous review.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// Who presents; left out for a reviewer under anonymous review.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub presenter_name: Option<String>,
    /// The presenter's e-mail address; left out for a reviewer under anonymous review.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub presenter_email: Option<String>,
    /// Language of the mails to the presenter, `de` or `en`.
    pub language: Language,
    /// Length of the pitch in minutes (1 to 240).
    pub duration_minutes: i32,
    /// `submitted`, `accepted`, `rejected` or `withdrawn`.
    pub status: PitchStatus,
    /// The slot it is scheduled in, if any.
    pub slot: Option<PitchSlotRef>,
    /// When the pitch was submitted (UTC).
    pub created_at: DateTime<Utc>,
    /// When the pitch was last changed (UTC).
    pub updated_at: DateTime<Utc>,
    /// How many reviews the pitch has.
    pub review_count: u64,
    /// The mean of the reviews' weighted means, in points; `null` without reviews.
    pub score: Option<f64>,
    /// The median of the reviews' weighted means; `null` without reviews.
    pub score_median: Option<f64>,
    /// The population standard deviation of the reviews' weighted means (the spread);
    /// `null` without reviews.
    pub score_stddev: Option<f64>,
    /// The lowest review's weighted mean; `null` without reviews.
    pub score_min: Option<f64>,
    /// The highest review's weighted mean; `null` without reviews.
    pub score_max: Option<f64>,
    /// How many reviewers the pitch is assigned to.
    pub assigned_reviewers: u64,
    /// Whether the pitch is assigned to the caller.
    pub assigned_to_me: bool,
    /// Whether the caller has reviewed the pitch.
    pub reviewed_by_me: bool,
}

impl TeamPitch {
    /// The team's view of `pitch`; `anonymous` leaves the presenter out.
    pub fn new(
        pitch: PitchResponse,
        reviews: crate::services::reviews::PitchReviews,
        anonymous: bool,
    ) -> Self {
        let shown = |value: String| (!anonymous).then_some(value);
        let s = reviews.summary;
        Self {
            id: pitch.id,
            event_id: pitch.event_id,
            title: pitch.title,
            abstract_text: pitch.abstract_text,
            organisation: shown(pitch.organisation),
            presenter_name: shown(pitch.presenter_name),
            presenter_email: shown(pitch.presenter_email),
            language: pitch.language,
            duration_minutes: pitch.duration_minutes,
            status: pitch.status,
            slot: pitch.slot,
            created_at: pitch.created_at,
            updated_at: pitch.updated_at,
            review_count: s.count,
            score: s.mean,
            score_median: s.median,
            score_stddev: s.stddev,
            score_min: s.min,
            score_max: s.max,
            assigned_reviewers: reviews.assigned,
            assigned_to_me: reviews.assigned_to_me,
            reviewed_by_me: reviews.reviewed_by_me,
        }
    }
}

/// The new pitch and its secret `manage_token`, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct PitchCreated {
    #[serde(flatten)]
    pub pitch: PitchResponse,
    /// The secret that lets the presenter read, withdraw and erase the pitch without an
    /// account (`/api/v1/pitches/{token}`, and the manage link); shown this once.
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
