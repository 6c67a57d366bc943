//! `GET/PUT /events/{event}/pitches/{id}/reviewers` (by hand) and
//! `POST /events/{event}/review-assignments` ("each pitch gets N reviewers").
use actix_web::{get, post, put, web};
use uuid::Uuid;

use super::{
    AssignedReviewerResponse, PutReviewers, ReviewerList, ReviewerLoad, ShortPitch, SpreadBody,
    SpreadResponse,
};
use crate::error::{ApiError, ApiResult};
use crate::http::auth::{need::Manage, Allowed};
use crate::services::events;
use crate::services::reviews::{self, AssignedReviewer};
use crate::state::AppState;

fn answer(list: Vec<AssignedReviewer>) -> ReviewerList {
    let items: Vec<AssignedReviewerResponse> = list
        .into_iter()
        .map(|a| AssignedReviewerResponse {
            id: a.member.id,
            name: a.member.name,
            email: a.member.email,
            organisation: a.member.organisation,
            role: a.member.role,
            reviewed: a.reviewed,
        })
        .collect();
    ReviewerList {
        total: items.len() as u64,
        items,
    }
}

/// The reviewers a pitch is assigned to (organisers).
#[utoipa::path(tag = "reviews", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug"), ("id" = Uuid, Path, description = "the pitch")),
    responses((status = 200, body = ReviewerList), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[get("/events/{event}/pitches/{id}/reviewers")]
pub async fn get_reviewers(
    state: web::Data<AppState>,
    _who: Allowed<Manage>,
    path: web::Path<(String, Uuid)>,
) -> ApiResult<web::Json<ReviewerList>> {
    let (key, pitch_id) = path.into_inner();
    let event = events::find_visible(&state.db, &key, true).await?;
    let list = reviews::reviewers_of(&state.db, event.id, pitch_id).await?;
    Ok(web::Json(answer(list)))
}

/// Assign a pitch to reviewers by hand (organisers): the set replaces the earlier one.
///
/// Each id is an active team member who may review the event (the roles `reviewer`,
/// `organiser`, `admin` on their events), else a 422 naming `reviewer_ids[index]`. A member
/// with a conflict of interest (the presenter's organisation or mail domain is theirs) is a
/// 409 naming them and why. Once an event has any assignment, a member of the role
/// `reviewer` scores only the pitches assigned to them.
#[utoipa::path(tag = "reviews", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug"), ("id" = Uuid, Path, description = "the pitch")),
    request_body = PutReviewers,
    responses((status = 200, body = ReviewerList), (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
#[put("/events/{event}/pitches/{id}/reviewers")]
pub async fn put_reviewers(
    state: web::Data<AppState>,
    _who: Allowed<Manage>,
    path: web::Path<(String, Uuid)>,
    body: crate::http::extract::Json<PutReviewers>,
) -> ApiResult<web::Json<ReviewerList>> {
    let (key, pitch_id) = path.into_inner();
    let event = events::find_visible(&state.db, &key, true).await?;
    let ids = body.into_inner().reviewer_ids;
    if ids.len() > 50 {
        return Err(ApiError::invalid("reviewer_ids", "at most 50 reviewers"));
    }
    let list = reviews::set_reviewers(&state.db, event.id, pitch_id, ids).await?;
    Ok(web::Json(answer(list)))
}

/// "Each pitch gets N reviewers" (organisers), spread evenly.
///
/// Every `submitted` pitch of the event, oldest first, is given reviewers until it has
/// `per_pitch`; assignments made before stay and count. The candidates are the active members
/// of the role `reviewer` who work on the event; each pitch takes those with the fewest
/// assigned pitches so far (ties by name), skipping a conflict of interest, so the reviewers'
/// loads differ by at most one unless conflicts forbid it. Pitches that could not get enough
/// reviewers are listed in `short`. A 409 when the event has no reviewers.
#[utoipa::path(tag = "reviews", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug")),
    request_body = SpreadBody,
    responses((status = 200, body = SpreadResponse), (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
#[post("/events/{event}/review-assignments")]
pub async fn spread(
    state: web::Data<AppState>,
    _who: Allowed<Manage>,
    key: web::Path<String>,
    body: crate::http::extract::Json<SpreadBody>,
) -> ApiResult<web::Json<SpreadResponse>> {
    let event = events::find_visible(&state.db, &key, true).await?;
    let per_pitch = body.per_pitch;
    if !(1..=20).contains(&per_pitch) {
        return Err(ApiError::invalid(
            "per_pitch",
            "must be a whole number from 1 to 20",
        ));
    }
    let done = reviews::spread(&state.db, event.id, per_pitch as u64).await?;
    Ok(web::Json(SpreadResponse {
        reviewers: done.reviewers,
        pitches: done.pitches,
        created: done.created,
        short: done
            .short
            .into_iter()
            .map(|(pitch_id, missing)| ShortPitch { pitch_id, missing })
            .collect(),
        load: done
            .load
            .into_iter()
            .map(|(m, pitches)| ReviewerLoad {
                reviewer_id: m.id,
                name: m.name,
                pitches,
            })
            .collect(),
    }))
}
