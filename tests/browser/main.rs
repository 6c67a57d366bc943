//! Browser tests: podium's pages in a real headless Chromium, driven through WebDriver
//! (Debian's `chromium` and `chromium-driver`). A person registers on the event page, confirms
//! a double opt-in from the mail's link, and cancels from the attendee's page, with no console
//! errors (a Content-Security-Policy violation or a failed load would be one); an organiser
//! checks people in at the door page on a phone-sized window, in English and German.
//!
//! Run by `.ci/run`: `cargo test --workspace -- --ignored` (or `cargo test --test browser --
//! --ignored`); `TEST_DATABASE_URL=postgres://…` runs them on PostgreSQL.
mod accessibility;
mod axe;
#[path = "../api/helpers.rs"]
mod helpers;
mod people;
mod self_edit;
mod sign_in;
#[path = "../api/smtp_server.rs"]
mod smtp_server;
mod webdriver;

mod announcements;
mod events;

use serde_json::json;

use helpers::{spawn_app, TestApp};
use webdriver::Browser;

/// Fills the event page's form and sends it.
async fn fill_and_send(browser: &Browser, name: &str, email: &str) {
    browser.type_into("#name", name).await;
    browser.type_into("#email", email).await;
    browser.type_into("#organisation", "Fraunhofer IOF").await;
    browser.click("input[name=sector][value=science]").await;
    browser.click("input[name=language][value=en]").await;
    browser.click("#consent").await;
    browser.click("form button[type=submit]").await;
}

async fn assert_no_console_errors(browser: &Browser) {
    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

/// The first link into podium in the last mail to `address` whose text contains `part`.
async fn mailed_link(app: &TestApp, n: usize, address: &str, part: &str) -> String {
    app.mails(n).await;
    let mail = app.mails_to(address).pop().expect("a mail");
    let text = mail.text().expect("a text part");
    text.split_whitespace()
        .find(|w| w.starts_with(&app.address) && w.contains(part))
        .unwrap_or_else(|| panic!("a link with {part} in {text}"))
        .to_owned()
}

#[tokio::test]
#[ignore = "needs Chromium: run by .ci/run (cargo test --workspace -- --ignored)"]
async fn a_person_registers_on_the_event_page_and_cancels_from_the_attendee_page() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt", "capacity": 10}))
        .await;
    let browser = Browser::start().await;
    browser.goto(&app.url("/events/jt?lang=en")).await;
    assert!(browser.source().await.contains("Seats left"));

    // Sent empty first: the page comes back with the errors at the fields.
    browser.click("form button[type=submit]").await;
    browser.wait_for_url("/register").await;
    let refused = browser.source().await;
    assert!(refused.contains("error-summary"), "{refused}");
    assert!(refused.contains("id=\"email-error\""));
    // Chromium logs the refused form's status (422) and nothing else.
    let errors = browser.console_errors().await;
    assert!(
        errors.iter().all(|e| e.contains("status of 422")),
        "console errors: {errors:?}"
    );

    fill_and_send(&browser, "Ada Lovelace", "ada@example.org").await;
    let attendee = browser.wait_for_url("/registrations/").await;
    let page = browser.source().await;
    assert!(page.contains("Confirmed: your seat is reserved."), "{page}");
    assert!(page.contains("Ada Lovelace"));
    assert_no_console_errors(&browser).await;

    browser.click("a[href$='/cancel']").await;
    browser.wait_for_url("/cancel").await;
    browser.click("form button[type=submit]").await;
    browser
        .wait_until_url(|url| url == format!("{attendee}?done=cancel"))
        .await;
    assert!(browser.source().await.contains("Cancelled."));
    assert_no_console_errors(&browser).await;
    let own = app
        .get(&format!(
            "/api/v1/registrations/{}",
            attendee.rsplit('/').next().unwrap()
        ))
        .await;
    assert_eq!(own.json["status"], "cancelled");
    browser.quit().await;
}

