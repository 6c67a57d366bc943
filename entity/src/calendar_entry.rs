use sea_orm::entity::prelude::*;

/// A VEVENT as podium last published it (feeds and mails render from these rows).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "calendar_entries")]
pub struct Model {
    /// `event-{id}@podium` or `pitch-{id}@podium`; never changes, never reused.
    #[sea_orm(primary_key, auto_increment = false)]
    pub uid: String,
    pub event_id: Uuid,
    pub kind: EntryKind,
    pub summary: String,
    pub description: String,
    pub location: String,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub status: EntryStatus,
    pub organizer_name: String,
    pub organizer_email: String,
    /// RFC 5545 SEQUENCE: grows with every change of what the entry shows.
    pub sequence: i32,
    pub created_at: DateTimeUtc,
    /// LAST-MODIFIED and DTSTAMP: when what the entry shows last changed.
    pub last_modified: DateTimeUtc,
}

/// What an entry stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum EntryKind {
    /// The event itself.
    #[sea_orm(string_value = "event")]
    Event,
    /// A pitch in its slot.
    #[sea_orm(string_value = "pitch")]
    Pitch,
}

/// RFC 5545 STATUS of a VEVENT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum EntryStatus {
    #[sea_orm(string_value = "confirmed")]
    Confirmed,
    #[sea_orm(string_value = "tentative")]
    Tentative,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
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
