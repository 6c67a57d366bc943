use sea_orm_migration::{prelude::*, schema::*};

/// One-time sign-in links of the backoffice (issue 28): a member who types their address at
/// `/orga/sign-in`, or who is invited from the team page, is mailed a link. The table keeps
/// the link's id (its mail's `record_id`: the worker sends the mail only while the link
/// exists) and only the SHA-256 of the link's token, when it ends, and when it was used (a used link stays
/// until swept, so that its page can say it was used). Revoking the member deletes their
/// links (and the cascade does, should the member's row ever go).
///
/// Also the member's language (`organisers.language`, `de` or `en`): the backoffice pages and
/// the member's mails use it; `NULL` (members made before, or on the command line) follows the
/// browser's `Accept-Language`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SignInLinks::Table)
                    .col(uuid(SignInLinks::Id).primary_key())
                    .col(string_len(SignInLinks::TokenHash, 64).unique_key())
                    .col(uuid(SignInLinks::OrganiserId))
                    .col(timestamp_with_time_zone(SignInLinks::CreatedAt))
                    .col(timestamp_with_time_zone(SignInLinks::ExpiresAt))
                    .col(timestamp_with_time_zone_null(SignInLinks::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SignInLinks::Table, SignInLinks::OrganiserId)
                            .to(Organisers::Table, Organisers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The per-address limit counts a member's recent links; revoking deletes them.
        manager
            .create_index(
                Index::create()
                    .name("idx_sign_in_links_organiser")
                    .table(SignInLinks::Table)
                    .col(SignInLinks::OrganiserId)
                    .col(SignInLinks::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Organisers::Table)
                    .add_column(string_len_null(Organisers::Language, 8))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Organisers::Table)
                    .drop_column(Organisers::Language)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(SignInLinks::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Organisers {
    Table,
    Id,
    Language,
}

#[derive(DeriveIden)]
enum SignInLinks {
    Table,
    Id,
    TokenHash,
    OrganiserId,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}
