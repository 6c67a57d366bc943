//! Exhibits: registration, the organisers' decision (approve, reject, waitlist) with a booth,
//! the exhibitor's withdrawal, and the mails each step sends.
//!
//! `events.approved_exhibits` counts the approved exhibits; approving takes a place only through
//! a conditional update, so `exhibit_capacity` holds under any concurrency. A booth is unique per
//! event (a partial unique index backs the check).
use entity::{
    event::{self, EventStatus},
    exhibit::{self, ExhibitStatus},
    registration::Language,
};
use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::domain::{
    time::now,
    token::{self, Kind},
    EmailAddress,
};
use crate::error::{ApiError, ApiResult};
use crate::mail::{self, templates, NewMail, Rendered};
use crate::services::idempotency::{earlier, record, Keyed, Once};
use crate::services::Ctx;
use crate::services::{events, notifications::EventText};

pub const TITLE_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 5000;
pub const ORGANISATION_MAX: usize = 200;
pub const NAME_MAX: usize = 200;
pub const BOOTH_MAX: usize = 50;
pub const SPACE_MAX: f64 = 10_000.0;

/// A validated exhibit registration.
#[derive(Debug, Clone)]
pub struct NewExhibit {
    pub title: String,
    pub description: String,
    pub organisation: String,
    pub contact_name: String,
    pub contact_email: EmailAddress,
    pub language: Language,
    pub space_sqm: f64,
    pub needs_power: bool,
}

/// An organiser's decision; `None` keeps the value, `booth: Some(None)` clears the booth.
#[derive(Debug, Clone, Default)]
pub struct Decision {
    /// `Approved`, `Rejected` or `Waitlisted`.
    pub status: Option<ExhibitStatus>,
    pub booth: Option<Option<String>>,
}

pub fn status_name(status: ExhibitStatus) -> &'static str {
    match status {
        ExhibitStatus::Submitted => "submitted",
        ExhibitStatus::Approved => "approved",
        ExhibitStatus::Rejected => "rejected",
        ExhibitStatus::Waitlisted => "waitlisted",
        ExhibitStatus::Withdrawn => "withdrawn",
    }
}

/// The exhibitor's page (`crate::pages`), where their mails link.
pub fn manage_url(public_url: &str, token: &str) -> String {
    format!("{public_url}/exhibits/{token}")
}

/// The same record as JSON (`GET /api/v1/exhibits/{token}`).
pub fn api_url(public_url: &str, token: &str) -> String {
    format!("{public_url}/api/v1/exhibits/{token}")
}

/// The exhibitor's manage token (derived, never stored: see `domain::token`).
pub fn manage_token(exhibit: &exhibit::Model) -> String {
    token::derive(Kind::Exhibit, exhibit.id)
}

/// The exhibit a manage token opens: a derived token by its id, an older one by its hash.
pub fn with_token(token: &str) -> Condition {
    let mut any = Condition::any().add(exhibit::Column::ManageTokenHash.eq(token::hash(token)));
    if let Some(id) = token::verify(Kind::Exhibit, token) {
        any = any.add(exhibit::Column::Id.eq(id));
    }
    any
}

