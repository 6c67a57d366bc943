//! `/admin/outbox`: admins see queued, sent and failed mail, and retry it.
use actix_web::{get, post, web};
use chrono::{DateTime, Utc};
use entity::outbox::{self, OutboxStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::http::auth::Admin;
use crate::mail;
use crate::routes::pagination::{Page, PageQuery};
use crate::state::AppState;

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(list_outbox).service(retry_outbox);
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct OutboxQuery {
    /// `pending`, `sent` or `failed`.
    #[param(pattern = r"^(pending|sent|failed)$")]
    pub status: Option<String>,
    /// Items per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page (with the same filters).
    #[param(
        pattern = r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
    )]
    pub cursor: Option<String>,
}

/// A mail in the outbox, without its bodies.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxItem {
    /// The mail's id.
    pub id: Uuid,
    /// What the mail is about: the name of its template (e.g. `event_cancelled`).
    pub kind: String,
    /// The event it concerns; `null` for mails about no event.
    pub event_id: Option<Uuid>,
    /// The recipient's e-mail address.
    pub recipient: String,
    /// Language of the mail, `de` or `en`.
    pub language: String,
    /// The mail's subject line; empty once the mail is past its retention
    /// (`PODIUM_MAIL_RETENTION_DAYS` after sending).
    pub subject: String,
    /// Whether an iCalendar (RFC 5545/5546 iTIP) attachment goes with it.
    pub has_ics: bool,
    /// The mail's `Message-ID` header (RFC 5322), e.g. `<id@podium>`.
    pub message_id: String,
    /// `pending` (due or waiting for a retry), `sent` or `failed` (gave up; an admin may
    /// retry).
    pub status: OutboxStatus,
    /// Sending attempts so far.
    pub attempts: i32,
    /// When the worker next tries to send it (UTC).
    pub next_attempt_at: DateTime<Utc>,
    /// The last failure's reason (from the SMTP server or the mail directory); `null`: none.
    pub last_error: Option<String>,
    /// When the mail was queued (UTC).
    pub created_at: DateTime<Utc>,
    /// When the mail was sent (UTC); `null`: not yet.
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<outbox::Model> for OutboxItem {
    fn from(m: outbox::Model) -> Self {
        Self {
            id: m.id,
            kind: m.kind,
            event_id: m.event_id,
            recipient: m.recipient,
            language: m.language,
            subject: m.subject,
            has_ics: m.ics.is_some(),
            message_id: m.message_id,
            status: m.status,
            attempts: m.attempts,
            next_attempt_at: m.next_attempt_at,
            last_error: m.last_error,
            created_at: m.created_at,
            sent_at: m.sent_at,
        }
    }
}

fn parse_status(value: &str) -> ApiResult<OutboxStatus> {
    match value {
        "pending" => Ok(OutboxStatus::Pending),
        "sent" => Ok(OutboxStatus::Sent),
        "failed" => Ok(OutboxStatus::Failed),
        _ => Err(ApiError::invalid(
            "status",
            "must be pending, sent or failed",
        )),
    }
}

/// The outbox, newest first (admin).
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(OutboxQuery),
    responses((status = 200, body = Page<OutboxItem>), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[get("/admin/outbox")]
pub async fn list_outbox(
    state: web::Data<AppState>,
    _admin: Admin,
    query: web::Query<OutboxQuery>,
) -> ApiResult<web::Json<Page<OutboxItem>>> {
    let query = query.into_inner();
    let status = query.status.as_deref().map(parse_status).transpose()?;
    let limit = PageQuery {
        limit: query.limit,
        cursor: None,
    }
    .limit()?;
    let cursor = match &query.cursor {
        Some(c) => Some(
            Uuid::parse_str(c)
                .map_err(|_| ApiError::invalid("cursor", "is not a cursor this list gave out"))?,
        ),
        None => None,
    };
    let page = mail::list(&state.db, status, limit, cursor).await?;
    Ok(web::Json(Page {
        items: page.items.into_iter().map(OutboxItem::from).collect(),
        next_cursor: page.next_cursor.map(|c| c.to_string()),
        total: page.total,
    }))
}

/// Queue a pending or failed mail again now, with a fresh attempt count (admin). 409 if sent.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = OutboxItem), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
#[post("/admin/outbox/{id}/retry")]
pub async fn retry_outbox(
    state: web::Data<AppState>,
    _admin: Admin,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<OutboxItem>> {
    let mail = mail::retry(&state.db, id.into_inner())
        .await?
        .ok_or_else(|| ApiError::not_found("mail"))?;
    if mail.status == OutboxStatus::Sent {
        return Err(ApiError::conflict("the mail was already sent"));
    }
    state.wake_mailer();
    Ok(web::Json(mail.into()))
}