#[tokio::test]
#[ignore = "needs Chromium: run by .ci/run (cargo test --workspace -- --ignored)"]
async fn a_person_confirms_a_double_opt_in_from_the_mails_link() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "optin", "require_email_confirmation": true}))
        .await;
    let browser = Browser::start().await;
    browser.goto(&app.url("/events/optin?lang=de")).await;
    fill_and_send(&browser, "Grace Hopper", "grace@example.org").await;
    browser.wait_for_url("/check-mail").await;
    assert!(browser.source().await.contains("Please check your mail"));

    let link = mailed_link(&app, 1, "grace@example.org", "/confirm").await;
    browser.goto(&link).await;
    assert!(browser
        .source()
        .await
        .contains("Yes, confirm my registration"));
    browser.click("form button[type=submit]").await;
    browser
        .wait_until_url(|url| url.contains("/registrations/") && !url.ends_with("/confirm"))
        .await;
    let page = browser.source().await;
    assert!(page.contains("Confirmed: your seat is reserved."), "{page}");
    assert_no_console_errors(&browser).await;
    browser.quit().await;
}

#[tokio::test]
#[ignore = "needs Chromium: run by .ci/run (cargo test --workspace -- --ignored)"]
async fn the_event_page_switches_language_and_fits_a_phone() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    let browser = Browser::start().await;
    browser.goto(&app.url("/events/jt?lang=en")).await;
    browser.click("nav.lang a").await;
    browser.wait_for_url("lang=de").await;
    let page = browser.source().await;
    assert!(page.contains("<html lang=\"de\">"));
    assert!(page.contains("Anmelden"));
    assert_no_console_errors(&browser).await;

    // At phone width nothing is wider than the screen.
    browser.resize(390, 844).await;
    let viewport = browser.eval("return window.innerWidth").await;
    let content = browser
        .eval("return document.documentElement.scrollWidth")
        .await;
    assert!(viewport.as_u64().is_some_and(|w| w <= 420), "{viewport}");
    assert!(
        content.as_u64() <= viewport.as_u64(),
        "content {content} wider than the window {viewport}"
    );
    browser.quit().await;
}

/// Nothing on the page is wider than a phone's screen (the window is 390 CSS pixels wide).
async fn assert_fits_a_phone(browser: &Browser) {
    let viewport = browser.eval("return window.innerWidth").await;
    let content = browser
        .eval("return document.documentElement.scrollWidth")
        .await;
    assert!(viewport.as_u64().is_some_and(|w| w <= 420), "{viewport}");
    assert!(
        content.as_u64() <= viewport.as_u64(),
        "content {content} wider than the window {viewport}"
    );
}

/// `HH:MM` right after `words` in `page`.
fn time_after<'a>(page: &'a str, words: &str) -> &'a str {
    let at = page
        .find(words)
        .unwrap_or_else(|| panic!("{words} in {page}"))
        + words.len();
    let time = &page[at..at + 5];
    let b = time.as_bytes();
    assert!(
        b[0].is_ascii_digit()
            && b[1].is_ascii_digit()
            && b[2] == b':'
            && b[3].is_ascii_digit()
            && b[4].is_ascii_digit(),
        "{words}{time}"
    );
    time
}

/// The console errors other than Chromium's note of a refused form's status (`codes`).
async fn console_errors_besides(browser: &Browser, codes: &[u16]) -> Vec<String> {
    browser
        .console_errors()
        .await
        .into_iter()
        .filter(|e| !codes.iter().any(|c| e.contains(&format!("status of {c}"))))
        .collect()
}

