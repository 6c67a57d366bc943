//! The organisation's settings (issue 28): its name, contact, accent colour, imprint and
//! privacy links and logo, through the API and the backoffice page, shown on every public page
//! instead of "podium"; bad values are refused at their field and change nothing.
use reqwest::{header, Method};
use serde_json::json;

use crate::helpers::{spawn_app, Answer, TestApp};
use crate::orga_client::{form_token, get, own, post, send, sign_in, CROSS_SITE};

const SETTINGS: &str = r##"{"name": "Materialcluster Jena", "contact": "tagung@cluster.example",
    "accent_colour": "#7A1F5C", "imprint_url": "https://cluster.example/impressum",
    "privacy_url": "https://cluster.example/datenschutz"}"##;

/// A small SVG with a script in it, as a careless export might carry.
const SVG: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><script>alert(1)</script><circle cx="20" cy="20" r="18" fill="#7a1f5c"/></svg>"##;

async fn put_logo(app: &TestApp, token: &str, bytes: Vec<u8>, content_type: &str) -> Answer {
    let response = app
        .client
        .put(app.url("/api/v1/organisation/logo"))
        .bearer_auth(token)
        .header(header::CONTENT_TYPE, content_type)
        .body(bytes)
        .send()
        .await
        .unwrap();
    Answer::read(response).await
}

