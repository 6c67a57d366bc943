use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pitch_slots")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub event_id: Uuid,
    pub stage_id: Uuid,
    /// Half-open `[starts_at, ends_at)`: back-to-back slots do not overlap.
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub pitch_id: Option<Uuid>,
    /// iCalendar SEQUENCE: grows with each move, assignment change or cancellation.
    pub sequence: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
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
    #[sea_orm(
        belongs_to = "super::stage::Entity",
        from = "Column::StageId",
        to = "super::stage::Column::Id",
        on_delete = "Cascade"
    )]
    Stage,
    #[sea_orm(
        belongs_to = "super::pitch::Entity",
        from = "Column::PitchId",
        to = "super::pitch::Column::Id",
        on_delete = "SetNull"
    )]
    Pitch,
}

impl ActiveModelBehavior for ActiveModel {}
