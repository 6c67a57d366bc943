//! An organiser corrects what the badge and the caterer see of a person: the name, the
//! organisation and the answers to the registration questions (issue 28). The e-mail address,
//! sector and language stay as the person gave them; seats and mail are not touched.
use std::collections::BTreeMap;

use entity::{registration, registration_answer, registration_question};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::{NAME_MAX, ORGANISATION_MAX};
use crate::domain::{text, time::now, Validator};
use crate::error::{ApiError, ApiResult};
use crate::services::questions::{self, GivenAnswer, RawAnswer};

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
            }),
            _ => None,
        }
    }
}

/// Writes `edit` to the event's registration `id` in a write transaction: name and
/// organisation (the search key follows by the database's trigger), and the answers to the
/// questions in `asked` replaced by the edit's. 404 when the event has no such registration;
/// 409 once it is erased (nothing is left to correct).
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
