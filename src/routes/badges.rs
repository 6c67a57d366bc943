//! `GET /events/{event}/badges.pdf`: name badges of the confirmed attendees (issue 17), built
//! by `crate::badges`.
use actix_web::{get, http::header, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::badges::{Layout, Order, Wording};
use crate::domain::Validator;
use crate::error::ApiResult;
use crate::http::auth::{need::Manage, Allowed};
use crate::services::{badges, events};
use crate::state::AppState;

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(badges_pdf);
}

/// How the badges are printed.
#[derive(Debug, Deserialize, IntoParams)]
pub struct BadgesQuery {
    /// `a6` (default): A6 cards, 105 × 148 mm, one badge per page. `labels`: A4 label sheets
    /// of 2 × 4 labels, 99.1 × 67.7 mm each (Avery Zweckform L7165 / 3427).
    #[param(pattern = r"^(a6|labels)$")]
    pub layout: Option<String>,
    /// `name` (default) or `organisation` (then name); case, accents and umlauts are ignored
    /// ("Müller" sorts as "Muller").
    #[param(pattern = r"^(name|organisation)$")]
    pub sort: Option<String>,
    /// Language of the sector names on the badges' colour bars: `de` or `en`. Default: `de`
    /// when `Accept-Language` prefers German, else `en`.
    #[param(pattern = r"^(de|en)$")]
    pub lang: Option<String>,
}

/// Name badges for the event's confirmed attendees as one PDF: each with the name in large
/// type (shrunk or wrapped to fit), the organisation, a colour bar naming the sector (blue
/// business, green science, red politics, grey other) and the check-in QR code the door
/// scans. Fonts are embedded (DejaVu Sans), so every accent prints. Cancelled, waitlisted,
/// unconfirmed and erased registrations get no badge. An event without confirmed attendees
/// gives one blank page.
#[utoipa::path(tag = "registrations", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event's id or slug"), BadgesQuery),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>,
            description = "The badges; `Content-Disposition: inline`"),
        (status = 401, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
#[get("/events/{event}/badges.pdf")]
#[tracing::instrument(skip(state, req, _who, query))]
pub async fn badges_pdf(
    state: web::Data<AppState>,
    req: HttpRequest,
    _who: Allowed<Manage>,
    key: web::Path<String>,
    query: web::Query<BadgesQuery>,
) -> ApiResult<HttpResponse> {
    let mut v = Validator::new();
    let layout = match query.layout.as_deref() {
        None | Some("a6") => Layout::A6,
        Some("labels") => Layout::Labels,
        Some(_) => {
            v.push("layout", "must be a6 or labels");
            Layout::A6
        }
    };
    let order = match query.sort.as_deref() {
        None | Some("name") => Order::Name,
        Some("organisation") => Order::Organisation,
        Some(_) => {
            v.push("sort", "must be name or organisation");
            Order::Name
        }
    };
    let wording = match query.lang.as_deref() {
        None if (crate::http::language::accepted(&req) == entity::registration::Language::De) => {
            Wording::German
        }
        None => Wording::English,
        Some("de") => Wording::German,
        Some("en") => Wording::English,
        Some(_) => {
            v.push("lang", "must be de or en");
            Wording::English
        }
    };
    v.finish()?;
    let event = events::find_visible(&state.db, &key, true).await?;
    let pdf = badges::pdf(&state.db, &event, layout, order, wording).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{}\"", badges::file_name(&event)),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(pdf))
}
