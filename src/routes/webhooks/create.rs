//! `POST /webhooks`.
use actix_web::{post, web, HttpResponse};

use super::{CreateWebhook, CreatedWebhook, WebhookResponse};
use crate::domain::webhook::{parse_event_types, WebhookUrl};
use crate::domain::Validator;
use crate::error::{ApiError, ApiResult};
use crate::http::auth::{need::Manage, Allowed};
use crate::services::webhooks::{self, NewEndpoint};
use crate::state::AppState;

impl CreateWebhook {
    fn into_new(self, allow_private: bool) -> Result<NewEndpoint, ApiError> {
        let mut v = Validator::new();
        let url = v.check(WebhookUrl::parse("url", &self.url, allow_private));
        let types = v.check(parse_event_types("events", &self.events));
        let event = match self.event.map(|e| e.trim().to_owned()) {
            Some(e) if e.is_empty() => {
                v.check::<()>(Err(crate::error::FieldError::new(
                    "event",
                    "must be an event's id or slug, or absent for every event",
                )));
                None
            }
            other => other,
        };
        v.finish()?;
        let (Some(url), Some(types)) = (url, types) else {
            return Err(ApiError::BadRequest("invalid webhook".to_owned()));
        };
        Ok(NewEndpoint { url, types, event })
    }
}

/// Register a webhook endpoint (organisers and admins). Answers its `secret` (`whsec_…`)
/// this once: podium derives it from the server secret and does not store it. Deliveries
/// start with the next change: `POST {url}` with `webhook-id`, `webhook-timestamp` and
/// `webhook-signature` (Standard Webhooks) and a thin JSON body `{"type", "timestamp",
/// "data": {"event_id", "event_slug", "url", and "registration_id", "pitch_id" or
/// "exhibit_id"}}`: no names or addresses; `data.url` is the API URL to fetch the record
/// with an organiser's token. A 2xx within 10 s counts as delivered; anything else is retried
/// with exponential backoff for three days. Redirects are not followed. 403 for a reviewer
/// or door, for an event outside the member's events, and for every event unless the member
/// works on every event.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), request_body = CreateWebhook,
    responses(
        (status = 201, body = CreatedWebhook, headers(("Location" = String, description = "The endpoint, `/api/v1/webhooks/{id}`"))),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem),
    ))]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    who: Allowed<Manage>,
    body: crate::http::extract::Json<CreateWebhook>,
) -> ApiResult<HttpResponse> {
    let new = body
        .into_inner()
        .into_new(state.settings.webhook_allow_private)?;
    let (endpoint, secret) = webhooks::create(&state.db, &who.0 .1, new).await?;
    let webhook = WebhookResponse::from(endpoint);
    Ok(HttpResponse::Created()
        .insert_header(("Location", webhook.self_url.clone()))
        .insert_header(("Cache-Control", "no-store"))
        .json(CreatedWebhook { webhook, secret }))
}
