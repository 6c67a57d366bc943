//! The schedule editor (issue 29, items 3 and 4) over HTTP as a browser uses it: the draft by
//! day and stage with the unplaced pitches, placing, moving and unplacing by plain forms, a refused
//! rule shown at its slot, the changes and the "Release" form; the role guard and the
//! cross-site check.
use reqwest::Method;
use serde_json::json;

use crate::helpers::{spawn_app, Answer, TestApp};
use crate::orga_client::{self, form_token, send, CROSS_SITE};

/// A signed-in member: the cookie and the form token of the session.
struct Member {
    cookie: String,
    token: String,
}

impl Member {
    async fn sign_in(app: &TestApp, token: &str) -> Self {
        let cookie = orga_client::sign_in(app, token).await;
        let page = orga_client::get(app, "/orga/", &cookie).await;
        page.assert_status(200);
        let token = form_token(&page);
        Self { cookie, token }
    }

    async fn get(&self, app: &TestApp, path: &str) -> Answer {
        orga_client::get(app, path, &self.cookie).await
    }

    async fn post(&self, app: &TestApp, path: &str, form: &[(&str, &str)]) -> Answer {
        let mut form = form.to_vec();
        form.push(("form_token", &self.token));
        orga_client::post(app, path, &self.cookie, &form).await
    }
}

fn at(hm: &str) -> String {
    format!("2027-06-24T{hm}:00+02:00")
}

#[tokio::test]
async fn the_editor_places_moves_and_unplaces_by_forms_shows_refusals_at_the_slot_and_releases() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    let main = app.create_stage("jt", "Hauptbühne").await;
    let forum = app.create_stage("jt", "Forum").await;
    let short = app.slot("jt", &main, &at("10:00"), &at("10:05")).await;
    let long = app.slot("jt", &forum, &at("11:00"), &at("11:30")).await;
    let pitch = app
        .accepted_pitch("jt", json!({"duration_minutes": 10}))
        .await;
    let id = pitch["id"].as_str().unwrap();
    let admin = Member::sign_in(&app, &app.admin_token).await;

    let event_page = admin.get(&app, "/orga/events/jt?lang=en").await;
    assert!(event_page.text.contains("/orga/events/jt/schedule"));
    let page = admin.get(&app, "/orga/events/jt/schedule?lang=en").await;
    page.assert_status(200);
    assert!(page.text.contains("Hauptbühne") && page.text.contains("Forum"));
    assert!(page.text.contains("Accepted, not placed"));
    assert!(page.text.contains("Leichtbau mit Naturfasern"));
    assert!(page.text.contains("Not released yet"));
    let german = admin.get(&app, "/orga/events/jt/schedule?lang=de").await;
    assert!(german.text.contains("Angenommen, nicht eingeplant"));

    // Too long for the short slot: the page again, the message at that slot, nothing placed.
    let refused = admin
        .post(
            &app,
            &format!("/orga/events/jt/schedule/slots/{short}/place?lang=en"),
            &[("pitch_id", id)],
        )
        .await;
    refused.assert_status(422);
    let at_slot = refused
        .text
        .split(&format!("id=\"slot-{short}\""))
        .nth(1)
        .unwrap()
        .split("</li>")
        .next()
        .unwrap()
        .to_owned();
    assert!(at_slot.contains("Not possible"), "{at_slot}");
    assert!(at_slot.contains("minutes"), "{at_slot}");
    let draft = app.get_admin("/api/v1/events/jt/schedule/draft").await;
    assert!(
        draft.json["slots"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["open"] == true),
        "{}",
        draft.text
    );

    // Into the long one: placed in the draft, no mail yet.
    let placed = admin
        .post(
            &app,
            &format!("/orga/events/jt/schedule/slots/{long}/place?lang=en"),
            &[("pitch_id", id)],
        )
        .await;
    placed.assert_status(303);
    // A move onto the short slot's time on its stage is refused at the moved slot; a free time
    // is fine (the move form's times are local times of the event).
    let move_path = format!("/orga/events/jt/schedule/slots/{long}/move?lang=en");
    let clash = admin
        .post(
            &app,
            &move_path,
            &[
                ("stage_id", main.as_str()),
                ("starts_at", "2027-06-24T10:00"),
                ("ends_at", "2027-06-24T10:30"),
            ],
        )
        .await;
    clash.assert_status(409);
    let at_long = clash
        .text
        .split(&format!("id=\"slot-{long}\""))
        .nth(1)
        .unwrap()
        .split("</li>")
        .next()
        .unwrap()
        .to_owned();
    assert!(at_long.contains("Not possible"), "{at_long}");
    admin
        .post(
            &app,
            &move_path,
            &[
                ("stage_id", main.as_str()),
                ("starts_at", "2027-06-24T12:00"),
                ("ends_at", "not a time"),
            ],
        )
        .await
        .assert_status(422);
    admin
        .post(
            &app,
            &move_path,
            &[
                ("stage_id", main.as_str()),
                ("starts_at", "2027-06-24T12:00"),
                ("ends_at", "2027-06-24T12:30"),
            ],
        )
        .await
        .assert_status(303);
    let moved = app.get_admin("/api/v1/events/jt/schedule/draft").await;
    let placed_change = moved.json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "placed")
        .cloned()
        .unwrap();
    assert_eq!(placed_change["to"]["stage_name"], "Hauptbühne");
    assert_eq!(placed_change["to"]["starts_at"], at("12:00"));
    let page = admin.get(&app, "/orga/events/jt/schedule?lang=en").await;
    assert!(page.text.contains("Changes since the last release"));
    assert!(page.text.contains("Leichtbau mit Naturfasern: placed"));
    assert!(page.text.contains("Every accepted pitch has a slot."));
    let schedule = app.get("/api/v1/events/jt/schedule").await;
    assert!(!schedule.text.contains("Leichtbau"));

    // Released from the page: public, and the presenter mailed once.
    let released = admin
        .post(
            &app,
            "/orga/events/jt/schedule/release?lang=en",
            &[("note", "Erstes Programm")],
        )
        .await;
    released.assert_status(303);
    let page = admin
        .get(&app, "/orga/events/jt/schedule?lang=en&done=released")
        .await;
    assert!(page.text.contains("Released."));
    assert!(page.text.contains("The public programme is release 1."));
    let schedule = app.get("/api/v1/events/jt/schedule").await;
    assert!(schedule.text.contains("Leichtbau"));
    let list = app.get_admin("/api/v1/events/jt/schedule/releases").await;
    assert_eq!(list.json["items"][0]["note"], "Erstes Programm");
    app.mails(3).await;
    assert_eq!(app.mails_to("petra@faserwerk.example").len(), 3);

    // Unplaced by a form: the draft changes, the public programme not yet.
    admin
        .post(
            &app,
            &format!("/orga/events/jt/schedule/slots/{long}/unplace?lang=en"),
            &[],
        )
        .await
        .assert_status(303);
    let page = admin.get(&app, "/orga/events/jt/schedule?lang=en").await;
    assert!(page.text.contains("no longer scheduled"));
    let schedule = app.get("/api/v1/events/jt/schedule").await;
    assert!(schedule.text.contains("Leichtbau"));
}

