//! The outbox worker: claims due mail with a lease (safe with several instances on one
//! database), sends it, and records the outcome with exponential backoff.
//! Also the outbox queries the admin routes use: [`list`] and [`retry`].
use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use chrono::{DateTime, Utc};
use entity::outbox::{self, OutboxStatus};
use sea_orm::{
    sea_query::Expr, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr,
    EntityTrait, IdenStatic, Iterable, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Statement, Value,
};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::{
    transport::{build_message, Mailer},
    MailSettings,
};

/// How many mails one claim takes.
const BATCH_SIZE: i64 = 20;
/// Sent mails are marked in the outbox this many at a time (and at the end of each claim).
/// A hard kill between a send and its mark sends that mail again after the lease, so this
/// bounds the mails a crash can repeat; one statement per mail would cost a commit each.
const MARK_EVERY: usize = 5;
/// How long a claim keeps other workers away from a mail.
const LEASE: Duration = Duration::from_secs(300);
/// A mail is only started while this much of its lease is left, so a send never outlives it.
const LEASE_MARGIN: Duration = Duration::from_secs(120);
/// How long a claim may start from the last claim's oldest due time (see [`Floor`]).
const FLOOR_RESET: Duration = Duration::from_secs(2);
/// The longest wait between two attempts of one mail.
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// `last_error` keeps this many characters.
const MAX_ERROR_LEN: usize = 300;
/// Due times and leases are clamped only when they lie this much beyond the longest backoff or
/// lease: another worker may have claimed a mail, or scheduled its retry, between this worker
/// reading the clock and its statement running (a clamp with a stale "now" gave a fresh claim
/// away and the mail was sent twice); instances' clocks may also differ a little.
const CLAMP_SLACK: Duration = Duration::from_secs(60);
/// How often due times and leases are pulled back to at most [`MAX_BACKOFF`] and [`LEASE`]
/// from now (see [`clamp_future`]).
const CLAMP_EVERY: Duration = Duration::from_secs(5);

/// While the registration desk started or finished a batch within this long, the worker
/// counts it as busy (see [`MailSignal::desk_batch`]). Under load a batch of 16 takes 3–4 ms
/// from its start to its commit, with a linger of at most 1 ms between batches
/// (`bench/README.md`, session 9).
const DESK_BUSY_WINDOW_MICROS: u64 = 10_000;
/// How long the worker pauses after each batch while the desk is busy: at 20 mails a batch it
/// still sends 700–800 mails a second during a burst (`bench/README.md`, session 9).
const YIELD_TO_DESK: Duration = Duration::from_millis(20);
/// Mail due longer ago than this is sent at full speed, busy desk or not: under a load that
/// does not end, the queue's delay stays bounded (a pending registration's confirmation link
/// must arrive well within its hold).
const YIELD_AT_MOST: chrono::TimeDelta = chrono::TimeDelta::seconds(30);

/// Wakes the worker right after a transaction that queued mail has committed, and tells it
/// when the registration desk is busy; cheap to clone.
#[derive(Clone, Debug)]
pub struct MailSignal(Arc<SignalState>);

#[derive(Debug)]
struct SignalState {
    wake: Notify,
    /// When the desk last started or finished a batch: microseconds since `epoch`, 0 for never.
    desk_batch: AtomicU64,
    epoch: std::time::Instant,
}

impl Default for MailSignal {
    fn default() -> Self {
        Self(Arc::new(SignalState {
            wake: Notify::new(),
            desk_batch: AtomicU64::new(0),
            epoch: std::time::Instant::now(),
        }))
    }
}

impl MailSignal {
    pub fn new() -> Self {
        Self::default()
    }

    /// Call after the commit; if the worker is busy it looks again as soon as it is done.
    pub fn notify(&self) {
        self.0.wake.notify_one();
    }

