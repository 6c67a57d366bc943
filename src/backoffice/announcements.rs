//! An event's announcements in the backoffice (issue 28; issue 17's announcements): the
//! history with each announcement's counts, and the form that writes one. The form's buttons
//! preview it (`announcements::preview`: the text mail, and the HTML mail in a sandboxed
//! frame), send a test to the signed-in member (`announcements::send_test`) or lead to a
//! confirmation that counts the people; its "Send now" calls `announcements::send_now`, as
//! `POST /api/v1/events/{event}/announcements` does, with the confirmation page's one-time key
//! as the `Idempotency-Key`, so a double click or a reload sends once.
use std::sync::Arc;

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use askama::Template;
use chrono_tz::Tz;
use entity::{event, registration::Language};
use serde::Deserialize;
use serde_json::json;

use super::announce_texts::Say;
use super::event_texts::Words;
use super::events::{check_post, crumb, managed_event, Done};
use super::{PageError, Session, Texts};
use crate::domain::time::long_date;
use crate::error::ApiError;
use crate::pages::{render, see_other};
use crate::services::announcements::{self, Audience, Message};
use crate::services::idempotency::{IdempotencyKey, Keyed, StoredAnswer};
use crate::state::AppState;

/// The audiences in the order the form offers them.
const AUDIENCES: [Audience; 6] = [
    Audience::Confirmed,
    Audience::Waitlisted,
    Audience::CheckedIn,
    Audience::Presenters,
    Audience::Exhibitors,
    Audience::Everyone,
];

/// An audience's name and who it is, in the page's language.
fn audience_words(s: &Say, audience: Audience) -> (&'static str, &'static str) {
    match audience {
        Audience::Confirmed => s.confirmed,
        Audience::Waitlisted => s.waitlisted,
        Audience::CheckedIn => s.checked_in,
        Audience::Presenters => s.presenters,
        Audience::Exhibitors => s.exhibitors,
        Audience::Everyone => s.everyone,
    }
}

/// The announcement form's fields. `action` is the button pressed on the form (`preview`,
/// `test`, `review`; `edit` from the confirmation); `send_key` the confirmation's one-time key.
#[derive(Debug, Default, Deserialize)]
pub struct AnnouncementForm {
    #[serde(default)]
    form_token: String,
    #[serde(default)]
    audience: String,
    #[serde(default)]
    subject_de: String,
    #[serde(default)]
    subject_en: String,
    #[serde(default)]
    text_de: String,
    #[serde(default)]
    text_en: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    send_key: String,
}

/// What the form shows: the values as typed and the errors at their fields.
#[derive(Debug, Clone, Default)]
pub struct AnnouncementView {
    pub audience: String,
    pub subject_de: String,
    pub subject_en: String,
    pub text_de: String,
    pub text_en: String,
    pub errors: Vec<(String, String)>,
}

impl AnnouncementView {
    fn refilled(form: &AnnouncementForm) -> Self {
        Self {
            audience: form.audience.trim().to_owned(),
            subject_de: form.subject_de.clone(),
            subject_en: form.subject_en.clone(),
            text_de: form.text_de.clone(),
            text_en: form.text_en.clone(),
            errors: Vec::new(),
        }
    }

    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// The audiences to choose from: value, name, who it is, chosen.
    pub fn audiences(&self, s: &Say) -> Vec<(&'static str, &'static str, &'static str, bool)> {
        AUDIENCES
            .into_iter()
            .map(|a| {
                let (name, who) = audience_words(s, a);
                (a.name(), name, who, self.audience == a.name())
            })
            .collect()
    }

    /// The message checked by `announcements::message` (the API's rules), or the refusal put
    /// at the form's fields.
    fn message(&mut self, s: &Say, lang: Language) -> Result<Option<Message>, PageError> {
        match announcements::message(
            &self.audience,
            &self.subject_de,
            &self.subject_en,
            &self.text_de,
            &self.text_en,
        ) {
            Ok(message) => Ok(Some(message)),
            Err(ApiError::Validation { errors, .. }) => {
                for e in errors {
                    let message = match e.field.as_str() {
                        "audience" => s.err_audience,
                        "subject_de" | "subject_en" => s.err_subject,
                        _ => s.err_text,
                    };
                    if self.error(&e.field).is_none() {
                        self.errors.push((e.field.clone(), message.to_owned()));
                    }
                }
                Ok(None)
            }
            Err(other) => Err(PageError::Api(lang, other)),
        }
    }
}

/// `/orga/events/{slug}/announcements`
fn base_path(event: &event::Model) -> String {
    format!("/orga/events/{}/announcements", event.slug)
}

/// One sent announcement in the history.
struct Row {
    subject: String,
    other_subject: String,
    other_lang: &'static str,
    when: String,
    audience: &'static str,
    recipients: i32,
    delivered: u64,
    failed: u64,
    waiting: u64,
}

