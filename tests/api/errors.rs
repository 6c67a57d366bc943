//! Malformed input gets problem+json, never a 500.
use reqwest::Method;
use serde_json::json;

use crate::helpers::{spawn_app, Answer};

#[tokio::test]
async fn malformed_json_is_a_400() {
    let app = spawn_app().await;
    let answer = app
        .client
        .post(app.url("/api/v1/events"))
        .bearer_auth(&app.admin_token)
        .header("content-type", "application/json")
        .body("{\"title\": ")
        .send()
        .await
        .unwrap();
    Answer::read(answer).await.assert_problem(400);
}

#[tokio::test]
async fn a_wrong_content_type_is_a_415() {
    let app = spawn_app().await;
    let answer = app
        .client
        .post(app.url("/api/v1/events"))
        .bearer_auth(&app.admin_token)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    Answer::read(answer).await.assert_problem(415);
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_a_413() {
    let app = spawn_app().await;
    let huge = format!("{{\"title\": \"{}\"}}", "a".repeat(1024 * 1024 + 10));
    let answer = app
        .client
        .post(app.url("/api/v1/events"))
        .bearer_auth(&app.admin_token)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    Answer::read(answer).await.assert_problem(413);
}

#[tokio::test]
async fn wrong_types_and_missing_fields_are_422_with_the_field() {
    let app = spawn_app().await;
    let answer = app
        .post_admin("/api/v1/events", &json!({"capacity": 3}))
        .await;
    answer.assert_problem(422);
    assert!(answer.error_fields().contains(&"title".to_owned()));
    let answer = app
        .post_admin(
            "/api/v1/events",
            &json!({"title": 5, "starts_at": [], "ends_at": {}}),
        )
        .await;
    answer.assert_problem(422);
}

#[tokio::test]
async fn unknown_paths_are_404_and_wrong_methods_405() {
    let app = spawn_app().await;
    app.get("/api/v1/nothing-here").await.assert_problem(404);
    app.get("/nope").await.assert_problem(404);
    let answer = app
        .request(Method::PUT, "/api/v1/events", Some(&app.admin_token), None)
        .await;
    answer.assert_problem(405);
    assert!(answer.header("allow").unwrap().contains("POST"));
}

#[tokio::test]
async fn a_bad_uuid_in_the_path_is_a_404() {
    let app = spawn_app().await;
    let event = app.create_event(json!({})).await;
    let id = event["id"].as_str().unwrap();
    app.patch_admin(
        &format!("/api/v1/events/{id}/stages/not-a-uuid"),
        &json!({"name": "x"}),
    )
    .await
    .assert_problem(404);
}

#[tokio::test]
async fn a_bad_query_is_a_problem_not_a_500() {
    let app = spawn_app().await;
    app.get("/api/v1/events?limit=abc")
        .await
        .assert_problem(400);
    app.get("/api/v1/events?limit=0").await.assert_problem(422);
    app.get("/api/v1/events?limit=501")
        .await
        .assert_problem(422);
    app.get("/api/v1/events?cursor=%%%")
        .await
        .assert_problem(422);
    app.get("/api/v1/events?status=bogus")
        .await
        .assert_problem(422);
}

#[tokio::test]
async fn hostile_strings_do_not_break_anything() {
    let app = spawn_app().await;
    for title in [
        "'; DROP TABLE events; --",
        "\u{0}",
        "🎉 Jahrestagung",
        "<script>alert(1)</script>",
    ] {
        let answer = app
            .post_admin(
                "/api/v1/events",
                &json!({"title": title, "starts_at": "2027-01-01T10:00:00Z", "ends_at": "2027-01-01T12:00:00Z"}),
            )
            .await;
        assert!(
            answer.status == 201 || answer.status == 422,
            "{title}: {}",
            answer.text
        );
    }
    app.get("/api/v1/events/'%20OR%201=1")
        .await
        .assert_problem(404);
}

#[tokio::test]
async fn a_literal_route_with_another_method_is_a_405_not_a_404() {
    let app = spawn_app().await;
    let answer = app
        .request(
            Method::DELETE,
            "/api/v1/organisers/me",
            Some(&app.admin_token),
            None,
        )
        .await;
    answer.assert_problem(405);
    assert_eq!(answer.header("allow"), Some("GET, HEAD"));
}

#[tokio::test]
async fn head_answers_like_get_without_a_body() {
    let app = spawn_app().await;
    let answer = app
        .client
        .head(app.url("/api/v1/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["content-type"], "application/json");
    assert!(answer.text().await.unwrap().is_empty());
}

#[tokio::test]
async fn values_are_checked_before_if_match_and_years_are_bounded() {
    let app = spawn_app().await;
    app.create_event(json!({"slug": "jt"})).await;
    let answer = app
        .client
        .patch(app.url("/api/v1/events/jt"))
        .bearer_auth(&app.admin_token)
        .header("If-Match", "\"stale\"")
        .json(&json!({"title": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 422);
    app.post_admin(
        "/api/v1/events",
        &json!({"title": "t", "starts_at": "9999-01-01T00:00:00Z", "ends_at": "9999-01-02T00:00:00Z"}),
    )
    .await
    .assert_problem(422);
    app.post_admin(
        "/api/v1/events/jt/clone",
        &json!({"starts_at": "2999-12-31T20:00:00Z"}),
    )
    .await
    .assert_problem(422);
}

#[tokio::test]
async fn a_bad_uuid_in_the_path_is_named_in_words_not_in_parser_text() {
    let app = spawn_app().await;
    let event = app.create_event(json!({})).await;
    let id = event["id"].as_str().unwrap();
    let answer = app
        .patch_admin(
            &format!("/api/v1/events/{id}/stages/nope"),
            &json!({"name": "x"}),
        )
        .await;
    answer.assert_problem(404);
    let detail = answer.json["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("'nope' is not a valid id (a UUID such as 0190"),
        "{detail}"
    );
    assert!(!detail.contains("parsing failed") && !detail.contains("found n at"));
}

/// `HEAD` is answered one way for the API, the pages, the feeds and the operations endpoints:
/// the `GET` answer's status and headers, `Content-Length` the length of the body it leaves out
/// (the JSON answers said `content-length: 0` before). A path that has no `GET` is a 405.
#[tokio::test]
async fn head_gives_every_get_answers_headers_with_its_length_and_no_body() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "kopf"})).await;
    for path in [
        "/api/v1/events",
        "/api/v1/events/kopf",
        "/api/v1/events/kopf/calendar.ics",
        "/api/v1/events/kopf/stages",
        "/events/kopf",
        "/healthz",
        "/api-docs/openapi.json",
    ] {
        let get = app.client.get(app.url(path)).send().await.unwrap();
        let get_status = get.status();
        let get_type = get.headers().get("content-type").cloned();
        let get_body = get.bytes().await.unwrap();
        let head = app.client.head(app.url(path)).send().await.unwrap();
        assert_eq!(head.status(), get_status, "{path}");
        assert_eq!(
            head.headers().get("content-type"),
            get_type.as_ref(),
            "{path}"
        );
        assert_eq!(
            head.headers()
                .get("content-length")
                .and_then(|v| v.to_str().ok()),
            Some(get_body.len().to_string().as_str()),
            "{path}"
        );
        assert!(head.bytes().await.unwrap().is_empty(), "{path}: no body");
    }
    let publish = app
        .client
        .head(app.url("/api/v1/events/kopf/publish"))
        .send()
        .await
        .unwrap();
    assert_eq!(publish.status(), 405);
    assert_eq!(publish.headers()["allow"], "POST");
}

/// JSON Schema (2020-12, OpenAPI 3.1's) calls `3.0` an integer, and the OpenAPI document says
/// `integer`: a whole number written with a fraction is taken as that integer (a stage's
/// position, an event's capacity); `2.5` stays a 422.
#[tokio::test]
async fn a_whole_number_written_with_a_fraction_counts_as_an_integer() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "ganz"})).await;
    let stage = app
        .post_admin(
            "/api/v1/events/ganz/stages",
            &json!({"name": "Forum", "position": 3.0}),
        )
        .await;
    stage.assert_status(201);
    assert_eq!(stage.json["position"], 3);
    let event = app
        .create_event(json!({"slug": "ganz2", "capacity": 150.0}))
        .await;
    assert_eq!(event["capacity"], 150);
    app.post_admin(
        "/api/v1/events/ganz/stages",
        &json!({"name": "Saal", "position": 2.5}),
    )
    .await
    .assert_problem(422);
}

/// Every body podium takes is a JSON object: an array is a 422 naming `body`, even where
/// every field is optional (serde alone read `[null, null]` as an exhibit's first two
/// fields). An organiser's malformed `Idempotency-Key` is the 422 the spec says, though an
/// organiser's key is not kept.
#[tokio::test]
async fn a_body_that_is_no_object_and_a_malformed_key_are_422() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "form"})).await;
    let stage = app.create_stage("form", "Forum").await;
    let refused = app
        .request(
            reqwest::Method::PATCH,
            &format!("/api/v1/events/form/stages/{stage}"),
            Some(&app.admin_token),
            Some(&json!([null, null])),
        )
        .await;
    refused.assert_problem(422);
    assert_eq!(refused.error_fields(), ["body"]);
    let keyed = app
        .client
        .post(app.url("/api/v1/events/form/pitches"))
        .bearer_auth(&app.admin_token)
        .header("Idempotency-Key", "two words")
        .json(&crate::helpers::pitch_body(json!({})))
        .send()
        .await
        .unwrap();
    assert_eq!(keyed.status().as_u16(), 422);
}
