use sea_orm_migration::{prelude::*, schema::*};

/// `events.registrations_total`: how many registration rows an event has (rows are never deleted:
/// erasure anonymises), so the unfiltered attendee list's `total` needs no `COUNT(*)`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Events::Table)
                    .add_column(big_integer(Events::RegistrationsTotal).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE events SET registrations_total = \
                 (SELECT COUNT(*) FROM registrations r WHERE r.event_id = events.id)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Events::Table)
                    .drop_column(Events::RegistrationsTotal)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Events {
    Table,
    RegistrationsTotal,
}