    /// The registration desk calls this as it starts a batch and as it finishes one (on
    /// PostgreSQL; see `registrations::desk`). People waiting for the answer to a registration
    /// come before the mails already queued: while the desk is busy the worker pauses
    /// [`YIELD_TO_DESK`] after each batch it sends, instead of keeping both cores and the
    /// database busy beside the desk. A mail costs podium and PostgreSQL about twice the CPU
    /// of the registration it confirms (280–400 µs against about 150 µs); registrations
    /// 3 885–4 048/s with the worker sending at full speed, 5 187–5 390/s with the pause
    /// (three pairs, `bench/README.md` session 9). The worker never stops: the mails of a burst
    /// go out during it, more slowly, and the rest right after it; mail overdue by more than
    /// [`YIELD_AT_MOST`] is sent at full speed.
    pub fn desk_batch(&self) {
        // 0 stands for "never".
        let now = self.micros().max(1);
        self.0.desk_batch.store(now, Ordering::Relaxed);
    }

    /// Whether the desk started or finished a batch within the last [`DESK_BUSY_WINDOW_MICROS`].
    fn desk_busy(&self) -> bool {
        busy_at(self.0.desk_batch.load(Ordering::Relaxed), self.micros())
    }

    /// Microseconds since the signal was made.
    fn micros(&self) -> u64 {
        u64::try_from(self.0.epoch.elapsed().as_micros()).unwrap_or(u64::MAX)
    }
}

/// Whether a desk last seen at `last` (microseconds, 0 for never) counts as busy at `now`.
fn busy_at(last: u64, now: u64) -> bool {
    last != 0 && now.saturating_sub(last) < DESK_BUSY_WINDOW_MICROS
}

/// Sends the outbox. Build it once when the app starts, hand [`MailWorker::signal`] to the app, and
/// [`MailWorker::spawn`] it with a token that is cancelled on shutdown.
pub struct MailWorker {
    db: DatabaseConnection,
    /// Replaced by a fresh transport after a send timed out (see [`MailWorker::deliver`]).
    mailer: std::sync::Mutex<Mailer>,
    settings: MailSettings,
    from: String,
    max_attempts: i32,
    poll_interval: Duration,
    send_timeout: Duration,
    signal: MailSignal,
    /// Where the next claim starts looking (see [`Floor`]).
    floor: std::sync::Mutex<Floor>,
    /// When [`clamp_future`] last ran.
    clamped_at: std::sync::Mutex<Option<std::time::Instant>>,
}

/// The oldest due time the last claim took. Mail due earlier was sent or held by a claim when
/// that claim read the outbox, so the next claim starts here instead of stepping again over the
/// index entries of every mail sent since the last vacuum (a claim cost 4 ms and more while a
/// backlog of confirmations drained). Forgotten every [`FLOOR_RESET`], so that mail due earlier
/// that was not visible yet (a transaction that committed after a later one) or that another
/// worker gave back is found again: such a mail waits at most that much longer.
#[derive(Debug, Default)]
struct Floor {
    due: Option<DateTime<Utc>>,
    since: Option<std::time::Instant>,
}

impl Floor {
    fn current(&mut self) -> Option<DateTime<Utc>> {
        if self.since.is_some_and(|t| t.elapsed() >= FLOOR_RESET) {
            *self = Self::default();
        }
        self.due
    }

    fn raise(&mut self, due: DateTime<Utc>) {
        if self.due.is_none_or(|d| due > d) {
            self.due = Some(due);
        }
        self.since.get_or_insert_with(std::time::Instant::now);
    }
}

impl MailWorker {
    /// Builds the transport from the settings: a bad `SMTP_URL` or `MAIL_FROM` fails here.
    pub fn new(db: DatabaseConnection, settings: &MailSettings) -> anyhow::Result<Self> {
        let mailer = Mailer::from_settings(settings)?;
        settings
            .from
            .parse::<lettre::message::Mailbox>()
            .map_err(|e| {
                anyhow::anyhow!("MAIL_FROM `{}` is not a valid mailbox: {e}", settings.from)
            })?;
        Ok(Self {
            db,
            mailer: std::sync::Mutex::new(mailer),
            settings: settings.clone(),
            from: settings.from.clone(),
            max_attempts: settings.max_attempts.max(1),
            poll_interval: settings.poll_interval,
            send_timeout: settings.send_timeout,
            signal: MailSignal::new(),
            floor: std::sync::Mutex::default(),
            clamped_at: std::sync::Mutex::default(),
        })
    }

    /// Uses a signal created elsewhere (e.g. before the app state was built).
    pub fn with_signal(mut self, signal: MailSignal) -> Self {
        self.signal = signal;
        self
    }

    pub fn signal(&self) -> MailSignal {
        self.signal.clone()
    }

