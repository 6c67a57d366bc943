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

use super::mail::{notify, Notice};
use super::sql::Dialect;
use super::{with_token, NewRegistration, Registered, ACTIVE, HOLD_HOURS};
use crate::domain::{
    time::now,
    token::{self, Kind},
};
use crate::error::{ApiError, ApiResult};
use crate::services::questions;

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

/// Registers an attendee inside `txn`, which must not have run a statement yet: the first
/// statement takes a seat if one is free (or a waitlist ticket), so the database decides.
#[tracing::instrument(skip_all, fields(event_id = %event.id))]
pub async fn register(
    txn: &impl ConnectionTrait,
    public_url: &str,
    event: &event::Model,
    new: NewRegistration,
) -> ApiResult<Registered> {
    let hold = event.require_email_confirmation;
    let seat = if hold {
        event::Column::PendingCount
    } else {
        event::Column::ConfirmedCount
    };
    let seated = event::Entity::update_many()
        .col_expr(seat, plus(seat, 1))
        .col_expr(
            event::Column::RegistrationsTotal,
            Expr::col(event::Column::RegistrationsTotal).add(1),
        )
        .filter(event::Column::Id.eq(event.id))
        .filter(event::Column::Status.eq(EventStatus::Published))
        .filter(seats_taken().lt(Expr::col(event::Column::Capacity)))
        .exec_with_returning(txn)
        .await?
        .pop();
    let (status, ticket, position, current) = match seated {
        Some(current) => {
            let status = if hold {
                RegistrationStatus::Pending
            } else {
                RegistrationStatus::Confirmed
            };
            (status, None, None, current)
        }
        None => {
            let waiting = event::Entity::update_many()
                .col_expr(
                    event::Column::WaitlistedCount,
                    plus(event::Column::WaitlistedCount, 1),
                )
                .col_expr(
                    event::Column::WaitlistSeq,
                    Expr::col(event::Column::WaitlistSeq).add(1),
                )
                .col_expr(
                    event::Column::RegistrationsTotal,
                    Expr::col(event::Column::RegistrationsTotal).add(1),
                )
                .filter(event::Column::Id.eq(event.id))
                .filter(event::Column::Status.eq(EventStatus::Published))
                .filter(event::Column::Waitlist.eq(true))
                .exec_with_returning(txn)
                .await?
                .pop();
            let Some(current) = waiting else {
                return Err(refusal(txn, event.id).await);
            };
            if current.confirmed_count + current.pending_count < current.capacity
                && current.waitlisted_count == 1
            {
                // PostgreSQL only: a seat came free between the two statements and nobody else
                // waits for it. The row lock is ours now, so take the seat after all.
                let current = event::Entity::update_many()
                    .col_expr(seat, plus(seat, 1))
                    .col_expr(
                        event::Column::WaitlistedCount,
                        plus(event::Column::WaitlistedCount, -1),
                    )
                    .filter(event::Column::Id.eq(event.id))
                    .exec_with_returning(txn)
                    .await?
                    .pop()
                    .ok_or_else(|| ApiError::not_found("event"))?;
                let status = if hold {
                    RegistrationStatus::Pending
                } else {
                    RegistrationStatus::Confirmed
                };
                (status, None, None, current)
            } else {
                // The newest ticket: everybody else on the waitlist is ahead.
                let position = i64::from(current.waitlisted_count);
                (
                    RegistrationStatus::Waitlisted,
                    Some(current.waitlist_seq),
                    Some(position),
                    current,
                )
            }
        }
    };

    let at = now();
    // The caller checked a copy of the event that may be a second old; this is the row, and
    // an error here rolls the seat back with the caller's transaction.
    check_open(&current, at)?;
    let mailbox = new.email.mailbox();
    let usage = mailbox_usage(txn, event.id, std::slice::from_ref(&mailbox)).await?;
    check_mailbox(
        &current,
        usage.get(&mailbox).copied().unwrap_or_default(),
        status == RegistrationStatus::Pending,
    )?;
    let email_lower = new.email.normalised();
    let id = Uuid::now_v7();
    let answers = questions::answer_rows(id, event.id, &new.answers);
    let model = registration::ActiveModel {
        id: Set(id),
        event_id: Set(event.id),
        name: Set(new.name),
        email: Set(new.email.into_inner()),
        email_lower: Set(email_lower),
        mailbox: Set(mailbox),
        organisation: Set(new.organisation),
        sector: Set(new.sector),
        language: Set(new.language),
        status: Set(status),
        waitlist_seq: Set(ticket),
        manage_token_hash: Set(token::stored(Kind::Registration, id)),
        checked_in_at: Set(None),
        hold_expires_at: Set(
            (status == RegistrationStatus::Pending).then(|| hold_until(&current, at))
        ),
        sequence: Set(0),
        created_at: Set(at),
        updated_at: Set(at),
        cancelled_at: Set(None),
        erased_at: Set(None),
    }
    .insert(txn)
    .await
    .map_err(duplicate_email)?;
    questions::insert_rows(txn, answers).await?;

    let notice = match status {
        RegistrationStatus::Confirmed => Notice::Confirmed,
        RegistrationStatus::Pending => Notice::Pending,
        _ => Notice::Waitlisted(position.unwrap_or(0)),
    };
    notify(txn, public_url, &current, &model, notice).await?;
    Ok(Registered {
        registration: model,
        waitlist_position: position,
    })
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
    let mut distinct: Vec<&String> = mailboxes.iter().collect();
    distinct.sort();
    distinct.dedup();
    let rows: Vec<(String, RegistrationStatus)> = registration::Entity::find()
        .select_only()
        .column(registration::Column::Mailbox)
        .column(registration::Column::Status)
        .filter(registration::Column::EventId.eq(event_id))
        .filter(registration::Column::Mailbox.is_in(distinct.into_iter().cloned()))
        .filter(registration::Column::Status.is_in(ACTIVE))
        .into_tuple()
        .all(txn)
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

/// Why the event took neither a seat nor a waitlist ticket.
pub(super) async fn refusal(db: &impl ConnectionTrait, event_id: Uuid) -> ApiError {
    match event::Entity::find_by_id(event_id).one(db).await {
        Ok(Some(e)) if e.status != EventStatus::Published => {
            ApiError::conflict("the event is not open for registration")
        }
        Ok(Some(_)) => ApiError::conflict("the event is full and has no waitlist"),
        Ok(None) => ApiError::not_found("event"),
        Err(err) => err.into(),
    }
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
pub async fn promote_waitlisted(
    txn: &impl ConnectionTrait,
    public_url: &str,
    event_id: Uuid,
) -> ApiResult<u32> {
    let mut promoted = 0;
    loop {
        let Some(current) = event::Entity::update_many()
            .col_expr(
                event::Column::ConfirmedCount,
                plus(event::Column::ConfirmedCount, 1),
            )
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
                .col_expr(
                    event::Column::ConfirmedCount,
                    plus(event::Column::ConfirmedCount, -1),
                )
                .col_expr(event::Column::WaitlistedCount, Expr::value(0))
                .filter(event::Column::Id.eq(event_id))
                .exec(txn)
                .await?;
            return Ok(promoted);
        };
        let sequence = next.sequence + 1;
        let mut active: registration::ActiveModel = next.into();
        active.status = Set(RegistrationStatus::Confirmed);
        active.sequence = Set(sequence);
        active.updated_at = Set(now());
        let model = active.update(txn).await?;
        notify(txn, public_url, &current, &model, Notice::Promoted).await?;
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

/// Expires unconfirmed holds whose 48 hours are over, frees their seats and promotes from the
/// waitlist; one transaction per hold. Safe on several instances: a hold expires once.
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
        let sequence = reg.sequence + 1;
        let mut active: registration::ActiveModel = reg.into();
        active.status = Set(RegistrationStatus::Expired);
        active.sequence = Set(sequence);
        active.updated_at = Set(now());
        let model = active.update(&txn).await?;
        promote_waitlisted(&txn, public_url, event.id).await?;
        notify(&txn, public_url, &event, &model, Notice::Expired).await?;
        txn.commit().await?;
        expired += 1;
    }
    Ok(expired)
}
