//! Releases of the programme (issue 29, item 4): the organisers edit a draft (`pitch_slots`:
//! slots, moves, assignments, none of which mails anybody); a release publishes the draft as
//! the event's next version. The public programme, the event page and every calendar feed read
//! the last release ([`programme::load`]).
//!
//! A release, in one transaction under the event's lock (so two releases of one event queue up,
//! and `(event_id, version)` is the key besides):
//! 1. compares the draft with the last release ([`diff`]): pitches placed, moved or unplaced,
//!    open slots added, changed or removed;
//! 2. stores the draft's slots under the next version, with the list of changes;
//! 3. brings the calendar entries up to the release once (a changed entry: SEQUENCE + 1, so
//!    SEQUENCE grows once per release and item however often the draft moved it);
//! 4. queues one mail per changed pitch to its presenter, saying what changed for them, with
//!    an iTIP `REQUEST` (placed, moved) or `CANCEL` (unplaced) of the entry the feeds show.
//!
//! A release without changes is allowed: it is a new version with an empty list and mails
//! nobody (a "nothing changed, still valid" stamp that tools may rely on). A pitch that left
//! the programme by withdrawal, rejection or erasure is listed as unplaced but not mailed: its
//! presenter got the withdrawal or rejection mail (with the cancellation) at the time.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{
    event, pitch, pitch::PitchStatus, pitch_slot, released_slot, schedule_release, stage,
};
use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::time::now;
use crate::error::{ApiError, ApiResult};
use crate::services::{calendar_entries, events, pitch_slots, pitches, programme, Ctx};

/// Longest note of a release, in characters.
pub const NOTE_MAX: usize = 2000;

/// What a change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A pitch got a slot.
    Placed,
    /// A pitch's slot is elsewhere: another slot, stage or time.
    Moved,
    /// A pitch lost its slot (unassigned, its slot deleted, or the pitch left the programme).
    Unplaced,
    /// A new open slot.
    SlotAdded,
    /// An open slot on another stage or at another time.
    SlotChanged,
    /// An open slot is gone.
    SlotRemoved,
}

/// Where and when, as a release or the draft has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub slot_id: Uuid,
    pub stage_id: Uuid,
    pub stage_name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// One change between the last release and the draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub kind: ChangeKind,
    /// The pitch, for `placed`, `moved` and `unplaced`.
    pub pitch_id: Option<Uuid>,
    /// Its title as it was at the release (a pitch erased since has none).
    pub pitch_title: Option<String>,
    pub presenter_name: Option<String>,
    /// As the last release had it; `None` for `placed` and `slot_added`.
    pub from: Option<Place>,
    /// As the draft has it; `None` for `unplaced` and `slot_removed`.
    pub to: Option<Place>,
    /// Whether the release mails the presenter about it.
    pub mailed: bool,
}

/// A release as stored, with its changes read back.
#[derive(Debug, Clone)]
pub struct Release {
    pub version: i32,
    pub note: String,
    pub released_at: DateTime<Utc>,
    pub changes: Vec<Change>,
}

impl Release {
    fn of(model: schedule_release::Model) -> Self {
        Self {
            version: model.version,
            note: model.note,
            released_at: model.released_at,
            // Release 1 made by the migration stores `[]`; an unreadable list reads as empty.
            changes: serde_json::from_str(&model.changes).unwrap_or_default(),
        }
    }
}

/// A slot reduced to what a release publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Placed {
    slot_id: Uuid,
    stage_id: Uuid,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    pitch_id: Option<Uuid>,
}

impl Placed {
    fn same_place(&self, other: &Placed) -> bool {
        (self.slot_id, self.stage_id, self.starts_at, self.ends_at)
            == (
                other.slot_id,
                other.stage_id,
                other.starts_at,
                other.ends_at,
            )
    }
}

impl From<&released_slot::Model> for Placed {
    fn from(s: &released_slot::Model) -> Self {
        Self {
            slot_id: s.slot_id,
            stage_id: s.stage_id,
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            pitch_id: s.pitch_id,
        }
    }
}

impl From<&pitch_slot::Model> for Placed {
    fn from(s: &pitch_slot::Model) -> Self {
        Self {
            slot_id: s.id,
            stage_id: s.stage_id,
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            pitch_id: s.pitch_id,
        }
    }
}

