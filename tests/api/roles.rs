//! Roles per event (issue 28): what an `organiser`, a `reviewer` and a `door` member may do, on
//! their events and on others, on every organiser route of the served spec; members created,
//! shown and changed with their role and events; and (issue 30) rotating or revoking a token
//! ends every door session opened with it, through the API and the command line.
use reqwest::Method;
use serde_json::{json, Value};

use crate::authorization::{admin_only, call, secured_operations, Fixture};
use crate::cli::{podium, stdout};
use crate::door::{send, sign_in};
use crate::helpers::{spawn_app, TestApp};

/// What a route needs, written out from issue 28 independently of the server's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Needs {
    Anyone,
    CheckIn,
    Review,
    Manage,
    CreateEvents,
    Team,
    /// Webhook endpoints (issue 31): an organiser's or admin's own, whichever their events.
    Hooks,
}

fn needs(method: &Method, template: &str) -> Needs {
    if admin_only(method, template) {
        Needs::Team
    } else if template.starts_with("/api/v1/organisers/me") {
        Needs::Anyone
    } else if template.ends_with("/check-in") {
        Needs::CheckIn
    } else if method == Method::GET
        && (template.ends_with("/pitches") || template.ends_with("/pitches/{id}"))
    {
        Needs::Review
    } else if template.ends_with("/reviews") || template.ends_with("/reviews/{review}") {
        // Scoring a pitch and reading its reviews (issue 29).
        Needs::Review
    } else if method == Method::GET
        && (template.ends_with("/review-criteria") || template.ends_with("/review-settings"))
    {
        Needs::Review
    } else if template == "/api/v1/events" {
        Needs::CreateEvents
    } else if template.starts_with("/api/v1/webhooks") {
        Needs::Hooks
    } else {
        Needs::Manage
    }
}

/// A new member with `role` on `events` (ids or slugs); its token.
async fn member(app: &TestApp, email: &str, role: &str, events: Value) -> String {
    let answer = app
        .post_admin(
            "/api/v1/organisers",
            &json!({"name": "Member", "email": email, "role": role, "events": events}),
        )
        .await;
    answer.assert_status(201);
    assert_eq!(answer.json["role"], role);
    answer.json["token"].as_str().unwrap().to_owned()
}

/// Every secured route, as each member: 403 exactly where `allowed` says no (asked first, so
/// nothing has changed yet), then the allowed ones (which really run), never 401 or 403.
async fn judge(
    app: &TestApp,
    fixture: &Fixture,
    who: &str,
    token: &str,
    allowed: impl Fn(Needs) -> bool,
) {
    let operations = secured_operations(app).await;
    let (refused, passed): (Vec<_>, Vec<_>) = operations
        .iter()
        .partition(|(method, template)| !allowed(needs(method, template)));
    for (method, template) in refused {
        let answer = call(app, method, &fixture.path(template), Some(token)).await;
        assert_eq!(
            answer.status, 403,
            "{method} {template} as {who}: {}",
            answer.text
        );
        answer.assert_problem(403);
    }
    for (method, template) in passed {
        let answer = call(app, method, &fixture.path(template), Some(token)).await;
        assert!(
            answer.status != 401 && answer.status != 403,
            "{method} {template} as {who}: {} {}",
            answer.status,
            answer.text
        );
    }
}

#[tokio::test]
async fn a_door_member_may_check_in_and_nothing_else() {
    let app = spawn_app().await;
    let fixture = Fixture::new(&app).await;
    let door = member(&app, "door@example.org", "door", json!([])).await;
    judge(&app, &fixture, "door", &door, |n| {
        matches!(n, Needs::Anyone | Needs::CheckIn)
    })
    .await;
}

#[tokio::test]
async fn a_reviewer_reads_pitches_and_no_attendee_data() {
    let app = spawn_app().await;
    let fixture = Fixture::new(&app).await;
    let reviewer = member(&app, "rev@example.org", "reviewer", json!(["authz"])).await;
    judge(&app, &fixture, "reviewer", &reviewer, |n| {
        matches!(n, Needs::Anyone | Needs::Review)
    })
    .await;
}

#[tokio::test]
async fn an_organiser_of_another_event_gets_nothing_of_this_one() {
    let app = spawn_app().await;
    let fixture = Fixture::new(&app).await;
    let other = app.create_event(json!({"slug": "other"})).await;
    let token = member(&app, "o@example.org", "organiser", json!([other["id"]])).await;
    // By slug, and a slug that names no event: 403 alike, nothing learnt.
    for path in [
        "/api/v1/events/authz/registrations",
        "/api/v1/events/nothing/registrations",
    ] {
        app.get_as(path, &token).await.assert_problem(403);
    }
    judge(
        &app,
        &fixture,
        "an organiser of another event",
        &token,
        |n| matches!(n, Needs::Anyone | Needs::Hooks),
    )
    .await;
}

#[tokio::test]
async fn an_organiser_of_this_event_may_do_everything_of_it_but_create_events() {
    let app = spawn_app().await;
    let fixture = Fixture::new(&app).await;
    let token = member(&app, "o@example.org", "organiser", json!(["authz"])).await;
    judge(&app, &fixture, "an organiser of this event", &token, |n| {
        !matches!(n, Needs::Team | Needs::CreateEvents)
    })
    .await;
}

