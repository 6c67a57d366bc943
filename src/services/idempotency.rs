//! `Idempotency-Key` on public `POST`s: the first successful answer is kept for 24 hours and
//! replayed for a repeat with the same body; a repeat with another body is a 422.
//!
//! One mechanism for every public `POST`: the service that does the write judges the key in the
//! write's transaction, after the lock that serialises writes of its scope ([`Keyed::earlier`]),
//! and stores the answer with the key in that same transaction ([`Keyed::record`]; the
//! registration desk stores a batch's keys with one statement). The key and its write commit
//! or fail together: a key is never taken by a request that then dies, and a concurrent repeat
//! waits for the lock and replays. A refused request stores nothing, so a retry runs.
//!
//! No secret is stored: a manage token of the record a write made or touched, wherever it
//! stands in the answer (the body, the `Location`, a page form's redirect to the manage
//! page), is replaced by a placeholder naming its kind, the answer remembers the record
//! (`record_id`), and a replay derives the token again (`domain::token`). An answer holding any other secret (an organiser's `token`)
//! is not stored at all. Erasing the record deletes its stored answers.
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use entity::idempotency_key;
use sea_orm::{
    sea_query::{Expr, ExprTrait, Order, Query},
    ColumnTrait, ConnectionTrait, DbErr, DeleteMany, EntityTrait, QueryFilter,
};
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::domain::token::{self, Kind};

use crate::error::{ApiError, ApiResult};

/// How long a key is remembered.
pub const RETENTION_HOURS: i64 = 24;
/// Longest accepted key.
pub const KEY_MAX: usize = 200;
/// Longest scope stored as it is (`idempotency_keys.scope` is `VARCHAR(300)`); a longer one
/// (a long token in the path) is stored as `sha256:` and its hash.
pub const SCOPE_MAX: usize = 200;

/// A key sent with a request, scoped to one endpoint, with the fingerprint of its body.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub scope: String,
    pub key: String,
    pub request_hash: String,
}

/// The answer stored for a key.
#[derive(Debug, Clone)]
pub struct StoredAnswer {
    pub status: u16,
    pub body: String,
    pub location: Option<String>,
}

/// An answer as the database keeps it: its manage token replaced by a placeholder.
struct Scrubbed {
    body: String,
    location: Option<String>,
    record_id: Option<Uuid>,
}

/// Marks where a stored answer had a manage token: `\u{1}kind\u{1}`. JSON text never holds a
/// raw control character (serde escapes them), so no request's own text can look like one.
fn placeholder(kind: Kind) -> String {
    format!("\u{1}{}\u{1}", kind.name())
}

impl StoredAnswer {
    /// The answer without its secrets, or `None` when it holds one that cannot be re-derived
    /// (such an answer is not kept). `record` is the record the write made or touched: any
    /// token derived from it (a manage link in a page form's redirect, in a `Location`, in
    /// the body) becomes a placeholder wherever it stands, so no live link is ever stored, and
    /// the row names the record, so erasing it deletes the row.
    fn scrub(&self, record: Option<Uuid>) -> Option<Scrubbed> {
        let json: Option<Value> = serde_json::from_str(&self.body).ok();
        let object = json.as_ref().and_then(Value::as_object);
        if object.is_some_and(|o| o.contains_key("token")) {
            return None;
        }
        let named = match object
            .and_then(|o| o.get("manage_token"))
            .and_then(Value::as_str)
        {
            Some(secret) => Some(token::identify(secret)?.1),
            None => None,
        };
        let Some(id) = named.or(record) else {
            return Some(Scrubbed {
                body: self.body.clone(),
                location: self.location.clone(),
                record_id: None,
            });
        };
        let (mut body, mut location) = (self.body.clone(), self.location.clone());
        for kind in Kind::ALL {
            let secret = token::derive(kind, id);
            let mark = placeholder(kind);
            body = body.replace(&secret, &mark);
            location = location.map(|l| l.replace(&secret, &mark));
        }
        Some(Scrubbed {
            body,
            location,
            record_id: Some(id),
        })
    }

