//! axe-core on every page a person or an organiser meets, at phone and at desktop width, in
//! English and German: no violation. Pages with forms are also checked as they come back with
//! errors, where `aria-invalid` and the error summary join the page.
use serde_json::json;

use crate::axe::assert_accessible_at_both_widths;
use crate::helpers::{exhibit_body, spawn_app};
use crate::webdriver::Browser;

#[tokio::test]
#[ignore = "needs Chromium: run by .ci/run (cargo test --workspace -- --ignored)"]
async fn every_public_page_passes_axe_at_phone_and_desktop_width() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "ax", "capacity": 10, "timezone": "Europe/Berlin"}))
        .await;
    app.published_event(json!({"slug": "optin", "require_email_confirmation": true}))
        .await;
    let ada = app
        .register_person("ax", "Ada Lovelace", "ada@example.org")
        .await;
    let ada_token = ada.json["manage_token"].as_str().unwrap().to_owned();
    let pitch = app.propose_pitch("ax", json!({})).await;
    let pitch_token = pitch["manage_token"].as_str().unwrap().to_owned();
    let exhibit = app
        .post("/api/v1/events/ax/exhibits", &exhibit_body(json!({})))
        .await;
    exhibit.assert_status(201);
    let exhibit_token = exhibit.json["manage_token"].as_str().unwrap().to_owned();
    // The pages as an organisation makes them its own: name, logo, colour, footer links.
    app.put_admin(
        "/api/v1/organisation",
        &json!({"name": "Materialcluster Jena", "accent_colour": "#7a1f5c",
            "imprint_url": "https://cluster.example/impressum",
            "privacy_url": "https://cluster.example/datenschutz"}),
    )
    .await
    .assert_status(200);
    let logo = r##"<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><circle cx="20" cy="20" r="18" fill="#7a1f5c"/></svg>"##;
    let answer = app
        .client
        .put(app.url("/api/v1/organisation/logo"))
        .bearer_auth(&app.admin_token)
        .header("content-type", "image/svg+xml")
        .body(logo)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);

    let browser = Browser::start().await;
    for lang in ["en", "de"] {
        for (path, what) in [
            ("/".to_owned(), "the home page"),
            ("/events/ax".to_owned(), "the event page"),
            ("/events/optin".to_owned(), "a double opt-in event page"),
            ("/events/ax/check-mail".to_owned(), "the check-mail page"),
            (format!("/registrations/{ada_token}"), "the attendee's page"),
            (
                format!("/registrations/{ada_token}/cancel"),
                "the cancel confirmation",
            ),
            ("/registrations/erased".to_owned(), "the erased page"),
            (format!("/pitches/{pitch_token}"), "the pitch's page"),
            (format!("/exhibits/{exhibit_token}"), "the exhibit's page"),
            ("/events/nowhere".to_owned(), "the not-found page"),
        ] {
            browser.goto(&app.url(&format!("{path}?lang={lang}"))).await;
            assert_accessible_at_both_widths(&browser, &format!("{what} ({lang}, {path})")).await;
        }

        // The registration form sent empty comes back with its errors.
        browser
            .goto(&app.url(&format!("/events/ax?lang={lang}")))
            .await;
        browser.click("form button[type=submit]").await;
        browser.wait_for_url("/register").await;
        browser.find("#email-error").await;
        assert_accessible_at_both_widths(&browser, &format!("the refused form ({lang})")).await;
    }
    browser.quit().await;
}

