//! Webhooks (issue 31): organisers register endpoints that podium tells of changes, signed
//! as the Standard Webhooks specification says; the delivery log per endpoint.
mod create;
mod deliveries;
mod get;
mod list;
mod remove;

use chrono::{DateTime, Utc};
use entity::{
    webhook_delivery::{self, DeliveryStatus},
    webhook_endpoint::{self, EndpointStatus},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(create::create_webhook)
        .service(list::list_webhooks)
        .service(get::get_webhook)
        .service(remove::delete_webhook)
        .service(deliveries::list_deliveries);
}

/// A new endpoint.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"url": "https://crm.cluster.example/hooks/podium", "events": ["registration.created", "registration.cancelled"], "event": "jahrestagung-2027"}))]
pub struct CreateWebhook {
    /// Where deliveries are POSTed: an absolute `https` URL (plain `http` only where the
    /// operator allows private targets, `PODIUM_WEBHOOK_ALLOW_PRIVATE=1`), without user or
    /// password, at most 2000 characters. Loopback, private, link-local and metadata addresses
    /// are refused, here and at every delivery (the name is resolved when sending).
    #[schema(max_length = 2000)]
    pub url: String,
    /// The event types to deliver, at least one of: `registration.created`,
    /// `registration.confirmed`, `registration.cancelled`, `registration.checked_in`,
    /// `pitch.submitted`, `pitch.accepted`, `pitch.rejected`, `exhibit.decided`,
    /// `schedule.released`, `event.published`, `event.cancelled`.
    #[schema(min_items = 1, max_items = 11)]
    pub events: Vec<String>,
    /// The event (id or slug) to report on; absent or `null`: every event (needs a member of
    /// every event).
    #[serde(default)]
    pub event: Option<String>,
}

/// An endpoint (its secret is never shown again).
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookResponse {
    /// The endpoint's id.
    pub id: Uuid,
    /// Where deliveries are POSTed.
    pub url: String,
    /// The event types delivered.
    pub events: Vec<String>,
    /// The event reported on; `null`: every event.
    pub event_id: Option<Uuid>,
    /// `active`, or `paused` after failing too often in a row (its owner was mailed; make it
    /// again to resume).
    pub status: EndpointStatus,
    /// Failed attempts in a row since the last delivery that succeeded.
    pub consecutive_failures: i32,
    /// When the endpoint was made.
    pub created_at: DateTime<Utc>,
    /// When it was paused; `null` while active.
    pub paused_at: Option<DateTime<Utc>>,
    /// The endpoint itself (`GET`, `DELETE`).
    pub self_url: String,
    /// The endpoint's delivery log.
    pub deliveries_url: String,
}

impl From<webhook_endpoint::Model> for WebhookResponse {
    fn from(m: webhook_endpoint::Model) -> Self {
        Self {
            self_url: format!("/api/v1/webhooks/{}", m.id),
            deliveries_url: format!("/api/v1/webhooks/{}/deliveries", m.id),
            id: m.id,
            url: m.url,
            events: m.event_types.split(',').map(str::to_owned).collect(),
            event_id: m.event_id,
            status: m.status,
            consecutive_failures: m.consecutive_failures,
            created_at: m.created_at,
            paused_at: m.paused_at,
        }
    }
}

/// A new endpoint with its signing secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhook {
    /// The endpoint, as `GET /api/v1/webhooks/{id}` shows it.
    #[serde(flatten)]
    pub webhook: WebhookResponse,
    /// `whsec_` and the base64 of the 32-byte signing key (Standard Webhooks): each delivery
    /// carries `webhook-signature: v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">`
    /// under that key. Shown only in this answer.
    pub secret: String,
}

/// One delivery of the log.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryResponse {
    /// Also its `webhook-id` header.
    pub id: Uuid,
    /// The event type, e.g. `registration.created`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The podium event the change belongs to.
    pub event_id: Option<Uuid>,
    /// `pending` (waiting for an attempt or a retry), `delivered` (a 2xx came back) or
    /// `failed` (retried for three days, or its endpoint was paused).
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: i32,
    /// The HTTP status of the last answer; `null` when none came (no connection, timeout,
    /// refused address).
    pub last_status_code: Option<i32>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When the change was reported (the delivery queued).
    pub created_at: DateTime<Utc>,
    /// When the next attempt is due (pending deliveries).
    pub next_attempt_at: DateTime<Utc>,
    /// When a 2xx came back; `null` until then.
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<webhook_delivery::Model> for DeliveryResponse {
    fn from(m: webhook_delivery::Model) -> Self {
        Self {
            id: m.id,
            event_type: m.event_type,
            event_id: m.event_id,
            status: m.status,
            attempts: m.attempts,
            last_status_code: m.last_status_code,
            last_error: m.last_error,
            created_at: m.created_at,
            next_attempt_at: m.next_attempt_at,
            delivered_at: m.delivered_at,
        }
    }
}
