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
    /// The event's name, one line of 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// The event's address in URLs: 1 to 100 characters of `[a-z0-9-]`, not starting or ending
    /// with `-`, unique; derived from
    /// the title when absent.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[a-z0-9]([a-z0-9-]*[a-z0-9])?$"
    )]
    pub slug: Option<String>,
    /// What the event is about, plain text with line breaks, at most 10 000 characters;
    /// default empty.
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    /// Name of the venue, one line of at most 200 characters; default empty.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub venue: Option<String>,
    /// Postal address of the venue, one line of at most 500 characters; default empty.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub address: Option<String>,
    /// IANA time zone the event takes place in (e.g. `Europe/Berlin`), default `UTC`; times
    /// in answers, mails and pages are shown in it.
    pub timezone: Option<String>,
    /// Start of the event: RFC 3339 date-time with offset, years 1970 to 2999.
    #[schema(format = DateTime, value_type = String)]
    pub starts_at: String,
    /// End of the event: RFC 3339 date-time with offset, after `starts_at`.
    #[schema(format = DateTime, value_type = String)]
    pub ends_at: String,
    /// Seats: registrations confirmed or held at once, 0 to 1 000 000; default 100.
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub capacity: Option<i64>,
    /// Whether a full event takes a waitlist (default true).
    pub waitlist: Option<bool>,
    /// When registration opens: RFC 3339 date-time with offset; absent: at once.
    #[schema(format = DateTime, value_type = Option<String>)]
    pub registration_opens_at: Option<String>,
    /// When registration closes: RFC 3339 date-time with offset, after it opens; absent: at
    /// the end of the event.
    #[schema(format = DateTime, value_type = Option<String>)]
    pub registration_closes_at: Option<String>,
    /// Double opt-in: a registration holds its seat until the link in the mail confirms it
    /// (default false). Joining the waitlist asks for no confirmation: a seat freed later is
    /// offered to the first on the waitlist as a new hold (`pending`, `hold_hours`) with the
    /// confirmation mail, not given; announcements reach only confirmed addresses.
    pub require_email_confirmation: Option<bool>,
    /// Exhibits that may be approved, 0 to 1 000 000; absent: no limit.
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub exhibit_capacity: Option<i64>,
    /// Active registrations per mailbox (addresses compared by their canonical key: case,
    /// Unicode forms, `+tags` and IDN spellings folded), 1 to 100; default 1.
    #[schema(minimum = 1, maximum = 100)]
    pub mailbox_registrations_max: Option<i64>,
    /// Unconfirmed (double opt-in) holds per mailbox, 1 to 100; default 1.
    #[schema(minimum = 1, maximum = 100)]
    pub mailbox_holds_max: Option<i64>,
    /// Hours an unconfirmed registration holds its seat, 1 to 720; default 48.
    #[schema(minimum = 1, maximum = 720)]
    pub hold_hours: Option<i64>,
    /// Slug of the annual series this edition belongs to (`[a-z0-9-]`, 1 to 100 characters).
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[a-z0-9]([a-z0-9-]*[a-z0-9])?$"
    )]
    pub series: Option<String>,
    /// Who mails about the event are from, shown in every mail's footer (at most 200
    /// characters); default: the name of the sender (`MAIL_FROM`).
    #[schema(example = "Tagungsbüro der Gesellschaft", max_length = 200)]
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
#[schema(example = json!({"capacity": 180, "registration_closes_at": "2027-06-21T23:59:00+02:00",
    "venue": "Volkshaus Jena, Ernst-Abbe-Saal"}))]
