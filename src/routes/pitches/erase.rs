//! Erasing a pitch and its contact's personal data (GDPR Art. 17): by the pitch's own
//! manage token, or by an organiser.
use actix_web::{delete, web, HttpResponse};
use uuid::Uuid;

use crate::error::ApiResult;
use crate::http::auth::{need::Manage, Allowed};
use crate::services::{events, pitches};
use crate::state::AppState;

/// Erase the pitch through its manage token: the row, its own mail and stored answers are
/// deleted (a slot is freed); no mail goes out. The token then opens
/// nothing (404).
#[utoipa::path(tag = "pitches", params(("token" = String, Path, description = "the manage_token")),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
#[delete("/pitches/{token}")]
pub async fn erase_own_pitch(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> ApiResult<HttpResponse> {
    pitches::erase_by_token(&state, &token).await?;
    state.wake_mailer();
    Ok(HttpResponse::NoContent().finish())
}

/// Erase a pitch as an organiser: the same as the contact's own erasure.
#[utoipa::path(tag = "pitches", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug"), ("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[delete("/events/{event}/pitches/{id}")]
pub async fn erase_pitch(
    state: web::Data<AppState>,
    _who: Allowed<Manage>,
    path: web::Path<(String, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (key, id) = path.into_inner();
    let event = events::find_visible(&state.db, &key, true).await?;
    pitches::erase(&state, event.id, id).await?;
    state.wake_mailer();
    Ok(HttpResponse::NoContent().finish())
}
