//! Stages (rooms) of an event's programme.
use entity::{pitch_slot, stage};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::domain::time::now;
use crate::error::{ApiError, ApiResult};
use crate::services::{calendar_entries, events};

/// Longest stage name, in characters.
pub const NAME_MAX: usize = 200;
/// Longest stage description, in characters.
pub const DESCRIPTION_MAX: usize = 2_000;

/// A new stage, its texts checked (one line of at most [`NAME_MAX`], at most
/// [`DESCRIPTION_MAX`]).
#[derive(Debug, Clone)]
pub struct NewStage {
    pub name: String,
    pub description: String,
    /// Place in the programme; `None`: after the last.
    pub position: Option<i32>,
}

/// A partial update of a stage, its texts checked; `None`: unchanged.
#[derive(Debug, Clone, Default)]
pub struct StageChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub position: Option<i32>,
}

pub async fn list(db: &impl ConnectionTrait, event_id: Uuid) -> ApiResult<Vec<stage::Model>> {
    Ok(stage::Entity::find()
        .filter(stage::Column::EventId.eq(event_id))
        .order_by_asc(stage::Column::Position)
        .order_by_asc(stage::Column::Name)
        .all(db)
        .await?)
}

pub async fn find(db: &impl ConnectionTrait, event_id: Uuid, id: Uuid) -> ApiResult<stage::Model> {
    stage::Entity::find_by_id(id)
        .filter(stage::Column::EventId.eq(event_id))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("stage"))
}

pub async fn create(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    name: String,
    description: String,
    position: Option<i32>,
) -> ApiResult<stage::Model> {
    let position = match position {
        Some(p) => p,
        None => list(db, event_id).await?.len() as i32,
    };
    let model = stage::ActiveModel {
        id: Set(Uuid::now_v7()),
        event_id: Set(event_id),
        name: Set(name),
        description: Set(description),
        position: Set(position),
        created_at: Set(now()),
    }
    .insert(db)
    .await
    .map_err(|e| match ApiError::from(e) {
        ApiError::Conflict(_) => ApiError::conflict("a stage of that name exists"),
        other => other,
    })?;
    Ok(model)
}

/// Adds a stage to the event, under the event's lock (a name in use is a 409).
pub async fn add(
    db: &DatabaseConnection,
    event_id: Uuid,
    new: NewStage,
) -> ApiResult<stage::Model> {
    let txn = crate::db::begin_write(db).await?;
    events::lock_for_change(&txn, event_id).await?;
    let stage = create(&txn, event_id, new.name, new.description, new.position).await?;
    txn.commit().await?;
    Ok(stage)
}

/// Renames, describes or moves a stage (a name in use is a 409). A new name is a new LOCATION
/// of every pitch on the stage, so the calendar entries get a new SEQUENCE (RFC 5545).
pub async fn update(
    db: &DatabaseConnection,
    event_id: Uuid,
    id: Uuid,
    changes: StageChanges,
) -> ApiResult<stage::Model> {
    let txn = crate::db::begin_write(db).await?;
    events::lock_for_change(&txn, event_id).await?;
    let found = find(&txn, event_id, id).await?;
    let mut active: stage::ActiveModel = found.into();
    if let Some(name) = changes.name {
        active.name = Set(name);
    }
    if let Some(description) = changes.description {
        active.description = Set(description);
    }
    if let Some(position) = changes.position {
        active.position = Set(position);
    }
    let updated = active
        .update(&txn)
        .await
        .map_err(|e| match ApiError::from(e) {
            ApiError::Conflict(_) => ApiError::conflict("a stage of that name exists"),
            other => other,
        })?;
    calendar_entries::sync(&txn, event_id).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Removes a stage and its empty slots; a stage with assigned pitches, in the draft or in the
/// last release, is a 409 (unassign them and release first, so their presenters are told).
pub async fn remove(db: &DatabaseConnection, event_id: Uuid, id: Uuid) -> ApiResult<()> {
    let txn = crate::db::begin_write(db).await?;
    events::lock_for_change(&txn, event_id).await?;
    let found = find(&txn, event_id, id).await?;
    let assigned = pitch_slot::Entity::find()
        .filter(pitch_slot::Column::StageId.eq(found.id))
        .filter(pitch_slot::Column::PitchId.is_not_null())
        .count(&txn)
        .await?;
    if assigned > 0 {
        return Err(ApiError::conflict(format!(
            "{assigned} slot(s) on this stage have pitches assigned; unassign them first"
        )));
    }
    // The public programme is the last release: its presenters on this stage are told (and
    // their calendar entries cancelled) by a release without them, not by the stage vanishing.
    if let Some(release) = crate::services::programme::last_release(&txn, event_id).await? {
        let released = crate::services::programme::released_slots(&txn, event_id, release.version)
            .await?
            .iter()
            .filter(|s| s.stage_id == found.id && s.pitch_id.is_some())
            .count();
        if released > 0 {
            return Err(ApiError::conflict(format!(
                "release {} has {released} pitch(es) on this stage; release the programme without them first",
                release.version
            )));
        }
    }
    pitch_slot::Entity::delete_many()
        .filter(pitch_slot::Column::StageId.eq(found.id))
        .exec(&txn)
        .await?;
    stage::Entity::delete_by_id(found.id).exec(&txn).await?;
    txn.commit().await?;
    Ok(())
}
