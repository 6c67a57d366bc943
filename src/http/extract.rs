//! Malformed input answers problem+json like every other error: the extractors' error
//! handlers (JSON body, path, query string) and the refusal of NUL characters in the URL.
use actix_web::{
    body::{BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    error::{JsonPayloadError, PathError, QueryPayloadError},
    middleware::Next,
    HttpRequest, ResponseError,
};

use crate::error::ApiError;

/// Refuses a request whose path or query string holds a NUL character (`%00`) with a 400,
/// before any handler, lookup or idempotency record sees it: PostgreSQL cannot store or even
/// compare text with NUL (it answered 500), and no name podium gives out contains one. Text in
/// JSON bodies is checked by the field validators (no control characters), and a NUL that
/// reaches the database anyway answers 400 ((`error::DbFault::Text`)).
pub async fn refuse_nul(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let uri = req.uri();
    let has_nul = |s: &str| s.contains("%00");
    if has_nul(uri.path()) || uri.query().is_some_and(has_nul) {
        let err =
            ApiError::BadRequest("the path or query string holds a NUL character (%00)".to_owned());
        return Ok(req.into_response(err.error_response()));
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}

/// Extractor error handlers: malformed input answers problem+json like every other error.
pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::from_json(&err).into()
}

/// A path segment that does not parse (an id that is no UUID) is a 404 whose detail names the
/// segment and what was expected, not the parser's text.
pub fn path_error(err: PathError, req: &HttpRequest) -> actix_web::Error {
    super::routes::method_not_allowed(req)
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
