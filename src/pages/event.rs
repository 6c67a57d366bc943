//! The public event page (`GET /events/{event}`) and its registration form
//! (`POST /events/{event}/register`).
//!
//! The page of a published or cancelled event is kept rendered per event and language, keyed
//! by a fingerprint of what it shows: the event's `version` (every change of the event, its
//! programme or its exhibits bumps it), its seat counts (registrations move them without
//! bumping the version) and the state of the registration window at this moment. The event
//! row comes from [`crate::services::read_cache::EventReads`], so the seat counts shown are at
//! most a second old. The hidden per-form idempotency key is the one part that differs per
//! answer: the cached page is kept as the text before and after it, and each answer puts a
//! fresh key between them. The ETag hashes the page without the key, so a `304` lets a
//! browser keep its copy (and its key: the key only has to tell one sending of a form from
//! another, and the stored answer is found by the key and the form's content together).
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::{
    http::{header, StatusCode},
    web::{self, Bytes, BytesMut},
    HttpRequest, HttpResponse,
};
use askama::Template;
use chrono::{DateTime, Utc};
use entity::{
    event::{self, EventStatus},
    exhibit::ExhibitStatus,
    registration::{Language, RegistrationStatus},
};
use uuid::Uuid;

use super::form::{FieldError, FormView, QuestionView, RegisterForm};
use super::{code, error_page, public_language, query_language, render, see_other, when};
use super::{MessagePage, Switch, Texts, CSP};
use crate::domain::time::now;
use crate::error::{ApiError, ApiResult};
use crate::routes::events::webcal;
use crate::services::feeds::fingerprint_of;
use crate::services::idempotency::{IdempotencyKey, StoredAnswer};
use crate::services::registrations::desk::{Desked, Keyed};
use crate::services::{exhibits, programme, registrations};
use crate::state::AppState;

/// Where the form key goes in a cached page. Rendered unescaped (`|safe`), so it cannot occur
/// in anything else on the page: every other text is escaped and has no raw `<`.
const KEY_SLOT: &str = "<!--form-key-->";
/// Most pages kept (events × 2 languages), and most bytes (a 150-slot programme renders to
/// about 40 KiB); the whole cache is dropped when either is reached.
const PAGES_MAX: usize = 2048;
const BYTES_MAX: usize = 32 * 1024 * 1024;

