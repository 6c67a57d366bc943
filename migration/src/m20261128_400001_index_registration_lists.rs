use sea_orm_migration::prelude::*;

/// Indexes that keep a registration's duplicate check and the attendee list's first page
/// independent of how many attendees an event has: the e-mail check needs `(event_id,
/// email_lower)` without the partial index's status condition (which the planners cannot match
/// to `status IN (…)` in another order), and the keyset pages sort by `(column, id)`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        for sql in [
            "CREATE INDEX idx_registrations_event_email ON registrations (event_id, email_lower)",
            "CREATE INDEX idx_registrations_event_created_id ON registrations (event_id, created_at, id)",
            "CREATE INDEX idx_registrations_event_name_id ON registrations (event_id, name, id)",
            "DROP INDEX idx_registrations_event_created",
            "DROP INDEX idx_registrations_event_name",
        ] {
            conn.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        for sql in [
            "CREATE INDEX idx_registrations_event_created ON registrations (event_id, created_at)",
            "CREATE INDEX idx_registrations_event_name ON registrations (event_id, name)",
            "DROP INDEX idx_registrations_event_name_id",
            "DROP INDEX idx_registrations_event_created_id",
            "DROP INDEX idx_registrations_event_email",
        ] {
            conn.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}
