//! The programme in the frab format for conference apps: `schedule.xml` and `schedule.json`,
//! valid against the c3voc schemas (tests/support/frab/), by day and stage, without e-mail
//! addresses, with ETags and 304s, and linked from the event page.
use std::io::Write;
use std::process::Command;

use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

/// A published two-day event with two stages (one with spaces and an umlaut in its name) and
/// three scheduled pitches, one with umlauts and markup characters in it, plus an open slot.
/// Returns the ids of the scheduled pitches.
async fn two_day_programme(app: &TestApp, slug: &str) -> Vec<String> {
    app.published_event(json!({
        "slug": slug,
        "starts_at": "2027-06-24T09:00:00+02:00",
        "ends_at": "2027-06-25T18:00:00+02:00",
    }))
    .await;
    let big = app.create_stage(slug, "Großer Saal Süd").await;
    let small = app.create_stage(slug, "Raum 2").await;
    let mut pitches = Vec::new();
    for (title, stage, starts, ends) in [
        (
            "Größenwahn & <Kühlschränke>: \"Öko\"-Bilanz",
            &big,
            "2027-06-24T10:00:00+02:00",
            "2027-06-24T10:20:00+02:00",
        ),
        (
            "Leichtbau mit Naturfasern",
            &small,
            "2027-06-24T11:00:00+02:00",
            "2027-06-24T11:15:00+02:00",
        ),
        (
            "Wasserstoff im Mittelstand",
            &big,
            "2027-06-25T09:30:00+02:00",
            "2027-06-25T09:50:00+02:00",
        ),
    ] {
        let pitch = app
            .accepted_pitch(
                slug,
                json!({"title": title, "presenter_name": "Jürgen Müller-Lüdenscheidt",
                       "presenter_email": format!("p{}@example.org", pitches.len())}),
            )
            .await;
        let id = pitch["id"].as_str().expect("pitch id").to_owned();
        let slot = app.slot(slug, stage, starts, ends).await;
        app.assign(slug, &slot, &id).await.assert_status(200);
        pitches.push(id);
    }
    app.slot(
        slug,
        &small,
        "2027-06-25T14:00:00+02:00",
        "2027-06-25T14:20:00+02:00",
    )
    .await;
    release(app, slug).await;
    pitches
}

/// Publishes the draft programme where podium has releases (the public schedule shows the last
/// release); before releases existed the draft was public and this does nothing.
async fn release(app: &TestApp, slug: &str) {
    let answer = app
        .post_admin(
            &format!("/api/v1/events/{slug}/schedule/releases"),
            &json!({"note": "frab"}),
        )
        .await;
    assert!(
        [201, 404, 405].contains(&answer.status.as_u16()),
        "release: {} {}",
        answer.status,
        answer.text
    );
}

fn day_events<'a>(day: &'a Value, room: &str) -> &'a Vec<Value> {
    day["rooms"][room]
        .as_array()
        .unwrap_or_else(|| panic!("room {room} in {day}"))
}

#[tokio::test]
async fn the_frab_json_lists_the_programme_by_day_and_stage_without_email_addresses() {
    let app = spawn_app().await;
    let pitches = two_day_programme(&app, "frab-json").await;

    let answer = app.get("/api/v1/events/frab-json/schedule.json").await;
    answer.assert_status(200);
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert!(!answer.text.contains('@'), "no e-mail: {}", answer.text);
    let conference = &answer.json["schedule"]["conference"];
    assert_eq!(conference["acronym"], "frab_json");
    assert_eq!(conference["title"], "Jahrestagung 2027");
    assert_eq!(conference["daysCount"], 2);
    assert_eq!(conference["time_zone_name"], "Europe/Berlin");
    let rooms: Vec<&str> = conference["rooms"]
        .as_array()
        .expect("rooms")
        .iter()
        .map(|r| r["name"].as_str().expect("name"))
        .collect();
    assert_eq!(rooms, ["Großer Saal Süd", "Raum 2"]);

    let days = conference["days"].as_array().expect("days");
    assert_eq!(days.len(), 2);
    assert_eq!(days[0]["index"], 1);
    assert_eq!(days[0]["date"], "2027-06-24");
    assert_eq!(days[0]["day_start"], "2027-06-24T00:00:00+02:00");
    assert_eq!(days[1]["date"], "2027-06-25");
    let first = &day_events(&days[0], "Großer Saal Süd")[0];
    assert_eq!(first["guid"], pitches[0].as_str());
    assert_eq!(
        first["title"],
        "Größenwahn & <Kühlschränke>: \"Öko\"-Bilanz"
    );
    assert_eq!(first["date"], "2027-06-24T10:00:00+02:00");
    assert_eq!(first["start"], "10:00");
    assert_eq!(first["duration"], "00:20");
    assert_eq!(first["room"], "Großer Saal Süd");
    assert_eq!(
        first["persons"],
        json!([{"name": "Jürgen Müller-Lüdenscheidt"}])
    );
    let id = first["id"].as_u64().expect("numeric id");
    assert!((1..=i32::MAX as u64).contains(&id));
    assert!(first["slug"]
        .as_str()
        .expect("slug")
        .starts_with(&format!("frab_json-{id}-groessenwahn")));
    assert_eq!(day_events(&days[0], "Raum 2").len(), 1);
    assert_eq!(
        day_events(&days[1], "Großer Saal Süd")[0]["guid"],
        pitches[2].as_str()
    );
    assert!(
        day_events(&days[1], "Raum 2").is_empty(),
        "open slots are left out"
    );

    // The numeric id and the version stay as long as the programme does.
    let again = app.get("/api/v1/events/frab-json/schedule.json").await;
    assert_eq!(again.json, answer.json);
}