#[tokio::test]
async fn every_public_page_shows_the_organisation_once_an_admin_names_it() {
    let app = spawn_app().await;
    let before = app.get("/api/v1/organisation").await;
    before.assert_status(200);
    assert_eq!(before.json["name"], serde_json::Value::Null);
    assert_eq!(before.json["version"], 0);
    let home = app.get("/").await;
    assert!(home.text.contains("class=\"brand\""), "{}", home.text);
    assert!(home.text.contains("· podium</title>"));
    assert!(!home.text.contains("impressum"));

    let saved = app
        .put_admin(
            "/api/v1/organisation",
            &serde_json::from_str(SETTINGS).unwrap(),
        )
        .await;
    saved.assert_status(200);
    assert_eq!(saved.json["name"], "Materialcluster Jena");
    assert_eq!(saved.json["accent_colour"], "#7a1f5c");
    assert_eq!(saved.json["version"], 1);
    assert_eq!(app.get("/api/v1/organisation").await.json, saved.json);

    let event = app.published_event(json!({})).await;
    let slug = event["slug"].as_str().unwrap();
    for path in [
        "/".to_owned(),
        "/?lang=de".to_owned(),
        format!("/events/{slug}"),
        "/no/such/page".to_owned(),
    ] {
        let page = Answer::read(
            app.client
                .get(app.url(&path))
                .header(header::ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert!(
            page.text.contains("· Materialcluster Jena</title>"),
            "{path}: {}",
            page.text
        );
        assert!(!page.text.contains("podium</a>"), "{path}");
        assert!(
            page.text
                .contains("href=\"https://cluster.example/impressum\""),
            "{path}"
        );
        assert!(
            page.text
                .contains("href=\"https://cluster.example/datenschutz\""),
            "{path}"
        );
        assert!(
            page.text
                .contains("<link rel=\"stylesheet\" href=\"/organisation/theme-1.css\">"),
            "{path}"
        );
    }
    let german = app.get("/?lang=de").await;
    assert!(german.text.contains(">Impressum</a>"));
    assert!(german.text.contains(">Datenschutzerklärung</a>"));
    // The consent of the registration form links the privacy policy.
    let page = app.get(&format!("/events/{slug}")).await;
    let consent = &page.text[page.text.find("id=\"consent\"").unwrap()..];
    assert!(consent[..600].contains("https://cluster.example/datenschutz"));

    let theme = app.get("/organisation/theme-1.css").await;
    theme.assert_status(200);
    assert!(theme.text.contains("--accent: #7a1f5c"), "{}", theme.text);
    assert!(theme.text.contains("--accent-ink: #ffffff"));
    assert!(theme.header("cache-control").unwrap().contains("immutable"));
    // New events are signed by the organisation and answered at its address.
    let new = app.create_event(json!({})).await;
    assert_eq!(new["organiser_name"], "Materialcluster Jena");
    assert_eq!(new["organiser_email"], "tagung@cluster.example");
    // Emptied again, podium's own words come back.
    app.put_admin("/api/v1/organisation", &json!({}))
        .await
        .assert_status(200);
    let home = app.get("/").await;
    assert!(home.text.contains("· podium</title>"));
    assert!(!home.text.contains("theme-"));
}

#[tokio::test]
async fn bad_settings_are_refused_at_their_fields_and_change_nothing() {
    let app = spawn_app().await;
    app.put_admin("/api/v1/organisation", &json!({"name": "Cluster"}))
        .await
        .assert_status(200);
    let refused = app
        .put_admin(
            "/api/v1/organisation",
            &json!({"name": "Other", "contact": "no address", "accent_colour": "#ffd700",
                "imprint_url": "javascript:alert(1)", "privacy_url": "cluster.example/privacy"}),
        )
        .await;
    refused.assert_problem(422);
    assert_eq!(
        refused.error_fields(),
        ["contact", "accent_colour", "imprint_url", "privacy_url"]
    );
    let ratio = refused.json["errors"][1]["message"].as_str().unwrap();
    assert!(ratio.contains("1.4:1"), "{ratio}");
    app.put_admin("/api/v1/organisation", &json!({"colour": "#000000"}))
        .await
        .assert_problem(422);
    // An empty address or link is none; `null` clears (schemathesis' finding: "" is no URI).
    let empty = app
        .put_admin(
            "/api/v1/organisation",
            &json!({"name": "Cluster", "privacy_url": "", "contact": " "}),
        )
        .await;
    empty.assert_problem(422);
    assert_eq!(empty.error_fields(), ["contact", "privacy_url"]);
    let organiser = app.organiser_token().await;
    app.request(
        Method::PUT,
        "/api/v1/organisation",
        Some(&organiser),
        Some(&json!({"name": "Mine"})),
    )
    .await
    .assert_problem(403);
    app.request(
        Method::PUT,
        "/api/v1/organisation",
        None,
        Some(&json!({"name": "Anyone"})),
    )
    .await
    .assert_problem(401);
    let now = app.get("/api/v1/organisation").await;
    assert_eq!(now.json["name"], "Cluster");
    assert_eq!(now.json["version"], 1);
}

#[tokio::test]
async fn a_logo_is_a_png_or_an_svg_served_so_that_nothing_in_it_runs() {
    let app = spawn_app().await;
    let saved = put_logo(&app, &app.admin_token, SVG.into(), "image/svg+xml").await;
    saved.assert_status(200);
    let url = saved.json["logo_url"].as_str().unwrap().to_owned();
    assert!(url.ends_with("/organisation/logo-1.svg"), "{url}");
    let logo = Answer::read(app.client.get(&url).send().await.unwrap()).await;
    logo.assert_status(200);
    assert_eq!(logo.header("content-type"), Some("image/svg+xml"));
    let csp = logo.header("content-security-policy").unwrap();
    assert!(
        csp.contains("sandbox") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    assert_eq!(logo.text, SVG);
    let home = app.get("/").await;
    assert!(
        home.text
            .contains("<img class=\"logo\" src=\"/organisation/logo-1.svg\" alt=\"\">"),
        "{}",
        home.text
    );

    // A PNG is known by its signature, whatever the Content-Type says.
    let png = [b"\x89PNG\r\n\x1a\n".as_slice(), &[0; 64]].concat();
    let saved = put_logo(
        &app,
        &app.admin_token,
        png.clone(),
        "application/octet-stream",
    )
    .await;
    saved.assert_status(200);
    assert!(saved.json["logo_url"]
        .as_str()
        .unwrap()
        .ends_with("/organisation/logo-2.png"));
    let logo = app
        .client
        .get(app.url("/organisation/logo-2.png"))
        .send()
        .await
        .unwrap();
    assert_eq!(logo.headers()["content-type"], "image/png");
    assert_eq!(logo.bytes().await.unwrap().as_ref(), png.as_slice());
    // An old URL answers the current logo, to be checked again.
    let old = app.get("/organisation/logo-1.svg").await;
    assert_eq!(old.header("cache-control"), Some("no-cache"));

    let gif = put_logo(&app, &app.admin_token, b"GIF89a....".to_vec(), "image/png").await;
    gif.assert_problem(422);
    assert_eq!(gif.error_fields(), ["logo"]);
    put_logo(&app, &app.admin_token, Vec::new(), "image/png")
        .await
        .assert_problem(422);
    let mut big = png.clone();
    big.resize(300 * 1024, 0);
    let big = put_logo(&app, &app.admin_token, big, "image/png").await;
    big.assert_problem(422);
    assert!(
        big.text.contains("300 KiB: at most 256 KiB"),
        "{}",
        big.text
    );
    let organiser = app.organiser_token().await;
    put_logo(&app, &organiser, png, "image/png")
        .await
        .assert_problem(403);
    assert_eq!(app.get("/api/v1/organisation").await.json["version"], 2);

    app.delete_admin("/api/v1/organisation/logo")
        .await
        .assert_status(204);
    assert_eq!(
        app.get("/api/v1/organisation").await.json["logo_url"],
        serde_json::Value::Null
    );
    assert!(!app.get("/").await.text.contains("<img"));
    app.get("/organisation/logo-3.png").await.assert_status(404);
}

/// A `multipart/form-data` body as a browser sends the logo form.
fn multipart(token: &str, file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----podiumtestboundary7MA4YWxkTrZu0gW";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"form_token\"\r\n\r\n{token}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"logo.svg\"\r\n\
         Content-Type: image/svg+xml\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(
    app: &TestApp,
    cookie: &str,
    headers: &[(&str, &str)],
    token: &str,
    file: &[u8],
) -> Answer {
    let (content_type, body) = multipart(token, file);
    let mut request = app
        .client
        .post(app.url("/orga/organisation/logo"))
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, content_type)
        .body(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    Answer::read(request.send().await.unwrap()).await
}

#[tokio::test]
async fn an_admin_sets_the_organisation_on_its_page_and_nobody_else_can() {
    let app = spawn_app().await;
    let cookie = sign_in(&app, &app.admin_token).await;
    let page = get(&app, "/orga/organisation?lang=de", &cookie).await;
    page.assert_status(200);
    assert!(page.text.contains("<h1>Organisation</h1>"));
    let token = form_token(&page);

    // A refused form comes back with what was typed and the error at its field.
    let refused = post(
        &app,
        "/orga/organisation?lang=de",
        &cookie,
        &[
            ("form_token", &token),
            ("name", "Materialcluster Jena"),
            ("accent_colour", "#ffff00"),
            ("imprint_url", ""),
            ("privacy_url", ""),
            ("contact", ""),
        ],
    )
    .await;
    refused.assert_status(422);
    assert!(refused.text.contains("value=\"Materialcluster Jena\""));
    assert!(refused.text.contains("id=\"accent_colour-error\""));
    assert!(refused.text.contains("aria-invalid=\"true\""));
    assert_eq!(app.get("/api/v1/organisation").await.json["version"], 0);

    // From another site nothing changes.
    let forged = send(
        &app,
        Method::POST,
        "/orga/organisation",
        Some(&cookie),
        &CROSS_SITE,
        &[("form_token", &token), ("name", "Evil")],
    )
    .await;
    forged.assert_status(403);
    assert_eq!(app.get("/api/v1/organisation").await.json["version"], 0);

    let saved = post(
        &app,
        "/orga/organisation",
        &cookie,
        &[
            ("form_token", &token),
            ("name", "Materialcluster Jena"),
            ("contact", "tagung@cluster.example"),
            ("accent_colour", "#0b5cad"),
            ("imprint_url", "https://cluster.example/impressum"),
            ("privacy_url", "https://cluster.example/datenschutz"),
        ],
    )
    .await;
    saved.assert_status(303);
    assert_eq!(
        saved.header("location"),
        Some("/orga/organisation?done=saved")
    );
    let page = get(&app, "/orga/organisation?done=saved", &cookie).await;
    assert!(page.text.contains("role=\"status\""));
    assert!(page
        .text
        .contains("value=\"https://cluster.example/impressum\""));
    assert_eq!(
        app.get("/api/v1/organisation").await.json["name"],
        "Materialcluster Jena"
    );

    // The logo: a wrong file comes back with the error; a cross-site upload changes nothing.
    let wrong = upload(&app, &cookie, &own(&app), &token, b"GIF89a").await;
    wrong.assert_status(422);
    assert!(wrong.text.contains("id=\"logo-error\""));
    upload(&app, &cookie, &CROSS_SITE, &token, SVG.as_bytes())
        .await
        .assert_status(403);
    upload(&app, &cookie, &own(&app), "not-the-token", SVG.as_bytes())
        .await
        .assert_status(403);
    assert_eq!(
        app.get("/api/v1/organisation").await.json["logo_url"],
        serde_json::Value::Null
    );
    let done = upload(&app, &cookie, &own(&app), &token, SVG.as_bytes()).await;
    done.assert_status(303);
    let logo_url = app.get("/api/v1/organisation").await.json["logo_url"].clone();
    assert!(logo_url.as_str().unwrap().ends_with(".svg"));
    let page = get(&app, "/orga/organisation", &cookie).await;
    assert!(page.text.contains("class=\"logo-preview\""));
    post(
        &app,
        "/orga/organisation/logo/remove",
        &cookie,
        &[("form_token", &token)],
    )
    .await
    .assert_status(303);
    assert_eq!(
        app.get("/api/v1/organisation").await.json["logo_url"],
        serde_json::Value::Null
    );

    // An organiser who is not an admin may not.
    let organiser = app.organiser_token().await;
    let other = sign_in(&app, &organiser).await;
    get(&app, "/orga/organisation", &other)
        .await
        .assert_status(403);
    let their_token = form_token(&get(&app, "/orga/", &other).await);
    post(
        &app,
        "/orga/organisation",
        &other,
        &[("form_token", &their_token), ("name", "Mine")],
    )
    .await
    .assert_status(403);
    assert_eq!(
        app.get("/api/v1/organisation").await.json["name"],
        "Materialcluster Jena"
    );
}