#[derive(Template)]
#[template(path = "backoffice/announcements.html")]
struct HistoryPage {
    t: &'static Texts,
    w: &'static Words,
    s: &'static Say,
    form_token: String,
    crumbs: Vec<(String, String)>,
    event_title: String,
    base: String,
    rows: Vec<Row>,
    done: Option<&'static str>,
}

/// A moment as the event's people read it: the date and the time of day in the event's zone.
fn local_time(event: &event::Model, at: chrono::DateTime<chrono::Utc>, lang: Language) -> String {
    let zone = event.timezone.parse::<Tz>().unwrap_or(chrono_tz::UTC);
    let local = at.with_timezone(&zone);
    format!("{}, {}", long_date(&local, lang), local.format("%H:%M"))
}

/// `GET /orga/events/{slug}/announcements`: the sent announcements, newest first, each with
/// how many people it went to and how many mails were delivered, failed or still wait.
pub async fn history(
    state: web::Data<AppState>,
    session: Session,
    key: web::Path<String>,
    query: web::Query<Done>,
) -> Result<HttpResponse, PageError> {
    let event = managed_event(&state, &session, &key).await?;
    let sent = announcements::list(&state.db, event.id)
        .await
        .map_err(|err| PageError::Api(session.lang, err))?;
    let t = Texts::of(session.lang);
    let s = Say::of(session.lang);
    let de = session.lang == Language::De;
    let rows = sent
        .into_iter()
        .map(|sent| {
            let a = &sent.announcement;
            let recipients = u64::try_from(a.recipients).unwrap_or(0);
            Row {
                subject: if de { &a.subject_de } else { &a.subject_en }.clone(),
                other_subject: if de { &a.subject_en } else { &a.subject_de }.clone(),
                other_lang: if de { "en" } else { "de" },
                when: local_time(&event, a.created_at, session.lang),
                audience: Audience::parse(&a.audience).map_or("", |x| audience_words(s, x).0),
                recipients: a.recipients,
                delivered: sent.delivered,
                failed: sent.failed,
                waiting: recipients.saturating_sub(sent.delivered + sent.failed),
            }
        })
        .collect();
    let page = HistoryPage {
        t,
        w: Words::of(session.lang),
        s,
        form_token: session.form_token.clone(),
        crumbs: vec![crumb(&event, t.lang)],
        event_title: event.title.clone(),
        base: base_path(&event),
        rows,
        done: (query.done.as_deref() == Some("sent")).then_some(s.sent_now),
    };
    Ok(render(StatusCode::OK, &page))
}

/// One language's mail in the preview.
struct MailView {
    heading: &'static str,
    lang: &'static str,
    subject: String,
    text: String,
    /// The HTML mail, shown in a sandboxed frame (`srcdoc`: no scripts, no requests of its own).
    html: String,
}

#[derive(Template)]
#[template(path = "backoffice/announcement_new.html")]
struct ComposePage {
    t: &'static Texts,
    w: &'static Words,
    s: &'static Say,
    form_token: String,
    crumbs: Vec<(String, String)>,
    event_title: String,
    action: String,
    form: AnnouncementView,
    /// After "Preview": how many people, and the mails.
    goes_to: Option<String>,
    mails: Vec<MailView>,
    /// After "Send a test to me".
    done: Option<String>,
}

fn compose_page(session: &Session, event: &event::Model, form: AnnouncementView) -> ComposePage {
    let t = Texts::of(session.lang);
    let s = Say::of(session.lang);
    let base = base_path(event);
    ComposePage {
        t,
        w: Words::of(session.lang),
        s,
        form_token: session.form_token.clone(),
        crumbs: vec![
            crumb(event, t.lang),
            (
                format!("{base}?lang={}", t.lang),
                s.announcements.to_owned(),
            ),
        ],
        event_title: event.title.clone(),
        action: format!("{base}/new?lang={}", t.lang),
        form,
        goes_to: None,
        mails: Vec::new(),
        done: None,
    }
}

/// `GET /orga/events/{slug}/announcements/new`: the empty form (to confirmed attendees).
pub async fn compose(
    state: web::Data<AppState>,
    session: Session,
    key: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let event = managed_event(&state, &session, &key).await?;
    let form = AnnouncementView {
        audience: Audience::Confirmed.name().to_owned(),
        ..AnnouncementView::default()
    };
    Ok(render(
        StatusCode::OK,
        &compose_page(&session, &event, form),
    ))
}

#[derive(Template)]
#[template(path = "backoffice/announcement_confirm.html")]
struct ConfirmPage {
    t: &'static Texts,
    w: &'static Words,
    s: &'static Say,
    form_token: String,
    crumbs: Vec<(String, String)>,
    count: String,
    audience: &'static str,
    form: AnnouncementView,
    send_key: String,
    send_action: String,
    back_action: String,
}

