//! The organisers' backoffice at `/orga/` (issue 28): its own room beside the public pages,
//! with the same stylesheet. This file holds what every backoffice page shares: the session
//! extractor ([`Session`]: a stranger is sent to sign-in), the role guard ([`Session::allow`]:
//! a 403 page that says why, asking [`crate::domain::member::Member::may`] as the API does),
//! the cross-site check every form `POST` passes ([`refuse_cross_site`]), and the texts.
//! `sign_in.rs` signs in (by a mailed link or a token) and out; `dashboard.rs` is the first
//! page; `team.rs` the team (admins) and the member's own account page.
mod attendees;
mod dashboard;
mod door;
mod event_texts;
mod events;
mod jury_texts;
mod mail;
mod organisation;
mod organisation_texts;
mod people_texts;
mod questions;
mod review;
mod schedule;
pub(crate) mod schedule_texts;
mod sign_in;
mod team;
mod team_texts;
mod texts;

// An event's announcements and name badges, and their words.
pub(crate) mod announce_texts;
mod announcements;
mod badges;

use std::future::Future;
use std::pin::Pin;

use actix_web::{
    dev::Payload, http::StatusCode, web, FromRequest, HttpRequest, HttpResponse, ResponseError,
};
use askama::Template;
use entity::{organiser, registration::Language};

use crate::domain::member::{Member, Permission};
use crate::error::ApiError;
use crate::pages::{public_language, render};
use crate::services::backoffice;
use crate::state::AppState;
pub use texts::Texts;

/// The session cookie's name; its path is `/orga`.
pub const COOKIE: &str = "podium_orga";
/// Where strangers are sent.
pub const SIGN_IN_PATH: &str = "/orga/sign-in";

/// The backoffice's routes, under `/orga`.
pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.service(web::redirect("/orga", "/orga/")).service(
        web::scope("/orga")
            .service(web::resource("/").route(web::get().to(dashboard::show)))
            .service(
                web::resource("/sign-in")
                    .app_data(crate::pages::form_config())
                    .route(web::get().to(sign_in::form))
                    .route(web::post().to(sign_in::post)),
            )
            .service(
                web::resource("/sign-in/link")
                    .app_data(crate::pages::form_config())
                    .route(web::post().to(sign_in::use_link)),
            )
            .service(web::resource("/sign-in/link/{token}").route(web::get().to(sign_in::link)))
            .configure(team::config)
            .configure(organisation::config)
            .service(
                web::resource("/sign-out")
                    .app_data(crate::pages::form_config())
                    .route(web::post().to(sign_in::sign_out)),
            )
            // The attendee pages before the event pages' `/events` scope, which would
            // otherwise take every path under it.
            .configure(people)
            .configure(review::routes)
            .configure(event_routes),
    );
}

/// The event pages and their registration questions, under `/orga/events` (`new` before
/// `{slug}`: an event whose slug is `new` is reached through the API only).
fn event_routes(cfg: &mut web::ServiceConfig) {
    let form = crate::pages::form_config;
    cfg.service(
        web::scope("/events")
            .service(
                web::resource("/new")
                    .app_data(form())
                    .route(web::get().to(events::new_form))
                    .route(web::post().to(events::create)),
            )
            .service(web::resource("/{slug}").route(web::get().to(events::show)))
            .service(
                web::resource("/{slug}/edit")
                    .app_data(form())
                    .route(web::get().to(events::edit_form))
                    .route(web::post().to(events::edit)),
            )
            .service(
                web::resource("/{slug}/door")
                    .app_data(form())
                    .route(web::post().to(door::open)),
            )
            .service(
                web::resource("/{slug}/publish")
                    .app_data(form())
                    .route(web::post().to(events::publish)),
            )
            .service(
                web::resource("/{slug}/cancel")
                    .app_data(form())
                    .route(web::get().to(events::cancel_form))
                    .route(web::post().to(events::cancel)),
            )
            .service(
                web::resource("/{slug}/clone")
                    .app_data(form())
                    .route(web::get().to(events::clone_form))
                    .route(web::post().to(events::clone)),
            )
            .service(
                web::resource("/{slug}/announcements")
                    .app_data(form())
                    .route(web::get().to(announcements::history))
                    .route(web::post().to(announcements::send)),
            )
            .service(
                web::resource("/{slug}/announcements/new")
                    .app_data(form())
                    .route(web::get().to(announcements::compose))
                    .route(web::post().to(announcements::act)),
            )
            .service(web::resource("/{slug}/schedule").route(web::get().to(schedule::editor)))
            .service(
                web::resource("/{slug}/schedule/slots/{id}/place")
                    .app_data(form())
                    .route(web::post().to(schedule::place)),
            )
            .service(
                web::resource("/{slug}/schedule/slots/{id}/move")
                    .app_data(form())
                    .route(web::post().to(schedule::move_slot)),
            )
            .service(
                web::resource("/{slug}/schedule/slots/{id}/unplace")
                    .app_data(form())
                    .route(web::post().to(schedule::unplace)),
            )
            .service(
                web::resource("/{slug}/schedule/release")
                    .app_data(form())
                    .route(web::post().to(schedule::release)),
            )
            .service(web::resource("/{slug}/badges").route(web::get().to(badges::page)))
            .service(web::resource("/{slug}/badges.pdf").route(web::get().to(badges::download)))
            .service(
                web::resource("/{slug}/questions")
                    .app_data(form())
                    .route(web::get().to(questions::list))
                    .route(web::post().to(questions::add)),
            )
            .service(
                web::resource("/{slug}/questions/preview").route(web::get().to(questions::preview)),
            )
            .service(
                web::resource("/{slug}/questions/{id}/edit")
                    .app_data(form())
                    .route(web::get().to(questions::edit_form))
                    .route(web::post().to(questions::edit)),
            )
            .service(
                web::resource("/{slug}/questions/{id}/move")
                    .app_data(form())
                    .route(web::post().to(questions::move_question)),
            )
            .service(
                web::resource("/{slug}/questions/{id}/delete")
                    .app_data(form())
                    .route(web::get().to(questions::delete_form))
                    .route(web::post().to(questions::delete)),
            ),
    );
}

