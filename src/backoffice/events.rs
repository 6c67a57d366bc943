//! The event in the backoffice (issue 28): create (`/orga/events/new`), its page
//! (`/orga/events/{slug}`), edit (with the version the API's `If-Match` carries: a change made
//! meanwhile is shown, not overwritten), publish, cancel (after a confirmation that says how
//! many people will be mailed) and the next edition. Each form becomes the API's request body
//! and through its `TryFrom` the same domain value, and goes to the same service as the API
//! routes in `src/routes/events/`: the page and the API cannot drift.
//!
//! Times are typed as local date-times (`2027-06-24T09:00`, what `<input type=datetime-local>`
//! sends) in the event's time zone, which the form picks; they become instants by RFC 5545's
//! rules for local times ([`local_to_instant`]), as the next edition's times do.
use std::sync::LazyLock;

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use entity::event::{self, EventStatus};
use serde::Deserialize;

use super::event_texts::Words;
use super::{refuse_cross_site, PageError, Session, Texts};
use crate::domain::event::{EventChanges, NewEvent};
use crate::domain::member::Permission;
use crate::domain::time::{in_zone, local_to_instant};
use crate::error::ApiError;
use crate::pages::{render, see_other, EventSummary};
use crate::routes::events::{CloneEvent, CreateEvent, UpdateEvent};
use crate::services::events;
use crate::services::idempotency::{IdempotencyKey, Keyed, Once, StoredAnswer};
use crate::state::AppState;

/// The event form's fields as the browser sends them; a checkbox not ticked is absent.
#[derive(Debug, Default, Deserialize)]
pub struct EventForm {
    #[serde(default)]
    form_token: String,
    /// The new-event form's one-time key: the form sent twice makes one event.
    #[serde(default)]
    once: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    venue: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    timezone: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    ends_at: String,
    #[serde(default)]
    capacity: String,
    #[serde(default)]
    waitlist: Option<String>,
    #[serde(default)]
    registration_opens_at: String,
    #[serde(default)]
    registration_closes_at: String,
    #[serde(default)]
    require_email_confirmation: Option<String>,
    #[serde(default)]
    exhibit_capacity: String,
    #[serde(default)]
    organiser_name: String,
    #[serde(default)]
    organiser_email: String,
    /// The event's version the edit form was made from (the API's ETag carries the same).
    #[serde(default)]
    version: String,
}

/// The zone a new event is in unless the organiser picks another.
pub const DEFAULT_ZONE: &str = "Europe/Berlin";

/// The time zone picker's choices: [`DEFAULT_ZONE`] first, then every IANA name chrono-tz
/// knows, sorted.
static ZONES: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut names: Vec<&'static str> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name())
        .filter(|name| *name != DEFAULT_ZONE)
        .collect();
    names.sort_unstable();
    names.insert(0, DEFAULT_ZONE);
    names
});

/// What the event form shows: the values (typed, or the event's in its zone) and the errors,
/// each at its field (`field` is the input's `name` and `id`).
#[derive(Debug, Clone, Default)]
pub struct EventFormView {
    /// The new-event form's one-time key (empty on the edit form).
    pub once: String,
    pub title: String,
    pub slug: String,
    pub description: String,
    pub venue: String,
    pub address: String,
    pub timezone: String,
    pub starts_at: String,
    pub ends_at: String,
    pub capacity: String,
    pub waitlist: bool,
    pub registration_opens_at: String,
    pub registration_closes_at: String,
    pub require_email_confirmation: bool,
    pub exhibit_capacity: String,
    pub organiser_name: String,
    pub organiser_email: String,
    pub errors: Vec<(String, String)>,
    /// Errors that belong to no one field.
    pub general: Vec<String>,
}

/// `2027-06-24T09:00`: an instant as local time in `zone`, as `datetime-local` shows it.
fn local_value(instant: DateTime<Utc>, zone: &str) -> String {
    in_zone(instant, zone).format("%Y-%m-%dT%H:%M").to_string()
}

impl EventFormView {
    /// An empty form for a new event: Berlin's zone, 100 seats, a waitlist.
    pub fn new_event() -> Self {
        Self {
            once: crate::auth::new_token(),
            timezone: DEFAULT_ZONE.to_owned(),
            capacity: "100".to_owned(),
            waitlist: true,
            ..Self::default()
        }
    }

    /// The event's current values, its times in its own zone.
    pub fn of(event: &event::Model) -> Self {
        let zone = event.timezone.as_str();
        Self {
            once: String::new(),
            title: event.title.clone(),
            slug: event.slug.clone(),
            description: event.description.clone(),
            venue: event.venue.clone(),
            address: event.address.clone(),
            timezone: event.timezone.clone(),
            starts_at: local_value(event.starts_at, zone),
            ends_at: local_value(event.ends_at, zone),
            capacity: event.capacity.to_string(),
            waitlist: event.waitlist,
            registration_opens_at: event
                .registration_opens_at
                .map(|t| local_value(t, zone))
                .unwrap_or_default(),
            registration_closes_at: event
                .registration_closes_at
                .map(|t| local_value(t, zone))
                .unwrap_or_default(),
            require_email_confirmation: event.require_email_confirmation,
            exhibit_capacity: event
                .exhibit_capacity
                .map(|c| c.to_string())
                .unwrap_or_default(),
            organiser_name: event.organiser_name.clone(),
            organiser_email: event.organiser_email.clone(),
            errors: Vec::new(),
            general: Vec::new(),
        }
    }

