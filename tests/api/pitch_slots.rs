//! Pitch slots, assignment rules, the .ics mails, the public programme and the races.
use serde_json::{json, Value};

use crate::helpers::{ics_value, spawn_app, TestApp};

const T: &str = "2027-06-24T";

fn at(hm: &str) -> String {
    format!("{T}{hm}:00+02:00")
}

/// A published event `jt` (09:00–18:00 Europe/Berlin) with two stages.
async fn programme_app() -> (TestApp, String, String) {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    let main = app.create_stage("jt", "Hauptbühne").await;
    let forum = app.create_stage("jt", "Forum").await;
    (app, main, forum)
}

#[tokio::test]
async fn slots_on_one_stage_may_touch_but_not_overlap() {
    let (app, main, forum) = programme_app().await;
    let first = app
        .create_slot("jt", &main, &at("10:00"), &at("10:10"))
        .await;
    first.assert_status(201);
    assert!(first.header("location").is_some());
    assert_eq!(first.json["starts_at"], at("10:00"));
    assert_eq!(first.json["open"], true);
    app.create_slot("jt", &main, &at("10:10"), &at("10:20"))
        .await
        .assert_status(201);
    app.create_slot("jt", &main, &at("09:50"), &at("10:00"))
        .await
        .assert_status(201);
    for (from, to) in [
        ("10:05", "10:15"),
        ("09:55", "10:05"),
        ("10:00", "10:10"),
        ("10:02", "10:08"),
        ("09:00", "11:00"),
    ] {
        app.create_slot("jt", &main, &at(from), &at(to))
            .await
            .assert_problem(409);
    }
    // Another stage is another room.
    app.create_slot("jt", &forum, &at("10:05"), &at("10:15"))
        .await
        .assert_status(201);
}

#[tokio::test]
async fn a_slot_must_lie_within_the_event_and_end_after_it_starts() {
    let (app, main, _) = programme_app().await;
    // Exactly at the event's start and end.
    app.create_slot("jt", &main, &at("09:00"), &at("09:10"))
        .await
        .assert_status(201);
    app.create_slot("jt", &main, &at("17:50"), &at("18:00"))
        .await
        .assert_status(201);
    // The same instant in UTC is the same instant.
    app.create_slot("jt", &main, "2027-06-24T08:00:00Z", "2027-06-24T08:10:00Z")
        .await
        .assert_status(201);
    for (from, to, field) in [
        ("08:59", "09:10", "starts_at"),
        ("17:55", "18:01", "ends_at"),
        ("12:00", "12:00", "ends_at"),
        ("12:10", "12:00", "ends_at"),
    ] {
        let answer = app.create_slot("jt", &main, &at(from), &at(to)).await;
        answer.assert_problem(422);
        assert_eq!(answer.error_fields(), vec![field.to_owned()]);
    }
    let bad_time = app.create_slot("jt", &main, "tomorrow", &at("12:00")).await;
    bad_time.assert_problem(422);
    assert_eq!(bad_time.error_fields(), vec!["starts_at".to_owned()]);
    // A stage of another event, or none at all.
    app.published_event(json!({"slug": "other"})).await;
    let foreign = app.create_stage("other", "Fremd").await;
    for stage in [foreign, uuid::Uuid::new_v4().to_string()] {
        let answer = app
            .create_slot("jt", &stage, &at("12:00"), &at("12:10"))
            .await;
        answer.assert_problem(422);
        assert_eq!(answer.error_fields(), vec!["stage_id".to_owned()]);
    }
    app.create_slot("jt", "not-a-uuid", &at("12:00"), &at("12:10"))
        .await
        .assert_problem(422);
    // Organisers only.
    app.post(
        "/api/v1/events/jt/pitch-slots",
        &json!({"stage_id": main, "starts_at": at("12:00"), "ends_at": at("12:10")}),
    )
    .await
    .assert_problem(401);
}

