use sea_orm::entity::prelude::*;

/// `Serialize` writes rows for PostgreSQL's `json_populate_recordset` (a batch of registrations
/// in one statement); answers to clients have types of their own.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "registrations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub event_id: Uuid,
    pub name: String,
    pub email: String,
    /// Lower-cased e-mail, for the organisers' search.
    pub email_lower: String,
    pub organisation: String,
    pub sector: Sector,
    pub language: Language,
    pub status: RegistrationStatus,
    /// Waitlist ticket: the order in which waitlisted attendees are promoted.
    pub waitlist_seq: Option<i64>,
    /// SHA-256 (hex) of the manage token; the token itself is never stored (`domain::token`).
    #[sea_orm(unique)]
    pub manage_token_hash: String,
    pub checked_in_at: Option<DateTimeUtc>,
    /// Until when an unconfirmed (double opt-in) registration holds its seat.
    pub hold_expires_at: Option<DateTimeUtc>,
    pub sequence: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub cancelled_at: Option<DateTimeUtc>,
    pub erased_at: Option<DateTimeUtc>,
    /// Canonical key of the mailbox (`EmailAddress::mailbox`): the per-mailbox limits count it.
    pub mailbox: String,
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
pub enum RegistrationStatus {
    #[sea_orm(string_value = "confirmed")]
    Confirmed,
    #[sea_orm(string_value = "waitlisted")]
    Waitlisted,
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
    #[sea_orm(string_value = "expired")]
    Expired,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "lowercase")]
pub enum Sector {
    #[sea_orm(string_value = "business")]
    Business,
    #[sea_orm(string_value = "science")]
    Science,
    #[sea_orm(string_value = "politics")]
    Politics,
    #[sea_orm(string_value = "other")]
    Other,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    EnumIter,
    DeriveActiveEnum,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[sea_orm(string_value = "de")]
    De,
    #[default]
    #[sea_orm(string_value = "en")]
    En,
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
