//! The registrations' SQL for PostgreSQL (see [`super`]).
use entity::{event, idempotency_key, registration, registration::RegistrationStatus};
use sea_orm::{
    ActiveEnum, ConnectionTrait, DbBackend, EntityTrait, QuerySelect, QueryTrait, Statement,
};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::mail;
use crate::services::registrations::list::{Listed, LISTED_COLUMNS};
use crate::services::registrations::mail::Rendering;
use crate::services::registrations::seats::duplicate_email;
use crate::services::registrations::ACTIVE;

/// Locks the event row for the rest of the transaction and returns it: `SELECT … FOR UPDATE`
/// (no new row version).
pub(super) async fn lock_event(
    txn: &impl ConnectionTrait,
    event_id: Uuid,
) -> ApiResult<Option<event::Model>> {
    Ok(event::Entity::find_by_id(event_id)
        .lock_exclusive()
        .one(txn)
        .await?)
}

/// See `Dialect::active_by_mailbox`. One index lookup per mailbox, as a subquery per element
/// of the list (statuses joined by commas; the few inactive ones are dropped here). Neither
/// `mailbox = ANY(…)` nor a lateral join stays that way: while the statistics lag behind a
/// growing table (the first thousands of registrations in a few seconds), the planner read all
/// of the event's registrations through `event_id` and filtered or hashed them (2–3 ms per batch
/// at 10 000 registrations, and growing; seen with `auto_explain` under the registration
/// benchmark). A subquery in the select list is not turned into a join.
pub(super) async fn active_by_mailbox(
    txn: &impl ConnectionTrait,
    event_id: Uuid,
    mailboxes: &[&str],
) -> ApiResult<Vec<(String, RegistrationStatus)>> {
    let list = serde_json::to_string(mailboxes)
        .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("mailboxes")))?;
    let rows = txn
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT m.mailbox, (SELECT string_agg(r.status, ',') FROM registrations r
                WHERE r.event_id = $1 AND r.mailbox = m.mailbox)
             FROM json_array_elements_text($2::json) AS m(mailbox)",
            [event_id.into(), list.into()],
        ))
        .await?;
    let mut active = Vec::new();
    for row in rows {
        let mailbox: String = row.try_get_by_index(0)?;
        let statuses: Option<String> = row.try_get_by_index(1)?;
        for status in statuses.iter().flat_map(|s| s.split(',')) {
            let status = RegistrationStatus::try_from_value(&status.to_owned())?;
            if ACTIVE.contains(&status) {
                active.push((mailbox.clone(), status));
            }
        }
    }
    Ok(active)
}

/// Writes a batch in two statements: the registrations, answers, keys and counters in one, with
/// the rows as JSON, so its text (and its prepared statement) is the same for every batch size;
/// then the mails with [`mail::enqueue_many`], whose bodies (4 KB and more of text and HTML a
/// mail) travel as plain parameters instead of JSON that PostgreSQL would lex character by
/// character (PostgreSQL's CPU per registration 157–163 → 142–157 µs, session 7).
pub(super) async fn write_batch(
    txn: &impl ConnectionTrait,
    event: &event::Model,
    rows: &[&registration::Model],
    answers: Vec<entity::registration_answer::Model>,
    mails: Rendering,
    keys: Vec<idempotency_key::Model>,
) -> ApiResult<()> {
    let json = |value: serde_json::Result<String>| {
        value.map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("batch rows")))
    };
    let rows: Vec<NewRow> = rows.iter().map(|row| NewRow::of(row)).collect();
    let sql = "WITH new_registrations AS (
            INSERT INTO registrations
            SELECT * FROM json_populate_recordset(NULL::registrations, $1::json)
        ), new_answers AS (
            INSERT INTO registration_answers
            SELECT * FROM json_populate_recordset(NULL::registration_answers, $8::json)
        ), new_keys AS (
            INSERT INTO idempotency_keys
            SELECT * FROM json_populate_recordset(NULL::idempotency_keys, $9::json)
            ON CONFLICT (scope, key) DO UPDATE SET request_hash = EXCLUDED.request_hash,
                status_code = EXCLUDED.status_code, body = EXCLUDED.body,
                location = EXCLUDED.location, created_at = EXCLUDED.created_at,
                record_id = EXCLUDED.record_id
        )
        UPDATE events SET confirmed_count = $2, pending_count = $3, waitlisted_count = $4,
            waitlist_seq = $5, registrations_total = $6
        WHERE id = $7";
    txn.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        sql,
        [
            json(serde_json::to_string(&rows))?.into(),
            event.confirmed_count.into(),
            event.pending_count.into(),
            event.waitlisted_count.into(),
            event.waitlist_seq.into(),
            event.registrations_total.into(),
            event.id.into(),
            json(serde_json::to_string(&answers))?.into(),
            json(serde_json::to_string(&key_rows(keys)))?.into(),
        ],
    ))
    .await
    .map_err(duplicate_email)?;
    mail::enqueue_many(txn, mails.finish().await?).await?;
    Ok(())
}

/// Moves the entries waiting in the pending list of the search's trigram index
/// (`idx_registrations_search`, a GIN index with `fastupdate`) into the index proper:
/// `gin_clean_pending_list` (PostgreSQL 9.6+). Left alone, the insert that finds the list past
/// `gin_pending_list_limit` (4 MB) merges it itself, inside the desk's transaction and under the
/// event's lock: 20–30 ms every second or so at 4 000 registrations a second, which was the
/// registrations' p99 (`bench/README.md`, session 7).
pub(super) async fn merge_search_index(db: &impl ConnectionTrait) -> ApiResult<()> {
    db.execute_unprepared("SELECT gin_clean_pending_list('idx_registrations_search'::regclass)")
        .await?;
    Ok(())
}

