//! An event's registration questions in the backoffice (issue 28, issue 17's questions):
//! the list with up/down buttons (forms, no script), add, edit, delete after a confirmation,
//! and a preview of the form as attendees see it (the public page's own markup,
//! `templates/pages/questions.html`). Each form becomes the API's `QuestionRequest` and goes
//! to the same service as `src/routes/questions/`.
use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use askama::Template;
use entity::event;
use entity::registration::Language;
use entity::registration_question::{self, QuestionKind};
use serde::Deserialize;
use uuid::Uuid;

use super::event_texts::Words;
use super::events::{check_post, crumb, managed_event, Done, TokenOnly};
use super::{PageError, Session, Texts};
use crate::error::ApiError;
use crate::pages::{render, see_other, FormView};
use crate::routes::questions::QuestionRequest;
use crate::services::questions::{self, ChoiceInput, Direction};
use crate::state::AppState;

/// The question form's fields; `choices` holds one choice a line, `German | English` or
/// `key | German | English`.
#[derive(Debug, Default, Deserialize)]
pub struct QuestionForm {
    #[serde(default)]
    form_token: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    required: Option<String>,
    #[serde(default)]
    label_de: String,
    #[serde(default)]
    label_en: String,
    #[serde(default)]
    choices: String,
}

/// What the question form shows: the values and the errors at their fields.
#[derive(Debug, Clone, Default)]
pub struct QuestionFormView {
    pub kind: String,
    pub required: bool,
    pub label_de: String,
    pub label_en: String,
    pub choices: String,
    pub errors: Vec<(String, String)>,
    pub general: Vec<String>,
}

/// The API's word for a kind of question.
fn kind_code(kind: QuestionKind) -> &'static str {
    match kind {
        QuestionKind::ShortText => "short_text",
        QuestionKind::LongText => "long_text",
        QuestionKind::OneChoice => "one_choice",
        QuestionKind::ManyChoices => "many_choices",
        QuestionKind::YesNo => "yes_no",
    }
}

fn kind_word(w: &Words, kind: QuestionKind) -> &'static str {
    match kind {
        QuestionKind::ShortText => w.kind_short_text,
        QuestionKind::LongText => w.kind_long_text,
        QuestionKind::OneChoice => w.kind_one_choice,
        QuestionKind::ManyChoices => w.kind_many_choices,
        QuestionKind::YesNo => w.kind_yes_no,
    }
}

impl QuestionFormView {
    /// The form's values for a question.
    fn of(q: &registration_question::Model) -> Self {
        Self {
            kind: kind_code(q.kind).to_owned(),
            required: q.required,
            label_de: q.label_de.clone(),
            label_en: q.label_en.clone(),
            choices: questions::choices(q)
                .into_iter()
                .map(|c| format!("{} | {} | {}", c.key, c.de, c.en))
                .collect::<Vec<_>>()
                .join("\n"),
            ..Self::default()
        }
    }

