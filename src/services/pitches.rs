//! Pitches: proposals, the organisers' review, the presenter's withdrawal, and every mail a
//! pitch's presenter receives (including the slot mails with their calendar entry).
use entity::{
    event,
    pitch::{self, PitchStatus},
    pitch_slot,
    registration::Language,
    stage,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::calendar::Method;
use crate::domain::{
    time::now,
    token::{self, Kind},
    EmailAddress,
};
use crate::error::{ApiError, ApiResult};
use crate::mail::{self, templates, Attachment, NewMail, Rendered};
use crate::services::idempotency::{earlier, record, Keyed, Once};
use crate::services::Ctx;
use crate::services::{calendar_entries, events, ics, notifications::EventText, pitch_slots};
use crate::webhooks::{self, EventType};

pub const TITLE_MAX: usize = 200;
pub const ABSTRACT_MAX: usize = 5000;
pub const ORGANISATION_MAX: usize = 200;
pub const NAME_MAX: usize = 200;
pub const DURATION_MAX: i32 = 240;

/// A validated proposal.
#[derive(Debug, Clone)]
pub struct NewPitch {
    pub title: String,
    pub r#abstract: String,
    pub organisation: String,
    pub presenter_name: String,
    pub presenter_email: EmailAddress,
    pub language: Language,
    pub duration_minutes: i32,
}

/// Validated changes by an organiser; `None` keeps the value.
#[derive(Debug, Clone, Default)]
pub struct PitchChanges {
    /// `Accepted` or `Rejected`.
    pub status: Option<PitchStatus>,
    pub title: Option<String>,
    pub r#abstract: Option<String>,
    pub organisation: Option<String>,
    pub presenter_name: Option<String>,
    pub presenter_email: Option<EmailAddress>,
    pub language: Option<Language>,
    pub duration_minutes: Option<i32>,
}

/// A pitch with the slot it holds, if any.
#[derive(Debug, Clone)]
pub struct PitchView {
    pub pitch: pitch::Model,
    pub slot: Option<(pitch_slot::Model, stage::Model)>,
}

pub fn status_name(status: PitchStatus) -> &'static str {
    match status {
        PitchStatus::Submitted => "submitted",
        PitchStatus::Accepted => "accepted",
        PitchStatus::Rejected => "rejected",
        PitchStatus::Withdrawn => "withdrawn",
    }
}

/// The presenter's page (`crate::pages`), where their mails link.
pub fn manage_url(public_url: &str, token: &str) -> String {
    format!("{public_url}/pitches/{token}")
}

/// The same record as JSON (`GET /api/v1/pitches/{token}`).
pub fn api_url(public_url: &str, token: &str) -> String {
    format!("{public_url}/api/v1/pitches/{token}")
}

/// The presenter's manage token (derived, never stored: see `domain::token`).
pub fn manage_token(pitch: &pitch::Model) -> String {
    token::derive(Kind::Pitch, pitch.id)
}

/// The pitch a manage token opens: a derived token by its id, an older one by its hash.
pub fn with_token(token: &str) -> sea_orm::Condition {
    let mut any =
        sea_orm::Condition::any().add(pitch::Column::ManageTokenHash.eq(token::hash(token)));
    if let Some(id) = token::verify(Kind::Pitch, token) {
        any = any.add(pitch::Column::Id.eq(id));
    }
    any
}

/// Public proposals (pitches and exhibits together) naming one mailbox, per event, within
/// [`SUBMISSION_WINDOW_HOURS`]: each one mails that address, so the forms cannot be used to
/// flood a stranger's inbox.
pub const SUBMISSIONS_PER_MAILBOX: u64 = 5;
pub const SUBMISSION_WINDOW_HOURS: i64 = 24;

