use sea_orm_migration::prelude::*;

/// Indexes for the two statements of the maintenance sweep (every 30 s on every instance) that
/// read a whole table: dropping the text of sent mail past its retention scanned every sent
/// mail (through `idx_outbox_status_next`'s `status`), and purging old idempotency keys every
/// key. On SQLite each is a write that holds the database's one writer for its scan: 125–160 ms
/// at 120 000 sent mails, a stall of every registration every 30 s that grew with the outbox
/// (`bench/README.md`, session 13).
///
/// - `idx_outbox_sent_text`: sent mail that still has its text, by `sent_at`. Partial, so a
///   mail leaves it when its text is dropped and the sweep reads only the mails due; pending
///   mail (every registration's confirmation) is not in it until the worker marks it sent. The
///   sweep's condition repeats the predicate word for word
///   (`services::maintenance::drop_sent_mail_text`): both databases use a partial index only
///   when the query's condition implies its predicate. `status` leads although every entry
///   has the same: without it SQLite's planner, which sees `status = 'sent'` as the better
///   part of the condition, took `idx_outbox_status_next` for it and scanned every sent mail.
/// - `idx_idempotency_keys_created`: the keys by age, for the purge of keys past 24 hours.
///
/// Built in the migration's transaction, not `CONCURRENTLY`: on PostgreSQL the build holds
/// off writes to `outbox` (so registrations on instances still running) for one read of the
/// table, milliseconds at a conference's few thousand mails, seconds at a few hundred thousand.
/// A concurrent build cannot run in a transaction, and one that fails leaves an invalid index
/// behind that a later start would not build again.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE INDEX idx_outbox_sent_text ON outbox (status, sent_at) \
             WHERE status = 'sent' AND text_body <> ''",
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX idx_idempotency_keys_created ON idempotency_keys (created_at)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX idx_idempotency_keys_created")
            .await?;
        db.execute_unprepared("DROP INDEX idx_outbox_sent_text")
            .await?;
        Ok(())
    }
}
