//! The attendee's own edit and "mail me the link" (issue 28) in a real browser: a person
//! registers, corrects their organisation on their page, registers again with the same
//! address and has the link mailed; every page passes axe-core at phone and desktop width.
use serde_json::json;

use crate::axe::assert_accessible_at_both_widths;
use crate::helpers::spawn_app;
use crate::webdriver::Browser;
use crate::{fill_and_send, mailed_link};

#[tokio::test]
#[ignore = "needs Chromium: run by .ci/run (cargo test --workspace -- --ignored)"]
async fn a_person_edits_their_registration_and_has_the_link_mailed_again() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "se", "capacity": 10}))
        .await;
    let browser = Browser::start().await;
    browser.goto(&app.url("/events/se?lang=en")).await;
    fill_and_send(&browser, "Ada Lovelace", "ada@example.org").await;
    browser.wait_for_url("/registrations/").await;
    browser
        .wait_for_source("Change name, organisation and answers")
        .await;

    browser.click("a[href$='/edit']").await;
    browser.wait_for_url("/edit").await;
    browser.wait_for_source("Edit your registration").await;
    assert_accessible_at_both_widths(&browser, "the edit form").await;

    // Refused: the form again with the error at the name.
    browser
        .eval("document.querySelector('#name').value = ''; return null;")
        .await;
    browser.click("form button[type=submit]").await;
    browser.wait_for_source("id=\"name-error\"").await;
    assert_accessible_at_both_widths(&browser, "the refused edit form").await;

    browser.type_into("#name", "Ada Lovelace").await;
    browser
        .eval("document.querySelector('#organisation').value = ''; return null;")
        .await;
    browser
        .type_into("#organisation", "Analytical Engines Ltd")
        .await;
    browser.click("form button[type=submit]").await;
    browser.wait_for_url("done=edit").await;
    let page = browser.wait_for_source("Your changes are saved.").await;
    assert!(page.contains("Analytical Engines Ltd"), "{page}");

    // The same address again: the page offers to mail the link.
    browser.goto(&app.url("/events/se?lang=en")).await;
    fill_and_send(&browser, "Ada L.", "ada@example.org").await;
    browser
        .wait_for_source("Mail me the link to my registration")
        .await;
    assert_accessible_at_both_widths(&browser, "the already-registered page").await;
    browser.click("form.resend button").await;
    browser.wait_for_url("/link-sent").await;
    browser
        .wait_for_source("If this address is registered for")
        .await;
    assert_accessible_at_both_widths(&browser, "the link-sent page").await;

    let link = mailed_link(&app, 2, "ada@example.org", "/registrations/").await;
    browser.goto(&link).await;
    let page = browser.wait_for_source("Analytical Engines Ltd").await;
    assert!(page.contains("Ada Lovelace"), "{page}");
    browser.quit().await;
}
