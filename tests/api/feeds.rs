//! Calendar feeds, read back with a parser that did not write them: the `ical` crate
//! (`tests/support/ics_reader.rs`) in every test, and Python's `icalendar`
//! (`tests/support/parse_ics.py`) in the ignored tests that `.ci/run` runs. Pitches, slots and registrations are written straight to the
//! database and the event's version bumped, as the programme and registration endpoints do.
use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use entity::{
    pitch::{self, PitchStatus},
    pitch_slot,
    registration::{self, Language, RegistrationStatus, Sector},
    stage,
};
use podium::domain::time::now;
use podium::services::events::lock_for_change;
use reqwest::{header, Method};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{spawn_app, spawn_second_instance, Answer, TestApp};

// ---------------------------------------------------------------------------------------------
// Helpers

/// The feed read by the `ical` crate (`tests/support/ics_reader.rs`), which shares no code
/// with the writer.
fn parse_ics(body: &str) -> Value {
    crate::ics_reader::parse(body)
}

/// The feed parsed by Python's `icalendar` (`tests/support/parse_ics.py`). Fails (never
/// skips) without python3 or the package; only the ignored tests call it.
fn python_parse_ics(body: &str) -> Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/parse_ics.py");
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 must be installed to run the Python feed tests");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(body.as_bytes())
        .expect("feed written to the parser");
    let output = child.wait_with_output().expect("parser finished");
    assert!(
        output.status.success(),
        "parse_ics.py failed (is `pip install icalendar` done?): {}\n{body}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("parser prints JSON")
}

fn events_of(parsed: &Value) -> Vec<Value> {
    parsed["events"].as_array().cloned().unwrap_or_default()
}

fn event_with_uid(parsed: &Value, uid: &str) -> Value {
    events_of(parsed)
        .into_iter()
        .find(|e| e["uid"] == uid)
        .unwrap_or_else(|| panic!("no entry {uid} in {parsed}"))
}

/// CRLF only, every physical line at most 75 octets.
fn assert_wire_format(body: &str) {
    assert!(body.ends_with("END:VCALENDAR\r\n"));
    let bytes = body.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'\n' {
            assert!(i > 0 && bytes[i - 1] == b'\r', "bare LF at {i}");
        }
        if *b == b'\r' {
            assert_eq!(bytes.get(i + 1), Some(&b'\n'), "bare CR at {i}");
        }
    }
    for line in body.split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
    }
}

/// The unfolded content lines of a feed.
fn content_lines(body: &str) -> Vec<String> {
    body.replace("\r\n ", "")
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("RFC 3339")
        .with_timezone(&Utc)
}

