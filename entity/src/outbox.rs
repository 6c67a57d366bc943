use sea_orm::entity::prelude::*;

/// A mail waiting to be sent (or sent): written in the transaction of the change that causes it.
///
/// `Serialize` writes rows for PostgreSQL's `json_populate_recordset` (a batch of mails in one
/// statement); answers to clients have types of their own.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Which message this is, e.g. `registration_confirmed`.
    pub kind: String,
    pub event_id: Option<Uuid>,
    pub recipient: String,
    pub recipient_name: String,
    pub language: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    /// An iCalendar attachment, when the mail carries one.
    pub ics: Option<String>,
    /// The attachment's METHOD (`REQUEST`, `CANCEL`, `PUBLISH`).
    pub ics_method: Option<String>,
    pub message_id: String,
    pub status: OutboxStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    /// A worker's claim: another worker leaves the row alone until then.
    pub locked_until: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    /// The registration, pitch or exhibit the mail is about: erasure removes its own mail only.
    pub record_id: Option<Uuid>,
    /// The event organiser's mailbox, sent as `Reply-To`.
    pub reply_to: Option<String>,
    /// A confirmed attendee's check-in code: the worker draws it as the QR picture the HTML
    /// shows inline (`cid:`), so the row holds the code, not the picture.
    pub check_in_code: Option<String>,
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
pub enum OutboxStatus {
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "sent")]
    Sent,
    #[sea_orm(string_value = "failed")]
    Failed,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
