//! `Idempotency-Key` on the public POSTs other than registrations (those have their own tests).
use serde_json::json;

use crate::helpers::{exhibit_body, pitch_body, spawn_app};

#[tokio::test]
async fn a_repeated_pitch_proposal_with_the_same_key_creates_one_pitch() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    let body = pitch_body(json!({}));
    let headers = [("Idempotency-Key", "pitch-7f3a")];
    let first = app
        .post_with_headers("/api/v1/events/jt/pitches", &body, &headers)
        .await;
    first.assert_status(201);
    let again = app
        .post_with_headers("/api/v1/events/jt/pitches", &body, &headers)
        .await;
    again.assert_status(201);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.json["id"], first.json["id"]);
    assert_eq!(again.header("location"), first.header("location"));
    let all = app.get_admin("/api/v1/events/jt/pitches").await;
    assert_eq!(all.json["total"], 1);

    let other = app
        .post_with_headers(
            "/api/v1/events/jt/pitches",
            &pitch_body(json!({"title": "Ganz anders"})),
            &headers,
        )
        .await;
    other.assert_problem(422);
    assert_eq!(other.error_fields(), vec!["Idempotency-Key"]);
}

#[tokio::test]
async fn a_failed_request_does_not_use_up_its_key() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    let headers = [("Idempotency-Key", "exhibit-1")];
    let bad = app
        .post_with_headers(
            "/api/v1/events/jt/exhibits",
            &exhibit_body(json!({"title": ""})),
            &headers,
        )
        .await;
    bad.assert_problem(422);
    let good = app
        .post_with_headers(
            "/api/v1/events/jt/exhibits",
            &exhibit_body(json!({})),
            &headers,
        )
        .await;
    good.assert_status(201);
    assert!(good.header("idempotent-replayed").is_none());
}

#[tokio::test]
async fn concurrent_requests_with_one_key_create_one_exhibit() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    let body = exhibit_body(json!({}));
    let requests = (0..8).map(|_| {
        app.post_with_headers(
            "/api/v1/events/jt/exhibits",
            &body,
            &[("Idempotency-Key", "same-key")],
        )
    });
    let answers = futures_util::future::join_all(requests).await;
    for answer in &answers {
        assert!(
            answer.status == 201 || answer.status == 409,
            "{}",
            answer.text
        );
    }
    let all = app.get_admin("/api/v1/events/jt/exhibits").await;
    assert_eq!(all.json["total"], 1);
}
