//! `GET /orga/`: the events the member may see, by status (drafts, published, cancelled),
//! each with the counts the role allows and a link to its page, and what needs attention
//! (pitches and exhibits waiting for a decision, failed mails, holds about to expire). The
//! figures come from `services::backoffice::dashboard` in a fixed number of queries.
use actix_web::{http::StatusCode, web, HttpResponse};
use askama::Template;
use entity::event::EventStatus;

use super::event_texts::Words;
use super::{PageError, Session, Texts};
use crate::domain::member::{role_name, Permission};
use crate::pages::{render, EventSummary};
use crate::services::backoffice::{self, DashboardEvent};
use crate::state::AppState;

/// The word for an event's status.
pub(super) fn status_word(t: &Texts, status: EventStatus) -> &'static str {
    match status {
        EventStatus::Draft => t.draft,
        EventStatus::Published => t.published,
        EventStatus::Cancelled => t.cancelled,
    }
}

/// One event of the dashboard, as the template shows it.
struct Row {
    title: String,
    /// Where the title leads: the event's backoffice page for those who manage it, the review
    /// table for a reviewer, the door for the door, else the public page (none for a draft).
    href: Option<String>,
    when: String,
    /// `12 confirmed · 3 waitlisted · 1 pending`: for those who manage the event.
    registrations: Option<String>,
    capacity: Option<i32>,
    checked_in: Option<i64>,
    /// The door form's action (`/orga/events/{slug}/door`): for a member who checks people in
    /// at this published event.
    door: Option<String>,
}

/// Events of one status.
struct Group {
    heading: &'static str,
    id: &'static str,
    rows: Vec<Row>,
}

/// One thing that needs attention: what, how many, of which event, and the page to see it
/// on (where there is one).
struct Attention {
    label: &'static str,
    count: i64,
    event: String,
    href: Option<String>,
}

#[derive(Template)]
#[template(path = "backoffice/dashboard.html")]
struct DashboardPage {
    t: &'static Texts,
    w: &'static Words,
    name: String,
    role: &'static str,
    form_token: String,
    may_create: bool,
    /// Every failed mail: admins only, and only when there is some.
    failed_mails: Option<u64>,
    attention: Vec<Attention>,
    groups: Vec<Group>,
    any_events: bool,
}

fn row(
    t: &Texts,
    w: &Words,
    public_url: &str,
    lang: entity::registration::Language,
    e: &DashboardEvent,
) -> Row {
    let event = &e.event;
    let href = if e.manage {
        Some(format!("/orga/events/{}?lang={}", event.slug, t.lang))
    } else if e.pitches_open.is_some() {
        // A reviewer: to the pitches they review.
        Some(format!(
            "/orga/events/{}/reviews?lang={}",
            event.slug, t.lang
        ))
    } else if e.checked_in.is_some() && event.status == EventStatus::Published {
        Some(format!("/events/{}/door?lang={}", event.slug, t.lang))
    } else if event.status != EventStatus::Draft {
        Some(format!("/events/{}?lang={}", event.slug, t.lang))
    } else {
        None
    };
    Row {
        title: event.title.clone(),
        door: (e.checked_in.is_some() && event.status == EventStatus::Published)
            .then(|| format!("/orga/events/{}/door?lang={}", event.slug, t.lang)),
        href,
        when: EventSummary::new(public_url, event, lang).when,
        registrations: e.manage.then(|| {
            format!(
                "{} {} · {} {} · {} {}",
                event.confirmed_count,
                w.confirmed,
                event.waitlisted_count,
                w.waitlisted,
                event.pending_count,
                w.pending
            )
        }),
        capacity: e.manage.then_some(event.capacity),
        checked_in: e.checked_in,
    }
}

/// What needs attention, event by event: the counts above zero.
fn attention(t: &Texts, w: &Words, events: &[DashboardEvent]) -> Vec<Attention> {
    let mut out = Vec::new();
    for e in events {
        let slug = &e.event.slug;
        let items = [
            (t.pitches_open, e.pitches_open, None),
            (t.exhibits_open, e.exhibits_open, None),
            (
                w.holds_expiring,
                e.holds_expiring,
                Some(format!(
                    "/orga/events/{slug}/attendees?status=pending&lang={}",
                    t.lang
                )),
            ),
            (
                w.failed_mails_event,
                e.failed_mails,
                Some(format!("/orga/mail?status=failed&lang={}", t.lang)),
            ),
        ];
        for (label, count, href) in items {
            if let Some(count) = count.filter(|n| *n > 0) {
                out.push(Attention {
                    label,
                    count,
                    event: e.event.title.clone(),
                    href,
                });
            }
        }
    }
    out
}

/// The dashboard of the signed-in member.
pub async fn show(state: web::Data<AppState>, session: Session) -> Result<HttpResponse, PageError> {
    session.allow(Permission::See, None)?;
    let t = Texts::of(session.lang);
    let w = Words::of(session.lang);
    let dashboard = backoffice::dashboard(&state.db, &session.member)
        .await
        .map_err(|err| PageError::Api(session.lang, err))?;
    let mut groups = vec![
        Group {
            heading: w.drafts,
            id: "drafts",
            rows: Vec::new(),
        },
        Group {
            heading: w.published_events,
            id: "published",
            rows: Vec::new(),
        },
        Group {
            heading: w.cancelled_events,
            id: "cancelled",
            rows: Vec::new(),
        },
    ];
    for e in &dashboard.events {
        let at = match e.event.status {
            EventStatus::Draft => 0,
            EventStatus::Published => 1,
            EventStatus::Cancelled => 2,
        };
        groups[at]
            .rows
            .push(row(t, w, &state.public_url, session.lang, e));
    }
    groups.retain(|g| !g.rows.is_empty());
    Ok(render(
        StatusCode::OK,
        &DashboardPage {
            t,
            w,
            name: session.organiser.name.clone(),
            role: role_name(session.member.role),
            form_token: session.form_token.clone(),
            may_create: session.member.may(Permission::CreateEvents, None),
            failed_mails: dashboard.failed_mails.filter(|n| *n > 0),
            attention: attention(t, w, &dashboard.events),
            any_events: !dashboard.events.is_empty(),
            groups,
        },
    ))
}
