use sea_orm::entity::prelude::*;

/// A one-time sign-in link of the backoffice (issue 28): the SHA-256 (hex) of the link's
/// token, never the token itself. Single use (`used_at`), and dead after `expires_at`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sign_in_links")]
pub struct Model {
    /// The link's id, from which its token is derived; the `record_id` of its mail.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub organiser_id: Uuid,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    /// When the link signed its member in; `None`: not yet.
    pub used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
