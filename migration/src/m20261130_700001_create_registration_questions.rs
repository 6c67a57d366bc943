use sea_orm_migration::{prelude::*, schema::*};

/// Registration questions per event (issue 17) and the attendees' answers.
///
/// An answer keeps a copy of the question's labels and of the chosen choice's labels as they
/// were when the attendee answered, so changing or deleting a question later leaves every
/// answer readable. A question of several choices has one answer row per chosen choice.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RegistrationQuestions::Table)
                    .col(pk_uuid(RegistrationQuestions::Id))
                    .col(uuid(RegistrationQuestions::EventId))
                    .col(integer(RegistrationQuestions::Position))
                    .col(string_len(RegistrationQuestions::Kind, 16))
                    .col(boolean(RegistrationQuestions::Required))
                    .col(string_len(RegistrationQuestions::LabelDe, 300))
                    .col(string_len(RegistrationQuestions::LabelEn, 300))
                    .col(text(RegistrationQuestions::Choices))
                    .col(timestamp_with_time_zone(RegistrationQuestions::CreatedAt))
                    .col(timestamp_with_time_zone(RegistrationQuestions::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RegistrationQuestions::Table, RegistrationQuestions::EventId)
                            .to(Events::Table, Events::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_registration_questions_event")
                    .table(RegistrationQuestions::Table)
                    .col(RegistrationQuestions::EventId)
                    .col(RegistrationQuestions::Position)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RegistrationAnswers::Table)
                    .col(pk_uuid(RegistrationAnswers::Id))
                    .col(uuid(RegistrationAnswers::RegistrationId))
                    .col(uuid(RegistrationAnswers::EventId))
                    .col(uuid(RegistrationAnswers::QuestionId))
                    .col(integer(RegistrationAnswers::Position))
                    .col(string_len(RegistrationAnswers::Kind, 16))
                    .col(string_len(RegistrationAnswers::LabelDe, 300))
                    .col(string_len(RegistrationAnswers::LabelEn, 300))
                    .col(text(RegistrationAnswers::Value))
                    .col(text(RegistrationAnswers::ValueDe))
                    .col(text(RegistrationAnswers::ValueEn))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                RegistrationAnswers::Table,
                                RegistrationAnswers::RegistrationId,
                            )
                            .to(Registrations::Table, Registrations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            (
                "idx_registration_answers_registration",
                RegistrationAnswers::RegistrationId,
            ),
            (
                "idx_registration_answers_question",
                RegistrationAnswers::QuestionId,
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(RegistrationAnswers::Table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RegistrationAnswers::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(RegistrationQuestions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Registrations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum RegistrationQuestions {
    Table,
    Id,
    EventId,
    Position,
    Kind,
    Required,
    LabelDe,
    LabelEn,
    Choices,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RegistrationAnswers {
    Table,
    Id,
    RegistrationId,
    EventId,
    QuestionId,
    Position,
    Kind,
    LabelDe,
    LabelEn,
    Value,
    ValueDe,
    ValueEn,
}
