//! `GET /events/{event}/registrations.csv`: the attendee list for spreadsheets, and the table
//! it shares with the `.xlsx` export (`xlsx.rs`): columns, labels in German or English, times
//! in the event's zone.
use actix_web::{get, http::header, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use entity::registration::{Language, RegistrationStatus, Sector};
use serde::Deserialize;
use utoipa::IntoParams;

use super::list::RegistrationListQuery;
use super::AnswerResponse;
use crate::domain::choice;
use crate::domain::Validator;
use crate::error::{ApiError, ApiResult};
use crate::http::auth::{need::Manage, Allowed};
use crate::services::{events, questions, registrations};
use crate::state::AppState;

/// The filters of the attendee list, for the exports (which have no pages).
#[derive(Debug, Deserialize, IntoParams)]
pub struct ExportQuery {
    /// One or more (comma-separated) of `confirmed`, `pending`, `waitlisted`, `cancelled`, `expired`.
    #[param(
        pattern = r"^(confirmed|pending|waitlisted|cancelled|expired)?(,(confirmed|pending|waitlisted|cancelled|expired)?)*$"
    )]
    pub status: Option<String>,
    /// `business`, `science`, `politics` or `other`.
    #[param(pattern = r"^(business|science|politics|other)$")]
    pub sector: Option<String>,
    /// `true` or `false`.
    #[param(pattern = r"^(true|false)$")]
    pub checked_in: Option<String>,
    /// Part of the name, e-mail or organisation, at most 200 characters; case, accents and
    /// umlauts are ignored (`muller` finds "Müller").
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// `created_at` (default), `-created_at`, `name` or `-name`.
    #[param(pattern = r"^-?(created_at|name)$")]
    pub sort: Option<String>,
    /// Language of the header row and the values (sector, language, status): `de` or `en`.
    /// Default: `de` when `Accept-Language` prefers German, else `en`.
    #[param(pattern = r"^(de|en)$")]
    pub lang: Option<String>,
    /// `<question id>:<value>`: attendees who answered that registration question so.
    #[param(
        pattern = r"^\s*([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|[0-9A-Fa-f]{32})\s*:[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    pub answer: Option<String>,
}

/// [`ExportQuery`] and the CSV's field separator.
#[derive(Debug, Deserialize, IntoParams)]
pub struct CsvQuery {
    /// One or more (comma-separated) of `confirmed`, `pending`, `waitlisted`, `cancelled`, `expired`.
    #[param(
        pattern = r"^(confirmed|pending|waitlisted|cancelled|expired)?(,(confirmed|pending|waitlisted|cancelled|expired)?)*$"
    )]
    pub status: Option<String>,
    /// `business`, `science`, `politics` or `other`.
    #[param(pattern = r"^(business|science|politics|other)$")]
    pub sector: Option<String>,
    /// `true` or `false`.
    #[param(pattern = r"^(true|false)$")]
    pub checked_in: Option<String>,
    /// Part of the name, e-mail or organisation, at most 200 characters; case, accents and
    /// umlauts are ignored (`muller` finds "Müller").
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// `created_at` (default), `-created_at`, `name` or `-name`.
    #[param(pattern = r"^-?(created_at|name)$")]
    pub sort: Option<String>,
    /// Language of the header row and the values (sector, language, status): `de` or `en`.
    /// Default: `de` when `Accept-Language` prefers German, else `en`.
    #[param(pattern = r"^(de|en)$")]
    pub lang: Option<String>,
    /// Field separator: `comma` (`,`) or `semicolon` (`;`, what Excel expects in German
    /// locales). Default: `semicolon` when `Accept-Language` prefers German, else `comma`.
    #[param(pattern = r"^(comma|semicolon)$")]
    pub delimiter: Option<String>,
    /// `<question id>:<value>`: attendees who answered that registration question so.
    #[param(
        pattern = r"^\s*([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|[0-9A-Fa-f]{32})\s*:[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    pub answer: Option<String>,
}

