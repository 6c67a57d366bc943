//! Attendee registrations: seats, the waitlist and self-service.
//!
//! Seats are counted on the event row (`confirmed_count`, `pending_count`, `waitlisted_count`,
//! `waitlist_seq`). Every transaction that moves a seat starts with a conditional `UPDATE` of
//! that row, so the database decides who gets a seat: the row lock (PostgreSQL) or the write
//! lock (SQLite) is taken by the first statement and held to the commit, and confirmed plus
//! pending never exceed the capacity. The event's `version` is not touched: a registration is
//! not a change of the event that feeds and ETags describe.
use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::{DateTime, Duration, Utc};
use entity::{
    event::{self, EventStatus},
    outbox,
    registration::{self, Language, RegistrationStatus, Sector},
};
use sea_orm::{
    sea_query::{Expr, ExprTrait, LikeExpr, Query, QueryStatementBuilder},
    ActiveEnum, ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr,
    EntityTrait, IdenStatic, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set,
    SqlErr, Statement,
};
use uuid::Uuid;

use crate::calendar::Method;
use crate::domain::{
    time::now,
    token::{self, Kind},
    EmailAddress,
};
use crate::error::{ApiError, ApiResult};
use crate::mail::{self, templates, Attachment, NewMail};
use crate::services::{ics, notifications::EventText, questions};

/// How long an unconfirmed (double opt-in) registration holds its seat unless the event says
/// otherwise (`events.hold_hours`).
pub const HOLD_HOURS: i64 = 48;
/// Active registrations of one mailbox per event unless the event says otherwise.
pub const MAILBOX_REGISTRATIONS_MAX: i32 = 1;
/// Unconfirmed holds of one mailbox per event unless the event says otherwise.
pub const MAILBOX_HOLDS_MAX: i32 = 1;
pub const NAME_MAX: usize = 200;
pub const ORGANISATION_MAX: usize = 200;

/// The statuses that hold a seat or a place on the waitlist.
pub const ACTIVE: [RegistrationStatus; 3] = [
    RegistrationStatus::Confirmed,
    RegistrationStatus::Pending,
    RegistrationStatus::Waitlisted,
];

/// A registration as the attendee sent it, every field checked.
#[derive(Debug, Clone)]
pub struct NewRegistration {
    pub name: String,
    pub email: EmailAddress,
    pub organisation: String,
    pub sector: Sector,
    pub language: Language,
    /// Answers to the event's registration questions, checked against them
    /// (`questions::check_answers`); written in the registration's transaction.
    pub answers: Vec<questions::GivenAnswer>,
}

/// A registration and, while it waits, its place on the waitlist (1 = next).
#[derive(Debug, Clone)]
pub struct Registered {
    pub registration: registration::Model,
    pub waitlist_position: Option<i64>,
}

/// The manage token of a registration (derived, never stored: see `domain::token`).
pub fn manage_token(registration: &registration::Model) -> String {
    token::derive(Kind::Registration, registration.id)
}

/// The attendee's page (`crate::pages`), where every attendee mail links.
pub fn manage_url(public_url: &str, token: &str) -> String {
    format!("{public_url}/registrations/{token}")
}

/// The registration as JSON (`GET /api/v1/registrations/{token}`).
pub fn api_url(public_url: &str, token: &str) -> String {
    format!("{public_url}/api/v1/registrations/{token}")
}

/// The attendee's personal iCalendar feed.
pub fn calendar_url(public_url: &str, token: &str) -> String {
    format!("{}/calendar.ics", api_url(public_url, token))
}

/// The double opt-in page: a GET shows a button, its POST confirms (mail gateways fetch links).
fn confirm_url(public_url: &str, token: &str) -> String {
    format!("{}/confirm", manage_url(public_url, token))
}

/// The public event page.
fn event_url(public_url: &str, event: &event::Model) -> String {
    format!("{public_url}/events/{}", event.slug)
}

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

fn seats_taken() -> Expr {
    Expr::col(event::Column::ConfirmedCount).add(Expr::col(event::Column::PendingCount))
}

