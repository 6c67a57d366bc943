//! The backoffice's announcements and badges pages in a real Chromium (issue 28): an
//! organiser signs in with a token through the sign-in form, writes an announcement,
//! previews it, sends a test to themselves, sends it after the confirmation and finds it in
//! the history, then opens the badges page; every page on the way passes axe-core at phone
//! width (390 px) and at desktop width.
use serde_json::json;

use crate::axe::assert_accessible_at_both_widths as check_both_widths;
use crate::helpers::{registration_body, spawn_app, TestApp};
use crate::webdriver::Browser;

/// The mails whose subject starts with `subject`, once there are `n` (`WAIT` at most).
async fn mails_about(
    app: &TestApp,
    subject: &str,
    n: usize,
) -> Vec<crate::smtp_server::ReceivedMail> {
    let deadline = std::time::Instant::now() + crate::webdriver::WAIT;
    loop {
        let found: Vec<_> = app
            .smtp
            .messages()
            .into_iter()
            .filter(|m| {
                let found = m.subject();
                // A test mail says so first.
                found
                    .strip_prefix("[Test] ")
                    .unwrap_or(&found)
                    .starts_with(subject)
            })
            .collect();
        if found.len() >= n || std::time::Instant::now() > deadline {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
#[ignore = "needs Chromium: run by .ci/run (cargo test --workspace -- --ignored)"]
async fn an_organiser_previews_tests_and_sends_an_announcement_and_opens_the_badges() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "fest"})).await;
    for (name, email) in [("Ada", "ada@example.org"), ("Bernd", "bernd@example.org")] {
        app.register("fest", &registration_body(name, email))
            .await
            .assert_status(201);
    }
    let token = app.organiser_token().await;
    let browser = Browser::start().await;
    browser.goto(&app.url("/orga/sign-in?lang=en")).await;
    browser.type_into("#token", &token).await;
    browser.click("form:has(#token) button[type=submit]").await;
    browser.wait_until_url(|url| url.ends_with("/orga/")).await;

    browser.goto(&app.url("/orga/events/fest?lang=en")).await;
    browser
        .click("a[href^='/orga/events/fest/announcements']")
        .await;
    browser.wait_for_url("/announcements").await;
    browser
        .wait_for_source("No announcement has been sent")
        .await;
    check_both_widths(&browser, "the empty announcements history").await;

    browser
        .click("a[href^='/orga/events/fest/announcements/new']")
        .await;
    browser.wait_for_url("/announcements/new").await;
    check_both_widths(&browser, "the announcement form").await;
    browser.type_into("#subject_de", "Raumänderung").await;
    browser.type_into("#text_de", "Wir tagen im Saal B.").await;
    browser.type_into("#subject_en", "Room change").await;
    browser.type_into("#text_en", "We meet in hall B.").await;
    browser.click("button[value=preview]").await;
    let preview = browser.wait_for_source("This mail goes to 2 people.").await;
    assert!(preview.contains("Raumänderung – "));
    assert!(preview.contains("We meet in hall B."));
    check_both_widths(&browser, "the announcement's preview").await;

    browser.click("button[value=test]").await;
    browser.wait_for_source("went to orga@example.org").await;
    let tests = mails_about(&app, "Room change", 1).await;
    assert_eq!(tests.len(), 1);
    assert_eq!(tests[0].to, ["orga@example.org"]);

    browser.click("button[value=review]").await;
    browser
        .wait_for_source("2 people will get this mail.")
        .await;
    check_both_widths(&browser, "the send confirmation").await;
    browser.click("main form button.primary").await;
    browser.wait_for_url("done=sent").await;
    let history = browser
        .wait_for_source("The announcement is on its way.")
        .await;
    assert!(history.contains("<h2>Room change</h2>"));
    check_both_widths(&browser, "the announcements history").await;
    let sent = mails_about(&app, "Room change", 3).await;
    assert_eq!(sent.len(), 3, "the test and the two attendees'");

    browser.goto(&app.url("/orga/events/fest?lang=de")).await;
    browser.click("a[href^='/orga/events/fest/badges']").await;
    browser.wait_for_url("/badges").await;
    browser
        .wait_for_source("2 Namensschilder werden gedruckt")
        .await;
    check_both_widths(&browser, "the badges page").await;
    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    browser.quit().await;
}
