//! The door page for a phone (`/events/{slug}/door`, issue 17): an organiser signs in once
//! with their token through a form (never in a URL); a short-lived session cookie
//! (`HttpOnly`, `SameSite=Strict`, `Secure` under an https public URL) keeps the door signed
//! in, stored hashed in the database so several doors and instances work at once. The door
//! checks people in by code (typed, or scanned by the small script where the browser has a
//! `BarcodeDetector`) or finds them by name, umlauts folded; everything works without script.
use actix_web::{
    cookie::{time::Duration as CookieDuration, Cookie, SameSite},
    http::{header, StatusCode},
    web, HttpRequest, HttpResponse,
};
use askama::Template;
use entity::{event, registration::RegistrationStatus};
use serde::Deserialize;
use uuid::Uuid;

use super::{error_page, see_other};
use crate::error::ApiError;
use crate::services::{check_in, door, events};
use crate::state::AppState;

const COOKIE: &str = "podium_door";
/// The door page's script: the camera scan, nothing else.
pub const SCRIPT_PATH: &str = "/assets/door-1.js";
const SCRIPT: &str = include_str!("../../static/door.js");
/// The pages' policy plus this page's own script and the camera's picture.
const DOOR_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
script-src 'self'; media-src 'self' blob:; form-action 'self'; frame-ancestors 'none'; \
base-uri 'none'";

#[derive(Template)]
#[template(path = "pages/door.html")]
struct DoorPage {
    title: String,
    path: String,
    signed_in: bool,
    sign_in_error: Option<&'static str>,
    result: Option<ResultView>,
    query: String,
    found: Vec<FoundRow>,
    searched: bool,
    script: &'static str,
}

/// What a scan did, in large type.
struct ResultView {
    /// `ok`, `already` or `refused`: the colour.
    class: &'static str,
    name: String,
    organisation: String,
    message: String,
}

struct FoundRow {
    id: Uuid,
    name: String,
    organisation: String,
    status: String,
    can_check_in: bool,
}

#[derive(Debug, Deserialize)]
pub struct DoorQuery {
    #[serde(default)]
    q: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    token: String,
}

#[derive(Debug, Deserialize)]
pub struct CheckInForm {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    id: Option<String>,
}

fn page(status: StatusCode, page: &DoorPage) -> HttpResponse {
    match page.render() {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CONTENT_SECURITY_POLICY, DOOR_CSP))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(body),
        Err(err) => error_page(
            entity::registration::Language::En,
            ApiError::Internal(anyhow::Error::new(err).context("rendering the door page")),
        ),
    }
}

fn empty(event: &event::Model, signed_in: bool) -> DoorPage {
    DoorPage {
        title: event.title.clone(),
        path: format!("/events/{}/door", event.slug),
        signed_in,
        sign_in_error: None,
        result: None,
        query: String::new(),
        found: Vec::new(),
        searched: false,
        script: SCRIPT_PATH,
    }
}

/// The event with this slug, and whether the request's cookie signs its door in. Drafts are
/// found for signed-in doors only.
async fn door_of(
    state: &AppState,
    req: &HttpRequest,
    slug: &str,
) -> Result<(event::Model, bool), ApiError> {
    let event = events::find_visible(&state.db, slug, true).await?;
    let signed_in = match req.cookie(COOKIE) {
        Some(cookie) => door::is_signed_in(&state.db, event.id, cookie.value()).await?,
        None => false,
    };
    if !signed_in && event.status == entity::event::EventStatus::Draft {
        return Err(ApiError::event_not_found(slug));
    }
    Ok((event, signed_in))
}

fn fail(err: ApiError) -> HttpResponse {
    error_page(entity::registration::Language::En, err)
}

/// `GET /events/{slug}/door[?q=name]`: the sign-in form, or the door with a search.
pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
    query: web::Query<DoorQuery>,
) -> HttpResponse {
    let (event, signed_in) = match door_of(&state, &req, &slug).await {
        Ok(found) => found,
        Err(err) => return fail(err),
    };
    let mut view = empty(&event, signed_in);
    if !signed_in {
        return page(StatusCode::OK, &view);
    }
    if let Some(q) = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let q: String = q.chars().take(200).collect();
        match door::search(&state.db, event.id, &q).await {
            Ok(found) => {
                view.found = found
                    .into_iter()
                    .map(|r| FoundRow {
                        id: r.id,
                        status: status_line(&event, &r),
                        can_check_in: r.status == RegistrationStatus::Confirmed
                            && r.checked_in_at.is_none(),
                        name: r.name,
                        organisation: r.organisation,
                    })
                    .collect();
            }
            Err(err) => return fail(err),
        }
        view.searched = true;
        view.query = q;
    }
    page(StatusCode::OK, &view)
}

