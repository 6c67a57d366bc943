//! Cross-origin requests from the configured origins (`PODIUM_CORS_ORIGINS`).
use actix_web::{http::header, middleware};

/// CORS for the configured origins (`*` for any); off when none are configured.
pub fn cors(origins: Option<&str>) -> middleware::Condition<actix_cors::Cors> {
    let Some(origins) = origins else {
        return middleware::Condition::new(false, actix_cors::Cors::default());
    };
    let mut cors = actix_cors::Cors::default()
        .allowed_methods(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::IF_MODIFIED_SINCE,
            header::HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::LAST_MODIFIED,
            header::RETRY_AFTER,
        ])
        .max_age(3600);
    for origin in origins.split(',').map(str::trim).filter(|o| !o.is_empty()) {
        cors = if origin == "*" {
            cors.allow_any_origin()
        } else {
            cors.allowed_origin(origin)
        };
    }
    middleware::Condition::new(true, cors)
}

/// Refuses to start with an origin CORS could not use.
pub fn check_origins(origins: Option<&str>) -> anyhow::Result<()> {
    for origin in origins.unwrap_or_default().split(',').map(str::trim) {
        if origin.is_empty() || origin == "*" {
            continue;
        }
        let ok = url::Url::parse(origin).is_ok_and(|u| {
            matches!(u.scheme(), "http" | "https") && u.path() == "/" && !origin.ends_with('/')
        });
        anyhow::ensure!(
            ok,
            "PODIUM_CORS_ORIGINS: '{origin}' is not an origin like https://cluster.example"
        );
    }
    Ok(())
}
