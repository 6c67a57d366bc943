//! Self-service and the single registration: look-ups by manage token or id, double opt-in
//! confirmation, cancellation, erasure (GDPR Art. 17, by the attendee or an organiser) and the
//! check-in flag.
use chrono::{DateTime, Utc};
use entity::{
    announcement, announcement_recipient, event, outbox,
    registration::{self, RegistrationStatus},
};
use sea_orm::{
    sea_query::{Expr, Query},
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};
use uuid::Uuid;

use super::mail::{notify, Notice};
use super::seats::{lock_by_id, lock_by_token, plus, promote_waitlisted, release};
use super::{with_token, Registered, ACTIVE};
use crate::domain::{email::mailbox_key, time::now, token};
use crate::error::{ApiError, ApiResult};
use crate::services::idempotency::{earlier, record, Keyed, Once};
use crate::services::{questions, Ctx};
use crate::webhooks::{self, EventType};

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
    report(txn, EventType::RegistrationConfirmed, &event, model.id).await?;
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
    report(txn, EventType::RegistrationCancelled, &event, model.id).await?;
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

/// Queues the webhook deliveries of a change to one registration, in `txn`.
async fn report(
    txn: &impl ConnectionTrait,
    kind: EventType,
    event: &entity::event::Model,
    id: Uuid,
) -> ApiResult<()> {
    webhooks::enqueue(
        txn,
        &[webhooks::Change::new(
            kind,
            event.id,
            &event.slug,
            webhooks::Subject::Registration(id),
        )],
    )
    .await?;
    Ok(())
}

/// What an attendee changes through the manage link: confirm the hold (double opt-in) or cancel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Confirm,
    Cancel,
}

/// [`confirm`] or [`cancel`] in a write transaction of its own, then the mail worker woken.
/// With a key, the key is judged at the start of the transaction and the answer stored in it:
/// both actions are harmless to repeat, so two repeats at the same instant may both run (the
/// second changes nothing) and answer the same. Errors: 404 unknown token, 409 expired hold or
/// a state that does not allow the change, 422 a key reused with another body.
pub async fn change_by_token(
    ctx: &Ctx,
    token: &str,
    change: Change,
    key: Option<&Keyed<registration::Model>>,
) -> ApiResult<Once<registration::Model>> {
    let txn = crate::db::begin_write(&ctx.db).await?;
    if let Some(first) = earlier(&txn, key).await? {
        return Ok(Once::Replayed(first));
    }
    let model = match change {
        Change::Confirm => confirm(&txn, &ctx.public_url, token).await?,
        Change::Cancel => cancel(&txn, &ctx.public_url, token).await?,
    };
    let stored = record(&txn, key, &model, model.id).await?;
    txn.commit().await?;
    ctx.wake_mailer();
    Ok(Once::New(model, stored))
}

/// [`erase_by_token`] in a write transaction of its own, then the mail worker woken (the
/// waitlist may move up). GDPR Art. 17; 404 for an unknown or erased token.
pub async fn erase_own(ctx: &Ctx, token: &str) -> ApiResult<()> {
    let txn = crate::db::begin_write(&ctx.db).await?;
    erase_by_token(&txn, &ctx.public_url, token).await?;
    txn.commit().await?;
    ctx.wake_mailer();
    Ok(())
}

