//! The attendee's page (`/registrations/{token}`), where every attendee mail links: status,
//! the event, the personal calendar, and confirm (double opt-in), cancel and erase, each a
//! `POST` from a page that asks first (`GET /registrations/{token}/{confirm|cancel|erase}`).
//! The page itself is kept rendered for a moment ([`super::registration_cache`]).
use actix_web::{http::StatusCode, web, web::Bytes, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{DateTime, Utc};
use entity::{
    event,
    registration::{Language, RegistrationStatus, Sector},
};

use super::registration_cache::{Fresh, ReadStart};
use super::{code, error_page, html, public_language, query_language, render, see_other, when};
use super::{AskPage, EventSummary, MessagePage, Texts};
use crate::domain::time::now;
use crate::error::{ApiError, ApiResult};
use crate::routes::events::webcal;
use crate::services::events;
use crate::services::registrations::{self, Change};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "pages/registration.html")]
struct RegistrationPage {
    t: &'static Texts,
    /// The line saying the attendee's own action was done (`?done=`).
    notice: Option<&'static str>,
    event: EventSummary,
    name: String,
    email: String,
    organisation: String,
    sector: &'static str,
    status: &'static str,
    waitlist_position: Option<i64>,
    hold_until: Option<String>,
    checked_in: Option<String>,
    calendar_url: String,
    webcal_url: String,
    base: String,
    can_confirm: bool,
    can_cancel: bool,
    /// The edit link's texts; the link shows while the attendee may edit
    /// (`registrations::edit::own_edit_closed`), else a line saying editing is closed.
    se: &'static super::self_edit::EditTexts,
    can_edit: bool,
    /// A confirmed attendee's check-in code and its QR code (an SVG `data:` URL).
    check_in: Option<(String, String)>,
}

