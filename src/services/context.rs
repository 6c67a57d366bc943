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
}

impl Ctx {
    /// Tells the mail worker that a committed transaction has queued mail.
    pub fn wake_mailer(&self) {
        self.mail_signal.notify();
    }
}
