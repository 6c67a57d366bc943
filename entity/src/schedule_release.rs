use sea_orm::entity::prelude::*;

/// A published version of an event's programme; its slots are in `released_slots`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "schedule_releases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub event_id: Uuid,
    /// 1, 2, …: one more than the event's previous release.
    #[sea_orm(primary_key, auto_increment = false)]
    pub version: i32,
    /// The organiser's note (may be empty).
    #[sea_orm(column_type = "Text")]
    pub note: String,
    /// The changes this release published, as a JSON array (see `services::releases`).
    #[sea_orm(column_type = "Text")]
    pub changes: String,
    pub released_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::event::Entity",
        from = "Column::EventId",
        to = "super::event::Column::Id",
        on_delete = "Cascade"
    )]
    Event,
}

impl ActiveModelBehavior for ActiveModel {}
