//! The registration desk: registrations arriving together are committed together.
//!
//! Every registration of an event must lock the event row to take a seat, so registrations of
//! one event commit one after another, and each commit waits for the database to make it
//! durable. The desk turns that queue into batches: requests arriving while a batch commits
//! wait for the next one, which takes them all with one lock, a few statements and one commit
//! ([`register_batch`]). A batch that fails as a whole (a conflict with another
//! instance, a busy database) is retried one registration at a time, so no request is
//! answered with another's error.
//!
//! The desk is the only way a new registration is written: API requests and the event page's
//! form, with an idempotency key or without. A key is judged under the batch's lock (a repeat
//! replays the first answer, the same key with another body is a 422) and stored with its
//! answer in the batch's own transaction, so a registration and its key commit or fail
//! together: there is no window in which a key is taken but its registration not yet written.
use std::collections::HashMap;

use entity::{
    idempotency_key,
    registration::{self, RegistrationStatus},
};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::mail::{Notice, Rendering};
use super::seats::{check_mailbox, check_open, hold_until, mailbox_usage};
use super::sql::Dialect;
use super::{NewRegistration, Registered};
use crate::domain::{
    time::now,
    token::{self, Kind},
};
use crate::error::{ApiError, ApiResult};
use crate::mail::MailSignal;
use crate::services::idempotency::{self, IdempotencyKey, Once};
use crate::services::questions;
use crate::webhooks::{self, Change, EventType, Subject};

/// Most registrations committed in one transaction.
const BATCH_MAX: usize = 128;
/// How long a busy desk waits at most for more registrations before it starts a batch.
const LINGER: std::time::Duration = std::time::Duration::from_millis(1);

/// After this many registrations the desk has the database's upkeep done ([`Dialect::upkeep`])
/// on its spare connection, beside the next batches. On PostgreSQL: at about 500 bytes of
/// search index entries a registration, the index's pending list stays far below the 4 MB at
/// which an insert would have to merge it under the event's lock, and the statistics are
/// checked a few times a second at most.
const UPKEEP_EVERY: usize = 1_000;

/// A registration sent with an idempotency key (see [`idempotency`]).
pub type Keyed = idempotency::Keyed<Registered>;

/// What the desk did with a registration: registered it now, or replayed its key's answer.
pub type Desked = Once<Registered>;

struct Job {
    event_id: Uuid,
    new: NewRegistration,
    key: Option<Keyed>,
    reply: oneshot::Sender<ApiResult<Desked>>,
}

/// A handle to the desk's task; cheap to clone.
#[derive(Clone)]
pub struct Desk {
    jobs: mpsc::Sender<Job>,
}

impl Desk {
    /// Starts the desk's task; it ends when every handle is dropped.
    pub fn start(
        db: DatabaseConnection,
        public_url: String,
        mail: MailSignal,
        webhooks: crate::webhooks::WebhookSignal,
    ) -> Self {
        let (jobs, queue) = mpsc::channel(4 * BATCH_MAX);
        tokio::spawn(run(db, public_url, mail, webhooks, queue));
        Self { jobs }
    }

    /// Registers `new` for the event, or replays the first answer to `key`; answers once the
    /// registration (and its key) is committed.
    pub async fn register(
        &self,
        event_id: Uuid,
        new: NewRegistration,
        key: Option<Keyed>,
    ) -> ApiResult<Desked> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            event_id,
            new,
            key,
            reply,
        };
        let stopped = || ApiError::Unavailable("the registration desk is shutting down".to_owned());
        self.jobs.send(job).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

