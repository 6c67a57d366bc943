//! The registration desk: registrations arriving together are committed together.
//!
//! Every registration of an event must lock the event row to take a seat, so registrations of
//! one event commit one after another, and each commit waits for the database to make it
//! durable. The desk turns that queue into batches: requests arriving while a batch commits
//! wait for the next one, which takes them all with one lock, a few statements and one commit
//! ([`registrations::register_batch`]). A batch that fails as a whole (a conflict with another
//! instance, a busy database) is retried one registration at a time, so no request is
//! answered with another's error.
use std::collections::HashMap;

use sea_orm::DatabaseConnection;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::mail::MailSignal;
use crate::services::registrations::{self, NewRegistration, Registered};

/// Most registrations committed in one transaction.
const BATCH_MAX: usize = 128;
/// How long a busy desk waits at most for more registrations before it starts a batch.
const LINGER: std::time::Duration = std::time::Duration::from_millis(1);

struct Job {
    event_id: Uuid,
    new: NewRegistration,
    reply: oneshot::Sender<ApiResult<Registered>>,
}

/// A handle to the desk's task; cheap to clone.
#[derive(Clone)]
pub struct Desk {
    jobs: mpsc::Sender<Job>,
}

impl Desk {
    /// Starts the desk's task; it ends when every handle is dropped.
    pub fn start(db: DatabaseConnection, public_url: String, mail: MailSignal) -> Self {
        let (jobs, queue) = mpsc::channel(4 * BATCH_MAX);
        tokio::spawn(run(db, public_url, mail, queue));
        Self { jobs }
    }

    /// Registers `new` for the event; answers once the registration is committed.
    pub async fn register(&self, event_id: Uuid, new: NewRegistration) -> ApiResult<Registered> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            event_id,
            new,
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
    mut queue: mpsc::Receiver<Job>,
) {
    let mut batch = Vec::with_capacity(BATCH_MAX);
    let mut last_size = 0;
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
        last_size = batch.len();
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
        mail.notify();
    }
}

async fn serve(db: &DatabaseConnection, public_url: &str, event_id: Uuid, jobs: Vec<Job>) {
    let (news, replies): (Vec<_>, Vec<_>) = jobs.into_iter().map(|j| (j.new, j.reply)).unzip();
    let started = std::time::Instant::now();
    let result = commit_batch(db, public_url, event_id, news.clone()).await;
    tracing::debug!(size = news.len(), elapsed = ?started.elapsed(), "registration batch");
    match result {
        Ok(answers) => {
            for (reply, answer) in replies.into_iter().zip(answers) {
                let _ = reply.send(answer);
            }
        }
        Err(err) => {
            tracing::warn!(error = %err, size = news.len(), "batch failed; registering one by one");
            for (new, reply) in news.into_iter().zip(replies) {
                let answer = commit_batch(db, public_url, event_id, vec![new])
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
    batch: Vec<NewRegistration>,
) -> ApiResult<Vec<ApiResult<Registered>>> {
    let txn = crate::db::begin_write(db).await?;
    let answers = registrations::register_batch(&txn, public_url, event_id, batch).await?;
    txn.commit().await?;
    Ok(answers)
}