impl CsvQuery {
    fn export(&self) -> ExportQuery {
        ExportQuery {
            status: self.status.clone(),
            sector: self.sector.clone(),
            checked_in: self.checked_in.clone(),
            q: self.q.clone(),
            sort: self.sort.clone(),
            lang: self.lang.clone(),
            answer: self.answer.clone(),
        }
    }
}

/// One cell of the exported table, typed so that the `.xlsx` can keep numbers and times.
pub(super) enum Cell {
    Text(String),
    Number(i64),
    /// A wall-clock time in the event's zone.
    Time(NaiveDateTime),
    Empty,
}

/// The attendee list as a table: a header row and one row per registration.
pub(super) struct Table {
    pub event_slug: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// Loads the filtered list of the event and lays it out in the asked (or preferred) language.
pub(super) async fn table(
    state: &AppState,
    req: &HttpRequest,
    key: &str,
    query: &ExportQuery,
    v: &mut Validator,
) -> ApiResult<Table> {
    let german = match query.lang.as_deref() {
        None => crate::http::language::accepted(req) == Language::De,
        Some(lang) => v.check(choice::language("lang", lang)) == Some(Language::De),
    };
    let list_query = RegistrationListQuery {
        status: query.status.clone(),
        sector: query.sector.clone(),
        checked_in: query.checked_in.clone(),
        q: query.q.clone(),
        sort: query.sort.clone(),
        answer: query.answer.clone(),
        limit: None,
        cursor: None,
    };
    let filtered = list_query.filter_and_sort();
    let taken = std::mem::take(v);
    let (filter, sort) = match (filtered, taken.finish()) {
        (Ok(fs), Ok(())) => fs,
        (
            Err(ApiError::Validation { mut errors, .. }),
            Err(ApiError::Validation { errors: mine, .. }),
        ) => {
            errors.extend(mine);
            return Err(ApiError::validation(errors));
        }
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    let event = events::find_visible(&state.db, key, true).await?;
    let zone: chrono_tz::Tz = event.timezone.parse().unwrap_or(chrono_tz::UTC);
    let items = registrations::list_all(&state.db, event.id, &filter, sort).await?;
    let positions = registrations::waitlist_positions(&state.db, event.id, &items).await?;
    // One column per registration question (form order; then questions deleted since, under
    // the label they were answered with), holding the answer's text in the table's language.
    let ids: Vec<uuid::Uuid> = items.iter().map(|m| m.id).collect();
    let answers = questions::answers_of(&state.db, &ids).await?;
    let mut columns: Vec<(uuid::Uuid, String)> = questions::list(&state.db, event.id)
        .await?
        .into_iter()
        .map(|q| (q.id, if german { q.label_de } else { q.label_en }))
        .collect();
    for row in answers.values().flatten() {
        if !columns.iter().any(|(id, _)| *id == row.question_id) {
            let label = if german { &row.label_de } else { &row.label_en };
            columns.push((row.question_id, label.clone()));
        }
    }
    let time = |t: Option<DateTime<Utc>>| {
        t.map_or(Cell::Empty, |t| {
            Cell::Time(t.with_timezone(&zone).naive_local())
        })
    };
    let rows = items
        .iter()
        .map(|m| {
            vec![
                Cell::Text(m.id.to_string()),
                Cell::Text(m.name.clone()),
                Cell::Text(m.email.clone()),
                Cell::Text(m.organisation.clone()),
                Cell::Text(sector_label(m.sector, german).to_owned()),
                Cell::Text(language_label(m.language, german).to_owned()),
                Cell::Text(status_label(m.status, german).to_owned()),
                positions
                    .get(&m.id)
                    .map_or(Cell::Empty, |p| Cell::Number(*p)),
                time(m.checked_in_at),
                time(Some(m.created_at)),
                time(m.cancelled_at),
            ]
            .into_iter()
            .chain(answer_cells(answers.get(&m.id), &columns, german))
            .collect()
        })
        .collect();
    Ok(Table {
        event_slug: event.slug,
        headers: headers(german, &event.timezone)
            .into_iter()
            .chain(columns.iter().map(|(_, label)| label.clone()))
            .collect(),
        rows,
    })
}

/// A registration's answers under the question `columns`, as text in the table's language.
fn answer_cells(
    rows: Option<&Vec<entity::registration_answer::Model>>,
    columns: &[(uuid::Uuid, String)],
    german: bool,
) -> Vec<Cell> {
    let given = rows
        .map(|rows| AnswerResponse::from_rows(rows))
        .unwrap_or_default();
    columns
        .iter()
        .map(|(id, _)| {
            given
                .iter()
                .find(|a| a.question_id == *id)
                .map_or(Cell::Empty, |a| {
                    Cell::Text(if german {
                        a.text_de.clone()
                    } else {
                        a.text_en.clone()
                    })
                })
        })
        .collect()
}

/// The header row; the time columns name the event's zone their times are in.
fn headers(german: bool, zone: &str) -> Vec<String> {
    let names: [&str; 11] = if german {
        [
            "ID",
            "Name",
            "E-Mail",
            "Organisation",
            "Bereich",
            "Sprache",
            "Status",
            "Wartelistenplatz",
            "Eingecheckt am",
            "Angemeldet am",
            "Storniert am",
        ]
    } else {
        [
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
        ]
    };
    names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            if i >= 8 {
                format!("{n} ({zone})")
            } else {
                (*n).to_owned()
            }
        })
        .collect()
}

