//! `/orga/mail`: the outbox of the events the member manages (an admin: all of it, mail about
//! no event included), newest first, a page at a time, filtered by state; failed mail with
//! the reason the mail server gave, and a button that queues it again (the API's retry,
//! `mail::retry`).
use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use askama::Template;
use entity::outbox::OutboxStatus;
use serde::Deserialize;
use uuid::Uuid;

use super::attendees::{mail_row, MailRow};
use super::people_texts::PeopleTexts;
use super::{refuse_cross_site, PageError, Session, Texts};
use crate::domain::member::{Member, Permission};
use crate::mail::{self, OutboxScope};
use crate::pages::{render, see_other};
use crate::state::AppState;

/// Mails per page.
pub const PAGE_SIZE: u64 = 50;

/// The outbox a member may see: an admin all of it; an organiser the mail about their events
/// (about any event when they work on all).
fn scope_of(member: &Member) -> OutboxScope {
    if member.may(Permission::Team, None) {
        OutboxScope::All
    } else {
        OutboxScope::Events(member.event_scope())
    }
}

/// The page's filter: `status` (`pending`, `sent`, `failed` or empty) and the next page's
/// `cursor` (a mail's id).
#[derive(Debug, Default, Deserialize)]
pub struct MailQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    cursor: String,
    #[serde(default)]
    done: String,
}

/// One mail on the page.
struct Item {
    id: Uuid,
    recipient: String,
    row: MailRow,
    retry: bool,
}

#[derive(Template)]
#[template(path = "backoffice/mail.html")]
struct MailPage {
    t: &'static Texts,
    p: &'static PeopleTexts,
    form_token: String,
    /// No event: the navigation names none.
    slug: String,
    event_title: String,
    status: String,
    states: Vec<(&'static str, &'static str)>,
    status_error: Option<&'static str>,
    notice: Option<&'static str>,
    total: u64,
    items: Vec<Item>,
    next: Option<String>,
    first: Option<String>,
}

const STATES: [(&str, OutboxStatus); 3] = [
    ("pending", OutboxStatus::Pending),
    ("sent", OutboxStatus::Sent),
    ("failed", OutboxStatus::Failed),
];

/// `GET /orga/mail`.
pub async fn show(
    state: web::Data<AppState>,
    session: Session,
    query: web::Query<MailQuery>,
) -> Result<HttpResponse, PageError> {
    session.allow(Permission::Manage, None)?;
    let lang = session.lang;
    let (t, p) = (Texts::of(lang), PeopleTexts::of(lang));
    let mut status_error = None;
    let status = match query.status.trim() {
        "" => None,
        word => match STATES.iter().find(|(w, _)| *w == word) {
            Some((_, s)) => Some(*s),
            None => {
                status_error = Some(p.err_choice);
                None
            }
        },
    };
    let cursor = match query.cursor.trim() {
        "" => None,
        c => match Uuid::parse_str(c) {
            Ok(id) => Some(id),
            Err(_) => {
                status_error = Some(p.err_cursor);
                None
            }
        },
    };
    let scope = scope_of(&session.member);
    let page = if status_error.is_none() {
        Some(
            mail::list_in(&state.db, &scope, status, PAGE_SIZE, cursor)
                .await
                .map_err(|err| PageError::Api(lang, err.into()))?,
        )
    } else {
        None
    };
    let code = crate::pages::code(lang);
    let filter = format!("/orga/mail?status={}&lang={code}", query.status.trim());
    let (items, total, next) = match page {
        Some(page) => (
            page.items
                .into_iter()
                .map(|m| Item {
                    id: m.id,
                    recipient: m.recipient.clone(),
                    retry: m.status != OutboxStatus::Sent,
                    row: mail_row(p, "UTC", lang, m),
                })
                .collect(),
            page.total,
            page.next_cursor.map(|c| format!("{filter}&cursor={c}")),
        ),
        None => (Vec::new(), 0, None),
    };
    let notice = (query.done == "retried").then_some(p.done_retried);
    Ok(render(
        if status_error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        &MailPage {
            t,
            p,
            form_token: session.form_token.clone(),
            slug: String::new(),
            event_title: String::new(),
            status: query.status.trim().to_owned(),
            states: vec![
                ("", p.any),
                ("pending", p.mail_pending),
                ("sent", p.mail_sent),
                ("failed", p.mail_failed),
            ],
            status_error,
            notice,
            total,
            items,
            first: cursor.is_some().then(|| filter.clone()),
            next,
        },
    ))
}

/// The retry form's fields.
#[derive(Debug, Default, Deserialize)]
pub struct RetryForm {
    #[serde(default)]
    form_token: String,
    /// The filter to go back to.
    #[serde(default)]
    status: String,
}

/// `POST /orga/mail/{id}/retry`: queues a pending or failed mail of the member's outbox
/// again now, with a fresh attempt count, and wakes the mail worker. A mail outside the
/// member's outbox is a 403, an unknown one a 404, a sent one a 409 (as the API answers).
pub async fn retry(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: web::Path<Uuid>,
    form: web::Form<RetryForm>,
) -> Result<HttpResponse, PageError> {
    session.allow(Permission::Manage, None)?;
    refuse_cross_site(&req, &state.public_url)?;
    session.check_form_token(&form.form_token)?;
    let lang = session.lang;
    let db_err = |err: sea_orm::DbErr| PageError::Api(lang, err.into());
    let found = mail::find(&state.db, *id)
        .await
        .map_err(db_err)?
        .ok_or_else(|| PageError::Api(lang, crate::error::ApiError::not_found("mail")))?;
    let allowed = match (scope_of(&session.member), found.event_id) {
        (OutboxScope::All, _) => true,
        (OutboxScope::Events(_), None) => false,
        (OutboxScope::Events(_), Some(event)) => {
            session.member.may(Permission::Manage, Some(event))
        }
    };
    if !allowed {
        return Err(PageError::Forbidden(lang));
    }
    let mail = mail::retry(&state.db, found.id)
        .await
        .map_err(db_err)?
        .ok_or_else(|| PageError::Api(lang, crate::error::ApiError::not_found("mail")))?;
    if mail.status == OutboxStatus::Sent {
        return Err(PageError::Api(
            lang,
            crate::error::ApiError::conflict("the mail was already sent"),
        ));
    }
    state.wake_mailer();
    let status = STATES
        .iter()
        .find(|(w, _)| *w == form.status.trim())
        .map_or("", |(w, _)| *w);
    Ok(see_other(&format!(
        "/orga/mail?status={status}&done=retried&lang={}",
        crate::pages::code(lang)
    )))
}
