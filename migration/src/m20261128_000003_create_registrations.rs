use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000002_create_events::Events;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Registrations::Table)
                    .col(pk_uuid(Registrations::Id))
                    .col(uuid(Registrations::EventId))
                    .col(string_len(Registrations::Name, 200))
                    .col(string_len(Registrations::Email, 254))
                    .col(string_len(Registrations::EmailLower, 254))
                    .col(string_len(Registrations::Organisation, 200))
                    .col(string_len(Registrations::Sector, 16))
                    .col(string_len(Registrations::Language, 8))
                    .col(string_len(Registrations::Status, 16))
                    .col(big_integer_null(Registrations::WaitlistSeq))
                    .col(string_len_uniq(Registrations::ManageToken, 64))
                    .col(timestamp_with_time_zone_null(Registrations::CheckedInAt))
                    .col(timestamp_with_time_zone_null(Registrations::HoldExpiresAt))
                    .col(integer(Registrations::Sequence).default(0))
                    .col(timestamp_with_time_zone(Registrations::CreatedAt))
                    .col(timestamp_with_time_zone(Registrations::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Registrations::CancelledAt))
                    .col(timestamp_with_time_zone_null(Registrations::ErasedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Registrations::Table, Registrations::EventId)
                            .to(Events::Table, Events::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_registrations_event_created", "event_id, created_at"),
            (
                "idx_registrations_event_status_seq",
                "event_id, status, waitlist_seq",
            ),
            ("idx_registrations_event_name", "event_id, name"),
            ("idx_registrations_hold", "status, hold_expires_at"),
        ] {
            manager
                .get_connection()
                .execute_unprepared(&format!("CREATE INDEX {name} ON registrations ({cols})"))
                .await?;
        }
        // One active registration per e-mail and event; cancelled ones may register again.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX idx_registrations_active_email ON registrations \
                 (event_id, email_lower) WHERE status IN ('confirmed', 'waitlisted', 'pending')",
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .col(string_len(IdempotencyKeys::Scope, 300))
                    .col(string_len(IdempotencyKeys::Key, 200))
                    .col(string_len(IdempotencyKeys::RequestHash, 64))
                    .col(integer(IdempotencyKeys::StatusCode))
                    .col(text(IdempotencyKeys::Body))
                    .col(string_len_null(IdempotencyKeys::Location, 500))
                    .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(IdempotencyKeys::Scope)
                            .col(IdempotencyKeys::Key),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IdempotencyKeys::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Registrations::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Registrations {
    Table,
    Id,
    EventId,
    Name,
    Email,
    EmailLower,
    Organisation,
    Sector,
    Language,
    Status,
    WaitlistSeq,
    ManageToken,
    CheckedInAt,
    HoldExpiresAt,
    Sequence,
    CreatedAt,
    UpdatedAt,
    CancelledAt,
    ErasedAt,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    Scope,
    Key,
    RequestHash,
    StatusCode,
    Body,
    Location,
    CreatedAt,
}
