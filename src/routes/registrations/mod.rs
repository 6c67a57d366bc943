//! Attendee registrations: the DTOs and the wiring; one file per action.
//!
//! Public: register, and the attendee's self-service through the `manage_token`.
//! Organisers: the attendee list (JSON and CSV), check-in, erasure.
mod check_in;
mod create;
mod csv;
mod erase;
mod list;
mod own;
mod resend;
mod xlsx;

use chrono::{DateTime, Utc};
use entity::registration::{self, Language, RegistrationStatus, Sector};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::services::registrations::{api_url, calendar_url, manage_url, Registered};

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(create::register)
        .service(resend::resend_link)
        .service(own::get_own)
        .service(own::edit_own)
        .service(own::confirm)
        .service(own::cancel_registration)
        .service(own::erase_own)
        .service(list::list_registrations)
        .service(csv::export_csv)
        .service(xlsx::export_xlsx)
        .service(list::get_registration)
        .service(check_in::check_in_by_code)
        .service(check_in::check_in)
        .service(check_in::undo_check_in)
        .service(erase::erase_registration);
}

/// A registration for an event.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"name": "Erika Mustermann", "email": "erika@example.org",
    "organisation": "Beispiel GmbH", "sector": "business", "language": "de", "consent": true}))]
pub struct RegisterRequest {
    /// The attendee's name as it appears on the list and the badge, one line of 1 to 200
    /// characters.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// The attendee's e-mail address (at most 254 characters): the confirmation, the manage
    /// link and the calendar entry go there.
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// The attendee's organisation, one line of up to 200 characters; may be empty.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub organisation: Option<String>,
    /// `business`, `science`, `politics` or `other`.
    #[schema(value_type = Sector)]
    pub sector: String,
    /// `de` or `en`; when absent, taken from `Accept-Language` (German if it prefers German),
    /// else `en`.
    #[serde(default)]
    #[schema(value_type = Option<Language>)]
    pub language: Option<String>,
    /// Consent to the processing of the data for this event (GDPR Art. 6(1)(a)); required, and
    /// must be `true` (a missing or `false` consent is a 422).
    #[serde(default)]
    #[schema(required = true)]
    pub consent: Option<bool>,
    /// Answers to the event's registration questions (`GET /events/{event}/questions`), keyed
    /// by question id: a string for text questions and one choice (the choice's `key`), an
    /// array of keys for several choices, `true`/`false` for yes/no. Errors name the field
    /// `answers.<id>`.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub answers: Option<std::collections::BTreeMap<String, serde_json::Value>>,
}

/// The attendee's own view of a registration.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationResponse {
    /// The registration's id.
    pub id: Uuid,
    /// The event's id.
    pub event_id: Uuid,
    /// The attendee's name.
    pub name: String,
    /// The attendee's e-mail address.
    pub email: String,
    /// The attendee's organisation (may be empty).
    pub organisation: String,
    /// `business`, `science`, `politics` or `other`.
    pub sector: Sector,
    /// Language of the mails and pages, `de` or `en`.
    pub language: Language,
    /// `confirmed`, `pending` (double opt-in, not yet confirmed), `waitlisted`, `cancelled`, `expired`.
    pub status: RegistrationStatus,
    /// Place on the waitlist (1 = next) while waitlisted, else `null`.
    pub waitlist_position: Option<i64>,
    /// Until when an unconfirmed registration holds its seat (UTC); `null` once confirmed.
    pub hold_expires_at: Option<DateTime<Utc>>,
    /// When the attendee was checked in at the door (UTC); `null`: not yet.
    pub checked_in_at: Option<DateTime<Utc>>,
    /// The attendee's personal iCalendar feed.
    pub calendar_url: String,
    /// The attendee's page (HTML): status, calendar, cancel, erase.
    pub manage_url: String,
    /// This registration as JSON.
    pub api_url: String,
    /// While confirmed: the code organisers scan at the door
    /// (`POST /events/{event}/check-in`); shown as a QR code on the attendee's page.
    pub check_in_code: Option<String>,
    /// When the registration was made (UTC).
    pub created_at: DateTime<Utc>,
    /// When the registration last changed (UTC).
    pub updated_at: DateTime<Utc>,
    /// When the registration was cancelled (UTC); `null`: not cancelled.
    pub cancelled_at: Option<DateTime<Utc>>,
}

impl RegistrationResponse {
    pub fn new(r: Registered, public_url: &str) -> Self {
        let m = r.registration;
        let token = crate::services::registrations::manage_token(&m);
        Self {
            calendar_url: calendar_url(public_url, &token),
            manage_url: manage_url(public_url, &token),
            api_url: api_url(public_url, &token),
            check_in_code: (m.status == RegistrationStatus::Confirmed)
                .then(|| crate::domain::check_in_code::derive(m.id)),
            id: m.id,
            event_id: m.event_id,
            name: m.name,
            email: m.email,
            organisation: m.organisation,
            sector: m.sector,
            language: m.language,
            status: m.status,
            waitlist_position: r.waitlist_position,
            hold_expires_at: m.hold_expires_at,
            checked_in_at: m.checked_in_at,
            created_at: m.created_at,
            updated_at: m.updated_at,
            cancelled_at: m.cancelled_at,
        }
    }
}

/// A new registration: the attendee's view plus the secret `manage_token`, shown only here.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedRegistration {
    #[serde(flatten)]
    pub registration: RegistrationResponse,
    /// The secret that lets the attendee read, confirm, cancel and erase the registration
    /// without an account (`/api/v1/registrations/{token}`, and the manage link); shown this
    /// once.
    pub manage_token: String,
}

