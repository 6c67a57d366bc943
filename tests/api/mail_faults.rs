//! Issue 30, round 3, on mail: no secret and no erased person at rest (item 2), mail exactly
//! once where the server allows it (item 4: a killed process), and mail that behaves like good
//! automatic mail (item 7). Each fault's input and its right value, on both databases.
use std::time::{Duration, Instant};

use entity::outbox;
use podium::domain::{
    check_in_code,
    token::{self, Kind},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{registration_body, spawn_app_with, TestApp};
use crate::smtp_server::ReceivedMail;

fn s(v: &Value) -> &str {
    v.as_str().expect("a string")
}

const FROM: &str = "Tagungsbüro <tagung@jena.example>";

async fn app() -> TestApp {
    spawn_app_with(|s| s.mail_from = FROM.to_owned()).await
}

/// Every outbox row, every column, as one text (what a dump shows).
async fn dump(app: &TestApp) -> String {
    let rows = outbox::Entity::find().all(&app.db).await.unwrap();
    serde_json::to_string(&rows).unwrap()
}

/// Waits until `pred` holds for the received mail (10 s at most); what arrived.
async fn wait_mail(app: &TestApp, pred: impl Fn(&[ReceivedMail]) -> bool) -> Vec<ReceivedMail> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mails = app.smtp.messages();
        if pred(&mails) || Instant::now() > deadline {
            return mails;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Waits until no mail is pending (10 s at most).
async fn outbox_settled(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let pending = outbox::Entity::find()
            .filter(outbox::Column::Status.eq(outbox::OutboxStatus::Pending))
            .all(&app.db)
            .await
            .unwrap();
        if pending.is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("mail still pending after 10 s");
}

fn announcement(subject: &str) -> Value {
    json!({
        "audience": "confirmed",
        "subject_de": subject,
        "subject_en": subject,
        "text_de": "Wir tagen im Saal B.",
        "text_en": "We meet in hall B.",
    })
}

async fn register(app: &TestApp, name: &str, email: &str) -> (Uuid, String) {
    let answer = app.register("fest", &registration_body(name, email)).await;
    answer.assert_status(201);
    (
        s(&answer.json["id"]).parse().unwrap(),
        s(&answer.json["manage_token"]).to_owned(),
    )
}

#[tokio::test]
async fn the_outbox_keeps_no_manage_link_and_no_check_in_code_and_the_mail_still_has_them() {
    let app = app().await;
    app.published_event(json!({"slug": "fest"})).await;
    let (id, tok) = register(&app, "Ada", "ada@example.org").await;
    let code = check_in_code::derive(id);
    assert_eq!(token::derive(Kind::Registration, id), tok);
    app.post_admin("/api/v1/events/fest/announcements", &announcement("Saal"))
        .await
        .assert_status(201);
    let mails = wait_mail(&app, |m| m.len() >= 2).await;
    assert_eq!(mails.len(), 2);
    outbox_settled(&app).await;
    // At rest: no token, no code, in any column of any row (the check-in column included).
    let dumped = dump(&app).await;
    assert!(!dumped.contains(&tok), "a manage token in the outbox");
    assert!(!dumped.contains(&code), "a check-in code in the outbox");
    let unsubscribe = podium::mail::unsubscribe::token(id);
    assert!(
        !dumped.contains(&unsubscribe),
        "an unsubscribe link in the outbox"
    );
    // As received: the working link, the code and its QR picture.
    let confirmation = &mails[0];
    let text = confirmation.text().unwrap();
    assert!(text.contains(&format!("/registrations/{tok}")), "{text}");
    assert!(text.contains(&code), "{text}");
    assert!(confirmation.mimetypes().contains(&"image/png".to_owned()));
    assert!(mails[1].text().unwrap().contains(&tok));
    let page = app.get(&format!("/registrations/{tok}")).await;
    page.assert_status(200);
}

#[tokio::test]
async fn an_announcement_claimed_for_a_person_erased_meanwhile_is_not_sent() {
    let app = app().await;
    app.published_event(json!({"slug": "fest"})).await;
    let mut tokens = Vec::new();
    for (name, email) in [
        ("Ada", "ada@example.org"),
        ("Bernd", "bernd@example.org"),
        ("Cleo", "cleo@example.org"),
    ] {
        tokens.push(register(&app, name, email).await.1);
    }
    wait_mail(&app, |m| m.len() >= 3).await;
    outbox_settled(&app).await;
    // A slow mail server: the worker claims the three announcements and sends one at a time.
    app.smtp.set_delay(Duration::from_millis(700));
    app.post_admin("/api/v1/events/fest/announcements", &announcement("Saal"))
        .await
        .assert_status(201);
    // Cleo's mail is claimed (it is last of the batch) …
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let claimed = outbox::Entity::find()
            .filter(outbox::Column::Kind.eq("announcement"))
            .filter(outbox::Column::Recipient.eq("cleo@example.org"))
            .filter(outbox::Column::LockedUntil.is_not_null())
            .one(&app.db)
            .await
            .unwrap();
        if claimed.is_some() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the announcement was not claimed"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // … and she is erased before it goes out.
    app.delete(&format!("/api/v1/registrations/{}", tokens[2]))
        .await
        .assert_status(204);
    // A mail queued now goes out after the batch that held Cleo's: once it arrived, her mail
    // would have been sent.
    register(&app, "Dora", "dora@example.org").await;
    let received = wait_mail(&app, |m| m.iter().any(|m| m.to == ["dora@example.org"])).await;
    outbox_settled(&app).await;
    assert_eq!(
        received.len(),
        6,
        "Ada's and Bernd's announcements, Dora's confirmation"
    );
    assert!(
        received
            .iter()
            .all(|m| m.subject() != "Saal – Jahrestagung 2027" || m.to != ["cleo@example.org"]),
        "an announcement reached a person erased before it was sent"
    );
    assert!(!dump(&app).await.contains("cleo@example.org"));
}

#[tokio::test]
async fn mail_is_automatic_threads_per_record_and_announcements_have_one_click_unsubscribe() {
    let app = app().await;
    app.published_event(json!({"slug": "fest"})).await;
    let (ada, _) = register(&app, "Ada", "ada@example.org").await;
    register(&app, "Bernd", "bernd@example.org").await;
    app.post_admin("/api/v1/events/fest/announcements", &announcement("Eins"))
        .await
        .assert_status(201);
    let mails = wait_mail(&app, |m| m.len() >= 4).await;
    let to_ada: Vec<_> = mails
        .iter()
        .filter(|m| m.to == ["ada@example.org"])
        .collect();
    assert_eq!(to_ada.len(), 2);
    let (confirmation, announced) = (to_ada[0], to_ada[1]);
    for m in &mails {
        // RFC 3834 §5: no vacation replies to the organiser.
        assert_eq!(
            m.header("Auto-Submitted").as_deref(),
            Some("auto-generated")
        );
        assert_eq!(m.header("X-Auto-Response-Suppress").as_deref(), Some("All"));
        let id = m.header("Message-ID").unwrap();
        assert!(id.ends_with("@jena.example>"), "{id}");
        let html = m.html().unwrap();
        assert!(html
            .contains(r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#));
        assert!(!html.contains("#777"));
    }
    // The first mail about the registration is the thread's root; later ones answer it.
    let root = format!("<{ada}@jena.example>");
    assert_eq!(confirmation.header("Message-ID"), Some(root.clone()));
    assert_eq!(confirmation.header("In-Reply-To"), None);
    assert_eq!(announced.header("In-Reply-To"), Some(root.clone()));
    assert_eq!(announced.header("References"), Some(root.clone()));
    assert_ne!(announced.header("Message-ID"), Some(root));
    assert_eq!(confirmation.header("List-Unsubscribe"), None);
    // RFC 8058 one-click.
    assert_eq!(
        announced.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    let link = announced.header("List-Unsubscribe").unwrap();
    let url = link
        .strip_prefix('<')
        .and_then(|l| l.strip_suffix('>'))
        .unwrap();
    assert!(url.starts_with(&app.address), "{url}");
    let path = &url[app.address.len()..];
    // A GET asks and changes nothing.
    let page = app.get(path).await;
    page.assert_status(200);
    assert!(page.text.contains(r#"method="post""#), "{}", page.text);
    app.post_admin("/api/v1/events/fest/announcements", &announcement("Zwei"))
        .await
        .assert_status(201);
    wait_mail(&app, |m| m.len() >= 6).await;
    outbox_settled(&app).await;
    // The one-click POST (no authentication but the link) leaves the announcements.
    let left = app
        .client
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(left.status(), 200);
    app.post_admin("/api/v1/events/fest/announcements", &announcement("Drei"))
        .await
        .assert_status(201);
    wait_mail(&app, |m| m.len() >= 7).await;
    outbox_settled(&app).await;
    let drei: Vec<_> = app
        .smtp
        .messages()
        .into_iter()
        .filter(|m| m.subject().starts_with("Drei"))
        .collect();
    assert_eq!(drei.len(), 1, "Bernd only");
    assert_eq!(drei[0].to, ["bernd@example.org"]);
    // A forged link opens nothing.
    app.get("/unsubscribe/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .await
        .assert_status(404);
}

#[tokio::test]
async fn a_slot_mail_names_a_pitch_titled_like_its_event_once() {
    let app = app().await;
    app.published_event(json!({"slug": "jt", "title": "Sommerfest 2027"}))
        .await;
    let stage = app.create_stage("jt", "Hauptbühne").await;
    let pitch = app
        .accepted_pitch("jt", json!({"title": "Sommerfest 2027"}))
        .await;
    let slot = app
        .slot(
            "jt",
            &stage,
            "2027-06-24T10:00:00+02:00",
            "2027-06-24T10:15:00+02:00",
        )
        .await;
    app.assign("jt", &slot, s(&pitch["id"]))
        .await
        .assert_status(200);
    app.release("jt", "").await;
    let mails = wait_mail(&app, |m| m.len() >= 3).await;
    let subjects: Vec<String> = mails.iter().map(|m| m.subject()).collect();
    assert!(
        subjects.contains(&"Your slot at Sommerfest 2027".to_owned())
            || subjects.contains(&"Ihr Programmplatz: Sommerfest 2027".to_owned()),
        "{subjects:?}"
    );
}

/// `n` mails without a record, queued straight into the outbox of `database_url`.
async fn queue_mails(database_url: &str, n: usize) {
    let db = podium::db::connect(database_url, 1).await.unwrap();
    let mails = (0..n)
        .map(|i| podium::mail::NewMail {
            kind: "announcement",
            event_id: None,
            recipient: format!("guest{i}@example.org"),
            recipient_name: format!("Guest {i}"),
            language: entity::registration::Language::En,
            content: podium::mail::Rendered {
                subject: format!("Burst {i}"),
                text: "Hello".to_owned(),
                html: "<p>Hello</p>".to_owned(),
                reply_to: None,
                check_in_code: None,
            },
            ics: None,
            record_id: None,
        })
        .collect();
    podium::mail::enqueue_many(&db, mails).await.unwrap();
    db.close().await.ok();
}

/// How often each Message-ID arrived.
fn copies(mails: &[ReceivedMail]) -> std::collections::HashMap<String, usize> {
    let mut seen = std::collections::HashMap::new();
    for m in mails {
        *seen.entry(m.header("Message-ID").unwrap()).or_insert(0) += 1;
    }
    seen
}

/// Item 4: SIGKILL mid-burst, then a restart. Before, the killed worker's claimed mails
/// waited out a 5-minute lease; now its claims run out within the send timeout and 10 s, and
/// only the one mail in flight (sent, its record lost with the process) may arrive twice.
#[tokio::test]
async fn after_a_sigkill_mid_burst_every_mail_arrives_soon_and_at_most_the_one_in_flight_twice() {
    let database = crate::helpers::fresh_database().await;
    let smtp = crate::smtp_server::TestSmtp::start();
    let env = [
        ("SMTP_URL", smtp.url()),
        ("PODIUM_MAIL_POLL_MS", "100".to_owned()),
        ("PODIUM_MAIL_SEND_TIMEOUT_MS", "2000".to_owned()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut first = crate::lifecycle::Served::start(&database.url, &env);
    smtp.set_delay(Duration::from_millis(30));
    const N: usize = 150;
    queue_mails(&database.url, N).await;
    let before = smtp.wait_for(30, Duration::from_secs(20)).await.len();
    assert!((30..N).contains(&before), "{before} mails before the kill");
    first.signal("KILL");
    first.wait(Duration::from_secs(10));
    let killed_at = Instant::now();
    let second = crate::lifecycle::Served::start(&database.url, &env);
    let deadline = killed_at + Duration::from_secs(60);
    let arrived = loop {
        let mails = smtp.messages();
        if copies(&mails).len() >= N || Instant::now() > deadline {
            break mails;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let took = killed_at.elapsed();
    let seen = copies(&arrived);
    assert_eq!(seen.len(), N, "every mail within a minute of the kill");
    let twice = seen.values().filter(|&&c| c > 1).count();
    assert!(seen.values().all(|&c| c <= 2), "{seen:?}");
    assert!(twice <= 1, "{twice} mails arrived twice");
    assert!(took < Duration::from_secs(30), "took {took:?}");
    drop(second);
}
