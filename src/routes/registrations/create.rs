//! `POST /events/{event}/registrations`: public registration, with `Idempotency-Key`.
use std::sync::Arc;

use actix_web::{http::StatusCode, post, web, HttpRequest, HttpResponse};
use serde_json::Value;

use super::{parse_sector, CreatedRegistration, RegisterRequest, RegistrationResponse};
use crate::domain::{text, time::now, EmailAddress, Validator};
use crate::error::{ApiError, ApiResult};
use crate::routes::idempotency::{json_answer, key_of, respond, response};
use crate::services::idempotency::StoredAnswer;
use crate::services::questions::{self, RawAnswer};
use crate::services::registrations::desk::{Desked, Keyed};
use crate::services::registrations::{
    self, NewRegistration, Registered, NAME_MAX, ORGANISATION_MAX,
};
use crate::state::AppState;

/// Register for an event. 201 with `confirmed`, `pending` (double opt-in: confirm within the
/// event's `hold_hours`, 48 by default) or `waitlisted` and its `waitlist_position`. Joining the
/// waitlist asks for no confirmation; on a double opt-in event a seat freed later is offered
/// to the first waitlisted as a new `pending` hold with the confirmation mail, and only its
/// confirmation gives the seat and the check-in code. A repeat with the same `Idempotency-Key` and
/// body replays the first answer and creates nothing; the same key with another body is a 422.
#[utoipa::path(tag = "registrations", request_body = RegisterRequest,
    params(("event" = String, Path, description = "id or slug"),
        ("Idempotency-Key" = Option<String>, Header, description = "kept 24 hours")),
    responses((status = 201, body = CreatedRegistration, headers(("Location" = String))),
        (status = 400, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, description = "already registered, full without waitlist, not open", body = crate::error::Problem),
        (status = 415, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/events/{event}/registrations")]
#[tracing::instrument(skip_all, fields(event = %key))]
pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    key: web::Path<String>,
    body: crate::http::extract::Json<Value>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    // A recent copy of the event is enough here: the desk checks the locked row again
    // (published, registration window) before it takes a seat. A draft is looked up as
    // strangers see it: a 404 like an unknown event, whoever asks.
    let event = state.reads.find_visible(&state.db, &key, false).await?;
    let scope = format!("POST /api/v1/events/{}/registrations", event.id);
    let idempotency = key_of(&req, scope, &body)?;
    if let Some(k) = &idempotency {
        // A repeat of an answered request needs no desk (which judges the key again under
        // its lock: this look-up only saves the trip).
        if let Some(stored) = k.lookup(&state.db).await? {
            return Ok(response(stored, true));
        }
    }
    let questions = state.reads.questions(&state.db, event.id).await?;
    let new = parse(body, &req, &questions)?;
    registrations::check_open(&event, now())?;

    // A registration changes no event row that the cached public reads (feeds, schedule)
    // show, so it leaves their copies in place.
    crate::http::write_epoch::keep_reads(&req);
    let public_url = state.public_url.clone();
    let keyed = idempotency.map(|key| Keyed {
        key,
        answer: Arc::new(move |registered: &Registered| answer(&public_url, registered.clone())),
    });
    let done = state.desk.register(event.id, new, keyed).await?;
    if matches!(done, Desked::New(..)) {
        state.wake_mailer();
    }
    respond(done, |registered| answer(&state.public_url, registered))
}

/// The answer to a new registration: 201, its `Location` and JSON body.
fn answer(public_url: &str, registered: Registered) -> ApiResult<StoredAnswer> {
    let manage_token = registrations::manage_token(&registered.registration);
    let location = format!("/api/v1/registrations/{manage_token}");
    let response = CreatedRegistration {
        registration: RegistrationResponse::new(registered, public_url),
        manage_token,
    };
    json_answer(StatusCode::CREATED, Some(location), &response)
}

/// The body as a checked [`NewRegistration`]; every invalid field is reported at once.
fn parse(
    body: Value,
    req: &HttpRequest,
    asked: &[entity::registration_question::Model],
) -> ApiResult<NewRegistration> {
    let body: RegisterRequest = serde_json::from_value(body)
        .map_err(|e| ApiError::from_json(&actix_web::error::JsonPayloadError::Deserialize(e)))?;
    let mut v = Validator::new();
    let name = v.check(text::one_line("name", &body.name, NAME_MAX));
    let email = v.check(EmailAddress::parse("email", &body.email));
    let organisation = v.check(text::optional_line(
        "organisation",
        body.organisation.as_deref().unwrap_or_default(),
        ORGANISATION_MAX,
    ));
    let sector = v.check(parse_sector("sector", &body.sector));
    let language = match body.language.as_deref() {
        Some(word) => v.check(crate::domain::choice::language("language", word)),
        None => Some(crate::http::language::accepted(req)),
    };
    let answers = questions::check_answers(
        &mut v,
        asked,
        body.answers
            .unwrap_or_default()
            .into_iter()
            .map(|(id, value)| (id, RawAnswer::Json(value)))
            .collect(),
    );
    if body.consent != Some(true) {
        v.push(
            "consent",
            "must be true: we need your consent to process your registration",
        );
    }
    v.finish()?;
    match (name, email, organisation, sector, language) {
        (Some(name), Some(email), Some(organisation), Some(sector), Some(language)) => {
            Ok(NewRegistration {
                name,
                email,
                organisation,
                sector,
                language,
                answers,
            })
        }
        _ => Err(ApiError::BadRequest("invalid registration".to_owned())),
    }
}
