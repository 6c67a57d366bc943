use sea_orm_migration::{prelude::*, schema::*};

/// Announcements to an event's people (issue 17) and who each was queued for.
///
/// An announcement, its outbox mail and its recipient rows are written in one transaction,
/// so a restart never leaves half an audience mailed; `(announcement_id, mailbox)` is the
/// primary key of a recipient, so nobody gets one announcement twice; `(event_id,
/// idempotency_key)` is unique, so a repeated request creates nothing new.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Announcements::Table)
                    .col(pk_uuid(Announcements::Id))
                    .col(uuid(Announcements::EventId))
                    .col(uuid(Announcements::OrganiserId))
                    .col(string_len(Announcements::Audience, 16))
                    .col(string_len(Announcements::SubjectDe, 200))
                    .col(string_len(Announcements::SubjectEn, 200))
                    .col(text(Announcements::TextDe))
                    .col(text(Announcements::TextEn))
                    .col(string_len_null(Announcements::IdempotencyKey, 200))
                    .col(integer(Announcements::Recipients))
                    .col(timestamp_with_time_zone(Announcements::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Announcements::Table, Announcements::EventId)
                            .to(Events::Table, Events::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_announcements_event_key")
                    .table(Announcements::Table)
                    .col(Announcements::EventId)
                    .col(Announcements::IdempotencyKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AnnouncementRecipients::Table)
                    .col(uuid(AnnouncementRecipients::AnnouncementId))
                    .col(string_len(AnnouncementRecipients::Mailbox, 254))
                    .col(uuid(AnnouncementRecipients::OutboxId))
                    .primary_key(
                        Index::create()
                            .col(AnnouncementRecipients::AnnouncementId)
                            .col(AnnouncementRecipients::Mailbox),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                AnnouncementRecipients::Table,
                                AnnouncementRecipients::AnnouncementId,
                            )
                            .to(Announcements::Table, Announcements::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(AnnouncementRecipients::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Announcements::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Announcements {
    Table,
    Id,
    EventId,
    OrganiserId,
    Audience,
    SubjectDe,
    SubjectEn,
    TextDe,
    TextEn,
    IdempotencyKey,
    Recipients,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AnnouncementRecipients {
    Table,
    AnnouncementId,
    Mailbox,
    OutboxId,
}
