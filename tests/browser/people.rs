//! The backoffice's attendee and mail pages in a real Chromium (issue 28): an organiser signs
//! in with a token, finds "Jörg Müller" by typing "muller", opens him, checks him in, fetches
//! the XLSX of what the search shows, and retries a failed mail; axe-core finds no violation
//! on the list, the person page, the edit and add forms (also refused), the cancel
//! confirmation and the mail page, at phone and desktop width.
use std::io::Read;

use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;

use crate::axe::assert_accessible_at_both_widths;
use crate::helpers::{spawn_app, TestApp};
use crate::webdriver::Browser;

/// Waits until the worker has sent `n` mails, then marks Anna Schmidt's failed, as the worker
/// does when the mail server refuses it for good.
async fn fail_schmidts_mail(app: &TestApp, n: i64) {
    let backend = app.db.get_database_backend();
    let deadline = std::time::Instant::now() + crate::webdriver::WAIT;
    loop {
        let sent = app
            .db
            .query_one_raw(Statement::from_string(
                backend,
                "SELECT COUNT(*) FROM outbox WHERE status = 'sent'",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index::<i64>(0)
            .unwrap();
        if sent == n {
            break;
        }
        // Marked failed only once the worker is done with it, or it could overwrite the mark.
        assert!(
            std::time::Instant::now() < deadline,
            "{sent} of {n} mails sent"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    app.db
        .execute_raw(Statement::from_string(
            backend,
            "UPDATE outbox SET status = 'failed', attempts = 8, \
             last_error = 'permanent error (550): mailbox unavailable' \
             WHERE recipient = 'schmidt@example.org'",
        ))
        .await
        .unwrap();
}

#[tokio::test]
#[ignore = "needs Chromium: run by .ci/run (cargo test --workspace -- --ignored)"]
async fn an_organiser_finds_muller_checks_him_in_downloads_the_list_and_retries_a_mail() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt", "capacity": 10}))
        .await;
    for (name, email) in [
        ("Jörg Müller", "mueller@example.org"),
        ("Anna Schmidt", "schmidt@example.org"),
    ] {
        app.register_person("jt", name, email)
            .await
            .assert_status(201);
    }
    app.mails(2).await;
    fail_schmidts_mail(&app, 2).await;

    let browser = Browser::start().await;
    browser.goto(&app.url("/orga/sign-in?lang=en")).await;
    browser.type_into("#token", &app.admin_token).await;
    browser.click("form:has(#token) button[type=submit]").await;
    browser.wait_until_url(|url| url.ends_with("/orga/")).await;

    // The list: search "muller".
    browser
        .goto(&app.url("/orga/events/jt/attendees?lang=en"))
        .await;
    assert_accessible_at_both_widths(&browser, "the attendee list").await;
    browser.type_into("#q", "muller").await;
    browser.click("form[role=search] button[type=submit]").await;
    browser.wait_for_url("q=muller").await;
    let found = browser.source().await;
    assert!(found.contains("Jörg Müller"), "{found}");
    assert!(!found.contains("Anna Schmidt"));
    assert_accessible_at_both_widths(&browser, "the attendee list searched").await;

    // The XLSX link, fetched with the browser's session: what the search shows.
    let href = browser
        .eval("return document.querySelector(\"a[href*='attendees.xlsx']\").href;")
        .await;
    let href = href.as_str().expect("a link").to_owned();
    assert!(href.contains("q=muller"), "{href}");
    let cookie = browser.cookie("podium_orga").await.expect("the session");
    let response = app
        .client
        .get(&href)
        .header("cookie", format!("podium_orga={cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = response.bytes().await.unwrap();
    let mut book = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("a zip");
    let mut strings = String::new();
    book.by_name("xl/sharedStrings.xml")
        .expect("the sheet's texts")
        .read_to_string(&mut strings)
        .unwrap();
    assert!(strings.contains("Jörg Müller") && !strings.contains("Schmidt"));

    // The person: check in.
    browser.click("main table a").await;
    browser.wait_for_url("/attendees/").await;
    assert_accessible_at_both_widths(&browser, "the person page").await;
    browser
        .click("form[action$='/check-in?lang=en'] button")
        .await;
    browser.wait_for_url("done=checked_in").await;
    let page = browser.source().await;
    assert!(page.contains("Checked in."), "{page}");
    assert!(page.contains("Undo the check-in"));
    assert_accessible_at_both_widths(&browser, "the person page, checked in").await;

    // The edit form, as it comes and refused.
    browser.click("a[href*='/edit']").await;
    browser.wait_for_url("/edit").await;
    assert_accessible_at_both_widths(&browser, "the edit form").await;
    browser
        .eval("document.querySelector('#name').value = ''; return true;")
        .await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_source("id=\"name-error\"").await;
    assert_accessible_at_both_widths(&browser, "the refused edit form").await;

    // The cancel confirmation, and the add form, as it comes and refused.
    let person = browser
        .eval("return document.querySelector(\"a.button.secondary[href*='/attendees/']\").getAttribute('href');")
        .await;
    let person = person
        .as_str()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    browser
        .goto(&app.url(&format!("{person}/cancel?lang=en")))
        .await;
    assert_accessible_at_both_widths(&browser, "the cancel confirmation").await;
    browser
        .goto(&app.url("/orga/events/jt/attendees/new?lang=de"))
        .await;
    assert_accessible_at_both_widths(&browser, "the add form (de)").await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_source("error-summary").await;
    assert_accessible_at_both_widths(&browser, "the refused add form (de)").await;

    browser
        .goto(&app.url("/orga/events/jt/attendees?lang=de&checked_in=true"))
        .await;
    assert!(browser.source().await.contains("Treffer: 1"));
    assert_accessible_at_both_widths(&browser, "the attendee list (de)").await;

    // The mail page: the failed mail with its reason, retried.
    let mail = browser
        .goto_until(
            &app.url("/orga/mail?status=failed&lang=en"),
            "mailbox unavailable",
        )
        .await;
    assert!(mail.contains("schmidt@example.org"), "{mail}");
    assert!(mail.contains("mailbox unavailable"));
    assert_accessible_at_both_widths(&browser, "the mail page").await;
    browser
        .click("form[action*='/retry'] button[type=submit]")
        .await;
    browser.wait_for_url("done=retried").await;
    assert!(browser.source().await.contains("The mail is queued again."));
    assert_accessible_at_both_widths(&browser, "the mail page after a retry").await;
    app.mails(3).await;
    browser.quit().await;
}
