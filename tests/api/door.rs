//! The door page (issue 17) over HTTP as a phone's browser uses it: sign in once through a
//! form, a session cookie (HttpOnly, SameSite=Strict, never the token in a URL), check in by
//! code or after a search by name with umlauts folded, several doors and instances at once.
use reqwest::header;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_second_instance, Answer, TestApp};

fn s(v: &Value) -> &str {
    v.as_str().expect("a string")
}

pub(crate) async fn send(
    app: &TestApp,
    base: &str,
    method: reqwest::Method,
    path: &str,
    cookie: Option<&str>,
    form: &[(&str, &str)],
) -> Answer {
    let mut request = app.client.request(method.clone(), format!("{base}{path}"));
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    if method == reqwest::Method::POST {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        request = request
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body);
    }
    Answer::read(request.send().await.expect("request sent")).await
}

/// Signs a door in with `token`; the `Cookie` header value to send from then on.
pub(crate) async fn sign_in(app: &TestApp, base: &str, slug: &str, token: &str) -> String {
    let answer = send(
        app,
        base,
        reqwest::Method::POST,
        &format!("/events/{slug}/door/sign-in"),
        None,
        &[("token", token)],
    )
    .await;
    answer.assert_status(303);
    assert_eq!(
        answer.header("location"),
        Some(format!("/events/{slug}/door").as_str())
    );
    let set = answer
        .header("set-cookie")
        .expect("a session cookie")
        .to_owned();
    assert!(set.contains("HttpOnly"), "{set}");
    assert!(set.contains("SameSite=Strict"), "{set}");
    assert!(set.contains(&format!("Path=/events/{slug}/door")), "{set}");
    assert!(!set.contains(token), "the token is not the cookie");
    set.split(';').next().unwrap().to_owned()
}

async fn door_event(app: &TestApp) -> (String, String) {
    app.published_event(json!({"slug": "door", "capacity": 2}))
        .await;
    let ada = app
        .register_person("door", "Jürgen Müller", "jm@example.org")
        .await;
    app.register_person("door", "Ada Lovelace", "ada@example.org")
        .await;
    app.register_person("door", "Bea Weiß", "bea@example.org")
        .await; // waitlisted
    (
        s(&ada.json["check_in_code"]).to_owned(),
        s(&ada.json["id"]).to_owned(),
    )
}

#[tokio::test]
async fn the_door_asks_for_a_token_by_form_and_refuses_a_wrong_one() {
    let app = spawn_app().await;
    door_event(&app).await;
    let base = app.address.clone();
    let first = send(
        &app,
        &base,
        reqwest::Method::GET,
        "/events/door/door",
        None,
        &[],
    )
    .await;
    first.assert_status(200);
    assert!(first.text.contains("name=\"token\" type=\"password\""));
    assert!(first.text.contains("action=\"/events/door/door/sign-in\""));
    assert!(!first.text.contains("Check-in code"));
    let csp = first.header("content-security-policy").unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert_eq!(first.header("cache-control"), Some("no-store"));

    let wrong = send(
        &app,
        &base,
        reqwest::Method::POST,
        "/events/door/door/sign-in",
        None,
        &[("token", "not-a-token")],
    )
    .await;
    wrong.assert_status(401);
    assert!(wrong.header("set-cookie").is_none());
    assert!(wrong.text.contains("opens no door"));

    // Without a session, checking in is refused and changes nothing.
    let (code, _) = ("X", ());
    let refused = send(
        &app,
        &base,
        reqwest::Method::POST,
        "/events/door/door/check-in",
        Some("podium_door=forged"),
        &[("code", code)],
    )
    .await;
    refused.assert_status(401);
    let list = app
        .get_admin("/api/v1/events/door/registrations?checked_in=true")
        .await;
    assert_eq!(list.json["total"], 0);
}

