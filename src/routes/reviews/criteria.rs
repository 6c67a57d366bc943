//! `GET/PUT /events/{event}/review-criteria` and `GET/PUT /events/{event}/review-settings`.
use actix_web::{get, put, web};

use super::{CriterionBody, ReviewSettingsBody};
use crate::domain::review::{parse_criteria, NewCriterion};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::auth::{
    need::{Manage, Review},
    Allowed,
};
use crate::services::{events, reviews};
use crate::state::AppState;

/// The event's review criteria, in order.
#[utoipa::path(tag = "reviews", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug")),
    responses((status = 200, body = Vec<CriterionBody>), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[get("/events/{event}/review-criteria")]
pub async fn get_criteria(
    state: web::Data<AppState>,
    _who: Allowed<Review>,
    key: web::Path<String>,
) -> ApiResult<web::Json<Vec<CriterionBody>>> {
    let event = events::find_visible(&state.db, &key, true).await?;
    let criteria = reviews::criteria(&state.db, event.id).await?;
    Ok(web::Json(criteria.into_iter().map(Into::into).collect()))
}

/// Reads one criterion of the body's array; errors name `[index].field`.
fn criterion(i: usize, item: &serde_json::Value, errors: &mut Vec<FieldError>) -> NewCriterion {
    let field = |name: &str| format!("[{i}].{name}");
    let Some(object) = item.as_object() else {
        errors.push(FieldError::new(format!("[{i}]"), "must be a JSON object"));
        return NewCriterion {
            key: String::new(),
            name_de: String::new(),
            name_en: String::new(),
            weight: 0.0,
            max: 0,
        };
    };
    for name in object.keys() {
        if !["key", "name_de", "name_en", "weight", "max"].contains(&name.as_str()) {
            errors.push(FieldError::new(
                field(name),
                "is not a field of a criterion",
            ));
        }
    }
    let mut text = |name: &str| match object.get(name) {
        Some(serde_json::Value::String(s)) => s.clone(),
        _ => {
            errors.push(FieldError::new(field(name), "must be a string"));
            // A placeholder the checks accept, so the field is named once.
            "x".to_owned()
        }
    };
    let (key, name_de, name_en) = (text("key"), text("name_de"), text("name_en"));
    let weight = match object.get("weight").and_then(serde_json::Value::as_f64) {
        Some(w) => w,
        None => {
            errors.push(FieldError::new(field("weight"), "must be a number"));
            1.0
        }
    };
    let max = match object.get("max") {
        Some(v) if v.is_i64() => v.as_i64().unwrap_or_default(),
        Some(v)
            if v.as_f64()
                .is_some_and(|f| f.fract() == 0.0 && f.abs() < 1e15) =>
        {
            v.as_f64().unwrap_or_default() as i64
        }
        _ => {
            errors.push(FieldError::new(
                field("max"),
                "must be a whole number from 1 to 100",
            ));
            1
        }
    };
    NewCriterion {
        key,
        name_de,
        name_en,
        weight,
        max,
    }
}

/// Replace the event's review criteria (organisers).
///
/// The body is the whole set, an array of at most 20 criteria in the order reviewers see them
/// (`[]` removes all). Keys are unique and slug-like. Reviews keep their scores by key: a
/// criterion given again with its key counts them again, a removed one stops counting, and a
/// new one counts once a reviewer scores it (their review's `score` is its weighted mean over
/// the criteria it scored). A 422 names each bad field as `[index].field`.
#[utoipa::path(tag = "reviews", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug")),
    request_body(content = Vec<CriterionBody>, example = json!([
        {"key": "relevance", "name_de": "Relevanz für den Cluster", "name_en": "Relevance to the cluster", "weight": 2, "max": 5},
        {"key": "clarity", "name_de": "Klarheit", "name_en": "Clarity", "weight": 1, "max": 5}])),
    responses((status = 200, body = Vec<CriterionBody>), (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[put("/events/{event}/review-criteria")]
pub async fn put_criteria(
    state: web::Data<AppState>,
    _who: Allowed<Manage>,
    key: web::Path<String>,
    body: web::Json<serde_json::Value>,
) -> ApiResult<web::Json<Vec<CriterionBody>>> {
    let event = events::find_visible(&state.db, &key, true).await?;
    let serde_json::Value::Array(items) = body.into_inner() else {
        return Err(ApiError::invalid(
            "body",
            "must be a JSON array of criteria",
        ));
    };
    if items.len() > crate::domain::review::CRITERIA_MAX {
        return Err(ApiError::invalid("body", "at most 20 criteria"));
    }
    let mut errors = Vec::new();
    let given: Vec<NewCriterion> = items
        .iter()
        .enumerate()
        .map(|(i, item)| criterion(i, item, &mut errors))
        .collect();
    let parsed = parse_criteria(given);
    if let Err(more) = &parsed {
        for e in more {
            if !errors.iter().any(|known| known.field == e.field) {
                errors.push(e.clone());
            }
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let criteria = parsed.map_err(ApiError::validation)?;
    let stored = reviews::replace_criteria(&state.db, event.id, criteria).await?;
    Ok(web::Json(stored.into_iter().map(Into::into).collect()))
}

/// The event's review settings.
#[utoipa::path(tag = "reviews", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug")),
    responses((status = 200, body = ReviewSettingsBody), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[get("/events/{event}/review-settings")]
pub async fn get_settings(
    state: web::Data<AppState>,
    _who: Allowed<Review>,
    key: web::Path<String>,
) -> ApiResult<web::Json<ReviewSettingsBody>> {
    let event = events::find_visible(&state.db, &key, true).await?;
    let settings = reviews::settings(&state.db, event.id).await?;
    Ok(web::Json(ReviewSettingsBody {
        anonymous_review: settings.anonymous_review,
    }))
}

/// Change the event's review settings (organisers): anonymous review on or off.
#[utoipa::path(tag = "reviews", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug")),
    request_body = ReviewSettingsBody,
    responses((status = 200, body = ReviewSettingsBody), (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[put("/events/{event}/review-settings")]
pub async fn put_settings(
    state: web::Data<AppState>,
    _who: Allowed<Manage>,
    key: web::Path<String>,
    body: crate::http::extract::Json<ReviewSettingsBody>,
) -> ApiResult<web::Json<ReviewSettingsBody>> {
    let event = events::find_visible(&state.db, &key, true).await?;
    let settings = reviews::set_settings(
        &state.db,
        event.id,
        reviews::ReviewSettings {
            anonymous_review: body.anonymous_review,
        },
    )
    .await?;
    Ok(web::Json(ReviewSettingsBody {
        anonymous_review: settings.anonymous_review,
    }))
}