    /// A stored answer with its manage token derived again.
    fn restored(status: u16, body: String, location: Option<String>, id: Option<Uuid>) -> Self {
        let Some(id) = id else {
            return Self {
                status,
                body,
                location,
            };
        };
        let (mut body, mut location) = (body, location);
        for kind in Kind::ALL {
            let mark = placeholder(kind);
            if body.contains(&mark) || location.as_ref().is_some_and(|l| l.contains(&mark)) {
                let secret = token::derive(kind, id);
                body = body.replace(&mark, &secret);
                location = location.map(|l| l.replace(&mark, &secret));
            }
        }
        Self {
            status,
            body,
            location,
        }
    }
}

/// An `Idempotency-Key` header value as podium takes it: trimmed, 1 to [`KEY_MAX`] visible
/// ASCII characters (no spaces inside); 422 naming the header otherwise. The one rule for every
/// keyed request, the announcements' own key included.
pub fn checked_key(value: &str) -> ApiResult<&str> {
    let key = value.trim();
    if key.is_empty() || key.len() > KEY_MAX || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::invalid(
            "Idempotency-Key",
            format!("must be 1 to {KEY_MAX} visible ASCII characters"),
        ));
    }
    Ok(key)
}

impl IdempotencyKey {
    /// Checks the header value and fingerprints the JSON body (keys sorted, so the same
    /// document in another key order or spacing counts as the same body).
    pub fn new(scope: String, key: &str, body: &Value) -> ApiResult<Self> {
        let key = checked_key(key)?;
        let mut canonical = String::new();
        canonicalise(body, &mut canonical);
        let scope = if scope.len() > SCOPE_MAX {
            format!("sha256:{}", hex::encode(Sha256::digest(scope.as_bytes())))
        } else {
            scope
        };
        Ok(Self {
            scope,
            key: key.to_owned(),
            request_hash: hex::encode(Sha256::digest(canonical.as_bytes())),
        })
    }

    /// The stored answer for this key, if any; 422 when the key was used with another body.
    /// A read outside the write: it spares an answered repeat the write path, which judges the
    /// key again under its lock ([`Keyed::earlier`]).
    pub async fn lookup(&self, db: &impl ConnectionTrait) -> ApiResult<Option<StoredAnswer>> {
        match idempotency_key::Entity::find_by_id((self.scope.clone(), self.key.clone()))
            .one(db)
            .await?
        {
            Some(found) => self.judge(&found),
            None => Ok(None),
        }
    }
}

impl IdempotencyKey {
    /// What a stored row means for this request: its answer (same body), a 422 (another body),
    /// or `None` when it has expired (the request runs as new; its row is then overwritten).
    pub fn judge(&self, found: &idempotency_key::Model) -> ApiResult<Option<StoredAnswer>> {
        if found.created_at < Utc::now() - Duration::hours(RETENTION_HOURS) {
            return Ok(None);
        }
        if found.request_hash != self.request_hash {
            return Err(ApiError::invalid(
                "Idempotency-Key",
                "was already used with a different request body",
            ));
        }
        Ok(Some(StoredAnswer::restored(
            u16::try_from(found.status_code).unwrap_or(200),
            found.body.clone(),
            found.location.clone(),
            found.record_id,
        )))
    }

    /// The row that keeps `answer` for this key (without its secrets), or `None` when the
    /// answer holds a secret that cannot be derived again (such an answer is not kept).
    /// `record`: what the write made or touched (see [`StoredAnswer`]'s scrub): its tokens are
    /// not stored, and erasing it deletes the row.
    pub fn row(
        &self,
        answer: &StoredAnswer,
        record: Option<Uuid>,
    ) -> Option<idempotency_key::Model> {
        let scrubbed = answer.scrub(record)?;
        Some(idempotency_key::Model {
            scope: self.scope.clone(),
            key: self.key.clone(),
            request_hash: self.request_hash.clone(),
            status_code: i32::from(answer.status),
            body: scrubbed.body,
            location: scrubbed.location,
            created_at: Utc::now(),
            record_id: scrubbed.record_id,
        })
    }
}