    pub fn spawn(self, shutdown: CancellationToken) -> tokio::task::JoinHandle<()> {
        tokio::spawn(self.run(shutdown))
    }

    /// Sends due mail until `shutdown` is cancelled. A mail being sent is abandoned at once and
    /// its claim given back (it is sent again by the next worker: at least once), so a silent
    /// mail server never holds up a shutdown.
    pub async fn run(self, shutdown: CancellationToken) {
        tracing::info!(poll_interval = ?self.poll_interval, "mail worker started");
        while !shutdown.is_cancelled() {
            let outcome = self.run_once(&shutdown).await;
            let recent = |o: &BatchOutcome| {
                o.oldest_due
                    .is_some_and(|due| Utc::now() - due < YIELD_AT_MOST)
            };
            if matches!(&outcome, Ok(o) if recent(o)) && self.signal.desk_busy() {
                tracing::debug!(pause = ?YIELD_TO_DESK, "the registration desk is busy: mail waits");
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep(YIELD_TO_DESK) => {}
                }
            }
            let wait = match outcome {
                Ok(outcome) if outcome.claimed as i64 >= BATCH_SIZE => continue,
                Ok(outcome) => outcome
                    .next_retry_in
                    .map_or(self.poll_interval, |d| d.min(self.poll_interval)),
                Err(error) => {
                    tracing::warn!(%error, "mail worker could not read the outbox");
                    self.poll_interval
                }
            };
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = self.signal.0.wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
        tracing::info!("mail worker stopped");
    }

    /// Claims one batch of due mail and sends it.
    pub async fn run_once(&self, shutdown: &CancellationToken) -> Result<BatchOutcome, DbErr> {
        self.clamp_if_due().await?;
        let now = Utc::now();
        let lease_until = now + LEASE;
        let from = self.floor().current();
        let rows = claim(&self.db, now, lease_until, BATCH_SIZE, from).await?;
        if let Some(first) = rows.first() {
            self.floor().raise(first.next_attempt_at);
        }
        let mut outcome = BatchOutcome {
            claimed: rows.len(),
            oldest_due: rows.first().map(|r| r.next_attempt_at),
            ..BatchOutcome::default()
        };
        let mut rows = rows.into_iter();
        // Sent but not yet marked: written back together, MARK_EVERY at a time.
        let mut sent: Vec<Uuid> = Vec::with_capacity(MARK_EVERY);
        while let Some(row) = rows.next() {
            if shutdown.is_cancelled() || Utc::now() + LEASE_MARGIN > lease_until {
                mark_sent(&self.db, std::mem::take(&mut sent)).await?;
                let rest: Vec<Uuid> = std::iter::once(row.id).chain(rows.map(|r| r.id)).collect();
                release(&self.db, rest).await?;
                break;
            }
            let delivered = tokio::select! {
                biased;
                _ = shutdown.cancelled() => None,
                result = self.deliver(&row) => Some(result),
            };
            match delivered {
                None => {
                    // Stopped mid-send: whether the server took it is unknown; give it back.
                    mark_sent(&self.db, std::mem::take(&mut sent)).await?;
                    let rest: Vec<Uuid> =
                        std::iter::once(row.id).chain(rows.map(|r| r.id)).collect();
                    release(&self.db, rest).await?;
                    break;
                }
                Some(Ok(())) => {
                    sent.push(row.id);
                    if sent.len() >= MARK_EVERY {
                        mark_sent(&self.db, std::mem::take(&mut sent)).await?;
                    }
                    outcome.sent += 1;
                    metrics::counter!("podium_mail_sent_total").increment(1);
                    tracing::info!(mail_id = %row.id, kind = %row.kind, "mail sent");
                }
                Some(Err(failure)) => {
                    metrics::counter!("podium_mail_failures_total").increment(1);
                    let retry_in = self.record_failure(&row, failure).await?;
                    outcome.failed += 1;
                    if let Some(d) = retry_in {
                        outcome.next_retry_in = Some(outcome.next_retry_in.map_or(d, |o| o.min(d)));
                    }
                }
            }
        }
        mark_sent(&self.db, sent).await?;
        Ok(outcome)
    }

