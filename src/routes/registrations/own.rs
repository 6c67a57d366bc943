//! The attendee's self-service through the `manage_token`: view, confirm, cancel, erase.
use std::sync::Arc;

use actix_web::{delete, get, http::StatusCode, post, web, HttpRequest, HttpResponse};
use entity::registration;

use super::RegistrationResponse;
use crate::error::ApiResult;
use crate::routes::idempotency::{json_answer, key_of, response, AnyBody};
use crate::services::idempotency::{earlier, secret_scope, Keyed, StoredAnswer};
use crate::services::registrations::{self, Registered};
use crate::state::AppState;

/// The attendee's own registration, with its waitlist position.
#[utoipa::path(tag = "registrations", params(("token" = String, Path, description = "manage_token")),
    responses((status = 200, body = RegistrationResponse), (status = 404, body = crate::error::Problem)))]
#[get("/registrations/{token}")]
pub async fn get_own(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> ApiResult<web::Json<RegistrationResponse>> {
    let found = registrations::find_by_token(&state.db, &token).await?;
    Ok(web::Json(RegistrationResponse::new(
        found,
        &state.public_url,
    )))
}

/// Double opt-in: confirms a pending registration (the link in the mail). Repeating it is
/// harmless; 409 once the 48-hour hold has expired, or for a waitlisted or cancelled one.
#[utoipa::path(tag = "registrations", params(("token" = String, Path, description = "manage_token"),
        ("Idempotency-Key" = Option<String>, Header, description = "kept 24 hours")),
    responses((status = 200, body = RegistrationResponse), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
#[post("/registrations/{token}/confirm")]
pub async fn confirm(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    body: AnyBody,
) -> ApiResult<HttpResponse> {
    let key = token_key(&req, &token, "confirm", &body.0)?;
    let txn = crate::db::begin_write(&state.db).await?;
    if let Some(first) = earlier(&txn, key.as_ref()).await? {
        return Ok(response(first, true));
    }
    let model = registrations::confirm(&txn, &state.public_url, &token).await?;
    let answer = kept(&txn, key.as_ref(), model, &state.public_url).await?;
    txn.commit().await?;
    state.wake_mailer();
    Ok(response(answer, false))
}

/// Cancels the registration: the seat goes to the first on the waitlist, who is mailed.
/// Cancelling again answers the cancelled registration.
#[utoipa::path(tag = "registrations", params(("token" = String, Path, description = "manage_token"),
        ("Idempotency-Key" = Option<String>, Header, description = "kept 24 hours")),
    responses((status = 200, body = RegistrationResponse), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
#[post("/registrations/{token}/cancel")]
pub async fn cancel_registration(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    body: AnyBody,
) -> ApiResult<HttpResponse> {
    let key = token_key(&req, &token, "cancel", &body.0)?;
    let txn = crate::db::begin_write(&state.db).await?;
    if let Some(first) = earlier(&txn, key.as_ref()).await? {
        return Ok(response(first, true));
    }
    let model = registrations::cancel(&txn, &state.public_url, &token).await?;
    let answer = kept(&txn, key.as_ref(), model, &state.public_url).await?;
    txn.commit().await?;
    state.wake_mailer();
    Ok(response(answer, false))
}

/// The `Idempotency-Key` of a token action, scoped to the action on this registration (the
/// token is stored only as a hash of the path).
fn token_key(
    req: &HttpRequest,
    token: &str,
    action: &str,
    body: &serde_json::Value,
) -> ApiResult<Option<Keyed<registration::Model>>> {
    let scope = secret_scope(&format!("POST /api/v1/registrations/{token}/{action}"));
    let public_url = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.public_url.clone())
        .unwrap_or_default();
    Ok(key_of(req, scope, body)?.map(|key| Keyed {
        key,
        answer: Arc::new(move |model: &registration::Model| answer(&public_url, model.clone())),
    }))
}

/// The answer to a token action, stored with its key (if any) in the action's transaction.
/// Confirming and cancelling are harmless to repeat, so the key is judged at the start of the
/// transaction, before the event's lock: two repeats at the same moment both run (the second
/// changes nothing) and answer the same.
async fn kept(
    txn: &impl sea_orm::ConnectionTrait,
    key: Option<&Keyed<registration::Model>>,
    model: registration::Model,
    public_url: &str,
) -> ApiResult<StoredAnswer> {
    match key {
        Some(k) => k.record(txn, &model, Some(model.id)).await,
        None => answer(public_url, model),
    }
}

/// A registration as a token action answers it: 200 and its JSON.
fn answer(public_url: &str, model: registration::Model) -> ApiResult<StoredAnswer> {
    let registered = Registered {
        registration: model,
        waitlist_position: None,
    };
    json_answer(
        StatusCode::OK,
        None,
        &RegistrationResponse::new(registered, public_url),
    )
}

/// Erases the registration: name, e-mail and organisation are removed, the seat is freed and
/// this token stops working. The anonymous row stays for the event's counts.
#[utoipa::path(tag = "registrations", params(("token" = String, Path, description = "manage_token")),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
#[delete("/registrations/{token}")]
pub async fn erase_own(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let txn = crate::db::begin_write(&state.db).await?;
    registrations::erase_by_token(&txn, &state.public_url, &token).await?;
    txn.commit().await?;
    state.wake_mailer();
    Ok(HttpResponse::NoContent().finish())
}
