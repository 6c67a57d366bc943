use sea_orm::entity::prelude::*;

/// The organisation that runs the events (issue 28): one row, `id` = 1, absent until an admin
/// first saves it. Public pages and mails show its name, logo and links instead of "podium".
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organisation")]
pub struct Model {
    /// Always 1.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    /// The organisation's name, one line.
    pub name: Option<String>,
    /// The address mails answer to (`Reply-To`) where the event names none.
    pub contact: Option<String>,
    /// `#rrggbb`, dark enough for links on white (WCAG 2.x contrast at least 4.5:1).
    pub accent_colour: Option<String>,
    /// An `https` (or `http`) URL of the imprint (German law: the Impressum).
    pub imprint_url: Option<String>,
    /// An `https` (or `http`) URL of the privacy policy.
    pub privacy_url: Option<String>,
    /// The logo's bytes (PNG or SVG).
    #[sea_orm(column_type = "Blob", nullable)]
    pub logo: Option<Vec<u8>>,
    /// `image/png` or `image/svg+xml`.
    pub logo_type: Option<String>,
    /// Grows with every change; part of the logo's and theme's URLs.
    pub version: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