fn status_line(event: &event::Model, r: &entity::registration::Model) -> String {
    match (r.status, r.checked_in_at) {
        (RegistrationStatus::Confirmed, Some(at)) => format!(
            "checked in at {}",
            check_in::local_time(at, &event.timezone)
        ),
        (RegistrationStatus::Confirmed, None) => "confirmed".to_owned(),
        (RegistrationStatus::Waitlisted, _) => "waitlisted".to_owned(),
        (RegistrationStatus::Pending, _) => "not confirmed yet".to_owned(),
        (RegistrationStatus::Cancelled, _) => "cancelled".to_owned(),
        (RegistrationStatus::Expired, _) => "expired".to_owned(),
    }
}

/// `POST /events/{slug}/door/sign-in`: the organiser's token from the form; a session cookie.
pub async fn sign_in(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    form: web::Form<SignInForm>,
) -> HttpResponse {
    let event = match events::find_visible(&state.db, &slug, true).await {
        Ok(event) => event,
        Err(err) => return fail(err),
    };
    let organiser = match crate::http::auth::organiser_by_token(state.clone(), &form.token).await {
        Ok(organiser) => organiser,
        Err(ApiError::Unauthorized) => {
            if event.status == entity::event::EventStatus::Draft {
                return fail(ApiError::event_not_found(&slug));
            }
            let mut view = empty(&event, false);
            view.sign_in_error = Some("This token opens no door. Check it and try again.");
            return page(StatusCode::UNAUTHORIZED, &view);
        }
        Err(err) => return fail(err),
    };
    let value = match door::open_session(&state.db, event.id, organiser.0.id).await {
        Ok(value) => value,
        Err(err) => return fail(err),
    };
    let path = format!("/events/{}/door", event.slug);
    let cookie = Cookie::build(COOKIE, value)
        .path(path.clone())
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.public_url.starts_with("https://"))
        .max_age(CookieDuration::hours(door::SESSION_HOURS))
        .finish();
    let mut response = see_other(&path);
    if response.add_cookie(&cookie).is_err() {
        return fail(ApiError::Internal(anyhow::anyhow!(
            "setting the door cookie"
        )));
    }
    response
}

/// `POST /events/{slug}/door/sign-out`: ends this door's session.
pub async fn sign_out(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
) -> HttpResponse {
    if let Some(cookie) = req.cookie(COOKIE) {
        if let Err(err) = door::close_session(&state.db, cookie.value()).await {
            return fail(err);
        }
    }
    let path = format!("/events/{}/door", slug.as_str());
    let mut gone = Cookie::build(COOKIE, "").path(path.clone()).finish();
    gone.make_removal();
    let mut response = see_other(&path);
    let _ = response.add_cookie(&gone);
    response
}

/// `POST /events/{slug}/door/check-in`: by `code` (typed or scanned) or by `id` (from the
/// search); shows the person and the outcome in large type.
pub async fn check_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
    form: web::Form<CheckInForm>,
) -> HttpResponse {
    let (event, signed_in) = match door_of(&state, &req, &slug).await {
        Ok(found) => found,
        Err(err) => return fail(err),
    };
    let mut view = empty(&event, signed_in);
    if !signed_in {
        view.sign_in_error = Some("Please sign in first.");
        return page(StatusCode::UNAUTHORIZED, &view);
    }
    let outcome = match (form.code.as_deref().map(str::trim), form.id.as_deref()) {
        (Some(code), _) if !code.is_empty() => check_in::by_code(&state.db, &event, code).await,
        (_, Some(id)) => match Uuid::parse_str(id.trim()) {
            Ok(id) => check_in::by_id(&state.db, &event, id)
                .await
                .and_then(|scan| scan.ok_or_else(|| ApiError::not_found("attendee"))),
            Err(_) => Err(ApiError::not_found("attendee")),
        },
        _ => Err(ApiError::invalid("code", "enter or scan a code")),
    };
    let status = match outcome {
        Ok(scan) => {
            view.result = Some(ResultView {
                class: if scan.now { "ok" } else { "already" },
                message: scan.message(&event),
                name: scan.registration.name,
                organisation: scan.registration.organisation,
            });
            StatusCode::OK
        }
        Err(ApiError::Conflict(detail)) => {
            view.result = Some(ResultView {
                class: "refused",
                name: String::new(),
                organisation: String::new(),
                message: detail,
            });
            StatusCode::CONFLICT
        }
        Err(ApiError::NotFound(_)) | Err(ApiError::Validation { .. }) => {
            view.result = Some(ResultView {
                class: "refused",
                name: String::new(),
                organisation: String::new(),
                message: "No attendee of this event has this code.".to_owned(),
            });
            StatusCode::NOT_FOUND
        }
        Err(err) => return fail(err),
    };
    page(status, &view)
}

/// `GET /assets/door-1.js`.
pub async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(SCRIPT)
}
