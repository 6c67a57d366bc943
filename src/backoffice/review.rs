//! The jury's pages (issue 29): `/orga/events/{slug}/reviews` is the organisers' review table
//! (sortable by `?sort=score|median|spread|count|title`; accept or reject the selected
//! pitches after a preview of the mails) or, for a reviewer, the pitches to review;
//! `/orga/events/{slug}/reviews/{pitch}` the review form with the others' reviews once one's
//! own is given; `/orga/events/{slug}/review-criteria` the criteria and anonymous review. The
//! same services as the API (`services::reviews`, `services::pitches::review`).
use std::collections::BTreeMap;

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use askama::Template;
use entity::event;
use entity::pitch::PitchStatus;
use serde::Deserialize;
use uuid::Uuid;

use super::event_texts::Words;
use super::events::{check_post, crumb, managed_event};
use super::jury_texts::Jury;
use super::{PageError, Session, Texts};
use crate::domain::member::Permission;
use crate::domain::review::{parse_criteria, Criterion, GivenScore, NewCriterion};
use crate::error::ApiError;
use crate::pages::{render, see_other};
use crate::services::pitches::{self, PitchChanges, PitchFilter, PitchView};
use crate::services::{events, reviews};
use crate::state::AppState;

/// The jury's routes, under `/orga` (before the `/events` scope of the event pages).
pub fn routes(cfg: &mut web::ServiceConfig) {
    let form = crate::pages::form_config;
    cfg.service(web::resource("/events/{slug}/reviews").route(web::get().to(table)))
        .service(
            web::resource("/events/{slug}/reviews/decide")
                .app_data(form())
                .route(web::post().to(decide)),
        )
        .service(
            web::resource("/events/{slug}/reviews/{pitch}")
                .app_data(form())
                .route(web::get().to(review_form))
                .route(web::post().to(review_save)),
        )
        .service(
            web::resource("/events/{slug}/review-criteria")
                .app_data(form())
                .route(web::get().to(criteria_form))
                .route(web::post().to(criteria_save)),
        );
}

/// A form as sent: every field by name, repeated ones (`pitch`) in order.
struct Fields(Vec<(String, String)>);

impl Fields {
    fn one(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

fn api(session: &Session) -> impl Fn(ApiError) -> PageError + '_ {
    move |err| PageError::Api(session.lang, err)
}

/// The event, if the member may review it (reviewers, organisers, admins of the event).
async fn reviewed_event(
    state: &AppState,
    session: &Session,
    key: &str,
) -> Result<event::Model, PageError> {
    if !session.member.may_key(Permission::Review, Some(key)) {
        return Err(PageError::Forbidden(session.lang));
    }
    let event = events::find_visible(&state.db, key, true)
        .await
        .map_err(api(session))?;
    session.allow(Permission::Review, Some(event.id))?;
    Ok(event)
}

fn fmt(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |v| format!("{v:.2}"))
}

fn status_word(j: &Jury, status: PitchStatus) -> &'static str {
    match status {
        PitchStatus::Submitted => j.status_submitted,
        PitchStatus::Accepted => j.status_accepted,
        PitchStatus::Rejected => j.status_rejected,
        PitchStatus::Withdrawn => "–",
    }
}

/// One line of the review table or of a reviewer's list.
struct Line {
    id: Uuid,
    title: String,
    /// Presenter and organisation; empty under anonymous review for a reviewer.
    presenter: String,
    status: &'static str,
    count: u64,
    score: String,
    median: String,
    spread: String,
    reviewed: bool,
    sort_score: Option<f64>,
    sort_median: Option<f64>,
    sort_spread: Option<f64>,
}

#[derive(Debug, Deserialize)]
pub struct TableQuery {
    #[serde(default)]
    sort: Option<String>,
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    n: Option<u64>,
}

