//! The door page for a phone (`/events/{slug}/door`, issue 17): an organiser signs in once
//! with their token through a form (never in a URL); a short-lived session cookie
//! (`HttpOnly`, `SameSite=Strict`, `Secure` under an https public URL) keeps the door signed
//! in, stored hashed in the database so several doors and instances work at once. The door
//! checks people in by code (typed, or scanned by the small script where the browser has a
//! `BarcodeDetector`) or finds them by name, umlauts folded; everything works without script.
//! In German or English like the other public pages (`?lang=`, else `Accept-Language`), with
//! the switch to the other language; a chosen `?lang=` stays on through the door's forms.
use actix_web::{
    cookie::{time::Duration as CookieDuration, Cookie, SameSite},
    http::{header, StatusCode},
    web, HttpRequest, HttpResponse,
};
use askama::Template;
use entity::{
    event,
    registration::{Language, RegistrationStatus},
};
use serde::Deserialize;
use uuid::Uuid;

use super::{code, error_page, public_language, query_language, see_other, Switch, Texts};
use crate::domain::member::Permission;
use crate::domain::{check_in_code, time::now};
use crate::error::ApiError;
use crate::services::{check_in, door, events};
use crate::state::AppState;

/// The door session's cookie (its value opens the door; only its SHA-256 is stored).
pub const COOKIE: &str = "podium_door";
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
    t: &'static Texts,
    switch: Option<Switch>,
    title: String,
    path: String,
    /// `?lang=xx` when the page's language was chosen by the switch, for the forms' actions.
    lang_query: String,
    /// The chosen language, for the search form (empty: none chosen).
    lang_chosen: &'static str,
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

/// The language of the door, and whether it was chosen by `?lang=` (then it is carried on).
struct Lang {
    lang: Language,
    chosen: bool,
}

impl Lang {
    fn of(req: &HttpRequest) -> Self {
        Self {
            lang: public_language(req),
            chosen: query_language(req).is_some(),
        }
    }

    fn texts(&self) -> &'static Texts {
        Texts::of(self.lang)
    }

    /// `?lang=xx` if chosen, else nothing.
    fn query(&self) -> String {
        if self.chosen {
            format!("?lang={}", code(self.lang))
        } else {
            String::new()
        }
    }
}

fn page(status: StatusCode, page: &DoorPage) -> HttpResponse {
    match page.render() {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CONTENT_SECURITY_POLICY, DOOR_CSP))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(body),
        Err(err) => error_page(
            Language::En,
            ApiError::Internal(anyhow::Error::new(err).context("rendering the door page")),
        ),
    }
}

fn empty(event: &event::Model, signed_in: bool, lang: &Lang) -> DoorPage {
    let path = format!("/events/{}/door", event.slug);
    DoorPage {
        t: lang.texts(),
        switch: Some(Switch::to_other(&path, lang.lang)),
        title: event.title.clone(),
        lang_query: lang.query(),
        lang_chosen: if lang.chosen { code(lang.lang) } else { "" },
        path,
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

fn fail(lang: &Lang, err: ApiError) -> HttpResponse {
    error_page(lang.lang, err)
}

/// `GET /events/{slug}/door[?q=name]`: the sign-in form, or the door with a search.
pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
    query: web::Query<DoorQuery>,
) -> HttpResponse {
    let lang = Lang::of(&req);
    let (event, signed_in) = match door_of(&state, &req, &slug).await {
        Ok(found) => found,
        Err(err) => return fail(&lang, err),
    };
    let mut view = empty(&event, signed_in, &lang);
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
                        status: status_line(lang.texts(), lang.lang, &event, &r),
                        can_check_in: r.status == RegistrationStatus::Confirmed
                            && r.checked_in_at.is_none(),
                        name: r.name,
                        organisation: r.organisation,
                    })
                    .collect();
            }
            Err(err) => return fail(&lang, err),
        }
        view.searched = true;
        view.query = q;
    }
    page(StatusCode::OK, &view)
}

