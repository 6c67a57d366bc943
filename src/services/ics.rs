//! Calendar entries of podium's records, for feeds and mail attachments.
use chrono_tz::Tz;
use entity::{
    event::{self, EventStatus},
    pitch::{self, PitchStatus},
    pitch_slot, stage,
};
use uuid::Uuid;

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
        url: Some(format!("{public_url}/api/v1/events/{}", event.slug)),
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

/// The UID of a pitch's calendar entry: one per pitch, kept across moves and stage changes.
pub fn pitch_uid(pitch_id: Uuid) -> String {
    format!("pitch-{pitch_id}@podium")
}

/// A pitch in its slot as a calendar entry; `SEQUENCE` is the pitch's own.
///
/// The entry is `CANCELLED` when the event is cancelled, the pitch is rejected or withdrawn,
/// or `slot` no longer holds the pitch (pass the slot as it is after an unassignment).
pub fn pitch_item(
    event: &event::Model,
    pitch: &pitch::Model,
    slot: &pitch_slot::Model,
    stage: &stage::Model,
    public_url: &str,
) -> Item {
    let cancelled = event.status == EventStatus::Cancelled
        || matches!(pitch.status, PitchStatus::Rejected | PitchStatus::Withdrawn)
        || slot.pitch_id != Some(pitch.id);
    let summary = if pitch.organisation.is_empty() {
        pitch.title.clone()
    } else {
        format!("{} — {}", pitch.title, pitch.organisation)
    };
    let location = [stage.name.as_str(), event.venue.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    Item {
        uid: pitch_uid(pitch.id),
        summary,
        description: pitch.r#abstract.clone(),
        location,
        url: Some(format!(
            "{public_url}/api/v1/events/{}/schedule",
            event.slug
        )),
        starts_at: slot.starts_at,
        ends_at: slot.ends_at,
        status: if cancelled {
            ItemStatus::Cancelled
        } else {
            ItemStatus::Confirmed
        },
        sequence: pitch.sequence,
        created: pitch.created_at,
        last_modified: pitch.updated_at.max(slot.updated_at),
        organizer: None,
        categories: vec!["Pitch".to_owned()],
    }
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
