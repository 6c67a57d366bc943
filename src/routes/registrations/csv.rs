//! `GET /events/{event}/registrations.csv`: the attendee list for spreadsheets, and the query
//! it shares with the `.xlsx` export (`xlsx.rs`); the table itself is
//! `services::registrations::export`.
use actix_web::{get, http::header, web, HttpRequest, HttpResponse};
use entity::registration::Language;
use serde::Deserialize;
use utoipa::IntoParams;

use super::list::RegistrationListQuery;
use crate::domain::choice;
use crate::domain::Validator;
use crate::error::{ApiError, ApiResult};
use crate::http::auth::{need::Manage, Allowed};
use crate::services::registrations::{export, ListFilter, Sort};
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

/// The filter, sort and language of an export, every invalid parameter reported at once
/// (the language's error with the list's).
pub(super) fn parse_export(
    req: &HttpRequest,
    query: &ExportQuery,
    v: &mut Validator,
) -> ApiResult<(ListFilter, Sort, bool)> {
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
    Ok((filter, sort, german))
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
    let (filter, sort, german) = parse_export(&req, &query.export(), &mut v)?;
    let table = export::table(&state.db, &key, &filter, sort, german).await?;
    let out = export::csv(&table, delimiter);
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
