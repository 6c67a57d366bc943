//! Stages (rooms) of an event's programme.
use actix_web::{delete, get, patch, post, web, HttpResponse};
use uuid::Uuid;

use super::{CreateStage, StageResponse, UpdateStage};
use crate::domain::text::{self, Validator};
use crate::error::{ApiError, ApiResult};
use crate::http::auth::{need::Manage, Allowed, MaybeOrganiser};
use crate::services::events;
use crate::services::stages::{self, NewStage, StageChanges, DESCRIPTION_MAX, NAME_MAX};
use crate::state::AppState;

impl TryFrom<CreateStage> for NewStage {
    type Error = ApiError;

    fn try_from(body: CreateStage) -> Result<Self, ApiError> {
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
        Ok(Self {
            name,
            description,
            position: body.position,
        })
    }
}

impl TryFrom<UpdateStage> for StageChanges {
    type Error = ApiError;

    fn try_from(body: UpdateStage) -> Result<Self, ApiError> {
        let mut v = Validator::new();
        let changes = Self {
            name: body
                .name
                .and_then(|n| v.check(text::one_line("name", &n, NAME_MAX))),
            description: body
                .description
                .and_then(|d| v.check(text::multi_line("description", &d, DESCRIPTION_MAX))),
            position: body.position,
        };
        v.finish()?;
        Ok(changes)
    }
}

/// Add a stage.
#[utoipa::path(tag = "stages", security(("bearer" = [])), params(("event" = String, Path)), request_body = CreateStage,
    responses((status = 201, body = StageResponse, headers(("Location" = String))), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/events/{event}/stages")]
pub async fn create_stage(
    state: web::Data<AppState>,
    _who: Allowed<Manage>,
    key: web::Path<String>,
    body: crate::http::extract::Json<CreateStage>,
) -> ApiResult<HttpResponse> {
    let event = events::find_visible(&state.db, &key, true).await?;
    let new = NewStage::try_from(body.into_inner())?;
    let stage = stages::add(&state.db, event.id, new).await?;
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
    _who: Allowed<Manage>,
    path: web::Path<(String, Uuid)>,
    body: crate::http::extract::Json<UpdateStage>,
) -> ApiResult<web::Json<StageResponse>> {
    let (key, id) = path.into_inner();
    let event = events::find_visible(&state.db, &key, true).await?;
    let changes = StageChanges::try_from(body.into_inner())?;
    let updated = stages::update(&state.db, event.id, id, changes).await?;
    Ok(web::Json(updated.into()))
}

/// Remove a stage and its empty slots; a stage with assigned pitches (in the draft or in the
/// last release: unassign them and release first, so their presenters are told) is a 409.
#[utoipa::path(tag = "stages", security(("bearer" = [])), params(("event" = String, Path), ("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
#[delete("/events/{event}/stages/{id}")]
pub async fn delete_stage(
    state: web::Data<AppState>,
    _who: Allowed<Manage>,
    path: web::Path<(String, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (key, id) = path.into_inner();
    let event = events::find_visible(&state.db, &key, true).await?;
    stages::remove(&state.db, event.id, id).await?;
    Ok(HttpResponse::NoContent().finish())
}
