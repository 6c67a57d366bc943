//! Demo attendees for the demo conference.
use entity::event;
use sea_orm::DatabaseConnection;

pub async fn seed(_db: &DatabaseConnection, _event: &event::Model) -> anyhow::Result<String> {
    Ok("no attendees yet".to_owned())
}
