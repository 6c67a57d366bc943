use sea_orm_migration::{prelude::*, schema::*};

/// Sessions of the door page (issue 17): an organiser signs in once per phone; the cookie
/// holds a random value and this table only its SHA-256, so a dump opens no door, and every
/// instance sharing the database knows every session (several doors, several instances).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DoorSessions::Table)
                    .col(string_len(DoorSessions::TokenHash, 64).primary_key())
                    .col(uuid(DoorSessions::EventId))
                    .col(uuid(DoorSessions::OrganiserId))
                    .col(timestamp_with_time_zone(DoorSessions::CreatedAt))
                    .col(timestamp_with_time_zone(DoorSessions::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DoorSessions::Table, DoorSessions::EventId)
                            .to(Events::Table, Events::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(DoorSessions::Table, DoorSessions::OrganiserId)
                            .to(Organisers::Table, Organisers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DoorSessions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organisers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum DoorSessions {
    Table,
    TokenHash,
    EventId,
    OrganiserId,
    CreatedAt,
    ExpiresAt,
}
