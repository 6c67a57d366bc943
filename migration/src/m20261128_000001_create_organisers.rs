use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organisers::Table)
                    .col(pk_uuid(Organisers::Id))
                    .col(string_len(Organisers::Name, 200))
                    .col(string_len(Organisers::Email, 254))
                    .col(string_len(Organisers::Role, 16))
                    .col(string_len_uniq(Organisers::TokenHash, 64))
                    .col(timestamp_with_time_zone(Organisers::CreatedAt))
                    .col(timestamp_with_time_zone_null(Organisers::RevokedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Organisers::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Organisers {
    Table,
    Id,
    Name,
    Email,
    Role,
    TokenHash,
    CreatedAt,
    RevokedAt,
}
