//! The attendee corrects their registration (`/registrations/{token}/edit`): name,
//! organisation and the answers to the event's questions, until the event starts. Written by
//! the same service as `PATCH /api/v1/registrations/{token}`
//! (`registrations::edit::edit_own`, where the rule of when it closes lives).
use std::collections::BTreeMap;

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use askama::Template;
use entity::registration::Language;
use entity::registration_question;

use super::form::{FieldError, FormView, QuestionView, RegisterForm};
use super::{error_page, public_language, render, see_other, Texts};
use crate::domain::time::now;
use crate::error::ApiError;
use crate::services::questions::{self, RawAnswer};
use crate::services::registrations::edit::{self, OwnEdit};
use crate::services::{events, registrations};
use crate::state::AppState;

/// The texts of the edit form and the attendee page's edit link, in German and English.
pub struct EditTexts {
    pub edit_title: &'static str,
    pub edit_note: &'static str,
    pub edit_link: &'static str,
    pub save: &'static str,
    pub saved: &'static str,
    pub closed: &'static str,
    pub cross_site: &'static str,
    /// The "already registered" answer's offer, its button, and the page after it.
    pub resend_note: &'static str,
    pub resend_button: &'static str,
    pub link_sent_title: &'static str,
    /// Before and after the event's title.
    pub link_sent_body: (&'static str, &'static str),
}

const DE: EditTexts = EditTexts {
    edit_title: "Anmeldung bearbeiten",
    edit_note: "Name, Organisation und Antworten können Sie bis zum Beginn der Veranstaltung \
                ändern. Namensschild und Catering zeigen, was hier steht.",
    edit_link: "Name, Organisation und Antworten ändern",
    save: "Änderungen speichern",
    saved: "Ihre Änderungen sind gespeichert.",
    closed: "Die Anmeldung kann nicht mehr bearbeitet werden: Die Veranstaltung hat begonnen \
             oder ist abgesagt, oder die Anmeldung ist storniert oder abgelaufen.",
    cross_site: "Dieses Formular wurde von einer anderen Website gesendet und wird nicht \
                 angenommen. Bitte öffnen Sie Ihre Anmeldung über den Link in Ihrer E-Mail.",
    resend_note: "Haben Sie den Link zu Ihrer Anmeldung nicht mehr? Wir senden ihn gern noch \
                  einmal an diese Adresse.",
    resend_button: "Link zu meiner Anmeldung zusenden",
    link_sent_title: "Link unterwegs",
    link_sent_body: (
        "Wenn diese Adresse für „",
        "“ angemeldet ist, haben wir den Link zur Anmeldung an sie gesendet.",
    ),
};

const EN: EditTexts = EditTexts {
    edit_title: "Edit your registration",
    edit_note: "You can change your name, organisation and answers until the event starts. \
                Your badge and the catering show what is written here.",
    edit_link: "Change name, organisation and answers",
    save: "Save changes",
    saved: "Your changes are saved.",
    closed: "This registration can no longer be edited: the event has started or is \
             cancelled, or the registration is cancelled or expired.",
    cross_site: "This form was sent from another website and is not accepted. Please open \
                 your registration through the link in your e-mail.",
    resend_note: "Lost the link to your registration? We can send it to this address again.",
    resend_button: "Mail me the link to my registration",
    link_sent_title: "Link on its way",
    link_sent_body: (
        "If this address is registered for ",
        ", we have sent the link to its registration to it.",
    ),
};

impl EditTexts {
    pub fn of(lang: Language) -> &'static Self {
        match lang {
            Language::De => &DE,
            Language::En => &EN,
        }
    }
}

#[derive(Template)]
#[template(path = "pages/registration_edit.html")]
struct EditPage {
    t: &'static Texts,
    se: &'static EditTexts,
    event_title: String,
    /// Why editing is closed; `Some`: no form.
    closed: Option<&'static str>,
    form: FormView,
    questions: Vec<QuestionView>,
    action: String,
    back: String,
}

/// The registration, its event and the questions the event asks, for the form.
async fn load(
    state: &AppState,
    token: &str,
) -> Result<
    (
        registrations::Registered,
        entity::event::Model,
        Vec<registration_question::Model>,
    ),
    ApiError,
> {
    let found = registrations::find_by_token(&state.db, token).await?;
    let event = events::find(&state.db, &found.registration.event_id.to_string())
        .await?
        .ok_or_else(|| ApiError::not_found("event"))?;
    let asked = questions::list(&state.db, event.id).await?;
    Ok((found, event, asked))
}