#[tokio::test]
async fn the_editor_is_for_the_events_organisers_and_refuses_forms_from_elsewhere() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    let stage = app.create_stage("jt", "Saal").await;
    let slot = app.slot("jt", &stage, &at("10:00"), &at("10:15")).await;
    let answer = app
        .post_admin(
            "/api/v1/organisers",
            &json!({"name": "Door", "email": "door@example.org", "role": "door", "events": ["jt"]}),
        )
        .await;
    let door = Member::sign_in(&app, answer.json["token"].as_str().unwrap()).await;
    door.get(&app, "/orga/events/jt/schedule")
        .await
        .assert_status(403);
    door.post(&app, "/orga/events/jt/schedule/release", &[])
        .await
        .assert_status(403);
    let admin = Member::sign_in(&app, &app.admin_token).await;
    for path in [
        "/orga/events/jt/schedule/release".to_owned(),
        format!("/orga/events/jt/schedule/slots/{slot}/unplace"),
    ] {
        let answer = send(
            &app,
            Method::POST,
            &path,
            Some(&admin.cookie),
            &CROSS_SITE,
            &[("form_token", admin.token.as_str())],
        )
        .await;
        answer.assert_status(403);
    }
    let list = app.get_admin("/api/v1/events/jt/schedule/releases").await;
    assert_eq!(list.json["total"], 0);
    // A stranger is sent to sign in.
    let stranger = app.get("/orga/events/jt/schedule").await;
    assert!(
        matches!(stranger.status.as_u16(), 200 | 303 | 401),
        "{}",
        stranger.status
    );
}
