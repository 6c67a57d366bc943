//! The attendees of one event (issue 28): the list with search, filters, paging and counts
//! (`GET /orga/events/{slug}/attendees`), its CSV and XLSX downloads, one person's page with
//! their answers, mail and check-in, and the forms that change a person: edit, cancel, erase,
//! check in and undo, and add a person by hand. Each handler guards the role, parses the form
//! into the domain values and calls the service the API calls.
use std::collections::BTreeMap;

use actix_web::{http::header, http::StatusCode, web, HttpRequest, HttpResponse, ResponseError};
use askama::Template;
use entity::{
    event,
    outbox::OutboxStatus,
    registration::{Language, RegistrationStatus, Sector},
    registration_question::{self, QuestionKind},
};
use serde::Deserialize;
use uuid::Uuid;

use super::people_texts::PeopleTexts;
use super::{refuse_cross_site, PageError, Session, Texts};
use crate::domain::member::Permission;
use crate::domain::{time::now, Validator};
use crate::error::ApiError;
use crate::pages::form::{FormView, QuestionView, RegisterForm};
use crate::pages::{render, see_other};
use crate::services::questions::{self, RawAnswer};
use crate::services::registrations::edit::{self, AttendeeEdit};
use crate::services::registrations::{
    self, change_by_token, desk::Desked, export, After, Change, ListFilter, Sort,
};
use crate::services::{check_in, events};
use crate::state::AppState;

/// Rows per page of the list.
pub const PAGE_SIZE: u64 = 50;

/// The event of a path's `{slug}` if the member may do `permission` to it: 403 for an event
/// outside the member's events (also for a slug that names no event, as the API answers), 404
/// for an unknown slug otherwise.
async fn event_for(
    state: &AppState,
    session: &Session,
    slug: &str,
    permission: Permission,
) -> Result<event::Model, PageError> {
    if !session.member.may_key(permission, Some(slug)) {
        return Err(PageError::Forbidden(session.lang));
    }
    let event = events::find_visible(&state.db, slug, true)
        .await
        .map_err(|err| PageError::Api(session.lang, err))?;
    session.allow(permission, Some(event.id))?;
    Ok(event)
}

fn api(lang: Language) -> impl Fn(ApiError) -> PageError {
    move |err| PageError::Api(lang, err)
}

/// A backoffice address with the page's language kept.
fn with_lang(path: &str, lang: Language) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}lang={}", crate::pages::code(lang))
}

/// The words of a status in the page's language.
pub fn status_word(p: &PeopleTexts, status: RegistrationStatus) -> &'static str {
    match status {
        RegistrationStatus::Confirmed => p.status_confirmed,
        RegistrationStatus::Waitlisted => p.status_waitlisted,
        RegistrationStatus::Pending => p.status_pending,
        RegistrationStatus::Cancelled => p.status_cancelled,
        RegistrationStatus::Expired => p.status_expired,
    }
}

const STATUSES: [(&str, RegistrationStatus); 5] = [
    ("confirmed", RegistrationStatus::Confirmed),
    ("pending", RegistrationStatus::Pending),
    ("waitlisted", RegistrationStatus::Waitlisted),
    ("cancelled", RegistrationStatus::Cancelled),
    ("expired", RegistrationStatus::Expired),
];

const SECTORS: [(&str, Sector); 4] = [
    ("business", Sector::Business),
    ("science", Sector::Science),
    ("politics", Sector::Politics),
    ("other", Sector::Other),
];

// ---------------------------------------------------------------------------------------------
// The list

/// The list's filters as the search form sends them (the API's names; empty means any).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub sector: String,
    /// `true`, `false` or empty.
    #[serde(default)]
    pub checked_in: String,
    /// `<question id>:<value>` or empty.
    #[serde(default)]
    pub answer: String,
    /// The next page's cursor (`registrations::After::to_cursor`).
    #[serde(default)]
    pub cursor: String,
}

