//! Events: the DTOs and the wiring; one file per action.
mod create;
mod lifecycle;
mod read;
mod stages;
mod stats;
mod update;

pub use read::EventJsonCache;

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, Utc};
use entity::event::{self, EventStatus};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::domain::time::in_zone;

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(create::create_event)
        .service(read::list_events)
        .service(read::get_event)
        .service(read::get_series)
        .service(update::update_event)
        .service(lifecycle::publish_event)
        .service(lifecycle::cancel_event)
        .service(lifecycle::clone_event)
        .service(stages::create_stage)
        .service(stages::list_stages)
        .service(stages::update_stage)
        .service(stages::delete_stage)
        .service(stats::event_stats);
}

/// A new draft event.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"title": "Jahrestagung 2027", "slug": "jahrestagung-2027",
    "description": "Pitches der Mitglieder, Ausstellung, Empfang.", "venue": "Volkshaus Jena",
    "address": "Carl-Zeiß-Platz 15, 07743 Jena", "timezone": "Europe/Berlin",
    "starts_at": "2027-06-24T09:00:00+02:00", "ends_at": "2027-06-24T18:00:00+02:00",
    "capacity": 150, "waitlist": true, "registration_closes_at": "2027-06-20T23:59:00+02:00",
    "exhibit_capacity": 20, "series": "jahrestagung"}))]
pub struct CreateEvent {
    #[schema(max_length = 200)]
    pub title: String,
    /// `[a-z0-9-]`; derived from the title when absent.
    pub slug: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub venue: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    /// IANA time zone, default `UTC`.
    pub timezone: Option<String>,
    /// RFC 3339 with offset.
    #[schema(format = DateTime, value_type = String)]
    pub starts_at: String,
    #[schema(format = DateTime, value_type = String)]
    pub ends_at: String,
    /// Seats; default 100.
    pub capacity: Option<i64>,
    /// Whether a full event takes a waitlist (default true).
    pub waitlist: Option<bool>,
    #[schema(format = DateTime, value_type = Option<String>)]
    pub registration_opens_at: Option<String>,
    #[schema(format = DateTime, value_type = Option<String>)]
    pub registration_closes_at: Option<String>,
    /// Double opt-in (default false).
    pub require_email_confirmation: Option<bool>,
    pub exhibit_capacity: Option<i64>,
    /// Active registrations per mailbox (addresses compared by their canonical key: case,
    /// Unicode forms, `+tags` and IDN spellings folded), 1 to 100; default 1.
    pub mailbox_registrations_max: Option<i64>,
    /// Unconfirmed (double opt-in) holds per mailbox, 1 to 100; default 1.
    pub mailbox_holds_max: Option<i64>,
    /// Hours an unconfirmed registration holds its seat, 1 to 720; default 48.
    pub hold_hours: Option<i64>,
    /// Slug of the annual series this edition belongs to.
    pub series: Option<String>,
    /// Who mails about the event are from, shown in every mail's footer (at most 200
    /// characters); default: the name of the sender (`MAIL_FROM`).
    #[schema(example = "Tagungsbüro der Gesellschaft")]
    pub organiser_name: Option<String>,
    /// The organiser's contact address: the Reply-To of every mail and the iTIP ORGANIZER of
    /// calendar entries; default: the sender's address (`MAIL_FROM`).
    #[schema(example = "tagung@example.org")]
    pub organiser_email: Option<String>,
}

