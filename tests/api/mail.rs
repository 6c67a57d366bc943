//! Registration mail end to end: podium's outbox and worker against a real SMTP server.
use std::collections::HashSet;
use std::time::Duration;

use entity::outbox;
use podium::{db, domain::event::NewEvent, services::events};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use crate::helpers::{registration_body, spawn_app, spawn_app_with, start_app_on, TestApp};
use crate::smtp_server::{ReceivedMail, TestSmtp};

/// The iCalendar text with folded lines joined again.
fn unfold(ics: &str) -> String {
    ics.replace("\r\n ", "").replace("\r\n\t", "")
}

fn ics_of(mail: &ReceivedMail) -> String {
    unfold(&mail.ics().expect("an .ics attachment"))
}

async fn register(app: &TestApp, event: &str, name: &str, email: &str, lang: &str) -> Value {
    let mut body = registration_body(name, email);
    body["language"] = json!(lang);
    let a = app.register(event, &body).await;
    a.assert_status(201);
    a.json
}

#[tokio::test]
async fn the_english_confirmation_carries_the_manage_link_and_the_event_as_ics() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "fest"})).await;
    let reg = register(&app, "fest", "Jane Doe", "jane@example.org", "en").await;
    let mails = app.mails(1).await;
    let mail = &mails[0];
    assert_eq!(mail.to, ["jane@example.org"]);
    assert_eq!(mail.subject(), "Registration confirmed: Jahrestagung 2027");
    let text = mail.text().expect("a text part");
    let html = mail.html().expect("an HTML part");
    let manage = reg["manage_url"].as_str().unwrap();
    assert!(text.contains("Jane Doe"));
    assert!(text.contains(manage), "{text}");
    assert!(html.contains(manage));
    assert!(text.contains("Volkshaus Jena"));
    assert!(text.contains("Thursday, 24 June 2027"), "{text}");
    let ics = ics_of(mail);
    assert!(ics.contains("METHOD:REQUEST"), "{ics}");
    assert!(ics.contains("UID:registration-"), "{ics}");
    let vevent = ics.split("BEGIN:VEVENT").nth(1).expect("a VEVENT");
    let dtstart = vevent
        .lines()
        .find(|l| l.starts_with("DTSTART"))
        .expect("DTSTART");
    assert!(
        dtstart.ends_with("20270624T090000") && dtstart.contains("TZID=Europe/Berlin")
            || dtstart.ends_with("20270624T070000Z"),
        "{dtstart}"
    );
    assert!(ics.contains("SUMMARY:Jahrestagung 2027"));
    assert!(mail.header("Message-ID").is_some());
}

#[tokio::test]
async fn the_german_confirmation_is_in_german() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "fest"})).await;
    register(&app, "fest", "Jörg Müller", "joerg@example.org", "de").await;
    let mail = &app.mails(1).await[0];
    assert_eq!(mail.subject(), "Anmeldung bestätigt: Jahrestagung 2027");
    let text = mail.text().unwrap();
    assert!(text.contains("Jörg Müller"));
    assert!(text.contains("Donnerstag, 24. Juni 2027"), "{text}");
    assert!(mail.html().unwrap().contains("Anmeldung"));
    assert!(ics_of(mail).contains("METHOD:REQUEST"));
}

#[tokio::test]
async fn waitlisted_promoted_and_cancelled_attendees_are_told() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "small", "capacity": 1}))
        .await;
    let a = register(&app, "small", "Anna", "anna@example.org", "en").await;
    register(&app, "small", "Bert", "bert@example.org", "de").await;
    app.mails(2).await;
    let waiting = app.mails_to("bert@example.org");
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].subject(), "Warteliste: Jahrestagung 2027");
    assert!(waiting[0]
        .text()
        .unwrap()
        .contains("Ihr Platz auf der Warteliste"));
    assert!(waiting[0].ics().is_none());

    app.post(
        &format!(
            "/api/v1/registrations/{}/cancel",
            a["manage_token"].as_str().unwrap()
        ),
        &json!({}),
    )
    .await
    .assert_status(200);
    app.mails(4).await;
    let anna = app.mails_to("anna@example.org");
    assert_eq!(anna.len(), 2);
    let cancelled = anna
        .iter()
        .find(|m| m.subject().starts_with("Registration cancelled"))
        .expect("a cancellation mail");
    assert!(ics_of(cancelled).contains("METHOD:CANCEL"));
    let bert = app.mails_to("bert@example.org");
    let promoted = bert
        .iter()
        .find(|m| m.subject() == "Sie sind nachgerückt: Jahrestagung 2027")
        .expect("a promotion mail");
    assert!(ics_of(promoted).contains("METHOD:REQUEST"));
}

