//! `GET /events/{event}/stats`: counts for the organisers' dashboard.
use actix_web::{get, web};

use super::StatsResponse;
use crate::error::ApiResult;
use crate::http::auth::{need::Manage, Allowed};
use crate::services::events;
use crate::state::AppState;

/// Counts by status, by sector, checked in; pitches and exhibits by status.
#[utoipa::path(tag = "events", security(("bearer" = [])), params(("event" = String, Path)),
    responses((status = 200, body = StatsResponse), (status = 401, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[get("/events/{event}/stats")]
pub async fn event_stats(
    state: web::Data<AppState>,
    _who: Allowed<Manage>,
    key: web::Path<String>,
) -> ApiResult<web::Json<StatsResponse>> {
    let event = events::find_visible(&state.db, &key, true).await?;
    let stats = events::stats(&state.db, event.id).await?;
    let mut registrations: std::collections::BTreeMap<String, i64> =
        ["confirmed", "waitlisted", "pending", "cancelled", "expired"]
            .into_iter()
            .map(|s| (s.to_owned(), 0))
            .collect();
    registrations.extend(stats.registrations_by_status);
    let mut by_sector: std::collections::BTreeMap<String, i64> =
        ["business", "science", "politics", "other"]
            .into_iter()
            .map(|s| (s.to_owned(), 0))
            .collect();
    by_sector.extend(stats.active_by_sector);
    Ok(web::Json(StatsResponse {
        event_id: event.id,
        capacity: event.capacity,
        seats_left: (event.capacity - event.confirmed_count - event.pending_count).max(0),
        registrations,
        by_sector,
        checked_in: stats.checked_in,
        pitches: stats.pitches_by_status.into_iter().collect(),
        exhibits: stats.exhibits_by_status.into_iter().collect(),
        pitch_slots: stats.slots_total,
        pitch_slots_assigned: stats.slots_assigned,
        answers: crate::routes::questions::question_counts(&state.db, event.id).await?,
    }))
}
