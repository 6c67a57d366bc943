//! The database connection: SQLite tuned for concurrent use, or PostgreSQL.
use std::time::Duration;

use anyhow::Context;
use sea_orm::{
    sqlx, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction,
    DbBackend, DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

/// The server secret kept in the database (PostgreSQL without `PODIUM_SECRET`): the first
/// instance to start writes 256 random bits, every instance reads the same row, so all derive
/// the same manage links. Logs a warning: a dump of the database then opens every link.
pub async fn shared_secret(db: &DatabaseConnection) -> anyhow::Result<secrecy::SecretSlice<u8>> {
    let fresh = crate::config::fresh_secret();
    db.execute_raw(sea_orm::Statement::from_sql_and_values(
        db.get_database_backend(),
        "INSERT INTO server_secrets (name, value) VALUES ('manage_links', $1) \
         ON CONFLICT (name) DO NOTHING",
        [fresh.into()],
    ))
    .await
    .context("storing the server secret")?;
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT value FROM server_secrets WHERE name = 'manage_links'",
        ))
        .await
        .context("reading the server secret")?
        .context("the server secret row is missing")?;
    let value: String = row.try_get("", "value")?;
    tracing::warn!(
        "PODIUM_SECRET is unset: manage links derive from a secret kept in the database, so a \
         dump of it opens every link; set PODIUM_SECRET (the same on every instance) in production"
    );
    Ok(secrecy::SecretSlice::from(value.into_bytes()))
}

/// How long a pooled connection may sit unused before the pool checks it (a round trip) before
/// handing it out again.
pub const IDLE_BEFORE_PING: Duration = Duration::from_secs(10);

/// `PRAGMA cache_size` of each SQLite connection: negative means KiB, so 1 MiB.
const SQLITE_CACHE_SIZE: i64 = -1024;

/// `PRAGMA wal_autocheckpoint`: log pages (4 KiB) after which a commit checkpoints.
const SQLITE_CHECKPOINT_PAGES: u32 = 250;

/// `PRAGMA journal_size_limit`, in bytes: what the write-ahead log is cut back to once a
/// checkpoint has copied it into the database file. A long transaction (an upgrade's migration,
/// which runs in one) grows the log far past the 1 MiB the autocheckpoint keeps it at, and
/// SQLite keeps the file at its peak for good without a limit (124 MB after an upgrade of
/// 200 000 registrations, session 12).
const SQLITE_JOURNAL_SIZE_LIMIT: u64 = 16 * 1024 * 1024;

/// Prepared statements kept per connection (sqlx's default is 100). The hot paths use a few
/// dozen; the rest of the default went to the batched inserts, whose text differs with every
/// batch size, and held memory in podium and in PostgreSQL for each pooled connection.
const STATEMENT_CACHE: usize = 32;

/// The pool size on SQLite: `max_connections`, but no more than twice the CPUs (at least 4).
/// SQLite writes one transaction at a time, and every connection costs a thread, a page cache
/// and a statement cache; past the CPUs, more only add memory.
pub fn sqlite_pool_size(max_connections: u32) -> u32 {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let cap = u32::try_from(cpus * 2).unwrap_or(u32::MAX).max(4);
    max_connections.min(cap)
}