async fn run(
    db: DatabaseConnection,
    public_url: String,
    mail: MailSignal,
    webhooks: crate::webhooks::WebhookSignal,
    mut queue: mpsc::Receiver<Job>,
) {
    let mut batch = Vec::with_capacity(BATCH_MAX);
    let mut last_size = 0;
    let upkeep = Dialect::of(&db).needs_upkeep().then(|| upkeep(db.clone()));
    let mail_yields = Dialect::of(&db).mail_yields_to_desk();
    let mut since_upkeep = 0;
    while queue.recv_many(&mut batch, BATCH_MAX).await > 0 {
        if last_size > 1 {
            // Under load, let the registrations that are on their way join this batch (one
            // commit for more of them costs less than one more batch): wait until as many are
            // here as the last batch had, or LINGER at most. An idle desk starts at once.
            let deadline = tokio::time::Instant::now() + LINGER;
            while batch.len() < last_size.min(BATCH_MAX) {
                match tokio::time::timeout_at(deadline, queue.recv()).await {
                    Ok(Some(job)) => batch.push(job),
                    Ok(None) | Err(_) => break,
                }
            }
            while batch.len() < BATCH_MAX {
                match queue.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
        }
        if mail_yields {
            mail.desk_batch();
        }
        last_size = batch.len();
        since_upkeep += batch.len();
        if since_upkeep >= UPKEEP_EVERY {
            since_upkeep = 0;
            if let Some(upkeep) = &upkeep {
                // Full: an upkeep is still waiting to run, and it takes these rows too.
                let _ = upkeep.try_send(());
            }
        }
        // One transaction per event, in the order their first registration arrived.
        let mut order: Vec<Uuid> = Vec::new();
        let mut by_event: HashMap<Uuid, Vec<Job>> = HashMap::new();
        for job in batch.drain(..) {
            if !by_event.contains_key(&job.event_id) {
                order.push(job.event_id);
            }
            by_event.entry(job.event_id).or_default().push(job);
        }
        for event_id in order {
            let jobs = by_event.remove(&event_id).unwrap_or_default();
            serve(&db, &public_url, event_id, jobs).await;
        }
        if mail_yields {
            mail.desk_batch();
        }
        mail.notify();
        webhooks.notify();
    }
}

/// Starts the task that does the database's upkeep whenever it is sent a `()`; it ends with
/// the desk, when the sender is dropped.
fn upkeep(db: DatabaseConnection) -> mpsc::Sender<()> {
    let (upkeep, mut asked) = mpsc::channel(1);
    tokio::spawn(async move {
        // Whether the last upkeep failed: a role that does not own the tables fails every
        // time, so only the first failure of a run is a warning, and a success after it says so.
        let mut failing = false;
        while asked.recv().await.is_some() {
            match Dialect::of(&db).upkeep(&db).await {
                // Slower, not wrong: the next insert past the pending list's limit merges it,
                // and autovacuum analyses the tables.
                Err(error) if !failing => {
                    failing = true;
                    tracing::warn!(%error, "could not do the registrations' upkeep (again: debug)");
                }
                Err(error) => tracing::debug!(%error, "could not do the registrations' upkeep"),
                Ok(()) if failing => {
                    failing = false;
                    tracing::info!("the registrations' upkeep works again");
                }
                Ok(()) => {}
            }
        }
    });
    upkeep
}

/// A registration as a batch takes it: what was sent, and its key.
pub type Request = (NewRegistration, Option<Keyed>);

async fn serve(db: &DatabaseConnection, public_url: &str, event_id: Uuid, jobs: Vec<Job>) {
    let (requests, replies): (Vec<Request>, Vec<_>) =
        jobs.into_iter().map(|j| ((j.new, j.key), j.reply)).unzip();
    let started = std::time::Instant::now();
    let result = commit_batch(db, public_url, event_id, requests.clone()).await;
    tracing::debug!(size = requests.len(), elapsed = ?started.elapsed(), "registration batch");
    match result {
        Ok(answers) => {
            for (reply, answer) in replies.into_iter().zip(answers) {
                let _ = reply.send(answer);
            }
        }
        Err(err) => {
            // Nothing of the batch was committed, its keys neither: each request again, alone,
            // so each is answered with its own result.
            tracing::warn!(error = %err, size = requests.len(), "batch failed; registering one by one");
            for (request, reply) in requests.into_iter().zip(replies) {
                let answer = commit_batch(db, public_url, event_id, vec![request])
                    .await
                    .and_then(|mut answers| {
                        answers
                            .pop()
                            .unwrap_or_else(|| Err(ApiError::not_found("event")))
                    });
                let _ = reply.send(answer);
            }
        }
    }
}

async fn commit_batch(
    db: &DatabaseConnection,
    public_url: &str,
    event_id: Uuid,
    batch: Vec<Request>,
) -> ApiResult<Vec<ApiResult<Desked>>> {
    let txn = crate::db::begin_write(db).await?;
    let answers = register_batch(&txn, public_url, event_id, batch).await?;
    txn.commit().await?;
    Ok(answers)
}

/// Registers several attendees of one event in one transaction (see [`Desk`]): the event row is
/// locked once, seats and waitlist tickets are handed out in arrival order, and the rows, their
/// mails and their idempotency keys are written with one statement each (two in all on
/// PostgreSQL), so a batch costs a handful of statements whatever its size. Each attendee gets
/// their own answer; a duplicate e-mail (within the batch or already registered) is a 409 for
/// that attendee alone.
///
/// Keys are judged under the lock, before the event's window: a key stored earlier (by any
/// instance) or earlier in this batch replays its answer with the same body and is a 422 with
/// another. A registration that is refused stores no key, so a retry may run.
///
/// `txn` must not have run a statement yet: the first one locks the event row.
#[tracing::instrument(skip_all, fields(event_id = %event_id, size = batch.len()))]
pub async fn register_batch(
    txn: &impl ConnectionTrait,
    public_url: &str,
    event_id: Uuid,
    batch: Vec<Request>,
) -> ApiResult<Vec<ApiResult<Desked>>> {
    let mailboxes: Vec<String> = batch.iter().map(|(n, _)| n.email.mailbox()).collect();
    let dialect = Dialect::of(txn);
    let locked = dialect.lock_event(txn, event_id).await?;
    let mut usage = mailbox_usage(txn, event_id, &mailboxes).await?;
    let keys: Vec<&IdempotencyKey> = batch
        .iter()
        .filter_map(|(_, k)| Some(&k.as_ref()?.key))
        .collect();
    let mut earlier: HashMap<(String, String), idempotency_key::Model> =
        idempotency::find_many(txn, &keys)
            .await?
            .into_iter()
            .map(|row| ((row.scope.clone(), row.key.clone()), row))
            .collect();
    let hold = locked.require_email_confirmation;
    let mut event = locked.clone();
    let at = now();
    let mut answers = Vec::with_capacity(batch.len());
    let mut answer_rows = Vec::new();
    let mut key_rows = Vec::new();
    // The caller checked a copy of the event that may be a second old; this is the row.
    let closed = match check_open(&locked, at) {
        Ok(()) => None,
        Err(err @ (ApiError::Conflict(_) | ApiError::NotFound(_))) => Some(err),
        Err(other) => return Err(other),
    };
    for ((new, keyed), mailbox) in batch.into_iter().zip(mailboxes) {
        if let Some(k) = &keyed {
            let found = earlier.get(&(k.key.scope.clone(), k.key.key.clone()));
            match found.map(|row| k.key.judge(row)).transpose() {
                Ok(Some(Some(first))) => {
                    answers.push(Ok(Desked::Replayed(first)));
                    continue;
                }
                Err(refused) => {
                    answers.push(Err(refused));
                    continue;
                }
                Ok(Some(None) | None) => {}
            }
        }
        if let Some(why) = &closed {
            answers.push(Err(match why {
                ApiError::NotFound(detail) => ApiError::NotFound(detail.clone()),
                ApiError::Conflict(detail) => ApiError::Conflict(detail.clone()),
                _ => ApiError::conflict("the event is not open for registration"),
            }));
            continue;
        }
        let seated = event.confirmed_count + event.pending_count < event.capacity;
        let used = usage.entry(mailbox.clone()).or_default();
        if let Err(refused) = check_mailbox(&event, *used, seated && hold) {
            answers.push(Err(refused));
            continue;
        }
        let (status, ticket, position) = if seated {
            if hold {
                event.pending_count += 1;
                (RegistrationStatus::Pending, None, None)
            } else {
                event.confirmed_count += 1;
                (RegistrationStatus::Confirmed, None, None)
            }
        } else if event.waitlist {
            event.waitlisted_count += 1;
            event.waitlist_seq += 1;
            let position = i64::from(event.waitlisted_count);
            (
                RegistrationStatus::Waitlisted,
                Some(event.waitlist_seq),
                Some(position),
            )
        } else {
            answers.push(Err(ApiError::conflict(
                "the event is full and has no waitlist",
            )));
            continue;
        };
        used.active += 1;
        if status == RegistrationStatus::Pending {
            used.holds += 1;
        }
        let id = Uuid::now_v7();
        let email_lower = new.email.normalised();
        answer_rows.extend(questions::answer_rows(id, event_id, &new.answers));
        let model = registration::Model {
            id,
            event_id,
            name: new.name,
            email: new.email.into_inner(),
            email_lower,
            organisation: new.organisation,
            sector: new.sector,
            language: new.language,
            status,
            waitlist_seq: ticket,
            manage_token_hash: token::stored(Kind::Registration, id),
            checked_in_at: None,
            hold_expires_at: (status == RegistrationStatus::Pending)
                .then(|| hold_until(&event, at)),
            sequence: 0,
            created_at: at,
            updated_at: at,
            cancelled_at: None,
            erased_at: None,
            mailbox,
        };
        let registered = Registered {
            registration: model,
            waitlist_position: position,
        };
        let stored = match keyed {
            Some(k) => {
                let answer = (k.answer)(&registered)?;
                if let Some(row) = k.key.row(&answer, Some(id)) {
                    // A repeat later in this batch finds it here, as a later batch will in
                    // the table.
                    earlier.insert((row.scope.clone(), row.key.clone()), row.clone());
                    key_rows.push(row);
                }
                Some(answer)
            }
            None => None,
        };
        answers.push(Ok(Desked::New(registered, stored)));
    }
    let registered: Vec<&Registered> = answers
        .iter()
        .filter_map(|a| match a {
            Ok(Desked::New(r, _)) => Some(r),
            _ => None,
        })
        .collect();
    if registered.is_empty() {
        return Ok(answers);
    }
    let notices = registered
        .iter()
        .map(|r| {
            let notice = match r.registration.status {
                RegistrationStatus::Pending => Notice::Pending,
                RegistrationStatus::Waitlisted => {
                    Notice::Waitlisted(r.waitlist_position.unwrap_or(0))
                }
                _ => Notice::Confirmed,
            };
            (r.registration.clone(), notice)
        })
        .collect();
    let mails = Rendering::start(public_url, &event, notices);
    event.registrations_total = locked.registrations_total + registered.len() as i64;
    let rows: Vec<&registration::Model> = registered.iter().map(|r| &r.registration).collect();
    dialect
        .write_batch(txn, &event, &rows, answer_rows, mails, key_rows)
        .await?;
    let mut changes = Vec::with_capacity(rows.len());
    for row in &rows {
        let subject = Subject::Registration(row.id);
        changes.push(Change::new(
            EventType::RegistrationCreated,
            event_id,
            &event.slug,
            subject,
        ));
        if row.status == RegistrationStatus::Confirmed {
            changes.push(Change::new(
                EventType::RegistrationConfirmed,
                event_id,
                &event.slug,
                subject,
            ));
        }
    }
    webhooks::enqueue(txn, &changes).await?;
    Ok(answers)
}
