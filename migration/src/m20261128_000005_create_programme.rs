use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000002_create_events::{Events, Stages};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Pitches::Table)
                    .col(pk_uuid(Pitches::Id))
                    .col(uuid(Pitches::EventId))
                    .col(string_len(Pitches::Title, 200))
                    .col(text(Pitches::Abstract))
                    .col(string_len(Pitches::Organisation, 200))
                    .col(string_len(Pitches::PresenterName, 200))
                    .col(string_len(Pitches::PresenterEmail, 254))
                    .col(string_len(Pitches::PresenterEmailLower, 254))
                    .col(string_len(Pitches::Language, 8))
                    .col(integer(Pitches::DurationMinutes))
                    .col(string_len(Pitches::Status, 16))
                    .col(integer(Pitches::Sequence).default(0))
                    .col(string_len_uniq(Pitches::ManageToken, 64))
                    .col(timestamp_with_time_zone(Pitches::CreatedAt))
                    .col(timestamp_with_time_zone(Pitches::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Pitches::Table, Pitches::EventId)
                            .to(Events::Table, Events::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PitchSlots::Table)
                    .col(pk_uuid(PitchSlots::Id))
                    .col(uuid(PitchSlots::EventId))
                    .col(uuid(PitchSlots::StageId))
                    .col(timestamp_with_time_zone(PitchSlots::StartsAt))
                    .col(timestamp_with_time_zone(PitchSlots::EndsAt))
                    .col(uuid_null(PitchSlots::PitchId))
                    .col(integer(PitchSlots::Sequence).default(0))
                    .col(timestamp_with_time_zone(PitchSlots::CreatedAt))
                    .col(timestamp_with_time_zone(PitchSlots::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PitchSlots::Table, PitchSlots::EventId)
                            .to(Events::Table, Events::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PitchSlots::Table, PitchSlots::StageId)
                            .to(Stages::Table, Stages::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PitchSlots::Table, PitchSlots::PitchId)
                            .to(Pitches::Table, Pitches::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        let conn = manager.get_connection();
        conn.execute_unprepared("CREATE INDEX idx_pitches_event ON pitches (event_id, status)")
            .await?;
        conn.execute_unprepared(
            "CREATE INDEX idx_pitch_slots_stage ON pitch_slots (event_id, stage_id, starts_at)",
        )
        .await?;
        // A pitch holds at most one slot.
        conn.execute_unprepared(
            "CREATE UNIQUE INDEX idx_pitch_slots_pitch ON pitch_slots (pitch_id) \
             WHERE pitch_id IS NOT NULL",
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(Exhibits::Table)
                    .col(pk_uuid(Exhibits::Id))
                    .col(uuid(Exhibits::EventId))
                    .col(string_len(Exhibits::Title, 200))
                    .col(text(Exhibits::Description))
                    .col(string_len(Exhibits::Organisation, 200))
                    .col(string_len(Exhibits::ContactName, 200))
                    .col(string_len(Exhibits::ContactEmail, 254))
                    .col(string_len(Exhibits::Language, 8))
                    .col(double(Exhibits::SpaceSqm))
                    .col(boolean(Exhibits::NeedsPower))
                    .col(string_len(Exhibits::Status, 16))
                    .col(string_len_null(Exhibits::Booth, 50))
                    .col(string_len_uniq(Exhibits::ManageToken, 64))
                    .col(timestamp_with_time_zone(Exhibits::CreatedAt))
                    .col(timestamp_with_time_zone(Exhibits::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Exhibits::Table, Exhibits::EventId)
                            .to(Events::Table, Events::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        conn.execute_unprepared("CREATE INDEX idx_exhibits_event ON exhibits (event_id, status)")
            .await?;
        // A booth is given to one exhibit per event.
        conn.execute_unprepared(
            "CREATE UNIQUE INDEX idx_exhibits_booth ON exhibits (event_id, booth) \
             WHERE booth IS NOT NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Exhibits::Table.into_iden(),
            PitchSlots::Table.into_iden(),
            Pitches::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Pitches {
    Table,
    Id,
    EventId,
    Title,
    Abstract,
    Organisation,
    PresenterName,
    PresenterEmail,
    PresenterEmailLower,
    Language,
    DurationMinutes,
    Status,
    Sequence,
    ManageToken,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PitchSlots {
    Table,
    Id,
    EventId,
    StageId,
    StartsAt,
    EndsAt,
    PitchId,
    Sequence,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Exhibits {
    Table,
    Id,
    EventId,
    Title,
    Description,
    Organisation,
    ContactName,
    ContactEmail,
    Language,
    SpaceSqm,
    NeedsPower,
    Status,
    Booth,
    ManageToken,
    CreatedAt,
    UpdatedAt,
}
