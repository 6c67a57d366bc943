//! Releases of the programme (issue 29, item 4): assignments and moves edit a draft that mails
//! nobody; a release publishes it as the next version, mails each changed presenter once with
//! an iTIP `.ics`, and is what the public schedule, pages and feeds show.
use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{ics_value, spawn_app, TestApp};

const T: &str = "2027-06-24T";

fn at(hm: &str) -> String {
    format!("{T}{hm}:00+02:00")
}

/// A published event `rel` (09:00–18:00 Europe/Berlin) with two stages.
async fn programme_app() -> (TestApp, String, String) {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "rel"})).await;
    let main = app.create_stage("rel", "Hauptbühne").await;
    let forum = app.create_stage("rel", "Forum").await;
    (app, main, forum)
}

/// Waits for `n` mails, then a moment more, and checks that no more came.
async fn exactly_mails(app: &TestApp, n: usize) {
    app.mails(n).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.smtp.messages().len(), n, "mails sent");
}

/// The public schedule's pitch titles, by stage name.
async fn public_titles(app: &TestApp) -> Vec<(String, String)> {
    let schedule = app.get("/api/v1/events/rel/schedule").await;
    schedule.assert_status(200);
    let mut titles = Vec::new();
    for stage in schedule.json["stages"].as_array().unwrap() {
        for slot in stage["slots"].as_array().unwrap() {
            if let Some(title) = slot["pitch"]["title"].as_str() {
                titles.push((stage["name"].as_str().unwrap().to_owned(), title.to_owned()));
            }
        }
    }
    titles
}

/// The SEQUENCE of the entry `uid` in the event's public feed.
async fn feed_sequence(app: &TestApp, uid: &str) -> (i32, String) {
    let feed = app.get("/api/v1/events/rel/calendar.ics").await;
    feed.assert_status(200);
    let parsed = crate::ics_reader::read(&feed.text);
    let entry = parsed
        .events
        .iter()
        .find(|e| crate::ics_reader::raw(&e.properties, "UID").as_deref() == Some(uid))
        .unwrap_or_else(|| panic!("no {uid} in the feed:\n{}", feed.text));
    (
        crate::ics_reader::raw(&entry.properties, "SEQUENCE")
            .unwrap()
            .parse()
            .unwrap(),
        crate::ics_reader::raw(&entry.properties, "STATUS").unwrap_or_default(),
    )
}

fn uid_of(pitch: &Value) -> String {
    format!("pitch-{}@podium", pitch["id"].as_str().unwrap())
}

