//! `GET /events/{event}/registrations.xlsx`: the attendee list as an Excel workbook.
use actix_web::{get, http::header, web, HttpRequest, HttpResponse};

use super::csv::{parse_export, ExportQuery};
use crate::domain::Validator;
use crate::error::ApiResult;
use crate::http::auth::{need::Manage, Allowed};
use crate::services::registrations::export;
use crate::state::AppState;

/// The attendee list as an `.xlsx` workbook: one sheet, a bold frozen header row, the same
/// columns, filters, sort and language as the CSV. Texts are written as text cells (never
/// formulas, whatever they start with), waitlist places as numbers, times as date-times in the
/// event's zone.
#[utoipa::path(tag = "registrations", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event's id or slug"), ExportQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            body = Vec<u8>, description = "The attendee list; `Content-Disposition: attachment`"),
        (status = 401, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
#[get("/events/{event}/registrations.xlsx")]
pub async fn export_xlsx(
    state: web::Data<AppState>,
    req: HttpRequest,
    _who: Allowed<Manage>,
    key: web::Path<String>,
    query: web::Query<ExportQuery>,
) -> ApiResult<HttpResponse> {
    let mut v = Validator::new();
    let (filter, sort, german) = parse_export(&req, &query, &mut v)?;
    let table = export::table(&state.db, &key, &filter, sort, german).await?;
    let bytes = export::xlsx(&table)?;
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{}-registrations.xlsx\"",
                table.event_slug
            ),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(bytes))
}
