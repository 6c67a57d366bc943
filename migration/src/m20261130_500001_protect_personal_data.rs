//! Data protection (issue #12): manage tokens only as hashes, the canonical mailbox key, the
//! per-event limits per mailbox, the owner of each mail and idempotency answer.
use sea_orm_migration::{prelude::*, schema::*, sea_orm::Statement};
use sha2::{Digest, Sha256};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Tables whose `manage_token` (clear) becomes `manage_token_hash` (SHA-256, hex).
const TOKEN_TABLES: [&str; 3] = ["registrations", "pitches", "exhibits"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        for table in TOKEN_TABLES {
            db.execute_unprepared(&format!(
                "ALTER TABLE {table} RENAME COLUMN manage_token TO manage_token_hash"
            ))
            .await?;
            // Hashed in Rust: SQLite has no SHA-256 of its own.
            let rows = db
                .query_all_raw(Statement::from_string(
                    backend,
                    format!("SELECT id, manage_token_hash FROM {table}"),
                ))
                .await?;
            for row in rows {
                let id: sea_orm_migration::sea_orm::prelude::Uuid = row.try_get("", "id")?;
                let token: String = row.try_get("", "manage_token_hash")?;
                let hash = hex::encode(Sha256::digest(token.as_bytes()));
                let sql = match backend {
                    sea_orm_migration::sea_orm::DbBackend::Postgres => {
                        format!("UPDATE {table} SET manage_token_hash = $1 WHERE id = $2")
                    }
                    _ => format!("UPDATE {table} SET manage_token_hash = ? WHERE id = ?"),
                };
                db.execute_raw(Statement::from_sql_and_values(
                    backend,
                    sql,
                    [hash.into(), id.into()],
                ))
                .await?;
            }
        }

        // One mailbox, one seat: the canonical key (rows from before are keyed by their
        // lower-cased address), counted under the event's lock instead of a unique index, so
        // the limit per mailbox can be more than one.
        manager
            .alter_table(
                Table::alter()
                    .table(Registrations::Table)
                    .add_column(string_len(Registrations::Mailbox, 512).default(""))
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared("UPDATE registrations SET mailbox = email_lower")
            .await?;
        db.execute_unprepared("DROP INDEX idx_registrations_active_email")
            .await?;
        db.execute_unprepared(
            "CREATE INDEX idx_registrations_mailbox ON registrations (event_id, mailbox)",
        )
        .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Exhibits::Table)
                    .add_column(string_len(Exhibits::ContactMailbox, 512).default(""))
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared("UPDATE exhibits SET contact_mailbox = lower(contact_email)")
            .await?;
        db.execute_unprepared(
            "CREATE INDEX idx_exhibits_mailbox ON exhibits (event_id, contact_mailbox)",
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX idx_pitches_mailbox ON pitches (event_id, presenter_email_lower)",
        )
        .await?;

        for col in [
            integer(Events::MailboxRegistrationsMax).default(1),
            integer(Events::MailboxHoldsMax).default(1),
            integer(Events::HoldHours).default(48),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Events::Table)
                        .add_column(col)
                        .to_owned(),
                )
                .await?;
        }

        // Whose mail and whose stored answer: erasure removes exactly the erased record's own.
        manager
            .alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .add_column(uuid_null(Outbox::RecordId))
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared("CREATE INDEX idx_outbox_record ON outbox (record_id)")
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(IdempotencyKeys::Table)
                    .add_column(uuid_null(IdempotencyKeys::RecordId))
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared(
            "CREATE INDEX idx_idempotency_keys_record ON idempotency_keys (record_id)",
        )
        .await?;
        // Stored answers held organisers' and manage tokens in clear: forget them all (they
        // last 24 hours; a retry after the upgrade runs as a new request).
        db.execute_unprepared("DELETE FROM idempotency_keys")
            .await?;
        Ok(())
    }

    /// Undoes the schema; the hashed tokens stay hashes (the clear ones are gone), so links
    /// sent before `up` stop working after `down`.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX idx_idempotency_keys_record")
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(IdempotencyKeys::Table)
                    .drop_column(IdempotencyKeys::RecordId)
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared("DROP INDEX idx_outbox_record")
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .drop_column(Outbox::RecordId)
                    .to_owned(),
            )
            .await?;
        for col in [
            Events::MailboxRegistrationsMax,
            Events::MailboxHoldsMax,
            Events::HoldHours,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Events::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        db.execute_unprepared("DROP INDEX idx_pitches_mailbox")
            .await?;
        db.execute_unprepared("DROP INDEX idx_exhibits_mailbox")
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Exhibits::Table)
                    .drop_column(Exhibits::ContactMailbox)
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared("DROP INDEX idx_registrations_mailbox")
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Registrations::Table)
                    .drop_column(Registrations::Mailbox)
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX idx_registrations_active_email ON registrations \
             (event_id, email_lower) WHERE status IN ('confirmed', 'waitlisted', 'pending')",
        )
        .await?;
        for table in TOKEN_TABLES {
            db.execute_unprepared(&format!(
                "ALTER TABLE {table} RENAME COLUMN manage_token_hash TO manage_token"
            ))
            .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Registrations {
    Table,
    Mailbox,
}

#[derive(DeriveIden)]
enum Exhibits {
    Table,
    ContactMailbox,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    MailboxRegistrationsMax,
    MailboxHoldsMax,
    HoldHours,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    RecordId,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    RecordId,
}
