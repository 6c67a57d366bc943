//! `/`: the published (and cancelled) events, each linking to its page.
use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use askama::Template;
use entity::event::EventStatus;

use super::{code, error_page, public_language, render, when, Switch, Texts};
use crate::services::events::{self, EventFilter};
use crate::state::AppState;

/// Most events listed.
const LISTED_MAX: u64 = 500;

struct EventRow {
    title: String,
    when: String,
    venue: String,
    url: String,
    cancelled: bool,
}

#[derive(Template)]
#[template(path = "pages/home.html")]
struct HomePage {
    t: &'static Texts,
    switch: Option<Switch>,
    events: Vec<EventRow>,
}

pub async fn home(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let lang = public_language(&req);
    let filter = EventFilter {
        only: None,
        statuses: vec![EventStatus::Published, EventStatus::Cancelled],
        series: None,
        offset: 0,
        limit: LISTED_MAX,
    };
    let listed = match events::list(&state.db, filter).await {
        Ok((listed, _)) => listed,
        Err(err) => return error_page(lang, err),
    };
    let page = HomePage {
        t: Texts::of(lang),
        switch: Some(Switch::to_other("/", lang)),
        events: listed
            .into_iter()
            .map(|e| EventRow {
                when: when::span(e.starts_at, e.ends_at, &e.timezone, lang),
                url: format!("/events/{}?lang={}", e.slug, code(lang)),
                cancelled: e.status == EventStatus::Cancelled,
                title: e.title,
                venue: e.venue,
            })
            .collect(),
    };
    render(StatusCode::OK, &page)
}