/// The stored rows of these keys, in one query. Run it in the write's transaction after the
/// lock that every write with these scopes takes, so a key committed by another request
/// (another instance too) is seen.
pub async fn find_many(
    db: &impl ConnectionTrait,
    keys: &[&IdempotencyKey],
) -> ApiResult<Vec<idempotency_key::Model>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut scopes: Vec<&str> = keys.iter().map(|k| k.scope.as_str()).collect();
    scopes.sort_unstable();
    scopes.dedup();
    let rows = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::Scope.is_in(scopes))
        .filter(idempotency_key::Column::Key.is_in(keys.iter().map(|k| k.key.as_str())))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|row| {
            keys.iter()
                .any(|k| k.scope == row.scope && k.key == row.key)
        })
        .collect())
}

/// Writes these rows with one statement; a row of an expired key with the same scope and key
/// is overwritten (a live one was looked for under the same lock and not found).
pub async fn insert_many(
    db: &impl ConnectionTrait,
    rows: Vec<idempotency_key::Model>,
) -> ApiResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    use idempotency_key::Column as C;
    idempotency_key::Entity::insert_many(rows.into_iter().map(idempotency_key::ActiveModel::from))
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([C::Scope, C::Key])
                .update_columns([
                    C::RequestHash,
                    C::StatusCode,
                    C::Body,
                    C::Location,
                    C::CreatedAt,
                    C::RecordId,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// How a write's result becomes the answer its client gets, as data (status, body, location):
/// what a key stores and a repeat replays. The HTTP edge supplies it; the service calls it
/// inside the write's transaction.
pub type Answer<T> = Arc<dyn Fn(&T) -> ApiResult<StoredAnswer> + Send + Sync>;

/// A write sent with an idempotency key: the key, and how its answer is written down.
pub struct Keyed<T> {
    pub key: IdempotencyKey,
    pub answer: Answer<T>,
}

impl<T> Clone for Keyed<T> {
    fn clone(&self) -> Self {
        Self {
            key: self.key.clone(),
            answer: Arc::clone(&self.answer),
        }
    }
}

/// What a write that may carry a key did.
#[derive(Debug)]
#[allow(
    clippy::large_enum_variant,
    reason = "the common case is the large one; a box would allocate for each write"
)]
pub enum Once<T> {
    /// It ran now. With a key, the answer stored with it: give the client exactly this.
    New(T, Option<StoredAnswer>),
    /// The key was used before with the same body: its first answer; nothing ran.
    Replayed(StoredAnswer),
}

impl<T> Keyed<T> {
    /// The first answer to this key, a 422 when it came with another body, or `None`: run.
    ///
    /// Call it in the write's transaction after the lock that every write of this scope takes
    /// (the event row, the record), so that a request with the same key that committed first is
    /// seen and a concurrent one waits: the key is never taken without its write.
    pub async fn earlier(&self, txn: &impl ConnectionTrait) -> ApiResult<Option<StoredAnswer>> {
        match find_many(txn, &[&self.key]).await?.first() {
            Some(row) => self.key.judge(row),
            None => Ok(None),
        }
    }

    /// Stores the answer to `done` with the key, in the write's transaction, and returns it.
    /// `record` names what the write touched, so that erasing it also forgets the answer (an
    /// answer with a manage token names its record by itself).
    pub async fn record(
        &self,
        txn: &impl ConnectionTrait,
        done: &T,
        record: Option<Uuid>,
    ) -> ApiResult<StoredAnswer> {
        let answer = (self.answer)(done)?;
        if let Some(row) = self.key.row(&answer, record) {
            insert_many(txn, vec![row]).await?;
        }
        Ok(answer)
    }
}

/// [`Keyed::earlier`] for a write that may carry no key.
pub async fn earlier<T>(
    txn: &impl ConnectionTrait,
    key: Option<&Keyed<T>>,
) -> ApiResult<Option<StoredAnswer>> {
    match key {
        Some(k) => k.earlier(txn).await,
        None => Ok(None),
    }
}

/// [`Keyed::record`] for a write that may carry no key: the stored answer, or `None`.
pub async fn record<T>(
    txn: &impl ConnectionTrait,
    key: Option<&Keyed<T>>,
    done: &T,
    record: Uuid,
) -> ApiResult<Option<StoredAnswer>> {
    match key {
        Some(k) => k.record(txn, done, Some(record)).await.map(Some),
        None => Ok(None),
    }
}

