//! Erasing an exhibit and its contact's personal data (GDPR Art. 17): by the exhibit's own
//! manage token, or by an organiser.
use actix_web::{delete, web, HttpResponse};
use uuid::Uuid;

use crate::error::ApiResult;
use crate::http::auth::{need::Manage, Allowed};
use crate::services::{events, exhibits};
use crate::state::AppState;

/// Erase the exhibit through its manage token: the row, its own mail and stored answers are
/// deleted (an approved place is given back); no mail goes out. The token then opens
/// nothing (404).
#[utoipa::path(tag = "exhibits", params(("token" = String, Path, description = "the manage_token")),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
#[delete("/exhibits/{token}")]
pub async fn erase_own_exhibit(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> ApiResult<HttpResponse> {
    exhibits::erase_by_token(&state, &token).await?;
    state.wake_mailer();
    Ok(HttpResponse::NoContent().finish())
}

/// Erase an exhibit as an organiser: the same as the contact's own erasure.
#[utoipa::path(tag = "exhibits", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug"), ("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[delete("/events/{event}/exhibits/{id}")]
pub async fn erase_exhibit(
    state: web::Data<AppState>,
    _who: Allowed<Manage>,
    path: web::Path<(String, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (key, id) = path.into_inner();
    let event = events::find_visible(&state.db, &key, true).await?;
    exhibits::erase(&state, event.id, id).await?;
    state.wake_mailer();
    Ok(HttpResponse::NoContent().finish())
}