impl ListQuery {
    /// The filter, or the fields in error (field name and message).
    fn filter(&self, p: &PeopleTexts) -> Result<ListFilter, Vec<(&'static str, &'static str)>> {
        let mut errors = Vec::new();
        let mut filter = ListFilter::default();
        let q = self.q.trim();
        if q.chars().count() > 200 {
            errors.push(("q", p.err_q));
        } else if !q.is_empty() {
            filter.q = Some(q.to_owned());
        }
        match self.status.trim() {
            "" => {}
            word => match STATUSES.iter().find(|(w, _)| *w == word) {
                Some((_, status)) => filter.statuses.push(*status),
                None => errors.push(("status", p.err_choice)),
            },
        }
        match self.sector.trim() {
            "" => {}
            word => match SECTORS.iter().find(|(w, _)| *w == word) {
                Some((_, sector)) => filter.sector = Some(*sector),
                None => errors.push(("sector", p.err_choice)),
            },
        }
        match self.checked_in.trim() {
            "" => {}
            "true" => filter.checked_in = Some(true),
            "false" => filter.checked_in = Some(false),
            _ => errors.push(("checked_in", p.err_choice)),
        }
        if !self.answer.trim().is_empty() {
            match self
                .answer
                .split_once(':')
                .map(|(id, value)| (Uuid::parse_str(id.trim()), value.trim()))
            {
                Some((Ok(id), value)) if !value.is_empty() => {
                    filter.answer = Some((id, value.to_owned()))
                }
                _ => errors.push(("answer", p.err_choice)),
            }
        }
        if errors.is_empty() {
            Ok(filter)
        } else {
            Err(errors)
        }
    }

    /// The filters as a query string (without the cursor), for the page links and downloads.
    fn query_string(&self, lang: Language) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("q", self.q.trim())
            .append_pair("status", self.status.trim())
            .append_pair("sector", self.sector.trim())
            .append_pair("checked_in", self.checked_in.trim())
            .append_pair("answer", self.answer.trim())
            .append_pair("lang", crate::pages::code(lang))
            .finish()
    }
}

/// One choice of a `<select>`: value, label, selected.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn options(choices: Vec<(String, String)>, chosen: &str) -> Vec<Choice> {
    choices
        .into_iter()
        .map(|(value, label)| Choice {
            selected: value == chosen.trim(),
            value,
            label,
        })
        .collect()
}

/// One row of the list.
pub struct Row {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub organisation: String,
    pub status: &'static str,
    pub checked_in: String,
}

#[derive(Template)]
#[template(path = "backoffice/attendees.html")]
struct ListPage {
    t: &'static Texts,
    p: &'static PeopleTexts,
    form_token: String,
    event_title: String,
    slug: String,
    query: ListQuery,
    errors: Vec<(&'static str, &'static str)>,
    statuses: Vec<Choice>,
    sectors: Vec<Choice>,
    checked: Vec<Choice>,
    answers: Vec<Choice>,
    counts: Vec<(&'static str, i64)>,
    checked_in_count: i64,
    total: u64,
    rows: Vec<Row>,
    filters: String,
    next: Option<String>,
    first: Option<String>,
}

impl ListPage {
    fn error(&self, field: &str) -> Option<&'static str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| *m)
    }
}

/// The `answer` filter's choices: each choice of the event's choice and yes/no questions.
fn answer_choices(
    asked: &[registration_question::Model],
    lang: Language,
    p: &PeopleTexts,
) -> Vec<(String, String)> {
    let de = lang == Language::De;
    let mut out = vec![(String::new(), p.any.to_owned())];
    for q in asked {
        let label = if de { &q.label_de } else { &q.label_en };
        match q.kind {
            QuestionKind::YesNo => {
                out.push((format!("{}:yes", q.id), format!("{label}: {}", p.yes)));
                out.push((format!("{}:no", q.id), format!("{label}: {}", p.no)));
            }
            QuestionKind::OneChoice | QuestionKind::ManyChoices => {
                for c in questions::choices(q) {
                    let text = if de { c.de } else { c.en };
                    out.push((format!("{}:{}", q.id, c.key), format!("{label}: {text}")));
                }
            }
            QuestionKind::ShortText | QuestionKind::LongText => {}
        }
    }
    out
}