#[tokio::test]
async fn a_signed_in_door_checks_in_by_code_and_says_so_in_large_type_twice() {
    let app = spawn_app().await;
    let (code, _) = door_event(&app).await;
    let base = app.address.clone();
    let token = app.organiser_token().await;
    let cookie = sign_in(&app, &base, "door", &token).await;

    let door = send(
        &app,
        &base,
        reqwest::Method::GET,
        "/events/door/door",
        Some(&cookie),
        &[],
    )
    .await;
    door.assert_status(200);
    assert!(door.text.contains("id=\"code-form\""));
    assert!(door
        .text
        .contains("<script src=\"/assets/door-1.js\" defer></script>"));

    let scanned = send(
        &app,
        &base,
        reqwest::Method::POST,
        "/events/door/door/check-in",
        Some(&cookie),
        &[("code", &code)],
    )
    .await;
    scanned.assert_status(200);
    assert!(
        scanned.text.contains("class=\"door-result ok\""),
        "{}",
        scanned.text
    );
    assert!(scanned
        .text
        .contains("<p class=\"door-name\">Jürgen Müller</p>"));
    assert!(scanned.text.contains("Fraunhofer IOF"));
    assert!(scanned.text.contains("checked in at "));

    let again = send(
        &app,
        &base,
        reqwest::Method::POST,
        "/events/door/door/check-in",
        Some(&cookie),
        &[("code", &code.to_lowercase())],
    )
    .await;
    again.assert_status(200);
    assert!(again.text.contains("class=\"door-result already\""));
    assert!(again.text.contains("already checked in at "));

    let unknown = send(
        &app,
        &base,
        reqwest::Method::POST,
        "/events/door/door/check-in",
        Some(&cookie),
        &[("code", "AAAA")],
    )
    .await;
    unknown.assert_status(404);
    assert!(unknown
        .text
        .contains("No attendee of this event has this code."));

    let script = send(
        &app,
        &base,
        reqwest::Method::GET,
        "/assets/door-1.js",
        None,
        &[],
    )
    .await;
    script.assert_status(200);
    assert!(script.text.contains("BarcodeDetector"));
}

#[tokio::test]
async fn the_door_finds_people_by_name_with_umlauts_folded_and_refuses_the_waitlisted() {
    let app = spawn_app().await;
    door_event(&app).await;
    let base = app.address.clone();
    let token = app.organiser_token().await;
    let cookie = sign_in(&app, &base, "door", &token).await;
    for query in ["mueller", "MULLER", "Müller", "jurgen"] {
        let found = send(
            &app,
            &base,
            reqwest::Method::GET,
            &format!(
                "/events/door/door?q={}",
                url::form_urlencoded::byte_serialize(query.as_bytes()).collect::<String>()
            ),
            Some(&cookie),
            &[],
        )
        .await;
        found.assert_status(200);
        assert!(
            found.text.contains("Jürgen Müller"),
            "{query}: {}",
            found.text
        );
        assert!(!found.text.contains("Ada Lovelace"), "{query}");
    }
    let found = send(
        &app,
        &base,
        reqwest::Method::GET,
        "/events/door/door?q=weiss",
        Some(&cookie),
        &[],
    )
    .await;
    assert!(found.text.contains("Bea Weiß"));
    assert!(found.text.contains("waitlisted"));
    // The waitlisted person has no check-in button; a crafted post is refused with the reason.
    assert!(!found.text.contains("name=\"id\""));
    let list = app
        .get_admin("/api/v1/events/door/registrations?status=waitlisted")
        .await;
    let bea = s(&list.json["items"][0]["id"]).to_owned();
    let refused = send(
        &app,
        &base,
        reqwest::Method::POST,
        "/events/door/door/check-in",
        Some(&cookie),
        &[("id", &bea)],
    )
    .await;
    refused.assert_status(409);
    assert!(refused.text.contains("class=\"door-result refused\""));
    assert!(refused.text.contains("<p class=\"door-name\">Bea Weiß</p>"));
    assert!(refused
        .text
        .contains("<p class=\"door-message\">Waitlisted: not checked in</p>"));

    let found = send(
        &app,
        &base,
        reqwest::Method::GET,
        "/events/door/door?q=ada",
        Some(&cookie),
        &[],
    )
    .await;
    let ada_form = found.text.contains("name=\"id\"");
    assert!(ada_form);
    let list = app
        .get_admin("/api/v1/events/door/registrations?q=ada")
        .await;
    let ada = s(&list.json["items"][0]["id"]).to_owned();
    send(
        &app,
        &base,
        reqwest::Method::POST,
        "/events/door/door/check-in",
        Some(&cookie),
        &[("id", &ada)],
    )
    .await
    .assert_status(200);
    let list = app
        .get_admin("/api/v1/events/door/registrations?checked_in=true")
        .await;
    assert_eq!(list.json["total"], 1);
}

