//! Pitch slots and assignment: the programme rules, each checked inside a transaction that
//! holds the event's lock (see [`events::lock_for_change`]), so concurrent organisers cannot
//! interleave a check and the write it guards.
//!
//! The rules: a slot lies within the event and ends after it starts; slots on one stage do not
//! overlap (half-open intervals); a slot holds at most one pitch and a pitch at most one slot
//! (backed by a unique index); only accepted pitches are assigned; a pitch fits its slot; one
//! presenter (case-insensitive e-mail) is never in two overlapping slots, on any stages.
//!
//! These edit the draft programme and mail nobody: the public programme, the presenters' mail
//! and the feeds change when the organisers release the draft (`services::releases`).
use chrono::{DateTime, Duration, Utc};
use entity::{
    event::{self, EventStatus},
    pitch::{self, PitchStatus},
    pitch_slot, stage,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};
use uuid::Uuid;

use crate::calendar::Method;
use crate::domain::time::now;
use crate::error::{ApiError, ApiResult};
use crate::mail::templates;
use crate::services::Ctx;
use crate::services::{events, pitches};

/// Longest slot and longest generated run.
pub const SLOT_MINUTES_MAX: i64 = 240;
pub const GAP_MINUTES_MAX: i64 = 240;
pub const GENERATE_MAX: usize = 500;

/// A slot with what it shows: its stage and, if assigned, the pitch.
#[derive(Debug, Clone)]
pub struct SlotView {
    pub slot: pitch_slot::Model,
    pub stage: stage::Model,
    pub pitch: Option<pitch::Model>,
}

/// Where and when a slot is.
#[derive(Debug, Clone, Copy)]
pub struct Placement {
    pub stage_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// Changes to a slot; `None` keeps the current value.
#[derive(Debug, Clone, Copy, Default)]
pub struct SlotChange {
    pub stage_id: Option<Uuid>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
}

/// Back-to-back slots from `from` up to `to`.
#[derive(Debug, Clone, Copy)]
pub struct Generate {
    pub stage_id: Uuid,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub slot_minutes: i64,
    pub gap_minutes: i64,
}

/// The programme of a cancelled event does not change any more.
pub fn ensure_not_cancelled(event: &event::Model) -> ApiResult<()> {
    if event.status == EventStatus::Cancelled {
        Err(ApiError::conflict("the event is cancelled"))
    } else {
        Ok(())
    }
}

/// A slot ends after it starts and lies within the event (touching its start or end is fine).
pub fn check_times(
    event: &event::Model,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
) -> ApiResult<()> {
    if ends_at <= starts_at {
        return Err(ApiError::invalid("ends_at", "must be after starts_at"));
    }
    if starts_at < event.starts_at {
        return Err(ApiError::invalid(
            "starts_at",
            "must not be before the event starts",
        ));
    }
    if ends_at > event.ends_at {
        return Err(ApiError::invalid(
            "ends_at",
            "must not be after the event ends",
        ));
    }
    Ok(())
}

/// A stage of this event; another event's or an unknown stage is a 422.
async fn stage_of(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    stage_id: Uuid,
) -> ApiResult<stage::Model> {
    stage::Entity::find_by_id(stage_id)
        .filter(stage::Column::EventId.eq(event_id))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::invalid("stage_id", "is not a stage of this event"))
}

/// 409 when a slot on the stage (other than `except`) overlaps `[starts_at, ends_at)`.
async fn check_stage_free(
    db: &impl ConnectionTrait,
    stage_id: Uuid,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    except: Option<Uuid>,
) -> ApiResult<()> {
    let mut query = pitch_slot::Entity::find()
        .filter(pitch_slot::Column::StageId.eq(stage_id))
        .filter(pitch_slot::Column::StartsAt.lt(ends_at))
        .filter(pitch_slot::Column::EndsAt.gt(starts_at));
    if let Some(id) = except {
        query = query.filter(pitch_slot::Column::Id.ne(id));
    }
    if let Some(other) = query.one(db).await? {
        return Err(ApiError::conflict(format!(
            "the slot overlaps slot {} on the same stage",
            other.id
        )));
    }
    Ok(())
}

/// 422 when the pitch is longer than the slot.
pub fn check_fits(
    duration_minutes: i32,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
) -> ApiResult<()> {
    let length = (ends_at - starts_at).num_minutes();
    if i64::from(duration_minutes) > length {
        return Err(ApiError::invalid(
            "duration_minutes",
            format!("the pitch takes {duration_minutes} minutes but the slot only {length}"),
        ));
    }
    Ok(())
}