/// 429 when `mailbox` already named [`SUBMISSIONS_PER_MAILBOX`] public pitches and exhibits of
/// the event within the window. Runs under the event's lock.
pub async fn check_mailbox_submissions(
    txn: &impl ConnectionTrait,
    event_id: Uuid,
    mailbox: &str,
) -> ApiResult<()> {
    use entity::exhibit;
    let since = now() - chrono::Duration::hours(SUBMISSION_WINDOW_HOURS);
    let pitches = pitch::Entity::find()
        .filter(pitch::Column::EventId.eq(event_id))
        .filter(pitch::Column::PresenterEmailLower.eq(mailbox))
        .filter(pitch::Column::CreatedAt.gt(since))
        .count(txn)
        .await?;
    let exhibits = exhibit::Entity::find()
        .filter(exhibit::Column::EventId.eq(event_id))
        .filter(exhibit::Column::ContactMailbox.eq(mailbox))
        .filter(exhibit::Column::CreatedAt.gt(since))
        .count(txn)
        .await?;
    if pitches + exhibits >= SUBMISSIONS_PER_MAILBOX {
        return Err(ApiError::TooManyRequests {
            retry_after: u64::try_from(SUBMISSION_WINDOW_HOURS * 3600).unwrap_or(86_400),
        });
    }
    Ok(())
}

/// Records a proposal and mails its receipt. Public callers only reach published events;
/// organisers may also propose on drafts. A cancelled event takes no proposals.
pub async fn create(
    ctx: &Ctx,
    event_id: Uuid,
    organiser: bool,
    new: NewPitch,
    key: Option<&Keyed<(event::Model, pitch::Model)>>,
) -> ApiResult<Once<(event::Model, pitch::Model)>> {
    let txn = crate::db::begin_write(&ctx.db).await?;
    let event = events::lock_quietly(&txn, event_id).await?;
    // Under the event's lock: a repeat that committed first is seen, a concurrent one waits.
    if let Some(first) = earlier(&txn, key).await? {
        return Ok(Once::Replayed(first));
    }
    events::check_takes_submissions(&event, organiser, "proposals")?;
    let mailbox = new.presenter_email.mailbox();
    if !organiser {
        check_mailbox_submissions(&txn, event.id, &mailbox).await?;
    }
    let at = now();
    let id = Uuid::now_v7();
    let pitch = pitch::ActiveModel {
        id: Set(id),
        event_id: Set(event.id),
        title: Set(new.title),
        r#abstract: Set(new.r#abstract),
        organisation: Set(new.organisation),
        presenter_name: Set(new.presenter_name),
        presenter_email_lower: Set(mailbox),
        presenter_email: Set(new.presenter_email.into_inner()),
        language: Set(new.language),
        duration_minutes: Set(new.duration_minutes),
        status: Set(PitchStatus::Submitted),
        sequence: Set(0),
        manage_token_hash: Set(token::stored(Kind::Pitch, id)),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(&txn)
    .await?;
    send(
        &txn,
        ctx,
        &event,
        &pitch,
        "pitch_received",
        templates::pitch_received,
        None,
    )
    .await?;
    webhooks::enqueue(
        &txn,
        &[webhooks::Change::new(
            EventType::PitchSubmitted,
            event.id,
            &event.slug,
            webhooks::Subject::Pitch(pitch.id),
        )],
    )
    .await?;
    let done = (event, pitch);
    let stored = record(&txn, key, &done, done.1.id).await?;
    txn.commit().await?;
    ctx.wake_mailer();
    Ok(Once::New(done, stored))
}

/// Filters for the organisers' list.
pub struct PitchFilter {
    pub status: Option<PitchStatus>,
    pub offset: u64,
    pub limit: u64,
}

/// A page of an event's pitches, oldest first, with their slots (a fixed number of queries).
pub async fn list(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    filter: PitchFilter,
) -> ApiResult<(Vec<PitchView>, u64)> {
    let mut query = pitch::Entity::find().filter(pitch::Column::EventId.eq(event_id));
    if let Some(status) = filter.status {
        query = query.filter(pitch::Column::Status.eq(status));
    }
    let total = query.clone().count(db).await?;
    let pitches = query
        .order_by_asc(pitch::Column::CreatedAt)
        .order_by_asc(pitch::Column::Id)
        .offset(filter.offset)
        .limit(filter.limit)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = pitches.iter().map(|p| p.id).collect();
    let slots = if ids.is_empty() {
        Vec::new()
    } else {
        pitch_slot::Entity::find()
            .filter(pitch_slot::Column::PitchId.is_in(ids))
            .all(db)
            .await?
    };
    let stages = if slots.is_empty() {
        Vec::new()
    } else {
        stage::Entity::find()
            .filter(stage::Column::EventId.eq(event_id))
            .all(db)
            .await?
    };
    let views = pitches
        .into_iter()
        .map(|pitch| {
            let slot = slots
                .iter()
                .find(|s| s.pitch_id == Some(pitch.id))
                .and_then(|s| {
                    stages
                        .iter()
                        .find(|st| st.id == s.stage_id)
                        .map(|st| (s.clone(), st.clone()))
                });
            PitchView { pitch, slot }
        })
        .collect();
    Ok((views, total))
}

async fn with_slot(db: &impl ConnectionTrait, pitch: pitch::Model) -> ApiResult<PitchView> {
    let slot = match pitch_slots::slot_of_pitch(db, pitch.id).await? {
        Some(slot) => stage::Entity::find_by_id(slot.stage_id)
            .one(db)
            .await?
            .map(|stage| (slot, stage)),
        None => None,
    };
    Ok(PitchView { pitch, slot })
}

pub async fn get(db: &impl ConnectionTrait, event_id: Uuid, id: Uuid) -> ApiResult<PitchView> {
    let pitch = find(db, event_id, id).await?;
    with_slot(db, pitch).await
}

async fn find(db: &impl ConnectionTrait, event_id: Uuid, id: Uuid) -> ApiResult<pitch::Model> {
    pitch::Entity::find_by_id(id)
        .filter(pitch::Column::EventId.eq(event_id))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("pitch"))
}

