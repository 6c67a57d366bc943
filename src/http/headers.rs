//! Security headers on every answer, `Cache-Control: no-store` on answers that carry
//! personal data or a secret, so neither browsers nor shared caches keep them, and
//! `Vary: Accept-Language` on answers whose language the header chose.
use actix_web::{
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::{header, Method},
    middleware::{DefaultHeaders, Next},
    HttpMessage,
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

/// Adds `Vary: Accept-Language` to an answer whose language `Accept-Language` chose
/// ([`super::language::ChoseByAcceptLanguage`]: the home page, the event pages, the 404 page,
/// the CSV's words…) unless it names the header already, and `Cache-Control: no-cache` when
/// nothing inside set one (so a cache asks again rather than guessing). Runs outside
/// [`no_store`], which has set its `no-store` by then where one is due.
pub async fn vary_by_language(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut response = next.call(req).await?;
    let chosen = response
        .request()
        .extensions()
        .contains::<super::language::ChoseByAcceptLanguage>();
    if !chosen {
        return Ok(response);
    }
    let headers = response.headers_mut();
    let named = headers.get_all(header::VARY).any(|value| {
        value.to_str().is_ok_and(|v| {
            v.split(',').any(|name| {
                name.trim().eq_ignore_ascii_case("accept-language") || name.trim() == "*"
            })
        })
    });
    if !named {
        headers.append(
            header::VARY,
            header::HeaderValue::from_static("Accept-Language"),
        );
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-cache"),
        );
    }
    Ok(response)
}
