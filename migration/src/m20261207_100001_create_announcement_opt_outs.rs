use sea_orm_migration::{prelude::*, schema::*};

/// People who left an event's announcements (issue 30, item 7: `List-Unsubscribe`, RFC 8058):
/// one row per registration, pitch or exhibit, by its id only (no address). The mail worker
/// drops an announcement to a record listed here instead of sending it.
///
/// Also keeps no check-in code in clear in the outbox any more (issue 30, item 2): a queued or
/// sent mail's code is derived again from its record when sent, so the column holds the
/// placeholder `{podium:check-in-code}` (`mail::secrets`) for every mail about a record.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AnnouncementOptOuts::Table)
                    .col(pk_uuid(AnnouncementOptOuts::RecordId))
                    .col(timestamp_with_time_zone(AnnouncementOptOuts::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE outbox SET check_in_code = '{podium:check-in-code}' \
                 WHERE check_in_code IS NOT NULL AND record_id IS NOT NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AnnouncementOptOuts::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AnnouncementOptOuts {
    Table,
    RecordId,
    CreatedAt,
}
