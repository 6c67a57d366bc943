//! One error type for the API and its single mapping to `application/problem+json` (RFC 9457).
use actix_web::{
    error::JsonPayloadError,
    http::{header, StatusCode},
    HttpResponse, ResponseError,
};
use sea_orm::{DbErr, SqlErr, TransactionError};
use serde::Serialize;
use utoipa::ToSchema;

/// Largest accepted request body, in bytes (413 beyond it); enforced by `http::app`.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// The longest a client may take to send a request body, from the end of its headers; a slower
/// body is answered 408 and its connection closed. (The headers themselves have actix's
/// `client_request_timeout`, 5 s.)
/// Enforced by `http::body::read_deadline`.
pub const BODY_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// A field that failed validation.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// The field of the request (its JSON name, or the query or path parameter).
    pub field: String,
    /// What is wrong with it, written for people (e.g. `must not be empty`).
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the kind of problem (RFC 9457 §3.1.1), e.g.
    /// `/problems/validation`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary, the same for every problem of the kind (e.g. `Invalid values`).
    pub title: String,
    /// The HTTP status code (400 to 599).
    #[schema(minimum = 400, maximum = 599)]
    pub status: u16,
    /// What went wrong this time, written for people.
    pub detail: String,
    /// The fields that failed validation (422 only); absent otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("a valid bearer token is required")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{method} is not allowed here; allowed: {allow}")]
    MethodNotAllowed { method: String, allow: String },
    #[error("{0}")]
    Conflict(String),
    #[error("the resource has changed since it was read (If-Match does not match)")]
    PreconditionFailed,
    #[error("the request body did not arrive within {0} seconds")]
    RequestTimeout(u64),
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{detail}")]
    Validation {
        detail: String,
        errors: Vec<FieldError>,
    },
    #[error("too many requests: try again in {retry_after} seconds")]
    TooManyRequests { retry_after: u64 },
    /// 503 with `Retry-After` ([`RETRY_AFTER_UNAVAILABLE`]): the database is busy, unreachable
    /// or out of space; nothing of the request was committed.
    #[error("the service is not available: {0}")]
    Unavailable(String),
    /// 503 with `Retry-After`: a write failed because the disk is full or failing. The answer
    /// carries [`StorageFault`] for `/readyz` (see [`crate::routes::health::StorageHealth`]).
    #[error("the service is not available: the database cannot store data right now")]
    StorageFull,
    #[error("internal error")]
    Internal(anyhow::Error),
}

/// Marks an answer given because the storage failed (in the response's extensions).
#[derive(Debug, Clone, Copy)]
pub struct StorageFault;

/// Seconds a client is asked to wait after a 503.
pub const RETRY_AFTER_UNAVAILABLE: u64 = 2;

