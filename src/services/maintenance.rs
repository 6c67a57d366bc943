//! Periodic housekeeping shared by every instance: expiring unconfirmed holds, old idempotency keys.
use std::time::Duration;

use sea_orm::DatabaseConnection;
use tokio_util::sync::CancellationToken;

use crate::mail::MailSignal;

/// How often the sweep runs.
pub const INTERVAL: Duration = Duration::from_secs(30);

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
pub async fn run_once(_db: &DatabaseConnection, _mail: &MailSignal) -> anyhow::Result<()> {
    Ok(())
}
