//! The organisation on every public page (issue 28): its name and logo instead of "podium", its
//! accent colour, and the links to its imprint and privacy policy in the footer.
//!
//! Every page shows them, error pages included, and many of those are made far from any
//! application state (`error_page(lang, err)`). So the organisation travels with the request,
//! not through every page's constructor: [`middleware`] reads it (from the
//! [`OrganisationCache`](crate::services::organisation::OrganisationCache), a memory read on
//! almost every request) and runs the handler inside a task-local scope; the base template asks
//! [`site`]. Outside a request (unit tests) pages show podium's defaults.
use std::sync::Arc;

use actix_web::{
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::header,
    middleware::Next,
    web, HttpResponse,
};

use crate::domain::organisation::LogoType;
use crate::services::organisation::Organisation;
use crate::state::AppState;

tokio::task_local! {
    static SITE: Arc<Organisation>;
}

/// The organisation the page being rendered shows (podium's defaults outside a request).
pub fn site() -> Arc<Organisation> {
    SITE.try_with(Arc::clone).unwrap_or_default()
}

/// Middleware: runs every request but the API's with the organisation at hand for the pages.
/// Should the database not answer, pages show podium's defaults (the page itself then says
/// what failed).
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.path().starts_with("/api/") {
        return next.call(req).await;
    }
    let organisation = match req.app_data::<web::Data<AppState>>() {
        Some(state) => state.organisation.get(&state.db).await.unwrap_or_default(),
        None => Arc::default(),
    };
    SITE.scope(organisation, next.call(req)).await
}

/// `GET /organisation/{file}`: the logo (`logo-{version}.{ext}`) or the theme
/// (`theme-{version}.css`).
pub async fn file(state: web::Data<AppState>, path: web::Path<String>) -> HttpResponse {
    let name = path.into_inner();
    if name.starts_with("logo-") {
        logo(&state, &name).await
    } else if name.starts_with("theme-") {
        theme(&state, &name).await
    } else {
        not_found()
    }
}

/// The logo, kept for a year when the version is the
/// current one. An SVG runs nothing: its `Content-Security-Policy` allows no script and
/// sandboxes it, should it be opened on its own.
async fn logo(state: &AppState, wanted: &str) -> HttpResponse {
    let organisation = site_of(state).await;
    let Some((kind, bytes)) = organisation.logo() else {
        return not_found();
    };
    let current = organisation
        .logo_path()
        .is_some_and(|p| p.ends_with(&format!("/{wanted}")));
    let mut response = HttpResponse::Ok();
    response
        .content_type(kind.media_type())
        .insert_header((header::CACHE_CONTROL, cache_control(current)));
    if kind == LogoType::Svg {
        response.insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        ));
    }
    response.body(web::Bytes::copy_from_slice(&bytes))
}

/// The theme: the accent colour as the pages' custom properties.
async fn theme(state: &AppState, wanted: &str) -> HttpResponse {
    let organisation = site_of(state).await;
    let Some(css) = organisation.theme_css() else {
        return not_found();
    };
    let current = organisation
        .theme_path()
        .is_some_and(|p| p.ends_with(&format!("/{wanted}")));
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, cache_control(current)))
        .body(css)
}

async fn site_of(state: &AppState) -> Arc<Organisation> {
    state.organisation.get(&state.db).await.unwrap_or_default()
}

/// A year for the current version's URL (a change makes a new URL); an old URL answers the
/// current file, to be checked again each time.
fn cache_control(current: bool) -> &'static str {
    if current {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

fn not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .content_type("text/plain; charset=utf-8")
        .body("no such file")
}