#[derive(Template)]
#[template(path = "backoffice/review_table.html")]
struct TablePage {
    t: &'static Texts,
    w: &'static Words,
    j: &'static Jury,
    form_token: String,
    crumbs: Vec<(String, String)>,
    event_title: String,
    base: String,
    manage: bool,
    anonymous: bool,
    sort: String,
    sorts: Vec<(&'static str, &'static str)>,
    lines: Vec<Line>,
    done: Option<String>,
}

/// Sorts the lines by `sort`: the numbers highest first (no reviews last), the title A–Z.
fn sort_lines(lines: &mut [Line], sort: &str) {
    let key = |l: &Line| match sort {
        "median" => l.sort_median,
        "spread" => l.sort_spread,
        "count" => Some(l.count as f64),
        _ => l.sort_score,
    };
    if sort == "title" {
        lines.sort_by_key(|l| l.title.to_lowercase());
    } else {
        lines.sort_by(|a, b| match (key(a), key(b)) {
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        });
    }
}

/// `GET /orga/events/{slug}/reviews`: the review table for organisers, the pitches to
/// review for a reviewer (those assigned to them once the event has assignments).
pub async fn table(
    state: web::Data<AppState>,
    session: Session,
    key: web::Path<String>,
    query: web::Query<TableQuery>,
) -> Result<HttpResponse, PageError> {
    let event = reviewed_event(&state, &session, &key).await?;
    let (t, w, j) = (
        Texts::of(session.lang),
        Words::of(session.lang),
        Jury::of(session.lang),
    );
    let manage = session.member.may(Permission::Manage, Some(event.id));
    let (views, _) = pitches::list(
        &state.db,
        event.id,
        PitchFilter {
            status: None,
            offset: 0,
            limit: 500,
        },
    )
    .await
    .map_err(api(&session))?;
    let views: Vec<PitchView> = views
        .into_iter()
        .filter(|v| v.pitch.status != PitchStatus::Withdrawn)
        .collect();
    let ids: Vec<Uuid> = views.iter().map(|v| v.pitch.id).collect();
    let mut numbers = reviews::table(&state.db, event.id, &ids, &session.member)
        .await
        .map_err(api(&session))?;
    let anonymous = reviews::hides_presenters(&state.db, event.id, &session.member)
        .await
        .map_err(api(&session))?;
    let assigned_only = !manage
        && reviews::has_assignments(&state.db, event.id)
            .await
            .map_err(api(&session))?;
    let mut lines = Vec::new();
    for v in views {
        let n = numbers.remove(&v.pitch.id).unwrap_or_default();
        if assigned_only && !n.assigned_to_me {
            continue;
        }
        let s = &n.summary;
        lines.push(Line {
            id: v.pitch.id,
            title: v.pitch.title,
            presenter: if anonymous {
                String::new()
            } else {
                format!("{} · {}", v.pitch.presenter_name, v.pitch.organisation)
            },
            status: status_word(j, v.pitch.status),
            count: s.count,
            score: fmt(s.mean),
            median: fmt(s.median),
            spread: match (s.stddev, s.min, s.max) {
                (Some(sd), Some(lo), Some(hi)) => format!("{sd:.2} ({lo:.2}–{hi:.2})"),
                _ => "–".to_owned(),
            },
            reviewed: n.reviewed_by_me,
            sort_score: s.mean,
            sort_median: s.median,
            sort_spread: s.stddev,
        });
    }
    let sort = match query.sort.as_deref() {
        Some(s @ ("score" | "median" | "spread" | "count" | "title")) => s.to_owned(),
        _ => "score".to_owned(),
    };
    if manage {
        sort_lines(&mut lines, &sort);
    }
    let done = match query.done.as_deref() {
        Some("decided") => Some(j.decided.replace("{n}", &query.n.unwrap_or(0).to_string())),
        Some("none") => Some(j.nothing_selected.to_owned()),
        _ => None,
    };
    let page = TablePage {
        t,
        w,
        j,
        form_token: session.form_token.clone(),
        crumbs: vec![crumb(&event, t.lang)],
        event_title: event.title.clone(),
        base: format!("/orga/events/{}", event.slug),
        manage,
        anonymous,
        sort,
        sorts: vec![
            ("score", j.by_score),
            ("median", j.by_median),
            ("spread", j.by_spread),
            ("count", j.by_count),
            ("title", j.by_title),
        ],
        lines,
        done,
    };
    Ok(render(StatusCode::OK, &page))
}

