use sea_orm_migration::{prelude::*, schema::*};

/// Sessions of the organisers' backoffice at `/orga/` (issue 28): the cookie holds a random
/// value and this table only its SHA-256. A session ends when idle too long (`last_seen_at`),
/// at `expires_at` whatever happens, at sign-out, and with every other session of its member
/// when the member's token is rotated or revoked.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(BackofficeSessions::Table)
                    .col(string_len(BackofficeSessions::TokenHash, 64).primary_key())
                    .col(uuid(BackofficeSessions::OrganiserId))
                    .col(timestamp_with_time_zone(BackofficeSessions::CreatedAt))
                    .col(timestamp_with_time_zone(BackofficeSessions::LastSeenAt))
                    .col(timestamp_with_time_zone(BackofficeSessions::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(BackofficeSessions::Table, BackofficeSessions::OrganiserId)
                            .to(Organisers::Table, Organisers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Ending a member's sessions finds them through this index.
        manager
            .create_index(
                Index::create()
                    .name("idx_backoffice_sessions_organiser")
                    .table(BackofficeSessions::Table)
                    .col(BackofficeSessions::OrganiserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(BackofficeSessions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Organisers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum BackofficeSessions {
    Table,
    TokenHash,
    OrganiserId,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
}
