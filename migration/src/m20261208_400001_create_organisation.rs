use sea_orm_migration::{prelude::*, schema::*};

/// The organisation that runs podium's events (issue 28): one row (`id` = 1) with its name, the
/// contact address its mails answer to (`Reply-To`), a logo (PNG or SVG, at most 256 KiB, kept
/// in the database so that every instance serves the same), an accent colour, and the links to
/// its imprint and privacy policy that every public page shows. `version` grows with every
/// change: the logo's and the theme's URLs carry it, so a browser may keep them for good.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organisation::Table)
                    .col(integer(Organisation::Id).primary_key())
                    .col(string_len_null(Organisation::Name, 200))
                    .col(string_len_null(Organisation::Contact, 254))
                    .col(string_len_null(Organisation::AccentColour, 7))
                    .col(string_len_null(Organisation::ImprintUrl, 2000))
                    .col(string_len_null(Organisation::PrivacyUrl, 2000))
                    .col(blob_null(Organisation::Logo))
                    .col(string_len_null(Organisation::LogoType, 32))
                    .col(integer(Organisation::Version).default(1))
                    .col(timestamp_with_time_zone(Organisation::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Organisation::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Organisation {
    Table,
    Id,
    Name,
    Contact,
    AccentColour,
    ImprintUrl,
    PrivacyUrl,
    Logo,
    LogoType,
    Version,
    UpdatedAt,
}
