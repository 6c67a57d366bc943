//! The backoffice's announcements and badges pages (issue 28) over HTTP as a browser uses
//! them: write, preview (the number of people and both mails), a test to oneself, send after a
//! confirmation (once, even when the final form is sent twice), the history with its counts;
//! bad input kept with errors at the fields; the badges page and its PDF in both layouts; the
//! role guard and the cross-site check.
use reqwest::{header, Method};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use crate::helpers::{registration_body, spawn_app, Answer, TestApp};

/// A form `POST` (or a `GET`) to `path` with the cookie and extra headers.
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    cookie: &str,
    headers: &[(&str, &str)],
    form: &[(&str, &str)],
) -> Answer {
    let mut request = app
        .client
        .request(method.clone(), app.url(path))
        .header(header::COOKIE, cookie);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if method == Method::POST {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        request = request
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body);
    }
    Answer::read(request.send().await.expect("request sent")).await
}

/// A signed-in member: the cookie and the form token of the session.
struct Member {
    cookie: String,
    token: String,
}

impl Member {
    async fn sign_in(app: &TestApp, token: &str) -> Self {
        let answer = app
            .client
            .post(app.url("/orga/sign-in"))
            .header("origin", &app.address)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(format!("token={token}"))
            .send()
            .await
            .expect("sent");
        assert_eq!(answer.status().as_u16(), 303);
        let cookie = answer
            .headers()
            .get("set-cookie")
            .expect("a cookie")
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let page = send(app, Method::GET, "/orga/", &cookie, &[], &[]).await;
        page.assert_status(200);
        let token = field_value(&page.text, "form_token");
        Self { cookie, token }
    }

    async fn get(&self, app: &TestApp, path: &str) -> Answer {
        send(app, Method::GET, path, &self.cookie, &[], &[]).await
    }

    /// A form sent from podium's own page, with the session's form token.
    async fn post(&self, app: &TestApp, path: &str, form: &[(&str, &str)]) -> Answer {
        let mut form = form.to_vec();
        form.push(("form_token", &self.token));
        send(
            app,
            Method::POST,
            path,
            &self.cookie,
            &[("origin", &app.address), ("sec-fetch-site", "same-origin")],
            &form,
        )
        .await
    }
}

/// The `value` of the input named `name` in `page`.
fn field_value(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\"");
    let at = page
        .find(&marker)
        .unwrap_or_else(|| panic!("{name} in {page}"));
    let rest = &page[at..];
    let value = rest.find("value=\"").expect("a value") + 7;
    rest[value..].split('"').next().unwrap().to_owned()
}

/// A member with `role` on `events` (slugs; empty: all) and their session; their address is
/// `{role}@example.org`.
async fn member(app: &TestApp, role: &str, events: &[&str]) -> Member {
    let answer = app
        .post_admin(
            "/api/v1/organisers",
            &json!({"name": format!("{role} member"), "email": format!("{role}@example.org"),
                "role": role, "events": events}),
        )
        .await;
    answer.assert_status(201);
    Member::sign_in(app, answer.json["token"].as_str().unwrap()).await
}

/// An event `fest` (3 seats) with Ada (en), Bernd (de) and Petra (de, also an accepted
/// presenter) confirmed and Cleo waitlisted.
async fn event_with_people(app: &TestApp) {
    app.published_event(json!({"slug": "fest", "capacity": 3}))
        .await;
    for (name, email, lang) in [
        ("Ada", "ada@example.org", "en"),
        ("Bernd", "bernd@example.org", "de"),
        ("Petra Presenter", "Petra@Faserwerk.example", "de"),
        ("Cleo", "cleo@example.org", "en"),
    ] {
        let mut body = registration_body(name, email);
        body["language"] = json!(lang);
        app.register("fest", &body).await.assert_status(201);
    }
    app.accepted_pitch("fest", json!({})).await;
}

/// The announcement form's fields, `changes` replacing some.
fn message<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("audience", "confirmed"),
        ("subject_de", "Raumänderung"),
        ("subject_en", "Room change"),
        ("text_de", "Wir tagen im Saal B.\r\n\r\nBis morgen!"),
        ("text_en", "We meet in hall B.\r\n\r\nSee you tomorrow!"),
    ];
    for (name, value) in changes {
        match form.iter_mut().find(|(n, _)| n == name) {
            Some(field) => field.1 = value,
            None => form.push((name, value)),
        }
    }
    form
}

