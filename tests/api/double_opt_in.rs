//! Double opt-in guards every seat (issue 30, item 1): joining the waitlist confirms no
//! address, so a seat freed on a double opt-in event is offered as a new unconfirmed hold with
//! the confirmation mail (no check-in code, no badge, no calendar entry), and a hold that runs
//! out passes the seat to the next on the waitlist.
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

fn s(v: &Value) -> &str {
    v.as_str().expect("a string")
}

/// A double opt-in event `optin` with one seat: Ada holds it and confirms; Ben and Cleo join
/// the waitlist. Gives the three manage tokens.
async fn full_with_a_waitlist(app: &TestApp) -> [String; 3] {
    app.published_event(
        json!({"slug": "optin", "capacity": 1, "require_email_confirmation": true}),
    )
    .await;
    let mut tokens = Vec::new();
    for (name, email) in [
        ("Ada Erste", "ada@example.org"),
        ("Ben Zweiter", "ben@example.org"),
        ("Cleo Dritte", "cleo@example.org"),
    ] {
        let answer = app.register_person("optin", name, email).await;
        answer.assert_status(201);
        tokens.push(s(&answer.json["manage_token"]).to_owned());
    }
    app.post(
        &format!("/api/v1/registrations/{}/confirm", tokens[0]),
        &json!({}),
    )
    .await
    .assert_status(200);
    [tokens[0].clone(), tokens[1].clone(), tokens[2].clone()]
}

async fn registration(app: &TestApp, token: &str) -> Value {
    let answer = app.get(&format!("/api/v1/registrations/{token}")).await;
    answer.assert_status(200);
    answer.json
}

fn hold_end(r: &Value) -> DateTime<Utc> {
    s(&r["hold_expires_at"]).parse().expect("an RFC 3339 time")
}

/// The names on the event's badges (the confirmed attendees).
async fn badge_text(app: &TestApp) -> String {
    let response = app
        .client
        .get(app.url("/api/v1/events/optin/badges.pdf"))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .expect("request sent");
    assert_eq!(response.status().as_u16(), 200);
    let pdf = response.bytes().await.expect("a body");
    let doc = lopdf::Document::load_mem(&pdf).expect("the PDF parses");
    doc.get_pages()
        .keys()
        .map(|n| doc.extract_text(&[*n]).unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn a_seat_freed_on_a_double_opt_in_event_is_offered_as_a_hold_with_the_confirmation_mail() {
    let app = spawn_app().await;
    let [ada, ben, _] = full_with_a_waitlist(&app).await;
    // Ada and the three first mails (two waitlisted, one pending, one confirmed).
    app.mails(4).await;
    app.post(&format!("/api/v1/registrations/{ada}/cancel"), &json!({}))
        .await
        .assert_status(200);
    let offered = registration(&app, &ben).await;
    assert_eq!(offered["status"], "pending", "{offered}");
    assert!(offered["check_in_code"].is_null(), "{offered}");
    let end = hold_end(&offered);
    let expected = Utc::now() + Duration::hours(48);
    assert!(
        (end - expected).num_seconds().abs() < 120,
        "a fresh 48 h hold, not {end}"
    );
    let event = app.event_admin("optin").await;
    assert_eq!(event["confirmed_count"], 0);
    assert_eq!(event["pending_count"], 1);
    assert_eq!(event["waitlisted_count"], 1);
    // The opt-in mail with its confirm link, and nothing that lets Ben in.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let to_ben = loop {
        let to_ben = app.mails_to("ben@example.org");
        if to_ben.len() >= 2 || std::time::Instant::now() > deadline {
            break to_ben;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(to_ben.len(), 2);
    let offer = to_ben
        .iter()
        .find(|m| m.subject().starts_with("Please confirm your registration"))
        .expect("the confirmation mail");
    let text = offer.text().expect("a text part");
    assert!(
        text.contains(&format!("/registrations/{ben}/confirm")),
        "{text}"
    );
    assert!(text.contains("48 hours"), "{text}");
    assert!(!text.to_lowercase().contains("check-in code"), "{text}");
    assert!(
        to_ben
            .iter()
            .all(|m| !m.subject().starts_with("A seat is now yours")),
        "no promotion mail"
    );
    assert!(!badge_text(&app).await.contains("Ben"));
    // Confirming takes the seat, with a check-in code and a badge.
    let confirmed = app
        .post(&format!("/api/v1/registrations/{ben}/confirm"), &json!({}))
        .await;
    confirmed.assert_status(200);
    assert_eq!(confirmed.json["status"], "confirmed");
    assert!(registration(&app, &ben).await["check_in_code"].is_string());
    assert!(badge_text(&app).await.contains("Ben"));
}

#[tokio::test]
async fn an_offered_seat_not_confirmed_in_time_goes_to_the_next_on_the_waitlist() {
    let app = spawn_app().await;
    let [ada, ben, cleo] = full_with_a_waitlist(&app).await;
    app.post(&format!("/api/v1/registrations/{ada}/cancel"), &json!({}))
        .await
        .assert_status(200);
    assert_eq!(registration(&app, &ben).await["status"], "pending");
    assert_eq!(registration(&app, &cleo).await["status"], "waitlisted");
    // Ben's hold runs out: 49 hours later the sweep expires it and offers the seat to Cleo.
    let later = Utc::now() + Duration::hours(49);
    let expired = podium::services::registrations::expire_holds(&app.db, &app.address, later)
        .await
        .unwrap();
    assert_eq!(expired, 1);
    assert_eq!(registration(&app, &ben).await["status"], "expired");
    let cleo_now = registration(&app, &cleo).await;
    assert_eq!(cleo_now["status"], "pending", "{cleo_now}");
    assert!(cleo_now["check_in_code"].is_null());
    assert!(hold_end(&cleo_now) > Utc::now() + Duration::hours(47));
    let event = app.event_admin("optin").await;
    assert_eq!(event["confirmed_count"], 0);
    assert_eq!(event["pending_count"], 1);
    assert_eq!(event["waitlisted_count"], 0);
    // Ben's late confirmation is refused; Cleo's is taken.
    app.post(&format!("/api/v1/registrations/{ben}/confirm"), &json!({}))
        .await
        .assert_problem(409);
    let confirmed = app
        .post(&format!("/api/v1/registrations/{cleo}/confirm"), &json!({}))
        .await;
    confirmed.assert_status(200);
    assert_eq!(confirmed.json["status"], "confirmed");
}

#[tokio::test]
async fn without_double_opt_in_the_waitlist_moves_up_to_a_confirmed_seat_as_before() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "plain", "capacity": 1}))
        .await;
    let a = app.register_person("plain", "A", "a@example.org").await;
    let b = app.register_person("plain", "B", "b@example.org").await;
    assert_eq!(b.json["status"], "waitlisted");
    app.post(
        &format!(
            "/api/v1/registrations/{}/cancel",
            s(&a.json["manage_token"])
        ),
        &json!({}),
    )
    .await
    .assert_status(200);
    let moved = registration(&app, s(&b.json["manage_token"])).await;
    assert_eq!(moved["status"], "confirmed");
    assert!(moved["check_in_code"].is_string());
}
