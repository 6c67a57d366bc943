//! Security headers on every answer, and `Cache-Control: no-store` on answers that carry
//! personal data or a secret, so neither browsers nor shared caches keep them.
use actix_web::{
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::{header, Method},
    middleware::{DefaultHeaders, Next},
};

/// `nosniff`, no framing, no referrer (manage-token URLs must not leak through `Referer`).
/// Static values, so adding them to an answer copies no bytes and counts no references.
pub fn security() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((
            header::X_CONTENT_TYPE_OPTIONS,
            header::HeaderValue::from_static("nosniff"),
        ))
        .add((
            header::X_FRAME_OPTIONS,
            header::HeaderValue::from_static("DENY"),
        ))
        .add((
            header::REFERRER_POLICY,
            header::HeaderValue::from_static("no-referrer"),
        ))
}

/// Adds `Cache-Control: no-store` where a route has not set its own caching, unless the answer
/// is an anonymous read of public data. That covers what organisers see (attendee lists, CSV,
/// outbox, organiser tokens), everything reached through a manage token, and the answers to
/// writes (a new registration's `manage_token`).
pub async fn no_store(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let read = matches!(*req.method(), Method::GET | Method::HEAD);
    let authenticated = req.headers().contains_key(header::AUTHORIZATION);
    let by_token = crate::http::routes::route_pattern(req.request())
        .is_some_and(|pattern| pattern.contains("{token}"));
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    if (!read || authenticated || by_token) && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
    }
    Ok(response)
}
