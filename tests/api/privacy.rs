//! Data protection and abuse (issue #12, and #13's undeliverable addresses): idempotency
//! scoped to callers and free of secrets, complete erasure, hashed manage tokens, one mailbox
//! one seat, no mail cannon. Each test runs on SQLite, or on PostgreSQL with
//! `TEST_DATABASE_URL`.
use std::time::Duration;

use entity::{idempotency_key, outbox, registration};
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::helpers::{exhibit_body, pitch_body, registration_body, spawn_app, spawn_app_with};
use crate::smtp_server::TestSmtp;

fn token_of(answer: &crate::helpers::Answer) -> String {
    answer.json["manage_token"]
        .as_str()
        .expect("manage_token")
        .to_owned()
}

async fn post_keyed(
    app: &crate::helpers::TestApp,
    path: &str,
    token: Option<&str>,
    key: &str,
    body: &Value,
) -> crate::helpers::Answer {
    let mut request = app
        .client
        .post(app.url(path))
        .header("Idempotency-Key", key)
        .json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    crate::helpers::Answer::read(request.send().await.expect("sent")).await
}

// ---------------------------------------------------------------------------------------------
// 1. Idempotency: authentication first, keys per caller, no secret stored
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn replaying_an_admins_organiser_creation_without_authorization_is_a_401() {
    let app = spawn_app().await;
    let body = json!({"name": "Neu", "email": "neu@example.org"});
    let first = post_keyed(
        &app,
        "/api/v1/organisers",
        Some(&app.admin_token),
        "k1",
        &body,
    )
    .await;
    first.assert_status(201);
    let replay = post_keyed(&app, "/api/v1/organisers", None, "k1", &body).await;
    replay.assert_problem(401);
    assert!(replay.header("idempotent-replayed").is_none());
    assert!(!replay.text.contains(first.json["token"].as_str().unwrap()));
}

#[tokio::test]
async fn a_second_organiser_reusing_a_rotation_key_rotates_their_own_token() {
    let app = spawn_app().await;
    let first = app.organiser_token().await;
    let second = {
        let answer = app
            .post_admin(
                "/api/v1/organisers",
                &json!({"name": "Zweite", "email": "zweite@example.org"}),
            )
            .await;
        answer.assert_status(201);
        answer.json["token"].as_str().unwrap().to_owned()
    };
    let rotated_first = post_keyed(
        &app,
        "/api/v1/organisers/me/rotate",
        Some(&first),
        "r",
        &json!({}),
    )
    .await;
    rotated_first.assert_status(200);
    let rotated_second = post_keyed(
        &app,
        "/api/v1/organisers/me/rotate",
        Some(&second),
        "r",
        &json!({}),
    )
    .await;
    rotated_second.assert_status(200);
    assert!(rotated_second.header("idempotent-replayed").is_none());
    let new_first = rotated_first.json["token"].as_str().unwrap();
    let new_second = rotated_second.json["token"].as_str().unwrap();
    assert_ne!(new_first, new_second);
    app.get_as("/api/v1/organisers/me", &second)
        .await
        .assert_problem(401);
    let me = app.get_as("/api/v1/organisers/me", new_second).await;
    me.assert_status(200);
    assert_eq!(me.json["name"], "Zweite");
    // Nothing with an organiser's token was kept.
    let keys = idempotency_key::Entity::find().all(&app.db).await.unwrap();
    assert!(keys.is_empty(), "{keys:?}");
}

#[tokio::test]
async fn stored_idempotent_answers_hold_no_manage_token_and_replays_still_carry_it() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    let body = registration_body("Erika Mustermann", "erika@example.org");
    let first = post_keyed(
        &app,
        "/api/v1/events/jt/registrations",
        None,
        "reg-1",
        &body,
    )
    .await;
    first.assert_status(201);
    let pitch = post_keyed(
        &app,
        "/api/v1/events/jt/pitches",
        None,
        "p-1",
        &pitch_body(json!({})),
    )
    .await;
    pitch.assert_status(201);
    let tokens = [token_of(&first), token_of(&pitch)];
    let stored = idempotency_key::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(stored.len(), 2);
    for row in &stored {
        for token in &tokens {
            assert!(!row.body.contains(token.as_str()), "{}", row.body);
            assert!(!row
                .location
                .clone()
                .unwrap_or_default()
                .contains(token.as_str()));
        }
    }
    let again = post_keyed(
        &app,
        "/api/v1/events/jt/registrations",
        None,
        "reg-1",
        &body,
    )
    .await;
    again.assert_status(201);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.json, first.json);
    assert_eq!(again.header("location"), first.header("location"));
}

