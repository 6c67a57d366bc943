//! Periodic housekeeping shared by every instance: expiring unconfirmed holds, old idempotency keys.
use std::time::Duration;

use sea_orm::DatabaseConnection;
use tokio_util::sync::CancellationToken;

use crate::mail::MailSignal;
use crate::services::read_cache::WriteEpoch;
use crate::services::{idempotency, registrations};

/// How often the sweep runs.
pub const INTERVAL: Duration = Duration::from_secs(30);

/// Runs [`run_once`] every [`INTERVAL`] until shutdown, bumping `writes` after each sweep;
/// `public_url` is the base of the links in the mails the sweep queues (a promotion's manage
/// link).
pub async fn run(
    db: DatabaseConnection,
    mail: MailSignal,
    public_url: String,
    writes: WriteEpoch,
    shutdown: CancellationToken,
) {
    loop {
        if let Err(err) = run_once(&db, &mail, &public_url).await {
            tracing::warn!(error = %err, "maintenance sweep failed");
        }
        // The sweep writes registrations and event counts: this instance re-reads what it holds.
        writes.bump();
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(INTERVAL) => {}
        }
    }
}

/// One sweep; safe to run on several instances at once.
pub async fn run_once(
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