/// `GET /orga/events/{slug}/attendees`: the filtered list, a page at a time, with the counts.
pub async fn list(
    state: web::Data<AppState>,
    session: Session,
    slug: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let event = event_for(&state, &session, &slug, Permission::Manage).await?;
    let lang = session.lang;
    let (t, p) = (Texts::of(lang), PeopleTexts::of(lang));
    let query = query.into_inner();
    let asked = questions::list(&state.db, event.id)
        .await
        .map_err(api(lang))?;
    let stats = events::stats(&state.db, event.id)
        .await
        .map_err(api(lang))?;
    let sort = Sort::default();
    let (filter, mut errors) = match query.filter(p) {
        Ok(filter) => (Some(filter), Vec::new()),
        Err(errors) => (None, errors),
    };
    let after = match query.cursor.trim() {
        "" => None,
        cursor => {
            let after = After::from_cursor(cursor, sort);
            if after.is_none() {
                errors.push(("cursor", p.err_cursor));
            }
            after
        }
    };
    let page = match filter {
        Some(filter) if errors.is_empty() => Some(
            registrations::list(
                &state.db,
                &event.id.to_string(),
                &filter,
                sort,
                after,
                PAGE_SIZE,
            )
            .await
            .map_err(api(lang))?,
        ),
        _ => None,
    };
    let filters = query.query_string(lang);
    let base = format!("/orga/events/{}/attendees", event.slug);
    let (rows, total, next) = match page {
        Some(page) => (
            page.items
                .into_iter()
                .map(|m| Row {
                    id: m.id,
                    name: if m.erased_at.is_some() {
                        p.erased.to_owned()
                    } else {
                        m.name
                    },
                    email: m.email,
                    organisation: m.organisation,
                    status: status_word(p, m.status),
                    checked_in: m
                        .checked_in_at
                        .map(|at| check_in::moment(at, &event.timezone, now(), lang))
                        .unwrap_or_default(),
                })
                .collect(),
            page.total,
            page.next
                .map(|after| format!("{base}?{filters}&cursor={}", after.to_cursor())),
        ),
        None => (Vec::new(), 0, None),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let counts = STATUSES
        .iter()
        .map(|(word, s)| {
            let n = stats
                .registrations_by_status
                .iter()
                .find(|(k, _)| k == word)
                .map_or(0, |(_, n)| *n);
            (status_word(p, *s), n)
        })
        .collect();
    let mut statuses = vec![(String::new(), p.any.to_owned())];
    statuses.extend(
        STATUSES
            .iter()
            .map(|(w, s)| ((*w).to_owned(), status_word(p, *s).to_owned())),
    );
    let mut sectors = vec![(String::new(), p.any.to_owned())];
    sectors.extend(SECTORS.iter().map(|(w, s)| {
        (
            (*w).to_owned(),
            crate::domain::choice::sector_name(*s, lang).to_owned(),
        )
    }));
    let checked = vec![
        (String::new(), p.any.to_owned()),
        ("true".to_owned(), p.checked_in_yes.to_owned()),
        ("false".to_owned(), p.checked_in_no.to_owned()),
    ];
    Ok(render(
        status,
        &ListPage {
            t,
            p,
            form_token: session.form_token.clone(),
            event_title: event.title.clone(),
            slug: event.slug.clone(),
            statuses: options(statuses, &query.status),
            sectors: options(sectors, &query.sector),
            checked: options(checked, &query.checked_in),
            answers: options(answer_choices(&asked, lang, p), &query.answer),
            counts,
            checked_in_count: stats.checked_in,
            total,
            rows,
            first: (!query.cursor.trim().is_empty()).then(|| format!("{base}?{filters}")),
            filters,
            next,
            errors,
            query,
        },
    ))
}

/// `GET /orga/events/{slug}/attendees.csv`: what the list's filters show, as CSV (German
/// pages: `;`-separated with German labels).
pub async fn download_csv(
    state: web::Data<AppState>,
    session: Session,
    slug: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let (table, lang) = download_table(&state, &session, &slug, &query).await?;
    let delimiter = if lang == Language::De { ';' } else { ',' };
    Ok(download(
        "text/csv; charset=utf-8",
        &format!("{}-registrations.csv", table.event_slug),
        export::csv(&table, delimiter).into_bytes(),
    ))
}

/// `GET /orga/events/{slug}/attendees.xlsx`: what the list's filters show, as a workbook.
pub async fn download_xlsx(
    state: web::Data<AppState>,
    session: Session,
    slug: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let (table, lang) = download_table(&state, &session, &slug, &query).await?;
    let bytes = export::xlsx(&table).map_err(api(lang))?;
    Ok(download(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("{}-registrations.xlsx", table.event_slug),
        bytes,
    ))
}

async fn download_table(
    state: &AppState,
    session: &Session,
    slug: &str,
    query: &ListQuery,
) -> Result<(export::Table, Language), PageError> {
    let event = event_for(state, session, slug, Permission::Manage).await?;
    let lang = session.lang;
    let filter = query.filter(PeopleTexts::of(lang)).map_err(|errors| {
        PageError::Api(
            lang,
            ApiError::validation(
                errors
                    .into_iter()
                    .map(|(field, message)| crate::error::FieldError::new(field, message))
                    .collect(),
            ),
        )
    })?;
    let table = export::table(
        &state.db,
        &event.id.to_string(),
        &filter,
        Sort::default(),
        lang == Language::De,
    )
    .await
    .map_err(api(lang))?;
    Ok((table, lang))
}

fn download(content_type: &str, filename: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type.to_owned())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

// ---------------------------------------------------------------------------------------------
// One person

/// One mail sent (or to be sent) to the person.
pub struct MailRow {
    pub subject: String,
    pub kind: String,
    pub state: &'static str,
    pub failed: bool,
    pub reason: String,
    pub when: String,
}

#[derive(Template)]
#[template(path = "backoffice/attendee.html")]
struct PersonPage {
    t: &'static Texts,
    p: &'static PeopleTexts,
    form_token: String,
    event_title: String,
    slug: String,
    id: Uuid,
    notice: Option<&'static str>,
    problem: Option<String>,
    name: String,
    email: String,
    organisation: String,
    sector: &'static str,
    language: &'static str,
    status: &'static str,
    waitlist_position: Option<i64>,
    registered: String,
    checked_in: Option<String>,
    may_check_in: bool,
    active: bool,
    erased: bool,
    answers: Vec<(String, String)>,
    mails: Vec<MailRow>,
}

/// What the person page says after an action (`?done=`).
#[derive(Debug, Default, Deserialize)]
pub struct Done {
    #[serde(default)]
    done: String,
}

/// `GET /orga/events/{slug}/attendees/{id}`.
pub async fn show(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, Uuid)>,
    done: web::Query<Done>,
) -> Result<HttpResponse, PageError> {
    let (slug, id) = path.into_inner();
    let event = event_for(&state, &session, &slug, Permission::Manage).await?;
    let p = PeopleTexts::of(session.lang);
    let notice = match done.done.as_str() {
        "checked_in" => Some(p.done_checked_in),
        "undone" => Some(p.done_undone),
        "saved" => Some(p.done_saved),
        "cancelled" => Some(p.done_cancelled),
        "erased" => Some(p.done_erased),
        "added" => Some(p.done_added),
        _ => None,
    };
    person(&state, &session, &event, id, notice, None, StatusCode::OK).await
}

