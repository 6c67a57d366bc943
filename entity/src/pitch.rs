use sea_orm::entity::prelude::*;

use crate::registration::Language;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pitches")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub event_id: Uuid,
    pub title: String,
    #[sea_orm(column_name = "abstract")]
    pub r#abstract: String,
    pub organisation: String,
    pub presenter_name: String,
    pub presenter_email: String,
    /// Canonical key of the presenter's mailbox (`EmailAddress::mailbox`).
    pub presenter_email_lower: String,
    pub language: Language,
    pub duration_minutes: i32,
    pub status: PitchStatus,
    /// iCalendar SEQUENCE of the pitch's calendar entry (UID `pitch-{id}@podium`): grows with
    /// each assignment, move, unassignment, withdrawal or cancellation.
    pub sequence: i32,
    /// SHA-256 (hex) of the manage token; the token itself is never stored (`domain::token`).
    #[sea_orm(unique)]
    pub manage_token_hash: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    EnumIter,
    DeriveActiveEnum,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "lowercase")]
pub enum PitchStatus {
    #[sea_orm(string_value = "submitted")]
    Submitted,
    #[sea_orm(string_value = "accepted")]
    Accepted,
    #[sea_orm(string_value = "rejected")]
    Rejected,
    #[sea_orm(string_value = "withdrawn")]
    Withdrawn,
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

impl Related<super::event::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Event.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
