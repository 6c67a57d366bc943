use sea_orm::entity::prelude::*;

/// One webhook message to one endpoint, written in the transaction of the change it reports,
/// sent (and retried) by the webhook worker.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    /// Also the `webhook-id` header: the same on every attempt, so receivers can drop repeats.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub endpoint_id: Uuid,
    /// The podium event the change belongs to.
    pub event_id: Option<Uuid>,
    /// The registration, pitch or exhibit it is about: erasing that drops pending deliveries.
    pub record_id: Option<Uuid>,
    /// The API's word, e.g. `registration.created`.
    pub event_type: String,
    /// The exact JSON body sent on every attempt.
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    /// A worker's claim: another worker leaves the row alone until then.
    pub locked_until: Option<DateTimeUtc>,
    /// The HTTP status of the last answer, if one came.
    pub last_status_code: Option<i32>,
    /// Why the last attempt failed (no answer, a refused address, a non-2xx status).
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub delivered_at: Option<DateTimeUtc>,
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
pub enum DeliveryStatus {
    /// Waiting for its first or next attempt.
    #[sea_orm(string_value = "pending")]
    Pending,
    /// Answered with a 2xx.
    #[sea_orm(string_value = "delivered")]
    Delivered,
    /// Given up: retried for three days, or its endpoint was paused.
    #[sea_orm(string_value = "failed")]
    Failed,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
