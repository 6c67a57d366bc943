//! Checking attendees in at the door by their check-in code (issue 17).
use chrono::{DateTime, Utc};
use entity::{
    event,
    registration::{self, RegistrationStatus},
};
use sea_orm::{sea_query::Expr, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::domain::{check_in_code, time::now};
use crate::error::{ApiError, ApiResult};

/// A registration found by its code and checked in.
#[derive(Debug, Clone)]
pub struct Scan {
    pub registration: registration::Model,
    /// Checked in by this scan (`false`: by an earlier one, whose time is kept).
    pub now: bool,
}

impl Scan {
    /// When, in the event's time zone, as the door shows it: "checked in at 09:12" or
    /// "already checked in at 09:12".
    pub fn message(&self, event: &event::Model) -> String {
        let at = self
            .registration
            .checked_in_at
            .map(|at| local_time(at, &event.timezone))
            .unwrap_or_default();
        if self.now {
            format!("checked in at {at}")
        } else {
            format!("already checked in at {at}")
        }
    }
}

/// `HH:MM` in the IANA time zone `tz` (UTC if it is unknown).
pub fn local_time(at: DateTime<Utc>, tz: &str) -> String {
    match tz.parse::<chrono_tz::Tz>() {
        Ok(tz) => at.with_timezone(&tz).format("%H:%M").to_string(),
        Err(_) => at.format("%H:%M").to_string(),
    }
}

/// Checks in the confirmed attendee of `event` with this check-in code. Repeating is
/// harmless: the first time stays. 404 when the code is no attendee's of this event; 409 with
/// the reason for anyone not confirmed (waitlisted, unconfirmed, cancelled, expired, erased).
/// Two doors scanning the same code at once check in once: the database decides (a
/// conditional update on `checked_in_at IS NULL`).
pub async fn by_code(
    db: &impl ConnectionTrait,
    event: &event::Model,
    code: &str,
) -> ApiResult<Scan> {
    let unknown = || ApiError::NotFound("no attendee of this event has this check-in code".into());
    let id = check_in_code::verify(code.trim()).ok_or_else(unknown)?;
    by_id(db, event, id).await?.ok_or_else(unknown)
}

/// As [`by_code`], for a registration found otherwise (the door's search by name); `None`
/// when it is not a registration of `event`.
pub async fn by_id(
    db: &impl ConnectionTrait,
    event: &event::Model,
    id: uuid::Uuid,
) -> ApiResult<Option<Scan>> {
    let Some(found) = find(db, event, id).await? else {
        return Ok(None);
    };
    refuse_unless_confirmed(&found)?;
    if found.checked_in_at.is_some() {
        return Ok(Some(Scan {
            registration: found,
            now: false,
        }));
    }
    let at = now();
    let done = registration::Entity::update_many()
        .col_expr(registration::Column::CheckedInAt, Expr::value(Some(at)))
        .col_expr(registration::Column::UpdatedAt, Expr::value(at))
        .filter(registration::Column::Id.eq(id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Confirmed))
        .filter(registration::Column::CheckedInAt.is_null())
        .exec(db)
        .await?
        .rows_affected
        == 1;
    let Some(current) = find(db, event, id).await? else {
        return Ok(None);
    };
    refuse_unless_confirmed(&current)?;
    Ok(Some(Scan {
        registration: current,
        now: done,
    }))
}

async fn find(
    db: &impl ConnectionTrait,
    event: &event::Model,
    id: uuid::Uuid,
) -> ApiResult<Option<registration::Model>> {
    Ok(registration::Entity::find_by_id(id)
        .filter(registration::Column::EventId.eq(event.id))
        .one(db)
        .await?)
}

fn refuse_unless_confirmed(r: &registration::Model) -> ApiResult<()> {
    let who = if r.name.is_empty() {
        "this attendee".to_owned()
    } else {
        r.name.clone()
    };
    let why = match r.status {
        RegistrationStatus::Confirmed => return Ok(()),
        RegistrationStatus::Waitlisted => "is on the waitlist",
        RegistrationStatus::Pending => "has not confirmed the registration yet",
        RegistrationStatus::Cancelled => "has cancelled",
        RegistrationStatus::Expired => "did not confirm in time (expired)",
    };
    Err(ApiError::conflict(format!("{who} {why}: not checked in")))
}
