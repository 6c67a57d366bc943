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
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use uuid::Uuid;

use crate::auth;
use crate::calendar::Method;
use crate::domain::{time::now, EmailAddress};
use crate::error::{ApiError, ApiResult};
use crate::mail::{self, templates, Attachment, NewMail, Rendered};
use crate::services::{calendar_entries, events, ics, notifications::EventText, pitch_slots};
use crate::startup::AppState;

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

pub fn manage_url(public_url: &str, token: &str) -> String {
    format!("{public_url}/api/v1/pitches/{token}")
}

/// Records a proposal and mails its receipt. Public callers only reach published events;
/// organisers may also propose on drafts. A cancelled event takes no proposals.
pub async fn create(
    state: &AppState,
    event_id: Uuid,
    organiser: bool,
    new: NewPitch,
) -> ApiResult<(event::Model, pitch::Model)> {
    let txn = state.db.begin().await?;
    let event = events::lock_quietly(&txn, event_id).await?;
    events::check_takes_submissions(&event, organiser, "proposals")?;
    let at = now();
    let pitch = pitch::ActiveModel {
        id: Set(Uuid::now_v7()),
        event_id: Set(event.id),
        title: Set(new.title),
        r#abstract: Set(new.r#abstract),
        organisation: Set(new.organisation),
        presenter_name: Set(new.presenter_name),
        presenter_email_lower: Set(new.presenter_email.normalised()),
        presenter_email: Set(new.presenter_email.into_inner()),
        language: Set(new.language),
        duration_minutes: Set(new.duration_minutes),
        status: Set(PitchStatus::Submitted),
        sequence: Set(0),
        manage_token: Set(auth::new_token()),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(&txn)
    .await?;
    send(
        &txn,
        state,
        &event,
        &pitch,
        "pitch_received",
        templates::pitch_received,
        None,
    )
    .await?;
    txn.commit().await?;
    state.wake_mailer();
    Ok((event, pitch))
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

/// The presenter's own pitch and its event; an unknown token is a 404.
pub async fn by_token(
    db: &impl ConnectionTrait,
    token: &str,
) -> ApiResult<(event::Model, PitchView)> {
    let pitch = pitch::Entity::find()
        .filter(pitch::Column::ManageToken.eq(token))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("pitch"))?;
    let event = event::Entity::find_by_id(pitch.event_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("event"))?;
    Ok((event, with_slot(db, pitch).await?))
}

/// Applies an organiser's review and edits.
///
/// Rejecting an assigned pitch frees its slot (the rejection mail carries the calendar
/// cancellation). Edits of an assigned pitch keep the rules: a longer duration must still fit
/// the slot (422), a new presenter e-mail must not put that presenter in two places (409).
pub async fn review(
    state: &AppState,
    event_id: Uuid,
    id: Uuid,
    changes: PitchChanges,
) -> ApiResult<(event::Model, PitchView)> {
    let txn = state.db.begin().await?;
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
            let lower = email.normalised();
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
        active.presenter_email_lower = Set(v.normalised());
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
        match status {
            PitchStatus::Accepted => {
                send(
                    &txn,
                    state,
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
                    Some(_) => invite(&txn, state, &event, &pitch, Method::Cancel).await?,
                    None => None,
                };
                send(
                    &txn,
                    state,
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
        state.wake_mailer();
    }
    Ok((event, view))
}

/// The presenter withdraws: the slot is freed and the presenter mailed (with a calendar
/// cancellation when a slot was held). Withdrawing twice changes nothing.
pub async fn withdraw(state: &AppState, token: &str) -> ApiResult<(event::Model, PitchView)> {
    let (_, found) = by_token(&state.db, token).await?;
    let txn = state.db.begin().await?;
    let event = events::lock_for_change(&txn, found.pitch.event_id).await?;
    let before = with_slot(&txn, find(&txn, event.id, found.pitch.id).await?).await?;
    if before.pitch.status == PitchStatus::Withdrawn {
        txn.commit().await?;
        return Ok((event, before));
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
        Some(_) => invite(&txn, state, &event, &pitch, Method::Cancel).await?,
        None => None,
    };
    send(
        &txn,
        state,
        &event,
        &pitch,
        "pitch_withdrawn",
        templates::pitch_withdrawn,
        ics,
    )
    .await?;
    txn.commit().await?;
    state.wake_mailer();
    Ok((event, PitchView { pitch, slot: None }))
}

/// Bumps the pitch's calendar SEQUENCE: every assignment, move, unassignment or withdrawal.
pub async fn bump_sequence(
    db: &impl ConnectionTrait,
    pitch: pitch::Model,
) -> ApiResult<pitch::Model> {
    let sequence = pitch.sequence + 1;
    let mut active: pitch::ActiveModel = pitch.into();
    active.sequence = Set(sequence);
    active.updated_at = Set(now());
    Ok(active.update(db).await?)
}

/// The presenter's calendar entry as an iTIP attachment (`REQUEST` or `CANCEL`), taken from
/// the published entries after this change, so it carries the SEQUENCE every feed shows.
/// `None` when the pitch never had an entry (it was never scheduled).
async fn invite(
    txn: &impl ConnectionTrait,
    state: &AppState,
    event: &event::Model,
    pitch: &pitch::Model,
    method: Method,
) -> ApiResult<Option<Attachment>> {
    let entries = calendar_entries::sync(txn, event.id).await?;
    let Some(entry) = calendar_entries::find(&entries, &ics::pitch_uid(pitch)) else {
        return Ok(None);
    };
    let item = calendar_entries::item_of(entry, Some(ics::event_url(event, &state.public_url)));
    Ok(Some(Attachment {
        body: ics::invite(
            event,
            item,
            method,
            (&pitch.presenter_name, &pitch.presenter_email),
            ics::mailbox_parts(&state.settings.sender()),
        ),
        method: pitch_slots::method_name(method).to_owned(),
    }))
}

/// Queues one mail to the presenter, rendered in their language.
async fn send(
    txn: &impl ConnectionTrait,
    state: &AppState,
    event: &event::Model,
    pitch: &pitch::Model,
    kind: &'static str,
    render: impl FnOnce(Language, &templates::PitchMail) -> Rendered,
    ics: Option<Attachment>,
) -> ApiResult<()> {
    let lang = pitch.language;
    let text = EventText::new(event, lang);
    let url = manage_url(&state.public_url, &pitch.manage_token);
    let m = templates::PitchMail {
        name: &pitch.presenter_name,
        pitch_title: &pitch.title,
        event: text.info(),
        manage_url: &url,
    };
    let content = render(lang, &m);
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
        },
    )
    .await?;
    Ok(())
}

/// "Your slot": the presenter's calendar entry is added (`REQUEST`).
pub async fn notify_assigned(
    txn: &impl ConnectionTrait,
    state: &AppState,
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
    let ics = invite(txn, state, event, pitch, Method::Request).await?;
    send(
        txn,
        state,
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
    state: &AppState,
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
    let ics = invite(txn, state, event, pitch, Method::Request).await?;
    send(
        txn,
        state,
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
    state: &AppState,
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
    let ics = invite(txn, state, event, pitch, Method::Cancel).await?;
    send(
        txn,
        state,
        event,
        pitch,
        "pitch_slot_unassigned",
        |lang, m| templates::pitch_slot_unassigned(lang, m, info),
        ics,
    )
    .await
}
