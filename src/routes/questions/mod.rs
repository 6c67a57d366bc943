//! Registration questions of an event (issue 17): the DTOs and the wiring.
//!
//! Anyone who can see the event reads its questions (the registration form needs them);
//! organisers create, change and delete them. Attendees answer in the registration body's
//! `answers`; organisers read the answers in the attendee list, the CSV and the stats.
mod handlers;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use entity::registration_question::{self, QuestionKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::domain::{text, Validator};
use crate::error::ApiResult;
use crate::services::questions::{self, Choice, ChoiceInput, QuestionFields, LABEL_MAX};

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(handlers::list_questions)
        .service(handlers::create_question)
        .service(handlers::get_question)
        .service(handlers::update_question)
        .service(handlers::delete_question);
}

/// A question as sent: every field for a new question (`required` defaults to false,
/// `position` to after the last); any subset to change one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "one_choice", "required": true,
    "label_de": "Welches Mittagessen möchten Sie?", "label_en": "Which lunch would you like?",
    "choices": [{"key": "meat", "de": "Mit Fleisch", "en": "With meat"},
        {"key": "vegetarian", "de": "Vegetarisch", "en": "Vegetarian"},
        {"de": "Vegan", "en": "Vegan"}],
    "position": 0}))]
pub struct QuestionRequest {
    /// `short_text`, `long_text`, `one_choice`, `many_choices` or `yes_no`.
    pub kind: Option<String>,
    /// Whether a registration must answer it; false when a new question leaves it out.
    pub required: Option<bool>,
    /// The German label, 1 to 300 characters.
    pub label_de: Option<String>,
    /// The English label, 1 to 300 characters.
    pub label_en: Option<String>,
    /// For `one_choice` and `many_choices`: 1 to 50 choices `{key?, de, en}`; a missing key is
    /// derived from the English label. Answers name choices by key.
    pub choices: Option<Vec<ChoiceInput>>,
    /// Order in the form, lower first.
    pub position: Option<i32>,
}

impl QuestionRequest {
    /// The checked fields, on top of `current` when changing a question; every invalid field
    /// is reported at once (422).
    pub fn fields(
        self,
        current: Option<&registration_question::Model>,
    ) -> ApiResult<QuestionFields> {
        let mut v = Validator::new();
        let kind = match (self.kind.as_deref().map(str::trim), current) {
            (Some(kind), _) => v.check(parse_kind(kind)),
            (None, Some(q)) => Some(q.kind),
            (None, None) => {
                v.push("kind", "is required");
                None
            }
        };
        let mut label =
            |field: &str, given: Option<String>, old: Option<&String>| match (given, old) {
                (Some(given), _) => v.check(text::one_line(field, &given, LABEL_MAX)),
                (None, Some(old)) => Some(old.clone()),
                (None, None) => {
                    v.push(field, "is required");
                    None
                }
            };
        let label_de = label("label_de", self.label_de, current.map(|q| &q.label_de));
        let label_en = label("label_en", self.label_en, current.map(|q| &q.label_en));
        let given_choices = match (self.choices, current) {
            (Some(choices), _) => choices,
            (None, Some(q)) if kind == Some(q.kind) || self.kind.is_none() => questions::choices(q)
                .into_iter()
                .map(|c| ChoiceInput {
                    key: Some(c.key),
                    de: c.de,
                    en: c.en,
                })
                .collect(),
            (None, _) => Vec::new(),
        };
        let choices = match kind {
            Some(kind) => questions::check_choices(&mut v, kind, given_choices),
            None => Vec::new(),
        };
        v.finish()?;
        match (kind, label_de, label_en) {
            (Some(kind), Some(label_de), Some(label_en)) => Ok(QuestionFields {
                kind,
                required: self
                    .required
                    .unwrap_or_else(|| current.is_some_and(|q| q.required)),
                label_de,
                label_en,
                choices,
                position: self.position,
            }),
            _ => Err(crate::error::ApiError::BadRequest(
                "invalid question".to_owned(),
            )),
        }
    }
}