#[tokio::test]
#[ignore = "needs Chromium: run by .ci/run (cargo test --workspace -- --ignored)"]
async fn an_organiser_checks_people_in_at_the_door_on_a_phone() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "door", "capacity": 10, "timezone": "Europe/Berlin"}))
        .await;
    app.register_person("door", "Jürgen Müller", "jm@example.org")
        .await
        .assert_status(201);
    app.register_person("door", "Ada Lovelace", "ada@example.org")
        .await
        .assert_status(201);
    let carla = app
        .register_person("door", "Carla Storniert", "carla@example.org")
        .await;
    let carla_code = carla.json["check_in_code"].as_str().unwrap().to_owned();
    let carla_token = carla.json["manage_token"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/registrations/{carla_token}/cancel"),
        &json!({}),
    )
    .await
    .assert_status(200);
    let browser = Browser::start().await;
    browser.resize(390, 844).await;
    browser.goto(&app.url("/events/door/door?lang=en")).await;
    assert_fits_a_phone(&browser).await;
    browser.type_into("#token", &app.admin_token).await;
    browser.click("form button[type=submit]").await;
    browser.find("#code-form").await;
    assert_no_console_errors(&browser).await;

    // Found by name without the umlaut, and checked in from the result.
    browser.type_into("#q", "muller").await;
    browser.click("form[method=get] button[type=submit]").await;
    browser.wait_for_url("q=muller").await;
    let found = browser.source().await;
    assert!(found.contains("Jürgen Müller"), "{found}");
    assert!(!found.contains("Ada Lovelace"));
    assert_fits_a_phone(&browser).await;
    browser.click("ul.door-found button[type=submit]").await;
    browser.wait_for_url("/check-in").await;
    let done = browser.source().await;
    assert!(done.contains("door-result ok"), "{done}");
    assert!(done.contains("<p class=\"door-name\">Jürgen Müller</p>"));
    time_after(&done, "checked in at ");
    let size = browser
        .eval("return parseFloat(getComputedStyle(document.querySelector('.door-result .door-name')).fontSize)")
        .await;
    assert!(
        size.as_f64().is_some_and(|px| px >= 28.0),
        "name at {size}px"
    );
    let size = browser
        .eval(
            "return parseFloat(getComputedStyle(document.querySelector('.door-message')).fontSize)",
        )
        .await;
    assert!(
        size.as_f64().is_some_and(|px| px >= 20.0),
        "message at {size}px"
    );
    assert_fits_a_phone(&browser).await;
    assert_no_console_errors(&browser).await;

    // The same person again, by the code on the badge: already in, since when.
    let list = app
        .get_admin("/api/v1/events/door/registrations?q=muller")
        .await;
    let id = uuid::Uuid::parse_str(list.json["items"][0]["id"].as_str().unwrap()).unwrap();
    let code = podium::domain::check_in_code::derive(id);
    browser.type_into("#code", &code).await;
    browser.click("#code-form button[type=submit]").await;
    // The answer comes to the same address (`…/check-in`) as the one before: wait for its text.
    let again = browser.wait_for_source("door-result already").await;
    let first_time = time_after(&done, "checked in at ").to_owned();
    assert_eq!(time_after(&again, "already checked in at "), first_time);

    // A cancelled person is found but has no check-in button, and her code is refused.
    browser.type_into("#q", "carla").await;
    browser.click("form[method=get] button[type=submit]").await;
    browser.wait_for_url("q=carla").await;
    let carla_found = browser.source().await;
    assert!(carla_found.contains("Carla Storniert") && carla_found.contains("cancelled"));
    assert!(!carla_found.contains("name=\"id\""));
    browser.type_into("#code", &carla_code).await;
    browser.click("#code-form button[type=submit]").await;
    browser.wait_for_url("/check-in").await;
    let refused = browser.source().await;
    assert!(refused.contains("door-result refused"), "{refused}");
    assert!(refused.contains("Cancelled: not checked in"));
    assert_fits_a_phone(&browser).await;
    let errors = console_errors_besides(&browser, &[409]).await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    let carla_now = app
        .get_admin("/api/v1/events/door/registrations?q=carla")
        .await;
    assert_eq!(
        carla_now.json["items"][0]["checked_in_at"],
        serde_json::Value::Null
    );
    browser.quit().await;
}

#[tokio::test]
#[ignore = "needs Chromium: run by .ci/run (cargo test --workspace -- --ignored)"]
async fn the_door_follows_a_german_browser_and_switches_to_english() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "door"})).await;
    let browser = Browser::start_in("de-DE").await;
    browser.goto(&app.url("/events/door/door")).await;
    let page = browser.source().await;
    assert!(page.contains("<html lang=\"de\">"), "{page}");
    assert!(page.contains("Organisator-Token"));
    browser.click("nav.lang a").await;
    browser.wait_for_url("lang=en").await;
    let page = browser.source().await;
    assert!(page.contains("Organiser token"));
    browser.type_into("#token", &app.admin_token).await;
    browser.click("form button[type=submit]").await;
    browser.find("#code-form").await;
    let door = browser.source().await;
    assert!(door.contains("Check-in code") && door.contains(">Deutsch</a>"));
    assert_no_console_errors(&browser).await;
    browser.quit().await;
}