#[tokio::test]
async fn an_assignment_stays_in_the_draft_until_released_and_the_release_mails_the_presenter() {
    let (app, main, _) = programme_app().await;
    let slot = app.slot("rel", &main, &at("10:00"), &at("10:15")).await;
    let pitch = app.accepted_pitch("rel", json!({})).await;
    let id = pitch["id"].as_str().unwrap();
    let token = pitch["manage_token"].as_str().unwrap();
    app.assign("rel", &slot, id).await.assert_status(200);
    // Proposal and acceptance; the assignment mails nobody.
    exactly_mails(&app, 2).await;

    // The public sees no programme: no release yet.
    assert!(public_titles(&app).await.is_empty());
    let public_slots = app.get("/api/v1/events/rel/pitch-slots").await;
    assert_eq!(public_slots.json["total"], 0, "{}", public_slots.text);
    let feed = app.get("/api/v1/events/rel/calendar.ics").await;
    assert!(!feed.text.contains(&uid_of(&pitch)), "{}", feed.text);
    let own = app.get(&format!("/api/v1/pitches/{token}")).await;
    assert!(own.json["slot"].is_null(), "{}", own.text);
    let page = app.get("/events/rel").await;
    page.assert_status(200);
    assert!(
        !page.text.contains("Leichtbau mit Naturfasern"),
        "{}",
        page.text
    );

    // The organisers see the draft and what a release would change.
    let draft_slots = app.get_admin("/api/v1/events/rel/pitch-slots").await;
    assert_eq!(draft_slots.json["items"][0]["pitch"]["id"], id);
    let draft = app.get_admin("/api/v1/events/rel/schedule/draft").await;
    draft.assert_status(200);
    assert!(draft.json["released_version"].is_null());
    assert_eq!(draft.json["changes"].as_array().unwrap().len(), 1);
    assert_eq!(draft.json["changes"][0]["kind"], "placed");
    assert_eq!(draft.json["changes"][0]["pitch_id"], id);
    assert_eq!(draft.json["changes"][0]["mailed"], true);
    assert_eq!(draft.json["changes"][0]["to"]["starts_at"], at("10:00"));
    assert_eq!(draft.json["slots"][0]["pitch"]["id"], id);

    let release = app
        .post_admin(
            "/api/v1/events/rel/schedule/releases",
            &json!({"note": "Erstes Programm"}),
        )
        .await;
    release.assert_status(201);
    let event_id = app.event_admin("rel").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        release.header("location"),
        Some(format!("/api/v1/events/{event_id}/schedule/releases/1").as_str())
    );
    assert_eq!(release.json["version"], 1);
    assert_eq!(release.json["note"], "Erstes Programm");
    assert!(release.json["released_at"].is_string());
    assert_eq!(release.json["changes"][0]["kind"], "placed");

    // Now the public programme, the feed and the presenter's own view show it.
    assert_eq!(
        public_titles(&app).await,
        [(
            "Hauptbühne".to_owned(),
            "Leichtbau mit Naturfasern".to_owned()
        )]
    );
    let public_slots = app.get("/api/v1/events/rel/pitch-slots").await;
    assert_eq!(public_slots.json["items"][0]["pitch"]["id"], id);
    assert!(!public_slots.text.contains('@'), "{}", public_slots.text);
    let (_, status) = feed_sequence(&app, &uid_of(&pitch)).await;
    assert_eq!(status, "CONFIRMED");
    let own = app.get(&format!("/api/v1/pitches/{token}")).await;
    assert_eq!(own.json["slot"]["id"], slot.as_str(), "{}", own.text);
    let page = app.get("/events/rel").await;
    assert!(
        page.text.contains("Leichtbau mit Naturfasern"),
        "{}",
        page.text
    );
    let after = app.get_admin("/api/v1/events/rel/schedule/draft").await;
    assert_eq!(after.json["released_version"], 1);
    assert_eq!(after.json["changes"], json!([]));

    // One mail, with a REQUEST another iCalendar reader can read.
    exactly_mails(&app, 3).await;
    let mails = app.mails_to("petra@faserwerk.example");
    let mail = mails.last().unwrap();
    assert!(
        mail.subject().starts_with("Your slot at"),
        "{}",
        mail.subject()
    );
    let ics = mail.ics().expect("an .ics");
    let parsed = crate::ics_reader::read(&ics);
    assert_eq!(
        crate::ics_reader::raw(&parsed.properties, "METHOD").as_deref(),
        Some("REQUEST")
    );
    let entry = &parsed.events[0];
    assert_eq!(
        crate::ics_reader::raw(&entry.properties, "UID"),
        Some(uid_of(&pitch))
    );
    assert!(crate::ics_reader::raw(&entry.properties, "ORGANIZER").is_some());
    assert!(crate::ics_reader::raw(&entry.properties, "ATTENDEE").is_some());
    assert!(mail
        .part_content_type("text/calendar")
        .unwrap()
        .contains("method=REQUEST"));
}