/// A scope for a path that holds a secret (a manage token): its SHA-256, so the table never
/// holds the secret (a replay needs only the same scope, not the path).
pub fn secret_scope(method_and_path: &str) -> String {
    format!(
        "sha256:{}",
        hex::encode(Sha256::digest(method_and_path.as_bytes()))
    )
}

/// Forgets keys older than [`RETENTION_HOURS`] at `now`; returns how many. In chunks
/// ([`expired_keys`]).
pub async fn purge_expired(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let cutoff = now - Duration::hours(RETENTION_HOURS);
    crate::db::in_chunks(|| async { Ok(expired_keys(cutoff).exec(db).await?.rows_affected) }).await
}

/// One chunk of [`purge_expired`]: the oldest keys stored before `cutoff`, at most
/// [`CHUNK`](crate::db::CHUNK) of them, found through `idx_idempotency_keys_created`.
pub fn expired_keys(cutoff: DateTime<Utc>) -> DeleteMany<idempotency_key::Entity> {
    use idempotency_key::Column;
    let due = Query::select()
        .columns([Column::Scope, Column::Key])
        .from(idempotency_key::Entity)
        .and_where(Column::CreatedAt.lt(cutoff))
        .order_by(Column::CreatedAt, Order::Asc)
        .limit(crate::db::CHUNK)
        .to_owned();
    idempotency_key::Entity::delete_many()
        .filter(Expr::tuple([Expr::col(Column::Scope), Expr::col(Column::Key)]).in_subquery(due))
        // Checked again on the row itself: on PostgreSQL a key written anew (the same key
        // after its 24 hours) between the subquery's choice and the delete is seen as it is
        // now, and kept.
        .filter(Column::CreatedAt.lt(cutoff))
}

/// JSON with object keys sorted, no insignificant whitespace.
fn canonicalise(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                if let Some(v) = map.get(k) {
                    canonicalise(v, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonicalise(v, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_same_document_in_another_key_order_has_the_same_fingerprint() {
        let a = IdempotencyKey::new(
            "s".into(),
            "k",
            &json!({"a": 1, "b": [1, {"y": 2, "x": 1}]}),
        )
        .unwrap();
        let b = IdempotencyKey::new(
            "s".into(),
            "k",
            &json!({"b": [1, {"x": 1, "y": 2}], "a": 1}),
        )
        .unwrap();
        let c = IdempotencyKey::new("s".into(), "k", &json!({"a": 2})).unwrap();
        assert_eq!(a.request_hash, b.request_hash);
        assert_ne!(a.request_hash, c.request_hash);
        assert!(IdempotencyKey::new("s".into(), " ", &json!({})).is_err());
    }

    #[test]
    fn a_stored_answer_keeps_no_manage_token_and_a_replay_derives_it_again() {
        let id = Uuid::now_v7();
        let secret = token::derive(Kind::Registration, id);
        let answer = StoredAnswer {
            status: 201,
            body: json!({"id": id, "manage_token": secret, "manage_url": format!("http://x/{secret}")})
                .to_string(),
            location: Some(format!("/api/v1/registrations/{secret}")),
        };
        let scrubbed = answer.scrub(None).unwrap();
        assert!(!scrubbed.body.contains(&secret));
        assert!(!scrubbed.location.as_deref().unwrap().contains(&secret));
        assert_eq!(scrubbed.record_id, Some(id));
        let replayed =
            StoredAnswer::restored(201, scrubbed.body, scrubbed.location, scrubbed.record_id);
        assert_eq!(replayed.body, answer.body);
        assert_eq!(replayed.location, answer.location);
        let organiser = StoredAnswer {
            status: 201,
            body: json!({"id": id, "token": "secret"}).to_string(),
            location: None,
        };
        assert!(organiser.scrub(None).is_none());
        // A page form's answer: a redirect to the manage page, no JSON; the record names it.
        let form = StoredAnswer {
            status: 303,
            body: String::new(),
            location: Some(format!("http://x/registrations/{secret}?registered=1")),
        };
        let scrubbed = form.scrub(Some(id)).unwrap();
        assert!(!scrubbed.location.as_deref().unwrap().contains(&secret));
        assert_eq!(scrubbed.record_id, Some(id));
        let replayed =
            StoredAnswer::restored(303, scrubbed.body, scrubbed.location, scrubbed.record_id);
        assert_eq!(replayed.location, form.location);
    }
}
