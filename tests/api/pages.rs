//! The pages for people over HTTP, as a browser uses them: every page in both languages, the
//! registration form sent as `application/x-www-form-urlencoded` (refused input, a full event,
//! a closed window, a replayed form), double opt-in (a GET of the mail's link changes nothing,
//! the POST confirms), cancel and erase behind a confirmation step, the presenter's and
//! exhibitor's pages, and that every link in every mail opens a page.
use chrono::{Duration, Utc};
use reqwest::header;
use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Answer, TestApp};

/// `GET path` with an `Accept-Language` header, if given.
async fn page(app: &TestApp, path: &str, accept_language: Option<&str>) -> Answer {
    let url = if path.starts_with("http") {
        path.to_owned()
    } else {
        app.url(path)
    };
    let mut request = app.client.get(url);
    if let Some(lang) = accept_language {
        request = request.header(header::ACCEPT_LANGUAGE, lang);
    }
    Answer::read(request.send().await.expect("request sent")).await
}

/// `POST` of a form as a browser sends it.
async fn post_form(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> Answer {
    let url = if path.starts_with("http") {
        path.to_owned()
    } else {
        app.url(path)
    };
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let response = app
        .client
        .post(url)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("request sent");
    Answer::read(response).await
}

/// The hidden per-form key of a rendered event page.
fn form_key(html: &str) -> String {
    let start = html
        .find("name=\"form_key\" value=\"")
        .expect("a form key on the page")
        + "name=\"form_key\" value=\"".len();
    html[start..]
        .split('"')
        .next()
        .expect("the key's end")
        .to_owned()
}

/// A complete registration form for `name <email>` with `key`.
fn filled<'a>(name: &'a str, email: &'a str, key: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("form_key", key),
        ("name", name),
        ("email", email),
        ("organisation", "Fraunhofer IOF"),
        ("sector", "science"),
        ("language", "en"),
        ("consent", "true"),
    ]
}

/// Registers through the event page's form; the answer to the POST.
async fn register_by_form(app: &TestApp, slug: &str, name: &str, email: &str) -> Answer {
    let form = page(app, &format!("/events/{slug}"), None).await;
    form.assert_status(200);
    let key = form_key(&form.text);
    post_form(
        app,
        &format!("/events/{slug}/register"),
        &filled(name, email, &key),
    )
    .await
}

/// How many registrations the event has, whatever their status.
async fn registrations(app: &TestApp, slug: &str) -> u64 {
    let list = app
        .get_admin(&format!("/api/v1/events/{slug}/registrations"))
        .await;
    list.assert_status(200);
    list.json["total"].as_u64().expect("total")
}

fn assert_html(answer: &Answer) {
    assert!(
        answer
            .header("content-type")
            .is_some_and(|c| c.starts_with("text/html")),
        "{:?}",
        answer.headers
    );
    let csp = answer.header("content-security-policy").expect("a CSP");
    assert!(csp.contains("default-src 'none'") && csp.contains("form-action 'self'"));
}

/// The links to podium in a mail's text part.
fn links(app: &TestApp, text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == '"' || c == '<' || c == '>')
        .filter(|w| w.starts_with(&app.address))
        .map(|w| w.trim_end_matches(['.', ',', ')']).to_owned())
        .collect()
}

/// An event with a stage, a scheduled pitch and an approved exhibit with a booth.
async fn event_with_programme(app: &TestApp, slug: &str) -> Value {
    let event = app.published_event(json!({ "slug": slug })).await;
    let stage = app.create_stage(slug, "Hauptbühne").await;
    let pitch = app
        .accepted_pitch(
            slug,
            json!({"title": "Flachs statt Glas", "presenter_name": "Petra Presenter",
                   "presenter_email": "petra@faserwerk.example", "organisation": "Faserwerk GmbH"}),
        )
        .await;
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
    app.release(slug, "").await;
    let exhibit = app
        .post(
            &format!("/api/v1/events/{slug}/exhibits"),
            &crate::helpers::exhibit_body(json!({"title": "Carbon-Demonstrator"})),
        )
        .await;
    exhibit.assert_status(201);
    let id = exhibit.json["id"].as_str().expect("exhibit id");
    app.patch_admin(
        &format!("/api/v1/events/{slug}/exhibits/{id}"),
        &json!({"status": "approved", "booth": "B7"}),
    )
    .await
    .assert_status(200);
    event
}

