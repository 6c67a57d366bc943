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

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use entity::registration::Language;

    use super::*;

    fn fixtures() -> (event::Model, pitch::Model, pitch_slot::Model, stage::Model) {
        let t = |h| Utc.with_ymd_and_hms(2027, 6, 24, h, 0, 0).unwrap();
        let event = event::Model {
            id: Uuid::nil(),
            slug: "jt".into(),
            title: "Jahrestagung".into(),
            description: String::new(),
            venue: "Volkshaus".into(),
            address: String::new(),
            timezone: "Europe/Berlin".into(),
            starts_at: t(7),
            ends_at: t(16),
            capacity: 10,
            waitlist: true,
            registration_opens_at: None,
            registration_closes_at: None,
            require_email_confirmation: false,
            exhibit_capacity: None,
            series: None,
            status: EventStatus::Published,
            confirmed_count: 0,
            pending_count: 0,
            waitlisted_count: 0,
            waitlist_seq: 0,
            approved_exhibits: 0,
            sequence: 0,
            version: 1,
            created_at: t(1),
            updated_at: t(1),
        };
        let pitch = pitch::Model {
            id: Uuid::from_u128(7),
            event_id: event.id,
            title: "Flachs".into(),
            r#abstract: "Fasern".into(),
            organisation: "Faserwerk".into(),
            presenter_name: "Petra".into(),
            presenter_email: "p@x.example".into(),
            presenter_email_lower: "p@x.example".into(),
            language: Language::De,
            duration_minutes: 10,
            status: PitchStatus::Accepted,
            sequence: 3,
            manage_token: "secret".into(),
            created_at: t(2),
            updated_at: t(3),
        };
        let stage = stage::Model {
            id: Uuid::from_u128(9),
            event_id: event.id,
            name: "Forum".into(),
            description: String::new(),
            position: 0,
            created_at: t(1),
        };
        let slot = pitch_slot::Model {
            id: Uuid::from_u128(8),
            event_id: event.id,
            stage_id: stage.id,
            starts_at: t(8),
            ends_at: t(8) + chrono::Duration::minutes(10),
            pitch_id: Some(pitch.id),
            sequence: 1,
            created_at: t(2),
            updated_at: t(2),
        };
        (event, pitch, slot, stage)
    }

    #[test]
    fn a_pitch_item_keeps_its_uid_and_never_shows_the_presenters_address_or_token() {
        let (event, pitch, slot, stage) = fixtures();
        let item = pitch_item(&event, &pitch, &slot, &stage, "https://p.example");
        assert_eq!(item.uid, format!("pitch-{}@podium", pitch.id));
        assert_eq!(item.summary, "Flachs — Faserwerk");
        assert_eq!(item.location, "Forum, Volkshaus");
        assert_eq!(item.description, "Fasern");
        assert_eq!(item.sequence, 3);
        assert_eq!(item.status, ItemStatus::Confirmed);
        let text = invite(&event, item, Method::Request);
        assert!(!text.contains("p@x.example") && !text.contains("secret"));

        let freed = pitch_slot::Model {
            pitch_id: None,
            ..slot.clone()
        };
        let cancelled = pitch_item(&event, &pitch, &freed, &stage, "https://p.example");
        assert_eq!(cancelled.status, ItemStatus::Cancelled);
        assert_eq!(cancelled.uid, format!("pitch-{}@podium", pitch.id));
        let withdrawn = pitch::Model {
            status: PitchStatus::Withdrawn,
            ..pitch
        };
        let item = pitch_item(&event, &withdrawn, &slot, &stage, "https://p.example");
        assert_eq!(item.status, ItemStatus::Cancelled);
    }
}