/// Pages by event id and language code, with the fingerprint each was rendered from.
type Pages = HashMap<(Uuid, &'static str), (u64, Arc<CachedPage>)>;

/// Rendered event pages by event and language, each valid for one fingerprint.
#[derive(Default)]
pub struct PageCache {
    pages: Mutex<Kept>,
}

#[derive(Default)]
struct Kept {
    pages: Pages,
    bytes: usize,
}

/// A rendered page split around the form key, and its validator.
pub struct CachedPage {
    /// The page up to the form key's slot; the whole page when it has no form.
    head: Bytes,
    /// The page after the form key's slot; `None` when the page has no form (cancelled,
    /// closed, not yet open, full without a waiting list), so no key is written at all.
    tail: Option<Bytes>,
    /// Strong, quoted: a hash of the page without the key.
    etag: String,
}

impl CachedPage {
    /// The bytes it holds.
    fn size(&self) -> usize {
        self.head.len() + self.tail.as_ref().map_or(0, Bytes::len)
    }
}

impl PageCache {
    fn get(&self, id: Uuid, lang: Language, fingerprint: u64) -> Option<Arc<CachedPage>> {
        let kept = self.pages.lock().unwrap_or_else(|p| p.into_inner());
        kept.pages
            .get(&(id, code(lang)))
            .filter(|(f, _)| *f == fingerprint)
            .map(|(_, page)| page.clone())
    }

    fn put(&self, id: Uuid, lang: Language, fingerprint: u64, page: Arc<CachedPage>) {
        let size = page.size();
        // A poisoned lock still holds whole entries: each is replaced, never edited in place.
        let mut kept = self.pages.lock().unwrap_or_else(|p| p.into_inner());
        if kept.pages.len() >= PAGES_MAX || kept.bytes + size > BYTES_MAX {
            kept.pages.clear();
            kept.bytes = 0;
        }
        if let Some((_, old)) = kept.pages.insert((id, code(lang)), (fingerprint, page)) {
            kept.bytes -= old.size();
        }
        kept.bytes += size;
    }

    /// How many pages are kept.
    pub fn len(&self) -> usize {
        self.pages
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pages
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Whether the event takes registrations now, and if not why: the rules of
/// [`registrations::check_open`], as the page explains them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Window {
    Open,
    NotYet(DateTime<Utc>),
    Closed,
    Over,
    Cancelled,
}

impl Window {
    fn of(event: &event::Model, at: DateTime<Utc>) -> Self {
        if event.status == EventStatus::Cancelled {
            return Self::Cancelled;
        }
        if at >= event.ends_at {
            return Self::Over;
        }
        if let Some(opens) = event.registration_opens_at.filter(|t| at < *t) {
            return Self::NotYet(opens);
        }
        if event.registration_closes_at.is_some_and(|t| at >= t) {
            return Self::Closed;
        }
        if registrations::check_open(event, at).is_err() {
            return Self::Closed;
        }
        Self::Open
    }
}

/// One line of the programme.
struct SlotRow {
    time: String,
    title: String,
    organisation: String,
    presenter: String,
}

struct StageView {
    name: String,
    slots: Vec<SlotRow>,
}

struct ExhibitRow {
    title: String,
    organisation: String,
    booth: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/event.html")]
struct EventPage<'a> {
    t: &'static Texts,
    switch: Option<Switch>,
    title: &'a str,
    paragraphs: Vec<&'a str>,
    when: String,
    venue: &'a str,
    address: &'a str,
    timezone: &'a str,
    cancelled: bool,
    seats_left: i32,
    waitlist: bool,
    waiting: i32,
    open: bool,
    window_message: Option<String>,
    optin: bool,
    stages: Vec<StageView>,
    exhibits: Vec<ExhibitRow>,
    calendar_url: String,
    webcal_url: String,
    /// The frab schedule for conference apps (`routes::schedule`).
    frab_xml_url: String,
    frab_json_url: String,
    action: String,
    /// "Mail me the link to my registration", offered when the address is registered already
    /// (`super::self_edit::resend`).
    resend_action: String,
    se: &'static super::self_edit::EditTexts,
    form: FormView,
    /// The event's registration questions, in form order.
    questions: Vec<QuestionView>,
    /// Server-generated (URL-safe base64) or [`KEY_SLOT`]; written unescaped.
    form_key: &'a str,
}

impl EventPage<'_> {
    fn sector_options(&self) -> [(&'static str, &'static str); 4] {
        [
            ("business", self.t.sector_business),
            ("science", self.t.sector_science),
            ("politics", self.t.sector_politics),
            ("other", self.t.sector_other),
        ]
    }
}

/// Renders the page of `event` with `form` and `form_key`; three queries for the programme and
/// one for the exhibits, however long the programme.
async fn render_page(
    state: &AppState,
    event: &event::Model,
    lang: Language,
    form: FormView,
    form_key: &str,
    window: Window,
) -> ApiResult<String> {
    let t = Texts::of(lang);
    let tz = event.timezone.as_str();
    let programme = programme::load(&state.db, event.id).await?;
    // Read, not taken from the kept copy: the page is kept under the event's version, which a
    // change of the questions moves, and a copy up to a second old would be kept with it.
    let asked = crate::services::questions::list(&state.db, event.id).await?;
    let (approved, _) = exhibits::list(
        &state.db,
        event.id,
        exhibits::ExhibitFilter {
            statuses: vec![ExhibitStatus::Approved],
            offset: 0,
            limit: 1000,
        },
    )
    .await?;
    let stages = programme
        .stages
        .iter()
        .map(|stage| StageView {
            name: stage.name.clone(),
            slots: programme
                .slots_on(stage.id)
                .filter_map(|slot| {
                    let pitch = programme.pitch_of(slot)?;
                    Some(SlotRow {
                        time: format!(
                            "{}–{}",
                            when::time(slot.starts_at, tz),
                            when::time(slot.ends_at, tz)
                        ),
                        title: pitch.title.clone(),
                        organisation: pitch.organisation.clone(),
                        presenter: pitch.presenter_name.clone(),
                    })
                })
                .collect(),
        })
        .filter(|stage: &StageView| !stage.slots.is_empty())
        .collect();
    let window_message = match window {
        Window::Open | Window::Cancelled => None,
        Window::NotYet(opens) => Some(format!("{} {}.", t.opens_at, when::moment(opens, tz, lang))),
        Window::Closed => Some(t.closed.to_owned()),
        Window::Over => Some(t.over.to_owned()),
    };
    let calendar_url = format!(
        "{}/api/v1/events/{}/calendar.ics",
        state.public_url, event.slug
    );
    let path = format!("/events/{}", event.slug);
    let page = EventPage {
        t,
        switch: Some(Switch::to_other(&path, lang)),
        title: &event.title,
        paragraphs: event
            .description
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect(),
        when: when::span(event.starts_at, event.ends_at, tz, lang),
        venue: &event.venue,
        address: &event.address,
        timezone: tz,
        cancelled: event.status == EventStatus::Cancelled,
        seats_left: (event.capacity - event.confirmed_count - event.pending_count).max(0),
        waitlist: event.waitlist,
        waiting: event.waitlisted_count,
        open: window == Window::Open,
        window_message,
        optin: event.require_email_confirmation,
        stages,
        exhibits: approved
            .into_iter()
            .map(|x| ExhibitRow {
                title: x.title,
                organisation: x.organisation,
                booth: x.booth,
            })
            .collect(),
        webcal_url: webcal(&calendar_url),
        frab_xml_url: format!(
            "{}/api/v1/events/{}/schedule.xml",
            state.public_url, event.slug
        ),
        frab_json_url: format!(
            "{}/api/v1/events/{}/schedule.json",
            state.public_url, event.slug
        ),
        calendar_url,
        action: format!("{path}/register?lang={}", code(lang)),
        resend_action: format!("{path}/resend-link?lang={}", code(lang)),
        se: super::self_edit::EditTexts::of(lang),
        questions: form.questions(&asked, lang),
        form,
        form_key,
    };
    page.render()
        .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("rendering the event page")))
}

