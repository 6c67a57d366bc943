use sea_orm::entity::prelude::*;

/// A signed-in browser of the backoffice (issue 28): the SHA-256 (hex) of the session cookie's
/// value, never the value itself.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "backoffice_sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_hash: String,
    pub organiser_id: Uuid,
    pub created_at: DateTimeUtc,
    /// The last request seen: the session ends once idle for too long after it.
    pub last_seen_at: DateTimeUtc,
    /// The end of the session whatever happens.
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