#[tokio::test]
async fn the_event_page_shows_details_programme_exhibits_and_calendar_links_in_the_browsers_language(
) {
    let app = spawn_app().await;
    let event = event_with_programme(&app, "jt").await;
    let page_url = event["page_url"]
        .as_str()
        .expect("page_url in the event JSON");
    assert_eq!(page_url, app.url("/events/jt"));

    let de = page(&app, page_url, Some("de-DE,de;q=0.9,en;q=0.8")).await;
    de.assert_status(200);
    assert_html(&de);
    assert!(de.text.contains("<html lang=\"de\">"));
    assert!(de.text.contains("Donnerstag, 24. Juni 2027, 09:00–18:00"));
    assert!(de.text.contains("Volkshaus Jena"));
    assert!(de.text.contains("10:00–10:20"));
    assert!(de.text.contains("Flachs statt Glas"));
    assert!(de.text.contains("Petra Presenter"));
    assert!(de.text.contains("Faserwerk GmbH"));
    assert!(!de.text.contains("petra@faserwerk.example"), "no e-mail");
    assert!(de.text.contains("Carbon-Demonstrator"));
    assert!(de.text.contains("Stand B7"));
    assert!(de.text.contains("webcal://127.0.0.1"));
    assert!(de.text.contains("/api/v1/events/jt/calendar.ics"));
    assert!(de.text.contains("Freie Plätze"));
    for field in ["name", "email", "organisation", "consent"] {
        assert!(de.text.contains(&format!("<label for=\"{field}\"")) || field == "consent");
        assert!(de.text.contains(&format!("id=\"{field}\"")));
    }
    assert!(
        de.text.contains("href=\"/events/jt?lang=en\""),
        "a language switch"
    );
    assert!(!de.text.contains("<script"), "no JavaScript");

    let en = page(&app, "/events/jt?lang=en", Some("de")).await;
    assert!(en.text.contains("<html lang=\"en\">"), "?lang wins");
    assert!(en.text.contains("Thursday, 24 June 2027, 09:00–18:00"));
    assert!(en.text.contains("Seats left"));

    let css = page(&app, "/assets/podium-1.css", None).await;
    css.assert_status(200);
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
}

#[tokio::test]
async fn the_event_page_answers_304_to_its_etag_per_language_and_changes_with_seats_and_edits() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "cached", "capacity": 5}))
        .await;
    let first = page(&app, "/events/cached?lang=en", None).await;
    let etag = first.header("etag").expect("an ETag").to_owned();
    assert!(first.text.contains("<dd class=\"seats\">5"));
    let again = app
        .client
        .get(app.url("/events/cached?lang=en"))
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    let de = page(&app, "/events/cached?lang=de", None).await;
    assert_ne!(de.header("etag"), Some(etag.as_str()), "per language");
    // Two renderings differ only in their form keys.
    let second = page(&app, "/events/cached?lang=en", None).await;
    assert_ne!(form_key(&first.text), form_key(&second.text));
    assert_eq!(second.header("etag"), Some(etag.as_str()));

    register_by_form(&app, "cached", "Ada", "ada@example.org")
        .await
        .assert_status(303);
    // Seat counts come from a copy of the event row at most a second old.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let after = page(&app, "/events/cached?lang=en", None).await;
    assert!(
        after.text.contains("<dd class=\"seats\">4"),
        "{}",
        after.text
    );
    assert_ne!(after.header("etag"), Some(etag.as_str()));

    app.patch_admin("/api/v1/events/cached", &json!({"title": "Neuer Titel"}))
        .await
        .assert_status(200);
    let edited = page(&app, "/events/cached", None).await;
    assert!(edited.text.contains("Neuer Titel"));
}

#[tokio::test]
async fn a_draft_is_a_404_page_and_a_cancelled_event_says_so_without_a_form() {
    let app = spawn_app().await;
    app.create_event(json!({"slug": "draft"})).await;
    let draft = page(&app, "/events/draft", None).await;
    draft.assert_status(404);
    assert_html(&draft);
    assert!(draft.text.contains("Page not found"));
    let unknown = page(&app, "/events/nothing-here", Some("de")).await;
    unknown.assert_status(404);
    assert!(unknown.text.contains("Seite nicht gefunden"));

    app.published_event(json!({"slug": "off"})).await;
    app.post_admin("/api/v1/events/off/cancel", &json!({}))
        .await
        .assert_status(200);
    let off = page(&app, "/events/off?lang=en", None).await;
    off.assert_status(200);
    assert!(off.text.contains("This event has been cancelled"));
    assert!(!off.text.contains("<form"), "no form");
    let posted = post_form(
        &app,
        "/events/off/register",
        &filled("Ada", "ada@example.org", "k1"),
    )
    .await;
    posted.assert_status(409);
    assert_eq!(registrations(&app, "off").await, 0);
}

