//! HTML pages for people: the event page with its registration form, the attendee's,
//! presenter's and exhibitor's pages (every link in every mail leads to one of them), and the
//! list of events at `/`.
//!
//! Pages call the same services as the JSON API. They are rendered by askama templates in
//! `templates/pages/` (escaping checked at compile time), in German or English: personal pages
//! in the person's language, public pages by `?lang=` or else `Accept-Language`. No page needs
//! JavaScript; no GET changes anything (mail gateways fetch links): every action is a `POST`
//! from a form, after a confirmation step where it cannot be undone.
mod assets;
pub mod branding;
mod door;
mod event;
mod exhibit;
pub mod form;
mod home;
mod pitch;
mod registration;
mod registration_cache;
mod resend;
mod self_edit;
mod texts;
mod unsubscribe;
pub(crate) mod when;

use actix_web::{
    http::{header, StatusCode},
    web, HttpRequest, HttpResponse, ResponseError,
};
use askama::Template;
use entity::registration::Language;

pub use door::{door_cookie, COOKIE as DOOR_COOKIE};
pub use event::PageCache;
pub use form::config as form_config;
pub use form::{FormView, QuestionView};
pub use registration_cache::AttendeePages;
pub use texts::Texts;

use crate::error::ApiError;

/// `Content-Security-Policy` of every page: the stylesheet from podium itself, no scripts, no
/// frames, forms posting only back to podium.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The page routes; wired at the root, beside `/api/v1`.
///
/// The pages with a key in their path are grouped under a scope per literal first segment
/// (`/events`, `/registrations`, …): actix matches a path against each route in turn, a
/// literal prefix by comparing strings and a `{key}` segment with a regular expression, so a
/// request meets the expressions of its own scope only (route matching was 6 % of podium's
/// CPU on the attendee page, `bench/README.md` session 8). The templates stay as before:
/// actix joins the scope's prefix and the route's, e.g. `/registrations/{token}`.
pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/").route(web::get().to(home::home)))
        .service(web::resource(assets::CSS_PATH).route(web::get().to(assets::css)))
        .service(web::resource(door::SCRIPT_PATH).route(web::get().to(door::script)))
        .service(web::resource("/organisation/{file}").route(web::get().to(branding::file)))
        .service(
            web::scope("/events")
                .service(web::resource("/{slug}").route(web::get().to(event::show)))
                .service(
                    web::resource("/{slug}/check-mail").route(web::get().to(event::check_mail)),
                )
                .service(web::resource("/{slug}/door").route(web::get().to(door::show)))
                .service(
                    web::resource("/{slug}/door/sign-in")
                        .app_data(form::config())
                        .route(web::post().to(door::sign_in)),
                )
                .service(
                    web::resource("/{slug}/door/sign-out").route(web::post().to(door::sign_out)),
                )
                .service(
                    web::resource("/{slug}/door/check-in")
                        .app_data(form::config())
                        .route(web::post().to(door::check_in)),
                )
                .service(
                    web::resource("/{slug}/resend-link")
                        .app_data(form::config())
                        .route(web::post().to(resend::resend)),
                )
                .service(web::resource("/{slug}/link-sent").route(web::get().to(resend::sent)))
                .service(
                    web::resource("/{slug}/register")
                        .app_data(form::config())
                        .route(web::post().to(event::register)),
                ),
        )
        .service(
            web::scope("/registrations")
                .service(web::resource("/erased").route(web::get().to(registration::erased)))
                .service(web::resource("/{token}").route(web::get().to(registration::show)))
                // Before `/{token}/{action}`, which would take `edit` for an unknown action.
                .service(
                    web::resource("/{token}/edit")
                        .app_data(form::config())
                        .route(web::get().to(self_edit::form))
                        .route(web::post().to(self_edit::save)),
                )
                .service(
                    web::resource("/{token}/{action}")
                        .route(web::get().to(registration::ask))
                        .route(web::post().to(registration::act)),
                ),
        )
        .service(
            web::scope("/pitches")
                .service(web::resource("/{token}").route(web::get().to(pitch::show)))
                .service(
                    web::resource("/{token}/withdraw")
                        .route(web::get().to(pitch::ask))
                        .route(web::post().to(pitch::withdraw)),
                ),
        )
        .service(
            web::resource("/unsubscribe/{token}")
                .route(web::get().to(unsubscribe::ask))
                .route(web::post().to(unsubscribe::leave)),
        )
        .service(
            web::scope("/exhibits")
                .service(web::resource("/{token}").route(web::get().to(exhibit::show)))
                .service(
                    web::resource("/{token}/withdraw")
                        .route(web::get().to(exhibit::ask))
                        .route(web::post().to(exhibit::withdraw)),
                ),
        );
}

