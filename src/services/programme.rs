//! One event's programme read in a fixed number of queries (release, stages, slots, the pitches
//! they hold), and what event cancellation does to it.
//!
//! Two programmes: the draft the organisers edit (`pitch_slots`, [`load_draft`]) and the last
//! release (`released_slots`, [`load`]), which is what the public sees: the schedule, the pitch
//! slots read without an organiser's token, the event page and the calendar feeds.
use std::collections::HashMap;

use entity::{
    exhibit, pitch, pitch::PitchStatus, pitch_slot, released_slot, schedule_release, stage,
};
use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::domain::time::now;
use crate::error::ApiResult;

/// Stages in programme order, slots by time, and the pitches assigned to them by id.
#[derive(Debug, Clone, Default)]
pub struct Programme {
    pub stages: Vec<stage::Model>,
    pub slots: Vec<pitch_slot::Model>,
    pub pitches: HashMap<Uuid, pitch::Model>,
}

impl Programme {
    pub fn stage(&self, id: Uuid) -> Option<&stage::Model> {
        self.stages.iter().find(|s| s.id == id)
    }

    /// The pitch a slot holds, if any.
    pub fn pitch_of(&self, slot: &pitch_slot::Model) -> Option<&pitch::Model> {
        slot.pitch_id.and_then(|id| self.pitches.get(&id))
    }

    /// The slots of one stage, by time.
    pub fn slots_on(&self, stage_id: Uuid) -> impl Iterator<Item = &pitch_slot::Model> {
        self.slots.iter().filter(move |s| s.stage_id == stage_id)
    }
}

/// The event's newest release, if it has one.
pub async fn last_release(
    db: &impl ConnectionTrait,
    event_id: Uuid,
) -> ApiResult<Option<schedule_release::Model>> {
    Ok(schedule_release::Entity::find()
        .filter(schedule_release::Column::EventId.eq(event_id))
        .order_by_desc(schedule_release::Column::Version)
        .one(db)
        .await?)
}

/// The slots a release published, by time.
pub async fn released_slots(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    version: i32,
) -> ApiResult<Vec<released_slot::Model>> {
    Ok(released_slot::Entity::find()
        .filter(released_slot::Column::EventId.eq(event_id))
        .filter(released_slot::Column::Version.eq(version))
        .order_by_asc(released_slot::Column::StartsAt)
        .order_by_asc(released_slot::Column::EndsAt)
        .order_by_asc(released_slot::Column::SlotId)
        .all(db)
        .await?)
}

async fn stages_of(db: &impl ConnectionTrait, event_id: Uuid) -> ApiResult<Vec<stage::Model>> {
    Ok(stage::Entity::find()
        .filter(stage::Column::EventId.eq(event_id))
        .order_by_asc(stage::Column::Position)
        .order_by_asc(stage::Column::Name)
        .all(db)
        .await?)
}

/// The public programme: the event's last release, four queries however many slots it has.
/// Empty (but with every stage) before the first release. Stage names and pitch texts are
/// read as they are now; a released pitch that has since been withdrawn, rejected or erased
/// is left out (its slot shows open), as are slots on a stage that is gone.
pub async fn load(db: &impl ConnectionTrait, event_id: Uuid) -> ApiResult<Programme> {
    load_released(db, event_id, true).await
}

/// The last release as the calendar feeds read it: like [`load`], but a released pitch that has
/// since been withdrawn or rejected stays in its slot, so that its entry reads `CANCELLED`
/// (see `ics::pitch_item`) even where the feeds never showed it confirmed.
pub async fn load_for_feeds(db: &impl ConnectionTrait, event_id: Uuid) -> ApiResult<Programme> {
    load_released(db, event_id, false).await
}

async fn load_released(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    only_accepted: bool,
) -> ApiResult<Programme> {
    let stages = stages_of(db, event_id).await?;
    let Some(release) = last_release(db, event_id).await? else {
        return Ok(Programme {
            stages,
            ..Programme::default()
        });
    };
    let mut slots: Vec<pitch_slot::Model> = released_slots(db, event_id, release.version)
        .await?
        .into_iter()
        .filter(|s| stages.iter().any(|st| st.id == s.stage_id))
        .map(|s| pitch_slot::Model {
            id: s.slot_id,
            event_id: s.event_id,
            stage_id: s.stage_id,
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            pitch_id: s.pitch_id,
            sequence: release.version,
            created_at: release.released_at,
            updated_at: release.released_at,
        })
        .collect();
    let pitches = pitches_in(db, event_id, &slots).await?;
    for slot in slots.iter_mut().filter(|_| only_accepted) {
        if slot.pitch_id.is_some_and(|id| {
            pitches
                .get(&id)
                .is_none_or(|p| p.status != PitchStatus::Accepted)
        }) {
            slot.pitch_id = None;
        }
    }
    Ok(Programme {
        stages,
        slots,
        pitches,
    })
}

async fn pitches_in(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    slots: &[pitch_slot::Model],
) -> ApiResult<HashMap<Uuid, pitch::Model>> {
    let assigned: Vec<Uuid> = slots.iter().filter_map(|s| s.pitch_id).collect();
    if assigned.is_empty() {
        return Ok(HashMap::new());
    }
    let mut found = HashMap::new();
    for chunk in assigned.chunks(500) {
        for p in pitch::Entity::find()
            .filter(pitch::Column::EventId.eq(event_id))
            .filter(pitch::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            found.insert(p.id, p);
        }
    }
    Ok(found)
}

/// The draft programme the organisers edit: three queries, however many slots it has.
pub async fn load_draft(db: &impl ConnectionTrait, event_id: Uuid) -> ApiResult<Programme> {
    let stages = stages_of(db, event_id).await?;
    let slots = pitch_slot::Entity::find()
        .filter(pitch_slot::Column::EventId.eq(event_id))
        .order_by_asc(pitch_slot::Column::StartsAt)
        .order_by_asc(pitch_slot::Column::EndsAt)
        .order_by_asc(pitch_slot::Column::Id)
        .all(db)
        .await?;
    let pitches = pitches_in(db, event_id, &slots).await?;
    Ok(Programme {
        stages,
        slots,
        pitches,
    })
}

/// On event cancellation: the programme stays as it was, so that feeds keep every pitch entry
/// with `STATUS:CANCELLED`; the scheduled pitches get a higher SEQUENCE and every booth is
/// released. The cancellation mails go out from `notifications`.
pub async fn release_on_cancel(txn: &impl ConnectionTrait, event_id: Uuid) -> ApiResult<()> {
    let at = now();
    let held: Vec<Uuid> = pitch_slot::Entity::find()
        .filter(pitch_slot::Column::EventId.eq(event_id))
        .filter(pitch_slot::Column::PitchId.is_not_null())
        .all(txn)
        .await?
        .into_iter()
        .filter_map(|s| s.pitch_id)
        .collect();
    if !held.is_empty() {
        pitch::Entity::update_many()
            .col_expr(
                pitch::Column::Sequence,
                Expr::col(pitch::Column::Sequence).add(1),
            )
            .col_expr(pitch::Column::UpdatedAt, Expr::value(at))
            .filter(pitch::Column::Id.is_in(held))
            .exec(txn)
            .await?;
    }
    exhibit::Entity::update_many()
        .col_expr(exhibit::Column::Booth, Expr::value(Option::<String>::None))
        .col_expr(exhibit::Column::UpdatedAt, Expr::value(at))
        .filter(exhibit::Column::EventId.eq(event_id))
        .filter(exhibit::Column::Booth.is_not_null())
        .exec(txn)
        .await?;
    Ok(())
}