impl From<anyhow::Error> for ApiError {
    /// A database error anywhere in the chain is mapped as [`From<DbErr>`] maps it, so a lost
    /// connection or a full disk is a 503 even where a service wrapped it with context.
    fn from(err: anyhow::Error) -> Self {
        if let Some(db) = err.chain().find_map(|e| e.downcast_ref::<DbErr>()) {
            if let Some(mapped) = classify(db) {
                return mapped;
            }
        }
        Self::Internal(err)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn not_found(what: &str) -> Self {
        Self::NotFound(format!("{what} not found"))
    }

    pub fn event_not_found(key: &str) -> Self {
        Self::NotFound(format!("no event '{key}'"))
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::Conflict(detail.into())
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, message)])
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            _ => format!("{} fields are invalid", errors.len()),
        };
        Self::Validation { detail, errors }
    }

    fn slug_and_title(&self) -> (&'static str, &'static str) {
        match self {
            Self::BadRequest(_) => ("bad-request", "Bad request"),
            Self::Unauthorized => ("unauthorized", "Unauthorized"),
            Self::Forbidden(_) => ("forbidden", "Forbidden"),
            Self::NotFound(_) => ("not-found", "Not found"),
            Self::MethodNotAllowed { .. } => ("method-not-allowed", "Method not allowed"),
            Self::Conflict(_) => ("conflict", "Conflict"),
            Self::PreconditionFailed => ("precondition-failed", "Precondition failed"),
            Self::RequestTimeout(_) => ("request-timeout", "Request timeout"),
            Self::PayloadTooLarge(_) => ("payload-too-large", "Payload too large"),
            Self::UnsupportedMediaType(_) => ("unsupported-media-type", "Unsupported media type"),
            Self::Validation { .. } => ("validation", "Invalid values"),
            Self::TooManyRequests { .. } => ("too-many-requests", "Too many requests"),
            Self::Unavailable(_) | Self::StorageFull => ("unavailable", "Service unavailable"),
            Self::Internal(_) => ("internal", "Internal server error"),
        }
    }

    pub fn problem(&self) -> Problem {
        let (slug, title) = self.slug_and_title();
        Problem {
            kind: format!("/problems/{slug}"),
            title: title.to_owned(),
            status: self.status_code().as_u16(),
            detail: self.to_string(),
            errors: match self {
                Self::Validation { errors, .. } => errors.clone(),
                _ => Vec::new(),
            },
        }
    }

    /// Maps a malformed or unacceptable JSON body.
    pub fn from_json(err: &JsonPayloadError) -> Self {
        match err {
            JsonPayloadError::ContentType => {
                Self::UnsupportedMediaType("the body must be application/json".to_owned())
            }
            JsonPayloadError::Overflow { limit }
            | JsonPayloadError::OverflowKnownLength { limit, .. } => Self::PayloadTooLarge(*limit),
            JsonPayloadError::Deserialize(e) if e.is_data() => {
                let message = e.to_string();
                let field = field_of_serde_message(&message);
                Self::Validation {
                    detail: format!("the body does not have the expected shape: {message}"),
                    errors: vec![FieldError::new(field, message)],
                }
            }
            JsonPayloadError::Deserialize(e) => {
                Self::BadRequest(format!("the body is not valid JSON: {e}"))
            }
            JsonPayloadError::Payload(actix_web::error::PayloadError::Io(e))
                if e.kind() == std::io::ErrorKind::TimedOut =>
            {
                Self::RequestTimeout(BODY_READ_TIMEOUT.as_secs())
            }
            other => Self::BadRequest(format!("the body could not be read: {other}")),
        }
    }
}

impl ApiError {
    /// Maps an error from reading a raw body (the `web::Bytes` extractor): 408 for a body that
    /// did not arrive within [`BODY_READ_TIMEOUT`], 413 for one over the
    /// limit, else 400; problem+json like every other error.
    pub fn from_body_error(err: &actix_web::Error) -> Self {
        use actix_web::error::PayloadError;
        match err.as_error::<PayloadError>() {
            Some(PayloadError::Io(e)) if e.kind() == std::io::ErrorKind::TimedOut => {
                Self::RequestTimeout(BODY_READ_TIMEOUT.as_secs())
            }
            Some(PayloadError::Overflow) => Self::PayloadTooLarge(BODY_LIMIT),
            _ => Self::BadRequest(format!("the body could not be read: {err}")),
        }
    }
}

/// Best effort: serde names the missing or unknown field in backquotes.
fn field_of_serde_message(message: &str) -> String {
    if !(message.starts_with("missing field") || message.starts_with("unknown field")) {
        return "body".to_owned();
    }
    message
        .split('`')
        .nth(1)
        .filter(|f| !f.is_empty() && f.len() < 64)
        .unwrap_or("body")
        .to_owned()
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) | Self::StorageFull => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(cause) = self {
            tracing::error!(error = ?cause, "request failed");
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        match self {
            Self::Unauthorized => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            Self::TooManyRequests { retry_after } => {
                response.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            Self::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, RETRY_AFTER_UNAVAILABLE.to_string()));
            }
            Self::StorageFull => {
                response.insert_header((header::RETRY_AFTER, RETRY_AFTER_UNAVAILABLE.to_string()));
                response.extensions_mut().insert(StorageFault);
            }
            Self::MethodNotAllowed { allow, .. } => {
                response.insert_header((header::ALLOW, allow.as_str()));
            }
            Self::RequestTimeout(_) => {
                response.insert_header((header::CONNECTION, "close"));
            }
            _ => {}
        }
        response.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