#[tokio::test]
async fn two_doors_on_two_instances_work_at_once_and_signing_out_or_revoking_ends_a_session() {
    let app = spawn_app().await;
    let (code, _) = door_event(&app).await;
    let second = spawn_second_instance(&app).await;
    let token = app.organiser_token().await;
    let door_one = sign_in(&app, &app.address, "door", &token).await;
    let door_two = sign_in(&app, &second, "door", &app.admin_token).await;
    // A session of one instance is known to the other (stored in the database).
    for (base, cookie) in [(&second, &door_one), (&app.address, &door_two)] {
        let page = send(
            &app,
            base,
            reqwest::Method::GET,
            "/events/door/door",
            Some(cookie),
            &[],
        )
        .await;
        assert!(page.text.contains("id=\"code-form\""), "{base}");
    }
    send(
        &app,
        &second,
        reqwest::Method::POST,
        "/events/door/door/check-in",
        Some(&door_one),
        &[("code", &code)],
    )
    .await
    .assert_status(200);

    send(
        &app,
        &app.address,
        reqwest::Method::POST,
        "/events/door/door/sign-out",
        Some(&door_one),
        &[],
    )
    .await
    .assert_status(303);
    let out = send(
        &app,
        &second,
        reqwest::Method::GET,
        "/events/door/door",
        Some(&door_one),
        &[],
    )
    .await;
    assert!(out.text.contains("name=\"token\""));
    // The other door is still in.
    let still = send(
        &app,
        &app.address,
        reqwest::Method::GET,
        "/events/door/door",
        Some(&door_two),
        &[],
    )
    .await;
    assert!(still.text.contains("id=\"code-form\""));

    // Revoking an organiser's token closes their doors.
    let helper = app
        .post_admin(
            "/api/v1/organisers",
            &json!({"name": "Door Helper", "email": "helper@example.org"}),
        )
        .await;
    let door_three = sign_in(&app, &second, "door", s(&helper.json["token"])).await;
    app.delete_admin(&format!("/api/v1/organisers/{}", s(&helper.json["id"])))
        .await
        .assert_status(200);
    let closed = send(
        &app,
        &second,
        reqwest::Method::GET,
        "/events/door/door",
        Some(&door_three),
        &[],
    )
    .await;
    assert!(closed.text.contains("name=\"token\""));
}

#[tokio::test]
async fn the_session_cookie_is_secure_under_an_https_public_url() {
    let app = crate::helpers::spawn_app_with(|s| {
        s.public_url = Some("https://tagung.example".to_owned());
    })
    .await;
    app.published_event(json!({"slug": "door"})).await;
    let answer = send(
        &app,
        &app.address,
        reqwest::Method::POST,
        "/events/door/door/sign-in",
        None,
        &[("token", &app.admin_token)],
    )
    .await;
    answer.assert_status(303);
    assert!(answer.header("set-cookie").unwrap().contains("Secure"));
}

