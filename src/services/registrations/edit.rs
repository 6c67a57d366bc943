//! An organiser corrects what the badge and the caterer see of a person: the name, the
//! organisation and the answers to the registration questions (issue 28). The e-mail address,
//! sector and language stay as the person gave them; seats and mail are not touched.
//!
//! The attendee corrects the same fields through the manage token ([`edit_own`]: the
//! attendee's page and `PATCH /api/v1/registrations/{token}`), until the event starts.
use std::collections::BTreeMap;

use entity::registration::RegistrationStatus;
use entity::{event, registration, registration_answer, registration_question};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::{NAME_MAX, ORGANISATION_MAX};
use crate::domain::{text, time::now, Validator};
use crate::error::{ApiError, ApiResult};
use crate::services::questions::{self, GivenAnswer, RawAnswer};
use chrono::{DateTime, Utc};

/// A person's corrected fields, each checked by the registration's own rules.
#[derive(Debug, Clone)]
pub struct AttendeeEdit {
    /// One line, 1 to [`NAME_MAX`] characters.
    pub name: String,
    /// One line, up to [`ORGANISATION_MAX`] characters; may be empty.
    pub organisation: String,
    /// The answers to the questions the event asks now (`questions::check_answers`: a
    /// required question needs an answer). Answers to questions deleted since stay as given.
    pub answers: Vec<GivenAnswer>,
    /// The [`edit_fingerprint`] of what the edit form showed; `Some`: the edit is refused
    /// (412) when the person was changed meanwhile by someone else, so no change is lost
    /// unseen. `None`: written whatever is there now.
    pub was: Option<String>,
}

/// A fingerprint (SHA-256, hex) of what an organiser's edit changes: the name, the
/// organisation and the answers to the questions the event asks (`answers`: question id and
/// value, in any order). Check-ins and seat changes leave it as it is.
pub fn edit_fingerprint<'a>(
    name: &str,
    organisation: &str,
    answers: impl IntoIterator<Item = (Uuid, &'a str)>,
) -> String {
    use sha2::{Digest, Sha256};
    let mut answers: Vec<(Uuid, &str)> = answers.into_iter().collect();
    answers.sort_unstable();
    let mut hash = Sha256::new();
    for part in [name, organisation] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    for (question, value) in answers {
        hash.update(question.as_bytes());
        hash.update(value.as_bytes());
        hash.update([0]);
    }
    hex::encode(hash.finalize())
}

impl AttendeeEdit {
    /// The edit from its raw fields, checked as a new registration is (`name`,
    /// `organisation`, `answers.<question id>`); errors go to `v`, `None` when there were any.
    pub fn check(
        v: &mut Validator,
        name: &str,
        organisation: &str,
        answers: BTreeMap<String, RawAnswer>,
        asked: &[registration_question::Model],
    ) -> Option<Self> {
        let name = v.check(text::one_line("name", name, NAME_MAX));
        let organisation = v.check(text::optional_line(
            "organisation",
            organisation,
            ORGANISATION_MAX,
        ));
        let answers = questions::check_answers(v, asked, answers);
        match (name, organisation) {
            (Some(name), Some(organisation)) if v.is_ok() => Some(Self {
                name,
                organisation,
                answers,
                was: None,
            }),
            _ => None,
        }
    }
}

/// Writes `edit` to the event's registration `id` in a write transaction: name and
/// organisation (the search key follows by the database's trigger), and the answers to the
/// questions in `asked` replaced by the edit's. 404 when the event has no such registration;
/// 409 once it is erased (nothing is left to correct); 412 when `edit.was` is given and the
/// person was changed since (see [`edit_fingerprint`]).
pub async fn edit_attendee(
    db: &sea_orm::DatabaseConnection,
    event_id: Uuid,
    id: Uuid,
    edit: AttendeeEdit,
    asked: &[registration_question::Model],
) -> ApiResult<registration::Model> {
    let txn = crate::db::begin_write(db).await?;
    let model = write(&txn, event_id, id, edit, asked).await?;
    txn.commit().await?;
    Ok(model)
}

