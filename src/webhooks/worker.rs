//! The webhook worker: claims due deliveries with a lease (a conditional update per row, so
//! several instances on one database never send one delivery at the same time), signs and
//! sends each (Standard Webhooks), and records the outcome: delivered on a 2xx; otherwise
//! retried with exponential backoff ([`backoff`]) until [`GIVE_UP_AFTER`] after it was queued,
//! then failed. An endpoint whose attempts failed [`WebhookSettings::pause_after`] times in a
//! row, over at least [`WebhookSettings::pause_window`], is paused: its pending deliveries are
//! failed and the member who made it is mailed (through the outbox).
//!
//! "Exactly once" as far as a network allows: a delivery is sent by one worker at a time and
//! marked delivered right after its 2xx; a crash between the two sends it again with the same
//! `webhook-id`, by which receivers drop repeats.
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::{
    organiser,
    webhook_delivery::{self, DeliveryStatus},
    webhook_endpoint::{self, EndpointStatus},
};
use sea_orm::{
    sea_query::{Condition, Expr, ExprTrait},
    ActiveEnum, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::target;
use crate::domain::webhook;
use crate::mail::{self, templates, MailSignal, NewMail};

/// Deliveries one claim takes.
const BATCH_SIZE: u64 = 20;
/// A claim outlasts one send ([`target::SEND_TIMEOUT`]) by this much.
const LEASE_SLACK: Duration = Duration::from_secs(20);
/// A delivery is retried for three days after it was queued, then failed.
pub const GIVE_UP_AFTER: chrono::TimeDelta = chrono::TimeDelta::days(3);
/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);
/// `last_error` keeps this many characters.
const MAX_ERROR_LEN: usize = 300;

/// How the worker sends and retries; from `config::Settings::webhooks`.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Deliveries may go to loopback and private addresses (`PODIUM_WEBHOOK_ALLOW_PRIVATE`).
    pub allow_private: bool,
    /// How often the worker looks for due deliveries when nobody wakes it.
    pub poll_interval: Duration,
    /// The wait after the first failed attempt; it doubles with each further one, up to six
    /// hours.
    pub retry_base: Duration,
    /// Failed attempts in a row after which an endpoint is paused…
    pub pause_after: i32,
    /// …provided the first of them is at least this old.
    pub pause_window: chrono::TimeDelta,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            allow_private: false,
            poll_interval: Duration::from_secs(1),
            retry_base: Duration::from_secs(30),
            pause_after: 20,
            pause_window: chrono::TimeDelta::hours(24),
        }
    }
}

/// Wakes the worker after a transaction that queued deliveries has committed; cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct WebhookSignal(Arc<Notify>);

impl WebhookSignal {
    pub fn notify(&self) {
        self.0.notify_one();
    }
}

/// The wait before attempt `attempts + 1`, after `attempts` failed ones: `base · 2^(n−1)`,
/// at most six hours.
pub fn backoff(base: Duration, attempts: i32) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    base.saturating_mul(1u32 << doublings).min(MAX_BACKOFF)
}

/// Sends the webhook outbox; see the module documentation.
pub struct WebhookWorker {
    db: DatabaseConnection,
    client: reqwest::Client,
    settings: WebhookSettings,
    signal: WebhookSignal,
    mail_signal: MailSignal,
    /// Base of the API URLs in the bodies, without a trailing slash.
    public_url: String,
}

/// How one attempt ended.
enum Outcome {
    Delivered(u16),
    Failed { code: Option<u16>, error: String },
}

