use sea_orm::entity::prelude::*;

/// A review criterion of an event (issue 29): scored `0..=max` in whole points, counted with
/// `weight` in a review's weighted mean. `position` keeps the organisers' order.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "review_criteria")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub event_id: Uuid,
    /// The criterion's key (slug-like), unique in its event; reviews store scores by it.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    pub position: i32,
    pub name_de: String,
    pub name_en: String,
    pub weight: f64,
    pub max: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