#[tokio::test]
async fn double_opt_in_mails_the_confirm_link_then_the_confirmation() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "optin", "require_email_confirmation": true}))
        .await;
    let reg = register(&app, "optin", "Jane", "jane@example.org", "en").await;
    let pending = &app.mails(1).await[0];
    assert!(pending
        .subject()
        .starts_with("Please confirm your registration"));
    let confirm = format!("{}/confirm", reg["manage_url"].as_str().unwrap());
    assert!(pending.text().unwrap().contains(&confirm));
    app.client
        .post(&confirm)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    let mails = app.mails(2).await;
    assert!(mails
        .iter()
        .any(|m| m.subject().starts_with("Registration confirmed") && m.ics().is_some()));
}

/// Every mail's Message-ID, asserting none arrived twice.
fn assert_each_once(mails: &[ReceivedMail]) {
    let ids: HashSet<String> = mails
        .iter()
        .map(|m| m.header("Message-ID").expect("a Message-ID"))
        .collect();
    assert_eq!(ids.len(), mails.len(), "a mail arrived twice");
}

async fn wait_for_attempts(db: &sea_orm::DatabaseConnection, n: usize) {
    for _ in 0..200 {
        let tried = outbox::Entity::find()
            .filter(outbox::Column::Attempts.gte(1))
            .all(db)
            .await
            .unwrap();
        if tried.len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the worker never tried to send");
}

#[tokio::test]
async fn with_the_mail_server_down_registrations_succeed_and_mail_arrives_later_once() {
    let port = TestSmtp::closed_port();
    let app =
        spawn_app_with(|s| s.smtp_url = Some(format!("smtp://127.0.0.1:{port}").into())).await;
    app.published_event(json!({"slug": "fest"})).await;
    for i in 0..3 {
        register(&app, "fest", "P", &format!("p{i}@example.org"), "en").await;
    }
    wait_for_attempts(&app.db, 3).await;
    let failing = app.get_admin("/api/v1/admin/outbox?status=pending").await;
    assert_eq!(failing.json["total"], 3);
    assert!(failing.json["items"][0]["last_error"].is_string());

    let smtp = TestSmtp::start_on(port);
    let mails = smtp.wait_for(3, Duration::from_secs(15)).await;
    assert_eq!(mails.len(), 3);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mails = smtp.messages();
    assert_eq!(mails.len(), 3);
    assert_each_once(&mails);
    let recipients: HashSet<String> = mails.iter().map(|m| m.to[0].clone()).collect();
    assert_eq!(recipients.len(), 3);
    let sent = app.get_admin("/api/v1/admin/outbox?status=sent").await;
    assert_eq!(sent.json["total"], 3);
}

#[tokio::test]
async fn mail_queued_when_podium_dies_is_sent_after_a_restart() {
    // A database with a published event.
    let database_url = crate::helpers::fresh_database().await;
    let conn = db::connect(&database_url, 2).await.unwrap();
    db::migrate(&conn).await.unwrap();
    let event = events::create(
        &conn,
        NewEvent {
            title: "Restart Fest".to_owned(),
            slug: Some("restart".to_owned()),
            description: String::new(),
            venue: "Volkshaus Jena".to_owned(),
            address: String::new(),
            timezone: chrono_tz::Europe::Berlin,
            starts_at: "2027-06-24T07:00:00Z".parse().unwrap(),
            ends_at: "2027-06-24T16:00:00Z".parse().unwrap(),
            capacity: 10,
            waitlist: true,
            registration_opens_at: None,
            registration_closes_at: None,
            require_email_confirmation: false,
            exhibit_capacity: None,
            series: None,
            limits: Default::default(),
            organiser_name: "Tagungsbüro".to_owned(),
            organiser_email: "tagung@example.org".to_owned(),
        },
    )
    .await
    .unwrap();
    events::publish(&conn, event.id).await.unwrap();

    // The first podium is a separate process whose mail server is down.
    let http_port = TestSmtp::closed_port();
    let smtp_port = TestSmtp::closed_port();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_podium"))
        .arg("serve")
        .env("DATABASE_URL", &database_url.url)
        .env("PODIUM_BIND", format!("127.0.0.1:{http_port}"))
        .env("SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}"))
        .env("PODIUM_RATE_LIMIT", "0")
        .env("PODIUM_SECRET", crate::helpers::TEST_SECRET)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("podium starts");
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{http_port}");
    let mut up = false;
    for _ in 0..200 {
        if client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "the first podium did not come up");
    for i in 0..2 {
        let r = client
            .post(format!("{base}/api/v1/events/restart/registrations"))
            .json(&registration_body("P", &format!("r{i}@example.org")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    wait_for_attempts(&conn, 2).await;
    // podium dies with the mail still queued.
    child.kill().await.unwrap();

    let smtp = TestSmtp::start();
    start_app_on(&database_url, &smtp.url()).await;
    let mails = smtp.wait_for(2, Duration::from_secs(15)).await;
    assert_eq!(mails.len(), 2);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mails = smtp.messages();
    assert_eq!(mails.len(), 2);
    assert_each_once(&mails);
    let subjects: Vec<String> = mails.iter().map(ReceivedMail::subject).collect();
    assert!(subjects
        .iter()
        .all(|s| s == "Registration confirmed: Restart Fest"));
}

/// The one VEVENT of a mailed calendar object, read by the `ical` crate.
fn mailed_entry(mail: &ReceivedMail) -> (Value, Value) {
    let parsed = crate::ics_reader::parse(&mail.ics().expect("an .ics attachment"));
    let events = parsed["events"].as_array().cloned().unwrap_or_default();
    assert_eq!(events.len(), 1, "{parsed}");
    (parsed.clone(), events[0].clone())
}

#[tokio::test]
async fn mailed_entries_are_itip_with_organiser_and_attendee_and_a_cancel_outranks_the_request() {
    let app = spawn_app().await;
    app.published_event(json!({
        "slug": "fest",
        "organiser_name": "Tagungsbüro Jena",
        "organiser_email": "tagung@example.org"
    }))
    .await;
    let reg = register(&app, "fest", "Jane Doe", "jane@example.org", "de").await;
    let token = reg["manage_token"].as_str().unwrap();
    app.mails(1).await;
    app.post(&format!("/api/v1/registrations/{token}/cancel"), &json!({}))
        .await
        .assert_status(200);
    app.mails(2).await;
    let mails = app.mails_to("jane@example.org");
    assert_eq!(mails.len(), 2);

    let (request_cal, request) = mailed_entry(&mails[0]);
    assert_eq!(request_cal["method"], "REQUEST");
    assert_eq!(request["organizer"], "mailto:tagung@example.org");
    assert_eq!(request["organizer_cn"], "Tagungsbüro Jena");
    assert_eq!(request["attendee"], "mailto:jane@example.org");
    assert_eq!(request["attendee_rsvp"], "FALSE");
    assert_eq!(request["status"], "CONFIRMED");

    let (cancel_cal, cancel) = mailed_entry(&mails[1]);
    assert_eq!(cancel_cal["method"], "CANCEL");
    assert_eq!(cancel["uid"], request["uid"]);
    assert_eq!(cancel["organizer"], "mailto:tagung@example.org");
    assert_eq!(cancel["attendee"], "mailto:jane@example.org");
    assert_eq!(cancel["status"], "CANCELLED");
    assert!(
        cancel["sequence"].as_i64() > request["sequence"].as_i64(),
        "CANCEL {} after REQUEST {}",
        cancel["sequence"],
        request["sequence"]
    );
    // Every mail names who it is from, and answers go to them.
    for mail in &mails {
        let reply_to = mail.header("Reply-To").unwrap_or_default();
        assert!(reply_to.ends_with("<tagung@example.org>"), "{reply_to}");
        assert!(mail.text().unwrap().contains("Tagungsbüro Jena"));
        assert!(mail.text().unwrap().contains("tagung@example.org"));
    }

    // The personal feed shows the same entry under the same UID.
    let feed = app
        .get(&format!("/api/v1/registrations/{token}/calendar.ics"))
        .await;
    feed.assert_status(200);
    let parsed = crate::ics_reader::parse(&feed.text);
    let entry = &parsed["events"][0];
    assert_eq!(entry["uid"], request["uid"]);
    assert_eq!(entry["status"], "CANCELLED");
    assert_eq!(entry["sequence"], cancel["sequence"]);
}

#[tokio::test]
async fn a_presenters_slot_mail_is_an_itip_request_from_the_organiser_to_the_presenter() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    let stage = app.create_stage("jt", "Saal 2").await;
    let pitch = app.accepted_pitch("jt", json!({})).await;
    let slot = app
        .slot(
            "jt",
            &stage,
            "2027-06-24T10:00:00+02:00",
            "2027-06-24T10:15:00+02:00",
        )
        .await;
    app.assign("jt", &slot, pitch["id"].as_str().unwrap())
        .await
        .assert_status(200);
    app.release("jt", "").await;
    app.mails(3).await;
    let mail = app
        .mails_to("petra@faserwerk.example")
        .into_iter()
        .find(|m| m.ics().is_some())
        .expect("the slot mail");
    let (cal, entry) = mailed_entry(&mail);
    assert_eq!(cal["method"], "REQUEST");
    // Without an organiser of its own, the event's organiser is the sender (MAIL_FROM).
    assert!(entry["organizer"]
        .as_str()
        .is_some_and(|o| o.starts_with("mailto:")));
    assert_eq!(entry["attendee"], "mailto:petra@faserwerk.example");
    assert_eq!(entry["attendee_rsvp"], "FALSE");
    // The presenter's feed shows the same UID and SEQUENCE.
    let feed = app
        .get(&format!(
            "/api/v1/pitches/{}/calendar.ics",
            pitch["manage_token"].as_str().unwrap()
        ))
        .await;
    let parsed = crate::ics_reader::parse(&feed.text);
    let same = parsed["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["uid"] == entry["uid"])
        .cloned()
        .expect("the pitch entry in the presenter's feed");
    assert_eq!(same["sequence"], entry["sequence"]);
}

#[tokio::test]
async fn the_confirm_and_expiry_mails_name_the_hold_the_event_gave_not_48_hours() {
    let app = spawn_app().await;
    app.published_event(json!({
        "slug": "optin",
        "require_email_confirmation": true,
        "hold_hours": 6
    }))
    .await;
    register(&app, "optin", "Jane", "jane@example.org", "en").await;
    register(&app, "optin", "Jörg", "joerg@example.org", "de").await;
    let pending = app.mails(2).await;
    let text = |mails: &[ReceivedMail], to: &str| {
        let mail = mails.iter().find(|m| m.to[0] == to).expect("a mail");
        (mail.text().unwrap(), mail.html().unwrap())
    };
    let (en, en_html) = text(&pending, "jane@example.org");
    assert!(en.contains("We hold your seat for 6 hours."), "{en}");
    assert!(
        en_html.contains("We hold your seat for 6 hours."),
        "{en_html}"
    );
    let (de, _) = text(&pending, "joerg@example.org");
    assert!(de.contains("Platz 6 Stunden lang"), "{de}");
    // Not the default hold anywhere: "48" alone would also match a random token or port.
    assert!(
        !en.contains("48 hours") && !de.contains("48 Stunden"),
        "{en}\n{de}"
    );
    // The organiser changes the hold afterwards: these two keep the hold they got.
    app.patch_admin("/api/v1/events/optin", &json!({"hold_hours": 12}))
        .await
        .assert_status(200);

    let later = chrono::Utc::now() + chrono::Duration::hours(7);
    let expired = podium::services::registrations::expire_holds(&app.db, &app.address, later)
        .await
        .unwrap();
    assert_eq!(expired, 2);
    let mails = app.mails(4).await;
    let expiry: Vec<ReceivedMail> = mails
        .into_iter()
        .filter(|m| m.subject().contains("expired") || m.subject().contains("abgelaufen"))
        .collect();
    let (en, _) = text(&expiry, "jane@example.org");
    assert!(en.contains("was not confirmed within 6 hours,"), "{en}");
    let (de, _) = text(&expiry, "joerg@example.org");
    assert!(
        de.contains("nicht innerhalb von 6 Stunden bestätigt"),
        "{de}"
    );
}

/// What a received mail's HTML shows inline: the `cid:` its `<img>` names, and each inline
/// part's Content-ID (without brackets), MIME type and decoded bytes; plus whether the HTML and
/// its pictures sit together in a `multipart/related` part.
struct Inline {
    img_cids: Vec<String>,
    parts: Vec<(String, String, Vec<u8>)>,
    related: bool,
}

fn inline_of(mail: &ReceivedMail) -> Inline {
    fn walk(p: &mailparse::ParsedMail<'_>, out: &mut Inline) {
        use mailparse::MailHeaderMap;
        if p.ctype.mimetype == "multipart/related" {
            out.related = p.subparts.iter().any(|s| s.ctype.mimetype == "text/html");
        }
        if let Some(id) = p.headers.get_first_value("Content-ID") {
            let id = id
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned();
            out.parts.push((
                id,
                p.ctype.mimetype.clone(),
                p.get_body_raw().expect("the part decodes"),
            ));
        }
        for s in &p.subparts {
            walk(s, out);
        }
    }
    let parsed = mailparse::parse_mail(&mail.raw).expect("the mail parses");
    let mut out = Inline {
        img_cids: Vec::new(),
        parts: Vec::new(),
        related: false,
    };
    walk(&parsed, &mut out);
    let html = mail.html().unwrap_or_default();
    out.img_cids = html
        .split("src=\"cid:")
        .skip(1)
        .filter_map(|s| s.split_once('"').map(|(cid, _)| cid.to_owned()))
        .collect();
    out
}

/// The text of the one QR code in a PNG picture, read by rqrr.
fn read_qr(picture: &[u8]) -> String {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(picture));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a sane size")];
    let frame = reader.next_frame(&mut pixels).expect("the PNG decodes");
    assert_eq!(frame.color_type, png::ColorType::Grayscale);
    assert_eq!(frame.bit_depth, png::BitDepth::Eight);
    let (width, height) = (frame.width as usize, frame.height as usize);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
        pixels[y * frame.line_size + x]
    });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the picture");
    grids[0].decode().expect("the QR code reads").1
}