impl WebhookWorker {
    pub fn new(
        db: DatabaseConnection,
        settings: WebhookSettings,
        public_url: String,
        mail_signal: MailSignal,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            public_url,
            client: target::client(settings.allow_private)?,
            db,
            settings,
            signal: WebhookSignal::default(),
            mail_signal,
        })
    }

    pub fn signal(&self) -> WebhookSignal {
        self.signal.clone()
    }

    /// Runs until `shutdown` is cancelled.
    pub fn spawn(self, shutdown: CancellationToken) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                // A stop ends a batch at once: a delivery being sent keeps its claim until the
                // lease runs out and is sent again then (the same `webhook-id`).
                let ran = tokio::select! {
                    () = shutdown.cancelled() => break,
                    ran = self.run_once() => ran,
                };
                let more = match ran {
                    Ok(sent) => sent >= BATCH_SIZE as usize,
                    Err(error) => {
                        tracing::warn!(%error, "webhook worker: the database failed");
                        false
                    }
                };
                if more {
                    if shutdown.is_cancelled() {
                        break;
                    }
                    continue;
                }
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    () = self.signal.0.notified() => {}
                    () = tokio::time::sleep(self.settings.poll_interval) => {}
                }
            }
        })
    }

    /// Claims due deliveries and attempts each once; answers how many it claimed.
    pub async fn run_once(&self) -> Result<usize, DbErr> {
        let now = Utc::now();
        let due = webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
            .filter(webhook_delivery::Column::NextAttemptAt.lte(now))
            .filter(
                Condition::any()
                    .add(webhook_delivery::Column::LockedUntil.is_null())
                    .add(webhook_delivery::Column::LockedUntil.lt(now)),
            )
            .order_by_asc(webhook_delivery::Column::NextAttemptAt)
            .limit(BATCH_SIZE)
            .all(&self.db)
            .await?;
        let lease = now
            + chrono::TimeDelta::from_std(target::SEND_TIMEOUT + LEASE_SLACK)
                .unwrap_or_else(|_| chrono::TimeDelta::seconds(30));
        let mut claimed = 0;
        for delivery in due {
            if !self.claim(delivery.id, now, lease).await? {
                continue;
            }
            claimed += 1;
            self.attempt(delivery).await?;
        }
        Ok(claimed)
    }

    /// Takes the delivery for this worker until `lease`, unless another worker holds it.
    async fn claim(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
        lease: DateTime<Utc>,
    ) -> Result<bool, DbErr> {
        let taken = webhook_delivery::Entity::update_many()
            .col_expr(webhook_delivery::Column::LockedUntil, Expr::value(lease))
            .filter(webhook_delivery::Column::Id.eq(id))
            .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
            // Still due: another worker may have tried it since it was read, and rescheduled it.
            .filter(webhook_delivery::Column::NextAttemptAt.lte(now))
            .filter(
                Condition::any()
                    .add(webhook_delivery::Column::LockedUntil.is_null())
                    .add(webhook_delivery::Column::LockedUntil.lt(now)),
            )
            .exec(&self.db)
            .await?;
        Ok(taken.rows_affected == 1)
    }

    async fn attempt(&self, delivery: webhook_delivery::Model) -> Result<(), DbErr> {
        let endpoint = webhook_endpoint::Entity::find_by_id(delivery.endpoint_id)
            .one(&self.db)
            .await?;
        let Some(endpoint) = endpoint else {
            // Removed meanwhile: the cascade takes its deliveries.
            return Ok(());
        };
        if endpoint.status == EndpointStatus::Paused {
            return self
                .finish(
                    &delivery,
                    DeliveryStatus::Failed,
                    delivery.attempts,
                    None,
                    Some("the endpoint is paused"),
                )
                .await;
        }
        match self.send(&endpoint, &delivery).await {
            Outcome::Delivered(code) => {
                self.finish(
                    &delivery,
                    DeliveryStatus::Delivered,
                    delivery.attempts + 1,
                    Some(code),
                    None,
                )
                .await?;
                if endpoint.consecutive_failures != 0 {
                    webhook_endpoint::Entity::update_many()
                        .col_expr(
                            webhook_endpoint::Column::ConsecutiveFailures,
                            Expr::value(0),
                        )
                        .filter(webhook_endpoint::Column::Id.eq(endpoint.id))
                        .exec(&self.db)
                        .await?;
                }
                Ok(())
            }
            Outcome::Failed { code, error } => {
                let now = Utc::now();
                let attempts = delivery.attempts + 1;
                let give_up = now - delivery.created_at >= GIVE_UP_AFTER;
                if give_up {
                    self.finish(
                        &delivery,
                        DeliveryStatus::Failed,
                        attempts,
                        code,
                        Some(&error),
                    )
                    .await?;
                } else {
                    let wait =
                        chrono::TimeDelta::from_std(backoff(self.settings.retry_base, attempts))
                            .unwrap_or(chrono::TimeDelta::hours(6));
                    webhook_delivery::Entity::update_many()
                        .col_expr(webhook_delivery::Column::Attempts, Expr::value(attempts))
                        .col_expr(
                            webhook_delivery::Column::NextAttemptAt,
                            Expr::value(now + wait),
                        )
                        .col_expr(
                            webhook_delivery::Column::LockedUntil,
                            Expr::value(Option::<DateTime<Utc>>::None),
                        )
                        .col_expr(
                            webhook_delivery::Column::LastStatusCode,
                            Expr::value(code.map(i32::from)),
                        )
                        .col_expr(
                            webhook_delivery::Column::LastError,
                            Expr::value(clip(&error)),
                        )
                        .filter(webhook_delivery::Column::Id.eq(delivery.id))
                        .exec(&self.db)
                        .await?;
                }
                self.count_failure(&endpoint, now).await
            }
        }
    }

    /// One signed POST of the delivery's body.
    async fn send(
        &self,
        endpoint: &webhook_endpoint::Model,
        delivery: &webhook_delivery::Model,
    ) -> Outcome {
        let url = match url::Url::parse(&endpoint.url) {
            Ok(url) => url,
            Err(_) => {
                return Outcome::Failed {
                    code: None,
                    error: "the endpoint's URL does not parse".to_owned(),
                }
            }
        };
        if let Err(why) = target::check_literal(&url, self.settings.allow_private) {
            return Outcome::Failed {
                code: None,
                error: why.to_owned(),
            };
        }
        let msg_id = delivery.id.to_string();
        let timestamp = Utc::now().timestamp();
        let body = super::body_to_send(&delivery.payload, &self.public_url);
        let signature = webhook::sign(&webhook::secret_key(endpoint.id), &msg_id, timestamp, &body);
        let answer = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", msg_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await;
        match answer {
            Ok(response) if response.status().is_success() => {
                Outcome::Delivered(response.status().as_u16())
            }
            Ok(response) => Outcome::Failed {
                code: Some(response.status().as_u16()),
                error: format!("answered {}", response.status()),
            },
            Err(error) => Outcome::Failed {
                code: None,
                error: describe(&error),
            },
        }
    }

    /// Ends a delivery: delivered or failed, with the last answer.
    async fn finish(
        &self,
        delivery: &webhook_delivery::Model,
        status: DeliveryStatus,
        attempts: i32,
        code: Option<u16>,
        error: Option<&str>,
    ) -> Result<(), DbErr> {
        let now = Utc::now();
        let delivered = (status == DeliveryStatus::Delivered).then_some(now);
        webhook_delivery::Entity::update_many()
            .col_expr(
                webhook_delivery::Column::Status,
                Expr::value(status.to_value()),
            )
            .col_expr(webhook_delivery::Column::Attempts, Expr::value(attempts))
            .col_expr(
                webhook_delivery::Column::LockedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(
                webhook_delivery::Column::LastStatusCode,
                Expr::value(code.map(i32::from)),
            )
            .col_expr(
                webhook_delivery::Column::LastError,
                Expr::value(error.map(clip)),
            )
            .col_expr(
                webhook_delivery::Column::DeliveredAt,
                Expr::value(delivered),
            )
            .filter(webhook_delivery::Column::Id.eq(delivery.id))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Counts a failed attempt against the endpoint; pauses it (and tells its owner) once it
    /// failed [`WebhookSettings::pause_after`] times in a row over the pause window.
    async fn count_failure(
        &self,
        endpoint: &webhook_endpoint::Model,
        now: DateTime<Utc>,
    ) -> Result<(), DbErr> {
        let failures = endpoint.consecutive_failures + 1;
        webhook_endpoint::Entity::update_many()
            .col_expr(
                webhook_endpoint::Column::ConsecutiveFailures,
                Expr::col(webhook_endpoint::Column::ConsecutiveFailures).add(1),
            )
            .filter(webhook_endpoint::Column::Id.eq(endpoint.id))
            .exec(&self.db)
            .await?;
        if failures < self.settings.pause_after {
            return Ok(());
        }
        // The streak's first failure: the oldest delivery still failing since the last success.
        let last_success = webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::EndpointId.eq(endpoint.id))
            .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Delivered))
            .order_by_desc(webhook_delivery::Column::DeliveredAt)
            .one(&self.db)
            .await?
            .and_then(|d| d.delivered_at);
        let streak_start = last_success.unwrap_or(endpoint.created_at);
        if now - streak_start < self.settings.pause_window {
            return Ok(());
        }
        self.pause(endpoint, failures, now).await
    }

    /// Pauses the endpoint, fails its pending deliveries and mails its owner, in one
    /// transaction; only the worker that changed the status mails.
    async fn pause(
        &self,
        endpoint: &webhook_endpoint::Model,
        failures: i32,
        now: DateTime<Utc>,
    ) -> Result<(), DbErr> {
        use sea_orm::TransactionTrait;
        let txn = self.db.begin().await?;
        let paused = webhook_endpoint::Entity::update_many()
            .col_expr(
                webhook_endpoint::Column::Status,
                Expr::value(EndpointStatus::Paused.to_value()),
            )
            .col_expr(webhook_endpoint::Column::PausedAt, Expr::value(Some(now)))
            .filter(webhook_endpoint::Column::Id.eq(endpoint.id))
            .filter(webhook_endpoint::Column::Status.eq(EndpointStatus::Active))
            .exec(&txn)
            .await?;
        if paused.rows_affected == 0 {
            return txn.commit().await;
        }
        webhook_delivery::Entity::update_many()
            .col_expr(
                webhook_delivery::Column::Status,
                Expr::value(DeliveryStatus::Failed.to_value()),
            )
            .col_expr(
                webhook_delivery::Column::LastError,
                Expr::value(Some("the endpoint was paused")),
            )
            .filter(webhook_delivery::Column::EndpointId.eq(endpoint.id))
            .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
            .exec(&txn)
            .await?;
        let owner = organiser::Entity::find_by_id(endpoint.organiser_id)
            .one(&txn)
            .await?;
        if let Some(owner) = owner.filter(|o| o.revoked_at.is_none()) {
            let language = owner.language.unwrap_or_default();
            let content = templates::webhook_paused(
                language,
                &templates::WebhookPausedMail {
                    name: &owner.name,
                    url: &endpoint.url,
                    failures,
                },
            );
            mail::enqueue(
                &txn,
                NewMail {
                    kind: "webhook_paused",
                    event_id: endpoint.event_id,
                    recipient: owner.email.clone(),
                    recipient_name: owner.name.clone(),
                    language,
                    content,
                    ics: None,
                    record_id: None,
                },
            )
            .await?;
        }
        txn.commit().await?;
        tracing::warn!(endpoint = %endpoint.id, failures, "webhook endpoint paused");
        self.mail_signal.notify();
        Ok(())
    }
}

/// The error of a failed send in a few words, with its cause (a refused address says so).
fn describe(error: &reqwest::Error) -> String {
    let mut text = if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_connect() {
        "could not connect".to_owned()
    } else {
        "the request failed".to_owned()
    };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn clip(text: &str) -> String {
    text.chars().take(MAX_ERROR_LEN).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_base_up_to_six_hours() {
        let base = Duration::from_secs(30);
        assert_eq!(backoff(base, 1), Duration::from_secs(30));
        assert_eq!(backoff(base, 2), Duration::from_secs(60));
        assert_eq!(backoff(base, 5), Duration::from_secs(480));
        assert_eq!(backoff(base, 12), MAX_BACKOFF);
        assert_eq!(backoff(base, 1000), MAX_BACKOFF);
        assert_eq!(backoff(base, 0), base);
    }
}
