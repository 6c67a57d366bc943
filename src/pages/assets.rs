//! The pages' stylesheet, compiled into the binary (no CDN, no web fonts from elsewhere).
use actix_web::{http::header, HttpResponse};

/// Where the pages link their stylesheet; the file name carries a version, so browsers may
/// keep it for a day.
pub const CSS_PATH: &str = "/assets/podium-1.css";
const CSS: &str = include_str!("../../static/podium.css");

pub async fn css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(CSS)
}