#[tokio::test]
#[ignore = "needs Chromium: run by .ci/run (cargo test --workspace -- --ignored)"]
async fn every_organiser_page_passes_axe_at_phone_and_desktop_width() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "ax", "capacity": 10, "timezone": "Europe/Berlin"}))
        .await;
    app.register_person("ax", "Jürgen Müller", "jm@example.org")
        .await
        .assert_status(201);
    // The programme's pages: criteria, a pitch to score, a stage with a slot for the editor.
    app.put_admin(
        "/api/v1/events/ax/review-criteria",
        &json!([{"key": "idea", "name_de": "Idee", "name_en": "Idea", "weight": 1, "max": 5}]),
    )
    .await
    .assert_status(200);
    let pitch = app.propose_pitch("ax", json!({})).await;
    let pitch_id = pitch["id"].as_str().unwrap().to_owned();
    let stage = app.create_stage("ax", "Hauptbühne").await;
    let event = app.event_admin("ax").await;
    let start = chrono::DateTime::parse_from_rfc3339(event["starts_at"].as_str().unwrap()).unwrap();
    app.slot(
        "ax",
        &stage,
        &start.to_rfc3339(),
        &(start + chrono::Duration::minutes(15)).to_rfc3339(),
    )
    .await;
    let browser = Browser::start().await;
    for lang in ["en", "de"] {
        // The door: signed out, refused, signed in, a search.
        browser
            .goto(&app.url(&format!("/events/ax/door?lang={lang}")))
            .await;
        assert_accessible_at_both_widths(&browser, &format!("the door's sign-in ({lang})")).await;
        browser.type_into("#token", "not-a-token").await;
        browser.click("form button[type=submit]").await;
        browser.wait_for_source("field-error").await;
        assert_accessible_at_both_widths(&browser, &format!("the door's refusal ({lang})")).await;
        browser.type_into("#token", &app.admin_token).await;
        browser.click("form button[type=submit]").await;
        browser.find("#code-form").await;
        assert_accessible_at_both_widths(&browser, &format!("the door ({lang})")).await;
        browser.type_into("#q", "muller").await;
        browser.click("form[method=get] button[type=submit]").await;
        browser.wait_for_url("q=muller").await;
        assert_accessible_at_both_widths(&browser, &format!("the door's search ({lang})")).await;
        browser
            .click("form[action*='/door/sign-out'] button[type=submit]")
            .await;
        browser.find("#token").await;

        // The backoffice: sign-in, refused, the dashboard.
        browser
            .goto(&app.url(&format!("/orga/sign-in?lang={lang}")))
            .await;
        assert_accessible_at_both_widths(&browser, &format!("the backoffice sign-in ({lang})"))
            .await;
        browser.type_into("#token", "not-a-token").await;
        browser.click("form:has(#token) button[type=submit]").await;
        browser.wait_for_source("field-error").await;
        assert_accessible_at_both_widths(&browser, &format!("the refused sign-in ({lang})")).await;
        browser.type_into("#token", &app.admin_token).await;
        browser.click("form:has(#token) button[type=submit]").await;
        browser.wait_until_url(|url| url.ends_with("/orga/")).await;
        assert_accessible_at_both_widths(&browser, &format!("the dashboard ({lang})")).await;
        // The jury's and the programme's pages.
        for (path, what) in [
            ("/orga/events/ax/reviews".to_owned(), "the review table"),
            (
                format!("/orga/events/ax/reviews/{pitch_id}"),
                "the review form",
            ),
            ("/orga/events/ax/review-criteria".to_owned(), "the criteria"),
            ("/orga/events/ax/schedule".to_owned(), "the schedule editor"),
        ] {
            browser.goto(&app.url(&format!("{path}?lang={lang}"))).await;
            assert_accessible_at_both_widths(&browser, &format!("{what} ({lang})")).await;
        }
        // The organisation's page, and its form refused.
        browser
            .goto(&app.url(&format!("/orga/organisation?lang={lang}")))
            .await;
        assert_accessible_at_both_widths(&browser, &format!("the organisation ({lang})")).await;
        browser.type_into("#accent_colour", "#ffff00").await;
        browser
            .click("form[action^='/orga/organisation?'] button[type=submit]")
            .await;
        browser.wait_for_source("accent_colour-error").await;
        assert_accessible_at_both_widths(&browser, &format!("the refused organisation ({lang})"))
            .await;
        browser
            .click("form[action^='/orga/sign-out'] button[type=submit]")
            .await;
        browser.wait_for_url("/orga/sign-in").await;
    }
    browser.quit().await;
}