fn status_text(t: &'static Texts, status: RegistrationStatus) -> &'static str {
    match status {
        RegistrationStatus::Confirmed => t.status_confirmed,
        RegistrationStatus::Pending => t.status_pending,
        RegistrationStatus::Waitlisted => t.status_waitlisted,
        RegistrationStatus::Cancelled => t.status_cancelled,
        RegistrationStatus::Expired => t.status_expired,
    }
}

fn sector_text(t: &'static Texts, sector: Sector) -> &'static str {
    match sector {
        Sector::Business => t.sector_business,
        Sector::Science => t.sector_science,
        Sector::Politics => t.sector_politics,
        Sector::Other => t.sector_other,
    }
}

/// The registration and its event, found through the registrations service (never by our
/// own query: how tokens are stored is that service's business).
async fn load(
    state: &AppState,
    token: &str,
) -> ApiResult<(registrations::Registered, event::Model)> {
    let found = registrations::find_by_token(&state.db, token).await?;
    let event = events::find(&state.db, &found.registration.event_id.to_string())
        .await?
        .ok_or_else(|| ApiError::not_found("event"))?;
    Ok((found, event))
}

/// A held seat whose 48 hours are over counts as expired even before the sweep marks it.
fn expired(reg: &entity::registration::Model) -> bool {
    reg.status == RegistrationStatus::Expired
        || (reg.status == RegistrationStatus::Pending
            && reg.hold_expires_at.is_some_and(|t| t <= now()))
}

/// The page of a registration, with what decides how long it may be kept.
struct Built {
    page: RegistrationPage,
    lang: Language,
    status: RegistrationStatus,
    /// When the page changes by the clock: the end of the pending hold the page shows as
    /// running, or the event's start (the edit link goes).
    hold_ends: Option<DateTime<Utc>>,
}

impl Built {
    fn body(&self) -> ApiResult<Bytes> {
        self.page
            .render()
            .map(Bytes::from)
            .map_err(|err| ApiError::Internal(anyhow::Error::new(err).context("rendering a page")))
    }

    fn fresh(&self) -> ApiResult<Fresh> {
        Ok(Fresh {
            body: self.body()?,
            hold_ends: self.hold_ends,
        })
    }

    /// The line saying `done` happened, when the registration's status says so (a `done`
    /// that did not happen, or was undone since, shows nothing).
    fn notice(&self, done: Option<Action>) -> Option<&'static str> {
        let t = self.page.t;
        match (done?, self.status) {
            (Action::Confirm, RegistrationStatus::Confirmed) => Some(t.done_confirm),
            (Action::Cancel, RegistrationStatus::Cancelled) => Some(t.done_cancel),
            (Action::Edit, _) => Some(self.page.se.saved),
            _ => None,
        }
    }
}

/// The attendee's page of `token` as the database has it now.
async fn build(state: &AppState, token: &str) -> ApiResult<Built> {
    let (found, event) = load(state, token).await?;
    let reg = found.registration;
    let lang = reg.language;
    let t = Texts::of(lang);
    let tz = event.timezone.as_str();
    // Links are made from the token the person holds, not from the stored record.
    let calendar_url = registrations::calendar_url(&state.public_url, token);
    let is_expired = expired(&reg);
    // A cancelled event: no seat to show, no code to check in with, nothing to confirm.
    let event_cancelled = event.status == event::EventStatus::Cancelled;
    let page = RegistrationPage {
        t,
        notice: None,
        event: EventSummary::new(&state.public_url, &event, lang),
        name: reg.name.clone(),
        email: reg.email.clone(),
        organisation: reg.organisation.clone(),
        sector: sector_text(t, reg.sector),
        status: if event_cancelled {
            t.status_event_cancelled
        } else if is_expired {
            t.status_expired
        } else {
            status_text(t, reg.status)
        },
        waitlist_position: found.waitlist_position.filter(|_| !event_cancelled),
        hold_until: reg
            .hold_expires_at
            .filter(|_| !is_expired && !event_cancelled)
            .map(|at| when::moment(at, tz, lang)),
        checked_in: reg.checked_in_at.map(|at| when::moment(at, tz, lang)),
        webcal_url: webcal(&calendar_url),
        calendar_url,
        base: format!("/registrations/{token}"),
        can_confirm: reg.status == RegistrationStatus::Pending && !is_expired && !event_cancelled,
        can_cancel: registrations::ACTIVE.contains(&reg.status) && !is_expired,
        se: super::self_edit::EditTexts::of(lang),
        can_edit: registrations::edit::own_edit_closed(&reg, &event, now()).is_none(),
        check_in: (reg.status == RegistrationStatus::Confirmed && !event_cancelled)
            .then(|| crate::domain::check_in_code::derive(reg.id))
            .and_then(|code| {
                use base64::Engine;
                let svg = crate::domain::check_in_code::qr_svg(&code, 240)?;
                let data = base64::engine::general_purpose::STANDARD.encode(svg);
                Some((code, format!("data:image/svg+xml;base64,{data}")))
            }),
    };
    Ok(Built {
        page,
        lang,
        status: reg.status,
        // Only a pending hold still running changes the page by the clock (to "expired").
        hold_ends: reg
            .hold_expires_at
            .filter(|_| reg.status == RegistrationStatus::Pending && !is_expired)
            // The edit link goes when the event starts.
            .map(|hold| hold.min(event.starts_at))
            .or(Some(event.starts_at).filter(|start| *start > now())),
    })
}

/// `GET /registrations/{token}`: the attendee's page, in the attendee's language. Served from
/// [`AttendeePages`](super::AttendeePages) (see its rules) unless the request has a query: the
/// attendee's own action leads to `?done=confirm|cancel`, which reads the database (so it
/// shows at once, whichever instance did it), keeps that page for the next request, and adds
/// a line saying it was done.
pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> HttpResponse {
    if req.query_string().is_empty() {
        let page = state
            .attendee_pages
            .page(&state.write_epoch, &token, async {
                build(&state, &token).await?.fresh()
            })
            .await;
        return match page {
            Ok(body) => html(StatusCode::OK, body),
            Err(err) => error_page(public_language(&req), err),
        };
    }
    let read = ReadStart::now(&state.write_epoch);
    let mut built = match build(&state, &token).await {
        Ok(built) => built,
        Err(err) => {
            state.attendee_pages.keep(&token, read, Err(&err));
            return error_page(public_language(&req), err);
        }
    };
    let fresh = match built.fresh() {
        Ok(fresh) => fresh,
        Err(err) => return error_page(built.lang, err),
    };
    state.attendee_pages.keep(&token, read, Ok(&fresh));
    let done = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "done")
        .and_then(|(_, v)| Action::parse(&v));
    built.page.notice = built.notice(done);
    if built.page.notice.is_none() {
        return html(StatusCode::OK, fresh.body);
    }
    match built.body() {
        Ok(body) => html(StatusCode::OK, body),
        Err(err) => error_page(built.lang, err),
    }
}

/// The three actions of the attendee's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Confirm,
    Cancel,
    Erase,
    /// Only in `?done=edit` (the edit form is [`super::self_edit`]).
    Edit,
}

impl Action {
    /// As in the path (and in `?done=`).
    fn name(self) -> &'static str {
        match self {
            Self::Confirm => "confirm",
            Self::Cancel => "cancel",
            Self::Erase => "erase",
            Self::Edit => "edit",
        }
    }

    fn parse(value: &str) -> Option<Self> {
        match value {
            "confirm" => Some(Self::Confirm),
            "cancel" => Some(Self::Cancel),
            "erase" => Some(Self::Erase),
            "edit" => Some(Self::Edit),
            _ => None,
        }
    }
}

