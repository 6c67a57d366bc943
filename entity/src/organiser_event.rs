use sea_orm::entity::prelude::*;

/// An event a team member works on (issue 28). A member without any row works on every event.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organiser_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub organiser_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub event_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