#[tokio::test]
async fn a_form_sent_as_a_browser_sends_it_registers_and_leads_to_the_attendee_page() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    let posted = register_by_form(&app, "jt", "Ada Lovelace", "ada@example.org").await;
    posted.assert_status(303);
    let location = posted.header("location").expect("a Location").to_owned();
    assert!(
        location.starts_with(&app.url("/registrations/")),
        "{location}"
    );

    let attendee = page(&app, &location, None).await;
    attendee.assert_status(200);
    assert_html(&attendee);
    assert_eq!(attendee.header("cache-control"), Some("no-store"));
    assert!(attendee.text.contains("<html lang=\"en\">"));
    assert!(attendee.text.contains("Confirmed: your seat is reserved."));
    assert!(attendee.text.contains("Ada Lovelace"));
    assert!(attendee.text.contains("calendar.ics"));
    assert!(attendee.text.contains("webcal://"));
    assert_eq!(app.event_admin("jt").await["confirmed_count"], 1);

    // The JSON API points at the page, and at itself through api_url.
    let token = location.rsplit('/').next().unwrap();
    let own = app.get(&format!("/api/v1/registrations/{token}")).await;
    assert_eq!(own.json["manage_url"], location);
    assert_eq!(
        own.json["api_url"],
        app.url(&format!("/api/v1/registrations/{token}"))
    );
}

#[tokio::test]
async fn a_refused_form_comes_back_with_what_was_typed_and_each_error_at_its_field() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    let refused = post_form(
        &app,
        "/events/jt/register?lang=en",
        &[
            ("form_key", "abc"),
            ("name", "<b>Ada</b>"),
            ("email", "not-an-address"),
            ("organisation", "IOF"),
            ("sector", "science"),
            ("language", "en"),
        ],
    )
    .await;
    refused.assert_status(422);
    assert_html(&refused);
    assert!(refused.text.contains("class=\"error-summary\""));
    assert!(refused.text.contains("href=\"#email\""));
    assert!(refused.text.contains("id=\"email-error\""));
    assert!(refused.text.contains("id=\"consent-error\""));
    assert!(!refused.text.contains("id=\"name-error\""));
    assert!(
        refused
            .text
            .contains("value=\"&#60;b&#62;Ada&#60;/b&#62;\"")
            || refused.text.contains("value=\"&lt;b&gt;Ada&lt;/b&gt;\""),
        "typed and escaped"
    );
    assert!(!refused.text.contains("<b>Ada</b>"));
    assert!(refused.text.contains("value=\"not-an-address\""));
    assert!(refused.text.contains("value=\"science\" checked"));
    assert_eq!(registrations(&app, "jt").await, 0);

    let german = post_form(&app, "/events/jt/register?lang=de", &[("name", "Ada")]).await;
    german.assert_status(422);
    assert!(german
        .text
        .contains("Bitte geben Sie eine gültige E-Mail-Adresse ein."));

    let json = app
        .client
        .post(app.url("/events/jt/register"))
        .json(&json!({"name": "Ada"}))
        .send()
        .await
        .unwrap();
    assert_eq!(json.status(), 415);
    assert_eq!(json.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn a_duplicate_a_full_event_and_a_closed_window_are_refused_by_the_apis_rules() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "one", "capacity": 2, "waitlist": false}))
        .await;
    register_by_form(&app, "one", "Ada", "ada@example.org")
        .await
        .assert_status(303);
    let duplicate = register_by_form(&app, "one", "Ada", "ADA@example.org").await;
    duplicate.assert_status(409);
    assert!(duplicate.text.contains("id=\"email-error\""));
    assert!(duplicate.text.contains("already registered"));
    register_by_form(&app, "one", "Bob", "bob@example.org")
        .await
        .assert_status(303);

    // Full, without a waitlist: the page says so (its seat counts are at most a second old)
    // and shows no form; a form sent anyway is refused.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let full_page = page(&app, "/events/one?lang=en", None).await;
    assert!(full_page.text.contains("Fully booked."));
    assert!(!full_page.text.contains("name=\"form_key\""));
    let full = post_form(
        &app,
        "/events/one/register?lang=en",
        &filled("Cara", "cara@example.org", "key-full"),
    )
    .await;
    full.assert_status(409);
    assert!(full
        .text
        .contains("The event is fully booked and has no waiting list."));
    assert!(
        full.text.contains("<dd class=\"seats\">0"),
        "current counts"
    );
    assert_eq!(registrations(&app, "one").await, 2);

    // Full with a waitlist: the form puts people on it, and their page shows the position.
    app.published_event(json!({"slug": "wl", "capacity": 1}))
        .await;
    register_by_form(&app, "wl", "Ada", "ada@example.org")
        .await
        .assert_status(303);
    let waiting = register_by_form(&app, "wl", "Bob", "bob@example.org").await;
    waiting.assert_status(303);
    let bob = page(&app, waiting.header("location").unwrap(), None).await;
    assert!(bob.text.contains("On the waiting list."));
    assert!(bob.text.contains("<dd class=\"position\">1</dd>"));

    // Not open yet: the page names the opening, the form is refused.
    let opens = (Utc::now() + Duration::days(30)).to_rfc3339();
    app.published_event(json!({"slug": "later", "registration_opens_at": opens}))
        .await;
    let later = page(&app, "/events/later?lang=en", None).await;
    assert!(later.text.contains("Registration opens on"));
    assert!(!later.text.contains("name=\"form_key\""));
    let early = post_form(
        &app,
        "/events/later/register",
        &filled("Ada", "ada@example.org", "key-early"),
    )
    .await;
    early.assert_status(409);
    assert_eq!(registrations(&app, "later").await, 0);
}

