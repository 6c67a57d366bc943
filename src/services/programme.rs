//! One event's programme read in three queries (stages, slots, the pitches they hold), and
//! what event cancellation does to it.
use std::collections::HashMap;

use entity::{exhibit, pitch, pitch_slot, stage};
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

/// Loads the programme of an event: always three queries, however many slots it has.
pub async fn load(db: &impl ConnectionTrait, event_id: Uuid) -> ApiResult<Programme> {
    let stages = stage::Entity::find()
        .filter(stage::Column::EventId.eq(event_id))
        .order_by_asc(stage::Column::Position)
        .order_by_asc(stage::Column::Name)
        .all(db)
        .await?;
    let slots = pitch_slot::Entity::find()
        .filter(pitch_slot::Column::EventId.eq(event_id))
        .order_by_asc(pitch_slot::Column::StartsAt)
        .order_by_asc(pitch_slot::Column::EndsAt)
        .order_by_asc(pitch_slot::Column::Id)
        .all(db)
        .await?;
    let assigned: Vec<Uuid> = slots.iter().filter_map(|s| s.pitch_id).collect();
    let pitches = if assigned.is_empty() {
        HashMap::new()
    } else {
        pitch::Entity::find()
            .filter(pitch::Column::EventId.eq(event_id))
            .filter(pitch::Column::Id.is_in(assigned))
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect()
    };
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