pub struct UpdateEvent {
    /// The event's name, one line of 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    /// The event's address in URLs: 1 to 100 characters of `[a-z0-9-]`, unique.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[a-z0-9]([a-z0-9-]*[a-z0-9])?$"
    )]
    pub slug: Option<String>,
    /// What the event is about, plain text with line breaks, at most 10 000 characters.
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    /// Name of the venue, one line of at most 200 characters.
    #[schema(max_length = 200)]
    pub venue: Option<String>,
    /// Postal address of the venue, one line of at most 500 characters.
    #[schema(max_length = 500)]
    pub address: Option<String>,
    /// IANA time zone the event takes place in (e.g. `Europe/Berlin`).
    pub timezone: Option<String>,
    /// Start of the event: RFC 3339 date-time with offset, years 1970 to 2999.
    #[schema(format = DateTime, value_type = Option<String>)]
    pub starts_at: Option<String>,
    /// End of the event: RFC 3339 date-time with offset, after the start.
    #[schema(format = DateTime, value_type = Option<String>)]
    pub ends_at: Option<String>,
    /// Seats, 0 to 1 000 000; fewer than the seats taken (confirmed and held) is a 409.
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub capacity: Option<i64>,
    /// Whether a full event takes a waitlist.
    pub waitlist: Option<bool>,
    /// When registration opens: RFC 3339 date-time with offset; `null`: at once.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(format = DateTime, value_type = Option<String>)]
    pub registration_opens_at: Option<Option<String>>,
    /// When registration closes: RFC 3339 date-time with offset; `null`: at the end of the
    /// event.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(format = DateTime, value_type = Option<String>)]
    pub registration_closes_at: Option<Option<String>>,
    /// Double opt-in: new registrations hold their seat until confirmed by mail, and a seat
    /// freed for the waitlist is offered as such a hold (see `CreateEvent`).
    pub require_email_confirmation: Option<bool>,
    /// Exhibits that may be approved, 0 to 1 000 000; `null`: no limit.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 1_000_000)]
    pub exhibit_capacity: Option<Option<i64>>,
    /// Active registrations per mailbox (canonical address), 1 to 100.
    #[schema(minimum = 1, maximum = 100)]
    pub mailbox_registrations_max: Option<i64>,
    /// Unconfirmed (double opt-in) holds per mailbox, 1 to 100.
    #[schema(minimum = 1, maximum = 100)]
    pub mailbox_holds_max: Option<i64>,
    /// Hours an unconfirmed registration holds its seat, 1 to 720.
    #[schema(minimum = 1, maximum = 720)]
    pub hold_hours: Option<i64>,
    /// Slug of the annual series (`[a-z0-9-]`, 1 to 100 characters); `null`: none.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 100, pattern = "^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")]
    pub series: Option<Option<String>>,
    /// Who mails about the event are from (at most 200 characters).
    #[schema(max_length = 200)]
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

/// An event as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventResponse {
    /// The event's id.
    pub id: Uuid,
    /// The event's address in URLs (`[a-z0-9-]`, unique); paths take it or the id.
    pub slug: String,
    /// The event's name (1 to 200 characters).
    pub title: String,
    /// What the event is about, plain text (may be empty).
    pub description: String,
    /// Name of the venue (may be empty).
    pub venue: String,
    /// Postal address of the venue (may be empty).
    pub address: String,
    /// IANA time zone the event takes place in.
    pub timezone: String,
    /// Start, in the event's time zone, with its offset.
    pub starts_at: DateTime<FixedOffset>,
    /// End, in the event's time zone, with its offset.
    pub ends_at: DateTime<FixedOffset>,
    /// Seats (0 to 1 000 000).
    pub capacity: i32,
    /// Whether a full event takes a waitlist.
    pub waitlist: bool,
    /// When registration opens, in the event's time zone; `null`: open from publication.
    pub registration_opens_at: Option<DateTime<FixedOffset>>,
    /// When registration closes, in the event's time zone; `null`: at the end of the event.
    pub registration_closes_at: Option<DateTime<FixedOffset>>,
    /// Whether registrations need confirming by mail (double opt-in).
    pub require_email_confirmation: bool,
    /// Exhibits that may be approved; `null`: no limit.
    pub exhibit_capacity: Option<i32>,
    /// Active registrations per mailbox (1 to 100).
    pub mailbox_registrations_max: i32,
    /// Unconfirmed holds per mailbox (1 to 100).
    pub mailbox_holds_max: i32,
    /// Hours an unconfirmed registration holds its seat (1 to 720).
    pub hold_hours: i32,
    /// Slug of the annual series this edition belongs to; `null`: none.
    pub series: Option<String>,
    /// `draft` (only organisers see it), `published` or `cancelled`.
    pub status: EventStatus,
    /// Confirmed registrations (seats taken).
    pub confirmed_count: i32,
    /// Registrations holding a seat until confirmed by mail.
    pub pending_count: i32,
    /// Registrations on the waitlist.
    pub waitlisted_count: i32,
    /// Seats neither confirmed nor held, at least 0.
    pub seats_left: i32,
    /// Whether a registration made now would be accepted (published, inside the window).
    pub registration_open: bool,
    /// Exhibits approved so far.
    pub approved_exhibits: i32,
    /// The event's iCalendar feed (RFC 5545), an `https`/`http` URL.
    pub calendar_url: String,
    /// The same feed as a `webcal://` subscription link for calendar apps.
    pub webcal_url: String,
    /// Who mails about the event are from.
    pub organiser_name: String,
    /// The organiser's contact address (Reply-To of the mails, iTIP ORGANIZER).
    pub organiser_email: String,
    /// The public event page (HTML) with the programme and the registration form.
    pub page_url: String,
    /// When the event was created (UTC).
    pub created_at: DateTime<Utc>,
    /// When the event was last changed (UTC).
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

