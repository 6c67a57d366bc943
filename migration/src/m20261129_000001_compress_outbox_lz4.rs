use sea_orm_migration::prelude::*;

/// On PostgreSQL, the outbox's mail texts are compressed with LZ4 instead of pglz. Every
/// registration writes its rendered confirmation (~5 KB of text, HTML and calendar) in the same
/// transaction, and pglz's compression of it was part of each batch's time in the backend:
/// with LZ4, 4 045–4 383 registrations/s instead of 3 803–4 136 (back-to-back runs). Only
/// where the server was built with LZ4 (`default_toast_compression` offers it, PostgreSQL 14
/// and later); elsewhere, and on SQLite, nothing changes.
#[derive(DeriveMigrationName)]
pub struct Migration;

const COLUMNS: [&str; 3] = ["text_body", "html_body", "ics"];

async fn has_lz4(manager: &SchemaManager<'_>) -> Result<bool, DbErr> {
    if manager.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Ok(false);
    }
    let found = manager
        .get_connection()
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT 1 AS found FROM pg_settings \
             WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)",
        ))
        .await?;
    Ok(found.is_some())
}

async fn set_compression(manager: &SchemaManager<'_>, method: &str) -> Result<(), DbErr> {
    let columns: Vec<String> = COLUMNS
        .iter()
        .map(|c| format!("ALTER COLUMN {c} SET COMPRESSION {method}"))
        .collect();
    manager
        .get_connection()
        .execute_unprepared(&format!("ALTER TABLE outbox {}", columns.join(", ")))
        .await
        .map(drop)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if has_lz4(manager).await? {
            set_compression(manager, "lz4").await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if has_lz4(manager).await? {
            set_compression(manager, "DEFAULT").await?;
        }
        Ok(())
    }
}