async fn person(
    state: &AppState,
    session: &Session,
    event: &event::Model,
    id: Uuid,
    notice: Option<&'static str>,
    problem: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let lang = session.lang;
    let (t, p) = (Texts::of(lang), PeopleTexts::of(lang));
    let found = registrations::find_by_id(&state.db, event.id, id)
        .await
        .map_err(api(lang))?;
    let m = found.registration;
    let answers = questions::answers_of(&state.db, &[id])
        .await
        .map_err(api(lang))?;
    let de = lang == Language::De;
    let mut given: Vec<(String, String)> = Vec::new();
    for row in answers.get(&id).into_iter().flatten() {
        let label = if de { &row.label_de } else { &row.label_en };
        let value = if de { &row.value_de } else { &row.value_en };
        match given.last_mut() {
            Some((l, v)) if l == label => {
                v.push_str(", ");
                v.push_str(value);
            }
            _ => given.push((label.clone(), value.clone())),
        }
    }
    let mails = crate::mail::of_record(&state.db, id, 100)
        .await
        .map_err(|err| PageError::Api(lang, err.into()))?
        .into_iter()
        .map(|mail| mail_row(p, &event.timezone, lang, mail))
        .collect();
    let zone = &event.timezone;
    Ok(render(
        status,
        &PersonPage {
            t,
            p,
            form_token: session.form_token.clone(),
            event_title: event.title.clone(),
            slug: event.slug.clone(),
            id,
            notice,
            problem,
            name: if m.erased_at.is_some() {
                p.erased.to_owned()
            } else {
                m.name.clone()
            },
            email: m.email.clone(),
            organisation: m.organisation.clone(),
            sector: crate::domain::choice::sector_name(m.sector, lang),
            language: match m.language {
                Language::De => "Deutsch",
                Language::En => "English",
            },
            status: status_word(p, m.status),
            waitlist_position: found.waitlist_position,
            registered: check_in::moment(m.created_at, zone, now(), lang),
            checked_in: m
                .checked_in_at
                .map(|at| check_in::moment(at, zone, now(), lang)),
            may_check_in: m.status == RegistrationStatus::Confirmed && m.erased_at.is_none(),
            active: registrations::ACTIVE.contains(&m.status) && m.erased_at.is_none(),
            erased: m.erased_at.is_some(),
            answers: given,
            mails,
        },
    ))
}

