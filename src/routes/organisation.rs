//! The organisation's settings (issue 28): anyone reads them (public pages show them); admins
//! change them and the logo.
use actix_web::{delete, get, put, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::organisation::{Logo, OrganisationSettings, RawSettings};
use crate::error::{ApiError, ApiResult};
use crate::http::auth::Admin;
use crate::services::organisation::{self, Organisation};
use crate::state::AppState;

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(show)
        .service(update)
        .service(upload_logo)
        .service(remove_logo);
}

/// The organisation's settings as saved: every field replaces what was there; absent or `null`
/// clears it (and a blank `name`). An empty `contact`, `accent_colour` or link is a 422: it is
/// no address, colour or URL (`null` clears).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Materials Cluster Jena", "contact": "tagung@cluster.example",
    "accent_colour": "#0b5cad", "imprint_url": "https://cluster.example/impressum",
    "privacy_url": "https://cluster.example/datenschutz"}))]
pub struct OrganisationBody {
    /// The name public pages and mails show instead of "podium"; one line, at most 200
    /// characters.
    #[schema(max_length = 200)]
    pub name: Option<String>,
    /// The address mails answer to (`Reply-To`) when an event names no contact of its own;
    /// new events take it as their contact.
    #[schema(format = Email, max_length = 254)]
    pub contact: Option<String>,
    /// `#rrggbb`: the colour of links and buttons on the public pages. It must reach a contrast
    /// of 4.5:1 on white (WCAG 2.2, 1.4.3); a lighter one is a 422 that gives the ratio.
    #[schema(pattern = "^#?[0-9A-Fa-f]{6}$")]
    pub accent_colour: Option<String>,
    /// The imprint (Impressum), an `https://` or `http://` address: every public page links it.
    #[schema(max_length = 2000, format = "uri")]
    pub imprint_url: Option<String>,
    /// The privacy policy, an `https://` or `http://` address: every public page and the
    /// registration form's consent link it.
    #[schema(max_length = 2000, format = "uri")]
    pub privacy_url: Option<String>,
}

/// The organisation as public pages show it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationResponse {
    /// The name; `null`: not set (pages show "podium").
    pub name: Option<String>,
    /// The mails' `Reply-To` when an event names none.
    pub contact: Option<String>,
    /// `#rrggbb`; `null`: podium's own.
    pub accent_colour: Option<String>,
    /// The imprint's (Impressum's) address, linked from every public page; `null`: none.
    pub imprint_url: Option<String>,
    /// The privacy policy's address, linked from every public page and the consent; `null`:
    /// none.
    pub privacy_url: Option<String>,
    /// The logo's absolute URL (PNG or SVG); `null`: none.
    pub logo_url: Option<String>,
    /// Grows with every change; 0 before the first.
    pub version: i32,
}

impl OrganisationResponse {
    fn new(state: &AppState, o: &Organisation) -> Self {
        Self {
            name: o.name.clone(),
            contact: o.contact.clone(),
            accent_colour: o.accent_colour.clone(),
            imprint_url: o.imprint_url.clone(),
            privacy_url: o.privacy_url.clone(),
            logo_url: o
                .logo_path()
                .map(|path| format!("{}{path}", state.public_url)),
            version: o.version,
        }
    }
}

/// The organisation (public).
#[utoipa::path(tag = "organisation", operation_id = "organisation_show",
    responses((status = 200, description = "The organisation's settings", body = OrganisationResponse)))]
#[get("/organisation")]
pub async fn show(state: web::Data<AppState>) -> ApiResult<web::Json<OrganisationResponse>> {
    let organisation = state.organisation.get(&state.db).await?;
    Ok(web::Json(OrganisationResponse::new(&state, &organisation)))
}