    /// The form as it was sent, to show it again.
    fn refilled(form: &EventForm) -> Self {
        Self {
            once: form.once.clone(),
            title: form.title.clone(),
            slug: form.slug.trim().to_owned(),
            description: form.description.clone(),
            venue: form.venue.clone(),
            address: form.address.clone(),
            timezone: form.timezone.trim().to_owned(),
            starts_at: form.starts_at.trim().to_owned(),
            ends_at: form.ends_at.trim().to_owned(),
            capacity: form.capacity.trim().to_owned(),
            waitlist: form.waitlist.is_some(),
            registration_opens_at: form.registration_opens_at.trim().to_owned(),
            registration_closes_at: form.registration_closes_at.trim().to_owned(),
            require_email_confirmation: form.require_email_confirmation.is_some(),
            exhibit_capacity: form.exhibit_capacity.trim().to_owned(),
            organiser_name: form.organiser_name.clone(),
            organiser_email: form.organiser_email.trim().to_owned(),
            errors: Vec::new(),
            general: Vec::new(),
        }
    }

    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || !self.general.is_empty()
    }

    /// Records an error at `field` unless one is there already (the first one counts: the
    /// page's own checks come before the API's).
    fn push(&mut self, field: &str, message: impl Into<String>) {
        if self.error(field).is_none() {
            self.errors.push((field.to_owned(), message.into()));
        }
    }

    /// The time zone picker's choices; a zone typed that is not among them (sent by hand)
    /// comes first, so the form shows what was sent.
    pub fn zones(&self) -> Vec<&str> {
        let mut zones: Vec<&str> = ZONES.clone();
        if !self.timezone.is_empty() && !ZONES.contains(&self.timezone.as_str()) {
            zones.insert(0, self.timezone.as_str());
        }
        zones
    }

    /// Whether `zone` is the one chosen.
    pub fn is_zone(&self, zone: &str) -> bool {
        self.timezone == zone
    }

    /// The value of a date-time field by its name.
    pub fn value(&self, field: &str) -> &str {
        match field {
            "starts_at" => &self.starts_at,
            "ends_at" => &self.ends_at,
            "registration_opens_at" => &self.registration_opens_at,
            "registration_closes_at" => &self.registration_closes_at,
            _ => "",
        }
    }

    /// The start and end fields: name, label, hint.
    pub fn start_end(&self, w: &Words) -> [(&'static str, &'static str, &'static str); 2] {
        [
            ("starts_at", w.field_starts_at, w.hint_local),
            ("ends_at", w.field_ends_at, w.hint_local),
        ]
    }

    /// The registration window's fields: name, label, hint.
    pub fn window(&self, w: &Words) -> [(&'static str, &'static str, &'static str); 2] {
        [
            ("registration_opens_at", w.field_opens, w.hint_opens),
            ("registration_closes_at", w.field_closes, w.hint_closes),
        ]
    }

    /// The fields whose values differ between `self` (what was sent) and `now` (what is
    /// saved): label, saved value, sent value.
    fn differences(&self, now: &Self, w: &Words) -> Vec<(&'static str, String, String)> {
        let yes_no = |b: bool| if b { "✓" } else { "–" }.to_owned();
        let pairs = [
            (w.field_title, &now.title, &self.title),
            (w.field_slug, &now.slug, &self.slug),
            (w.field_description, &now.description, &self.description),
            (w.field_venue, &now.venue, &self.venue),
            (w.field_address, &now.address, &self.address),
            (w.field_timezone, &now.timezone, &self.timezone),
            (w.field_starts_at, &now.starts_at, &self.starts_at),
            (w.field_ends_at, &now.ends_at, &self.ends_at),
            (w.field_capacity, &now.capacity, &self.capacity),
            (
                w.field_opens,
                &now.registration_opens_at,
                &self.registration_opens_at,
            ),
            (
                w.field_closes,
                &now.registration_closes_at,
                &self.registration_closes_at,
            ),
            (
                w.field_exhibit_capacity,
                &now.exhibit_capacity,
                &self.exhibit_capacity,
            ),
            (
                w.field_organiser_name,
                &now.organiser_name,
                &self.organiser_name,
            ),
            (
                w.field_organiser_email,
                &now.organiser_email,
                &self.organiser_email,
            ),
        ];
        let mut out: Vec<_> = pairs
            .into_iter()
            .filter(|(_, a, b)| a.trim() != b.trim())
            .map(|(label, a, b)| (label, a.clone(), b.clone()))
            .collect();
        if now.waitlist != self.waitlist {
            out.push((
                w.field_waitlist,
                yes_no(now.waitlist),
                yes_no(self.waitlist),
            ));
        }
        if now.require_email_confirmation != self.require_email_confirmation {
            out.push((
                w.field_confirmation,
                yes_no(now.require_email_confirmation),
                yes_no(self.require_email_confirmation),
            ));
        }
        out
    }
}

/// Why a typed local time was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TimeError {
    /// Not a date and time.
    Unreadable,
    /// A time the clocks skip in the zone (the hour they go forward): it never happens there,
    /// so the organiser chooses, rather than podium moving it.
    Skipped,
}