/// Fields to change; `null` clears the optional ones. An unknown field is a 422, so that a
/// misspelt field is never silently ignored.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateEvent {
    pub title: Option<String>,
    pub slug: Option<String>,
    pub description: Option<String>,
    pub venue: Option<String>,
    pub address: Option<String>,
    pub timezone: Option<String>,
    #[schema(format = DateTime, value_type = Option<String>)]
    pub starts_at: Option<String>,
    #[schema(format = DateTime, value_type = Option<String>)]
    pub ends_at: Option<String>,
    pub capacity: Option<i64>,
    pub waitlist: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(format = DateTime, value_type = Option<String>)]
    pub registration_opens_at: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(format = DateTime, value_type = Option<String>)]
    pub registration_closes_at: Option<Option<String>>,
    pub require_email_confirmation: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub exhibit_capacity: Option<Option<i64>>,
    pub mailbox_registrations_max: Option<i64>,
    pub mailbox_holds_max: Option<i64>,
    pub hold_hours: Option<i64>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub series: Option<Option<String>>,
    /// Who mails about the event are from (at most 200 characters).
    pub organiser_name: Option<String>,
    /// The organiser's contact address (Reply-To, iTIP ORGANIZER).
    pub organiser_email: Option<String>,
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
pub fn nullable<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventResponse {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub venue: String,
    pub address: String,
    pub timezone: String,
    /// In the event's time zone, with its offset.
    pub starts_at: DateTime<FixedOffset>,
    pub ends_at: DateTime<FixedOffset>,
    pub capacity: i32,
    pub waitlist: bool,
    pub registration_opens_at: Option<DateTime<FixedOffset>>,
    pub registration_closes_at: Option<DateTime<FixedOffset>>,
    pub require_email_confirmation: bool,
    pub exhibit_capacity: Option<i32>,
    pub mailbox_registrations_max: i32,
    pub mailbox_holds_max: i32,
    pub hold_hours: i32,
    pub series: Option<String>,
    pub status: EventStatus,
    pub confirmed_count: i32,
    pub pending_count: i32,
    pub waitlisted_count: i32,
    pub seats_left: i32,
    /// Whether a registration made now would be accepted (published, inside the window).
    pub registration_open: bool,
    pub approved_exhibits: i32,
    pub calendar_url: String,
    pub webcal_url: String,
    /// Who mails about the event are from.
    pub organiser_name: String,
    /// The organiser's contact address (Reply-To of the mails, iTIP ORGANIZER).
    pub organiser_email: String,
    /// The public event page (HTML) with the programme and the registration form.
    pub page_url: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Whether a registration made at `now` would be accepted: published, inside the window and
/// before the end (the event JSON's `registration_open`).
pub fn registration_open(m: &event::Model, now: DateTime<Utc>) -> bool {
    m.status == EventStatus::Published
        && m.registration_opens_at.is_none_or(|t| t <= now)
        && m.registration_closes_at.is_none_or(|t| now < t)
        && now < m.ends_at
}

impl EventResponse {
    pub fn new(m: event::Model, public_url: &str) -> Self {
        Self::at(m, public_url, Utc::now())
    }

    /// The event as it is at `now` (which decides `registration_open`).
    pub fn at(m: event::Model, public_url: &str, now: DateTime<Utc>) -> Self {
        let tz = m.timezone.clone();
        let local = |t: DateTime<Utc>| in_zone(t, &tz);
        let calendar_url = format!("{public_url}/api/v1/events/{}/calendar.ics", m.slug);
        let webcal_url = webcal(&calendar_url);
        let page_url = format!("{public_url}/events/{}", m.slug);
        let registration_open = registration_open(&m, now);
        Self {
            id: m.id,
            seats_left: (m.capacity - m.confirmed_count - m.pending_count).max(0),
            starts_at: local(m.starts_at),
            ends_at: local(m.ends_at),
            registration_opens_at: m.registration_opens_at.map(local),
            registration_closes_at: m.registration_closes_at.map(local),
            slug: m.slug,
            title: m.title,
            description: m.description,
            venue: m.venue,
            address: m.address,
            timezone: m.timezone,
            capacity: m.capacity,
            waitlist: m.waitlist,
            require_email_confirmation: m.require_email_confirmation,
            exhibit_capacity: m.exhibit_capacity,
            mailbox_registrations_max: m.mailbox_registrations_max,
            mailbox_holds_max: m.mailbox_holds_max,
            hold_hours: m.hold_hours,
            series: m.series,
            status: m.status,
            confirmed_count: m.confirmed_count,
            pending_count: m.pending_count,
            waitlisted_count: m.waitlisted_count,
            registration_open,
            approved_exhibits: m.approved_exhibits,
            calendar_url,
            webcal_url,
            organiser_name: m.organiser_name,
            organiser_email: m.organiser_email,
            page_url,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// `https://host/feed.ics` as a subscription link calendar apps open: `webcal://host/feed.ics`.
pub fn webcal(url: &str) -> String {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(url);
    format!("webcal://{rest}")
}

/// The ETag of an event's editable state.
pub fn etag(m: &event::Model) -> String {
    format!("\"{}-{}\"", m.id.simple(), m.version)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesResponse {
    pub slug: String,
    /// Editions, oldest first.
    pub editions: Vec<EventResponse>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatsResponse {
    pub event_id: Uuid,
    pub capacity: i32,
    pub seats_left: i32,
    /// Registrations by status (`confirmed`, `waitlisted`, `pending`, `cancelled`, `expired`).
    pub registrations: BTreeMap<String, i64>,
    /// Active registrations (confirmed, pending, waitlisted) by sector.
    pub by_sector: BTreeMap<String, i64>,
    pub checked_in: i64,
    pub pitches: BTreeMap<String, i64>,
    pub exhibits: BTreeMap<String, i64>,
    pub pitch_slots: i64,
    pub pitch_slots_assigned: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"starts_at": "2028-06-22T09:00:00+02:00", "slug": "jahrestagung-2028",
    "title": "Jahrestagung 2028"}))]
pub struct CloneEvent {
    /// Start of the next edition; everything shifts by the same amount.
    #[schema(format = DateTime, value_type = String)]
    pub starts_at: String,
    pub slug: Option<String>,
    pub title: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"name": "Hauptbühne", "description": "Großer Saal", "position": 0}))]
pub struct CreateStage {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub position: Option<i32>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateStage {
    pub name: Option<String>,
    pub description: Option<String>,
    pub position: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StageResponse {
    pub id: Uuid,
    pub event_id: Uuid,
    pub name: String,
    pub description: String,
    pub position: i32,
}

impl From<entity::stage::Model> for StageResponse {
    fn from(m: entity::stage::Model) -> Self {
        Self {
            id: m.id,
            event_id: m.event_id,
            name: m.name,
            description: m.description,
            position: m.position,
        }
    }
}
