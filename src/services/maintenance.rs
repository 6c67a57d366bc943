//! Periodic housekeeping shared by every instance: expiring unconfirmed holds, old idempotency
//! keys, and the text of sent mail once its retention is over.
use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::outbox;
use sea_orm::{
    sea_query::{Expr, Order, Query},
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, UpdateMany,
};
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
    let purged = idempotency::purge_expired(db, crate::domain::time::now()).await?;
    if purged > 0 {
        tracing::debug!(purged, "old idempotency keys purged");
    }
    Ok(())
}

/// Sent mail that still has its text: the predicate of the partial index
/// `idx_outbox_sent_text` (migration `m20261201_000001`), word for word and with literals, not
/// bound values: PostgreSQL and SQLite use a partial index only for a condition that implies
/// its predicate, which they cannot tell of a bound value in a plan made for any value
/// (PostgreSQL's generic plans; SQLite's always, built with `SQLITE_ENABLE_QPSG`). With it the
/// sweep reads the mails whose retention is over, not every mail ever sent.
const SENT_WITH_TEXT: &str = "status = 'sent' AND text_body <> ''";

/// One chunk of [`drop_sent_mail_text`]: the [`CHUNK`](crate::db::CHUNK) mails sent longest
/// ago before `cutoff` that still have their text lose it.
pub fn mail_text_drop(cutoff: DateTime<Utc>) -> UpdateMany<outbox::Entity> {
    let due = Query::select()
        .column(outbox::Column::Id)
        .from(outbox::Entity)
        .and_where(Expr::cust(SENT_WITH_TEXT))
        .and_where(outbox::Column::SentAt.lt(cutoff))
        .order_by(outbox::Column::SentAt, Order::Asc)
        .limit(crate::db::CHUNK)
        .to_owned();
    outbox::Entity::update_many()
        .col_expr(outbox::Column::Subject, Expr::value(""))
        .col_expr(outbox::Column::TextBody, Expr::value(""))
        .col_expr(outbox::Column::HtmlBody, Expr::value(""))
        .col_expr(outbox::Column::RecipientName, Expr::value(""))
        .col_expr(outbox::Column::Ics, Expr::value(Option::<String>::None))
        .col_expr(
            outbox::Column::IcsMethod,
            Expr::value(Option::<String>::None),
        )
        .filter(outbox::Column::Id.in_subquery(due))
        // Checked again on the row itself: on PostgreSQL a second instance's sweep that chose
        // the same mails waits for the first's row locks and then sees the rows as they are
        // now (the subquery's choice is not made again), so without it blanked them twice and
        // both went on chunk by chunk together. Only this part of the condition: with all of
        // it SQLite drove the update from the partial index over every mail due.
        .filter(Expr::cust("text_body <> ''"))
}

/// Drops the text of mail sent before `cutoff` (storage limitation, GDPR Art. 5(1)(e)): the
/// subject, the bodies with their names and manage links, the calendar attachment and the
/// recipient's name. What the admin outbox needs to show that a mail went out stays: its kind,
/// event, recipient address, status, attempts and times. Returns how many mails lost their
/// text. In chunks ([`mail_text_drop`], [`crate::db::in_chunks`]); safe on several instances
/// at once (a mail whose text another instance dropped no longer matches).
pub async fn drop_sent_mail_text(
    db: &impl sea_orm::ConnectionTrait,
    cutoff: DateTime<Utc>,
) -> Result<u64, DbErr> {
    crate::db::in_chunks(|| async { Ok(mail_text_drop(cutoff).exec(db).await?.rows_affected) })
        .await
}

#[cfg(test)]
mod tests {
    use entity::outbox::OutboxStatus;
    use sea_orm::ActiveEnum;

    /// The literal in [`super::SENT_WITH_TEXT`] (and in the index's predicate) is the value the
    /// database stores for a sent mail.
    #[test]
    fn the_sweeps_literal_is_the_stored_status_of_a_sent_mail() {
        assert_eq!(OutboxStatus::Sent.to_value(), "sent");
        assert!(super::SENT_WITH_TEXT.starts_with("status = 'sent' "));
    }
}
