//! Calendar entries of podium's records, for feeds and mail attachments.
use chrono_tz::Tz;
use entity::event::{self, EventStatus};

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
