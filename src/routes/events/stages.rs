//! Stages (rooms) of an event's programme.
use actix_web::{delete, get, patch, post, web, HttpResponse};
use entity::{pitch_slot, stage};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use uuid::Uuid;

use super::{CreateStage, StageResponse, UpdateStage};
use crate::domain::text::{self, Validator};
use crate::error::{ApiError, ApiResult};
use crate::http::auth::{MaybeOrganiser, Organiser};
use crate::services::{calendar_entries, events, stages};
use crate::state::AppState;

const NAME_MAX: usize = 200;
const DESCRIPTION_MAX: usize = 2_000;

/// Add a stage.
#[utoipa::path(tag = "stages", security(("bearer" = [])), params(("event" = String, Path)), request_body = CreateStage,
    responses((status = 201, body = StageResponse, headers(("Location" = String))), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/events/{event}/stages")]
pub async fn create_stage(
    state: web::Data<AppState>,
    _who: Organiser,
    key: web::Path<String>,
    body: web::Json<CreateStage>,
) -> ApiResult<HttpResponse> {
    let event = events::find_visible(&state.db, &key, true).await?;
    let mut v = Validator::new();
    let name = v.check(text::one_line("name", &body.name, NAME_MAX));
    let description = v.check(text::multi_line(
        "description",
        body.description.as_deref().unwrap_or_default(),
        DESCRIPTION_MAX,
    ));
    v.finish()?;
    let (Some(name), Some(description)) = (name, description) else {
        return Err(ApiError::BadRequest("invalid stage".to_owned()));
    };
    let txn = crate::db::begin_write(&state.db).await?;
    events::lock_for_change(&txn, event.id).await?;
    let stage = stages::create(&txn, event.id, name, description, body.position).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/events/{}/stages/{}", event.id, stage.id),
        ))
        .json(StageResponse::from(stage)))
}

/// The stages, in programme order.
#[utoipa::path(tag = "stages", params(("event" = String, Path)),
    responses((status = 200, body = Vec<StageResponse>), (status = 404, body = crate::error::Problem)))]
#[get("/events/{event}/stages")]
pub async fn list_stages(
    state: web::Data<AppState>,
    who: MaybeOrganiser,
    key: web::Path<String>,
) -> ApiResult<web::Json<Vec<StageResponse>>> {
    let event = events::find_visible(&state.db, &key, who.is_organiser()).await?;
    let all = stages::list(&state.db, event.id).await?;
    Ok(web::Json(all.into_iter().map(Into::into).collect()))
}

/// Rename, describe or reorder a stage.
#[utoipa::path(tag = "stages", security(("bearer" = [])), params(("event" = String, Path), ("id" = Uuid, Path)), request_body = UpdateStage,
    responses((status = 200, body = StageResponse), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[patch("/events/{event}/stages/{id}")]
pub async fn update_stage(
    state: web::Data<AppState>,
    _who: Organiser,
    path: web::Path<(String, Uuid)>,
    body: web::Json<UpdateStage>,
) -> ApiResult<web::Json<StageResponse>> {
    let (key, id) = path.into_inner();
    let event = events::find_visible(&state.db, &key, true).await?;
    let mut v = Validator::new();
    let name = body
        .name
        .as_deref()
        .map(|n| v.check(text::one_line("name", n, NAME_MAX)));
    let description = body
        .description
        .as_deref()
        .map(|d| v.check(text::multi_line("description", d, DESCRIPTION_MAX)));
    v.finish()?;
    let txn = crate::db::begin_write(&state.db).await?;
    events::lock_for_change(&txn, event.id).await?;
    let found = stages::find(&txn, event.id, id).await?;
    let mut active: stage::ActiveModel = found.into();
    if let Some(Some(name)) = name {
        active.name = Set(name);
    }
    if let Some(Some(description)) = description {
        active.description = Set(description);
    }
    if let Some(position) = body.position {
        active.position = Set(position);
    }
    let updated = active
        .update(&txn)
        .await
        .map_err(|e| match ApiError::from(e) {
            ApiError::Conflict(_) => ApiError::conflict("a stage of that name exists"),
            other => other,
        })?;
    // A new name is a new LOCATION of every pitch on the stage: new SEQUENCE (RFC 5545).
    calendar_entries::sync(&txn, event.id).await?;
    txn.commit().await?;
    Ok(web::Json(updated.into()))
}

/// Remove a stage and its empty slots; a stage with assigned pitches is a 409.
#[utoipa::path(tag = "stages", security(("bearer" = [])), params(("event" = String, Path), ("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
#[delete("/events/{event}/stages/{id}")]
pub async fn delete_stage(
    state: web::Data<AppState>,
    _who: Organiser,
    path: web::Path<(String, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (key, id) = path.into_inner();
    let event = events::find_visible(&state.db, &key, true).await?;
    let txn = crate::db::begin_write(&state.db).await?;
    events::lock_for_change(&txn, event.id).await?;
    let found = stages::find(&txn, event.id, id).await?;
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
    pitch_slot::Entity::delete_many()
        .filter(pitch_slot::Column::StageId.eq(found.id))
        .exec(&txn)
        .await?;
    stage::Entity::delete_by_id(found.id).exec(&txn).await?;
    txn.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}
