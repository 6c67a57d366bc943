//! The outbox worker: claims due mail with a lease (safe with several instances on one
//! database), sends it, and records the outcome with exponential backoff.
//! Also the outbox queries the admin routes use: [`list`] and [`retry`].
use std::{
    collections::VecDeque,
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
    transport::{build_message, Mailer, SendHeaders},
    MailSettings,
};

/// How many mails one claim takes.
const BATCH_SIZE: i64 = 20;
/// A claim holds its mails this much longer than one send may take
/// ([`MailSettings::send_timeout`]); the worker renews it while it works through the batch
/// (see [`MailWorker::lease_len`]). Short, so that the claims of a worker that died (SIGKILL,
/// a crash, a lost machine) run out within seconds rather than minutes: 40 s with the default
/// 30 s send timeout.
const LEASE_SLACK: Duration = Duration::from_secs(10);
/// A claim is renewed before a send when less than the send timeout and this much is left of
/// it; a mail is only started while its claim outlasts the whole send, so a send never outlives
/// its claim (and no other worker can take the mail while it is being sent).
const RENEW_AHEAD: Duration = Duration::from_secs(5);
/// No claim is longer than this (and [`clamp_future`] ends longer ones).
const MAX_LEASE: Duration = Duration::from_secs(300);
/// While the database does not answer, the worker tries again this often to record what it
/// sent and to give back what it did not (at most the poll interval).
const DB_RETRY: Duration = Duration::from_secs(1);
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
/// How often due times and leases are pulled back to at most [`MAX_BACKOFF`] and [`MAX_LEASE`]
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
    /// The domain of `MAIL_FROM`: Message-IDs end in it (RFC 5322 §3.6.4).
    domain: String,
    /// The base URL of links derived when a mail is sent (`List-Unsubscribe`).
    public_url: String,
    /// Outcomes not yet written to the database (see [`MailWorker::settle`]).
    backlog: std::sync::Mutex<Backlog>,
}

/// What the worker knows and the database does not yet: kept while the database does not
/// answer, written before anything new is claimed.
#[derive(Debug, Default)]
struct Backlog {
    /// Mails the server took, with the Message-ID they went out with.
    sent: Vec<(Uuid, String)>,
    /// Attempts that failed.
    failed: Vec<FailureRecord>,
    /// Claimed mails not attempted, with the claim's `locked_until`: given back.
    release: Vec<(Uuid, DateTime<Utc>)>,
}

