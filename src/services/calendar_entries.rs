//! The calendar entries podium has published, kept in `calendar_entries`: one row per UID, as
//! the entry was last shown, with its SEQUENCE and LAST-MODIFIED (RFC 5545 §3.8.7.3–4).
//!
//! [`sync`] compares what an event's feed should show now (the event and each pitch in a slot,
//! built by [`ics`]) with the stored rows and, under the event's row lock, writes the
//! difference: a changed entry (time, place, status, title, text, organiser) gets SEQUENCE + 1
//! and LAST-MODIFIED = now; an entry whose source is gone (withdrawn or unassigned pitch,
//! deleted slot) stays, `CANCELLED`, with SEQUENCE + 1; an unchanged entry is not touched. So
//! feeds render the same bytes until what they show changes, and every instance on the same
//! database renders the same entries.
//!
//! Change routes call [`sync`] in their transaction (mails take the entry's SEQUENCE from it);
//! feeds call [`current`], which syncs only when the stored rows are behind the data (writes to
//! the database that bypass the services, or data from before this table), so a missed call
//! site still reaches every feed at its next read.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{
    calendar_entry::{self, EntryKind, EntryStatus},
    event,
};
use sea_orm::{
    sea_query::{Expr, OnConflict},
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};

use crate::calendar::{Item, ItemStatus};
use crate::domain::time::now;
use crate::error::{ApiError, ApiResult};
use crate::services::{ics, programme};

/// What an entry shows; a change of any of it is a new SEQUENCE.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Shown {
    kind: EntryKind,
    summary: String,
    description: String,
    location: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    status: EntryStatus,
    organizer_name: String,
    organizer_email: String,
}

impl Shown {
    fn of(kind: EntryKind, item: &Item) -> Self {
        let (organizer_name, organizer_email) = item.organizer.clone().unwrap_or_default();
        Self {
            kind,
            summary: item.summary.clone(),
            description: item.description.clone(),
            location: item.location.clone(),
            starts_at: item.starts_at,
            ends_at: item.ends_at,
            status: entry_status(item.status),
            organizer_name,
            organizer_email,
        }
    }

    fn stored(entry: &calendar_entry::Model) -> Self {
        Self {
            kind: entry.kind,
            summary: entry.summary.clone(),
            description: entry.description.clone(),
            location: entry.location.clone(),
            starts_at: entry.starts_at,
            ends_at: entry.ends_at,
            status: entry.status,
            organizer_name: entry.organizer_name.clone(),
            organizer_email: entry.organizer_email.clone(),
        }
    }
}

fn entry_status(status: ItemStatus) -> EntryStatus {
    match status {
        ItemStatus::Confirmed => EntryStatus::Confirmed,
        ItemStatus::Tentative => EntryStatus::Tentative,
        ItemStatus::Cancelled => EntryStatus::Cancelled,
    }
}

fn item_status(status: EntryStatus) -> ItemStatus {
    match status {
        EntryStatus::Confirmed => ItemStatus::Confirmed,
        EntryStatus::Tentative => ItemStatus::Tentative,
        EntryStatus::Cancelled => ItemStatus::Cancelled,
    }
}

/// A stored entry as a calendar item; `url` is the event page (not stored: it follows the
/// configured public URL).
pub fn item_of(entry: &calendar_entry::Model, url: Option<String>) -> Item {
    Item {
        uid: entry.uid.clone(),
        summary: entry.summary.clone(),
        description: entry.description.clone(),
        location: entry.location.clone(),
        url,
        starts_at: entry.starts_at,
        ends_at: entry.ends_at,
        status: item_status(entry.status),
        sequence: entry.sequence,
        created: entry.created_at,
        last_modified: entry.last_modified,
        organizer: (!entry.organizer_email.is_empty())
            .then(|| (entry.organizer_name.clone(), entry.organizer_email.clone())),
        attendee: None,
        categories: Vec::new(),
    }
}

/// What the event's feed should show now, by UID: the event, then each pitch in a slot of the
/// last release (the draft is not shown: a release is what changes the feeds).
async fn wanted(
    db: &impl ConnectionTrait,
    event: &event::Model,
) -> ApiResult<Vec<(String, Shown, Item)>> {
    let programme = programme::load_for_feeds(db, event.id).await?;
    let mut wanted = Vec::with_capacity(programme.slots.len() + 1);
    let own = ics::event_item(event, "");
    wanted.push((own.uid.clone(), Shown::of(EntryKind::Event, &own), own));
    for slot in &programme.slots {
        let (Some(pitch), Some(stage)) = (programme.pitch_of(slot), programme.stage(slot.stage_id))
        else {
            continue;
        };
        let item = ics::pitch_item(event, pitch, slot, stage, "");
        wanted.push((item.uid.clone(), Shown::of(EntryKind::Pitch, &item), item));
    }
    Ok(wanted)
}