fn sector_label(sector: Sector, german: bool) -> &'static str {
    match (sector, german) {
        (_, true) => crate::domain::choice::sector_name(sector, Language::De),
        (Sector::Business, false) => "business",
        (Sector::Science, false) => "science",
        (Sector::Politics, false) => "politics",
        (Sector::Other, false) => "other",
    }
}

fn language_label(language: Language, german: bool) -> &'static str {
    match (language, german) {
        (Language::De, false) => "de",
        (Language::En, false) => "en",
        (Language::De, true) => "Deutsch",
        (Language::En, true) => "Englisch",
    }
}

fn status_label(status: RegistrationStatus, german: bool) -> &'static str {
    match (status, german) {
        (RegistrationStatus::Confirmed, false) => "confirmed",
        (RegistrationStatus::Waitlisted, false) => "waitlisted",
        (RegistrationStatus::Pending, false) => "pending",
        (RegistrationStatus::Cancelled, false) => "cancelled",
        (RegistrationStatus::Expired, false) => "expired",
        (RegistrationStatus::Confirmed, true) => "bestätigt",
        (RegistrationStatus::Waitlisted, true) => "Warteliste",
        (RegistrationStatus::Pending, true) => "unbestätigt",
        (RegistrationStatus::Cancelled, true) => "storniert",
        (RegistrationStatus::Expired, true) => "abgelaufen",
    }
}

