//! Stages (rooms) of an event's programme.
use entity::stage;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::domain::time::now;
use crate::error::{ApiError, ApiResult};

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
