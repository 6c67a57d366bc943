//! `GET /events/{event}/exhibits`.
use actix_web::{get, web};
use entity::exhibit::ExhibitStatus;
use serde::Deserialize;
use utoipa::IntoParams;

use super::ExhibitResponse;
use crate::error::{ApiError, ApiResult};
use crate::http::auth::MaybeOrganiser;
use crate::routes::pagination::{next_offset_cursor, Page, PageQuery};
use crate::services::events;
use crate::services::exhibits::{self, ExhibitFilter};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
pub struct ExhibitListQuery {
    /// Organisers only: `submitted`, `approved`, `rejected`, `waitlisted` or `withdrawn`.
    #[param(pattern = r"^(submitted|approved|rejected|waitlisted|withdrawn)$")]
    pub status: Option<String>,
    /// Items per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page (with the same filters).
    #[param(pattern = r"^[A-Za-z0-9_-]+$")]
    pub cursor: Option<String>,
}

fn parse_status(value: &str) -> Result<ExhibitStatus, ApiError> {
    match value {
        "submitted" => Ok(ExhibitStatus::Submitted),
        "approved" => Ok(ExhibitStatus::Approved),
        "rejected" => Ok(ExhibitStatus::Rejected),
        "waitlisted" => Ok(ExhibitStatus::Waitlisted),
        "withdrawn" => Ok(ExhibitStatus::Withdrawn),
        _ => Err(ApiError::invalid(
            "status",
            "must be submitted, approved, rejected, waitlisted or withdrawn",
        )),
    }
}

/// The public sees approved exhibits without contact data; organisers see all, with contact
/// data, filtered by `status`.
#[utoipa::path(tag = "exhibits",
    params(("event" = String, Path, description = "id or slug"), ExhibitListQuery),
    responses((status = 200, body = Page<ExhibitResponse>), (status = 404, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
#[get("/events/{event}/exhibits")]
pub async fn list_exhibits(
    state: web::Data<AppState>,
    who: MaybeOrganiser,
    key: web::Path<String>,
    query: web::Query<ExhibitListQuery>,
) -> ApiResult<web::Json<Page<ExhibitResponse>>> {
    let query = query.into_inner();
    let organiser = who.is_organiser();
    let event = events::find_visible(&state.db, &key, organiser).await?;
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    let (limit, offset) = (page.limit()?, page.offset()?);
    let wanted = query.status.as_deref().map(parse_status).transpose()?;
    let statuses = match (organiser, wanted) {
        (false, Some(s)) if s != ExhibitStatus::Approved => Vec::new(),
        (false, _) => vec![ExhibitStatus::Approved],
        (true, Some(s)) => vec![s],
        (true, None) => vec![
            ExhibitStatus::Submitted,
            ExhibitStatus::Approved,
            ExhibitStatus::Rejected,
            ExhibitStatus::Waitlisted,
            ExhibitStatus::Withdrawn,
        ],
    };
    let (items, total) = exhibits::list(
        &state.db,
        event.id,
        ExhibitFilter {
            statuses,
            offset,
            limit,
        },
    )
    .await?;
    Ok(web::Json(Page {
        next_cursor: next_offset_cursor(offset, items.len(), total),
        items: items
            .into_iter()
            .map(|m| ExhibitResponse::new(m, organiser))
            .collect(),
        total,
    }))
}
