//! `PATCH /events/{event}/pitches/{id}`: accept, reject, edit.
use actix_web::{patch, web};
use entity::pitch::PitchStatus;
use uuid::Uuid;

use super::{duration, PitchResponse, UpdatePitch};
use crate::domain::text::{self, Validator};
use crate::domain::EmailAddress;
use crate::error::ApiResult;
use crate::http::auth::{need::Manage, Allowed};
use crate::services::pitches::{self as rules, PitchChanges};
use crate::services::{events, pitches};
use crate::state::AppState;

fn changes(body: UpdatePitch) -> ApiResult<PitchChanges> {
    let mut v = Validator::new();
    let status = match body.status {
        None => None,
        Some(s @ (PitchStatus::Accepted | PitchStatus::Rejected)) => Some(s),
        Some(_) => {
            v.push("status", "must be accepted or rejected");
            None
        }
    };
    let title = body
        .title
        .and_then(|t| v.check(text::one_line("title", &t, rules::TITLE_MAX)));
    let r#abstract = body
        .abstract_text
        .and_then(|t| v.check(text::multi_line("abstract", &t, rules::ABSTRACT_MAX)));
    let organisation = body
        .organisation
        .and_then(|t| v.check(text::one_line("organisation", &t, rules::ORGANISATION_MAX)));
    let presenter_name = body
        .presenter_name
        .and_then(|t| v.check(text::one_line("presenter_name", &t, rules::NAME_MAX)));
    let presenter_email = body
        .presenter_email
        .and_then(|e| v.check(EmailAddress::parse("presenter_email", &e)));
    let duration_minutes = body.duration_minutes.and_then(|d| v.check(duration(d)));
    v.finish()?;
    Ok(PitchChanges {
        status,
        title,
        r#abstract,
        organisation,
        presenter_name,
        presenter_email,
        language: body.language,
        duration_minutes,
    })
}

/// Accept or reject a pitch (each mails the presenter), or edit it.
///
/// Rejecting an assigned pitch frees its slot; the rejection mail cancels the calendar entry.
/// Edits of an assigned pitch keep the programme rules: a duration longer than the slot is a
/// 422, a presenter e-mail whose owner is busy at that time a 409. A withdrawn pitch is a 409.
#[utoipa::path(tag = "pitches", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug"), ("id" = Uuid, Path)),
    request_body = UpdatePitch,
    responses((status = 200, body = PitchResponse), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
#[patch("/events/{event}/pitches/{id}")]
pub async fn update_pitch(
    state: web::Data<AppState>,
    _who: Allowed<Manage>,
    path: web::Path<(String, Uuid)>,
    body: crate::http::extract::Json<UpdatePitch>,
) -> ApiResult<web::Json<PitchResponse>> {
    let (key, id) = path.into_inner();
    let event = events::find_visible(&state.db, &key, true).await?;
    let changes = changes(body.into_inner())?;
    let (event, view) = pitches::review(&state, event.id, id, changes).await?;
    Ok(web::Json(PitchResponse::new(view, &event.timezone)))
}
