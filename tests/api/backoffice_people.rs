//! The backoffice's attendee and mail pages (issue 28) over HTTP as a browser uses them:
//! search with umlauts folded, filters, paging and counts, the CSV and XLSX downloads of what
//! the filters show, one person's page with their mail, edit, cancel, erase, check-in and its
//! undo, a person added by hand, the outbox with a retry, the role guards and cross-site posts.
use std::io::Read;

use reqwest::{header, Method};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};

use crate::helpers::{registration_body, spawn_app, Answer, TestApp};

/// A `GET` or form `POST` to `path` with the session `cookie`; a `POST` comes from podium's
/// own page (`Sec-Fetch-Site: same-origin`, podium's `Origin`) unless `headers` say otherwise.
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
    if method == Method::POST {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        request = request
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body);
        if headers.is_empty() {
            request = request
                .header("origin", &app.address)
                .header("sec-fetch-site", "same-origin");
        }
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    Answer::read(request.send().await.expect("request sent")).await
}

async fn get(app: &TestApp, path: &str, cookie: &str) -> Answer {
    send(app, Method::GET, path, cookie, &[], &[]).await
}

/// Signs in with `token` through the sign-in form; the `Cookie` header value.
async fn sign_in(app: &TestApp, token: &str) -> String {
    let mut request = app.client.post(app.url("/orga/sign-in"));
    request = request
        .header("origin", &app.address)
        .header("sec-fetch-site", "same-origin")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("token", token)
                .finish(),
        );
    let answer = Answer::read(request.send().await.expect("sent")).await;
    answer.assert_status(303);
    let set = answer.header("set-cookie").expect("a cookie").to_owned();
    set.split(';').next().unwrap().to_owned()
}

/// The session's form token, from any backoffice page that has a form.
async fn form_token(app: &TestApp, cookie: &str) -> String {
    let page = get(app, "/orga/", cookie).await;
    let at = page
        .text
        .find("name=\"form_token\" value=\"")
        .expect("a form token")
        + 25;
    page.text[at..].split('"').next().unwrap().to_owned()
}

/// A team member with `role` on `events`; their token.
async fn member(app: &TestApp, email: &str, role: &str, events: Value) -> String {
    let answer = app
        .post_admin(
            "/api/v1/organisers",
            &json!({"name": "Member", "email": email, "role": role, "events": events}),
        )
        .await;
    answer.assert_status(201);
    answer.json["token"].as_str().unwrap().to_owned()
}

/// The registration's id by a search of the API's list.
async fn id_of(app: &TestApp, event: &str, q: &str) -> String {
    let list = app
        .get_admin(&format!("/api/v1/events/{event}/registrations?q={q}"))
        .await;
    list.assert_status(200);
    list.json["items"][0]["id"]
        .as_str()
        .expect("found")
        .to_owned()
}

async fn registration(app: &TestApp, event: &str, id: &str) -> Value {
    let answer = app
        .get_admin(&format!("/api/v1/events/{event}/registrations/{id}"))
        .await;
    answer.assert_status(200);
    answer.json
}

/// Event `jt` (2 seats and a waitlist, a lunch question) with Jörg Müller (science, veggie),
/// Anna Schmidt (business, meat) and Ben Groß (politics, veggie, waitlisted); the lunch
/// question's id.
async fn event_with_people(app: &TestApp) -> String {
    app.published_event(json!({"slug": "jt", "capacity": 2}))
        .await;
    let lunch = app
        .post_admin(
            "/api/v1/events/jt/questions",
            &json!({"kind": "one_choice", "required": true, "label_de": "Mittagessen",
                "label_en": "Lunch", "choices": [
                    {"key": "veggie", "de": "Vegetarisch", "en": "Vegetarian"},
                    {"key": "meat", "de": "Mit Fleisch", "en": "With meat"}]}),
        )
        .await;
    lunch.assert_status(201);
    let lunch = lunch.json["id"].as_str().unwrap().to_owned();
    for (name, email, sector, choice) in [
        ("Jörg Müller", "mueller@example.org", "science", "veggie"),
        ("Anna Schmidt", "schmidt@example.org", "business", "meat"),
        ("Ben Groß", "gross@example.org", "politics", "veggie"),
    ] {
        let mut body = registration_body(name, email);
        body["sector"] = json!(sector);
        body["answers"] = json!({ lunch.clone(): choice });
        app.register("jt", &body).await.assert_status(201);
    }
    lunch
}