/// A fresh per-form idempotency key (256 random bits, URL-safe base64).
fn new_form_key() -> String {
    crate::auth::new_token()
}

/// `GET /events/{event}`: the event page; a draft or an unknown event is a 404 page.
#[tracing::instrument(skip_all, fields(event = %key))]
pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    key: web::Path<String>,
) -> HttpResponse {
    let lang = public_language(&req);
    match cached_page(&state, &key, lang).await {
        Ok(page) => answer(&req, &page),
        Err(err) => error_page(lang, err),
    }
}

async fn cached_page(state: &AppState, key: &str, lang: Language) -> ApiResult<Arc<CachedPage>> {
    let event = state.reads.find_visible(&state.db, key, false).await?;
    let window = Window::of(&event, now());
    let fingerprint = fingerprint_of((
        crate::pages::branding::site().version,
        event.version,
        event.confirmed_count,
        event.pending_count,
        event.waitlisted_count,
        window,
        &state.public_url,
    ));
    if let Some(page) = state.pages.get(event.id, lang, fingerprint) {
        return Ok(page);
    }
    let body = render_page(state, &event, lang, FormView::empty(lang), KEY_SLOT, window).await?;
    let (head, tail) = match body.split_once(KEY_SLOT) {
        Some((head, tail)) => (head, Some(tail)),
        None => (body.as_str(), None),
    };
    let etag = crate::calendar::etag_for(&format!("{head}{}", tail.unwrap_or_default()));
    let page = Arc::new(CachedPage {
        head: Bytes::copy_from_slice(head.as_bytes()),
        tail: tail.map(|tail| Bytes::copy_from_slice(tail.as_bytes())),
        etag,
    });
    state.pages.put(event.id, lang, fingerprint, page.clone());
    Ok(page)
}

