//! The registration form: what a browser posts, checked by the API's rules, and what goes back
//! into the form when it is refused (the typed values and an error at each field).
use actix_web::{web, HttpRequest};
use entity::registration::Language;
use serde::Deserialize;
use serde_json::json;

use crate::domain::{text, EmailAddress};
use crate::error::ApiError;
use crate::routes::registrations::parse_sector;
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
}

impl RegisterForm {
    /// The form as the JSON body the API would get: what the idempotency key fingerprints.
    pub fn as_json(&self) -> serde_json::Value {
        json!({
            "name": self.name, "email": self.email, "organisation": self.organisation,
            "sector": self.sector, "language": self.language, "consent": self.consent.is_some(),
        })
    }

    /// The checked registration, or the fields in error with the page language's message.
    pub fn parse(&self, t: &'static Texts) -> Result<NewRegistration, Vec<FieldError>> {
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
        let language = match self.language.trim() {
            "de" => Some(Language::De),
            "en" => Some(Language::En),
            _ => None,
        };
        check("language", language.is_some(), t.err_language);
        check("consent", self.consent.is_some(), t.err_consent);
        match (name, email, organisation, sector, language) {
            (Some(name), Some(email), Some(organisation), Some(sector), Some(language))
                if errors.is_empty() =>
            {
                Ok(NewRegistration {
                    name,
                    email,
                    organisation,
                    sector,
                    language,
                    answers: Vec::new(),
                })
            }
            _ => Err(errors),
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
        !self.errors.is_empty() || !self.general.is_empty()
    }
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