/// 409 when the presenter (same e-mail, any case) holds, with another pitch, a slot other than
/// `except_slot` that overlaps `[starts_at, ends_at)` on any stage.
pub async fn check_presenter_free(
    db: &impl ConnectionTrait,
    pitch: &pitch::Model,
    presenter_email_lower: &str,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    except_slot: Option<Uuid>,
) -> ApiResult<()> {
    let others: Vec<Uuid> = pitch::Entity::find()
        .filter(pitch::Column::EventId.eq(pitch.event_id))
        .filter(pitch::Column::PresenterEmailLower.eq(presenter_email_lower))
        .filter(pitch::Column::Id.ne(pitch.id))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    if others.is_empty() {
        return Ok(());
    }
    let mut query = pitch_slot::Entity::find()
        .filter(pitch_slot::Column::PitchId.is_in(others))
        .filter(pitch_slot::Column::StartsAt.lt(ends_at))
        .filter(pitch_slot::Column::EndsAt.gt(starts_at));
    if let Some(id) = except_slot {
        query = query.filter(pitch_slot::Column::Id.ne(id));
    }
    if query.count(db).await? > 0 {
        return Err(ApiError::conflict(
            "the presenter already holds an overlapping slot with another pitch",
        ));
    }
    Ok(())
}

/// The slot that holds a pitch, if any.
pub async fn slot_of_pitch(
    db: &impl ConnectionTrait,
    pitch_id: Uuid,
) -> ApiResult<Option<pitch_slot::Model>> {
    Ok(pitch_slot::Entity::find()
        .filter(pitch_slot::Column::PitchId.eq(pitch_id))
        .one(db)
        .await?)
}

async fn find(db: &impl ConnectionTrait, event_id: Uuid, id: Uuid) -> ApiResult<pitch_slot::Model> {
    pitch_slot::Entity::find_by_id(id)
        .filter(pitch_slot::Column::EventId.eq(event_id))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("pitch slot"))
}