#[tokio::test]
async fn muller_finds_mueller_and_filters_paging_and_counts_follow_the_api() {
    let app = spawn_app().await;
    let lunch = event_with_people(&app).await;
    let cookie = sign_in(&app, &app.admin_token).await;

    let all = get(&app, "/orga/events/jt/attendees?lang=en", &cookie).await;
    all.assert_status(200);
    for name in ["Jörg Müller", "Anna Schmidt", "Ben Groß"] {
        assert!(all.text.contains(name), "{name}");
    }
    assert!(all.text.contains("Matching: 3"), "{}", all.text);
    // The counts per status: two confirmed, one waitlisted.
    assert!(
        all.text.contains("<dt>confirmed</dt><dd>2</dd>"),
        "{}",
        all.text
    );
    assert!(all.text.contains("<dt>waitlisted</dt><dd>1</dd>"));
    assert!(all.text.contains("<html lang=\"en\">") && !all.text.contains("<script"));

    let found = get(&app, "/orga/events/jt/attendees?q=muller&lang=en", &cookie).await;
    assert!(found.text.contains("Jörg Müller"));
    assert!(!found.text.contains("Anna Schmidt"));
    assert!(found.text.contains("Matching: 1"));
    assert!(
        found.text.contains("value=\"muller\""),
        "the search stays in its field"
    );
    let gross = get(&app, "/orga/events/jt/attendees?q=gross", &cookie).await;
    assert!(gross.text.contains("Ben Groß") && !gross.text.contains("Jörg Müller"));

    let waiting = get(&app, "/orga/events/jt/attendees?status=waitlisted", &cookie).await;
    assert!(waiting.text.contains("Ben Groß") && !waiting.text.contains("Anna Schmidt"));
    let business = get(&app, "/orga/events/jt/attendees?sector=business", &cookie).await;
    assert!(business.text.contains("Anna Schmidt") && !business.text.contains("Ben Groß"));
    let veggie = get(
        &app,
        &format!("/orga/events/jt/attendees?answer={lunch}:veggie&lang=en"),
        &cookie,
    )
    .await;
    assert!(veggie.text.contains("Jörg Müller") && veggie.text.contains("Ben Groß"));
    assert!(!veggie.text.contains("Anna Schmidt"));
    assert!(veggie.text.contains("Lunch: Vegetarian"));
    let none_in = get(&app, "/orga/events/jt/attendees?checked_in=true", &cookie).await;
    assert!(none_in.text.contains("Matching: 0") || none_in.text.contains("Treffer: 0"));

    // A filter value no form offers: 422 with the error at its field, the search kept.
    let bad = get(
        &app,
        "/orga/events/jt/attendees?status=royal&q=muller&lang=en",
        &cookie,
    )
    .await;
    bad.assert_status(422);
    assert!(bad.text.contains("id=\"status-error\""));
    assert!(bad.text.contains("aria-invalid=\"true\""));
    assert!(bad.text.contains("value=\"muller\""));
    let bad_cursor = get(&app, "/orga/events/jt/attendees?cursor=nonsense", &cookie).await;
    bad_cursor.assert_status(422);

    // Paging: 50 a page, a link to the next with the filters kept.
    for i in 0..50 {
        let mut body = registration_body(&format!("Person {i:02}"), &format!("p{i}@example.org"));
        body["answers"] = json!({ lunch.clone(): "meat" });
        app.register("jt", &body).await.assert_status(201);
    }
    let first = get(&app, "/orga/events/jt/attendees?lang=en", &cookie).await;
    assert!(first.text.contains("Matching: 53"));
    let at = first.text.find("rel=\"next\"").expect("a next page");
    let href_start = first.text[..at].rfind("href=\"").unwrap() + 6;
    let href = first.text[href_start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&#38;", "&");
    assert!(href.contains("cursor="), "{href}");
    let second = get(&app, &href, &cookie).await;
    second.assert_status(200);
    assert!(
        second.text.contains("Person 49"),
        "the last on the second page"
    );
    assert!(!second.text.contains("Jörg Müller"));
    assert!(!second.text.contains("rel=\"next\""));
    assert!(second.text.contains("First page"));
}

/// The XLSX's XML parts (sheet and shared strings) as one text.
fn xlsx_text(bytes: &[u8]) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut text = String::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let name = file.name().unwrap().into_owned();
        if name.starts_with("xl/") && name.ends_with(".xml") {
            file.read_to_string(&mut text).unwrap();
        }
    }
    assert!(text.contains("<worksheet"), "a sheet");
    text
}

