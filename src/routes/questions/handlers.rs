//! `/events/{event}/questions`: list, create, read, change and delete registration questions.
use actix_web::{delete, get, patch, post, web, HttpResponse};
use uuid::Uuid;

use super::{QuestionRequest, QuestionResponse};
use crate::error::ApiResult;
use crate::http::auth::{need::Manage, Allowed, MaybeOrganiser};
use crate::services::{events, questions};
use crate::state::AppState;

/// The event's registration questions in form order; public for published events.
#[utoipa::path(tag = "questions",
    params(("event" = String, Path, description = "id or slug")),
    responses((status = 200, body = Vec<QuestionResponse>), (status = 404, body = crate::error::Problem)))]
#[get("/events/{event}/questions")]
pub async fn list_questions(
    state: web::Data<AppState>,
    who: MaybeOrganiser,
    key: web::Path<String>,
) -> ApiResult<web::Json<Vec<QuestionResponse>>> {
    let event = events::find_visible(&state.db, &key, who.is_organiser()).await?;
    let asked = questions::list(&state.db, event.id).await?;
    Ok(web::Json(asked.into_iter().map(Into::into).collect()))
}

/// Add a question to the registration form. 422 names each invalid field (`choices.<n>.en`);
/// 409 beyond 50 questions.
#[utoipa::path(tag = "questions", security(("bearer" = [])), request_body = QuestionRequest,
    params(("event" = String, Path, description = "id or slug")),
    responses((status = 201, body = QuestionResponse), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
#[post("/events/{event}/questions")]
pub async fn create_question(
    state: web::Data<AppState>,
    _who: Allowed<Manage>,
    key: web::Path<String>,
    body: crate::http::extract::Json<QuestionRequest>,
) -> ApiResult<HttpResponse> {
    let event = events::find_visible(&state.db, &key, true).await?;
    let fields = body.into_inner().fields(None)?;
    let question = questions::add(&state.db, event.id, fields).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/events/{}/questions/{}", event.id, question.id),
        ))
        .json(QuestionResponse::from(question)))
}

/// One question.
#[utoipa::path(tag = "questions",
    params(("event" = String, Path, description = "id or slug"), ("id" = Uuid, Path)),
    responses((status = 200, body = QuestionResponse), (status = 404, body = crate::error::Problem)))]
#[get("/events/{event}/questions/{id}")]
pub async fn get_question(
    state: web::Data<AppState>,
    who: MaybeOrganiser,
    path: web::Path<(String, Uuid)>,
) -> ApiResult<web::Json<QuestionResponse>> {
    let (key, id) = path.into_inner();
    let event = events::find_visible(&state.db, &key, who.is_organiser()).await?;
    Ok(web::Json(
        questions::find(&state.db, event.id, id).await?.into(),
    ))
}

/// Change a question (any subset of its fields). Answers given before keep the labels and
/// choice texts they were given with.
#[utoipa::path(tag = "questions", security(("bearer" = [])), request_body = QuestionRequest,
    params(("event" = String, Path, description = "id or slug"), ("id" = Uuid, Path)),
    responses((status = 200, body = QuestionResponse), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[patch("/events/{event}/questions/{id}")]
pub async fn update_question(
    state: web::Data<AppState>,
    _who: Allowed<Manage>,
    path: web::Path<(String, Uuid)>,
    body: crate::http::extract::Json<QuestionRequest>,
) -> ApiResult<web::Json<QuestionResponse>> {
    let (key, id) = path.into_inner();
    let event = events::find_visible(&state.db, &key, true).await?;
    let body = body.into_inner();
    let changed = questions::change(&state.db, event.id, id, |current| {
        body.fields(Some(current))
    })
    .await?;
    Ok(web::Json(changed.into()))
}

/// Delete a question; answers already given stay in the attendee list and the CSV.
#[utoipa::path(tag = "questions", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug"), ("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[delete("/events/{event}/questions/{id}")]
pub async fn delete_question(
    state: web::Data<AppState>,
    _who: Allowed<Manage>,
    path: web::Path<(String, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (key, id) = path.into_inner();
    let event = events::find_visible(&state.db, &key, true).await?;
    questions::remove(&state.db, event.id, id).await?;
    Ok(HttpResponse::NoContent().finish())
}
