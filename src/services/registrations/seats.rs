//! Seat rules: who gets a seat, a hold or a waitlist ticket, the mailbox limits, giving seats
//! back and promoting from the waitlist, and expiring unconfirmed holds.
//!
//! Seats are counted on the event row (`confirmed_count`, `pending_count`, `waitlisted_count`,
//! `waitlist_seq`). Every transaction that moves a seat starts by locking that row (a
//! conditional `UPDATE`, or [`Dialect::lock_event`]), so the database decides who gets a seat:
//! the row lock (PostgreSQL) or the write lock (SQLite) is taken by the first statement and
//! held to the commit, and confirmed plus pending never exceed the capacity. The event's
//! `version` is not touched: a registration is not a change of the event that feeds and ETags
//! describe.
use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entity::{
    event::{self, EventStatus},
    registration::{self, RegistrationStatus},
};
use sea_orm::{
    sea_query::{Expr, ExprTrait, Query},
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, SqlErr,
};
use uuid::Uuid;

use super::mail::{hold_hours, notify, Notice};
use super::sql::Dialect;
use super::{with_token, HOLD_HOURS};
use crate::domain::time::now;
use crate::error::{ApiError, ApiResult};

/// 409 unless the event takes registrations at `at`: published, inside the registration
/// window, not over.
pub fn check_open(event: &event::Model, at: DateTime<Utc>) -> ApiResult<()> {
    match event.status {
        EventStatus::Published => {}
        // A draft is nothing to strangers: the same answer as an unknown event.
        EventStatus::Draft => return Err(ApiError::event_not_found(&event.slug)),
        EventStatus::Cancelled => return Err(ApiError::conflict("the event is cancelled")),
    }
    if let Some(opens) = event.registration_opens_at {
        if at < opens {
            return Err(ApiError::conflict(format!(
                "registration opens at {}",
                opens.to_rfc3339()
            )));
        }
    }
    if let Some(closes) = event.registration_closes_at {
        if at >= closes {
            return Err(ApiError::conflict("registration is closed"));
        }
    }
    if at >= event.ends_at {
        return Err(ApiError::conflict("the event is over"));
    }
    Ok(())
}

pub(super) fn seats_taken() -> Expr {
    Expr::col(event::Column::ConfirmedCount).add(Expr::col(event::Column::PendingCount))
}

pub(super) fn plus(col: event::Column, n: i32) -> Expr {
    Expr::col(col).add(n)
}

/// Until when a new unconfirmed registration holds its seat: the event's `hold_hours`.
pub(super) fn hold_until(event: &event::Model, at: DateTime<Utc>) -> DateTime<Utc> {
    let hours = if event.hold_hours > 0 {
        i64::from(event.hold_hours)
    } else {
        HOLD_HOURS
    };
    at + Duration::hours(hours)
}

/// What one mailbox holds in an event: active registrations and, among them, unconfirmed holds.
#[derive(Debug, Clone, Copy, Default)]
pub struct MailboxUsage {
    pub active: i32,
    pub holds: i32,
}

/// How many active registrations and unconfirmed holds each of `mailboxes` has in the event.
///
/// Run it after the event's lock is taken, as a statement of its own: on PostgreSQL a
/// statement sees what was committed before it started, so a statement that waited for the
/// lock would miss what the lock holder committed meanwhile. Every path that adds an active
/// registration holds that lock, so the counts stay true until the commit, on both databases.
pub(super) async fn mailbox_usage(
    txn: &impl ConnectionTrait,
    event_id: Uuid,
    mailboxes: &[String],
) -> ApiResult<HashMap<String, MailboxUsage>> {
    let mut distinct: Vec<&str> = mailboxes.iter().map(String::as_str).collect();
    distinct.sort();
    distinct.dedup();
    let rows = Dialect::of(txn)
        .active_by_mailbox(txn, event_id, &distinct)
        .await?;
    let mut usage: HashMap<String, MailboxUsage> = HashMap::new();
    for (mailbox, status) in rows {
        let used = usage.entry(mailbox).or_default();
        used.active += 1;
        if status == RegistrationStatus::Pending {
            used.holds += 1;
        }
    }
    Ok(usage)
}

