//! Exhibits: registration, the organisers' decisions and booths, the exhibitor's
//! self-service; the DTOs and the wiring, one file per action.
mod create;
mod decide;
mod erase;
mod list;
mod own;

use chrono::{DateTime, Utc};
use entity::{
    exhibit::{self, ExhibitStatus},
    registration::Language,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(create::create_exhibit)
        .service(list::list_exhibits)
        .service(decide::update_exhibit)
        .service(own::own_exhibit)
        .service(own::withdraw_exhibit)
        .service(erase::erase_own_exhibit)
        .service(erase::erase_exhibit);
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"title": "Optische Sensorik für die Landwirtschaft",
    "description": "Ein Feldsensor zum Anfassen.", "organisation": "Optik Jena GmbH",
    "contact_name": "Anna Müller", "contact_email": "anna@optik-jena.example",
    "space_sqm": 6.0, "needs_power": true, "language": "de"}))]
pub struct CreateExhibit {
    /// What is shown, one line of 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// What visitors will see, plain text with line breaks, at most 5 000 characters; default
    /// empty.
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    /// The exhibiting organisation, one line of 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub organisation: String,
    /// Who to contact about the exhibit, one line of 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub contact_name: String,
    /// The contact's e-mail address (at most 254 characters); it receives the confirmation
    /// with the manage link and every decision.
    #[schema(format = Email, max_length = 254)]
    pub contact_email: String,
    /// Floor space wanted, in square metres: more than 0 and at most 10 000.
    #[schema(exclusive_minimum = 0.0, maximum = 10000.0)]
    pub space_sqm: f64,
    /// Whether the stand needs mains power; default false.
    #[serde(default)]
    pub needs_power: bool,
    /// Language of the mails to the contact, `de` or `en` (default `en`).
    pub language: Option<Language>,
}

/// The statuses an organiser may set on an exhibit: the schema of its `status` (the API refuses the others).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum ExhibitDecision {
    Approved,
    Rejected,
    Waitlisted,
}

/// An organiser's decision; absent fields stay, `"booth": null` clears the booth.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "approved", "booth": "A12"}))]
pub struct UpdateExhibit {
    /// `approved`, `rejected` or `waitlisted`; each change mails the contact.
    #[schema(value_type = Option<ExhibitDecision>)]
    pub status: Option<ExhibitStatus>,
    /// Unique per event; only approved exhibits hold one. Leaving `approved` frees it.
    #[serde(default, deserialize_with = "crate::routes::events::nullable")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 50)]
    pub booth: Option<Option<String>>,
}

/// An exhibit. Contact data and `language` are shown to organisers and the exhibitor only.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExhibitResponse {
    /// The exhibit's id.
    pub id: Uuid,
    /// The event's id.
    pub event_id: Uuid,
    /// What is shown (1 to 200 characters).
    pub title: String,
    /// What visitors will see, plain text (may be empty).
    pub description: String,
    /// The exhibiting organisation.
    pub organisation: String,
    /// Floor space wanted, in square metres (more than 0, at most 10 000).
    pub space_sqm: f64,
    /// Whether the stand needs mains power.
    pub needs_power: bool,
    /// `submitted`, `approved`, `rejected`, `waitlisted` or `withdrawn`.
    pub status: ExhibitStatus,
    /// The booth assigned (at most 50 characters, unique per event); `null`: none yet.
    pub booth: Option<String>,
    /// Who to contact (organisers and the exhibitor only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_name: Option<String>,
    /// The contact's e-mail address (organisers and the exhibitor only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
    /// Language of the mails to the contact, `de` or `en` (organisers and the exhibitor only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    /// When the exhibit was submitted (UTC).
    pub created_at: DateTime<Utc>,
    /// When the exhibit was last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

impl ExhibitResponse {
    pub fn new(m: exhibit::Model, with_contact: bool) -> Self {
        Self {
            id: m.id,
            event_id: m.event_id,
            title: m.title,
            description: m.description,
            organisation: m.organisation,
            space_sqm: m.space_sqm,
            needs_power: m.needs_power,
            status: m.status,
            booth: m.booth,
            contact_name: with_contact.then_some(m.contact_name),
            contact_email: with_contact.then_some(m.contact_email),
            language: with_contact.then_some(m.language),
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// The new exhibit and its secret `manage_token`, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExhibitCreated {
    #[serde(flatten)]
    pub exhibit: ExhibitResponse,
    /// The secret that lets the exhibitor read, withdraw and erase the exhibit without an
    /// account (`/api/v1/exhibits/{token}`, and the manage link); shown this once.
    pub manage_token: String,
    /// The exhibitor's page (HTML), where their mails link.
    pub manage_url: String,
    /// This record as JSON.
    pub api_url: String,
}

/// The exhibitor's own exhibit, with the links to its page and to itself.
#[derive(Debug, Serialize, ToSchema)]
pub struct OwnExhibit {
    #[serde(flatten)]
    pub exhibit: ExhibitResponse,
    /// The exhibitor's page (HTML).
    pub manage_url: String,
    /// This record as JSON.
    pub api_url: String,
}
