//! `GET /events/{event}/registrations`: the organisers' attendee list, and one attendee.
use actix_web::{get, web};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::{parse_sector, parse_status, AttendeeResponse};
use crate::domain::Validator;
use crate::error::{ApiError, ApiResult};
use crate::http::auth::{need::Manage, Allowed};
use crate::routes::pagination::{Page, PageQuery};
use crate::services::registrations::{self, After, ListFilter, Sort, SortKey};
use crate::services::{events, questions};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
pub struct RegistrationListQuery {
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
    /// umlauts are ignored (`muller` and `mueller` find "Müller", `gross` finds "Groß").
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// `<question id>:<value>`: attendees who answered that question with that value (a
    /// choice's key, `yes` or `no`, or the exact text).
    #[param(
        pattern = r"^\s*([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|[0-9A-Fa-f]{32})\s*:[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    pub answer: Option<String>,
    /// `created_at` (default), `-created_at`, `name` or `-name`.
    #[param(pattern = r"^-?(created_at|name)$")]
    pub sort: Option<String>,
    /// Items per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page (with the same filters and sort).
    #[param(pattern = r"^[A-Za-z0-9_-]+$")]
    pub cursor: Option<String>,
}

impl RegistrationListQuery {
    /// The filter and sort, every invalid parameter reported at once.
    pub fn filter_and_sort(&self) -> ApiResult<(ListFilter, Sort)> {
        let mut v = Validator::new();
        let mut filter = ListFilter::default();
        if let Some(statuses) = &self.status {
            for s in statuses.split(',').filter(|s| !s.trim().is_empty()) {
                if let Some(s) = v.check(parse_status("status", s)) {
                    filter.statuses.push(s);
                }
            }
        }
        if let Some(sector) = &self.sector {
            filter.sector = v.check(parse_sector("sector", sector));
        }
        match self.checked_in.as_deref() {
            None => {}
            Some("true") => filter.checked_in = Some(true),
            Some("false") => filter.checked_in = Some(false),
            Some(_) => v.push("checked_in", "must be true or false"),
        }
        if let Some(q) = &self.q {
            let q = q.trim();
            if q.chars().count() > 200 {
                v.push("q", "must be at most 200 characters");
            }
            filter.q = Some(q.to_owned());
        }
        if let Some(answer) = &self.answer {
            match answer
                .split_once(':')
                .map(|(id, value)| (Uuid::parse_str(id.trim()), value))
            {
                Some((Ok(id), value)) if !value.trim().is_empty() => {
                    filter.answer = Some((id, value.trim().to_owned()));
                }
                _ => v.push("answer", "must be <question id>:<value>"),
            }
        }
        let sort = match self.sort.as_deref().unwrap_or("created_at") {
            "created_at" => Sort {
                key: SortKey::CreatedAt,
                descending: false,
            },
            "-created_at" => Sort {
                key: SortKey::CreatedAt,
                descending: true,
            },
            "name" => Sort {
                key: SortKey::Name,
                descending: false,
            },
            "-name" => Sort {
                key: SortKey::Name,
                descending: true,
            },
            _ => {
                v.push("sort", "must be name, -name, created_at or -created_at");
                Sort::default()
            }
        };
        v.finish()?;
        Ok((filter, sort))
    }
}

/// A keyset cursor: the sort value and id of the last row of the previous page.
fn encode_after(after: &After) -> String {
    after.to_cursor()
}

fn decode_after(cursor: &str, sort: Sort) -> ApiResult<After> {
    After::from_cursor(cursor, sort).ok_or_else(|| {
        ApiError::invalid("cursor", "is not a cursor this list gave out for this sort")
    })
}

/// The attendee list with filters, sorting and keyset pagination; `total` counts all matches.
#[utoipa::path(tag = "registrations", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug"), RegistrationListQuery),
    responses((status = 200, body = Page<AttendeeResponse>), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[get("/events/{event}/registrations")]
pub async fn list_registrations(
    state: web::Data<AppState>,
    _who: Allowed<Manage>,
    key: web::Path<String>,
    query: web::Query<RegistrationListQuery>,
) -> ApiResult<web::Json<Page<AttendeeResponse>>> {
    let query = query.into_inner();
    let (filter, sort) = query.filter_and_sort()?;
    let limit = PageQuery {
        limit: query.limit,
        cursor: None,
    }
    .limit()?;
    let after = match &query.cursor {
        Some(c) => Some(decode_after(c, sort)?),
        None => None,
    };
    let page = registrations::list(&state.db, &key, &filter, sort, after, limit).await?;
    let positions =
        registrations::waitlist_positions(&state.db, page.event_id, &page.items).await?;
    let answers = if page.has_questions {
        let ids: Vec<Uuid> = page.items.iter().map(|m| m.id).collect();
        questions::answers_of(&state.db, &ids).await?
    } else {
        std::collections::HashMap::new()
    };
    Ok(web::Json(Page {
        items: page
            .items
            .into_iter()
            .map(|m| {
                let position = positions.get(&m.id).copied();
                let rows = answers.get(&m.id);
                AttendeeResponse::listed(m, position).with_answers(rows)
            })
            .collect(),
        next_cursor: page.next.as_ref().map(encode_after),
        total: page.total,
    }))
}

/// One attendee of the event.
#[utoipa::path(tag = "registrations", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug"), ("id" = Uuid, Path)),
    responses((status = 200, body = AttendeeResponse), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[get("/events/{event}/registrations/{id}")]
pub async fn get_registration(
    state: web::Data<AppState>,
    _who: Allowed<Manage>,
    path: web::Path<(String, Uuid)>,
) -> ApiResult<web::Json<AttendeeResponse>> {
    let (key, id) = path.into_inner();
    let event = events::find_visible(&state.db, &key, true).await?;
    let found = registrations::find_by_id(&state.db, event.id, id).await?;
    let answers = questions::answers_of(&state.db, &[id]).await?;
    Ok(web::Json(
        AttendeeResponse::new(found.registration, found.waitlist_position)
            .with_answers(answers.get(&id)),
    ))
}
