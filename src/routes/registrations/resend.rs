//! `POST /events/{event}/registrations/resend-link`: mail the attendee's link again.
use actix_web::{post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::services::registrations::resend;
use crate::state::AppState;

/// The address a registration was made with.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"email": "erika@example.org"}))]
pub struct ResendLinkRequest {
    /// The e-mail address as registered (any spelling of the same mailbox), at most 254
    /// characters.
    #[schema(format = Email, max_length = 254)]
    pub email: String,
}

/// Mails the link to the attendee's page to the address a registration for the event holds,
/// when `email` is registered for it (also a cancelled or expired registration, never an
/// erased one); at most 3 such mails per registration an hour, and the stricter per-client
/// limit of submissions applies. The answer is 202 whether or not the address is registered,
/// so it tells nothing about who is; 422 for what is not an e-mail address at all.
#[utoipa::path(tag = "registrations", request_body = ResendLinkRequest,
    params(("event" = String, Path, description = "id or slug")),
    responses((status = 202, description = "accepted: if the address is registered for the event, the link is on its way"),
        (status = 400, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 415, body = crate::error::Problem), (status = 422, body = crate::error::Problem),
        (status = 429, body = crate::error::Problem)))]
#[post("/events/{event}/registrations/resend-link")]
pub async fn resend_link(
    state: web::Data<AppState>,
    key: web::Path<String>,
    body: crate::http::extract::Json<serde_json::Value>,
) -> ApiResult<HttpResponse> {
    let body: ResendLinkRequest = serde_json::from_value(body.into_inner())
        .map_err(|e| ApiError::from_json(&actix_web::error::JsonPayloadError::Deserialize(e)))?;
    crate::domain::email::EmailAddress::parse("email", &body.email)
        .map_err(|e| ApiError::validation(vec![e]))?;
    resend::resend_link(&state, &key, &body.email).await?;
    Ok(HttpResponse::Accepted().finish())
}
