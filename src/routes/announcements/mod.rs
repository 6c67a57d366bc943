//! `/events/{event}/announcements` (issue 17): preview, test send to oneself, send to an
//! audience through the outbox, and the list of sent announcements with their counts.
use std::sync::Arc;

use actix_web::{get, http::StatusCode, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::http::auth::{need::Manage, Allowed};
use crate::mail::templates::Rendered;
use crate::routes::idempotency::{json_answer, key_of, respond};
use crate::services::announcements::{self, Message};
use crate::services::events;
use crate::services::idempotency::{Keyed, StoredAnswer};
use crate::state::AppState;

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(preview_announcement)
        .service(test_announcement)
        .service(send_announcement)
        .service(list_announcements);
}

/// An announcement as written: both languages are required (each person reads theirs).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[schema(example = json!({"audience": "confirmed",
    "subject_de": "Letzte Hinweise zur Jahrestagung", "subject_en": "Final notes on the annual meeting",
    "text_de": "Liebe Teilnehmende,\n\nder Einlass beginnt um 8:30 Uhr im Foyer.",
    "text_en": "Dear attendees,\n\ndoors open at 8:30 in the foyer."}))]
#[serde(deny_unknown_fields)]
pub struct AnnouncementRequest {
    /// `confirmed`, `waitlisted`, `checked_in`, `presenters`, `exhibitors` or `everyone`.
    /// Only confirmed addresses are written to: `everyone` is confirmed attendees, waitlisted
    /// ones, accepted presenters and approved exhibitors; unconfirmed registrations
    /// (`pending`) are never in an audience, and on an event with double opt-in
    /// (`require_email_confirmation`) neither is the waitlist (joining it confirms no address;
    /// a seat freed is offered as a new unconfirmed hold), so `waitlisted` reaches nobody there.
    #[schema(pattern = r"^(confirmed|waitlisted|checked_in|presenters|exhibitors|everyone)$")]
    pub audience: String,
    /// The German subject: one line, 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub subject_de: String,
    /// The English subject: one line, 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub subject_en: String,
    /// The German text, 1 to 10 000 characters; blank lines separate paragraphs.
    #[schema(min_length = 1, max_length = 10000)]
    pub text_de: String,
    /// The English text, 1 to 10 000 characters; blank lines separate paragraphs.
    #[schema(min_length = 1, max_length = 10000)]
    pub text_en: String,
}

impl AnnouncementRequest {
    fn message(&self) -> ApiResult<Message> {
        announcements::message(
            &self.audience,
            &self.subject_de,
            &self.subject_en,
            &self.text_de,
            &self.text_en,
        )
    }
}

/// One rendered mail.
#[derive(Debug, Serialize, ToSchema)]
pub struct RenderedMail {
    /// The mail's subject line, as the recipient sees it.
    pub subject: String,
    /// The plain-text body, with the recipient's name and personal link filled in.
    pub text: String,
    /// The HTML body: the same content as `text`, as an HTML document.
    pub html: String,
}

/// What the announcement would do: how many people, and the mail in each language.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewResponse {
    /// The audience as understood: `confirmed`, `waitlisted`, `checked_in`, `presenters`,
    /// `exhibitors` or `everyone`.
    pub audience: String,
    /// People it would go to (one per mailbox).
    pub recipients: usize,
    /// The mail as German readers get it (sample name and link).
    pub de: RenderedMail,
    /// The mail as English readers get it (sample name and link).
    pub en: RenderedMail,
}

/// A sent announcement with its counts.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnnouncementResponse {
    /// The announcement's id (UUID).
    pub id: Uuid,
    /// Who it went to: `confirmed`, `waitlisted`, `checked_in`, `presenters`, `exhibitors`
    /// or `everyone`.
    pub audience: String,
    /// The German subject as sent (1 to 200 characters).
    pub subject_de: String,
    /// The English subject as sent (1 to 200 characters).
    pub subject_en: String,
    /// The German text as sent (1 to 10 000 characters).
    pub text_de: String,
    /// The English text as sent (1 to 10 000 characters).
    pub text_en: String,
    /// People it was queued for.
    pub recipients: i32,
    /// Mails accepted by the mail server so far.
    pub delivered: u64,
    /// Mails that gave up (see `GET /admin/outbox?status=failed`).
    pub failed: u64,
    /// When it was sent (queued), in UTC (RFC 3339).
    pub created_at: DateTime<Utc>,
}

impl From<announcements::Sent> for AnnouncementResponse {
    fn from(s: announcements::Sent) -> Self {
        let a = s.announcement;
        Self {
            id: a.id,
            audience: a.audience,
            subject_de: a.subject_de,
            subject_en: a.subject_en,
            text_de: a.text_de,
            text_en: a.text_en,
            recipients: a.recipients,
            delivered: s.delivered,
            failed: s.failed,
            created_at: a.created_at,
        }
    }
}

/// The test send's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct TestSendResponse {
    /// The organiser's own address: one mail in German, one in English.
    pub sent_to: String,
}

