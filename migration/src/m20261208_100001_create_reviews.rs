use sea_orm_migration::{prelude::*, schema::*};

/// The jury (issue 29, item 2): per event its review criteria (`review_criteria`: a key, a
/// German and an English name, a weight and a scale `0..=max`, in the organisers' order), its
/// review settings (`review_settings`: anonymous review), the reviews (`reviews`: one per
/// reviewer and pitch, the scores as a JSON object by criterion key, so a changed set of
/// criteria keeps them) and the assignments of pitches to reviewers (`review_assignments`).
///
/// Also a team member's organisation (`organisers.organisation`, optional): with the mail
/// domain it decides a conflict of interest (nobody reviews a pitch of their own organisation).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ReviewCriteria::Table)
                    .col(uuid(ReviewCriteria::EventId))
                    .col(string_len(ReviewCriteria::Key, 40))
                    .col(integer(ReviewCriteria::Position))
                    .col(string_len(ReviewCriteria::NameDe, 100))
                    .col(string_len(ReviewCriteria::NameEn, 100))
                    .col(double(ReviewCriteria::Weight))
                    .col(integer(ReviewCriteria::Max))
                    .primary_key(
                        Index::create()
                            .col(ReviewCriteria::EventId)
                            .col(ReviewCriteria::Key),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReviewCriteria::Table, ReviewCriteria::EventId)
                            .to(Events::Table, Events::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReviewSettings::Table)
                    .col(uuid(ReviewSettings::EventId).primary_key())
                    .col(boolean(ReviewSettings::AnonymousReview).default(false))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReviewSettings::Table, ReviewSettings::EventId)
                            .to(Events::Table, Events::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Reviews::Table)
                    .col(uuid(Reviews::Id).primary_key())
                    .col(uuid(Reviews::EventId))
                    .col(uuid(Reviews::PitchId))
                    .col(uuid(Reviews::ReviewerId))
                    .col(text(Reviews::Scores))
                    .col(text(Reviews::Comment))
                    .col(timestamp_with_time_zone(Reviews::CreatedAt))
                    .col(timestamp_with_time_zone(Reviews::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Reviews::Table, Reviews::EventId)
                            .to(Events::Table, Events::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Reviews::Table, Reviews::PitchId)
                            .to(Pitches::Table, Pitches::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Reviews::Table, Reviews::ReviewerId)
                            .to(Organisers::Table, Organisers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // One review per reviewer and pitch: a second replaces the first (the service
        // updates; the index decides between two concurrent first reviews).
        manager
            .create_index(
                Index::create()
                    .name("idx_reviews_pitch_reviewer")
                    .table(Reviews::Table)
                    .col(Reviews::PitchId)
                    .col(Reviews::ReviewerId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // The pitch list sums an event's reviews.
        manager
            .create_index(
                Index::create()
                    .name("idx_reviews_event")
                    .table(Reviews::Table)
                    .col(Reviews::EventId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReviewAssignments::Table)
                    .col(uuid(ReviewAssignments::PitchId))
                    .col(uuid(ReviewAssignments::ReviewerId))
                    .col(uuid(ReviewAssignments::EventId))
                    .col(timestamp_with_time_zone(ReviewAssignments::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(ReviewAssignments::PitchId)
                            .col(ReviewAssignments::ReviewerId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReviewAssignments::Table, ReviewAssignments::PitchId)
                            .to(Pitches::Table, Pitches::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReviewAssignments::Table, ReviewAssignments::ReviewerId)
                            .to(Organisers::Table, Organisers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReviewAssignments::Table, ReviewAssignments::EventId)
                            .to(Events::Table, Events::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_review_assignments_event")
                    .table(ReviewAssignments::Table)
                    .col(ReviewAssignments::EventId)
                    .col(ReviewAssignments::ReviewerId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Organisers::Table)
                    .add_column(string_len_null(Organisers::Organisation, 200))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Organisers::Table)
                    .drop_column(Organisers::Organisation)
                    .to_owned(),
            )
            .await?;
        for table in [
            ReviewAssignments::Table.into_iden(),
            Reviews::Table.into_iden(),
            ReviewSettings::Table.into_iden(),
            ReviewCriteria::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Pitches {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organisers {
    Table,
    Id,
    Organisation,
}

#[derive(DeriveIden)]
enum ReviewCriteria {
    Table,
    EventId,
    Key,
    Position,
    NameDe,
    NameEn,
    Weight,
    Max,
}

#[derive(DeriveIden)]
enum ReviewSettings {
    Table,
    EventId,
    AnonymousReview,
}

#[derive(DeriveIden)]
enum Reviews {
    Table,
    Id,
    EventId,
    PitchId,
    ReviewerId,
    Scores,
    Comment,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ReviewAssignments {
    Table,
    PitchId,
    ReviewerId,
    EventId,
    CreatedAt,
}