#[tokio::test]
async fn a_replayed_form_registers_once_and_answers_the_same_redirect() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    let form = page(&app, "/events/jt", None).await;
    let key = form_key(&form.text);
    let fields = filled("Ada", "ada@example.org", &key);
    let first = post_form(&app, "/events/jt/register", &fields).await;
    first.assert_status(303);
    let second = post_form(&app, "/events/jt/register", &fields).await;
    second.assert_status(303);
    assert_eq!(first.header("location"), second.header("location"));
    assert_eq!(registrations(&app, "jt").await, 1);

    // The same page (kept after a 304) registers a colleague with other details.
    let colleague = post_form(
        &app,
        "/events/jt/register",
        &filled("Bob", "bob@example.org", &key),
    )
    .await;
    colleague.assert_status(303);
    assert_ne!(colleague.header("location"), first.header("location"));
    assert_eq!(registrations(&app, "jt").await, 2);
}

/// The link to the attendee's pages in the last mail to `address`.
async fn mailed_link(app: &TestApp, n: usize, address: &str, ends_with: &str) -> String {
    app.mails(n).await;
    let mail = app.mails_to(address).pop().expect("a mail");
    let text = mail.text().expect("a text part");
    links(app, &text)
        .into_iter()
        .find(|l| l.ends_with(ends_with) || ends_with.is_empty())
        .unwrap_or_else(|| panic!("a link ending in {ends_with:?} in {text}"))
}

#[tokio::test]
async fn double_opt_in_a_get_of_the_mails_link_changes_nothing_and_the_post_confirms() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "optin", "require_email_confirmation": true}))
        .await;
    let posted = register_by_form(&app, "optin", "Ada", "ada@example.org").await;
    posted.assert_status(303);
    let location = posted.header("location").unwrap().to_owned();
    assert!(location.contains("/events/optin/check-mail"), "{location}");
    let check = page(&app, &location, None).await;
    check.assert_status(200);
    assert!(check.text.contains("Please check your mail"));
    assert!(
        !check.text.contains("/registrations/"),
        "no way around the mail"
    );

    let confirm = mailed_link(&app, 1, "ada@example.org", "/confirm").await;
    assert!(confirm.starts_with(&app.url("/registrations/")));
    let token = confirm.split('/').rev().nth(1).unwrap().to_owned();
    for _ in 0..3 {
        let asked = page(&app, &confirm, None).await;
        asked.assert_status(200);
        assert_html(&asked);
        assert!(asked.text.contains("<form method=\"post\""));
        assert!(asked.text.contains("Yes, confirm my registration"));
    }
    let own = app.get(&format!("/api/v1/registrations/{token}")).await;
    assert_eq!(own.json["status"], "pending", "GET changed nothing");

    let confirmed = post_form(&app, &confirm, &[]).await;
    confirmed.assert_status(303);
    let attendee = page(&app, confirmed.header("location").unwrap(), None).await;
    assert!(attendee.text.contains("Confirmed: your seat is reserved."));
    let own = app.get(&format!("/api/v1/registrations/{token}")).await;
    assert_eq!(own.json["status"], "confirmed");
}

#[tokio::test]
async fn an_expired_hold_says_so_and_links_to_the_event_page() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "optin", "require_email_confirmation": true}))
        .await;
    register_by_form(&app, "optin", "Ada", "ada@example.org")
        .await
        .assert_status(303);
    let confirm = mailed_link(&app, 1, "ada@example.org", "/confirm").await;
    entity::registration::Entity::update_many()
        .col_expr(
            entity::registration::Column::HoldExpiresAt,
            Expr::value(Utc::now() - Duration::hours(1)),
        )
        .filter(entity::registration::Column::Email.eq("ada@example.org"))
        .exec(&app.db)
        .await
        .unwrap();
    let asked = page(&app, &confirm, None).await;
    asked.assert_status(409);
    assert!(asked.text.contains("has expired"));
    assert!(asked.text.contains("/events/optin?lang=en"));
    let pressed = post_form(&app, &confirm, &[]).await;
    pressed.assert_status(409);
    assert!(pressed.text.contains("has expired"));
}