    fn floor(&self) -> std::sync::MutexGuard<'_, Floor> {
        self.floor.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Pulls due times and leases that lie too far ahead (the clock was set back) back to now,
    /// at most every [`CLAMP_EVERY`].
    async fn clamp_if_due(&self) -> Result<(), DbErr> {
        let due = {
            let mut at = self.clamped_at.lock().unwrap_or_else(|e| e.into_inner());
            let due = at.is_none_or(|t| t.elapsed() >= CLAMP_EVERY);
            if due {
                *at = Some(std::time::Instant::now());
            }
            due
        };
        if due {
            let clamped = clamp_future(&self.db, Utc::now()).await?;
            if clamped > 0 {
                tracing::warn!(
                    mails = clamped,
                    "mail was due or leased further ahead than possible (the clock went back); due now"
                );
            }
        }
        Ok(())
    }

    /// Sends one mail within the send timeout. A timed-out send leaves the SMTP connection in
    /// an unknown state, so the transport (and its pooled connections) is replaced.
    async fn deliver(&self, row: &outbox::Model) -> Result<(), Failure> {
        let message = build_message(row, &self.from).map_err(|e| Failure {
            permanent: true,
            reason: format!("{e:#}"),
        })?;
        let mailer = self.mailer().clone();
        match tokio::time::timeout(self.send_timeout, mailer.send(message)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(Failure {
                permanent: e.permanent,
                reason: e.message,
            }),
            Err(_) => {
                match Mailer::from_settings(&self.settings) {
                    Ok(fresh) => *self.mailer() = fresh,
                    Err(e) => tracing::warn!(error = %e, "could not renew the mail transport"),
                }
                Err(Failure {
                    permanent: false,
                    reason: format!(
                        "the mail server did not finish within {} s",
                        self.send_timeout.as_secs_f32()
                    ),
                })
            }
        }
    }

    fn mailer(&self) -> std::sync::MutexGuard<'_, Mailer> {
        self.mailer.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Schedules the next attempt, or gives up; returns when the next attempt is due.
    async fn record_failure(
        &self,
        row: &outbox::Model,
        failure: Failure,
    ) -> Result<Option<Duration>, DbErr> {
        let attempts = row.attempts + 1;
        let give_up = failure.permanent || attempts >= self.max_attempts;
        // The server's reply often quotes the recipient (`550 5.1.1 <x@y>: user unknown`):
        // neither the log nor the outbox keeps an address in the error.
        let reason: String = redact_addresses(&failure.reason)
            .chars()
            .take(MAX_ERROR_LEN)
            .collect();
        let backoff = backoff(attempts);
        let mut update = outbox::Entity::update_many()
            .col_expr(outbox::Column::Attempts, Expr::value(attempts))
            .col_expr(outbox::Column::LastError, Expr::value(reason.clone()))
            .col_expr(
                outbox::Column::LockedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            );
        if give_up {
            update = update.col_expr(outbox::Column::Status, Expr::value(OutboxStatus::Failed));
            metrics::counter!("podium_mail_failed_total").increment(1);
            tracing::error!(mail_id = %row.id, kind = %row.kind, attempts, permanent = failure.permanent, error = %reason, "mail failed for good");
        } else {
            update = update.col_expr(
                outbox::Column::NextAttemptAt,
                Expr::value(Utc::now() + backoff),
            );
            tracing::warn!(mail_id = %row.id, kind = %row.kind, attempts, retry_in = ?backoff, error = %reason, "mail not sent, will retry");
        }
        update
            .filter(outbox::Column::Id.eq(row.id))
            .exec(&self.db)
            .await?;
        Ok((!give_up).then_some(backoff))
    }
}

/// What one [`MailWorker::run_once`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    pub claimed: usize,
    pub sent: usize,
    pub failed: usize,
    /// The earliest retry this batch scheduled.
    pub next_retry_in: Option<Duration>,
    /// When the oldest mail claimed was due; `None` when none was claimed.
    pub oldest_due: Option<DateTime<Utc>>,
}

struct Failure {
    /// The mail cannot be built (e.g. an invalid address) or the server refused it with a 5xx
    /// reply; trying again will not help.
    permanent: bool,
    reason: String,
}