/// `send` with an `Accept-Language` header.
async fn send_in(
    app: &TestApp,
    path: &str,
    accept_language: &str,
    cookie: Option<&str>,
    form: Option<&[(&str, &str)]>,
) -> Answer {
    let mut request = match form {
        Some(form) => app
            .client
            .post(app.url(path))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(
                url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(form)
                    .finish(),
            ),
        None => app.client.get(app.url(path)),
    };
    request = request.header(header::ACCEPT_LANGUAGE, accept_language);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    Answer::read(request.send().await.expect("request sent")).await
}

#[tokio::test]
async fn the_door_speaks_german_to_a_german_browser_with_a_switch_to_english() {
    let app = spawn_app().await;
    let (code, _) = door_event(&app).await;
    let token = app.admin_token.clone();
    let sign_in_page = send_in(
        &app,
        "/events/door/door",
        "de-DE,de;q=0.9,en;q=0.5",
        None,
        None,
    )
    .await;
    sign_in_page.assert_status(200);
    assert!(sign_in_page.text.contains("<html lang=\"de\">"));
    assert!(sign_in_page.text.contains("Organisator-Token"));
    assert!(sign_in_page.text.contains(">Anmelden</button>"));
    assert!(sign_in_page
        .text
        .contains("href=\"/events/door/door?lang=en\" hreflang=\"en\" lang=\"en\">English</a>"));
    let wrong = send_in(
        &app,
        "/events/door/door/sign-in",
        "de",
        None,
        Some(&[("token", "nope")]),
    )
    .await;
    wrong.assert_status(401);
    assert!(wrong.text.contains("Dieser Token öffnet keinen Einlass"));

    let cookie = sign_in(&app, &app.address, "door", &token).await;
    let door = send_in(
        &app,
        "/events/door/door?q=muller",
        "de",
        Some(&cookie),
        None,
    )
    .await;
    door.assert_status(200);
    for german in [
        "Einlass-Code",
        ">Einchecken</button>",
        "Nach Name oder Organisation suchen",
        ">Suchen</button>",
        ">Abmelden</button>",
        "bestätigt",
    ] {
        assert!(door.text.contains(german), "{german} missing");
    }
    for english in ["Check-in code", "Sign out", ">Search<", "confirmed"] {
        assert!(!door.text.contains(english), "{english} left in English");
    }
    let path = "/events/door/door/check-in";
    let first = send_in(&app, path, "de", Some(&cookie), Some(&[("code", &code)])).await;
    first.assert_status(200);
    assert!(first.text.contains("eingecheckt um "));
    let again = send_in(&app, path, "de", Some(&cookie), Some(&[("code", &code)])).await;
    assert!(again.text.contains("bereits eingecheckt um "));
    let unknown = send_in(&app, path, "de", Some(&cookie), Some(&[("code", "AAAA")])).await;
    unknown.assert_status(404);
    assert!(unknown.text.contains("hat diesen Code"));
    let empty = send_in(&app, path, "de", Some(&cookie), Some(&[("code", " ")])).await;
    empty.assert_status(422);
    assert!(empty.text.contains("Bitte geben Sie einen Code ein"));
}

#[tokio::test]
async fn a_language_chosen_with_the_switch_stays_through_sign_in_search_and_check_in() {
    let app = spawn_app().await;
    let (_, _) = door_event(&app).await;
    let token = app.admin_token.clone();
    // An English browser that switched to German.
    let page = send_in(&app, "/events/door/door?lang=de", "en", None, None).await;
    assert!(page
        .text
        .contains("action=\"/events/door/door/sign-in?lang=de\""));
    assert!(page.text.contains("hreflang=\"en\""));
    let signed = send_in(
        &app,
        "/events/door/door/sign-in?lang=de",
        "en",
        None,
        Some(&[("token", &token)]),
    )
    .await;
    signed.assert_status(303);
    assert_eq!(signed.header("location"), Some("/events/door/door?lang=de"));
    let cookie = signed
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let door = send_in(&app, "/events/door/door?lang=de", "en", Some(&cookie), None).await;
    assert!(door
        .text
        .contains("<input type=\"hidden\" name=\"lang\" value=\"de\">"));
    assert!(door
        .text
        .contains("action=\"/events/door/door/check-in?lang=de\""));
    let found = send_in(
        &app,
        "/events/door/door?lang=de&q=weiss",
        "en",
        Some(&cookie),
        None,
    )
    .await;
    assert!(found.text.contains("Bea Weiß") && found.text.contains("auf der Warteliste"));
    // And the other way: a German browser that switched to English.
    let english = send_in(
        &app,
        "/events/door/door?lang=en&q=weiss",
        "de",
        Some(&cookie),
        None,
    )
    .await;
    assert!(english.text.contains("<html lang=\"en\">"));
    assert!(english.text.contains("waitlisted") && english.text.contains(">Deutsch</a>"));
}