async fn view(db: &impl ConnectionTrait, slot: pitch_slot::Model) -> ApiResult<SlotView> {
    let stage = stage::Entity::find_by_id(slot.stage_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("stage"))?;
    let pitch = match slot.pitch_id {
        Some(id) => pitch::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    Ok(SlotView { slot, stage, pitch })
}

/// One slot with its stage and pitch.
pub async fn get(db: &impl ConnectionTrait, event_id: Uuid, id: Uuid) -> ApiResult<SlotView> {
    let slot = find(db, event_id, id).await?;
    view(db, slot).await
}

fn new_slot(event_id: Uuid, p: Placement) -> pitch_slot::ActiveModel {
    let at = now();
    pitch_slot::ActiveModel {
        id: Set(Uuid::now_v7()),
        event_id: Set(event_id),
        stage_id: Set(p.stage_id),
        starts_at: Set(p.starts_at),
        ends_at: Set(p.ends_at),
        pitch_id: Set(None),
        sequence: Set(0),
        created_at: Set(at),
        updated_at: Set(at),
    }
}

pub async fn create(
    ctx: &Ctx,
    event_id: Uuid,
    placement: Placement,
) -> ApiResult<(event::Model, SlotView)> {
    let txn = crate::db::begin_write(&ctx.db).await?;
    let event = events::lock_for_change(&txn, event_id).await?;
    ensure_not_cancelled(&event)?;
    let stage = stage_of(&txn, event_id, placement.stage_id).await?;
    check_times(&event, placement.starts_at, placement.ends_at)?;
    check_stage_free(&txn, stage.id, placement.starts_at, placement.ends_at, None).await?;
    let slot = new_slot(event_id, placement).insert(&txn).await?;
    txn.commit().await?;
    Ok((
        event,
        SlotView {
            slot,
            stage,
            pitch: None,
        },
    ))
}

/// The placements `generate` would create, or a 422 naming the bad field.
pub fn plan(event: &event::Model, g: &Generate) -> ApiResult<Vec<Placement>> {
    if !(1..=SLOT_MINUTES_MAX).contains(&g.slot_minutes) {
        return Err(ApiError::invalid(
            "slot_minutes",
            format!("must be between 1 and {SLOT_MINUTES_MAX}"),
        ));
    }
    if !(0..=GAP_MINUTES_MAX).contains(&g.gap_minutes) {
        return Err(ApiError::invalid(
            "gap_minutes",
            format!("must be between 0 and {GAP_MINUTES_MAX}"),
        ));
    }
    if g.to <= g.from {
        return Err(ApiError::invalid("to", "must be after from"));
    }
    if g.from < event.starts_at {
        return Err(ApiError::invalid(
            "from",
            "must not be before the event starts",
        ));
    }
    if g.to > event.ends_at {
        return Err(ApiError::invalid("to", "must not be after the event ends"));
    }
    let (length, step) = (
        Duration::minutes(g.slot_minutes),
        Duration::minutes(g.slot_minutes + g.gap_minutes),
    );
    let mut placements = Vec::new();
    let mut starts_at = g.from;
    while starts_at + length <= g.to {
        if placements.len() == GENERATE_MAX {
            return Err(ApiError::invalid(
                "to",
                format!("at most {GENERATE_MAX} slots are generated at once"),
            ));
        }
        placements.push(Placement {
            stage_id: g.stage_id,
            starts_at,
            ends_at: starts_at + length,
        });
        starts_at += step;
    }
    if placements.is_empty() {
        return Err(ApiError::invalid(
            "slot_minutes",
            "no slot of this length fits between from and to",
        ));
    }
    Ok(placements)
}

/// Creates back-to-back slots; all or nothing, 409 if any overlaps an existing slot.
pub async fn generate(
    ctx: &Ctx,
    event_id: Uuid,
    g: Generate,
) -> ApiResult<(event::Model, Vec<SlotView>)> {
    let txn = crate::db::begin_write(&ctx.db).await?;
    let event = events::lock_for_change(&txn, event_id).await?;
    ensure_not_cancelled(&event)?;
    let stage = stage_of(&txn, event_id, g.stage_id).await?;
    let placements = plan(&event, &g)?;
    check_stage_free(&txn, stage.id, g.from, g.to, None).await?;
    let mut created = Vec::with_capacity(placements.len());
    for p in placements {
        let slot = new_slot(event_id, p).insert(&txn).await?;
        created.push(SlotView {
            slot,
            stage: stage.clone(),
            pitch: None,
        });
    }
    txn.commit().await?;
    Ok((event, created))
}

/// Moves, resizes or re-stages a slot of the draft; an assigned pitch must still fit and its
/// presenter must stay free. Nobody is mailed: the presenter learns of the move at the release.
pub async fn update(
    ctx: &Ctx,
    event_id: Uuid,
    id: Uuid,
    change: SlotChange,
) -> ApiResult<(event::Model, SlotView)> {
    let txn = crate::db::begin_write(&ctx.db).await?;
    let event = events::lock_for_change(&txn, event_id).await?;
    ensure_not_cancelled(&event)?;
    let before = view(&txn, find(&txn, event_id, id).await?).await?;
    let stage = match change.stage_id {
        Some(stage_id) if stage_id != before.stage.id => stage_of(&txn, event_id, stage_id).await?,
        _ => before.stage.clone(),
    };
    let starts_at = change.starts_at.unwrap_or(before.slot.starts_at);
    let ends_at = change.ends_at.unwrap_or(before.slot.ends_at);
    check_times(&event, starts_at, ends_at)?;
    check_stage_free(&txn, stage.id, starts_at, ends_at, Some(id)).await?;
    let moved = stage.id != before.stage.id
        || starts_at != before.slot.starts_at
        || ends_at != before.slot.ends_at;
    if !moved {
        txn.commit().await?;
        return Ok((event, before));
    }
    if let Some(pitch) = &before.pitch {
        check_fits(pitch.duration_minutes, starts_at, ends_at)?;
        check_presenter_free(
            &txn,
            pitch,
            &pitch.presenter_email_lower,
            starts_at,
            ends_at,
            Some(id),
        )
        .await?;
    }
    let mut active: pitch_slot::ActiveModel = before.slot.clone().into();
    active.stage_id = Set(stage.id);
    active.starts_at = Set(starts_at);
    active.ends_at = Set(ends_at);
    active.sequence = Set(before.slot.sequence + 1);
    active.updated_at = Set(now());
    let slot = active.update(&txn).await?;
    txn.commit().await?;
    Ok((
        event,
        SlotView {
            slot,
            stage,
            pitch: before.pitch,
        },
    ))
}

/// Removes a slot from the draft; an assigned presenter is mailed a cancellation at the next
/// release.
pub async fn delete(ctx: &Ctx, event_id: Uuid, id: Uuid) -> ApiResult<()> {
    let txn = crate::db::begin_write(&ctx.db).await?;
    events::lock_for_change(&txn, event_id).await?;
    find(&txn, event_id, id).await?;
    pitch_slot::Entity::delete_by_id(id).exec(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// Clears a slot's pitch and bumps its sequence.
pub async fn free(
    db: &impl ConnectionTrait,
    slot: pitch_slot::Model,
) -> ApiResult<pitch_slot::Model> {
    let sequence = slot.sequence + 1;
    let mut active: pitch_slot::ActiveModel = slot.into();
    active.pitch_id = Set(None);
    active.sequence = Set(sequence);
    active.updated_at = Set(now());
    Ok(active.update(db).await?)
}

/// What an assignment did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assigned {
    /// The pitch now holds the slot in the draft; the presenter is mailed at the release.
    New,
    /// The pitch already held this slot; nothing changed.
    Unchanged,
}

/// Puts an accepted pitch into an empty slot of the draft (no mail until the release).
///
/// 409 when the pitch is not accepted, the slot holds another pitch (unassign it first), the
/// pitch holds another slot, or its presenter holds an overlapping slot; 422 when it does not fit.
pub async fn assign(
    ctx: &Ctx,
    event_id: Uuid,
    id: Uuid,
    pitch_id: Uuid,
) -> ApiResult<(event::Model, SlotView, Assigned)> {
    let txn = crate::db::begin_write(&ctx.db).await?;
    let event = events::lock_for_change(&txn, event_id).await?;
    ensure_not_cancelled(&event)?;
    let before = view(&txn, find(&txn, event_id, id).await?).await?;
    if before.slot.pitch_id == Some(pitch_id) {
        txn.commit().await?;
        return Ok((event, before, Assigned::Unchanged));
    }
    let pitch = pitch::Entity::find_by_id(pitch_id)
        .filter(pitch::Column::EventId.eq(event_id))
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::invalid("pitch_id", "is not a pitch of this event"))?;
    if pitch.status != PitchStatus::Accepted {
        return Err(ApiError::conflict(format!(
            "only accepted pitches are assigned; this one is {}",
            pitches::status_name(pitch.status)
        )));
    }
    if let Some(other) = before.slot.pitch_id {
        return Err(ApiError::conflict(format!(
            "the slot already holds pitch {other}; unassign it first"
        )));
    }
    if let Some(held) = slot_of_pitch(&txn, pitch.id).await? {
        return Err(ApiError::conflict(format!(
            "the pitch already holds slot {}",
            held.id
        )));
    }
    check_fits(
        pitch.duration_minutes,
        before.slot.starts_at,
        before.slot.ends_at,
    )?;
    check_presenter_free(
        &txn,
        &pitch,
        &pitch.presenter_email_lower,
        before.slot.starts_at,
        before.slot.ends_at,
        Some(id),
    )
    .await?;
    let mut active: pitch_slot::ActiveModel = before.slot.clone().into();
    active.pitch_id = Set(Some(pitch.id));
    active.sequence = Set(before.slot.sequence + 1);
    active.updated_at = Set(now());
    let slot = active.update(&txn).await?;
    txn.commit().await?;
    Ok((
        event,
        SlotView {
            slot,
            stage: before.stage,
            pitch: Some(pitch),
        },
        Assigned::New,
    ))
}

/// Empties a slot of the draft; the presenter is mailed a cancellation at the next release
/// (if the last release placed them). An empty slot stays empty.
pub async fn unassign(ctx: &Ctx, event_id: Uuid, id: Uuid) -> ApiResult<()> {
    let txn = crate::db::begin_write(&ctx.db).await?;
    let event = events::lock_for_change(&txn, event_id).await?;
    ensure_not_cancelled(&event)?;
    let before = find(&txn, event_id, id).await?;
    if before.pitch_id.is_some() {
        free(&txn, before).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// The slot's time as the presenter reads it.
pub fn slot_when(
    event: &event::Model,
    slot: &pitch_slot::Model,
    lang: entity::registration::Language,
) -> String {
    templates::format_when(
        slot.starts_at,
        slot.ends_at,
        crate::services::ics::event_tz(event),
        lang,
    )
}

/// The ICS method string of a calendar method.
pub fn method_name(method: Method) -> &'static str {
    match method {
        Method::Publish => "PUBLISH",
        Method::Request => "REQUEST",
        Method::Cancel => "CANCEL",
    }
}
