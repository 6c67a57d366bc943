//! The presenter's self-service through the `manage_token`.
use std::sync::Arc;

use actix_web::{get, http::StatusCode, post, web, HttpRequest, HttpResponse};

use super::{OwnPitch, PitchResponse};
use crate::error::ApiResult;
use crate::routes::idempotency::{json_answer, key_of, respond, AnyBody};
use crate::services::idempotency::{secret_scope, Keyed, StoredAnswer};
use crate::services::pitches::{self, PitchView};
use crate::state::AppState;

/// The presenter's own pitch, with its slot once scheduled.
#[utoipa::path(tag = "pitches", params(("token" = String, Path, description = "the manage_token")),
    responses((status = 200, body = OwnPitch), (status = 404, body = crate::error::Problem)))]
#[get("/pitches/{token}")]
pub async fn own_pitch(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> ApiResult<web::Json<OwnPitch>> {
    let (event, view) = pitches::by_token(&state.db, &token).await?;
    Ok(web::Json(OwnPitch {
        manage_url: pitches::manage_url(&state.public_url, &token),
        api_url: pitches::api_url(&state.public_url, &token),
        pitch: PitchResponse::new(view, &event.timezone),
    }))
}

/// Withdraw the pitch: its slot is freed and the presenter mailed (with a calendar
/// cancellation when it was scheduled). Withdrawing again answers the same, without mail.
#[utoipa::path(tag = "pitches", params(("token" = String, Path, description = "the manage_token"),
        ("Idempotency-Key" = Option<String>, Header, description = "kept 24 hours")),
    responses((status = 200, body = PitchResponse), (status = 404, body = crate::error::Problem),
        (status = 422, description = "a malformed `Idempotency-Key`, or one used before with another body", body = crate::error::Problem)))]
#[post("/pitches/{token}/withdraw")]
pub async fn withdraw_pitch(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    body: AnyBody,
) -> ApiResult<HttpResponse> {
    // The token is stored only as a hash of the path.
    let scope = secret_scope(&format!("POST /api/v1/pitches/{token}/withdraw"));
    let keyed = key_of(&req, scope, &body.0)?.map(|key| Keyed {
        key,
        answer: Arc::new(|(event, view): &(entity::event::Model, PitchView)| {
            answer(event, view.clone())
        }),
    });
    let done = pitches::withdraw(&state, &token, keyed.as_ref()).await?;
    respond(done, |(event, view)| answer(&event, view))
}

fn answer(event: &entity::event::Model, view: PitchView) -> ApiResult<StoredAnswer> {
    json_answer(
        StatusCode::OK,
        None,
        &PitchResponse::new(view, &event.timezone),
    )
}
