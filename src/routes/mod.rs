//! HTTP routes: each resource wires itself; `startup` composes them once.
pub mod admin;
pub mod announcements;
pub mod badges;
pub mod events;
pub mod exhibits;
pub mod feeds;
pub mod health;
pub mod idempotency;
pub mod organisation;
pub mod organisers;
pub mod pagination;
pub mod pitch_slots;
pub mod pitches;
pub mod questions;
pub mod registrations;
pub mod reviews;
pub mod schedule;
pub mod webhooks;

use utoipa_actix_web::service_config::ServiceConfig;

/// Everything under `/api/v1`.
///
/// actix-web tries the resources in this order and matches each path with a pattern containing
/// `{…}` by a regular expression, so the busiest routes come first: the calendar feeds, the
/// event, the registrations (a feed's 304 went through a dozen expressions before; the
/// patterns do not overlap, so the order changes no answer).
pub fn api(cfg: &mut ServiceConfig) {
    feeds::config(cfg);
    events::config(cfg);
    registrations::config(cfg);
    organisers::config(cfg);
    organisation::config(cfg);
    questions::config(cfg);
    announcements::config(cfg);
    badges::config(cfg);
    admin::config(cfg);
    pitches::config(cfg);
    reviews::config(cfg);
    pitch_slots::config(cfg);
    schedule::config(cfg);
    exhibits::config(cfg);
    webhooks::config(cfg);
}

/// `If-Match` against the current ETag: absent or `*` passes.
pub fn check_if_match(
    req: &actix_web::HttpRequest,
    etag: &str,
) -> Result<(), crate::error::ApiError> {
    let Some(value) = req.headers().get(actix_web::http::header::IF_MATCH) else {
        return Ok(());
    };
    let value = value.to_str().unwrap_or_default();
    let matches = value
        .split(',')
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == etag);
    if matches {
        Ok(())
    } else {
        Err(crate::error::ApiError::PreconditionFailed)
    }
}