#[tokio::test]
async fn the_frab_xml_shows_the_same_programme_escaped() {
    let app = spawn_app().await;
    let pitches = two_day_programme(&app, "frab-xml").await;

    let answer = app.get("/api/v1/events/frab-xml/schedule.xml").await;
    answer.assert_status(200);
    assert_eq!(
        answer.header("content-type"),
        Some("application/xml; charset=utf-8")
    );
    let xml = &answer.text;
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    assert!(!xml.contains('@'), "no e-mail: {xml}");
    assert!(xml.contains("<acronym>frab_xml</acronym>"));
    assert!(xml.contains("<day index=\"1\" date=\"2027-06-24\""));
    assert!(xml.contains("<day index=\"2\" date=\"2027-06-25\""));
    assert!(xml.contains("<room name=\"Großer Saal Süd\""));
    assert!(xml
        .contains("<title>Größenwahn &amp; &lt;Kühlschränke&gt;: &quot;Öko&quot;-Bilanz</title>"));
    assert!(xml.contains("<person>Jürgen Müller-Lüdenscheidt</person>"));
    let json = app.get("/api/v1/events/frab-xml/schedule.json").await;
    let id =
        json.json["schedule"]["conference"]["days"][0]["rooms"]["Großer Saal Süd"][0]["id"].clone();
    assert!(xml.contains(&format!("<event id=\"{id}\" guid=\"{}\">", pitches[0])));
}

#[tokio::test]
async fn the_frab_schedules_answer_304_for_their_etag_and_head_like_get() {
    let app = spawn_app().await;
    two_day_programme(&app, "frab-etag").await;
    for path in [
        "/api/v1/events/frab-etag/schedule.xml",
        "/api/v1/events/frab-etag/schedule.json",
    ] {
        let first = app.get(path).await;
        first.assert_status(200);
        let etag = first.header("etag").expect("ETag").to_owned();
        assert_eq!(first.header("cache-control"), Some("public, max-age=60"));
        let again = app
            .client
            .get(app.url(path))
            .header("If-None-Match", &etag)
            .send()
            .await
            .expect("sent");
        assert_eq!(again.status(), 304, "{path}");
        let head = app.client.head(app.url(path)).send().await.expect("sent");
        assert_eq!(head.status(), 200);
        assert_eq!(
            head.headers().get("etag").and_then(|v| v.to_str().ok()),
            Some(etag.as_str())
        );
        assert_eq!(
            head.headers()
                .get("content-length")
                .and_then(|v| v.to_str().ok()),
            Some(first.text.len().to_string().as_str())
        );
    }
    // Both methods are in the OpenAPI document.
    let spec = app.get("/api-docs/openapi.json").await;
    for path in [
        "/api/v1/events/{event}/schedule.xml",
        "/api/v1/events/{event}/schedule.json",
    ] {
        let item = &spec.json["paths"][path];
        assert!(
            item["get"].is_object() && item["head"].is_object(),
            "{path}: {item}"
        );
    }
    // A registration changes no programme: the same ETag.
    let before = app.get("/api/v1/events/frab-etag/schedule.json").await;
    app.register_person("frab-etag", "Anna", "anna@example.org")
        .await
        .assert_status(201);
    let after = app.get("/api/v1/events/frab-etag/schedule.json").await;
    assert_eq!(before.header("etag"), after.header("etag"));
}

#[tokio::test]
async fn a_drafts_frab_schedule_is_hidden_from_the_public_and_the_event_page_links_both() {
    let app = spawn_app().await;
    app.create_event(json!({"slug": "frab-draft"})).await;
    app.get("/api/v1/events/frab-draft/schedule.xml")
        .await
        .assert_problem(404);
    app.get("/api/v1/events/frab-draft/schedule.json")
        .await
        .assert_problem(404);
    app.get_admin("/api/v1/events/frab-draft/schedule.json")
        .await
        .assert_status(200);

    two_day_programme(&app, "frab-page").await;
    let page = app.get("/events/frab-page").await;
    page.assert_status(200);
    for link in ["schedule.xml", "schedule.json"] {
        assert!(
            page.text
                .contains(&format!("/api/v1/events/frab-page/{link}\"")),
            "{link} linked"
        );
    }
}

#[tokio::test]
#[ignore = "needs Python's jsonschema and xmlschema: run by .ci/run (cargo test --workspace -- --ignored)"]
async fn the_frab_schedules_are_valid_by_the_c3voc_schemas() {
    let app = spawn_app().await;
    two_day_programme(&app, "frab-valid").await;
    let json = app.get("/api/v1/events/frab-valid/schedule.json").await;
    json.assert_status(200);
    let xml = app.get("/api/v1/events/frab-valid/schedule.xml").await;
    xml.assert_status(200);

    let dir = std::env::temp_dir().join(format!("podium-frab-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (json_path, xml_path) = (dir.join("schedule.json"), dir.join("schedule.xml"));
    std::fs::File::create(&json_path)
        .and_then(|mut f| f.write_all(json.text.as_bytes()))
        .expect("json written");
    std::fs::File::create(&xml_path)
        .and_then(|mut f| f.write_all(xml.text.as_bytes()))
        .expect("xml written");
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/support/validate_frab.py"
    );
    let output = Command::new("python3")
        .arg(script)
        .arg(&json_path)
        .arg(&xml_path)
        .output()
        .expect("python3 must be installed to validate the frab schedules");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        output.status.success(),
        "validate_frab.py (pip install -r tests/support/requirements.txt): {}{}\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
        json.text,
        xml.text
    );
}
