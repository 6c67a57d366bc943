//! Registration questions per event (issue 17) and the attendees' answers.
//!
//! Organisers define the questions; an attendee's answers are checked against them at the
//! HTTP edge ([`check_answers`]) and written in the registration's own transaction (the desk's
//! batch, `registrations::register_batch`). Each answer row copies the question's labels and
//! the chosen choice's labels, so a question changed or deleted later leaves the answers as
//! the attendee saw them. Erasing a registration deletes its answers (GDPR Art. 17).
use std::collections::{BTreeMap, HashMap, HashSet};

use entity::{
    registration::{self, RegistrationStatus},
    registration_answer,
    registration_question::{self, QuestionKind},
};
use sea_orm::{
    sea_query::{Expr, ExprTrait, Query},
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::domain::{text, time::now, Validator};
use crate::error::{ApiError, ApiResult, FieldError};

/// Longest label of a question or a choice, in characters.
pub const LABEL_MAX: usize = 300;
/// Longest answer to a short text question, in characters.
pub const SHORT_TEXT_MAX: usize = 200;
/// Longest answer to a long text question, in characters.
pub const LONG_TEXT_MAX: usize = 2000;
/// Most questions per event.
pub const QUESTIONS_MAX: usize = 50;
/// Most choices per question.
pub const CHOICES_MAX: usize = 50;

/// One choice of a choice question: a stable `key` (what answers and filters name) and its
/// German and English labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Choice {
    /// 1 to 40 of `a-z`, `0-9` and `-`; derived from the English label when absent.
    pub key: String,
    /// The German label, 1 to 300 characters.
    pub de: String,
    /// The English label, 1 to 300 characters.
    pub en: String,
}

/// The choices stored with a question (a JSON array); none for the text and yes/no kinds.
pub fn choices(question: &registration_question::Model) -> Vec<Choice> {
    serde_json::from_str(&question.choices).unwrap_or_default()
}

/// A question as an organiser wrote it, every field checked.
#[derive(Debug, Clone)]
pub struct QuestionFields {
    pub kind: QuestionKind,
    pub required: bool,
    pub label_de: String,
    pub label_en: String,
    pub choices: Vec<Choice>,
    /// `None`: after the last question.
    pub position: Option<i32>,
}

/// Checks a choice list for `kind`: choice kinds need 1 to [`CHOICES_MAX`] choices with
/// distinct keys; other kinds take none. Errors are named `choices` or `choices.<n>.<field>`.
pub fn check_choices(
    v: &mut Validator,
    kind: QuestionKind,
    given: Vec<ChoiceInput>,
) -> Vec<Choice> {
    let takes_choices = matches!(kind, QuestionKind::OneChoice | QuestionKind::ManyChoices);
    if !takes_choices {
        if !given.is_empty() {
            v.push(
                "choices",
                "only one_choice and many_choices questions take choices",
            );
        }
        return Vec::new();
    }
    if given.is_empty() || given.len() > CHOICES_MAX {
        v.push(
            "choices",
            format!("must hold 1 to {CHOICES_MAX} choices for this kind of question"),
        );
        return Vec::new();
    }
    let mut seen = HashSet::new();
    // Labels as a person reads them (case and spaces aside), per language: two alike could
    // not be told apart on the form or in the export.
    let mut labels_de = HashSet::new();
    let mut labels_en = HashSet::new();
    let read_as = |label: &str| {
        label
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    let mut out = Vec::with_capacity(given.len());
    for (n, choice) in given.into_iter().enumerate() {
        let de = v.check(text::one_line(
            &format!("choices.{n}.de"),
            &choice.de,
            LABEL_MAX,
        ));
        let en = v.check(text::one_line(
            &format!("choices.{n}.en"),
            &choice.en,
            LABEL_MAX,
        ));
        for (label, labels, lang) in [(&de, &mut labels_de, "de"), (&en, &mut labels_en, "en")] {
            if let Some(label) = label {
                if !labels.insert(read_as(label)) {
                    v.push(
                        &format!("choices.{n}.{lang}"),
                        "repeats the label of an earlier choice: each choice needs its own",
                    );
                }
            }
        }
        let key = match choice.key.as_deref().map(str::trim) {
            Some(key) if !key.is_empty() => {
                let valid = key.len() <= 40
                    && key
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                if !valid {
                    v.push(
                        &format!("choices.{n}.key"),
                        "must be 1 to 40 of a-z, 0-9 and -",
                    );
                }
                key.to_owned()
            }
            _ => {
                let mut key: String = text::slugify(en.as_deref().unwrap_or_default())
                    .chars()
                    .take(36)
                    .collect();
                if key.is_empty() {
                    key = format!("choice-{}", n + 1);
                }
                let base = key.clone();
                let mut suffix = 2;
                while seen.contains(&key) {
                    key = format!("{base}-{suffix}");
                    suffix += 1;
                }
                key
            }
        };
        if !seen.insert(key.clone()) {
            v.push(
                &format!("choices.{n}.key"),
                "must differ from the other keys",
            );
        }
        if let (Some(de), Some(en)) = (de, en) {
            out.push(Choice { key, de, en });
        }
    }
    out
}

/// A choice as sent: `key` optional.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ChoiceInput {
    /// 1 to 40 of `a-z`, `0-9` and `-`, distinct within the question; when absent, derived
    /// from the English label. Answers name the choice by this key.
    #[serde(default)]
    #[schema(pattern = r"^\s*[a-z0-9-]{0,40}\s*$")]
    pub key: Option<String>,
    /// The German label, 1 to 300 characters.
    #[schema(min_length = 1, max_length = 300)]
    pub de: String,
    /// The English label, 1 to 300 characters.
    #[schema(min_length = 1, max_length = 300)]
    pub en: String,
}