/// A mail as the person page and the mail page show it.
pub fn mail_row(
    p: &PeopleTexts,
    zone: &str,
    lang: Language,
    mail: entity::outbox::Model,
) -> MailRow {
    MailRow {
        subject: mail.subject,
        kind: mail.kind,
        state: match mail.status {
            OutboxStatus::Pending => p.mail_pending,
            OutboxStatus::Sent => p.mail_sent,
            OutboxStatus::Failed => p.mail_failed,
        },
        failed: mail.status == OutboxStatus::Failed,
        reason: mail.last_error.unwrap_or_default(),
        when: check_in::moment(mail.sent_at.unwrap_or(mail.created_at), zone, now(), lang),
    }
}

/// The hidden field of every form.
#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    form_token: String,
}

/// A check of a form `POST`: from podium's own page, with this session's token.
fn check_post(
    req: &HttpRequest,
    state: &AppState,
    session: &Session,
    form_token: &str,
) -> Result<(), PageError> {
    refuse_cross_site(req, &state.public_url)?;
    session.check_form_token(form_token)
}

fn back_to_person(event: &event::Model, id: Uuid, done: &str, lang: Language) -> HttpResponse {
    see_other(&with_lang(
        &format!("/orga/events/{}/attendees/{id}?done={done}", event.slug),
        lang,
    ))
}

/// A service's refusal (409) shown on the person page; other errors as error pages.
async fn refused(
    state: &AppState,
    session: &Session,
    event: &event::Model,
    id: Uuid,
    err: ApiError,
) -> Result<HttpResponse, PageError> {
    let status = err.status_code();
    if status == StatusCode::CONFLICT {
        let p = PeopleTexts::of(session.lang);
        return person(
            state,
            session,
            event,
            id,
            None,
            Some(p.refused.to_owned()),
            status,
        )
        .await;
    }
    Err(PageError::Api(session.lang, err))
}

/// `POST /orga/events/{slug}/attendees/{id}/check-in`: the door's and the API's check-in.
pub async fn check_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    path: web::Path<(String, Uuid)>,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, PageError> {
    set_checked_in(state, req, session, path, form, true).await
}

/// `POST /orga/events/{slug}/attendees/{id}/undo-check-in`.
pub async fn undo_check_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    path: web::Path<(String, Uuid)>,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, PageError> {
    set_checked_in(state, req, session, path, form, false).await
}

