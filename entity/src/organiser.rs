use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organisers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
    /// SHA-256 of the bearer token, hex; the token itself is never stored.
    #[sea_orm(unique)]
    pub token_hash: String,
    pub created_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
    /// The member's language for the backoffice and their mails (`de`, `en`); `None`: not
    /// chosen, the browser's `Accept-Language` decides.
    pub language: Option<super::registration::Language>,
    /// The member's organisation, optional: with the mail domain it tells a conflict of
    /// interest when reviewing a pitch (issue 29).
    pub organisation: Option<String>,
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
/// A team member's role (issue 28): `admin` (everything, the team), `organiser` (everything of
/// their events), `reviewer` (their events' pitches, to read and score), `door` (check-in and
/// the door page of their events).
pub enum Role {
    #[sea_orm(string_value = "admin")]
    Admin,
    #[sea_orm(string_value = "organiser")]
    Organiser,
    #[sea_orm(string_value = "reviewer")]
    Reviewer,
    #[sea_orm(string_value = "door")]
    Door,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
