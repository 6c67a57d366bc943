//! Rate limiting of public `POST`s per client address (`PODIUM_RATE_LIMIT` a minute).
//!
//! Organisers are neither counted nor limited: a valid bearer token, or a live door session
//! (the door page's cookie); an invalid token or cookie counts like any stranger's request. Behind a reverse proxy the client address is
//! the last entry of the configured header (the one the trusted proxy appended).
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::error::ApiError;
use crate::http::auth::organiser_by_token;
use crate::services::door;
use crate::state::AppState;
use actix_web::{
    body::{EitherBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::{header, Method},
    middleware::Next,
    web, Error, HttpRequest, HttpResponse, ResponseError,
};
use governor::{
    clock::{Clock, DefaultClock},
    DefaultKeyedRateLimiter, Quota, RateLimiter,
};

pub struct Limiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    proxy_header: Option<header::HeaderName>,
    checks: AtomicU32,
}

impl Limiter {
    /// `None` when the limit is 0 (off).
    pub fn new(per_minute: u32, proxy_header: Option<&str>) -> Option<Self> {
        let per_minute = NonZeroU32::new(per_minute)?;
        Some(Self {
            limiter: RateLimiter::keyed(Quota::per_minute(per_minute)),
            proxy_header: proxy_header.and_then(|h| header::HeaderName::try_from(h).ok()),
            checks: AtomicU32::new(0),
        })
    }

    fn client(&self, req: &HttpRequest) -> Option<IpAddr> {
        if let Some(name) = &self.proxy_header {
            let forwarded = req
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|v| v.trim().parse().ok());
            if forwarded.is_some() {
                return forwarded;
            }
        }
        req.peer_addr().map(|a| a.ip())
    }

    /// `None` when the limit is 0 (off): `per_hour` requests an hour, in a burst of as many.
    pub fn per_hour(per_hour: u32, proxy_header: Option<&str>) -> Option<Self> {
        let burst = NonZeroU32::new(per_hour)?;
        let quota = Quota::with_period(std::time::Duration::from_secs(3600) / burst.get())?
            .allow_burst(burst);
        Some(Self {
            limiter: RateLimiter::keyed(quota),
            proxy_header: proxy_header.and_then(|h| header::HeaderName::try_from(h).ok()),
            checks: AtomicU32::new(0),
        })
    }

    /// Counts a request of its client (a page's own limit, such as the sign-in links'); the
    /// seconds to wait when the client is over its limit. A request without a client address
    /// is not limited.
    pub fn check_request(&self, req: &HttpRequest) -> Result<(), u64> {
        match self.client(req) {
            Some(client) => self.check(client),
            None => Ok(()),
        }
    }

    /// Seconds to wait when the client is over its limit.
    fn check(&self, client: IpAddr) -> Result<(), u64> {
        // Forget idle clients now and then, so the table stays small.
        if self
            .checks
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(4096)
        {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&client).map_err(|not_until| {
            not_until
                .wait_time_from(DefaultClock::default().now())
                .as_secs()
                .max(1)
        })
    }
}

/// Whether the request is an organiser's: a valid bearer token (through the token cache, so a
/// burst costs one lookup a second), or the cookie of a live door session (the door page's
/// check-ins). Organisers do not use up the public per-address limit, so a door behind the
/// venue's one address keeps working. A token or cookie that is not valid gets no exemption:
/// a stranger's request counts whatever it carries.
async fn is_organiser(state: &web::Data<AppState>, req: &ServiceRequest) -> bool {
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, token)| scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
        .map(|(_, token)| token.trim().to_owned());
    if let Some(token) = bearer {
        return organiser_by_token(state.clone(), &token).await.is_ok();
    }
    if let Some(cookie) = req.cookie(crate::pages::DOOR_COOKIE) {
        return door::is_live_session(&state.db, cookie.value())
            .await
            .unwrap_or(false);
    }
    false
}

/// The answer to a client over its limit, with `Retry-After` (seconds): problem+json on the
/// API, the error page in the client's language elsewhere (a person who sent a form too often
/// sees a page, not JSON).
fn too_many(req: &ServiceRequest, retry_after: u64) -> HttpResponse {
    let refusal = ApiError::TooManyRequests { retry_after };
    if req.path().starts_with("/api/") {
        return refusal.error_response();
    }
    let mut page = crate::pages::error_page(crate::pages::public_language(req.request()), refusal);
    page.headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from(retry_after));
    page
}

/// Middleware: public `POST`s over the limit per client address get 429 with `Retry-After`;
/// pitches, exhibits and links mailed again also count against the stricter submission limit. Requests of
/// organisers ([`is_organiser`]) are neither counted nor limited.
pub async fn limit_public_posts(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    if req.method() == Method::POST {
        if let Some(state) = req.app_data::<web::Data<AppState>>().cloned() {
            let limited = state.limiter.is_some() || state.submissions.is_some();
            if limited && !is_organiser(&state, &req).await {
                // Pitches and exhibits mail the address they name: a stricter limit per client.
                let path = req.path();
                // And so does the link to a registration mailed again.
                if path.ends_with("/pitches")
                    || path.ends_with("/exhibits")
                    || path.ends_with("/resend-link")
                {
                    if let Some(refused) = over(state.submissions.as_ref(), &req) {
                        return Ok(req.into_response(refused).map_into_right_body());
                    }
                }
                if let Some(refused) = over(state.limiter.as_ref(), &req) {
                    return Ok(req.into_response(refused).map_into_right_body());
                }
            }
        }
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

/// Counts the request against `limiter`; the 429 when its client is over the limit.
fn over(limiter: Option<&Limiter>, req: &ServiceRequest) -> Option<HttpResponse> {
    let limiter = limiter?;
    let client = limiter.client(req.request())?;
    limiter
        .check(client)
        .err()
        .map(|retry_after| too_many(req, retry_after))
}