/// The event's questions in form order.
pub async fn list(
    db: &impl ConnectionTrait,
    event_id: Uuid,
) -> ApiResult<Vec<registration_question::Model>> {
    Ok(registration_question::Entity::find()
        .filter(registration_question::Column::EventId.eq(event_id))
        .order_by_asc(registration_question::Column::Position)
        .order_by_asc(registration_question::Column::CreatedAt)
        .order_by_asc(registration_question::Column::Id)
        .all(db)
        .await?)
}

/// One question of the event; 404 when it belongs to another event or does not exist.
pub async fn find(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    id: Uuid,
) -> ApiResult<registration_question::Model> {
    registration_question::Entity::find_by_id(id)
        .filter(registration_question::Column::EventId.eq(event_id))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("question"))
}

/// Adds a question to the event; 409 beyond [`QUESTIONS_MAX`].
pub async fn create(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    fields: QuestionFields,
) -> ApiResult<registration_question::Model> {
    let existing = list(db, event_id).await?;
    if existing.len() >= QUESTIONS_MAX {
        return Err(ApiError::conflict(format!(
            "an event has at most {QUESTIONS_MAX} questions"
        )));
    }
    let position = fields.position.unwrap_or_else(|| {
        existing
            .iter()
            .map(|q| q.position)
            .max()
            .map_or(1, |p| p.saturating_add(1))
    });
    let at = now();
    let model = registration_question::ActiveModel {
        id: Set(Uuid::now_v7()),
        event_id: Set(event_id),
        position: Set(position),
        kind: Set(fields.kind),
        required: Set(fields.required),
        label_de: Set(fields.label_de),
        label_en: Set(fields.label_en),
        choices: Set(choices_json(&fields.choices)?),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(db)
    .await?;
    Ok(model)
}

/// Copies the questions of event `from` to event `to` for its next edition: same order,
/// kinds, labels and choices (with their keys), new ids, no answers. The number of questions
/// written.
pub async fn copy_to(db: &impl ConnectionTrait, from: Uuid, to: Uuid) -> ApiResult<usize> {
    let questions = list(db, from).await?;
    let at = now();
    for question in &questions {
        registration_question::ActiveModel {
            id: Set(Uuid::now_v7()),
            event_id: Set(to),
            position: Set(question.position),
            kind: Set(question.kind),
            required: Set(question.required),
            label_de: Set(question.label_de.clone()),
            label_en: Set(question.label_en.clone()),
            choices: Set(question.choices.clone()),
            created_at: Set(at),
            updated_at: Set(at),
        }
        .insert(db)
        .await?;
    }
    Ok(questions.len())
}

/// Replaces a question's fields. Answers given before keep the labels they were given with.
pub async fn update(
    db: &impl ConnectionTrait,
    question: registration_question::Model,
    fields: QuestionFields,
) -> ApiResult<registration_question::Model> {
    let position = fields.position.unwrap_or(question.position);
    let mut active: registration_question::ActiveModel = question.into();
    active.kind = Set(fields.kind);
    active.required = Set(fields.required);
    active.label_de = Set(fields.label_de);
    active.label_en = Set(fields.label_en);
    active.choices = Set(choices_json(&fields.choices)?);
    active.position = Set(position);
    active.updated_at = Set(now());
    Ok(active.update(db).await?)
}

/// Deletes a question; its answers stay (with their copied labels) in the attendee list.
pub async fn delete(
    db: &impl ConnectionTrait,
    question: registration_question::Model,
) -> ApiResult<()> {
    registration_question::Entity::delete_by_id(question.id)
        .exec(db)
        .await?;
    Ok(())
}

/// A write transaction holding the event's lock, with the event marked changed: its version
/// moves, so every instance renders the event page (and its form) anew.
async fn changing(
    db: &sea_orm::DatabaseConnection,
    event_id: Uuid,
) -> ApiResult<sea_orm::DatabaseTransaction> {
    let txn = crate::db::begin_write(db).await?;
    crate::services::events::lock_for_change(&txn, event_id).await?;
    Ok(txn)
}

/// [`create`] under the event's lock, committed. 409 beyond [`QUESTIONS_MAX`].
pub async fn add(
    db: &sea_orm::DatabaseConnection,
    event_id: Uuid,
    fields: QuestionFields,
) -> ApiResult<registration_question::Model> {
    let txn = changing(db, event_id).await?;
    let question = create(&txn, event_id, fields).await?;
    txn.commit().await?;
    Ok(question)
}

/// [`update`] under the event's lock, committed: `fields` makes the new fields from the
/// current question (a patch names only what changes). 404 for an unknown question, and
/// whatever `fields` refuses (422).
pub async fn change(
    db: &sea_orm::DatabaseConnection,
    event_id: Uuid,
    id: Uuid,
    fields: impl FnOnce(&registration_question::Model) -> ApiResult<QuestionFields>,
) -> ApiResult<registration_question::Model> {
    let txn = changing(db, event_id).await?;
    let current = find(&txn, event_id, id).await?;
    let fields = fields(&current)?;
    let changed = update(&txn, current, fields).await?;
    txn.commit().await?;
    Ok(changed)
}

/// [`delete`] under the event's lock, committed; 404 for an unknown question.
pub async fn remove(db: &sea_orm::DatabaseConnection, event_id: Uuid, id: Uuid) -> ApiResult<()> {
    let txn = changing(db, event_id).await?;
    let question = find(&txn, event_id, id).await?;
    delete(&txn, question).await?;
    txn.commit().await?;
    Ok(())
}

/// Which way [`move_by`] moves a question in the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

/// Moves a question one place up or down in the form, under the event's lock: it swaps
/// places with its neighbour and the questions are numbered 1, 2, … in their new order (the
/// API's `position` values of every question may change; their order is what counts). At the
/// top (or bottom) already nothing changes. 404 for an unknown question.
pub async fn move_by(
    db: &sea_orm::DatabaseConnection,
    event_id: Uuid,
    id: Uuid,
    direction: Direction,
) -> ApiResult<()> {
    let txn = changing(db, event_id).await?;
    let mut ordered = list(&txn, event_id).await?;
    let at = ordered
        .iter()
        .position(|q| q.id == id)
        .ok_or_else(|| ApiError::not_found("question"))?;
    let other = match direction {
        Direction::Up => at.checked_sub(1),
        Direction::Down => Some(at + 1).filter(|n| *n < ordered.len()),
    };
    if let Some(other) = other {
        ordered.swap(at, other);
        let stamp = now();
        for (n, question) in ordered.into_iter().enumerate() {
            let position = i32::try_from(n + 1).unwrap_or(i32::MAX);
            if question.position != position {
                let mut active: registration_question::ActiveModel = question.into();
                active.position = Set(position);
                active.updated_at = Set(stamp);
                active.update(&txn).await?;
            }
        }
    }
    txn.commit().await?;
    Ok(())
}

fn choices_json(choices: &[Choice]) -> ApiResult<String> {
    serde_json::to_string(choices)
        .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("question choices")))
}