#[tokio::test]
async fn cancel_and_erase_each_ask_first_and_happen_only_by_post() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt", "capacity": 1}))
        .await;
    let ada = register_by_form(&app, "jt", "Ada", "ada@example.org").await;
    let ada_page = ada.header("location").unwrap().to_owned();
    let bob = register_by_form(&app, "jt", "Bob", "bob@example.org").await;
    let bob_page = bob.header("location").unwrap().to_owned();

    let ask = page(&app, &format!("{ada_page}/cancel"), None).await;
    ask.assert_status(200);
    assert!(ask.text.contains("Yes, cancel my registration"));
    assert!(page(&app, &ada_page, None)
        .await
        .text
        .contains("Confirmed: your seat is reserved."));
    let cancelled = post_form(&app, &format!("{ada_page}/cancel"), &[]).await;
    cancelled.assert_status(303);
    assert_eq!(
        cancelled.header("location"),
        Some(format!("{ada_page}?done=cancel").as_str())
    );
    let shown = page(&app, cancelled.header("location").unwrap(), None).await;
    assert!(shown.text.contains("Cancelled."));
    assert!(shown.text.contains("Your registration has been cancelled."));
    assert!(page(&app, &ada_page, None)
        .await
        .text
        .contains("Cancelled."));
    // The seat went to the first on the waitlist.
    assert!(page(&app, &bob_page, None)
        .await
        .text
        .contains("Confirmed: your seat is reserved."));

    let ask = page(&app, &format!("{bob_page}/erase"), None).await;
    ask.assert_status(200);
    assert!(ask.text.contains("Yes, erase my data"));
    assert_eq!(page(&app, &bob_page, None).await.status, 200);
    let erased = post_form(&app, &format!("{bob_page}/erase"), &[]).await;
    erased.assert_status(303);
    let done = page(&app, erased.header("location").unwrap(), None).await;
    done.assert_status(200);
    assert!(done.text.contains("Your data has been erased"));
    let gone = page(&app, &bob_page, None).await;
    gone.assert_status(404);
    assert_html(&gone);
    let unknown = page(&app, &format!("{ada_page}/unknown"), None).await;
    unknown.assert_status(404);
}

#[tokio::test]
async fn the_presenter_and_exhibitor_pages_show_status_slot_and_booth_and_withdraw_by_post() {
    let app = spawn_app().await;
    event_with_programme(&app, "jt").await;
    let pitch = app
        .propose_pitch("jt", json!({"title": "Zweiter Pitch", "language": "de"}))
        .await;
    let pitch_page = pitch["manage_url"].as_str().expect("manage_url").to_owned();
    assert!(pitch_page.starts_with(&app.url("/pitches/")));
    assert!(pitch["api_url"]
        .as_str()
        .unwrap()
        .contains("/api/v1/pitches/"));
    let shown = page(&app, &pitch_page, None).await;
    shown.assert_status(200);
    assert_html(&shown);
    assert!(shown.text.contains("Zweiter Pitch"));

    // The scheduled pitch of the programme: its page shows stage and time.
    let mail = mailed_link(&app, 1, "petra@faserwerk.example", "").await;
    let scheduled = page(&app, &mail, None).await;
    scheduled.assert_status(200);
    assert!(scheduled.text.contains("Hauptbühne"));
    assert!(scheduled.text.contains("10:00–10:20"));

    let ask = page(&app, &format!("{pitch_page}/withdraw"), None).await;
    ask.assert_status(200);
    assert!(ask.text.contains("<form method=\"post\""));
    let withdrawn = post_form(&app, &format!("{pitch_page}/withdraw"), &[]).await;
    withdrawn.assert_status(303);
    let after = page(&app, &pitch_page, None).await;
    assert!(after.text.contains("withdrawn") || after.text.contains("Zurückgezogen"));

    let exhibit = app
        .post(
            "/api/v1/events/jt/exhibits",
            &crate::helpers::exhibit_body(json!({"title": "Dritte Ausstellung",
                "contact_email": "x@example.org"})),
        )
        .await;
    let exhibit_page = exhibit.json["manage_url"].as_str().unwrap().to_owned();
    let own = page(&app, exhibit.json["api_url"].as_str().unwrap(), None).await;
    assert_eq!(own.json["manage_url"], exhibit_page.as_str());
    let id = exhibit.json["id"].as_str().unwrap();
    app.patch_admin(
        &format!("/api/v1/events/jt/exhibits/{id}"),
        &json!({"status": "approved", "booth": "C3"}),
    )
    .await
    .assert_status(200);
    let shown = page(&app, &exhibit_page, None).await;
    shown.assert_status(200);
    assert!(shown.text.contains("Dritte Ausstellung"));
    assert!(shown.text.contains("C3"));
    let withdrawn = post_form(&app, &format!("{exhibit_page}/withdraw"), &[]).await;
    withdrawn.assert_status(303);
    let after = page(&app, &exhibit_page, None).await;
    assert!(after.text.contains("Withdrawn.") || after.text.contains("Zurückgezogen."));
}

