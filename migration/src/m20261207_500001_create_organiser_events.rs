use sea_orm_migration::{prelude::*, schema::*};

/// Roles per event (issue 28): which events a team member works on. A member with no row here
/// works on every event, so the organisers who exist keep what they had (an admin stays an
/// admin, an organiser sees every event). The roles `reviewer` and `door` need no schema
/// change: `organisers.role` is a string of up to 16 characters.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OrganiserEvents::Table)
                    .col(uuid(OrganiserEvents::OrganiserId))
                    .col(uuid(OrganiserEvents::EventId))
                    .primary_key(
                        Index::create()
                            .col(OrganiserEvents::OrganiserId)
                            .col(OrganiserEvents::EventId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(OrganiserEvents::Table, OrganiserEvents::OrganiserId)
                            .to(Organisers::Table, Organisers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(OrganiserEvents::Table, OrganiserEvents::EventId)
                            .to(Events::Table, Events::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Deleting an event finds its members through this index.
        manager
            .create_index(
                Index::create()
                    .name("idx_organiser_events_event")
                    .table(OrganiserEvents::Table)
                    .col(OrganiserEvents::EventId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OrganiserEvents::Table).to_owned())
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
enum OrganiserEvents {
    Table,
    OrganiserId,
    EventId,
}