/// A criterion on the review form: its words, its scale and what is chosen.
struct ScoreField {
    key: String,
    name: String,
    max: i32,
    weight: f64,
    /// Each point of the scale and whether it is chosen.
    options: Vec<(i32, bool)>,
    error: Option<&'static str>,
}

/// A review on the form page.
struct ShownReview {
    reviewer: String,
    score: String,
    scores: Vec<(String, i32)>,
    comment: String,
}

#[derive(Template)]
#[template(path = "backoffice/review_form.html")]
struct FormPage {
    t: &'static Texts,
    w: &'static Words,
    j: &'static Jury,
    form_token: String,
    crumbs: Vec<(String, String)>,
    action: String,
    title: String,
    abstract_text: String,
    presenter: String,
    anonymous: bool,
    fields: Vec<ScoreField>,
    comment: String,
    general: Vec<String>,
    saved: bool,
    others: Vec<ShownReview>,
    others_hidden: bool,
}

#[derive(Debug, Deserialize)]
pub struct FormQuery {
    #[serde(default)]
    done: Option<String>,
}

/// Builds the form page; `typed` holds what was typed (scores by key, comment) after a
/// refusal, else the member's own review fills it.
#[allow(clippy::too_many_arguments)]
async fn form_page(
    state: &AppState,
    session: &Session,
    event: &event::Model,
    pitch_id: Uuid,
    typed: Option<(BTreeMap<String, String>, String)>,
    errors: BTreeMap<String, &'static str>,
    general: Vec<String>,
    saved: bool,
) -> Result<FormPage, PageError> {
    let (t, w, j) = (
        Texts::of(session.lang),
        Words::of(session.lang),
        Jury::of(session.lang),
    );
    let view = pitches::get(&state.db, event.id, pitch_id)
        .await
        .map_err(api(session))?;
    let criteria: Vec<Criterion> = reviews::criteria(&state.db, event.id)
        .await
        .map_err(api(session))?;
    let anonymous = reviews::hides_presenters(&state.db, event.id, &session.member)
        .await
        .map_err(api(session))?;
    let list = reviews::list(&state.db, event.id, pitch_id, &session.member)
        .await
        .map_err(api(session))?;
    let own = list
        .items
        .iter()
        .find(|r| r.review.reviewer_id == session.organiser.id);
    let (chosen, comment): (BTreeMap<String, Option<i64>>, String) = match (&typed, own) {
        (Some((scores, comment)), _) => (
            scores
                .iter()
                .map(|(k, v)| (k.clone(), v.trim().parse().ok()))
                .collect(),
            comment.clone(),
        ),
        (None, Some(own)) => (
            own.scores
                .iter()
                .map(|(k, v)| (k.clone(), Some(i64::from(*v))))
                .collect(),
            own.review.comment.clone(),
        ),
        (None, None) => (BTreeMap::new(), String::new()),
    };
    let de = session.lang == entity::registration::Language::De;
    let fields = criteria
        .into_iter()
        .map(|c| ScoreField {
            options: {
                let chosen = chosen.get(&c.key).copied().flatten();
                (0..=c.max)
                    .map(|n| (n, chosen == Some(i64::from(n))))
                    .collect()
            },
            error: errors.get(&c.key).copied(),
            name: if de { c.name_de } else { c.name_en },
            key: c.key,
            max: c.max,
            weight: c.weight,
        })
        .collect();
    let others = list
        .items
        .iter()
        .map(|r| ShownReview {
            reviewer: r.reviewer_name.clone(),
            score: fmt(r.value),
            scores: r.scores.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            comment: r.review.comment.clone(),
        })
        .collect();
    let base = format!("/orga/events/{}/reviews", event.slug);
    Ok(FormPage {
        t,
        w,
        j,
        form_token: session.form_token.clone(),
        crumbs: vec![
            crumb(event, t.lang),
            (format!("{base}?lang={}", t.lang), j.reviews.to_owned()),
        ],
        action: format!("{base}/{pitch_id}?lang={}", t.lang),
        title: view.pitch.title,
        abstract_text: view.pitch.r#abstract,
        presenter: format!(
            "{} · {}",
            view.pitch.presenter_name, view.pitch.organisation
        ),
        anonymous,
        fields,
        comment,
        general,
        saved,
        others,
        others_hidden: list.others_hidden,
    })
}