// ---------------------------------------------------------------------------------------------
// 2, 3. Erasure removes every copy of the person in the event, and nobody else's mail
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn erasure_removes_replays_earlier_registrations_and_their_mail() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    let body = registration_body("Erika Mustermann", "erika@example.org");
    let first = post_keyed(
        &app,
        "/api/v1/events/jt/registrations",
        None,
        "reg-1",
        &body,
    )
    .await;
    first.assert_status(201);
    let first_token = token_of(&first);
    app.post(
        &format!("/api/v1/registrations/{first_token}/cancel"),
        &json!({}),
    )
    .await
    .assert_status(200);
    let second = app
        .register_person("jt", "Erika Mustermann", "Erika+neu@example.org")
        .await;
    second.assert_status(201);
    let second_token = token_of(&second);
    app.delete(&format!("/api/v1/registrations/{second_token}"))
        .await
        .assert_status(204);

    for token in [&first_token, &second_token] {
        app.get(&format!("/api/v1/registrations/{token}"))
            .await
            .assert_problem(404);
    }
    let left = registration::Entity::find()
        .filter(registration::Column::Name.contains("Erika"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(left, 0, "no registration keeps the name");
    let mail = outbox::Entity::find()
        .filter(outbox::Column::Recipient.contains("rika"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(mail, 0, "no mail keeps the address");
    assert_eq!(
        idempotency_key::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0
    );

    let replay = post_keyed(
        &app,
        "/api/v1/events/jt/registrations",
        None,
        "reg-1",
        &body,
    )
    .await;
    assert!(
        replay.header("idempotent-replayed").is_none(),
        "{}",
        replay.text
    );
    assert!(!replay.text.contains(&first_token));
}

#[tokio::test]
async fn an_organisers_erasure_also_takes_the_earlier_registrations_of_the_mailbox() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    let first = app.register_person("jt", "Ada", "ada@example.org").await;
    let token = token_of(&first);
    app.post(&format!("/api/v1/registrations/{token}/cancel"), &json!({}))
        .await
        .assert_status(200);
    let second = app.register_person("jt", "Ada", "ADA@example.org").await;
    second.assert_status(201);
    let id = second.json["id"].as_str().unwrap();
    app.delete_admin(&format!("/api/v1/events/jt/registrations/{id}"))
        .await
        .assert_status(204);
    app.get(&format!("/api/v1/registrations/{token}"))
        .await
        .assert_problem(404);
    let named = registration::Entity::find()
        .filter(registration::Column::Name.eq("Ada"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(named, 0);
}

#[tokio::test]
async fn erasing_a_registration_leaves_the_presenters_queued_mail_alone() {
    // SMTP is down: mail stays queued.
    let app = spawn_app_with(|s| {
        s.smtp_url = Some(format!("smtp://127.0.0.1:{}", TestSmtp::closed_port()).into());
    })
    .await;
    app.published_event(json!({"slug": "jt"})).await;
    let pitch = app
        .propose_pitch("jt", json!({"presenter_email": "petra@faserwerk.example"}))
        .await;
    let id = pitch["id"].as_str().unwrap();
    app.patch_admin(
        &format!("/api/v1/events/jt/pitches/{id}"),
        &json!({"status": "accepted"}),
    )
    .await
    .assert_status(200);
    let presenter_mail = || {
        outbox::Entity::find()
            .filter(outbox::Column::Recipient.eq("petra@faserwerk.example"))
            .filter(outbox::Column::Kind.starts_with("pitch_"))
            .count(&app.db)
    };
    assert_eq!(presenter_mail().await.unwrap(), 2);
    let stranger = app
        .register_person("jt", "Mallory", "petra@faserwerk.example")
        .await;
    stranger.assert_status(201);
    app.delete(&format!("/api/v1/registrations/{}", token_of(&stranger)))
        .await
        .assert_status(204);
    assert_eq!(presenter_mail().await.unwrap(), 2);
}

#[tokio::test]
async fn presenters_and_exhibitors_erase_themselves_and_organisers_erase_them() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    let pitch = app
        .post("/api/v1/events/jt/pitches", &pitch_body(json!({})))
        .await;
    pitch.assert_status(201);
    let token = token_of(&pitch);
    app.delete(&format!("/api/v1/pitches/{token}"))
        .await
        .assert_status(204);
    app.get(&format!("/api/v1/pitches/{token}"))
        .await
        .assert_problem(404);
    let exhibit = app
        .post("/api/v1/events/jt/exhibits", &exhibit_body(json!({})))
        .await;
    exhibit.assert_status(201);
    let exhibit_token = token_of(&exhibit);
    app.delete(&format!("/api/v1/exhibits/{exhibit_token}"))
        .await
        .assert_status(204);
    app.get(&format!("/api/v1/exhibits/{exhibit_token}"))
        .await
        .assert_problem(404);
    let other = app
        .post("/api/v1/events/jt/exhibits", &exhibit_body(json!({})))
        .await;
    let id = other.json["id"].as_str().unwrap();
    app.delete(&format!("/api/v1/events/jt/exhibits/{id}"))
        .await
        .assert_problem(401);
    app.delete_admin(&format!("/api/v1/events/jt/exhibits/{id}"))
        .await
        .assert_status(204);
    let proposed = app.propose_pitch("jt", json!({})).await;
    let pitch_id = proposed["id"].as_str().unwrap();
    app.delete_admin(&format!("/api/v1/events/jt/pitches/{pitch_id}"))
        .await
        .assert_status(204);
    let left = outbox::Entity::find()
        .filter(
            outbox::Column::Recipient.is_in(["petra@faserwerk.example", "erik@kreislauf.example"]),
        )
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(left, 0, "their mail went with them");
}

#[tokio::test]
async fn sent_mail_loses_its_text_after_the_retention_and_keeps_its_record() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    app.register_person("jt", "Erika", "erika@example.org")
        .await
        .assert_status(201);
    app.smtp.wait_for(1, Duration::from_secs(10)).await;
    let sent = || {
        outbox::Entity::find()
            .filter(outbox::Column::Recipient.eq("erika@example.org"))
            .one(&app.db)
    };
    for _ in 0..100 {
        if sent().await.unwrap().is_some_and(|m| m.sent_at.is_some()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let now = chrono::Utc::now();
    let kept = podium::services::maintenance::drop_sent_mail_text(
        &app.db,
        now - chrono::Duration::days(30),
    )
    .await
    .unwrap();
    assert_eq!(kept, 0, "mail younger than the retention keeps its text");
    let dropped = podium::services::maintenance::drop_sent_mail_text(
        &app.db,
        now + chrono::Duration::seconds(1),
    )
    .await
    .unwrap();
    assert_eq!(dropped, 1);
    let mail = sent().await.unwrap().unwrap();
    assert_eq!(mail.text_body, "");
    assert_eq!(mail.html_body, "");
    assert_eq!(mail.subject, "");
    assert_eq!(mail.recipient_name, "");
    assert!(mail.ics.is_none());
    assert_eq!(mail.kind, "registration_confirmed");
    assert!(mail.sent_at.is_some());
    let outbox = app.get_admin("/api/v1/admin/outbox").await;
    outbox.assert_status(200);
}

// ---------------------------------------------------------------------------------------------
// 4. Manage tokens only as hashes; later mails carry a working link
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn manage_tokens_are_stored_as_hashes_and_a_promotion_mail_carries_a_working_link() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt", "capacity": 1}))
        .await;
    let first = app
        .register_person("jt", "Erste", "erste@example.org")
        .await;
    let second = app
        .register_person("jt", "Zweite", "zweite@example.org")
        .await;
    assert_eq!(second.json["status"], "waitlisted");
    for answer in [&first, &second] {
        let token = token_of(answer);
        let row = registration::Entity::find_by_id(
            answer.json["id"]
                .as_str()
                .unwrap()
                .parse::<uuid::Uuid>()
                .unwrap(),
        )
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
        assert_eq!(
            row.manage_token_hash,
            hex::encode(Sha256::digest(token.as_bytes()))
        );
        assert!(!format!("{row:?}").contains(&token));
    }
    app.post(
        &format!("/api/v1/registrations/{}/cancel", token_of(&first)),
        &json!({}),
    )
    .await
    .assert_status(200);
    let promoted = loop_until_mail(&app, "zweite@example.org", "registration_promoted").await;
    let token = token_of(&second);
    assert!(
        promoted.contains(&token),
        "the promotion mail links the registration"
    );
    let own = app.get(&format!("/api/v1/registrations/{token}")).await;
    own.assert_status(200);
    assert_eq!(own.json["status"], "confirmed");
}

/// The text of the first mail of `kind` to `recipient` as received (the outbox keeps its
/// manage link as a placeholder: `mail::secrets`).
async fn loop_until_mail(app: &crate::helpers::TestApp, recipient: &str, kind: &str) -> String {
    for _ in 0..100 {
        let sent = outbox::Entity::find()
            .filter(outbox::Column::Recipient.eq(recipient))
            .filter(outbox::Column::Kind.eq(kind))
            .filter(outbox::Column::Status.eq(outbox::OutboxStatus::Sent))
            .one(&app.db)
            .await
            .unwrap();
        if let Some(mail) = sent {
            let received = app
                .mails_to(recipient)
                .into_iter()
                .find(|m| m.header("Message-ID").as_deref() == Some(mail.message_id.as_str()))
                .expect("the mail as received");
            return received.text().unwrap();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {kind} mail to {recipient}");
}

// ---------------------------------------------------------------------------------------------
// 5. One mailbox, one seat
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn thirty_four_spellings_of_one_mailbox_sent_at_once_take_one_seat() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt", "capacity": 50}))
        .await;
    let mut spellings: Vec<String> = (1..=28)
        .map(|n| format!("victim+{n}@example.org"))
        .collect();
    spellings.extend(
        [
            "victim@example.org",
            "VICTIM+x@EXAMPLE.org",
            "Victim@Example.Org",
            "ｖｉｃｔｉｍ@example.org",
            "ＶＩＣＴＩＭ+７@ｅｘａｍｐｌｅ.org",
            "victim@EXAMPLE.ORG",
        ]
        .map(str::to_owned),
    );
    assert_eq!(spellings.len(), 34);
    // Half without an Idempotency-Key, half with one (all through the registration desk).
    let keys: Vec<String> = (0..spellings.len()).map(|i| format!("key-{i}")).collect();
    let app = &app;
    let answers = futures_util::future::join_all(spellings.iter().zip(&keys).enumerate().map(
        |(i, (email, key))| async move {
            let body = registration_body("Mallory", email);
            if i % 2 == 0 {
                app.register("jt", &body).await
            } else {
                post_keyed(app, "/api/v1/events/jt/registrations", None, key, &body).await
            }
        },
    ))
    .await;
    let seats = answers.iter().filter(|a| a.status == 201).count();
    let refused = answers.iter().filter(|a| a.status == 409).count();
    assert_eq!(
        (seats, refused),
        (1, 33),
        "{:?}",
        answers.iter().map(|a| &a.text).collect::<Vec<_>>()
    );
    // A dot is part of the name outside Gmail: `v.ictim@` may be somebody else.
    app.register_person("jt", "V. Ictim", "v.ictim@example.org")
        .await
        .assert_status(201);
    // At Gmail dots are ignored, as Gmail documents.
    app.register_person("jt", "J", "j.doe@gmail.com")
        .await
        .assert_status(201);
    app.register_person("jt", "J", "jdoe+x@googlemail.com")
        .await
        .assert_problem(409);
}

#[tokio::test]
async fn one_name_composed_and_decomposed_registers_once() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    app.register_person("jt", "Jürgen", "jürgen.groß@beispiel.example")
        .await
        .assert_status(201);
    app.register_person("jt", "Jürgen", "ju\u{308}rgen.groß@beispiel.example")
        .await
        .assert_problem(409);
}

#[tokio::test]
async fn ten_holds_of_one_mailbox_cannot_fill_a_ten_seat_event() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt", "capacity": 10, "require_email_confirmation": true}))
        .await;
    let spellings: Vec<String> = (1..=10)
        .map(|n| format!("victim+{n}@example.org"))
        .collect();
    let answers = futures_util::future::join_all(
        spellings
            .iter()
            .map(|email| app.register_person("jt", "Mallory", email)),
    )
    .await;
    assert_eq!(answers.iter().filter(|a| a.status == 201).count(), 1);
    let event = app.event_admin("jt").await;
    assert_eq!(event["pending_count"], 1);
    let real = app.register_person("jt", "Real", "real@example.org").await;
    real.assert_status(201);
    assert_eq!(real.json["status"], "pending");
}

#[tokio::test]
async fn the_mailbox_limits_and_the_hold_expiry_are_set_per_event() {
    let app = spawn_app().await;
    let event = app
        .published_event(json!({
            "slug": "jt", "require_email_confirmation": true,
            "mailbox_registrations_max": 2, "mailbox_holds_max": 2, "hold_hours": 2
        }))
        .await;
    assert_eq!(event["hold_hours"], 2);
    let first = app.register_person("jt", "A", "team@example.org").await;
    first.assert_status(201);
    let expires: chrono::DateTime<chrono::Utc> = first.json["hold_expires_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let hours = (expires - chrono::Utc::now()).num_minutes();
    assert!((110..=120).contains(&hours), "{hours} minutes");
    app.register_person("jt", "B", "team+b@example.org")
        .await
        .assert_status(201);
    app.register_person("jt", "C", "team+c@example.org")
        .await
        .assert_problem(409);
    let bad = app
        .request(
            Method::PATCH,
            "/api/v1/events/jt",
            Some(&app.admin_token),
            Some(&json!({"hold_hours": 0, "mailbox_registrations_max": 101})),
        )
        .await;
    bad.assert_problem(422);
}

// ---------------------------------------------------------------------------------------------
// 6. The pitch and exhibit forms are no mail cannon
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn one_address_gets_at_most_five_proposals_and_no_attackers_subject() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    let mut statuses = Vec::new();
    for n in 0..8 {
        let body = pitch_body(json!({
            "title": "CLICK http://evil.example NOW",
            "presenter_email": format!("victim+{n}@example.org"),
        }));
        let answer = if n % 2 == 0 {
            app.post("/api/v1/events/jt/pitches", &body).await
        } else {
            let exhibit = exhibit_body(json!({
                "title": "CLICK http://evil.example NOW",
                "contact_email": format!("victim+{n}@example.org"),
            }));
            app.post("/api/v1/events/jt/exhibits", &exhibit).await
        };
        statuses.push(answer.status.as_u16());
    }
    assert_eq!(statuses, [201, 201, 201, 201, 201, 429, 429, 429]);
    let mails = app.smtp.wait_for(5, Duration::from_secs(10)).await;
    assert_eq!(mails.len(), 5);
    for mail in mails {
        assert!(!mail.subject().contains("evil"), "{}", mail.subject());
    }
    // Organisers are not limited.
    app.post_admin(
        "/api/v1/events/jt/pitches",
        &pitch_body(json!({"presenter_email": "victim@example.org"})),
    )
    .await
    .assert_status(201);
}

#[tokio::test]
async fn one_client_may_submit_only_so_many_pitches_and_exhibits_an_hour() {
    let app = spawn_app_with(|s| s.submission_limit = 3).await;
    app.published_event(json!({"slug": "jt"})).await;
    let mut statuses = Vec::new();
    for n in 0..4 {
        let body = pitch_body(json!({"presenter_email": format!("p{n}@example.org")}));
        statuses.push(
            app.post("/api/v1/events/jt/pitches", &body)
                .await
                .status
                .as_u16(),
        );
    }
    assert_eq!(statuses, [201, 201, 201, 429]);
    let exhibit = app
        .post("/api/v1/events/jt/exhibits", &exhibit_body(json!({})))
        .await;
    exhibit.assert_problem(429);
    assert!(exhibit.header("retry-after").is_some());
    // Registrations are not submissions.
    app.register_person("jt", "A", "a@example.org")
        .await
        .assert_status(201);
}

// ---------------------------------------------------------------------------------------------
// #12 item 8 (drafts) and #13 item 5 (addresses podium cannot deliver)
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn registering_for_a_draft_answers_like_an_unknown_event() {
    let app = spawn_app().await;
    app.create_event(json!({"slug": "entwurf"})).await;
    let draft = app.register_person("entwurf", "A", "a@example.org").await;
    let unknown = app
        .register_person("gibtsnicht", "A", "a@example.org")
        .await;
    draft.assert_problem(404);
    unknown.assert_problem(404);
    assert_eq!(draft.json["type"], unknown.json["type"]);
    assert_eq!(
        draft.json["detail"]
            .as_str()
            .unwrap()
            .replace("entwurf", "X"),
        unknown.json["detail"]
            .as_str()
            .unwrap()
            .replace("gibtsnicht", "X")
    );
}

#[tokio::test]
async fn addresses_podium_cannot_deliver_are_refused_at_the_door() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    let long_label = format!("x@{}.example", "a".repeat(64));
    for email in [
        "a..b@example.org",
        ".lead@example.org",
        "trail.@example.org",
        "x@-lead.example",
        long_label.as_str(),
    ] {
        let answer = app.register_person("jt", "A", email).await;
        answer.assert_problem(422);
        assert_eq!(answer.error_fields(), vec!["email"], "{email}");
        let pitch = app
            .post(
                "/api/v1/events/jt/pitches",
                &pitch_body(json!({"presenter_email": email})),
            )
            .await;
        pitch.assert_problem(422);
    }
    assert_eq!(app.event_admin("jt").await["confirmed_count"], 0);
}

#[tokio::test]
async fn an_idn_address_is_sent_in_its_punycode_form() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    let answer = app
        .register_person("jt", "Bücherwurm", "info@bücher.example")
        .await;
    answer.assert_status(201);
    assert_eq!(answer.json["email"], "info@xn--bcher-kva.example");
    let mails = app.smtp.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, vec!["info@xn--bcher-kva.example".to_owned()]);
    // Both spellings are one mailbox.
    app.register_person("jt", "Bücherwurm", "info@xn--bcher-kva.example")
        .await
        .assert_problem(409);
}