/// `POST /orga/events/{slug}/announcements/new`: the form's buttons. `preview`: the form
/// again with the number of people and both mails (`announcements::preview`); `test`: the
/// mails to the member's own address (`announcements::send_test`, as `POST
/// /api/v1/events/{event}/announcements/test`); `review`: the confirmation with the number of
/// people and a one-time key; `edit` (from the confirmation): the form with the values. Bad
/// input: the form with the errors at the fields (422); nothing is sent.
pub async fn act(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    key: web::Path<String>,
    form: web::Form<AnnouncementForm>,
) -> Result<HttpResponse, PageError> {
    check_post(&req, &state, &session, &form.form_token)?;
    let event = managed_event(&state, &session, &key).await?;
    let s = Say::of(session.lang);
    let mut view = AnnouncementView::refilled(&form);
    if form.action == "edit" {
        return Ok(render(
            StatusCode::OK,
            &compose_page(&session, &event, view),
        ));
    }
    let Some(message) = view.message(s, session.lang)? else {
        return Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &compose_page(&session, &event, view),
        ));
    };
    let fail = |err| PageError::Api(session.lang, err);
    match form.action.as_str() {
        "test" => {
            let address = announcements::send_test(
                &state.db,
                &state.public_url,
                &event,
                &session.organiser,
                &message,
            )
            .await
            .map_err(fail)?;
            state.wake_mailer();
            let mut page = compose_page(&session, &event, view);
            page.done = Some(s.test_sent.replace("{address}", &address));
            Ok(render(StatusCode::OK, &page))
        }
        "review" => {
            let preview = announcements::preview(&state.db, &state.public_url, &event, &message)
                .await
                .map_err(fail)?;
            let t = Texts::of(session.lang);
            let base = base_path(&event);
            let page = ConfirmPage {
                t,
                w: Words::of(session.lang),
                s,
                form_token: session.form_token.clone(),
                crumbs: vec![
                    crumb(&event, t.lang),
                    (
                        format!("{base}?lang={}", t.lang),
                        s.announcements.to_owned(),
                    ),
                ],
                count: s
                    .confirm_count
                    .replace("{n}", &preview.recipients.to_string()),
                audience: audience_words(s, message.audience).0,
                form: view,
                send_key: uuid::Uuid::new_v4().to_string(),
                send_action: format!("{base}?lang={}", t.lang),
                back_action: format!("{base}/new?lang={}", t.lang),
            };
            Ok(render(StatusCode::OK, &page))
        }
        _ => {
            let preview = announcements::preview(&state.db, &state.public_url, &event, &message)
                .await
                .map_err(fail)?;
            let mut page = compose_page(&session, &event, view);
            page.goes_to = Some(s.goes_to.replace("{n}", &preview.recipients.to_string()));
            page.mails = vec![
                MailView {
                    heading: s.mail_de,
                    lang: "de",
                    subject: preview.de.subject,
                    text: preview.de.text,
                    html: preview.de.html,
                },
                MailView {
                    heading: s.mail_en,
                    lang: "en",
                    subject: preview.en.subject,
                    text: preview.en.text,
                    html: preview.en.html,
                },
            ];
            Ok(render(StatusCode::OK, &page))
        }
    }
}

/// `POST /orga/events/{slug}/announcements`: the confirmation's "Send now":
/// `announcements::send_now`, as `POST /api/v1/events/{event}/announcements`, keyed by the
/// confirmation's one-time `send_key` (`services::idempotency`): the same form sent again
/// (a double click, a reload) sends nothing more and leads to the history as the first did.
pub async fn send(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    key: web::Path<String>,
    form: web::Form<AnnouncementForm>,
) -> Result<HttpResponse, PageError> {
    check_post(&req, &state, &session, &form.form_token)?;
    let event = managed_event(&state, &session, &key).await?;
    let s = Say::of(session.lang);
    let mut view = AnnouncementView::refilled(&form);
    let Some(message) = view.message(s, session.lang)? else {
        return Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &compose_page(&session, &event, view),
        ));
    };
    let fail = |err| PageError::Api(session.lang, err);
    let body = json!({
        "audience": message.audience.name(),
        "subject_de": message.subject_de,
        "subject_en": message.subject_en,
        "text_de": message.text_de,
        "text_en": message.text_en,
    });
    let once = IdempotencyKey::new(
        format!("POST /orga/events/{}/announcements", event.id),
        &form.send_key,
        &body,
    )
    .map_err(fail)?;
    let history = format!(
        "{}?lang={}&done=sent",
        base_path(&event),
        Texts::of(session.lang).lang
    );
    let answer = history.clone();
    let keyed = Keyed {
        key: once,
        answer: Arc::new(move |_: &entity::announcement::Model| {
            Ok(StoredAnswer {
                status: StatusCode::SEE_OTHER.as_u16(),
                body: String::new(),
                location: Some(answer.clone()),
            })
        }),
    };
    match announcements::send_now(&state, &event, session.organiser.id, &message, Some(&keyed))
        .await
    {
        // Sent now, or sent by the first of two clicks (replayed, or still being sent: 409).
        Ok(_) | Err(ApiError::Conflict(_)) => Ok(see_other(&history)),
        Err(err) => Err(fail(err)),
    }
}
