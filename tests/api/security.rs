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
    let url = crate::helpers::fresh_database().await;
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

/// The security headers every answer carries.
fn assert_security_headers(what: &str, answer: &Answer) {
    assert_eq!(
        answer.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(answer.header("x-frame-options"), Some("DENY"), "{what}");
    assert_eq!(
        answer.header("referrer-policy"),
        Some("no-referrer"),
        "{what}"
    );
}

#[tokio::test]
async fn every_kind_of_answer_carries_the_security_headers() {
    let app = spawn_app().await;
    let event = app.published_event(json!({"slug": "headers"})).await;
    let id = event["id"].as_str().unwrap();
    let admin = Some(app.admin_token.as_str());
    let cases = [
        (
            "JSON",
            reqwest::Method::GET,
            "/api/v1/events".to_owned(),
            None,
            "application/json",
        ),
        (
            "problem+json",
            reqwest::Method::GET,
            "/api/v1/events/nope".to_owned(),
            None,
            "application/problem+json",
        ),
        (
            "401",
            reqwest::Method::GET,
            format!("/api/v1/events/{id}/registrations"),
            None,
            "application/problem+json",
        ),
        (
            "405",
            reqwest::Method::PUT,
            "/api/v1/events".to_owned(),
            None,
            "application/problem+json",
        ),
        (
            "404 outside the API",
            reqwest::Method::GET,
            "/nothing-here".to_owned(),
            None,
            "application/problem+json",
        ),
        (
            "text/calendar",
            reqwest::Method::GET,
            format!("/api/v1/events/{id}/calendar.ics"),
            None,
            "text/calendar",
        ),
        (
            "CSV",
            reqwest::Method::GET,
            format!("/api/v1/events/{id}/registrations.csv"),
            admin,
            "text/csv",
        ),
        (
            "OpenAPI",
            reqwest::Method::GET,
            "/api-docs/openapi.json".to_owned(),
            None,
            "application/json",
        ),
        (
            "Swagger UI",
            reqwest::Method::GET,
            "/docs/".to_owned(),
            None,
            "text/html",
        ),
        (
            "metrics",
            reqwest::Method::GET,
            "/metrics".to_owned(),
            None,
            "text/plain",
        ),
    ];
    for (what, method, path, token, content_type) in cases {
        let answer = app.request(method, &path, token, None).await;
        assert!(
            answer
                .header("content-type")
                .is_some_and(|c| c.starts_with(content_type)),
            "{what}: {:?} {}",
            answer.header("content-type"),
            answer.status
        );
        assert_security_headers(what, &answer);
    }
}

#[tokio::test]
async fn answers_with_personal_data_or_a_manage_token_are_not_stored() {
    let app = spawn_app().await;
    let event = app.published_event(json!({"slug": "no-store"})).await;
    let id = event["id"].as_str().unwrap();
    let created = app.register_person(id, "Anna", "anna@example.org").await;
    created.assert_status(201);
    assert_eq!(
        created.header("cache-control"),
        Some("no-store"),
        "the 201 carries the token"
    );
    let token = created.json["manage_token"].as_str().unwrap();
    let pitch = app
        .post(
            &format!("/api/v1/events/{id}/pitches"),
            &crate::helpers::pitch_body(json!({})),
        )
        .await;
    assert_eq!(pitch.header("cache-control"), Some("no-store"));
    for (path, token) in [
        (format!("/api/v1/registrations/{token}"), None),
        ("/api/v1/registrations/not-a-token".to_owned(), None),
        (
            format!("/api/v1/events/{id}/registrations"),
            Some(app.admin_token.as_str()),
        ),
        (
            format!("/api/v1/events/{id}/registrations.csv"),
            Some(app.admin_token.as_str()),
        ),
        (
            "/api/v1/organisers/me".to_owned(),
            Some(app.admin_token.as_str()),
        ),
        (
            "/api/v1/admin/outbox".to_owned(),
            Some(app.admin_token.as_str()),
        ),
    ] {
        let answer = app.request(reqwest::Method::GET, &path, token, None).await;
        assert_eq!(answer.header("cache-control"), Some("no-store"), "{path}");
    }
    // A personal calendar feed may be kept by its own client, never by a shared cache.
    let feed = app
        .get(&format!("/api/v1/registrations/{token}/calendar.ics"))
        .await;
    assert!(feed.header("cache-control").unwrap().starts_with("private"));
    // Public reads stay cacheable.
    let public = app.get(&format!("/api/v1/events/{id}")).await;
    assert_ne!(public.header("cache-control"), Some("no-store"));
}

#[tokio::test]
async fn info_logs_carry_no_personal_data_and_no_manage_token() {
    let url = crate::helpers::fresh_database().await;
    let mail_dir =
        std::env::temp_dir().join(format!("podium-mail-{}", uuid::Uuid::new_v4().simple()));
    let served = crate::lifecycle::Served::start(
        &url,
        &[
            ("RUST_LOG", "info"),
            ("PODIUM_MAIL_DIR", mail_dir.to_str().unwrap()),
        ],
    );
    let admin = served.admin_token.clone().expect("a first admin");
    let client = reqwest::Client::new();
    let event: serde_json::Value = client
        .post(served.url("/api/v1/events"))
        .bearer_auth(&admin)
        .json(
            &json!({"title": "Logtest", "starts_at": "2027-06-24T09:00:00+02:00",
            "ends_at": "2027-06-24T18:00:00+02:00", "capacity": 10}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = event["id"].as_str().unwrap();
    let published = client
        .post(served.url(&format!("/api/v1/events/{id}/publish")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(published.status(), 200);
    let name = "Zacharias Quibbleworth";
    let email = "zacharias.quibbleworth@privacy.example";
    let registered: serde_json::Value = client
        .post(served.url(&format!("/api/v1/events/{id}/registrations")))
        .json(&crate::helpers::registration_body(name, email))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = registered["manage_token"].as_str().expect("a manage token");
    for path in ["", "/calendar.ics"] {
        let answer = client
            .get(served.url(&format!("/api/v1/registrations/{token}{path}")))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
    }
    let list = client
        .get(served.url(&format!("/api/v1/events/{id}/registrations?q=quibble")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), 200);
    let cancelled = client
        .post(served.url(&format!("/api/v1/registrations/{token}/cancel")))
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.status(), 200);
    // Wait until the mails went out, so the worker's lines are in the log too.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::fs::read_dir(&mail_dir).map_or(0, |d| d.count()) < 2 {
        assert!(std::time::Instant::now() < deadline, "no mail written");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let log = served.log();
    assert!(
        log.contains("/api/v1/registrations/{token}"),
        "requests are logged: {log}"
    );
    for secret in [name, "Quibbleworth", email, "privacy.example", token] {
        assert!(!log.contains(secret), "the log shows {secret}:\n{log}");
    }
    // The first admin's token is logged once, on purpose (a warning at the first start), and
    // not again with each request.
    assert_eq!(log.matches(admin.as_str()).count(), 1, "{log}");
}
