//! The attendee's self-service through the `manage_token`: view, confirm, cancel, erase.
use actix_web::{delete, get, post, web, HttpResponse};

use super::RegistrationResponse;
use crate::error::ApiResult;
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
#[utoipa::path(tag = "registrations", params(("token" = String, Path, description = "manage_token")),
    responses((status = 200, body = RegistrationResponse), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
#[post("/registrations/{token}/confirm")]
pub async fn confirm(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> ApiResult<web::Json<RegistrationResponse>> {
    let txn = crate::db::begin_write(&state.db).await?;
    let model = registrations::confirm(&txn, &state.public_url, &token).await?;
    txn.commit().await?;
    state.wake_mailer();
    Ok(web::Json(RegistrationResponse::new(
        Registered {
            registration: model,
            waitlist_position: None,
        },
        &state.public_url,
    )))
}

/// Cancels the registration: the seat goes to the first on the waitlist, who is mailed.
/// Cancelling again answers the cancelled registration.
#[utoipa::path(tag = "registrations", params(("token" = String, Path, description = "manage_token")),
    responses((status = 200, body = RegistrationResponse), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
#[post("/registrations/{token}/cancel")]
pub async fn cancel_registration(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> ApiResult<web::Json<RegistrationResponse>> {
    let txn = crate::db::begin_write(&state.db).await?;
    let model = registrations::cancel(&txn, &state.public_url, &token).await?;
    txn.commit().await?;
    state.wake_mailer();
    Ok(web::Json(RegistrationResponse::new(
        Registered {
            registration: model,
            waitlist_position: None,
        },
        &state.public_url,
    )))
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