impl TimeError {
    fn message(self, w: &Words) -> &'static str {
        match self {
            Self::Unreadable => w.err_time,
            Self::Skipped => w.err_time_skipped,
        }
    }
}

/// A local date-time as typed (`2027-06-24T09:00`, seconds or a space also taken) in `zone`,
/// as RFC 3339 for the API's body. A time that occurs twice (the hour the clocks go back) is
/// its first occurrence (RFC 5545 §3.3.5); one that never occurs is refused.
fn local_to_rfc3339(raw: &str, zone: Tz) -> Result<String, TimeError> {
    let raw = raw.trim();
    let naive = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(raw, format).ok())
        .ok_or(TimeError::Unreadable)?;
    if matches!(
        chrono::TimeZone::from_local_datetime(&zone, &naive),
        chrono::LocalResult::None
    ) {
        return Err(TimeError::Skipped);
    }
    local_to_instant(zone, naive)
        .map(|t| t.to_rfc3339())
        .ok_or(TimeError::Unreadable)
}

/// What the page reads of the form before the API's rules: the times as RFC 3339 in the
/// chosen zone and the numbers. Errors go to `view`; a field in error is left out (`None`),
/// and the API's rules then judge the rest.
#[derive(Clone)]
struct Typed {
    zone: Option<Tz>,
    starts_at: Option<String>,
    ends_at: Option<String>,
    /// `Some(None)`: left empty.
    registration_opens_at: Option<Option<String>>,
    registration_closes_at: Option<Option<String>>,
    capacity: Option<i64>,
    exhibit_capacity: Option<Option<i64>>,
}

impl Typed {
    /// Stand-ins for the fields the page could not read, so that the API's rules still
    /// judge the other fields (the errors at these fields are the page's own already).
    fn or_stand_ins(&self) -> Self {
        Self {
            zone: self.zone.or(Some(chrono_tz::UTC)),
            starts_at: self
                .starts_at
                .clone()
                .or_else(|| Some("2000-01-01T00:00:00+00:00".to_owned())),
            ends_at: self
                .ends_at
                .clone()
                .or_else(|| Some("2000-01-01T01:00:00+00:00".to_owned())),
            registration_opens_at: self.registration_opens_at.clone().or(Some(None)),
            registration_closes_at: self.registration_closes_at.clone().or(Some(None)),
            capacity: self.capacity.or(Some(0)),
            exhibit_capacity: self.exhibit_capacity.or(Some(None)),
        }
    }
}