#[tokio::test]
async fn every_link_in_every_mail_opens_a_page() {
    let app = spawn_app().await;
    event_with_programme(&app, "jt").await;
    app.published_event(json!({"slug": "optin", "require_email_confirmation": true}))
        .await;
    register_by_form(&app, "jt", "Ada", "ada@example.org").await;
    register_by_form(&app, "optin", "Bob", "bob@example.org").await;
    let cara = register_by_form(&app, "jt", "Cara", "cara@example.org").await;
    post_form(
        &app,
        &format!("{}/cancel", cara.header("location").unwrap()),
        &[],
    )
    .await
    .assert_status(303);
    // Pitch received + accepted + scheduled, exhibit received + approved, three attendee mails.
    let mails = app.mails(8).await;
    let mut checked = 0;
    for mail in &mails {
        for part in [mail.text(), mail.html()].into_iter().flatten() {
            for link in links(&app, &part) {
                let link = link.replace("&amp;", "&");
                let opened = page(&app, &link, None).await;
                assert_eq!(opened.status, 200, "{link} in {}", mail.subject());
                assert_html(&opened);
                checked += 1;
            }
        }
    }
    assert!(checked >= 8, "{checked} links");
}

#[tokio::test]
async fn the_home_page_lists_published_and_cancelled_events_but_no_drafts() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "open", "title": "Offene Tagung"}))
        .await;
    app.create_event(json!({"slug": "hidden", "title": "Geheimer Entwurf"}))
        .await;
    let home = page(&app, "/", Some("en")).await;
    home.assert_status(200);
    assert_html(&home);
    assert!(home.text.contains("Offene Tagung"));
    assert!(home.text.contains("href=\"/events/open?lang=en\""));
    assert!(!home.text.contains("Geheimer Entwurf"));
}

#[tokio::test]
async fn the_form_is_rate_limited_like_the_api_and_head_answers_the_event_page() {
    // The organiser's two POSTs (create, publish) do not count against the address.
    let app = crate::helpers::spawn_app_with(|s| s.rate_limit = 1).await;
    app.published_event(json!({"slug": "jt"})).await;
    register_by_form(&app, "jt", "Ada", "ada@example.org")
        .await
        .assert_status(303);
    let limited = register_by_form(&app, "jt", "Bob", "bob@example.org").await;
    limited.assert_status(429);
    assert!(limited.header("retry-after").is_some());
    // A person who sent the form too often sees a page in their language, not JSON.
    assert!(
        limited
            .header("content-type")
            .is_some_and(|v| v.starts_with("text/html")),
        "{limited:?}"
    );
    assert!(limited.text.contains("<html lang="), "{}", limited.text);
    assert_eq!(registrations(&app, "jt").await, 1);

    let head = app.client.head(app.url("/events/jt")).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert!(head.headers().contains_key("etag"));
    assert!(head.text().await.unwrap().is_empty());
}