// ---------------------------------------------------------------------------------------------
// The migration: clear tokens of earlier versions become hashes and keep working
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_manage_token_stored_in_clear_before_the_upgrade_still_opens_its_registration() {
    use migration::MigratorTrait;
    use sea_orm::ConnectionTrait;

    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    let answer = app.register_person("jt", "Alt", "alt@example.org").await;
    answer.assert_status(201);
    let derived = token_of(&answer);
    // Back to the schema before the migration, with the token in clear as podium kept it then.
    let db = podium::db::connect(&app.database_url, 1).await.unwrap();
    let all = migration::Migrator::migrations();
    let position = all
        .iter()
        .position(|m| m.name() == "m20261130_500001_protect_personal_data")
        .unwrap();
    let steps = u32::try_from(all.len() - position).unwrap();
    migration::Migrator::down(&db, Some(steps)).await.unwrap();
    db.execute_unprepared("UPDATE registrations SET manage_token = 'legacy-token-0123456789'")
        .await
        .unwrap();
    migration::Migrator::up(&db, None).await.unwrap();
    let row = registration::Entity::find()
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        row.manage_token_hash,
        hex::encode(Sha256::digest(b"legacy-token-0123456789"))
    );
    assert_eq!(row.mailbox, "alt@example.org");
    db.close().await.unwrap();

    let restarted = crate::helpers::start_app_on(&app.database_url, &app.smtp.url()).await;
    for token in ["legacy-token-0123456789", derived.as_str()] {
        let own = app
            .client
            .get(format!("{restarted}/api/v1/registrations/{token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(own.status(), 200, "{token}");
    }
}

/// Every row of every table as text, lower-cased: a dump of the whole database, so a test
/// can say what it does not hold anywhere (SQLite: each column as text, blobs in hex; PostgreSQL: each
/// row as JSON).
async fn dump_everything(app: &crate::helpers::TestApp) -> String {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let backend = app.db.get_database_backend();
    let text = |sql: String| Statement::from_string(backend, sql);
    let names = |rows: Vec<sea_orm::QueryResult>| -> Vec<String> {
        rows.iter()
            .map(|r| r.try_get::<String>("", "name").expect("a name"))
            .collect()
    };
    let tables = names(
        app.db
            .query_all_raw(text(match backend {
                DbBackend::Postgres => {
                    "SELECT table_name::text AS name FROM information_schema.tables \
                    WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
                        .to_owned()
                }
                _ => "SELECT name FROM sqlite_master WHERE type = 'table' \
                    AND name NOT LIKE 'sqlite_%'"
                    .to_owned(),
            }))
            .await
            .expect("the tables"),
    );
    assert!(tables.len() >= 15, "{tables:?}");
    let mut dump = String::new();
    for table in tables {
        let sql = match backend {
            DbBackend::Postgres => {
                format!("SELECT row_to_json(t)::text AS dump FROM \"{table}\" t")
            }
            _ => {
                let columns = names(
                    app.db
                        .query_all_raw(text(format!(
                            "SELECT name FROM pragma_table_info('{table}')"
                        )))
                        .await
                        .expect("the columns"),
                );
                let joined = columns
                    .iter()
                    .map(|c| {
                        format!(
                            "CASE typeof(\"{c}\") WHEN 'blob' THEN hex(\"{c}\") \
                             ELSE COALESCE(CAST(\"{c}\" AS TEXT), '') END"
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" || char(31) || ");
                format!("SELECT {joined} AS dump FROM \"{table}\"")
            }
        };
        for row in app.db.query_all_raw(text(sql)).await.expect("the rows") {
            dump.push_str(&table);
            dump.push_str(": ");
            dump.push_str(&row.try_get::<String>("", "dump").expect("a row as text"));
            dump.push('\n');
        }
    }
    dump.to_lowercase()
}

/// Fails naming the table when `dump` holds any of `needles` (compared lower-cased).
fn assert_nowhere(dump: &str, needles: &[&str]) {
    for needle in needles {
        let needle = needle.to_lowercase();
        if let Some(line) = dump.lines().find(|l| l.contains(&needle)) {
            let table = line.split(':').next().unwrap_or_default();
            panic!("{needle:?} is still in the table {table}: {line}");
        }
    }
}

/// The manage token in a form's redirect to the attendee's page.
fn token_in(location: &str) -> String {
    location
        .split("/registrations/")
        .nth(1)
        .expect("a manage link")
        .split(['?', '#', '/'])
        .next()
        .expect("a token")
        .to_owned()
}

/// Registers `name <email>` through the event page's form (with its form key); the manage
/// token of the redirect.
async fn register_by_form(
    app: &crate::helpers::TestApp,
    slug: &str,
    name: &str,
    email: &str,
) -> String {
    let page = app.get(&format!("/events/{slug}")).await;
    page.assert_status(200);
    let start = page
        .text
        .find("name=\"form_key\" value=\"")
        .expect("a form key")
        + "name=\"form_key\" value=\"".len();
    let key = page.text[start..].split('"').next().unwrap().to_owned();
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("form_key", key.as_str()),
            ("name", name),
            ("email", email),
            ("organisation", "Quellhorst Optik"),
            ("sector", "science"),
            ("language", "en"),
            ("consent", "true"),
        ])
        .finish();
    let answer = crate::helpers::Answer::read(
        app.client
            .post(app.url(&format!("/events/{slug}/register")))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("request sent"),
    )
    .await;
    answer.assert_status(303);
    token_in(answer.header("location").expect("a redirect"))
}

const NAME: &str = "Zacharias Quellhorst";
const EMAIL: &str = "Zacharias.Quellhorst@Example.org";

#[tokio::test]
async fn after_erasure_no_table_holds_the_persons_address_name_or_manage_links() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "erase", "capacity": 5}))
        .await;
    let remarks = app
        .post_admin(
            "/api/v1/events/erase/questions",
            &json!({"kind": "long_text", "label_de": "Anmerkungen", "label_en": "Remarks"}),
        )
        .await;
    remarks.assert_status(201);
    let remarks = remarks.json["id"].as_str().unwrap().to_owned();
    // A page form registration (its key stores the redirect to the manage page), checked in
    // at the door, written to by an announcement, then cancelled with a key.
    let first = register_by_form(&app, "erase", NAME, EMAIL).await;
    let code = app
        .get(&format!("/api/v1/registrations/{first}"))
        .await
        .json["check_in_code"]
        .as_str()
        .expect("a check-in code")
        .to_owned();
    app.post_admin("/api/v1/events/erase/check-in", &json!({"code": code}))
        .await
        .assert_status(200);
    app.post_admin(
        "/api/v1/events/erase/announcements",
        &json!({"audience": "everyone", "subject_de": "Hinweis", "subject_en": "Note",
            "text_de": "Bis morgen.", "text_en": "See you tomorrow."}),
    )
    .await
    .assert_status(201);
    post_keyed(
        &app,
        &format!("/api/v1/registrations/{first}/cancel"),
        None,
        "cancel-1",
        &json!({}),
    )
    .await
    .assert_status(200);
    // Registered again through the API with a key and an answer that names them.
    let mut body = registration_body(NAME, EMAIL);
    body["answers"] = json!({ remarks.as_str(): "Zacharias Quellhorst needs a ramp" });
    let again = post_keyed(
        &app,
        "/api/v1/events/erase/registrations",
        None,
        "reg-2",
        &body,
    )
    .await;
    again.assert_status(201);
    let second = token_of(&again);
    app.mails(5).await;
    let before = dump_everything(&app).await;
    assert!(before.contains("quellhorst"), "the dump sees the person");

    app.delete(&format!("/api/v1/registrations/{second}"))
        .await
        .assert_status(204);
    let after = dump_everything(&app).await;
    assert_nowhere(
        &after,
        &[
            EMAIL,
            "zacharias.quellhorst",
            NAME,
            "Quellhorst",
            &first,
            &second,
        ],
    );
    // The anonymous rows stay for the counts.
    let stats = app.get_admin("/api/v1/events/erase/stats").await;
    assert_eq!(
        stats.json["registrations"]["cancelled"], 2,
        "{}",
        stats.json
    );
}

#[tokio::test]
async fn erasing_on_the_attendee_page_leaves_no_live_link_in_the_forms_stored_answer() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "erase", "capacity": 5}))
        .await;
    let token = register_by_form(&app, "erase", NAME, EMAIL).await;
    // Even before erasure, the form's stored answer holds no live link.
    let stored = idempotency_key::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert!(
        !stored[0]
            .location
            .clone()
            .unwrap_or_default()
            .contains(&token),
        "{:?}",
        stored[0].location
    );
    assert!(stored[0].record_id.is_some());
    let answer = crate::helpers::Answer::read(
        app.client
            .post(app.url(&format!("/registrations/{token}/erase")))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("")
            .send()
            .await
            .expect("request sent"),
    )
    .await;
    answer.assert_status(303);
    app.get(&format!("/api/v1/registrations/{token}"))
        .await
        .assert_problem(404);
    assert_nowhere(
        &dump_everything(&app).await,
        &[EMAIL, "zacharias.quellhorst", NAME, "Quellhorst", &token],
    );
}