#[tokio::test]
async fn generating_slots_creates_a_back_to_back_run_all_or_nothing() {
    let (app, main, _) = programme_app().await;
    let path = "/api/v1/events/jt/pitch-slots/generate";
    let run = app
        .post_admin(
            path,
            &json!({"stage_id": main, "from": at("10:00"), "to": at("11:00"),
                    "slot_minutes": 10, "gap_minutes": 5}),
        )
        .await;
    run.assert_status(201);
    let starts: Vec<&str> = run
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["starts_at"].as_str().unwrap())
        .collect();
    // 10:00, 10:15, 10:30, 10:45 (10:45–10:55 still fits before 11:00).
    assert_eq!(
        starts,
        vec![at("10:00"), at("10:15"), at("10:30"), at("10:45")]
    );
    // Back-to-back with the run: fine. Overlapping its last slot: nothing is created.
    app.post_admin(
        path,
        &json!({"stage_id": main, "from": at("11:00"), "to": at("11:30"), "slot_minutes": 10}),
    )
    .await
    .assert_status(201);
    app.post_admin(
        path,
        &json!({"stage_id": main, "from": at("11:30"), "to": at("13:00"),
                "slot_minutes": 10, "gap_minutes": 0}),
    )
    .await
    .assert_status(201);
    let before = app
        .get("/api/v1/events/jt/pitch-slots?limit=500")
        .await
        .json["total"]
        .clone();
    app.post_admin(
        path,
        &json!({"stage_id": main, "from": at("12:55"), "to": at("14:00"), "slot_minutes": 10}),
    )
    .await
    .assert_problem(409);
    let after = app
        .get("/api/v1/events/jt/pitch-slots?limit=500")
        .await
        .json["total"]
        .clone();
    assert_eq!(before, after);
    for (body, field) in [
        (json!({"slot_minutes": 0}), "slot_minutes"),
        (json!({"slot_minutes": 241}), "slot_minutes"),
        (json!({"gap_minutes": -1}), "gap_minutes"),
        (json!({"from": at("15:00"), "to": at("14:00")}), "to"),
        (json!({"from": at("08:00")}), "from"),
        (json!({"to": at("18:30")}), "to"),
        (
            json!({"from": at("14:00"), "to": at("14:05")}),
            "slot_minutes",
        ),
    ] {
        let mut full = json!({"stage_id": main, "from": at("14:00"), "to": at("15:00"),
                              "slot_minutes": 10});
        for (k, v) in body.as_object().unwrap() {
            full[k] = v.clone();
        }
        let answer = app.post_admin(path, &full).await;
        answer.assert_problem(422);
        assert_eq!(answer.error_fields(), vec![field.to_owned()], "{full}");
    }
}

#[tokio::test]
async fn the_assignment_rules_hold_with_their_boundaries() {
    let (app, main, forum) = programme_app().await;
    let ten = app.slot("jt", &main, &at("10:00"), &at("10:10")).await;
    let next = app.slot("jt", &main, &at("10:10"), &at("10:20")).await;
    let parallel = app.slot("jt", &forum, &at("10:05"), &at("10:15")).await;
    let later = app.slot("jt", &forum, &at("11:00"), &at("11:30")).await;

    let submitted = app
        .propose_pitch("jt", json!({"presenter_email": "s@x.example"}))
        .await;
    app.assign("jt", &ten, submitted["id"].as_str().unwrap())
        .await
        .assert_problem(409);

    // Exactly as long as the slot: fine. One minute longer: 422.
    let eleven = app
        .accepted_pitch(
            "jt",
            json!({"duration_minutes": 11, "presenter_email": "e@x.example"}),
        )
        .await;
    app.assign("jt", &ten, eleven["id"].as_str().unwrap())
        .await
        .assert_problem(422);
    let pitch = app
        .accepted_pitch(
            "jt",
            json!({"duration_minutes": 10, "presenter_email": "Petra@X.example"}),
        )
        .await;
    let id = pitch["id"].as_str().unwrap();
    let assigned = app.assign("jt", &ten, id).await;
    assigned.assert_status(200);
    assert_eq!(assigned.json["pitch"]["id"], id);
    assert_eq!(assigned.json["open"], false);
    // The same pitch into the same slot again: nothing changes.
    app.assign("jt", &ten, id).await.assert_status(200);
    // The pitch already holds a slot.
    app.assign("jt", &later, id).await.assert_problem(409);
    // The slot already holds another pitch: no silent replacement.
    let second = app
        .accepted_pitch("jt", json!({"presenter_email": "other@x.example"}))
        .await;
    app.assign("jt", &ten, second["id"].as_str().unwrap())
        .await
        .assert_problem(409);
    // The same presenter (any case) cannot be on another stage at an overlapping time...
    let same = app
        .accepted_pitch(
            "jt",
            json!({"title": "Zweiter Pitch", "presenter_email": "petra@x.EXAMPLE"}),
        )
        .await;
    let same_id = same["id"].as_str().unwrap();
    app.assign("jt", &parallel, same_id)
        .await
        .assert_problem(409);
    // ...but right after, back-to-back, is fine.
    app.assign("jt", &next, same_id).await.assert_status(200);
    // A pitch of another event is not a pitch of this one.
    app.published_event(json!({"slug": "other"})).await;
    let foreign = app.accepted_pitch("other", json!({})).await;
    app.assign("jt", &later, foreign["id"].as_str().unwrap())
        .await
        .assert_problem(422);
    app.assign("jt", &uuid::Uuid::new_v4().to_string(), id)
        .await
        .assert_problem(404);

    // Proposals 6 + acceptances 5 + the release's 2 placements.
    app.release("jt", "").await;
    app.mails(13).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.smtp.messages().len(), 13);
}

