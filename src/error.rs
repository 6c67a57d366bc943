//! One error type for the API and its single mapping to `application/problem+json` (RFC 9457).
use actix_web::{
    error::{JsonPayloadError, PathError, QueryPayloadError},
    http::{header, StatusCode},
    HttpRequest, HttpResponse, ResponseError,
};
use sea_orm::{DbErr, SqlErr, TransactionError};
use serde::Serialize;
use utoipa::ToSchema;

/// A field that failed validation.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
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
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
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
    #[error("the service is not available: {0}")]
    Unavailable(String),
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
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
            Self::PayloadTooLarge(_) => ("payload-too-large", "Payload too large"),
            Self::UnsupportedMediaType(_) => ("unsupported-media-type", "Unsupported media type"),
            Self::Validation { .. } => ("validation", "Invalid values"),
            Self::TooManyRequests { .. } => ("too-many-requests", "Too many requests"),
            Self::Unavailable(_) => ("unavailable", "Service unavailable"),
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
            other => Self::BadRequest(format!("the body could not be read: {other}")),
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
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
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
            Self::MethodNotAllowed { allow, .. } => {
                response.insert_header((header::ALLOW, allow.as_str()));
            }
            _ => {}
        }
        response.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

impl From<DbErr> for ApiError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                Self::Conflict("this conflicts with an existing record".to_owned())
            }
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => Self::Validation {
                detail: "a referenced record does not exist".to_owned(),
                errors: Vec::new(),
            },
            _ if is_busy(&err) => Self::Unavailable("the database is busy, try again".to_owned()),
            _ => Self::Internal(anyhow::Error::new(err).context("database error")),
        }
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

/// Extractor error handlers: malformed input answers problem+json like every other error.
pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::from_json(&err).into()
}

/// A path segment that does not parse (an id that is no UUID) is a 404 whose detail names the
/// segment and what was expected, not the parser's text.
pub fn path_error(err: PathError, req: &HttpRequest) -> actix_web::Error {
    crate::startup::method_not_allowed(req)
        .unwrap_or_else(|| {
            let not_a_uuid = req
                .match_info()
                .iter()
                .map(|(_, value)| value)
                .find(|value| {
                    uuid::Uuid::parse_str(value).is_err() && err.to_string().contains("UUID")
                });
            ApiError::NotFound(match not_a_uuid {
                Some(value) => format!(
                    "'{}' is not a valid id (a UUID such as 0190a5c2-7b1e-7c3d-9f4e-2a6b8c0d1e2f)",
                    value.chars().take(100).collect::<String>()
                ),
                None => "no such resource: a part of the path is not valid here".to_owned(),
            })
        })
        .into()
}

pub fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::BadRequest(format!("invalid query string: {err}")).into()
}
