//! The event JSON (`GET /api/v1/events/{event}`) is served from a serialised copy per event:
//! it still shows every registration, cancellation and edit through this instance at once, a
//! change through another instance within a second, and the registration window as it is now.
use std::time::{Duration, Instant};

use chrono::Utc;
use reqwest::header;
use serde_json::{json, Value};

use crate::helpers::{registration_body, spawn_app, spawn_second_instance, TestApp};

/// The public event JSON (no token).
async fn public(app: &TestApp, slug: &str) -> Value {
    let answer = app.get(&format!("/api/v1/events/{slug}")).await;
    answer.assert_status(200);
    assert_eq!(answer.header("content-type"), Some("application/json"));
    answer.json
}

/// Confirmed, pending, waitlisted, seats left.
fn seats(event: &Value) -> (i64, i64, i64, i64) {
    let n = |field: &str| event[field].as_i64().expect(field);
    (
        n("confirmed_count"),
        n("pending_count"),
        n("waitlisted_count"),
        n("seats_left"),
    )
}

/// The event page's form as a browser posts it, with the page's `form_key` or none.
async fn by_form(app: &TestApp, slug: &str, name: &str, email: &str, keyed: bool) {
    let mut fields = vec![
        ("name", name.to_owned()),
        ("email", email.to_owned()),
        ("organisation", "Bench GmbH".to_owned()),
        ("sector", "science".to_owned()),
        ("language", "de".to_owned()),
        ("consent", "on".to_owned()),
    ];
    if keyed {
        let page = app.get(&format!("/events/{slug}")).await;
        page.assert_status(200);
        let marker = "name=\"form_key\" value=\"";
        let start = page.text.find(marker).expect("a form key") + marker.len();
        let key = page.text[start..].split('"').next().expect("its end");
        fields.push(("form_key", key.to_owned()));
    }
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&fields)
        .finish();
    let answer = app
        .client
        .post(app.url(&format!("/events/{slug}/register")))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("request sent");
    assert_eq!(answer.status(), 303, "the form registers");
}

#[tokio::test]
async fn every_registration_cancellation_and_edit_through_this_instance_shows_at_once() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "zaehlen", "capacity": 3}))
        .await;
    assert_eq!(seats(&public(&app, "zaehlen").await), (0, 0, 0, 3));
    let a = app.register_person("zaehlen", "A", "a@example.org").await;
    a.assert_status(201);
    assert_eq!(seats(&public(&app, "zaehlen").await), (1, 0, 0, 2));
    assert_eq!(seats(&app.event_admin("zaehlen").await), (1, 0, 0, 2));
    // The event page's form, without and with its key (the desk, and one transaction).
    by_form(&app, "zaehlen", "B", "b@example.org", false).await;
    assert_eq!(seats(&public(&app, "zaehlen").await), (2, 0, 0, 1));
    by_form(&app, "zaehlen", "C", "c@example.org", true).await;
    assert_eq!(seats(&public(&app, "zaehlen").await), (3, 0, 0, 0));
    let d = app.register_person("zaehlen", "D", "d@example.org").await;
    assert_eq!(d.json["status"], "waitlisted");
    let full = public(&app, "zaehlen").await;
    assert_eq!(seats(&full), (3, 0, 1, 0));
    assert_eq!(full["registration_open"], true);
    // Cancelling A gives D the seat.
    let token = a.json["manage_token"].as_str().expect("token");
    app.post(&format!("/api/v1/registrations/{token}/cancel"), &json!({}))
        .await
        .assert_status(200);
    assert_eq!(seats(&public(&app, "zaehlen").await), (3, 0, 0, 0));
    // An edit shows at once, with the ETag of the new version.
    let before = app.get("/api/v1/events/zaehlen").await;
    app.patch_admin(
        "/api/v1/events/zaehlen",
        &json!({"capacity": 5, "title": "Gezählt"}),
    )
    .await
    .assert_status(200);
    let after = app.get("/api/v1/events/zaehlen").await;
    assert_ne!(before.header("etag"), after.header("etag"));
    assert_eq!(after.json["title"], "Gezählt");
    assert_eq!(seats(&after.json), (3, 0, 0, 2));
    // The same answer by id as by slug.
    let id = after.json["id"].as_str().expect("id");
    assert_eq!(public(&app, id).await, after.json);
}

#[tokio::test]
async fn a_registration_and_an_edit_through_another_instance_show_within_a_second() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "zwilling"})).await;
    let second = spawn_second_instance(&app).await;
    // Read (and kept) on this instance.
    for _ in 0..3 {
        assert_eq!(seats(&public(&app, "zwilling").await).0, 0);
    }
    let registered = app
        .client
        .post(format!("{second}/api/v1/events/zwilling/registrations"))
        .json(&registration_body("Anders", "anders@example.org"))
        .send()
        .await
        .expect("request sent");
    assert_eq!(registered.status(), 201);
    let renamed = app
        .client
        .patch(format!("{second}/api/v1/events/zwilling"))
        .bearer_auth(&app.admin_token)
        .json(&json!({"title": "Anderswo geändert"}))
        .send()
        .await
        .expect("request sent");
    assert_eq!(renamed.status(), 200);
    let changed_at = Instant::now();
    loop {
        // When this read began: a slow answer on a busy machine does not count against it.
        let asked = changed_at.elapsed();
        let event = public(&app, "zwilling").await;
        if event["title"] == "Anderswo geändert" && event["confirmed_count"] == 1 {
            break;
        }
        assert!(
            asked < Duration::from_millis(1500),
            "still the old event after a second: {event}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn registration_open_turns_false_when_the_window_closes_without_any_write() {
    let app = spawn_app().await;
    let closes = Utc::now() + chrono::Duration::seconds(2);
    app.published_event(json!({"slug": "fenster", "registration_closes_at": closes.to_rfc3339()}))
        .await;
    let open = public(&app, "fenster").await;
    assert_eq!(open["registration_open"], true);
    let wait = (closes - Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(100);
    tokio::time::sleep(wait).await;
    let closed = public(&app, "fenster").await;
    assert_eq!(closed["registration_open"], false);
    assert_eq!(closed["title"], open["title"]);
}

#[tokio::test]
async fn a_draft_an_organiser_has_read_stays_a_404_for_the_public_until_published() {
    let app = spawn_app().await;
    app.create_event(json!({"slug": "entwurf"})).await;
    let draft = app.event_admin("entwurf").await;
    assert_eq!(draft["status"], "draft");
    app.get("/api/v1/events/entwurf").await.assert_problem(404);
    let id = draft["id"].as_str().expect("id");
    app.get(&format!("/api/v1/events/{id}"))
        .await
        .assert_problem(404);
    app.post_admin(&format!("/api/v1/events/{id}/publish"), &json!({}))
        .await
        .assert_status(200);
    assert_eq!(public(&app, "entwurf").await["status"], "published");
}
