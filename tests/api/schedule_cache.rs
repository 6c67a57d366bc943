//! The cached read paths: the schedule's ETag and 304s, and that the feeds and the schedule,
//! served from memory, still show every change at once on the instance that made it, within
//! two seconds on another instance, and keep drafts from the public.
use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::{spawn_app, spawn_second_instance, Answer, TestApp};

/// An event with one stage, an accepted pitch in a slot (published events only: drafts take no
/// proposals), and an open slot, released.
async fn programme(app: &TestApp, slug: &str, publish: bool) -> String {
    let event = if publish {
        app.published_event(json!({ "slug": slug })).await
    } else {
        app.create_event(json!({ "slug": slug })).await
    };
    let id = event["id"].as_str().expect("event id").to_owned();
    let stage = app.create_stage(slug, "Saal").await;
    if publish {
        let pitch = app.accepted_pitch(slug, json!({"title": "Vorher"})).await;
        let slot = app
            .slot(
                slug,
                &stage,
                "2027-06-24T10:00:00+02:00",
                "2027-06-24T10:20:00+02:00",
            )
            .await;
        app.assign(slug, &slot, pitch["id"].as_str().expect("pitch id"))
            .await
            .assert_status(200);
    }
    app.slot(
        slug,
        &stage,
        "2027-06-24T11:00:00+02:00",
        "2027-06-24T11:20:00+02:00",
    )
    .await;
    // The public programme is the last release.
    app.release(slug, "").await;
    id
}

