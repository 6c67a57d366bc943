//! `Idempotency-Key` for the public `POST`s that do not handle it themselves (pitches,
//! exhibits, withdrawals…): the key is claimed before the handler runs, its first successful
//! answer is kept for 24 hours and replayed; the same key with another body is a 422.
//! Registrations store their answer inside their own transaction instead.
//!
//! Requests with an `Authorization` header are left alone: they are organisers' (or meant to
//! be), keys are not shared between callers, and a replay must never stand in for
//! authentication. A key sent without a token to a route that needs one reaches the handler,
//! which answers 401, and nothing is kept.
use actix_web::{
    body::{to_bytes, BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::{header, Method, StatusCode},
    middleware::Next,
    web, Error, HttpResponse, ResponseError,
};
use serde_json::Value;

use crate::error::ApiError;
use crate::services::idempotency::{Claim, IdempotencyKey, StoredAnswer};
use crate::startup::AppState;

/// Paths whose handlers keep their idempotency keys in their own transaction (and, for the
/// organisers' announcements, check the token first: a key must never be judged before the
/// caller is known).
fn handled_by_route(path: &str) -> bool {
    path.ends_with("/registrations") || path.ends_with("/announcements")
}

pub async fn idempotent_posts(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let key = match req.headers().get("Idempotency-Key") {
        Some(value)
            if req.method() == Method::POST
                && !handled_by_route(req.path())
                && !req.headers().contains_key(header::AUTHORIZATION) =>
        {
            value.to_str().map(str::to_owned).map_err(|_| {
                ApiError::invalid("Idempotency-Key", "must be visible ASCII characters")
            })
        }
        _ => {
            return next
                .call(req)
                .await
                .map(ServiceResponse::map_into_boxed_body)
        }
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let bytes = match req.extract::<web::Bytes>().await {
        Ok(bytes) => bytes,
        Err(err) => {
            let err = ApiError::from_body_error(&err);
            return Ok(req
                .into_response(err.error_response())
                .map_into_boxed_body());
        }
    };
    let body: Value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    let scope = format!("POST {}", req.path());
    let claimed = async {
        let key = IdempotencyKey::new(scope, &key?, &body)?;
        let claim = key.claim(&state.db).await?;
        Ok::<_, ApiError>((key, claim))
    }
    .await;
    let key = match claimed {
        Ok((key, Claim::Claimed)) => key,
        Ok((_, Claim::Replay(stored))) => {
            return Ok(req.into_response(replay(stored)).map_into_boxed_body());
        }
        Ok((_, Claim::InProgress)) => {
            let err =
                ApiError::conflict("a request with this Idempotency-Key is in progress; try again");
            return Ok(req
                .into_response(err.error_response())
                .map_into_boxed_body());
        }
        Err(err) => {
            return Ok(req
                .into_response(err.error_response())
                .map_into_boxed_body())
        }
    };
    let (_, mut payload) = actix_http::h1::Payload::create(true);
    payload.unread_data(bytes);
    req.set_payload(payload.into());

    let response = match next.call(req).await {
        Ok(response) => response,
        Err(err) => {
            let _ = key.release(&state.db).await;
            return Err(err);
        }
    };
    if !response.status().is_success() {
        let _ = key.release(&state.db).await;
        return Ok(response.map_into_boxed_body());
    }
    let (request, response) = response.into_parts();
    let (response, body) = response.into_parts();
    let body = to_bytes(body).await.unwrap_or_default();
    let answer = StoredAnswer {
        status: response.status().as_u16(),
        body: String::from_utf8_lossy(&body).into_owned(),
        location: response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };
    if let Err(err) = key.complete(&state.db, &answer).await {
        tracing::warn!(error = %err, "could not record an idempotent answer");
    }
    let response = response.set_body(BoxBody::new(body));
    Ok(ServiceResponse::new(request, response))
}

fn replay(stored: StoredAnswer) -> HttpResponse {
    let mut response =
        HttpResponse::build(StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK));
    response
        .content_type("application/json")
        .insert_header(("Idempotent-Replayed", "true"));
    if let Some(location) = stored.location {
        response.insert_header((header::LOCATION, location));
    }
    response.body(stored.body)
}
