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