/// Preview: the audience's size and the mail in German and English, with a sample name and
/// link. Sends nothing.
#[utoipa::path(tag = "announcements", security(("bearer" = [])), request_body = AnnouncementRequest,
    params(("event" = String, Path, description = "id or slug")),
    responses((status = 200, body = PreviewResponse), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/events/{event}/announcements/preview")]
pub async fn preview_announcement(
    state: web::Data<AppState>,
    _who: Allowed<Manage>,
    key: web::Path<String>,
    body: crate::http::extract::Json<AnnouncementRequest>,
) -> ApiResult<web::Json<PreviewResponse>> {
    let event = events::find_visible(&state.db, &key, true).await?;
    let message = body.message()?;
    let preview = announcements::preview(&state.db, &state.public_url, &event, &message).await?;
    let rendered = |r: Rendered| RenderedMail {
        subject: r.subject,
        text: r.text,
        html: r.html,
    };
    Ok(web::Json(PreviewResponse {
        audience: message.audience.name().to_owned(),
        recipients: preview.recipients,
        de: rendered(preview.de),
        en: rendered(preview.en),
    }))
}

/// Test send: the announcement in German and in English to the organiser's own address.
#[utoipa::path(tag = "announcements", security(("bearer" = [])), request_body = AnnouncementRequest,
    params(("event" = String, Path, description = "id or slug")),
    responses((status = 202, body = TestSendResponse), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/events/{event}/announcements/test")]
pub async fn test_announcement(
    state: web::Data<AppState>,
    who: Allowed<Manage>,
    key: web::Path<String>,
    body: crate::http::extract::Json<AnnouncementRequest>,
) -> ApiResult<HttpResponse> {
    let event = events::find_visible(&state.db, &key, true).await?;
    let message = body.message()?;
    let sent_to =
        announcements::send_test(&state.db, &state.public_url, &event, &who.0 .0, &message).await?;
    state.wake_mailer();
    Ok(HttpResponse::Accepted().json(TestSendResponse { sent_to }))
}

/// Send the announcement to its audience: one mail per person (per mailbox), in their
/// language, with their personal link, all queued in one transaction. Only confirmed addresses
/// are written to (see `audience`). With an `Idempotency-Key` (as on every keyed `POST`,
/// remembered 24 hours): a repeat with the same body answers the first announcement (its 201,
/// `Idempotent-Replayed: true`) and sends nothing again; the same key with another body is a
/// 422 and sends nothing; a repeat while the first is still being sent is a 409.
#[utoipa::path(tag = "announcements", security(("bearer" = [])), request_body = AnnouncementRequest,
    params(("event" = String, Path, description = "id or slug"),
        ("Idempotency-Key" = Option<String>, Header, description = "1 to 200 visible ASCII characters")),
    responses((status = 201, body = AnnouncementResponse,
            description = "Queued now, or the first answer to a repeated key (`Idempotent-Replayed: true`)"),
        (status = 401, body = crate::error::Problem, description = "No valid organiser token"),
        (status = 404, body = crate::error::Problem, description = "No such event"),
        (status = 409, body = crate::error::Problem, description = "A request with this key is still being sent"),
        (status = 422, body = crate::error::Problem,
            description = "An invalid field, or the key was already used with another body")))]
#[post("/events/{event}/announcements")]
pub async fn send_announcement(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Allowed<Manage>,
    key: web::Path<String>,
    body: crate::http::extract::Json<AnnouncementRequest>,
) -> ApiResult<HttpResponse> {
    let event = events::find_visible(&state.db, &key, true).await?;
    let fingerprinted = serde_json::to_value(&*body).map_err(|e| {
        ApiError::Internal(anyhow::Error::new(e).context("reading an announcement"))
    })?;
    let idempotency = key_of(
        &req,
        format!("POST /api/v1/events/{}/announcements", event.id),
        &fingerprinted,
    )?;
    let message = body.message()?;
    let keyed = idempotency.map(|key| Keyed {
        key,
        answer: Arc::new(|sent: &entity::announcement::Model| answer(sent.clone())),
    });
    let done =
        announcements::send_now(&state, &event, who.0 .0.id, &message, keyed.as_ref()).await?;
    respond(done, answer)
}

/// The answer to a new announcement: 201 and the announcement, nothing delivered yet.
fn answer(sent: entity::announcement::Model) -> ApiResult<StoredAnswer> {
    json_answer(
        StatusCode::CREATED,
        None,
        &AnnouncementResponse::from(announcements::Sent {
            announcement: sent,
            delivered: 0,
            failed: 0,
        }),
    )
}

/// The event's announcements, newest first, with how many people each went to and how many
/// mails were delivered or failed.
#[utoipa::path(tag = "announcements", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug")),
    responses((status = 200, body = Vec<AnnouncementResponse>), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[get("/events/{event}/announcements")]
pub async fn list_announcements(
    state: web::Data<AppState>,
    _who: Allowed<Manage>,
    key: web::Path<String>,
) -> ApiResult<web::Json<Vec<AnnouncementResponse>>> {
    let event = events::find_visible(&state.db, &key, true).await?;
    let all = announcements::list(&state.db, event.id).await?;
    Ok(web::Json(all.into_iter().map(Into::into).collect()))
}
