use sea_orm_migration::{prelude::*, schema::*};

/// `outbox.check_in_code`: the attendee's check-in code, for a confirmation that shows it as an
/// inline QR code (issue 17). The mail worker draws the PNG when it sends, so the outbox row
/// keeps 39 characters instead of a picture.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .add_column(string_len_null(Outbox::CheckInCode, 64))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .drop_column(Outbox::CheckInCode)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    CheckInCode,
}