/// Mails of `kind` in the outbox.
async fn queued(app: &TestApp, kind: &str) -> u64 {
    entity::outbox::Entity::find()
        .filter(entity::outbox::Column::Kind.eq(kind))
        .count(&app.db)
        .await
        .unwrap()
}

/// The mails the SMTP server received whose subject starts with "Raumänderung" or "Room
/// change", once there are `n` (10 s at most).
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

#[tokio::test]
async fn an_organiser_previews_tests_confirms_and_sends_once_and_the_history_counts() {
    let app = spawn_app().await;
    event_with_people(&app).await;
    let orga = member(&app, "organiser", &["fest"]).await;
    let event = orga.get(&app, "/orga/events/fest").await;
    assert!(event
        .text
        .contains("/orga/events/fest/announcements?lang=en"));
    assert!(event.text.contains("/orga/events/fest/badges?lang=en"));
    let history = orga.get(&app, "/orga/events/fest/announcements").await;
    history.assert_status(200);
    assert!(history.text.contains("No announcement has been sent"));
    let blank = orga.get(&app, "/orga/events/fest/announcements/new").await;
    blank.assert_status(200);
    assert!(blank.text.contains(r#"value="confirmed" checked"#));

    // Preview: the number of people, both mails; nothing is sent.
    let preview = orga
        .post(
            &app,
            "/orga/events/fest/announcements/new",
            &message(&[("action", "preview")]),
        )
        .await;
    preview.assert_status(200);
    assert!(preview.text.contains("This mail goes to 3 people."));
    assert!(preview.text.contains("Raumänderung – Jahrestagung 2027"));
    assert!(preview.text.contains("Room change – Jahrestagung 2027"));
    assert!(preview.text.contains("Wir tagen im Saal B."));
    assert!(preview.text.contains("See you tomorrow!"));
    assert!(
        preview.text.contains(r#"value="Raumänderung""#),
        "the form is kept"
    );
    let everyone = orga
        .post(
            &app,
            "/orga/events/fest/announcements/new",
            &message(&[("action", "preview"), ("audience", "everyone")]),
        )
        .await;
    assert!(everyone.text.contains("This mail goes to 4 people."));

    // A test: both languages to the member's own address, nobody else.
    let test = orga
        .post(
            &app,
            "/orga/events/fest/announcements/new",
            &message(&[("action", "test")]),
        )
        .await;
    test.assert_status(200);
    assert!(test
        .text
        .contains("A test in German and one in English went to organiser@example.org."));
    let mine = announced(&app, 2).await;
    assert_eq!(mine.len(), 2);
    assert!(mine.iter().all(|m| m.to == ["organiser@example.org"]));
    assert!(
        mine.iter().all(|m| m.subject().starts_with("[Test] ")),
        "a test mail says so"
    );
    assert_eq!(queued(&app, "announcement").await, 0);

    // Send…: the confirmation counts the people and carries a one-time key.
    let confirm = orga
        .post(
            &app,
            "/orga/events/fest/announcements/new",
            &message(&[("action", "review")]),
        )
        .await;
    confirm.assert_status(200);
    assert!(confirm.text.contains("3 people will get this mail."));
    assert!(confirm.text.contains("Raumänderung"));
    assert_eq!(queued(&app, "announcement").await, 0);
    let key = field_value(&confirm.text, "send_key");
    let final_form = message(&[("send_key", &key)]);
    for _ in 0..2 {
        let sent = orga
            .post(&app, "/orga/events/fest/announcements", &final_form)
            .await;
        sent.assert_status(303);
        assert_eq!(
            sent.header("location"),
            Some("/orga/events/fest/announcements?lang=en&done=sent")
        );
    }
    assert_eq!(queued(&app, "announcement").await, 3, "sent once");
    let mails = announced(&app, 5).await;
    let mut to: Vec<_> = mails
        .iter()
        .flat_map(|m| m.to.clone())
        .filter(|a| a != "organiser@example.org")
        .collect();
    to.sort();
    assert_eq!(
        to,
        [
            "Petra@Faserwerk.example",
            "ada@example.org",
            "bernd@example.org"
        ]
    );

    // The history: one announcement, its counts once the mails are out.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let page = loop {
        let page = orga
            .get(&app, "/orga/events/fest/announcements?lang=en&done=sent")
            .await;
        page.assert_status(200);
        if page.text.contains("<dt>Delivered</dt><dd>3</dd>")
            || std::time::Instant::now() > deadline
        {
            break page;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(page.text.contains("The announcement is on its way."));
    assert!(page.text.contains("<h2>Room change</h2>"));
    assert!(page.text.contains("Raumänderung"));
    assert!(page.text.contains("<dt>People</dt><dd>3</dd>"));
    assert!(
        page.text.contains("<dt>Delivered</dt><dd>3</dd>"),
        "{}",
        page.text
    );
    assert!(page.text.contains("<dt>Failed</dt><dd>0</dd>"));
    assert!(page.text.contains("<dt>Waiting to be sent</dt><dd>0</dd>"));
    let api = app.get_admin("/api/v1/events/fest/announcements").await;
    assert_eq!(api.json.as_array().unwrap().len(), 1);

    // A new confirmation (a new key) sends again: that is a second announcement.
    let again = orga
        .post(
            &app,
            "/orga/events/fest/announcements/new",
            &message(&[("action", "review")]),
        )
        .await;
    let key = field_value(&again.text, "send_key");
    orga.post(
        &app,
        "/orga/events/fest/announcements",
        &message(&[("send_key", &key)]),
    )
    .await
    .assert_status(303);
    assert_eq!(queued(&app, "announcement").await, 6);
}

#[tokio::test]
async fn bad_input_comes_back_with_errors_at_the_fields_the_values_kept_and_nothing_sent() {
    let app = spawn_app().await;
    event_with_people(&app).await;
    let admin = Member::sign_in(&app, &app.admin_token).await;
    let bad = message(&[
        ("subject_de", "  "),
        ("subject_en", "Room\u{7} change"),
        ("audience", "vips"),
        ("text_de", ""),
        ("text_en", "Kept as typed"),
    ]);
    for action in ["preview", "test", "review"] {
        let mut form = bad.clone();
        form.push(("action", action));
        let page = admin
            .post(&app, "/orga/events/fest/announcements/new?lang=en", &form)
            .await;
        page.assert_status(422);
        for field in ["subject_de", "subject_en", "text_de"] {
            assert!(
                page.text.contains(&format!(
                    r#"aria-invalid="true" aria-describedby="{field}-error""#
                )) || page
                    .text
                    .contains(&format!(r#"aria-describedby="{field}-hint {field}-error""#)),
                "{field} is marked"
            );
        }
        assert!(page.text.contains(r#"id="audience-error""#));
        assert!(page.text.contains("Choose who gets the announcement."));
        assert!(page.text.contains("Enter a subject: one line"));
        assert!(page.text.contains(">Kept as typed</textarea>"));
    }
    // The final form with bad values, or without its one-time key, sends nothing either.
    let mut form = bad.clone();
    form.push(("send_key", "k-1"));
    admin
        .post(&app, "/orga/events/fest/announcements", &form)
        .await
        .assert_status(422);
    admin
        .post(&app, "/orga/events/fest/announcements", &message(&[]))
        .await
        .assert_status(422);
    // German errors on a German page.
    let mut form = bad.clone();
    form.push(("action", "preview"));
    let page = admin
        .post(&app, "/orga/events/fest/announcements/new?lang=de", &form)
        .await;
    page.assert_status(422);
    assert!(page
        .text
        .contains("Wählen Sie, wer die Ankündigung bekommt."));
    assert_eq!(queued(&app, "announcement").await, 0);
    assert_eq!(queued(&app, "announcement_test").await, 0);
    let api = app.get_admin("/api/v1/events/fest/announcements").await;
    assert_eq!(api.json, json!([]));
}

#[tokio::test]
async fn the_badges_page_counts_the_badges_and_downloads_a_pdf_in_both_layouts() {
    let app = spawn_app().await;
    event_with_people(&app).await;
    let orga = member(&app, "organiser", &["fest"]).await;
    let page = orga.get(&app, "/orga/events/fest/badges").await;
    page.assert_status(200);
    assert!(page
        .text
        .contains("3 badges will print: one for each confirmed attendee."));
    assert!(page
        .text
        .contains(r#"action="/orga/events/fest/badges.pdf""#));
    assert!(page.text.contains(r#"value="a6" checked"#));
    assert!(page.text.contains(r#"value="en" checked"#));
    let german = orga.get(&app, "/orga/events/fest/badges?lang=de").await;
    assert!(german.text.contains("3 Namensschilder werden gedruckt"));
    assert!(german.text.contains(r#"value="de" checked"#));
    for layout in ["a6", "labels"] {
        let pdf = orga
            .get(
                &app,
                &format!("/orga/events/fest/badges.pdf?lang=en&layout={layout}&sort=organisation&names=de"),
            )
            .await;
        pdf.assert_status(200);
        assert_eq!(pdf.header("content-type"), Some("application/pdf"));
        assert_eq!(
            pdf.header("content-disposition"),
            Some(r#"attachment; filename="fest-badges.pdf""#)
        );
        assert!(pdf.text.starts_with("%PDF"), "{layout} is a PDF");
    }
    let refused = orga
        .get(&app, "/orga/events/fest/badges.pdf?layout=a3&sort=name")
        .await;
    refused.assert_status(422);
    assert!(refused.text.contains("Choose one of these."));
    assert!(refused.text.contains(r#"value="name" checked"#));
}

#[tokio::test]
async fn door_reviewer_and_an_organiser_of_another_event_get_403_and_send_nothing() {
    let app = spawn_app().await;
    event_with_people(&app).await;
    app.create_event(json!({"slug": "other"})).await;
    let door = member(&app, "door", &["fest"]).await;
    let reviewer = member(&app, "reviewer", &[]).await;
    let elsewhere = member(&app, "organiser", &["other"]).await;
    let gets = [
        "/orga/events/fest/announcements",
        "/orga/events/fest/announcements/new",
        "/orga/events/fest/badges",
        "/orga/events/fest/badges.pdf",
        "/orga/events/unknown/announcements",
        "/orga/events/unknown/badges",
    ];
    for who in [&door, &reviewer, &elsewhere] {
        for path in gets {
            let page = who.get(&app, path).await;
            page.assert_status(403);
            assert!(page.text.contains("Your role does not allow this page."));
        }
        for action in ["preview", "test", "review"] {
            who.post(
                &app,
                "/orga/events/fest/announcements/new",
                &message(&[("action", action)]),
            )
            .await
            .assert_status(403);
        }
        who.post(
            &app,
            "/orga/events/fest/announcements",
            &message(&[("send_key", "k-1")]),
        )
        .await
        .assert_status(403);
    }
    elsewhere
        .get(&app, "/orga/events/other/announcements")
        .await
        .assert_status(200);
    let admin = Member::sign_in(&app, &app.admin_token).await;
    admin
        .get(&app, "/orga/events/fest/announcements")
        .await
        .assert_status(200);
    admin
        .get(&app, "/orga/events/unknown/announcements")
        .await
        .assert_status(404);
    assert_eq!(queued(&app, "announcement").await, 0);
    assert_eq!(queued(&app, "announcement_test").await, 0);
}

#[tokio::test]
async fn announcement_forms_posted_from_another_site_or_without_the_form_token_send_nothing() {
    let app = spawn_app().await;
    event_with_people(&app).await;
    let admin = Member::sign_in(&app, &app.admin_token).await;
    for headers in [
        vec![
            ("origin", "https://evil.example"),
            ("sec-fetch-site", "cross-site"),
        ],
        vec![("origin", "https://evil.example")],
        vec![("sec-fetch-site", "cross-site")],
    ] {
        for (path, extra) in [
            ("/orga/events/fest/announcements/new", ("action", "test")),
            ("/orga/events/fest/announcements", ("send_key", "k-1")),
        ] {
            let mut form = message(&[extra]);
            form.push(("form_token", &admin.token));
            let answer = send(&app, Method::POST, path, &admin.cookie, &headers, &form).await;
            answer.assert_status(403);
            assert!(answer.text.contains("was not sent from podium"));
        }
    }
    for (path, extra) in [
        ("/orga/events/fest/announcements/new", ("action", "test")),
        ("/orga/events/fest/announcements", ("send_key", "k-1")),
    ] {
        let answer = send(
            &app,
            Method::POST,
            path,
            &admin.cookie,
            &[("origin", &app.address)],
            &message(&[extra]),
        )
        .await;
        answer.assert_status(403);
    }
    assert_eq!(queued(&app, "announcement").await, 0);
    assert_eq!(queued(&app, "announcement_test").await, 0);
}