#[tokio::test]
async fn moves_before_a_release_mail_nobody_and_each_changed_presenter_gets_one_mail() {
    let (app, main, forum) = programme_app().await;
    let first = app.slot("rel", &main, &at("10:00"), &at("10:15")).await;
    let second = app.slot("rel", &main, &at("10:30"), &at("10:45")).await;
    let third = app.slot("rel", &forum, &at("11:00"), &at("11:15")).await;
    let petra = app.accepted_pitch("rel", json!({})).await;
    let olaf = app
        .accepted_pitch(
            "rel",
            json!({"title": "Kreislauf", "presenter_name": "Olaf", "presenter_email": "olaf@x.example"}),
        )
        .await;
    let uma = app
        .accepted_pitch(
            "rel",
            json!({"title": "Drittes", "presenter_name": "Uma", "presenter_email": "uma@x.example"}),
        )
        .await;
    let id = |p: &Value| p["id"].as_str().unwrap().to_owned();
    app.assign("rel", &first, &id(&petra))
        .await
        .assert_status(200);
    app.assign("rel", &second, &id(&olaf))
        .await
        .assert_status(200);
    app.release("rel", "eins").await;
    // 3 proposals, 3 acceptances, 2 placements.
    exactly_mails(&app, 8).await;
    let (petra_seq, _) = feed_sequence(&app, &uid_of(&petra)).await;
    let (olaf_seq, _) = feed_sequence(&app, &uid_of(&olaf)).await;

    // Petra's slot moves twice, Olaf changes slot, Uma comes and goes: no mail.
    let path = format!("/api/v1/events/rel/pitch-slots/{first}");
    app.patch_admin(
        &path,
        &json!({"starts_at": at("12:00"), "ends_at": at("12:15")}),
    )
    .await
    .assert_status(200);
    app.patch_admin(
        &path,
        &json!({"starts_at": at("12:30"), "ends_at": at("12:45")}),
    )
    .await
    .assert_status(200);
    app.delete_admin(&format!(
        "/api/v1/events/rel/pitch-slots/{second}/assignment"
    ))
    .await
    .assert_status(204);
    app.assign("rel", &third, &id(&olaf))
        .await
        .assert_status(200);
    app.assign("rel", &second, &id(&uma))
        .await
        .assert_status(200);
    app.delete_admin(&format!(
        "/api/v1/events/rel/pitch-slots/{second}/assignment"
    ))
    .await
    .assert_status(204);
    exactly_mails(&app, 8).await;
    // The public still sees release 1, and the feeds' SEQUENCE has not moved.
    let titles = public_titles(&app).await;
    assert!(titles.contains(&("Hauptbühne".to_owned(), "Kreislauf".to_owned())));
    assert_eq!(feed_sequence(&app, &uid_of(&petra)).await.0, petra_seq);

    let draft = app.get_admin("/api/v1/events/rel/schedule/draft").await;
    let kinds: Vec<(&str, &str)> = draft.json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap(),
                c["pitch_title"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds.len(),
        2,
        "only Petra and Olaf changed: {}",
        draft.text
    );
    assert!(kinds.contains(&("moved", "Kreislauf")));

    let release = app.release("rel", "zwei").await;
    assert_eq!(release["version"], 2);
    assert_eq!(release["changes"].as_array().unwrap().len(), 2);
    exactly_mails(&app, 10).await;
    for (who, pitch, before, stage) in [
        ("petra@faserwerk.example", &petra, petra_seq, "Hauptbühne"),
        ("olaf@x.example", &olaf, olaf_seq, "Forum"),
    ] {
        let mails = app.mails_to(who);
        assert_eq!(
            mails.len(),
            4,
            "{who}: proposal, acceptance, release 1, release 2"
        );
        let mail = mails.last().unwrap();
        assert!(
            mail.subject().starts_with("Schedule change at"),
            "{}",
            mail.subject()
        );
        let ics = mail.ics().unwrap();
        assert_eq!(ics_value(&ics, "METHOD").as_deref(), Some("REQUEST"));
        assert_eq!(ics_value(&ics, "UID"), Some(uid_of(pitch)));
        assert!(ics_value(&ics, "LOCATION").unwrap().starts_with(stage));
        // Once per release and item, however often the draft moved it.
        let sequence: i32 = ics_value(&ics, "SEQUENCE").unwrap().parse().unwrap();
        assert_eq!(sequence, before + 1, "{who}");
        assert_eq!(feed_sequence(&app, &uid_of(pitch)).await.0, before + 1);
    }
    assert_eq!(app.mails_to("uma@x.example").len(), 2);
    let dtstart = ics_value(
        &app.mails_to("petra@faserwerk.example")[3].ics().unwrap(),
        "DTSTART",
    )
    .unwrap();
    assert!(dtstart.starts_with("20270624T1230"), "{dtstart}");

    // Unplaced in the draft, then released: one CANCEL, and the feed keeps it cancelled.
    app.delete_admin(&format!(
        "/api/v1/events/rel/pitch-slots/{first}/assignment"
    ))
    .await
    .assert_status(204);
    let release = app.release("rel", "drei").await;
    assert_eq!(release["changes"][0]["kind"], "unplaced");
    exactly_mails(&app, 11).await;
    let mail = app.mails_to("petra@faserwerk.example").pop().unwrap();
    let ics = mail.ics().unwrap();
    assert_eq!(ics_value(&ics, "METHOD").as_deref(), Some("CANCEL"));
    assert_eq!(ics_value(&ics, "STATUS").as_deref(), Some("CANCELLED"));
    assert_eq!(
        feed_sequence(&app, &uid_of(&petra)).await,
        (petra_seq + 2, "CANCELLED".to_owned())
    );
}

