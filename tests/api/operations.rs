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

/// Each worker keeps the handles of the series it has recorded to (`http::metrics::track`):
/// the same series counts every request after its first, and each answer carries its own
/// request id.
#[tokio::test]
async fn metrics_keep_counting_a_series_and_every_answer_has_its_request_id() {
    let app = spawn_app().await;
    let series =
        "http_requests_total{method=\"GET\",route=\"/registrations/{token}\",status=\"404\"}";
    let count = |text: &str| -> u64 {
        text.lines()
            .find_map(|line| line.strip_prefix(series))
            .map_or(0, |value| value.trim().parse().expect("a count"))
    };
    let before = count(&app.get("/metrics").await.text);
    let mut ids = std::collections::HashSet::new();
    for _ in 0..5 {
        let page = app.get("/registrations/no-such-token").await;
        page.assert_status(404);
        let id = page.headers["x-request-id"]
            .to_str()
            .expect("ASCII")
            .to_owned();
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
        ids.insert(id);
    }
    assert_eq!(ids.len(), 5);
    let after = count(&app.get("/metrics").await.text);
    // Other tests in this process may count on the same series: at least these five.
    assert!(after >= before + 5, "{before} → {after}");
}

/// A method of the client's own making counts as `OTHER`: each label value is a series kept
/// for the life of the process, so made-up methods must not make new ones.
#[tokio::test]
async fn made_up_methods_share_one_metrics_series() {
    let app = spawn_app().await;
    for n in 0..3 {
        let method = reqwest::Method::from_bytes(format!("BREW{n}").as_bytes()).expect("a token");
        let answer = app.request(method, "/api/v1/events", None, None).await;
        assert!(answer.status.is_client_error(), "{}", answer.status);
    }
    let text = app.get("/metrics").await.text;
    assert!(!text.contains("BREW"), "{text}");
    let other = text
        .lines()
        .filter(|line| line.starts_with("http_requests_total{method=\"OTHER\""))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>();
    assert!(other >= 3.0, "{text}");
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
    // The UI reads the one document every worker shares.
    let initializer = app.get("/docs/swagger-initializer.js").await;
    initializer.assert_status(200);
    assert!(
        initializer.text.contains("/api-docs/openapi.json"),
        "{}",
        initializer.text
    );
    let document = app.get("/api-docs/openapi.json").await;
    document.assert_status(200);
    assert_eq!(document.header("content-type"), Some("application/json"));
    // Another method is told apart as for any path the API does not have.
    app.post("/api-docs/openapi.json", &serde_json::json!({}))
        .await
        .assert_problem(404);
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

/// The value of an unlabelled series in Prometheus text.
fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("{name} missing from /metrics:\n{text}"))
        .trim()
        .parse()
        .expect("a number")
}

/// An outbox row as the services write them; `locked_until` in the future keeps the worker off.
fn outbox_row(
    status: entity::outbox::OutboxStatus,
    due: chrono::DateTime<chrono::Utc>,
) -> entity::outbox::ActiveModel {
    use sea_orm::Set;
    entity::outbox::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        kind: Set("registration_confirmed".to_owned()),
        event_id: Set(None),
        record_id: Set(None),
        reply_to: Set(None),
        check_in_code: Set(None),
        recipient: Set("erika@example.org".to_owned()),
        recipient_name: Set("Erika".to_owned()),
        language: Set("de".to_owned()),
        subject: Set("Test".to_owned()),
        text_body: Set("Test".to_owned()),
        html_body: Set("<p>Test</p>".to_owned()),
        ics: Set(None),
        ics_method: Set(None),
        message_id: Set(format!("<{}@podium>", uuid::Uuid::new_v4())),
        status: Set(status),
        attempts: Set(3),
        next_attempt_at: Set(due),
        locked_until: Set(Some(chrono::Utc::now() + chrono::Duration::hours(1))),
        last_error: Set(None),
        created_at: Set(due),
        sent_at: Set(None),
    }
}