/// `GET /registrations/{token}/{confirm|cancel|erase}`: asks before doing it; changes nothing
/// (mail gateways open the double opt-in link too). An expired hold says so and links to
/// the event page.
pub async fn ask(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (token, action) = path.into_inner();
    let Some(action) = Action::parse(&action) else {
        return super::not_found(&req);
    };
    let (found, event) = match load(&state, &token).await {
        Ok(found) => found,
        Err(err) => return error_page(public_language(&req), err),
    };
    let reg = found.registration;
    let lang = reg.language;
    let t = Texts::of(lang);
    let base = format!("/registrations/{token}");
    let summary = EventSummary::new(&state.public_url, &event, lang);
    if action != Action::Erase && expired(&reg) {
        return expired_page(lang, &summary);
    }
    let (question, note, button) = match action {
        Action::Confirm => match reg.status {
            RegistrationStatus::Pending => (t.ask_confirm, None, t.yes_confirm),
            // Confirmed already, waitlisted, cancelled: the page says which.
            _ => return see_other(&base),
        },
        Action::Cancel if registrations::ACTIVE.contains(&reg.status) => {
            (t.ask_cancel, None, t.yes_cancel)
        }
        Action::Cancel => return see_other(&base),
        Action::Erase => (t.ask_erase, Some(t.erase_note), t.yes_erase),
        // Routed to `self_edit` before this handler.
        Action::Edit => return see_other(&format!("{base}/edit")),
    };
    render(
        StatusCode::OK,
        &AskPage {
            t,
            title: t.your_registration,
            question,
            subject: event.title.clone(),
            note,
            button,
            action: req.path().to_owned(),
            back: base,
            danger: action != Action::Confirm,
        },
    )
}

fn expired_page(lang: Language, event: &EventSummary) -> HttpResponse {
    let t = Texts::of(lang);
    render(
        StatusCode::CONFLICT,
        &MessagePage {
            t,
            title: t.status_expired.to_owned(),
            message: t.expired_body.to_owned(),
            link: Some((event.url.clone(), t.register_again.to_owned())),
            switch: None,
        },
    )
}

/// `POST /registrations/{token}/{confirm|cancel|erase}`: does it, then `303` to the
/// attendee's page with `?done=confirm|cancel` (after erasure, to a page saying so: the old
/// link no longer works).
pub async fn act(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (token, action) = path.into_inner();
    let Some(action) = Action::parse(&action) else {
        return super::not_found(&req);
    };
    let (found, event) = match load(&state, &token).await {
        Ok(found) => found,
        Err(err) => return error_page(public_language(&req), err),
    };
    let lang = found.registration.language;
    let base = registrations::manage_url(&state.public_url, &token);
    let done = match action {
        Action::Confirm => registrations::change_by_token(&state, &token, Change::Confirm, None)
            .await
            .map(drop),
        Action::Cancel => registrations::change_by_token(&state, &token, Change::Cancel, None)
            .await
            .map(drop),
        Action::Erase => registrations::erase_own(&state, &token).await,
        Action::Edit => return see_other(&format!("/registrations/{token}/edit")),
    };
    // Past the kept pages (see `show`), so the action shows at once on any instance.
    let shown = format!("{base}?done={}", action.name());
    match done {
        Ok(()) => match action {
            Action::Erase => see_other(&format!("/registrations/erased?lang={}", code(lang))),
            _ => see_other(&shown),
        },
        Err(ApiError::Conflict(_)) if expired(&found.registration) || action != Action::Erase => {
            // Expired (or swept meanwhile), or no longer in a state that allows it: the page
            // says why.
            match load(&state, &token).await {
                Ok((now_found, _)) if expired(&now_found.registration) => {
                    expired_page(lang, &EventSummary::new(&state.public_url, &event, lang))
                }
                _ => see_other(&shown),
            }
        }
        Err(err) => error_page(lang, err),
    }
}

/// `GET /registrations/erased`: where erasure leads.
pub async fn erased(req: HttpRequest) -> HttpResponse {
    let lang = query_language(&req).unwrap_or_else(|| public_language(&req));
    let t = Texts::of(lang);
    render(
        StatusCode::OK,
        &MessagePage {
            t,
            title: t.erased_title.to_owned(),
            message: t.erased_body.to_owned(),
            link: Some(("/".to_owned(), t.all_events.to_owned())),
            switch: None,
        },
    )
}
