//! `POST /events/{event}/pitches`: a proposal.
use std::sync::Arc;

use actix_web::{http::StatusCode, post, web, HttpRequest, HttpResponse};
use serde_json::Value;

use super::{duration, CreatePitch, PitchCreated, PitchResponse};
use crate::domain::text::{self, Validator};
use crate::domain::EmailAddress;
use crate::error::{ApiError, ApiResult};
use crate::http::auth::MaybeOrganiser;
use crate::routes::idempotency::{json_answer, key_of, respond};
use crate::services::idempotency::{Keyed, StoredAnswer};
use crate::services::pitches::{self as rules, NewPitch, PitchView};
use crate::services::{events, pitches};
use crate::state::AppState;

impl TryFrom<CreatePitch> for NewPitch {
    type Error = ApiError;

    fn try_from(body: CreatePitch) -> Result<Self, ApiError> {
        let mut v = Validator::new();
        let title = v.check(text::one_line("title", &body.title, rules::TITLE_MAX));
        let r#abstract = v.check(text::multi_line(
            "abstract",
            body.abstract_text.as_deref().unwrap_or_default(),
            rules::ABSTRACT_MAX,
        ));
        let organisation = v.check(text::one_line(
            "organisation",
            &body.organisation,
            rules::ORGANISATION_MAX,
        ));
        let presenter_name = v.check(text::one_line(
            "presenter_name",
            &body.presenter_name,
            rules::NAME_MAX,
        ));
        let presenter_email = v.check(EmailAddress::parse(
            "presenter_email",
            &body.presenter_email,
        ));
        let duration_minutes = v.check(duration(body.duration_minutes));
        v.finish()?;
        match (
            title,
            r#abstract,
            organisation,
            presenter_name,
            presenter_email,
            duration_minutes,
        ) {
            (
                Some(title),
                Some(r#abstract),
                Some(organisation),
                Some(presenter_name),
                Some(presenter_email),
                Some(duration_minutes),
            ) => Ok(NewPitch {
                title,
                r#abstract,
                organisation,
                presenter_name,
                presenter_email,
                language: body.language.unwrap_or_default(),
                duration_minutes,
            }),
            _ => Err(ApiError::BadRequest("invalid pitch".to_owned())),
        }
    }
}

/// Propose a pitch: public while the event is published, or by an organiser (also on drafts).
/// The answer carries the presenter's `manage_token`, shown only here and sent by mail.
#[utoipa::path(tag = "pitches", params(("event" = String, Path, description = "id or slug"),
        ("Idempotency-Key" = Option<String>, Header, description = "kept 24 hours; ignored for organisers")),
    request_body = CreatePitch,
    responses((status = 201, body = PitchCreated, headers(("Location" = String))),
        (status = 400, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem, description = "the event is cancelled"),
        (status = 422, body = crate::error::Problem),
        (status = 429, body = crate::error::Problem, description = "too many submissions from this client or naming this address")))]
#[post("/events/{event}/pitches")]
pub async fn create_pitch(
    state: web::Data<AppState>,
    who: MaybeOrganiser,
    key: web::Path<String>,
    req: HttpRequest,
    body: crate::http::extract::Json<Value>,
) -> ApiResult<HttpResponse> {
    let event = events::find_visible(&state.db, &key, who.is_organiser()).await?;
    let body = body.into_inner();
    // The caller is known (an invalid token was a 401): only then is a key judged.
    // An organiser's key is not kept, but a malformed one is still the 422 the spec says.
    let idempotency = match who.is_organiser() {
        true => crate::routes::idempotency::header_key(&req).map(|_| None)?,
        false => key_of(
            &req,
            format!("POST /api/v1/events/{}/pitches", event.id),
            &body,
        )?,
    };
    let body: CreatePitch = serde_json::from_value(body)
        .map_err(|e| ApiError::from_json(&actix_web::error::JsonPayloadError::Deserialize(e)))?;
    let new = NewPitch::try_from(body)?;
    let public_url = state.public_url.clone();
    let keyed = idempotency.map(|key| Keyed {
        key,
        answer: Arc::new(
            move |(event, pitch): &(entity::event::Model, entity::pitch::Model)| {
                answer(&public_url, event.clone(), pitch.clone())
            },
        ),
    });
    let done = pitches::create(&state, event.id, who.is_organiser(), new, keyed.as_ref()).await?;
    respond(done, |(event, pitch)| {
        answer(&state.public_url, event, pitch)
    })
}

/// The answer to a new pitch: 201, its `Location` and JSON body with the manage token.
fn answer(
    public_url: &str,
    event: entity::event::Model,
    pitch: entity::pitch::Model,
) -> ApiResult<StoredAnswer> {
    let manage_token = pitches::manage_token(&pitch);
    let location = format!("/api/v1/events/{}/pitches/{}", event.id, pitch.id);
    let body = PitchCreated {
        pitch: PitchResponse::new(PitchView { pitch, slot: None }, &event.timezone),
        manage_url: pitches::manage_url(public_url, &manage_token),
        api_url: pitches::api_url(public_url, &manage_token),
        manage_token,
    };
    json_answer(StatusCode::CREATED, Some(location), &body)
}