/// A registration's status in a word or two: "confirmed", "checked in at 09:12" (with the
/// day when not today), "cancelled".
fn status_line(
    t: &Texts,
    lang: Language,
    event: &event::Model,
    r: &entity::registration::Model,
) -> String {
    match (r.status, r.checked_in_at) {
        (RegistrationStatus::Confirmed, Some(at)) => format!(
            "{} {}",
            t.door_checked_in_at,
            check_in::moment(at, &event.timezone, now(), lang)
        ),
        (RegistrationStatus::Confirmed, None) => t.door_confirmed.to_owned(),
        (RegistrationStatus::Waitlisted, _) => t.door_waitlisted.to_owned(),
        (RegistrationStatus::Pending, _) => t.door_pending.to_owned(),
        (RegistrationStatus::Cancelled, _) => t.door_cancelled.to_owned(),
        (RegistrationStatus::Expired, _) => t.door_expired.to_owned(),
    }
}

/// Why someone is not let in: "Cancelled: not checked in".
fn refusal(
    t: &Texts,
    lang: Language,
    event: &event::Model,
    r: &entity::registration::Model,
) -> String {
    let status = status_line(t, lang, event, r);
    let mut chars = status.chars();
    let capital: String = chars
        .next()
        .into_iter()
        .flat_map(char::to_uppercase)
        .collect();
    format!("{capital}{}: {}", chars.as_str(), t.door_not_checked_in)
}

/// The door's forms refuse posts from other sites (`crate::http::cross_site`, the rule the
/// backoffice's forms follow): a 403 page, nothing changed. `None` when the post may go on.
fn refuse_cross_site(state: &AppState, req: &HttpRequest, lang: &Lang) -> Option<HttpResponse> {
    crate::http::cross_site::is_cross_site(req, &state.public_url).then(|| {
        fail(
            lang,
            ApiError::Forbidden("this form was not sent from podium's own door page".to_owned()),
        )
    })
}

/// `POST /events/{slug}/door/sign-in`: the organiser's token from the form; a session cookie.
pub async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
    form: web::Form<SignInForm>,
) -> HttpResponse {
    let lang = Lang::of(&req);
    if let Some(refused) = refuse_cross_site(&state, &req, &lang) {
        return refused;
    }
    let event = match events::find_visible(&state.db, &slug, true).await {
        Ok(event) => event,
        Err(err) => return fail(&lang, err),
    };
    let organiser = match crate::http::auth::organiser_by_token(state.clone(), &form.token).await {
        Ok(organiser) => organiser,
        Err(ApiError::Unauthorized) => {
            if event.status == entity::event::EventStatus::Draft {
                return fail(&lang, ApiError::event_not_found(&slug));
            }
            let mut view = empty(&event, false, &lang);
            view.sign_in_error = Some(lang.texts().door_wrong_token);
            return page(StatusCode::UNAUTHORIZED, &view);
        }
        Err(err) => return fail(&lang, err),
    };
    if !organiser.1.may(Permission::CheckIn, Some(event.id)) {
        let mut view = empty(&event, false, &lang);
        view.sign_in_error = Some(lang.texts().door_not_allowed);
        return page(StatusCode::FORBIDDEN, &view);
    }
    let value = match door::open_session(&state.db, event.id, organiser.0.id).await {
        Ok(value) => value,
        Err(err) => return fail(&lang, err),
    };
    let path = format!("/events/{}/door", event.slug);
    let cookie = door_cookie(&state, &event.slug, value);
    let mut response = see_other(&format!("{path}{}", lang.query()));
    if response.add_cookie(&cookie).is_err() {
        return fail(
            &lang,
            ApiError::Internal(anyhow::anyhow!("setting the door cookie")),
        );
    }
    response
}