async fn get_from(app: &TestApp, base: &str, path: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = app.client.get(format!("{base}{path}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    Answer::read(request.send().await.expect("request sent")).await
}

async fn rename_event(app: &TestApp, slug: &str, title: &str) {
    app.patch_admin(
        &format!("/api/v1/events/{slug}"),
        &json!({ "title": title }),
    )
    .await
    .assert_status(200);
}

#[tokio::test]
async fn the_schedule_has_a_strong_etag_and_answers_304_to_it() {
    let app = spawn_app().await;
    programme(&app, "etag", true).await;
    let path = "/api/v1/events/etag/schedule";

    let first = app.get(path).await;
    first.assert_status(200);
    assert_eq!(first.header("content-type"), Some("application/json"));
    let etag = first.header("etag").expect("an ETag").to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"') && etag.len() > 2);
    assert_eq!(first.json["slug"], "etag");
    let stages = first.json["stages"].as_array().expect("stages");
    assert_eq!(stages.len(), 1);
    let slots = stages[0]["slots"].as_array().expect("slots");
    assert_eq!(slots.len(), 2);
    assert_eq!(slots[0]["pitch"]["title"], "Vorher");
    assert_eq!(slots[0]["open"], false);
    assert_eq!(slots[1]["open"], true);
    assert!(slots[1]["pitch"].is_null());

    // The same bytes and ETag again, from the cache.
    let again = app.get(path).await;
    assert_eq!(again.text, first.text);
    assert_eq!(again.header("etag"), Some(etag.as_str()));

    for value in [
        etag.clone(),
        format!("\"other\", {etag}"),
        format!("W/{etag}"),
        "*".to_owned(),
    ] {
        let answer = get_from(&app, &app.address, path, &[("If-None-Match", &value)]).await;
        answer.assert_status(304);
        assert!(answer.text.is_empty());
        assert_eq!(answer.header("etag"), Some(etag.as_str()));
    }
    let stale = get_from(&app, &app.address, path, &[("If-None-Match", "\"stale\"")]).await;
    stale.assert_status(200);
    assert_eq!(stale.text, first.text);

    let head = app
        .client
        .head(app.url(path))
        .send()
        .await
        .expect("request sent");
    assert_eq!(head.status(), 200);
    assert_eq!(
        head.headers().get("etag").and_then(|v| v.to_str().ok()),
        Some(etag.as_str())
    );

    // A change gives a new ETag, and the old one no longer matches.
    rename_event(&app, "etag", "Umbenannt").await;
    let changed = get_from(&app, &app.address, path, &[("If-None-Match", &etag)]).await;
    changed.assert_status(200);
    assert_eq!(changed.json["title"], "Umbenannt");
    assert_ne!(changed.header("etag"), Some(etag.as_str()));

    let spec = app.get("/api-docs/openapi.json").await.json;
    let get = &spec["paths"]["/api/v1/events/{event}/schedule"]["get"];
    assert!(get["responses"]["200"]["headers"]["ETag"].is_object());
    assert!(get["responses"]["304"].is_object());
    assert!(get["responses"]["200"]["content"]["application/json"].is_object());
}

#[tokio::test]
async fn changes_through_the_same_instance_show_at_once_in_feeds_and_schedule() {
    let app = spawn_app().await;
    let id = programme(&app, "sofort", true).await;
    let schedule = "/api/v1/events/sofort/schedule";
    let feed = "/api/v1/events/sofort/calendar.ics";
    let by_id = format!("/api/v1/events/{id}/schedule");
    let all = "/api/v1/calendar.ics";
    // Everything read once, so all of it is cached.
    for path in [schedule, feed, by_id.as_str(), all] {
        app.get(path).await.assert_status(200);
    }

    rename_event(&app, "sofort", "Gleich sichtbar").await;
    assert_eq!(app.get(schedule).await.json["title"], "Gleich sichtbar");
    assert_eq!(app.get(&by_id).await.json["title"], "Gleich sichtbar");
    assert!(app.get(feed).await.text.contains("Gleich sichtbar"));
    assert!(app.get(all).await.text.contains("Gleich sichtbar"));

    // A programme change: a new stage shows in the schedule at once.
    app.create_stage("sofort", "Foyer").await;
    let stages = app.get(schedule).await.json["stages"].clone();
    assert_eq!(stages.as_array().map(Vec::len), Some(2));

    // A slug change: the new slug works at once, the old one is gone at once.
    app.patch_admin("/api/v1/events/sofort", &json!({"slug": "neu"}))
        .await
        .assert_status(200);
    app.get("/api/v1/events/neu/schedule")
        .await
        .assert_status(200);
    app.get(schedule).await.assert_problem(404);
    app.get(feed).await.assert_problem(404);

    // Cancelling shows in the schedule and the feeds at once.
    app.post_admin("/api/v1/events/neu/cancel", &json!({}))
        .await
        .assert_status(200);
    assert_eq!(
        app.get("/api/v1/events/neu/schedule").await.json["status"],
        "cancelled"
    );
    assert!(app
        .get("/api/v1/events/neu/calendar.ics")
        .await
        .text
        .contains("STATUS:CANCELLED"));
}

#[tokio::test]
async fn a_change_through_another_instance_shows_within_two_seconds() {
    let app = spawn_app().await;
    programme(&app, "zwei", true).await;
    let second = spawn_second_instance(&app).await;
    let paths = [
        "/api/v1/events/zwei/schedule",
        "/api/v1/events/zwei/calendar.ics",
        "/api/v1/calendar.ics",
    ];
    // Cached on the first instance.
    for path in paths {
        let answer = app.get(path).await;
        answer.assert_status(200);
        assert!(!answer.text.contains("Anderswo"));
    }

    // The change goes through the second instance.
    let answer = app
        .client
        .patch(format!("{second}/api/v1/events/zwei"))
        .bearer_auth(&app.admin_token)
        .json(&json!({"title": "Anderswo geändert"}))
        .send()
        .await
        .expect("request sent");
    assert_eq!(answer.status(), 200);

    let changed_at = Instant::now();
    for path in paths {
        loop {
            let answer = app.get(path).await;
            answer.assert_status(200);
            if answer.text.contains("Anderswo geändert") {
                break;
            }
            assert!(
                changed_at.elapsed() < Duration::from_secs(2),
                "{path} still shows the old event after two seconds"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[tokio::test]
async fn a_draft_cached_for_an_organiser_stays_hidden_from_the_public() {
    let app = spawn_app().await;
    let id = programme(&app, "entwurf", false).await;
    for key in ["entwurf", id.as_str()] {
        let schedule = format!("/api/v1/events/{key}/schedule");
        let feed = format!("/api/v1/events/{key}/calendar.ics");
        for path in [&schedule, &feed] {
            // Read (and cached) for an organiser first, then asked for by the public.
            app.get_admin(path).await.assert_status(200);
            app.get(path).await.assert_problem(404);
            let etag = app.get_admin(path).await.header("etag").map(str::to_owned);
            let etag = etag.expect("an ETag");
            get_from(&app, &app.address, path, &[("If-None-Match", &etag)])
                .await
                .assert_problem(404);
        }
    }
    assert!(!app
        .get("/api/v1/calendar.ics")
        .await
        .text
        .contains("Jahrestagung"));

    // Published through this instance: public at once.
    app.post_admin("/api/v1/events/entwurf/publish", &json!({}))
        .await
        .assert_status(200);
    app.get("/api/v1/events/entwurf/schedule")
        .await
        .assert_status(200);
    app.get("/api/v1/events/entwurf/calendar.ics")
        .await
        .assert_status(200);
    assert!(app
        .get("/api/v1/calendar.ics")
        .await
        .text
        .contains("Jahrestagung"));
}
