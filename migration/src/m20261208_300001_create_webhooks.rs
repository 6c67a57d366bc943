use sea_orm_migration::{prelude::*, schema::*};

/// Webhooks (issue 31). `webhook_endpoints`: where an organiser wants to be told, about one
/// event (`event_id`) or every event (`NULL`), and which event types (`event_types`, the API's
/// words, comma-separated). No secret: each endpoint's is derived from the server secret and
/// its id. `status` is `active` or `paused` (after `consecutive_failures` reached the limit).
///
/// `webhook_deliveries`: the outbox of webhooks, one row per endpoint and change, written in
/// the change's transaction; `payload` is the exact body sent (ids and URLs only), `record_id`
/// the registration, pitch or exhibit it is about (erasing that record drops its pending
/// deliveries). The worker claims due rows with `locked_until`, and records each attempt's
/// answer code or error.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WebhookEndpoints::Table)
                    .col(uuid(WebhookEndpoints::Id).primary_key())
                    .col(uuid(WebhookEndpoints::OrganiserId))
                    .col(uuid_null(WebhookEndpoints::EventId))
                    .col(string_len(WebhookEndpoints::Url, 2000))
                    .col(string_len(WebhookEndpoints::EventTypes, 400))
                    .col(string_len(WebhookEndpoints::Status, 16))
                    .col(integer(WebhookEndpoints::ConsecutiveFailures).default(0))
                    .col(timestamp_with_time_zone(WebhookEndpoints::CreatedAt))
                    .col(timestamp_with_time_zone_null(WebhookEndpoints::PausedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(WebhookEndpoints::Table, WebhookEndpoints::OrganiserId)
                            .to(Organisers::Table, Organisers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(WebhookEndpoints::Table, WebhookEndpoints::EventId)
                            .to(Events::Table, Events::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_endpoints_event")
                    .table(WebhookEndpoints::Table)
                    .col(WebhookEndpoints::EventId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .col(uuid(WebhookDeliveries::Id).primary_key())
                    .col(uuid(WebhookDeliveries::EndpointId))
                    .col(uuid_null(WebhookDeliveries::EventId))
                    .col(uuid_null(WebhookDeliveries::RecordId))
                    .col(string_len(WebhookDeliveries::EventType, 40))
                    .col(text(WebhookDeliveries::Payload))
                    .col(string_len(WebhookDeliveries::Status, 16))
                    .col(integer(WebhookDeliveries::Attempts).default(0))
                    .col(timestamp_with_time_zone(WebhookDeliveries::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(
                        WebhookDeliveries::LockedUntil,
                    ))
                    .col(integer_null(WebhookDeliveries::LastStatusCode))
                    .col(string_len_null(WebhookDeliveries::LastError, 300))
                    .col(timestamp_with_time_zone(WebhookDeliveries::CreatedAt))
                    .col(timestamp_with_time_zone_null(
                        WebhookDeliveries::DeliveredAt,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(WebhookDeliveries::Table, WebhookDeliveries::EndpointId)
                            .to(WebhookEndpoints::Table, WebhookEndpoints::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The worker's claim: due pending rows by time.
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_deliveries_due")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::Status)
                    .col(WebhookDeliveries::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        // An endpoint's log, newest first.
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_deliveries_endpoint")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::EndpointId)
                    .col(WebhookDeliveries::CreatedAt)
                    .to_owned(),
            )
            .await?;
        // Erasure drops a record's pending deliveries.
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_deliveries_record")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::RecordId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(WebhookDeliveries::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(WebhookEndpoints::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Organisers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum WebhookEndpoints {
    Table,
    Id,
    OrganiserId,
    EventId,
    Url,
    EventTypes,
    Status,
    ConsecutiveFailures,
    CreatedAt,
    PausedAt,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    EndpointId,
    EventId,
    RecordId,
    EventType,
    Payload,
    Status,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    LastStatusCode,
    LastError,
    CreatedAt,
    DeliveredAt,
}