/// `200` with a fresh form key, or `304` when the browser's copy is current.
fn answer(req: &HttpRequest, page: &CachedPage) -> HttpResponse {
    let not_modified = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .map(|tag| tag.trim().trim_start_matches("W/"))
                .any(|tag| tag == "*" || tag == page.etag)
        });
    let mut builder = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    builder
        .insert_header((header::ETAG, page.etag.as_str()))
        // Seats change without notice: browsers ask again each time (and get a 304).
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .insert_header((header::VARY, "Accept-Language"))
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP));
    if not_modified {
        return builder.finish();
    }
    let builder = builder.content_type("text/html; charset=utf-8");
    let Some(tail) = &page.tail else {
        return builder.body(page.head.clone());
    };
    let key = new_form_key();
    let mut body = BytesMut::with_capacity(page.head.len() + key.len() + tail.len());
    body.extend_from_slice(&page.head);
    body.extend_from_slice(key.as_bytes());
    body.extend_from_slice(tail);
    builder.body(body.freeze())
}

/// `GET /events/{event}/check-mail`: after a registration under double opt-in. The page
/// holds no link to the registration: only the mail does, so that confirming proves the
/// address.
pub async fn check_mail(
    state: web::Data<AppState>,
    req: HttpRequest,
    key: web::Path<String>,
) -> HttpResponse {
    let lang = public_language(&req);
    let event = match state.reads.find_visible(&state.db, &key, false).await {
        Ok(event) => event,
        Err(err) => return error_page(lang, err),
    };
    let t = Texts::of(lang);
    let path = format!("/events/{}", event.slug);
    render(
        StatusCode::OK,
        &MessagePage {
            t,
            title: t.check_mail_title.to_owned(),
            message: format!("{} {}", t.check_mail_body, event.title),
            link: Some((
                format!("{path}?lang={}", code(lang)),
                t.to_the_event.to_owned(),
            )),
            switch: Some(Switch::to_other(&format!("{path}/check-mail"), lang)),
        },
    )
}

/// `POST /events/{event}/register`: the form, through the API's service path and rules.
///
/// Refused input comes back as the page with what was typed and the errors at their fields
/// (422), a conflict (full, duplicate, window) likewise with 409; nothing is stored. Success
/// is a `303` to the attendee's page, or to the "check your mail" page under double opt-in.
/// Every form goes through the registration desk; with its `form_key` the key is committed in
/// the registration's transaction, as the API does with an `Idempotency-Key`, and sending the
/// same form again answers the same redirect.
#[tracing::instrument(skip_all, fields(event = %key))]
pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    key: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> HttpResponse {
    let form = RegisterForm::from_pairs(form.into_inner());
    let lang = query_language(&req).unwrap_or_else(|| public_language(&req));
    let event = match state.reads.find_visible(&state.db, &key, false).await {
        Ok(event) => event,
        Err(err) => return error_page(lang, err),
    };
    match submit(&state, &req, &event, lang, &form).await {
        Ok(location) => {
            state.wake_mailer();
            see_other(&location)
        }
        Err(Refusal::Form(view, status)) => {
            // The counts as the refusal saw them, not the copy of up to a second ago.
            let fresh = match crate::services::events::find(&state.db, &event.id.to_string()).await
            {
                Ok(Some(fresh)) => Arc::new(fresh),
                _ => event,
            };
            let window = Window::of(&fresh, now());
            match render_page(&state, &fresh, lang, *view, &new_form_key(), window).await {
                Ok(body) => super::html(status, body),
                Err(err) => error_page(lang, err),
            }
        }
        Err(Refusal::Error(err)) => error_page(lang, err),
    }
}

enum Refusal {
    /// The form again, with its errors.
    Form(Box<FormView>, StatusCode),
    Error(ApiError),
}

impl From<ApiError> for Refusal {
    fn from(err: ApiError) -> Self {
        Self::Error(err)
    }
}

