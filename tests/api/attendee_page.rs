//! The attendee's page as it is kept rendered (`pages::registration_cache`): what a kept page
//! may and may not stand for. A change through this instance (the page's own actions, the
//! API, an organiser) shows at once; one through a second instance on the same database
//! within a second, and at once on the page the attendee's own action leads to
//! (`?done=confirm|cancel`); a hold that runs out shows as expired without any write; an erased
//! registration's page is gone. A kept page is byte for byte the page read fresh.
use std::time::{Duration, Instant};

use chrono::Utc;
use reqwest::header;
use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::helpers::{registration_body, spawn_app, spawn_second_instance, Answer, TestApp};

/// How long a kept page may stand for a change through another instance
/// (`read_cache::EVENT_TTL`), with some room for a slow machine.
const WITHIN: Duration = Duration::from_millis(1500);

/// `GET` of a page by its path or its full URL.
async fn page(app: &TestApp, path: &str) -> Answer {
    let url = if path.starts_with("http") {
        path.to_owned()
    } else {
        app.url(path)
    };
    Answer::read(app.client.get(url).send().await.expect("request sent")).await
}

/// `POST` of a page's form (the attendee's actions send no fields).
async fn press(app: &TestApp, url: &str) -> Answer {
    let response = app
        .client
        .post(url)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .expect("request sent");
    Answer::read(response).await
}

/// Registers `name` for `event` in `language`; the manage token.
async fn registered(app: &TestApp, event: &str, name: &str, language: &str) -> String {
    let mut body = registration_body(name, &format!("{}@example.org", name.to_lowercase()));
    body["language"] = json!(language);
    let answer = app.register(event, &body).await;
    answer.assert_status(201);
    answer.json["manage_token"]
        .as_str()
        .expect("a manage token")
        .to_owned()
}

fn status(answer: &Answer) -> &str {
    let start = answer
        .text
        .find("<p class=\"status\" role=\"status\">")
        .expect("a status line")
        + "<p class=\"status\" role=\"status\">".len();
    answer.text[start..].split('<').next().expect("its end")
}

/// Reads `path` on `app` until `done` holds for the page; panics when a read that began
/// [`WITHIN`] after the call still does not show it. (The bound is on when a read starts, not
/// when its answer arrives: on a busy machine an answer may take longer than the margin.)
async fn until(app: &TestApp, path: &str, what: &str, done: impl Fn(&Answer) -> bool) -> Answer {
    let since = Instant::now();
    loop {
        let asked = since.elapsed();
        let answer = page(app, path).await;
        if done(&answer) {
            return answer;
        }
        assert!(
            asked < WITHIN,
            "{what}: still {} after {:?}",
            answer.status,
            since.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_kept_page_is_byte_for_byte_the_page_read_fresh_with_the_same_headers() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "gleich"})).await;
    let token = registered(&app, "gleich", "Ada", "en").await;
    let path = format!("/registrations/{token}");
    let first = page(&app, &path).await;
    first.assert_status(200);
    let kept = page(&app, &path).await;
    // Any query reads past the kept pages; an unknown one adds nothing to the page.
    let fresh = page(&app, &format!("{path}?fresh=1")).await;
    assert_eq!(kept.text, first.text);
    assert_eq!(fresh.text, kept.text);
    assert!(
        kept.text.contains("data:image/svg+xml;base64,"),
        "the QR code"
    );
    for name in [
        "content-type",
        "cache-control",
        "content-security-policy",
        "referrer-policy",
        "x-content-type-options",
        "x-frame-options",
    ] {
        assert_eq!(kept.header(name), fresh.header(name), "{name}");
    }
    assert_eq!(kept.header("cache-control"), Some("no-store"));
    assert_eq!(
        kept.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(kept.header("etag").is_none());
}

#[tokio::test]
async fn a_cancel_through_the_page_or_the_api_shows_at_once_on_the_same_instance() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "sofort", "capacity": 1}))
        .await;
    let ada = registered(&app, "sofort", "Ada", "en").await;
    let bob = registered(&app, "sofort", "Bob", "de").await;
    let (ada_page, bob_page) = (
        format!("/registrations/{ada}"),
        format!("/registrations/{bob}"),
    );
    for _ in 0..3 {
        assert_eq!(
            status(&page(&app, &ada_page).await),
            "Confirmed: your seat is reserved."
        );
        let waiting = page(&app, &bob_page).await;
        assert_eq!(status(&waiting), "Auf der Warteliste.");
        assert!(waiting.text.contains("<dd class=\"position\">1</dd>"));
    }

    // Through the API: Ada's seat goes to Bob, and both pages say so at once.
    app.post(&format!("/api/v1/registrations/{ada}/cancel"), &json!({}))
        .await
        .assert_status(200);
    assert_eq!(status(&page(&app, &ada_page).await), "Cancelled.");
    let promoted = page(&app, &bob_page).await;
    assert_eq!(status(&promoted), "Bestätigt: Ihr Platz ist reserviert.");
    assert!(!promoted.text.contains("class=\"position\""));

    // Through the page: the answer leads to the page saying it was done, in Bob's language,
    // and the plain page shows it too.
    let cancelled = press(&app, &app.url(&format!("{bob_page}/cancel"))).await;
    cancelled.assert_status(303);
    let location = cancelled.header("location").expect("a Location").to_owned();
    assert_eq!(location, app.url(&format!("{bob_page}?done=cancel")));
    let shown = page(&app, &location).await;
    assert_eq!(status(&shown), "Storniert.");
    assert!(shown.text.contains("Ihre Anmeldung wurde storniert."));
    let plain = page(&app, &bob_page).await;
    assert_eq!(status(&plain), "Storniert.");
    assert!(!plain.text.contains("Ihre Anmeldung wurde storniert."));
    // A `done` that did not happen says nothing.
    let claimed = page(&app, &format!("{ada_page}?done=confirm")).await;
    assert!(!claimed.text.contains("your registration is confirmed"));
}