/// The tables a burst of registrations grows whose statements keep a generic plan (the
/// attendee list and the outbox claim: their `LIMIT` is written into the text; the batch's
/// look-up of its idempotency keys and form keys), each with the columns those plans filter
/// and sort on.
const GROWING_TABLES: [(&str, &str); 3] = [
    (
        "registrations",
        "event_id, status, created_at, name, mailbox",
    ),
    ("outbox", "status, next_attempt_at, locked_until"),
    ("idempotency_keys", "scope, key"),
];

/// Analyses each of [`GROWING_TABLES`] that has outgrown its statistics: never analysed, or
/// holding more than twice the rows (and more than 1 000) it held when last analysed.
/// Autovacuum gets there too, but it looks at a database at most once a minute
/// (`autovacuum_naptime`) and then only past a tenth of the rows; a burst of registrations
/// outgrows the statistics within seconds. `ANALYZE` invalidates the plans every session keeps
/// for the table, so they are planned again with the new statistics.
///
/// Only the plans' columns are analysed: 39 against 133–148 ms for `registrations` at 40 000
/// rows, whose text columns cost the rest (session 8 of `bench/README.md`), and this runs
/// beside a burst of registrations. Such an `ANALYZE` leaves the table's count of changes
/// since its last full one as it was, so autovacuum still analyses every column in its time;
/// the count of rows (`reltuples`) it does set, and that is what "outgrown" compares with.
/// Tables this role may not analyse (not their owner, nor the database's) are left to
/// autovacuum.
pub(super) async fn refresh_statistics(db: &impl ConnectionTrait) -> ApiResult<()> {
    // By `to_regclass`, so the tables are the ones the queries find through `search_path`. The
    // rights are checked here because `ANALYZE` skips a table it may not analyse with a
    // warning instead of failing (a superuser has both rights).
    let tables = GROWING_TABLES
        .iter()
        .map(|(table, _)| format!("to_regclass('{table}')"))
        .collect::<Vec<_>>()
        .join(", ");
    let outgrown = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            format!(
                "SELECT c.relname::text FROM pg_class c \
                 JOIN pg_stat_user_tables s ON s.relid = c.oid \
                 WHERE c.oid IN ({tables}) \
                 AND (pg_has_role(c.relowner, 'USAGE') OR pg_has_role((SELECT datdba \
                      FROM pg_database WHERE datname = current_database()), 'USAGE')) \
                 AND (c.reltuples < 0 OR s.n_live_tup > greatest(1000, 2 * c.reltuples))"
            ),
        ))
        .await?;
    for row in outgrown {
        let table: String = row.try_get_by_index(0)?;
        if let Some((table, columns)) = GROWING_TABLES.iter().find(|(name, _)| *name == table) {
            db.execute_unprepared(&format!("ANALYZE {table} ({columns})"))
                .await?;
        }
    }
    Ok(())
}

/// A new registration as `json_populate_recordset` reads it: its columns and its search key
/// (written here, so the database's insert trigger does not fold it again).
#[derive(serde::Serialize)]
struct NewRow<'a> {
    #[serde(flatten)]
    row: &'a registration::Model,
    search_key: String,
}

impl<'a> NewRow<'a> {
    fn of(row: &'a registration::Model) -> Self {
        Self {
            row,
            search_key: super::search_key(row),
        }
    }
}

/// Idempotency keys as `json_populate_recordset` reads them (by column name).
fn key_rows(keys: Vec<idempotency_key::Model>) -> Vec<serde_json::Value> {
    keys.into_iter()
        .map(|k| {
            serde_json::json!({
                "scope": k.scope,
                "key": k.key,
                "request_hash": k.request_hash,
                "status_code": k.status_code,
                "body": k.body,
                "location": k.location,
                "created_at": k.created_at,
                "record_id": k.record_id,
            })
        })
        .collect()
}

/// A page of the attendee list, its rows read by position, with the event's counter and
/// whether it has questions from the first row.
///
/// The limit is written into the statement, not bound: with `LIMIT $n` PostgreSQL's generic
/// plan reckons with a tenth of the event's rows, so it planned the statement afresh at every
/// execution, half of its CPU a page. With the number in the text it makes one plan per page
/// size and keeps it (`bench/README.md`, sessions 7 and 8). A kept plan is only as good as the
/// statistics it was made with: one made while `registrations` had never been analysed sorted
/// all of an event's rows (80 ms a page right after a burst of registrations), so the desk
/// has the statistics refreshed when the table outgrows them ([`refresh_statistics`]), which
/// also makes the sessions plan again.
pub(super) async fn list_page(
    db: &impl ConnectionTrait,
    query: sea_orm::Select<registration::Entity>,
    limit: u64,
) -> ApiResult<(Vec<Listed>, Option<(i64, bool)>)> {
    let mut statement = DbBackend::Postgres.build(QueryTrait::as_query(&query));
    statement.sql.push_str(&format!(" LIMIT {limit}"));
    let rows = db.query_all_raw(statement).await?;
    let counted = match rows.first() {
        Some(row) => Some((
            row.try_get_by_index(LISTED_COLUMNS)?,
            row.try_get_by_index(LISTED_COLUMNS + 1)?,
        )),
        None => None,
    };
    let items = rows.iter().map(Listed::read).collect::<Result<_, _>>()?;
    Ok((items, counted))
}