/// A registration as organisers see it (no manage token).
#[derive(Debug, Serialize, ToSchema)]
pub struct AttendeeResponse {
    /// The registration's id.
    pub id: Uuid,
    /// The event's id.
    pub event_id: Uuid,
    /// The attendee's name (empty once erased).
    pub name: String,
    /// The attendee's e-mail address (empty once erased).
    pub email: String,
    /// The attendee's organisation (may be empty).
    pub organisation: String,
    /// `business`, `science`, `politics` or `other`.
    pub sector: Sector,
    /// Language of the mails and pages, `de` or `en`.
    pub language: Language,
    /// `confirmed`, `pending` (double opt-in, not yet confirmed), `waitlisted`, `cancelled`,
    /// `expired`.
    pub status: RegistrationStatus,
    /// Place on the waitlist (1 = next) while waitlisted, else `null`.
    pub waitlist_position: Option<i64>,
    /// Until when an unconfirmed registration holds its seat (UTC); `null` once confirmed.
    pub hold_expires_at: Option<DateTime<Utc>>,
    /// When the attendee was checked in at the door (UTC); `null`: not yet.
    pub checked_in_at: Option<DateTime<Utc>>,
    /// When the registration was made (UTC).
    pub created_at: DateTime<Utc>,
    /// When the registration last changed (UTC).
    pub updated_at: DateTime<Utc>,
    /// When the registration was cancelled (UTC); `null`: not cancelled.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Set when the personal fields were erased; the row stays for the counts.
    pub erased_at: Option<DateTime<Utc>>,
    /// Answers to the registration questions, in question order, with the labels they were
    /// given under (the question may have changed since).
    pub answers: Vec<AnswerResponse>,
}

/// An attendee's answer to one registration question.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnswerResponse {
    /// The question's id (UUID).
    pub question_id: Uuid,
    /// The question's kind: `short_text`, `long_text`, `one_choice`, `many_choices` or
    /// `yes_no`.
    pub kind: entity::registration_question::QuestionKind,
    /// The question's German label when it was answered.
    pub label_de: String,
    /// The question's English label when it was answered.
    pub label_en: String,
    /// As sent: the text, the choice key, an array of keys (several choices), or a boolean.
    #[schema(value_type = Value)]
    pub value: serde_json::Value,
    /// The answer as German readers see it (choice labels joined with `, `; `ja`/`nein`).
    pub text_de: String,
    /// The answer as English readers see it (choice labels joined with `, `; `yes`/`no`).
    pub text_en: String,
}

impl AnswerResponse {
    /// One answer per question from a registration's answer rows (ordered by question).
    pub fn from_rows(rows: &[entity::registration_answer::Model]) -> Vec<Self> {
        use entity::registration_question::QuestionKind;
        let mut out: Vec<Self> = Vec::new();
        for row in rows {
            if let Some(last) = out.last_mut().filter(|a| a.question_id == row.question_id) {
                if let serde_json::Value::Array(keys) = &mut last.value {
                    keys.push(row.value.clone().into());
                }
                last.text_de = format!("{}, {}", last.text_de, row.value_de);
                last.text_en = format!("{}, {}", last.text_en, row.value_en);
                continue;
            }
            let value = match row.kind {
                QuestionKind::ManyChoices => serde_json::json!([row.value]),
                QuestionKind::YesNo => serde_json::Value::Bool(row.value == "yes"),
                _ => row.value.clone().into(),
            };
            out.push(Self {
                question_id: row.question_id,
                kind: row.kind,
                label_de: row.label_de.clone(),
                label_en: row.label_en.clone(),
                value,
                text_de: row.value_de.clone(),
                text_en: row.value_en.clone(),
            });
        }
        out
    }
}

impl AttendeeResponse {
    pub fn new(m: registration::Model, waitlist_position: Option<i64>) -> Self {
        Self::listed(m.into(), waitlist_position)
    }

    pub fn listed(
        m: crate::services::registrations::Listed,
        waitlist_position: Option<i64>,
    ) -> Self {
        Self {
            id: m.id,
            event_id: m.event_id,
            name: m.name,
            email: m.email,
            organisation: m.organisation,
            sector: m.sector,
            language: m.language,
            status: m.status,
            waitlist_position,
            hold_expires_at: m.hold_expires_at,
            checked_in_at: m.checked_in_at,
            created_at: m.created_at,
            updated_at: m.updated_at,
            cancelled_at: m.cancelled_at,
            erased_at: m.erased_at,
            answers: Vec::new(),
        }
    }
}

impl AttendeeResponse {
    /// The attendee with the answers of `rows`.
    pub fn with_answers(mut self, rows: Option<&Vec<entity::registration_answer::Model>>) -> Self {
        self.answers = rows
            .map(|r| AnswerResponse::from_rows(r))
            .unwrap_or_default();
        self
    }
}

/// The sector a request names (see [`crate::domain::choice::sector`]).
pub use crate::domain::choice::sector as parse_sector;

pub fn parse_status(
    field: &str,
    value: &str,
) -> Result<RegistrationStatus, crate::error::FieldError> {
    match value.trim() {
        "confirmed" => Ok(RegistrationStatus::Confirmed),
        "pending" => Ok(RegistrationStatus::Pending),
        "waitlisted" => Ok(RegistrationStatus::Waitlisted),
        "cancelled" => Ok(RegistrationStatus::Cancelled),
        "expired" => Ok(RegistrationStatus::Expired),
        _ => Err(crate::error::FieldError::new(
            field,
            "must be confirmed, pending, waitlisted, cancelled or expired",
        )),
    }
}
