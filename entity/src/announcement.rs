use sea_orm::entity::prelude::*;

/// A message from the organisers to an audience of the event (issue 17).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "announcements")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub event_id: Uuid,
    /// Who sent it.
    pub organiser_id: Uuid,
    /// `confirmed`, `waitlisted`, `checked_in`, `presenters`, `exhibitors` or `everyone`.
    pub audience: String,
    pub subject_de: String,
    pub subject_en: String,
    pub text_de: String,
    pub text_en: String,
    /// The request's `Idempotency-Key`: a repeat with it creates nothing new.
    pub idempotency_key: Option<String>,
    /// How many people it was queued for.
    pub recipients: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