/// `GET /orga/events/{slug}/reviews/{pitch}`: the review form.
pub async fn review_form(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, Uuid)>,
    query: web::Query<FormQuery>,
) -> Result<HttpResponse, PageError> {
    let (key, pitch_id) = path.into_inner();
    let event = reviewed_event(&state, &session, &key).await?;
    let saved = query.done.as_deref() == Some("saved");
    let page = form_page(
        &state,
        &session,
        &event,
        pitch_id,
        None,
        BTreeMap::new(),
        Vec::new(),
        saved,
    )
    .await?;
    Ok(render(StatusCode::OK, &page))
}

/// `POST /orga/events/{slug}/reviews/{pitch}`: `reviews::submit`, as `POST
/// /api/v1/events/{event}/pitches/{id}/reviews`; a refusal comes back on the form (422 at
/// the scores, 409/403 said above the form).
pub async fn review_save(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    path: web::Path<(String, Uuid)>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let fields = Fields(form.into_inner());
    check_post(&req, &state, &session, fields.one("form_token"))?;
    let (key, pitch_id) = path.into_inner();
    let event = reviewed_event(&state, &session, &key).await?;
    let j = Jury::of(session.lang);
    let mut typed = BTreeMap::new();
    let mut given = BTreeMap::new();
    for (name, value) in &fields.0 {
        let Some(criterion) = name.strip_prefix("score.") else {
            continue;
        };
        typed.insert(criterion.to_owned(), value.clone());
        if value.trim().is_empty() {
            continue;
        }
        let score = value
            .trim()
            .parse::<i64>()
            .map_or(GivenScore::NotAnInteger, GivenScore::Integer);
        given.insert(criterion.to_owned(), score);
    }
    let comment = fields.one("comment").to_owned();
    let checked = if comment.trim().is_empty() {
        Ok(String::new())
    } else {
        crate::domain::text::multi_line("comment", &comment, crate::domain::review::COMMENT_MAX)
            .map_err(|e| ApiError::validation(vec![e]))
    };
    let result = match checked {
        Ok(text) => {
            reviews::submit(
                &state.db,
                event.id,
                pitch_id,
                session.organiser.id,
                given,
                text,
            )
            .await
        }
        Err(err) => Err(err),
    };
    let (errors, general, status) = match result {
        Ok(_) => {
            return Ok(see_other(&format!(
                "/orga/events/{}/reviews/{pitch_id}?lang={}&done=saved",
                event.slug,
                Texts::of(session.lang).lang
            )))
        }
        Err(ApiError::Validation { errors, .. }) => {
            let mut at = BTreeMap::new();
            let mut general = Vec::new();
            for e in errors {
                match e.field.strip_prefix("scores.") {
                    Some(k) => {
                        at.insert(k.to_owned(), j.must_score);
                    }
                    None => general.push(format!("{}: {}", e.field, e.message)),
                }
            }
            (at, general, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(err @ (ApiError::Conflict(_) | ApiError::Forbidden(_))) => {
            let status = actix_web::ResponseError::status_code(&err);
            let message = match &err {
                ApiError::Conflict(m) if m == reviews::NO_CRITERIA => j.no_criteria.to_owned(),
                ApiError::Conflict(m) | ApiError::Forbidden(m) => m.clone(),
                _ => String::new(),
            };
            (BTreeMap::new(), vec![message], status)
        }
        Err(err) => return Err(PageError::Api(session.lang, err)),
    };
    let page = form_page(
        &state,
        &session,
        &event,
        pitch_id,
        Some((typed, comment)),
        errors,
        general,
        false,
    )
    .await?;
    Ok(render(status, &page))
}

/// A pitch in the decision's preview.
struct Decided {
    id: Uuid,
    title: String,
    to: String,
}

#[derive(Template)]
#[template(path = "backoffice/review_decide.html")]
struct DecidePage {
    t: &'static Texts,
    w: &'static Words,
    j: &'static Jury,
    form_token: String,
    crumbs: Vec<(String, String)>,
    action: String,
    decision: &'static str,
    heading: &'static str,
    mails: String,
    pitches: Vec<Decided>,
}

/// `POST /orga/events/{slug}/reviews/decide`: accept or reject the selected pitches. Without
/// `confirm` a preview says how many mails go to whom; with it, each pitch goes through
/// `pitches::review` (as `PATCH /api/v1/events/{event}/pitches/{id}`), which mails its
/// presenter. Pitches already so decided are left out.
pub async fn decide(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    key: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let fields = Fields(form.into_inner());
    check_post(&req, &state, &session, fields.one("form_token"))?;
    let event = managed_event(&state, &session, &key).await?;
    let (t, w, j) = (
        Texts::of(session.lang),
        Words::of(session.lang),
        Jury::of(session.lang),
    );
    let (status, decision, heading) = match fields.one("decision") {
        "accepted" => (PitchStatus::Accepted, "accepted", j.to_accept),
        "rejected" => (PitchStatus::Rejected, "rejected", j.to_reject),
        _ => {
            return Err(PageError::Api(
                session.lang,
                ApiError::invalid("decision", "must be accepted or rejected"),
            ))
        }
    };
    let table = format!("/orga/events/{}/reviews?lang={}", event.slug, t.lang);
    let mut chosen = Vec::new();
    for id in fields.all("pitch") {
        let Ok(id) = Uuid::parse_str(id) else {
            continue;
        };
        let Ok(view) = pitches::get(&state.db, event.id, id).await else {
            continue;
        };
        if view.pitch.status != status && view.pitch.status != PitchStatus::Withdrawn {
            chosen.push(view.pitch);
        }
    }
    if chosen.is_empty() {
        return Ok(see_other(&format!("{table}&done=none")));
    }
    if fields.one("confirm") == "yes" {
        let mut n = 0;
        for p in &chosen {
            let changes = PitchChanges {
                status: Some(status),
                ..PitchChanges::default()
            };
            pitches::review(&state, event.id, p.id, changes)
                .await
                .map_err(api(&session))?;
            n += 1;
        }
        return Ok(see_other(&format!("{table}&done=decided&n={n}")));
    }
    let page = DecidePage {
        t,
        w,
        j,
        form_token: session.form_token.clone(),
        crumbs: vec![crumb(&event, t.lang), (table, j.reviews.to_owned())],
        action: format!("/orga/events/{}/reviews/decide?lang={}", event.slug, t.lang),
        decision,
        heading,
        mails: j.preview_mails.replace("{n}", &chosen.len().to_string()),
        pitches: chosen
            .into_iter()
            .map(|p| Decided {
                id: p.id,
                title: p.title,
                to: format!("{} <{}>", p.presenter_name, p.presenter_email),
            })
            .collect(),
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "backoffice/review_criteria.html")]
struct CriteriaPage {
    t: &'static Texts,
    w: &'static Words,
    j: &'static Jury,
    form_token: String,
    crumbs: Vec<(String, String)>,
    action: String,
    lines: String,
    anonymous: bool,
    errors: Vec<String>,
    saved: bool,
}

fn criteria_lines(criteria: &[Criterion]) -> String {
    criteria
        .iter()
        .map(|c| {
            format!(
                "{} | {} | {} | {} | {}",
                c.key, c.name_de, c.name_en, c.weight, c.max
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn criteria_page(
    session: &Session,
    event: &event::Model,
    lines: String,
    anonymous: bool,
    errors: Vec<String>,
    saved: bool,
) -> CriteriaPage {
    let (t, w, j) = (
        Texts::of(session.lang),
        Words::of(session.lang),
        Jury::of(session.lang),
    );
    CriteriaPage {
        t,
        w,
        j,
        form_token: session.form_token.clone(),
        crumbs: vec![crumb(event, t.lang)],
        action: format!(
            "/orga/events/{}/review-criteria?lang={}",
            event.slug, t.lang
        ),
        lines,
        anonymous,
        errors,
        saved,
    }
}

/// `GET /orga/events/{slug}/review-criteria`: the criteria, one a line, and anonymous review.
pub async fn criteria_form(
    state: web::Data<AppState>,
    session: Session,
    key: web::Path<String>,
    query: web::Query<FormQuery>,
) -> Result<HttpResponse, PageError> {
    let event = managed_event(&state, &session, &key).await?;
    let criteria = reviews::criteria(&state.db, event.id)
        .await
        .map_err(api(&session))?;
    let settings = reviews::settings(&state.db, event.id)
        .await
        .map_err(api(&session))?;
    let page = criteria_page(
        &session,
        &event,
        criteria_lines(&criteria),
        settings.anonymous_review,
        Vec::new(),
        query.done.as_deref() == Some("saved"),
    );
    Ok(render(StatusCode::OK, &page))
}

/// `POST /orga/events/{slug}/review-criteria`: the lines become the API's criteria
/// (`parse_criteria`, as `PUT …/review-criteria`), stored with the settings; a refused form
/// comes back (422) with what was typed and each error by line.
pub async fn criteria_save(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    key: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let fields = Fields(form.into_inner());
    check_post(&req, &state, &session, fields.one("form_token"))?;
    let event = managed_event(&state, &session, &key).await?;
    let j = Jury::of(session.lang);
    let typed = fields.one("criteria").to_owned();
    let anonymous = !fields.one("anonymous_review").is_empty();
    let mut errors = Vec::new();
    let mut given = Vec::new();
    for (n, line) in typed
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        let parsed = match parts.as_slice() {
            [key, de, en, weight, max] => weight
                .replace(',', ".")
                .parse::<f64>()
                .ok()
                .zip(max.parse::<i64>().ok())
                .map(|(weight, max)| NewCriterion {
                    key: (*key).to_owned(),
                    name_de: (*de).to_owned(),
                    name_en: (*en).to_owned(),
                    weight,
                    max,
                }),
            _ => None,
        };
        match parsed {
            Some(c) => given.push(c),
            None => errors.push(j.bad_line.replace("{n}", &(n + 1).to_string())),
        }
    }
    let criteria = if errors.is_empty() {
        match parse_criteria(given) {
            Ok(c) => Some(c),
            Err(refused) => {
                for e in refused {
                    // `[index].field`: the index counts the lines given, from 0.
                    let line = e
                        .field
                        .trim_start_matches('[')
                        .split(']')
                        .next()
                        .and_then(|i| i.parse::<usize>().ok())
                        .map_or(String::new(), |i| format!("{} ", i + 1));
                    let field = e.field.split('.').nth(1).unwrap_or("");
                    errors.push(format!("{line}{field}: {}", e.message));
                }
                None
            }
        }
    } else {
        None
    };
    let Some(criteria) = criteria else {
        let page = criteria_page(&session, &event, typed, anonymous, errors, false);
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    reviews::replace_criteria(&state.db, event.id, criteria)
        .await
        .map_err(api(&session))?;
    reviews::set_settings(
        &state.db,
        event.id,
        reviews::ReviewSettings {
            anonymous_review: anonymous,
        },
    )
    .await
    .map_err(api(&session))?;
    Ok(see_other(&format!(
        "/orga/events/{}/review-criteria?lang={}&done=saved",
        event.slug,
        Texts::of(session.lang).lang
    )))
}
