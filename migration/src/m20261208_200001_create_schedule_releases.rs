use sea_orm_migration::{prelude::*, schema::*};

/// Releases of the programme (issue 29, item 4): the slots and assignments organisers edit
/// (`pitch_slots`) are a draft; a release copies the draft into `released_slots` under the
/// event's next `version`, and the public programme (schedule, pages, feeds) is read from the
/// newest release. A release row is keyed by `(event_id, version)`, so two releases can never
/// share a version; `changes` holds the list of changes it published (JSON text).
///
/// The released slots refer to slots, stages and pitches by id without foreign keys: a release
/// keeps showing what it published while the draft deletes a slot, and a pitch that is erased
/// or withdrawn is left out when the release is read.
///
/// Events that already have a programme (a slot holding a pitch) start with it as release 1,
/// dated at the programme's last change.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// The note of the release the migration makes for a programme from before releases.
pub const BACKFILL_NOTE: &str = "Programme as published before releases";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ScheduleReleases::Table)
                    .col(uuid(ScheduleReleases::EventId))
                    .col(integer(ScheduleReleases::Version))
                    .col(text(ScheduleReleases::Note))
                    .col(text(ScheduleReleases::Changes))
                    .col(timestamp_with_time_zone(ScheduleReleases::ReleasedAt))
                    .primary_key(
                        Index::create()
                            .col(ScheduleReleases::EventId)
                            .col(ScheduleReleases::Version),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ScheduleReleases::Table, ScheduleReleases::EventId)
                            .to(Events::Table, Events::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReleasedSlots::Table)
                    .col(uuid(ReleasedSlots::EventId))
                    .col(integer(ReleasedSlots::Version))
                    .col(uuid(ReleasedSlots::SlotId))
                    .col(uuid(ReleasedSlots::StageId))
                    .col(timestamp_with_time_zone(ReleasedSlots::StartsAt))
                    .col(timestamp_with_time_zone(ReleasedSlots::EndsAt))
                    .col(uuid_null(ReleasedSlots::PitchId))
                    .primary_key(
                        Index::create()
                            .col(ReleasedSlots::EventId)
                            .col(ReleasedSlots::Version)
                            .col(ReleasedSlots::SlotId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                ReleasedSlots::Table,
                                (ReleasedSlots::EventId, ReleasedSlots::Version),
                            )
                            .to(
                                ScheduleReleases::Table,
                                (ScheduleReleases::EventId, ScheduleReleases::Version),
                            )
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        backfill(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ReleasedSlots::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ScheduleReleases::Table).to_owned())
            .await
    }
}

/// Release 1 for every event whose programme holds a pitch: all its slots (open ones too, as
/// the public programme showed them), dated at the last change of a slot. Plain SQL that
/// copies stored values, so it reads the same on both databases.
pub async fn backfill(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let note = BACKFILL_NOTE.replace('\'', "''");
    db.execute_unprepared(&format!(
        "INSERT INTO schedule_releases (event_id, version, note, changes, released_at) \
         SELECT event_id, 1, '{note}', '[]', MAX(updated_at) FROM pitch_slots \
         WHERE event_id IN (SELECT event_id FROM pitch_slots WHERE pitch_id IS NOT NULL) \
         GROUP BY event_id"
    ))
    .await?;
    db.execute_unprepared(
        "INSERT INTO released_slots (event_id, version, slot_id, stage_id, starts_at, ends_at, pitch_id) \
         SELECT s.event_id, 1, s.id, s.stage_id, s.starts_at, s.ends_at, s.pitch_id \
         FROM pitch_slots s WHERE s.event_id IN (SELECT event_id FROM schedule_releases)",
    )
    .await?;
    Ok(())
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ScheduleReleases {
    Table,
    EventId,
    Version,
    Note,
    Changes,
    ReleasedAt,
}

#[derive(DeriveIden)]
enum ReleasedSlots {
    Table,
    EventId,
    Version,
    SlotId,
    StageId,
    StartsAt,
    EndsAt,
    PitchId,
}
