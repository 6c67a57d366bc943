//! `Idempotency-Key` at the HTTP edge: the header read into a key for the service that does the
//! write, and the answers a keyed write gives. The rules (where the key is judged and stored,
//! in the write's own transaction) are in `services::idempotency`.
//!
//! The public `POST`s that create or change something take a key: registrations (and the event
//! page's `form_key`), pitches and exhibits, and the token routes (confirm, cancel, withdraw).
//! Each reads it in its handler, after its caller is known. An organiser's proposal or exhibit
//! is left alone: keys are not shared between callers, and a replay must never stand in for
//! authentication. Routes that need a token read no key at all, so
//! they answer 401 before a key could be judged (the organisers' announcements keep their own
//! key, read after the token is checked).
use actix_web::{
    dev::Payload,
    http::{header, StatusCode},
    web, FromRequest, HttpRequest, HttpResponse,
};
use futures_util::future::LocalBoxFuture;
use serde::Serialize;
use serde_json::Value;

use crate::error::{ApiError, ApiResult};
use crate::services::idempotency::{checked_key, IdempotencyKey, Once, StoredAnswer};

/// The request's `Idempotency-Key` for `scope` (method and path, or
/// `services::idempotency::secret_scope` of them), fingerprinting `body`; `None` without the
/// header. 422 for a key that is not 1 to 200 visible ASCII characters. Call it once the
/// caller is known (an organiser's request passes no key on).
pub fn key_of(req: &HttpRequest, scope: String, body: &Value) -> ApiResult<Option<IdempotencyKey>> {
    header_key(req)?
        .map(|key| IdempotencyKey::new(scope, key, body))
        .transpose()
}

/// The request's `Idempotency-Key` header as [`checked_key`] takes it, or `None` without one;
/// 422 for a value that is not 1 to 200 visible ASCII characters.
pub fn header_key(req: &HttpRequest) -> ApiResult<Option<&str>> {
    let Some(value) = req.headers().get("Idempotency-Key") else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::invalid("Idempotency-Key", "must be visible ASCII characters"))?;
    checked_key(value).map(Some)
}

/// The body of a `POST` that has none of its own (a token action), as a key fingerprints it:
/// its JSON, or its text when it is none (an empty body is `""`).
pub struct AnyBody(pub Value);

impl FromRequest for AnyBody {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = bytes.await?;
            Ok(Self(serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                Value::String(String::from_utf8_lossy(&bytes).into_owned())
            })))
        })
    }
}

/// A JSON answer as data: what a keyed write stores and the client gets.
pub fn json_answer(
    status: StatusCode,
    location: Option<String>,
    body: &impl Serialize,
) -> ApiResult<StoredAnswer> {
    let body = serde_json::to_string(body)
        .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("serialising an answer")))?;
    Ok(StoredAnswer {
        status: status.as_u16(),
        body,
        location,
    })
}

/// The answer to a write that may carry a key: the stored answer when it ran with one, a
/// fresh one (`answer`) without, the first answer marked `Idempotent-Replayed` for a repeat.
pub fn respond<T>(
    done: Once<T>,
    answer: impl FnOnce(T) -> ApiResult<StoredAnswer>,
) -> ApiResult<HttpResponse> {
    Ok(match done {
        Once::New(_, Some(stored)) => response(stored, false),
        Once::New(value, None) => response(answer(value)?, false),
        Once::Replayed(stored) => response(stored, true),
    })
}

/// A stored answer as the response; `replayed` marks it as the answer to an earlier request.
pub fn response(stored: StoredAnswer, replayed: bool) -> HttpResponse {
    let mut response =
        HttpResponse::build(StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK));
    response.content_type("application/json");
    if replayed {
        response.insert_header(("Idempotent-Replayed", "true"));
    }
    if let Some(location) = stored.location {
        response.insert_header((header::LOCATION, location));
    }
    response.body(stored.body)
}