/// Save the organisation's settings (admin); the public pages show them at once.
#[utoipa::path(tag = "organisation", operation_id = "organisation_update", security(("bearer" = [])), request_body = OrganisationBody,
    responses((status = 200, description = "As saved", body = OrganisationResponse),
        (status = 401, description = "No valid bearer token", body = crate::error::Problem),
        (status = 403, description = "Not an admin", body = crate::error::Problem),
        (status = 409, description = "Saved at the same moment by someone else: send it again", body = crate::error::Problem),
        (status = 422, description = "Invalid values, each at its field", body = crate::error::Problem)))]
#[put("/organisation")]
pub async fn update(
    state: web::Data<AppState>,
    _admin: Admin,
    body: crate::http::extract::Json<OrganisationBody>,
) -> ApiResult<web::Json<OrganisationResponse>> {
    let body = body.into_inner();
    let mut v = crate::domain::Validator::new();
    for (field, value) in [
        ("contact", &body.contact),
        ("accent_colour", &body.accent_colour),
        ("imprint_url", &body.imprint_url),
        ("privacy_url", &body.privacy_url),
    ] {
        if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
            v.push(field, "must not be empty: null clears it");
        }
    }
    v.finish()?;
    let settings = OrganisationSettings::parse(RawSettings {
        name: body.name.as_deref(),
        contact: body.contact.as_deref(),
        accent_colour: body.accent_colour.as_deref(),
        imprint_url: body.imprint_url.as_deref(),
        privacy_url: body.privacy_url.as_deref(),
    })?;
    let saved = organisation::save(&state.db, settings).await?;
    Ok(web::Json(OrganisationResponse::new(&state, &saved)))
}

/// Replace the logo (admin): the file's bytes as the body, a PNG or an SVG of at most 256 KiB,
/// recognised by its content (whatever `Content-Type` says). An SVG is served so that nothing
/// in it runs (a sandboxing `Content-Security-Policy`).
#[utoipa::path(tag = "organisation", operation_id = "organisation_logo_upload", security(("bearer" = [])),
    request_body(content = String, content_type = "image/svg+xml",
        description = "The file's bytes: an SVG, or a PNG (sent as `image/png`, taken alike)",
        example = json!("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"40\" height=\"40\"><circle cx=\"20\" cy=\"20\" r=\"18\" fill=\"#0b5cad\"/></svg>")),
    responses((status = 200, description = "Saved; `logo_url` is the new logo", body = OrganisationResponse),
        (status = 401, description = "No valid bearer token", body = crate::error::Problem),
        (status = 403, description = "Not an admin", body = crate::error::Problem),
        (status = 409, description = "Saved at the same moment by someone else: send it again", body = crate::error::Problem),
        (status = 413, description = "A body larger than the server reads at all", body = crate::error::Problem),
        (status = 422, description = "Not a PNG or SVG, empty, or larger than 256 KiB (field `logo`)", body = crate::error::Problem)))]
#[put("/organisation/logo")]
pub async fn upload_logo(
    state: web::Data<AppState>,
    _admin: Admin,
    body: web::Bytes,
) -> ApiResult<web::Json<OrganisationResponse>> {
    let logo = Logo::parse(body.to_vec()).map_err(|e| ApiError::validation(vec![e]))?;
    let saved = organisation::set_logo(&state.db, Some(logo)).await?;
    Ok(web::Json(OrganisationResponse::new(&state, &saved)))
}

/// Remove the logo (admin): pages show the name alone.
#[utoipa::path(tag = "organisation", operation_id = "organisation_logo_remove", security(("bearer" = [])),
    responses((status = 204, description = "No logo now"),
        (status = 401, description = "No valid bearer token", body = crate::error::Problem),
        (status = 403, description = "Not an admin", body = crate::error::Problem),
        (status = 409, description = "Saved at the same moment by someone else: send it again", body = crate::error::Problem)))]
#[delete("/organisation/logo")]
pub async fn remove_logo(state: web::Data<AppState>, _admin: Admin) -> ApiResult<HttpResponse> {
    organisation::set_logo(&state.db, None).await?;
    Ok(HttpResponse::NoContent().finish())
}
