//! What a service needs from the running application, and nothing of HTTP.
use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::config::Settings;
use crate::mail::MailSignal;

/// The database, the links and the mail worker's wake-up: the part of the application state
/// services may reach. Handlers hold it inside `AppState` (which dereferences to it), so
/// `services::pitches::submit(&state, …)` reads the same from a route, a page or a test.
pub struct Ctx {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    /// Base of the links in mails and feeds, without a trailing slash.
    pub public_url: String,
    /// Wakes the mail worker (see [`Ctx::wake_mailer`]).
    pub mail_signal: MailSignal,
    /// Wakes the webhook worker (also by [`Ctx::wake_mailer`]).
    pub webhook_signal: crate::webhooks::WebhookSignal,
}

impl Ctx {
    /// Tells the outbox workers that a committed transaction has queued mail or webhook
    /// deliveries: the mail worker and the webhook worker (which finds nothing to do when the
    /// change subscribed no endpoint).
    pub fn wake_mailer(&self) {
        self.mail_signal.notify();
        self.webhook_signal.notify();
    }
}
