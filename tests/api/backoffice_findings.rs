//! What an organiser met trying the backoffice (issue 28's tryout): an unknown page, a second
//! delete and the like say what happened, in the member's language, as a page.
use reqwest::Method;
use serde_json::json;

use crate::helpers::spawn_app;
use crate::orga_client::{form_token, get, post, send, sign_in};

#[tokio::test]
async fn an_unknown_backoffice_page_is_a_page_in_the_members_language() {
    let app = spawn_app().await;
    let stranger = send(&app, Method::GET, "/orga/nowhere", None, &[], &[]).await;
    stranger.assert_status(303);
    assert_eq!(stranger.header("location"), Some("/orga/sign-in"));
    let cookie = sign_in(&app, &app.admin_token).await;
    for (path, words) in [
        ("/orga/nowhere?lang=de", "Nicht gefunden"),
        ("/orga/events/x/nothing?lang=en", "Not found"),
    ] {
        let page = get(&app, path, &cookie).await;
        page.assert_status(404);
        assert_eq!(
            page.header("content-type"),
            Some("text/html; charset=utf-8"),
            "{path}"
        );
        assert!(page.text.contains(words), "{path}: {}", page.text);
    }
}

#[tokio::test]
async fn a_second_delete_says_it_is_gone_not_that_something_went_wrong() {
    let app = spawn_app().await;
    app.create_event(json!({"slug": "jt"})).await;
    let question = app
        .post_admin(
            "/api/v1/events/jt/questions",
            &json!({"kind": "yes_no", "label_de": "Mittagessen?", "label_en": "Lunch?"}),
        )
        .await;
    question.assert_status(201);
    let id = question.json["id"].as_str().unwrap();
    let cookie = sign_in(&app, &app.admin_token).await;
    let token = form_token(&get(&app, "/orga/?lang=de", &cookie).await);
    let path = format!("/orga/events/jt/questions/{id}/delete?lang=de");
    post(&app, &path, &cookie, &[("form_token", &token)])
        .await
        .assert_status(303);
    let again = post(&app, &path, &cookie, &[("form_token", &token)]).await;
    again.assert_status(404);
    assert!(again.text.contains("Nicht gefunden"), "{}", again.text);
    assert!(!again.text.contains("schiefgegangen"));
}

#[tokio::test]
async fn an_organiser_of_some_events_is_not_offered_a_next_edition_they_may_not_make() {
    let app = spawn_app().await;
    app.create_event(json!({"slug": "jt"})).await;
    let member = app
        .post_admin(
            "/api/v1/organisers",
            &json!({"name": "Lea Organiser", "email": "lea@example.org", "role": "organiser",
                "events": ["jt"]}),
        )
        .await;
    member.assert_status(201);
    let limited = sign_in(&app, member.json["token"].as_str().unwrap()).await;
    let page = get(&app, "/orga/events/jt", &limited).await;
    page.assert_status(200);
    assert!(
        !page.text.contains("/orga/events/jt/clone"),
        "{}",
        page.text
    );
    get(&app, "/orga/events/jt/clone", &limited)
        .await
        .assert_status(403);
    let admin = sign_in(&app, &app.admin_token).await;
    let page = get(&app, "/orga/events/jt", &admin).await;
    assert!(page.text.contains("/orga/events/jt/clone"));
}

