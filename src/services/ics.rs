//! Calendar entries of podium's records, for feeds and mail attachments.
use chrono_tz::Tz;
use entity::{
    event::{self, EventStatus},
    pitch::{self, PitchStatus},
    pitch_slot,
    registration::{self, RegistrationStatus},
    stage,
};

use crate::calendar::{self, Calendar, Item, ItemStatus, Method};

/// The UID of an event's own calendar entry; never changes.
pub fn event_uid(event: &event::Model) -> String {
    format!("event-{}@podium", event.id)
}

pub fn event_location(event: &event::Model) -> String {
    [event.venue.as_str(), event.address.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn event_tz(event: &event::Model) -> Tz {
    event.timezone.parse().unwrap_or(Tz::UTC)
}

/// The event itself as a calendar entry.
pub fn event_item(event: &event::Model, public_url: &str) -> Item {
    Item {
        uid: event_uid(event),
        summary: event.title.clone(),
        description: event.description.clone(),
        location: event_location(event),
        url: Some(event_url(event, public_url)),
        starts_at: event.starts_at,
        ends_at: event.ends_at,
        status: if event.status == EventStatus::Cancelled {
            ItemStatus::Cancelled
        } else {
            ItemStatus::Confirmed
        },
        sequence: event.sequence,
        created: event.created_at,
        last_modified: event.updated_at,
        organizer: None,
        categories: Vec::new(),
    }
}

/// The UID of a pitch's calendar entry; it follows the pitch from slot to slot.
pub fn pitch_uid(pitch: &pitch::Model) -> String {
    format!("pitch-{}@podium", pitch.id)
}

/// The SEQUENCE of a pitch's entry: the pitch's own changes (assignment, move, withdrawal)
/// plus the event's (time, place, cancellation), so it grows when either does.
pub fn pitch_sequence(event: &event::Model, pitch: &pitch::Model) -> i32 {
    pitch.sequence.max(0).saturating_add(event.sequence.max(0))
}

/// `"{title} — {organisation}"`, or the title alone.
pub fn pitch_summary(pitch: &pitch::Model) -> String {
    if pitch.organisation.trim().is_empty() {
        pitch.title.clone()
    } else {
        format!("{} — {}", pitch.title, pitch.organisation)
    }
}

/// A pitch in its slot, as a calendar entry: `STATUS:CANCELLED` once the pitch is no longer
/// accepted (withdrawn) or the event is cancelled.
pub fn pitch_item(
    event: &event::Model,
    pitch: &pitch::Model,
    slot: &pitch_slot::Model,
    stage: &stage::Model,
    public_url: &str,
) -> Item {
    let location = [stage.name.as_str(), event.venue.as_str()]
        .into_iter()
        .filter(|s| !s.trim().is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    let description = match (
        pitch.r#abstract.trim().is_empty(),
        pitch.presenter_name.trim().is_empty(),
    ) {
        (_, true) => pitch.r#abstract.clone(),
        (true, false) => pitch.presenter_name.clone(),
        (false, false) => format!("{}\n\n{}", pitch.r#abstract, pitch.presenter_name),
    };
    let cancelled = event.status == EventStatus::Cancelled || pitch.status != PitchStatus::Accepted;
    let mut last_modified = pitch.updated_at.max(slot.updated_at);
    if event.status == EventStatus::Cancelled {
        last_modified = last_modified.max(event.updated_at);
    }
    Item {
        uid: pitch_uid(pitch),
        summary: pitch_summary(pitch),
        description,
        location,
        url: Some(event_url(event, public_url)),
        starts_at: slot.starts_at,
        ends_at: slot.ends_at,
        status: if cancelled {
            ItemStatus::Cancelled
        } else {
            ItemStatus::Confirmed
        },
        sequence: pitch_sequence(event, pitch),
        created: pitch.created_at,
        last_modified,
        organizer: None,
        categories: Vec::new(),
    }
}

/// A pitch that has lost its slot (unassigned, withdrawn) after it was scheduled: a cancelled
/// entry under the pitch's UID so calendars that hold it strike it. The slot's time is gone,
/// so the entry carries the event's.
pub fn unscheduled_pitch_item(
    event: &event::Model,
    pitch: &pitch::Model,
    public_url: &str,
) -> Item {
    Item {
        uid: pitch_uid(pitch),
        summary: pitch_summary(pitch),
        description: pitch.r#abstract.clone(),
        location: event_location(event),
        url: Some(event_url(event, public_url)),
        starts_at: event.starts_at,
        ends_at: event.ends_at,
        status: ItemStatus::Cancelled,
        sequence: pitch_sequence(event, pitch),
        created: pitch.created_at,
        last_modified: pitch.updated_at,
        organizer: None,
        categories: Vec::new(),
    }
}

/// The UID of an attendee's own entry for the event. It is per registration, not the
/// event's UID, because its status is the attendee's: a cancelled registration must not
/// strike the event from a calendar that also subscribes to the public feed.
pub fn registration_uid(registration: &registration::Model) -> String {
    format!("registration-{}@podium", registration.id)
}

/// The event as one attendee holds it: confirmed, tentative while waitlisted or unconfirmed,
/// cancelled when the registration or the event is.
pub fn registration_item(
    event: &event::Model,
    registration: &registration::Model,
    public_url: &str,
) -> Item {
    let status = match (event.status, registration.status) {
        (EventStatus::Cancelled, _)
        | (_, RegistrationStatus::Cancelled | RegistrationStatus::Expired) => ItemStatus::Cancelled,
        _ if registration.erased_at.is_some() => ItemStatus::Cancelled,
        (_, RegistrationStatus::Waitlisted | RegistrationStatus::Pending) => ItemStatus::Tentative,
        (_, RegistrationStatus::Confirmed) => ItemStatus::Confirmed,
    };
    Item {
        uid: registration_uid(registration),
        sequence: registration
            .sequence
            .max(0)
            .saturating_add(event.sequence.max(0)),
        status,
        created: registration.created_at,
        last_modified: registration.updated_at.max(event.updated_at),
        ..event_item(event, public_url)
    }
}

fn event_url(event: &event::Model, public_url: &str) -> String {
    format!("{public_url}/api/v1/events/{}", event.slug)
}

/// A one-entry calendar for a mail attachment (`REQUEST` to add or update, `CANCEL` to remove).
pub fn invite(event: &event::Model, item: Item, method: Method) -> String {
    calendar::render(&Calendar {
        name: event.title.clone(),
        timezone: event_tz(event),
        method,
        refresh_minutes: 60,
        items: vec![item],
    })
}