/// A whole number as people type it: `150`, or with thousands grouped by `.`, `,` or a space
/// (`1.000`, `1,000`, `1 000`). `None` for anything else, so a decimal (`1.5`, `1,5`) is
/// refused, not read as `15`.
fn whole_number(raw: &str) -> Option<i64> {
    let raw = raw.trim();
    let mut groups = raw.split(['.', ',', ' ', '\u{a0}', '\u{202f}']);
    let first = groups.next()?;
    let first_ok = !first.is_empty() && first.len() <= 3 || raw == first;
    let mut digits = first.to_owned();
    for group in groups {
        if group.len() != 3 || !first_ok {
            return None;
        }
        digits.push_str(group);
    }
    let unsigned = digits.strip_prefix('-').unwrap_or(&digits);
    if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn read_typed(form: &EventForm, view: &mut EventFormView, w: &Words) -> Typed {
    let zone = form.timezone.trim().parse::<Tz>().ok();
    if zone.is_none() {
        view.push("timezone", w.err_timezone);
    }
    let time = |view: &mut EventFormView, field: &str, raw: &str| -> Option<String> {
        let zone = zone?;
        match local_to_rfc3339(raw, zone) {
            Ok(value) => Some(value),
            Err(error) => {
                view.push(field, error.message(w));
                None
            }
        }
    };
    let starts_at = time(view, "starts_at", &form.starts_at);
    let ends_at = time(view, "ends_at", &form.ends_at);
    let optional_time = |view: &mut EventFormView, field: &str, raw: &str| {
        if raw.trim().is_empty() {
            Some(None)
        } else {
            time(view, field, raw).map(Some)
        }
    };
    let registration_opens_at =
        optional_time(view, "registration_opens_at", &form.registration_opens_at);
    let registration_closes_at =
        optional_time(view, "registration_closes_at", &form.registration_closes_at);
    let number = |view: &mut EventFormView, field: &str, raw: &str| -> Option<i64> {
        let n = whole_number(raw);
        if n.is_none() {
            view.push(field, w.err_number);
        }
        n
    };
    let capacity = number(view, "capacity", &form.capacity);
    let exhibit_capacity = if form.exhibit_capacity.trim().is_empty() {
        Some(None)
    } else {
        number(view, "exhibit_capacity", &form.exhibit_capacity).map(Some)
    };
    Typed {
        zone,
        starts_at,
        ends_at,
        registration_opens_at,
        registration_closes_at,
        capacity,
        exhibit_capacity,
    }
}

/// The page's words for an error of the API's rules at `field`; its own message where the
/// page has none.
fn field_message(field: &str, message: &str, w: &Words) -> String {
    match field {
        "title" => w.err_title,
        "slug" => w.err_slug,
        "timezone" => w.err_timezone,
        "starts_at" | "registration_opens_at" => w.err_time,
        "ends_at" if message.contains("after") => w.err_ends,
        "ends_at" => w.err_time,
        "registration_closes_at" if message.contains("after") => w.err_closes,
        "registration_closes_at" => w.err_time,
        "capacity" | "exhibit_capacity" => w.err_capacity,
        "organiser_email" => w.err_email,
        _ => return message.to_owned(),
    }
    .to_owned()
}

/// Puts a refusal of the service into the form: each invalid field at its place, a conflict
/// (a slug taken, capacity below the seats taken) at its field, anything else is the page's
/// error. The status the page answers with.
fn refusal_into(
    view: &mut EventFormView,
    err: ApiError,
    lang: entity::registration::Language,
    w: &Words,
) -> Result<StatusCode, PageError> {
    match err {
        ApiError::Validation { errors, .. } => {
            for e in errors {
                view.push(&e.field, field_message(&e.field, &e.message, w));
            }
            Ok(StatusCode::UNPROCESSABLE_ENTITY)
        }
        ApiError::Conflict(detail) => {
            if detail.contains("slug") {
                view.push("slug", w.err_slug_taken);
            } else if detail.starts_with("exhibit_capacity") {
                view.push("exhibit_capacity", detail);
            } else if detail.starts_with("capacity") {
                view.push("capacity", detail);
            } else {
                view.general.push(detail);
            }
            Ok(StatusCode::CONFLICT)
        }
        other => Err(PageError::Api(lang, other)),
    }
}

/// `Some(text)` for a non-empty field, else `None`.
fn given(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

impl EventForm {
    /// The API's create body from the form; `None` when a field the page reads itself (a
    /// time, a number, the zone) is in error.
    fn create_body(&self, typed: &Typed) -> Option<CreateEvent> {
        Some(CreateEvent {
            title: self.title.clone(),
            slug: given(&self.slug),
            description: Some(self.description.clone()),
            venue: Some(self.venue.clone()),
            address: Some(self.address.clone()),
            timezone: Some(typed.zone?.name().to_owned()),
            starts_at: typed.starts_at.clone()?,
            ends_at: typed.ends_at.clone()?,
            capacity: Some(typed.capacity?),
            waitlist: Some(self.waitlist.is_some()),
            registration_opens_at: typed.registration_opens_at.clone()?,
            registration_closes_at: typed.registration_closes_at.clone()?,
            require_email_confirmation: Some(self.require_email_confirmation.is_some()),
            exhibit_capacity: typed.exhibit_capacity?,
            mailbox_registrations_max: None,
            mailbox_holds_max: None,
            hold_hours: None,
            series: None,
            organiser_name: Some(self.organiser_name.clone()),
            organiser_email: given(&self.organiser_email),
        })
    }

    /// The API's update body: every field of the form (an empty optional time or exhibit
    /// limit clears it; an empty organiser address leaves it).
    fn update_body(&self, typed: &Typed) -> Option<UpdateEvent> {
        Some(UpdateEvent {
            title: Some(self.title.clone()),
            slug: Some(self.slug.trim().to_owned()),
            description: Some(self.description.clone()),
            venue: Some(self.venue.clone()),
            address: Some(self.address.clone()),
            timezone: Some(typed.zone?.name().to_owned()),
            starts_at: Some(typed.starts_at.clone()?),
            ends_at: Some(typed.ends_at.clone()?),
            capacity: Some(typed.capacity?),
            waitlist: Some(self.waitlist.is_some()),
            registration_opens_at: Some(typed.registration_opens_at.clone()?),
            registration_closes_at: Some(typed.registration_closes_at.clone()?),
            require_email_confirmation: Some(self.require_email_confirmation.is_some()),
            exhibit_capacity: Some(typed.exhibit_capacity?),
            mailbox_registrations_max: None,
            mailbox_holds_max: None,
            hold_hours: None,
            series: None,
            organiser_name: Some(self.organiser_name.clone()),
            organiser_email: given(&self.organiser_email),
        })
    }
}

/// The event a path names, for a member who may manage it: 403 for a member whose role or
/// events do not allow it, before anything is looked up (so a limited member learns nothing,
/// not even whether a slug exists); 404 for an unknown event.
pub(super) async fn managed_event(
    state: &AppState,
    session: &Session,
    key: &str,
) -> Result<event::Model, PageError> {
    if !session.member.may_key(Permission::Manage, Some(key)) {
        return Err(PageError::Forbidden(session.lang));
    }
    let event = events::find_visible(&state.db, key, true)
        .await
        .map_err(|err| PageError::Api(session.lang, err))?;
    session.allow(Permission::Manage, Some(event.id))?;
    Ok(event)
}

/// The checks of every form `POST`: from podium's own page, with this session's token.
pub(super) fn check_post(
    req: &HttpRequest,
    state: &AppState,
    session: &Session,
    form_token: &str,
) -> Result<(), PageError> {
    refuse_cross_site(req, &state.public_url)?;
    session.check_form_token(form_token)
}

/// `/orga/events/{slug}` with the page's language (and what was just done, if anything).
pub(super) fn event_path(slug: &str, lang: &str, done: Option<&str>) -> String {
    match done {
        Some(done) => format!("/orga/events/{slug}?lang={lang}&done={done}"),
        None => format!("/orga/events/{slug}?lang={lang}"),
    }
}

/// The breadcrumb to the event's page.
pub(super) fn crumb(event: &event::Model, lang: &str) -> (String, String) {
    (event_path(&event.slug, lang, None), event.title.clone())
}

/// `?done=` of a page: what the last form did, to say so.
#[derive(Debug, Deserialize)]
pub struct Done {
    #[serde(default)]
    pub(super) done: Option<String>,
}

#[derive(Template)]
#[template(path = "backoffice/event_form.html")]
struct FormPage {
    t: &'static Texts,
    w: &'static Words,
    form_token: String,
    crumbs: Vec<(String, String)>,
    heading: &'static str,
    action: String,
    button: &'static str,
    form: EventFormView,
    /// The version of the event the edit form is made from.
    version: Option<i64>,
    /// After a change made meanwhile: label, saved now, sent.
    conflict: Vec<(&'static str, String, String)>,
    conflicted: bool,
}

fn form_page(
    session: &Session,
    crumbs: Vec<(String, String)>,
    form: EventFormView,
    edit: Option<&event::Model>,
) -> FormPage {
    let t = Texts::of(session.lang);
    let w = Words::of(session.lang);
    FormPage {
        t,
        w,
        form_token: session.form_token.clone(),
        crumbs,
        heading: if edit.is_some() {
            w.edit_title
        } else {
            w.new_event_title
        },
        action: match edit {
            Some(event) => format!("/orga/events/{}/edit?lang={}", event.slug, t.lang),
            None => format!("/orga/events/new?lang={}", t.lang),
        },
        button: if edit.is_some() { w.save } else { w.create },
        version: edit.map(|e| e.version),
        form,
        conflict: Vec::new(),
        conflicted: false,
    }
}

/// The one-time key of a form that makes an event (`what`: `new-event`, `clone:<id>`), scoped
/// to the member; `None` when the form carried none (nothing is then held back).
fn made_once(session: &Session, what: &str, once: &str) -> Option<Keyed<event::Model>> {
    let key = IdempotencyKey::new(
        format!("orga:{what}:{}", session.organiser.id),
        once.trim(),
        &serde_json::Value::Null,
    )
    .ok()?;
    Some(Keyed {
        key,
        answer: std::sync::Arc::new(|event: &event::Model| {
            Ok(StoredAnswer {
                status: StatusCode::SEE_OTHER.as_u16(),
                body: String::new(),
                location: Some(format!("/orga/events/{}", event.id)),
            })
        }),
    })
}

/// To the event the form made the first time it was sent.
fn replayed(
    first: &StoredAnswer,
    lang: entity::registration::Language,
    done: &str,
) -> HttpResponse {
    let path = first.location.as_deref().unwrap_or("/orga/");
    see_other(&format!(
        "{path}?lang={}&done={done}",
        crate::pages::code(lang)
    ))
}

/// `GET /orga/events/new`: the form for a new draft.
pub async fn new_form(session: Session) -> Result<HttpResponse, PageError> {
    session.allow(Permission::CreateEvents, None)?;
    let page = form_page(&session, Vec::new(), EventFormView::new_event(), None);
    Ok(render(StatusCode::OK, &page))
}

/// `POST /orga/events/new`: creates the draft (`events::create_as_sender`, as `POST
/// /api/v1/events`) and goes to its page; or the form again with what was typed and the
/// errors at their fields (422; 409 for a slug taken).
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    form: web::Form<EventForm>,
) -> Result<HttpResponse, PageError> {
    check_post(&req, &state, &session, &form.form_token)?;
    session.allow(Permission::CreateEvents, None)?;
    let w = Words::of(session.lang);
    let mut view = EventFormView::refilled(&form);
    let typed = read_typed(&form, &mut view, w);
    let status = match form.create_body(&typed) {
        // The page's own errors first; the API's rules then name what else is wrong.
        None => {
            if let Some(body) = form.create_body(&typed.or_stand_ins()) {
                if let Err(err) = NewEvent::try_from(body) {
                    refusal_into(&mut view, err, session.lang, w)?;
                }
            }
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Some(body) => {
            let once = made_once(&session, "new-event", &form.once);
            let created = match NewEvent::try_from(body) {
                Ok(new) => events::create_as_sender(&state, new, once.as_ref()).await,
                Err(err) => Err(err),
            };
            match created {
                Ok(Once::New(event, _)) => {
                    return Ok(see_other(&event_path(
                        &event.slug,
                        Texts::of(session.lang).lang,
                        Some("created"),
                    )))
                }
                Ok(Once::Replayed(first)) => return Ok(replayed(&first, session.lang, "created")),
                Err(err) => refusal_into(&mut view, err, session.lang, w)?,
            }
        }
    };
    Ok(render(status, &form_page(&session, Vec::new(), view, None)))
}

/// One figure of the event page.
struct Figure {
    label: &'static str,
    value: String,
}

#[derive(Template)]
#[template(path = "backoffice/event.html")]
struct EventPage {
    t: &'static Texts,
    w: &'static Words,
    form_token: String,
    crumbs: Vec<(String, String)>,
    title: String,
    slug: String,
    status: &'static str,
    draft: bool,
    cancelled: bool,
    when: String,
    timezone: String,
    venue: String,
    figures: Vec<Figure>,
    done: Option<&'static str>,
    public_url: String,
    /// Whether the member may make the next edition (a new event): not an organiser limited
    /// to some events.
    may_clone: bool,
}

/// `GET /orga/events/{slug}`: the event's overview with its counts and the way to its other
/// pages and actions.
pub async fn show(
    state: web::Data<AppState>,
    session: Session,
    key: web::Path<String>,
    query: web::Query<Done>,
) -> Result<HttpResponse, PageError> {
    let event = managed_event(&state, &session, &key).await?;
    let t = Texts::of(session.lang);
    let w = Words::of(session.lang);
    let stats = events::stats(&state.db, event.id)
        .await
        .map_err(|err| PageError::Api(session.lang, err))?;
    let count = |rows: &[(String, i64)], key: &str| {
        rows.iter().find(|(k, _)| k == key).map_or(0, |(_, n)| *n)
    };
    let total = |rows: &[(String, i64)]| rows.iter().map(|(_, n)| n).sum::<i64>();
    let figures = vec![
        Figure {
            label: w.field_capacity,
            value: event.capacity.to_string(),
        },
        Figure {
            label: w.seats_left,
            value: (event.capacity - event.confirmed_count - event.pending_count)
                .max(0)
                .to_string(),
        },
        Figure {
            label: t.registrations,
            value: format!(
                "{} {} · {} {} · {} {}",
                event.confirmed_count,
                w.confirmed,
                event.waitlisted_count,
                w.waitlisted,
                event.pending_count,
                w.pending
            ),
        },
        Figure {
            label: w.checked_in,
            value: stats.checked_in.to_string(),
        },
        Figure {
            label: w.pitches,
            value: format!(
                "{} · {}: {}",
                total(&stats.pitches_by_status),
                t.pitches_open,
                count(&stats.pitches_by_status, "submitted")
            ),
        },
        Figure {
            label: w.exhibits,
            value: format!(
                "{} · {}: {}",
                total(&stats.exhibits_by_status),
                t.exhibits_open,
                count(&stats.exhibits_by_status, "submitted")
            ),
        },
    ];
    let done = match query.done.as_deref() {
        Some("created") => Some(w.created),
        Some("saved") => Some(w.saved),
        Some("published") => Some(w.published_now),
        Some("cancelled") => Some(w.cancelled_now),
        Some("cloned") => Some(w.cloned),
        _ => None,
    };
    let summary = EventSummary::new(&state.public_url, &event, session.lang);
    Ok(render(
        StatusCode::OK,
        &EventPage {
            t,
            w,
            form_token: session.form_token.clone(),
            crumbs: Vec::new(),
            may_clone: session.member.may(Permission::CreateEvents, None),
            status: super::dashboard::status_word(t, event.status),
            draft: event.status == EventStatus::Draft,
            cancelled: event.status == EventStatus::Cancelled,
            when: summary.when,
            timezone: event.timezone.clone(),
            venue: [event.venue.as_str(), event.address.as_str()]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", "),
            title: event.title,
            slug: event.slug,
            figures,
            done,
            public_url: summary.url,
        },
    ))
}

/// `GET /orga/events/{slug}/edit`: the form with the event's values and its version.
pub async fn edit_form(
    state: web::Data<AppState>,
    session: Session,
    key: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let event = managed_event(&state, &session, &key).await?;
    let crumbs = vec![crumb(&event, Texts::of(session.lang).lang)];
    let page = form_page(&session, crumbs, EventFormView::of(&event), Some(&event));
    Ok(render(StatusCode::OK, &page))
}

/// `POST /orga/events/{slug}/edit`: saves every field through `events::update` (as `PATCH
/// /api/v1/events/{event}`) if the event is still at the form's version (the API's
/// `If-Match`). If someone changed it meanwhile, nothing is saved: the form comes back (409)
/// with the values sent, the saved ones beside them and the current version, so sending it
/// again saves the sent values knowingly. Bad input: the form again (422).
pub async fn edit(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    key: web::Path<String>,
    form: web::Form<EventForm>,
) -> Result<HttpResponse, PageError> {
    check_post(&req, &state, &session, &form.form_token)?;
    let event = managed_event(&state, &session, &key).await?;
    let t = Texts::of(session.lang);
    let w = Words::of(session.lang);
    let version: i64 = form.version.trim().parse().unwrap_or(0);
    let mut view = EventFormView::refilled(&form);
    let typed = read_typed(&form, &mut view, w);
    let mut page_event = event.clone();
    page_event.version = version;
    let mut conflict = Vec::new();
    let status = match form.update_body(&typed).filter(|_| !view.has_errors()) {
        None => {
            if let Some(body) = form.update_body(&typed.or_stand_ins()) {
                if let Err(err) = EventChanges::try_from(body) {
                    refusal_into(&mut view, err, session.lang, w)?;
                }
            }
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Some(body) => {
            let saved = match EventChanges::try_from(body) {
                Ok(changes) => {
                    events::update(&state, event.id, changes, |before| {
                        if before.version == version {
                            Ok(())
                        } else {
                            Err(ApiError::PreconditionFailed)
                        }
                    })
                    .await
                }
                Err(err) => Err(err),
            };
            match saved {
                Ok(updated) => {
                    return Ok(see_other(&event_path(&updated.slug, t.lang, Some("saved"))))
                }
                Err(ApiError::PreconditionFailed) => {
                    let current = events::find_visible(&state.db, &event.id.to_string(), true)
                        .await
                        .map_err(|err| PageError::Api(session.lang, err))?;
                    conflict = view.differences(&EventFormView::of(&current), w);
                    page_event = current;
                    StatusCode::CONFLICT
                }
                Err(err) => refusal_into(&mut view, err, session.lang, w)?,
            }
        }
    };
    let crumbs = vec![crumb(&event, t.lang)];
    let conflicted = status == StatusCode::CONFLICT && !view.has_errors();
    let mut page = form_page(&session, crumbs, view, Some(&page_event));
    page.action = format!("/orga/events/{}/edit?lang={}", event.slug, t.lang);
    page.conflict = conflict;
    page.conflicted = conflicted;
    Ok(render(status, &page))
}

/// A form with only the session's token (publish, cancel).
#[derive(Debug, Deserialize)]
pub struct TokenOnly {
    #[serde(default)]
    pub(super) form_token: String,
}

/// `POST /orga/events/{slug}/publish`: `events::publish`, as `POST
/// /api/v1/events/{event}/publish`; a cancelled event is a 409 page.
pub async fn publish(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    key: web::Path<String>,
    form: web::Form<TokenOnly>,
) -> Result<HttpResponse, PageError> {
    check_post(&req, &state, &session, &form.form_token)?;
    let event = managed_event(&state, &session, &key).await?;
    let event = events::publish(&state.db, event.id)
        .await
        .map_err(|err| PageError::Api(session.lang, err))?;
    Ok(see_other(&event_path(
        &event.slug,
        Texts::of(session.lang).lang,
        Some("published"),
    )))
}

#[derive(Template)]
#[template(path = "backoffice/event_cancel.html")]
struct CancelPage {
    t: &'static Texts,
    w: &'static Words,
    form_token: String,
    crumbs: Vec<(String, String)>,
    title: String,
    mails: String,
    breakdown: Option<String>,
    action: String,
    back: String,
}

/// `GET /orga/events/{slug}/cancel`: asks first, saying how many people will be mailed
/// (`events::cancel_audience`).
pub async fn cancel_form(
    state: web::Data<AppState>,
    session: Session,
    key: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let event = managed_event(&state, &session, &key).await?;
    if event.status == EventStatus::Cancelled {
        return Ok(see_other(&event_path(
            &event.slug,
            Texts::of(session.lang).lang,
            None,
        )));
    }
    let audience = events::cancel_audience(&state.db, event.id)
        .await
        .map_err(|err| PageError::Api(session.lang, err))?;
    let t = Texts::of(session.lang);
    let w = Words::of(session.lang);
    let total = audience.total();
    Ok(render(
        StatusCode::OK,
        &CancelPage {
            t,
            w,
            form_token: session.form_token.clone(),
            crumbs: vec![crumb(&event, t.lang)],
            mails: if total == 0 {
                w.cancel_nobody.to_owned()
            } else {
                w.cancel_mails.replace("{n}", &total.to_string())
            },
            breakdown: (total > 0).then(|| {
                w.cancel_breakdown
                    .replace("{a}", &audience.attendees.to_string())
                    .replace("{p}", &audience.presenters.to_string())
                    .replace("{x}", &audience.exhibitors.to_string())
            }),
            action: format!("/orga/events/{}/cancel?lang={}", event.slug, t.lang),
            back: event_path(&event.slug, t.lang, None),
            title: event.title,
        },
    ))
}

/// `POST /orga/events/{slug}/cancel`: `events::cancel`, as `POST
/// /api/v1/events/{event}/cancel` (everyone counted on the confirmation is mailed).
pub async fn cancel(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    key: web::Path<String>,
    form: web::Form<TokenOnly>,
) -> Result<HttpResponse, PageError> {
    check_post(&req, &state, &session, &form.form_token)?;
    let event = managed_event(&state, &session, &key).await?;
    let event = events::cancel(&state, event.id)
        .await
        .map_err(|err| PageError::Api(session.lang, err))?;
    Ok(see_other(&event_path(
        &event.slug,
        Texts::of(session.lang).lang,
        Some("cancelled"),
    )))
}

/// The next-edition form's fields.
#[derive(Debug, Default, Deserialize)]
pub struct CloneForm {
    #[serde(default)]
    form_token: String,
    /// The form's one-time key: the form sent twice makes one next edition.
    #[serde(default)]
    once: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    title: String,
}

#[derive(Template)]
#[template(path = "backoffice/event_clone.html")]
struct ClonePage {
    t: &'static Texts,
    w: &'static Words,
    form_token: String,
    once: String,
    crumbs: Vec<(String, String)>,
    action: String,
    timezone: String,
    starts_at: String,
    slug: String,
    title: String,
    errors: Vec<(String, String)>,
}

impl ClonePage {
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
}

fn clone_page(session: &Session, event: &event::Model, form: &CloneForm) -> ClonePage {
    let t = Texts::of(session.lang);
    ClonePage {
        t,
        w: Words::of(session.lang),
        form_token: session.form_token.clone(),
        once: if form.once.is_empty() {
            crate::auth::new_token()
        } else {
            form.once.clone()
        },
        crumbs: vec![crumb(event, t.lang)],
        action: format!("/orga/events/{}/clone?lang={}", event.slug, t.lang),
        timezone: event.timezone.clone(),
        starts_at: form.starts_at.trim().to_owned(),
        slug: form.slug.trim().to_owned(),
        title: form.title.clone(),
        errors: Vec::new(),
    }
}

/// `GET /orga/events/{slug}/clone`: the next edition's form, its start a year after this
/// one's (same local time).
pub async fn clone_form(
    state: web::Data<AppState>,
    session: Session,
    key: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let event = managed_event(&state, &session, &key).await?;
    session.allow(Permission::CreateEvents, None)?;
    let local = in_zone(event.starts_at, &event.timezone);
    let next = chrono::Months::new(12);
    let starts_at = local
        .naive_local()
        .checked_add_months(next)
        .map(|t| t.format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default();
    let form = CloneForm {
        starts_at,
        ..CloneForm::default()
    };
    Ok(render(StatusCode::OK, &clone_page(&session, &event, &form)))
}

/// `POST /orga/events/{slug}/clone`: `events::clone_edition`, as `POST
/// /api/v1/events/{event}/clone` (a member who may create events); to the new draft's page,
/// or the form again (422 bad input, 409 a slug taken).
pub async fn clone(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    key: web::Path<String>,
    form: web::Form<CloneForm>,
) -> Result<HttpResponse, PageError> {
    check_post(&req, &state, &session, &form.form_token)?;
    let event = managed_event(&state, &session, &key).await?;
    session.allow(Permission::CreateEvents, None)?;
    let w = Words::of(session.lang);
    let mut page = clone_page(&session, &event, &form);
    let zone = event.timezone.parse::<Tz>().unwrap_or(chrono_tz::UTC);
    // The typed start in the event's zone, then the API's body and its checks.
    let starts_at = match local_to_rfc3339(&form.starts_at, zone) {
        Ok(value) => value,
        Err(error) => {
            page.errors
                .push(("starts_at".to_owned(), error.message(w).to_owned()));
            placeholder_start()
        }
    };
    let body = CloneEvent {
        starts_at,
        slug: given(&form.slug),
        title: given(&form.title),
    };
    let status = match events::NextEdition::try_from(body) {
        Err(ApiError::Validation { errors, .. }) => {
            for e in errors {
                if page.error(&e.field).is_none() {
                    let message = field_message(&e.field, &e.message, w);
                    page.errors.push((e.field, message));
                }
            }
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(err) => return Err(PageError::Api(session.lang, err)),
        Ok(_) if !page.errors.is_empty() => StatusCode::UNPROCESSABLE_ENTITY,
        Ok(next) => match events::clone_edition(
            &state,
            event.clone(),
            next,
            made_once(&session, &format!("clone:{}", event.id), &form.once).as_ref(),
        )
        .await
        {
            Ok(Once::New(created, _)) => {
                return Ok(see_other(&event_path(
                    &created.slug,
                    Texts::of(session.lang).lang,
                    Some("cloned"),
                )))
            }
            Ok(Once::Replayed(first)) => return Ok(replayed(&first, session.lang, "cloned")),
            Err(ApiError::Validation { errors, .. }) => {
                for e in errors {
                    let message = field_message(&e.field, &e.message, w);
                    page.errors.push((e.field, message));
                }
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Err(ApiError::Conflict(_)) => {
                page.errors
                    .push(("slug".to_owned(), w.err_slug_taken.to_owned()));
                StatusCode::CONFLICT
            }
            Err(err) => return Err(PageError::Api(session.lang, err)),
        },
    };
    Ok(render(status, &page))
}

/// A start that passes the API's checks, for a form whose start the page could not read
/// (its error is recorded already).
fn placeholder_start() -> String {
    "2000-01-01T00:00:00+00:00".to_owned()
}

#[cfg(test)]
mod number_tests {
    #[test]
    fn whole_numbers_are_read_with_thousands_groups_and_decimals_are_refused() {
        use super::whole_number;
        assert_eq!(whole_number("150"), Some(150));
        assert_eq!(whole_number(" 1.000 "), Some(1000));
        assert_eq!(whole_number("1,000"), Some(1000));
        assert_eq!(whole_number("1 000 000"), Some(1_000_000));
        assert_eq!(whole_number("-1"), Some(-1));
        for refused in [
            "1.5",
            "1,5",
            "15.00",
            "1.0000",
            "",
            "abc",
            "1e9",
            "1..000",
            "12345.678",
        ] {
            assert_eq!(whole_number(refused), None, "{refused}");
        }
    }
}
