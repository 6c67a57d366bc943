//! The exhibitor's self-service through the `manage_token`.
use std::sync::Arc;

use actix_web::{get, http::StatusCode, post, web, HttpRequest, HttpResponse};

use super::{ExhibitResponse, OwnExhibit};
use crate::error::ApiResult;
use crate::routes::idempotency::{json_answer, key_of, respond, AnyBody};
use crate::services::exhibits;
use crate::services::idempotency::{secret_scope, Keyed, StoredAnswer};
use crate::state::AppState;

/// The exhibitor's own registration.
#[utoipa::path(tag = "exhibits", params(("token" = String, Path, description = "the manage_token")),
    responses((status = 200, body = OwnExhibit), (status = 404, body = crate::error::Problem)))]
#[get("/exhibits/{token}")]
pub async fn own_exhibit(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> ApiResult<web::Json<OwnExhibit>> {
    let (_, exhibit) = exhibits::by_token(&state.db, &token).await?;
    Ok(web::Json(OwnExhibit {
        manage_url: exhibits::manage_url(&state.public_url, &token),
        api_url: exhibits::api_url(&state.public_url, &token),
        exhibit: ExhibitResponse::new(exhibit, true),
    }))
}

/// Withdraw: the booth and the approved place are freed, the contact mailed. Withdrawing again
/// answers the same, without mail.
#[utoipa::path(tag = "exhibits", params(("token" = String, Path, description = "the manage_token"),
        ("Idempotency-Key" = Option<String>, Header, description = "kept 24 hours")),
    responses((status = 200, body = ExhibitResponse), (status = 404, body = crate::error::Problem),
        (status = 422, description = "a malformed `Idempotency-Key`, or one used before with another body", body = crate::error::Problem)))]
#[post("/exhibits/{token}/withdraw")]
pub async fn withdraw_exhibit(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    body: AnyBody,
) -> ApiResult<HttpResponse> {
    // The token is stored only as a hash of the path.
    let scope = secret_scope(&format!("POST /api/v1/exhibits/{token}/withdraw"));
    let keyed = key_of(&req, scope, &body.0)?.map(|key| Keyed {
        key,
        answer: Arc::new(
            |(_, exhibit): &(entity::event::Model, entity::exhibit::Model)| answer(exhibit.clone()),
        ),
    });
    let done = exhibits::withdraw(&state, &token, keyed.as_ref()).await?;
    respond(done, |(_, exhibit)| answer(exhibit))
}

fn answer(exhibit: entity::exhibit::Model) -> ApiResult<StoredAnswer> {
    json_answer(StatusCode::OK, None, &ExhibitResponse::new(exhibit, true))
}
