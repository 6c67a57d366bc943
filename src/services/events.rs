//! Events: creation, lookup by id or slug, updates, the life cycle and the next edition.
use chrono::{DateTime, Utc};
use entity::{
    event::{self, EventStatus},
    exhibit, pitch, pitch_slot, registration, stage,
};
use sea_orm::{
    sea_query::{Expr, ExprTrait, Query},
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::domain::event::{EventChanges, MailboxLimits, NewEvent, Schedule};
use crate::domain::{text::slugify, time::now, Slug, Validator};
use crate::error::{ApiError, ApiResult};
pub use crate::services::idempotency::Once;
use crate::services::idempotency::{self, Keyed};
use crate::services::{calendar_entries, notifications, programme, registrations, Ctx};
use crate::webhooks::{self, EventType};

/// Finds an event by its id or its slug.
pub async fn find(
    db: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<event::Model>, sea_orm::DbErr> {
    match Uuid::parse_str(key) {
        Ok(id) => event::Entity::find_by_id(id).one(db).await,
        Err(_) => {
            event::Entity::find()
                .filter(event::Column::Slug.eq(key))
                .one(db)
                .await
        }
    }
}

/// The event, or a 404; drafts exist only for organisers.
pub async fn find_visible(
    db: &impl ConnectionTrait,
    key: &str,
    organiser: bool,
) -> ApiResult<event::Model> {
    match find(db, key).await? {
        Some(event) if organiser || event.status != EventStatus::Draft => Ok(event),
        _ => Err(ApiError::event_not_found(key)),
    }
}

/// 409 unless the event takes proposals (pitches, exhibits) now: never once cancelled, and
/// while a draft only from organisers. `what` names them in the message.
pub fn check_takes_submissions(event: &event::Model, organiser: bool, what: &str) -> ApiResult<()> {
    match event.status {
        EventStatus::Cancelled => Err(ApiError::conflict("the event is cancelled")),
        EventStatus::Draft if !organiser => Err(ApiError::conflict(format!(
            "the event is not open for {what}"
        ))),
        _ => Ok(()),
    }
}

/// Takes the event's row lock for the rest of the transaction and marks the event changed.
///
/// Every transaction that changes the programme or the counts of one event starts here, so
/// they run one after another per event on PostgreSQL and SQLite alike, and the version that
/// ETags and feed caches key on moves with them.
pub async fn lock_for_change(db: &impl ConnectionTrait, event_id: Uuid) -> ApiResult<event::Model> {
    event::Entity::update_many()
        .col_expr(
            event::Column::Version,
            Expr::col(event::Column::Version).add(1),
        )
        .col_expr(event::Column::UpdatedAt, Expr::value(now()))
        .filter(event::Column::Id.eq(event_id))
        .exec(db)
        .await?;
    event::Entity::find_by_id(event_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("event"))
}

/// Takes the event's row lock for the rest of the transaction without marking the event
/// changed: for writes the event's JSON and feeds do not show (a private pitch or exhibit
/// submission, the calendar entries' own bookkeeping), so its ETag, `updated_at` and version
/// stay and nobody learns from them that something arrived (#12).
pub async fn lock_quietly(db: &impl ConnectionTrait, event_id: Uuid) -> ApiResult<event::Model> {
    event::Entity::update_many()
        .col_expr(event::Column::Version, Expr::col(event::Column::Version))
        .filter(event::Column::Id.eq(event_id))
        .exec(db)
        .await?;
    event::Entity::find_by_id(event_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("event"))
}

async fn unique_slug(db: &impl ConnectionTrait, base: &str) -> Result<String, sea_orm::DbErr> {
    let mut candidate = base.to_owned();
    for n in 2.. {
        if find(db, &candidate).await?.is_none() {
            break;
        }
        candidate = format!("{base}-{n}");
    }
    Ok(candidate)
}

pub async fn create(db: &impl ConnectionTrait, new: NewEvent) -> ApiResult<event::Model> {
    let slug = match new.slug {
        Some(slug) => {
            if find(db, &slug).await?.is_some() {
                return Err(ApiError::conflict(format!("the slug '{slug}' is taken")));
            }
            slug
        }
        None => unique_slug(db, &slugify(&new.title)).await?,
    };
    let at = now();
    let model = event::ActiveModel {
        id: Set(Uuid::now_v7()),
        slug: Set(slug),
        title: Set(new.title),
        description: Set(new.description),
        venue: Set(new.venue),
        address: Set(new.address),
        timezone: Set(new.timezone.name().to_owned()),
        starts_at: Set(new.starts_at),
        ends_at: Set(new.ends_at),
        capacity: Set(new.capacity),
        waitlist: Set(new.waitlist),
        registration_opens_at: Set(new.registration_opens_at),
        registration_closes_at: Set(new.registration_closes_at),
        require_email_confirmation: Set(new.require_email_confirmation),
        mailbox_registrations_max: Set(new.limits.registrations_max),
        mailbox_holds_max: Set(new.limits.holds_max),
        hold_hours: Set(new.limits.hold_hours),
        exhibit_capacity: Set(new.exhibit_capacity),
        series: Set(new.series),
        organiser_name: Set(new.organiser_name),
        organiser_email: Set(new.organiser_email),
        status: Set(EventStatus::Draft),
        confirmed_count: Set(0),
        pending_count: Set(0),
        waitlisted_count: Set(0),
        waitlist_seq: Set(0),
        approved_exhibits: Set(0),
        registrations_total: Set(0),
        sequence: Set(0),
        version: Set(1),
        created_at: Set(at),
        updated_at: Set(at),
    };
    Ok(model.insert(db).await?)
}

/// [`create`], with the organisation's name and contact, else the sender (`MAIL_FROM`), as the
/// organiser when the new event names none: mails must say who they are from. The API's `POST
/// /events` and the backoffice's form both create through here.
///
/// With a `key` (the backoffice form's one-time key) the event is made at most once for it: a
/// form sent twice (a double click, a reload) answers what the first made
/// ([`Once::Replayed`]); the key is judged and stored in the creation's transaction, so two at
/// once make one event (the second waits for the first's key, or fails on it and replays).
pub async fn create_as_sender(
    ctx: &Ctx,
    new: NewEvent,
    key: Option<&Keyed<event::Model>>,
) -> ApiResult<Once<event::Model>> {
    let new = with_sender(ctx, new).await?;
    let txn = crate::db::begin_write(&ctx.db).await?;
    let made = async {
        if let Some(first) = idempotency::earlier(&txn, key).await? {
            return Ok(Once::Replayed(first));
        }
        let event = create(&txn, new).await?;
        let answer = idempotency::record(&txn, key, &event, event.id).await?;
        Ok(Once::New(event, answer))
    }
    .await;
    once_committed(ctx, txn, made, key).await
}

/// Commits a keyed write's transaction; should it have failed while a concurrent write with
/// the same key committed first, that one's answer.
async fn once_committed(
    ctx: &Ctx,
    txn: sea_orm::DatabaseTransaction,
    made: ApiResult<Once<event::Model>>,
    key: Option<&Keyed<event::Model>>,
) -> ApiResult<Once<event::Model>> {
    let failed = match made {
        Ok(Once::New(event, answer)) => match txn.commit().await {
            Ok(()) => return Ok(Once::New(event, answer)),
            Err(error) => ApiError::from(error),
        },
        Ok(replayed) => return Ok(replayed),
        Err(error) => {
            drop(txn);
            error
        }
    };
    if let Some(key) = key {
        if let Some(first) = key.earlier(&ctx.db).await? {
            return Ok(Once::Replayed(first));
        }
    }
    Err(failed)
}

/// The new event's organiser name and address where it names none: the organisation's, else
/// the sender's.
async fn with_sender(ctx: &Ctx, mut new: NewEvent) -> ApiResult<NewEvent> {
    // The organisation's own name and address first (issue 28), then the sender's.
    let organisation = crate::services::organisation::load(&ctx.db).await?;
    if new.organiser_email.is_empty() {
        if let Some(contact) = &organisation.contact {
            new.organiser_email.clone_from(contact);
        }
    }
    if new.organiser_name.is_empty() {
        if let Some(name) = &organisation.name {
            new.organiser_name.clone_from(name);
        }
    }
    if new.organiser_email.is_empty() {
        if let Some((name, email)) = crate::services::ics::mailbox_parts(&ctx.settings.sender()) {
            if new.organiser_name.is_empty() {
                new.organiser_name = name;
            }
            new.organiser_email = email;
        }
    }
    Ok(new)
}

/// Applies a partial update in one transaction on the locked row. The answers come in this
/// order: values that do not fit together or with the row (422), then `precondition` on the row
/// as it was (the route's `If-Match`: 412), then conflicts (409: a slug in use, capacity below
/// the seats taken or the approved exhibits). A new time or place bumps the calendar SEQUENCE
/// (RFC 5545 §3.8.7.4); more capacity promotes the waitlist, whose mail is woken after commit.
pub async fn update(
    ctx: &Ctx,
    event_id: Uuid,
    changes: EventChanges,
    precondition: impl FnOnce(&event::Model) -> ApiResult<()>,
) -> ApiResult<event::Model> {
    let txn = crate::db::begin_write(&ctx.db).await?;
    let locked = lock_for_change(&txn, event_id).await?;
    let before = event::Model {
        version: locked.version - 1,
        ..locked.clone()
    };
    let mut conflict: Option<ApiError> = None;
    let mut v = Validator::new();
    let mut active: event::ActiveModel = locked.clone().into();
    let mut moved = false;
    if let Some(title) = changes.title {
        active.title = Set(title);
    }
    if let Some(slug) = changes.slug {
        if slug.as_str() != locked.slug && find(&txn, slug.as_str()).await?.is_some() {
            conflict = Some(ApiError::conflict(format!("the slug '{slug}' is taken")));
        }
        active.slug = Set(slug.into_inner());
    }
    if let Some(description) = changes.description {
        active.description = Set(description);
    }
    if let Some(venue) = changes.venue {
        moved |= venue != locked.venue;
        active.venue = Set(venue);
    }
    if let Some(address) = changes.address {
        moved |= address != locked.address;
        active.address = Set(address);
    }
    if let Some(tz) = changes.timezone {
        moved |= tz.name() != locked.timezone;
        active.timezone = Set(tz.name().to_owned());
    }
    let schedule = Schedule {
        starts_at: changes.starts_at.unwrap_or(locked.starts_at),
        ends_at: changes.ends_at.unwrap_or(locked.ends_at),
        registration_opens_at: changes
            .registration_opens_at
            .unwrap_or(locked.registration_opens_at),
        registration_closes_at: changes
            .registration_closes_at
            .unwrap_or(locked.registration_closes_at),
    };
    schedule.check(&mut v);
    moved |= schedule.starts_at != locked.starts_at || schedule.ends_at != locked.ends_at;
    active.starts_at = Set(schedule.starts_at);
    active.ends_at = Set(schedule.ends_at);
    active.registration_opens_at = Set(schedule.registration_opens_at);
    active.registration_closes_at = Set(schedule.registration_closes_at);
    let mut capacity_grew = false;
    if let Some(capacity) = changes.capacity {
        let taken = locked.confirmed_count + locked.pending_count;
        if capacity < taken {
            conflict = Some(ApiError::conflict(format!(
                "capacity {capacity} is below the {taken} seats already taken"
            )));
        }
        capacity_grew = capacity > locked.capacity;
        active.capacity = Set(capacity);
    }
    if let Some(waitlist) = changes.waitlist {
        active.waitlist = Set(waitlist);
    }
    if let Some(confirm) = changes.require_email_confirmation {
        active.require_email_confirmation = Set(confirm);
    }
    let limits = changes.limits.apply(MailboxLimits {
        registrations_max: locked.mailbox_registrations_max,
        holds_max: locked.mailbox_holds_max,
        hold_hours: locked.hold_hours,
    });
    active.mailbox_registrations_max = Set(limits.registrations_max);
    active.mailbox_holds_max = Set(limits.holds_max);
    active.hold_hours = Set(limits.hold_hours);
    if let Some(exhibit_capacity) = changes.exhibit_capacity {
        if let Some(c) = exhibit_capacity {
            if c < locked.approved_exhibits {
                conflict = Some(ApiError::conflict(format!(
                    "exhibit_capacity {c} is below the {} approved exhibits",
                    locked.approved_exhibits
                )));
            }
        }
        active.exhibit_capacity = Set(exhibit_capacity);
    }
    if let Some(series) = changes.series {
        active.series = Set(series.map(Slug::into_inner));
    }
    if let Some(name) = changes.organiser_name {
        active.organiser_name = Set(name);
    }
    if let Some(email) = changes.organiser_email {
        active.organiser_email = Set(email.into_inner());
    }
    v.finish()?;
    precondition(&before)?;
    if let Some(conflict) = conflict {
        return Err(conflict);
    }
    if moved {
        active.sequence = Set(locked.sequence + 1);
    }
    let mut updated = active.update(&txn).await?;
    // Time, place, title or organiser shown in the calendars: new SEQUENCE where they changed.
    calendar_entries::sync(&txn, updated.id).await?;
    if capacity_grew {
        registrations::promote_waitlisted(&txn, &ctx.public_url, updated.id).await?;
        updated = find_visible(&txn, &updated.id.to_string(), true).await?;
    }
    txn.commit().await?;
    if capacity_grew {
        ctx.wake_mailer();
    }
    Ok(updated)
}

/// Gives every event without an organiser contact the sender's (`MAIL_FROM`, as
/// `(name, address)`), so each mail and calendar entry names who it is from. Run at start.
pub async fn adopt_sender_as_organiser(
    db: &impl ConnectionTrait,
    sender: (String, String),
) -> Result<u64, sea_orm::DbErr> {
    let (name, email) = sender;
    let named = event::Entity::update_many()
        .col_expr(event::Column::OrganiserName, Expr::value(name))
        .filter(event::Column::OrganiserEmail.eq(""))
        .filter(event::Column::OrganiserName.eq(""))
        .exec(db)
        .await?;
    let addressed = event::Entity::update_many()
        .col_expr(event::Column::OrganiserEmail, Expr::value(email))
        .filter(event::Column::OrganiserEmail.eq(""))
        .exec(db)
        .await?;
    Ok(std::cmp::max(named.rows_affected, addressed.rows_affected))
}

/// Filters for the event list.
pub struct EventFilter {
    pub statuses: Vec<EventStatus>,
    pub series: Option<String>,
    /// Only these events (a member limited to some events); `None`: all.
    pub only: Option<Vec<Uuid>>,
    pub offset: u64,
    pub limit: u64,
}

pub async fn list(
    db: &impl ConnectionTrait,
    filter: EventFilter,
) -> ApiResult<(Vec<event::Model>, u64)> {
    let mut query = event::Entity::find().filter(event::Column::Status.is_in(filter.statuses));
    if let Some(series) = filter.series {
        query = query.filter(event::Column::Series.eq(series));
    }
    if let Some(only) = filter.only {
        query = query.filter(event::Column::Id.is_in(only));
    }
    let total = query.clone().count(db).await?;
    let items = query
        .order_by_asc(event::Column::StartsAt)
        .order_by_asc(event::Column::Id)
        .offset(filter.offset)
        .limit(filter.limit)
        .all(db)
        .await?;
    Ok((items, total))
}

/// Moves an event from draft to published.
pub async fn publish(db: &DatabaseConnection, event_id: Uuid) -> ApiResult<event::Model> {
    let txn = crate::db::begin_write(db).await?;
    let event = lock_for_change(&txn, event_id).await?;
    match event.status {
        EventStatus::Published => {}
        EventStatus::Cancelled => {
            return Err(ApiError::conflict("a cancelled event cannot be published"));
        }
        EventStatus::Draft => {
            let (id, slug) = (event.id, event.slug.clone());
            let mut active: event::ActiveModel = event.into();
            active.status = Set(EventStatus::Published);
            active.update(&txn).await?;
            report(&txn, EventType::EventPublished, id, &slug).await?;
        }
    }
    let event = lock_for_change(&txn, event_id).await?;
    txn.commit().await?;
    Ok(event)
}

/// Queues the webhook deliveries of a change to the event itself, in `txn`.
async fn report(
    txn: &impl ConnectionTrait,
    kind: EventType,
    event_id: Uuid,
    slug: &str,
) -> ApiResult<()> {
    webhooks::enqueue(
        txn,
        &[webhooks::Change::new(
            kind,
            event_id,
            slug,
            webhooks::Subject::Event,
        )],
    )
    .await?;
    Ok(())
}

/// Sets an event's status to cancelled, bumping its iCalendar sequence.
/// [`cancel`] sends the mails in the same transaction.
async fn mark_cancelled(
    txn: &impl ConnectionTrait,
    event: event::Model,
) -> ApiResult<event::Model> {
    let sequence = event.sequence + 1;
    let mut active: event::ActiveModel = event.into();
    active.status = Set(EventStatus::Cancelled);
    active.sequence = Set(sequence);
    Ok(active.update(txn).await?)
}

/// Cancels an event in one transaction: its slots are released, every active attendee,
/// presenter and exhibitor gets a mail (with an iTIP CANCEL, RFC 5546), and the feeds show it
/// cancelled. Cancelling a cancelled event changes nothing and answers it as it is. A draft
/// is refused (409): nobody outside the team has seen it, and a cancelled event is public (its
/// page says it was cancelled), so cancelling would publish what was never announced.
pub async fn cancel(ctx: &Ctx, event_id: Uuid) -> ApiResult<event::Model> {
    let txn = crate::db::begin_write(&ctx.db).await?;
    let locked = lock_for_change(&txn, event_id).await?;
    if locked.status == EventStatus::Draft {
        return Err(ApiError::conflict(
            "a draft cannot be cancelled: it was never published, so nobody is told; \
             leave it unpublished",
        ));
    }
    let event = if locked.status == EventStatus::Cancelled {
        locked
    } else {
        let event = mark_cancelled(&txn, locked).await?;
        programme::release_on_cancel(&txn, event.id).await?;
        notifications::event_cancelled(&txn, ctx, &event).await?;
        report(&txn, EventType::EventCancelled, event.id, &event.slug).await?;
        event
    };
    txn.commit().await?;
    ctx.wake_mailer();
    Ok(event)
}

/// Who [`cancel`] would mail now (`notifications::event_cancelled` mails the same people):
/// active registrations (confirmed, pending, waitlisted), presenters of pitches still in play
/// (submitted, accepted) and contacts of exhibits still in play (submitted, approved,
/// waitlisted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CancelAudience {
    pub attendees: u64,
    pub presenters: u64,
    pub exhibitors: u64,
}

impl CancelAudience {
    /// Mails a cancellation sends: one per person counted.
    pub fn total(&self) -> u64 {
        self.attendees + self.presenters + self.exhibitors
    }
}

/// Counts the [`CancelAudience`] of the event (three counts), for the confirmation before
/// cancelling.
pub async fn cancel_audience(
    db: &impl ConnectionTrait,
    event_id: Uuid,
) -> ApiResult<CancelAudience> {
    use entity::{exhibit::ExhibitStatus, pitch::PitchStatus, registration::RegistrationStatus};
    let attendees = registration::Entity::find()
        .filter(registration::Column::EventId.eq(event_id))
        .filter(registration::Column::Status.is_in([
            RegistrationStatus::Confirmed,
            RegistrationStatus::Pending,
            RegistrationStatus::Waitlisted,
        ]))
        .count(db)
        .await?;
    let presenters = pitch::Entity::find()
        .filter(pitch::Column::EventId.eq(event_id))
        .filter(pitch::Column::Status.is_in([PitchStatus::Submitted, PitchStatus::Accepted]))
        .count(db)
        .await?;
    let exhibitors = exhibit::Entity::find()
        .filter(exhibit::Column::EventId.eq(event_id))
        .filter(exhibit::Column::Status.is_in([
            ExhibitStatus::Submitted,
            ExhibitStatus::Approved,
            ExhibitStatus::Waitlisted,
        ]))
        .count(db)
        .await?;
    Ok(CancelAudience {
        attendees,
        presenters,
        exhibitors,
    })
}

/// The next edition of an annual event: stages, the slot layout and the registration
/// questions, every time moved by [`EditionShift`] in the event's zone; no people.
pub struct NextEdition {
    pub starts_at: DateTime<Utc>,
    pub slug: Option<Slug>,
    pub title: Option<String>,
}

/// Copies `source` as a draft starting at `next.starts_at`: its settings, stages, pitch
/// slots (unassigned) and registration questions (new ids, no answers). Every instant keeps
/// its local time and its day offset from the start in the event's zone ([`EditionShift`]:
/// DST-correct, RFC 5545's rules for times that occur twice or not at all). Errors: 422
/// `starts_at` when a moved time leaves [`crate::domain::time::YEARS`], 409 when the slug
/// is taken.
pub async fn clone_edition(
    ctx: &Ctx,
    source: event::Model,
    next: NextEdition,
    key: Option<&Keyed<event::Model>>,
) -> ApiResult<Once<event::Model>> {
    let txn = crate::db::begin_write(&ctx.db).await?;
    let made = async {
        if let Some(first) = idempotency::earlier(&txn, key).await? {
            return Ok(Once::Replayed(first));
        }
        let event = clone_in(&txn, source, next).await?;
        let answer = idempotency::record(&txn, key, &event, event.id).await?;
        Ok(Once::New(event, answer))
    }
    .await;
    once_committed(ctx, txn, made, key).await
}

/// [`clone_edition`]'s work in the caller's transaction.
async fn clone_in(
    txn: &sea_orm::DatabaseTransaction,
    source: event::Model,
    next: NextEdition,
) -> ApiResult<event::Model> {
    use crate::domain::time::{check_year, EditionShift};
    let zone = source
        .timezone
        .parse::<chrono_tz::Tz>()
        .unwrap_or(chrono_tz::UTC);
    let edition = EditionShift::new(zone, source.starts_at, next.starts_at);
    let out_of_range = || {
        ApiError::validation(vec![crate::error::FieldError::new(
            "starts_at",
            "moves the event's times out of the dates podium keeps",
        )])
    };
    // Every moved time is checked before anything is written.
    let shifted = |t: DateTime<Utc>| -> ApiResult<DateTime<Utc>> {
        let moved = edition.map(t).ok_or_else(out_of_range)?;
        check_year("starts_at", moved).map_err(|e| ApiError::validation(vec![e]))
    };
    let ends_at = shifted(source.ends_at)?;
    let registration_opens_at = source.registration_opens_at.map(shifted).transpose()?;
    let registration_closes_at = source.registration_closes_at.map(shifted).transpose()?;
    let title = next
        .title
        .unwrap_or_else(|| next_title(&source.title, zone, &source.starts_at, &next.starts_at));
    let slug = match next.slug {
        Some(slug) => {
            if find(txn, slug.as_str()).await?.is_some() {
                return Err(ApiError::conflict(format!("the slug '{slug}' is taken")));
            }
            slug.into_inner()
        }
        None => unique_slug(txn, &slugify(&title)).await?,
    };
    let series = match &source.series {
        Some(series) => series.clone(),
        None => {
            // The first clone makes the source the first edition of a series named after it.
            event::Entity::update_many()
                .col_expr(event::Column::Series, Expr::value(source.slug.clone()))
                .filter(event::Column::Id.eq(source.id))
                .exec(txn)
                .await?;
            source.slug.clone()
        }
    };
    let at = now();
    let new_id = Uuid::now_v7();
    event::ActiveModel {
        id: Set(new_id),
        slug: Set(slug),
        title: Set(title),
        description: Set(source.description.clone()),
        venue: Set(source.venue.clone()),
        address: Set(source.address.clone()),
        timezone: Set(source.timezone.clone()),
        // The start is the instant asked for, also the second 02:30 of a fall-back night.
        starts_at: Set(next.starts_at),
        ends_at: Set(ends_at),
        capacity: Set(source.capacity),
        waitlist: Set(source.waitlist),
        registration_opens_at: Set(registration_opens_at),
        registration_closes_at: Set(registration_closes_at),
        require_email_confirmation: Set(source.require_email_confirmation),
        mailbox_registrations_max: Set(source.mailbox_registrations_max),
        mailbox_holds_max: Set(source.mailbox_holds_max),
        hold_hours: Set(source.hold_hours),
        exhibit_capacity: Set(source.exhibit_capacity),
        series: Set(Some(series)),
        organiser_name: Set(source.organiser_name.clone()),
        organiser_email: Set(source.organiser_email.clone()),
        status: Set(EventStatus::Draft),
        confirmed_count: Set(0),
        pending_count: Set(0),
        waitlisted_count: Set(0),
        waitlist_seq: Set(0),
        approved_exhibits: Set(0),
        registrations_total: Set(0),
        sequence: Set(0),
        version: Set(1),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(txn)
    .await?;

    let stages = stage::Entity::find()
        .filter(stage::Column::EventId.eq(source.id))
        .all(txn)
        .await?;
    let slots = pitch_slot::Entity::find()
        .filter(pitch_slot::Column::EventId.eq(source.id))
        .all(txn)
        .await?;
    for old_stage in stages {
        let new_stage_id = Uuid::now_v7();
        stage::ActiveModel {
            id: Set(new_stage_id),
            event_id: Set(new_id),
            name: Set(old_stage.name.clone()),
            description: Set(old_stage.description.clone()),
            position: Set(old_stage.position),
            created_at: Set(at),
        }
        .insert(txn)
        .await?;
        for slot in slots.iter().filter(|s| s.stage_id == old_stage.id) {
            pitch_slot::ActiveModel {
                id: Set(Uuid::now_v7()),
                event_id: Set(new_id),
                stage_id: Set(new_stage_id),
                starts_at: Set(shifted(slot.starts_at)?),
                ends_at: Set(shifted(slot.ends_at)?),
                pitch_id: Set(None),
                sequence: Set(0),
                created_at: Set(at),
                updated_at: Set(at),
            }
            .insert(txn)
            .await?;
        }
    }
    crate::services::questions::copy_to(txn, source.id, new_id).await?;
    let created = event::Entity::find_by_id(new_id)
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::not_found("event"))?;
    Ok(created)
}

/// "Jahrestagung 2026" starting in 2027 (local years in the event's zone) becomes
/// "Jahrestagung 2027".
fn next_title(
    title: &str,
    zone: chrono_tz::Tz,
    old: &DateTime<Utc>,
    new: &DateTime<Utc>,
) -> String {
    use chrono::Datelike;
    let year = |t: &DateTime<Utc>| t.with_timezone(&zone).year().to_string();
    let (old_year, new_year) = (year(old), year(new));
    if old_year != new_year && title.contains(&old_year) {
        title.replace(&old_year, &new_year)
    } else {
        title.to_owned()
    }
}

#[derive(Debug, FromQueryResult)]
struct GroupCount {
    key: Option<String>,
    n: i64,
}

async fn count_by(
    db: &impl ConnectionTrait,
    table: &str,
    column: &str,
    event_id: Uuid,
) -> ApiResult<Vec<(String, i64)>> {
    let query = Query::select()
        .expr_as(
            Expr::col(sea_orm::sea_query::Alias::new(column)),
            sea_orm::sea_query::Alias::new("key"),
        )
        .expr_as(Expr::cust("COUNT(*)"), sea_orm::sea_query::Alias::new("n"))
        .from(sea_orm::sea_query::Alias::new(table))
        .and_where(Expr::col(sea_orm::sea_query::Alias::new("event_id")).eq(event_id))
        .group_by_col(sea_orm::sea_query::Alias::new(column))
        .to_owned();
    let rows = GroupCount::find_by_statement(db.get_database_backend().build(&query))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.key.unwrap_or_default(), r.n))
        .collect())
}

