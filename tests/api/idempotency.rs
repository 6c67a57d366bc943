//! `Idempotency-Key` on the public POSTs other than new registrations (those have their own
//! tests in `registrations`): one mechanism, the key stored in the write's own transaction;
//! and no key judged before the caller is known.
use entity::idempotency_key;
use sea_orm::EntityTrait;
use serde_json::json;

use crate::helpers::{exhibit_body, pitch_body, registration_body, spawn_app, spawn_app_with};

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
async fn concurrent_requests_with_one_key_create_one_exhibit_and_all_get_its_answer() {
    let app = spawn_app_with(|s| s.db_max_connections = 16).await;
    app.published_event(json!({"slug": "jt"})).await;
    for (path, body) in [
        ("/api/v1/events/jt/exhibits", exhibit_body(json!({}))),
        ("/api/v1/events/jt/pitches", pitch_body(json!({}))),
    ] {
        let requests =
            (0..8).map(|_| app.post_with_headers(path, &body, &[("Idempotency-Key", "same-key")]));
        let answers = futures_util::future::join_all(requests).await;
        // The second waits for the first's lock, then finds its key: no "in progress" answer.
        for answer in &answers {
            answer.assert_status(201);
            assert_eq!(answer.json, answers[0].json);
            assert_eq!(answer.header("location"), answers[0].header("location"));
        }
        let replayed = answers
            .iter()
            .filter(|a| a.header("idempotent-replayed") == Some("true"))
            .count();
        assert_eq!(replayed, 7, "{path}");
    }
    let all = app.get_admin("/api/v1/events/jt/exhibits").await;
    assert_eq!(all.json["total"], 1);
    let all = app.get_admin("/api/v1/events/jt/pitches").await;
    assert_eq!(all.json["total"], 1);
}

#[tokio::test]
async fn without_a_token_an_organisers_post_is_refused_401_before_its_key_is_judged() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    // A blank key is a 422 where a key is read; here the caller is unknown first.
    for path in [
        "/api/v1/events",
        "/api/v1/events/jt/stages",
        "/api/v1/events/jt/publish",
        "/api/v1/events/jt/pitch-slots",
        "/api/v1/events/jt/questions",
        "/api/v1/organisers",
    ] {
        app.post_with_headers(path, &json!({}), &[("Idempotency-Key", " ")])
            .await
            .assert_problem(401);
    }
    // A public POST with an organiser's token that is not valid: 401 too, not 422.
    let answer = app
        .client
        .post(app.url("/api/v1/events/jt/pitches"))
        .bearer_auth("not-a-token")
        .header("Idempotency-Key", " ")
        .json(&pitch_body(json!({})))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 401);
    // Where a key is read, a blank one is named.
    let blank = app
        .post_with_headers(
            "/api/v1/events/jt/pitches",
            &pitch_body(json!({})),
            &[("Idempotency-Key", " ")],
        )
        .await;
    blank.assert_problem(422);
    assert_eq!(blank.error_fields(), vec!["Idempotency-Key"]);
}

#[tokio::test]
async fn a_token_action_with_a_key_replays_its_first_answer_and_stores_no_token() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt", "require_email_confirmation": true}))
        .await;
    let reg = app
        .register("jt", &registration_body("Ada", "ada@example.org"))
        .await;
    reg.assert_status(201);
    let token = reg.json["manage_token"].as_str().unwrap().to_owned();
    let confirm = format!("/api/v1/registrations/{token}/confirm");
    let key = [("Idempotency-Key", "confirm-1")];
    let first = app.post_with_headers(&confirm, &json!({}), &key).await;
    first.assert_status(200);
    assert_eq!(first.json["status"], "confirmed");
    app.post(&format!("/api/v1/registrations/{token}/cancel"), &json!({}))
        .await
        .assert_status(200);
    // The repeat answers as the first did, though the registration is cancelled now.
    let again = app.post_with_headers(&confirm, &json!({}), &key).await;
    again.assert_status(200);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.json, first.json);
    app.post_with_headers(&confirm, &json!({"other": true}), &key)
        .await
        .assert_problem(422);
    // Without its key the same request runs: a cancelled registration is not confirmed.
    app.post(&confirm, &json!({})).await.assert_problem(409);
    let rows = idempotency_key::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert!(!rows[0].scope.contains(&token), "{}", rows[0].scope);
    assert!(
        rows[0].record_id.is_some(),
        "erasure finds it by its record"
    );

    // Pitches and exhibits withdraw the same way.
    let pitch = app
        .post("/api/v1/events/jt/pitches", &pitch_body(json!({})))
        .await;
    pitch.assert_status(201);
    let exhibit = app
        .post("/api/v1/events/jt/exhibits", &exhibit_body(json!({})))
        .await;
    exhibit.assert_status(201);
    for (kind, created) in [("pitches", &pitch), ("exhibits", &exhibit)] {
        let token = created.json["manage_token"].as_str().unwrap();
        let path = format!("/api/v1/{kind}/{token}/withdraw");
        let key = [("Idempotency-Key", "withdraw-1")];
        let first = app.post_with_headers(&path, &json!({}), &key).await;
        first.assert_status(200);
        assert_eq!(first.json["status"], "withdrawn");
        let again = app.post_with_headers(&path, &json!({}), &key).await;
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
        assert_eq!(again.json, first.json);
    }
    // Erasing the registration forgets its stored answer.
    app.delete(&format!("/api/v1/registrations/{token}"))
        .await
        .assert_status(204);
    let left = idempotency_key::Entity::find().all(&app.db).await.unwrap();
    assert!(left.iter().all(|row| row.scope.starts_with("sha256:")));
    assert_eq!(left.len(), 2, "{left:?}");
}
