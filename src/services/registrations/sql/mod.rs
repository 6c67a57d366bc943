//! The one seam between the registration rules and the two databases.
//!
//! The rules (seats, desk, self-service, list) are written once with sea-orm's query builder,
//! which speaks both dialects. Where the fast way differs between SQLite and PostgreSQL, the
//! rule asks [`Dialect`] (chosen once per operation from the connection) and the SQL for each
//! database lives in its own file: [`sqlite`] and [`postgres`].
use entity::{event, idempotency_key, registration, registration::RegistrationStatus};
use sea_orm::{ConnectionTrait, DbBackend, QuerySelect};
use uuid::Uuid;

use super::list::{Listed, Sort};
use super::mail::Rendering;
use crate::error::{ApiError, ApiResult};

mod postgres;
mod sqlite;

/// The `search_key` a new registration is written with (`migration::search::search_key`; the
/// database's insert triggers fold only rows that bring none).
fn search_key(row: &registration::Model) -> String {
    migration::search::search_key(&row.name, &row.email_lower, &row.organisation)
}

/// Which database a connection talks to, as far as the registrations' SQL cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// The dialect of `db` (anything but PostgreSQL is served as SQLite, the only other
    /// database podium runs on).
    pub(super) fn of(db: &impl ConnectionTrait) -> Self {
        match db.get_database_backend() {
            DbBackend::Postgres => Self::Postgres,
            _ => Self::Sqlite,
        }
    }

    /// Locks the event row for the rest of the transaction and returns it; 404 when there is
    /// no such event. Every change of a seat count happens under this lock.
    pub(super) async fn lock_event(
        self,
        txn: &impl ConnectionTrait,
        event_id: Uuid,
    ) -> ApiResult<event::Model> {
        match self {
            Self::Postgres => postgres::lock_event(txn, event_id).await?,
            Self::Sqlite => sqlite::lock_event(txn, event_id).await?,
        }
        .ok_or_else(|| ApiError::not_found("event"))
    }

    /// The status of every active registration (`ACTIVE`) in the event of each of `mailboxes`,
    /// as `(mailbox, status)`: one index lookup per mailbox, whatever the event's size.
    pub(super) async fn active_by_mailbox(
        self,
        txn: &impl ConnectionTrait,
        event_id: Uuid,
        mailboxes: &[&str],
    ) -> ApiResult<Vec<(String, RegistrationStatus)>> {
        match self {
            Self::Postgres => postgres::active_by_mailbox(txn, event_id, mailboxes).await,
            Self::Sqlite => sqlite::active_by_mailbox(txn, event_id, mailboxes).await,
        }
    }

    /// Writes a desk's batch: the new registrations, their answers to the event's questions,
    /// their mails, the idempotency keys that came with them (with their answers; an expired
    /// row of the same key is overwritten) and the event's counters (from `event`). A second
    /// active registration of an e-mail is a 409.
    pub(super) async fn write_batch(
        self,
        txn: &impl ConnectionTrait,
        event: &event::Model,
        rows: &[&registration::Model],
        answers: Vec<entity::registration_answer::Model>,
        mails: Rendering,
        keys: Vec<idempotency_key::Model>,
    ) -> ApiResult<()> {
        match self {
            Self::Postgres => postgres::write_batch(txn, event, rows, answers, mails, keys).await,
            Self::Sqlite => sqlite::write_batch(txn, event, rows, answers, mails, keys).await,
        }
    }

    /// Whether the mail worker pauses while the desk is busy (`MailSignal::desk_batch`).
    /// PostgreSQL: registrations 3 885–4 048 → 5 187–5 390/s. SQLite: no change measured (4 847
    /// against 4 848/s; its desk writes in podium's own threads, and the worker's writes wait
    /// for the single writer anyway), so its mail is not slowed for nothing
    /// (`bench/README.md`, session 9).
    pub(super) fn mail_yields_to_desk(self) -> bool {
        self == Self::Postgres
    }

    /// Whether new registrations leave upkeep behind that [`Self::upkeep`] can take off the
    /// inserts' path.
    pub(super) fn needs_upkeep(self) -> bool {
        self == Self::Postgres
    }

    /// The upkeep new registrations leave behind, done outside any registration's transaction.
    /// PostgreSQL: the new rows waiting in the pending list of the attendee search's trigram
    /// index are merged into it (`postgres::merge_search_index`), then the statistics of the
    /// tables the registrations grow are refreshed if they have fallen behind
    /// (`postgres::refresh_statistics`). SQLite: nothing (its search reads the table, and its
    /// statements keep the plans they were prepared with whatever the statistics say).
    pub(super) async fn upkeep(self, db: &impl ConnectionTrait) -> ApiResult<()> {
        match self {
            Self::Postgres => {
                // Each on its own: a failed merge leaves the statistics as much in need.
                let merged = postgres::merge_search_index(db).await;
                let refreshed = postgres::refresh_statistics(db).await;
                merged.and(refreshed)
            }
            Self::Sqlite => Ok(()),
        }
    }

    /// The first `limit` rows of one page of the attendee list (`query`, ordered by `sort`,
    /// with the event's `registrations_total` and `has_questions` as its last two columns) and
    /// those two values (`None` for an empty page).
    pub(super) async fn list_page(
        self,
        db: &impl ConnectionTrait,
        query: sea_orm::Select<registration::Entity>,
        sort: Sort,
        limit: u64,
    ) -> ApiResult<(Vec<Listed>, Option<(i64, bool)>)> {
        match self {
            Self::Postgres => postgres::list_page(db, query, limit).await,
            Self::Sqlite => sqlite::list_page(db, query.limit(limit), sort).await,
        }
    }
}