impl From<DbErr> for ApiError {
    fn from(err: DbErr) -> Self {
        classify(&err)
            .unwrap_or_else(|| Self::Internal(anyhow::Error::new(err).context("database error")))
    }
}

/// The answer for a database error that is not podium's fault, or `None` for a 500.
fn classify(err: &DbErr) -> Option<ApiError> {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            return Some(ApiError::Conflict(
                "this conflicts with an existing record".to_owned(),
            ))
        }
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
            return Some(ApiError::Validation {
                detail: "a referenced record does not exist".to_owned(),
                errors: Vec::new(),
            })
        }
        _ => {}
    }
    let fault = db_fault(err)?;
    match fault {
        // For operators: the cause, which the answer does not carry. These messages name the
        // failing operation, not the data.
        DbFault::Storage | DbFault::Connection => {
            tracing::warn!(error = %err, ?fault, "a request failed: the database is unavailable");
        }
        _ => tracing::debug!(error = %err, ?fault, "a request failed on the database"),
    }
    Some(match fault {
        DbFault::Busy => ApiError::Unavailable("the database is busy, try again".to_owned()),
        DbFault::Connection => {
            ApiError::Unavailable("the connection to the database was lost, try again".to_owned())
        }
        DbFault::Storage => ApiError::StorageFull,
        DbFault::Text => ApiError::BadRequest(
            "the request holds text the database cannot store (e.g. a NUL character)".to_owned(),
        ),
        DbFault::TooLong => ApiError::invalid("body", "a value is too long to be stored"),
    })
}

/// Database errors that are no bug of podium's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DbFault {
    /// Lock timeouts, serialization failures and pool exhaustion: try again.
    Busy,
    /// The connection broke or the server is shutting down (PostgreSQL class 08, 57P01–57P03).
    Connection,
    /// The disk is full or failing (SQLite `SQLITE_FULL`/`SQLITE_IOERR`, PostgreSQL class 53/58).
    Storage,
    /// Text PostgreSQL cannot store (NUL: 22021, 22P05).
    Text,
    /// A value longer than its column (22001).
    TooLong,
}

/// Sorts a database error into a [`DbFault`]; `None` for everything else (a 500).
pub(crate) fn db_fault(err: &DbErr) -> Option<DbFault> {
    use sea_orm::{sqlx, RuntimeErr};
    let sqlx_err = match err {
        DbErr::ConnectionAcquire(_) => return Some(DbFault::Busy),
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => e.as_ref(),
        DbErr::Conn(_) => return Some(DbFault::Connection),
        _ => return is_busy(err).then_some(DbFault::Busy),
    };
    match sqlx_err {
        sqlx::Error::PoolTimedOut => Some(DbFault::Busy),
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => Some(DbFault::Connection),
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default().into_owned();
            if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                // The extended result code; its low byte is the primary code.
                let primary = code.parse::<i32>().unwrap_or_default() & 0xff;
                match primary {
                    5 | 6 => Some(DbFault::Busy),      // SQLITE_BUSY, SQLITE_LOCKED
                    10 | 13 => Some(DbFault::Storage), // SQLITE_IOERR, SQLITE_FULL
                    _ => None,
                }
            } else {
                match code.as_str() {
                    "40001" | "40P01" | "55P03" | "57014" => Some(DbFault::Busy),
                    c if c.starts_with("08") || c.starts_with("57P") => Some(DbFault::Connection),
                    c if c.starts_with("53") || c.starts_with("58") => Some(DbFault::Storage),
                    "22021" | "22P05" => Some(DbFault::Text),
                    "22001" => Some(DbFault::TooLong),
                    _ => None,
                }
            }
        }
        _ => is_busy(err).then_some(DbFault::Busy),
    }
}

impl From<TransactionError<ApiError>> for ApiError {
    fn from(err: TransactionError<ApiError>) -> Self {
        match err {
            TransactionError::Connection(e) => e.into(),
            TransactionError::Transaction(e) => e,
        }
    }
}

/// Lock timeouts and pool exhaustion: the database is there but overloaded.
fn is_busy(err: &DbErr) -> bool {
    let text = err.to_string();
    text.contains("database is locked")
        || text.contains("PoolTimedOut")
        || text.contains("pool timed out")
}