/// The changes from `released` to `draft`: first by pitch (in the draft's order, then the
/// unplaced in the release's), then the open slots. A pitch is mailed when it is accepted now.
fn diff(
    released: &[Placed],
    draft: &[Placed],
    stages: &HashMap<Uuid, stage::Model>,
    pitches: &HashMap<Uuid, pitch::Model>,
) -> Vec<Change> {
    let place = |p: &Placed| Place {
        slot_id: p.slot_id,
        stage_id: p.stage_id,
        stage_name: stages
            .get(&p.stage_id)
            .map(|s| s.name.clone())
            .unwrap_or_default(),
        starts_at: p.starts_at,
        ends_at: p.ends_at,
    };
    let change = |kind, pitch_id: Option<Uuid>, from: Option<&Placed>, to: Option<&Placed>| {
        let pitch = pitch_id.and_then(|id| pitches.get(&id));
        Change {
            kind,
            pitch_id,
            pitch_title: pitch.map(|p| p.title.clone()),
            presenter_name: pitch.map(|p| p.presenter_name.clone()),
            from: from.map(place),
            to: to.map(place),
            mailed: pitch.is_some_and(|p| p.status == PitchStatus::Accepted),
        }
    };
    let by_pitch = |slots: &[Placed]| -> HashMap<Uuid, Placed> {
        slots
            .iter()
            .filter_map(|s| s.pitch_id.map(|id| (id, *s)))
            .collect()
    };
    let (was, is) = (by_pitch(released), by_pitch(draft));
    let mut changes = Vec::new();
    for now in draft {
        let Some(id) = now.pitch_id else { continue };
        match was.get(&id) {
            None => changes.push(change(ChangeKind::Placed, Some(id), None, Some(now))),
            Some(before) if !before.same_place(now) => {
                changes.push(change(ChangeKind::Moved, Some(id), Some(before), Some(now)));
            }
            Some(_) => {}
        }
    }
    for before in released {
        let Some(id) = before.pitch_id else { continue };
        if !is.contains_key(&id) {
            changes.push(change(ChangeKind::Unplaced, Some(id), Some(before), None));
        }
    }
    let open = |slots: &[Placed]| -> HashMap<Uuid, Placed> {
        slots
            .iter()
            .filter(|s| s.pitch_id.is_none())
            .map(|s| (s.slot_id, *s))
            .collect()
    };
    let (was_open, is_open) = (open(released), open(draft));
    let all_before: HashMap<Uuid, Placed> = released.iter().map(|s| (s.slot_id, *s)).collect();
    let all_now: HashMap<Uuid, Placed> = draft.iter().map(|s| (s.slot_id, *s)).collect();
    for now in draft.iter().filter(|s| s.pitch_id.is_none()) {
        match (
            was_open.get(&now.slot_id),
            all_before.contains_key(&now.slot_id),
        ) {
            (Some(before), _) if !before.same_place(now) => {
                changes.push(change(
                    ChangeKind::SlotChanged,
                    None,
                    Some(before),
                    Some(now),
                ));
            }
            (None, false) => changes.push(change(ChangeKind::SlotAdded, None, None, Some(now))),
            _ => {}
        }
    }
    for before in released.iter().filter(|s| s.pitch_id.is_none()) {
        if !all_now.contains_key(&before.slot_id) && !is_open.contains_key(&before.slot_id) {
            changes.push(change(ChangeKind::SlotRemoved, None, Some(before), None));
        }
    }
    changes
}

/// The draft compared with the last release: the last release's version (`None` before the
/// first) and the changes a release would publish now.
pub async fn pending(
    db: &impl ConnectionTrait,
    event_id: Uuid,
) -> ApiResult<(Option<i32>, Vec<Change>)> {
    let last = programme::last_release(db, event_id).await?;
    let released: Vec<Placed> = match &last {
        Some(r) => programme::released_slots(db, event_id, r.version)
            .await?
            .iter()
            .map(Placed::from)
            .collect(),
        None => Vec::new(),
    };
    let draft = programme::load_draft(db, event_id).await?;
    let placed: Vec<Placed> = draft.slots.iter().map(Placed::from).collect();
    let stages: HashMap<Uuid, stage::Model> =
        draft.stages.iter().map(|s| (s.id, s.clone())).collect();
    let mut ids: Vec<Uuid> = released.iter().filter_map(|s| s.pitch_id).collect();
    ids.retain(|id| !draft.pitches.contains_key(id));
    let mut pitches = draft.pitches.clone();
    for chunk in ids.chunks(500) {
        for p in pitch::Entity::find()
            .filter(pitch::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            pitches.insert(p.id, p);
        }
    }
    Ok((
        last.map(|r| r.version),
        diff(&released, &placed, &stages, &pitches),
    ))
}

