use sea_orm::entity::prelude::*;

/// Where an organiser wants to be told of changes (issue 31): one event or every event, and
/// which event types. Its signing secret is derived from the server secret and `id`, never
/// stored.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The team member who made it; they are mailed when it is paused.
    pub organiser_id: Uuid,
    /// The event it reports on; `None`: every event.
    pub event_id: Option<Uuid>,
    pub url: String,
    /// The event types, the API's words, comma-separated (e.g. `pitch.accepted,registration.created`).
    pub event_types: String,
    pub status: EndpointStatus,
    /// Deliveries that failed for good in a row; reset by a success.
    pub consecutive_failures: i32,
    pub created_at: DateTimeUtc,
    pub paused_at: Option<DateTimeUtc>,
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
pub enum EndpointStatus {
    /// Gets deliveries.
    #[sea_orm(string_value = "active")]
    Active,
    /// Failed too often in a row: gets nothing until made again.
    #[sea_orm(string_value = "paused")]
    Paused,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
