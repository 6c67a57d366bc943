//! Checking attendees in at the door by their check-in code (issue 17).
use chrono::{DateTime, Utc};
use entity::{
    event,
    registration::{self, Language, RegistrationStatus},
};
use sea_orm::{sea_query::Expr, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::domain::{
    check_in_code,
    time::{long_date, now},
};
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
    /// "already checked in at 09:12", with the day when it was not today (see [`moment`]).
    pub fn message(&self, event: &event::Model) -> String {
        let at = self
            .registration
            .checked_in_at
            .map(|at| moment(at, &event.timezone, now(), Language::En))
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

/// When `at` was, for the door, in the event's zone `tz` (UTC if it is unknown) and in `lang`:
/// `HH:MM` when it is the same day as `today` there, else the time and its day, "06:21 on
/// Sunday, 6 December 2026" or "06:21 am Sonntag, 6. Dezember 2026", so a scan a day later
/// does not read as this morning's.
pub fn moment(at: DateTime<Utc>, tz: &str, today: DateTime<Utc>, lang: Language) -> String {
    let zone = tz.parse::<chrono_tz::Tz>().unwrap_or(chrono_tz::UTC);
    let (at, today) = (at.with_timezone(&zone), today.with_timezone(&zone));
    let time = at.format("%H:%M");
    if at.date_naive() == today.date_naive() {
        return time.to_string();
    }
    let date = long_date(&at, lang);
    match lang {
        Language::En => format!("{time} on {date}"),
        Language::De => format!("{time} am {date}"),
    }
}

/// Checks in the confirmed attendee of `event` with this check-in code. Repeating is
/// harmless: the first time stays. 404 when the code is no attendee's of this event; 409 with
/// the reason for anyone not confirmed (waitlisted, unconfirmed, cancelled, expired, erased).
/// Two doors scanning the same code at once check in once: the database decides (a
/// conditional update on `checked_in_at IS NULL`).
pub async fn by_code<C>(db: &C, event: &event::Model, code: &str) -> ApiResult<Scan>
where
    C: ConnectionTrait + sea_orm::TransactionTrait<Transaction = sea_orm::DatabaseTransaction>,
{
    let unknown = || ApiError::NotFound("no attendee of this event has this check-in code".into());
    let id = check_in_code::verify(code.trim()).ok_or_else(unknown)?;
    by_id(db, event, id).await?.ok_or_else(unknown)
}

/// As [`by_code`], for a registration found otherwise (the door's search by name); `None`
/// when it is not a registration of `event`.
pub async fn by_id<C>(db: &C, event: &event::Model, id: uuid::Uuid) -> ApiResult<Option<Scan>>
where
    C: ConnectionTrait + sea_orm::TransactionTrait<Transaction = sea_orm::DatabaseTransaction>,
{
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
    // The check-in and its webhook deliveries commit together.
    let txn = crate::db::begin_write(db).await?;
    let done = registration::Entity::update_many()
        .col_expr(registration::Column::CheckedInAt, Expr::value(Some(at)))
        .col_expr(registration::Column::UpdatedAt, Expr::value(at))
        .filter(registration::Column::Id.eq(id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Confirmed))
        .filter(registration::Column::CheckedInAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if done {
        crate::services::registrations::report_check_in(&txn, event.id, id).await?;
    }
    txn.commit().await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_door_names_the_day_of_a_check_in_that_was_not_today() {
        let at: DateTime<Utc> = "2026-12-06T05:21:00Z".parse().unwrap();
        let same_day: DateTime<Utc> = "2026-12-06T20:00:00Z".parse().unwrap();
        let next_day: DateTime<Utc> = "2026-12-07T09:00:00Z".parse().unwrap();
        let tz = "Europe/Berlin";
        assert_eq!(moment(at, tz, same_day, Language::En), "06:21");
        assert_eq!(
            moment(at, tz, next_day, Language::En),
            "06:21 on Sunday, 6 December 2026"
        );
        assert_eq!(
            moment(at, tz, next_day, Language::De),
            "06:21 am Sonntag, 6. Dezember 2026"
        );
        // 23:30 in Berlin is the next day in UTC: the day is the event's.
        let late: DateTime<Utc> = "2026-12-06T22:30:00Z".parse().unwrap();
        assert_eq!(
            moment(late, tz, next_day, Language::En),
            "23:30 on Sunday, 6 December 2026"
        );
        let after_midnight: DateTime<Utc> = "2026-12-06T23:10:00Z".parse().unwrap();
        assert_eq!(
            moment(late, tz, after_midnight, Language::En),
            "23:30 on Sunday, 6 December 2026"
        );
    }
}