/// The event's releases, newest first.
pub async fn list(db: &impl ConnectionTrait, event_id: Uuid) -> ApiResult<Vec<Release>> {
    Ok(schedule_release::Entity::find()
        .filter(schedule_release::Column::EventId.eq(event_id))
        .order_by_desc(schedule_release::Column::Version)
        .all(db)
        .await?
        .into_iter()
        .map(Release::of)
        .collect())
}

/// A note: multi-line text (see [`crate::domain::text::multi_line`]), at most [`NOTE_MAX`]
/// characters, may be empty.
pub fn parse_note(note: Option<&str>) -> ApiResult<String> {
    let mut v = crate::domain::text::Validator::new();
    let note = v.check(crate::domain::text::multi_line(
        "note",
        note.unwrap_or_default(),
        NOTE_MAX,
    ));
    v.finish()?;
    Ok(note.unwrap_or_default())
}

/// Publishes the draft as the event's next version and mails each presenter whose slot changed
/// (see the module's documentation). 409 when the event is cancelled.
#[tracing::instrument(skip(ctx, note), fields(event_id = %event_id))]
pub async fn release(
    ctx: &Ctx,
    event_id: Uuid,
    note: String,
) -> ApiResult<(event::Model, Release)> {
    let txn = crate::db::begin_write(&ctx.db).await?;
    let event = events::lock_for_change(&txn, event_id).await?;
    pitch_slots::ensure_not_cancelled(&event)?;
    let (last, changes) = pending(&txn, event_id).await?;
    let version = last.unwrap_or(0) + 1;
    store(&txn, event_id, version, note, &changes).await?;
    // The pitch's own SEQUENCE seeds an entry the feeds have not shown yet (see
    // `calendar_entries`): once per release, like the entry's.
    let changed: Vec<Uuid> = changes.iter().filter_map(|c| c.pitch_id).collect();
    for chunk in changed.chunks(500) {
        pitch::Entity::update_many()
            .col_expr(
                pitch::Column::Sequence,
                Expr::col(pitch::Column::Sequence).add(1),
            )
            .filter(pitch::Column::Id.is_in(chunk.to_vec()))
            .exec(&txn)
            .await?;
    }
    let mailed = mail_changes(&txn, ctx, &event, &changes).await?;
    // Subscribers hear of the release in its transaction (issue 31): nothing for one rolled back.
    let hooked = crate::webhooks::enqueue(
        &txn,
        &[crate::webhooks::Change::new(
            crate::webhooks::EventType::ScheduleReleased,
            event.id,
            &event.slug,
            crate::webhooks::Subject::Event,
        )],
    )
    .await?;
    let stored = schedule_release::Entity::find()
        .filter(schedule_release::Column::EventId.eq(event_id))
        .filter(schedule_release::Column::Version.eq(version))
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("the release just stored is gone")))?;
    txn.commit().await?;
    if mailed || hooked > 0 {
        ctx.wake_mailer();
    }
    Ok((event, Release::of(stored)))
}