#[tokio::test]
async fn a_change_through_a_second_instance_shows_within_a_second_and_at_once_after_done() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "zwei", "require_email_confirmation": true}))
        .await;
    let second = spawn_second_instance(&app).await;
    let ada = registered(&app, "zwei", "Ada", "en").await;
    let bob = registered(&app, "zwei", "Bob", "en").await;
    let ada_page = format!("/registrations/{ada}");
    let bob_page = format!("/registrations/{bob}");
    for path in [&ada_page, &bob_page] {
        for _ in 0..3 {
            assert_eq!(
                status(&page(&app, path).await),
                "Not yet confirmed: please confirm your registration."
            );
        }
    }

    // Ada confirms through the API of the other instance: this one's kept page shows it
    // within a second.
    let confirmed = app
        .client
        .post(format!("{second}/api/v1/registrations/{ada}/confirm"))
        .json(&json!({}))
        .send()
        .await
        .expect("request sent");
    assert_eq!(confirmed.status(), 200);
    until(&app, &ada_page, "the confirmation", |answer| {
        status(answer) == "Confirmed: your seat is reserved."
    })
    .await;

    // Bob confirms on a page the other instance serves; its answer leads back here (the
    // public URL), where it shows at once, and so does the plain page from then on.
    let pressed = press(&app, &format!("{second}{bob_page}/confirm")).await;
    pressed.assert_status(303);
    let location = pressed.header("location").expect("a Location").to_owned();
    assert_eq!(location, app.url(&format!("{bob_page}?done=confirm")));
    let shown = page(&app, &location).await;
    assert_eq!(status(&shown), "Confirmed: your seat is reserved.");
    assert!(shown
        .text
        .contains("Thank you: your registration is confirmed."));
    assert_eq!(
        status(&page(&app, &bob_page).await),
        "Confirmed: your seat is reserved."
    );
}

#[tokio::test]
async fn a_hold_that_runs_out_shows_as_expired_without_any_write() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "frist", "require_email_confirmation": true}))
        .await;
    let token = registered(&app, "frist", "Ada", "en").await;
    let path = format!("/registrations/{token}");
    // The hold ends well within the kept page's second (written past the app, then counted
    // as a write of its own so the page is read again).
    let ends = Utc::now() + chrono::Duration::milliseconds(600);
    entity::registration::Entity::update_many()
        .col_expr(
            entity::registration::Column::HoldExpiresAt,
            Expr::value(ends),
        )
        .filter(entity::registration::Column::Email.eq("ada@example.org"))
        .exec(&app.db)
        .await
        .expect("hold shortened");
    app.write_epoch.bump();
    let read_at = Instant::now();
    let held = page(&app, &path).await;
    assert_eq!(
        status(&held),
        "Not yet confirmed: please confirm your registration."
    );
    assert!(held.text.contains("Your seat is held until"));
    assert_eq!(page(&app, &path).await.text, held.text, "kept");

    let left = (ends - Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(left + Duration::from_millis(50)).await;
    let expired = page(&app, &path).await;
    assert!(
        read_at.elapsed() < Duration::from_secs(1),
        "the machine was too slow to tell the hold's end from the page's second"
    );
    assert_eq!(status(&expired), "Expired: it was not confirmed in time.");
    assert!(!expired.text.contains("Your seat is held until"));
    assert!(!expired.text.contains("/confirm\""));
}

#[tokio::test]
async fn an_erased_registration_is_gone_at_once_here_and_within_a_second_elsewhere() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "weg"})).await;
    let second = spawn_second_instance(&app).await;
    let ada = registered(&app, "weg", "Ada", "en").await;
    let bob = registered(&app, "weg", "Bob", "en").await;
    let ada_page = format!("/registrations/{ada}");
    let bob_page = format!("/registrations/{bob}");
    for path in [&ada_page, &bob_page] {
        page(&app, path).await.assert_status(200);
        page(&app, path).await.assert_status(200);
    }

    // On the page, through this instance.
    let erased = press(&app, &app.url(&format!("{ada_page}/erase"))).await;
    erased.assert_status(303);
    let gone = page(&app, &ada_page).await;
    gone.assert_status(404);
    assert!(!gone.text.contains("Ada"));
    page(&app, &ada_page).await.assert_status(404);

    // Through the API of the other instance.
    let deleted = app
        .client
        .delete(format!("{second}/api/v1/registrations/{bob}"))
        .send()
        .await
        .expect("request sent");
    assert!(deleted.status().is_success(), "{}", deleted.status());
    until(&app, &bob_page, "the erasure", |answer| {
        answer.status == 404
    })
    .await;
}

#[tokio::test]
async fn an_unknown_token_is_a_404_page_every_time() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "nie"})).await;
    let ada = registered(&app, "nie", "Ada", "en").await;
    let mut forged = ada.into_bytes();
    forged[10] = if forged[10] == b'A' { b'B' } else { b'A' };
    let path = format!("/registrations/{}", String::from_utf8(forged).unwrap());
    for _ in 0..3 {
        let answer = page(&app, &path).await;
        answer.assert_status(404);
        assert!(answer.text.to_lowercase().starts_with("<!doctype html>"));
    }
}
