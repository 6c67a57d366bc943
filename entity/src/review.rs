use sea_orm::entity::prelude::*;

/// A reviewer's review of a pitch (issue 29): one per reviewer and pitch (unique index), a
/// second replaces the first.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reviews")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub event_id: Uuid,
    pub pitch_id: Uuid,
    /// The team member (`organisers.id`) who reviewed.
    pub reviewer_id: Uuid,
    /// The scores as a JSON object, criterion key to whole points (`{"relevance": 4}`).
    pub scores: String,
    pub comment: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