#[tokio::test]
async fn metrics_show_queued_failed_and_overdue_mail_and_counted_sends() {
    use entity::outbox::OutboxStatus;
    use sea_orm::EntityTrait;
    let app = spawn_app().await;
    let before = app.get("/metrics").await;
    before.assert_status(200);
    assert_eq!(metric(&before.text, "podium_mail_queued"), 0.0);
    assert_eq!(
        metric(&before.text, "podium_mail_oldest_due_age_seconds"),
        0.0
    );
    let sent_before = metric(&before.text, "podium_mail_sent_total");

    // A mail sent for real (the counter is the process's: other tests may add to it).
    let event = app.published_event(serde_json::json!({})).await;
    app.register_person(
        event["id"].as_str().unwrap(),
        "Erika Muster",
        "erika@example.org",
    )
    .await
    .assert_status(201);
    app.mails(1).await;

    let now = chrono::Utc::now();
    entity::outbox::Entity::insert_many([
        outbox_row(OutboxStatus::Pending, now - chrono::Duration::seconds(90)),
        outbox_row(OutboxStatus::Pending, now + chrono::Duration::seconds(600)),
        outbox_row(OutboxStatus::Failed, now - chrono::Duration::seconds(3600)),
    ])
    .exec(&app.db)
    .await
    .unwrap();
    let mut text = String::new();
    for _ in 0..50 {
        text = app.get("/metrics").await.text;
        if metric(&text, "podium_mail_sent_total") > sent_before {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(metric(&text, "podium_mail_sent_total") > sent_before);
    assert_eq!(
        metric(&text, "podium_mail_queued"),
        2.0,
        "due and scheduled"
    );
    assert_eq!(metric(&text, "podium_mail_failed"), 1.0);
    let age = metric(&text, "podium_mail_oldest_due_age_seconds");
    assert!(
        (90.0..150.0).contains(&age),
        "oldest due mail waits {age} s"
    );
    assert!(text.contains("# TYPE podium_mail_queued gauge"));
    assert!(text.contains("podium_mail_failed_total"));
}

#[tokio::test]
async fn metrics_need_the_metrics_token_when_one_is_set() {
    let app =
        crate::helpers::spawn_app_with(|s| s.metrics_token = Some("scrape-secret".into())).await;
    app.get("/metrics").await.assert_problem(401);
    app.get_as("/metrics", "wrong").await.assert_problem(401);
    app.get_as("/metrics", &app.admin_token)
        .await
        .assert_problem(401);
    let scraped = app.get_as("/metrics", "scrape-secret").await;
    scraped.assert_status(200);
    assert!(scraped.text.contains("podium_mail_queued"));
}

#[tokio::test]
async fn the_spec_marks_consent_required_and_gives_an_example_registration() {
    let app = spawn_app().await;
    let spec = app.get("/api-docs/openapi.json").await;
    let schema = &spec.json["components"]["schemas"]["RegisterRequest"];
    let required: Vec<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(required.contains(&"consent"), "{required:?}");
    assert_eq!(schema["example"]["consent"], true);
    // The example is a registration the API accepts.
    let event = app.published_event(serde_json::json!({})).await;
    app.register(event["id"].as_str().unwrap(), &schema["example"])
        .await
        .assert_status(201);
}

#[tokio::test]
async fn the_main_request_bodies_have_examples_the_api_accepts() {
    let app = spawn_app().await;
    let spec = app.get("/api-docs/openapi.json").await;
    let schemas = &spec.json["components"]["schemas"];
    for name in [
        "CreateEvent",
        "CloneEvent",
        "CreateStage",
        "CreateExhibit",
        "CreatePitch",
        "CreateSlot",
        "AssignPitch",
        "CreateOrganiser",
        "RegisterRequest",
    ] {
        assert!(
            schemas[name]["example"].is_object(),
            "{name} has no example"
        );
    }
    let created = app
        .post_admin("/api/v1/events", &schemas["CreateEvent"]["example"])
        .await;
    created.assert_status(201);
    let path = "/api/v1/events/jahrestagung-2027";
    app.post_admin(&format!("{path}/publish"), &serde_json::json!({}))
        .await
        .assert_status(200);
    for (resource, schema) in [
        ("stages", "CreateStage"),
        ("pitches", "CreatePitch"),
        ("exhibits", "CreateExhibit"),
    ] {
        app.post_admin(&format!("{path}/{resource}"), &schemas[schema]["example"])
            .await
            .assert_status(201);
    }
    app.post_admin("/api/v1/organisers", &schemas["CreateOrganiser"]["example"])
        .await
        .assert_status(201);
}
