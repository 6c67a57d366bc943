//! The attendee's self-service through the `manage_token`: view, edit, confirm, cancel, erase.
use std::sync::Arc;

use actix_web::{delete, get, http::StatusCode, patch, post, web, HttpRequest, HttpResponse};
use entity::registration;

use super::RegistrationResponse;
use crate::error::{ApiError, ApiResult};
use crate::routes::idempotency::{json_answer, key_of, respond, AnyBody};
use crate::services::idempotency::{secret_scope, Keyed, StoredAnswer};
use crate::services::questions::RawAnswer;
use crate::services::registrations::{self, edit, Change, Registered};
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
        (status = 409, body = crate::error::Problem),
        (status = 422, description = "a malformed `Idempotency-Key`, or one used before with another body", body = crate::error::Problem)))]
#[post("/registrations/{token}/confirm")]
pub async fn confirm(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    body: AnyBody,
) -> ApiResult<HttpResponse> {
    let key = token_key(&req, &token, "confirm", &body.0)?;
    let done =
        registrations::change_by_token(&state, &token, Change::Confirm, key.as_ref()).await?;
    respond(done, |model| answer(&state.public_url, model))
}

/// Cancels the registration: the seat goes to the first on the waitlist, who is mailed.
/// Cancelling again answers the cancelled registration.
#[utoipa::path(tag = "registrations", params(("token" = String, Path, description = "manage_token"),
        ("Idempotency-Key" = Option<String>, Header, description = "kept 24 hours")),
    responses((status = 200, body = RegistrationResponse), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, description = "a malformed `Idempotency-Key`, or one used before with another body", body = crate::error::Problem)))]
#[post("/registrations/{token}/cancel")]
pub async fn cancel_registration(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    body: AnyBody,
) -> ApiResult<HttpResponse> {
    let key = token_key(&req, &token, "cancel", &body.0)?;
    let done = registrations::change_by_token(&state, &token, Change::Cancel, key.as_ref()).await?;
    respond(done, |model| answer(&state.public_url, model))
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
    registrations::erase_own(&state, &token).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The attendee's corrections (`PATCH /registrations/{token}`): name and organisation as in a
/// registration, and the answers to the event's questions keyed by question id. A field left
/// out keeps its value; `answers`, when given, replaces the answers to every question the
/// event asks (so a required question needs its answer in it).
/// Other fields (the e-mail address, sector, language) are refused, not ignored (422).
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Erika Mustermann", "organisation": "Beispiel AG"}))]
pub struct OwnEditRequest {
    /// One line of 1 to 200 characters.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// One line of up to 200 characters; may be empty.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub organisation: Option<String>,
    /// As in a registration (`answers.<id>` in errors): a string for text questions and one
    /// choice, an array of keys for several choices, `true`/`false` for yes/no.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub answers: Option<std::collections::BTreeMap<String, serde_json::Value>>,
}

/// The attendee corrects their name, organisation and answers, until the event starts; the
/// e-mail address, sector and language stay. 409 once the event has started or is cancelled,
/// or for a cancelled or expired registration; 422 with every invalid field.
#[utoipa::path(tag = "registrations", request_body = OwnEditRequest,
    params(("token" = String, Path, description = "manage_token")),
    responses((status = 200, body = RegistrationResponse), (status = 400, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, description = "the event has started or is cancelled, or the registration is cancelled or expired", body = crate::error::Problem),
        (status = 415, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[patch("/registrations/{token}")]
pub async fn edit_own(
    state: web::Data<AppState>,
    token: web::Path<String>,
    body: crate::http::extract::Json<serde_json::Value>,
) -> ApiResult<web::Json<RegistrationResponse>> {
    let body: OwnEditRequest = serde_json::from_value(body.into_inner())
        .map_err(|e| ApiError::from_json(&actix_web::error::JsonPayloadError::Deserialize(e)))?;
    let sent = edit::OwnEdit {
        name: body.name,
        organisation: body.organisation,
        answers: body.answers.map(|answers| {
            answers
                .into_iter()
                .map(|(id, value)| (id, RawAnswer::Json(value)))
                .collect()
        }),
    };
    edit::edit_own(&state.db, &token, sent).await?;
    let found = registrations::find_by_token(&state.db, &token).await?;
    Ok(web::Json(RegistrationResponse::new(
        found,
        &state.public_url,
    )))
}
