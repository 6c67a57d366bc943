use sea_orm::entity::prelude::*;

use crate::registration_question::QuestionKind;

/// An attendee's answer to a registration question, with the question's and the choice's
/// labels as they were when it was given (so later changes to the question leave it readable).
/// A question of several choices has one row per chosen choice.
///
/// `Serialize` writes rows for PostgreSQL's `json_populate_recordset` (the registration batch).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "registration_answers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub registration_id: Uuid,
    pub event_id: Uuid,
    /// The question's id; the question itself may have been deleted since.
    pub question_id: Uuid,
    /// The question's position when answered.
    pub position: i32,
    pub kind: QuestionKind,
    pub label_de: String,
    pub label_en: String,
    /// The text; `yes` or `no`; or the chosen choice's key.
    pub value: String,
    /// The value as German and English readers see it (a choice's labels, `ja`/`yes`).
    pub value_de: String,
    pub value_en: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::registration::Entity",
        from = "Column::RegistrationId",
        to = "super::registration::Column::Id",
        on_delete = "Cascade"
    )]
    Registration,
}

impl Related<super::registration::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Registration.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