#[tokio::test]
async fn a_time_the_clocks_skip_is_refused_at_its_field_not_moved() {
    let app = spawn_app().await;
    let cookie = sign_in(&app, &app.admin_token).await;
    let token = form_token(&get(&app, "/orga/events/new?lang=de", &cookie).await);
    let form = |starts_at: &'static str| -> Vec<(&'static str, String)> {
        [
            ("form_token", token.as_str()),
            ("title", "Frühjahrstreffen"),
            ("slug", "fruehjahr"),
            ("timezone", "Europe/Berlin"),
            ("starts_at", starts_at),
            ("ends_at", "2027-03-28T12:00"),
            ("capacity", "40"),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.to_owned()))
        .collect()
    };
    let send_form = |typed: Vec<(&'static str, String)>| {
        let (app, cookie) = (&app, &cookie);
        async move {
            let pairs: Vec<(&str, &str)> = typed.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post(app, "/orga/events/new?lang=de", cookie, &pairs).await
        }
    };
    // 02:30 on 28 March 2027 does not happen in Berlin: at 02:00 the clocks go to 03:00.
    let refused = send_form(form("2027-03-28T02:30")).await;
    refused.assert_status(422);
    assert!(
        refused.text.contains("Uhren eine Stunde vorgestellt"),
        "{}",
        refused.text
    );
    assert!(refused.text.contains("value=\"2027-03-28T02:30\""));
    app.get_admin("/api/v1/events/fruehjahr")
        .await
        .assert_status(404);
    // An hour later it exists.
    send_form(form("2027-03-28T03:30")).await.assert_status(303);
    let event = app.get_admin("/api/v1/events/fruehjahr").await;
    assert_eq!(event.json["starts_at"], "2027-03-28T03:30:00+02:00");
}

/// The value of the hidden field `name` in a page.
fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = page.find(&marker).expect("the field") + marker.len();
    page[at..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_new_event_or_next_edition_form_sent_twice_makes_one_event() {
    let app = spawn_app().await;
    let cookie = sign_in(&app, &app.admin_token).await;
    let page = get(&app, "/orga/events/new", &cookie).await;
    let (token, once) = (form_token(&page), hidden(&page.text, "once"));
    let form = [
        ("form_token", token.as_str()),
        ("once", once.as_str()),
        ("title", "Sommerfest"),
        ("timezone", "Europe/Berlin"),
        ("starts_at", "2027-07-02T17:00"),
        ("ends_at", "2027-07-02T23:00"),
        ("capacity", "80"),
    ];
    // A double click: both at once, then a reload of the answer.
    let (first, second) = tokio::join!(
        post(&app, "/orga/events/new", &cookie, &form),
        post(&app, "/orga/events/new", &cookie, &form)
    );
    let third = post(&app, "/orga/events/new", &cookie, &form).await;
    let events = app.get_admin("/api/v1/events?status=draft").await;
    let titles: Vec<&str> = events.json["items"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|e| e["title"].as_str())
        .collect();
    assert_eq!(titles, ["Sommerfest"], "{}", events.text);
    for answer in [&first, &second, &third] {
        answer.assert_status(303);
    }
    let id = events.json["items"][0]["id"].as_str().unwrap();
    assert_eq!(
        third.header("location"),
        Some(format!("/orga/events/{id}?lang=en&done=created").as_str())
    );
    get(&app, third.header("location").unwrap(), &cookie)
        .await
        .assert_status(200);

    // A new form is a new event.
    let page = get(&app, "/orga/events/new", &cookie).await;
    let again = hidden(&page.text, "once");
    assert_ne!(again, once);

    // The next edition, sent twice.
    let page = get(&app, &format!("/orga/events/{id}/clone"), &cookie).await;
    let once = hidden(&page.text, "once");
    let form = [
        ("form_token", token.as_str()),
        ("once", once.as_str()),
        ("starts_at", "2028-07-07T17:00"),
        ("slug", ""),
        ("title", ""),
    ];
    let path = format!("/orga/events/{id}/clone");
    let (first, second) = tokio::join!(
        post(&app, &path, &cookie, &form),
        post(&app, &path, &cookie, &form)
    );
    first.assert_status(303);
    second.assert_status(303);
    let events = app.get_admin("/api/v1/events?status=draft").await;
    assert_eq!(
        events.json["items"].as_array().unwrap().len(),
        2,
        "{}",
        events.text
    );
}

#[tokio::test]
async fn a_person_changed_meanwhile_is_not_overwritten_by_an_older_edit_form() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt", "capacity": 10}))
        .await;
    let ada = app
        .register_person("jt", "Ada Lovelace", "ada@example.org")
        .await;
    ada.assert_status(201);
    let id = ada.json["id"].as_str().unwrap().to_owned();
    let cookie = sign_in(&app, &app.admin_token).await;
    let path = format!("/orga/events/jt/attendees/{id}/edit");
    // Two organisers open the form; one saves, then the other.
    let first = get(&app, &path, &cookie).await;
    let second = get(&app, &path, &cookie).await;
    let (token, was) = (form_token(&first), hidden(&first.text, "was"));
    assert_eq!(was, hidden(&second.text, "was"));
    let save = |name: &'static str| {
        let (app, cookie, path, token, was) = (&app, &cookie, &path, &token, &was);
        async move {
            post(
                app,
                path,
                cookie,
                &[
                    ("form_token", token),
                    ("was", was),
                    ("name", name),
                    ("organisation", ""),
                ],
            )
            .await
        }
    };
    save("Ada King").await.assert_status(303);
    let late = save("Augusta Ada Lovelace").await;
    late.assert_status(409);
    assert!(late.text.contains("not saved"), "{}", late.text);
    let now = app
        .get_admin(&format!("/api/v1/events/jt/registrations/{id}"))
        .await;
    assert_eq!(now.json["name"], "Ada King");
    // A check-in meanwhile is no change to what the form edits.
    let fresh = get(&app, &path, &cookie).await;
    let was = hidden(&fresh.text, "was");
    app.post_admin(
        &format!("/api/v1/events/jt/registrations/{id}/check-in"),
        &json!({}),
    )
    .await;
    post(
        &app,
        &path,
        &cookie,
        &[
            ("form_token", &token),
            ("was", &was),
            ("name", "Ada Lovelace"),
            ("organisation", ""),
        ],
    )
    .await
    .assert_status(303);
}

