//! Rate limits, CORS and the other defences of the public surface.
use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with, Answer};

#[tokio::test]
async fn public_posts_over_the_limit_get_429_with_retry_after() {
    let app = spawn_app_with(|s| s.rate_limit = 3).await;
    for _ in 0..3 {
        let answer = app.post("/api/v1/events", &json!({})).await;
        assert_eq!(answer.status, 401, "{}", answer.text);
    }
    let limited = app.post("/api/v1/events", &json!({})).await;
    limited.assert_problem(429);
    let retry_after: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after));
    // Reads are not limited.
    app.get("/api/v1/events").await.assert_status(200);
}

#[tokio::test]
async fn organisers_are_not_rate_limited() {
    let app = spawn_app_with(|s| s.rate_limit = 2).await;
    for i in 0..5 {
        app.post_admin(
            "/api/v1/events",
            &json!({"title": format!("E{i}"), "starts_at": "2027-01-01T10:00:00Z", "ends_at": "2027-01-01T11:00:00Z"}),
        )
        .await
        .assert_status(201);
    }
}

#[tokio::test]
async fn a_trusted_proxy_header_tells_clients_apart() {
    let app = spawn_app_with(|s| {
        s.rate_limit = 1;
        s.trusted_proxy_header = Some("X-Forwarded-For".to_owned());
    })
    .await;
    let post_from = |ip: &'static str| {
        app.client
            .post(app.url("/api/v1/events"))
            .header("X-Forwarded-For", format!("203.0.113.9, {ip}"))
            .json(&json!({}))
            .send()
    };
    assert_eq!(post_from("198.51.100.1").await.unwrap().status(), 401);
    assert_eq!(post_from("198.51.100.1").await.unwrap().status(), 429);
    assert_eq!(post_from("198.51.100.2").await.unwrap().status(), 401);
}

#[tokio::test]
async fn the_limit_can_be_turned_off() {
    let app = spawn_app_with(|s| s.rate_limit = 0).await;
    for _ in 0..100 {
        assert_eq!(app.post("/api/v1/events", &json!({})).await.status, 401);
    }
}

#[tokio::test]
async fn cors_is_off_by_default() {
    let app = spawn_app().await;
    let answer = app
        .client
        .get(app.url("/api/v1/events"))
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(answer
        .headers()
        .get("access-control-allow-origin")
        .is_none());
}

#[tokio::test]
async fn cors_allows_the_configured_origins_only() {
    let app = spawn_app_with(|s| s.cors_origins = Some("https://cluster.example".to_owned())).await;
    let allowed = app
        .client
        .get(app.url("/api/v1/events"))
        .header("Origin", "https://cluster.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://cluster.example"
    );
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/events"))
        .header("Origin", "https://cluster.example")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization, content-type",
        )
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    let other = Answer::read(
        app.client
            .get(app.url("/api/v1/events"))
            .header("Origin", "https://evil.example")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(other.header("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn an_unusable_cors_origin_stops_the_start() {
    let url = crate::helpers::fresh_database_url().await;
    let mut settings = podium::config::Settings::for_database(&url);
    settings.bind = "127.0.0.1:0".parse().unwrap();
    settings.cors_origins = Some("not an origin".to_owned());
    assert!(podium::startup::Application::build(settings).await.is_err());
}

#[tokio::test]
async fn an_unreachable_database_fails_with_a_clear_message() {
    let mut settings =
        podium::config::Settings::for_database("postgres://podium:secret@127.0.0.1:1/podium");
    settings.bind = "127.0.0.1:0".parse().unwrap();
    let err = podium::startup::Application::build(settings)
        .await
        .err()
        .expect("no database, no start")
        .to_string();
    assert!(err.contains("cannot connect to the database"), "{err}");
    assert!(!err.contains("secret"), "the password is not shown: {err}");
}
