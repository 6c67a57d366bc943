//! One-time sign-in links of the backoffice (issue 28): a team member types their address at
//! `/orga/sign-in` and is mailed a link that works once, for [`LINK_MINUTES`] minutes; an
//! invited member gets one that works for [`INVITATION_HOURS`] hours (an invitation is read
//! later than a link one has just asked for).
//!
//! The link's token is derived from the link's id and the server secret
//! ([`token::Kind::SignInLink`]), so the outbox keeps a placeholder instead of it
//! ([`crate::mail::secrets`]) and the table `sign_in_links` only its SHA-256: a database dump
//! signs nobody in. Opening the link signs nobody in either; only the `POST` of its page
//! ([`consume`]) does, once: the row is marked used by a conditional update, so of two
//! concurrent `POST`s one opens a session and the other finds the link used.
//!
//! Requests are limited per address here: at most [`LINKS_PER_WINDOW`] links a member within
//! [`LINK_MINUTES`] minutes; past that nothing is mailed and the page answers as always (a
//! different answer would tell a stranger that the address is a member's). The limit per
//! client address ([`REQUESTS_PER_CLIENT_HOUR`]) is kept at the HTTP edge, which answers 429
//! past it: that answer is the same for every address, so it tells nothing either.
use chrono::{DateTime, Duration, Utc};
use entity::registration::Language;
use entity::{organiser, sign_in_link};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, Set,
};
use uuid::Uuid;

use crate::domain::time::now;
use crate::domain::token::{self, Kind};
use crate::error::ApiResult;
use crate::mail::{self, templates, NewMail};
use crate::services::{backoffice, organisers, Ctx};

/// A requested link works this long.
pub const LINK_MINUTES: i64 = 15;
/// An invitation's link works this long.
pub const INVITATION_HOURS: i64 = 72;
/// At most this many links a member within [`LINK_MINUTES`] (requested or invited).
pub const LINKS_PER_WINDOW: u64 = 3;
/// The edge's limit per client address (`AppState::sign_in_links`): this many requests for a
/// link an hour, known addresses or not; past it a 429 page asks to wait.
pub const REQUESTS_PER_CLIENT_HOUR: u32 = 20;
/// Used and expired links are swept this long after their end.
const KEEP_DEAD_HOURS: i64 = 24;

/// What became of a request for a link. The page shows the same to all three.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requested {
    /// A link is queued for the member.
    Mailed,
    /// No active member has this address: nothing happened.
    NoMember,
    /// The member has had [`LINKS_PER_WINDOW`] links within [`LINK_MINUTES`]: nothing mailed.
    Limited,
}

/// Why a link signs nobody in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dead {
    /// No such link (never issued, swept, or the member was revoked).
    Unknown,
    /// Past its end.
    Expired,
    /// It signed its member in already.
    Used,
}

/// The link of a token: `{public_url}/orga/sign-in/link/{token}`.
pub fn url(public_url: &str, token: &str) -> String {
    format!(
        "{}/orga/sign-in/link/{token}",
        public_url.trim_end_matches('/')
    )
}