#[tokio::test]
async fn assign_move_and_unassign_mail_one_calendar_entry_with_a_growing_sequence() {
    let (app, main, forum) = programme_app().await;
    let slot = app.slot("jt", &main, &at("10:00"), &at("10:15")).await;
    let pitch = app.accepted_pitch("jt", json!({})).await;
    let id = pitch["id"].as_str().unwrap();
    let presenter = "petra@faserwerk.example";
    app.assign("jt", &slot, id).await.assert_status(200);
    app.release("jt", "").await;
    let moved = app
        .patch_admin(
            &format!("/api/v1/events/jt/pitch-slots/{slot}"),
            &json!({"stage_id": forum, "starts_at": at("14:00"), "ends_at": at("14:15")}),
        )
        .await;
    moved.assert_status(200);
    assert_eq!(moved.json["stage_name"], "Forum");
    app.release("jt", "").await;
    app.request(
        reqwest::Method::DELETE,
        &format!("/api/v1/events/jt/pitch-slots/{slot}/assignment"),
        Some(&app.admin_token),
        None,
    )
    .await
    .assert_status(204);
    app.release("jt", "").await;
    app.mails(5).await;
    let mails = app.mails_to(presenter);
    assert_eq!(mails.len(), 5);
    let (assigned, moved, unassigned) = (&mails[2], &mails[3], &mails[4]);
    assert!(assigned.subject().starts_with("Your slot at"));
    assert!(moved.subject().starts_with("Schedule change at"));
    assert!(unassigned.subject().starts_with("Schedule change at"));
    let uid = format!("pitch-{id}@podium");
    let mut last_sequence = -1;
    for (mail, method, status, location) in [
        (
            assigned,
            "REQUEST",
            "CONFIRMED",
            "Hauptbühne\\, Volkshaus Jena",
        ),
        (moved, "REQUEST", "CONFIRMED", "Forum\\, Volkshaus Jena"),
        (unassigned, "CANCEL", "CANCELLED", "Forum\\, Volkshaus Jena"),
    ] {
        let ics = mail.ics().expect("an .ics attachment");
        assert_eq!(ics_value(&ics, "UID"), Some(uid.clone()));
        assert_eq!(ics_value(&ics, "METHOD").as_deref(), Some(method));
        assert_eq!(ics_value(&ics, "STATUS").as_deref(), Some(status));
        assert_eq!(ics_value(&ics, "LOCATION").as_deref(), Some(location));
        assert_eq!(
            ics_value(&ics, "SUMMARY").as_deref(),
            Some("Leichtbau mit Naturfasern — Faserwerk GmbH")
        );
        let sequence: i32 = ics_value(&ics, "SEQUENCE").unwrap().parse().unwrap();
        assert!(sequence > last_sequence, "{sequence} after {last_sequence}");
        last_sequence = sequence;
        let content_type = mail.part_content_type("text/calendar").unwrap();
        assert!(
            content_type.contains(&format!("method={method}")),
            "{content_type}"
        );
    }
    let dtstart = ics_value(&moved.ics().unwrap(), "DTSTART").unwrap();
    assert!(dtstart.starts_with("20270624T140000"), "{dtstart}");
    // Unassigning an empty slot changes nothing and mails nobody.
    app.delete_admin(&format!("/api/v1/events/jt/pitch-slots/{slot}/assignment"))
        .await
        .assert_status(204);
    app.release("jt", "").await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.smtp.messages().len(), 5);
}