/// The attendee list as CSV (RFC 4180, UTF-8 with BOM, CRLF, a header row), with the same
/// filters and sort as the JSON list and no paging; `;`-separated for German spreadsheets.
/// Times are the event's wall-clock times (`2027-06-24 09:30:00`; the zone is in the header).
///
/// Safe to open in a spreadsheet whichever separator it splits at: a cell that could start a
/// formula (`=`, `+`, `-`, `@`, tab, CR), at its start or after a `,` or `;` inside it, gets a
/// `'` there, and every cell holding a `,`, `;`, quote or line break is quoted.
#[utoipa::path(tag = "registrations", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event's id or slug"), CsvQuery),
    responses((status = 200, content_type = "text/csv", body = String,
            description = "The attendee list; `Content-Disposition: attachment`"),
        (status = 401, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
#[get("/events/{event}/registrations.csv")]
pub async fn export_csv(
    state: web::Data<AppState>,
    req: HttpRequest,
    _who: Allowed<Manage>,
    key: web::Path<String>,
    query: web::Query<CsvQuery>,
) -> ApiResult<HttpResponse> {
    let mut v = Validator::new();
    let delimiter = match query.delimiter.as_deref() {
        None if (crate::http::language::accepted(&req) == Language::De) => ';',
        None => ',',
        Some("comma" | ",") => ',',
        Some("semicolon" | ";") => ';',
        Some(_) => {
            v.push("delimiter", "must be comma or semicolon");
            ','
        }
    };
    let table = table(&state, &req, &key, &query.export(), &mut v).await?;
    let mut out = String::with_capacity(64 + table.rows.len() * 160);
    out.push('\u{feff}');
    push_row(
        &mut out,
        delimiter,
        table.headers.iter().map(String::as_str),
    );
    for row in &table.rows {
        let cells: Vec<String> = row.iter().map(cell_text).collect();
        push_row(&mut out, delimiter, cells.iter().map(String::as_str));
    }
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{}-registrations.csv\"",
                table.event_slug
            ),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(out))
}

fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => s.clone(),
        Cell::Number(n) => n.to_string(),
        Cell::Time(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
        Cell::Empty => String::new(),
    }
}

fn push_row<'a>(out: &mut String, delimiter: char, cells: impl Iterator<Item = &'a str>) {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.push(delimiter);
        }
        push_cell(out, cell);
    }
    out.push_str("\r\n");
}

/// Characters that make a spreadsheet read a cell as a formula (OWASP's list).
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];
/// Where a reader may start a new cell inside ours: either separator, or a line break.
const CELL_BREAK: [char; 4] = [',', ';', '\n', '\r'];

/// One RFC 4180 field, neutralised against formula injection for readers splitting at `,` or
/// at `;` (whichever this file uses): a `'` goes before a formula start at the beginning and
/// after every `,`, `;` or line break (past spaces and quotes), and the field is quoted when it
/// holds either separator, a quote or a line break.
fn push_cell(out: &mut String, value: &str) {
    let mut neutral = String::with_capacity(value.len() + 2);
    // At a place where a reader may see the start of a cell.
    let mut at_start = true;
    for c in value.chars() {
        if at_start && FORMULA_START.contains(&c) {
            neutral.push('\'');
            at_start = false;
        } else if CELL_BREAK.contains(&c) {
            at_start = true;
        } else if c != ' ' && c != '"' {
            at_start = false;
        }
        neutral.push(c);
    }
    let needs_quotes = neutral != value || neutral.contains(['"', ',', ';', '\r', '\n']);
    if !needs_quotes {
        out.push_str(value);
        return;
    }
    out.push('"');
    out.push_str(&neutral.replace('"', "\"\""));
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
        assert_eq!(cell("a;b"), "\"a;b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=1+2"), "\"'=1+2\"");
        assert_eq!(cell("@SUM(A1)"), "\"'@SUM(A1)\"");
        assert_eq!(cell("-3"), "\"'-3\"");
        assert_eq!(cell("+49 30"), "\"'+49 30\"");
        assert_eq!(cell("\tx"), "\"'\tx\"");
        assert_eq!(cell("Müller-Lüdenscheidt"), "Müller-Lüdenscheidt");
    }

    #[test]
    fn a_formula_after_a_separator_inside_a_cell_is_neutralised_too() {
        assert_eq!(cell("x;=HYPERLINK(A1&A2);"), "\"x;'=HYPERLINK(A1&A2);\"");
        assert_eq!(cell("x,=1"), "\"x,'=1\"");
        assert_eq!(cell("x; \"=1\""), "\"x; \"\"'=1\"\"\"");
        assert_eq!(cell("a\n@b"), "\"a\n'@b\"");
        assert_eq!(cell("GmbH; Co. KG"), "\"GmbH; Co. KG\"");
    }
}
