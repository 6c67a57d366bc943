//! The backoffice's sign-in by mailed link and the team page in a real browser (issue 28): an
//! admin asks for a link, opens it from the mail, presses the button, lands on the dashboard,
//! opens the team page, invites a door member and signs out; axe-core finds nothing on the
//! sign-in page, the link's page and the team page, at phone and at desktop width.
use serde_json::json;

use crate::axe::{assert_accessible, DESKTOP, PHONE};
use crate::helpers::spawn_app;
use crate::mailed_link;
use crate::webdriver::Browser;

/// No axe-core violation on the current page at phone and at desktop width.
async fn accessible_at_both_widths(browser: &Browser, what: &str) {
    for (width, height) in [PHONE, DESKTOP] {
        browser.resize(width, height).await;
        assert_accessible(browser, &format!("{what} at {width} px")).await;
    }
}

#[tokio::test]
#[ignore = "needs Chromium: run by .ci/run (cargo test --workspace -- --ignored)"]
async fn an_admin_signs_in_by_mailed_link_invites_a_door_member_and_signs_out() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt", "title": "Jahrestagung"}))
        .await;
    app.post_admin(
        "/api/v1/organisers",
        &json!({"name": "Ada Admin", "email": "ada@example.org", "role": "admin", "language": "en"}),
    )
    .await
    .assert_status(201);
    let browser = Browser::start().await;

    browser.goto(&app.url("/orga/sign-in")).await;
    accessible_at_both_widths(&browser, "the sign-in page").await;
    browser.type_into("#email", "ada@example.org").await;
    browser
        .click("section[aria-labelledby=by-email] button[type=submit]")
        .await;
    browser.wait_for_source("Check your mail").await;
    accessible_at_both_widths(&browser, "the answer to a sign-in request").await;

    let link = mailed_link(&app, 1, "ada@example.org", "/orga/sign-in/link/").await;
    browser.goto(&link).await;
    browser.wait_for_source("Press the button").await;
    accessible_at_both_widths(&browser, "the sign-in link's page").await;
    browser.click("main form button[type=submit]").await;
    browser.wait_until_url(|url| url.ends_with("/orga/")).await;
    assert!(browser.source().await.contains("Ada Admin"));

    browser.click("a[href^='/orga/team?']").await;
    browser.wait_for_url("/orga/team").await;
    browser.wait_for_source("Invite a member").await;
    accessible_at_both_widths(&browser, "the team page").await;
    browser.type_into("#name", "Dora Door").await;
    browser.type_into("#email", "dora@example.org").await;
    browser.click("input[name=role][value=door]").await;
    browser.click("input[name=events]").await;
    browser.click("input[name=language][value=de]").await;
    browser
        .click("section[aria-labelledby=invite] button[type=submit]")
        .await;
    browser.wait_for_url("done=invited").await;
    let team = browser.source().await;
    assert!(team.contains("Dora Door") && team.contains("door: checks people in"));
    accessible_at_both_widths(&browser, "the team page after an invitation").await;
    let invitation = mailed_link(&app, 2, "dora@example.org", "/orga/sign-in/link/").await;
    assert!(invitation.contains("/orga/sign-in/link/"));

    // The member's page, the confirmation before ending access, and one's own account.
    browser
        .click("tbody a[href^='/orga/team/']:not([href$='/revoke'])")
        .await;
    browser.wait_for_source("End access").await;
    accessible_at_both_widths(&browser, "a member's page").await;
    browser.click("a[href$='/revoke']").await;
    browser.wait_for_url("/revoke").await;
    accessible_at_both_widths(&browser, "the confirmation to end access").await;
    browser.goto(&app.url("/orga/account")).await;
    browser.wait_for_source("Your account").await;
    accessible_at_both_widths(&browser, "the account page").await;

    browser.click("form.sign-out button[type=submit]").await;
    browser.wait_for_url("/orga/sign-in").await;
    browser.goto(&app.url("/orga/")).await;
    browser.wait_for_url("/orga/sign-in").await;
    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    browser.quit().await;
}
