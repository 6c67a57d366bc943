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
    #[schema(max_length = 200)]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    #[schema(max_length = 200)]
    pub organisation: String,
    #[schema(max_length = 200)]
    pub contact_name: String,
    pub contact_email: String,
    /// Floor space wanted, more than 0 and at most 10000 m².
    pub space_sqm: f64,
    /// Default false.
    #[serde(default)]
    pub needs_power: bool,
    /// Language of the mails to the contact (default `en`).
    pub language: Option<Language>,
}

/// An organiser's decision; absent fields stay, `"booth": null` clears the booth.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateExhibit {
    /// `approved`, `rejected` or `waitlisted`; each change mails the contact.
    pub status: Option<ExhibitStatus>,
    /// Unique per event; only approved exhibits hold one. Leaving `approved` frees it.
    #[serde(default, deserialize_with = "crate::routes::events::nullable")]
    #[schema(value_type = Option<String>, max_length = 50)]
    pub booth: Option<Option<String>>,
}

/// An exhibit. Contact data and `language` are shown to organisers and the exhibitor only.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExhibitResponse {
    pub id: Uuid,
    pub event_id: Uuid,
    pub title: String,
    pub description: String,
    pub organisation: String,
    pub space_sqm: f64,
    pub needs_power: bool,
    pub status: ExhibitStatus,
    pub booth: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    pub created_at: DateTime<Utc>,
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

/// The new registration and its secret `manage_token`, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExhibitCreated {
    #[serde(flatten)]
    pub exhibit: ExhibitResponse,
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