pub async fn create(
    ctx: &Ctx,
    event_id: Uuid,
    organiser: bool,
    new: NewExhibit,
    key: Option<&Keyed<(event::Model, exhibit::Model)>>,
) -> ApiResult<Once<(event::Model, exhibit::Model)>> {
    let txn = crate::db::begin_write(&ctx.db).await?;
    let event = events::lock_quietly(&txn, event_id).await?;
    // Under the event's lock: a repeat that committed first is seen, a concurrent one waits.
    if let Some(first) = earlier(&txn, key).await? {
        return Ok(Once::Replayed(first));
    }
    events::check_takes_submissions(&event, organiser, "exhibits")?;
    let mailbox = new.contact_email.mailbox();
    if !organiser {
        crate::services::pitches::check_mailbox_submissions(&txn, event.id, &mailbox).await?;
    }
    let at = now();
    let id = Uuid::now_v7();
    let exhibit = exhibit::ActiveModel {
        id: Set(id),
        contact_mailbox: Set(mailbox),
        event_id: Set(event.id),
        title: Set(new.title),
        description: Set(new.description),
        organisation: Set(new.organisation),
        contact_name: Set(new.contact_name),
        contact_email: Set(new.contact_email.into_inner()),
        language: Set(new.language),
        space_sqm: Set(new.space_sqm),
        needs_power: Set(new.needs_power),
        status: Set(ExhibitStatus::Submitted),
        booth: Set(None),
        manage_token_hash: Set(token::stored(Kind::Exhibit, id)),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(&txn)
    .await?;
    send(
        &txn,
        ctx,
        &event,
        &exhibit,
        "exhibit_received",
        templates::exhibit_received,
    )
    .await?;
    let done = (event, exhibit);
    let stored = record(&txn, key, &done, done.1.id).await?;
    txn.commit().await?;
    ctx.wake_mailer();
    Ok(Once::New(done, stored))
}

pub struct ExhibitFilter {
    pub statuses: Vec<ExhibitStatus>,
    pub offset: u64,
    pub limit: u64,
}

pub async fn list(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    filter: ExhibitFilter,
) -> ApiResult<(Vec<exhibit::Model>, u64)> {
    let query = exhibit::Entity::find()
        .filter(exhibit::Column::EventId.eq(event_id))
        .filter(exhibit::Column::Status.is_in(filter.statuses));
    let total = query.clone().count(db).await?;
    let items = query
        .order_by_asc(exhibit::Column::CreatedAt)
        .order_by_asc(exhibit::Column::Id)
        .offset(filter.offset)
        .limit(filter.limit)
        .all(db)
        .await?;
    Ok((items, total))
}

async fn find(db: &impl ConnectionTrait, event_id: Uuid, id: Uuid) -> ApiResult<exhibit::Model> {
    exhibit::Entity::find_by_id(id)
        .filter(exhibit::Column::EventId.eq(event_id))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("exhibit"))
}

pub async fn by_token(
    db: &impl ConnectionTrait,
    token: &str,
) -> ApiResult<(event::Model, exhibit::Model)> {
    let exhibit = exhibit::Entity::find()
        .filter(with_token(token))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("exhibit"))?;
    let event = event::Entity::find_by_id(exhibit.event_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("event"))?;
    Ok((event, exhibit))
}

/// Takes one approved place: 409 when `exhibit_capacity` is reached.
async fn take_place(db: &impl ConnectionTrait, event_id: Uuid) -> ApiResult<()> {
    let taken = event::Entity::update_many()
        .col_expr(
            event::Column::ApprovedExhibits,
            Expr::col(event::Column::ApprovedExhibits).add(1),
        )
        .filter(event::Column::Id.eq(event_id))
        .filter(
            Condition::any()
                .add(event::Column::ExhibitCapacity.is_null())
                .add(
                    Expr::col(event::Column::ApprovedExhibits)
                        .lt(Expr::col(event::Column::ExhibitCapacity)),
                ),
        )
        .exec(db)
        .await?;
    if taken.rows_affected == 0 {
        return Err(ApiError::conflict("the exhibit capacity is reached"));
    }
    Ok(())
}

async fn release_place(db: &impl ConnectionTrait, event_id: Uuid) -> ApiResult<()> {
    event::Entity::update_many()
        .col_expr(
            event::Column::ApprovedExhibits,
            Expr::col(event::Column::ApprovedExhibits).sub(1),
        )
        .filter(event::Column::Id.eq(event_id))
        .filter(event::Column::ApprovedExhibits.gt(0))
        .exec(db)
        .await?;
    Ok(())
}

