//! The attendee corrects their own registration (issue 28): name, organisation and answers,
//! on their page (`/registrations/{token}/edit`) and through the API
//! (`PATCH /api/v1/registrations/{token}`), until the event starts.
use reqwest::{header, Method};
use serde_json::{json, Value};

use crate::helpers::{registration_body, spawn_app, Answer, TestApp};

/// A published event `fest` with a required one-choice question; its id.
async fn event_with_lunch(app: &TestApp) -> String {
    app.published_event(json!({"slug": "fest"})).await;
    let answer = app
        .post_admin(
            "/api/v1/events/fest/questions",
            &json!({"kind": "one_choice", "required": true, "label_de": "Mittagessen",
                "label_en": "Lunch", "choices": [
                    {"key": "meat", "de": "Fleisch", "en": "Meat"},
                    {"key": "veg", "de": "Vegetarisch", "en": "Vegetarian"}]}),
        )
        .await;
    answer.assert_status(201);
    answer.json["id"].as_str().expect("question id").to_owned()
}

/// Registers Erika with lunch `meat`; her manage token.
async fn erika(app: &TestApp, lunch: &str) -> String {
    let mut body = registration_body("Erika Mustermann", "erika@example.org");
    body["answers"] = json!({ lunch: "meat" });
    let answer = app.register("fest", &body).await;
    answer.assert_status(201);
    answer.json["manage_token"]
        .as_str()
        .expect("token")
        .to_owned()
}

/// A form `POST` to `path` from podium's own page unless `headers` say otherwise.
async fn post_form(
    app: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
    form: &[(&str, &str)],
) -> Answer {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let mut request = app
        .client
        .post(app.url(path))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body);
    if headers.is_empty() {
        request = request
            .header("origin", &app.address)
            .header("sec-fetch-site", "same-origin");
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    Answer::read(request.send().await.expect("request sent")).await
}

async fn own(app: &TestApp, token: &str) -> Value {
    let answer = app.get(&format!("/api/v1/registrations/{token}")).await;
    answer.assert_status(200);
    answer.json
}

async fn patch(app: &TestApp, token: &str, body: &Value) -> Answer {
    app.request(
        Method::PATCH,
        &format!("/api/v1/registrations/{token}"),
        None,
        Some(body),
    )
    .await
}

/// The organisers' CSV of the event (what the caterer and the badge printer get).
async fn csv(app: &TestApp) -> String {
    let answer = app.get_admin("/api/v1/events/fest/registrations.csv").await;
    answer.assert_status(200);
    answer.text
}

/// Moves the event's start (and end) into the past, as the organisers' API does.
async fn start_event(app: &TestApp) {
    let start = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let end = (chrono::Utc::now() + chrono::Duration::hours(5)).to_rfc3339();
    app.patch_admin(
        "/api/v1/events/fest",
        &json!({"starts_at": start, "ends_at": end}),
    )
    .await
    .assert_status(200);
}