/// The language of a public page: `?lang=de|en`, else the first of German or English that
/// `Accept-Language` names (in its order, ignoring weights of 0), else English.
pub fn public_language(req: &HttpRequest) -> Language {
    query_language(req).unwrap_or_else(|| crate::http::language::accepted(req))
}

/// `?lang=de` or `?lang=en`, when the query names one.
pub fn query_language(req: &HttpRequest) -> Option<Language> {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| crate::domain::choice::language("lang", &v).ok())
}

/// `de` or `en`.
pub fn code(lang: Language) -> &'static str {
    match lang {
        Language::De => "de",
        Language::En => "en",
    }
}

/// The link to the same public page in the other language.
#[derive(Debug, Clone)]
pub struct Switch {
    pub href: String,
    /// The other language's name in that language (`English`, `Deutsch`).
    pub label: &'static str,
    pub lang: &'static str,
}

impl Switch {
    /// `path?lang=…` for the language the page is not in.
    pub fn to_other(path: &str, lang: Language) -> Self {
        let other = match lang {
            Language::De => Language::En,
            Language::En => Language::De,
        };
        Self {
            href: format!("{path}?lang={}", code(other)),
            label: Texts::of(other).language_name,
            lang: code(other),
        }
    }
}

/// An HTML answer with the pages' security headers.
pub fn html(status: StatusCode, body: impl actix_web::body::MessageBody + 'static) -> HttpResponse {
    // Static values: a `&str` would be copied into a new buffer on every answer.
    let mut response = HttpResponse::build(status);
    response
        .insert_header((
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("text/html; charset=utf-8"),
        ))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            header::HeaderValue::from_static(CSP),
        ));
    response.body(body)
}

/// Renders a template into an HTML answer; a template that fails to render is a 500 page.
pub fn render(status: StatusCode, page: &impl Template) -> HttpResponse {
    match page.render() {
        Ok(body) => html(status, body),
        Err(err) => {
            tracing::error!(error = %err, "rendering a page");
            html(
                StatusCode::INTERNAL_SERVER_ERROR,
                "<!doctype html><title>Error</title><p>Internal error</p>",
            )
        }
    }
}

/// A `303 See Other` to `location`: the answer to every form `POST` that did what it asked
/// (post/redirect/get, so a reload does not send the form again).
/// A location that holds a byte a header cannot carry (a control character, or anything
/// outside visible ASCII, from a visitor's path) is sent percent-encoded (RFC 3986 §2.1).
pub fn see_other(location: &str) -> HttpResponse {
    let location = match header::HeaderValue::from_str(location) {
        Ok(value) if location.bytes().all(|b| b.is_ascii_graphic()) => value,
        _ => header::HeaderValue::from_str(&visible_ascii(location))
            .unwrap_or_else(|_| header::HeaderValue::from_static("/")),
    };
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            header::HeaderValue::from_static(CSP),
        ))
        .finish()
}