/// The presenter's own pitch and its event, with the slot the last release gives it (not the
/// draft's); an unknown token is a 404.
pub async fn by_token(
    db: &impl ConnectionTrait,
    token: &str,
) -> ApiResult<(event::Model, PitchView)> {
    let pitch = pitch::Entity::find()
        .filter(with_token(token))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("pitch"))?;
    let event = event::Entity::find_by_id(pitch.event_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("event"))?;
    let programme = crate::services::programme::load(db, event.id).await?;
    let slot = programme
        .slots
        .iter()
        .find(|s| s.pitch_id == Some(pitch.id))
        .and_then(|s| {
            programme
                .stage(s.stage_id)
                .map(|st| (s.clone(), st.clone()))
        });
    Ok((event, PitchView { pitch, slot }))
}

/// Applies an organiser's review and edits.
///
/// Rejecting an assigned pitch frees its slot (the rejection mail carries the calendar
/// cancellation). Edits of an assigned pitch keep the rules: a longer duration must still fit
/// the slot (422), a new presenter e-mail must not put that presenter in two places (409).
pub async fn review(
    ctx: &Ctx,
    event_id: Uuid,
    id: Uuid,
    changes: PitchChanges,
) -> ApiResult<(event::Model, PitchView)> {
    let txn = crate::db::begin_write(&ctx.db).await?;
    let event = events::lock_for_change(&txn, event_id).await?;
    pitch_slots::ensure_not_cancelled(&event)?;
    let before = with_slot(&txn, find(&txn, event_id, id).await?).await?;
    let old = before.pitch.clone();
    if old.status == PitchStatus::Withdrawn {
        return Err(ApiError::conflict("the pitch has been withdrawn"));
    }
    let status = changes.status.unwrap_or(old.status);
    let rejecting = status == PitchStatus::Rejected;
    let keeps_slot = before.slot.as_ref().filter(|_| !rejecting);
    if let Some((slot, _)) = keeps_slot {
        if let Some(duration) = changes.duration_minutes {
            pitch_slots::check_fits(duration, slot.starts_at, slot.ends_at)?;
        }
        if let Some(email) = &changes.presenter_email {
            let lower = email.mailbox();
            if lower != old.presenter_email_lower {
                pitch_slots::check_presenter_free(
                    &txn,
                    &old,
                    &lower,
                    slot.starts_at,
                    slot.ends_at,
                    Some(slot.id),
                )
                .await?;
            }
        }
    }
    let freed = match (&before.slot, rejecting) {
        (Some((slot, stage)), true) => {
            Some((pitch_slots::free(&txn, slot.clone()).await?, stage.clone()))
        }
        _ => None,
    };
    let mut active: pitch::ActiveModel = old.clone().into();
    active.status = Set(status);
    if let Some(v) = changes.title {
        active.title = Set(v);
    }
    if let Some(v) = changes.r#abstract {
        active.r#abstract = Set(v);
    }
    if let Some(v) = changes.organisation {
        active.organisation = Set(v);
    }
    if let Some(v) = changes.presenter_name {
        active.presenter_name = Set(v);
    }
    if let Some(v) = changes.presenter_email {
        active.presenter_email_lower = Set(v.mailbox());
        active.presenter_email = Set(v.into_inner());
    }
    if let Some(v) = changes.language {
        active.language = Set(v);
    }
    if let Some(v) = changes.duration_minutes {
        active.duration_minutes = Set(v);
    }
    if freed.is_some() {
        active.sequence = Set(old.sequence + 1);
    }
    active.updated_at = Set(now());
    let pitch = active.update(&txn).await?;
    // A new title or abstract of a scheduled pitch is a new SUMMARY/DESCRIPTION in the feeds.
    calendar_entries::sync(&txn, event.id).await?;
    let mut mailed = false;
    if status != old.status {
        let decided = match status {
            PitchStatus::Accepted => Some(EventType::PitchAccepted),
            PitchStatus::Rejected => Some(EventType::PitchRejected),
            _ => None,
        };
        if let Some(kind) = decided {
            webhooks::enqueue(
                &txn,
                &[webhooks::Change::new(
                    kind,
                    event.id,
                    &event.slug,
                    webhooks::Subject::Pitch(pitch.id),
                )],
            )
            .await?;
        }
        match status {
            PitchStatus::Accepted => {
                send(
                    &txn,
                    ctx,
                    &event,
                    &pitch,
                    "pitch_accepted",
                    templates::pitch_accepted,
                    None,
                )
                .await?;
                mailed = true;
            }
            PitchStatus::Rejected => {
                let ics = match freed {
                    Some(_) => invite(&txn, ctx, &event, &pitch, Method::Cancel).await?,
                    None => None,
                };
                send(
                    &txn,
                    ctx,
                    &event,
                    &pitch,
                    "pitch_rejected",
                    templates::pitch_rejected,
                    ics,
                )
                .await?;
                mailed = true;
            }
            _ => {}
        }
    }
    let view = with_slot(&txn, pitch).await?;
    txn.commit().await?;
    if mailed {
        ctx.wake_mailer();
    }
    Ok((event, view))
}