#[tokio::test]
async fn moving_an_assigned_slot_rechecks_stage_presenter_and_duration() {
    let (app, main, forum) = programme_app().await;
    let slot = app.slot("jt", &main, &at("10:00"), &at("10:10")).await;
    app.slot("jt", &main, &at("10:30"), &at("10:40")).await;
    let busy_slot = app.slot("jt", &forum, &at("12:00"), &at("12:10")).await;
    let pitch = app
        .accepted_pitch("jt", json!({"duration_minutes": 10}))
        .await;
    let same = app.accepted_pitch("jt", json!({"title": "Zwei"})).await;
    app.assign("jt", &slot, pitch["id"].as_str().unwrap())
        .await
        .assert_status(200);
    app.assign("jt", &busy_slot, same["id"].as_str().unwrap())
        .await
        .assert_status(200);
    app.release("jt", "").await;
    let path = format!("/api/v1/events/jt/pitch-slots/{slot}");
    // Onto another slot of the stage.
    app.patch_admin(
        &path,
        &json!({"starts_at": at("10:35"), "ends_at": at("10:45")}),
    )
    .await
    .assert_problem(409);
    // Where the presenter already speaks on the other stage.
    app.patch_admin(
        &path,
        &json!({"starts_at": at("12:05"), "ends_at": at("12:15")}),
    )
    .await
    .assert_problem(409);
    // Too short for the pitch; exactly long enough is fine.
    app.patch_admin(&path, &json!({"ends_at": at("10:09")}))
        .await
        .assert_problem(422);
    app.patch_admin(
        &path,
        &json!({"starts_at": at("17:55"), "ends_at": at("18:05")}),
    )
    .await
    .assert_problem(422);
    app.patch_admin(&path, &json!({"stage_id": uuid::Uuid::new_v4()}))
        .await
        .assert_problem(422);
    let ok = app
        .patch_admin(
            &path,
            &json!({"starts_at": at("12:10"), "ends_at": at("12:20")}),
        )
        .await;
    ok.assert_status(200);
    assert_eq!(ok.json["starts_at"], at("12:10"));
    // An unchanged slot is not a move: no mail.
    app.patch_admin(&path, &json!({"starts_at": at("12:10")}))
        .await
        .assert_status(200);
    app.release("jt", "").await;
    // 2 proposals, 2 acceptances, 2 assignments, 1 move (each at its release).
    app.mails(7).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.smtp.messages().len(), 7);
}

#[tokio::test]
async fn deleting_an_assigned_slot_cancels_the_presenters_calendar_entry() {
    let (app, main, _) = programme_app().await;
    let slot = app.slot("jt", &main, &at("10:00"), &at("10:10")).await;
    let empty = app.slot("jt", &main, &at("11:00"), &at("11:10")).await;
    let pitch = app.accepted_pitch("jt", json!({})).await;
    app.assign("jt", &slot, pitch["id"].as_str().unwrap())
        .await
        .assert_status(200);
    app.release("jt", "").await;
    app.delete_admin(&format!("/api/v1/events/jt/pitch-slots/{slot}"))
        .await
        .assert_status(204);
    app.delete_admin(&format!("/api/v1/events/jt/pitch-slots/{empty}"))
        .await
        .assert_status(204);
    app.delete_admin(&format!("/api/v1/events/jt/pitch-slots/{empty}"))
        .await
        .assert_problem(404);
    app.release("jt", "").await;
    let mails = app.mails(4).await;
    let ics = mails[3].ics().unwrap();
    assert_eq!(ics_value(&ics, "METHOD").as_deref(), Some("CANCEL"));
    assert_eq!(ics_value(&ics, "SEQUENCE").as_deref(), Some("2"));
    // The pitch is free again.
    let again = app.slot("jt", &main, &at("12:00"), &at("12:10")).await;
    app.assign("jt", &again, pitch["id"].as_str().unwrap())
        .await
        .assert_status(200);
}

