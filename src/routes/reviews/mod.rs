//! The jury (issue 29): an event's review criteria and settings, reviews of its pitches, and
//! the assignment of pitches to reviewers; the DTOs and the wiring, one file per area.
//!
//! Who may do what: reading the criteria and settings, scoring a pitch and reading its reviews
//! needs [`crate::domain::member::Permission::Review`] (the roles `reviewer`, `organiser`,
//! `admin` on their events); changing the criteria and settings and assigning reviewers needs
//! `Manage` (`organiser`, `admin`).
mod assignments;
mod criteria;
mod scores;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use entity::organiser::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::domain::review::Criterion;
use crate::services::reviews::ReviewView;

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(criteria::get_criteria)
        .service(criteria::put_criteria)
        .service(criteria::get_settings)
        .service(criteria::put_settings)
        .service(scores::submit_review)
        .service(scores::list_reviews)
        .service(scores::get_review)
        .service(assignments::get_reviewers)
        .service(assignments::put_reviewers)
        .service(assignments::spread);
}

/// A review criterion: scored in whole points `0..=max`, counted with `weight` in a review's
/// weighted mean.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"key": "relevance", "name_de": "Relevanz für den Cluster",
    "name_en": "Relevance to the cluster", "weight": 2, "max": 5}))]
pub struct CriterionBody {
    /// The criterion's key, unique in the event: 1 to 40 of `a-z`, `0-9`, `-`, `_`, starting
    /// with a letter or digit. Reviews keep their scores by key.
    #[schema(pattern = r"^[a-z0-9][a-z0-9_-]{0,39}$", max_length = 40)]
    pub key: String,
    /// The German name, one line of 1 to 100 characters.
    #[schema(min_length = 1, max_length = 100)]
    pub name_de: String,
    /// The English name, one line of 1 to 100 characters.
    #[schema(min_length = 1, max_length = 100)]
    pub name_en: String,
    /// The weight in a review's weighted mean: a number above 0, at most 100.
    #[schema(exclusive_minimum = 0, maximum = 100)]
    pub weight: f64,
    /// The top of the scale: a criterion is scored `0..=max`, a whole number 1 to 100.
    #[schema(minimum = 1, maximum = 100)]
    pub max: i64,
}

impl From<Criterion> for CriterionBody {
    fn from(c: Criterion) -> Self {
        Self {
            key: c.key,
            name_de: c.name_de,
            name_en: c.name_en,
            weight: c.weight,
            max: i64::from(c.max),
        }
    }
}

/// An event's review settings.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"anonymous_review": true}))]
pub struct ReviewSettingsBody {
    /// Anonymous review: members who do not manage the event (the role `reviewer`) read its
    /// pitches without the presenter's name, e-mail address and organisation (the fields are
    /// left out of `GET …/pitches` and `GET …/pitches/{id}`). Default `false`.
    pub anonymous_review: bool,
}

/// A reviewer's review of a pitch.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"scores": {"relevance": 4, "clarity": 3}, "comment": "Klarer Nutzen."}))]
pub struct SubmitReview {
    /// A score for every criterion of the event, by key: a whole number `0..=max`. A missing,
    /// unknown or out-of-range score is a 422 naming `scores.<key>`.
    #[schema(value_type = BTreeMap<String, i64>)]
    pub scores: BTreeMap<String, serde_json::Value>,
    /// A comment, plain text with line breaks, at most 5 000 characters; default empty.
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub comment: Option<String>,
}

/// A review.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewResponse {
    /// The review's id (a replacing review keeps it).
    pub id: Uuid,
    /// The event's id.
    pub event_id: Uuid,
    /// The pitch's id.
    pub pitch_id: Uuid,
    /// The reviewing team member's id.
    pub reviewer_id: Uuid,
    /// The reviewing team member's name.
    pub reviewer_name: String,
    /// The scores by criterion key, whole points.
    pub scores: BTreeMap<String, i32>,
    /// The comment (may be empty).
    pub comment: String,
    /// The review's weighted mean over the event's current criteria it scored:
    /// `Σ weight·points / Σ weight`, in points; `null` when it scored none of them (the
    /// criteria changed since).
    pub score: Option<f64>,
    /// When the review was first given (UTC).
    pub created_at: DateTime<Utc>,
    /// When it was last replaced (UTC).
    pub updated_at: DateTime<Utc>,
}

impl From<ReviewView> for ReviewResponse {
    fn from(v: ReviewView) -> Self {
        Self {
            id: v.review.id,
            event_id: v.review.event_id,
            pitch_id: v.review.pitch_id,
            reviewer_id: v.review.reviewer_id,
            reviewer_name: v.reviewer_name,
            scores: v.scores,
            comment: v.review.comment,
            score: v.value,
            created_at: v.review.created_at,
            updated_at: v.review.updated_at,
        }
    }
}

/// A pitch's reviews as the caller may see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewList {
    /// The reviews, oldest first.
    pub items: Vec<ReviewResponse>,
    /// Always `null`: the reviews of a pitch are one page.
    pub next_cursor: Option<String>,
    /// How many reviews are in `items`.
    pub total: u64,
    /// `true` when the caller (not managing the event) has not reviewed the pitch yet and
    /// others have: their reviews are shown once the caller has given their own.
    pub others_hidden: bool,
}

/// The reviewers a pitch is assigned to, set by hand.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reviewer_ids": ["0193a5e2-7c1f-7d7a-9c1e-3f1b2a4c5d6e"]}))]
pub struct PutReviewers {
    /// The team members' ids (each an active member who may review the event); replaces the
    /// earlier set; empty removes every assignment of the pitch.
    #[schema(max_items = 50)]
    pub reviewer_ids: Vec<Uuid>,
}

/// A team member a pitch is assigned to.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssignedReviewerResponse {
    /// The member's id.
    pub id: Uuid,
    /// The member's name.
    pub name: String,
    /// The member's e-mail address.
    pub email: String,
    /// The member's organisation, if given.
    pub organisation: Option<String>,
    /// The member's role.
    pub role: Role,
    /// Whether the member has reviewed the pitch.
    pub reviewed: bool,
}

/// The reviewers of a pitch.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewerList {
    /// By name.
    pub items: Vec<AssignedReviewerResponse>,
    /// How many.
    pub total: u64,
}

/// "Each pitch gets N reviewers".
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"per_pitch": 2}))]
pub struct SpreadBody {
    /// How many reviewers each `submitted` pitch should have, 1 to 20.
    #[schema(minimum = 1, maximum = 20)]
    pub per_pitch: i64,
}

/// A pitch that could not get N reviewers.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShortPitch {
    /// The pitch's id.
    pub pitch_id: Uuid,
    /// How many reviewers it lacks (too few reviewers without a conflict of interest).
    pub missing: u64,
}

/// A reviewer's load after the spread.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewerLoad {
    /// The member's id.
    pub reviewer_id: Uuid,
    /// The member's name.
    pub name: String,
    /// How many pitches of the event are assigned to them.
    pub pitches: u64,
}

/// What the spread did.
#[derive(Debug, Serialize, ToSchema)]
pub struct SpreadResponse {
    /// How many reviewers took part (active members of the role `reviewer` on the event).
    pub reviewers: u64,
    /// How many pitches were considered (the `submitted` ones).
    pub pitches: u64,
    /// How many assignments were made (earlier ones stay and count).
    pub created: u64,
    /// Pitches left with fewer than `per_pitch` reviewers.
    pub short: Vec<ShortPitch>,
    /// Every reviewer's number of assigned pitches afterwards, by name.
    pub load: Vec<ReviewerLoad>,
}
