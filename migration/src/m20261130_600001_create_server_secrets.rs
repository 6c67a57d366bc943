use sea_orm_migration::prelude::*;

/// Where a PostgreSQL deployment without `PODIUM_SECRET` keeps the server secret that manage
/// links are derived from, so every instance sharing the database derives the same links
/// (`db::shared_secret`). One row per secret `name`; `value` is 256 random bits, hex.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ServerSecrets::Table)
                    .col(
                        ColumnDef::new(ServerSecrets::Name)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(ServerSecrets::Value).text().not_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ServerSecrets::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ServerSecrets {
    Table,
    Name,
    Value,
}