/// The presenter withdraws: the slot is freed and the presenter mailed (with a calendar
/// cancellation when a slot was held). Withdrawing twice changes nothing.
pub async fn withdraw(
    ctx: &Ctx,
    token: &str,
    key: Option<&Keyed<(event::Model, PitchView)>>,
) -> ApiResult<Once<(event::Model, PitchView)>> {
    let (_, found) = by_token(&ctx.db, token).await?;
    let txn = crate::db::begin_write(&ctx.db).await?;
    let event = events::lock_for_change(&txn, found.pitch.event_id).await?;
    if let Some(first) = earlier(&txn, key).await? {
        return Ok(Once::Replayed(first));
    }
    let before = with_slot(&txn, find(&txn, event.id, found.pitch.id).await?).await?;
    if before.pitch.status == PitchStatus::Withdrawn {
        let done = (event, before);
        let stored = record(&txn, key, &done, found.pitch.id).await?;
        txn.commit().await?;
        return Ok(Once::New(done, stored));
    }
    let freed = match &before.slot {
        Some((slot, stage)) => Some((pitch_slots::free(&txn, slot.clone()).await?, stage.clone())),
        None => None,
    };
    let sequence = before.pitch.sequence + 1;
    let mut active: pitch::ActiveModel = before.pitch.into();
    active.status = Set(PitchStatus::Withdrawn);
    active.sequence = Set(sequence);
    active.updated_at = Set(now());
    let pitch = active.update(&txn).await?;
    let ics = match freed {
        Some(_) => invite(&txn, ctx, &event, &pitch, Method::Cancel).await?,
        None => None,
    };
    send(
        &txn,
        ctx,
        &event,
        &pitch,
        "pitch_withdrawn",
        templates::pitch_withdrawn,
        ics,
    )
    .await?;
    let done = (event, PitchView { pitch, slot: None });
    let stored = record(&txn, key, &done, found.pitch.id).await?;
    txn.commit().await?;
    ctx.wake_mailer();
    Ok(Once::New(done, stored))
}