#[tokio::test]
async fn organisers_and_signed_in_doors_do_not_use_up_the_public_limit_but_strangers_do() {
    let app = crate::helpers::spawn_app_with(|s| s.rate_limit = 3).await;
    app.published_event(json!({"slug": "door", "capacity": 5}))
        .await;
    let mut codes = Vec::new();
    for (name, email) in [("Ada", "ada@example.org"), ("Ben", "ben@example.org")] {
        let answer = app
            .post_admin(
                "/api/v1/events/door/registrations",
                &crate::helpers::registration_body(name, email),
            )
            .await;
        answer.assert_status(201);
        codes.push(s(&answer.json["check_in_code"]).to_owned());
    }
    let (ada, ben) = (codes[0].clone(), codes[1].clone());
    // Forty API calls of an organiser: none is counted.
    for _ in 0..40 {
        app.post_admin("/api/v1/events/door/check-in", &json!({"code": ada}))
            .await
            .assert_status(200);
    }
    let base = app.address.clone();
    let token = app.organiser_token().await;
    // Signing in is a stranger's form post until it succeeds: it counts (1 of 3).
    let cookie = sign_in(&app, &base, "door", &token).await;
    for _ in 0..50 {
        let answer = send(
            &app,
            &base,
            reqwest::Method::POST,
            "/events/door/door/check-in",
            Some(&cookie),
            &[("code", &ben)],
        )
        .await;
        answer.assert_status(200);
    }
    // A forged cookie and a wrong token count like any stranger's request (2 and 3 of 3)...
    send(
        &app,
        &base,
        reqwest::Method::POST,
        "/events/door/door/check-in",
        Some("podium_door=forged"),
        &[("code", &ben)],
    )
    .await
    .assert_status(401);
    app.request(
        reqwest::Method::POST,
        "/api/v1/events/door/check-in",
        Some("not-a-token"),
        Some(&json!({"code": ada})),
    )
    .await
    .assert_problem(401);
    // ...so the next is over the limit, with or without a wrong token.
    app.register_person("door", "Cleo", "cleo@example.org")
        .await
        .assert_problem(429);
    app.request(
        reqwest::Method::POST,
        "/api/v1/events/door/check-in",
        Some("not-a-token"),
        Some(&json!({"code": ada})),
    )
    .await
    .assert_problem(429);
    // The organiser and the door still get through.
    app.post_admin("/api/v1/events/door/check-in", &json!({"code": ada}))
        .await
        .assert_status(200);
}