#[tokio::test]
async fn text_that_looks_like_markup_or_the_form_key_slot_is_shown_escaped() {
    let app = spawn_app().await;
    app.published_event(
        json!({"slug": "x", "title": "A <!--form-key--> & <script>x</script>",
        "description": "<img src=x onerror=alert(1)>"}),
    )
    .await;
    let shown = page(&app, "/events/x", None).await;
    shown.assert_status(200);
    assert!(!shown.text.contains("<script>"));
    assert!(!shown.text.contains("<img"));
    assert!(!shown.text.contains("<!--form-key-->"));
    assert_eq!(shown.text.matches("name=\"form_key\"").count(), 1);
    let key = form_key(&shown.text);
    assert!(
        key.len() >= 40
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    let again = page(&app, "/events/x", None).await;
    assert_eq!(again.header("etag"), shown.header("etag"));
}

/// `body` ends with `</html>` and at most whitespace after it.
fn assert_ends_with_html(what: &str, body: &str) {
    assert!(
        body.trim_end().ends_with("</html>"),
        "{what}: bytes after </html>: {:?}",
        &body[body.rfind("</html>").unwrap_or(0)..]
    );
}

/// Every kind of page ends with `</html>`: a page without a form (cancelled, not yet open,
/// full without a waiting list) once had a fresh form key written after it, shown under the
/// footer ("non-space character in page trailer").
#[tokio::test]
async fn every_page_kind_ends_with_its_html_and_nothing_after_it() {
    let app = spawn_app().await;
    event_with_programme(&app, "jt").await;
    app.published_event(json!({"slug": "off"})).await;
    app.post_admin("/api/v1/events/off/cancel", &json!({}))
        .await
        .assert_status(200);
    let opens = (Utc::now() + Duration::days(30)).to_rfc3339();
    app.published_event(json!({"slug": "later", "registration_opens_at": opens}))
        .await;
    app.published_event(json!({"slug": "full", "capacity": 1, "waitlist": false}))
        .await;
    app.published_event(json!({"slug": "optin", "require_email_confirmation": true}))
        .await;
    register_by_form(&app, "full", "Ada", "ada@example.org")
        .await
        .assert_status(303);
    let ada = register_by_form(&app, "jt", "Ada", "ada@example.org").await;
    let attendee = ada.header("location").unwrap().to_owned();
    let pitch = app.propose_pitch("jt", json!({"title": "Pitch"})).await;
    let pitch_page = pitch["manage_url"].as_str().unwrap().to_owned();
    let exhibit = app
        .post(
            "/api/v1/events/jt/exhibits",
            &crate::helpers::exhibit_body(json!({"title": "Stand"})),
        )
        .await;
    let exhibit_page = exhibit.json["manage_url"].as_str().unwrap().to_owned();
    let mut kinds = vec![
        "/".to_owned(),
        "/events/jt".to_owned(),
        "/events/off".to_owned(),
        "/events/later".to_owned(),
        "/events/full".to_owned(),
        "/events/optin/check-mail".to_owned(),
        "/events/jt/door".to_owned(),
        "/events/nothing-here".to_owned(),
        "/registrations/erased".to_owned(),
        attendee.clone(),
        format!("{attendee}/cancel"),
        pitch_page.clone(),
        format!("{pitch_page}/withdraw"),
        exhibit_page.clone(),
        format!("{exhibit_page}/withdraw"),
    ];
    // Wait out the event pages' one-second seat counts (so `full` shows as full).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !page(&app, "/events/full?lang=en", None)
        .await
        .text
        .contains("Fully booked.")
    {
        assert!(std::time::Instant::now() < deadline, "full never shown");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    for lang in ["de", "en"] {
        for path in &kinds {
            let shown = page(&app, path, Some(lang)).await;
            assert!(shown.status.as_u16() < 500, "{path}: {}", shown.status);
            assert_ends_with_html(&format!("GET {path} ({lang})"), &shown.text);
        }
    }
    // Forms that come back: refused (422), a conflict (409).
    let refused = post_form(&app, "/events/jt/register", &[("name", "")]).await;
    refused.assert_status(422);
    assert_ends_with_html("a refused form", &refused.text);
    let closed = post_form(
        &app,
        "/events/off/register",
        &filled("B", "b@example.org", "k"),
    )
    .await;
    closed.assert_status(409);
    assert_ends_with_html("a form to a cancelled event", &closed.text);
    kinds.clear();
}

/// The attendee's page of a cancelled event says the event is cancelled, and shows neither
/// "confirmed" nor the QR code and check-in code (once it still did both).
#[tokio::test]
async fn a_cancelled_events_attendee_page_says_so_and_shows_no_check_in_code() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    let ada = register_by_form(&app, "jt", "Ada", "ada@example.org").await;
    let attendee = ada.header("location").unwrap().to_owned();
    let before = page(&app, &attendee, None).await;
    assert!(before.text.contains("Confirmed: your seat is reserved."));
    assert!(before.text.contains("class=\"qr\""));
    app.post_admin("/api/v1/events/jt/cancel", &json!({}))
        .await
        .assert_status(200);
    let after = page(&app, &attendee, None).await;
    after.assert_status(200);
    assert!(
        after.text.contains("The event has been cancelled"),
        "{}",
        after.text
    );
    assert!(!after.text.contains("Confirmed"), "{}", after.text);
    assert!(!after.text.contains("class=\"qr\""), "a QR code");
    assert!(
        !after.text.contains("class=\"check-in\""),
        "a check-in code"
    );
}

/// Every answer whose language `Accept-Language` chose sends `Vary: Accept-Language` and a
/// `Cache-Control` (the home, check-mail, erased and 404 pages once sent neither); a page in
/// the language of `?lang=` or of the person does not vary by the header.
#[tokio::test]
async fn every_page_chosen_by_accept_language_sends_vary_and_cache_control() {
    let app = spawn_app().await;
    event_with_programme(&app, "jt").await;
    app.published_event(json!({"slug": "optin", "require_email_confirmation": true}))
        .await;
    let ada = register_by_form(&app, "jt", "Ada", "ada@example.org").await;
    let attendee = ada.header("location").unwrap().to_owned();
    for path in [
        "/",
        "/events/jt",
        "/events/optin/check-mail",
        "/events/jt/door",
        "/registrations/erased",
        "/events/nothing-here",
        "/registrations/no-such-token",
        "/pitches/no-such-token",
        "/exhibits/no-such-token/withdraw",
    ] {
        let (de, en) = (
            page(&app, path, Some("de")).await,
            page(&app, path, Some("en")).await,
        );
        assert_ne!(de.text, en.text, "{path} changes with the header");
        for shown in [&de, &en] {
            let vary = shown.header("vary").unwrap_or_default();
            assert!(
                vary.to_ascii_lowercase().contains("accept-language"),
                "{path}: Vary {vary:?}"
            );
            assert!(
                shown.header("cache-control").is_some(),
                "{path}: no Cache-Control"
            );
        }
    }
    // The person's page is in their language and stays `no-store`.
    let own = page(&app, &attendee, Some("de")).await;
    assert_eq!(own.header("cache-control"), Some("no-store"));
    assert!(own
        .header("vary")
        .is_none_or(|v| !v.contains("Accept-Language")));
}

/// No path input answers a 5xx: every control character in every page's path parameter
/// (`%0A` in the door's sign-out once made an invalid `Location` header, a 500).
#[tokio::test]
async fn control_characters_in_every_page_path_parameter_never_answer_a_5xx() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    let routes: [(&str, &str); 17] = [
        ("GET", "/events/{}"),
        ("GET", "/events/{}/check-mail"),
        ("GET", "/events/{}/door"),
        ("POST", "/events/{}/door/sign-in"),
        ("POST", "/events/{}/door/sign-out"),
        ("POST", "/events/{}/door/check-in"),
        ("POST", "/events/{}/register"),
        ("GET", "/registrations/{}"),
        ("GET", "/registrations/{}/cancel"),
        ("POST", "/registrations/{}/cancel"),
        ("GET", "/registrations/tok/{}"),
        ("GET", "/pitches/{}"),
        ("GET", "/pitches/{}/withdraw"),
        ("POST", "/pitches/{}/withdraw"),
        ("GET", "/exhibits/{}"),
        ("GET", "/exhibits/{}/withdraw"),
        ("POST", "/exhibits/{}/withdraw"),
    ];
    let bytes = (0x00u8..0x20).chain([0x7f]);
    let mut sent = 0;
    for byte in bytes {
        for (method, template) in routes {
            let param = format!("jt%{byte:02X}x");
            let path = template.replace("{}", &param);
            let request = match method {
                "GET" => app.client.get(app.url(&path)),
                _ => app
                    .client
                    .post(app.url(&path))
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body("code=1&token=x&name=A"),
            };
            let answer = request.send().await.expect("request sent");
            assert!(
                answer.status().as_u16() < 500,
                "{method} {path}: {}",
                answer.status()
            );
            sent += 1;
        }
    }
    assert_eq!(sent, 33 * 17);
    // The fault as found: the door's sign-out of `jt%0A`.
    let signed_out = post_form(&app, "/events/jt%0A/door/sign-out", &[]).await;
    signed_out.assert_status(404);
    let own = post_form(&app, "/events/jt/door/sign-out", &[]).await;
    own.assert_status(303);
    assert_eq!(own.header("location"), Some("/events/jt/door"));
}

/// A form opened before a question was deleted still registers: the answer to the question
/// the event no longer asks is ignored (it came back 422 with no error to see).
#[tokio::test]
async fn a_form_answer_to_a_question_deleted_meanwhile_is_ignored() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    let question = app
        .post_admin(
            "/api/v1/events/jt/questions",
            &json!({"kind": "yes_no", "label_de": "Abend", "label_en": "Evening",
                "required": true}),
        )
        .await;
    question.assert_status(201);
    let id = question.json["id"].as_str().unwrap().to_owned();
    let form = page(&app, "/events/jt", None).await;
    let field = format!("answers.{id}");
    assert!(form.text.contains(&field), "the question is on the form");
    let key = form_key(&form.text);
    app.delete_admin(&format!("/api/v1/events/jt/questions/{id}"))
        .await
        .assert_status(204);
    let mut fields = filled("Ada", "ada@example.org", &key);
    fields.push((&field, "yes"));
    let posted = post_form(&app, "/events/jt/register", &fields).await;
    posted.assert_status(303);
    assert_eq!(registrations(&app, "jt").await, 1);
}