/// [`erase_by_id`] for an organiser, in a write transaction of its own, then the mail worker
/// woken. 404 when the event has no such registration.
pub async fn erase_attendee(ctx: &Ctx, event_id: Uuid, id: Uuid) -> ApiResult<()> {
    let txn = crate::db::begin_write(&ctx.db).await?;
    erase_by_id(&txn, &ctx.public_url, event_id, id).await?;
    txn.commit().await?;
    ctx.wake_mailer();
    Ok(())
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
/// links, free their seats (the waitlist moves up), and lose what other tables keep of them:
/// their own mail (queued or sent), their answers, their stored idempotent answers (page forms'
/// too) and their rows among the event's announcements' recipients ([`forget_records`]). A
/// door's check-in stays as a time on the anonymous row; door sessions and calendar entries
/// name organisers, events and pitches, never an attendee. The rows stay for the counts (status, sector, check-in).
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
    // The announcements' recipients are keyed by mailbox: the person's rows in this event's
    // announcements go, also where their mail went out under another role (a presenter's).
    let mut mailboxes: Vec<String> = records
        .iter()
        .flat_map(|r| [r.mailbox.clone(), mailbox_key(&r.email).unwrap_or_default()])
        .chain(records.iter().map(|r| r.email.trim().to_lowercase()))
        .filter(|m| !m.is_empty())
        .collect();
    mailboxes.sort();
    mailboxes.dedup();
    announcement_recipient::Entity::delete_many()
        .filter(announcement_recipient::Column::Mailbox.is_in(mailboxes))
        .filter(
            announcement_recipient::Column::AnnouncementId.in_subquery(
                Query::select()
                    .column(announcement::Column::Id)
                    .from(announcement::Entity)
                    .and_where(announcement::Column::EventId.eq(event.id))
                    .to_owned(),
            ),
        )
        .exec(txn)
        .await?;
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

/// Deletes what other tables keep of these records (registrations, pitches or exhibits), in
/// the caller's transaction: their answers to registration questions, their mail (queued or
/// sent) with the announcements' recipient rows that name it, and their stored idempotent
/// answers.
pub async fn forget_records(txn: &impl ConnectionTrait, ids: &[Uuid]) -> ApiResult<()> {
    questions::forget_answers(txn, ids).await?;
    announcement_recipient::Entity::delete_many()
        .filter(
            announcement_recipient::Column::OutboxId.in_subquery(
                Query::select()
                    .column(outbox::Column::Id)
                    .from(outbox::Entity)
                    .and_where(outbox::Column::RecordId.is_in(ids.iter().copied()))
                    .to_owned(),
            ),
        )
        .exec(txn)
        .await?;
    outbox::Entity::delete_many()
        .filter(outbox::Column::RecordId.is_in(ids.iter().copied()))
        .exec(txn)
        .await?;
    entity::idempotency_key::Entity::delete_many()
        .filter(entity::idempotency_key::Column::RecordId.is_in(ids.iter().copied()))
        .exec(txn)
        .await?;
    webhooks::forget_records(txn, ids).await?;
    Ok(())
}

/// Checks a confirmed attendee in (`true`) or undoes it (`false`). Repeating either is harmless.
pub async fn set_checked_in<C>(
    db: &C,
    event_id: Uuid,
    id: Uuid,
    checked_in: bool,
) -> ApiResult<Registered>
where
    C: ConnectionTrait + sea_orm::TransactionTrait<Transaction = sea_orm::DatabaseTransaction>,
{
    let at = now();
    let txn = crate::db::begin_write(db).await?;
    let update = registration::Entity::update_many()
        .col_expr(registration::Column::UpdatedAt, Expr::value(at))
        .filter(registration::Column::Id.eq(id))
        .filter(registration::Column::EventId.eq(event_id));
    if checked_in {
        let done = update
            .col_expr(registration::Column::CheckedInAt, Expr::value(Some(at)))
            .filter(registration::Column::Status.eq(RegistrationStatus::Confirmed))
            .filter(registration::Column::CheckedInAt.is_null())
            .exec(&txn)
            .await?;
        if done.rows_affected == 1 {
            report_check_in(&txn, event_id, id).await?;
        }
    } else {
        update
            .col_expr(
                registration::Column::CheckedInAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(registration::Column::CheckedInAt.is_not_null())
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    let found = find_by_id(db, event_id, id).await?;
    if checked_in && found.registration.checked_in_at.is_none() {
        return Err(ApiError::conflict(
            "only confirmed registrations can be checked in",
        ));
    }
    Ok(found)
}

/// Queues the `registration.checked_in` deliveries of a registration just checked in, in
/// `txn` (the event's slug read there).
pub async fn report_check_in(
    txn: &impl ConnectionTrait,
    event_id: Uuid,
    id: Uuid,
) -> ApiResult<()> {
    let has_endpoints = entity::webhook_endpoint::Entity::find()
        .one(txn)
        .await?
        .is_some();
    if !has_endpoints {
        return Ok(());
    }
    let Some(event) = entity::event::Entity::find_by_id(event_id).one(txn).await? else {
        return Ok(());
    };
    report(txn, EventType::RegistrationCheckedIn, &event, id).await
}