#[tokio::test]
async fn a_limited_member_lists_only_their_events_and_sees_others_as_the_public_does() {
    let app = spawn_app().await;
    app.create_event(json!({"slug": "mine-draft"})).await;
    app.create_event(json!({"slug": "other-draft"})).await;
    app.published_event(json!({"slug": "other-published"}))
        .await;
    let token = member(&app, "o@example.org", "organiser", json!(["mine-draft"])).await;
    let door = member(&app, "d@example.org", "door", json!(["mine-draft"])).await;
    for token in [&token, &door] {
        let listed = app.get_as("/api/v1/events", token).await;
        listed.assert_status(200);
        let slugs: Vec<&str> = listed.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["slug"].as_str().unwrap())
            .collect();
        assert_eq!(slugs, ["mine-draft"]);
        assert_eq!(listed.json["total"], 1);
    }
    // Everyone's list is unchanged for an organiser of every event.
    let all = app
        .get_as("/api/v1/events", &app.organiser_token().await)
        .await;
    assert_eq!(all.json["total"], 3);
    // Another event: a draft is hidden, a published one shown as to anyone.
    app.get_as("/api/v1/events/other-draft", &token)
        .await
        .assert_problem(404);
    app.get_as("/api/v1/events/other-published", &token)
        .await
        .assert_status(200);
    app.get_as("/api/v1/events/mine-draft", &token)
        .await
        .assert_status(200);
    // A door member sees its own draft event only as the public does.
    app.get_as("/api/v1/events/mine-draft", &door)
        .await
        .assert_problem(404);
}

#[tokio::test]
async fn members_are_created_shown_and_changed_with_their_role_and_events() {
    let app = spawn_app().await;
    let a = app.create_event(json!({"slug": "a"})).await;
    let b = app.create_event(json!({"slug": "b"})).await;
    let created = app
        .post_admin(
            "/api/v1/organisers",
            &json!({"name": "Dora", "email": "dora@example.org", "role": "door", "events": ["a", b["id"]]}),
        )
        .await;
    created.assert_status(201);
    let id = created.json["id"].as_str().unwrap().to_owned();
    let token = created.json["token"].as_str().unwrap().to_owned();
    let mut events: Vec<Value> = created.json["events"].as_array().unwrap().clone();
    events.sort_by_key(|v| v.as_str().unwrap().to_owned());
    let mut expected = vec![a["id"].clone(), b["id"].clone()];
    expected.sort_by_key(|v| v.as_str().unwrap().to_owned());
    assert_eq!(events, expected);

    let shown = app.get_admin(&format!("/api/v1/organisers/{id}")).await;
    shown.assert_status(200);
    assert_eq!(shown.json["role"], "door");
    assert_eq!(shown.json["events"].as_array().unwrap().len(), 2);
    let me = app.get_as("/api/v1/organisers/me", &token).await;
    assert_eq!(me.json["role"], "door");

    // A member may not see or change members; the admin may.
    app.get_as(&format!("/api/v1/organisers/{id}"), &token)
        .await
        .assert_problem(403);
    app.request(
        Method::PATCH,
        &format!("/api/v1/organisers/{id}"),
        Some(&token),
        Some(&json!({"role": "admin"})),
    )
    .await
    .assert_problem(403);
    let changed = app
        .patch_admin(
            &format!("/api/v1/organisers/{id}"),
            &json!({"role": "reviewer", "events": []}),
        )
        .await;
    changed.assert_status(200);
    assert_eq!(changed.json["role"], "reviewer");
    assert_eq!(changed.json["events"], json!([]));
    assert_eq!(changed.json["name"], "Dora");
    // The change holds at once for the same token.
    app.get_as("/api/v1/events/a/pitches", &token)
        .await
        .assert_status(200);
    app.get_as("/api/v1/events/a/registrations", &token)
        .await
        .assert_problem(403);

    // Bad values change nothing.
    let unknown = app
        .patch_admin(
            &format!("/api/v1/organisers/{id}"),
            &json!({"events": ["nope"]}),
        )
        .await;
    unknown.assert_problem(422);
    assert_eq!(unknown.error_fields(), ["events"]);
    let bad_role = app
        .patch_admin(
            &format!("/api/v1/organisers/{id}"),
            &json!({"role": "king"}),
        )
        .await;
    assert!(
        matches!(bad_role.status.as_u16(), 400 | 422),
        "{}",
        bad_role.text
    );
    let unknown_event = app
        .post_admin(
            "/api/v1/organisers",
            &json!({"name": "X", "email": "x@example.org", "events": ["nope"]}),
        )
        .await;
    unknown_event.assert_problem(422);
    let list = app.get_admin("/api/v1/organisers").await;
    assert!(!list.text.contains("x@example.org"));
    let shown = app.get_admin(&format!("/api/v1/organisers/{id}")).await;
    assert_eq!(shown.json["role"], "reviewer");
    app.get_admin(&format!("/api/v1/organisers/{}", uuid::Uuid::nil()))
        .await
        .assert_problem(404);

    // The spec documents the new fields and routes.
    let spec = app.get("/api-docs/openapi.json").await;
    assert!(spec.json["paths"]["/api/v1/organisers/{id}"]["patch"].is_object());
    assert!(spec.json["paths"]["/api/v1/organisers/{id}"]["get"].is_object());
    let create = &spec.json["components"]["schemas"]["CreateOrganiser"]["properties"];
    assert!(create["events"].is_object() && create["role"].is_object());
}