fn id_of(event: &Value) -> Uuid {
    event["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("event id")
}

/// Marks the event changed, as the endpoints do after their writes through `app.db`; the
/// app treats those writes as its own (see `TestApp::write_epoch`). A programme written
/// through `app.db` is the draft: it is published as the next release when it differs from
/// the last one, as an organiser's release does (without the release's mail).
async fn bump(app: &TestApp, event_id: Uuid) {
    use podium::services::releases;
    let (last, changes) = releases::pending(&app.db, event_id)
        .await
        .expect("the draft compared");
    if !changes.is_empty() {
        releases::store(
            &app.db,
            event_id,
            last.unwrap_or(0) + 1,
            String::new(),
            &changes,
        )
        .await
        .expect("the draft released");
    }
    lock_for_change(&app.db, event_id)
        .await
        .expect("event version bumped");
    app.write_epoch.bump();
}

async fn add_stage(app: &TestApp, event_id: Uuid, name: &str, position: i32) -> stage::Model {
    let stage = stage::ActiveModel {
        id: Set(Uuid::now_v7()),
        event_id: Set(event_id),
        name: Set(name.to_owned()),
        description: Set(String::new()),
        position: Set(position),
        created_at: Set(now()),
    }
    .insert(&app.db)
    .await
    .expect("stage inserted");
    bump(app, event_id).await;
    stage
}

fn new_pitch(event_id: Uuid, title: &str, status: PitchStatus) -> pitch::ActiveModel {
    let at = now();
    pitch::ActiveModel {
        id: Set(Uuid::now_v7()),
        event_id: Set(event_id),
        title: Set(title.to_owned()),
        r#abstract: Set(format!("What {title} is about.")),
        organisation: Set("Optik AG".to_owned()),
        presenter_name: Set("Ada Lovelace".to_owned()),
        presenter_email: Set("ada@example.org".to_owned()),
        presenter_email_lower: Set("ada@example.org".to_owned()),
        language: Set(Language::De),
        duration_minutes: Set(20),
        status: Set(status),
        sequence: Set(0),
        manage_token_hash: Set(format!("pitch-token-{}", Uuid::new_v4().simple())),
        created_at: Set(at),
        updated_at: Set(at),
    }
}

async fn add_pitch(app: &TestApp, pitch: pitch::ActiveModel) -> pitch::Model {
    pitch.insert(&app.db).await.expect("pitch inserted")
}

fn new_slot(
    event_id: Uuid,
    stage_id: Uuid,
    starts_at: &str,
    ends_at: &str,
    pitch_id: Option<Uuid>,
) -> pitch_slot::ActiveModel {
    let at = now();
    pitch_slot::ActiveModel {
        id: Set(Uuid::now_v7()),
        event_id: Set(event_id),
        stage_id: Set(stage_id),
        starts_at: Set(utc(starts_at)),
        ends_at: Set(utc(ends_at)),
        pitch_id: Set(pitch_id),
        sequence: Set(0),
        created_at: Set(at),
        updated_at: Set(at),
    }
}

/// Puts `pitch` into a new slot, as an assignment does: the pitch's SEQUENCE grows.
async fn schedule(
    app: &TestApp,
    pitch: &pitch::Model,
    stage: &stage::Model,
    starts_at: &str,
    ends_at: &str,
) -> (pitch::Model, pitch_slot::Model) {
    let slot = new_slot(pitch.event_id, stage.id, starts_at, ends_at, Some(pitch.id))
        .insert(&app.db)
        .await
        .expect("slot inserted");
    let mut active = pitch.clone().into_active_model();
    active.sequence = Set(pitch.sequence + 1);
    active.updated_at = Set(now());
    let pitch = active.update(&app.db).await.expect("pitch updated");
    bump(app, pitch.event_id).await;
    (pitch, slot)
}

async fn add_registration(
    app: &TestApp,
    event_id: Uuid,
    status: RegistrationStatus,
) -> registration::Model {
    let at = now();
    registration::ActiveModel {
        id: Set(Uuid::now_v7()),
        event_id: Set(event_id),
        name: Set("Grace Hopper".to_owned()),
        email: Set("grace@example.org".to_owned()),
        email_lower: Set("grace@example.org".to_owned()),
        organisation: Set("Navy".to_owned()),
        sector: Set(Sector::Science),
        language: Set(Language::En),
        status: Set(status),
        waitlist_seq: Set(None),
        mailbox: Set(String::new()),
        manage_token_hash: Set(format!("reg-token-{}", Uuid::new_v4().simple())),
        checked_in_at: Set(None),
        hold_expires_at: Set(None),
        sequence: Set(0),
        created_at: Set(at),
        updated_at: Set(at),
        cancelled_at: Set(None),
        erased_at: Set(None),
    }
    .insert(&app.db)
    .await
    .expect("registration inserted")
}

async fn get_with(app: &TestApp, method: Method, path: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = app.client.request(method, app.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    Answer::read(request.send().await.expect("request sent")).await
}

/// A 200 feed answer, checked for the headers every feed carries; its body parsed.
async fn feed(app: &TestApp, path: &str) -> (Answer, Value) {
    let answer = app.get(path).await;
    answer.assert_status(200);
    assert_eq!(
        answer.header("content-type"),
        Some("text/calendar; charset=utf-8")
    );
    assert!(answer.header("etag").is_some_and(|t| t.starts_with('"')));
    assert!(answer
        .header("content-disposition")
        .is_some_and(|d| d.starts_with("inline; filename=\"") && d.ends_with(".ics\"")));
    assert!(answer.header("cache-control").is_some());
    assert_wire_format(&answer.text);
    let parsed = parse_ics(&answer.text);
    (answer, parsed)
}

// ---------------------------------------------------------------------------------------------
// The event feed

#[tokio::test]
async fn the_event_feed_holds_the_event_and_each_assigned_slot_as_its_own_entry() {
    let app = spawn_app().await;
    let event = app
        .published_event(json!({"slug": "jt27", "title": "Jahrestagung 2027"}))
        .await;
    let event_id = id_of(&event);
    let main = add_stage(&app, event_id, "Großer Saal", 0).await;
    let side = add_stage(&app, event_id, "Foyer", 1).await;
    let first = add_pitch(&app, new_pitch(event_id, "Linsen", PitchStatus::Accepted)).await;
    let second = add_pitch(&app, new_pitch(event_id, "Laser", PitchStatus::Accepted)).await;
    let (first, _) = schedule(
        &app,
        &first,
        &side,
        "2027-06-24T11:00:00+02:00",
        "2027-06-24T11:20:00+02:00",
    )
    .await;
    schedule(
        &app,
        &second,
        &main,
        "2027-06-24T10:00:00+02:00",
        "2027-06-24T10:30:00+02:00",
    )
    .await;
    // An empty slot is not an entry.
    new_slot(
        event_id,
        main.id,
        "2027-06-24T12:00:00+02:00",
        "2027-06-24T12:30:00+02:00",
        None,
    )
    .insert(&app.db)
    .await
    .unwrap();
    bump(&app, event_id).await;

    let (answer, parsed) = feed(&app, "/api/v1/events/jt27/calendar.ics").await;
    assert_eq!(
        answer.header("content-disposition"),
        Some("inline; filename=\"jt27.ics\"")
    );
    assert_eq!(answer.header("cache-control"), Some("public, max-age=60"));
    assert!(answer.header("last-modified").is_some());
    assert_eq!(parsed["calname"], "Jahrestagung 2027");
    assert_eq!(parsed["method"], "PUBLISH");
    assert_eq!(parsed["timezones"], json!(["Europe/Berlin"]));
    let lines = content_lines(&answer.text);
    for expected in [
        "X-WR-TIMEZONE:Europe/Berlin",
        "REFRESH-INTERVAL;VALUE=DURATION:PT30M",
        "X-PUBLISHED-TTL:PT30M",
    ] {
        assert!(lines.iter().any(|l| l == expected), "{expected} missing");
    }

    let entries = events_of(&parsed);
    let uids: Vec<&str> = entries.iter().filter_map(|e| e["uid"].as_str()).collect();
    assert_eq!(
        uids,
        [
            format!("event-{event_id}@podium"),
            format!("pitch-{}@podium", second.id),
            format!("pitch-{}@podium", first.id),
        ]
    );
    let own = &entries[0];
    assert_eq!(own["summary"], "Jahrestagung 2027");
    assert_eq!(own["status"], "CONFIRMED");
    assert_eq!(own["dtstart_utc"], "2027-06-24T07:00:00Z");
    assert_eq!(own["dtend_utc"], "2027-06-24T16:00:00Z");

    let slot = event_with_uid(&parsed, &format!("pitch-{}@podium", first.id));
    assert_eq!(slot["summary"], "Linsen — Optik AG");
    assert_eq!(slot["location"], "Foyer, Volkshaus Jena");
    assert_eq!(slot["description"], "What Linsen is about.\n\nAda Lovelace");
    assert_eq!(slot["status"], "CONFIRMED");
    assert_eq!(slot["sequence"], first.sequence);
    assert_eq!(slot["dtstart_utc"], "2027-06-24T09:00:00Z");
    assert_eq!(slot["dtend_utc"], "2027-06-24T09:20:00Z");
    assert!(slot["url"]
        .as_str()
        .is_some_and(|u| u.starts_with("http") && u.ends_with("/events/jt27")));
}

#[tokio::test]
async fn the_calendar_url_of_the_event_json_serves_its_feed() {
    let app = spawn_app().await;
    let event = app.published_event(json!({"slug": "linked"})).await;
    let url = event["calendar_url"].as_str().unwrap();
    let path = url
        .strip_prefix(&app.address)
        .expect("a link to this server");
    let (_, parsed) = feed(&app, path).await;
    assert_eq!(events_of(&parsed).len(), 1);
    assert_eq!(
        event["webcal_url"].as_str().unwrap(),
        url.replacen("http://", "webcal://", 1)
    );
}

#[tokio::test]
async fn drafts_are_hidden_from_the_public_and_shown_to_organisers() {
    let app = spawn_app().await;
    app.create_event(json!({"slug": "entwurf"})).await;
    app.published_event(json!({"slug": "offen"})).await;
    app.get("/api/v1/events/entwurf/calendar.ics")
        .await
        .assert_problem(404);
    let organiser = app.get_admin("/api/v1/events/entwurf/calendar.ics").await;
    organiser.assert_status(200);
    assert_eq!(
        organiser.header("cache-control"),
        Some("private, max-age=60")
    );
    app.get("/api/v1/events/nowhere/calendar.ics")
        .await
        .assert_problem(404);

    let (answer, all) = feed(&app, "/api/v1/calendar.ics").await;
    assert_eq!(answer.header("cache-control"), Some("public, max-age=60"));
    assert_eq!(
        answer.header("content-disposition"),
        Some("inline; filename=\"podium.ics\"")
    );
    assert_eq!(all["calname"], "podium");
    assert_eq!(events_of(&all).len(), 1);
}

#[tokio::test]
async fn the_all_events_feed_follows_publishing_and_cancelling() {
    let app = spawn_app().await;
    let first = app.published_event(json!({"slug": "eins"})).await;
    let (before, parsed) = feed(&app, "/api/v1/calendar.ics").await;
    assert_eq!(events_of(&parsed).len(), 1);

    let second = app
        .published_event(
            json!({"slug": "zwei", "starts_at": "2027-05-01T09:00:00+02:00",
            "ends_at": "2027-05-01T17:00:00+02:00"}),
        )
        .await;
    let (after, parsed) = feed(&app, "/api/v1/calendar.ics").await;
    assert_ne!(before.header("etag"), after.header("etag"));
    let uids: Vec<String> = events_of(&parsed)
        .iter()
        .filter_map(|e| e["uid"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        uids,
        [
            format!("event-{}@podium", id_of(&second)),
            format!("event-{}@podium", id_of(&first)),
        ],
        "soonest first"
    );

    app.post_admin("/api/v1/events/eins/cancel", &json!({}))
        .await
        .assert_status(200);
    let (_, parsed) = feed(&app, "/api/v1/calendar.ics").await;
    let cancelled = event_with_uid(&parsed, &format!("event-{}@podium", id_of(&first)));
    assert_eq!(cancelled["status"], "CANCELLED");
    assert_eq!(cancelled["sequence"], 1);
    assert_eq!(events_of(&parsed).len(), 2);
}

// ---------------------------------------------------------------------------------------------
// What calendar apps rely on

#[tokio::test]
async fn instants_across_both_berlin_daylight_saving_switches_read_back_unchanged() {
    let app = spawn_app().await;
    let spring = app
        .published_event(
            json!({"slug": "fruehling", "starts_at": "2027-03-27T20:00:00+01:00",
            "ends_at": "2027-03-28T12:00:00+02:00"}),
        )
        .await;
    let autumn = app
        .published_event(
            json!({"slug": "herbst", "starts_at": "2027-10-30T20:00:00+02:00",
            "ends_at": "2027-10-31T12:00:00+01:00"}),
        )
        .await;
    // (start, end) in UTC: across 01:00Z on 2027-03-28 (02:00 CET → 03:00 CEST) and on
    // 2027-10-31 (03:00 CEST → 02:00 CET, so 02:00–03:00 local happens twice).
    let cases = [
        (&spring, "2027-03-28T00:30:00Z", "2027-03-28T01:30:00Z"),
        (&spring, "2027-03-28T01:00:00Z", "2027-03-28T02:00:00Z"),
        (&autumn, "2027-10-31T00:30:00Z", "2027-10-31T01:30:00Z"),
        (&autumn, "2027-10-31T01:00:00Z", "2027-10-31T01:45:00Z"),
        (&autumn, "2027-10-30T23:59:00Z", "2027-10-31T00:59:00Z"),
    ];
    let mut expected = Vec::new();
    for (n, (event, starts, ends)) in cases.iter().enumerate() {
        let event_id = id_of(event);
        let stage = add_stage(&app, event_id, &format!("Saal {n}"), n as i32).await;
        let pitch = add_pitch(
            &app,
            new_pitch(event_id, &format!("Pitch {n}"), PitchStatus::Accepted),
        )
        .await;
        schedule(&app, &pitch, &stage, starts, ends).await;
        expected.push((
            event["slug"].as_str().unwrap().to_owned(),
            format!("pitch-{}@podium", pitch.id),
            *starts,
            *ends,
        ));
    }
    for (slug, uid, starts, ends) in &expected {
        let (_, parsed) = feed(&app, &format!("/api/v1/events/{slug}/calendar.ics")).await;
        let entry = event_with_uid(&parsed, uid);
        assert_eq!(entry["dtstart_utc"], *starts, "{uid}");
        assert_eq!(entry["dtend_utc"], *ends, "{uid}");
    }
    let (_, all) = feed(&app, "/api/v1/calendar.ics").await;
    let spring_entry = event_with_uid(&all, &format!("event-{}@podium", id_of(&spring)));
    assert_eq!(spring_entry["dtstart_utc"], "2027-03-27T19:00:00Z");
    assert_eq!(spring_entry["dtend_utc"], "2027-03-28T10:00:00Z");
    let autumn_entry = event_with_uid(&all, &format!("event-{}@podium", id_of(&autumn)));
    assert_eq!(autumn_entry["dtstart_utc"], "2027-10-30T18:00:00Z");
    assert_eq!(autumn_entry["dtend_utc"], "2027-10-31T11:00:00Z");
}

#[tokio::test]
async fn hostile_titles_and_abstracts_cannot_add_entries_or_properties() {
    let app = spawn_app().await;
    let description =
        "Erster Tag; zweiter, dritter \\ Ende\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil";
    let event = app
        .published_event(
            json!({"slug": "boese", "title": "Tagung; Teil 1, \\ \"zitiert\"",
            "description": description}),
        )
        .await;
    let event_id = id_of(&event);
    let stage = add_stage(&app, event_id, "Saal, A; B", 0).await;
    let attack = "Talk\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:evil";
    let mut hostile = new_pitch(event_id, attack, PitchStatus::Accepted);
    hostile.r#abstract =
        Set("Line 1\nEND:VCALENDAR\r\nBEGIN:VEVENT\nUID:evil2\rSTATUS:CANCELLED".to_owned());
    hostile.organisation = Set("Evil; Corp,\r\nX-EVIL:1".to_owned());
    hostile.presenter_name = Set("Eve\r\nATTENDEE:mailto:eve@evil.example".to_owned());
    let pitch = add_pitch(&app, hostile).await;
    schedule(
        &app,
        &pitch,
        &stage,
        "2027-06-24T10:00:00+02:00",
        "2027-06-24T10:30:00+02:00",
    )
    .await;

    let (answer, parsed) = feed(&app, "/api/v1/events/boese/calendar.ics").await;
    let entries = events_of(&parsed);
    assert_eq!(entries.len(), 2, "no extra entries: {}", answer.text);
    let lines = content_lines(&answer.text);
    assert_eq!(lines.iter().filter(|l| *l == "BEGIN:VEVENT").count(), 2);
    assert_eq!(lines.iter().filter(|l| *l == "END:VCALENDAR").count(), 1);
    for forbidden in [
        "UID:evil",
        "SUMMARY:evil",
        "X-EVIL",
        "ATTENDEE",
        "STATUS:CANCELLED",
    ] {
        assert!(
            lines.iter().all(|l| !l.starts_with(forbidden)),
            "{forbidden} was injected"
        );
    }
    assert_eq!(entries[0]["summary"], "Tagung; Teil 1, \\ \"zitiert\"");
    assert_eq!(entries[0]["description"], description.replace("\r\n", "\n"));
    let slot = &entries[1];
    assert_eq!(slot["uid"], format!("pitch-{}@podium", pitch.id));
    assert_eq!(
        slot["summary"],
        format!("{} — Evil; Corp,\nX-EVIL:1", attack.replace("\r\n", "\n"))
    );
    assert_eq!(slot["location"], "Saal, A; B, Volkshaus Jena");
    assert_eq!(
        slot["description"],
        "Line 1\nEND:VCALENDAR\nBEGIN:VEVENT\nUID:evil2\nSTATUS:CANCELLED\n\nEve\nATTENDEE:mailto:eve@evil.example"
    );
    assert_eq!(slot["status"], "CONFIRMED");
}

#[tokio::test]
async fn a_moved_slot_keeps_its_uid_and_gets_a_higher_sequence() {
    let app = spawn_app().await;
    let event = app.published_event(json!({"slug": "umzug"})).await;
    let event_id = id_of(&event);
    let stage = add_stage(&app, event_id, "Saal", 0).await;
    let other = add_stage(&app, event_id, "Foyer", 1).await;
    let pitch = add_pitch(&app, new_pitch(event_id, "Optik", PitchStatus::Accepted)).await;
    let (pitch, slot) = schedule(
        &app,
        &pitch,
        &stage,
        "2027-06-24T10:00:00+02:00",
        "2027-06-24T10:30:00+02:00",
    )
    .await;
    let uid = format!("pitch-{}@podium", pitch.id);
    let path = "/api/v1/events/umzug/calendar.ics";
    let (before, parsed) = feed(&app, path).await;
    let old = event_with_uid(&parsed, &uid);

    // The move, as the programme endpoint makes it.
    let mut moved = slot.into_active_model();
    moved.starts_at = Set(utc("2027-06-24T14:00:00+02:00"));
    moved.ends_at = Set(utc("2027-06-24T14:30:00+02:00"));
    moved.stage_id = Set(other.id);
    moved.updated_at = Set(now());
    moved.update(&app.db).await.unwrap();
    let mut bumped = pitch.clone().into_active_model();
    bumped.sequence = Set(pitch.sequence + 1);
    bumped.updated_at = Set(now());
    bumped.update(&app.db).await.unwrap();
    bump(&app, event_id).await;

    let (after, parsed) = feed(&app, path).await;
    let new = event_with_uid(&parsed, &uid);
    assert_ne!(before.header("etag"), after.header("etag"));
    assert!(new["sequence"].as_i64() > old["sequence"].as_i64());
    assert_eq!(new["dtstart_utc"], "2027-06-24T12:00:00Z");
    assert_eq!(new["location"], "Foyer, Volkshaus Jena");
    assert!(new["dtstamp_utc"].as_str() >= old["dtstamp_utc"].as_str());
    assert_eq!(events_of(&parsed).len(), 2);
}

#[tokio::test]
async fn cancelling_the_event_keeps_every_entry_with_status_cancelled() {
    let app = spawn_app().await;
    let event = app.published_event(json!({"slug": "abgesagt"})).await;
    let event_id = id_of(&event);
    let stage = add_stage(&app, event_id, "Saal", 0).await;
    let pitch = add_pitch(&app, new_pitch(event_id, "Optik", PitchStatus::Accepted)).await;
    let (pitch, _) = schedule(
        &app,
        &pitch,
        &stage,
        "2027-06-24T10:00:00+02:00",
        "2027-06-24T10:30:00+02:00",
    )
    .await;
    let registration = add_registration(&app, event_id, RegistrationStatus::Confirmed).await;
    bump(&app, event_id).await;
    let paths = [
        "/api/v1/events/abgesagt/calendar.ics".to_owned(),
        format!(
            "/api/v1/registrations/{}/calendar.ics",
            podium::services::registrations::manage_token(&registration)
        ),
        format!(
            "/api/v1/pitches/{}/calendar.ics",
            podium::services::pitches::manage_token(&pitch)
        ),
    ];
    let mut before = Vec::new();
    for path in &paths {
        let (_, parsed) = feed(&app, path).await;
        assert!(events_of(&parsed)
            .iter()
            .all(|e| e["status"] == "CONFIRMED"));
        before.push(parsed);
    }

    app.post_admin("/api/v1/events/abgesagt/cancel", &json!({}))
        .await
        .assert_status(200);

    for (path, old) in paths.iter().zip(&before) {
        let (_, parsed) = feed(&app, path).await;
        let entries = events_of(&parsed);
        assert_eq!(
            entries.len(),
            events_of(old).len(),
            "{path} keeps its entries"
        );
        for entry in &entries {
            assert_eq!(entry["status"], "CANCELLED", "{path}");
            let was = event_with_uid(old, entry["uid"].as_str().unwrap());
            assert!(
                entry["sequence"].as_i64() > was["sequence"].as_i64(),
                "{path}: SEQUENCE grows"
            );
        }
    }
}

#[tokio::test]
async fn an_unchanged_feed_is_byte_identical_and_revalidates_with_304() {
    let app = spawn_app().await;
    let event = app.published_event(json!({"slug": "stabil"})).await;
    let event_id = id_of(&event);
    let stage = add_stage(&app, event_id, "Saal", 0).await;
    let pitch = add_pitch(&app, new_pitch(event_id, "Optik", PitchStatus::Accepted)).await;
    schedule(
        &app,
        &pitch,
        &stage,
        "2027-06-24T10:00:00+02:00",
        "2027-06-24T10:30:00+02:00",
    )
    .await;
    let path = "/api/v1/events/stabil/calendar.ics";
    let (first, _) = feed(&app, path).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (second, _) = feed(&app, path).await;
    assert_eq!(first.text, second.text, "byte-identical");
    let etag = first.header("etag").unwrap().to_owned();
    let last_modified = first.header("last-modified").unwrap().to_owned();
    assert_eq!(second.header("etag"), Some(etag.as_str()));
    assert_eq!(second.header("last-modified"), Some(last_modified.as_str()));
    assert!(!etag.starts_with("W/"), "a strong ETag");

    let bare = etag.trim_matches('"').to_owned();
    let weak = format!("W/{etag}");
    let list = format!("\"nope\", {etag}");
    for value in [
        etag.as_str(),
        weak.as_str(),
        list.as_str(),
        "*",
        bare.as_str(),
    ] {
        for method in [Method::GET, Method::HEAD] {
            let answer = get_with(&app, method.clone(), path, &[("If-None-Match", value)]).await;
            answer.assert_status(304);
            assert!(answer.text.is_empty());
            assert_eq!(answer.header("etag"), Some(etag.as_str()), "{value}");
            assert_eq!(answer.header("last-modified"), Some(last_modified.as_str()));
            assert_eq!(answer.header("cache-control"), Some("public, max-age=60"));
        }
    }
    get_with(
        &app,
        Method::GET,
        path,
        &[("If-None-Match", "\"nope\", W/\"other\"")],
    )
    .await
    .assert_status(200);

    get_with(
        &app,
        Method::GET,
        path,
        &[("If-Modified-Since", &last_modified)],
    )
    .await
    .assert_status(304);
    let earlier = "Mon, 01 Jan 2024 00:00:00 GMT";
    let later = "Fri, 01 Jan 2100 00:00:00 GMT";
    get_with(&app, Method::GET, path, &[("If-Modified-Since", earlier)])
        .await
        .assert_status(200);
    get_with(&app, Method::GET, path, &[("If-Modified-Since", "garbage")])
        .await
        .assert_status(200);
    // If-None-Match decides when both are sent.
    get_with(
        &app,
        Method::GET,
        path,
        &[("If-None-Match", "\"nope\""), ("If-Modified-Since", later)],
    )
    .await
    .assert_status(200);

    // A change of the event row that the feed does not show keeps the bytes: still a 304.
    bump(&app, event_id).await;
    get_with(&app, Method::GET, path, &[("If-None-Match", &etag)])
        .await
        .assert_status(304);
    // A change it shows answers 200 with a new ETag to the old validators.
    app.patch_admin(
        &format!("/api/v1/events/{event_id}"),
        &json!({"venue": "Zeiss-Planetarium"}),
    )
    .await
    .assert_status(200);
    let changed = get_with(&app, Method::GET, path, &[("If-None-Match", &etag)]).await;
    changed.assert_status(200);
    assert_ne!(changed.header("etag"), Some(etag.as_str()));
}

#[tokio::test]
async fn head_answers_every_feed_with_the_headers_and_no_body() {
    let app = spawn_app().await;
    let event = app.published_event(json!({"slug": "kopf"})).await;
    let event_id = id_of(&event);
    let registration = add_registration(&app, event_id, RegistrationStatus::Confirmed).await;
    let pitch = add_pitch(&app, new_pitch(event_id, "Optik", PitchStatus::Submitted)).await;
    for path in [
        "/api/v1/calendar.ics".to_owned(),
        "/api/v1/events/kopf/calendar.ics".to_owned(),
        format!(
            "/api/v1/registrations/{}/calendar.ics",
            podium::services::registrations::manage_token(&registration)
        ),
        format!(
            "/api/v1/pitches/{}/calendar.ics",
            podium::services::pitches::manage_token(&pitch)
        ),
    ] {
        let (get, _) = feed(&app, &path).await;
        let head = get_with(&app, Method::HEAD, &path, &[]).await;
        head.assert_status(200);
        assert!(head.text.is_empty(), "{path}: no body");
        for name in [
            "content-type",
            "etag",
            "last-modified",
            "cache-control",
            "content-disposition",
        ] {
            assert_eq!(head.header(name), get.header(name), "{path}: {name}");
        }
        assert_eq!(
            head.header(header::CONTENT_LENGTH.as_str()),
            Some(get.text.len().to_string().as_str()),
            "{path}"
        );
    }
    // Other methods are not allowed on a feed.
    app.request(Method::POST, "/api/v1/calendar.ics", None, Some(&json!({})))
        .await
        .assert_problem(405);
}

// ---------------------------------------------------------------------------------------------
// Personal feeds

#[tokio::test]
async fn an_attendee_feed_follows_the_registration() {
    let app = spawn_app().await;
    let event = app.published_event(json!({"slug": "gast"})).await;
    let event_id = id_of(&event);
    let registration = add_registration(&app, event_id, RegistrationStatus::Waitlisted).await;
    bump(&app, event_id).await;
    let path = format!(
        "/api/v1/registrations/{}/calendar.ics",
        podium::services::registrations::manage_token(&registration)
    );
    let uid = format!("registration-{}@podium", registration.id);

    let (answer, parsed) = feed(&app, &path).await;
    assert_eq!(answer.header("cache-control"), Some("private, max-age=60"));
    assert_eq!(
        answer.header("content-disposition"),
        Some("inline; filename=\"gast-registration.ics\"")
    );
    let entries = events_of(&parsed);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["uid"], uid);
    assert_eq!(entries[0]["status"], "TENTATIVE");
    assert_eq!(entries[0]["summary"], "Jahrestagung 2027");
    let mut sequence = entries[0]["sequence"].as_i64().unwrap();

    for (status, shown) in [
        (RegistrationStatus::Confirmed, "CONFIRMED"),
        (RegistrationStatus::Cancelled, "CANCELLED"),
    ] {
        let current = registration::Entity::find_by_id(registration.id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        let mut active = current.clone().into_active_model();
        active.status = Set(status);
        active.sequence = Set(current.sequence + 1);
        active.updated_at = Set(now());
        active.update(&app.db).await.unwrap();
        bump(&app, event_id).await;
        let (_, parsed) = feed(&app, &path).await;
        let entry = event_with_uid(&parsed, &uid);
        assert_eq!(entry["status"], shown);
        assert!(entry["sequence"].as_i64().unwrap() > sequence);
        sequence = entry["sequence"].as_i64().unwrap();
    }

    app.get("/api/v1/registrations/not-a-token/calendar.ics")
        .await
        .assert_problem(404);
}

#[tokio::test]
async fn a_presenter_feed_shows_the_slot_and_keeps_it_cancelled_once_unassigned() {
    let app = spawn_app().await;
    let event = app.published_event(json!({"slug": "vortrag"})).await;
    let event_id = id_of(&event);
    let stage = add_stage(&app, event_id, "Saal", 0).await;
    let pitch = add_pitch(&app, new_pitch(event_id, "Optik", PitchStatus::Accepted)).await;
    let path = format!(
        "/api/v1/pitches/{}/calendar.ics",
        podium::services::pitches::manage_token(&pitch)
    );
    let uid = format!("pitch-{}@podium", pitch.id);

    // Not scheduled yet: the event alone.
    let (answer, parsed) = feed(&app, &path).await;
    assert_eq!(answer.header("cache-control"), Some("private, max-age=60"));
    assert_eq!(parsed["calname"], "Jahrestagung 2027: Optik");
    let uids: Vec<Value> = events_of(&parsed)
        .iter()
        .map(|e| e["uid"].clone())
        .collect();
    assert_eq!(uids, [json!(format!("event-{event_id}@podium"))]);

    let (pitch, slot) = schedule(
        &app,
        &pitch,
        &stage,
        "2027-06-24T10:00:00+02:00",
        "2027-06-24T10:20:00+02:00",
    )
    .await;
    let (_, parsed) = feed(&app, &path).await;
    let scheduled = event_with_uid(&parsed, &uid);
    assert_eq!(scheduled["status"], "CONFIRMED");
    assert_eq!(scheduled["dtstart_utc"], "2027-06-24T08:00:00Z");
    assert_eq!(scheduled["location"], "Saal, Volkshaus Jena");

    // Unassigned, as the programme endpoint does it.
    let mut emptied = slot.into_active_model();
    emptied.pitch_id = Set(None);
    emptied.updated_at = Set(now());
    emptied.update(&app.db).await.unwrap();
    let mut bumped = pitch.clone().into_active_model();
    bumped.sequence = Set(pitch.sequence + 1);
    bumped.updated_at = Set(now());
    bumped.update(&app.db).await.unwrap();
    bump(&app, event_id).await;

    let (_, parsed) = feed(&app, &path).await;
    let unassigned = event_with_uid(&parsed, &uid);
    assert_eq!(unassigned["status"], "CANCELLED");
    assert!(unassigned["sequence"].as_i64() > scheduled["sequence"].as_i64());
    // The public programme keeps it too, cancelled, with the same SEQUENCE (RFC 5545: an
    // entry that vanishes stays in the calendars that hold it).
    let (_, public) = feed(&app, "/api/v1/events/vortrag/calendar.ics").await;
    assert_eq!(events_of(&public).len(), 2);
    let kept = event_with_uid(&public, &uid);
    assert_eq!(kept["status"], "CANCELLED");
    assert_eq!(kept["sequence"], unassigned["sequence"]);

    app.get("/api/v1/pitches/not-a-token/calendar.ics")
        .await
        .assert_problem(404);
}

#[tokio::test]
async fn a_withdrawn_pitch_still_in_its_slot_is_cancelled_in_every_feed() {
    let app = spawn_app().await;
    let event = app.published_event(json!({"slug": "rueckzug"})).await;
    let event_id = id_of(&event);
    let stage = add_stage(&app, event_id, "Saal", 0).await;
    let pitch = add_pitch(&app, new_pitch(event_id, "Optik", PitchStatus::Accepted)).await;
    let (pitch, _) = schedule(
        &app,
        &pitch,
        &stage,
        "2027-06-24T10:00:00+02:00",
        "2027-06-24T10:20:00+02:00",
    )
    .await;
    let mut withdrawn = pitch.clone().into_active_model();
    withdrawn.status = Set(PitchStatus::Withdrawn);
    withdrawn.sequence = Set(pitch.sequence + 1);
    withdrawn.updated_at = Set(now());
    withdrawn.update(&app.db).await.unwrap();
    bump(&app, event_id).await;
    let uid = format!("pitch-{}@podium", pitch.id);
    for path in [
        "/api/v1/events/rueckzug/calendar.ics".to_owned(),
        format!(
            "/api/v1/pitches/{}/calendar.ics",
            podium::services::pitches::manage_token(&pitch)
        ),
    ] {
        let (_, parsed) = feed(&app, &path).await;
        let entry = event_with_uid(&parsed, &uid);
        assert_eq!(entry["status"], "CANCELLED", "{path}");
        assert_eq!(entry["sequence"], pitch.sequence + 1, "{path}");
    }
}

// ---------------------------------------------------------------------------------------------
// Scale and several instances

#[tokio::test]
async fn a_300_slot_programme_renders_all_300_entries() {
    let app = spawn_app().await;
    let event = app
        .published_event(
            json!({"slug": "gross", "starts_at": "2027-06-24T08:00:00+02:00",
            "ends_at": "2027-06-26T20:00:00+02:00"}),
        )
        .await;
    let event_id = id_of(&event);
    let mut stages = Vec::new();
    for n in 0..5 {
        stages.push(add_stage(&app, event_id, &format!("Saal {n}"), n).await);
    }
    let pitches: Vec<pitch::ActiveModel> = (0..300)
        .map(|n| {
            let mut p = new_pitch(event_id, &format!("Pitch {n:03}"), PitchStatus::Accepted);
            p.sequence = Set(1);
            p
        })
        .collect();
    let ids: Vec<Uuid> = pitches.iter().map(|p| *p.id.as_ref()).collect();
    for chunk in pitches.chunks(50) {
        pitch::Entity::insert_many(chunk.to_vec())
            .exec(&app.db)
            .await
            .unwrap();
    }
    let start = utc("2027-06-24T08:00:00+02:00");
    let slots: Vec<pitch_slot::ActiveModel> = ids
        .iter()
        .enumerate()
        .map(|(n, id)| {
            let stage = &stages[n % 5];
            let starts = start + chrono::Duration::minutes(20 * (n / 5) as i64);
            new_slot(
                event_id,
                stage.id,
                &starts.to_rfc3339(),
                &(starts + chrono::Duration::minutes(20)).to_rfc3339(),
                Some(*id),
            )
        })
        .collect();
    for chunk in slots.chunks(50) {
        pitch_slot::Entity::insert_many(chunk.to_vec())
            .exec(&app.db)
            .await
            .unwrap();
    }
    bump(&app, event_id).await;

    let path = "/api/v1/events/gross/calendar.ics";
    let started = Instant::now();
    let (answer, parsed) = feed(&app, path).await;
    let first_took = started.elapsed();
    let entries = events_of(&parsed);
    assert_eq!(entries.len(), 301);
    let pitch_entries = entries
        .iter()
        .filter(|e| e["uid"].as_str().is_some_and(|u| u.starts_with("pitch-")))
        .count();
    assert_eq!(pitch_entries, 300);
    assert_eq!(entries[1]["dtstart_utc"], "2027-06-24T06:00:00Z");

    // Served again from the cache, and revalidated without a body.
    let etag = answer.header("etag").unwrap();
    let started = Instant::now();
    let again = app.get(path).await;
    assert_eq!(again.text, answer.text);
    let not_modified = get_with(&app, Method::GET, path, &[("If-None-Match", etag)]).await;
    not_modified.assert_status(304);
    assert!(
        started.elapsed() < first_took * 4 + Duration::from_millis(200),
        "cached answers are not slower than rendering"
    );
}

#[tokio::test]
async fn a_change_through_the_database_reaches_a_second_instance_within_two_seconds() {
    let app = spawn_app().await;
    let event = app.published_event(json!({"slug": "zwilling"})).await;
    let event_id = id_of(&event);
    let stage = add_stage(&app, event_id, "Saal", 0).await;
    let pitch = add_pitch(&app, new_pitch(event_id, "Vorher", PitchStatus::Accepted)).await;
    let (pitch, _) = schedule(
        &app,
        &pitch,
        &stage,
        "2027-06-24T10:00:00+02:00",
        "2027-06-24T10:20:00+02:00",
    )
    .await;
    let second = spawn_second_instance(&app).await;
    let path = "/api/v1/events/zwilling/calendar.ics";
    let fetch = |base: String| {
        let client = app.client.clone();
        async move {
            let response = client
                .get(format!("{base}{path}"))
                .send()
                .await
                .expect("request sent");
            Answer::read(response).await
        }
    };

    // Both instances have the feed cached, and agree on it.
    let a = fetch(app.address.clone()).await;
    let b = fetch(second.clone()).await;
    a.assert_status(200);
    b.assert_status(200);
    assert_eq!(a.text, b.text);
    assert_eq!(a.header("etag"), b.header("etag"));
    assert!(b.text.contains("Vorher"));

    // A change committed through the first instance's database.
    let mut renamed = pitch.into_active_model();
    renamed.title = Set("Nachher".to_owned());
    renamed.updated_at = Set(now());
    renamed.update(&app.db).await.unwrap();
    bump(&app, event_id).await;

    let changed_at = Instant::now();
    let seen = loop {
        let answer = fetch(second.clone()).await;
        if answer.text.contains("Nachher") {
            break answer;
        }
        assert!(
            changed_at.elapsed() < Duration::from_secs(2),
            "the second instance still serves the old feed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let parsed = parse_ics(&seen.text);
    assert_eq!(events_of(&parsed)[1]["summary"], "Nachher — Optik AG");
    let on_first = fetch(app.address.clone()).await;
    assert_eq!(on_first.text, seen.text);
    assert_eq!(on_first.header("etag"), seen.header("etag"));
}

#[tokio::test]
async fn the_feeds_are_documented_as_text_calendar_with_head() {
    let app = spawn_app().await;
    let spec = app.get("/api-docs/openapi.json").await.json;
    for path in [
        "/api/v1/calendar.ics",
        "/api/v1/events/{event}/calendar.ics",
        "/api/v1/registrations/{token}/calendar.ics",
        "/api/v1/pitches/{token}/calendar.ics",
    ] {
        let item = &spec["paths"][path];
        assert!(item["head"].is_object(), "{path}: HEAD documented");
        let ok = &item["get"]["responses"]["200"];
        assert!(
            ok["content"]["text/calendar"].is_object(),
            "{path}: text/calendar"
        );
        for name in [
            "ETag",
            "Last-Modified",
            "Cache-Control",
            "Content-Disposition",
        ] {
            assert!(ok["headers"][name].is_object(), "{path}: {name}");
        }
        assert!(item["get"]["responses"]["304"].is_object(), "{path}: 304");
    }
    let mut ids: Vec<&str> = spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "operationIds are unique");
}

// ---------------------------------------------------------------------------------------------
// The second reader

#[tokio::test]
#[ignore = "needs Python's icalendar: run by .ci/run (cargo test --workspace -- --ignored)"]
async fn python_icalendar_reads_every_feed_as_the_ical_crate_does() {
    let app = spawn_app().await;
    let event = app
        .published_event(json!({"slug": "jt27", "title": "Jahrestagung; 2027, \\ \"Grüße\" 😀"}))
        .await;
    let event_id = id_of(&event);
    let main = add_stage(&app, event_id, "Großer Saal (EG)", 0).await;
    let mut hostile = new_pitch(
        event_id,
        "Linsen\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil",
        PitchStatus::Accepted,
    );
    hostile.r#abstract = Set("Zeile eins\r\nZeile zwei; drei, vier ".repeat(8));
    let pitch = add_pitch(&app, hostile).await;
    schedule(
        &app,
        &pitch,
        &main,
        "2027-03-28T01:30:00+01:00",
        "2027-03-28T03:30:00+02:00",
    )
    .await;
    let registration = add_registration(&app, event_id, RegistrationStatus::Confirmed).await;
    bump(&app, event_id).await;

    for path in [
        "/api/v1/calendar.ics".to_owned(),
        "/api/v1/events/jt27/calendar.ics".to_owned(),
        format!(
            "/api/v1/pitches/{}/calendar.ics",
            podium::services::pitches::manage_token(&pitch)
        ),
        format!(
            "/api/v1/registrations/{}/calendar.ics",
            podium::services::registrations::manage_token(&registration)
        ),
    ] {
        let (answer, mut ours) = feed(&app, &path).await;
        let mut python = python_parse_ics(&answer.text);
        // Python's icalendar leaves the non-standard X-WR-CALNAME escaped; ours reads it as TEXT.
        assert!(ours["calname"].as_str().is_some_and(
            |name| name == "podium" || name.starts_with("Jahrestagung; 2027, \\ \"Grüße\" 😀")
        ));
        python["calname"] = Value::Null;
        ours["calname"] = Value::Null;
        assert_eq!(
            python, ours,
            "{path}: the readers disagree on\n{}",
            answer.text
        );
        assert!(!events_of(&python).is_empty(), "{path}");
    }
}

// ---------------------------------------------------------------------------------------------
// Published entries through the API (#14 items 1-3, #12 item 8)

const DAY: &str = "2027-06-24T";

fn local(hm: &str) -> String {
    format!("{DAY}{hm}:00+02:00")
}

/// Event `jt27` with stage "Saal 2" and one accepted pitch assigned to a slot; answers the
/// pitch's 201 body (with its `manage_token`), the stage id and the slot id.
async fn scheduled_programme(app: &TestApp) -> (Value, String, String) {
    app.published_event(json!({"slug": "jt27"})).await;
    let stage = app.create_stage("jt27", "Saal 2").await;
    let pitch = app.accepted_pitch("jt27", json!({})).await;
    let slot = app
        .slot("jt27", &stage, &local("10:00"), &local("10:15"))
        .await;
    app.assign("jt27", &slot, pitch["id"].as_str().unwrap())
        .await
        .assert_status(200);
    app.release("jt27", "").await;
    (pitch, stage, slot)
}

/// The entry `uid` of the feed at `path`.
async fn entry(app: &TestApp, path: &str, uid: &str) -> Value {
    let (_, parsed) = feed(app, path).await;
    event_with_uid(&parsed, uid)
}

#[tokio::test]
async fn renaming_a_stage_gives_its_pitches_a_new_location_sequence_and_last_modified() {
    let app = spawn_app().await;
    let (pitch, stage, slot) = scheduled_programme(&app).await;
    // Four moves after the assignment, each released: the entry is at SEQUENCE 5, as in the
    // report.
    for (start, end) in [
        ("10:15", "10:30"),
        ("10:30", "10:45"),
        ("10:45", "11:00"),
        ("11:00", "11:15"),
    ] {
        app.patch_admin(
            &format!("/api/v1/events/jt27/pitch-slots/{slot}"),
            &json!({"starts_at": local(start), "ends_at": local(end)}),
        )
        .await
        .assert_status(200);
        app.release("jt27", "").await;
    }
    let uid = format!("pitch-{}@podium", pitch["id"].as_str().unwrap());
    let paths = [
        "/api/v1/events/jt27/calendar.ics".to_owned(),
        format!(
            "/api/v1/pitches/{}/calendar.ics",
            pitch["manage_token"].as_str().unwrap()
        ),
    ];
    let before = entry(&app, &paths[0], &uid).await;
    assert_eq!(before["sequence"], 5);
    assert_eq!(before["location"], "Saal 2, Volkshaus Jena");
    let (_, event_feed) = feed(&app, &paths[0]).await;
    let own_before = events_of(&event_feed).remove(0);

    // LAST-MODIFIED has a resolution of one second.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    app.patch_admin(
        &format!("/api/v1/events/jt27/stages/{stage}"),
        &json!({"name": "Großer Saal (EG)"}),
    )
    .await
    .assert_status(200);

    for path in &paths {
        let after = entry(&app, path, &uid).await;
        assert_eq!(
            after["location"], "Großer Saal (EG), Volkshaus Jena",
            "{path}"
        );
        assert_eq!(after["sequence"], 6, "{path}");
        assert_eq!(after["status"], "CONFIRMED", "{path}");
        let stamp = |e: &Value| utc(e["last_modified_utc"].as_str().unwrap());
        assert!(
            stamp(&after) > stamp(&before),
            "{path}: LAST-MODIFIED did not move"
        );
        assert_eq!(after["dtstamp_utc"], after["last_modified_utc"], "{path}");
    }
    // A second instance on the same database serves the same bytes: no in-memory truth.
    let second = spawn_second_instance(&app).await;
    for path in &paths {
        let here = app.get(path).await;
        let there = app
            .client
            .get(format!("{second}{path}"))
            .send()
            .await
            .expect("second instance answers");
        assert_eq!(there.text().await.unwrap(), here.text, "{path}");
    }
    // The event's own entry shows nothing of the stage: untouched.
    let (_, event_feed) = feed(&app, &paths[0]).await;
    let own_after = events_of(&event_feed).remove(0);
    assert!(own_after["uid"].as_str().unwrap().starts_with("event-"));
    assert_eq!(own_after, own_before);
}

#[tokio::test]
async fn submissions_and_a_raised_capacity_leave_every_feed_byte_identical() {
    let app = spawn_app().await;
    let (pitch, _, _) = scheduled_programme(&app).await;
    let attendee = app
        .register_person("jt27", "Grace Hopper", "grace@example.org")
        .await;
    attendee.assert_status(201);
    let paths = [
        "/api/v1/calendar.ics".to_owned(),
        "/api/v1/events/jt27/calendar.ics".to_owned(),
        format!(
            "/api/v1/pitches/{}/calendar.ics",
            pitch["manage_token"].as_str().unwrap()
        ),
        format!(
            "/api/v1/registrations/{}/calendar.ics",
            attendee.json["manage_token"].as_str().unwrap()
        ),
    ];
    let mut before = Vec::new();
    for path in &paths {
        let (answer, _) = feed(&app, path).await;
        before.push(answer);
    }
    let event_before = app.get("/api/v1/events/jt27").await;
    event_before.assert_status(200);
    tokio::time::sleep(Duration::from_millis(1100)).await;

    // Private submissions: neither the event's JSON nor any feed may tell they arrived (#12).
    app.post(
        "/api/v1/events/jt27/exhibits",
        &crate::helpers::exhibit_body(json!({})),
    )
    .await
    .assert_status(201);
    app.propose_pitch(
        "jt27",
        json!({"title": "Noch ein Vortrag", "presenter_email": "otto@example.org"}),
    )
    .await;
    app.write_epoch.bump();
    let event_after = app.get("/api/v1/events/jt27").await;
    event_after.assert_status(200);
    assert_eq!(event_after.header("etag"), event_before.header("etag"));
    assert_eq!(
        event_after.json["updated_at"],
        event_before.json["updated_at"]
    );
    assert_eq!(event_after.json, event_before.json);
    let organiser_view = app.event_admin("jt27").await;
    let version_etag = app
        .get_admin(&format!(
            "/api/v1/events/{}",
            organiser_view["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(version_etag.header("etag"), event_before.header("etag"));

    // A raised capacity changes the event's JSON, not what the feeds show.
    app.patch_admin("/api/v1/events/jt27", &json!({"capacity": 400}))
        .await
        .assert_status(200);
    app.register_person("jt27", "Ada Lovelace", "ada@example.org")
        .await
        .assert_status(201);

    for (path, old) in paths.iter().zip(&before) {
        let (now, _) = feed(&app, path).await;
        assert_eq!(now.text, old.text, "{path}: the bytes changed");
        assert_eq!(now.header("etag"), old.header("etag"), "{path}");
        assert_eq!(
            now.header("last-modified"),
            old.header("last-modified"),
            "{path}"
        );
        let etag = old.header("etag").unwrap();
        get_with(&app, Method::GET, path, &[("If-None-Match", etag)])
            .await
            .assert_status(304);
    }
}

#[tokio::test]
async fn every_published_entry_stays_cancelled_with_a_higher_sequence_whatever_removed_it() {
    let app = spawn_app().await;
    let event = app.published_event(json!({"slug": "jt27"})).await;
    let event_id = id_of(&event);
    let stage = app.create_stage("jt27", "Saal 2").await;
    let mut pitches = Vec::new();
    let mut slots = Vec::new();
    for (n, (start, end)) in [("10:00", "10:15"), ("11:00", "11:15"), ("12:00", "12:15")]
        .into_iter()
        .enumerate()
    {
        let pitch = app
            .accepted_pitch(
                "jt27",
                json!({"title": format!("Vortrag {n}"), "presenter_email": format!("p{n}@example.org")}),
            )
            .await;
        let slot = app.slot("jt27", &stage, &local(start), &local(end)).await;
        app.assign("jt27", &slot, pitch["id"].as_str().unwrap())
            .await
            .assert_status(200);
        pitches.push(pitch);
        slots.push(slot);
    }
    app.release("jt27", "").await;
    let path = "/api/v1/events/jt27/calendar.ics";
    let uid = |p: &Value| format!("pitch-{}@podium", p["id"].as_str().unwrap());
    let mut shown = Vec::new();
    for pitch in &pitches {
        let e = entry(&app, path, &uid(pitch)).await;
        assert_eq!(e["status"], "CONFIRMED");
        shown.push(e);
    }

    // Withdrawn by the presenter, unassigned by an organiser, its slot deleted.
    app.post(
        &format!(
            "/api/v1/pitches/{}/withdraw",
            pitches[0]["manage_token"].as_str().unwrap()
        ),
        &json!({}),
    )
    .await
    .assert_status(200);
    app.delete_admin(&format!(
        "/api/v1/events/jt27/pitch-slots/{}/assignment",
        slots[1]
    ))
    .await
    .assert_status(204);
    app.delete_admin(&format!("/api/v1/events/jt27/pitch-slots/{}", slots[2]))
        .await
        .assert_status(204);
    app.release("jt27", "").await;

    let (_, parsed) = feed(&app, path).await;
    assert_eq!(
        events_of(&parsed).len(),
        4,
        "the event and all three pitches"
    );
    for (pitch, before) in pitches.iter().zip(&shown) {
        let after = event_with_uid(&parsed, &uid(pitch));
        assert_eq!(after["status"], "CANCELLED", "{}", pitch["title"]);
        assert!(after["sequence"].as_i64() > before["sequence"].as_i64());
        // It keeps the time it was shown at, so calendars strike the right occurrence.
        assert_eq!(after["dtstart_utc"], before["dtstart_utc"]);
    }

    // Cancelling the event cancels its own entry with a higher SEQUENCE, in every feed.
    let own_uid = format!("event-{event_id}@podium");
    let own_before = event_with_uid(&parsed, &own_uid);
    app.post_admin(&format!("/api/v1/events/{event_id}/cancel"), &json!({}))
        .await
        .assert_status(200);
    for path in [path, "/api/v1/calendar.ics"] {
        let own = entry(&app, path, &own_uid).await;
        assert_eq!(own["status"], "CANCELLED", "{path}");
        assert!(own["sequence"].as_i64() > own_before["sequence"].as_i64());
    }
    let (_, parsed) = feed(&app, path).await;
    assert_eq!(events_of(&parsed).len(), 4);
    assert!(events_of(&parsed)
        .iter()
        .all(|e| e["status"] == "CANCELLED"));
}
