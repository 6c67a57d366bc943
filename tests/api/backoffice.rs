//! The organisers' backoffice at `/orga/` (issue 28) over HTTP as a browser uses it: a
//! stranger is sent to sign-in, a token signs in through a form, the dashboard shows what the
//! role allows, forms from another site change nothing, sign-out ends the session, and
//! rotating or revoking the token ends every session at once (issue 30).
use reqwest::{header, Method};
use serde_json::json;

use crate::cli::podium;
use crate::helpers::{spawn_app, spawn_app_with, Answer, TestApp};

/// Header or form fields: name and value.
type Pairs<'a> = [(&'a str, &'a str)];

/// A form `POST` (or a `GET`) to `path` with the given cookie and extra headers.
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    cookie: Option<&str>,
    headers: &[(&str, &str)],
    form: &[(&str, &str)],
) -> Answer {
    let mut request = app.client.request(method.clone(), app.url(path));
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if method == Method::POST {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        request = request
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body);
    }
    Answer::read(request.send().await.expect("request sent")).await
}

/// Signs in with `token` as Chromium does on podium's own page: under the pages'
/// `no-referrer` policy its `Origin` is `null`, and `Sec-Fetch-Site` says `same-origin`. The
/// `Cookie` header value.
async fn sign_in(app: &TestApp, token: &str) -> String {
    let answer = send(
        app,
        Method::POST,
        "/orga/sign-in",
        None,
        &[("origin", "null"), ("sec-fetch-site", "same-origin")],
        &[("token", token)],
    )
    .await;
    answer.assert_status(303);
    assert_eq!(answer.header("location"), Some("/orga/"));
    let set = answer.header("set-cookie").expect("a cookie").to_owned();
    assert!(set.contains("HttpOnly"), "{set}");
    assert!(set.contains("SameSite=Strict"), "{set}");
    assert!(set.contains("Path=/orga"), "{set}");
    assert!(!set.contains("Secure"), "{set}");
    assert!(!set.contains(token));
    set.split(';').next().unwrap().to_owned()
}

/// The dashboard with this cookie: `Some(page)` when signed in, `None` when sent to sign-in.
async fn dashboard(app: &TestApp, cookie: &str) -> Option<Answer> {
    let page = send(app, Method::GET, "/orga/", Some(cookie), &[], &[]).await;
    match page.status.as_u16() {
        200 => Some(page),
        303 => {
            assert_eq!(page.header("location"), Some("/orga/sign-in"));
            None
        }
        other => panic!("dashboard: {other} {}", page.text),
    }
}

/// The form token the dashboard's sign-out form carries.
fn form_token(page: &Answer) -> String {
    let at = page
        .text
        .find("name=\"form_token\" value=\"")
        .expect("a form token")
        + 25;
    page.text[at..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_stranger_is_sent_to_sign_in_and_a_wrong_token_gets_the_form_again() {
    let app = spawn_app().await;
    let page = send(&app, Method::GET, "/orga/", None, &[], &[]).await;
    page.assert_status(303);
    assert_eq!(page.header("location"), Some("/orga/sign-in"));
    let forged = send(
        &app,
        Method::GET,
        "/orga/",
        Some("podium_orga=forged"),
        &[],
        &[],
    )
    .await;
    assert_eq!(forged.header("location"), Some("/orga/sign-in"));
    let form = send(
        &app,
        Method::GET,
        "/orga/sign-in",
        None,
        &[("accept-language", "de-DE,de;q=0.9")],
        &[],
    )
    .await;
    form.assert_status(200);
    assert!(form.text.contains("<html lang=\"de\">"));
    assert!(form.text.contains("name=\"token\" type=\"password\""));
    assert!(!form.text.contains("<script"));
    let english = send(&app, Method::GET, "/orga/sign-in", None, &[], &[]).await;
    assert!(english.text.contains("<html lang=\"en\">"));
    let wrong = send(
        &app,
        Method::POST,
        "/orga/sign-in",
        None,
        &[],
        &[("token", "nope")],
    )
    .await;
    wrong.assert_status(401);
    assert!(wrong.text.contains("signs nobody in"));
    assert!(wrong.header("set-cookie").is_none());
    // A GET of the sign-in URL with a token signs nobody in.
    let get = send(
        &app,
        Method::GET,
        &format!("/orga/sign-in?token={}", app.admin_token),
        None,
        &[],
        &[],
    )
    .await;
    assert!(get.header("set-cookie").is_none());
}

#[tokio::test]
async fn the_dashboard_shows_each_role_what_it_may_see() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "mine", "title": "Meine Tagung"}))
        .await;
    app.create_event(json!({"slug": "other", "title": "Andere Tagung"}))
        .await;
    app.register_person("mine", "Ada", "ada@example.org")
        .await
        .assert_status(201);
    app.propose_pitch("mine", json!({})).await;
    let admin = sign_in(&app, &app.admin_token).await;
    let page = dashboard(&app, &admin).await.expect("signed in");
    assert!(page.text.contains("Meine Tagung") && page.text.contains("Andere Tagung"));
    assert!(page.text.contains("1 confirmed"), "{}", page.text);
    assert!(page.text.contains("Pitches to decide"));
    // Nothing failed, so nothing about failed mail needs attention; the mail page is a link.
    assert!(!page.text.contains("Mails that could not be sent"));
    assert!(page.text.contains("href=\"/orga/mail?lang=en\""));
    assert!(!page.text.contains("<script"));

    let door = app
        .post_admin(
            "/api/v1/organisers",
            &json!({"name": "Dora", "email": "dora@example.org", "role": "door", "events": ["mine"]}),
        )
        .await;
    door.assert_status(201);
    let door = sign_in(&app, door.json["token"].as_str().unwrap()).await;
    let page = dashboard(&app, &door).await.expect("signed in");
    assert!(page.text.contains("Meine Tagung"));
    assert!(
        !page.text.contains("Andere Tagung"),
        "outside the door's events"
    );
    assert!(page.text.contains("Checked in"));
    assert!(
        !page.text.contains("Registrations"),
        "no attendee counts for the door"
    );
    assert!(!page.text.contains("Pitches to decide"));
    assert!(!page.text.contains("Mails that could not be sent"));
    assert!(
        !page.text.contains("href=\"/orga/mail"),
        "no mail page for the door"
    );
}

