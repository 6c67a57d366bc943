//! `POST /events/{event}/exhibits`: an exhibit registration.
use std::sync::Arc;

use actix_web::{http::StatusCode, post, web, HttpRequest, HttpResponse};
use serde_json::Value;

use super::{CreateExhibit, ExhibitCreated, ExhibitResponse};
use crate::domain::text::{self, Validator};
use crate::domain::EmailAddress;
use crate::error::{ApiError, ApiResult};
use crate::http::auth::MaybeOrganiser;
use crate::routes::idempotency::{json_answer, key_of, respond};
use crate::services::exhibits::{self as rules, NewExhibit};
use crate::services::idempotency::{Keyed, StoredAnswer};
use crate::services::{events, exhibits};
use crate::state::AppState;

impl TryFrom<CreateExhibit> for NewExhibit {
    type Error = ApiError;

    fn try_from(body: CreateExhibit) -> Result<Self, ApiError> {
        let mut v = Validator::new();
        let title = v.check(text::one_line("title", &body.title, rules::TITLE_MAX));
        let description = v.check(text::multi_line(
            "description",
            body.description.as_deref().unwrap_or_default(),
            rules::DESCRIPTION_MAX,
        ));
        let organisation = v.check(text::one_line(
            "organisation",
            &body.organisation,
            rules::ORGANISATION_MAX,
        ));
        let contact_name = v.check(text::one_line(
            "contact_name",
            &body.contact_name,
            rules::NAME_MAX,
        ));
        let contact_email = v.check(EmailAddress::parse("contact_email", &body.contact_email));
        if !(body.space_sqm.is_finite()
            && body.space_sqm > 0.0
            && body.space_sqm <= rules::SPACE_MAX)
        {
            v.push("space_sqm", "must be more than 0 and at most 10000");
        }
        v.finish()?;
        match (
            title,
            description,
            organisation,
            contact_name,
            contact_email,
        ) {
            (
                Some(title),
                Some(description),
                Some(organisation),
                Some(contact_name),
                Some(contact_email),
            ) => Ok(NewExhibit {
                title,
                description,
                organisation,
                contact_name,
                contact_email,
                language: body.language.unwrap_or_default(),
                space_sqm: body.space_sqm,
                needs_power: body.needs_power,
            }),
            _ => Err(ApiError::BadRequest("invalid exhibit".to_owned())),
        }
    }
}

/// Register an exhibit: public while the event is published, or by an organiser (also on
/// drafts). The contact is mailed; the answer carries the `manage_token`, shown only here.
#[utoipa::path(tag = "exhibits", params(("event" = String, Path, description = "id or slug"),
        ("Idempotency-Key" = Option<String>, Header, description = "kept 24 hours; ignored for organisers")),
    request_body = CreateExhibit,
    responses((status = 201, body = ExhibitCreated, headers(("Location" = String))),
        (status = 400, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem, description = "the event is cancelled"),
        (status = 422, body = crate::error::Problem),
        (status = 429, body = crate::error::Problem, description = "too many submissions from this client or naming this address")))]
#[post("/events/{event}/exhibits")]
pub async fn create_exhibit(
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
            format!("POST /api/v1/events/{}/exhibits", event.id),
            &body,
        )?,
    };
    let body: CreateExhibit = serde_json::from_value(body)
        .map_err(|e| ApiError::from_json(&actix_web::error::JsonPayloadError::Deserialize(e)))?;
    let new = NewExhibit::try_from(body)?;
    let public_url = state.public_url.clone();
    let keyed = idempotency.map(|key| Keyed {
        key,
        answer: Arc::new(
            move |(event, exhibit): &(entity::event::Model, entity::exhibit::Model)| {
                answer(&public_url, event.clone(), exhibit.clone())
            },
        ),
    });
    let done = exhibits::create(&state, event.id, who.is_organiser(), new, keyed.as_ref()).await?;
    respond(done, |(event, exhibit)| {
        answer(&state.public_url, event, exhibit)
    })
}

/// The answer to a new exhibit: 201, its `Location` and JSON body with the manage token.
fn answer(
    public_url: &str,
    event: entity::event::Model,
    exhibit: entity::exhibit::Model,
) -> ApiResult<StoredAnswer> {
    let manage_token = exhibits::manage_token(&exhibit);
    let location = format!("/api/v1/events/{}/exhibits/{}", event.id, exhibit.id);
    let body = ExhibitCreated {
        exhibit: ExhibitResponse::new(exhibit, true),
        manage_url: exhibits::manage_url(public_url, &manage_token),
        api_url: exhibits::api_url(public_url, &manage_token),
        manage_token,
    };
    json_answer(StatusCode::CREATED, Some(location), &body)
}
