use sea_orm::entity::prelude::*;

/// A pitch assigned to a reviewer (issue 29).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "review_assignments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub pitch_id: Uuid,
    /// The team member (`organisers.id`) who is to review the pitch.
    #[sea_orm(primary_key, auto_increment = false)]
    pub reviewer_id: Uuid,
    pub event_id: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