/// Whether the door page with this cookie is signed in.
async fn door_open(app: &TestApp, cookie: &str) -> bool {
    let page = send(
        app,
        &app.address,
        Method::GET,
        "/events/door/door",
        Some(cookie),
        &[],
    )
    .await;
    page.assert_status(200);
    page.text.contains("id=\"code-form\"")
}

#[tokio::test]
async fn a_door_member_opens_their_door_only_and_a_reviewer_none() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "door"})).await;
    app.published_event(json!({"slug": "elsewhere"})).await;
    let door = member(&app, "d@example.org", "door", json!(["door"])).await;
    let cookie = sign_in(&app, &app.address, "door", &door).await;
    assert!(door_open(&app, &cookie).await);
    let reviewer = member(&app, "r@example.org", "reviewer", json!([])).await;
    for (slug, token) in [("elsewhere", &door), ("door", &reviewer)] {
        let refused = send(
            &app,
            &app.address,
            Method::POST,
            &format!("/events/{slug}/door/sign-in"),
            None,
            &[("token", token)],
        )
        .await;
        refused.assert_status(403);
        assert!(refused.header("set-cookie").is_none());
        assert!(
            refused.text.contains("does not include"),
            "{}",
            refused.text
        );
    }
    // Taking the door from the member's role closes its session.
    let id = app.get_as("/api/v1/organisers/me", &door).await.json["id"].clone();
    app.patch_admin(
        &format!("/api/v1/organisers/{}", id.as_str().unwrap()),
        &json!({"role": "reviewer"}),
    )
    .await
    .assert_status(200);
    assert!(!door_open(&app, &cookie).await);
}

#[tokio::test]
async fn rotating_or_revoking_a_token_through_the_api_ends_its_door_sessions_at_once() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "door"})).await;
    // Rotating one's own token, an admin rotating it, revoking it.
    for how in ["me/rotate", "rotate", "revoke"] {
        let email = format!("{}@example.org", how.replace('/', "-"));
        let token = member(&app, &email, "door", json!([])).await;
        let id = app.get_as("/api/v1/organisers/me", &token).await.json["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let cookie = sign_in(&app, &app.address, "door", &token).await;
        let second = sign_in(&app, &app.address, "door", &token).await;
        assert!(door_open(&app, &cookie).await && door_open(&app, &second).await);
        let answer = match how {
            "me/rotate" => {
                app.request(
                    Method::POST,
                    "/api/v1/organisers/me/rotate",
                    Some(&token),
                    Some(&json!({})),
                )
                .await
            }
            "rotate" => {
                app.post_admin(&format!("/api/v1/organisers/{id}/rotate"), &json!({}))
                    .await
            }
            _ => app.delete_admin(&format!("/api/v1/organisers/{id}")).await,
        };
        answer.assert_status(200);
        assert!(
            !door_open(&app, &cookie).await,
            "{how}: the door is still open"
        );
        assert!(
            !door_open(&app, &second).await,
            "{how}: the second door is still open"
        );
        // A search or a check-in through the old session is refused too.
        let search = send(
            &app,
            &app.address,
            Method::GET,
            "/events/door/door?q=Ada",
            Some(&cookie),
            &[],
        )
        .await;
        assert!(!search.text.contains("id=\"code-form\""));
        if how != "revoke" {
            let new_token = answer.json["token"].as_str().unwrap();
            let fresh = sign_in(&app, &app.address, "door", new_token).await;
            assert!(door_open(&app, &fresh).await);
        }
    }
}

#[tokio::test]
async fn rotating_or_revoking_a_token_from_the_command_line_ends_its_door_sessions() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "door"})).await;
    for command in ["rotate", "revoke"] {
        let email = format!("{command}@example.org");
        let token = member(&app, &email, "door", json!(["door"])).await;
        let cookie = sign_in(&app, &app.address, "door", &token).await;
        assert!(door_open(&app, &cookie).await);
        let output = podium(&app.database_url, &["organiser", command, &email]).await;
        assert!(
            output.status.success(),
            "{command}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            !door_open(&app, &cookie).await,
            "{command}: the door is still open"
        );
        // The old token is refused once the token cache's second has passed.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let me = app.get_as("/api/v1/organisers/me", &token).await;
            if me.status == 401 {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{command}: the old token still works"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        if command == "rotate" {
            let new_token = stdout(&output).lines().last().unwrap().trim().to_owned();
            app.get_as("/api/v1/organisers/me", &new_token)
                .await
                .assert_status(200);
        }
    }
}
