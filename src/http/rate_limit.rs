//! Rate limiting of public `POST`s per client address (`PODIUM_RATE_LIMIT` a minute).
//!
//! Organisers with a valid token are not limited. Behind a reverse proxy the client address is
//! the last entry of the configured header (the one the trusted proxy appended).
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};

use actix_web::{
    body::{EitherBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::{header, Method},
    middleware::Next,
    web, Error, HttpResponse, ResponseError,
};
use governor::{
    clock::{Clock, DefaultClock},
    DefaultKeyedRateLimiter, Quota, RateLimiter,
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::auth::hash_token;
use crate::error::ApiError;
use crate::state::AppState;

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

    fn client(&self, req: &ServiceRequest) -> Option<IpAddr> {
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

async fn is_organiser(state: &AppState, req: &ServiceRequest) -> bool {
    let Some(token) = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
    else {
        return false;
    };
    entity::organiser::Entity::find()
        .filter(entity::organiser::Column::TokenHash.eq(hash_token(token.trim())))
        .filter(entity::organiser::Column::RevokedAt.is_null())
        .count(&state.db)
        .await
        .is_ok_and(|n| n > 0)
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

pub async fn limit_public_posts(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    if req.method() == Method::POST {
        if let Some(state) = req.app_data::<web::Data<AppState>>().cloned() {
            // Pitches and exhibits mail the address they name: a stricter limit per client.
            let path = req.path();
            if path.ends_with("/pitches") || path.ends_with("/exhibits") {
                if let (Some(limiter), Some(client)) = (
                    &state.submissions,
                    state.submissions.as_ref().and_then(|l| l.client(&req)),
                ) {
                    if let Err(retry_after) = limiter.check(client) {
                        if !is_organiser(&state, &req).await {
                            let response = too_many(&req, retry_after);
                            return Ok(req.into_response(response).map_into_right_body());
                        }
                    }
                }
            }
            if let (Some(limiter), Some(client)) = (
                &state.limiter,
                state.limiter.as_ref().and_then(|l| l.client(&req)),
            ) {
                if let Err(retry_after) = limiter.check(client) {
                    if !is_organiser(&state, &req).await {
                        let response = too_many(&req, retry_after);
                        return Ok(req.into_response(response).map_into_right_body());
                    }
                }
            }
        }
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}
