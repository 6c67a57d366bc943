use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000002_create_events::Events;

/// `calendar_entries`: every VEVENT podium has published in a feed or a mail, as it was last
/// shown, with its SEQUENCE and LAST-MODIFIED (RFC 5545 §3.8.7). The rows are the truth that
/// all instances render from, so an entry keeps its UID and only grows its SEQUENCE, and an
/// entry whose source is gone (withdrawn pitch, deleted slot) stays, cancelled.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CalendarEntries::Table)
                    .col(string_len(CalendarEntries::Uid, 120).primary_key())
                    .col(uuid(CalendarEntries::EventId))
                    .col(string_len(CalendarEntries::Kind, 16))
                    .col(text(CalendarEntries::Summary))
                    .col(text(CalendarEntries::Description))
                    .col(text(CalendarEntries::Location))
                    .col(timestamp_with_time_zone(CalendarEntries::StartsAt))
                    .col(timestamp_with_time_zone(CalendarEntries::EndsAt))
                    .col(string_len(CalendarEntries::Status, 16))
                    .col(string_len(CalendarEntries::OrganizerName, 200))
                    .col(string_len(CalendarEntries::OrganizerEmail, 254))
                    .col(integer(CalendarEntries::Sequence))
                    .col(timestamp_with_time_zone(CalendarEntries::CreatedAt))
                    .col(timestamp_with_time_zone(CalendarEntries::LastModified))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CalendarEntries::Table, CalendarEntries::EventId)
                            .to(Events::Table, Events::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_calendar_entries_event")
                    .table(CalendarEntries::Table)
                    .col(CalendarEntries::EventId)
                    .col(CalendarEntries::Kind)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CalendarEntries::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum CalendarEntries {
    Table,
    Uid,
    EventId,
    Kind,
    Summary,
    Description,
    Location,
    StartsAt,
    EndsAt,
    Status,
    OrganizerName,
    OrganizerEmail,
    Sequence,
    CreatedAt,
    LastModified,
}
