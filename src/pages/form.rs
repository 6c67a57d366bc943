//! The registration form: what a browser posts, checked by the API's rules, and what goes back
//! into the form when it is refused (the typed values and an error at each field).
use actix_web::{web, HttpRequest};
use entity::registration::Language;
use serde::Deserialize;
use serde_json::json;

use std::collections::BTreeMap;

use entity::registration_question::{self, QuestionKind};

use crate::domain::choice::sector as parse_sector;
use crate::domain::{text, EmailAddress, Validator};
use crate::error::ApiError;
use crate::services::questions::{self, RawAnswer};
use crate::services::registrations::{NewRegistration, NAME_MAX, ORGANISATION_MAX};

use super::Texts;

/// The form's fields as `application/x-www-form-urlencoded` sends them: the API's names, and
/// `form_key`, the hidden per-form idempotency key. A checkbox that is not ticked is absent.
#[derive(Debug, Default, Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub organisation: String,
    #[serde(default)]
    pub sector: String,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub consent: Option<String>,
    #[serde(default)]
    pub form_key: String,
    /// Answers to the registration questions: every value sent as `answers.<question id>`
    /// (a group of checkboxes sends several).
    #[serde(skip)]
    pub answers: BTreeMap<String, Vec<String>>,
}

impl RegisterForm {
    /// The form from its fields as sent, in order; the question fields (`answers.<id>`) may
    /// repeat, for the others the last value counts. Unknown fields are ignored.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut form = Self::default();
        for (name, value) in pairs {
            match name.as_str() {
                "name" => form.name = value,
                "email" => form.email = value,
                "organisation" => form.organisation = value,
                "sector" => form.sector = value,
                "language" => form.language = value,
                "consent" => form.consent = Some(value),
                "form_key" => form.form_key = value,
                other => {
                    if let Some(id) = other.strip_prefix("answers.") {
                        form.answers.entry(id.to_owned()).or_default().push(value);
                    }
                }
            }
        }
        form
    }

    /// The form as the JSON body the API would get: what the idempotency key fingerprints.
    pub fn as_json(&self) -> serde_json::Value {
        json!({
            "name": self.name, "email": self.email, "organisation": self.organisation,
            "sector": self.sector, "language": self.language, "consent": self.consent.is_some(),
            "answers": self.answers,
        })
    }

    /// The checked registration, or the fields in error with the page language's message
    /// (the answers' errors by question id; the API's rules: `questions::check_answers`).
    pub fn parse(
        &self,
        t: &'static Texts,
        asked: &[registration_question::Model],
    ) -> Result<NewRegistration, (Vec<FieldError>, BTreeMap<String, &'static str>)> {
        let mut v = Validator::new();
        // Answers to questions the event no longer asks (deleted while the form was open) are
        // ignored: the person cannot see or change those fields, so an error there was a 422
        // with nothing to fix. (The API still refuses them: its client sent the ids itself.)
        let answers = questions::check_answers(
            &mut v,
            asked,
            self.answers
                .iter()
                .filter(|(id, _)| asked.iter().any(|q| q.id.to_string() == **id))
                .map(|(id, values)| (id.clone(), RawAnswer::Form(values.clone())))
                .collect(),
        );
        let answer_errors: BTreeMap<String, &'static str> = match v.finish() {
            Ok(()) => BTreeMap::new(),
            Err(ApiError::Validation { errors, .. }) => errors
                .into_iter()
                .filter_map(|e| {
                    let id = e.field.strip_prefix("answers.")?.to_owned();
                    let required = asked.iter().any(|q| q.id.to_string() == id && q.required);
                    let unanswered = self
                        .answers
                        .get(&id)
                        .is_none_or(|values| values.iter().all(|value| value.trim().is_empty()));
                    let message = if required && unanswered {
                        t.err_answer_required
                    } else {
                        t.err_answer_invalid
                    };
                    Some((id, message))
                })
                .collect(),
            Err(_) => BTreeMap::new(),
        };
        let mut errors = Vec::new();
        let mut check = |field: &'static str, ok: bool, message: &'static str| {
            if !ok {
                errors.push(FieldError { field, message });
            }
        };
        let name = text::one_line("name", &self.name, NAME_MAX).ok();
        check("name", name.is_some(), t.err_name);
        let email = EmailAddress::parse("email", &self.email).ok();
        check("email", email.is_some(), t.err_email);
        let organisation =
            text::optional_line("organisation", &self.organisation, ORGANISATION_MAX).ok();
        check("organisation", organisation.is_some(), t.err_organisation);
        let sector = parse_sector("sector", &self.sector).ok();
        check("sector", sector.is_some(), t.err_sector);
        let language = crate::domain::choice::language("language", &self.language).ok();
        check("language", language.is_some(), t.err_language);
        check("consent", self.consent.is_some(), t.err_consent);
        match (name, email, organisation, sector, language) {
            (Some(name), Some(email), Some(organisation), Some(sector), Some(language))
                if errors.is_empty() && answer_errors.is_empty() =>
            {
                Ok(NewRegistration {
                    name,
                    email,
                    organisation,
                    sector,
                    language,
                    answers,
                })
            }
            _ => Err((errors, answer_errors)),
        }
    }
}