async fn submit(
    state: &AppState,
    req: &HttpRequest,
    event: &event::Model,
    lang: Language,
    form: &RegisterForm,
) -> Result<String, Refusal> {
    let t = Texts::of(lang);
    let refused = |general: Vec<&'static str>, errors: Vec<FieldError>, status| {
        let mut view = FormView::refilled(form);
        view.general = general;
        view.errors = errors;
        Refusal::Form(Box::new(view), status)
    };
    let asked = state.reads.questions(&state.db, event.id).await?;
    let new = form.parse(t, &asked).map_err(|(errors, answer_errors)| {
        let Refusal::Form(mut view, status) =
            refused(Vec::new(), errors, StatusCode::UNPROCESSABLE_ENTITY)
        else {
            return Refusal::Error(ApiError::BadRequest("invalid form".to_owned()));
        };
        view.answer_errors = answer_errors;
        Refusal::Form(view, status)
    })?;
    if Window::of(event, now()) != Window::Open {
        return Err(refused(
            vec![t.err_not_open],
            Vec::new(),
            StatusCode::CONFLICT,
        ));
    }
    let idempotency = form_key(event, form)?;
    if let Some(k) = &idempotency {
        if let Some(stored) = k.lookup(&state.db).await? {
            return Ok(stored.location.unwrap_or_else(|| "/".to_owned()));
        }
    }
    // As the API does: a registration changes nothing the cached public reads show.
    crate::http::write_epoch::keep_reads(req);
    // With its key, the desk stores the redirect in the registration's transaction.
    let keyed = idempotency.map(|key| {
        let (public_url, slug) = (state.public_url.clone(), event.slug.clone());
        Keyed {
            key,
            answer: Arc::new(move |registered: &registrations::Registered| {
                Ok(StoredAnswer {
                    status: StatusCode::SEE_OTHER.as_u16(),
                    body: String::new(),
                    location: Some(success_location(&public_url, &slug, registered)),
                })
            }),
        }
    });
    match state.desk.register(event.id, new, keyed).await {
        Ok(Desked::New(_, Some(stored)) | Desked::Replayed(stored)) => {
            Ok(stored.location.unwrap_or_else(|| "/".to_owned()))
        }
        Ok(Desked::New(registered, None)) => Ok(success_location(
            &state.public_url,
            &event.slug,
            &registered,
        )),
        Err(err) => Err(conflict(t, form, err)),
    }
}

/// A conflict from the service as the form's error: the duplicate e-mail at its field, full
/// or closed in the summary. Other errors stay errors.
fn conflict(t: &'static Texts, form: &RegisterForm, err: ApiError) -> Refusal {
    let ApiError::Conflict(detail) = &err else {
        return Refusal::Error(err);
    };
    let mut view = FormView::refilled(form);
    if detail.contains("already registered") {
        view.errors.push(FieldError {
            field: "email",
            message: t.err_duplicate,
        });
    } else if detail.contains("full") {
        view.general.push(t.err_full);
    } else {
        view.general.push(t.err_not_open);
    }
    Refusal::Form(Box::new(view), StatusCode::CONFLICT)
}

/// The form's idempotency key: its `form_key` and a hash of its content, so that the same
/// page (kept by the browser after a 304) can register a second person, while sending the
/// same form twice registers once. A missing or malformed key registers without one.
fn form_key(event: &event::Model, form: &RegisterForm) -> ApiResult<Option<IdempotencyKey>> {
    let key = form.form_key.trim();
    if key.is_empty()
        || key.len() > 100
        || !key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Ok(None);
    }
    let body = form.as_json();
    let key = format!("{key}.{:016x}", fingerprint_of(body.to_string()));
    let scope = format!("PAGE POST /events/{}/register", event.id);
    Ok(Some(IdempotencyKey::new(scope, &key, &body)?))
}

/// Where a new registration's browser goes: its page, or "check your mail" while it waits
/// for the double opt-in.
fn success_location(
    public_url: &str,
    slug: &str,
    registered: &registrations::Registered,
) -> String {
    let reg = &registered.registration;
    match reg.status {
        RegistrationStatus::Pending => format!(
            "{public_url}/events/{slug}/check-mail?lang={}",
            code(reg.language)
        ),
        _ => registrations::manage_url(public_url, &registrations::manage_token(reg)),
    }
}