#[tokio::test]
async fn releases_are_numbered_listed_newest_first_and_one_without_changes_mails_nobody() {
    let (app, main, _) = programme_app().await;
    let slot = app.slot("rel", &main, &at("10:00"), &at("10:15")).await;
    let pitch = app.accepted_pitch("rel", json!({})).await;
    app.assign("rel", &slot, pitch["id"].as_str().unwrap())
        .await
        .assert_status(200);
    app.release("rel", "eins").await;
    exactly_mails(&app, 3).await;
    let unchanged = app.release("rel", "zwei\nmit Zeilen").await;
    assert_eq!(unchanged["version"], 2);
    assert_eq!(unchanged["changes"], json!([]));
    app.post_admin("/api/v1/events/rel/schedule/releases", &json!({}))
        .await
        .assert_status(201);
    exactly_mails(&app, 3).await;

    let list = app.get_admin("/api/v1/events/rel/schedule/releases").await;
    list.assert_status(200);
    assert_eq!(list.json["total"], 3);
    let versions: Vec<i64> = list.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [3, 2, 1]);
    assert_eq!(list.json["items"][1]["note"], "zwei\nmit Zeilen");
    assert_eq!(list.json["items"][2]["changes"][0]["kind"], "placed");
    let page = app
        .get_admin("/api/v1/events/rel/schedule/releases?limit=1")
        .await;
    assert_eq!(page.json["items"][0]["version"], 3);
    assert!(page.json["next_cursor"].is_string());
    let one = app
        .get_admin("/api/v1/events/rel/schedule/releases/1")
        .await;
    one.assert_status(200);
    assert_eq!(one.json["note"], "eins");
    app.get_admin("/api/v1/events/rel/schedule/releases/9")
        .await
        .assert_problem(404);

    // Bad notes are 422s naming the field; a body of the wrong shape is a 422 too.
    for body in [
        json!({"note": "x".repeat(2001)}),
        json!({"note": "null\u{0}byte"}),
    ] {
        let answer = app
            .post_admin("/api/v1/events/rel/schedule/releases", &body)
            .await;
        answer.assert_problem(422);
        assert_eq!(answer.error_fields(), ["note"], "{}", answer.text);
    }
    for body in [json!({"note": 5}), json!(["note"]), json!({"version": 7})] {
        app.post_admin("/api/v1/events/rel/schedule/releases", &body)
            .await
            .assert_problem(422);
    }
    // None of them made a release.
    assert_eq!(
        app.get_admin("/api/v1/events/rel/schedule/releases")
            .await
            .json["total"],
        3
    );
    app.post_admin("/api/v1/events/nope/schedule/releases", &json!({}))
        .await
        .assert_problem(404);
}

#[tokio::test]
async fn two_releases_at_once_get_two_versions() {
    let (app, main, _) = programme_app().await;
    let slot = app.slot("rel", &main, &at("10:00"), &at("10:15")).await;
    let pitch = app.accepted_pitch("rel", json!({})).await;
    app.assign("rel", &slot, pitch["id"].as_str().unwrap())
        .await
        .assert_status(200);
    let path = "/api/v1/events/rel/schedule/releases";
    let (note_a, note_b) = (json!({"note": "a"}), json!({"note": "b"}));
    let (a, b) = tokio::join!(app.post_admin(path, &note_a), app.post_admin(path, &note_b));
    a.assert_status(201);
    b.assert_status(201);
    let mut versions = [
        a.json["version"].as_i64().unwrap(),
        b.json["version"].as_i64().unwrap(),
    ];
    versions.sort_unstable();
    assert_eq!(versions, [1, 2]);
    // The placement was published (and mailed) by exactly one of them.
    let placed = [&a, &b]
        .iter()
        .filter(|r| !r.json["changes"].as_array().unwrap().is_empty())
        .count();
    assert_eq!(placed, 1);
    exactly_mails(&app, 3).await;
}

#[tokio::test]
async fn only_the_events_organisers_release_and_read_releases() {
    let (app, _, _) = programme_app().await;
    let mut tokens = Vec::new();
    for (email, role) in [
        ("door@example.org", "door"),
        ("rev@example.org", "reviewer"),
    ] {
        let answer = app
            .post_admin(
                "/api/v1/organisers",
                &json!({"name": "Member", "email": email, "role": role, "events": ["rel"]}),
            )
            .await;
        answer.assert_status(201);
        tokens.push(answer.json["token"].as_str().unwrap().to_owned());
    }
    let path = "/api/v1/events/rel/schedule/releases";
    for token in &tokens {
        app.request(
            reqwest::Method::POST,
            path,
            Some(token),
            Some(&json!({"note": "x"})),
        )
        .await
        .assert_problem(403);
        app.get_as(path, token).await.assert_problem(403);
        app.get_as("/api/v1/events/rel/schedule/draft", token)
            .await
            .assert_problem(403);
    }
    app.post(path, &json!({"note": "x"}))
        .await
        .assert_problem(401);
    app.get(path).await.assert_problem(401);
    app.get("/api/v1/events/rel/schedule/draft")
        .await
        .assert_problem(401);
    let list = app.get_admin(path).await;
    assert_eq!(list.json["total"], 0);
}

