//! Announcements (issue 17): preview and test send first; then one mail per person of the
//! audience, in their language with their own link, sent once even when the request repeats.
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};

use crate::helpers::{registration_body, spawn_app, TestApp};

fn s(v: &Value) -> &str {
    v.as_str().expect("a string")
}

fn message(audience: &str) -> Value {
    json!({
        "audience": audience,
        "subject_de": "Raumänderung",
        "subject_en": "Room change",
        "text_de": "Wir tagen im Saal B.\n\nBis morgen!",
        "text_en": "We meet in hall B.\n\nSee you tomorrow!",
    })
}

/// An event `fest` (2 seats) with Ada (en) and Bernd (de) confirmed, Cleo waitlisted, and
/// Petra an accepted presenter who also registered. Gives their manage tokens.
async fn event_with_people(app: &TestApp) -> Vec<String> {
    app.published_event(json!({"slug": "fest", "capacity": 3}))
        .await;
    let mut tokens = Vec::new();
    for (name, email, lang) in [
        ("Ada", "ada@example.org", "en"),
        ("Bernd", "bernd@example.org", "de"),
        ("Petra Presenter", "Petra@Faserwerk.example", "de"),
        ("Cleo", "cleo@example.org", "en"),
    ] {
        let mut body = registration_body(name, email);
        body["language"] = json!(lang);
        let answer = app.register("fest", &body).await;
        answer.assert_status(201);
        tokens.push(s(&answer.json["manage_token"]).to_owned());
    }
    app.accepted_pitch("fest", json!({})).await;
    tokens
}

