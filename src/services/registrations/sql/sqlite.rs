//! The registrations' SQL for SQLite (see [`super`]).
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use entity::{
    event, idempotency_key,
    registration::{self, Language, RegistrationStatus, Sector},
};
use sea_orm::{
    sea_query::{Alias, Expr, IntoIden, Query, SimpleExpr},
    ActiveEnum, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IdenStatic, Iterable, ModelTrait,
    QueryFilter, QuerySelect, QueryTrait,
};
use uuid::Uuid;

use crate::error::ApiResult;
use crate::mail;
use crate::services::registrations::list::{Listed, Sort, SortKey, LISTED};
use crate::services::registrations::mail::Rendering;
use crate::services::registrations::seats::duplicate_email;
use crate::services::registrations::ACTIVE;
use crate::services::{idempotency, questions};

/// Takes the write lock (SQLite locks the whole database at its first write) with a write that
/// changes nothing, and returns the event row.
pub(super) async fn lock_event(
    txn: &impl ConnectionTrait,
    event_id: Uuid,
) -> ApiResult<Option<event::Model>> {
    Ok(event::Entity::update_many()
        .col_expr(
            event::Column::WaitlistSeq,
            Expr::col(event::Column::WaitlistSeq),
        )
        .filter(event::Column::Id.eq(event_id))
        .exec_with_returning(txn)
        .await?
        .pop())
}

/// See `Dialect::active_by_mailbox`: SQLite's planner looks up each mailbox of the `IN` list
/// in `idx_registrations_mailbox`.
pub(super) async fn active_by_mailbox(
    txn: &impl ConnectionTrait,
    event_id: Uuid,
    mailboxes: &[&str],
) -> ApiResult<Vec<(String, RegistrationStatus)>> {
    Ok(registration::Entity::find()
        .select_only()
        .column(registration::Column::Mailbox)
        .column(registration::Column::Status)
        .filter(registration::Column::EventId.eq(event_id))
        .filter(registration::Column::Mailbox.is_in(mailboxes.iter().copied()))
        .filter(registration::Column::Status.is_in(ACTIVE))
        .into_tuple()
        .all(txn)
        .await?)
}

