//! `PATCH /events/{event}/exhibits/{id}`: approve, reject, waitlist; give a booth.
use actix_web::{patch, web};
use entity::exhibit::ExhibitStatus;
use uuid::Uuid;

use super::{ExhibitResponse, UpdateExhibit};
use crate::domain::text::{self, Validator};
use crate::error::ApiResult;
use crate::http::auth::{need::Manage, Allowed};
use crate::services::events;
use crate::services::exhibits::{self, Decision, BOOTH_MAX};
use crate::state::AppState;

/// Decide on an exhibit and give or take its booth; each decision mails the contact.
///
/// 409 when the booth is taken, `exhibit_capacity` approved exhibits exist already, a booth is
/// given to an exhibit that is not approved, or the exhibit was withdrawn. Rejecting or
/// waitlisting an approved exhibit frees its booth and its place.
#[utoipa::path(tag = "exhibits", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug"), ("id" = Uuid, Path)),
    request_body = UpdateExhibit,
    responses((status = 200, body = ExhibitResponse), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
#[patch("/events/{event}/exhibits/{id}")]
pub async fn update_exhibit(
    state: web::Data<AppState>,
    _who: Allowed<Manage>,
    path: web::Path<(String, Uuid)>,
    body: crate::http::extract::Json<UpdateExhibit>,
) -> ApiResult<web::Json<ExhibitResponse>> {
    let (key, id) = path.into_inner();
    let event = events::find_visible(&state.db, &key, true).await?;
    let body = body.into_inner();
    let mut v = Validator::new();
    let status = match body.status {
        Some(ExhibitStatus::Submitted | ExhibitStatus::Withdrawn) => {
            v.push("status", "must be approved, rejected or waitlisted");
            None
        }
        other => other,
    };
    let booth = match body.booth {
        None => None,
        Some(None) => Some(None),
        Some(Some(b)) => v.check(text::one_line("booth", &b, BOOTH_MAX)).map(Some),
    };
    v.finish()?;
    let exhibit = exhibits::decide(&state, event.id, id, Decision { status, booth }).await?;
    Ok(web::Json(ExhibitResponse::new(exhibit, true)))
}