#[tokio::test]
async fn the_downloads_hold_what_the_filters_show() {
    let app = spawn_app().await;
    event_with_people(&app).await;
    let cookie = sign_in(&app, &app.admin_token).await;
    let list = get(&app, "/orga/events/jt/attendees?q=muller&lang=en", &cookie).await;
    assert!(list
        .text
        .contains("/orga/events/jt/attendees.csv?q=muller&#38;"));
    assert!(list
        .text
        .contains("/orga/events/jt/attendees.xlsx?q=muller&#38;"));

    let csv = get(
        &app,
        "/orga/events/jt/attendees.csv?q=muller&lang=en",
        &cookie,
    )
    .await;
    csv.assert_status(200);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(csv
        .header("content-disposition")
        .unwrap()
        .contains("jt-registrations.csv"));
    assert!(csv.text.contains("Jörg Müller"));
    assert!(!csv.text.contains("Schmidt"));
    assert!(
        csv.text.starts_with("\u{feff}id,name,email"),
        "English, comma"
    );
    let german = get(
        &app,
        "/orga/events/jt/attendees.csv?status=waitlisted&lang=de",
        &cookie,
    )
    .await;
    assert!(german.text.starts_with("\u{feff}ID;Name;E-Mail"));
    assert!(german.text.contains("Ben Groß") && !german.text.contains("Müller"));

    let response = app
        .client
        .get(app.url("/orga/events/jt/attendees.xlsx?sector=business&lang=en"))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let text = xlsx_text(&response.bytes().await.unwrap());
    assert!(text.contains("Anna Schmidt"));
    assert!(!text.contains("Müller") && !text.contains("Groß"));

    // The same filters as the API's export: the same rows.
    let api = app
        .get_admin("/api/v1/events/jt/registrations.csv?q=muller&lang=en")
        .await;
    assert_eq!(api.text, csv.text);
    let bad = get(
        &app,
        "/orga/events/jt/attendees.csv?checked_in=maybe",
        &cookie,
    )
    .await;
    bad.assert_status(422);
}