#[tokio::test]
async fn a_name_that_would_reverse_the_text_after_it_is_refused_at_its_field() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt", "capacity": 10}))
        .await;
    let answer = app
        .register_person("jt", "Ada \u{202e}ecalevoL", "ada@example.org")
        .await;
    answer.assert_problem(422);
    assert_eq!(answer.error_fields(), ["name"]);
    let spec = app.get("/api-docs/openapi.json").await;
    assert!(
        spec.text.contains(r"\\u202a-\\u202e\\u2066-\\u2069"),
        "the schema says so too"
    );
}

#[tokio::test]
async fn a_door_member_signed_in_at_the_backoffice_opens_the_door_without_the_token_again() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt", "capacity": 10}))
        .await;
    app.published_event(json!({"slug": "other", "capacity": 10}))
        .await;
    let member = app
        .post_admin(
            "/api/v1/organisers",
            &json!({"name": "Tom Door", "email": "tom@example.org", "role": "door",
                "events": ["jt"]}),
        )
        .await;
    member.assert_status(201);
    let cookie = sign_in(&app, member.json["token"].as_str().unwrap()).await;
    let dashboard = get(&app, "/orga/", &cookie).await;
    assert!(dashboard
        .text
        .contains("action=\"/orga/events/jt/door?lang=en\""));
    assert!(!dashboard.text.contains("/orga/events/other/door"));
    let token = form_token(&dashboard);
    let opened = post(
        &app,
        "/orga/events/jt/door",
        &cookie,
        &[("form_token", &token)],
    )
    .await;
    opened.assert_status(303);
    assert_eq!(opened.header("location"), Some("/events/jt/door?lang=en"));
    let set = opened.header("set-cookie").unwrap();
    assert!(
        set.contains("Path=/events/jt/door") && set.contains("HttpOnly"),
        "{set}"
    );
    let door_cookie = set.split(';').next().unwrap();
    let door = get(&app, "/events/jt/door", door_cookie).await;
    door.assert_status(200);
    assert!(
        door.text.contains("id=\"code-form\""),
        "signed in: {}",
        door.text
    );
    // Not at another event's door, and not from another site.
    post(
        &app,
        "/orga/events/other/door",
        &cookie,
        &[("form_token", &token)],
    )
    .await
    .assert_status(403);
    send(
        &app,
        Method::POST,
        "/orga/events/jt/door",
        Some(&cookie),
        &crate::orga_client::CROSS_SITE,
        &[("form_token", &token)],
    )
    .await
    .assert_status(403);
}