/// 409 when one more registration of a mailbox that already has `used` would pass the event's
/// limits: active registrations per mailbox and, for a new hold, unconfirmed holds per mailbox.
pub(super) fn check_mailbox(
    event: &event::Model,
    used: MailboxUsage,
    new_hold: bool,
) -> ApiResult<()> {
    if used.active >= std::cmp::max(event.mailbox_registrations_max, 1) {
        return Err(ApiError::conflict(
            "this e-mail address is already registered for the event",
        ));
    }
    if new_hold && used.holds >= std::cmp::max(event.mailbox_holds_max, 1) {
        return Err(ApiError::conflict(
            "this e-mail address has an unconfirmed registration for the event: confirm it first",
        ));
    }
    Ok(())
}

/// The only unique index a new registration can hit is one active registration per e-mail.
pub(super) fn duplicate_email(err: DbErr) -> ApiError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            ApiError::conflict("this e-mail address is already registered for the event")
        }
        _ => err.into(),
    }
}

/// Fills free seats from the waitlist, in ticket order, inside the caller's transaction, and
/// mails each promoted attendee. Returns how many moved up.
///
/// On an event with double opt-in (`require_email_confirmation`) nobody on the waitlist has
/// confirmed their address (joining it takes none), so a free seat is offered, not given: the
/// first waitlisted becomes `pending` with a fresh hold (the event's `hold_hours`, 48 by
/// default) and gets the confirmation mail, as a new registration would; no check-in code, no
/// calendar entry until they confirm. A hold that runs out frees the seat for the next one
/// ([`expire_holds`]). Without double opt-in the first waitlisted is `confirmed` at once.
///
/// The caller holds the event's lock (every path that frees a seat takes it first).
pub async fn promote_waitlisted(
    txn: &impl ConnectionTrait,
    public_url: &str,
    event_id: Uuid,
) -> ApiResult<u32> {
    let Some(event) = event::Entity::find_by_id(event_id).one(txn).await? else {
        return Ok(0);
    };
    let offer = event.require_email_confirmation;
    let seated = if offer {
        event::Column::PendingCount
    } else {
        event::Column::ConfirmedCount
    };
    let mut promoted = 0;
    loop {
        let Some(current) = event::Entity::update_many()
            .col_expr(seated, plus(seated, 1))
            .col_expr(
                event::Column::WaitlistedCount,
                plus(event::Column::WaitlistedCount, -1),
            )
            .filter(event::Column::Id.eq(event_id))
            .filter(event::Column::Status.eq(EventStatus::Published))
            .filter(event::Column::WaitlistedCount.gt(0))
            .filter(seats_taken().lt(Expr::col(event::Column::Capacity)))
            .exec_with_returning(txn)
            .await?
            .pop()
        else {
            return Ok(promoted);
        };
        let next = registration::Entity::find()
            .filter(registration::Column::EventId.eq(event_id))
            .filter(registration::Column::Status.eq(RegistrationStatus::Waitlisted))
            .order_by_asc(registration::Column::WaitlistSeq)
            .order_by_asc(registration::Column::Id)
            .one(txn)
            .await?;
        let Some(next) = next else {
            // The counter promised someone who is not there: repair it rather than loop.
            tracing::warn!(%event_id, "waitlisted_count was ahead of the waitlist; repaired");
            event::Entity::update_many()
                .col_expr(seated, plus(seated, -1))
                .col_expr(event::Column::WaitlistedCount, Expr::value(0))
                .filter(event::Column::Id.eq(event_id))
                .exec(txn)
                .await?;
            return Ok(promoted);
        };
        let sequence = next.sequence + 1;
        let at = now();
        let mut active: registration::ActiveModel = next.into();
        active.sequence = Set(sequence);
        // The start of a hold: the confirmation mail counts its hours from here.
        active.updated_at = Set(at);
        if offer {
            active.status = Set(RegistrationStatus::Pending);
            active.hold_expires_at = Set(Some(hold_until(&current, at)));
        } else {
            active.status = Set(RegistrationStatus::Confirmed);
        }
        let model = active.update(txn).await?;
        let notice = if offer {
            Notice::Pending
        } else {
            Notice::Promoted
        };
        notify(txn, public_url, &current, &model, notice).await?;
        if !offer {
            crate::webhooks::enqueue(
                txn,
                &[crate::webhooks::Change::new(
                    crate::webhooks::EventType::RegistrationConfirmed,
                    event_id,
                    &current.slug,
                    crate::webhooks::Subject::Registration(model.id),
                )],
            )
            .await?;
        }
        promoted += 1;
    }
}