/// Counts of one event: registrations by status, sector and check-in; pitches and exhibits by status.
pub struct EventStats {
    pub registrations_by_status: Vec<(String, i64)>,
    pub active_by_sector: Vec<(String, i64)>,
    pub checked_in: i64,
    pub pitches_by_status: Vec<(String, i64)>,
    pub exhibits_by_status: Vec<(String, i64)>,
    pub slots_total: i64,
    pub slots_assigned: i64,
}

pub async fn stats(db: &impl ConnectionTrait, event_id: Uuid) -> ApiResult<EventStats> {
    let active = [
        registration::RegistrationStatus::Confirmed,
        registration::RegistrationStatus::Pending,
        registration::RegistrationStatus::Waitlisted,
    ];
    let sector_rows = registration::Entity::find()
        .select_only()
        .column_as(registration::Column::Sector, "key")
        .column_as(Expr::cust("COUNT(*)"), "n")
        .filter(registration::Column::EventId.eq(event_id))
        .filter(registration::Column::Status.is_in(active))
        .group_by(registration::Column::Sector)
        .into_model::<GroupCount>()
        .all(db)
        .await?;
    // Confirmed registrations that are checked in, so the count agrees with the confirmed
    // ones shown: a check-in of a registration since cancelled (or erased: its seat freed,
    // it counts as cancelled) is no one at the event any more, and a person who cancelled
    // and registered again is one.
    let checked_in = registration::Entity::find()
        .filter(registration::Column::EventId.eq(event_id))
        .filter(registration::Column::Status.eq(registration::RegistrationStatus::Confirmed))
        .filter(registration::Column::CheckedInAt.is_not_null())
        .count(db)
        .await? as i64;
    let slots_total = pitch_slot::Entity::find()
        .filter(pitch_slot::Column::EventId.eq(event_id))
        .count(db)
        .await? as i64;
    let slots_assigned = pitch_slot::Entity::find()
        .filter(pitch_slot::Column::EventId.eq(event_id))
        .filter(pitch_slot::Column::PitchId.is_not_null())
        .count(db)
        .await? as i64;
    // Keep the entity modules referenced so the table names below stay in sync with them.
    let _ = (pitch::Entity, exhibit::Entity);
    Ok(EventStats {
        registrations_by_status: count_by(db, "registrations", "status", event_id).await?,
        active_by_sector: sector_rows
            .into_iter()
            .map(|r| (r.key.unwrap_or_default(), r.n))
            .collect(),
        checked_in,
        pitches_by_status: count_by(db, "pitches", "status", event_id).await?,
        exhibits_by_status: count_by(db, "exhibits", "status", event_id).await?,
        slots_total,
        slots_assigned,
    })
}