fn assert_public(answer_text: &str, secrets: &[&str]) {
    assert!(
        !answer_text.contains('@'),
        "an e-mail address leaked: {answer_text}"
    );
    for secret in secrets {
        assert!(
            !answer_text.contains(secret),
            "a token leaked: {answer_text}"
        );
    }
}

#[tokio::test]
async fn the_public_programme_is_grouped_by_stage_without_emails_or_tokens() {
    let (app, main, forum) = programme_app().await;
    let a = app.slot("jt", &forum, &at("10:00"), &at("10:10")).await;
    app.slot("jt", &main, &at("11:00"), &at("11:10")).await;
    let b = app.slot("jt", &main, &at("10:00"), &at("10:10")).await;
    let p1 = app
        .accepted_pitch(
            "jt",
            json!({"title": "Forum-Pitch", "presenter_email": "one@x.example"}),
        )
        .await;
    let p2 = app
        .accepted_pitch(
            "jt",
            json!({"title": "Haupt-Pitch", "presenter_email": "two@x.example"}),
        )
        .await;
    app.assign("jt", &a, p1["id"].as_str().unwrap())
        .await
        .assert_status(200);
    app.assign("jt", &b, p2["id"].as_str().unwrap())
        .await
        .assert_status(200);
    app.release("jt", "").await;
    let secrets = [
        p1["manage_token"].as_str().unwrap(),
        p2["manage_token"].as_str().unwrap(),
    ];

    let schedule = app.get("/api/v1/events/jt/schedule").await;
    schedule.assert_status(200);
    assert_public(&schedule.text, &secrets);
    let stages = schedule.json["stages"].as_array().unwrap();
    assert_eq!(stages[0]["name"], "Hauptbühne");
    assert_eq!(stages[1]["name"], "Forum");
    let main_slots = stages[0]["slots"].as_array().unwrap();
    assert_eq!(main_slots[0]["starts_at"], at("10:00"));
    assert_eq!(main_slots[0]["pitch"]["title"], "Haupt-Pitch");
    assert_eq!(main_slots[0]["pitch"]["organisation"], "Faserwerk GmbH");
    assert_eq!(main_slots[0]["pitch"]["presenter_name"], "Petra Presenter");
    assert_eq!(main_slots[1]["open"], true);
    assert!(main_slots[1]["pitch"].is_null());
    assert_eq!(stages[1]["slots"][0]["pitch"]["title"], "Forum-Pitch");

    let slots = app.get("/api/v1/events/jt/pitch-slots").await;
    slots.assert_status(200);
    assert_public(&slots.text, &secrets);
    assert_eq!(slots.json["total"], 3);
    let by_stage = app
        .get(&format!("/api/v1/events/jt/pitch-slots?stage_id={forum}"))
        .await;
    assert_eq!(by_stage.json["total"], 1);
    assert_eq!(by_stage.json["items"][0]["pitch"]["title"], "Forum-Pitch");
    // Organisers see the presenters' addresses.
    let organiser = app.get_admin("/api/v1/events/jt/pitch-slots").await;
    assert!(organiser.text.contains("one@x.example"));

    // Drafts: organisers only.
    app.create_event(json!({"slug": "draft"})).await;
    app.get("/api/v1/events/draft/schedule")
        .await
        .assert_problem(404);
    app.get("/api/v1/events/draft/pitch-slots")
        .await
        .assert_problem(404);
    app.get_admin("/api/v1/events/draft/schedule")
        .await
        .assert_status(200);
}

/// Sends both requests at once and returns their statuses, sorted.
async fn at_once(app: &TestApp, a: (&str, &str), b: (&str, &str)) -> Vec<u16> {
    let (x, y) = tokio::join!(app.assign("jt", a.0, a.1), app.assign("jt", b.0, b.1));
    let mut statuses = vec![x.status.as_u16(), y.status.as_u16()];
    statuses.sort();
    statuses
}

