//! Calendar entries of podium's records, for feeds and mail attachments.
use chrono_tz::Tz;
use entity::{
    calendar_entry,
    event::{self, EventStatus},
    pitch::{self, PitchStatus},
    pitch_slot,
    registration::{self, RegistrationStatus},
    stage,
};

use crate::calendar::{self, Calendar, Item, ItemStatus, Method};
use crate::services::calendar_entries;

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
        organizer: organizer_of(event),
        attendee: None,
        categories: Vec::new(),
    }
}

/// The event's organiser as `(name, address)`, `None` while it has no contact address.
pub fn organizer_of(event: &event::Model) -> Option<(String, String)> {
    (!event.organiser_email.trim().is_empty())
        .then(|| (event.organiser_name.clone(), event.organiser_email.clone()))
}

/// `(name, address)` of a mailbox such as `podium <noreply@example.org>` (`MAIL_FROM`).
pub fn mailbox_parts(mailbox: &str) -> Option<(String, String)> {
    let parsed: lettre::message::Mailbox = mailbox.parse().ok()?;
    Some((parsed.name.unwrap_or_default(), parsed.email.to_string()))
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
/// accepted (rejected, withdrawn), the slot no longer holds it (pass the slot as it is after an
/// unassignment), or the event is cancelled.
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
    let cancelled = event.status == EventStatus::Cancelled
        || pitch.status != PitchStatus::Accepted
        || slot.pitch_id != Some(pitch.id);
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
        organizer: organizer_of(event),
        attendee: None,
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
/// cancelled when the registration or the event is. It shows what the event's published
/// entry shows (`event_entry`, see [`crate::services::calendar_entries`]; the event itself
/// when there is none yet); its SEQUENCE is the registration's changes plus the event's, so it
/// grows with either, and the same UID serves the attendee's mails and personal feed.
pub fn registration_item(
    event: &event::Model,
    event_entry: Option<&calendar_entry::Model>,
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
    let shown = match event_entry {
        Some(entry) => calendar_entries::item_of(entry, Some(event_url(event, public_url))),
        None => event_item(event, public_url),
    };
    let event_sequence = event.sequence.max(event_entry.map_or(0, |e| e.sequence));
    Item {
        uid: registration_uid(registration),
        sequence: registration
            .sequence
            .max(0)
            .saturating_add(event_sequence.max(0)),
        status,
        created: registration.created_at,
        last_modified: registration.updated_at.max(shown.last_modified),
        ..shown
    }
}

/// The `URL` of calendar entries: the public event page, which people can open.
pub fn event_url(event: &event::Model, public_url: &str) -> String {
    format!("{public_url}/events/{}", event.slug)
}

/// A one-entry iTIP message for a mail attachment (RFC 5546): `REQUEST` to add or update,
/// `CANCEL` to remove, addressed to `attendee` as `(name, address)` with `RSVP=FALSE`. The
/// ORGANIZER is the event's organiser, else `sender` (`(name, address)` of `MAIL_FROM`). A
/// `CANCEL` always shows `STATUS:CANCELLED`.
pub fn invite(
    event: &event::Model,
    mut item: Item,
    method: Method,
    attendee: (&str, &str),
    sender: Option<(String, String)>,
) -> String {
    if method == Method::Cancel {
        item.status = ItemStatus::Cancelled;
    }
    if item.organizer.is_none() {
        item.organizer = sender;
    }
    item.attendee = Some((attendee.0.to_owned(), attendee.1.to_owned()));
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
    use super::*;
    use chrono::{DateTime, TimeZone, Utc};
    use entity::registration::{Language, Sector};
    use uuid::Uuid;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 6, 24, h, 0, 0).unwrap()
    }

    fn event() -> event::Model {
        event::Model {
            id: Uuid::from_u128(1),
            slug: "jt27".into(),
            title: "Jahrestagung 2027".into(),
            description: String::new(),
            venue: "Volkshaus".into(),
            address: "Jena".into(),
            timezone: "Europe/Berlin".into(),
            starts_at: at(7),
            ends_at: at(16),
            capacity: 10,
            waitlist: true,
            registration_opens_at: None,
            registration_closes_at: None,
            require_email_confirmation: false,
            mailbox_registrations_max: 1,
            mailbox_holds_max: 1,
            hold_hours: 48,
            exhibit_capacity: None,
            series: None,
            status: EventStatus::Published,
            confirmed_count: 0,
            pending_count: 0,
            waitlisted_count: 0,
            waitlist_seq: 0,
            approved_exhibits: 0,
            registrations_total: 0,
            sequence: 2,
            version: 9,
            organiser_name: "Tagungsbüro".into(),
            organiser_email: "tagung@example.org".into(),
            created_at: at(1),
            updated_at: at(3),
        }
    }

    fn pitch() -> pitch::Model {
        pitch::Model {
            id: Uuid::from_u128(2),
            event_id: Uuid::from_u128(1),
            title: "Linsen".into(),
            r#abstract: "Über Linsen.".into(),
            organisation: "Optik AG".into(),
            presenter_name: "Ada".into(),
            presenter_email: "ada@example.org".into(),
            presenter_email_lower: "ada@example.org".into(),
            language: Language::De,
            duration_minutes: 20,
            status: PitchStatus::Accepted,
            sequence: 3,
            manage_token_hash: "t".into(),
            created_at: at(1),
            updated_at: at(2),
        }
    }

    fn slot() -> pitch_slot::Model {
        pitch_slot::Model {
            id: Uuid::from_u128(3),
            event_id: Uuid::from_u128(1),
            stage_id: Uuid::from_u128(4),
            starts_at: at(9),
            ends_at: at(10),
            pitch_id: Some(Uuid::from_u128(2)),
            sequence: 1,
            created_at: at(1),
            updated_at: at(4),
        }
    }

    fn stage() -> stage::Model {
        stage::Model {
            id: Uuid::from_u128(4),
            event_id: Uuid::from_u128(1),
            name: "Saal".into(),
            description: String::new(),
            position: 0,
            created_at: at(1),
        }
    }

    fn registration(status: RegistrationStatus) -> registration::Model {
        registration::Model {
            id: Uuid::from_u128(5),
            event_id: Uuid::from_u128(1),
            name: "Grace".into(),
            email: "g@example.org".into(),
            email_lower: "g@example.org".into(),
            organisation: String::new(),
            sector: Sector::Science,
            language: Language::En,
            status,
            waitlist_seq: None,
            manage_token_hash: "r".into(),
            mailbox: "g@example.org".into(),
            checked_in_at: None,
            hold_expires_at: None,
            sequence: 4,
            created_at: at(1),
            updated_at: at(5),
            cancelled_at: None,
            erased_at: None,
        }
    }

    #[test]
    fn a_pitch_item_carries_the_agreed_uid_summary_location_and_sequence() {
        let item = pitch_item(&event(), &pitch(), &slot(), &stage(), "https://p.example");
        assert_eq!(item.uid, format!("pitch-{}@podium", Uuid::from_u128(2)));
        assert_eq!(item.summary, "Linsen — Optik AG");
        assert_eq!(item.location, "Saal, Volkshaus");
        assert_eq!(item.description, "Über Linsen.\n\nAda");
        assert_eq!(item.url.as_deref(), Some("https://p.example/events/jt27"));
        assert_eq!((item.starts_at, item.ends_at), (at(9), at(10)));
        assert_eq!(item.sequence, 3 + 2);
        assert_eq!(item.status, ItemStatus::Confirmed);
        assert_eq!(item.last_modified, at(4));
    }

    #[test]
    fn a_pitch_item_is_cancelled_with_its_pitch_or_its_event() {
        let mut withdrawn = pitch();
        withdrawn.status = PitchStatus::Withdrawn;
        let item = pitch_item(&event(), &withdrawn, &slot(), &stage(), "");
        assert_eq!(item.status, ItemStatus::Cancelled);
        let mut cancelled = event();
        cancelled.status = EventStatus::Cancelled;
        cancelled.updated_at = at(6);
        let item = pitch_item(&cancelled, &pitch(), &slot(), &stage(), "");
        assert_eq!(item.status, ItemStatus::Cancelled);
        assert_eq!(item.last_modified, at(6));
        let freed = pitch_slot::Model {
            pitch_id: None,
            ..slot()
        };
        let item = pitch_item(&event(), &pitch(), &freed, &stage(), "");
        assert_eq!(item.status, ItemStatus::Cancelled);
        assert_eq!(item.uid, pitch_uid(&pitch()));
        let text = invite(
            &event(),
            item,
            Method::Cancel,
            ("Ada", "ada@x.example"),
            None,
        );
        assert!(!text.contains("ada@example.org") && !text.contains("MANAGE"));
        assert!(text.contains("ATTENDEE;CN=Ada;RSVP=FALSE:mailto:ada@x.example"));
        assert!(text.contains("ORGANIZER;CN=Tagungsbüro:mailto:tagung@example.org"));
        let mut anonymous = pitch();
        anonymous.organisation = " ".into();
        assert_eq!(pitch_summary(&anonymous), "Linsen");
    }

    #[test]
    fn a_registration_item_has_its_own_uid_and_the_attendees_status() {
        let cases = [
            (RegistrationStatus::Confirmed, ItemStatus::Confirmed),
            (RegistrationStatus::Waitlisted, ItemStatus::Tentative),
            (RegistrationStatus::Pending, ItemStatus::Tentative),
            (RegistrationStatus::Cancelled, ItemStatus::Cancelled),
            (RegistrationStatus::Expired, ItemStatus::Cancelled),
        ];
        for (status, shown) in cases {
            let item = registration_item(&event(), None, &registration(status), "");
            assert_eq!(item.status, shown, "{status:?}");
            assert_eq!(
                item.uid,
                format!("registration-{}@podium", Uuid::from_u128(5))
            );
            assert_eq!(item.sequence, 4 + 2);
            assert_eq!(item.last_modified, at(5));
            assert_eq!(item.summary, "Jahrestagung 2027");
        }
        let mut cancelled = event();
        cancelled.status = EventStatus::Cancelled;
        let item = registration_item(
            &cancelled,
            None,
            &registration(RegistrationStatus::Confirmed),
            "",
        );
        assert_eq!(item.status, ItemStatus::Cancelled);
    }
}