/// An annual series and its editions.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesResponse {
    /// The series' slug (`[a-z0-9-]`).
    pub slug: String,
    /// Editions, oldest first.
    pub editions: Vec<EventResponse>,
}

/// Figures of one event, counted when asked.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsResponse {
    /// The event's id.
    pub event_id: Uuid,
    /// Seats (0 to 1 000 000).
    pub capacity: i32,
    /// Seats neither confirmed nor held, at least 0.
    pub seats_left: i32,
    /// Registrations by status (`confirmed`, `waitlisted`, `pending`, `cancelled`, `expired`).
    pub registrations: BTreeMap<String, i64>,
    /// Active registrations (confirmed, pending, waitlisted) by sector.
    pub by_sector: BTreeMap<String, i64>,
    /// Confirmed registrations checked in at the door (at most `registrations.confirmed`): a
    /// check-in of a registration cancelled or erased since is not counted.
    pub checked_in: i64,
    /// Pitches by status (`submitted`, `accepted`, `rejected`, `withdrawn`).
    pub pitches: BTreeMap<String, i64>,
    /// Exhibits by status (`submitted`, `approved`, `rejected`, `waitlisted`, `withdrawn`).
    pub exhibits: BTreeMap<String, i64>,
    /// Pitch slots on all stages.
    pub pitch_slots: i64,
    /// Pitch slots with a pitch assigned.
    pub pitch_slots_assigned: i64,
    /// Answers per choice and yes/no question (issue 17): `counts` of the confirmed
    /// registrations, `counts_waiting` of the pending and waitlisted ones.
    pub answers: Vec<crate::routes::questions::QuestionCounts>,
}

/// The next edition of an event: a draft copy with its stages and slot layout shifted in time,
/// no people.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"starts_at": "2028-06-22T09:00:00+02:00", "slug": "jahrestagung-2028",
    "title": "Jahrestagung 2028"}))]
pub struct CloneEvent {
    /// Start of the next edition (RFC 3339 with offset); everything shifts by the same amount.
    #[schema(format = DateTime, value_type = String)]
    pub starts_at: String,
    /// Slug of the copy (`[a-z0-9-]`, 1 to 100 characters, unique); derived from the title
    /// when absent.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[a-z0-9]([a-z0-9-]*[a-z0-9])?$"
    )]
    pub slug: Option<String>,
    /// Title of the copy (1 to 200 characters); default: the original's, its year replaced by
    /// the new edition's ("Jahrestagung 2027" → "Jahrestagung 2028").
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
}

/// A new stage (room) of an event.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"name": "Hauptbühne", "description": "Großer Saal", "position": 0}))]
pub struct CreateStage {
    /// The stage's name, one line of 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// What and where the stage is, plain text of at most 2 000 characters; default empty.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// Order of the stages in the programme, lowest first; default 0.
    pub position: Option<i32>,
}

/// Fields of a stage to change; an unknown field is a 422.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Ernst-Abbe-Saal", "position": 1}))]
pub struct UpdateStage {
    /// The stage's name, one line of 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// What and where the stage is, plain text of at most 2 000 characters.
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// Order of the stages in the programme, lowest first.
    pub position: Option<i32>,
}

/// A stage (room) of an event.
#[derive(Debug, Serialize, ToSchema)]
pub struct StageResponse {
    /// The stage's id.
    pub id: Uuid,
    /// The event's id.
    pub event_id: Uuid,
    /// The stage's name.
    pub name: String,
    /// What and where the stage is (may be empty).
    pub description: String,
    /// Order in the programme, lowest first.
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