/// Stores a new link for the member, working until `expires_at`; its token.
pub(crate) async fn issue(
    db: &impl ConnectionTrait,
    organiser_id: Uuid,
    expires_at: DateTime<Utc>,
) -> ApiResult<(Uuid, String)> {
    let id = Uuid::now_v7();
    let secret = token::derive(Kind::SignInLink, id);
    sign_in_link::ActiveModel {
        id: Set(id),
        token_hash: Set(token::hash(&secret)),
        organiser_id: Set(organiser_id),
        created_at: Set(now()),
        expires_at: Set(expires_at),
        used_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok((id, secret))
}

/// `POST /orga/sign-in` with an address: when an active member has it (case-insensitive),
/// mails them a link in their language (`fallback`, the browser's, when they chose none),
/// unless the per-address limit is reached. Sweeps links dead for a day.
#[tracing::instrument(skip_all)]
pub async fn request(ctx: &Ctx, email: &str, fallback: Language) -> ApiResult<Requested> {
    let at = now();
    let txn = crate::db::begin_write(&ctx.db).await?;
    sign_in_link::Entity::delete_many()
        .filter(sign_in_link::Column::ExpiresAt.lte(at - Duration::hours(KEEP_DEAD_HOURS)))
        .exec(&txn)
        .await?;
    let Some(member) = organisers::find_active_by_email(&txn, email.trim()).await? else {
        txn.commit().await?;
        return Ok(Requested::NoMember);
    };
    // The member's row lock: two requests at once count one after the other.
    organiser::Entity::update_many()
        .col_expr(organiser::Column::Name, Expr::col(organiser::Column::Name))
        .filter(organiser::Column::Id.eq(member.id))
        .exec(&txn)
        .await?;
    let recent = sign_in_link::Entity::find()
        .filter(sign_in_link::Column::OrganiserId.eq(member.id))
        .filter(sign_in_link::Column::CreatedAt.gt(at - Duration::minutes(LINK_MINUTES)))
        .count(&txn)
        .await?;
    if recent >= LINKS_PER_WINDOW {
        txn.commit().await?;
        return Ok(Requested::Limited);
    }
    let (id, secret) = issue(&txn, member.id, at + Duration::minutes(LINK_MINUTES)).await?;
    let link = url(&ctx.public_url, &secret);
    let language = member.language.unwrap_or(fallback);
    let content = templates::sign_in_link(
        language,
        &templates::SignInMail {
            name: &member.name,
            link: &link,
            minutes: LINK_MINUTES,
        },
    );
    mail::enqueue(
        &txn,
        NewMail {
            kind: "sign_in_link",
            event_id: None,
            recipient: member.email.clone(),
            recipient_name: member.name.clone(),
            language,
            content,
            ics: None,
            record_id: Some(id),
        },
    )
    .await?;
    txn.commit().await?;
    ctx.wake_mailer();
    Ok(Requested::Mailed)
}

/// The link's state without using it (the page a `GET` of the link shows): its active member,
/// or why it signs nobody in.
pub async fn peek(
    db: &impl ConnectionTrait,
    secret: &str,
) -> ApiResult<Result<organiser::Model, Dead>> {
    let Some(link) = sign_in_link::Entity::find()
        .filter(sign_in_link::Column::TokenHash.eq(token::hash(secret)))
        .one(db)
        .await?
    else {
        return Ok(Err(Dead::Unknown));
    };
    if link.used_at.is_some() {
        return Ok(Err(Dead::Used));
    }
    if link.expires_at <= now() {
        return Ok(Err(Dead::Expired));
    }
    let member = organiser::Entity::find_by_id(link.organiser_id)
        .filter(organiser::Column::RevokedAt.is_null())
        .one(db)
        .await?;
    Ok(member.ok_or(Dead::Unknown))
}

/// Uses the link: marks it used (only if unused and unexpired: the database decides, so it
/// works once however many ask at the same moment) and opens a backoffice session for its
/// member, in one transaction; the session cookie's value, or why the link signs nobody in.
#[tracing::instrument(skip_all)]
pub async fn consume(
    ctx: &Ctx,
    secret: &str,
) -> ApiResult<Result<(organiser::Model, String), Dead>> {
    let at = now();
    let hash = token::hash(secret);
    let txn = crate::db::begin_write(&ctx.db).await?;
    let used = sign_in_link::Entity::update_many()
        .col_expr(sign_in_link::Column::UsedAt, Expr::value(Some(at)))
        .filter(sign_in_link::Column::TokenHash.eq(hash.as_str()))
        .filter(sign_in_link::Column::UsedAt.is_null())
        .filter(sign_in_link::Column::ExpiresAt.gt(at))
        .exec(&txn)
        .await?;
    if used.rows_affected != 1 {
        drop(txn);
        return Ok(Err(peek(&ctx.db, secret)
            .await?
            .err()
            .unwrap_or(Dead::Used)));
    }
    let Some(link) = sign_in_link::Entity::find()
        .filter(sign_in_link::Column::TokenHash.eq(hash))
        .one(&txn)
        .await?
    else {
        return Ok(Err(Dead::Unknown));
    };
    let Some(member) = organiser::Entity::find_by_id(link.organiser_id)
        .filter(organiser::Column::RevokedAt.is_null())
        .one(&txn)
        .await?
    else {
        return Ok(Err(Dead::Unknown));
    };
    let value = backoffice::open_session(&txn, member.id).await?;
    txn.commit().await?;
    Ok(Ok((member, value)))
}

/// Deletes every link of the member (when the member is revoked).
pub(crate) async fn forget(db: &impl ConnectionTrait, organiser_id: Uuid) -> ApiResult<()> {
    sign_in_link::Entity::delete_many()
        .filter(sign_in_link::Column::OrganiserId.eq(organiser_id))
        .exec(db)
        .await?;
    Ok(())
}
