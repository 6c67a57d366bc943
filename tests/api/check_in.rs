//! QR check-in (issue 17): every confirmed registration has a check-in code, shown as a QR
//! code on the attendee's page; organisers check in by code, idempotently, and are refused
//! clearly for anyone not confirmed.
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

fn s(v: &Value) -> &str {
    v.as_str().expect("a string")
}

async fn scan(app: &TestApp, event: &str, code: &str) -> crate::helpers::Answer {
    app.post_admin(
        &format!("/api/v1/events/{event}/check-in"),
        &json!({ "code": code }),
    )
    .await
}

#[tokio::test]
async fn a_confirmed_attendee_is_checked_in_by_code_once_and_a_second_scan_says_when() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "door", "capacity": 10, "timezone": "Europe/Berlin"}))
        .await;
    let ada = app
        .register_person("door", "Ada Lovelace", "ada@example.org")
        .await;
    ada.assert_status(201);
    let code = s(&ada.json["check_in_code"]).to_owned();
    assert_eq!(code.len(), 39);
    assert_ne!(code, s(&ada.json["manage_token"]));
    // The code opens no attendee page: it is not a manage token.
    app.get(&format!("/api/v1/registrations/{code}"))
        .await
        .assert_problem(404);

    let first = scan(&app, "door", &code).await;
    first.assert_status(200);
    assert_eq!(first.json["result"], "checked_in");
    assert_eq!(first.json["attendee"]["name"], "Ada Lovelace");
    let at = s(&first.json["attendee"]["checked_in_at"]).to_owned();
    let message = s(&first.json["message"]).to_owned();
    assert!(message.starts_with("checked in at "), "{message}");

    // Typed in lower case with spaces, a second door: the first time stays.
    let typed: String = code
        .to_lowercase()
        .chars()
        .enumerate()
        .flat_map(|(i, c)| (i % 5 == 0 && i > 0).then_some(' ').into_iter().chain([c]))
        .collect();
    let second = scan(&app, "door", &typed).await;
    second.assert_status(200);
    assert_eq!(second.json["result"], "already_checked_in");
    assert_eq!(second.json["attendee"]["checked_in_at"], at.as_str());
    let hhmm = message.trim_start_matches("checked in at ");
    assert_eq!(
        second.json["message"],
        format!("already checked in at {hhmm}")
    );
    // The time is the event's (Berlin), not UTC.
    let utc = chrono::DateTime::parse_from_rfc3339(&at).unwrap();
    let berlin = utc
        .with_timezone(&chrono_tz::Europe::Berlin)
        .format("%H:%M")
        .to_string();
    assert_eq!(hhmm, berlin);

    let stats = app.get_admin("/api/v1/events/door/stats").await;
    assert_eq!(stats.json["checked_in"], 1);
}

#[tokio::test]
async fn waitlisted_and_cancelled_people_are_refused_with_a_409_that_says_why() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "door", "capacity": 1}))
        .await;
    let ada = app.register_person("door", "Ada", "ada@example.org").await;
    let bob = app.register_person("door", "Bob", "bob@example.org").await;
    assert_eq!(bob.json["status"], "waitlisted");
    // Only confirmed registrations carry a code; a code derived for Bob is still refused.
    assert_eq!(bob.json["check_in_code"], Value::Null);
    let bob_id = uuid::Uuid::parse_str(s(&bob.json["id"])).unwrap();
    let bob_code = podium::domain::check_in_code::derive(bob_id);
    let refused = scan(&app, "door", &bob_code).await;
    refused.assert_problem(409);
    assert!(s(&refused.json["detail"]).contains("Bob is on the waitlist"));

    let ada_code = s(&ada.json["check_in_code"]).to_owned();
    let token = s(&ada.json["manage_token"]).to_owned();
    app.post(&format!("/api/v1/registrations/{token}/cancel"), &json!({}))
        .await
        .assert_status(200);
    let refused = scan(&app, "door", &ada_code).await;
    refused.assert_problem(409);
    assert!(s(&refused.json["detail"]).contains("Ada has cancelled"));
    let list = app
        .get_admin("/api/v1/events/door/registrations?checked_in=true")
        .await;
    assert_eq!(list.json["total"], 0);
}

#[tokio::test]
async fn unknown_forged_and_other_events_codes_are_a_404_and_only_organisers_scan() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "door"})).await;
    app.published_event(json!({"slug": "other", "title": "Other"}))
        .await;
    let ada = app.register_person("other", "Ada", "ada@example.org").await;
    let code = s(&ada.json["check_in_code"]).to_owned();
    scan(&app, "door", &code).await.assert_problem(404);
    let mut forged = code.clone().into_bytes();
    forged[20] = if forged[20] == b'A' { b'B' } else { b'A' };
    scan(&app, "other", &String::from_utf8(forged).unwrap())
        .await
        .assert_problem(404);
    scan(&app, "other", "").await.assert_problem(404);
    scan(&app, "other", &"Ä".repeat(5000))
        .await
        .assert_problem(404);
    app.post("/api/v1/events/other/check-in", &json!({ "code": code }))
        .await
        .assert_problem(401);
    let missing = app
        .post_admin("/api/v1/events/other/check-in", &json!({ "kode": code }))
        .await;
    missing.assert_problem(422);
    assert_eq!(missing.error_fields(), ["code"]);
}