/// The door session's cookie for the event `slug`: only the door's paths see it, `HttpOnly`,
/// `SameSite=Strict`, `Secure` under an https public URL, for [`door::SESSION_HOURS`]. The
/// door's own sign-in and the backoffice's way to the door both set it.
pub fn door_cookie(state: &AppState, slug: &str, value: String) -> Cookie<'static> {
    Cookie::build(COOKIE, value)
        .path(format!("/events/{slug}/door"))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.public_url.starts_with("https://"))
        .max_age(CookieDuration::hours(door::SESSION_HOURS))
        .finish()
}

/// `POST /events/{slug}/door/sign-out`: ends this door's session.
pub async fn sign_out(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
) -> HttpResponse {
    let lang = Lang::of(&req);
    if let Some(refused) = refuse_cross_site(&state, &req, &lang) {
        return refused;
    }
    // The event's own slug for the cookie's path and the redirect: the path's key is the
    // visitor's text (a `%0A` in it made an invalid `Location` header, a 500).
    let event = match events::find_visible(&state.db, &slug, true).await {
        Ok(event) => event,
        Err(err) => return fail(&lang, err),
    };
    if let Some(cookie) = req.cookie(COOKIE) {
        if let Err(err) = door::close_session(&state.db, cookie.value()).await {
            return fail(&lang, err);
        }
    }
    let path = format!("/events/{}/door", event.slug);
    let mut gone = Cookie::build(COOKIE, "").path(path.clone()).finish();
    gone.make_removal();
    let mut response = see_other(&format!("{path}{}", lang.query()));
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
    let lang = Lang::of(&req);
    if let Some(refused) = refuse_cross_site(&state, &req, &lang) {
        return refused;
    }
    let t = lang.texts();
    let (event, signed_in) = match door_of(&state, &req, &slug).await {
        Ok(found) => found,
        Err(err) => return fail(&lang, err),
    };
    let mut view = empty(&event, signed_in, &lang);
    if !signed_in {
        view.sign_in_error = Some(t.door_sign_in_first);
        return page(StatusCode::UNAUTHORIZED, &view);
    }
    let refused = |message: &str| ResultView {
        class: "refused",
        name: String::new(),
        organisation: String::new(),
        message: message.to_owned(),
    };
    // A typed or scanned code, or the id from a search result.
    let id = match (form.code.as_deref().map(str::trim), form.id.as_deref()) {
        (Some(code), _) if !code.is_empty() => check_in_code::verify(code),
        (_, Some(id)) => Uuid::parse_str(id.trim()).ok(),
        _ => {
            view.result = Some(refused(t.door_enter_code));
            return page(StatusCode::UNPROCESSABLE_ENTITY, &view);
        }
    };
    let outcome = match id {
        Some(id) => check_in::by_id(&state.db, &event, id).await,
        None => Ok(None),
    };
    let status = match outcome {
        Ok(Some(scan)) => {
            let at = scan
                .registration
                .checked_in_at
                .map(|at| check_in::moment(at, &event.timezone, now(), lang.lang))
                .unwrap_or_default();
            let (class, words) = if scan.now {
                ("ok", t.door_checked_in_at)
            } else {
                ("already", t.door_already_at)
            };
            view.result = Some(ResultView {
                class,
                message: format!("{words} {at}"),
                name: scan.registration.name,
                organisation: scan.registration.organisation,
            });
            StatusCode::OK
        }
        Ok(None) => {
            view.result = Some(refused(t.door_unknown_code));
            StatusCode::NOT_FOUND
        }
        Err(ApiError::Conflict(_)) => {
            // Not confirmed: say who, and why in the door's language.
            let found = match id {
                Some(id) => door::registration(&state.db, event.id, id).await,
                None => Ok(None),
            };
            match found {
                Ok(Some(r)) => {
                    view.result = Some(ResultView {
                        class: "refused",
                        message: refusal(t, lang.lang, &event, &r),
                        name: r.name,
                        organisation: r.organisation,
                    });
                }
                Ok(None) => view.result = Some(refused(t.door_unknown_code)),
                Err(err) => return fail(&lang, err),
            }
            StatusCode::CONFLICT
        }
        Err(err) => return fail(&lang, err),
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