#[tokio::test]
async fn two_organisers_assigning_at_once_cannot_break_the_rules() {
    let (app, main, forum) = programme_app().await;
    for round in 0..5 {
        let hour = 10 + round;
        let s1 = app
            .slot(
                "jt",
                &main,
                &at(&format!("{hour}:00")),
                &at(&format!("{hour}:10")),
            )
            .await;
        let s2 = app
            .slot(
                "jt",
                &forum,
                &at(&format!("{hour}:05")),
                &at(&format!("{hour}:15")),
            )
            .await;
        let email = format!("race{round}@x.example");
        let p1 = app
            .accepted_pitch("jt", json!({"presenter_email": email}))
            .await;
        let p2 = app
            .accepted_pitch("jt", json!({"presenter_email": email.to_uppercase()}))
            .await;
        // One presenter, two pitches, two overlapping slots: exactly one wins.
        let statuses = at_once(
            &app,
            (&s1, p1["id"].as_str().unwrap()),
            (&s2, p2["id"].as_str().unwrap()),
        )
        .await;
        assert_eq!(statuses, vec![200, 409], "round {round}");

        // One pitch into two slots at once: exactly one wins.
        let s3 = app
            .slot(
                "jt",
                &main,
                &at(&format!("{hour}:20")),
                &at(&format!("{hour}:30")),
            )
            .await;
        let s4 = app
            .slot(
                "jt",
                &forum,
                &at(&format!("{hour}:40")),
                &at(&format!("{hour}:50")),
            )
            .await;
        let p3 = app
            .accepted_pitch(
                "jt",
                json!({"presenter_email": format!("solo{round}@x.example")}),
            )
            .await;
        let p3 = p3["id"].as_str().unwrap();
        let statuses = at_once(&app, (&s3, p3), (&s4, p3)).await;
        assert_eq!(statuses, vec![200, 409], "round {round}");
    }
    let programme = app
        .get_admin("/api/v1/events/jt/pitch-slots?limit=500")
        .await;
    let held: Vec<&Value> = programme.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| !s["pitch"].is_null())
        .collect();
    assert_eq!(held.len(), 10);
}

#[tokio::test]
async fn cancelling_the_event_keeps_the_programme_frees_booths_and_mails_each_person_once() {
    let (app, main, _) = programme_app().await;
    let slot = app.slot("jt", &main, &at("10:00"), &at("10:10")).await;
    let pitch = app.accepted_pitch("jt", json!({})).await;
    app.assign("jt", &slot, pitch["id"].as_str().unwrap())
        .await
        .assert_status(200);
    let exhibit = app
        .post(
            "/api/v1/events/jt/exhibits",
            &crate::helpers::exhibit_body(json!({})),
        )
        .await;
    exhibit.assert_status(201);
    app.patch_admin(
        &format!(
            "/api/v1/events/jt/exhibits/{}",
            exhibit.json["id"].as_str().unwrap()
        ),
        &json!({"status": "approved", "booth": "A1"}),
    )
    .await
    .assert_status(200);
    app.release("jt", "").await;
    // Proposal, acceptance, assignment (at the release); registration, approval.
    app.mails(5).await;
    app.post_admin("/api/v1/events/jt/cancel", &json!({}))
        .await
        .assert_status(200);
    app.mails(7).await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let presenter = app.mails_to("petra@faserwerk.example");
    let exhibitor = app.mails_to("erik@kreislauf.example");
    assert_eq!(presenter.len(), 4);
    assert_eq!(exhibitor.len(), 3);
    assert!(presenter[3].subject().starts_with("Cancelled:"));
    assert!(exhibitor[2].subject().starts_with("Cancelled:"));
    // The presenter's calendar entry is withdrawn with the pitch's UID.
    let ics = presenter[3]
        .ics()
        .expect("a CANCEL .ics for the scheduled presenter");
    assert!(ics.contains("METHOD:CANCEL") && ics.contains("STATUS:CANCELLED"));
    assert!(ics.contains(&format!(
        "UID:pitch-{}@podium",
        pitch["id"].as_str().unwrap()
    )));

    // The programme stays as the record of what was cancelled (feeds mark it cancelled).
    let slots = app.get("/api/v1/events/jt/pitch-slots").await;
    assert_eq!(slots.json["items"][0]["open"], false);
    let own = app
        .get(&format!(
            "/api/v1/exhibits/{}",
            exhibit.json["manage_token"].as_str().unwrap()
        ))
        .await;
    assert!(own.json["booth"].is_null());
    // The programme of a cancelled event does not change any more.
    app.create_slot("jt", &main, &at("12:00"), &at("12:10"))
        .await
        .assert_problem(409);
    app.assign("jt", &slot, pitch["id"].as_str().unwrap())
        .await
        .assert_problem(409);
}
