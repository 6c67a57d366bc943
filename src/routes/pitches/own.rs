//! The presenter's self-service through the `manage_token`.
use actix_web::{get, post, web};

use super::{OwnPitch, PitchResponse};
use crate::error::ApiResult;
use crate::services::pitches;
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
#[utoipa::path(tag = "pitches", params(("token" = String, Path, description = "the manage_token")),
    responses((status = 200, body = PitchResponse), (status = 404, body = crate::error::Problem)))]
#[post("/pitches/{token}/withdraw")]
pub async fn withdraw_pitch(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> ApiResult<web::Json<PitchResponse>> {
    let (event, view) = pitches::withdraw(&state, &token).await?;
    Ok(web::Json(PitchResponse::new(view, &event.timezone)))
}