/// The attendee pages (`attendees.rs`) and the mail page (`mail.rs`).
fn people(cfg: &mut web::ServiceConfig) {
    let form = crate::pages::form_config;
    let person = "/events/{slug}/attendees/{id}";
    cfg.service(web::resource("/events/{slug}/attendees").route(web::get().to(attendees::list)))
        .service(
            web::resource("/events/{slug}/attendees.csv")
                .route(web::get().to(attendees::download_csv)),
        )
        .service(
            web::resource("/events/{slug}/attendees.xlsx")
                .route(web::get().to(attendees::download_xlsx)),
        )
        .service(
            web::resource("/events/{slug}/attendees/new")
                .app_data(form())
                .route(web::get().to(attendees::add_form))
                .route(web::post().to(attendees::add)),
        )
        .service(web::resource(person).route(web::get().to(attendees::show)))
        .service(
            web::resource(format!("{person}/edit"))
                .app_data(form())
                .route(web::get().to(attendees::edit_form))
                .route(web::post().to(attendees::edit_save)),
        )
        .service(
            web::resource(format!("{person}/check-in"))
                .app_data(form())
                .route(web::post().to(attendees::check_in)),
        )
        .service(
            web::resource(format!("{person}/undo-check-in"))
                .app_data(form())
                .route(web::post().to(attendees::undo_check_in)),
        )
        .service(
            web::resource(format!("{person}/cancel"))
                .app_data(form())
                .route(web::get().to(attendees::confirm_cancel))
                .route(web::post().to(attendees::cancel)),
        )
        .service(
            web::resource(format!("{person}/erase"))
                .app_data(form())
                .route(web::get().to(attendees::confirm_erase))
                .route(web::post().to(attendees::erase)),
        )
        .service(web::resource("/mail").route(web::get().to(mail::show)))
        .service(
            web::resource("/mail/{id}/retry")
                .app_data(form())
                .route(web::post().to(mail::retry)),
        );
}

/// The language of a backoffice page: `?lang=`, else `Accept-Language`, else English.
pub fn language(req: &HttpRequest) -> Language {
    public_language(req)
}

/// A signed-in member: from the session cookie, checked against the database on every
/// request (so a revoked token or an ended session stops at once, on every instance). The
/// pages speak `?lang=` if given, else the member's language, else the browser's.
pub struct Session {
    pub organiser: organiser::Model,
    pub member: Member,
    /// The value forms of this session carry in their hidden `form_token` field.
    pub form_token: String,
    /// The cookie's value.
    value: String,
    pub lang: Language,
}

impl Session {
    /// The role guard: `Err` with a 403 page saying why unless the member may do
    /// `permission` (to the event, if one is named).
    pub fn allow(
        &self,
        permission: Permission,
        event: Option<uuid::Uuid>,
    ) -> Result<(), PageError> {
        if self.member.may(permission, event) {
            Ok(())
        } else {
            Err(PageError::Forbidden(self.lang))
        }
    }

