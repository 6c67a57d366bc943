use crate::helpers::spawn_app;

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = spawn_app().await;
    app.get("/healthz").await.assert_status(200);
    let ready = app.get("/readyz").await;
    ready.assert_status(200);
    assert_eq!(ready.json["status"], "ready");
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = spawn_app().await;
    app.get("/api/v1/events").await.assert_status(200);
    let metrics = app.get("/metrics").await;
    metrics.assert_status(200);
    assert!(metrics.text.contains("http_requests_total"));
    assert!(metrics.text.contains("route=\"/api/v1/events\""));
    assert!(metrics.text.contains("http_request_duration_seconds"));
}

#[tokio::test]
async fn the_openapi_spec_lists_every_route() {
    let app = spawn_app().await;
    let spec = app.get("/api-docs/openapi.json").await;
    spec.assert_status(200);
    assert!(spec.json["openapi"].as_str().unwrap().starts_with("3."));
    let paths = spec.json["paths"].as_object().unwrap();
    for path in [
        "/healthz",
        "/readyz",
        "/metrics",
        "/api/v1/events",
        "/api/v1/events/{event}",
        "/api/v1/events/{event}/publish",
        "/api/v1/events/{event}/cancel",
        "/api/v1/events/{event}/clone",
        "/api/v1/events/{event}/stages",
        "/api/v1/events/{event}/stages/{id}",
        "/api/v1/events/{event}/stats",
        "/api/v1/series/{slug}",
        "/api/v1/organisers",
        "/api/v1/organisers/me",
    ] {
        assert!(paths.contains_key(path), "{path} missing from the spec");
    }
    assert!(spec.json["components"]["schemas"]["Problem"].is_object());
}

#[tokio::test]
async fn swagger_ui_is_served_from_the_binary() {
    let app = spawn_app().await;
    let redirect = app.get("/docs").await;
    assert!(redirect.status.is_redirection());
    let page = app.get("/docs/").await;
    page.assert_status(200);
    assert!(page.text.to_lowercase().contains("swagger"));
    let script = app.get("/docs/swagger-ui-bundle.js").await;
    script.assert_status(200);
}

#[tokio::test]
async fn security_headers_are_set() {
    let app = spawn_app().await;
    let answer = app.get("/api/v1/events").await;
    assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(answer.header("x-frame-options"), Some("DENY"));
}

#[tokio::test]
async fn readiness_fails_while_the_database_is_gone_and_recovers() {
    if !crate::helpers::is_postgres() {
        // SQLite is a file inside the process: it cannot go away while podium holds it open.
        let app = spawn_app().await;
        app.get("/readyz").await.assert_status(200);
        return;
    }
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    app.get("/readyz").await.assert_status(200);
    let name = url::Url::parse(&app.database_url)
        .unwrap()
        .path()
        .trim_start_matches('/')
        .to_owned();
    let base = std::env::var("TEST_DATABASE_URL").unwrap();
    let admin = podium::db::connect(&base, 1).await.unwrap();
    admin
        .execute_unprepared(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        ))
        .await
        .unwrap();
    let down = app.get("/readyz").await;
    down.assert_problem(503);
    admin
        .execute_unprepared(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
        .await
        .unwrap();
    let mut recovered = false;
    for _ in 0..50 {
        if app.get("/readyz").await.status == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(recovered, "readiness comes back without a restart");
}