async fn set_checked_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    path: web::Path<(String, Uuid)>,
    form: web::Form<TokenForm>,
    checked_in: bool,
) -> Result<HttpResponse, PageError> {
    let (slug, id) = path.into_inner();
    let event = event_for(&state, &session, &slug, Permission::CheckIn).await?;
    check_post(&req, &state, &session, &form.form_token)?;
    match registrations::set_checked_in(&state.db, event.id, id, checked_in).await {
        Ok(_) => Ok(back_to_person(
            &event,
            id,
            if checked_in { "checked_in" } else { "undone" },
            session.lang,
        )),
        Err(err) => refused(&state, &session, &event, id, err).await,
    }
}

#[derive(Template)]
#[template(path = "backoffice/attendee_confirm.html")]
struct ConfirmPage {
    t: &'static Texts,
    p: &'static PeopleTexts,
    form_token: String,
    event_title: String,
    slug: String,
    id: Uuid,
    name: String,
    title: &'static str,
    explain: &'static str,
    action: &'static str,
    button: &'static str,
}

/// `GET /orga/events/{slug}/attendees/{id}/cancel`: what cancelling does, and its button.
pub async fn confirm_cancel(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, PageError> {
    confirm(state, session, path, "cancel").await
}

/// `GET /orga/events/{slug}/attendees/{id}/erase`: what erasing does, and its button.
pub async fn confirm_erase(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, PageError> {
    confirm(state, session, path, "erase").await
}

async fn confirm(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, Uuid)>,
    action: &'static str,
) -> Result<HttpResponse, PageError> {
    let (slug, id) = path.into_inner();
    let event = event_for(&state, &session, &slug, Permission::Manage).await?;
    let lang = session.lang;
    let (t, p) = (Texts::of(lang), PeopleTexts::of(lang));
    let found = registrations::find_by_id(&state.db, event.id, id)
        .await
        .map_err(api(lang))?;
    let (title, explain, button) = if action == "cancel" {
        (p.cancel_title, p.cancel_explain, p.cancel_button)
    } else {
        (p.erase_title, p.erase_explain, p.erase_button)
    };
    Ok(render(
        StatusCode::OK,
        &ConfirmPage {
            t,
            p,
            form_token: session.form_token.clone(),
            event_title: event.title.clone(),
            slug: event.slug.clone(),
            id,
            name: found.registration.name,
            title,
            explain,
            action,
            button,
        },
    ))
}

/// `POST /orga/events/{slug}/attendees/{id}/cancel`: the attendee's own cancellation (the
/// seat goes to the waitlist, the person is mailed), done by the organiser.
pub async fn cancel(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    path: web::Path<(String, Uuid)>,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, PageError> {
    let (slug, id) = path.into_inner();
    let event = event_for(&state, &session, &slug, Permission::Manage).await?;
    check_post(&req, &state, &session, &form.form_token)?;
    let found = registrations::find_by_id(&state.db, event.id, id)
        .await
        .map_err(api(session.lang))?;
    let token = registrations::manage_token(&found.registration);
    match change_by_token(&state, &token, Change::Cancel, None).await {
        Ok(_) => Ok(back_to_person(&event, id, "cancelled", session.lang)),
        Err(err) => refused(&state, &session, &event, id, err).await,
    }
}

/// `POST /orga/events/{slug}/attendees/{id}/erase`: the API's erasure (GDPR Art. 17).
pub async fn erase(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    path: web::Path<(String, Uuid)>,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, PageError> {
    let (slug, id) = path.into_inner();
    let event = event_for(&state, &session, &slug, Permission::Manage).await?;
    check_post(&req, &state, &session, &form.form_token)?;
    registrations::erase_attendee(&state, event.id, id)
        .await
        .map_err(api(session.lang))?;
    Ok(back_to_person(&event, id, "erased", session.lang))
}

// ---------------------------------------------------------------------------------------------
// Edit and add

#[derive(Template)]
#[template(path = "backoffice/attendee_form.html")]
struct FormPage {
    t: &'static Texts,
    p: &'static PeopleTexts,
    form_token: String,
    event_title: String,
    slug: String,
    /// `None`: a new person.
    id: Option<Uuid>,
    form: FormView,
    questions: Vec<QuestionView>,
    sectors: Vec<(&'static str, &'static str)>,
    /// The edit form's fingerprint of the person as shown (`edit::edit_fingerprint`).
    was: Option<String>,
}

impl FormPage {
    fn title(&self) -> &'static str {
        if self.id.is_some() {
            self.p.edit_title
        } else {
            self.p.add_title
        }
    }

    fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/orga/events/{}/attendees/{id}/edit", self.slug),
            None => format!("/orga/events/{}/attendees/new", self.slug),
        }
    }
}