/// `text` with every byte but visible ASCII percent-encoded (`%0A`, `%C3%A4`).
fn visible_ascii(text: &str) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_graphic() {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A page that only says something: not found, expired, erased, an error.
#[derive(Template)]
#[template(path = "pages/message.html")]
pub struct MessagePage {
    pub t: &'static Texts,
    pub title: String,
    pub message: String,
    pub link: Option<(String, String)>,
    pub switch: Option<Switch>,
}

/// The page for an error of a service: 404 for what is not there, 409 for a conflict with the
/// current state (with the service's reason), 5xx logged and shown without its cause.
pub fn error_page(lang: Language, err: ApiError) -> HttpResponse {
    let t = Texts::of(lang);
    let status = err.status_code();
    let (title, message) = match &err {
        ApiError::NotFound(_) => (t.not_found_title, t.not_found_body.to_owned()),
        ApiError::Conflict(detail) => (t.conflict_title, detail.clone()),
        ApiError::TooManyRequests { .. } => (t.conflict_title, t.too_many.to_owned()),
        _ => {
            if status.is_server_error() {
                tracing::error!(error = %err, "page request failed");
            }
            (t.error_title, t.error_body.to_owned())
        }
    };
    render(
        status,
        &MessagePage {
            t,
            title: title.to_owned(),
            message,
            link: Some(("/".to_owned(), t.all_events.to_owned())),
            switch: None,
        },
    )
}

/// A 404 page for a public page that does not exist (or a draft event).
pub fn not_found(req: &HttpRequest) -> HttpResponse {
    error_page(public_language(req), ApiError::NotFound("page".to_owned()))
}

/// A page that asks before an action: the question, and a form whose button does it.
#[derive(Template)]
#[template(path = "pages/ask.html")]
pub struct AskPage {
    pub t: &'static Texts,
    pub title: &'static str,
    pub question: &'static str,
    /// What the question is about (the event's title, the pitch's title…).
    pub subject: String,
    pub note: Option<&'static str>,
    pub button: &'static str,
    /// Where the form posts: the page's own path.
    pub action: String,
    pub back: String,
    /// Whether the action cannot be undone (a red button).
    pub danger: bool,
}

/// The event as the personal pages show it.
pub struct EventSummary {
    pub title: String,
    pub when: String,
    pub venue: String,
    pub address: String,
    /// The event page, in the person's language.
    pub url: String,
    pub cancelled: bool,
}

impl EventSummary {
    pub fn new(public_url: &str, event: &entity::event::Model, lang: Language) -> Self {
        Self {
            title: event.title.clone(),
            when: when::span(event.starts_at, event.ends_at, &event.timezone, lang),
            venue: event.venue.clone(),
            address: event.address.clone(),
            url: format!("{public_url}/events/{}?lang={}", event.slug, code(lang)),
            cancelled: event.status == entity::event::EventStatus::Cancelled,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn language_of(accept: &str, uri: &str) -> Language {
        let req = TestRequest::get()
            .uri(uri)
            .insert_header((header::ACCEPT_LANGUAGE, accept))
            .to_http_request();
        public_language(&req)
    }

    #[test]
    fn public_pages_take_the_first_of_german_or_english_by_weight_and_the_query_wins() {
        assert_eq!(language_of("de-DE,de;q=0.9,en;q=0.8", "/"), Language::De);
        assert_eq!(language_of("fr-FR, de;q=0.5, en;q=0.9", "/"), Language::En);
        assert_eq!(language_of("fr, de-AT", "/"), Language::De);
        assert_eq!(language_of("de;q=0", "/"), Language::En);
        assert_eq!(language_of("", "/"), Language::En);
        assert_eq!(language_of("de", "/?lang=en"), Language::En);
        assert_eq!(language_of("en", "/?x=1&lang=de"), Language::De);
        assert_eq!(language_of("de", "/?lang=fr"), Language::De);
    }

    #[test]
    fn the_switch_leads_to_the_same_page_in_the_other_language() {
        let s = Switch::to_other("/events/jt", Language::De);
        assert_eq!(s.href, "/events/jt?lang=en");
        assert_eq!(s.label, "English");
    }
}
