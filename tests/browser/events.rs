//! The backoffice's event and question pages in a real Chromium (issue 28): an organiser
//! signs in with a token through the sign-in form, creates an event (times typed in its
//! zone), publishes it, adds a registration question and sees it in the preview; every page
//! on the way passes axe-core at phone width (390 px) and at desktop width.
use serde_json::json;

use crate::axe::assert_accessible_at_both_widths as check_both_widths;
use crate::helpers::spawn_app;
use crate::webdriver::Browser;

/// Sets a form field's value as a person would pick it (a `<select>`, a date-time input
/// whose typing depends on the browser's locale).
async fn set_value(browser: &Browser, css: &str, value: &str) {
    browser.find(css).await;
    let script = format!(
        "document.querySelector({}).value = {}; return true",
        json!(css),
        json!(value)
    );
    browser.eval(&script).await;
}

#[tokio::test]
#[ignore = "needs Chromium: run by .ci/run (cargo test --workspace -- --ignored)"]
async fn an_organiser_creates_and_publishes_an_event_and_previews_a_question() {
    let app = spawn_app().await;
    let browser = Browser::start().await;
    browser.goto(&app.url("/orga/sign-in?lang=en")).await;
    browser.type_into("#token", &app.admin_token).await;
    browser.click("form:has(#token) button[type=submit]").await;
    browser.wait_until_url(|url| url.ends_with("/orga/")).await;
    assert!(browser.source().await.contains("/orga/mail?lang=en"));
    check_both_widths(&browser, "the dashboard").await;

    browser.click("a[href^='/orga/events/new']").await;
    browser.wait_for_url("/orga/events/new").await;
    check_both_widths(&browser, "the new event form").await;
    browser.type_into("#title", "Browsertagung 2027").await;
    browser.type_into("#slug", "bt-2027").await;
    browser.type_into("#venue", "Volkshaus Jena").await;
    // Sent with the end before the start first: the form comes back with the error at it.
    set_value(&browser, "#starts_at", "2027-10-30T09:00").await;
    set_value(&browser, "#ends_at", "2027-10-29T17:00").await;
    browser.click("main form button[type=submit]").await;
    let refused = browser.wait_for_source("id=\"ends_at-error\"").await;
    assert!(refused.contains("value=\"Browsertagung 2027\""));
    check_both_widths(&browser, "the refused new event form").await;
    set_value(&browser, "#ends_at", "2027-10-31T17:00").await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_url("/orga/events/bt-2027").await;
    let page = browser.wait_for_source("The draft is created.").await;
    assert!(page.contains("Browsertagung 2027"));
    check_both_widths(&browser, "the event page").await;
    let event = app.get_admin("/api/v1/events/bt-2027").await;
    // Summer time on the Saturday, winter time on the Sunday.
    assert_eq!(event.json["starts_at"], "2027-10-30T09:00:00+02:00");
    assert_eq!(event.json["ends_at"], "2027-10-31T17:00:00+01:00");

    browser
        .click("main form[action^='/orga/events/bt-2027/publish'] button")
        .await;
    browser
        .wait_for_source("Published: the event is on the public pages.")
        .await;
    assert_eq!(
        app.get_admin("/api/v1/events/bt-2027").await.json["status"],
        "published"
    );

    for (page, what) in [
        ("cancel", "the cancel confirmation"),
        ("clone", "the next edition's form"),
    ] {
        browser
            .goto(&app.url(&format!("/orga/events/bt-2027/{page}?lang=de")))
            .await;
        browser.find("main h1").await;
        check_both_widths(&browser, what).await;
    }
    browser.goto(&app.url("/orga/events/bt-2027?lang=en")).await;
    browser.click("a[href^='/orga/events/bt-2027/edit']").await;
    browser.wait_for_url("/edit").await;
    check_both_widths(&browser, "the edit form").await;
    browser.goto(&app.url("/orga/events/bt-2027?lang=en")).await;

    browser
        .click("a[href^='/orga/events/bt-2027/questions']")
        .await;
    browser.wait_for_url("/questions").await;
    check_both_widths(&browser, "the questions page").await;
    set_value(&browser, "#kind", "yes_no").await;
    browser
        .type_into("#label_de", "Kommen Sie zum Empfang?")
        .await;
    browser
        .type_into("#label_en", "Will you come to the reception?")
        .await;
    browser
        .click("#add-question + form button[type=submit]")
        .await;
    browser.wait_for_url("done=added").await;
    let list = browser.source().await;
    assert!(list.contains("Will you come to the reception?"), "{list}");
    check_both_widths(&browser, "the questions page with a question").await;

    browser
        .click(".question-actions a[href$='/edit?lang=en']")
        .await;
    browser.wait_for_url("/edit").await;
    check_both_widths(&browser, "a question's form").await;
    browser
        .goto(&app.url("/orga/events/bt-2027/questions?lang=en"))
        .await;
    browser
        .click(".question-actions a[href$='/delete?lang=en']")
        .await;
    browser.wait_for_url("/delete").await;
    check_both_widths(&browser, "a question's delete confirmation").await;
    browser
        .goto(&app.url("/orga/events/bt-2027/questions?lang=en"))
        .await;
    browser.click("a[href*='/questions/preview']").await;
    browser.wait_for_url("/preview").await;
    let preview = browser.source().await;
    assert!(preview.contains("Will you come to the reception?"));
    assert!(preview.contains("type=\"radio\""));
    check_both_widths(&browser, "the preview").await;

    // The public page asks the same question.
    browser
        .goto_until(
            &app.url("/events/bt-2027?lang=de"),
            "Kommen Sie zum Empfang?",
        )
        .await;
    // Chromium notes the refused form's status (422) and nothing else.
    let errors = browser.console_errors().await;
    assert!(
        errors.iter().all(|e| e.contains("status of 422")),
        "console errors: {errors:?}"
    );
    browser.quit().await;
}