#[tokio::test]
async fn forms_from_another_site_change_nothing_and_sign_out_ends_the_session() {
    let app = spawn_app().await;
    // Sign-in from another site (login CSRF): refused, no cookie.
    for headers in [
        [
            ("origin", "https://evil.example"),
            ("sec-fetch-site", "cross-site"),
        ],
        [("origin", "https://evil.example"), ("x-nothing", "")],
        [("sec-fetch-site", "cross-site"), ("x-nothing", "")],
    ] {
        let answer = send(
            &app,
            Method::POST,
            "/orga/sign-in",
            None,
            &headers,
            &[("token", &app.admin_token)],
        )
        .await;
        answer.assert_status(403);
        assert!(answer.header("set-cookie").is_none());
    }
    let cookie = sign_in(&app, &app.admin_token).await;
    let page = dashboard(&app, &cookie).await.expect("signed in");
    let token = form_token(&page);
    // Sign-out from another site, or without the session's form token: refused, still in.
    let attempts: [(&Pairs, &Pairs); 3] = [
        (
            &[("origin", "https://evil.example")],
            &[("form_token", &token)],
        ),
        (
            &[("sec-fetch-site", "cross-site")],
            &[("form_token", &token)],
        ),
        (&[("origin", &app.address)], &[("form_token", "guessed")]),
    ];
    for (headers, form) in attempts {
        let answer = send(
            &app,
            Method::POST,
            "/orga/sign-out",
            Some(&cookie),
            headers,
            form,
        )
        .await;
        answer.assert_status(403);
        assert!(dashboard(&app, &cookie).await.is_some(), "still signed in");
    }
    let out = send(
        &app,
        Method::POST,
        "/orga/sign-out",
        Some(&cookie),
        &[("origin", &app.address)],
        &[("form_token", &token)],
    )
    .await;
    out.assert_status(303);
    assert_eq!(out.header("location"), Some("/orga/sign-in"));
    assert!(out.header("set-cookie").unwrap().contains("podium_orga=;"));
    assert!(dashboard(&app, &cookie).await.is_none(), "signed out");
}

#[tokio::test]
async fn rotating_or_revoking_a_token_ends_its_backoffice_sessions_at_once() {
    let app = spawn_app().await;
    for how in ["me/rotate", "rotate", "revoke", "cli rotate", "cli revoke"] {
        let email = format!("{}@example.org", how.replace(['/', ' '], "-"));
        let created = app
            .post_admin("/api/v1/organisers", &json!({"name": "M", "email": email}))
            .await;
        let id = created.json["id"].as_str().unwrap().to_owned();
        let token = created.json["token"].as_str().unwrap().to_owned();
        let cookie = sign_in(&app, &token).await;
        let other_browser = sign_in(&app, &token).await;
        assert!(dashboard(&app, &cookie).await.is_some());
        match how {
            "me/rotate" => app
                .request(
                    Method::POST,
                    "/api/v1/organisers/me/rotate",
                    Some(&token),
                    Some(&json!({})),
                )
                .await
                .assert_status(200),
            "rotate" => app
                .post_admin(&format!("/api/v1/organisers/{id}/rotate"), &json!({}))
                .await
                .assert_status(200),
            "revoke" => app
                .delete_admin(&format!("/api/v1/organisers/{id}"))
                .await
                .assert_status(200),
            command => {
                let verb = command.trim_start_matches("cli ");
                let output = podium(&app.database_url, &["organiser", verb, &email]).await;
                assert!(output.status.success(), "{command}");
                &created
            }
        };
        assert!(
            dashboard(&app, &cookie).await.is_none(),
            "{how}: still signed in"
        );
        assert!(
            dashboard(&app, &other_browser).await.is_none(),
            "{how}: still signed in elsewhere"
        );
    }
}

#[tokio::test]
async fn the_session_cookie_is_secure_under_an_https_public_url() {
    let app = spawn_app_with(|s| s.public_url = Some("https://tagung.example".to_owned())).await;
    let answer = send(
        &app,
        Method::POST,
        "/orga/sign-in",
        None,
        &[("origin", "https://tagung.example")],
        &[("token", &app.admin_token)],
    )
    .await;
    answer.assert_status(303);
    assert!(answer.header("set-cookie").unwrap().contains("Secure"));
}
