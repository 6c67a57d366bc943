//! `Idempotency-Key` on public `POST`s: the first successful answer is kept for 24 hours and
//! replayed for a repeat with the same body; a repeat with another body is refused.
//!
//! No secret is stored: a manage token in an answer is replaced by a placeholder naming its
//! kind, the answer remembers the record it created (`record_id`), and a replay derives the
//! token again (`domain::token`). An answer holding any other secret (an organiser's `token`)
//! is not stored at all. Erasing the record deletes its stored answers.
use chrono::{Duration, Utc};
use entity::idempotency_key;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set, SqlErr,
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
    /// (such an answer is not kept).
    fn scrub(&self) -> Option<Scrubbed> {
        let json: Option<Value> = serde_json::from_str(&self.body).ok();
        let object = json.as_ref().and_then(Value::as_object);
        if object.is_some_and(|o| o.contains_key("token")) {
            return None;
        }
        let Some(secret) = object
            .and_then(|o| o.get("manage_token"))
            .and_then(Value::as_str)
        else {
            return Some(Scrubbed {
                body: self.body.clone(),
                location: self.location.clone(),
                record_id: None,
            });
        };
        let (kind, id) = token::identify(secret)?;
        let mark = placeholder(kind);
        Some(Scrubbed {
            body: self.body.replace(secret, &mark),
            location: self.location.as_ref().map(|l| l.replace(secret, &mark)),
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

impl IdempotencyKey {
    /// Checks the header value and fingerprints the JSON body (keys sorted, so the same
    /// document in another key order or spacing counts as the same body).
    pub fn new(scope: String, key: &str, body: &Value) -> ApiResult<Self> {
        let key = key.trim();
        if key.is_empty() || key.len() > KEY_MAX || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ApiError::invalid(
                "Idempotency-Key",
                format!("must be 1 to {KEY_MAX} visible ASCII characters"),
            ));
        }
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
    pub async fn lookup(&self, db: &impl ConnectionTrait) -> ApiResult<Option<StoredAnswer>> {
        let Some(found) =
            idempotency_key::Entity::find_by_id((self.scope.clone(), self.key.clone()))
                .one(db)
                .await?
        else {
            return Ok(None);
        };
        if found.created_at < Utc::now() - Duration::hours(RETENTION_HOURS) {
            // Expired but not yet purged: forget it and treat the request as new.
            idempotency_key::Entity::delete_by_id((self.scope.clone(), self.key.clone()))
                .exec(db)
                .await?;
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
            found.body,
            found.location,
            found.record_id,
        )))
    }

    /// Stores the answer (without its secrets) in the caller's transaction. `Ok(false)` when a
    /// concurrent request with the same key got there first (the caller rolls back and replays
    /// that one). An answer with a secret that cannot be derived again is not stored (`Ok(true)`).
    pub async fn store(&self, db: &impl ConnectionTrait, answer: &StoredAnswer) -> ApiResult<bool> {
        let Some(scrubbed) = answer.scrub() else {
            return Ok(true);
        };
        let row = idempotency_key::ActiveModel {
            scope: Set(self.scope.clone()),
            key: Set(self.key.clone()),
            request_hash: Set(self.request_hash.clone()),
            status_code: Set(i32::from(answer.status)),
            body: Set(scrubbed.body),
            location: Set(scrubbed.location),
            created_at: Set(Utc::now()),
            record_id: Set(scrubbed.record_id),
        };
        match row.insert(db).await {
            Ok(_) => Ok(true),
            Err(err) if is_unique_violation(&err) => Ok(false),
            Err(err) => Err(err.into()),
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
    pub fn row(&self, answer: &StoredAnswer) -> Option<idempotency_key::Model> {
        let scrubbed = answer.scrub()?;
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

/// What [`IdempotencyKey::claim`] found.
pub enum Claim {
    /// The key is ours: run the request, then [`IdempotencyKey::complete`] or
    /// [`IdempotencyKey::release`].
    Claimed,
    /// The key was used before with this body: replay its answer.
    Replay(StoredAnswer),
    /// A request with this key is running right now.
    InProgress,
}

/// A claim older than this is taken to be from a request that died half way.
const ABANDONED_SECONDS: i64 = 60;

impl IdempotencyKey {
    /// Takes the key for a request about to run (a row with status 0 marks it in progress), so
    /// two requests with one key never both run.
    pub async fn claim(&self, db: &impl ConnectionTrait) -> ApiResult<Claim> {
        let pending = StoredAnswer {
            status: 0,
            body: String::new(),
            location: None,
        };
        if self.store(db, &pending).await? {
            return Ok(Claim::Claimed);
        }
        let Some(found) =
            idempotency_key::Entity::find_by_id((self.scope.clone(), self.key.clone()))
                .one(db)
                .await?
        else {
            return Ok(Claim::InProgress);
        };
        if found.status_code != 0 {
            return Ok(match self.lookup(db).await? {
                Some(stored) => Claim::Replay(stored),
                None => Claim::InProgress,
            });
        }
        if found.created_at < Utc::now() - Duration::seconds(ABANDONED_SECONDS) {
            self.release(db).await?;
            return Box::pin(self.claim(db)).await;
        }
        Ok(Claim::InProgress)
    }

    /// Records the answer (without its secrets) of a claimed key; an answer with a secret that
    /// cannot be derived again releases the key instead.
    pub async fn complete(
        &self,
        db: &impl ConnectionTrait,
        answer: &StoredAnswer,
    ) -> ApiResult<()> {
        let Some(scrubbed) = answer.scrub() else {
            return self.release(db).await;
        };
        idempotency_key::Entity::update_many()
            .col_expr(
                idempotency_key::Column::StatusCode,
                sea_orm::sea_query::Expr::value(i32::from(answer.status)),
            )
            .col_expr(
                idempotency_key::Column::Body,
                sea_orm::sea_query::Expr::value(scrubbed.body),
            )
            .col_expr(
                idempotency_key::Column::Location,
                sea_orm::sea_query::Expr::value(scrubbed.location),
            )
            .col_expr(
                idempotency_key::Column::RecordId,
                sea_orm::sea_query::Expr::value(scrubbed.record_id),
            )
            .filter(idempotency_key::Column::Scope.eq(self.scope.clone()))
            .filter(idempotency_key::Column::Key.eq(self.key.clone()))
            .exec(db)
            .await?;
        Ok(())
    }

    /// Gives a claimed key back (the request failed): a retry may run again.
    pub async fn release(&self, db: &impl ConnectionTrait) -> ApiResult<()> {
        idempotency_key::Entity::delete_by_id((self.scope.clone(), self.key.clone()))
            .exec(db)
            .await?;
        Ok(())
    }
}

fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// Forgets keys older than [`RETENTION_HOURS`]; returns how many.
pub async fn purge_expired(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    let cutoff = Utc::now() - Duration::hours(RETENTION_HOURS);
    let result = idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::CreatedAt.lt(cutoff))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
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
        let scrubbed = answer.scrub().unwrap();
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
        assert!(organiser.scrub().is_none());
    }
}