#[tokio::test]
async fn the_person_page_shows_mails_and_edit_check_in_cancel_and_erase_work() {
    let app = spawn_app().await;
    let lunch = event_with_people(&app).await;
    app.mails(3).await;
    let cookie = sign_in(&app, &app.admin_token).await;
    let token = form_token(&app, &cookie).await;
    let id = id_of(&app, "jt", "muller").await;
    let person = format!("/orga/events/jt/attendees/{id}");

    let page = get(&app, &format!("{person}?lang=en"), &cookie).await;
    page.assert_status(200);
    assert!(page.text.contains("<h1>Jörg Müller</h1>"));
    assert!(page.text.contains("mueller@example.org"));
    assert!(page.text.contains("Vegetarian"), "the answer");
    assert!(page.text.contains("registration_confirmed"), "the mail");
    // The worker marks the mail sent just after the server took it.
    let mut sent = page.text.contains(">sent<");
    for _ in 0..100 {
        if sent {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        sent = get(&app, &format!("{person}?lang=en"), &cookie)
            .await
            .text
            .contains(">sent<");
    }
    assert!(sent, "the mail's state");

    // Check in, and undo.
    let done = send(
        &app,
        Method::POST,
        &format!("{person}/check-in?lang=en"),
        &cookie,
        &[],
        &[("form_token", &token)],
    )
    .await;
    done.assert_status(303);
    assert!(registration(&app, "jt", &id).await["checked_in_at"].is_string());
    let shown = get(&app, done.header("location").unwrap(), &cookie).await;
    assert!(shown.text.contains("Checked in."));
    assert!(shown.text.contains("Undo the check-in"));
    let listed = get(
        &app,
        "/orga/events/jt/attendees?checked_in=true&lang=en",
        &cookie,
    )
    .await;
    assert!(listed.text.contains("Jörg Müller") && listed.text.contains("Matching: 1"));
    send(
        &app,
        Method::POST,
        &format!("{person}/undo-check-in"),
        &cookie,
        &[],
        &[("form_token", &token)],
    )
    .await
    .assert_status(303);
    assert!(registration(&app, "jt", &id).await["checked_in_at"].is_null());
    // The waitlisted cannot be checked in: the page says so (409), nothing changes.
    let gross = id_of(&app, "jt", "gross").await;
    let refused = send(
        &app,
        Method::POST,
        &format!("/orga/events/jt/attendees/{gross}/check-in?lang=en"),
        &cookie,
        &[],
        &[("form_token", &token)],
    )
    .await;
    refused.assert_status(409);
    assert!(refused.text.contains("not possible"));
    assert!(registration(&app, "jt", &gross).await["checked_in_at"].is_null());

    // Edit: the form with the values as they are; refused with the typed values kept.
    let form = get(&app, &format!("{person}/edit?lang=en"), &cookie).await;
    form.assert_status(200);
    assert!(form.text.contains("value=\"Jörg Müller\""));
    assert!(form.text.contains("value=\"veggie\" checked"));
    let field = format!("answers.{lunch}");
    let wrong = send(
        &app,
        Method::POST,
        &format!("{person}/edit?lang=en"),
        &cookie,
        &[],
        &[
            ("form_token", &token),
            ("name", "  "),
            ("organisation", "Universität Jena"),
            (&field, "fish"),
        ],
    )
    .await;
    wrong.assert_status(422);
    assert!(wrong.text.contains("id=\"name-error\""));
    assert!(wrong
        .text
        .contains("aria-invalid=\"true\" aria-describedby=\"name-error\""));
    assert!(wrong.text.contains("value=\"Universität Jena\""), "kept");
    assert!(wrong.text.contains(&format!("id=\"q-{lunch}\"")));
    assert!(wrong.text.contains("Please check this answer."));
    let unanswered = send(
        &app,
        Method::POST,
        &format!("{person}/edit?lang=en"),
        &cookie,
        &[],
        &[("form_token", &token), ("name", "Jörg Müller")],
    )
    .await;
    unanswered.assert_status(422);
    assert!(unanswered.text.contains("Please answer this question."));
    assert_eq!(registration(&app, "jt", &id).await["name"], "Jörg Müller");
    let saved = send(
        &app,
        Method::POST,
        &format!("{person}/edit?lang=en"),
        &cookie,
        &[],
        &[
            ("form_token", &token),
            ("name", "Prof. Jörg Müller"),
            ("organisation", "Universität Jena"),
            (&field, "meat"),
        ],
    )
    .await;
    saved.assert_status(303);
    let now = registration(&app, "jt", &id).await;
    assert_eq!(now["name"], "Prof. Jörg Müller");
    assert_eq!(now["organisation"], "Universität Jena");
    assert_eq!(now["answers"][0]["value"], "meat");
    assert_eq!(now["email"], "mueller@example.org", "the e-mail stays");
    // The search key follows the new name.
    let found = get(
        &app,
        "/orga/events/jt/attendees?q=prof. jorg&lang=en",
        &cookie,
    )
    .await;
    assert!(found.text.contains("Prof. Jörg Müller"), "{}", found.text);

    // Cancel behind a confirmation: Ben Groß moves up from the waitlist.
    let confirm = get(&app, &format!("{person}/cancel?lang=en"), &cookie).await;
    confirm.assert_status(200);
    assert!(confirm.text.contains("cannot be undone"));
    assert_eq!(
        registration(&app, "jt", &id).await["status"],
        "confirmed",
        "a GET changes nothing"
    );
    send(
        &app,
        Method::POST,
        &format!("{person}/cancel"),
        &cookie,
        &[],
        &[("form_token", &token)],
    )
    .await
    .assert_status(303);
    assert_eq!(registration(&app, "jt", &id).await["status"], "cancelled");
    assert_eq!(
        registration(&app, "jt", &gross).await["status"],
        "confirmed"
    );

    // Erase behind a confirmation.
    get(&app, &format!("{person}/erase"), &cookie)
        .await
        .assert_status(200);
    send(
        &app,
        Method::POST,
        &format!("{person}/erase?lang=en"),
        &cookie,
        &[],
        &[("form_token", &token)],
    )
    .await
    .assert_status(303);
    let erased = registration(&app, "jt", &id).await;
    assert_eq!(erased["name"], "");
    assert!(erased["erased_at"].is_string());
    let page = get(&app, &format!("{person}?lang=en"), &cookie).await;
    assert!(page.text.contains("(erased)") && !page.text.contains("Müller"));
    // An erased person cannot be edited.
    let late = send(
        &app,
        Method::POST,
        &format!("{person}/edit"),
        &cookie,
        &[],
        &[("form_token", &token), ("name", "Back"), (&field, "meat")],
    )
    .await;
    late.assert_status(409);
}

#[tokio::test]
async fn an_organiser_adds_a_guest_of_honour_by_hand() {
    let app = spawn_app().await;
    let lunch = event_with_people(&app).await;
    let cookie = sign_in(&app, &app.admin_token).await;
    let token = form_token(&app, &cookie).await;
    let form = get(&app, "/orga/events/jt/attendees/new?lang=de", &cookie).await;
    form.assert_status(200);
    assert!(form.text.contains("<html lang=\"de\">"));
    assert!(form.text.contains("name=\"consent\""));
    let field = format!("answers.{lunch}");

    let refused = send(
        &app,
        Method::POST,
        "/orga/events/jt/attendees/new?lang=en",
        &cookie,
        &[],
        &[
            ("form_token", &token),
            ("name", "Frau Präsidentin"),
            ("email", "no-address"),
            ("sector", "politics"),
            ("language", "de"),
        ],
    )
    .await;
    refused.assert_status(422);
    assert!(refused.text.contains("value=\"Frau Präsidentin\""));
    assert!(refused.text.contains("id=\"email-error\""));
    assert!(refused.text.contains("id=\"consent-error\""));
    assert_eq!(total(&app).await, 3);

    let added = send(
        &app,
        Method::POST,
        "/orga/events/jt/attendees/new?lang=en",
        &cookie,
        &[],
        &[
            ("form_token", &token),
            ("name", "Frau Präsidentin"),
            ("email", "praesidentin@example.org"),
            ("organisation", "Landtag"),
            ("sector", "politics"),
            ("language", "de"),
            (&field, "veggie"),
            ("consent", "true"),
        ],
    )
    .await;
    added.assert_status(303);
    let location = added.header("location").unwrap().to_owned();
    assert!(location.contains("/orga/events/jt/attendees/") && location.contains("done=added"));
    assert_eq!(total(&app).await, 4);
    let page = get(&app, &location, &cookie).await;
    assert!(page.text.contains("Frau Präsidentin"));
    // The seat rules hold: two seats, taken, so the guest waits on the list as anyone would.
    assert!(page.text.contains("waitlisted"), "{}", page.text);
    let mails = app.mails(4).await;
    assert!(mails
        .iter()
        .any(|m| m.to.iter().any(|t| t.contains("praesidentin"))));

    // The same address again: the API's duplicate rule, at the e-mail field.
    let twice = send(
        &app,
        Method::POST,
        "/orga/events/jt/attendees/new?lang=en",
        &cookie,
        &[],
        &[
            ("form_token", &token),
            ("name", "Frau Präsidentin"),
            ("email", "praesidentin@example.org"),
            ("sector", "politics"),
            ("language", "de"),
            (&field, "veggie"),
            ("consent", "true"),
        ],
    )
    .await;
    twice.assert_status(409);
    assert!(twice.text.contains("id=\"email-error\""));
    assert_eq!(total(&app).await, 4);
}

#[tokio::test]
async fn the_mail_page_shows_failed_mail_with_its_reason_and_retries_it() {
    let app = spawn_app().await;
    event_with_people(&app).await;
    app.published_event(json!({"slug": "other"})).await;
    app.register_person("other", "Olga Other", "olga@example.org")
        .await
        .assert_status(201);
    app.mails(4).await;
    // Wait until the worker has marked them all sent, then fail Müller's.
    let mut sent = 0;
    for _ in 0..200 {
        let rows = app
            .db
            .query_one_raw(Statement::from_string(
                app.db.get_database_backend(),
                "SELECT COUNT(*) AS n FROM outbox WHERE status = 'sent'",
            ))
            .await
            .unwrap()
            .unwrap();
        sent = rows.try_get::<i64>("", "n").unwrap();
        if sent == 4 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(sent, 4);
    app.db
        .execute_raw(Statement::from_string(
            app.db.get_database_backend(),
            "UPDATE outbox SET status = 'failed', attempts = 8, \
             last_error = 'permanent error (550): mailbox unavailable' \
             WHERE recipient = 'mueller@example.org'",
        ))
        .await
        .unwrap();

    let cookie = sign_in(&app, &app.admin_token).await;
    let token = form_token(&app, &cookie).await;
    let page = get(&app, "/orga/mail?status=failed&lang=en", &cookie).await;
    page.assert_status(200);
    assert!(page.text.contains("mueller@example.org"));
    assert!(page
        .text
        .contains("permanent error (550): mailbox unavailable"));
    assert!(!page.text.contains("schmidt@example.org"));
    let all = get(&app, "/orga/mail?lang=en", &cookie).await;
    assert!(all.text.contains("Matching: 4") && all.text.contains("olga@example.org"));
    get(&app, "/orga/mail?status=lost", &cookie)
        .await
        .assert_status(422);

    // An organiser of the other event sees its mail only, and may not retry Müller's.
    let other = member(&app, "o@example.org", "organiser", json!(["other"])).await;
    let other_cookie = sign_in(&app, &other).await;
    let other_token = form_token(&app, &other_cookie).await;
    let theirs = get(&app, "/orga/mail?lang=en", &other_cookie).await;
    theirs.assert_status(200);
    assert!(theirs.text.contains("olga@example.org") && !theirs.text.contains("mueller@"));
    let id = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT id FROM outbox WHERE recipient = 'mueller@example.org'",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<uuid::Uuid>(0)
        .unwrap();
    send(
        &app,
        Method::POST,
        &format!("/orga/mail/{id}/retry"),
        &other_cookie,
        &[],
        &[("form_token", &other_token)],
    )
    .await
    .assert_status(403);
    assert_eq!(mail_status(&app).await, "failed");
    // From another site: nothing.
    send(
        &app,
        Method::POST,
        &format!("/orga/mail/{id}/retry"),
        &cookie,
        &[("sec-fetch-site", "cross-site")],
        &[("form_token", &token)],
    )
    .await
    .assert_status(403);
    send(
        &app,
        Method::POST,
        &format!("/orga/mail/{id}/retry"),
        &cookie,
        &[],
        &[],
    )
    .await
    .assert_status(403);
    assert_eq!(mail_status(&app).await, "failed");

    let retried = send(
        &app,
        Method::POST,
        &format!("/orga/mail/{id}/retry?lang=en"),
        &cookie,
        &[],
        &[("form_token", &token), ("status", "failed")],
    )
    .await;
    retried.assert_status(303);
    assert!(retried.header("location").unwrap().contains("done=retried"));
    assert_ne!(mail_status(&app).await, "failed");
    app.mails(5).await;
}

#[tokio::test]
async fn the_role_guards_hold_on_every_page() {
    let app = spawn_app().await;
    event_with_people(&app).await;
    app.published_event(json!({"slug": "other"})).await;
    let id = id_of(&app, "jt", "muller").await;
    let door = sign_in(
        &app,
        &member(&app, "d@example.org", "door", json!(["jt"])).await,
    )
    .await;
    let reviewer = sign_in(
        &app,
        &member(&app, "r@example.org", "reviewer", json!([])).await,
    )
    .await;
    let limited = sign_in(
        &app,
        &member(&app, "l@example.org", "organiser", json!(["other"])).await,
    )
    .await;
    let everywhere = sign_in(
        &app,
        &member(&app, "e@example.org", "organiser", json!([])).await,
    )
    .await;
    let pages = [
        "/orga/events/jt/attendees".to_owned(),
        "/orga/events/jt/attendees.csv".to_owned(),
        "/orga/events/jt/attendees.xlsx".to_owned(),
        "/orga/events/jt/attendees/new".to_owned(),
        format!("/orga/events/jt/attendees/{id}"),
        format!("/orga/events/jt/attendees/{id}/edit"),
        format!("/orga/events/jt/attendees/{id}/cancel"),
        format!("/orga/events/jt/attendees/{id}/erase"),
    ];
    for cookie in [&door, &reviewer, &limited] {
        for page in &pages {
            let answer = get(&app, page, cookie).await;
            answer.assert_status(403);
            assert!(!answer.text.contains("Müller"), "{page}");
        }
        // A slug that names no event: 403 too, as the API answers.
        get(&app, "/orga/events/nowhere/attendees", cookie)
            .await
            .assert_status(403);
    }
    for cookie in [&door, &reviewer] {
        get(&app, "/orga/mail", cookie).await.assert_status(403);
    }
    // The limited organiser's own event, and the organiser of every event.
    get(&app, "/orga/events/other/attendees", &limited)
        .await
        .assert_status(200);
    get(&app, &pages[0], &everywhere).await.assert_status(200);
    get(&app, "/orga/events/nowhere/attendees", &everywhere)
        .await
        .assert_status(404);
    // A stranger goes to sign-in.
    let stranger = send(&app, Method::GET, &pages[0], "podium_orga=forged", &[], &[]).await;
    stranger.assert_status(303);

    // Forms: the door member may not edit, cancel or erase; the limited organiser nothing of jt.
    for cookie in [&door, &reviewer, &limited] {
        let token = form_token(&app, cookie).await;
        for action in ["edit", "cancel", "erase"] {
            send(
                &app,
                Method::POST,
                &format!("/orga/events/jt/attendees/{id}/{action}"),
                cookie,
                &[],
                &[("form_token", &token), ("name", "X")],
            )
            .await
            .assert_status(403);
        }
        send(
            &app,
            Method::POST,
            "/orga/events/jt/attendees/new",
            cookie,
            &[],
            &[("form_token", &token)],
        )
        .await
        .assert_status(403);
    }
    // The door's own right: check-in.
    let token = form_token(&app, &limited).await;
    send(
        &app,
        Method::POST,
        &format!("/orga/events/jt/attendees/{id}/check-in"),
        &limited,
        &[],
        &[("form_token", &token)],
    )
    .await
    .assert_status(403);
    let registration = registration(&app, "jt", &id).await;
    assert_eq!(registration["name"], "Jörg Müller");
    assert_eq!(registration["status"], "confirmed");
    assert!(registration["checked_in_at"].is_null());
}

#[tokio::test]
async fn a_cross_site_post_changes_nothing() {
    let app = spawn_app().await;
    let lunch = event_with_people(&app).await;
    let cookie = sign_in(&app, &app.admin_token).await;
    let token = form_token(&app, &cookie).await;
    let id = id_of(&app, "jt", "muller").await;
    let field = format!("answers.{lunch}");
    let evil: &[(&str, &str)] = &[("origin", "https://evil.example")];
    let cross: &[(&str, &str)] = &[
        ("sec-fetch-site", "cross-site"),
        ("origin", "https://evil.example"),
    ];
    for headers in [evil, cross] {
        for action in ["check-in", "cancel", "erase", "edit"] {
            send(
                &app,
                Method::POST,
                &format!("/orga/events/jt/attendees/{id}/{action}"),
                &cookie,
                headers,
                &[("form_token", &token), ("name", "Evil"), (&field, "meat")],
            )
            .await
            .assert_status(403);
        }
        send(
            &app,
            Method::POST,
            "/orga/events/jt/attendees/new",
            &cookie,
            headers,
            &[
                ("form_token", &token),
                ("name", "Evil"),
                ("email", "evil@example.org"),
                ("sector", "other"),
                ("language", "en"),
                (&field, "meat"),
                ("consent", "true"),
            ],
        )
        .await
        .assert_status(403);
    }
    // From podium's own page but without the session's form token.
    for action in ["check-in", "cancel", "erase", "edit"] {
        send(
            &app,
            Method::POST,
            &format!("/orga/events/jt/attendees/{id}/{action}"),
            &cookie,
            &[],
            &[("name", "Evil"), (&field, "meat")],
        )
        .await
        .assert_status(403);
    }
    let registration = registration(&app, "jt", &id).await;
    assert_eq!(registration["name"], "Jörg Müller");
    assert_eq!(registration["status"], "confirmed");
    assert!(registration["checked_in_at"].is_null());
    assert_eq!(
        app.get_admin("/api/v1/events/jt/registrations").await.json["total"],
        3
    );
}

/// How many registrations the event `jt` has.
async fn total(app: &TestApp) -> u64 {
    app.get_admin("/api/v1/events/jt/registrations").await.json["total"]
        .as_u64()
        .unwrap()
}

/// The state of Jörg Müller's mail in the outbox.
async fn mail_status(app: &TestApp) -> String {
    app.db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT status FROM outbox WHERE recipient = 'mueller@example.org'",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<String>(0)
        .unwrap()
}