fn parse_kind(value: &str) -> Result<QuestionKind, crate::error::FieldError> {
    match value {
        "short_text" => Ok(QuestionKind::ShortText),
        "long_text" => Ok(QuestionKind::LongText),
        "one_choice" => Ok(QuestionKind::OneChoice),
        "many_choices" => Ok(QuestionKind::ManyChoices),
        "yes_no" => Ok(QuestionKind::YesNo),
        _ => Err(crate::error::FieldError::new(
            "kind",
            "must be short_text, long_text, one_choice, many_choices or yes_no",
        )),
    }
}

/// A registration question.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionResponse {
    /// The question's id (UUID).
    pub id: Uuid,
    /// The id (UUID) of the event it belongs to.
    pub event_id: Uuid,
    /// Order in the form, lower first.
    pub position: i32,
    /// `short_text`, `long_text`, `one_choice`, `many_choices` or `yes_no`.
    pub kind: QuestionKind,
    /// Whether a registration must answer it.
    pub required: bool,
    /// The German label, 1 to 300 characters.
    pub label_de: String,
    /// The English label, 1 to 300 characters.
    pub label_en: String,
    /// Empty unless `one_choice` or `many_choices`.
    pub choices: Vec<Choice>,
    /// When it was created, in UTC (RFC 3339).
    pub created_at: DateTime<Utc>,
    /// When it was last changed, in UTC (RFC 3339).
    pub updated_at: DateTime<Utc>,
}

impl From<registration_question::Model> for QuestionResponse {
    fn from(q: registration_question::Model) -> Self {
        Self {
            choices: questions::choices(&q),
            id: q.id,
            event_id: q.event_id,
            position: q.position,
            kind: q.kind,
            required: q.required,
            label_de: q.label_de,
            label_en: q.label_en,
            created_at: q.created_at,
            updated_at: q.updated_at,
        }
    }
}

/// How the registrations answered one question of choices or yes/no: the count per choice
/// key (or `yes`/`no`), every choice listed; the confirmed registrations (what to plan for)
/// and, apart, those still waiting for a seat or a confirmation.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionCounts {
    /// The question's id (UUID).
    pub question_id: Uuid,
    /// `one_choice`, `many_choices` or `yes_no` (text questions are not counted).
    pub kind: QuestionKind,
    /// The question's current German label.
    pub label_de: String,
    /// The question's current English label.
    pub label_en: String,
    /// Confirmed registrations per choice key (or `yes`/`no`), 0 or more; every choice is
    /// listed. Unconfirmed (`pending`) and waitlisted registrations are not in these counts.
    pub counts: BTreeMap<String, i64>,
    /// Registrations still waiting (`pending`: not confirmed yet, and `waitlisted`) per
    /// choice key (or `yes`/`no`), 0 or more; every choice is listed.
    pub counts_waiting: BTreeMap<String, i64>,
}

/// The counts of the event's current choice and yes/no questions, in form order.
pub async fn question_counts(
    db: &impl sea_orm::ConnectionTrait,
    event_id: Uuid,
) -> ApiResult<Vec<QuestionCounts>> {
    use entity::registration::RegistrationStatus as S;
    let mut confirmed = questions::counts(db, event_id, &[S::Confirmed]).await?;
    let mut waiting = questions::counts(db, event_id, &[S::Pending, S::Waitlisted]).await?;
    let asked = questions::list(db, event_id).await?;
    Ok(asked
        .into_iter()
        .filter(|q| {
            matches!(
                q.kind,
                QuestionKind::OneChoice | QuestionKind::ManyChoices | QuestionKind::YesNo
            )
        })
        .map(|q| {
            let zero: BTreeMap<String, i64> = match q.kind {
                QuestionKind::YesNo => [("yes".to_owned(), 0), ("no".to_owned(), 0)].into(),
                _ => questions::choices(&q)
                    .into_iter()
                    .map(|c| (c.key, 0))
                    .collect(),
            };
            let mut counts = zero.clone();
            counts.extend(confirmed.remove(&q.id).unwrap_or_default());
            let mut counts_waiting = zero;
            counts_waiting.extend(waiting.remove(&q.id).unwrap_or_default());
            QuestionCounts {
                question_id: q.id,
                kind: q.kind,
                label_de: q.label_de,
                label_en: q.label_en,
                counts,
                counts_waiting,
            }
        })
        .collect())
}