/// The stored entries of an event: its own first, then by start, then by UID.
async fn stored(
    db: &impl ConnectionTrait,
    event_id: uuid::Uuid,
) -> ApiResult<Vec<calendar_entry::Model>> {
    Ok(calendar_entry::Entity::find()
        .filter(calendar_entry::Column::EventId.eq(event_id))
        .order_by_asc(calendar_entry::Column::Kind)
        .order_by_asc(calendar_entry::Column::StartsAt)
        .order_by_asc(calendar_entry::Column::Uid)
        .all(db)
        .await?)
}

/// The writes that bring the stored entries to what is wanted; empty when they agree.
fn plan(
    wanted: Vec<(String, Shown, Item)>,
    stored: &[calendar_entry::Model],
    at: DateTime<Utc>,
) -> Vec<calendar_entry::Model> {
    let by_uid: HashMap<&str, &calendar_entry::Model> =
        stored.iter().map(|e| (e.uid.as_str(), e)).collect();
    let mut writes = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (uid, shown, item) in wanted {
        if !seen.insert(uid.clone()) {
            continue;
        }
        match by_uid.get(uid.as_str()) {
            Some(old) if Shown::stored(old) == shown => {}
            Some(old) => writes.push(with_shown(old, &shown, old.sequence + 1, at)),
            None => writes.push(calendar_entry::Model {
                uid: uid.clone(),
                event_id: uuid::Uuid::nil(),
                kind: shown.kind,
                summary: shown.summary,
                description: shown.description,
                location: shown.location,
                starts_at: shown.starts_at,
                ends_at: shown.ends_at,
                status: shown.status,
                organizer_name: shown.organizer_name,
                organizer_email: shown.organizer_email,
                // The SEQUENCE the entry had before this table existed, so calendars that
                // hold it see no step back.
                sequence: item.sequence.max(0),
                created_at: item.created,
                last_modified: item.last_modified.min(at),
            }),
        }
    }
    for old in stored {
        if !seen.contains(&old.uid) && old.status != EntryStatus::Cancelled {
            let gone = Shown {
                status: EntryStatus::Cancelled,
                ..Shown::stored(old)
            };
            writes.push(with_shown(old, &gone, old.sequence + 1, at));
        }
    }
    writes
}

fn with_shown(
    old: &calendar_entry::Model,
    shown: &Shown,
    sequence: i32,
    at: DateTime<Utc>,
) -> calendar_entry::Model {
    calendar_entry::Model {
        uid: old.uid.clone(),
        event_id: old.event_id,
        kind: shown.kind,
        summary: shown.summary.clone(),
        description: shown.description.clone(),
        location: shown.location.clone(),
        starts_at: shown.starts_at,
        ends_at: shown.ends_at,
        status: shown.status,
        organizer_name: shown.organizer_name.clone(),
        organizer_email: shown.organizer_email.clone(),
        sequence,
        created_at: old.created_at,
        last_modified: at.max(old.last_modified),
    }
}