/// Erases a pitch by its presenter's token (GDPR Art. 17): see [`erase`].
pub async fn erase_by_token(ctx: &Ctx, token: &str) -> ApiResult<()> {
    let (_, found) = by_token(&ctx.db, token).await?;
    erase(ctx, found.pitch.event_id, found.pitch.id).await
}

/// Erases a pitch and its presenter's data: its slot is freed (the schedule and feeds change),
/// the row is deleted, and so are its own mail (queued or sent) and stored idempotent answers.
/// No mail goes out: the address is among what is erased. Other mail to the same address (the
/// presenter's registration, say) is left alone. A pitch that is gone is a 404.
pub async fn erase(ctx: &Ctx, event_id: Uuid, id: Uuid) -> ApiResult<()> {
    let txn = crate::db::begin_write(&ctx.db).await?;
    let event = events::lock_for_change(&txn, event_id).await?;
    let before = with_slot(&txn, find(&txn, event.id, id).await?).await?;
    if let Some((slot, _)) = &before.slot {
        pitch_slots::free(&txn, slot.clone()).await?;
    }
    crate::services::registrations::forget_records(&txn, &[id]).await?;
    // Mail queued before mail named its record: this pitch's kinds to its address.
    entity::outbox::Entity::delete_many()
        .filter(entity::outbox::Column::RecordId.is_null())
        .filter(entity::outbox::Column::EventId.eq(event.id))
        .filter(entity::outbox::Column::Kind.starts_with("pitch_"))
        .filter(entity::outbox::Column::Recipient.eq(before.pitch.presenter_email.clone()))
        .exec(&txn)
        .await?;
    pitch::Entity::delete_by_id(id).exec(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// The presenter's calendar entry as an iTIP attachment (`REQUEST` or `CANCEL`), taken from
/// the published entries after this change, so it carries the SEQUENCE every feed shows.
/// `None` when the pitch never had an entry (it was never scheduled).
async fn invite(
    txn: &impl ConnectionTrait,
    ctx: &Ctx,
    event: &event::Model,
    pitch: &pitch::Model,
    method: Method,
) -> ApiResult<Option<Attachment>> {
    let entries = calendar_entries::sync(txn, event.id).await?;
    Ok(invite_from(&entries, ctx, event, pitch, method))
}

/// [`invite`] from entries already synced (a release syncs once for all its mails).
fn invite_from(
    entries: &[entity::calendar_entry::Model],
    ctx: &Ctx,
    event: &event::Model,
    pitch: &pitch::Model,
    method: Method,
) -> Option<Attachment> {
    let entry = calendar_entries::find(entries, &ics::pitch_uid(pitch))?;
    let item = calendar_entries::item_of(entry, Some(ics::event_url(event, &ctx.public_url)));
    Some(Attachment {
        body: ics::invite(
            event,
            item,
            method,
            (&pitch.presenter_name, &pitch.presenter_email),
            ics::mailbox_parts(&ctx.settings.sender()),
        ),
        method: pitch_slots::method_name(method).to_owned(),
    })
}

/// Queues one mail to the presenter, rendered in their language.
async fn send(
    txn: &impl ConnectionTrait,
    ctx: &Ctx,
    event: &event::Model,
    pitch: &pitch::Model,
    kind: &'static str,
    render: impl Fn(Language, &templates::PitchMail) -> Rendered,
    ics: Option<Attachment>,
) -> ApiResult<()> {
    let lang = pitch.language;
    let text = EventText::new(event, lang);
    let url = manage_url(&ctx.public_url, &manage_token(pitch));
    let m = templates::PitchMail {
        name: &pitch.presenter_name,
        pitch_title: &pitch.title,
        event: text.info(),
        manage_url: &url,
    };
    let mut content = render(lang, &m);
    // The subject names the event, not the pitch: the presenter's address is unconfirmed, and
    // a title chosen by whoever filled in the form must not head a mail to a stranger.
    let for_subject = templates::PitchMail {
        pitch_title: &event.title,
        ..m
    };
    content.subject = render(lang, &for_subject).subject;
    mail::enqueue(
        txn,
        NewMail {
            kind,
            event_id: Some(event.id),
            recipient: pitch.presenter_email.clone(),
            recipient_name: pitch.presenter_name.clone(),
            language: lang,
            content,
            ics,
            record_id: Some(pitch.id),
        },
    )
    .await?;
    Ok(())
}

/// "Your slot": the presenter's calendar entry is added (`REQUEST`). `entries` are the event's
/// calendar entries after the release (see [`calendar_entries::sync`]).
pub async fn notify_assigned(
    txn: &impl ConnectionTrait,
    ctx: &Ctx,
    entries: &[entity::calendar_entry::Model],
    event: &event::Model,
    pitch: &pitch::Model,
    slot: &pitch_slot::Model,
    stage: &stage::Model,
) -> ApiResult<()> {
    let when = pitch_slots::slot_when(event, slot, pitch.language);
    let info = templates::SlotInfo {
        stage: &stage.name,
        when: &when,
    };
    let ics = invite_from(entries, ctx, event, pitch, Method::Request);
    send(
        txn,
        ctx,
        event,
        pitch,
        "pitch_slot_assigned",
        |lang, m| templates::pitch_slot_assigned(lang, m, info),
        ics,
    )
    .await
}

/// "Schedule change": the calendar entry is updated (`REQUEST`, same UID, higher SEQUENCE).
pub async fn notify_moved(
    txn: &impl ConnectionTrait,
    ctx: &Ctx,
    entries: &[entity::calendar_entry::Model],
    event: &event::Model,
    pitch: &pitch::Model,
    from: (&pitch_slot::Model, &stage::Model),
    to: (&pitch_slot::Model, &stage::Model),
) -> ApiResult<()> {
    let (from_when, to_when) = (
        pitch_slots::slot_when(event, from.0, pitch.language),
        pitch_slots::slot_when(event, to.0, pitch.language),
    );
    let (from_info, to_info) = (
        templates::SlotInfo {
            stage: &from.1.name,
            when: &from_when,
        },
        templates::SlotInfo {
            stage: &to.1.name,
            when: &to_when,
        },
    );
    let ics = invite_from(entries, ctx, event, pitch, Method::Request);
    send(
        txn,
        ctx,
        event,
        pitch,
        "pitch_slot_moved",
        |lang, m| templates::pitch_slot_moved(lang, m, from_info, to_info),
        ics,
    )
    .await
}

/// "No longer scheduled": the calendar entry is cancelled (`CANCEL`, `STATUS:CANCELLED`).
/// `freed` is the slot after the pitch left it.
pub async fn notify_unassigned(
    txn: &impl ConnectionTrait,
    ctx: &Ctx,
    entries: &[entity::calendar_entry::Model],
    event: &event::Model,
    pitch: &pitch::Model,
    freed: &pitch_slot::Model,
    stage: &stage::Model,
) -> ApiResult<()> {
    let when = pitch_slots::slot_when(event, freed, pitch.language);
    let info = templates::SlotInfo {
        stage: &stage.name,
        when: &when,
    };
    let ics = invite_from(entries, ctx, event, pitch, Method::Cancel);
    send(
        txn,
        ctx,
        event,
        pitch,
        "pitch_slot_unassigned",
        |lang, m| templates::pitch_slot_unassigned(lang, m, info),
        ics,
    )
    .await
}
