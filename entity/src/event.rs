use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub slug: String,
    pub title: String,
    pub description: String,
    pub venue: String,
    pub address: String,
    /// IANA time zone name, e.g. `Europe/Berlin`.
    pub timezone: String,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub capacity: i32,
    pub waitlist: bool,
    pub registration_opens_at: Option<DateTimeUtc>,
    pub registration_closes_at: Option<DateTimeUtc>,
    pub require_email_confirmation: bool,
    pub exhibit_capacity: Option<i32>,
    /// Slug of the annual series this edition belongs to.
    pub series: Option<String>,
    pub status: EventStatus,
    pub confirmed_count: i32,
    pub pending_count: i32,
    pub waitlisted_count: i32,
    /// Last waitlist ticket handed out; waitlisted registrations carry increasing tickets.
    pub waitlist_seq: i64,
    pub approved_exhibits: i32,
    /// Registration rows of the event, whatever their status (rows are never deleted).
    pub registrations_total: i64,
    /// iCalendar SEQUENCE of the event itself: grows with each change of time, place or status.
    pub sequence: i32,
    /// Grows with every change to the event or anything shown in its feeds (ETag, caches).
    pub version: i64,
    /// Who mails about the event are from (Reply-To, footer, iTIP ORGANIZER); empty: the sender.
    pub organiser_name: String,
    /// The organiser's contact address; empty: the sender's.
    pub organiser_email: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Most active registrations (confirmed, pending, waitlisted) of one mailbox.
    pub mailbox_registrations_max: i32,
    /// Most unconfirmed (double opt-in) holds of one mailbox.
    pub mailbox_holds_max: i32,
    /// Hours an unconfirmed registration holds its seat.
    pub hold_hours: i32,
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
pub enum EventStatus {
    #[sea_orm(string_value = "draft")]
    Draft,
    #[sea_orm(string_value = "published")]
    Published,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::stage::Entity")]
    Stage,
}

impl Related<super::stage::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Stage.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
