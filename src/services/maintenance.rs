//! Periodic housekeeping shared by every instance: expiring unconfirmed holds, old idempotency keys.
use std::sync::OnceLock;
use std::time::Duration;

use sea_orm::DatabaseConnection;
use tokio_util::sync::CancellationToken;

use crate::mail::MailSignal;
use crate::services::{idempotency, registrations};

/// How often the sweep runs.
pub const INTERVAL: Duration = Duration::from_secs(30);

/// The base of the links in mails the sweep queues (a promotion's manage link).
///
/// `run` is started by `startup` without the public URL, so the first request that knows it
/// records it here. TODO: pass `AppState::public_url` to [`run`] and drop this.
static PUBLIC_URL: OnceLock<String> = OnceLock::new();

/// Records the public base URL for the sweep's mails (first caller wins).
pub fn remember_public_url(url: &str) {
    if PUBLIC_URL.get().is_none() {
        let _ = PUBLIC_URL.set(url.to_owned());
    }
}

/// Runs [`run_once`] every [`INTERVAL`] until shutdown.
pub async fn run(db: DatabaseConnection, mail: MailSignal, shutdown: CancellationToken) {
    loop {
        if let Err(err) = run_once(&db, &mail).await {
            tracing::warn!(error = %err, "maintenance sweep failed");
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(INTERVAL) => {}
        }
    }
}

/// One sweep; safe to run on several instances at once.
pub async fn run_once(db: &DatabaseConnection, mail: &MailSignal) -> anyhow::Result<()> {
    let public_url = PUBLIC_URL
        .get()
        .map_or("http://localhost:8080", String::as_str);
    run_once_with(db, mail, public_url).await
}

/// One sweep with an explicit base URL for the links in the mails it queues.
pub async fn run_once_with(
    db: &DatabaseConnection,
    mail: &MailSignal,
    public_url: &str,
) -> anyhow::Result<()> {
    let expired = registrations::expire_holds(db, public_url, crate::domain::time::now())
        .await
        .map_err(|e| anyhow::anyhow!("expiring unconfirmed holds: {e}"))?;
    if expired > 0 {
        tracing::info!(expired, "unconfirmed registrations expired");
        mail.notify();
    }
    let purged = idempotency::purge_expired(db).await?;
    if purged > 0 {
        tracing::debug!(purged, "old idempotency keys purged");
    }
    Ok(())
}