#[tokio::test]
async fn two_doors_scanning_one_code_at_once_check_in_once() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "door"})).await;
    let ada = app.register_person("door", "Ada", "ada@example.org").await;
    let code = s(&ada.json["check_in_code"]).to_owned();
    let scans = futures_util::future::join_all((0..8).map(|_| scan(&app, "door", &code))).await;
    let now: Vec<_> = scans
        .iter()
        .filter(|a| a.json["result"] == "checked_in")
        .collect();
    assert_eq!(now.len(), 1, "{scans:?}");
    let times: std::collections::HashSet<_> = scans
        .iter()
        .map(|a| a.json["attendee"]["checked_in_at"].clone())
        .collect();
    assert_eq!(times.len(), 1);
}

#[tokio::test]
async fn the_attendees_page_shows_the_check_in_code_as_a_qr_code_while_confirmed() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "door", "capacity": 1}))
        .await;
    let ada = app.register_person("door", "Ada", "ada@example.org").await;
    let page = app
        .get(s(&ada.json["manage_url"]).trim_start_matches(&app.address))
        .await;
    page.assert_status(200);
    let code = s(&ada.json["check_in_code"]);
    assert!(
        page.text.contains("src=\"data:image/svg+xml;base64,"),
        "{}",
        page.text
    );
    assert!(page.text.contains(&format!("<code>{code}</code>")));
    let bob = app.register_person("door", "Bob", "bob@example.org").await;
    let page = app
        .get(s(&bob.json["manage_url"]).trim_start_matches(&app.address))
        .await;
    assert!(!page.text.contains("data:image/svg+xml"));
}

#[tokio::test]
async fn checked_in_counts_the_confirmed_registrations_checked_in_as_the_status_shows() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "count", "capacity": 10}))
        .await;
    let register = |name: &'static str, email: &'static str| {
        let app = &app;
        async move {
            let answer = app.register_person("count", name, email).await;
            answer.assert_status(201);
            answer.json
        }
    };
    // Ada checks in, cancels, registers again and checks in again: one person at the door.
    let ada = register("Ada", "ada@example.org").await;
    scan(&app, "count", s(&ada["check_in_code"]))
        .await
        .assert_status(200);
    app.post(
        &format!("/api/v1/registrations/{}/cancel", s(&ada["manage_token"])),
        &json!({}),
    )
    .await
    .assert_status(200);
    let ada_again = register("Ada", "ada@example.org").await;
    scan(&app, "count", s(&ada_again["check_in_code"]))
        .await
        .assert_status(200);
    // Ben checks in and is erased: no one is left to count.
    let ben = register("Ben", "ben@example.org").await;
    scan(&app, "count", s(&ben["check_in_code"]))
        .await
        .assert_status(200);
    app.delete(&format!(
        "/api/v1/registrations/{}",
        s(&ben["manage_token"])
    ))
    .await
    .assert_status(204);
    // Cleo is confirmed and not checked in.
    register("Cleo", "cleo@example.org").await;

    let stats = app.get_admin("/api/v1/events/count/stats").await;
    stats.assert_status(200);
    assert_eq!(
        stats.json["registrations"]["confirmed"], 2,
        "{}",
        stats.json
    );
    assert_eq!(stats.json["checked_in"], 1, "{}", stats.json);
}

#[tokio::test]
async fn answer_counts_in_stats_are_of_confirmed_registrations_the_waiting_ones_apart() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "lunch", "capacity": 1}))
        .await;
    let question = app
        .post_admin(
            "/api/v1/events/lunch/questions",
            &json!({"kind": "yes_no", "label_de": "Mittagessen", "label_en": "Lunch"}),
        )
        .await;
    question.assert_status(201);
    let id = s(&question.json["id"]).to_owned();
    for (name, email) in [("Ada", "ada@example.org"), ("Ben", "ben@example.org")] {
        let mut body = crate::helpers::registration_body(name, email);
        body["answers"] = json!({ id.as_str(): true });
        app.register("lunch", &body).await.assert_status(201);
    }
    let stats = app.get_admin("/api/v1/events/lunch/stats").await;
    stats.assert_status(200);
    assert_eq!(stats.json["registrations"]["confirmed"], 1);
    assert_eq!(stats.json["registrations"]["waitlisted"], 1);
    let lunch = &stats.json["answers"][0];
    assert_eq!(lunch["counts"], json!({"yes": 1, "no": 0}), "{lunch}");
    assert_eq!(
        lunch["counts_waiting"],
        json!({"yes": 1, "no": 0}),
        "{lunch}"
    );
}