/// Why the attendee may no longer edit their registration, or `None` while they may: the
/// event has started (`starts_at <= at`, issue 28: what the badge and caterer see is fixed by
/// then) or is cancelled, or the registration is cancelled or expired (also a pending hold
/// whose time is over). The organisers' edit ([`edit_attendee`]) is not bound by this.
pub fn own_edit_closed(
    reg: &registration::Model,
    event: &event::Model,
    at: DateTime<Utc>,
) -> Option<&'static str> {
    if event.status == event::EventStatus::Cancelled {
        Some("the event is cancelled")
    } else if event.starts_at <= at {
        Some("the event has started: the registration can no longer be edited")
    } else if matches!(
        reg.status,
        RegistrationStatus::Cancelled | RegistrationStatus::Expired
    ) || (reg.status == RegistrationStatus::Pending
        && reg.hold_expires_at.is_some_and(|until| until <= at))
    {
        Some("the registration is cancelled or expired")
    } else {
        None
    }
}

/// What the attendee sends to correct their registration; a field that is `None` keeps its
/// value (the page sends them all, the API what its client gives).
#[derive(Debug, Clone, Default)]
pub struct OwnEdit {
    pub name: Option<String>,
    pub organisation: Option<String>,
    /// Keyed by question id: replaces the answers to every question the event asks now (a
    /// required question needs its answer; ids of other questions are refused, as in a new
    /// registration). `None` leaves the answers as they are.
    pub answers: Option<BTreeMap<String, RawAnswer>>,
}

/// The attendee's own edit through the manage `token`, checked as [`AttendeeEdit::check`]
/// checks the organisers'. 404 for an unknown or erased registration; 409 when
/// [`own_edit_closed`] says so; 422 with every invalid field (`name`, `organisation`,
/// `answers.<id>`). One write transaction reads the registration and its event again, so an
/// edit never lands after the start.
pub async fn edit_own(
    db: &sea_orm::DatabaseConnection,
    token: &str,
    sent: OwnEdit,
) -> ApiResult<registration::Model> {
    let txn = crate::db::begin_write(db).await?;
    let found = registration::Entity::find()
        .filter(super::with_token(token))
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::not_found("registration"))?;
    let event = event::Entity::find_by_id(found.event_id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::not_found("event"))?;
    if let Some(reason) = own_edit_closed(&found, &event, now()) {
        return Err(ApiError::conflict(reason));
    }
    // Without answers, no question is asked again: the stored answers stay untouched.
    let asked = match sent.answers {
        Some(_) => questions::list(&txn, event.id).await?,
        None => Vec::new(),
    };
    let mut v = Validator::new();
    let edit = AttendeeEdit::check(
        &mut v,
        sent.name.as_deref().unwrap_or(&found.name),
        sent.organisation.as_deref().unwrap_or(&found.organisation),
        sent.answers.unwrap_or_default(),
        &asked,
    );
    v.finish()?;
    let Some(edit) = edit else {
        return Err(ApiError::BadRequest("invalid edit".to_owned()));
    };
    let model = write(&txn, event.id, found.id, edit, &asked).await?;
    txn.commit().await?;
    Ok(model)
}

async fn write(
    txn: &impl ConnectionTrait,
    event_id: Uuid,
    id: Uuid,
    edit: AttendeeEdit,
    asked: &[registration_question::Model],
) -> ApiResult<registration::Model> {
    let found = registration::Entity::find_by_id(id)
        .filter(registration::Column::EventId.eq(event_id))
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::not_found("registration"))?;
    if found.erased_at.is_some() {
        return Err(ApiError::conflict("the registration is erased"));
    }
    if let Some(was) = &edit.was {
        let given = registration_answer::Entity::find()
            .filter(registration_answer::Column::RegistrationId.eq(id))
            .filter(registration_answer::Column::QuestionId.is_in(asked.iter().map(|q| q.id)))
            .all(txn)
            .await?;
        let now = edit_fingerprint(
            &found.name,
            &found.organisation,
            given.iter().map(|a| (a.question_id, a.value.as_str())),
        );
        if &now != was {
            return Err(ApiError::PreconditionFailed);
        }
    }
    registration_answer::Entity::delete_many()
        .filter(registration_answer::Column::RegistrationId.eq(id))
        .filter(registration_answer::Column::QuestionId.is_in(asked.iter().map(|q| q.id)))
        .exec(txn)
        .await?;
    questions::insert_rows(txn, questions::answer_rows(id, event_id, &edit.answers)).await?;
    let mut active: registration::ActiveModel = found.into();
    active.name = Set(edit.name);
    active.organisation = Set(edit.organisation);
    active.updated_at = Set(now());
    Ok(active.update(txn).await?)
}