/// Asserts that `mail` shows `code` as an inline QR picture and as text.
fn assert_shows_check_in_code(mail: &ReceivedMail, code: &str) {
    let inline = inline_of(mail);
    assert!(
        inline.related,
        "the HTML and its picture form a multipart/related part"
    );
    assert_eq!(inline.img_cids.len(), 1, "{:?}", inline.img_cids);
    let (_, mimetype, picture) = inline
        .parts
        .iter()
        .find(|(id, _, _)| *id == inline.img_cids[0])
        .expect("a part whose Content-ID is the <img>'s cid");
    assert_eq!(mimetype, "image/png");
    assert_eq!(read_qr(picture), code);
    assert!(
        mail.text().unwrap().contains(code),
        "the code for mail clients without pictures"
    );
    assert!(mail.html().unwrap().contains(code));
}

fn assert_shows_no_check_in_code(mail: &ReceivedMail) {
    let inline = inline_of(mail);
    assert!(inline.img_cids.is_empty() && inline.parts.is_empty() && !inline.related);
    assert!(!mail.mimetypes().iter().any(|m| m.starts_with("image/")));
}

#[tokio::test]
async fn the_confirmation_shows_the_check_in_code_as_an_inline_qr_picture_and_as_text() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "fest", "capacity": 1}))
        .await;
    let jane = register(&app, "fest", "Jane Doe", "jane@example.org", "en").await;
    let code = jane["check_in_code"]
        .as_str()
        .expect("a confirmed attendee's code");
    let mail = &app.mails(1).await[0];
    assert_shows_check_in_code(mail, code);
    let text = mail.text().unwrap().replace("\r\n", "\n");
    assert!(
        text.contains(&format!("\n  Your check-in code: {code}\n")),
        "{text}"
    );
    // The calendar entry is still there, beside the text and the HTML with its picture.
    assert_eq!(
        mail.mimetypes(),
        ["text/plain", "text/html", "image/png", "text/calendar"]
    );
    // The outbox keeps neither the picture nor the code (issue 30, item 2): a placeholder the
    // worker fills from the registration when it sends.
    let row = outbox::Entity::find()
        .filter(outbox::Column::Recipient.eq("jane@example.org"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        row.check_in_code.as_deref(),
        Some(podium::mail::secrets::CHECK_IN_CODE)
    );
    assert!(!row.text_body.contains(code) && !row.html_body.contains(code));
    assert!(!row.html_body.contains("base64") && row.html_body.len() < 4_000);

    // Waitlisted: no code yet, no picture.
    let jorg = register(&app, "fest", "Jörg", "joerg@example.org", "de").await;
    assert!(jorg["check_in_code"].is_null());
    app.mails(2).await;
    let waiting = &app.mails_to("joerg@example.org")[0];
    assert_shows_no_check_in_code(waiting);
    assert!(!waiting.text().unwrap().contains("Einlass-Code"));

    // Moved up from the waiting list: now with the code, in German.
    app.post(
        &format!(
            "/api/v1/registrations/{}/cancel",
            jane["manage_token"].as_str().unwrap()
        ),
        &json!({}),
    )
    .await
    .assert_status(200);
    app.mails(4).await;
    let promoted = app
        .mails_to("joerg@example.org")
        .into_iter()
        .find(|m| m.subject().starts_with("Sie sind nachgerückt"))
        .expect("the promotion mail");
    let now = app
        .get(&format!(
            "/api/v1/registrations/{}",
            jorg["manage_token"].as_str().unwrap()
        ))
        .await;
    let code = now.json["check_in_code"]
        .as_str()
        .expect("a code once confirmed");
    assert_shows_check_in_code(&promoted, code);
    let text = promoted.text().unwrap().replace("\r\n", "\n");
    assert!(
        text.contains(&format!("\n  Ihr Einlass-Code: {code}\n")),
        "{text}"
    );
    // The cancellation carries no code.
    let cancelled = app
        .mails_to("jane@example.org")
        .into_iter()
        .find(|m| m.subject().starts_with("Registration cancelled"))
        .expect("the cancellation");
    assert_shows_no_check_in_code(&cancelled);
}

#[tokio::test]
async fn with_double_opt_in_the_pending_mail_has_no_qr_and_the_confirmation_has_it() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "optin", "require_email_confirmation": true}))
        .await;
    let reg = register(&app, "optin", "Jane", "jane@example.org", "en").await;
    let pending = &app.mails(1).await[0];
    assert_shows_no_check_in_code(pending);
    let confirm = format!("{}/confirm", reg["manage_url"].as_str().unwrap());
    app.client
        .post(&confirm)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    let mails = app.mails(2).await;
    let confirmed = mails
        .iter()
        .find(|m| m.subject().starts_with("Registration confirmed"))
        .expect("the confirmation");
    let now = app
        .get(&format!(
            "/api/v1/registrations/{}",
            reg["manage_token"].as_str().unwrap()
        ))
        .await;
    let code = now.json["check_in_code"].as_str().expect("a code");
    assert_shows_check_in_code(confirmed, code);
}
