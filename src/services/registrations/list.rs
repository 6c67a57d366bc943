//! The organisers' attendee list: filters, sort, keyset cursor, and [`Listed`] rows for the
//! list and the CSV export.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{
    event,
    registration::{self, Language, RegistrationStatus, Sector},
};
use sea_orm::{
    sea_query::{Expr, ExprTrait, LikeExpr, Query, QueryStatementBuilder},
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
};
use uuid::Uuid;

use super::sql::Dialect;
use crate::error::ApiResult;
use crate::services::questions;

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Empty: every status.
    pub statuses: Vec<RegistrationStatus>,
    pub sector: Option<Sector>,
    pub checked_in: Option<bool>,
    /// Part of the name, e-mail or organisation, folded (see `migration::search`).
    pub q: Option<String>,
    /// Answered this question with this value (a choice key, `yes`/`no`, or the exact text).
    pub answer: Option<(Uuid, String)>,
}

impl ListFilter {
    /// No filter at all: every registration of the event.
    pub fn is_empty(&self) -> bool {
        self.statuses.is_empty()
            && self.sector.is_none()
            && self.checked_in.is_none()
            && self.q.as_deref().is_none_or(str::is_empty)
            && self.answer.is_none()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    Name,
    #[default]
    CreatedAt,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Sort {
    pub key: SortKey,
    pub descending: bool,
}

/// Where a keyset page starts: after the row with this sort value and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum After {
    Name(String, Uuid),
    CreatedAt(DateTime<Utc>, Uuid),
}

impl After {
    pub fn of(sort: Sort, m: &Listed) -> Self {
        match sort.key {
            SortKey::Name => Self::Name(m.name.clone(), m.id),
            SortKey::CreatedAt => Self::CreatedAt(m.created_at, m.id),
        }
    }

    /// The keyset cursor of the API's list and the backoffice's pages: base64url (no padding)
    /// of `n|<id>|<name>` or `c|<id>|<created_at, RFC 3339 in microseconds>`.
    pub fn to_cursor(&self) -> String {
        use base64::Engine;
        let raw = match self {
            Self::Name(name, id) => format!("n|{id}|{name}"),
            Self::CreatedAt(at, id) => format!(
                "c|{id}|{}",
                at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
            ),
        };
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
    }