fn plus(col: event::Column, n: i32) -> Expr {
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

/// Registers several attendees of one event in one transaction (see `desk`): the event row is
/// locked once, seats and waitlist tickets are handed out in arrival order, and the rows and
/// their mails are written with one statement each, so a batch costs a handful of statements
/// whatever its size. Each attendee gets their own answer; a duplicate e-mail (within the batch
/// or already registered) is a 409 for that attendee alone.
///
/// `txn` must not have run a statement yet: the first one locks the event row.
#[tracing::instrument(skip_all, fields(event_id = %event_id, size = batch.len()))]
pub async fn register_batch(
    txn: &impl ConnectionTrait,
    public_url: &str,
    event_id: Uuid,
    batch: Vec<NewRegistration>,
) -> ApiResult<Vec<ApiResult<Registered>>> {
    let mailboxes: Vec<String> = batch.iter().map(|n| n.email.mailbox()).collect();
    let locked = lock_event(txn, event_id).await?;
    let mut usage = mailbox_usage(txn, event_id, &mailboxes).await?;
    let hold = locked.require_email_confirmation;
    let mut event = locked.clone();
    let at = now();
    let mut answers = Vec::with_capacity(batch.len());
    let mut answer_rows = Vec::new();
    // The caller checked a copy of the event that may be a second old; this is the row.
    let closed = match check_open(&locked, at) {
        Ok(()) => None,
        Err(err @ (ApiError::Conflict(_) | ApiError::NotFound(_))) => Some(err),
        Err(other) => return Err(other),
    };
    for (new, mailbox) in batch.into_iter().zip(mailboxes) {
        if let Some(why) = &closed {
            answers.push(Err(match why {
                ApiError::NotFound(detail) => ApiError::NotFound(detail.clone()),
                ApiError::Conflict(detail) => ApiError::Conflict(detail.clone()),
                _ => ApiError::conflict("the event is not open for registration"),
            }));
            continue;
        }
        let seated = event.confirmed_count + event.pending_count < event.capacity;
        let used = usage.entry(mailbox.clone()).or_default();
        if let Err(refused) = check_mailbox(&event, *used, seated && hold) {
            answers.push(Err(refused));
            continue;
        }
        let (status, ticket, position) = if seated {
            if hold {
                event.pending_count += 1;
                (RegistrationStatus::Pending, None, None)
            } else {
                event.confirmed_count += 1;
                (RegistrationStatus::Confirmed, None, None)
            }
        } else if event.waitlist {
            event.waitlisted_count += 1;
            event.waitlist_seq += 1;
            let position = i64::from(event.waitlisted_count);
            (
                RegistrationStatus::Waitlisted,
                Some(event.waitlist_seq),
                Some(position),
            )
        } else {
            answers.push(Err(ApiError::conflict(
                "the event is full and has no waitlist",
            )));
            continue;
        };
        used.active += 1;
        if status == RegistrationStatus::Pending {
            used.holds += 1;
        }
        let id = Uuid::now_v7();
        let email_lower = new.email.normalised();
        answer_rows.extend(questions::answer_rows(id, event_id, &new.answers));
        let model = registration::Model {
            id,
            event_id,
            name: new.name,
            email: new.email.into_inner(),
            email_lower,
            organisation: new.organisation,
            sector: new.sector,
            language: new.language,
            status,
            waitlist_seq: ticket,
            manage_token_hash: token::stored(Kind::Registration, id),
            checked_in_at: None,
            hold_expires_at: (status == RegistrationStatus::Pending)
                .then(|| hold_until(&event, at)),
            sequence: 0,
            created_at: at,
            updated_at: at,
            cancelled_at: None,
            erased_at: None,
            mailbox,
        };
        answers.push(Ok(Registered {
            registration: model,
            waitlist_position: position,
        }));
    }
    if !answers.iter().any(Result::is_ok) {
        return Ok(answers);
    }
    let registered: Vec<&Registered> = answers.iter().filter_map(|a| a.as_ref().ok()).collect();
    let mails = registered
        .iter()
        .map(|r| {
            let notice = match r.registration.status {
                RegistrationStatus::Pending => Notice::Pending,
                RegistrationStatus::Waitlisted => {
                    Notice::Waitlisted(r.waitlist_position.unwrap_or(0))
                }
                _ => Notice::Confirmed,
            };
            notice_mail(public_url, &event, &r.registration, notice)
        })
        .collect();
    event.registrations_total = locked.registrations_total + registered.len() as i64;
    let rows: Vec<&registration::Model> = registered.iter().map(|r| &r.registration).collect();
    write_batch(txn, &event, &rows, answer_rows, mails).await?;
    Ok(answers)
}

/// Until when a new unconfirmed registration holds its seat: the event's `hold_hours`.
fn hold_until(event: &event::Model, at: DateTime<Utc>) -> DateTime<Utc> {
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
async fn mailbox_usage(
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
fn check_mailbox(event: &event::Model, used: MailboxUsage, new_hold: bool) -> ApiResult<()> {
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

/// Locks the event row for the rest of the transaction and returns it: `SELECT … FOR UPDATE`
/// on PostgreSQL (no new row version); on SQLite, which locks the whole database at its first
/// write, a write that changes nothing.
async fn lock_event(txn: &impl ConnectionTrait, event_id: Uuid) -> ApiResult<event::Model> {
    if crate::db::is_postgres(txn) {
        event::Entity::find_by_id(event_id)
            .lock_exclusive()
            .one(txn)
            .await?
    } else {
        event::Entity::update_many()
            .col_expr(
                event::Column::WaitlistSeq,
                Expr::col(event::Column::WaitlistSeq),
            )
            .filter(event::Column::Id.eq(event_id))
            .exec_with_returning(txn)
            .await?
            .pop()
    }
    .ok_or_else(|| ApiError::not_found("event"))
}

/// Writes a batch: the new registrations, their mails and the event's counters (from `event`).
/// On PostgreSQL one statement does all three, with the rows as JSON, so its text (and its
/// prepared statement) is the same for every batch size; SQLite, in process, runs three.
async fn write_batch(
    txn: &impl ConnectionTrait,
    event: &event::Model,
    rows: &[&registration::Model],
    answers: Vec<entity::registration_answer::Model>,
    mails: Vec<NewMail>,
) -> ApiResult<()> {
    if crate::db::is_postgres(txn) {
        let outbox: Vec<outbox::Model> = mails.into_iter().map(mail::outbox_row).collect();
        let json = |value: serde_json::Result<String>| {
            value.map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("batch rows")))
        };
        let sql = "WITH new_registrations AS (
                INSERT INTO registrations
                SELECT * FROM json_populate_recordset(NULL::registrations, $1::json)
            ), new_mail AS (
                INSERT INTO outbox SELECT * FROM json_populate_recordset(NULL::outbox, $2::json)
            ), new_answers AS (
                INSERT INTO registration_answers
                SELECT * FROM json_populate_recordset(NULL::registration_answers, $9::json)
            )
            UPDATE events SET confirmed_count = $3, pending_count = $4, waitlisted_count = $5,
                waitlist_seq = $6, registrations_total = $7
            WHERE id = $8";
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            [
                json(serde_json::to_string(rows))?.into(),
                json(serde_json::to_string(&outbox))?.into(),
                event.confirmed_count.into(),
                event.pending_count.into(),
                event.waitlisted_count.into(),
                event.waitlist_seq.into(),
                event.registrations_total.into(),
                event.id.into(),
                json(serde_json::to_string(&answers))?.into(),
            ],
        ))
        .await
        .map_err(duplicate_email)?;
        return Ok(());
    }
    registration::Entity::insert_many(
        rows.iter()
            .map(|r| registration::ActiveModel::from((*r).clone())),
    )
    .exec_without_returning(txn)
    .await
    .map_err(duplicate_email)?;
    questions::insert_rows(txn, answers).await?;
    mail::enqueue_many(txn, mails).await?;
    event::Entity::update_many()
        .col_expr(
            event::Column::ConfirmedCount,
            Expr::value(event.confirmed_count),
        )
        .col_expr(
            event::Column::PendingCount,
            Expr::value(event.pending_count),
        )
        .col_expr(
            event::Column::WaitlistedCount,
            Expr::value(event.waitlisted_count),
        )
        .col_expr(event::Column::WaitlistSeq, Expr::value(event.waitlist_seq))
        .col_expr(
            event::Column::RegistrationsTotal,
            Expr::value(event.registrations_total),
        )
        .filter(event::Column::Id.eq(event.id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Why the event took neither a seat nor a waitlist ticket.
async fn refusal(db: &impl ConnectionTrait, event_id: Uuid) -> ApiError {
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
fn duplicate_email(err: DbErr) -> ApiError {
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
async fn lock_by_token(
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

async fn lock_by_id(
    txn: &impl ConnectionTrait,
    event_id: Uuid,
    id: Uuid,
) -> ApiResult<(event::Model, registration::Model)> {
    let event = lock_event(txn, event_id).await?;
    let registration = registration::Entity::find_by_id(id)
        .filter(registration::Column::EventId.eq(event_id))
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::not_found("registration"))?;
    Ok((event, registration))
}

/// Gives back the seat or waitlist place of an active registration.
async fn release(
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

/// The registration a manage token opens: a derived token by its id, a token from before
/// tokens were derived by its hash; never an erased registration.
pub fn with_token(token: &str) -> Condition {
    let mut any =
        Condition::any().add(registration::Column::ManageTokenHash.eq(token::hash(token)));
    if let Some(id) = token::verify(Kind::Registration, token) {
        any = any.add(registration::Column::Id.eq(id));
    }
    Condition::all()
        .add(any)
        .add(registration::Column::ErasedAt.is_null())
}

/// The attendee's own registration by its manage token.
pub async fn find_by_token(db: &impl ConnectionTrait, token: &str) -> ApiResult<Registered> {
    let registration = registration::Entity::find()
        .filter(with_token(token))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("registration"))?;
    with_position(db, registration).await
}

pub async fn find_by_id(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    id: Uuid,
) -> ApiResult<Registered> {
    let registration = registration::Entity::find_by_id(id)
        .filter(registration::Column::EventId.eq(event_id))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("registration"))?;
    with_position(db, registration).await
}

async fn with_position(
    db: &impl ConnectionTrait,
    registration: registration::Model,
) -> ApiResult<Registered> {
    let waitlist_position = match (registration.status, registration.waitlist_seq) {
        (RegistrationStatus::Waitlisted, Some(seq)) => Some(
            registration::Entity::find()
                .filter(registration::Column::EventId.eq(registration.event_id))
                .filter(registration::Column::Status.eq(RegistrationStatus::Waitlisted))
                .filter(registration::Column::WaitlistSeq.lte(seq))
                .count(db)
                .await? as i64,
        ),
        _ => None,
    };
    Ok(Registered {
        registration,
        waitlist_position,
    })
}

/// Double opt-in: turns a pending hold into a confirmed seat. Confirming twice is harmless.
pub async fn confirm(
    txn: &impl ConnectionTrait,
    public_url: &str,
    token: &str,
) -> ApiResult<registration::Model> {
    let (event, reg) = lock_by_token(txn, token).await?;
    match reg.status {
        RegistrationStatus::Confirmed => return Ok(reg),
        RegistrationStatus::Pending => {}
        RegistrationStatus::Waitlisted => {
            return Err(ApiError::conflict(
                "the registration is on the waitlist; it is confirmed when a seat is free",
            ));
        }
        RegistrationStatus::Cancelled => {
            return Err(ApiError::conflict("the registration is cancelled"))
        }
        RegistrationStatus::Expired => {
            return Err(ApiError::conflict(
                "the registration expired: it was not confirmed in time",
            ))
        }
    }
    if reg.hold_expires_at.is_some_and(|t| t <= now()) {
        return Err(ApiError::conflict(
            "the registration expired: it was not confirmed in time",
        ));
    }
    event::Entity::update_many()
        .col_expr(
            event::Column::PendingCount,
            plus(event::Column::PendingCount, -1),
        )
        .col_expr(
            event::Column::ConfirmedCount,
            plus(event::Column::ConfirmedCount, 1),
        )
        .filter(event::Column::Id.eq(event.id))
        .exec(txn)
        .await?;
    let sequence = reg.sequence + 1;
    let mut active: registration::ActiveModel = reg.into();
    active.status = Set(RegistrationStatus::Confirmed);
    active.hold_expires_at = Set(None);
    active.sequence = Set(sequence);
    active.updated_at = Set(now());
    let model = active.update(txn).await?;
    notify(txn, public_url, &event, &model, Notice::Confirmed).await?;
    Ok(model)
}

/// The attendee cancels: the seat goes to the first on the waitlist. Cancelling twice is harmless.
pub async fn cancel(
    txn: &impl ConnectionTrait,
    public_url: &str,
    token: &str,
) -> ApiResult<registration::Model> {
    let (event, reg) = lock_by_token(txn, token).await?;
    match reg.status {
        RegistrationStatus::Cancelled => return Ok(reg),
        RegistrationStatus::Expired => {
            return Err(ApiError::conflict("the registration has already expired"))
        }
        _ => {}
    }
    let previous = reg.status;
    release(txn, event.id, previous).await?;
    let at = now();
    let sequence = reg.sequence + 1;
    let mut active: registration::ActiveModel = reg.into();
    active.status = Set(RegistrationStatus::Cancelled);
    active.cancelled_at = Set(Some(at));
    active.hold_expires_at = Set(None);
    active.sequence = Set(sequence);
    active.updated_at = Set(at);
    let model = active.update(txn).await?;
    promote_waitlisted(txn, public_url, event.id).await?;
    notify(
        txn,
        public_url,
        &event,
        &model,
        Notice::Cancelled {
            had_seat: previous == RegistrationStatus::Confirmed,
        },
    )
    .await?;
    Ok(model)
}

/// Erasure by the attendee's token.
pub async fn erase_by_token(
    txn: &impl ConnectionTrait,
    public_url: &str,
    token: &str,
) -> ApiResult<registration::Model> {
    let (event, reg) = lock_by_token(txn, token).await?;
    erase(txn, public_url, &event, reg).await
}

/// Erasure by an organiser.
pub async fn erase_by_id(
    txn: &impl ConnectionTrait,
    public_url: &str,
    event_id: Uuid,
    id: Uuid,
) -> ApiResult<registration::Model> {
    let (event, reg) = lock_by_id(txn, event_id, id).await?;
    erase(txn, public_url, &event, reg).await
}

/// Erases a person from an event: this registration and every other registration of the same
/// mailbox in the event (earlier, cancelled ones included) lose their personal fields and their
/// links, free their seats (the waitlist moves up), and lose their own mail (queued or sent) and
/// their stored idempotent answers. The rows stay for the counts (status, sector, check-in).
/// Mail of other records to the same address (a presenter's, an exhibitor's) is left alone.
/// GDPR Art. 17.
async fn erase(
    txn: &impl ConnectionTrait,
    public_url: &str,
    event: &event::Model,
    reg: registration::Model,
) -> ApiResult<registration::Model> {
    if reg.erased_at.is_some() {
        return Ok(reg);
    }
    let mut records = vec![reg.clone()];
    if !reg.mailbox.is_empty() {
        records.extend(
            registration::Entity::find()
                .filter(registration::Column::EventId.eq(event.id))
                .filter(registration::Column::Mailbox.eq(reg.mailbox.clone()))
                .filter(registration::Column::Id.ne(reg.id))
                .filter(registration::Column::ErasedAt.is_null())
                .all(txn)
                .await?,
        );
    }
    let ids: Vec<Uuid> = records.iter().map(|r| r.id).collect();
    forget_records(txn, &ids).await?;
    // Mail queued before mail named its record (the migration to `record_id`): this
    // registration's own kinds to its address in this event.
    outbox::Entity::delete_many()
        .filter(outbox::Column::RecordId.is_null())
        .filter(outbox::Column::EventId.eq(event.id))
        .filter(outbox::Column::Kind.starts_with("registration_"))
        .filter(outbox::Column::Recipient.is_in(records.iter().map(|r| r.email.clone())))
        .exec(txn)
        .await?;
    let at = now();
    let mut freed = false;
    let mut erased = None;
    for record in records {
        let was_active = ACTIVE.contains(&record.status);
        release(txn, event.id, record.status).await?;
        freed |= was_active;
        let is_target = record.id == reg.id;
        let sequence = record.sequence + 1;
        let mut active: registration::ActiveModel = record.into();
        active.name = Set(String::new());
        active.email = Set(String::new());
        active.email_lower = Set(String::new());
        active.mailbox = Set(String::new());
        active.organisation = Set(String::new());
        // A link from before tokens were derived stops working too.
        active.manage_token_hash = Set(token::hash(&crate::auth::new_token()));
        active.hold_expires_at = Set(None);
        active.erased_at = Set(Some(at));
        active.sequence = Set(sequence);
        active.updated_at = Set(at);
        if was_active {
            active.status = Set(RegistrationStatus::Cancelled);
            active.cancelled_at = Set(Some(at));
        }
        let model = active.update(txn).await?;
        if is_target {
            erased = Some(model);
        }
    }
    if freed {
        promote_waitlisted(txn, public_url, event.id).await?;
    }
    erased.ok_or_else(|| ApiError::not_found("registration"))
}

/// Deletes the mail (queued or sent) and the stored idempotent answers of these records
/// (registrations, pitches or exhibits), in the caller's transaction.
pub async fn forget_records(txn: &impl ConnectionTrait, ids: &[Uuid]) -> ApiResult<()> {
    questions::forget_answers(txn, ids).await?;
    outbox::Entity::delete_many()
        .filter(outbox::Column::RecordId.is_in(ids.iter().copied()))
        .exec(txn)
        .await?;
    entity::idempotency_key::Entity::delete_many()
        .filter(entity::idempotency_key::Column::RecordId.is_in(ids.iter().copied()))
        .exec(txn)
        .await?;
    Ok(())
}

/// Checks a confirmed attendee in (`true`) or undoes it (`false`). Repeating either is harmless.
pub async fn set_checked_in(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    id: Uuid,
    checked_in: bool,
) -> ApiResult<Registered> {
    let at = now();
    let update = registration::Entity::update_many()
        .col_expr(registration::Column::UpdatedAt, Expr::value(at))
        .filter(registration::Column::Id.eq(id))
        .filter(registration::Column::EventId.eq(event_id));
    if checked_in {
        update
            .col_expr(registration::Column::CheckedInAt, Expr::value(Some(at)))
            .filter(registration::Column::Status.eq(RegistrationStatus::Confirmed))
            .filter(registration::Column::CheckedInAt.is_null())
            .exec(db)
            .await?;
    } else {
        update
            .col_expr(
                registration::Column::CheckedInAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(registration::Column::CheckedInAt.is_not_null())
            .exec(db)
            .await?;
    }
    let found = find_by_id(db, event_id, id).await?;
    if checked_in && found.registration.checked_in_at.is_none() {
        return Err(ApiError::conflict(
            "only confirmed registrations can be checked in",
        ));
    }
    Ok(found)
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

// ---------------------------------------------------------------------------------------------
// The organisers' list
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Empty: every status.
    pub statuses: Vec<RegistrationStatus>,
    pub sector: Option<Sector>,
    pub checked_in: Option<bool>,
    /// Part of the name, e-mail or organisation, folded (see `migration::search`).
    pub q: Option<String>,
    /// Answered this question with this value (a choice key, `yes`/`no`, or the exact text).
    pub answer: Option<(Uuid, String)>,
}

impl ListFilter {
    /// No filter at all: every registration of the event.
    pub fn is_empty(&self) -> bool {
        self.statuses.is_empty()
            && self.sector.is_none()
            && self.checked_in.is_none()
            && self.q.as_deref().is_none_or(str::is_empty)
            && self.answer.is_none()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    Name,
    #[default]
    CreatedAt,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Sort {
    pub key: SortKey,
    pub descending: bool,
}

/// Where a keyset page starts: after the row with this sort value and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum After {
    Name(String, Uuid),
    CreatedAt(DateTime<Utc>, Uuid),
}

impl After {
    pub fn of(sort: Sort, m: &Listed) -> Self {
        match sort.key {
            SortKey::Name => Self::Name(m.name.clone(), m.id),
            SortKey::CreatedAt => Self::CreatedAt(m.created_at, m.id),
        }
    }
}

fn filtered(event_id: Uuid, filter: &ListFilter) -> sea_orm::Select<registration::Entity> {
    with_filter(
        registration::Entity::find().filter(registration::Column::EventId.eq(event_id)),
        filter,
    )
}

/// `query` narrowed to the registrations that match `filter`.
fn with_filter(
    mut query: sea_orm::Select<registration::Entity>,
    filter: &ListFilter,
) -> sea_orm::Select<registration::Entity> {
    if !filter.statuses.is_empty() {
        query = query.filter(registration::Column::Status.is_in(filter.statuses.clone()));
    }
    if let Some(sector) = filter.sector {
        query = query.filter(registration::Column::Sector.eq(sector));
    }
    match filter.checked_in {
        Some(true) => query = query.filter(registration::Column::CheckedInAt.is_not_null()),
        Some(false) => query = query.filter(registration::Column::CheckedInAt.is_null()),
        None => {}
    }
    if let Some((question, value)) = &filter.answer {
        query = query.filter(
            Expr::col((registration::Entity, registration::Column::Id))
                .in_subquery(questions::answered(*question, value)),
        );
    }
    if let Some(q) = filter.q.as_deref().filter(|q| !q.is_empty()) {
        // `search_key`: name, e-mail and organisation folded by the database's triggers
        // (migration::search): case, accents and umlauts do not matter; a trigram index on
        // PostgreSQL.
        let mut any = Condition::any();
        for pattern in migration::search::like_patterns(q) {
            any = any.add(
                Expr::col((
                    registration::Entity,
                    sea_orm::sea_query::Alias::new("search_key"),
                ))
                .like(LikeExpr::new(pattern).escape('\\')),
            );
        }
        query = query.filter(any);
    }
    query
}

fn ordered(
    query: sea_orm::Select<registration::Entity>,
    sort: Sort,
) -> sea_orm::Select<registration::Entity> {
    let order = if sort.descending {
        sea_orm::Order::Desc
    } else {
        sea_orm::Order::Asc
    };
    let col = match sort.key {
        SortKey::Name => registration::Column::Name,
        SortKey::CreatedAt => registration::Column::CreatedAt,
    };
    query
        .order_by(col, order.clone())
        .order_by(registration::Column::Id, order)
}

/// A registration as the attendee list and the CSV export show it: every column but the
/// manage token, the lower-cased e-mail and the mail sequence, which lists have no use for
/// (and fewer columns are fewer values to copy per row).
#[derive(Debug, Clone)]
pub struct Listed {
    pub id: Uuid,
    pub event_id: Uuid,
    pub name: String,
    pub email: String,
    pub organisation: String,
    pub sector: Sector,
    pub language: Language,
    pub status: RegistrationStatus,
    pub waitlist_seq: Option<i64>,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub hold_expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub erased_at: Option<DateTime<Utc>>,
}

impl From<registration::Model> for Listed {
    fn from(m: registration::Model) -> Self {
        Self {
            id: m.id,
            event_id: m.event_id,
            name: m.name,
            email: m.email,
            organisation: m.organisation,
            sector: m.sector,
            language: m.language,
            status: m.status,
            waitlist_seq: m.waitlist_seq,
            checked_in_at: m.checked_in_at,
            hold_expires_at: m.hold_expires_at,
            created_at: m.created_at,
            updated_at: m.updated_at,
            cancelled_at: m.cancelled_at,
            erased_at: m.erased_at,
        }
    }
}

impl Listed {
    /// A row of [`listed_columns`], read by position: sea-orm's derived reader formats and
    /// looks up each column's name, which was a fifth of podium's CPU on a PostgreSQL list.
    fn read(row: &sea_orm::QueryResult) -> Result<Self, DbErr> {
        Ok(Self {
            id: row.try_get_by_index(0)?,
            event_id: row.try_get_by_index(1)?,
            name: row.try_get_by_index(2)?,
            email: row.try_get_by_index(3)?,
            organisation: row.try_get_by_index(4)?,
            sector: row.try_get_by_index(5)?,
            language: row.try_get_by_index(6)?,
            status: row.try_get_by_index(7)?,
            waitlist_seq: row.try_get_by_index(8)?,
            checked_in_at: row.try_get_by_index(9)?,
            hold_expires_at: row.try_get_by_index(10)?,
            created_at: row.try_get_by_index(11)?,
            updated_at: row.try_get_by_index(12)?,
            cancelled_at: row.try_get_by_index(13)?,
            erased_at: row.try_get_by_index(14)?,
        })
    }
}

/// The columns of [`Listed`], in its order (which [`Listed::read`] and [`sqlite_page`] follow).
const LISTED: [registration::Column; 15] = {
    use registration::Column as C;
    [
        C::Id,
        C::EventId,
        C::Name,
        C::Email,
        C::Organisation,
        C::Sector,
        C::Language,
        C::Status,
        C::WaitlistSeq,
        C::CheckedInAt,
        C::HoldExpiresAt,
        C::CreatedAt,
        C::UpdatedAt,
        C::CancelledAt,
        C::ErasedAt,
    ]
};

/// The number of columns [`listed_columns`] selects.
const LISTED_COLUMNS: usize = LISTED.len();

/// `query` selecting the columns of [`Listed`], in its order.
fn listed_columns(
    query: sea_orm::Select<registration::Entity>,
) -> sea_orm::Select<registration::Entity> {
    query.select_only().columns(LISTED)
}

/// One page of the attendee list.
#[derive(Debug)]
pub struct ListPage {
    pub event_id: Uuid,
    pub items: Vec<Listed>,
    /// Every registration that matches the filter, on all pages.
    pub total: u64,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<After>,
}

/// One page of the attendee list of the event with this id or slug (drafts included: this
/// is the organisers' list).
///
/// The page comes with one query that finds the event by its key and carries the event's
/// counter of all registrations, which is the `total` of the unfiltered list; a filtered list
/// counts its matches with one more query. Only an empty page reads the event on its own, to
/// tell an empty list from an unknown event.
pub async fn list(
    db: &impl ConnectionTrait,
    key: &str,
    filter: &ListFilter,
    sort: Sort,
    after: Option<After>,
    limit: u64,
) -> ApiResult<ListPage> {
    // Two values of the event row, each `(SELECT … FROM events WHERE id or slug = key)`: not
    // correlated with the registrations, so both databases read them once per query, and
    // `event_id = (SELECT id …)` is an equality that walks the (event_id, sort key, id) index
    // in order and stops at the limit. (A join on the slug made PostgreSQL sort every
    // registration of the event.)
    let of_event = match Uuid::parse_str(key) {
        Ok(id) => Expr::col(event::Column::Id).eq(id),
        Err(_) => Expr::col(event::Column::Slug).eq(key),
    };
    let event_value = |column: event::Column| {
        let select = Query::select()
            .column(column)
            .from(event::Entity)
            .and_where(of_event.clone())
            .to_owned();
        Expr::SubQuery(None, Box::new(select.into_sub_query_statement()))
    };
    let event_id = event_value(event::Column::Id);
    let counter = event_value(event::Column::RegistrationsTotal);
    let mut query = listed_columns(with_filter(
        registration::Entity::find()
            .filter(Expr::col((registration::Entity, registration::Column::EventId)).eq(event_id)),
        filter,
    ))
    .expr_as(counter, "registrations_total");
    if let Some(after) = after {
        let beyond = |col: registration::Column, value: sea_orm::Value, id: Uuid| {
            let col = || Expr::col((registration::Entity, col));
            let id_col = Expr::col((registration::Entity, registration::Column::Id));
            let (past, past_id) = if sort.descending {
                (col().lt(value.clone()), id_col.lt(id))
            } else {
                (col().gt(value.clone()), id_col.gt(id))
            };
            Condition::any()
                .add(past)
                .add(Condition::all().add(col().eq(value)).add(past_id))
        };
        query = query.filter(match after {
            After::Name(name, id) => beyond(registration::Column::Name, name.into(), id),
            After::CreatedAt(at, id) => beyond(registration::Column::CreatedAt, at.into(), id),
        });
    }
    let query = ordered(query, sort).limit(limit + 1);
    let (mut items, counted) = if db.get_database_backend() == DbBackend::Sqlite {
        sqlite_page(db, query, sort).await?
    } else {
        let rows = db.query_all(QueryTrait::as_query(&query)).await?;
        let counted = match rows.first() {
            Some(row) => Some(row.try_get_by_index(LISTED_COLUMNS)?),
            None => None,
        };
        let items = rows.iter().map(Listed::read).collect::<Result<_, _>>()?;
        (items, counted)
    };
    let (event_id, counted) = match (items.first(), counted) {
        (Some(first), Some(counted)) => (first.event_id, counted),
        _ => {
            let event = crate::services::events::find_visible(db, key, true).await?;
            (event.id, event.registrations_total)
        }
    };
    let total = if filter.is_empty() {
        u64::try_from(counted).unwrap_or(0)
    } else {
        count(db, event_id, filter).await?
    };
    let next = if items.len() as u64 > limit {
        items.truncate(limit as usize);
        items.last().map(|m| After::of(sort, m))
    } else {
        None
    };
    Ok(ListPage {
        event_id,
        items,
        total,
        next,
    })
}

/// A page of the attendee list from SQLite as one value: the rows of `query` as one JSON array
/// of arrays, and the event's counter.
///
/// sqlx's SQLite driver copies every value of every row on its connection thread and hands
/// each row over a channel; 51 rows of 15 columns were a fifth of a list request's CPU. SQLite
/// writes the page as JSON text in one row, and serde reads it back. Values come back as
/// SQLite holds them: ids as 16-byte blobs (as hex), enums and timestamps as the text sqlx
/// wrote.
async fn sqlite_page(
    db: &impl ConnectionTrait,
    query: sea_orm::Select<registration::Entity>,
    sort: Sort,
) -> ApiResult<(Vec<Listed>, Option<i64>)> {
    // `json_array(lower(hex(id)), lower(hex(event_id)), name, …)`, written once.
    static ROW: LazyLock<String> = LazyLock::new(|| {
        let values: Vec<String> = LISTED
            .iter()
            .map(|column| match column {
                registration::Column::Id | registration::Column::EventId => {
                    format!("lower(hex({}))", column.as_str())
                }
                _ => column.as_str().to_owned(),
            })
            .collect();
        format!("json_array({})", values.join(", "))
    });
    let key = match sort.key {
        SortKey::Name => registration::Column::Name.as_str(),
        SortKey::CreatedAt => registration::Column::CreatedAt.as_str(),
    };
    let direction = if sort.descending { "DESC" } else { "ASC" };
    // The aggregate's own ORDER BY: rows reach an aggregate in no promised order.
    let page = Expr::cust(format!(
        "json_group_array({} ORDER BY {key} {direction}, id {direction})",
        *ROW
    ));
    let outer = Query::select()
        .expr_as(page, "page")
        .expr_as(
            Expr::cust("max(registrations_total)"),
            "registrations_total",
        )
        .from_subquery(QueryTrait::into_query(query), "page_rows")
        .to_owned();
    let row = db
        .query_one(&outer)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("attendee page".into()))?;
    let page: String = row.try_get("", "page")?;
    let counted: Option<i64> = row.try_get("", "registrations_total")?;
    let rows: Vec<SqliteListed> = serde_json::from_str(&page)
        .map_err(|e| DbErr::Type(format!("attendee page from SQLite: {e}")))?;
    let items = rows
        .into_iter()
        .map(Listed::try_from)
        .collect::<Result<_, _>>()?;
    Ok((items, counted))
}

/// A row of [`sqlite_page`]'s JSON, in [`Listed`]'s order.
#[derive(serde::Deserialize)]
struct SqliteListed(
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
);

impl TryFrom<SqliteListed> for Listed {
    type Error = DbErr;

    fn try_from(r: SqliteListed) -> Result<Self, DbErr> {
        let id = |hex: &str| {
            Uuid::parse_str(hex).map_err(|e| DbErr::Type(format!("registration id {hex}: {e}")))
        };
        let time = |text: Option<String>| text.as_deref().map(sqlite_time).transpose();
        Ok(Self {
            id: id(&r.0)?,
            event_id: id(&r.1)?,
            name: r.2,
            email: r.3,
            organisation: r.4,
            sector: Sector::try_from_value(&r.5)?,
            language: Language::try_from_value(&r.6)?,
            status: RegistrationStatus::try_from_value(&r.7)?,
            waitlist_seq: r.8,
            checked_in_at: time(r.9)?,
            hold_expires_at: time(r.10)?,
            created_at: sqlite_time(&r.11)?,
            updated_at: sqlite_time(&r.12)?,
            cancelled_at: time(r.13)?,
            erased_at: time(r.14)?,
        })
    }
}

/// A timestamp as sqlx stores it in SQLite (RFC 3339), or as SQLite's own functions write it
/// (`YYYY-MM-DD HH:MM:SS[.fff]`, UTC).
fn sqlite_time(text: &str) -> Result<DateTime<Utc>, DbErr> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(text, "%F %T%.f").map(|t| t.and_utc()))
        .map_err(|e| DbErr::Type(format!("timestamp {text}: {e}")))
}

/// How many registrations match: a plain `COUNT(*)` over the index, not a count of a
/// sub-select of whole rows.
async fn count(db: &impl ConnectionTrait, event_id: Uuid, filter: &ListFilter) -> ApiResult<u64> {
    Ok(filtered(event_id, filter)
        .select_only()
        .column_as(Expr::cust("COUNT(*)"), "n")
        .into_tuple::<i64>()
        .one(db)
        .await?
        .map_or(0, |n| u64::try_from(n).unwrap_or(0)))
}

/// Every matching registration, for the CSV export.
pub async fn list_all(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    filter: &ListFilter,
    sort: Sort,
) -> ApiResult<Vec<Listed>> {
    let query = ordered(listed_columns(filtered(event_id, filter)), sort);
    let rows = db.query_all(QueryTrait::as_query(&query)).await?;
    Ok(rows.iter().map(Listed::read).collect::<Result<_, _>>()?)
}

/// Waitlist positions of the waitlisted registrations among `models`, in one query.
pub async fn waitlist_positions(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    models: &[Listed],
) -> ApiResult<HashMap<Uuid, i64>> {
    let waiting: Vec<(Uuid, i64)> = models
        .iter()
        .filter(|m| m.status == RegistrationStatus::Waitlisted)
        .filter_map(|m| m.waitlist_seq.map(|s| (m.id, s)))
        .collect();
    let Some(max) = waiting.iter().map(|(_, s)| *s).max() else {
        return Ok(HashMap::new());
    };
    let tickets: Vec<Option<i64>> = registration::Entity::find()
        .select_only()
        .column(registration::Column::WaitlistSeq)
        .filter(registration::Column::EventId.eq(event_id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Waitlisted))
        .filter(registration::Column::WaitlistSeq.lte(max))
        .order_by_asc(registration::Column::WaitlistSeq)
        .into_tuple()
        .all(db)
        .await?;
    let tickets: Vec<i64> = tickets.into_iter().flatten().collect();
    Ok(waiting
        .into_iter()
        .map(|(id, seq)| (id, tickets.partition_point(|t| *t <= seq) as i64))
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Mail
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum Notice {
    Confirmed,
    Pending,
    Waitlisted(i64),
    Promoted,
    Cancelled { had_seat: bool },
    Expired,
}

/// Queues the mail about a registration's new state in the caller's transaction.
async fn notify(
    txn: &impl ConnectionTrait,
    public_url: &str,
    event: &event::Model,
    reg: &registration::Model,
    notice: Notice,
) -> ApiResult<()> {
    mail::enqueue(txn, notice_mail(public_url, event, reg, notice)).await?;
    Ok(())
}

/// The hold an unconfirmed registration had, in whole hours: the event's `hold_hours` when it
/// registered (a later change of the event does not change its hold).
fn hold_hours(reg: &registration::Model) -> i64 {
    reg.hold_expires_at.map_or(HOLD_HOURS, |until| {
        std::cmp::max(((until - reg.created_at).num_minutes() + 30) / 60, 1)
    })
}

/// The mail about a registration's new state.
fn notice_mail(
    public_url: &str,
    event: &event::Model,
    reg: &registration::Model,
    notice: Notice,
) -> NewMail {
    let lang = reg.language;
    let text = EventText::new(event, lang);
    let token = manage_token(reg);
    let manage = manage_url(public_url, &token);
    let link = match notice {
        Notice::Pending => confirm_url(public_url, &token),
        Notice::Cancelled { .. } | Notice::Expired => event_url(public_url, event),
        _ => manage,
    };
    let m = templates::AttendeeMail {
        name: &reg.name,
        event: text.info(),
        link: &link,
    };
    // The attendee's own entry, under the UID of their personal feed (RFC 5546 iTIP: the
    // ORGANIZER is the event's organiser, the attendee the recipient; a CANCEL's SEQUENCE is
    // above the REQUEST's because the registration's grows with every change of its status).
    let invite = |method: Method| Attachment {
        body: ics::invite(
            event,
            ics::registration_item(event, None, reg, public_url),
            method,
            (&reg.name, &reg.email),
            None,
        ),
        method: match method {
            Method::Cancel => "CANCEL",
            _ => "REQUEST",
        }
        .to_owned(),
    };
    let (kind, content, attachment) = match notice {
        Notice::Confirmed => (
            "registration_confirmed",
            templates::registration_confirmed(
                lang,
                &m,
                &crate::domain::check_in_code::derive(reg.id),
            ),
            Some(invite(Method::Request)),
        ),
        Notice::Pending => (
            "registration_pending",
            templates::registration_pending(lang, &m, hold_hours(reg)),
            None,
        ),
        Notice::Waitlisted(position) => (
            "registration_waitlisted",
            templates::registration_waitlisted(lang, &m, position),
            None,
        ),
        Notice::Promoted => (
            "registration_promoted",
            templates::registration_promoted(
                lang,
                &m,
                &crate::domain::check_in_code::derive(reg.id),
            ),
            Some(invite(Method::Request)),
        ),
        Notice::Cancelled { had_seat } => (
            "registration_cancelled",
            templates::registration_cancelled(lang, &m),
            had_seat.then(|| invite(Method::Cancel)),
        ),
        Notice::Expired => (
            "registration_expired",
            templates::registration_expired(lang, &m, hold_hours(reg)),
            None,
        ),
    };
    NewMail {
        kind,
        event_id: Some(event.id),
        recipient: reg.email.clone(),
        recipient_name: reg.name.clone(),
        language: lang,
        content,
        ics: attachment,
        record_id: Some(reg.id),
    }
}