/// Approves, rejects or waitlists an exhibit and gives or takes its booth; mails the contact
/// on each decision (a new booth of an approved exhibit is a decision too).
pub async fn decide(
    ctx: &Ctx,
    event_id: Uuid,
    id: Uuid,
    decision: Decision,
) -> ApiResult<exhibit::Model> {
    let txn = crate::db::begin_write(&ctx.db).await?;
    let event = events::lock_for_change(&txn, event_id).await?;
    if event.status == EventStatus::Cancelled {
        return Err(ApiError::conflict("the event is cancelled"));
    }
    let old = find(&txn, event_id, id).await?;
    if old.status == ExhibitStatus::Withdrawn {
        return Err(ApiError::conflict("the exhibit has been withdrawn"));
    }
    let status = decision.status.unwrap_or(old.status);
    let approved = status == ExhibitStatus::Approved;
    let booth = match decision.booth {
        Some(Some(_)) if !approved => {
            return Err(ApiError::conflict("only an approved exhibit holds a booth"))
        }
        Some(booth) => booth,
        None if approved => old.booth.clone(),
        None => None,
    };
    if let Some(b) = booth
        .as_deref()
        .filter(|b| old.booth.as_deref() != Some(*b))
    {
        let holder = exhibit::Entity::find()
            .filter(exhibit::Column::EventId.eq(event_id))
            .filter(exhibit::Column::Booth.eq(b))
            .filter(exhibit::Column::Id.ne(id))
            .one(&txn)
            .await?;
        if let Some(holder) = holder {
            return Err(ApiError::conflict(format!(
                "booth {b} is taken by exhibit {}",
                holder.id
            )));
        }
    }
    let was_approved = old.status == ExhibitStatus::Approved;
    if approved && !was_approved {
        take_place(&txn, event_id).await?;
    } else if was_approved && !approved {
        release_place(&txn, event_id).await?;
    }
    let changed_status = status != old.status;
    let changed_booth = booth != old.booth;
    let mut active: exhibit::ActiveModel = old.into();
    active.status = Set(status);
    active.booth = Set(booth);
    active.updated_at = Set(now());
    let exhibit = active
        .update(&txn)
        .await
        .map_err(|e| match ApiError::from(e) {
            ApiError::Conflict(_) => ApiError::conflict("the booth is taken"),
            other => other,
        })?;
    let news = match status {
        ExhibitStatus::Approved if changed_status || changed_booth => {
            Some(templates::ExhibitDecision::Approved {
                booth: exhibit.booth.as_deref(),
            })
        }
        ExhibitStatus::Rejected if changed_status => Some(templates::ExhibitDecision::Rejected),
        ExhibitStatus::Waitlisted if changed_status => Some(templates::ExhibitDecision::Waitlisted),
        _ => None,
    };
    if let Some(decision) = news {
        send(
            &txn,
            ctx,
            &event,
            &exhibit,
            "exhibit_decision",
            |lang, m| templates::exhibit_decision(lang, m, decision),
        )
        .await?;
    }
    if changed_status || changed_booth {
        crate::webhooks::enqueue(
            &txn,
            &[crate::webhooks::Change::new(
                crate::webhooks::EventType::ExhibitDecided,
                event.id,
                &event.slug,
                crate::webhooks::Subject::Exhibit(exhibit.id),
            )],
        )
        .await?;
    }
    txn.commit().await?;
    if news.is_some() || changed_status || changed_booth {
        ctx.wake_mailer();
    }
    Ok(exhibit)
}

/// The exhibitor withdraws: the booth and the approved place are freed, the contact mailed.
/// Withdrawing twice changes nothing.
/// Erases an exhibit by its exhibitor's token (GDPR Art. 17): see [`erase`].
pub async fn erase_by_token(ctx: &Ctx, token: &str) -> ApiResult<()> {
    let (_, found) = by_token(&ctx.db, token).await?;
    erase(ctx, found.event_id, found.id).await
}

