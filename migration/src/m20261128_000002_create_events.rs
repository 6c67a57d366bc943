use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(pk_uuid(Events::Id))
                    .col(string_len_uniq(Events::Slug, 100))
                    .col(string_len(Events::Title, 200))
                    .col(text(Events::Description))
                    .col(string_len(Events::Venue, 200))
                    .col(string_len(Events::Address, 500))
                    .col(string_len(Events::Timezone, 64))
                    .col(timestamp_with_time_zone(Events::StartsAt))
                    .col(timestamp_with_time_zone(Events::EndsAt))
                    .col(integer(Events::Capacity))
                    .col(boolean(Events::Waitlist))
                    .col(timestamp_with_time_zone_null(Events::RegistrationOpensAt))
                    .col(timestamp_with_time_zone_null(Events::RegistrationClosesAt))
                    .col(boolean(Events::RequireEmailConfirmation))
                    .col(integer_null(Events::ExhibitCapacity))
                    .col(string_len_null(Events::Series, 100))
                    .col(string_len(Events::Status, 16))
                    .col(integer(Events::ConfirmedCount).default(0))
                    .col(integer(Events::PendingCount).default(0))
                    .col(integer(Events::WaitlistedCount).default(0))
                    .col(big_integer(Events::WaitlistSeq).default(0))
                    .col(integer(Events::ApprovedExhibits).default(0))
                    .col(integer(Events::Sequence).default(0))
                    .col(big_integer(Events::Version).default(1))
                    .col(timestamp_with_time_zone(Events::CreatedAt))
                    .col(timestamp_with_time_zone(Events::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_events_series")
                    .table(Events::Table)
                    .col(Events::Series)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_events_status_starts")
                    .table(Events::Table)
                    .col(Events::Status)
                    .col(Events::StartsAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Stages::Table)
                    .col(pk_uuid(Stages::Id))
                    .col(uuid(Stages::EventId))
                    .col(string_len(Stages::Name, 200))
                    .col(text(Stages::Description))
                    .col(integer(Stages::Position))
                    .col(timestamp_with_time_zone(Stages::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Stages::Table, Stages::EventId)
                            .to(Events::Table, Events::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_stages_event_name")
                    .table(Stages::Table)
                    .col(Stages::EventId)
                    .col(Stages::Name)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Stages::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Events::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Events {
    Table,
    Id,
    Slug,
    Title,
    Description,
    Venue,
    Address,
    Timezone,
    StartsAt,
    EndsAt,
    Capacity,
    Waitlist,
    RegistrationOpensAt,
    RegistrationClosesAt,
    RequireEmailConfirmation,
    ExhibitCapacity,
    Series,
    Status,
    ConfirmedCount,
    PendingCount,
    WaitlistedCount,
    WaitlistSeq,
    ApprovedExhibits,
    Sequence,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub enum Stages {
    Table,
    Id,
    EventId,
    Name,
    Description,
    Position,
    CreatedAt,
}
