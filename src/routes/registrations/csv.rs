//! `GET /events/{event}/registrations.csv`: the attendee list for spreadsheets.
use actix_web::{get, http::header, web, HttpResponse};
use chrono::{DateTime, SecondsFormat, Utc};

use uuid::Uuid;

use super::list::RegistrationListQuery;
use super::AnswerResponse;
use crate::auth::Organiser;
use crate::error::ApiResult;
use crate::services::{events, questions, registrations};
use crate::startup::AppState;

const HEADER: [&str; 11] = [
    "id",
    "name",
    "email",
    "organisation",
    "sector",
    "language",
    "status",
    "waitlist_position",
    "checked_in_at",
    "created_at",
    "cancelled_at",
];

/// The attendee list as CSV (RFC 4180, UTF-8 with BOM, CRLF, a header row), with the same
/// filters and sort as the JSON list and no paging. Cells that a spreadsheet would read as a
/// formula (starting with `=`, `+`, `-`, `@`, tab or CR) get a leading `'`.
///
/// After the fixed columns, one column per registration question (headed by its English
/// label, in form order; then questions deleted since, under the label they were answered
/// with), holding the English text of the answer (several choices joined with `, `).
#[utoipa::path(tag = "registrations", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug"), RegistrationListQuery),
    responses((status = 200, content_type = "text/csv", body = String),
        (status = 401, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
#[get("/events/{event}/registrations.csv")]
pub async fn export_csv(
    state: web::Data<AppState>,
    _who: Organiser,
    key: web::Path<String>,
    query: web::Query<RegistrationListQuery>,
) -> ApiResult<HttpResponse> {
    let (filter, sort) = query.filter_and_sort()?;
    let event = events::find_visible(&state.db, &key, true).await?;
    let items = registrations::list_all(&state.db, event.id, &filter, sort).await?;
    let positions = registrations::waitlist_positions(&state.db, event.id, &items).await?;
    let ids: Vec<Uuid> = items.iter().map(|m| m.id).collect();
    let answers = questions::answers_of(&state.db, &ids).await?;
    let mut columns: Vec<(Uuid, String)> = questions::list(&state.db, event.id)
        .await?
        .into_iter()
        .map(|q| (q.id, q.label_en))
        .collect();
    for row in answers.values().flatten() {
        if !columns.iter().any(|(id, _)| *id == row.question_id) {
            columns.push((row.question_id, row.label_en.clone()));
        }
    }
    let mut out = String::with_capacity(64 + items.len() * 160);
    out.push('\u{feff}');
    push_row(
        &mut out,
        HEADER
            .iter()
            .map(|h| (*h).to_owned())
            .chain(columns.iter().map(|(_, label)| label.clone())),
    );
    for m in &items {
        let given = answers
            .get(&m.id)
            .map(|rows| AnswerResponse::from_rows(rows))
            .unwrap_or_default();
        let cells = columns.iter().map(|(id, _)| {
            given
                .iter()
                .find(|a| a.question_id == *id)
                .map(|a| a.text_en.clone())
                .unwrap_or_default()
        });
        push_row(&mut out, row(m, positions.get(&m.id).copied()).chain(cells));
    }
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}-registrations.csv\"", event.slug),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(out))
}

fn row(m: &registrations::Listed, position: Option<i64>) -> impl Iterator<Item = String> {
    let time = |t: Option<DateTime<Utc>>| {
        t.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
            .unwrap_or_default()
    };
    [
        m.id.to_string(),
        m.name.clone(),
        m.email.clone(),
        m.organisation.clone(),
        wire(&m.sector),
        wire(&m.language),
        wire(&m.status),
        position.map(|p| p.to_string()).unwrap_or_default(),
        time(m.checked_in_at),
        time(Some(m.created_at)),
        time(m.cancelled_at),
    ]
    .into_iter()
}

/// An enum's wire name, as in the JSON list.
fn wire<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn push_row(out: &mut String, cells: impl Iterator<Item = String>) {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_cell(out, &cell);
    }
    out.push_str("\r\n");
}

/// One RFC 4180 field, neutralised against formula injection.
fn push_cell(out: &mut String, value: &str) {
    let risky = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let needs_quotes = risky || value.contains([',', '"', '\r', '\n']);
    if !needs_quotes {
        out.push_str(value);
        return;
    }
    out.push('"');
    if risky {
        out.push('\'');
    }
    out.push_str(&value.replace('"', "\"\""));
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::push_cell;

    fn cell(v: &str) -> String {
        let mut out = String::new();
        push_cell(&mut out, v);
        out
    }

    #[test]
    fn cells_are_quoted_and_formulas_neutralised() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=1+2"), "\"'=1+2\"");
        assert_eq!(cell("@SUM(A1)"), "\"'@SUM(A1)\"");
        assert_eq!(cell("-3"), "\"'-3\"");
        assert_eq!(cell("+49 30"), "\"'+49 30\"");
        assert_eq!(cell("\tx"), "\"'\tx\"");
    }
}