    fn refilled(form: &QuestionForm) -> Self {
        Self {
            kind: form.kind.trim().to_owned(),
            required: form.required.is_some(),
            label_de: form.label_de.clone(),
            label_en: form.label_en.clone(),
            choices: form.choices.clone(),
            ..Self::default()
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

    fn push(&mut self, field: &str, message: String) {
        if self.error(field).is_none() {
            self.errors.push((field.to_owned(), message));
        }
    }

    /// The kinds to choose from: value, words, chosen.
    pub fn kinds(&self, w: &Words) -> Vec<(&'static str, &'static str, bool)> {
        [
            QuestionKind::ShortText,
            QuestionKind::LongText,
            QuestionKind::OneChoice,
            QuestionKind::ManyChoices,
            QuestionKind::YesNo,
        ]
        .into_iter()
        .map(|k| (kind_code(k), kind_word(w, k), self.kind == kind_code(k)))
        .collect()
    }
}

impl QuestionForm {
    /// The API's body: the choices' lines split at `|`; a line that is neither two nor three
    /// parts is recorded in `view` (and left out).
    fn request(&self, view: &mut QuestionFormView, w: &Words) -> QuestionRequest {
        let mut choices = Vec::new();
        for (n, line) in self
            .choices
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .enumerate()
        {
            let parts: Vec<&str> = line.split('|').map(str::trim).collect();
            match parts.as_slice() {
                [de, en] => choices.push(ChoiceInput {
                    key: None,
                    de: (*de).to_owned(),
                    en: (*en).to_owned(),
                }),
                [key, de, en] => choices.push(ChoiceInput {
                    key: Some((*key).to_owned()),
                    de: (*de).to_owned(),
                    en: (*en).to_owned(),
                }),
                _ => view.push(
                    "choices",
                    w.err_choice_line.replace("{n}", &(n + 1).to_string()),
                ),
            }
        }
        QuestionRequest {
            kind: Some(self.kind.trim().to_owned()),
            required: Some(self.required.is_some()),
            label_de: Some(self.label_de.clone()),
            label_en: Some(self.label_en.clone()),
            choices: Some(choices),
            position: None,
        }
    }
}

/// Puts a refusal of the service into the form; the status to answer with.
fn refusal_into(
    view: &mut QuestionFormView,
    err: ApiError,
    lang: Language,
    w: &Words,
) -> Result<StatusCode, PageError> {
    let takes_choices = matches!(view.kind.as_str(), "one_choice" | "many_choices");
    match err {
        ApiError::Validation { errors, .. } => {
            for e in errors {
                let (field, message) = match e.field.as_str() {
                    "kind" => ("kind", w.err_kind.to_owned()),
                    "label_de" => ("label_de", w.err_label.to_owned()),
                    "label_en" => ("label_en", w.err_label.to_owned()),
                    "choices" if takes_choices => ("choices", w.err_choices_none.to_owned()),
                    "choices" => ("choices", w.err_choices.to_owned()),
                    other => {
                        // `choices.<n>.<part>`: the n-th line, counted from 1.
                        let line = other
                            .split('.')
                            .nth(1)
                            .and_then(|n| n.parse::<usize>().ok())
                            .map_or(1, |n| n + 1);
                        (
                            "choices",
                            w.err_choice_line.replace("{n}", &line.to_string()),
                        )
                    }
                };
                view.push(field, message);
            }
            Ok(StatusCode::UNPROCESSABLE_ENTITY)
        }
        ApiError::Conflict(_) => {
            view.general.push(w.err_too_many.to_owned());
            Ok(StatusCode::CONFLICT)
        }
        other => Err(PageError::Api(lang, other)),
    }
}

/// One question in the list.
struct Row {
    id: Uuid,
    label: String,
    /// The label in the other language.
    other: String,
    kind: &'static str,
    required: bool,
    choices: Vec<String>,
    first: bool,
    last: bool,
}

#[derive(Template)]
#[template(path = "backoffice/questions.html")]
struct ListPage {
    t: &'static Texts,
    w: &'static Words,
    form_token: String,
    crumbs: Vec<(String, String)>,
    event_title: String,
    base: String,
    rows: Vec<Row>,
    form: QuestionFormView,
    done: Option<&'static str>,
}

fn rows(asked: &[registration_question::Model], lang: Language, w: &Words) -> Vec<Row> {
    let de = lang == Language::De;
    let n = asked.len();
    asked
        .iter()
        .enumerate()
        .map(|(i, q)| Row {
            id: q.id,
            label: if de { &q.label_de } else { &q.label_en }.clone(),
            other: if de { &q.label_en } else { &q.label_de }.clone(),
            kind: kind_word(w, q.kind),
            required: q.required,
            choices: questions::choices(q)
                .into_iter()
                .map(|c| if de { c.de } else { c.en })
                .collect(),
            first: i == 0,
            last: i + 1 == n,
        })
        .collect()
}

/// `/orga/events/{slug}/questions`
fn base_path(event: &event::Model) -> String {
    format!("/orga/events/{}/questions", event.slug)
}

async fn list_page(
    state: &AppState,
    session: &Session,
    event: &event::Model,
    form: QuestionFormView,
    done: Option<&'static str>,
) -> Result<ListPage, PageError> {
    let asked = questions::list(&state.db, event.id)
        .await
        .map_err(|err| PageError::Api(session.lang, err))?;
    let t = Texts::of(session.lang);
    let w = Words::of(session.lang);
    Ok(ListPage {
        t,
        w,
        form_token: session.form_token.clone(),
        crumbs: vec![crumb(event, t.lang)],
        event_title: event.title.clone(),
        base: base_path(event),
        rows: rows(&asked, session.lang, w),
        form,
        done,
    })
}

/// `GET /orga/events/{slug}/questions`: the questions in form order, each with its buttons,
/// and the form to add one.
pub async fn list(
    state: web::Data<AppState>,
    session: Session,
    key: web::Path<String>,
    query: web::Query<Done>,
) -> Result<HttpResponse, PageError> {
    let event = managed_event(&state, &session, &key).await?;
    let w = Words::of(session.lang);
    let done = match query.done.as_deref() {
        Some("added") => Some(w.question_added),
        Some("saved") => Some(w.question_saved),
        Some("deleted") => Some(w.question_deleted),
        _ => None,
    };
    let form = QuestionFormView {
        kind: "short_text".to_owned(),
        ..QuestionFormView::default()
    };
    let page = list_page(&state, &session, &event, form, done).await?;
    Ok(render(StatusCode::OK, &page))
}

/// `POST /orga/events/{slug}/questions`: adds a question (`questions::add`, as `POST
/// /api/v1/events/{event}/questions`); the list again, or the page with the form's errors
/// (422; 409 beyond 50 questions).
pub async fn add(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    key: web::Path<String>,
    form: web::Form<QuestionForm>,
) -> Result<HttpResponse, PageError> {
    check_post(&req, &state, &session, &form.form_token)?;
    let event = managed_event(&state, &session, &key).await?;
    let w = Words::of(session.lang);
    let mut view = QuestionFormView::refilled(&form);
    let body = form.request(&mut view, w);
    let status = match body.fields(None) {
        Ok(_) if view.has_errors() => StatusCode::UNPROCESSABLE_ENTITY,
        Ok(fields) => match questions::add(&state.db, event.id, fields).await {
            Ok(_) => {
                return Ok(see_other(&format!(
                    "{}?lang={}&done=added",
                    base_path(&event),
                    Texts::of(session.lang).lang
                )))
            }
            Err(err) => refusal_into(&mut view, err, session.lang, w)?,
        },
        Err(err) => refusal_into(&mut view, err, session.lang, w)?,
    };
    let page = list_page(&state, &session, &event, view, None).await?;
    Ok(render(status, &page))
}

#[derive(Template)]
#[template(path = "backoffice/question_edit.html")]
struct EditPage {
    t: &'static Texts,
    w: &'static Words,
    form_token: String,
    crumbs: Vec<(String, String)>,
    action: String,
    form: QuestionFormView,
}

fn edit_page(
    session: &Session,
    event: &event::Model,
    id: Uuid,
    form: QuestionFormView,
) -> EditPage {
    let t = Texts::of(session.lang);
    let w = Words::of(session.lang);
    EditPage {
        t,
        w,
        form_token: session.form_token.clone(),
        crumbs: vec![
            crumb(event, t.lang),
            (
                format!("{}?lang={}", base_path(event), t.lang),
                w.questions_title.to_owned(),
            ),
        ],
        action: format!("{}/{id}/edit?lang={}", base_path(event), t.lang),
        form,
    }
}

/// `GET /orga/events/{slug}/questions/{id}/edit`: the question's form.
pub async fn edit_form(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, PageError> {
    let (key, id) = path.into_inner();
    let event = managed_event(&state, &session, &key).await?;
    let question = questions::find(&state.db, event.id, id)
        .await
        .map_err(|err| PageError::Api(session.lang, err))?;
    let page = edit_page(&session, &event, id, QuestionFormView::of(&question));
    Ok(render(StatusCode::OK, &page))
}

/// `POST /orga/events/{slug}/questions/{id}/edit`: `questions::change`, as `PATCH
/// /api/v1/events/{event}/questions/{id}`; back to the list, or the form with its errors.
pub async fn edit(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    path: web::Path<(String, Uuid)>,
    form: web::Form<QuestionForm>,
) -> Result<HttpResponse, PageError> {
    check_post(&req, &state, &session, &form.form_token)?;
    let (key, id) = path.into_inner();
    let event = managed_event(&state, &session, &key).await?;
    let w = Words::of(session.lang);
    let mut view = QuestionFormView::refilled(&form);
    let body = form.request(&mut view, w);
    let status = if view.has_errors() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        match questions::change(&state.db, event.id, id, |current| {
            body.fields(Some(current))
        })
        .await
        {
            Ok(_) => {
                return Ok(see_other(&format!(
                    "{}?lang={}&done=saved",
                    base_path(&event),
                    Texts::of(session.lang).lang
                )))
            }
            Err(err) => refusal_into(&mut view, err, session.lang, w)?,
        }
    };
    Ok(render(status, &edit_page(&session, &event, id, view)))
}

/// The up/down button's form.
#[derive(Debug, Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    form_token: String,
    #[serde(default)]
    direction: String,
}

/// `POST /orga/events/{slug}/questions/{id}/move`: one place up or down
/// (`questions::move_by`); back to the list at the question.
pub async fn move_question(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    path: web::Path<(String, Uuid)>,
    form: web::Form<MoveForm>,
) -> Result<HttpResponse, PageError> {
    check_post(&req, &state, &session, &form.form_token)?;
    let (key, id) = path.into_inner();
    let event = managed_event(&state, &session, &key).await?;
    let direction = match form.direction.as_str() {
        "up" => Direction::Up,
        "down" => Direction::Down,
        _ => {
            return Err(PageError::Api(
                session.lang,
                ApiError::invalid("direction", "must be up or down"),
            ))
        }
    };
    questions::move_by(&state.db, event.id, id, direction)
        .await
        .map_err(|err| PageError::Api(session.lang, err))?;
    Ok(see_other(&format!(
        "{}?lang={}#q-{id}",
        base_path(&event),
        Texts::of(session.lang).lang
    )))
}

#[derive(Template)]
#[template(path = "backoffice/question_delete.html")]
struct DeletePage {
    t: &'static Texts,
    w: &'static Words,
    form_token: String,
    crumbs: Vec<(String, String)>,
    label: String,
    action: String,
    back: String,
}

/// `GET /orga/events/{slug}/questions/{id}/delete`: asks first.
pub async fn delete_form(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, PageError> {
    let (key, id) = path.into_inner();
    let event = managed_event(&state, &session, &key).await?;
    let question = questions::find(&state.db, event.id, id)
        .await
        .map_err(|err| PageError::Api(session.lang, err))?;
    let t = Texts::of(session.lang);
    let w = Words::of(session.lang);
    let back = format!("{}?lang={}", base_path(&event), t.lang);
    Ok(render(
        StatusCode::OK,
        &DeletePage {
            t,
            w,
            form_token: session.form_token.clone(),
            crumbs: vec![
                crumb(&event, t.lang),
                (back.clone(), w.questions_title.to_owned()),
            ],
            label: if session.lang == Language::De {
                question.label_de
            } else {
                question.label_en
            },
            action: format!("{}/{id}/delete?lang={}", base_path(&event), t.lang),
            back,
        },
    ))
}

/// `POST /orga/events/{slug}/questions/{id}/delete`: `questions::remove`, as `DELETE
/// /api/v1/events/{event}/questions/{id}`.
pub async fn delete(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    path: web::Path<(String, Uuid)>,
    form: web::Form<TokenOnly>,
) -> Result<HttpResponse, PageError> {
    check_post(&req, &state, &session, &form.form_token)?;
    let (key, id) = path.into_inner();
    let event = managed_event(&state, &session, &key).await?;
    questions::remove(&state.db, event.id, id)
        .await
        .map_err(|err| PageError::Api(session.lang, err))?;
    Ok(see_other(&format!(
        "{}?lang={}&done=deleted",
        base_path(&event),
        Texts::of(session.lang).lang
    )))
}

#[derive(Template)]
#[template(path = "backoffice/question_preview.html")]
struct PreviewPage {
    /// The public pages' texts: the form's own markup reads them.
    t: &'static crate::pages::Texts,
    b: &'static Texts,
    w: &'static Words,
    form_token: String,
    crumbs: Vec<(String, String)>,
    event_title: String,
    questions: Vec<crate::pages::QuestionView>,
    other_language: String,
}

/// `GET /orga/events/{slug}/questions/preview`: the questions as the event page's form shows
/// them, in the page's language (`?lang=`), with a link to the other language. Not a form:
/// nothing here can be sent.
pub async fn preview(
    state: web::Data<AppState>,
    session: Session,
    key: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let event = managed_event(&state, &session, &key).await?;
    let asked = questions::list(&state.db, event.id)
        .await
        .map_err(|err| PageError::Api(session.lang, err))?;
    let b = Texts::of(session.lang);
    let w = Words::of(session.lang);
    let other = match session.lang {
        Language::De => "en",
        Language::En => "de",
    };
    let base = base_path(&event);
    Ok(render(
        StatusCode::OK,
        &PreviewPage {
            t: crate::pages::Texts::of(session.lang),
            b,
            w,
            form_token: session.form_token.clone(),
            crumbs: vec![
                crumb(&event, b.lang),
                (
                    format!("{base}?lang={}", b.lang),
                    w.questions_title.to_owned(),
                ),
            ],
            event_title: event.title.clone(),
            questions: FormView::empty(session.lang).questions(&asked, session.lang),
            other_language: format!("{base}/preview?lang={other}"),
        },
    ))
}
