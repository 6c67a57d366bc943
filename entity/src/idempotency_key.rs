use sea_orm::entity::prelude::*;

/// The first answer to a public `POST` with an `Idempotency-Key`, replayed for repeats.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    /// Method and path the key was used on: keys are scoped to one endpoint.
    #[sea_orm(primary_key, auto_increment = false)]
    pub scope: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// SHA-256 of the request body: a reused key with another body is refused.
    pub request_hash: String,
    pub status_code: i32,
    pub body: String,
    pub location: Option<String>,
    pub created_at: DateTimeUtc,
    /// The registration, pitch or exhibit the answer created: erasure removes its answers.
    pub record_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