/// An answer checked against its question, ready to be stored with a registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GivenAnswer {
    pub question_id: Uuid,
    pub position: i32,
    pub kind: QuestionKind,
    pub label_de: String,
    pub label_en: String,
    /// One entry per value: the text, `yes`/`no`, or each chosen choice's key with its labels.
    pub values: Vec<(String, String, String)>,
}

/// A raw answer as a form or JSON sends it.
#[derive(Debug, Clone)]
pub enum RawAnswer {
    Json(Value),
    /// Form fields: every value sent under `answers.<id>` (a checkbox group sends several).
    Form(Vec<String>),
}

/// Checks `raw` (keyed by question id) against the event's `questions`; errors are named
/// `answers.<question id>` (`answers` for an id that is not a question of the event). A
/// required question needs an answer; an empty text or an empty choice list is no answer.
pub fn check_answers(
    v: &mut Validator,
    questions: &[registration_question::Model],
    raw: BTreeMap<String, RawAnswer>,
) -> Vec<GivenAnswer> {
    let mut raw = raw;
    let mut given = Vec::new();
    for q in questions {
        let field = format!("answers.{}", q.id);
        let answer = raw.remove(&q.id.to_string());
        match answer_values(&field, q, answer) {
            Ok(values) if values.is_empty() => {
                if q.required {
                    v.push(&field, "must be answered");
                }
            }
            Ok(values) => given.push(GivenAnswer {
                question_id: q.id,
                position: q.position,
                kind: q.kind,
                label_de: q.label_de.clone(),
                label_en: q.label_en.clone(),
                values,
            }),
            Err(err) => {
                v.check::<()>(Err(err));
            }
        }
    }
    for unknown in raw.keys() {
        v.push(
            &format!("answers.{unknown}"),
            "is not a question of this event",
        );
    }
    given
}

