use sea_orm_migration::prelude::*;

/// Drops `idx_registrations_event_email` (`event_id, email_lower`). It served the duplicate
/// check, which since `m20261130_500001` asks for the canonical mailbox
/// (`idx_registrations_mailbox`); no query reads `email_lower` through it any more, and every
/// new registration still paid for its entry (one of the ten indexes a registration wrote;
/// `pg_stat_user_indexes` showed it unread through a whole benchmark run, `bench/README.md`
/// session 8).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS idx_registrations_event_email")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX idx_registrations_event_email ON registrations (event_id, email_lower)",
            )
            .await?;
        Ok(())
    }
}