#[tokio::test]
async fn a_scan_on_a_later_day_names_the_day_of_the_first_check_in() {
    use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter};
    let app = spawn_app().await;
    let (code, id) = door_event(&app).await;
    let first = app
        .post_admin("/api/v1/events/door/check-in", &json!({"code": code}))
        .await;
    first.assert_status(200);
    // Today's check-in says the time alone.
    let today = s(&first.json["message"]);
    assert!(
        today.starts_with("checked in at ") && today.len() == "checked in at 09:12".len(),
        "{today}"
    );
    // The first check-in was two days ago (the event's zone is Europe/Berlin).
    let earlier = chrono::Utc::now() - chrono::Duration::days(2);
    entity::registration::Entity::update_many()
        .col_expr(
            entity::registration::Column::CheckedInAt,
            Expr::value(Some(earlier)),
        )
        .filter(entity::registration::Column::Id.eq(uuid::Uuid::parse_str(&id).unwrap()))
        .exec(&app.db)
        .await
        .unwrap();
    let event = app.event_admin("door").await;
    let zone: chrono_tz::Tz = s(&event["timezone"]).parse().unwrap();
    let local = earlier.with_timezone(&zone);
    let english = format!(
        "already checked in at {}",
        local.format("%H:%M on %A, %-d %B %Y")
    );
    let again = app
        .post_admin("/api/v1/events/door/check-in", &json!({"code": code}))
        .await;
    again.assert_status(200);
    assert_eq!(again.json["message"], english.as_str());

    // The door page in German names it in German.
    let token = app.organiser_token().await;
    let cookie = sign_in(&app, &app.address.clone(), "door", &token).await;
    let page = send_in(
        &app,
        "/events/door/door/check-in",
        "de",
        Some(&cookie),
        Some(&[("code", &code)]),
    )
    .await;
    page.assert_status(200);
    let weekday = [
        "Montag",
        "Dienstag",
        "Mittwoch",
        "Donnerstag",
        "Freitag",
        "Samstag",
        "Sonntag",
    ][chrono::Datelike::weekday(&local).num_days_from_monday() as usize];
    let german = format!(
        "bereits eingecheckt um {} am {weekday}, {}.",
        local.format("%H:%M"),
        local.format("%-d")
    );
    assert!(page.text.contains(&german), "{german}\n{}", page.text);
}

/// The door's forms refuse posts from other sites as the backoffice's do
/// (`http::cross_site`): with a live door session, a check-in, a sign-in and a sign-out sent
/// from another site are a 403 and change nothing; the same check-in from the door page works.
#[tokio::test]
async fn the_doors_forms_refuse_posts_from_other_sites() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "door", "capacity": 10}))
        .await;
    let ada = app
        .register_person("door", "Ada Lovelace", "ada@example.org")
        .await;
    let code = s(&ada.json["check_in_code"]).to_owned();
    let base = app.address.clone();
    let cookie = sign_in(&app, &base, "door", &app.admin_token).await;
    let from = |site: &'static str, origin: &'static str| {
        let (app, cookie, code) = (&app, cookie.clone(), code.clone());
        async move {
            let post = |path: &str, form: Vec<(&'static str, String)>| {
                let body = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(form)
                    .finish();
                app.client
                    .post(app.url(path))
                    .header(header::COOKIE, cookie.clone())
                    .header("sec-fetch-site", site)
                    .header(header::ORIGIN, origin)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(body)
                    .send()
            };
            let check_in = post("/events/door/door/check-in", vec![("code", code)]);
            let status_in = check_in.await.unwrap().status().as_u16();
            let sign_in = post(
                "/events/door/door/sign-in",
                vec![("token", app.admin_token.clone())],
            );
            let status_sign_in = sign_in.await.unwrap().status().as_u16();
            let sign_out = post("/events/door/door/sign-out", vec![]);
            let status_out = sign_out.await.unwrap().status().as_u16();
            (status_in, status_sign_in, status_out)
        }
    };
    assert_eq!(
        from("cross-site", "https://evil.example").await,
        (403, 403, 403)
    );
    let checked_in = || async {
        app.get_admin("/api/v1/events/door/registrations?checked_in=true")
            .await
            .json["total"]
            .clone()
    };
    assert_eq!(checked_in().await, 0);
    // The session survived the forged sign-out: the door's own page checks in.
    let done = send(
        &app,
        &base,
        reqwest::Method::POST,
        "/events/door/door/check-in",
        Some(&cookie),
        &[("code", &code)],
    )
    .await;
    done.assert_status(200);
    assert_eq!(checked_in().await, 1);
}
