//! Scores: `POST/GET /events/{event}/pitches/{id}/reviews` and `GET …/reviews/{review}`.
use std::collections::BTreeMap;

use actix_web::{get, http::header, post, web, HttpResponse};
use uuid::Uuid;

use super::{ReviewList, ReviewResponse, SubmitReview};
use crate::domain::review::{GivenScore, COMMENT_MAX};
use crate::domain::text;
use crate::error::{ApiError, ApiResult};
use crate::http::auth::{need::Review, Allowed};
use crate::services::{events, reviews};
use crate::state::AppState;

/// Score a pitch: the caller's review (one per member and pitch; a second replaces the first).
///
/// Every criterion of the event is scored, a whole number `0..=max`; an unknown key, a missing
/// or out-of-range score is a 422 naming `scores.<key>`. 201 with `Location` for the first
/// review, 200 for a replacement (same id).
///
/// Refused: 409 while the event has no criteria, for a withdrawn pitch, and for a conflict of
/// interest: nobody reviews a pitch of their own organisation, that is the same organisation
/// as the presenter's (the member's `organisation`, compared ignoring case and spaces) or the
/// same mail domain as the presenter's address (not for shared providers such as
/// `gmail.com`); the detail says which. 403 for a member of the role `reviewer` and a pitch
/// not assigned to them while the event has assignments (`…/pitches/{id}/reviewers`,
/// `…/review-assignments`); without any, a reviewer may score every pitch of their events.
#[utoipa::path(tag = "reviews", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug"), ("id" = Uuid, Path, description = "the pitch")),
    request_body = SubmitReview,
    responses((status = 201, body = ReviewResponse, headers(("Location" = String))),
        (status = 200, description = "The caller's earlier review, replaced", body = ReviewResponse),
        (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/events/{event}/pitches/{id}/reviews")]
pub async fn submit_review(
    state: web::Data<AppState>,
    who: Allowed<Review>,
    path: web::Path<(String, Uuid)>,
    body: crate::http::extract::Json<SubmitReview>,
) -> ApiResult<HttpResponse> {
    let (key, pitch_id) = path.into_inner();
    let event = events::find_visible(&state.db, &key, true).await?;
    let body = body.into_inner();
    let comment = match body.comment.as_deref() {
        None => String::new(),
        Some(c) if c.trim().is_empty() => String::new(),
        Some(c) => text::multi_line("comment", c, COMMENT_MAX)
            .map_err(|e| ApiError::validation(vec![e]))?,
    };
    let given: BTreeMap<String, GivenScore> = body
        .scores
        .into_iter()
        .map(|(k, v)| {
            let score = v
                .as_i64()
                .map(GivenScore::Integer)
                .unwrap_or(GivenScore::NotAnInteger);
            (k, score)
        })
        .collect();
    let (view, created) =
        reviews::submit(&state.db, event.id, pitch_id, who.0 .0.id, given, comment).await?;
    let location = format!(
        "/api/v1/events/{}/pitches/{}/reviews/{}",
        event.id, pitch_id, view.review.id
    );
    let answer = ReviewResponse::from(view);
    Ok(if created {
        HttpResponse::Created()
            .insert_header((header::LOCATION, location))
            .json(answer)
    } else {
        HttpResponse::Ok().json(answer)
    })
}

/// A pitch's reviews.
///
/// Members who manage the event (`organiser`, `admin`) see all. Anyone else (a `reviewer`)
/// sees the others' reviews only after giving their own: before that the list is empty and
/// `others_hidden` says whether there are reviews to see.
#[utoipa::path(tag = "reviews", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug"), ("id" = Uuid, Path, description = "the pitch")),
    responses((status = 200, body = ReviewList), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[get("/events/{event}/pitches/{id}/reviews")]
pub async fn list_reviews(
    state: web::Data<AppState>,
    who: Allowed<Review>,
    path: web::Path<(String, Uuid)>,
) -> ApiResult<web::Json<ReviewList>> {
    let (key, pitch_id) = path.into_inner();
    let event = events::find_visible(&state.db, &key, true).await?;
    let list = reviews::list(&state.db, event.id, pitch_id, &who.0 .1).await?;
    let items: Vec<ReviewResponse> = list.items.into_iter().map(Into::into).collect();
    Ok(web::Json(ReviewList {
        total: items.len() as u64,
        items,
        next_cursor: None,
        others_hidden: list.others_hidden,
    }))
}

/// One review of a pitch, under the list's rule (one the caller may not see yet is a 404).
#[utoipa::path(tag = "reviews", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug"), ("id" = Uuid, Path, description = "the pitch"),
        ("review" = Uuid, Path, description = "the review")),
    responses((status = 200, body = ReviewResponse), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[get("/events/{event}/pitches/{id}/reviews/{review}")]
pub async fn get_review(
    state: web::Data<AppState>,
    who: Allowed<Review>,
    path: web::Path<(String, Uuid, Uuid)>,
) -> ApiResult<web::Json<ReviewResponse>> {
    let (key, pitch_id, review_id) = path.into_inner();
    let event = events::find_visible(&state.db, &key, true).await?;
    let view = reviews::get(&state.db, event.id, pitch_id, review_id, &who.0 .1).await?;
    Ok(web::Json(view.into()))
}