async fn write(
    db: &impl ConnectionTrait,
    event: &event::Model,
    writes: Vec<calendar_entry::Model>,
) -> ApiResult<()> {
    use calendar_entry::Column as C;
    let mut own_sequence = None;
    for mut entry in writes {
        entry.event_id = event.id;
        if entry.kind == EntryKind::Event {
            own_sequence = Some(entry.sequence);
        }
        let active: calendar_entry::ActiveModel = entry.into();
        calendar_entry::Entity::insert(active)
            .on_conflict(
                OnConflict::column(C::Uid)
                    .update_columns([
                        C::Kind,
                        C::Summary,
                        C::Description,
                        C::Location,
                        C::StartsAt,
                        C::EndsAt,
                        C::Status,
                        C::OrganizerName,
                        C::OrganizerEmail,
                        C::Sequence,
                        C::LastModified,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    if let Some(sequence) = own_sequence {
        // The attendees' entries count from the event's (see `ics::registration_item`); the
        // row's version and `updated_at` stay: the event JSON did not change.
        event::Entity::update_many()
            .col_expr(event::Column::Sequence, Expr::value(sequence))
            .filter(event::Column::Id.eq(event.id))
            .filter(event::Column::Sequence.lt(sequence))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Brings the event's stored entries up to date with its data and answers them (the event's
/// own entry first). Call it inside the transaction of a change, after the change, holding the
/// event's row lock (`events::lock_for_change` or `events::lock_quietly`).
pub async fn sync(
    txn: &impl ConnectionTrait,
    event_id: uuid::Uuid,
) -> ApiResult<Vec<calendar_entry::Model>> {
    let event = event::Entity::find_by_id(event_id)
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::not_found("event"))?;
    let wanted = wanted(txn, &event).await?;
    let entries = stored(txn, event.id).await?;
    let writes = plan(wanted, &entries, now());
    if writes.is_empty() {
        return Ok(entries);
    }
    write(txn, &event, writes).await?;
    stored(txn, event.id).await
}

/// The event's entries for a feed: read without a lock, and synced under the event's lock
/// only when they are behind the data.
pub async fn current(
    db: &DatabaseConnection,
    event: &event::Model,
) -> ApiResult<Vec<calendar_entry::Model>> {
    let wanted = wanted(db, event).await?;
    let entries = stored(db, event.id).await?;
    if plan(wanted, &entries, now()).is_empty() {
        return Ok(entries);
    }
    let txn = db.begin().await?;
    crate::services::events::lock_quietly(&txn, event.id).await?;
    let entries = sync(&txn, event.id).await?;
    txn.commit().await?;
    Ok(entries)
}

/// The entry with this UID among `entries`.
pub fn find<'a>(
    entries: &'a [calendar_entry::Model],
    uid: &str,
) -> Option<&'a calendar_entry::Model> {
    entries.iter().find(|e| e.uid == uid)
}

/// The own entry of each event, in the order given, synced first for any event whose entry is
/// missing or behind its row (one query when all are current).
pub async fn own_entries(
    db: &DatabaseConnection,
    events: &[event::Model],
) -> ApiResult<Vec<calendar_entry::Model>> {
    let uids: Vec<String> = events.iter().map(ics::event_uid).collect();
    let mut found: HashMap<String, calendar_entry::Model> = HashMap::new();
    for chunk in uids.chunks(500) {
        for entry in calendar_entry::Entity::find()
            .filter(calendar_entry::Column::Uid.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            found.insert(entry.uid.clone(), entry);
        }
    }
    let mut own = Vec::with_capacity(events.len());
    for (event, uid) in events.iter().zip(uids) {
        let wanted = Shown::of(EntryKind::Event, &ics::event_item(event, ""));
        match found.remove(&uid) {
            Some(entry) if Shown::stored(&entry) == wanted => own.push(entry),
            _ => {
                let entries = current(db, event).await?;
                if let Some(entry) = find(&entries, &uid) {
                    own.push(entry.clone());
                }
            }
        }
    }
    Ok(own)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 6, 24, h, 0, 0).unwrap()
    }

    fn item(uid: &str, location: &str) -> Item {
        Item {
            uid: uid.to_owned(),
            summary: "Linsen".to_owned(),
            description: String::new(),
            location: location.to_owned(),
            url: None,
            starts_at: at(9),
            ends_at: at(10),
            status: ItemStatus::Confirmed,
            sequence: 5,
            created: at(1),
            last_modified: at(2),
            organizer: Some(("Tagungsbüro".to_owned(), "tagung@example.org".to_owned())),
            attendee: None,
            categories: Vec::new(),
        }
    }

    fn wanted(items: &[Item]) -> Vec<(String, Shown, Item)> {
        items
            .iter()
            .map(|i| (i.uid.clone(), Shown::of(EntryKind::Pitch, i), i.clone()))
            .collect()
    }

    /// The rows after applying `writes` to `stored`.
    fn apply(
        stored: &[calendar_entry::Model],
        writes: Vec<calendar_entry::Model>,
    ) -> Vec<calendar_entry::Model> {
        let mut rows: Vec<calendar_entry::Model> = stored.to_vec();
        for w in writes {
            match rows.iter_mut().find(|r| r.uid == w.uid) {
                Some(row) => *row = w,
                None => rows.push(w),
            }
        }
        rows
    }

    #[test]
    fn a_new_entry_keeps_the_sequence_it_had_before_and_an_unchanged_one_is_not_written() {
        let first = apply(&[], plan(wanted(&[item("p@podium", "Saal 2")]), &[], at(3)));
        assert_eq!(first[0].sequence, 5);
        assert_eq!(first[0].last_modified, at(2));
        assert!(plan(wanted(&[item("p@podium", "Saal 2")]), &first, at(4)).is_empty());
    }

    #[test]
    fn a_new_place_is_a_higher_sequence_and_a_new_last_modified() {
        let first = apply(&[], plan(wanted(&[item("p@podium", "Saal 2")]), &[], at(3)));
        let renamed = wanted(&[item("p@podium", "Großer Saal (EG)")]);
        let second = apply(&first, plan(renamed, &first, at(4)));
        assert_eq!(second[0].sequence, 6);
        assert_eq!(second[0].last_modified, at(4));
        assert_eq!(second[0].location, "Großer Saal (EG)");
        assert_eq!(second[0].created_at, first[0].created_at);
    }

    #[test]
    fn a_vanished_entry_stays_cancelled_once_with_its_last_time_and_place() {
        let first = apply(&[], plan(wanted(&[item("p@podium", "Saal 2")]), &[], at(3)));
        let gone = apply(&first, plan(Vec::new(), &first, at(4)));
        assert_eq!(gone.len(), 1);
        assert_eq!(gone[0].status, EntryStatus::Cancelled);
        assert_eq!(gone[0].sequence, 6);
        assert_eq!(
            (gone[0].starts_at, gone[0].location.as_str()),
            (at(9), "Saal 2")
        );
        assert!(plan(Vec::new(), &gone, at(5)).is_empty());
        // Scheduled again: confirmed, with a SEQUENCE above the cancellation's.
        let back = apply(
            &gone,
            plan(wanted(&[item("p@podium", "Saal 2")]), &gone, at(6)),
        );
        assert_eq!(back[0].status, EntryStatus::Confirmed);
        assert_eq!(back[0].sequence, 7);
    }
}
