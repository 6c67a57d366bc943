//! An event's name badges in the backoffice (issue 28; issue 17's badges): a form choosing
//! the paper, the order and the language of the sector names, with how many badges will
//! print, and the download it leads to: `services::badges::pdf`, as `GET
//! /api/v1/events/{event}/badges.pdf`.
use actix_web::{
    http::{header, StatusCode},
    web, HttpResponse,
};
use askama::Template;
use entity::{event, registration::Language};
use serde::Deserialize;

use super::announce_texts::Say;
use super::event_texts::Words;
use super::events::{crumb, managed_event};
use super::{PageError, Session, Texts};
use crate::badges::{Layout, Order, Wording};
use crate::pages::render;
use crate::services::badges;
use crate::state::AppState;

/// The form's choices as sent: `layout` `a6` or `labels`, `sort` `name` or `organisation`,
/// `names` (the sector names' language) `de` or `en`; each has a default.
#[derive(Debug, Default, Deserialize)]
pub struct BadgesForm {
    #[serde(default)]
    layout: Option<String>,
    #[serde(default)]
    sort: Option<String>,
    #[serde(default)]
    names: Option<String>,
}

/// The choices understood, or the fields that were not.
struct Choices {
    layout: Layout,
    order: Order,
    wording: Wording,
    errors: Vec<&'static str>,
}

impl BadgesForm {
    fn choices(&self, lang: Language) -> Choices {
        let mut errors = Vec::new();
        let layout = match self.layout.as_deref() {
            None | Some("a6") => Layout::A6,
            Some("labels") => Layout::Labels,
            Some(_) => {
                errors.push("layout");
                Layout::A6
            }
        };
        let order = match self.sort.as_deref() {
            None | Some("name") => Order::Name,
            Some("organisation") => Order::Organisation,
            Some(_) => {
                errors.push("sort");
                Order::Name
            }
        };
        let wording = match self.names.as_deref() {
            None if lang == Language::De => Wording::German,
            None => Wording::English,
            Some("de") => Wording::German,
            Some("en") => Wording::English,
            Some(_) => {
                errors.push("names");
                Wording::English
            }
        };
        Choices {
            layout,
            order,
            wording,
            errors,
        }
    }
}

/// One radio button: name, value, label, explanation (may be empty), chosen.
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub chosen: bool,
}

/// One group of radio buttons.
pub struct Group {
    pub name: &'static str,
    pub legend: &'static str,
    pub choices: Vec<Choice>,
    pub error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "backoffice/badges.html")]
struct BadgesPage {
    t: &'static Texts,
    w: &'static Words,
    s: &'static Say,
    form_token: String,
    crumbs: Vec<(String, String)>,
    event_title: String,
    action: String,
    count: String,
    groups: Vec<Group>,
    has_errors: bool,
}

fn groups(s: &'static Say, c: &Choices) -> Vec<Group> {
    let error = |name| c.errors.contains(&name).then_some(s.err_choice);
    let choice = |value, (label, hint): (&'static str, &'static str), chosen| Choice {
        value,
        label,
        hint,
        chosen,
    };
    vec![
        Group {
            name: "layout",
            legend: s.layout_legend,
            choices: vec![
                choice("a6", s.a6, c.layout == Layout::A6),
                choice("labels", s.labels, c.layout == Layout::Labels),
            ],
            error: error("layout"),
        },
        Group {
            name: "sort",
            legend: s.order_legend,
            choices: vec![
                choice("name", (s.by_name, ""), c.order == Order::Name),
                choice(
                    "organisation",
                    (s.by_organisation, ""),
                    c.order == Order::Organisation,
                ),
            ],
            error: error("sort"),
        },
        Group {
            name: "names",
            legend: s.wording_legend,
            choices: vec![
                choice("de", ("Deutsch", ""), c.wording == Wording::German),
                choice("en", ("English", ""), c.wording == Wording::English),
            ],
            error: error("names"),
        },
    ]
}

async fn badges_page(
    state: &AppState,
    session: &Session,
    event: &event::Model,
    choices: &Choices,
) -> Result<BadgesPage, PageError> {
    let printed = badges::list(&state.db, event, choices.order)
        .await
        .map_err(|err| PageError::Api(session.lang, err))?
        .len();
    let t = Texts::of(session.lang);
    let s = Say::of(session.lang);
    Ok(BadgesPage {
        t,
        w: Words::of(session.lang),
        s,
        form_token: session.form_token.clone(),
        crumbs: vec![crumb(event, t.lang)],
        event_title: event.title.clone(),
        action: format!("/orga/events/{}/badges.pdf", event.slug),
        count: s.badges_count.replace("{n}", &printed.to_string()),
        groups: groups(s, choices),
        has_errors: !choices.errors.is_empty(),
    })
}

/// `GET /orga/events/{slug}/badges`: the choices, how many badges will print (one per
/// confirmed attendee) and the download button.
pub async fn page(
    state: web::Data<AppState>,
    session: Session,
    key: web::Path<String>,
    form: web::Query<BadgesForm>,
) -> Result<HttpResponse, PageError> {
    let event = managed_event(&state, &session, &key).await?;
    let choices = form.choices(session.lang);
    let status = if choices.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = badges_page(&state, &session, &event, &choices).await?;
    Ok(render(status, &page))
}

/// `GET /orga/events/{slug}/badges.pdf?layout=&sort=&names=`: the badges as a PDF to save
/// (`services::badges::pdf`, as the API's `badges.pdf`); an unknown choice gives the page
/// with the error at its field (422).
pub async fn download(
    state: web::Data<AppState>,
    session: Session,
    key: web::Path<String>,
    form: web::Query<BadgesForm>,
) -> Result<HttpResponse, PageError> {
    let event = managed_event(&state, &session, &key).await?;
    let choices = form.choices(session.lang);
    if !choices.errors.is_empty() {
        let page = badges_page(&state, &session, &event, &choices).await?;
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    let pdf = badges::pdf(
        &state.db,
        &event,
        choices.layout,
        choices.order,
        choices.wording,
    )
    .await
    .map_err(|err| PageError::Api(session.lang, err))?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", badges::file_name(&event)),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(pdf))
}