    /// `Err` (a 403 page) unless the form carries this session's form token.
    pub fn check_form_token(&self, sent: &str) -> Result<(), PageError> {
        if constant_time_eq(sent.as_bytes(), self.form_token.as_bytes()) {
            Ok(())
        } else {
            Err(PageError::CrossSite(self.lang))
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Why a backoffice page was not shown.
#[derive(Debug)]
pub enum PageError {
    /// No live session: to the sign-in page.
    SignIn,
    /// Signed in, but the role does not allow this: a 403 page that says so.
    Forbidden(Language),
    /// A form posted from another site, or without this session's form token: a 403 page.
    CrossSite(Language),
    /// A service failed.
    Api(Language, ApiError),
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::SignIn => f.write_str("not signed in"),
            Self::Forbidden(_) => f.write_str("the role does not allow this"),
            Self::CrossSite(_) => f.write_str("a cross-site form"),
            Self::Api(_, err) => write!(f, "{err}"),
        }
    }
}

/// A page that only says something (a 403, an error).
#[derive(Template)]
#[template(path = "backoffice/message.html")]
struct MessagePage {
    t: &'static Texts,
    title: &'static str,
    message: String,
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::SignIn => StatusCode::SEE_OTHER,
            Self::Forbidden(_) | Self::CrossSite(_) => StatusCode::FORBIDDEN,
            Self::Api(_, err) => err.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (lang, title, message) = match self {
            Self::SignIn => return crate::pages::see_other(SIGN_IN_PATH),
            Self::Forbidden(lang) => {
                let t = Texts::of(*lang);
                (*lang, t.forbidden_title, t.forbidden_body.to_owned())
            }
            Self::CrossSite(lang) => {
                let t = Texts::of(*lang);
                (*lang, t.forbidden_title, t.cross_site_body.to_owned())
            }
            Self::Api(lang, err) => {
                let t = Texts::of(*lang);
                match err {
                    ApiError::NotFound(_) => (*lang, t.gone_title, t.gone_body.to_owned()),
                    ApiError::Conflict(detail) => (
                        *lang,
                        t.conflict_title,
                        format!("{} {detail}", t.conflict_body),
                    ),
                    _ => {
                        if err.status_code().is_server_error() {
                            tracing::error!(error = %err, "backoffice page failed");
                        }
                        (*lang, t.error_title, t.error_body.to_owned())
                    }
                }
            }
        };
        let t = Texts::of(lang);
        render(self.status_code(), &MessagePage { t, title, message })
    }
}

/// Any other path under `/orga/` (the app's default service sends it here): a stranger is sent
/// to sign-in, a member gets a 404 page in their language (not the API's problem+json).
pub async fn unknown_page(req: &HttpRequest) -> HttpResponse {
    let error = match Session::extract(req).await {
        Ok(session) => PageError::Api(session.lang, ApiError::NotFound("page".to_owned())),
        Err(error) => error,
    };
    error.error_response()
}

fn state_of(req: &HttpRequest) -> Option<web::Data<AppState>> {
    req.app_data::<web::Data<AppState>>().cloned()
}

impl FromRequest for Session {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let value = req.cookie(COOKIE).map(|c| c.value().to_owned());
        let state = state_of(req);
        let lang = language(req);
        let asked = crate::pages::query_language(req);
        Box::pin(async move {
            let (Some(value), Some(state)) = (value, state) else {
                return Err(PageError::SignIn);
            };
            let found = backoffice::session(&state.db, &value)
                .await
                .map_err(|err| PageError::Api(lang, err))?;
            let Some((organiser, member)) = found else {
                return Err(PageError::SignIn);
            };
            let lang = asked.or(organiser.language).unwrap_or(lang);
            Ok(Session {
                organiser,
                member,
                form_token: backoffice::form_token(&value),
                value,
                lang,
            })
        })
    }
}

/// The cross-site check of every backoffice form `POST`
/// ([`crate::http::cross_site::is_cross_site`]): a 403 page when the browser says the form
/// was sent from another site. With no such header (not a browser) the form's session-bound
/// token decides ([`Session::check_form_token`]).
pub fn refuse_cross_site(req: &HttpRequest, public_url: &str) -> Result<(), PageError> {
    if crate::http::cross_site::is_cross_site(req, public_url) {
        Err(PageError::CrossSite(language(req)))
    } else {
        Ok(())
    }
}