/// Connects and checks the database answers; a clear error when it is unreachable.
///
/// PostgreSQL keeps a generic plan for a statement after a few runs (its default). The
/// registration desk once planned each run (`plan_cache_mode = force_custom_plan`), because a
/// generic plan of its old per-mailbox check scanned a whole event; that check is now an index
/// lookup under any plan (`services::registrations::sql::postgres::active_by_mailbox`), and
/// planning the batch's statements on every run cost a fifth of the desk's time (2 070–2 266
/// registrations/s with it, 2 688–2 933/s without, in the same session).
pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<DatabaseConnection> {
    let max_connections = if url.starts_with("sqlite:") {
        sqlite_pool_size(max_connections)
    } else {
        max_connections
    };
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(10))
        // sqlx pings every connection it hands out (a round trip before each transaction or
        // query: 0.4–0.5 ms of a registration batch's 3–5 ms under load). Only connections
        // that sat idle are pinged now; a connection that broke while busy fails its statement,
        // is closed, and the request answers 503 as with any lost database.
        .test_before_acquire_if_idle_for(IDLE_BEFORE_PING)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                // Each pooled connection keeps a page cache of its own (2 MiB by default, so
                // 32 MiB over 16 connections); the hot reads are served from podium's caches.
                .pragma("cache_size", SQLITE_CACHE_SIZE.to_string())
                // The connection that commits past this many log pages copies them into the
                // database file and syncs it before its next transaction: the registration
                // desk, mostly, with a batch's 16 attendees waiting. At SQLite's 1 000 pages
                // that was the registrations' p99 (9–12 ms); at 250 each copy is a quarter
                // (p99 6.3–7.3 ms, 5 200–5 500/s; at 4 000, 19–20 ms).
                .pragma("wal_autocheckpoint", SQLITE_CHECKPOINT_PAGES.to_string())
                .pragma("journal_size_limit", SQLITE_JOURNAL_SIZE_LIMIT.to_string())
                // The CSV export's rows cross from the connection's thread in bigger steps.
                .row_buffer_size(128)
                .statement_cache_capacity(STATEMENT_CACHE)
        })
        .map_sqlx_sqlite_pool_opts(|pool| {
            pool.after_release(|conn, _| Box::pin(discard_if_in_transaction::<sqlx::Sqlite>(conn)))
        })
        .map_sqlx_postgres_pool_opts(|pool| {
            pool.after_release(|conn, _| {
                Box::pin(discard_if_in_transaction::<sqlx::Postgres>(conn))
            })
        })
        .map_sqlx_postgres_opts(|opts| opts.statement_cache_capacity(STATEMENT_CACHE));
    let db = Database::connect(options)
        .await
        .with_context(|| format!("cannot connect to the database at {}", redact(url)))?;
    db.execute_unprepared("SELECT 1")
        .await
        .with_context(|| format!("the database at {} does not answer", redact(url)))?;
    Ok(db)
}

/// Whether a connection given back to the pool may be used again: not when it is still inside
/// a transaction. That happens when a `COMMIT` failed (a full disk, an I/O error): sqlx lowers
/// its transaction depth only when `COMMIT` or `ROLLBACK` succeeds, and when SQLite had already
/// rolled the transaction back on its own, the `ROLLBACK` sent on drop fails too. Such a
/// connection would run the next "transaction" as a savepoint inside the dead one (its
/// `RELEASE` succeeds, nothing is ever committed: an acknowledged write that is lost) and, on
/// SQLite, could keep the write lock. Closing it gives the pool a fresh connection instead.
async fn discard_if_in_transaction<DB: sqlx::Database>(
    conn: &mut DB::Connection,
) -> Result<bool, sqlx::Error> {
    use sqlx::Connection;
    // The rollback sent when the failed transaction was dropped runs before this ping.
    conn.ping().await?;
    let stuck = conn.is_in_transaction();
    if stuck {
        tracing::warn!("closing a database connection left inside a failed transaction");
        metrics::counter!("podium_db_connections_discarded_total").increment(1);
    }
    Ok(!stuck)
}

