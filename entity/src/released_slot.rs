use sea_orm::entity::prelude::*;

/// A slot as a release published it: where, when, and which pitch. Slot, stage and pitch are
/// referred to by id only, so the release stays as published while the draft changes.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "released_slots")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub event_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub version: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub slot_id: Uuid,
    pub stage_id: Uuid,
    /// Half-open `[starts_at, ends_at)`, as in `pitch_slots`.
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub pitch_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