/// Erases an exhibit and its contact's data: an approved place is given back, the row is
/// deleted, and so are its own mail (queued or sent) and stored idempotent answers. No mail
/// goes out. Other mail to the same address is left alone. An exhibit that is gone is a 404.
pub async fn erase(ctx: &Ctx, event_id: Uuid, id: Uuid) -> ApiResult<()> {
    let txn = crate::db::begin_write(&ctx.db).await?;
    let event = events::lock_for_change(&txn, event_id).await?;
    let old = find(&txn, event.id, id).await?;
    if old.status == ExhibitStatus::Approved {
        release_place(&txn, event.id).await?;
    }
    crate::services::registrations::forget_records(&txn, &[id]).await?;
    // Mail queued before mail named its record: this exhibit's kinds to its address.
    entity::outbox::Entity::delete_many()
        .filter(entity::outbox::Column::RecordId.is_null())
        .filter(entity::outbox::Column::EventId.eq(event.id))
        .filter(entity::outbox::Column::Kind.starts_with("exhibit_"))
        .filter(entity::outbox::Column::Recipient.eq(old.contact_email.clone()))
        .exec(&txn)
        .await?;
    exhibit::Entity::delete_by_id(id).exec(&txn).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn withdraw(
    ctx: &Ctx,
    token: &str,
    key: Option<&Keyed<(event::Model, exhibit::Model)>>,
) -> ApiResult<Once<(event::Model, exhibit::Model)>> {
    let (_, found) = by_token(&ctx.db, token).await?;
    let txn = crate::db::begin_write(&ctx.db).await?;
    let event = events::lock_for_change(&txn, found.event_id).await?;
    if let Some(first) = earlier(&txn, key).await? {
        return Ok(Once::Replayed(first));
    }
    let old = find(&txn, event.id, found.id).await?;
    if old.status == ExhibitStatus::Withdrawn {
        let done = (event, old);
        let stored = record(&txn, key, &done, found.id).await?;
        txn.commit().await?;
        return Ok(Once::New(done, stored));
    }
    if old.status == ExhibitStatus::Approved {
        release_place(&txn, event.id).await?;
    }
    let mut active: exhibit::ActiveModel = old.into();
    active.status = Set(ExhibitStatus::Withdrawn);
    active.booth = Set(None);
    active.updated_at = Set(now());
    let exhibit = active.update(&txn).await?;
    send(
        &txn,
        ctx,
        &event,
        &exhibit,
        "exhibit_withdrawn",
        templates::exhibit_withdrawn,
    )
    .await?;
    let done = (event, exhibit);
    let stored = record(&txn, key, &done, found.id).await?;
    txn.commit().await?;
    ctx.wake_mailer();
    Ok(Once::New(done, stored))
}

async fn send(
    txn: &impl ConnectionTrait,
    ctx: &Ctx,
    event: &event::Model,
    exhibit: &exhibit::Model,
    kind: &'static str,
    render: impl Fn(Language, &templates::ExhibitMail) -> Rendered,
) -> ApiResult<()> {
    let lang = exhibit.language;
    let text = EventText::new(event, lang);
    let url = manage_url(&ctx.public_url, &manage_token(exhibit));
    let m = templates::ExhibitMail {
        name: &exhibit.contact_name,
        exhibit_title: &exhibit.title,
        event: text.info(),
        manage_url: &url,
    };
    let mut content = render(lang, &m);
    // The subject names the event, not the exhibit: the contact's address is unconfirmed, and
    // a title chosen by whoever filled in the form must not head a mail to a stranger.
    let for_subject = templates::ExhibitMail {
        exhibit_title: &event.title,
        ..m
    };
    content.subject = render(lang, &for_subject).subject;
    mail::enqueue(
        txn,
        NewMail {
            kind,
            event_id: Some(event.id),
            recipient: exhibit.contact_email.clone(),
            recipient_name: exhibit.contact_name.clone(),
            language: lang,
            content,
            ics: None,
            record_id: Some(exhibit.id),
        },
    )
    .await?;
    Ok(())
}
