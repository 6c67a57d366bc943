//! `GET /orga/`: the events the member may see, with the counts their role allows, and what
//! needs attention (pitches and exhibits waiting for a decision).
use actix_web::{http::StatusCode, web, HttpResponse};
use askama::Template;

use super::{PageError, Session, Texts};
use crate::domain::member::{role_name, Permission};
use crate::pages::render;
use crate::services::backoffice::{self, DashboardEvent};
use crate::state::AppState;

/// One row of the dashboard, as the template shows it.
struct Row {
    title: String,
    slug: String,
    status: &'static str,
    registrations: Option<String>,
    checked_in: Option<i64>,
    pitches_open: Option<i64>,
    exhibits_open: Option<i64>,
    holds_expiring: Option<u64>,
}

#[derive(Template)]
#[template(path = "backoffice/dashboard.html")]
struct DashboardPage {
    t: &'static Texts,
    name: String,
    role: &'static str,
    form_token: String,
    failed_mails: Option<u64>,
    rows: Vec<Row>,
}

fn row(t: &Texts, e: DashboardEvent) -> Row {
    use entity::event::EventStatus;
    Row {
        status: match e.event.status {
            EventStatus::Draft => t.draft,
            EventStatus::Published => t.published,
            EventStatus::Cancelled => t.cancelled,
        },
        title: e.event.title,
        slug: e.event.slug,
        registrations: e.registrations.map(|rows| {
            rows.iter()
                .map(|(status, n)| format!("{n} {status}"))
                .collect::<Vec<_>>()
                .join(", ")
        }),
        checked_in: e.checked_in,
        pitches_open: e.pitches_open,
        exhibits_open: e.exhibits_open,
        holds_expiring: e.holds_expiring,
    }
}

/// The dashboard of the signed-in member.
pub async fn show(state: web::Data<AppState>, session: Session) -> Result<HttpResponse, PageError> {
    session.allow(Permission::See, None)?;
    let t = Texts::of(session.lang);
    let events = backoffice::dashboard(&state.db, &session.member)
        .await
        .map_err(|err| PageError::Api(session.lang, err))?;
    let failed_mails = backoffice::failed_mails(&state.db, &session.member)
        .await
        .map_err(|err| PageError::Api(session.lang, err))?;
    Ok(render(
        StatusCode::OK,
        &DashboardPage {
            t,
            name: session.organiser.name.clone(),
            role: role_name(session.member.role),
            form_token: session.form_token.clone(),
            failed_mails,
            rows: events.into_iter().map(|e| row(t, e)).collect(),
        },
    ))
}
