//! Browser tests: podium's pages in a real headless Chromium, driven through WebDriver
//! (Debian's `chromium` and `chromium-driver`). A person registers on the event page, confirms
//! a double opt-in from the mail's link, and cancels from the attendee's page, with no console
//! errors (a Content-Security-Policy violation or a failed load would be one).
//!
//! Run by `.ci/run`: `cargo test --workspace -- --ignored` (or `cargo test --test browser --
//! --ignored`); `TEST_DATABASE_URL=postgres://…` runs them on PostgreSQL.
#[path = "../api/helpers.rs"]
mod helpers;
#[path = "../api/smtp_server.rs"]
mod smtp_server;
mod webdriver;

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
    browser.wait_until_url(|url| url == attendee).await;
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