/// Begins a transaction that will write. On SQLite it is `BEGIN IMMEDIATE`: the write lock is
/// taken at the start, waiting (up to the busy timeout) for the writer before it. A deferred
/// transaction that reads first cannot upgrade its lock once another writer committed in
/// between (`SQLITE_BUSY` at once, whatever the busy timeout), which made concurrent
/// organisers' writes answer 503. Use it for every transaction that may write; on PostgreSQL
/// it is a plain `BEGIN`.
pub async fn begin_write<C>(db: &C) -> Result<DatabaseTransaction, DbErr>
where
    C: TransactionTrait<Transaction = DatabaseTransaction>,
{
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

fn unix_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Checks that the database can commit a write: updates the one row of `readiness_probe` in a
/// write transaction. A full disk still answers reads; only a commit finds out.
pub async fn check_writable(db: &DatabaseConnection) -> Result<(), DbErr> {
    let txn = begin_write(db).await?;
    txn.execute_raw(sea_orm::Statement::from_sql_and_values(
        db.get_database_backend(),
        "UPDATE readiness_probe SET checked_at = $1 WHERE id = 1",
        [i64::try_from(unix_millis()).unwrap_or(i64::MAX).into()],
    ))
    .await?;
    txn.commit().await
}

/// Runs every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    use migration::MigratorTrait;
    migration::Migrator::up(db, None)
        .await
        .context("running database migrations")
}

pub fn is_postgres(db: &impl ConnectionTrait) -> bool {
    db.get_database_backend() == DbBackend::Postgres
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// Rows one statement of a sweep changes at most (`services::maintenance`): a backlog (the
/// mails of a registration burst whose retention ends on the same day, a day's idempotency
/// keys) is worked off in statements of this many rows, each its own transaction, instead of
/// one that held SQLite's one writer for its whole length (2.9 s for 118 000 mails;
/// `bench/README.md`, session 13).
pub const CHUNK: u64 = 500;

/// The pause between two chunks, in which the writers waiting for the database get it.
const CHUNK_PAUSE: Duration = Duration::from_millis(20);

/// Runs `step` (one chunk's statement, answering how many rows it changed) until a chunk
/// comes back short; the rows changed in all.
pub async fn in_chunks<F, Fut>(mut step: F) -> Result<u64, DbErr>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<u64, DbErr>>,
{
    let mut total = 0;
    loop {
        let changed = step().await?;
        total += changed;
        if changed < CHUNK {
            return Ok(total);
        }
        tokio::time::sleep(CHUNK_PAUSE).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sqlite_pool_is_capped_but_never_raised() {
        assert_eq!(sqlite_pool_size(1), 1);
        assert_eq!(sqlite_pool_size(4), 4);
        let cap = sqlite_pool_size(10_000);
        assert!((4..10_000).contains(&cap));
    }

    /// A transaction that wrote 40 MB of log leaves a log of at most the limit once the
    /// next commits have checkpointed it (without the limit the file stayed at 40 MB).
    #[tokio::test]
    async fn the_sqlite_log_shrinks_back_after_a_long_transaction() {
        let path = std::env::temp_dir().join(format!("podium-wal-{}.db", uuid::Uuid::new_v4()));
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let db = connect(&url, 1).await.expect("a SQLite file");
        db.execute_unprepared("CREATE TABLE filler (payload BLOB NOT NULL)")
            .await
            .expect("a table");
        let long = db.begin().await.expect("a transaction");
        for _ in 0..40 {
            long.execute_unprepared(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) \
                 INSERT INTO filler SELECT randomblob(1000) FROM n",
            )
            .await
            .expect("1 MB");
        }
        long.commit().await.expect("the commit");
        let wal = path.with_extension("db-wal");
        let grown = std::fs::metadata(&wal).expect("the log").len();
        for _ in 0..3 {
            db.execute_unprepared("INSERT INTO filler VALUES (x'00')")
                .await
                .expect("a small write");
        }
        let kept = std::fs::metadata(&wal).expect("the log").len();
        db.close().await.expect("closed");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        assert!(
            grown > 2 * SQLITE_JOURNAL_SIZE_LIMIT,
            "the transaction's log: {grown} bytes"
        );
        assert!(
            kept <= SQLITE_JOURNAL_SIZE_LIMIT,
            "the log kept: {kept} bytes"
        );
    }
}