/// Stores the draft's slots as release `version` with its note and changes; mails nobody
/// (the demo's seed uses it as it is; [`release`] mails after it).
pub async fn store(
    txn: &impl ConnectionTrait,
    event_id: Uuid,
    version: i32,
    note: String,
    changes: &[Change],
) -> ApiResult<()> {
    let stored = schedule_release::ActiveModel {
        event_id: Set(event_id),
        version: Set(version),
        note: Set(note),
        changes: Set(serde_json::to_string(changes).map_err(|e| ApiError::Internal(e.into()))?),
        released_at: Set(now()),
    };
    schedule_release::Entity::insert(stored)
        .exec_without_returning(txn)
        .await?;
    let draft = pitch_slot::Entity::find()
        .filter(pitch_slot::Column::EventId.eq(event_id))
        .all(txn)
        .await?;
    for chunk in draft.chunks(500) {
        let rows = chunk.iter().map(|s| released_slot::ActiveModel {
            event_id: Set(event_id),
            version: Set(version),
            slot_id: Set(s.id),
            stage_id: Set(s.stage_id),
            starts_at: Set(s.starts_at),
            ends_at: Set(s.ends_at),
            pitch_id: Set(s.pitch_id),
        });
        released_slot::Entity::insert_many(rows)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// Syncs the calendar entries to the release once, then queues one mail per changed pitch.
async fn mail_changes(
    txn: &impl ConnectionTrait,
    ctx: &Ctx,
    event: &event::Model,
    changes: &[Change],
) -> ApiResult<bool> {
    let entries = calendar_entries::sync(txn, event.id).await?;
    let mut mailed = false;
    for change in changes.iter().filter(|c| c.mailed) {
        let Some(pitch_id) = change.pitch_id else {
            continue;
        };
        let Some(pitch) = pitch::Entity::find_by_id(pitch_id).one(txn).await? else {
            continue;
        };
        let slot_of = |p: &Place| {
            (
                pitch_slot::Model {
                    id: p.slot_id,
                    event_id: event.id,
                    stage_id: p.stage_id,
                    starts_at: p.starts_at,
                    ends_at: p.ends_at,
                    pitch_id: Some(pitch.id),
                    sequence: 0,
                    created_at: p.starts_at,
                    updated_at: p.starts_at,
                },
                stage::Model {
                    id: p.stage_id,
                    event_id: event.id,
                    name: p.stage_name.clone(),
                    description: String::new(),
                    position: 0,
                    created_at: p.starts_at,
                },
            )
        };
        match (change.kind, &change.from, &change.to) {
            (ChangeKind::Placed, _, Some(to)) => {
                let (slot, stage) = slot_of(to);
                pitches::notify_assigned(txn, ctx, &entries, event, &pitch, &slot, &stage).await?;
            }
            (ChangeKind::Moved, Some(from), Some(to)) => {
                let (from, to) = (slot_of(from), slot_of(to));
                pitches::notify_moved(
                    txn,
                    ctx,
                    &entries,
                    event,
                    &pitch,
                    (&from.0, &from.1),
                    (&to.0, &to.1),
                )
                .await?;
            }
            (ChangeKind::Unplaced, Some(from), _) => {
                let (slot, stage) = slot_of(from);
                pitches::notify_unassigned(txn, ctx, &entries, event, &pitch, &slot, &stage)
                    .await?;
            }
            _ => continue,
        }
        mailed = true;
    }
    Ok(mailed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 6, 24, h, 0, 0).unwrap()
    }

    fn slot(n: u128, h: u32, pitch: Option<u128>) -> Placed {
        Placed {
            slot_id: Uuid::from_u128(n),
            stage_id: Uuid::from_u128(100),
            starts_at: at(h),
            ends_at: at(h + 1),
            pitch_id: pitch.map(Uuid::from_u128),
        }
    }

    fn kinds(changes: &[Change]) -> Vec<(ChangeKind, Option<u128>)> {
        changes
            .iter()
            .map(|c| (c.kind, c.pitch_id.map(|p| p.as_u128())))
            .collect()
    }

    #[test]
    fn the_same_programme_has_no_changes() {
        let programme = [slot(1, 9, Some(7)), slot(2, 10, None)];
        let none = diff(&programme, &programme, &HashMap::new(), &HashMap::new());
        assert!(none.is_empty());
    }

    #[test]
    fn pitches_placed_moved_and_unplaced_come_first_then_open_slots() {
        let released = [
            slot(1, 9, Some(7)),
            slot(2, 10, Some(8)),
            slot(3, 11, None),
            slot(4, 12, None),
        ];
        // 7 keeps its slot, which moves; 8 leaves; 9 arrives in slot 3; slot 4 is gone; slot 5 new.
        let draft = [
            slot(1, 13, Some(7)),
            slot(2, 10, None),
            slot(3, 11, Some(9)),
            slot(5, 15, None),
        ];
        let changes = diff(&released, &draft, &HashMap::new(), &HashMap::new());
        assert_eq!(
            kinds(&changes),
            [
                (ChangeKind::Moved, Some(7)),
                (ChangeKind::Placed, Some(9)),
                (ChangeKind::Unplaced, Some(8)),
                (ChangeKind::SlotAdded, None),
                (ChangeKind::SlotRemoved, None),
            ]
        );
        assert_eq!(changes[0].from.as_ref().unwrap().starts_at, at(9));
        assert_eq!(changes[0].to.as_ref().unwrap().starts_at, at(13));
        // Pitches unknown here (erased) are listed but not mailed.
        assert!(changes.iter().all(|c| !c.mailed));
    }

    #[test]
    fn an_open_slot_that_moves_is_a_slot_change() {
        let changes = diff(
            &[slot(1, 9, None)],
            &[slot(1, 10, None)],
            &HashMap::new(),
            &HashMap::new(),
        );
        assert_eq!(kinds(&changes), [(ChangeKind::SlotChanged, None)]);
    }
}
