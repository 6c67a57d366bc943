//! Security headers on every answer, and `Cache-Control: no-store` on answers that carry
//! personal data or a secret, so neither browsers nor shared caches keep them.
use actix_web::{
    dev::{ServiceRequest, ServiceResponse},
    http::{header, Method},
    middleware::DefaultHeaders,
    HttpResponse,
};

use super::layer::Around;

/// `nosniff`, no framing, no referrer (manage-token URLs must not leak through `Referer`).
pub fn security() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "no-referrer"))
}

/// Adds `Cache-Control: no-store` where a route has not set its own caching, unless the answer
/// is an anonymous read of public data. That covers what organisers see (attendee lists, CSV,
/// outbox, organiser tokens), everything reached through a manage token, and the answers to
/// writes (a new registration's `manage_token`).
/// A layer: `Layer(NoStore)`.
#[derive(Debug, Clone, Copy)]
pub struct NoStore;

impl Around for NoStore {
    /// Whether the answer is one to keep from caches.
    type Carry = bool;

    fn before(&self, req: &mut ServiceRequest) -> Result<bool, Box<HttpResponse>> {
        let read = matches!(*req.method(), Method::GET | Method::HEAD);
        let authenticated = req.headers().contains_key(header::AUTHORIZATION);
        let by_token = crate::http::routes::route_pattern(req.request())
            .is_some_and(|pattern| pattern.contains("{token}"));
        Ok(!read || authenticated || by_token)
    }

    fn after<B>(&self, private: bool, res: &mut ServiceResponse<B>) {
        let headers = res.headers_mut();
        if private && !headers.contains_key(header::CACHE_CONTROL) {
            headers.insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-store"),
            );
        }
    }
}
