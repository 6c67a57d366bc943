//! Calendar feeds (iCalendar, RFC 5545) for calendar apps to subscribe to; one file per feed.
//! `respond` holds the HTTP side they share: validators, 304s, caching headers.
mod all;
mod event;
mod pitch;
mod registration;
mod respond;

use utoipa_actix_web::service_config::ServiceConfig;

pub use respond::{conditional, respond};

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(all::all_events_feed)
        .service(event::event_feed)
        .service(registration::registration_feed)
        .service(pitch::pitch_feed);
}

/// The feeds' `HEAD` in the OpenAPI document: calendar apps ask it before they fetch, so it is
/// described with its headers; it is answered by the `GET` handler like every other `HEAD`.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    all::all_events_feed_head,
    event::event_feed_head,
    registration::registration_feed_head,
    pitch::pitch_feed_head
))]
pub struct HeadDocs;
