//! The backoffice's sessions (issue 28) and what its dashboard shows: a member signs in with
//! their token, the browser keeps a random cookie value of which only the SHA-256 is stored.
//! A session ends after [`IDLE_MINUTES`] without a request, after [`SESSION_HOURS`] whatever
//! happens, at sign-out, and when the member's token is rotated or revoked
//! ([`super::organisers::end_sessions`]).
use chrono::Duration;
use entity::{backoffice_session, event, organiser, outbox, registration};
use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
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

/// One event on the dashboard, with what the member's role may see of it.
#[derive(Debug, Clone)]
pub struct DashboardEvent {
    pub event: event::Model,
    /// Registrations by status (`confirmed`, `waitlisted`, `pending`, …): organisers only.
    pub registrations: Option<Vec<(String, i64)>>,
    /// People checked in: organisers and the door.
    pub checked_in: Option<i64>,
    /// Pitches waiting for a decision (`submitted`): organisers and reviewers.
    pub pitches_open: Option<i64>,
    /// Exhibits waiting for a decision (`submitted`): organisers only.
    pub exhibits_open: Option<i64>,
    /// Unconfirmed holds that expire within [`HOLDS_SOON_HOURS`]: organisers only.
    pub holds_expiring: Option<u64>,
}

/// Holds "about to expire" on the dashboard: within this many hours.
pub const HOLDS_SOON_HOURS: i64 = 6;

/// Mails the worker gave up on (status `failed`), for the dashboard of an admin (`None` for
/// other roles: the outbox is the team's business).
pub async fn failed_mails(db: &impl ConnectionTrait, member: &Member) -> ApiResult<Option<u64>> {
    if !member.may(Permission::Team, None) {
        return Ok(None);
    }
    Ok(Some(
        outbox::Entity::find()
            .filter(outbox::Column::Status.eq(outbox::OutboxStatus::Failed))
            .count(db)
            .await?,
    ))
}

/// The events the member may see (drafts, published, cancelled), soonest first, with the
/// counts their role allows.
pub async fn dashboard(
    db: &impl ConnectionTrait,
    member: &Member,
) -> ApiResult<Vec<DashboardEvent>> {
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
    let mut out = Vec::with_capacity(items.len());
    for event in items {
        let id = Some(event.id);
        let stats = events::stats(db, event.id).await?;
        let count = |rows: &[(String, i64)], key: &str| {
            rows.iter().find(|(k, _)| k == key).map_or(0, |(_, n)| *n)
        };
        out.push(DashboardEvent {
            registrations: member
                .may(Permission::Manage, id)
                .then(|| stats.registrations_by_status.clone()),
            checked_in: member
                .may(Permission::CheckIn, id)
                .then_some(stats.checked_in),
            pitches_open: member
                .may(Permission::Review, id)
                .then(|| count(&stats.pitches_by_status, "submitted")),
            exhibits_open: member
                .may(Permission::Manage, id)
                .then(|| count(&stats.exhibits_by_status, "submitted")),
            holds_expiring: if member.may(Permission::Manage, id) {
                Some(
                    registration::Entity::find()
                        .filter(registration::Column::EventId.eq(event.id))
                        .filter(registration::Column::HoldExpiresAt.is_not_null())
                        .filter(
                            registration::Column::HoldExpiresAt
                                .lte(now() + Duration::hours(HOLDS_SOON_HOURS)),
                        )
                        .filter(
                            registration::Column::Status
                                .eq(registration::RegistrationStatus::Pending),
                        )
                        .count(db)
                        .await?,
                )
            } else {
                None
            },
            event,
        });
    }
    Ok(out)
}