/// Writes a batch with a statement per table (four or five): in process, one statement more costs little.
pub(super) async fn write_batch(
    txn: &impl ConnectionTrait,
    event: &event::Model,
    rows: &[&registration::Model],
    answers: Vec<entity::registration_answer::Model>,
    mails: Rendering,
    keys: Vec<idempotency_key::Model>,
) -> ApiResult<()> {
    insert_registrations(txn, rows)
        .await
        .map_err(duplicate_email)?;
    questions::insert_rows(txn, answers).await?;
    mail::enqueue_many(txn, mails.finish().await?).await?;
    idempotency::insert_many(txn, keys).await?;
    event::Entity::update_many()
        .col_expr(
            event::Column::ConfirmedCount,
            Expr::value(event.confirmed_count),
        )
        .col_expr(
            event::Column::PendingCount,
            Expr::value(event.pending_count),
        )
        .col_expr(
            event::Column::WaitlistedCount,
            Expr::value(event.waitlisted_count),
        )
        .col_expr(event::Column::WaitlistSeq, Expr::value(event.waitlist_seq))
        .col_expr(
            event::Column::RegistrationsTotal,
            Expr::value(event.registrations_total),
        )
        .filter(event::Column::Id.eq(event.id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Inserts the rows with their search keys (written here, so the database's insert trigger,
/// which folds in about a dozen `UPDATE`s per row, does not run).
async fn insert_registrations(
    txn: &impl ConnectionTrait,
    rows: &[&registration::Model],
) -> Result<(), DbErr> {
    let mut insert = Query::insert();
    insert.into_table(registration::Entity).columns(
        registration::Column::iter()
            .map(|c| c.into_iden())
            .chain([Alias::new("search_key").into_iden()]),
    );
    for row in rows {
        let values: Vec<SimpleExpr> = registration::Column::iter()
            .map(|c| SimpleExpr::Value(row.get(c)))
            .chain([super::search_key(row).into()])
            .collect();
        insert
            .values(values)
            .map_err(|e| DbErr::Custom(format!("registration row: {e}")))?;
    }
    txn.execute(&insert).await?;
    Ok(())
}

/// A page of the attendee list from SQLite as one value: the rows of `query` as one JSON array
/// of arrays, the event's counter and whether it has questions.
///
/// sqlx's SQLite driver copies every value of every row on its connection thread and hands
/// each row over a channel; 51 rows of 15 columns were a fifth of a list request's CPU. SQLite
/// writes the page as JSON text in one row, and serde reads it back. Values come back as
/// SQLite holds them: ids as 16-byte blobs (as hex), enums and timestamps as the text sqlx
/// wrote.
pub(super) async fn list_page(
    db: &impl ConnectionTrait,
    query: sea_orm::Select<registration::Entity>,
    sort: Sort,
) -> ApiResult<(Vec<Listed>, Option<(i64, bool)>)> {
    // `json_array(lower(hex(id)), lower(hex(event_id)), name, …)`, written once.
    static ROW: LazyLock<String> = LazyLock::new(|| {
        let values: Vec<String> = LISTED
            .iter()
            .map(|column| match column {
                registration::Column::Id | registration::Column::EventId => {
                    format!("lower(hex({}))", column.as_str())
                }
                _ => column.as_str().to_owned(),
            })
            .collect();
        format!("json_array({})", values.join(", "))
    });
    let key = match sort.key {
        SortKey::Name => registration::Column::Name.as_str(),
        SortKey::CreatedAt => registration::Column::CreatedAt.as_str(),
    };
    let direction = if sort.descending { "DESC" } else { "ASC" };
    // The aggregate's own ORDER BY: rows reach an aggregate in no promised order.
    let page = Expr::cust(format!(
        "json_group_array({} ORDER BY {key} {direction}, id {direction})",
        *ROW
    ));
    let outer = Query::select()
        .expr_as(page, "page")
        .expr_as(
            Expr::cust("max(registrations_total)"),
            "registrations_total",
        )
        .expr_as(Expr::cust("max(has_questions)"), "has_questions")
        .from_subquery(QueryTrait::into_query(query), "page_rows")
        .to_owned();
    let row = db
        .query_one(&outer)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("attendee page".into()))?;
    let page: String = row.try_get("", "page")?;
    let total: Option<i64> = row.try_get("", "registrations_total")?;
    let questions: Option<bool> = row.try_get("", "has_questions")?;
    let counted = total.map(|total| (total, questions.unwrap_or(false)));
    let rows: Vec<SqliteListed> = serde_json::from_str(&page)
        .map_err(|e| DbErr::Type(format!("attendee page from SQLite: {e}")))?;
    let items = rows
        .into_iter()
        .map(Listed::try_from)
        .collect::<Result<_, _>>()?;
    Ok((items, counted))
}

/// A row of [`sqlite_page`]'s JSON, in [`Listed`]'s order.
#[derive(serde::Deserialize)]
struct SqliteListed(
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
);

impl TryFrom<SqliteListed> for Listed {
    type Error = DbErr;

    fn try_from(r: SqliteListed) -> Result<Self, DbErr> {
        let id = |hex: &str| {
            Uuid::parse_str(hex).map_err(|e| DbErr::Type(format!("registration id {hex}: {e}")))
        };
        let time = |text: Option<String>| text.as_deref().map(sqlite_time).transpose();
        Ok(Self {
            id: id(&r.0)?,
            event_id: id(&r.1)?,
            name: r.2,
            email: r.3,
            organisation: r.4,
            sector: Sector::try_from_value(&r.5)?,
            language: Language::try_from_value(&r.6)?,
            status: RegistrationStatus::try_from_value(&r.7)?,
            waitlist_seq: r.8,
            checked_in_at: time(r.9)?,
            hold_expires_at: time(r.10)?,
            created_at: sqlite_time(&r.11)?,
            updated_at: sqlite_time(&r.12)?,
            cancelled_at: time(r.13)?,
            erased_at: time(r.14)?,
        })
    }
}

/// A timestamp as sqlx stores it in SQLite (RFC 3339), or as SQLite's own functions write it
/// (`YYYY-MM-DD HH:MM:SS[.fff]`, UTC).
fn sqlite_time(text: &str) -> Result<DateTime<Utc>, DbErr> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(text, "%F %T%.f").map(|t| t.and_utc()))
        .map_err(|e| DbErr::Type(format!("timestamp {text}: {e}")))
}
