//! `GET /events/{event}/registrations.xlsx`: the attendee list as an Excel workbook.
use actix_web::{get, http::header, web, HttpRequest, HttpResponse};
use anyhow::Context;
use rust_xlsxwriter::{Format, Workbook};

use super::csv::{table, Cell, ExportQuery};
use crate::domain::Validator;
use crate::error::{ApiError, ApiResult};
use crate::http::auth::{need::Manage, Allowed};
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
    let table = table(&state, &req, &key, &query, &mut v).await?;
    let bytes = workbook(&table.headers, &table.rows).map_err(ApiError::Internal)?;
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

fn workbook(headers: &[String], rows: &[Vec<Cell>]) -> anyhow::Result<Vec<u8>> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let bold = Format::new().set_bold();
    let time = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    for (col, name) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, name, &bold)?;
    }
    for (i, row) in rows.iter().enumerate() {
        let r = (i + 1) as u32;
        for (col, cell) in row.iter().enumerate() {
            let col = col as u16;
            match cell {
                Cell::Text(s) => {
                    sheet.write_string(r, col, s)?;
                }
                Cell::Number(n) => {
                    sheet.write_number(r, col, *n as f64)?;
                }
                Cell::Time(t) => {
                    sheet.write_datetime_with_format(r, col, t, &time)?;
                }
                Cell::Empty => {}
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofit();
    book.save_to_buffer().context("writing the workbook")
}