#[tokio::test]
async fn a_cancelled_event_releases_nothing() {
    let (app, main, _) = programme_app().await;
    app.slot("rel", &main, &at("10:00"), &at("10:15")).await;
    app.post_admin("/api/v1/events/rel/cancel", &json!({}))
        .await
        .assert_status(200);
    app.post_admin("/api/v1/events/rel/schedule/releases", &json!({}))
        .await
        .assert_problem(409);
}

/// Events that had a programme before releases start with it as release 1; an event with only
/// open slots has no release. Rolls the migration back over data made through the API (the
/// draft: no release yet) and applies it again.
#[tokio::test]
async fn the_migration_makes_release_1_of_a_programme_from_before_releases() {
    use migration::MigratorTrait;

    let (app, main, _) = programme_app().await;
    let slot = app.slot("rel", &main, &at("10:00"), &at("10:15")).await;
    app.slot("rel", &main, &at("11:00"), &at("11:15")).await;
    let pitch = app.accepted_pitch("rel", json!({})).await;
    app.assign("rel", &slot, pitch["id"].as_str().unwrap())
        .await
        .assert_status(200);
    app.published_event(json!({"slug": "open"})).await;
    let stage = app.create_stage("open", "Saal").await;
    app.slot("open", &stage, &at("10:00"), &at("10:15")).await;

    let all = migration::Migrator::migrations();
    let position = all
        .iter()
        .position(|m| m.name() == "m20261208_200001_create_schedule_releases")
        .unwrap();
    let steps = u32::try_from(all.len() - position).unwrap();
    migration::Migrator::down(&app.db, Some(steps))
        .await
        .unwrap();
    migration::Migrator::up(&app.db, None).await.unwrap();

    let list = app.get_admin("/api/v1/events/rel/schedule/releases").await;
    list.assert_status(200);
    assert_eq!(list.json["total"], 1, "{}", list.text);
    assert_eq!(list.json["items"][0]["version"], 1);
    assert_eq!(
        list.json["items"][0]["note"],
        migration::m20261208_200001_create_schedule_releases::BACKFILL_NOTE
    );
    assert!(list.json["items"][0]["released_at"].is_string());
    let schedule = app.get("/api/v1/events/rel/schedule").await;
    let slots = &schedule.json["stages"][0]["slots"];
    assert_eq!(slots.as_array().unwrap().len(), 2, "{}", schedule.text);
    assert_eq!(slots[0]["pitch"]["id"], pitch["id"]);
    assert_eq!(slots[1]["open"], true);
    let draft = app.get_admin("/api/v1/events/rel/schedule/draft").await;
    assert_eq!(draft.json["released_version"], 1);
    assert_eq!(draft.json["changes"], json!([]));
    let open = app.get_admin("/api/v1/events/open/schedule/releases").await;
    assert_eq!(open.json["total"], 0);
    // The next release is version 2.
    assert_eq!(app.release("rel", "").await["version"], 2);
}

#[tokio::test]
async fn a_stage_whose_pitches_are_still_released_is_not_removed_until_a_release_tells_them() {
    let (app, main, _) = programme_app().await;
    let slot = app.slot("rel", &main, &at("10:00"), &at("10:15")).await;
    let pitch = app.accepted_pitch("rel", json!({})).await;
    app.assign("rel", &slot, pitch["id"].as_str().unwrap())
        .await
        .assert_status(200);
    app.release("rel", "").await;
    app.delete_admin(&format!("/api/v1/events/rel/pitch-slots/{slot}/assignment"))
        .await
        .assert_status(204);
    let stage = format!("/api/v1/events/rel/stages/{main}");
    app.delete_admin(&stage).await.assert_problem(409);
    app.release("rel", "ohne Hauptbühne").await;
    app.delete_admin(&stage).await.assert_status(204);
    // Told once that the slot is gone, with a cancellation.
    exactly_mails(&app, 4).await;
    let last = app.mails_to("petra@faserwerk.example").pop().unwrap();
    assert_eq!(
        ics_value(&last.ics().unwrap(), "METHOD").as_deref(),
        Some("CANCEL")
    );
}