fn page(
    token: &str,
    lang: Language,
    event: &entity::event::Model,
    closed: bool,
    form: FormView,
    asked: &[registration_question::Model],
) -> EditPage {
    let se = EditTexts::of(lang);
    EditPage {
        t: Texts::of(lang),
        se,
        event_title: event.title.clone(),
        closed: closed.then_some(se.closed),
        questions: form.questions(asked, lang),
        form,
        action: format!("/registrations/{token}/edit"),
        back: format!("/registrations/{token}"),
    }
}

/// `GET /registrations/{token}/edit`: the form with the registration as it is; once editing
/// is closed (`edit::own_edit_closed`), a page saying so, without a form (status 409).
pub async fn form(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> HttpResponse {
    let (found, event, asked) = match load(&state, &token).await {
        Ok(loaded) => loaded,
        Err(err) => return error_page(public_language(&req), err),
    };
    let reg = found.registration;
    let lang = reg.language;
    let closed = edit::own_edit_closed(&reg, &event, now()).is_some();
    let answers = match questions::answers_of(&state.db, &[reg.id]).await {
        Ok(answers) => answers,
        Err(err) => return error_page(lang, err),
    };
    let mut given: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in answers.get(&reg.id).into_iter().flatten() {
        given
            .entry(row.question_id.to_string())
            .or_default()
            .push(row.value.clone());
    }
    let form = FormView {
        name: reg.name,
        organisation: reg.organisation,
        answers: given,
        ..FormView::empty(lang)
    };
    let status = if closed {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    render(status, &page(&token, lang, &event, closed, form, &asked))
}

/// `POST /registrations/{token}/edit`: saved by `edit::edit_own`, then `303` to the attendee's
/// page with `?done=edit`. Refused: a post from another site (403, nothing changed); bad
/// input: the form again (422) with what was typed and each error at its field; closed: the
/// page saying so (409).
pub async fn save(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> HttpResponse {
    let (found, event, asked) = match load(&state, &token).await {
        Ok(loaded) => loaded,
        Err(err) => return error_page(public_language(&req), err),
    };
    let lang = found.registration.language;
    if is_cross_site(&req, &state.public_url) {
        let t = Texts::of(lang);
        return render(
            StatusCode::FORBIDDEN,
            &super::MessagePage {
                t,
                title: t.error_title.to_owned(),
                message: EditTexts::of(lang).cross_site.to_owned(),
                link: Some((format!("/registrations/{token}"), t.back.to_owned())),
                switch: None,
            },
        );
    }
    let sent = RegisterForm::from_pairs(form.into_inner());
    let own = OwnEdit {
        name: Some(sent.name.clone()),
        organisation: Some(sent.organisation.clone()),
        // Answers to questions deleted while the form was open are not the person's to fix.
        answers: Some(
            sent.answers
                .iter()
                .filter(|(id, _)| asked.iter().any(|q| q.id.to_string() == **id))
                .map(|(id, values)| (id.clone(), RawAnswer::Form(values.clone())))
                .collect(),
        ),
    };
    match edit::edit_own(&state.db, &token, own).await {
        Ok(_) => see_other(&format!("/registrations/{token}?done=edit")),
        Err(ApiError::Validation { errors, .. }) => {
            let t = Texts::of(lang);
            let mut view = FormView::refilled(&sent);
            for e in errors {
                match e.field.as_str() {
                    "name" => view.errors.push(FieldError {
                        field: "name",
                        message: t.err_name,
                    }),
                    "organisation" => view.errors.push(FieldError {
                        field: "organisation",
                        message: t.err_organisation,
                    }),
                    field => {
                        let Some(q) = field.strip_prefix("answers.") else {
                            continue;
                        };
                        // As the registration form says it: a required question left
                        // empty, or an answer the question does not take.
                        let required = asked.iter().any(|a| a.id.to_string() == q && a.required);
                        let unanswered = sent
                            .answers
                            .get(q)
                            .is_none_or(|values| values.iter().all(|v| v.trim().is_empty()));
                        let message = if required && unanswered {
                            t.err_answer_required
                        } else {
                            t.err_answer_invalid
                        };
                        view.answer_errors.insert(q.to_owned(), message);
                    }
                }
            }
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page(&token, lang, &event, false, view, &asked),
            )
        }
        Err(ApiError::Conflict(_)) => render(
            StatusCode::CONFLICT,
            &page(&token, lang, &event, true, FormView::empty(lang), &asked),
        ),
        Err(err) => error_page(lang, err),
    }
}

/// A post from another site: the rule every form of podium follows
/// ([`crate::http::cross_site::is_cross_site`]). Without the headers (not a browser), the
/// manage token in the path is the proof: only its holder has it.
pub(super) fn is_cross_site(req: &HttpRequest, public_url: &str) -> bool {
    crate::http::cross_site::is_cross_site(req, public_url)
}