    /// The place a [`Self::to_cursor`] cursor names, if it was made for this sort; `None` for
    /// anything else (also text with control characters, which no cursor holds).
    pub fn from_cursor(cursor: &str, sort: Sort) -> Option<Self> {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(cursor)
            .ok()?;
        let raw = String::from_utf8(bytes)
            .ok()
            .filter(|text| !text.chars().any(char::is_control))?;
        let mut parts = raw.splitn(3, '|');
        let (kind, id, value) = (parts.next()?, parts.next()?, parts.next()?);
        let id = Uuid::parse_str(id).ok()?;
        match (kind, sort.key) {
            ("n", SortKey::Name) => Some(Self::Name(value.to_owned(), id)),
            ("c", SortKey::CreatedAt) => DateTime::parse_from_rfc3339(value)
                .ok()
                .map(|t| Self::CreatedAt(t.with_timezone(&Utc), id)),
            _ => None,
        }
    }
}

fn filtered(event_id: Uuid, filter: &ListFilter) -> sea_orm::Select<registration::Entity> {
    with_filter(
        registration::Entity::find().filter(registration::Column::EventId.eq(event_id)),
        filter,
    )
}

/// `query` narrowed to the registrations that match `filter`.
fn with_filter(
    mut query: sea_orm::Select<registration::Entity>,
    filter: &ListFilter,
) -> sea_orm::Select<registration::Entity> {
    if !filter.statuses.is_empty() {
        query = query.filter(registration::Column::Status.is_in(filter.statuses.clone()));
    }
    if let Some(sector) = filter.sector {
        query = query.filter(registration::Column::Sector.eq(sector));
    }
    match filter.checked_in {
        Some(true) => query = query.filter(registration::Column::CheckedInAt.is_not_null()),
        Some(false) => query = query.filter(registration::Column::CheckedInAt.is_null()),
        None => {}
    }
    if let Some((question, value)) = &filter.answer {
        query = query.filter(
            Expr::col((registration::Entity, registration::Column::Id))
                .in_subquery(questions::answered(*question, value)),
        );
    }
    if let Some(q) = filter.q.as_deref().filter(|q| !q.is_empty()) {
        // `search_key`: name, e-mail and organisation folded (migration::search) by the desk
        // or the database's triggers: case, accents and umlauts do not matter; a trigram index
        // on PostgreSQL.
        let mut any = Condition::any();
        for pattern in migration::search::like_patterns(q) {
            any = any.add(
                Expr::col((
                    registration::Entity,
                    sea_orm::sea_query::Alias::new("search_key"),
                ))
                .like(LikeExpr::new(pattern).escape('\\')),
            );
        }
        query = query.filter(any);
    }
    query
}

fn ordered(
    query: sea_orm::Select<registration::Entity>,
    sort: Sort,
) -> sea_orm::Select<registration::Entity> {
    let order = if sort.descending {
        sea_orm::Order::Desc
    } else {
        sea_orm::Order::Asc
    };
    let col = match sort.key {
        SortKey::Name => registration::Column::Name,
        SortKey::CreatedAt => registration::Column::CreatedAt,
    };
    query
        .order_by(col, order.clone())
        .order_by(registration::Column::Id, order)
}

/// A registration as the attendee list and the CSV export show it: every column but the
/// manage token, the lower-cased e-mail and the mail sequence, which lists have no use for
/// (and fewer columns are fewer values to copy per row).
#[derive(Debug, Clone)]
pub struct Listed {
    pub id: Uuid,
    pub event_id: Uuid,
    pub name: String,
    pub email: String,
    pub organisation: String,
    pub sector: Sector,
    pub language: Language,
    pub status: RegistrationStatus,
    pub waitlist_seq: Option<i64>,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub hold_expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub erased_at: Option<DateTime<Utc>>,
}

impl From<registration::Model> for Listed {
    fn from(m: registration::Model) -> Self {
        Self {
            id: m.id,
            event_id: m.event_id,
            name: m.name,
            email: m.email,
            organisation: m.organisation,
            sector: m.sector,
            language: m.language,
            status: m.status,
            waitlist_seq: m.waitlist_seq,
            checked_in_at: m.checked_in_at,
            hold_expires_at: m.hold_expires_at,
            created_at: m.created_at,
            updated_at: m.updated_at,
            cancelled_at: m.cancelled_at,
            erased_at: m.erased_at,
        }
    }
}

impl Listed {
    /// A row of [`listed_columns`], read by position: sea-orm's derived reader formats and
    /// looks up each column's name, which was a fifth of podium's CPU on a PostgreSQL list.
    pub(super) fn read(row: &sea_orm::QueryResult) -> Result<Self, DbErr> {
        Ok(Self {
            id: row.try_get_by_index(0)?,
            event_id: row.try_get_by_index(1)?,
            name: row.try_get_by_index(2)?,
            email: row.try_get_by_index(3)?,
            organisation: row.try_get_by_index(4)?,
            sector: row.try_get_by_index(5)?,
            language: row.try_get_by_index(6)?,
            status: row.try_get_by_index(7)?,
            waitlist_seq: row.try_get_by_index(8)?,
            checked_in_at: row.try_get_by_index(9)?,
            hold_expires_at: row.try_get_by_index(10)?,
            created_at: row.try_get_by_index(11)?,
            updated_at: row.try_get_by_index(12)?,
            cancelled_at: row.try_get_by_index(13)?,
            erased_at: row.try_get_by_index(14)?,
        })
    }
}

/// The columns of [`Listed`], in its order (which [`Listed::read`] and SQLite's page (`sql::sqlite`) follow).
pub(super) const LISTED: [registration::Column; 15] = {
    use registration::Column as C;
    [
        C::Id,
        C::EventId,
        C::Name,
        C::Email,
        C::Organisation,
        C::Sector,
        C::Language,
        C::Status,
        C::WaitlistSeq,
        C::CheckedInAt,
        C::HoldExpiresAt,
        C::CreatedAt,
        C::UpdatedAt,
        C::CancelledAt,
        C::ErasedAt,
    ]
};

/// The number of columns [`listed_columns`] selects.
pub(super) const LISTED_COLUMNS: usize = LISTED.len();

/// `query` selecting the columns of [`Listed`], in its order.
fn listed_columns(
    query: sea_orm::Select<registration::Entity>,
) -> sea_orm::Select<registration::Entity> {
    query.select_only().columns(LISTED)
}

/// One page of the attendee list.
#[derive(Debug)]
pub struct ListPage {
    pub event_id: Uuid,
    pub items: Vec<Listed>,
    /// Every registration that matches the filter, on all pages.
    pub total: u64,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<After>,
    /// Whether the event asks any questions (so its rows may have answers).
    pub has_questions: bool,
}

/// One page of the attendee list of the event with this id or slug (drafts included: this
/// is the organisers' list).
///
/// The page comes with one query that finds the event by its key and carries the event's
/// counter of all registrations, which is the `total` of the unfiltered list; a filtered list
/// counts its matches with one more query. Only an empty page reads the event on its own, to
/// tell an empty list from an unknown event.
pub async fn list(
    db: &impl ConnectionTrait,
    key: &str,
    filter: &ListFilter,
    sort: Sort,
    after: Option<After>,
    limit: u64,
) -> ApiResult<ListPage> {
    // Two values of the event row, each `(SELECT … FROM events WHERE id or slug = key)`: not
    // correlated with the registrations, so both databases read them once per query, and
    // `event_id = (SELECT id …)` is an equality that walks the (event_id, sort key, id) index
    // in order and stops at the limit. (A join on the slug made PostgreSQL sort every
    // registration of the event.)
    let of_event = match Uuid::parse_str(key) {
        Ok(id) => Expr::col(event::Column::Id).eq(id),
        Err(_) => Expr::col(event::Column::Slug).eq(key),
    };
    let event_value = |column: event::Column| {
        let select = Query::select()
            .column(column)
            .from(event::Entity)
            .and_where(of_event.clone())
            .to_owned();
        Expr::SubQuery(None, Box::new(select.into_sub_query_statement()))
    };
    let event_id = event_value(event::Column::Id);
    let counter = event_value(event::Column::RegistrationsTotal);
    // Whether the event asks questions at all: without, the answers need no query.
    let has_questions = questions::asked(event_value(event::Column::Id));
    let mut query = listed_columns(with_filter(
        registration::Entity::find()
            .filter(Expr::col((registration::Entity, registration::Column::EventId)).eq(event_id)),
        filter,
    ))
    .expr_as(counter, "registrations_total")
    .expr_as(has_questions, "has_questions");
    if let Some(after) = after {
        let beyond = |col: registration::Column, value: sea_orm::Value, id: Uuid| {
            let col = || Expr::col((registration::Entity, col));
            let id_col = Expr::col((registration::Entity, registration::Column::Id));
            let (past, past_id) = if sort.descending {
                (col().lt(value.clone()), id_col.lt(id))
            } else {
                (col().gt(value.clone()), id_col.gt(id))
            };
            Condition::any()
                .add(past)
                .add(Condition::all().add(col().eq(value)).add(past_id))
        };
        query = query.filter(match after {
            After::Name(name, id) => beyond(registration::Column::Name, name.into(), id),
            After::CreatedAt(at, id) => beyond(registration::Column::CreatedAt, at.into(), id),
        });
    }
    let query = ordered(query, sort);
    let (mut items, counted) = Dialect::of(db)
        .list_page(db, query, sort, limit + 1)
        .await?;
    let (event_id, counted, has_questions) = match (items.first(), counted) {
        (Some(first), Some((counted, questions))) => (first.event_id, counted, questions),
        _ => {
            let event = crate::services::events::find_visible(db, key, true).await?;
            (event.id, event.registrations_total, false)
        }
    };
    let total = if filter.is_empty() {
        u64::try_from(counted).unwrap_or(0)
    } else {
        count(db, event_id, filter).await?
    };
    let next = if items.len() as u64 > limit {
        items.truncate(limit as usize);
        items.last().map(|m| After::of(sort, m))
    } else {
        None
    };
    Ok(ListPage {
        event_id,
        items,
        total,
        next,
        has_questions,
    })
}

/// How many registrations match: a plain `COUNT(*)` over the index, not a count of a
/// sub-select of whole rows.
async fn count(db: &impl ConnectionTrait, event_id: Uuid, filter: &ListFilter) -> ApiResult<u64> {
    Ok(filtered(event_id, filter)
        .select_only()
        .column_as(Expr::cust("COUNT(*)"), "n")
        .into_tuple::<i64>()
        .one(db)
        .await?
        .map_or(0, |n| u64::try_from(n).unwrap_or(0)))
}

/// Every matching registration, for the CSV export.
pub async fn list_all(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    filter: &ListFilter,
    sort: Sort,
) -> ApiResult<Vec<Listed>> {
    let query = ordered(listed_columns(filtered(event_id, filter)), sort);
    let rows = db.query_all(QueryTrait::as_query(&query)).await?;
    Ok(rows.iter().map(Listed::read).collect::<Result<_, _>>()?)
}

/// Waitlist positions of the waitlisted registrations among `models`, in one query.
pub async fn waitlist_positions(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    models: &[Listed],
) -> ApiResult<HashMap<Uuid, i64>> {
    let waiting: Vec<(Uuid, i64)> = models
        .iter()
        .filter(|m| m.status == RegistrationStatus::Waitlisted)
        .filter_map(|m| m.waitlist_seq.map(|s| (m.id, s)))
        .collect();
    let Some(max) = waiting.iter().map(|(_, s)| *s).max() else {
        return Ok(HashMap::new());
    };
    let tickets: Vec<Option<i64>> = registration::Entity::find()
        .select_only()
        .column(registration::Column::WaitlistSeq)
        .filter(registration::Column::EventId.eq(event_id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Waitlisted))
        .filter(registration::Column::WaitlistSeq.lte(max))
        .order_by_asc(registration::Column::WaitlistSeq)
        .into_tuple()
        .all(db)
        .await?;
    let tickets: Vec<i64> = tickets.into_iter().flatten().collect();
    Ok(waiting
        .into_iter()
        .map(|(id, seq)| (id, tickets.partition_point(|t| *t <= seq) as i64))
        .collect())
}
