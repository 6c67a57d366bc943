//! The backoffice's sessions (issue 28) and what its dashboard shows: a member signs in with
//! their token, the browser keeps a random cookie value of which only the SHA-256 is stored.
//! A session ends after [`IDLE_MINUTES`] without a request, after [`SESSION_HOURS`] whatever
//! happens, at sign-out, and when the member's token is rotated or revoked
//! ([`super::organisers::end_sessions`]).
use chrono::Duration;
use entity::{backoffice_session, event, organiser, outbox, registration};
use std::collections::HashMap;

use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect, Set,
};
use uuid::Uuid;

use crate::domain::member::{Member, Permission};
use crate::domain::{time::now, token};
use crate::error::ApiResult;
use crate::services::events::{self, EventFilter};
use crate::services::organisers;

/// A session ends this long after its last request.
pub const IDLE_MINUTES: i64 = 120;
/// A session ends this long after sign-in, however busy.
pub const SESSION_HOURS: i64 = 12;
/// The last request is written down at most this often (a page view is no write each time).
const TOUCH_SECONDS: i64 = 60;

/// Opens a session for the member; gives the cookie's value (256 random bits). Sessions past
/// their end are swept here.
pub async fn open_session(db: &impl ConnectionTrait, organiser_id: Uuid) -> ApiResult<String> {
    let at = now();
    backoffice_session::Entity::delete_many()
        .filter(
            backoffice_session::Column::ExpiresAt
                .lte(at)
                .or(backoffice_session::Column::LastSeenAt
                    .lte(at - Duration::minutes(IDLE_MINUTES))),
        )
        .exec(db)
        .await?;
    let value = crate::auth::new_token();
    backoffice_session::ActiveModel {
        token_hash: Set(token::hash(&value)),
        organiser_id: Set(organiser_id),
        created_at: Set(at),
        last_seen_at: Set(at),
        expires_at: Set(at + Duration::hours(SESSION_HOURS)),
    }
    .insert(db)
    .await?;
    Ok(value)
}

