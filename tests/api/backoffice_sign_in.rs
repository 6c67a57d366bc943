//! Signing in to the backoffice by a mailed one-time link, and the team page (issue 28), over
//! HTTP as a browser uses them: the link works once and only by its page's button, an unknown
//! address gets the same answer and no mail, requests are limited per address and per client,
//! a revoked member's link is dead; an admin invites, changes and revokes members (the
//! invitee signs in from the invitation), nobody else may, and forms from another site change
//! nothing. The member's language is kept and spoken.
use entity::{backoffice_session, organiser, outbox, sign_in_link};
use reqwest::{header, Method};
use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use crate::helpers::{spawn_app, Answer, TestApp};

/// A form `POST` (or a `GET`) to `path` with the given cookie, extra headers and fields.
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

/// The headers a browser sends with a form of podium's own page.
fn own(app: &TestApp) -> [(&str, &str); 2] {
    [("origin", &app.address), ("sec-fetch-site", "same-origin")]
}

/// A same-site form `POST`.
async fn post(app: &TestApp, path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> Answer {
    send(app, Method::POST, path, cookie, &own(app), form).await
}

/// The `Cookie` header value of a `Set-Cookie` answer.
fn cookie_of(answer: &Answer) -> String {
    let set = answer.header("set-cookie").expect("a cookie");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    set.split(';').next().unwrap().to_owned()
}

/// Signs in with `token`; the `Cookie` header value.
async fn sign_in_with_token(app: &TestApp, token: &str) -> String {
    let answer = post(app, "/orga/sign-in", None, &[("token", token)]).await;
    answer.assert_status(303);
    cookie_of(&answer)
}

/// A page with this cookie: `Some(page)` when signed in, `None` when sent to sign-in.
async fn page(app: &TestApp, path: &str, cookie: &str) -> Option<Answer> {
    let page = send(app, Method::GET, path, Some(cookie), &[], &[]).await;
    match page.status.as_u16() {
        303 => {
            assert_eq!(page.header("location"), Some("/orga/sign-in"));
            None
        }
        _ => Some(page),
    }
}

/// The form token a signed-in page's forms carry.
fn form_token(page: &Answer) -> String {
    let at = page
        .text
        .find("name=\"form_token\" value=\"")
        .expect("a form token")
        + 25;
    page.text[at..].split('"').next().unwrap().to_owned()
}

/// A member made through the API; their id and token.
async fn member(app: &TestApp, body: serde_json::Value) -> (String, String) {
    let created = app.post_admin("/api/v1/organisers", &body).await;
    created.assert_status(201);
    (
        created.json["id"].as_str().unwrap().to_owned(),
        created.json["token"].as_str().unwrap().to_owned(),
    )
}

/// Asks for a link for `email`.
async fn ask(app: &TestApp, email: &str) -> Answer {
    post(app, "/orga/sign-in", None, &[("email", email)]).await
}

/// The token of the sign-in link in the `n`-th mail to `address` (waiting for it).
async fn mailed_token(app: &TestApp, address: &str, n: usize) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let mails = app.mails_to(address);
        if let Some(mail) = mails.get(n - 1) {
            let text = mail.text().expect("a text part");
            let at = text.find("/orga/sign-in/link/").expect("a link") + 19;
            return text[at..].split_whitespace().next().unwrap().to_owned();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no mail {n} to {address}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

async fn use_link(app: &TestApp, token: &str) -> Answer {
    post(app, "/orga/sign-in/link", None, &[("token", token)]).await
}

async fn links_of(app: &TestApp, id: &str) -> u64 {
    sign_in_link::Entity::find()
        .filter(sign_in_link::Column::OrganiserId.eq(uuid::Uuid::parse_str(id).unwrap()))
        .count(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_member_signs_in_once_through_the_mailed_link_and_only_by_its_button() {
    let app = spawn_app().await;
    let (id, _) = member(
        &app,
        json!({"name": "Erika Muster", "email": "erika@example.org", "language": "de"}),
    )
    .await;
    let form = send(&app, Method::GET, "/orga/sign-in", None, &[], &[]).await;
    form.assert_status(200);
    assert!(form.text.contains("name=\"email\" type=\"email\""));
    assert!(form.text.contains("name=\"token\" type=\"password\""));

    let sent = ask(&app, "Erika@Example.ORG").await;
    sent.assert_status(200);
    assert!(sent
        .text
        .contains("If this address belongs to a team member"));
    assert!(sent.header("set-cookie").is_none());
    let token = mailed_token(&app, "erika@example.org", 1).await;
    let mail = &app.mails_to("erika@example.org")[0];
    assert_eq!(
        mail.subject(),
        "Ihr Anmelde-Link für podium",
        "her language"
    );
    assert!(mail
        .html()
        .unwrap()
        .contains(&format!("/orga/sign-in/link/{token}")));
    // Stored only as a hash: neither the table nor the outbox holds the token.
    let row = sign_in_link::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(row.token_hash, token);
    assert_eq!(row.token_hash.len(), 64);
    let queued = outbox::Entity::find()
        .filter(outbox::Column::Kind.eq("sign_in_link"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(!queued.text_body.contains(&token) && !queued.html_body.contains(&token));
    assert_eq!(links_of(&app, &id).await, 1);

    // A scanner fetching the link (twice) signs nobody in.
    for _ in 0..2 {
        let opened = send(
            &app,
            Method::GET,
            &format!("/orga/sign-in/link/{token}"),
            None,
            &[],
            &[],
        )
        .await;
        opened.assert_status(200);
        assert!(opened.header("set-cookie").is_none());
        assert_eq!(opened.header("cache-control"), Some("no-store"));
        assert!(opened.text.contains("action=\"/orga/sign-in/link"));
        assert!(!opened.text.contains("<script"));
    }
    assert_eq!(
        backoffice_session::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0
    );
    let signed_in = use_link(&app, &token).await;
    signed_in.assert_status(303);
    assert_eq!(signed_in.header("location"), Some("/orga/"));
    let cookie = cookie_of(&signed_in);
    let dashboard = page(&app, "/orga/", &cookie).await.expect("signed in");
    assert!(
        dashboard.text.contains("<html lang=\"de\">"),
        "her language"
    );
    assert!(dashboard.text.contains("Erika Muster"));

    // Once only.
    let again = use_link(&app, &token).await;
    again.assert_status(410);
    assert!(again.text.contains("has been used already"));
    assert!(again.text.contains("href=\"/orga/sign-in"));
    assert!(again.header("set-cookie").is_none());
    let opened = send(
        &app,
        Method::GET,
        &format!("/orga/sign-in/link/{token}"),
        None,
        &[],
        &[],
    )
    .await;
    opened.assert_status(410);
    use_link(&app, "made-up").await.assert_status(410);
}

#[tokio::test]
async fn an_unknown_address_gets_the_same_answer_and_no_mail() {
    let app = spawn_app().await;
    member(&app, json!({"name": "Erika", "email": "erika@example.org"})).await;
    let known = ask(&app, "erika@example.org").await;
    let unknown = ask(&app, "nobody@example.org").await;
    known.assert_status(200);
    unknown.assert_status(200);
    assert_eq!(known.text, unknown.text, "the same page");
    mailed_token(&app, "erika@example.org", 1).await;
    let queued: Vec<String> = outbox::Entity::find()
        .filter(outbox::Column::Kind.eq("sign_in_link"))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.recipient)
        .collect();
    assert_eq!(queued, ["erika@example.org"]);
    assert!(app.mails_to("nobody@example.org").is_empty());

    // Not an address at all: the form again, with what was typed and the error at the field.
    let bad = ask(&app, "erika at example").await;
    bad.assert_status(422);
    assert!(bad.text.contains("value=\"erika at example\""));
    assert!(bad.text.contains("aria-invalid=\"true\""));
    assert!(bad
        .text
        .contains("aria-describedby=\"email-hint email-error\""));
}

#[tokio::test]
async fn an_expired_link_says_so_and_signs_nobody_in() {
    let app = spawn_app().await;
    member(&app, json!({"name": "Erika", "email": "erika@example.org"})).await;
    ask(&app, "erika@example.org").await.assert_status(200);
    let token = mailed_token(&app, "erika@example.org", 1).await;
    sign_in_link::Entity::update_many()
        .col_expr(
            sign_in_link::Column::ExpiresAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::minutes(1)),
        )
        .exec(&app.db)
        .await
        .unwrap();
    let opened = send(
        &app,
        Method::GET,
        &format!("/orga/sign-in/link/{token}"),
        None,
        &[],
        &[],
    )
    .await;
    opened.assert_status(410);
    assert!(opened.text.contains("has expired"));
    let used = use_link(&app, &token).await;
    used.assert_status(410);
    assert!(used.header("set-cookie").is_none());
    assert_eq!(
        backoffice_session::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn two_uses_of_one_link_at_the_same_moment_open_one_session() {
    let app = spawn_app().await;
    member(&app, json!({"name": "Erika", "email": "erika@example.org"})).await;
    ask(&app, "erika@example.org").await.assert_status(200);
    let token = mailed_token(&app, "erika@example.org", 1).await;
    let body = format!("token={token}");
    let uses = (0..8).map(|_| {
        app.client
            .post(app.url("/orga/sign-in/link"))
            .header("origin", &app.address)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body.clone())
            .send()
    });
    let answers = futures_util::future::join_all(uses).await;
    let mut statuses: Vec<u16> = answers
        .into_iter()
        .map(|a| a.expect("answered").status().as_u16())
        .collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 410, 410, 410, 410, 410, 410, 410]);
    assert_eq!(
        backoffice_session::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn links_are_limited_per_address_and_per_client() {
    let app = spawn_app().await;
    let (id, _) = member(&app, json!({"name": "Erika", "email": "erika@example.org"})).await;
    let first = ask(&app, "erika@example.org").await;
    for _ in 0..3 {
        let answer = ask(&app, "erika@example.org").await;
        answer.assert_status(200);
        assert_eq!(
            answer.text, first.text,
            "the same page past the address's limit"
        );
    }
    assert_eq!(links_of(&app, &id).await, 3, "three links a quarter hour");
    // Twenty requests an hour per client, whatever the address.
    for i in 4..20 {
        ask(&app, &format!("x{i}@example.org"))
            .await
            .assert_status(200);
    }
    for address in ["erika@example.org", "another@example.org"] {
        let limited = ask(&app, address).await;
        limited.assert_status(429);
        assert!(limited.header("retry-after").is_some());
        assert!(limited.text.contains("wait"));
    }
    assert_eq!(links_of(&app, &id).await, 3);
}

#[tokio::test]
async fn a_revoked_members_link_signs_nobody_in() {
    let app = spawn_app().await;
    let (id, _) = member(&app, json!({"name": "Erika", "email": "erika@example.org"})).await;
    ask(&app, "erika@example.org").await.assert_status(200);
    let token = mailed_token(&app, "erika@example.org", 1).await;
    app.delete_admin(&format!("/api/v1/organisers/{id}"))
        .await
        .assert_status(200);
    assert_eq!(links_of(&app, &id).await, 0, "revoking deletes the links");
    let used = use_link(&app, &token).await;
    used.assert_status(410);
    assert!(used.header("set-cookie").is_none());
    // A revoked member's address is nobody's: no new link.
    ask(&app, "erika@example.org").await.assert_status(200);
    assert_eq!(links_of(&app, &id).await, 0);
}

#[tokio::test]
async fn a_link_posted_from_another_site_signs_nobody_in_and_stays_usable() {
    let app = spawn_app().await;
    member(&app, json!({"name": "Erika", "email": "erika@example.org"})).await;
    ask(&app, "erika@example.org").await.assert_status(200);
    let token = mailed_token(&app, "erika@example.org", 1).await;
    for headers in [
        [("origin", "https://evil.example")],
        [("sec-fetch-site", "cross-site")],
    ] {
        let answer = send(
            &app,
            Method::POST,
            "/orga/sign-in/link",
            None,
            &headers,
            &[("token", &token)],
        )
        .await;
        answer.assert_status(403);
        assert!(answer.header("set-cookie").is_none());
    }
    let asked = send(
        &app,
        Method::POST,
        "/orga/sign-in",
        None,
        &[("origin", "https://evil.example")],
        &[("email", "erika@example.org")],
    )
    .await;
    asked.assert_status(403);
    use_link(&app, &token).await.assert_status(303);
}

/// Invites through the team page as `cookie`'s admin; the answer.
async fn invite(app: &TestApp, cookie: &str, token: &str, fields: &[(&str, &str)]) -> Answer {
    let mut form = vec![("form_token", token)];
    form.extend_from_slice(fields);
    post(app, "/orga/team", Some(cookie), &form).await
}

#[tokio::test]
async fn an_admin_invites_a_door_member_who_signs_in_from_the_invitation() {
    let app = spawn_app().await;
    let event = app
        .published_event(json!({"slug": "tagung", "title": "Jahrestagung"}))
        .await;
    let event_id = event["id"].as_str().unwrap().to_owned();
    app.create_event(json!({"slug": "other", "title": "Andere Tagung"}))
        .await;
    let admin = sign_in_with_token(&app, &app.admin_token).await;
    let dashboard = page(&app, "/orga/", &admin).await.unwrap();
    assert!(
        dashboard.text.contains("href=\"/orga/team?lang=en\""),
        "the nav links the team"
    );
    let team = page(&app, "/orga/team", &admin).await.unwrap();
    team.assert_status(200);
    assert_eq!(team.header("cache-control"), Some("no-store"));
    assert!(team.text.contains("<caption>Team members</caption>"));
    assert!(team.text.contains("admin@localhost"));
    assert!(team.text.contains(&format!("value=\"{event_id}\"")));
    assert!(!team.text.contains("<script"));
    let token = form_token(&team);

    // Bad input: the form again with what was typed, each error at its field, nothing made.
    let bad = invite(
        &app,
        &admin,
        &token,
        &[
            ("name", ""),
            ("email", "dora at example"),
            ("role", "boss"),
            ("language", "en"),
        ],
    )
    .await;
    bad.assert_status(422);
    assert!(bad.text.contains("value=\"dora at example\""));
    for field in ["name-error", "email-error", "role-error"] {
        assert!(bad.text.contains(&format!("id=\"{field}\"")), "{field}");
    }
    assert_eq!(organiser::Entity::find().count(&app.db).await.unwrap(), 1);
    let invited = invite(
        &app,
        &admin,
        &token,
        &[
            ("name", "Dora Door"),
            ("email", "dora@example.org"),
            ("role", "door"),
            ("events", &event_id),
            ("language", "en"),
        ],
    )
    .await;
    invited.assert_status(303);
    assert_eq!(invited.header("location"), Some("/orga/team?done=invited"));
    let taken = invite(
        &app,
        &admin,
        &token,
        &[
            ("name", "Dora Zwei"),
            ("email", "DORA@example.org"),
            ("role", "door"),
            ("language", "en"),
        ],
    )
    .await;
    taken.assert_status(422);
    assert!(
        taken.text.contains("has this address already"),
        "{}",
        taken.text
    );

    let listed = app.get_admin("/api/v1/organisers").await;
    let dora = listed
        .json
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["email"] == "dora@example.org")
        .unwrap()
        .clone();
    assert_eq!(dora["role"], "door");
    assert_eq!(dora["events"], json!([event_id]));
    assert_eq!(dora["language"], "en");

    let link = mailed_token(&app, "dora@example.org", 1).await;
    let mail = &app.mails_to("dora@example.org")[0];
    assert_eq!(
        mail.subject(),
        "Administrator invited you to the podium team"
    );
    let text = mail.text().unwrap();
    assert!(
        text.contains("as door (checking people in), for Jahrestagung."),
        "{text}"
    );
    let signed_in = use_link(&app, &link).await;
    signed_in.assert_status(303);
    let dora = cookie_of(&signed_in);
    let her = page(&app, "/orga/", &dora).await.unwrap();
    assert!(her.text.contains("Jahrestagung") && !her.text.contains("Andere Tagung"));
    assert!(
        !her.text.contains("href=\"/orga/team"),
        "no team link for the door"
    );
    let team = page(&app, "/orga/team", &admin).await.unwrap();
    assert!(team.text.contains("Dora Door") && team.text.contains("door: checks people in"));
}

#[tokio::test]
async fn an_admin_changes_a_role_and_revokes_a_member_whose_session_ends_at_once() {
    let app = spawn_app().await;
    let (id, member_token) =
        member(&app, json!({"name": "Olga", "email": "olga@example.org"})).await;
    let admin = sign_in_with_token(&app, &app.admin_token).await;
    let olga = sign_in_with_token(&app, &member_token).await;
    let token = form_token(&page(&app, "/orga/team", &admin).await.unwrap());

    let form = page(&app, &format!("/orga/team/{id}"), &admin)
        .await
        .unwrap();
    form.assert_status(200);
    assert!(form.text.contains("value=\"organiser\" checked"));
    let changed = post(
        &app,
        &format!("/orga/team/{id}"),
        Some(&admin),
        &[("form_token", &token), ("role", "reviewer")],
    )
    .await;
    changed.assert_status(303);
    assert_eq!(changed.header("location"), Some("/orga/team?done=changed"));
    let shown = app.get_admin(&format!("/api/v1/organisers/{id}")).await;
    assert_eq!(shown.json["role"], "reviewer");
    assert!(
        page(&app, "/orga/", &olga).await.is_none(),
        "her session ended"
    );

    let olga = sign_in_with_token(&app, &member_token).await;
    let confirm = page(&app, &format!("/orga/team/{id}/revoke"), &admin)
        .await
        .unwrap();
    confirm.assert_status(200);
    assert!(confirm.text.contains("End access"));
    let revoked = post(
        &app,
        &format!("/orga/team/{id}/revoke"),
        Some(&admin),
        &[("form_token", &token)],
    )
    .await;
    revoked.assert_status(303);
    assert!(
        page(&app, "/orga/", &olga).await.is_none(),
        "her session ended"
    );
    app.get_as("/api/v1/organisers/me", &member_token)
        .await
        .assert_problem(401);
    let team = page(&app, "/orga/team", &admin).await.unwrap();
    assert!(team.text.contains("revoked"));
}

#[tokio::test]
async fn the_last_admin_cannot_revoke_or_demote_themselves() {
    let app = spawn_app().await;
    let me = app.get_admin("/api/v1/organisers/me").await;
    let id = me.json["id"].as_str().unwrap().to_owned();
    let admin = sign_in_with_token(&app, &app.admin_token).await;
    let token = form_token(&page(&app, "/orga/team", &admin).await.unwrap());
    let demoted = post(
        &app,
        &format!("/orga/team/{id}"),
        Some(&admin),
        &[("form_token", &token), ("role", "organiser")],
    )
    .await;
    demoted.assert_status(422);
    assert!(demoted.text.contains("no admin left"));
    assert!(
        demoted.text.contains("value=\"organiser\" checked"),
        "what was chosen"
    );
    let revoked = post(
        &app,
        &format!("/orga/team/{id}/revoke"),
        Some(&admin),
        &[("form_token", &token)],
    )
    .await;
    revoked.assert_status(422);
    assert!(revoked.text.contains("no admin left"));
    assert_eq!(
        app.get_admin("/api/v1/organisers/me").await.json["role"],
        "admin"
    );
    assert!(
        page(&app, "/orga/", &admin).await.is_some(),
        "still signed in"
    );
    // The API keeps the same rule.
    app.delete_admin(&format!("/api/v1/organisers/{id}"))
        .await
        .assert_problem(409);
}

#[tokio::test]
async fn only_admins_reach_the_team_and_forms_from_another_site_change_nothing() {
    let app = spawn_app().await;
    app.create_event(json!({"slug": "a"})).await;
    let (id, organiser_token) =
        member(&app, json!({"name": "Olga", "email": "olga@example.org"})).await;
    let (_, door_token) = member(
        &app,
        json!({"name": "Dora", "email": "dora@example.org", "role": "door", "events": ["a"]}),
    )
    .await;
    for token in [&organiser_token, &door_token] {
        let cookie = sign_in_with_token(&app, token).await;
        let own_token = form_token(&page(&app, "/orga/", &cookie).await.unwrap());
        for path in [
            "/orga/team",
            &format!("/orga/team/{id}"),
            &format!("/orga/team/{id}/revoke"),
        ] {
            page(&app, path, &cookie).await.unwrap().assert_status(403);
        }
        invite(
            &app,
            &cookie,
            &own_token,
            &[
                ("name", "X"),
                ("email", "x@example.org"),
                ("role", "admin"),
                ("language", "en"),
            ],
        )
        .await
        .assert_status(403);
        post(
            &app,
            &format!("/orga/team/{id}/revoke"),
            Some(&cookie),
            &[("form_token", &own_token)],
        )
        .await
        .assert_status(403);
    }
    let admin = sign_in_with_token(&app, &app.admin_token).await;
    let token = form_token(&page(&app, "/orga/team", &admin).await.unwrap());
    let fields = [
        ("form_token", token.as_str()),
        ("name", "X"),
        ("email", "x@example.org"),
        ("role", "admin"),
        ("language", "en"),
    ];
    let evil: [&[(&str, &str)]; 2] = [
        &[("origin", "https://evil.example")],
        &[("sec-fetch-site", "cross-site")],
    ];
    for headers in evil {
        send(
            &app,
            Method::POST,
            "/orga/team",
            Some(&admin),
            headers,
            &fields,
        )
        .await
        .assert_status(403);
        send(
            &app,
            Method::POST,
            &format!("/orga/team/{id}/revoke"),
            Some(&admin),
            headers,
            &[("form_token", &token)],
        )
        .await
        .assert_status(403);
        send(
            &app,
            Method::POST,
            &format!("/orga/team/{id}"),
            Some(&admin),
            headers,
            &[("form_token", &token), ("role", "admin")],
        )
        .await
        .assert_status(403);
    }
    // Without the session's form token.
    invite(&app, &admin, "guessed", &fields[1..])
        .await
        .assert_status(403);
    post(&app, &format!("/orga/team/{id}/revoke"), Some(&admin), &[])
        .await
        .assert_status(403);
    assert_eq!(organiser::Entity::find().count(&app.db).await.unwrap(), 3);
    let olga = app.get_admin(&format!("/api/v1/organisers/{id}")).await;
    assert_eq!(olga.json["role"], "organiser");
    assert!(olga.json["revoked_at"].is_null());
    assert!(app.mails_to("x@example.org").is_empty());
}

#[tokio::test]
async fn the_members_language_is_kept_and_spoken_over_the_browsers() {
    let app = spawn_app().await;
    // The API's default: the inviting request's language.
    let created = app
        .post_with_headers(
            "/api/v1/organisers",
            &json!({"name": "Greta", "email": "greta@example.org"}),
            &[
                ("authorization", &format!("Bearer {}", app.admin_token)),
                ("accept-language", "de-DE,de;q=0.9"),
            ],
        )
        .await;
    created.assert_status(201);
    assert_eq!(created.json["language"], "de");
    let id = created.json["id"].as_str().unwrap().to_owned();
    let cookie = sign_in_with_token(&app, created.json["token"].as_str().unwrap()).await;
    let dashboard = page(&app, "/orga/", &cookie).await.unwrap();
    assert!(
        dashboard.text.contains("<html lang=\"de\">"),
        "hers, not the browser's"
    );
    let account = page(&app, "/orga/account", &cookie).await.unwrap();
    account.assert_status(200);
    assert!(account.text.contains("value=\"de\" checked"));
    let token = form_token(&account);
    let saved = post(
        &app,
        "/orga/account",
        Some(&cookie),
        &[("form_token", &token), ("language", "en")],
    )
    .await;
    saved.assert_status(303);
    let dashboard = send(
        &app,
        Method::GET,
        "/orga/",
        Some(&cookie),
        &[("accept-language", "de")],
        &[],
    )
    .await;
    assert!(
        dashboard.text.contains("<html lang=\"en\">"),
        "{}",
        dashboard.text
    );
    let shown = app.get_admin(&format!("/api/v1/organisers/{id}")).await;
    assert_eq!(shown.json["language"], "en");
    // From another site: nothing changes.
    send(
        &app,
        Method::POST,
        "/orga/account",
        Some(&cookie),
        &[("origin", "https://evil.example")],
        &[("form_token", &token), ("language", "de")],
    )
    .await
    .assert_status(403);
    let bad = post(
        &app,
        "/orga/account",
        Some(&cookie),
        &[("form_token", &token), ("language", "fr")],
    )
    .await;
    bad.assert_status(422);
    assert_eq!(
        app.get_admin(&format!("/api/v1/organisers/{id}"))
            .await
            .json["language"],
        "en"
    );
}
