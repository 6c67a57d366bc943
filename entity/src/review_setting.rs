use sea_orm::entity::prelude::*;

/// An event's review settings (issue 29); no row: the defaults (not anonymous).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "review_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub event_id: Uuid,
    /// Reviewers do not see the presenter's name, e-mail address and organisation.
    pub anonymous_review: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