/// `text` with every `local@domain` token in it (the recipient's address, however the server
/// spelled it, and any other) replaced by `[address]`.
fn redact_addresses(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let is_address_char = |c: char| {
        !c.is_whitespace()
            && !matches!(
                c,
                '<' | '>' | '(' | ')' | '[' | ']' | ',' | ';' | '"' | '\''
            )
    };
    let mut rest = text;
    while let Some(at) = rest.find('@') {
        let start = rest[..at]
            .char_indices()
            .rev()
            .find(|&(_, c)| !is_address_char(c))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let end = rest[at + 1..]
            .char_indices()
            .find(|&(_, c)| !is_address_char(c))
            .map_or(rest.len(), |(i, _)| at + 1 + i);
        out.push_str(&rest[..start]);
        out.push_str("[address]");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// 2 s, 4 s, 8 s … after the 1st, 2nd, 3rd failed attempt, at most [`MAX_BACKOFF`].
fn backoff(attempts: i32) -> Duration {
    let exp = attempts.clamp(1, 6) as u32;
    Duration::from_secs(2u64.pow(exp)).min(MAX_BACKOFF)
}

/// Leases up to `limit` due mails to this worker. On PostgreSQL `SKIP LOCKED` lets concurrent
/// workers take disjoint batches; SQLite has a single writer, so the update is atomic anyway.
async fn claim(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
    from: Option<DateTime<Utc>>,
) -> Result<Vec<outbox::Model>, DbErr> {
    let backend = db.get_database_backend();
    let lock = match backend {
        DatabaseBackend::Postgres => " FOR UPDATE SKIP LOCKED",
        _ => "",
    };
    // The columns by name, not `*`: SQLite expands `*` from the schema a pooled connection
    // cached when it opened, so a connection opened before a migration added a column
    // described one column fewer than it then returned (sqlx panicked on the index).
    let columns = outbox::Column::iter()
        .map(|c| format!("\"{}\"", c.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    // The limit is written into the text (a number), not bound: with `LIMIT $n` PostgreSQL's
    // generic plan reckons with a tenth of the outbox and it planned every claim afresh (see
    // `services::registrations::sql::postgres::list_page`).
    let sql = format!(
        "UPDATE outbox SET locked_until = $1 WHERE id IN (\
           SELECT id FROM outbox WHERE status = $2 AND next_attempt_at <= $3 \
           AND next_attempt_at >= $5 \
           AND (locked_until IS NULL OR locked_until < $4) \
           ORDER BY next_attempt_at LIMIT {limit}{lock}) \
         RETURNING {columns}"
    );
    let values: Vec<Value> = vec![
        lease_until.into(),
        "pending".into(),
        now.into(),
        now.into(),
        // No mail is due before 1970: without a floor the condition holds for all.
        from.unwrap_or(DateTime::<Utc>::UNIX_EPOCH).into(),
    ];
    let mut rows = outbox::Entity::find()
        .from_raw_sql(Statement::from_sql_and_values(backend, sql, values))
        .all(db)
        .await?;
    rows.sort_by_key(|r| r.next_attempt_at);
    Ok(rows)
}

/// Pulls `next_attempt_at` of pending mail due later than [`MAX_BACKOFF`] from `now` back to
/// `now`, and ends leases that run longer than [`LEASE`] from `now` (each with
/// [`CLAMP_SLACK`]). No mail is ever queued further ahead than the longest backoff, so such
/// times come from a clock that was set back (after running ahead, mail stayed due in 2036);
/// the worker re-clamps every [`CLAMP_EVERY`].
/// Returns the number of mails changed.
pub async fn clamp_future<C: ConnectionTrait>(db: &C, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let due = outbox::Entity::update_many()
        .col_expr(outbox::Column::NextAttemptAt, Expr::value(now))
        .filter(outbox::Column::Status.eq(OutboxStatus::Pending))
        .filter(outbox::Column::NextAttemptAt.gt(now + MAX_BACKOFF + CLAMP_SLACK))
        .exec(db)
        .await?
        .rows_affected;
    let leased = outbox::Entity::update_many()
        .col_expr(
            outbox::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(outbox::Column::Status.eq(OutboxStatus::Pending))
        .filter(outbox::Column::LockedUntil.gt(now + LEASE + CLAMP_SLACK))
        .exec(db)
        .await?
        .rows_affected;
    Ok(due + leased)
}

/// Records mails as sent (one statement for several: fewer commits while a backlog drains).
async fn mark_sent(db: &DatabaseConnection, ids: Vec<Uuid>) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(OutboxStatus::Sent))
        .col_expr(
            outbox::Column::Attempts,
            sea_orm::sea_query::ExprTrait::add(Expr::col(outbox::Column::Attempts), 1),
        )
        .col_expr(outbox::Column::SentAt, Expr::value(Utc::now()))
        .col_expr(
            outbox::Column::LastError,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            outbox::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(outbox::Column::Id.is_in(ids))
        .exec(db)
        .await
        .map(drop)
}

/// Gives claimed but unsent mail back, so another worker need not wait for the lease to end.
async fn release(db: &DatabaseConnection, ids: Vec<Uuid>) -> Result<(), DbErr> {
    outbox::Entity::update_many()
        .col_expr(
            outbox::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(outbox::Column::Id.is_in(ids))
        .filter(outbox::Column::Status.eq(OutboxStatus::Pending))
        .exec(db)
        .await
        .map(drop)
}

/// Queues a failed (or pending) mail again now, with a fresh attempt count. `None` when there is
/// no such mail; a mail already sent is returned unchanged (status `sent`), for a 409.
pub async fn retry<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<outbox::Model>, DbErr> {
    outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(OutboxStatus::Pending))
        .col_expr(outbox::Column::Attempts, Expr::value(0))
        .col_expr(outbox::Column::NextAttemptAt, Expr::value(Utc::now()))
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::Status.is_in([OutboxStatus::Pending, OutboxStatus::Failed]))
        .exec(db)
        .await?;
    outbox::Entity::find_by_id(id).one(db).await
}

/// One page of the outbox, newest first.
#[derive(Clone, Debug)]
pub struct OutboxPage {
    pub items: Vec<outbox::Model>,
    /// Pass as `cursor` for the next page; `None` on the last page.
    pub next_cursor: Option<Uuid>,
    /// All mails matching the filter, across pages.
    pub total: u64,
}

/// Lists the outbox newest first (ids are UUIDv7, so id order is creation order); `cursor` is
/// the `next_cursor` of the previous page.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    status: Option<OutboxStatus>,
    limit: u64,
    cursor: Option<Uuid>,
) -> Result<OutboxPage, DbErr> {
    let limit = limit.clamp(1, 500);
    let filtered = || {
        let q = outbox::Entity::find();
        match status {
            Some(s) => q.filter(outbox::Column::Status.eq(s)),
            None => q,
        }
    };
    let total = filtered().count(db).await?;
    let mut page = filtered();
    if let Some(c) = cursor {
        page = page.filter(outbox::Column::Id.lt(c));
    }
    let mut items = page
        .order_by_desc(outbox::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await?;
    let next_cursor = if items.len() as u64 > limit {
        items.truncate(limit as usize);
        items.last().map(|m| m.id)
    } else {
        None
    };
    Ok(OutboxPage {
        items,
        next_cursor,
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_in_an_smtp_reply_are_redacted() {
        let reply = "permanent error (550): 5.1.1 <Victim@Example.org>: Recipient address rejected: user unknown in virtual mailbox table";
        let redacted = redact_addresses(reply);
        assert_eq!(
            redacted,
            "permanent error (550): 5.1.1 <[address]>: Recipient address rejected: user unknown in virtual mailbox table"
        );
        assert_eq!(
            redact_addresses("mailbox VICTIM@EXAMPLE.ORG, also a@b.c full"),
            "mailbox [address], also [address] full"
        );
        assert_eq!(redact_addresses("no address here"), "no address here");
        assert_eq!(
            redact_addresses("Grüße an ü@ö.example"),
            "Grüße an [address]"
        );
    }

    #[test]
    fn the_desk_counts_as_busy_for_10_ms_after_it_was_last_seen() {
        assert!(!busy_at(0, 5), "a desk never seen is idle");
        assert!(busy_at(1_000, 1_000));
        assert!(busy_at(1_000, 10_999));
        assert!(!busy_at(1_000, 11_000));
        assert!(!busy_at(1_000, u64::MAX));
        assert!(!MailSignal::new().desk_busy());
    }

    #[test]
    fn backoff_doubles_and_is_capped_at_a_minute() {
        let secs: Vec<u64> = (1..=8).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(secs, [2, 4, 8, 16, 32, 60, 60, 60]);
    }
}
