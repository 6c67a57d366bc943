//! The attendee list as a table for spreadsheets: the columns the CSV and `.xlsx` exports share
//! (labels in German or English, times in the event's zone, one column per registration
//! question), and the two files made of it. The API's export routes and the backoffice's
//! download links both come here, with the list's filters ([`ListFilter`]) and sort.
use anyhow::Context;
use chrono::{DateTime, NaiveDateTime, Utc};
use entity::registration::{Language, RegistrationStatus, Sector};
use rust_xlsxwriter::{Format, Workbook};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::{list_all, waitlist_positions, ListFilter, Sort};
use crate::error::{ApiError, ApiResult};
use crate::services::{events, questions};

/// One cell of the exported table, typed so that the `.xlsx` can keep numbers and times.
pub enum Cell {
    Text(String),
    Number(i64),
    /// A wall-clock time in the event's zone.
    Time(NaiveDateTime),
    Empty,
}

/// The attendee list as a table: a header row and one row per registration.
pub struct Table {
    pub event_slug: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// The registrations of the event (id or slug, drafts included) that match `filter`, in
/// `sort` order, laid out in German (`german`) or English. 404 for an unknown event.
pub async fn table(
    db: &impl ConnectionTrait,
    key: &str,
    filter: &ListFilter,
    sort: Sort,
    german: bool,
) -> ApiResult<Table> {
    let event = events::find_visible(db, key, true).await?;
    let zone: chrono_tz::Tz = event.timezone.parse().unwrap_or(chrono_tz::UTC);
    let items = list_all(db, event.id, filter, sort).await?;
    let positions = waitlist_positions(db, event.id, &items).await?;
    // One column per registration question (form order; then questions deleted since, under
    // the label they were answered with), holding the answer's text in the table's language.
    let ids: Vec<Uuid> = items.iter().map(|m| m.id).collect();
    let answers = questions::answers_of(db, &ids).await?;
    let mut columns: Vec<(Uuid, String)> = questions::list(db, event.id)
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

/// Each question's answer as text in one language: the rows of one question (one per chosen
/// choice) joined with `, `.
fn answer_texts(rows: &[entity::registration_answer::Model], german: bool) -> Vec<(Uuid, String)> {
    let mut out: Vec<(Uuid, String)> = Vec::new();
    for row in rows {
        let value = if german { &row.value_de } else { &row.value_en };
        match out.last_mut() {
            Some((id, text)) if *id == row.question_id => {
                text.push_str(", ");
                text.push_str(value);
            }
            _ => out.push((row.question_id, value.clone())),
        }
    }
    out
}

/// A registration's answers under the question `columns`, as text in the table's language.
fn answer_cells(
    rows: Option<&Vec<entity::registration_answer::Model>>,
    columns: &[(Uuid, String)],
    german: bool,
) -> Vec<Cell> {
    let given = rows
        .map(|rows| answer_texts(rows, german))
        .unwrap_or_default();
    columns
        .iter()
        .map(|(id, _)| {
            given
                .iter()
                .find(|(question, _)| question == id)
                .map_or(Cell::Empty, |(_, text)| Cell::Text(text.clone()))
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

/// The table as CSV (RFC 4180, UTF-8 with BOM, CRLF, a header row) split at `delimiter`
/// (`,` or `;`). Times are the event's wall-clock times (`2027-06-24 09:30:00`).
///
/// Safe to open in a spreadsheet whichever separator it splits at: a cell that could start a
/// formula (`=`, `+`, `-`, `@`, tab, CR), at its start or after a `,` or `;` inside it, gets a
/// `'` there, and every cell holding a `,`, `;`, quote or line break is quoted.
pub fn csv(table: &Table, delimiter: char) -> String {
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
    out
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

/// The table as an `.xlsx` workbook: one sheet, a bold frozen header row; texts are written
/// as text cells (never formulas, whatever they start with), waitlist places as numbers, times
/// as date-times in the event's zone. 500 (`Internal`) if the workbook cannot be written.
pub fn xlsx(table: &Table) -> ApiResult<Vec<u8>> {
    workbook(&table.headers, &table.rows).map_err(ApiError::Internal)
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
