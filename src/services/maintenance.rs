//! Periodic housekeeping shared by every instance: expiring unconfirmed holds, old idempotency
//! keys, and the text of sent mail once its retention is over.
use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::outbox::{self, OutboxStatus};
use sea_orm::{sea_query::Expr, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use tokio_util::sync::CancellationToken;

use crate::mail::MailSignal;
use crate::services::read_cache::WriteEpoch;
use crate::services::{idempotency, registrations};

/// How often the sweep runs.
pub const INTERVAL: Duration = Duration::from_secs(30);

/// Runs [`run_once`] every [`INTERVAL`] until shutdown, bumping `writes` after each sweep;
/// `public_url` is the base of the links in the mails the sweep queues (a promotion's manage
/// link); sent mail keeps its text for `mail_retention` (see [`drop_sent_mail_text`]).
pub async fn run(
    db: DatabaseConnection,
    mail: MailSignal,
    public_url: String,
    mail_retention: chrono::Duration,
    writes: WriteEpoch,
    shutdown: CancellationToken,
) {
    loop {
        if let Err(err) = run_once(&db, &mail, &public_url).await {
            tracing::warn!(error = %err, "maintenance sweep failed");
        }
        let cutoff = crate::domain::time::now() - mail_retention;
        match drop_sent_mail_text(&db, cutoff).await {
            Ok(0) => {}
            Ok(dropped) => tracing::info!(dropped, "text of old sent mail dropped"),
            Err(err) => tracing::warn!(error = %err, "dropping old mail text failed"),
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

/// Drops the text of mail sent before `cutoff` (storage limitation, GDPR Art. 5(1)(e)): the
/// subject, the bodies with their names and manage links, the calendar attachment and the
/// recipient's name. What the admin outbox needs to show that a mail went out stays: its kind,
/// event, recipient address, status, attempts and times. Returns how many mails lost their text.
pub async fn drop_sent_mail_text(
    db: &impl sea_orm::ConnectionTrait,
    cutoff: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let result = outbox::Entity::update_many()
        .col_expr(outbox::Column::Subject, Expr::value(""))
        .col_expr(outbox::Column::TextBody, Expr::value(""))
        .col_expr(outbox::Column::HtmlBody, Expr::value(""))
        .col_expr(outbox::Column::RecipientName, Expr::value(""))
        .col_expr(outbox::Column::Ics, Expr::value(Option::<String>::None))
        .col_expr(
            outbox::Column::IcsMethod,
            Expr::value(Option::<String>::None),
        )
        .filter(outbox::Column::Status.eq(OutboxStatus::Sent))
        .filter(outbox::Column::SentAt.lt(cutoff))
        .filter(outbox::Column::TextBody.ne(""))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
