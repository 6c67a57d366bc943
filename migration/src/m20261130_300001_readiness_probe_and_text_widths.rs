use sea_orm_migration::prelude::*;

/// Two things for running on failing storage and composed text (issue #13):
///
/// - `readiness_probe`, one row that `/readyz` updates to test that the database can still
///   *write* (a full disk answers `SELECT 1` but no commit).
/// - On PostgreSQL, the columns holding text podium composes itself become `TEXT`: the mail
///   subject (`outbox.subject`, an event title and a pitch title of up to 200 characters each
///   plus the template's words overflowed `VARCHAR(400)`, so that pitch could never be
///   scheduled) and a stored answer's `Location` (`idempotency_keys.location`, the public URL
///   plus a path). SQLite does not enforce a `VARCHAR` length; nothing changes there.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// Table, column and the `VARCHAR` length it had before.
const WIDENED: [(&str, &str, u32); 2] = [
    ("outbox", "subject", 400),
    ("idempotency_keys", "location", 500),
];

#[derive(DeriveIden)]
enum ReadinessProbe {
    Table,
    Id,
    CheckedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ReadinessProbe::Table)
                    .col(
                        ColumnDef::new(ReadinessProbe::Id)
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ReadinessProbe::CheckedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(ReadinessProbe::Table)
                    .columns([ReadinessProbe::Id, ReadinessProbe::CheckedAt])
                    .values_panic([1.into(), 0i64.into()])
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == sea_orm::DbBackend::Postgres {
            for (table, column, _) in WIDENED {
                manager
                    .get_connection()
                    .execute_unprepared(&format!(
                        "ALTER TABLE {table} ALTER COLUMN {column} TYPE TEXT"
                    ))
                    .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == sea_orm::DbBackend::Postgres {
            for (table, column, len) in WIDENED {
                manager
                    .get_connection()
                    .execute_unprepared(&format!(
                        "ALTER TABLE {table} ALTER COLUMN {column} TYPE VARCHAR({len}) \
                         USING left({column}, {len})"
                    ))
                    .await?;
            }
        }
        manager
            .drop_table(Table::drop().table(ReadinessProbe::Table).to_owned())
            .await
    }
}