/// Takes the registration's event lock, then reads the registration: every change of a
/// registration's status happens under its event's lock, so the lock order is always event
/// first, and the status read here stays true until the commit.
pub(super) async fn lock_by_token(
    txn: &impl ConnectionTrait,
    token: &str,
) -> ApiResult<(event::Model, registration::Model)> {
    let event = event::Entity::update_many()
        .col_expr(
            event::Column::ConfirmedCount,
            Expr::col(event::Column::ConfirmedCount),
        )
        .filter(
            event::Column::Id.in_subquery(
                Query::select()
                    .column(registration::Column::EventId)
                    .from(registration::Entity)
                    .cond_where(with_token(token))
                    .to_owned(),
            ),
        )
        .exec_with_returning(txn)
        .await?
        .pop()
        .ok_or_else(|| ApiError::not_found("registration"))?;
    let registration = registration::Entity::find()
        .filter(with_token(token))
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::not_found("registration"))?;
    Ok((event, registration))
}

pub(super) async fn lock_by_id(
    txn: &impl ConnectionTrait,
    event_id: Uuid,
    id: Uuid,
) -> ApiResult<(event::Model, registration::Model)> {
    let event = Dialect::of(txn).lock_event(txn, event_id).await?;
    let registration = registration::Entity::find_by_id(id)
        .filter(registration::Column::EventId.eq(event_id))
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::not_found("registration"))?;
    Ok((event, registration))
}

/// Gives back the seat or waitlist place of an active registration.
pub(super) async fn release(
    txn: &impl ConnectionTrait,
    event_id: Uuid,
    status: RegistrationStatus,
) -> ApiResult<()> {
    let col = match status {
        RegistrationStatus::Confirmed => event::Column::ConfirmedCount,
        RegistrationStatus::Pending => event::Column::PendingCount,
        RegistrationStatus::Waitlisted => event::Column::WaitlistedCount,
        RegistrationStatus::Cancelled | RegistrationStatus::Expired => return Ok(()),
    };
    event::Entity::update_many()
        .col_expr(col, plus(col, -1))
        .filter(event::Column::Id.eq(event_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Expires unconfirmed holds whose hold (the event's `hold_hours`, 48 by default) is over,
/// frees their seats and promotes from the waitlist (on a double opt-in event: offers the seat
/// to the next, see [`promote_waitlisted`]); one transaction per hold. Safe on several
/// instances: a hold expires once.
pub async fn expire_holds(
    db: &sea_orm::DatabaseConnection,
    public_url: &str,
    at: DateTime<Utc>,
) -> ApiResult<usize> {
    let due = registration::Entity::find()
        .filter(registration::Column::Status.eq(RegistrationStatus::Pending))
        .filter(registration::Column::HoldExpiresAt.lte(at))
        .order_by_asc(registration::Column::HoldExpiresAt)
        .limit(500)
        .all(db)
        .await?;
    let mut expired = 0;
    for hold in due {
        let txn = crate::db::begin_write(db).await?;
        let (event, reg) = lock_by_id(&txn, hold.event_id, hold.id).await?;
        if reg.status != RegistrationStatus::Pending || reg.hold_expires_at.is_none_or(|t| t > at) {
            continue;
        }
        release(&txn, event.id, RegistrationStatus::Pending).await?;
        let hours = hold_hours(&reg);
        let sequence = reg.sequence + 1;
        let mut active: registration::ActiveModel = reg.into();
        active.status = Set(RegistrationStatus::Expired);
        active.sequence = Set(sequence);
        active.updated_at = Set(now());
        let model = active.update(&txn).await?;
        promote_waitlisted(&txn, public_url, event.id).await?;
        notify(
            &txn,
            public_url,
            &event,
            &model,
            Notice::Expired { hold_hours: hours },
        )
        .await?;
        txn.commit().await?;
        expired += 1;
    }
    Ok(expired)
}