/// The member of a live session with this cookie value, whose token is not revoked; `None`
/// otherwise. Notes the request, so that the idle time starts again.
pub async fn session(
    db: &impl ConnectionTrait,
    value: &str,
) -> ApiResult<Option<(organiser::Model, Member)>> {
    let at = now();
    let Some(session) = backoffice_session::Entity::find_by_id(token::hash(value))
        .filter(backoffice_session::Column::ExpiresAt.gt(at))
        .filter(backoffice_session::Column::LastSeenAt.gt(at - Duration::minutes(IDLE_MINUTES)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(model) = organiser::Entity::find_by_id(session.organiser_id)
        .filter(organiser::Column::RevokedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if session.last_seen_at < at - Duration::seconds(TOUCH_SECONDS) {
        backoffice_session::Entity::update_many()
            .col_expr(backoffice_session::Column::LastSeenAt, Expr::value(at))
            .filter(backoffice_session::Column::TokenHash.eq(session.token_hash))
            .exec(db)
            .await?;
    }
    let member = organisers::member(db, &model).await?;
    Ok(Some((model, member)))
}

/// Ends the session with this cookie value.
pub async fn close_session(db: &impl ConnectionTrait, value: &str) -> ApiResult<()> {
    backoffice_session::Entity::delete_by_id(token::hash(value))
        .exec(db)
        .await?;
    Ok(())
}

/// The value a session's forms carry in a hidden field: derived from the cookie's value, so a
/// page of another site (which cannot read the cookie) cannot know it.
pub fn form_token(value: &str) -> String {
    token::hash(&format!("podium-orga-form:{value}"))
}

/// One event on the dashboard, with what the member's role may see of it (`None`: not for
/// this role).
#[derive(Debug, Clone)]
pub struct DashboardEvent {
    /// The row: its `confirmed_count`, `pending_count`, `waitlisted_count` and `capacity` are
    /// the registration counts, shown to those who may manage the event.
    pub event: event::Model,
    /// Whether the member manages the event (its settings, attendees, mail): organisers and
    /// admins of it.
    pub manage: bool,
    /// Confirmed registrations checked in: organisers and the door.
    pub checked_in: Option<i64>,
    /// Pitches waiting for a decision (`submitted`): organisers and reviewers.
    pub pitches_open: Option<i64>,
    /// Exhibits waiting for a decision (`submitted`): organisers.
    pub exhibits_open: Option<i64>,
    /// Unconfirmed holds (`pending`) that expire within [`HOLDS_SOON_HOURS`]: organisers.
    pub holds_expiring: Option<i64>,
    /// Mails about the event the worker gave up on (`failed`): organisers.
    pub failed_mails: Option<i64>,
}

/// What the dashboard shows: the events the member may see, soonest first, and (for an
/// admin, whose the outbox is) the failed mails of all events and of none.
#[derive(Debug, Clone)]
pub struct Dashboard {
    pub events: Vec<DashboardEvent>,
    /// Every failed mail: admins only.
    pub failed_mails: Option<u64>,
}

/// Holds "about to expire" on the dashboard: within this many hours.
pub const HOLDS_SOON_HOURS: i64 = 24;

/// The dashboard of `member`: the events they may see (drafts, published, cancelled) with
/// the counts their role allows. A fixed number of queries however many events: the list,
/// one grouped count per kind of figure, and the admin's failed mails.
pub async fn dashboard(db: &impl ConnectionTrait, member: &Member) -> ApiResult<Dashboard> {
    use entity::{exhibit, pitch};
    let (items, _) = events::list(
        db,
        EventFilter {
            statuses: vec![
                event::EventStatus::Draft,
                event::EventStatus::Published,
                event::EventStatus::Cancelled,
            ],
            series: None,
            only: member.event_scope(),
            offset: 0,
            limit: 500,
        },
    )
    .await?;
    let ids_where = |permission: Permission| -> Vec<Uuid> {
        items
            .iter()
            .filter(|e| member.may(permission, Some(e.id)))
            .map(|e| e.id)
            .collect()
    };
    let (managed, door, review) = (
        ids_where(Permission::Manage),
        ids_where(Permission::CheckIn),
        ids_where(Permission::Review),
    );
    let checked_in = per_event(
        db,
        registration::Entity::find()
            .filter(registration::Column::Status.eq(registration::RegistrationStatus::Confirmed))
            .filter(registration::Column::CheckedInAt.is_not_null()),
        registration::Column::EventId,
        &door,
    )
    .await?;
    let pitches_open = per_event(
        db,
        pitch::Entity::find().filter(pitch::Column::Status.eq(pitch::PitchStatus::Submitted)),
        pitch::Column::EventId,
        &review,
    )
    .await?;
    let exhibits_open = per_event(
        db,
        exhibit::Entity::find()
            .filter(exhibit::Column::Status.eq(exhibit::ExhibitStatus::Submitted)),
        exhibit::Column::EventId,
        &managed,
    )
    .await?;
    let holds_expiring = per_event(
        db,
        registration::Entity::find()
            .filter(registration::Column::Status.eq(registration::RegistrationStatus::Pending))
            .filter(registration::Column::HoldExpiresAt.is_not_null())
            .filter(
                registration::Column::HoldExpiresAt.lte(now() + Duration::hours(HOLDS_SOON_HOURS)),
            ),
        registration::Column::EventId,
        &managed,
    )
    .await?;
    let failed = per_event(
        db,
        outbox::Entity::find().filter(outbox::Column::Status.eq(outbox::OutboxStatus::Failed)),
        outbox::Column::EventId,
        &managed,
    )
    .await?;
    let failed_mails = if member.may(Permission::Team, None) {
        Some(
            outbox::Entity::find()
                .filter(outbox::Column::Status.eq(outbox::OutboxStatus::Failed))
                .count(db)
                .await?,
        )
    } else {
        None
    };
    let figure = |ids: &[Uuid], counts: &HashMap<Uuid, i64>, id: Uuid| {
        ids.contains(&id)
            .then(|| counts.get(&id).copied().unwrap_or(0))
    };
    let events = items
        .into_iter()
        .map(|event| {
            let id = event.id;
            DashboardEvent {
                manage: managed.contains(&id),
                checked_in: figure(&door, &checked_in, id),
                pitches_open: figure(&review, &pitches_open, id),
                exhibits_open: figure(&managed, &exhibits_open, id),
                holds_expiring: figure(&managed, &holds_expiring, id),
                failed_mails: figure(&managed, &failed, id),
                event,
            }
        })
        .collect();
    Ok(Dashboard {
        events,
        failed_mails,
    })
}

/// The rows of `query` per event, for the events `ids` (none asked: no query).
async fn per_event<E>(
    db: &impl ConnectionTrait,
    query: sea_orm::Select<E>,
    event_id: E::Column,
    ids: &[Uuid],
) -> ApiResult<HashMap<Uuid, i64>>
where
    E: EntityTrait,
{
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, i64)> = query
        .filter(event_id.is_in(ids.iter().copied()))
        .select_only()
        .column(event_id)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .group_by(event_id)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}