/// An error at one field of the form (`field` is the input's `name` and `id`).
#[derive(Debug, Clone)]
pub struct FieldError {
    pub field: &'static str,
    pub message: &'static str,
}

/// What the form shows: the values typed, the errors, and the key of this rendering.
#[derive(Debug, Clone, Default)]
pub struct FormView {
    pub name: String,
    pub email: String,
    pub organisation: String,
    pub sector: String,
    pub language: String,
    pub consent: bool,
    /// Errors without a field (full, closed) first in the summary.
    pub general: Vec<&'static str>,
    pub errors: Vec<FieldError>,
    /// The values typed or chosen per question id.
    pub answers: BTreeMap<String, Vec<String>>,
    /// The errors per question id.
    pub answer_errors: BTreeMap<String, &'static str>,
}

impl FormView {
    /// An empty form; mails in the page's language unless the person chooses otherwise.
    pub fn empty(lang: Language) -> Self {
        Self {
            language: super::code(lang).to_owned(),
            ..Self::default()
        }
    }

    /// The form as it was sent, to show it again.
    pub fn refilled(form: &RegisterForm) -> Self {
        Self {
            name: form.name.clone(),
            email: form.email.clone(),
            organisation: form.organisation.clone(),
            sector: form.sector.trim().to_owned(),
            language: form.language.trim().to_owned(),
            consent: form.consent.is_some(),
            general: Vec::new(),
            errors: Vec::new(),
            answers: form.answers.clone(),
            answer_errors: BTreeMap::new(),
        }
    }

    pub fn error(&self, field: &str) -> Option<&'static str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message)
    }

    pub fn sector_is(&self, value: &str) -> bool {
        self.sector == value
    }

    pub fn language_is(&self, value: &str) -> bool {
        self.language == value
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || !self.general.is_empty() || !self.answer_errors.is_empty()
    }

    /// The form's registration questions in the page's language, with what was typed or
    /// chosen and their errors.
    pub fn questions(
        &self,
        asked: &[registration_question::Model],
        lang: Language,
    ) -> Vec<QuestionView> {
        let de = lang == Language::De;
        asked
            .iter()
            .map(|q| {
                let id = q.id.to_string();
                let given = self.answers.get(&id).cloned().unwrap_or_default();
                let is_given = |value: &str| given.iter().any(|g| g.trim() == value);
                QuestionView {
                    field: format!("answers.{id}"),
                    kind: match q.kind {
                        QuestionKind::ShortText => "short_text",
                        QuestionKind::LongText => "long_text",
                        QuestionKind::OneChoice => "one_choice",
                        QuestionKind::ManyChoices => "many_choices",
                        QuestionKind::YesNo => "yes_no",
                    },
                    label: if de { &q.label_de } else { &q.label_en }.clone(),
                    required: q.required,
                    choices: questions::choices(q)
                        .into_iter()
                        .map(|c| {
                            let checked = is_given(&c.key);
                            (c.key, if de { c.de } else { c.en }, checked)
                        })
                        .collect(),
                    text: given.first().cloned().unwrap_or_default(),
                    yes: is_given("yes"),
                    no: is_given("no"),
                    error: self.answer_errors.get(&id).copied(),
                    id,
                }
            })
            .collect()
    }
}

/// One registration question in the form.
#[derive(Debug, Clone)]
pub struct QuestionView {
    pub id: String,
    /// The input's `name`: `answers.<id>`.
    pub field: String,
    /// `short_text`, `long_text`, `one_choice`, `many_choices` or `yes_no`.
    pub kind: &'static str,
    pub label: String,
    pub required: bool,
    /// `(key, label, checked)`.
    pub choices: Vec<(String, String, bool)>,
    /// The text typed (text questions).
    pub text: String,
    pub yes: bool,
    pub no: bool,
    pub error: Option<&'static str>,
}

/// A body that is not a form answers problem+json, as the API does (browsers never send
/// one): 415 for another content type, 413 when too large, else 400.
pub fn config() -> web::FormConfig {
    web::FormConfig::default()
        .limit(FORM_LIMIT)
        .error_handler(|err, _req: &HttpRequest| {
            use actix_web::error::UrlencodedError;
            match err {
                UrlencodedError::ContentType => ApiError::UnsupportedMediaType(
                    "send the form as application/x-www-form-urlencoded".to_owned(),
                ),
                UrlencodedError::Overflow { .. } => ApiError::PayloadTooLarge(FORM_LIMIT),
                other => ApiError::BadRequest(format!("the body is not a valid form: {other}")),
            }
            .into()
        })
}

/// Largest form body: the fields' limits with room to spare.
const FORM_LIMIT: usize = 64 * 1024;
