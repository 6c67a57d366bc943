use sea_orm_migration::prelude::*;

/// No two active organisers share an e-mail address (case-insensitive): a second
/// `organiser add` or `POST /organisers` with the same address is refused. Revoked organisers
/// keep theirs for the record, so an address may be given again after a revocation.
/// Fails on a database that already holds such duplicates: revoke all but one first
/// (`podium organiser list`, `podium organiser revoke ID`).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX idx_organisers_active_email ON organisers (lower(email)) \
                 WHERE revoked_at IS NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX idx_organisers_active_email")
            .await?;
        Ok(())
    }
}