#[tokio::test]
async fn the_attendee_edits_name_organisation_and_answers_on_the_page() {
    let app = spawn_app().await;
    let lunch = event_with_lunch(&app).await;
    let token = erika(&app, &lunch).await;
    let page = app.get(&format!("/registrations/{token}")).await;
    page.assert_status(200);
    assert!(page.text.contains(&format!("/registrations/{token}/edit")));

    let form = app.get(&format!("/registrations/{token}/edit")).await;
    form.assert_status(200);
    assert!(form.text.contains(r#"value="Erika Mustermann""#));
    assert!(form.text.contains(r#"value="Fraunhofer IOF""#));
    assert!(form.text.contains(r#"value="meat" checked"#));

    let field = format!("answers.{lunch}");
    let saved = post_form(
        &app,
        &format!("/registrations/{token}/edit"),
        &[],
        &[
            ("name", "Erika Musterfrau"),
            ("organisation", "Beispiel AG"),
            (&field, "veg"),
        ],
    )
    .await;
    saved.assert_status(303);
    let location = saved.header("location").expect("location").to_owned();
    assert!(location.ends_with("?done=edit"), "{location}");
    let shown = app.get(&format!("/registrations/{token}?done=edit")).await;
    assert!(shown.text.contains("Your changes are saved."));
    assert!(shown.text.contains("Erika Musterfrau") && shown.text.contains("Beispiel AG"));

    let json = own(&app, &token).await;
    assert_eq!(json["name"], "Erika Musterfrau");
    assert_eq!(json["organisation"], "Beispiel AG");
    let csv = csv(&app).await;
    assert!(csv.contains("Erika Musterfrau") && !csv.contains("Erika Mustermann"));
    assert!(csv.contains("Vegetarian") || csv.contains("Vegetarisch") || csv.contains("veg"));
}

#[tokio::test]
async fn bad_input_comes_back_with_the_values_kept_and_nothing_changes() {
    let app = spawn_app().await;
    let lunch = event_with_lunch(&app).await;
    let token = erika(&app, &lunch).await;
    let long = "x".repeat(201);
    let refused = post_form(
        &app,
        &format!("/registrations/{token}/edit"),
        &[],
        &[("name", ""), ("organisation", &long)],
    )
    .await;
    refused.assert_status(422);
    assert!(refused.text.contains(r#"aria-describedby="name-error""#));
    assert!(refused
        .text
        .contains(r#"aria-describedby="organisation-error""#));
    assert!(refused.text.contains(&format!(r#"value="{long}""#)));
    // The required lunch question, left empty, says so at its field.
    assert!(refused.text.contains(&format!(r##"href="#q-{lunch}""##)));
    assert_eq!(own(&app, &token).await["name"], "Erika Mustermann");

    let api = patch(
        &app,
        &token,
        &json!({"name": "", "answers": {lunch.as_str(): "fish"}}),
    )
    .await;
    api.assert_problem(422);
    let mut fields = api.error_fields();
    fields.sort();
    assert_eq!(fields, ["answers.".to_owned() + &lunch, "name".to_owned()]);
    assert_eq!(own(&app, &token).await["name"], "Erika Mustermann");
}

#[tokio::test]
async fn the_api_edits_what_it_is_given_and_keeps_the_rest() {
    let app = spawn_app().await;
    let lunch = event_with_lunch(&app).await;
    let token = erika(&app, &lunch).await;
    let answer = patch(&app, &token, &json!({"organisation": "Beispiel AG"})).await;
    answer.assert_status(200);
    assert_eq!(answer.json["name"], "Erika Mustermann");
    assert_eq!(answer.json["organisation"], "Beispiel AG");
    let answer = patch(
        &app,
        &token,
        &json!({"name": "Erika Musterfrau", "answers": {lunch.as_str(): "veg"}}),
    )
    .await;
    answer.assert_status(200);
    assert_eq!(answer.json["name"], "Erika Musterfrau");
    assert!(csv(&app).await.contains("Erika Musterfrau"));
    patch(&app, "nonsense-token", &json!({"name": "X"}))
        .await
        .assert_problem(404);
    // The address is not the attendee's to change here: refused, not ignored.
    let refused = patch(&app, &token, &json!({"email": "other@example.org"})).await;
    refused.assert_problem(422);
    assert_eq!(refused.error_fields(), ["email"]);
}

#[tokio::test]
async fn a_german_registration_is_edited_and_offered_its_link_in_german() {
    let app = spawn_app().await;
    let lunch = event_with_lunch(&app).await;
    let mut body = registration_body("Erika Mustermann", "erika@example.org");
    body["language"] = json!("de");
    body["answers"] = json!({ lunch.as_str(): "meat" });
    let answer = app.register("fest", &body).await;
    answer.assert_status(201);
    let token = answer.json["manage_token"].as_str().expect("token");
    let page = app.get(&format!("/registrations/{token}")).await;
    assert!(page
        .text
        .contains("Name, Organisation und Antworten ändern"));
    let form = app.get(&format!("/registrations/{token}/edit")).await;
    form.assert_status(200);
    assert!(form.text.contains("<html lang=\"de\">") && form.text.contains("Anmeldung bearbeiten"));
    let field = format!("answers.{lunch}");
    let again = post_form(
        &app,
        "/events/fest/register?lang=de",
        &[],
        &[
            ("name", "Erika"),
            ("email", "erika@example.org"),
            ("sector", "science"),
            ("language", "de"),
            ("consent", "true"),
            (&field, "veg"),
        ],
    )
    .await;
    again.assert_status(409);
    assert!(again.text.contains("Link zu meiner Anmeldung zusenden"));
    let sent = app.get("/events/fest/link-sent?lang=de").await;
    assert!(sent
        .text
        .contains("Wenn diese Adresse für „Jahrestagung 2027“ angemeldet ist"));
}

#[tokio::test]
async fn editing_closes_when_the_event_starts() {
    let app = spawn_app().await;
    let lunch = event_with_lunch(&app).await;
    let token = erika(&app, &lunch).await;
    start_event(&app).await;
    let page = app.get(&format!("/registrations/{token}")).await;
    assert!(!page.text.contains(&format!("/registrations/{token}/edit")));
    assert!(page.text.contains("can no longer be edited"));
    let form = app.get(&format!("/registrations/{token}/edit")).await;
    form.assert_status(409);
    assert!(!form.text.contains("<form"));
    let field = format!("answers.{lunch}");
    post_form(
        &app,
        &format!("/registrations/{token}/edit"),
        &[],
        &[("name", "Spät"), ("organisation", ""), (&field, "veg")],
    )
    .await
    .assert_status(409);
    patch(&app, &token, &json!({"name": "Spät"}))
        .await
        .assert_problem(409);
    assert_eq!(own(&app, &token).await["name"], "Erika Mustermann");
}

#[tokio::test]
async fn a_cancelled_registration_cannot_be_edited() {
    let app = spawn_app().await;
    let lunch = event_with_lunch(&app).await;
    let token = erika(&app, &lunch).await;
    app.post(&format!("/api/v1/registrations/{token}/cancel"), &json!({}))
        .await
        .assert_status(200);
    let form = app.get(&format!("/registrations/{token}/edit")).await;
    form.assert_status(409);
    assert!(!form.text.contains("<form"));
    patch(&app, &token, &json!({"name": "Wieder da"}))
        .await
        .assert_problem(409);
    assert_eq!(own(&app, &token).await["name"], "Erika Mustermann");
}

#[tokio::test]
async fn a_cross_site_post_changes_nothing() {
    let app = spawn_app().await;
    let lunch = event_with_lunch(&app).await;
    let token = erika(&app, &lunch).await;
    let field = format!("answers.{lunch}");
    let form = [
        ("name", "Mallory"),
        ("organisation", "Evil Inc"),
        (field.as_str(), "veg"),
    ];
    let path = format!("/registrations/{token}/edit");
    post_form(&app, &path, &[("sec-fetch-site", "cross-site")], &form)
        .await
        .assert_status(403);
    post_form(&app, &path, &[("origin", "https://evil.example")], &form)
        .await
        .assert_status(403);
    assert_eq!(own(&app, &token).await["name"], "Erika Mustermann");
}

/// The outbox rows of mailed-again links.
async fn link_rows(app: &TestApp) -> Vec<(String, String, String)> {
    use sea_orm::{ConnectionTrait, Statement};
    let rows = app
        .db
        .query_all_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT subject, text_body, html_body FROM outbox WHERE kind = 'registration_link'",
        ))
        .await
        .expect("outbox rows");
    rows.iter()
        .map(|row| {
            (
                row.try_get::<String>("", "subject").expect("subject"),
                row.try_get::<String>("", "text_body").expect("text"),
                row.try_get::<String>("", "html_body").expect("html"),
            )
        })
        .collect()
}

/// The registration form of `fest` sent again with Erika's address.
async fn register_again(app: &TestApp, lunch: &str) -> Answer {
    let field = format!("answers.{lunch}");
    post_form(
        app,
        "/events/fest/register?lang=en",
        &[],
        &[
            ("name", "Erika M."),
            ("email", "Erika@Example.org"),
            ("organisation", ""),
            ("sector", "science"),
            ("language", "en"),
            ("consent", "true"),
            (&field, "veg"),
        ],
    )
    .await
}

#[tokio::test]
async fn an_address_registered_already_is_offered_its_link_by_mail() {
    let app = spawn_app().await;
    let lunch = event_with_lunch(&app).await;
    let token = erika(&app, &lunch).await;
    app.mails(1).await;

    let again = register_again(&app, &lunch).await;
    again.assert_status(409);
    assert!(again
        .text
        .contains(r#"action="/events/fest/resend-link?lang=en""#));
    assert!(again.text.contains("Mail me the link to my registration"));
    assert!(again
        .text
        .contains(r#"name="email" value="Erika@Example.org""#));

    // An address not registered: the same answer, no mail.
    for email in ["nobody@example.org", "not an address"] {
        let sent = post_form(
            &app,
            "/events/fest/resend-link?lang=en",
            &[],
            &[("email", email)],
        )
        .await;
        sent.assert_status(303);
        assert_eq!(
            sent.header("location"),
            Some("/events/fest/link-sent?lang=en")
        );
    }
    let sent = post_form(
        &app,
        "/events/fest/resend-link?lang=en",
        &[],
        &[("email", "Erika@Example.org")],
    )
    .await;
    sent.assert_status(303);
    assert_eq!(
        sent.header("location"),
        Some("/events/fest/link-sent?lang=en")
    );
    let page = app.get("/events/fest/link-sent?lang=en").await;
    page.assert_status(200);
    assert!(page
        .text
        .contains("If this address is registered for Jahrestagung 2027"));

    let mails = app.mails(2).await;
    let links: Vec<_> = mails
        .iter()
        .filter(|m| m.subject().starts_with("Your registration:"))
        .collect();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].to, ["erika@example.org"]);
    let text = links[0].text().expect("text part");
    let link = format!("{}/registrations/{token}", app.address);
    assert!(text.contains(&link), "{text}");
    app.get(&format!("/registrations/{token}"))
        .await
        .assert_status(200);
    assert!(app.mails_to("nobody@example.org").is_empty());

    // No token at rest: the outbox keeps a placeholder.
    let rows = link_rows(&app).await;
    assert_eq!(rows.len(), 1);
    let (subject, text, html) = &rows[0];
    for stored in [subject, text, html] {
        assert!(!stored.contains(&token), "{stored}");
    }
    assert!(text.contains("{podium:manage-token:registration}"));
}

#[tokio::test]
async fn the_api_answers_202_whoever_asks_and_mails_a_registration_at_most_three_times_an_hour() {
    let app = spawn_app().await;
    let lunch = event_with_lunch(&app).await;
    erika(&app, &lunch).await;
    let path = "/api/v1/events/fest/registrations/resend-link";
    let answer = app
        .post(path, &json!({"email": "nobody@example.org"}))
        .await;
    answer.assert_status(202);
    assert!(link_rows(&app).await.is_empty());
    // What is no address at all is a 422 (it tells nothing about who is registered).
    app.post(path, &json!({"email": "\u{84}"}))
        .await
        .assert_problem(422);
    for _ in 0..5 {
        app.post(path, &json!({"email": "erika@example.org"}))
            .await
            .assert_status(202);
    }
    assert_eq!(link_rows(&app).await.len(), 3);
    app.post(
        "/api/v1/events/nope/registrations/resend-link",
        &json!({"email": "x@example.org"}),
    )
    .await
    .assert_problem(404);
}

#[tokio::test]
async fn asking_for_links_is_limited_per_client() {
    let app = crate::helpers::spawn_app_with(|s| s.submission_limit = 2).await;
    let lunch = event_with_lunch(&app).await;
    erika(&app, &lunch).await;
    let path = "/api/v1/events/fest/registrations/resend-link";
    for _ in 0..2 {
        app.post(path, &json!({"email": "someone@example.org"}))
            .await
            .assert_status(202);
    }
    app.post(path, &json!({"email": "erika@example.org"}))
        .await
        .assert_problem(429);
    post_form(
        &app,
        "/events/fest/resend-link",
        &[],
        &[("email", "erika@example.org")],
    )
    .await
    .assert_status(429);
    assert!(link_rows(&app).await.is_empty());
}

#[tokio::test]
async fn a_cross_site_ask_for_the_link_mails_nothing() {
    let app = spawn_app().await;
    let lunch = event_with_lunch(&app).await;
    erika(&app, &lunch).await;
    post_form(
        &app,
        "/events/fest/resend-link",
        &[("sec-fetch-site", "cross-site")],
        &[("email", "erika@example.org")],
    )
    .await
    .assert_status(403);
    assert!(link_rows(&app).await.is_empty());
}
