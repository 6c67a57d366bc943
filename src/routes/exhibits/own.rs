//! The exhibitor's self-service through the `manage_token`.
use actix_web::{get, post, web};

use super::{ExhibitResponse, OwnExhibit};
use crate::error::ApiResult;
use crate::services::exhibits;
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
#[utoipa::path(tag = "exhibits", params(("token" = String, Path, description = "the manage_token")),
    responses((status = 200, body = ExhibitResponse), (status = 404, body = crate::error::Problem)))]
#[post("/exhibits/{token}/withdraw")]
pub async fn withdraw_exhibit(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> ApiResult<web::Json<ExhibitResponse>> {
    let (_, exhibit) = exhibits::withdraw(&state, &token).await?;
    Ok(web::Json(ExhibitResponse::new(exhibit, true)))
}