/// What [`MailWorker::check`] found just before a send.
enum Check {
    /// The mail is no longer this worker's to send (deleted with its record, or claimed by
    /// another worker after this claim ran out): left alone.
    Gone,
    /// The mail must not go out: deleted, with the reason for the log.
    Drop(&'static str),
    Send(SendHeaders),
}

/// A failed attempt, to be written: its next attempt or its end.
#[derive(Clone, Debug)]
struct FailureRecord {
    id: Uuid,
    attempts: i32,
    reason: String,
    /// `None`: failed for good.
    next_attempt_at: Option<DateTime<Utc>>,
}

impl FailureRecord {
    async fn write(&self, db: &DatabaseConnection) -> Result<(), DbErr> {
        let mut update = outbox::Entity::update_many()
            .col_expr(outbox::Column::Attempts, Expr::value(self.attempts))
            .col_expr(outbox::Column::LastError, Expr::value(self.reason.clone()))
            .col_expr(
                outbox::Column::LockedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            );
        update = match self.next_attempt_at {
            None => update.col_expr(outbox::Column::Status, Expr::value(OutboxStatus::Failed)),
            Some(at) => update.col_expr(outbox::Column::NextAttemptAt, Expr::value(at)),
        };
        update
            .filter(outbox::Column::Id.eq(self.id))
            .filter(outbox::Column::Status.eq(OutboxStatus::Pending))
            .exec(db)
            .await
            .map(drop)
    }
}

/// A time as both databases keep it (whole microseconds), so that a claim's `locked_until`
/// compares equal to the value the worker holds.
fn stamp(t: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::SubsecRound;
    t.trunc_subsecs(6)
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
        let from = settings
            .from
            .parse::<lettre::message::Mailbox>()
            .map_err(|e| {
                anyhow::anyhow!("MAIL_FROM `{}` is not a valid mailbox: {e}", settings.from)
            })?;
        let domain = from.email.domain().to_owned();
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
            domain,
            public_url: settings.public_url.trim_end_matches('/').to_owned(),
            backlog: std::sync::Mutex::default(),
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
                    tracing::warn!(%error, "mail worker could not reach the outbox; trying again");
                    self.poll_interval.min(DB_RETRY)
                }
            };
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = self.signal.0.wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
        // Give back what this worker still holds, if the database answers.
        if let Err(error) = self.settle().await {
            tracing::warn!(%error, "mail worker stopped without recording every outcome");
        }
        tracing::info!("mail worker stopped");
    }

    /// How long a claim holds its mails: the send timeout and [`LEASE_SLACK`], at most
    /// [`MAX_LEASE`].
    fn lease_len(&self) -> Duration {
        (self.send_timeout + LEASE_SLACK).min(MAX_LEASE)
    }

    /// Claims one batch of due mail and sends it.
    ///
    /// Exactly once where the server allows it (issue 30, item 4): each mail is recorded as
    /// sent right after the mail server took it, and a mail is started only while its claim
    /// outlasts the send. When the database does not answer, what was sent and what was not
    /// attempted are kept in memory and written (recorded as sent, given back at once) as soon
    /// as it answers again, before anything new is claimed; nothing is sent twice for a
    /// database restart. The one case left: a worker killed between the server's answer and
    /// the record of it (at most one mail, the one in flight) sends that mail again after its
    /// claim ran out (at least once, as SMTP itself for a lost reply, RFC 5321 §6.1).
    pub async fn run_once(&self, shutdown: &CancellationToken) -> Result<BatchOutcome, DbErr> {
        self.settle().await?;
        self.clamp_if_due().await?;
        let now = Utc::now();
        let lease_until = stamp(now + self.lease_len());
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
        let mut queue: VecDeque<outbox::Model> = rows.into();
        let mut lease = lease_until;
        let result = self
            .send_batch(&mut queue, &mut lease, shutdown, &mut outcome)
            .await;
        // Whatever was not attempted is given back at once (or as soon as the database answers).
        self.backlog()
            .release
            .extend(queue.iter().map(|r| (r.id, lease)));
        let settled = self.settle().await;
        result.and(settled).map(|()| outcome)
    }

    /// Sends the claimed mails in `queue` (claimed until `lease`) one by one, taking each off
    /// the queue as it is attempted; stops at shutdown, when the claim cannot be renewed, or
    /// when the database fails (the rest stays in the queue).
    async fn send_batch(
        &self,
        queue: &mut VecDeque<outbox::Model>,
        lease: &mut DateTime<Utc>,
        shutdown: &CancellationToken,
        outcome: &mut BatchOutcome,
    ) -> Result<(), DbErr> {
        while let Some(row) = queue.front() {
            if shutdown.is_cancelled() {
                return Ok(());
            }
            let needed = chrono::TimeDelta::from_std(self.send_timeout + RENEW_AHEAD)
                .unwrap_or(chrono::TimeDelta::MAX);
            if *lease - Utc::now() < needed {
                let renewed = stamp(Utc::now() + self.lease_len());
                renew(
                    &self.db,
                    queue.iter().map(|r| r.id).collect(),
                    *lease,
                    renewed,
                )
                .await?;
                *lease = renewed;
            }
            let check = self.check(row, *lease).await?;
            let Some(row) = queue.pop_front() else {
                break;
            };
            let headers = match check {
                Check::Gone => continue,
                Check::Drop(why) => {
                    outbox::Entity::delete_by_id(row.id).exec(&self.db).await?;
                    outcome.dropped += 1;
                    tracing::info!(mail_id = %row.id, kind = %row.kind, why, "mail dropped, not sent");
                    continue;
                }
                Check::Send(headers) => headers,
            };
            let delivered = tokio::select! {
                biased;
                _ = shutdown.cancelled() => None,
                result = self.deliver(&row, &headers) => Some(result),
            };
            match delivered {
                None => {
                    // Stopped mid-send: whether the server took it is unknown; give it back.
                    self.backlog().release.push((row.id, *lease));
                    return Ok(());
                }
                Some(Ok(())) => {
                    self.backlog().sent.push((row.id, headers.message_id));
                    outcome.sent += 1;
                    metrics::counter!("podium_mail_sent_total").increment(1);
                    tracing::info!(mail_id = %row.id, kind = %row.kind, "mail sent");
                }
                Some(Err(failure)) => {
                    metrics::counter!("podium_mail_failures_total").increment(1);
                    let retry_in = self.failure_record(&row, failure);
                    outcome.failed += 1;
                    if let Some(d) = retry_in {
                        outcome.next_retry_in = Some(outcome.next_retry_in.map_or(d, |o| o.min(d)));
                    }
                }
            }
            self.settle().await?;
        }
        Ok(())
    }

    /// Whether a claimed mail may still go out, just before it is sent: it must still be
    /// pending and held by this claim (not erased with its record, not taken over), its record
    /// must not be erased (a sign-in link's mail: the link must still exist), and an announcement's recipient must not have left announcements.
    /// Also reads what the headers need (the first mail about the record is the thread's root).
    async fn check(&self, row: &outbox::Model, lease: DateTime<Utc>) -> Result<Check, DbErr> {
        let backend = self.db.get_database_backend();
        let sql = "SELECT \
              (o.record_id IS NULL \
               OR EXISTS (SELECT 1 FROM registrations r WHERE r.id = o.record_id AND r.erased_at IS NULL) \
               OR EXISTS (SELECT 1 FROM pitches p WHERE p.id = o.record_id) \
               OR EXISTS (SELECT 1 FROM exhibits x WHERE x.id = o.record_id) \
               OR EXISTS (SELECT 1 FROM sign_in_links s WHERE s.id = o.record_id)) AS alive, \
              (o.kind = 'announcement' AND EXISTS \
                (SELECT 1 FROM announcement_opt_outs u WHERE u.record_id = o.record_id)) AS opted_out, \
              (SELECT f.id FROM outbox f WHERE f.record_id = o.record_id ORDER BY f.id LIMIT 1) AS first_id \
            FROM outbox o WHERE o.id = $1 AND o.status = $2 AND o.locked_until = $3";
        let found = self
            .db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [row.id.into(), "pending".into(), lease.into()],
            ))
            .await?;
        let Some(found) = found else {
            return Ok(Check::Gone);
        };
        if !found.try_get::<bool>("", "alive")? {
            return Ok(Check::Drop("its record was erased"));
        }
        if found.try_get::<bool>("", "opted_out")? {
            return Ok(Check::Drop("the recipient left the event's announcements"));
        }
        let first: Option<Uuid> = found.try_get("", "first_id")?;
        let root = row.record_id.map(|r| format!("<{r}@{}>", self.domain));
        let (message_id, thread_root) = match root {
            Some(root) if first == Some(row.id) => (root, None),
            Some(root) => (format!("<{}@{}>", row.id, self.domain), Some(root)),
            None => (format!("<{}@{}>", row.id, self.domain), None),
        };
        let unsubscribe = match (row.kind.as_str(), row.record_id) {
            ("announcement", Some(record)) => {
                Some(super::unsubscribe::url(&self.public_url, record))
            }
            _ => None,
        };
        Ok(Check::Send(SendHeaders {
            message_id,
            thread_root,
            unsubscribe,
        }))
    }

    fn backlog(&self) -> std::sync::MutexGuard<'_, Backlog> {
        self.backlog.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes what the worker holds in memory: mails sent (recorded as sent), attempts that
    /// failed (scheduled again or failed for good), mails not attempted (given back). What
    /// cannot be written stays for the next call.
    async fn settle(&self) -> Result<(), DbErr> {
        loop {
            let next = self.backlog().sent.first().cloned();
            let Some((id, message_id)) = next else { break };
            mark_sent(&self.db, id, &message_id).await?;
            self.backlog().sent.retain(|(i, _)| *i != id);
        }
        loop {
            let next = self.backlog().failed.first().cloned();
            let Some(failure) = next else { break };
            failure.write(&self.db).await?;
            self.backlog().failed.retain(|f| f.id != failure.id);
        }
        loop {
            let next = self.backlog().release.first().copied();
            let Some((_, held)) = next else { break };
            let ids: Vec<Uuid> = self
                .backlog()
                .release
                .iter()
                .filter(|(_, h)| *h == held)
                .map(|(id, _)| *id)
                .collect();
            release(&self.db, ids, held).await?;
            self.backlog().release.retain(|(_, h)| *h != held);
        }
        Ok(())
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
    async fn deliver(&self, row: &outbox::Model, headers: &SendHeaders) -> Result<(), Failure> {
        let message = build_message(row, &self.from, headers).map_err(|e| Failure {
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

    /// Schedules the next attempt, or gives up (written by the next [`MailWorker::settle`]);
    /// returns when the next attempt is due.
    fn failure_record(&self, row: &outbox::Model, failure: Failure) -> Option<Duration> {
        let attempts = row.attempts + 1;
        let give_up = failure.permanent || attempts >= self.max_attempts;
        // The server's reply often quotes the recipient (`550 5.1.1 <x@y>: user unknown`):
        // neither the log nor the outbox keeps an address in the error.
        let reason: String = redact_addresses(&failure.reason)
            .chars()
            .take(MAX_ERROR_LEN)
            .collect();
        let backoff = backoff(attempts);
        if give_up {
            metrics::counter!("podium_mail_failed_total").increment(1);
            tracing::error!(mail_id = %row.id, kind = %row.kind, attempts, permanent = failure.permanent, error = %reason, "mail failed for good");
        } else {
            tracing::warn!(mail_id = %row.id, kind = %row.kind, attempts, retry_in = ?backoff, error = %reason, "mail not sent, will retry");
        }
        self.backlog().failed.push(FailureRecord {
            id: row.id,
            attempts,
            reason,
            next_attempt_at: (!give_up).then(|| Utc::now() + backoff),
        });
        (!give_up).then_some(backoff)
    }
}

/// What one [`MailWorker::run_once`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    pub claimed: usize,
    pub sent: usize,
    pub failed: usize,
    /// Mails not sent because their record was erased or the recipient left announcements.
    pub dropped: usize,
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
/// `now`, and ends leases that run longer than [`MAX_LEASE`] from `now` (each with
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
        .filter(outbox::Column::LockedUntil.gt(now + MAX_LEASE + CLAMP_SLACK))
        .exec(db)
        .await?
        .rows_affected;
    Ok(due + leased)
}

/// Records a mail as sent, with the Message-ID it went out with. Nothing when the mail is
/// gone (erased with its record while it was being sent).
async fn mark_sent(db: &DatabaseConnection, id: Uuid, message_id: &str) -> Result<(), DbErr> {
    outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(OutboxStatus::Sent))
        .col_expr(
            outbox::Column::Attempts,
            sea_orm::sea_query::ExprTrait::add(Expr::col(outbox::Column::Attempts), 1),
        )
        .col_expr(outbox::Column::SentAt, Expr::value(Utc::now()))
        .col_expr(outbox::Column::MessageId, Expr::value(message_id))
        .col_expr(
            outbox::Column::LastError,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            outbox::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::Status.eq(OutboxStatus::Pending))
        .exec(db)
        .await
        .map(drop)
}

/// Extends this worker's claim (`locked_until = held`) on `ids` to `until`; a mail whose claim
/// another worker took meanwhile keeps that claim (and [`MailWorker::check`] then skips it).
async fn renew(
    db: &DatabaseConnection,
    ids: Vec<Uuid>,
    held: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<(), DbErr> {
    outbox::Entity::update_many()
        .col_expr(outbox::Column::LockedUntil, Expr::value(until))
        .filter(outbox::Column::Id.is_in(ids))
        .filter(outbox::Column::Status.eq(OutboxStatus::Pending))
        .filter(outbox::Column::LockedUntil.eq(held))
        .exec(db)
        .await
        .map(drop)
}

/// Gives claimed but unsent mail back, so that it goes out at once (from this worker or
/// another) instead of after the claim; a mail claimed anew by another worker is left alone.
async fn release(
    db: &DatabaseConnection,
    ids: Vec<Uuid>,
    held: DateTime<Utc>,
) -> Result<(), DbErr> {
    outbox::Entity::update_many()
        .col_expr(
            outbox::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(outbox::Column::Id.is_in(ids))
        .filter(outbox::Column::Status.eq(OutboxStatus::Pending))
        .filter(outbox::Column::LockedUntil.eq(held))
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

/// One mail of the outbox, `None` when there is none with this id.
pub async fn find<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<outbox::Model>, DbErr> {
    outbox::Entity::find_by_id(id).one(db).await
}

/// The mail about one record (a registration, pitch or exhibit: `outbox.record_id`), newest
/// first; at most `limit`.
pub async fn of_record<C: ConnectionTrait>(
    db: &C,
    record_id: Uuid,
    limit: u64,
) -> Result<Vec<outbox::Model>, DbErr> {
    outbox::Entity::find()
        .filter(outbox::Column::RecordId.eq(record_id))
        .order_by_desc(outbox::Column::Id)
        .limit(limit)
        .all(db)
        .await
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

/// Which part of the outbox a reader may see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutboxScope {
    /// Every mail (admins).
    All,
    /// Mail about an event: about any event (`None`), or about these events. Mail about no
    /// event (a team member's sign-in) is left out.
    Events(Option<Vec<Uuid>>),
}

/// Lists the outbox newest first (ids are UUIDv7, so id order is creation order); `cursor` is
/// the `next_cursor` of the previous page.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    status: Option<OutboxStatus>,
    limit: u64,
    cursor: Option<Uuid>,
) -> Result<OutboxPage, DbErr> {
    list_in(db, &OutboxScope::All, status, limit, cursor).await
}

/// [`list`] limited to the mail of `scope` (the backoffice's mail page of an organiser).
pub async fn list_in<C: ConnectionTrait>(
    db: &C,
    scope: &OutboxScope,
    status: Option<OutboxStatus>,
    limit: u64,
    cursor: Option<Uuid>,
) -> Result<OutboxPage, DbErr> {
    let limit = limit.clamp(1, 500);
    let filtered = || {
        let mut q = outbox::Entity::find();
        match scope {
            OutboxScope::All => {}
            OutboxScope::Events(None) => q = q.filter(outbox::Column::EventId.is_not_null()),
            OutboxScope::Events(Some(ids)) => {
                q = q.filter(outbox::Column::EventId.is_in(ids.iter().copied()))
            }
        }
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