fn form_page(
    session: &Session,
    event: &event::Model,
    id: Option<Uuid>,
    form: FormView,
    asked: &[registration_question::Model],
) -> FormPage {
    let lang = session.lang;
    FormPage {
        t: Texts::of(lang),
        p: PeopleTexts::of(lang),
        form_token: session.form_token.clone(),
        event_title: event.title.clone(),
        slug: event.slug.clone(),
        id,
        questions: form.questions(asked, lang),
        form,
        sectors: SECTORS
            .iter()
            .map(|(w, s)| (*w, crate::domain::choice::sector_name(*s, lang)))
            .collect(),
        was: None,
    }
}

/// `GET /orga/events/{slug}/attendees/{id}/edit`: name, organisation and answers as they are.
pub async fn edit_form(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, PageError> {
    let (slug, id) = path.into_inner();
    let event = event_for(&state, &session, &slug, Permission::Manage).await?;
    let lang = session.lang;
    let found = registrations::find_by_id(&state.db, event.id, id)
        .await
        .map_err(api(lang))?;
    let asked = questions::list(&state.db, event.id)
        .await
        .map_err(api(lang))?;
    let answers = questions::answers_of(&state.db, &[id])
        .await
        .map_err(api(lang))?;
    let mut given: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in answers.get(&id).into_iter().flatten() {
        given
            .entry(row.question_id.to_string())
            .or_default()
            .push(row.value.clone());
    }
    let m = found.registration;
    let was = edit::edit_fingerprint(
        &m.name,
        &m.organisation,
        answers
            .get(&id)
            .into_iter()
            .flatten()
            .filter(|row| asked.iter().any(|q| q.id == row.question_id))
            .map(|row| (row.question_id, row.value.as_str())),
    );
    let form = FormView {
        name: m.name,
        organisation: m.organisation,
        answers: given,
        ..FormView::empty(lang)
    };
    let mut page = form_page(&session, &event, Some(id), form, &asked);
    page.was = Some(was);
    Ok(render(StatusCode::OK, &page))
}

/// `POST /orga/events/{slug}/attendees/{id}/edit`: checked as a registration is
/// (`AttendeeEdit::check`), written by `registrations::edit::edit_attendee`; refused: the form
/// again (422) with what was typed and each error at its field.
pub async fn edit_save(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    path: web::Path<(String, Uuid)>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let (slug, id) = path.into_inner();
    let event = event_for(&state, &session, &slug, Permission::Manage).await?;
    let pairs = form.into_inner();
    let token = field(&pairs, "form_token");
    check_post(&req, &state, &session, &token)?;
    let lang = session.lang;
    let public = crate::pages::Texts::of(lang);
    let was = Some(field(&pairs, "was")).filter(|w| !w.is_empty());
    let sent = RegisterForm::from_pairs(pairs);
    let asked = questions::list(&state.db, event.id)
        .await
        .map_err(api(lang))?;
    let mut v = Validator::new();
    let edit = AttendeeEdit::check(
        &mut v,
        &sent.name,
        &sent.organisation,
        sent.answers
            .iter()
            .filter(|(id, _)| asked.iter().any(|q| q.id.to_string() == **id))
            .map(|(id, values)| (id.clone(), RawAnswer::Form(values.clone())))
            .collect(),
        &asked,
    );
    let Some(edit) = edit else {
        let mut view = FormView::refilled(&sent);
        if let Err(ApiError::Validation { errors, .. }) = v.finish() {
            for e in errors {
                if e.field == "name" {
                    view.errors.push(crate::pages::form::FieldError {
                        field: "name",
                        message: public.err_name,
                    });
                } else if e.field == "organisation" {
                    view.errors.push(crate::pages::form::FieldError {
                        field: "organisation",
                        message: public.err_organisation,
                    });
                } else if let Some(q) = e.field.strip_prefix("answers.") {
                    // As the registration form says it: a required question left empty, or
                    // an answer the question does not take.
                    let required = asked.iter().any(|a| a.id.to_string() == q && a.required);
                    let unanswered = sent
                        .answers
                        .get(q)
                        .is_none_or(|values| values.iter().all(|v| v.trim().is_empty()));
                    let message = if required && unanswered {
                        public.err_answer_required
                    } else {
                        public.err_answer_invalid
                    };
                    view.answer_errors.insert(q.to_owned(), message);
                }
            }
        }
        let mut page = form_page(&session, &event, Some(id), view, &asked);
        page.was = was;
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    let edit = AttendeeEdit { was, ..edit };
    match edit::edit_attendee(&state.db, event.id, id, edit, &asked).await {
        Ok(_) => Ok(back_to_person(&event, id, "saved", lang)),
        // Someone saved this person meanwhile: their page as it is now, and nothing of this
        // edit written over it.
        Err(ApiError::PreconditionFailed) => {
            let p = PeopleTexts::of(lang);
            let problem = Some(p.changed_meanwhile.to_owned());
            person(
                &state,
                &session,
                &event,
                id,
                None,
                problem,
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(err) => refused(&state, &session, &event, id, err).await,
    }
}

fn field(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .rev()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// `GET /orga/events/{slug}/attendees/new`: the registration form for a person added by hand.
pub async fn add_form(
    state: web::Data<AppState>,
    session: Session,
    slug: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let event = event_for(&state, &session, &slug, Permission::Manage).await?;
    let asked = questions::list(&state.db, event.id)
        .await
        .map_err(api(session.lang))?;
    let form = FormView::empty(session.lang);
    Ok(render(
        StatusCode::OK,
        &form_page(&session, &event, None, form, &asked),
    ))
}

/// `POST /orga/events/{slug}/attendees/new`: a registration as the public form and the API
/// make it (the same checks, `RegisterForm::parse`, and the same desk: the seat rules, the
/// registration window and the mails hold for a guest of honour too); the consent box says the
/// person agreed. Refused: the form again with what was typed and the errors.
pub async fn add(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    slug: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let event = event_for(&state, &session, &slug, Permission::Manage).await?;
    let pairs = form.into_inner();
    let token = field(&pairs, "form_token");
    check_post(&req, &state, &session, &token)?;
    let lang = session.lang;
    let public = crate::pages::Texts::of(lang);
    let sent = RegisterForm::from_pairs(pairs);
    let asked = questions::list(&state.db, event.id)
        .await
        .map_err(api(lang))?;
    let refill = |status: StatusCode, view: FormView| {
        render(status, &form_page(&session, &event, None, view, &asked))
    };
    let new = match sent.parse(public, &asked) {
        Ok(new) => new,
        Err((errors, answer_errors)) => {
            let mut view = FormView::refilled(&sent);
            view.errors = errors;
            view.answer_errors = answer_errors;
            return Ok(refill(StatusCode::UNPROCESSABLE_ENTITY, view));
        }
    };
    let done = match registrations::check_open(&event, now()) {
        Ok(()) => state.desk.register(event.id, new, None).await,
        Err(err) => Err(err),
    };
    match done {
        Ok(Desked::New(registered, _)) => {
            state.wake_mailer();
            Ok(back_to_person(
                &event,
                registered.registration.id,
                "added",
                lang,
            ))
        }
        Ok(Desked::Replayed(_)) => Ok(see_other(&with_lang(
            &format!("/orga/events/{}/attendees", event.slug),
            lang,
        ))),
        Err(err) if err.status_code() == StatusCode::CONFLICT => {
            let mut view = FormView::refilled(&sent);
            let detail = err.to_string();
            if detail.contains("already registered") {
                view.errors.push(crate::pages::form::FieldError {
                    field: "email",
                    message: public.err_duplicate,
                });
            } else if detail.contains("full") {
                view.general.push(public.err_full);
            } else {
                view.general.push(public.err_not_open);
            }
            Ok(refill(StatusCode::CONFLICT, view))
        }
        Err(err) => Err(PageError::Api(lang, err)),
    }
}