/// The announcement mails the SMTP server received, once there are `n` (10 s at most).
async fn announced(app: &TestApp, n: usize) -> Vec<crate::smtp_server::ReceivedMail> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let found: Vec<_> = app
            .smtp
            .messages()
            .into_iter()
            .filter(|m| {
                let subject = m.subject();
                let subject = subject.strip_prefix("[Test] ").unwrap_or(&subject);
                subject.starts_with("Raumänderung") || subject.starts_with("Room change")
            })
            .collect();
        if found.len() >= n || std::time::Instant::now() > deadline {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn announcement_mails(app: &TestApp) -> u64 {
    entity::outbox::Entity::find()
        .filter(entity::outbox::Column::Kind.eq("announcement"))
        .count(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_preview_counts_the_audience_and_shows_both_languages_and_sends_nothing() {
    let app = spawn_app().await;
    event_with_people(&app).await;
    let preview = app
        .post_admin(
            "/api/v1/events/fest/announcements/preview",
            &message("confirmed"),
        )
        .await;
    preview.assert_status(200);
    assert_eq!(preview.json["recipients"], 3);
    assert_eq!(
        preview.json["de"]["subject"],
        "Raumänderung – Jahrestagung 2027"
    );
    assert!(s(&preview.json["en"]["text"]).contains("We meet in hall B."));
    assert!(s(&preview.json["en"]["html"]).contains("<p>See you tomorrow!</p>"));
    let everyone = app
        .post_admin(
            "/api/v1/events/fest/announcements/preview",
            &message("everyone"),
        )
        .await;
    // Petra registered and presents: one person, one mail.
    assert_eq!(everyone.json["recipients"], 4);
    let presenters = app
        .post_admin(
            "/api/v1/events/fest/announcements/preview",
            &message("presenters"),
        )
        .await;
    assert_eq!(presenters.json["recipients"], 1);
    assert_eq!(announcement_mails(&app).await, 0);
    assert_eq!(
        app.get_admin("/api/v1/events/fest/announcements")
            .await
            .json,
        json!([])
    );
}

#[tokio::test]
async fn a_test_send_goes_to_the_organiser_alone_in_both_languages() {
    let app = spawn_app().await;
    event_with_people(&app).await;
    let token = app.organiser_token().await;
    let answer = app
        .request(
            Method::POST,
            "/api/v1/events/fest/announcements/test",
            Some(&token),
            Some(&message("everyone")),
        )
        .await;
    answer.assert_status(202);
    assert_eq!(answer.json["sent_to"], "orga@example.org");
    let mine = announced(&app, 2).await;
    assert_eq!(mine.len(), 2);
    assert!(mine.iter().all(|m| m.to == ["orga@example.org"]));
    assert!(mine.iter().all(|m| m.subject().starts_with("[Test] ")));
    assert_eq!(announcement_mails(&app).await, 0);
}

#[tokio::test]
async fn an_announcement_reaches_each_person_once_in_their_language_with_their_link() {
    let app = spawn_app().await;
    let tokens = event_with_people(&app).await;
    let sent = app
        .post_admin("/api/v1/events/fest/announcements", &message("confirmed"))
        .await;
    sent.assert_status(201);
    assert_eq!(sent.json["recipients"], 3);
    let announced = announced(&app, 3).await;
    assert_eq!(announced.len(), 3);
    let ada = announced
        .iter()
        .find(|m| m.to == ["ada@example.org"])
        .unwrap();
    assert_eq!(ada.subject(), "Room change – Jahrestagung 2027");
    let text = ada.text().unwrap();
    assert!(text.contains("Hello Ada,"), "{text}");
    assert!(
        text.contains(&format!("/registrations/{}", tokens[0])),
        "{text}"
    );
    let bernd = announced
        .iter()
        .find(|m| m.to == ["bernd@example.org"])
        .unwrap();
    assert_eq!(bernd.subject(), "Raumänderung – Jahrestagung 2027");
    assert!(bernd
        .text()
        .unwrap()
        .contains(&format!("/registrations/{}", tokens[1])));
    assert!(
        announced.iter().all(|m| m.to != ["cleo@example.org"]),
        "waitlisted"
    );

    // The worker marks a mail sent just after the server took it: wait for the count.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let list = loop {
        let list = app.get_admin("/api/v1/events/fest/announcements").await;
        if list.json[0]["delivered"] == 3 || std::time::Instant::now() > deadline {
            break list;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    list.assert_status(200);
    assert_eq!(list.json[0]["recipients"], 3);
    assert_eq!(list.json[0]["audience"], "confirmed");
    assert_eq!(list.json[0]["delivered"], 3);
    assert_eq!(list.json[0]["failed"], 0);
}

#[tokio::test]
async fn a_repeated_request_with_its_idempotency_key_sends_nothing_again() {
    let app = spawn_app().await;
    event_with_people(&app).await;
    let send = |key: &'static str| {
        let app = &app;
        async move {
            let mut request = app
                .client
                .post(app.url("/api/v1/events/fest/announcements"))
                .bearer_auth(&app.admin_token)
                .json(&message("everyone"));
            request = request.header("Idempotency-Key", key);
            crate::helpers::Answer::read(request.send().await.unwrap()).await
        }
    };
    let first = send("room-change-1").await;
    first.assert_status(201);
    let again = send("room-change-1").await;
    // The first answer again, as every keyed POST replays it.
    again.assert_status(201);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.json["id"], first.json["id"]);
    // Concurrent repeats too.
    let racing = futures_util::future::join_all((0..4).map(|_| send("room-change-2"))).await;
    assert!(racing.iter().all(|a| a.status == 201 || a.status == 409));
    assert_eq!(announcement_mails(&app).await, 8);
    assert_eq!(
        app.get_admin("/api/v1/events/fest/announcements")
            .await
            .json
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn an_invalid_announcement_names_its_fields_and_only_organisers_send() {
    let app = spawn_app().await;
    event_with_people(&app).await;
    let answer = app
        .post_admin(
            "/api/v1/events/fest/announcements",
            &json!({"audience": "vips", "subject_de": "", "subject_en": "x\ny",
                "text_de": "ok", "text_en": ""}),
        )
        .await;
    answer.assert_problem(422);
    let mut fields = answer.error_fields();
    fields.sort();
    assert_eq!(fields, ["audience", "subject_de", "subject_en", "text_en"]);
    app.post("/api/v1/events/fest/announcements", &message("everyone"))
        .await
        .assert_problem(401);
    app.get("/api/v1/events/fest/announcements")
        .await
        .assert_problem(401);
    assert_eq!(announcement_mails(&app).await, 0);
}

#[tokio::test]
async fn erasing_a_person_removes_their_announcement_mail() {
    let app = spawn_app().await;
    let tokens = event_with_people(&app).await;
    app.post_admin("/api/v1/events/fest/announcements", &message("confirmed"))
        .await
        .assert_status(201);
    app.delete(&format!("/api/v1/registrations/{}", tokens[0]))
        .await
        .assert_status(204);
    let left = entity::outbox::Entity::find()
        .filter(entity::outbox::Column::Kind.eq("announcement"))
        .filter(entity::outbox::Column::Recipient.eq("ada@example.org"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

#[tokio::test]
async fn without_a_token_an_announcement_is_refused_401_before_its_idempotency_key_is_judged() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    for key in ["", "a key with an ü"] {
        let answer = crate::helpers::Answer::read(
            app.client
                .post(app.url("/api/v1/events/jt/announcements"))
                .header("Idempotency-Key", key)
                .json(&json!({"audience": "confirmed"}))
                .send()
                .await
                .expect("request"),
        )
        .await;
        answer.assert_problem(401);
    }
}

#[tokio::test]
async fn the_same_idempotency_key_with_another_message_is_a_422_and_sends_nothing() {
    let app = spawn_app().await;
    event_with_people(&app).await;
    let send = |body: Value| {
        let app = &app;
        async move {
            crate::helpers::Answer::read(
                app.client
                    .post(app.url("/api/v1/events/fest/announcements"))
                    .bearer_auth(&app.admin_token)
                    .header("Idempotency-Key", "weekly-note")
                    .json(&body)
                    .send()
                    .await
                    .expect("request sent"),
            )
            .await
        }
    };
    send(message("confirmed")).await.assert_status(201);
    let mut other = message("confirmed");
    other["text_en"] = json!("Lunch moves to 13:00.");
    let refused = send(other).await;
    refused.assert_problem(422);
    assert!(refused.text.contains("Idempotency-Key"), "{}", refused.text);
    // The same key for the same message, by the event's id instead of its slug: the replay.
    let event = app.event_admin("fest").await;
    let again = crate::helpers::Answer::read(
        app.client
            .post(app.url(&format!("/api/v1/events/{}/announcements", s(&event["id"]))))
            .bearer_auth(&app.admin_token)
            .header("Idempotency-Key", "weekly-note")
            .json(&message("confirmed"))
            .send()
            .await
            .expect("request sent"),
    )
    .await;
    again.assert_status(201);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    let list = app.get_admin("/api/v1/events/fest/announcements").await;
    assert_eq!(list.json.as_array().unwrap().len(), 1);
    assert_eq!(announcement_mails(&app).await, 3);
}

/// A double opt-in event `optin` (2 seats): Dora confirmed, Emil holding a seat without
/// confirming, Finn on the waitlist (never confirmed: joining it asks for nothing).
async fn optin_event_with_people(app: &TestApp) {
    app.published_event(
        json!({"slug": "optin", "capacity": 2, "require_email_confirmation": true}),
    )
    .await;
    for (name, email) in [
        ("Dora", "dora@example.org"),
        ("Emil", "emil@example.org"),
        ("Finn", "finn@example.org"),
    ] {
        let answer = app.register_person("optin", name, email).await;
        answer.assert_status(201);
        if name == "Dora" {
            app.post(
                &format!(
                    "/api/v1/registrations/{}/confirm",
                    s(&answer.json["manage_token"])
                ),
                &json!({}),
            )
            .await
            .assert_status(200);
        }
    }
}

#[tokio::test]
async fn announcements_reach_only_addresses_that_were_confirmed() {
    let app = spawn_app().await;
    optin_event_with_people(&app).await;
    for (audience, expected) in [
        ("everyone", 1),
        ("confirmed", 1),
        ("waitlisted", 0),
        ("checked_in", 0),
    ] {
        let preview = app
            .post_admin(
                "/api/v1/events/optin/announcements/preview",
                &message(audience),
            )
            .await;
        preview.assert_status(200);
        assert_eq!(preview.json["recipients"], expected, "{audience}");
    }
    for audience in ["everyone", "waitlisted"] {
        let sent = app
            .post_admin("/api/v1/events/optin/announcements", &message(audience))
            .await;
        sent.assert_status(201);
    }
    let list = app.get_admin("/api/v1/events/optin/announcements").await;
    let counts: Vec<i64> = list
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["recipients"].as_i64().unwrap())
        .collect();
    assert_eq!(counts, [0, 1]);
    let mails = announced(&app, 1).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, ["dora@example.org"]);
    let queued: Vec<String> = entity::outbox::Entity::find()
        .filter(entity::outbox::Column::Kind.eq("announcement"))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.recipient)
        .collect();
    assert_eq!(queued, ["dora@example.org"]);
}

#[tokio::test]
async fn without_double_opt_in_the_waitlist_is_still_an_audience() {
    let app = spawn_app().await;
    event_with_people(&app).await;
    let preview = app
        .post_admin(
            "/api/v1/events/fest/announcements/preview",
            &message("waitlisted"),
        )
        .await;
    preview.assert_status(200);
    assert_eq!(preview.json["recipients"], 1);
}