fn answer_values(
    field: &str,
    q: &registration_question::Model,
    raw: Option<RawAnswer>,
) -> Result<Vec<(String, String, String)>, FieldError> {
    let invalid = |message: &str| FieldError::new(field, message);
    // Strings as sent: a form's values, a JSON string, or a JSON array of strings.
    let strings: Vec<String> = match raw {
        None | Some(RawAnswer::Json(Value::Null)) => Vec::new(),
        Some(RawAnswer::Form(values)) => values,
        Some(RawAnswer::Json(Value::String(s))) => vec![s],
        Some(RawAnswer::Json(Value::Bool(b))) if q.kind == QuestionKind::YesNo => {
            vec![if b { "yes" } else { "no" }.to_owned()]
        }
        Some(RawAnswer::Json(Value::Array(items))) if q.kind == QuestionKind::ManyChoices => items
            .into_iter()
            .map(|item| match item {
                Value::String(s) => Ok(s),
                _ => Err(invalid("must be a list of choice keys")),
            })
            .collect::<Result<_, _>>()?,
        Some(RawAnswer::Json(_)) => {
            return Err(invalid(match q.kind {
                QuestionKind::YesNo => "must be true or false",
                QuestionKind::ManyChoices => "must be a list of choice keys",
                _ => "must be a string",
            }))
        }
    };
    let strings: Vec<String> = strings
        .into_iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    if strings.is_empty() {
        return Ok(Vec::new());
    }
    match q.kind {
        QuestionKind::ShortText | QuestionKind::LongText => {
            let [value] = strings.as_slice() else {
                return Err(invalid("must be one text"));
            };
            let value = if q.kind == QuestionKind::ShortText {
                text::optional_line(field, value, SHORT_TEXT_MAX)?
            } else {
                text::multi_line(field, value, LONG_TEXT_MAX)?
            };
            Ok(vec![(value.clone(), value.clone(), value)])
        }
        QuestionKind::YesNo => match strings.as_slice() {
            [v] if v == "yes" || v == "true" => Ok(vec![("yes".into(), "ja".into(), "yes".into())]),
            [v] if v == "no" || v == "false" => Ok(vec![("no".into(), "nein".into(), "no".into())]),
            _ => Err(invalid("must be true or false")),
        },
        QuestionKind::OneChoice | QuestionKind::ManyChoices => {
            if q.kind == QuestionKind::OneChoice && strings.len() > 1 {
                return Err(invalid("must be one choice"));
            }
            let offered = choices(q);
            let mut seen = HashSet::new();
            let mut values = Vec::new();
            for key in strings {
                let Some(choice) = offered.iter().find(|c| c.key == key) else {
                    return Err(FieldError::new(
                        field,
                        format!(
                            "must be one of {}",
                            offered
                                .iter()
                                .map(|c| c.key.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                };
                if seen.insert(key.clone()) {
                    values.push((key, choice.de.clone(), choice.en.clone()));
                }
            }
            Ok(values)
        }
    }
}

/// The rows that store `answers` for a new registration (one per value).
pub fn answer_rows(
    registration_id: Uuid,
    event_id: Uuid,
    answers: &[GivenAnswer],
) -> Vec<registration_answer::Model> {
    answers
        .iter()
        .flat_map(|a| {
            a.values
                .iter()
                .map(move |(value, de, en)| registration_answer::Model {
                    id: Uuid::now_v7(),
                    registration_id,
                    event_id,
                    question_id: a.question_id,
                    position: a.position,
                    kind: a.kind,
                    label_de: a.label_de.clone(),
                    label_en: a.label_en.clone(),
                    value: value.clone(),
                    value_de: de.clone(),
                    value_en: en.clone(),
                })
        })
        .collect()
}

/// Writes answer rows in the caller's transaction (SQLite and single registrations; the
/// PostgreSQL batch writes them in its own statement).
pub async fn insert_rows(
    txn: &impl ConnectionTrait,
    rows: Vec<registration_answer::Model>,
) -> ApiResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    registration_answer::Entity::insert_many(
        rows.into_iter().map(registration_answer::ActiveModel::from),
    )
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// The answers of these registrations, each registration's in question order.
pub async fn answers_of(
    db: &impl ConnectionTrait,
    registration_ids: &[Uuid],
) -> ApiResult<HashMap<Uuid, Vec<registration_answer::Model>>> {
    let mut by_registration: HashMap<Uuid, Vec<registration_answer::Model>> = HashMap::new();
    if registration_ids.is_empty() {
        return Ok(by_registration);
    }
    for ids in registration_ids.chunks(500) {
        let rows = registration_answer::Entity::find()
            .filter(registration_answer::Column::RegistrationId.is_in(ids.iter().copied()))
            .order_by_asc(registration_answer::Column::Position)
            .order_by_asc(registration_answer::Column::QuestionId)
            .order_by_asc(registration_answer::Column::Id)
            .all(db)
            .await?;
        for row in rows {
            by_registration
                .entry(row.registration_id)
                .or_default()
                .push(row);
        }
    }
    Ok(by_registration)
}

/// Deletes the answers of these registrations (erasure), in the caller's transaction.
pub async fn forget_answers(
    txn: &impl ConnectionTrait,
    registration_ids: &[Uuid],
) -> ApiResult<()> {
    registration_answer::Entity::delete_many()
        .filter(registration_answer::Column::RegistrationId.is_in(registration_ids.iter().copied()))
        .exec(txn)
        .await?;
    Ok(())
}

/// The registrations of an event that answered `question_id` with `value` (a choice's key,
/// `yes`/`no`, or the exact text): a subquery for the attendee list's filter.
pub fn answered(question_id: Uuid, value: &str) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(registration_answer::Column::RegistrationId)
        .from(registration_answer::Entity)
        .and_where(Expr::col(registration_answer::Column::QuestionId).eq(question_id))
        .and_where(Expr::col(registration_answer::Column::Value).eq(value))
        .to_owned()
}

/// Whether the event `event_id` (an expression: a value or a subquery) asks any question: an
/// `EXISTS` for the attendee list's query.
pub fn asked(event_id: Expr) -> Expr {
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(registration_question::Entity)
            .and_where(
                Expr::col((
                    registration_question::Entity,
                    registration_question::Column::EventId,
                ))
                .eq(event_id),
            )
            .to_owned(),
    )
}

/// Counts per question and value among the event's registrations of `statuses` (the
/// confirmed ones: what the caterer plans for; or those still waiting, pending and
/// waitlisted): `question id -> value -> count`. Text answers are not counted.
pub async fn counts(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    statuses: &[RegistrationStatus],
) -> ApiResult<HashMap<Uuid, BTreeMap<String, i64>>> {
    #[derive(Debug, sea_orm::FromQueryResult)]
    struct Row {
        question_id: Uuid,
        value: String,
        n: i64,
    }
    let rows = registration_answer::Entity::find()
        .select_only()
        .column(registration_answer::Column::QuestionId)
        .column(registration_answer::Column::Value)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .inner_join(registration::Entity)
        .filter(registration_answer::Column::EventId.eq(event_id))
        .filter(registration_answer::Column::Kind.is_in([
            QuestionKind::OneChoice,
            QuestionKind::ManyChoices,
            QuestionKind::YesNo,
        ]))
        .filter(registration::Column::Status.is_in(statuses.iter().copied()))
        .group_by(registration_answer::Column::QuestionId)
        .group_by(registration_answer::Column::Value)
        .into_model::<Row>()
        .all(db)
        .await?;
    let mut out: HashMap<Uuid, BTreeMap<String, i64>> = HashMap::new();
    for row in rows {
        out.entry(row.question_id)
            .or_default()
            .insert(row.value, row.n);
    }
    Ok(out)
}
