//! Pitch proposals, review, self-service and withdrawal.
use serde_json::json;

use crate::helpers::{ics_value, pitch_body, spawn_app};

#[tokio::test]
async fn proposing_a_pitch_to_a_published_event_gives_a_token_and_mails_the_presenter() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    let answer = app
        .post(
            "/api/v1/events/jt/pitches",
            &pitch_body(json!({"language": "de"})),
        )
        .await;
    answer.assert_status(201);
    assert!(answer.header("location").is_some());
    assert_eq!(answer.json["status"], "submitted");
    assert_eq!(answer.json["language"], "de");
    assert_eq!(answer.json["abstract"], "Wie Flachs Glasfasern ersetzt.");
    let token = answer.json["manage_token"].as_str().unwrap().to_owned();
    assert!(token.len() >= 40);

    let mails = app.mails(1).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, vec!["petra@faserwerk.example".to_owned()]);
    assert_eq!(mails[0].subject(), "Pitch eingegangen: Jahrestagung 2027");
    assert!(mails[0].text().unwrap().contains(&token));

    let own = app.get(&format!("/api/v1/pitches/{token}")).await;
    own.assert_status(200);
    assert_eq!(own.json["id"], answer.json["id"]);
    assert!(own.json.get("manage_token").is_none());
    app.get("/api/v1/pitches/not-a-token")
        .await
        .assert_problem(404);
}

#[tokio::test]
async fn proposals_to_a_draft_are_for_organisers_only_and_a_cancelled_event_takes_none() {
    let app = spawn_app().await;
    app.create_event(json!({"slug": "draft"})).await;
    app.post("/api/v1/events/draft/pitches", &pitch_body(json!({})))
        .await
        .assert_problem(404);
    app.post_admin("/api/v1/events/draft/pitches", &pitch_body(json!({})))
        .await
        .assert_status(201);

    app.published_event(json!({"slug": "gone"})).await;
    app.post_admin("/api/v1/events/gone/cancel", &json!({}))
        .await
        .assert_status(200);
    app.post("/api/v1/events/gone/pitches", &pitch_body(json!({})))
        .await
        .assert_problem(409);
}

#[tokio::test]
async fn proposal_fields_are_bounded_and_checked() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    let path = "/api/v1/events/jt/pitches";
    for (overrides, field) in [
        (json!({"title": "x".repeat(201)}), "title"),
        (json!({"title": "  "}), "title"),
        (json!({"title": "a\nb"}), "title"),
        (json!({"abstract": "x".repeat(5001)}), "abstract"),
        (json!({"organisation": "x".repeat(201)}), "organisation"),
        (json!({"presenter_name": ""}), "presenter_name"),
        (
            json!({"presenter_email": "not-an-address"}),
            "presenter_email",
        ),
        (json!({"duration_minutes": 0}), "duration_minutes"),
        (json!({"duration_minutes": 241}), "duration_minutes"),
        (
            json!({"duration_minutes": 99999999999i64}),
            "duration_minutes",
        ),
    ] {
        let answer = app.post(path, &pitch_body(overrides.clone())).await;
        answer.assert_problem(422);
        assert_eq!(answer.error_fields(), vec![field.to_owned()], "{overrides}");
    }
    app.post(path, &pitch_body(json!({"language": "fr"})))
        .await
        .assert_problem(422);
    app.post(path, &pitch_body(json!({"duration_minutes": "ten"})))
        .await
        .assert_problem(422);
    for ok in [
        json!({"title": "x".repeat(200), "abstract": "y".repeat(5000), "duration_minutes": 240}),
        json!({"duration_minutes": 1}),
    ] {
        app.post(path, &pitch_body(ok)).await.assert_status(201);
    }
}

#[tokio::test]
async fn organisers_list_pitches_by_status_and_the_public_cannot() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    app.accepted_pitch("jt", json!({"title": "Eins"})).await;
    app.propose_pitch("jt", json!({"title": "Zwei"})).await;
    app.propose_pitch("jt", json!({"title": "Drei"})).await;
    app.get("/api/v1/events/jt/pitches")
        .await
        .assert_problem(401);
    let all = app.get_admin("/api/v1/events/jt/pitches?limit=2").await;
    all.assert_status(200);
    assert_eq!(all.json["total"], 3);
    assert_eq!(all.json["items"].as_array().unwrap().len(), 2);
    let cursor = all.json["next_cursor"].as_str().unwrap();
    let rest = app
        .get_admin(&format!(
            "/api/v1/events/jt/pitches?limit=2&cursor={cursor}"
        ))
        .await;
    assert_eq!(rest.json["items"][0]["title"], "Drei");
    assert!(rest.json["next_cursor"].is_null());
    let accepted = app
        .get_admin("/api/v1/events/jt/pitches?status=accepted")
        .await;
    assert_eq!(accepted.json["total"], 1);
    assert_eq!(accepted.json["items"][0]["title"], "Eins");
    app.get_admin("/api/v1/events/jt/pitches?status=maybe")
        .await
        .assert_problem(422);
}

#[tokio::test]
async fn accepting_and_rejecting_mail_the_presenter_and_edits_are_checked() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    let a = app
        .propose_pitch("jt", json!({"presenter_email": "a@x.example"}))
        .await;
    let b = app
        .propose_pitch("jt", json!({"presenter_email": "b@x.example"}))
        .await;
    let (a, b) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    let accepted = app
        .patch_admin(
            &format!("/api/v1/events/jt/pitches/{a}"),
            &json!({"status": "accepted", "title": "Neuer Titel", "duration_minutes": 15}),
        )
        .await;
    accepted.assert_status(200);
    assert_eq!(accepted.json["status"], "accepted");
    assert_eq!(accepted.json["title"], "Neuer Titel");
    assert_eq!(accepted.json["duration_minutes"], 15);
    app.patch_admin(
        &format!("/api/v1/events/jt/pitches/{b}"),
        &json!({"status": "rejected"}),
    )
    .await
    .assert_status(200);
    app.mails(4).await;
    assert_eq!(
        app.mails_to("a@x.example")[1].subject(),
        "Pitch accepted: Jahrestagung 2027"
    );
    assert!(app.mails_to("b@x.example")[1]
        .subject()
        .starts_with("Your pitch for"));

    // The same status again mails nobody.
    app.patch_admin(
        &format!("/api/v1/events/jt/pitches/{a}"),
        &json!({"status": "accepted"}),
    )
    .await
    .assert_status(200);
    for (body, status) in [
        (json!({"status": "withdrawn"}), 422),
        (json!({"status": "submitted"}), 422),
        (json!({"status": "nonsense"}), 422),
        (json!({"title": ""}), 422),
        (json!({"duration_minutes": 241}), 422),
        (json!({"manage_token": "mine"}), 422),
    ] {
        app.patch_admin(&format!("/api/v1/events/jt/pitches/{a}"), &body)
            .await
            .assert_problem(status);
    }
    app.patch_admin(
        &format!("/api/v1/events/jt/pitches/{}", uuid::Uuid::new_v4()),
        &json!({"status": "accepted"}),
    )
    .await
    .assert_problem(404);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.smtp.messages().len(), 4);
}

#[tokio::test]
async fn rejecting_an_assigned_pitch_frees_its_slot_and_cancels_the_calendar_entry() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    let stage = app.create_stage("jt", "Hauptbühne").await;
    let slot = app
        .slot(
            "jt",
            &stage,
            "2027-06-24T10:00:00+02:00",
            "2027-06-24T10:10:00+02:00",
        )
        .await;
    let pitch = app.accepted_pitch("jt", json!({})).await;
    let id = pitch["id"].as_str().unwrap();
    app.assign("jt", &slot, id).await.assert_status(200);
    app.release("jt", "").await;
    let rejected = app
        .patch_admin(
            &format!("/api/v1/events/jt/pitches/{id}"),
            &json!({"status": "rejected"}),
        )
        .await;
    rejected.assert_status(200);
    assert!(rejected.json["slot"].is_null());
    let mails = app.mails(4).await;
    let last = &mails[3];
    assert!(last.subject().starts_with("Your pitch for"));
    let ics = last
        .ics()
        .expect("the rejection cancels the calendar entry");
    assert_eq!(ics_value(&ics, "METHOD").as_deref(), Some("CANCEL"));
    assert_eq!(ics_value(&ics, "STATUS").as_deref(), Some("CANCELLED"));
    assert_eq!(ics_value(&ics, "UID"), Some(format!("pitch-{id}@podium")));
    let slots = app.get("/api/v1/events/jt/pitch-slots").await;
    assert_eq!(slots.json["items"][0]["open"], true);
}

#[tokio::test]
async fn the_presenter_withdraws_a_scheduled_pitch_which_frees_the_slot() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    let stage = app.create_stage("jt", "Forum").await;
    let slot = app
        .slot(
            "jt",
            &stage,
            "2027-06-24T11:00:00+02:00",
            "2027-06-24T11:15:00+02:00",
        )
        .await;
    let pitch = app.accepted_pitch("jt", json!({})).await;
    let (id, token) = (
        pitch["id"].as_str().unwrap(),
        pitch["manage_token"].as_str().unwrap(),
    );
    app.assign("jt", &slot, id).await.assert_status(200);
    app.release("jt", "").await;
    let own = app.get(&format!("/api/v1/pitches/{token}")).await;
    assert_eq!(own.json["slot"]["id"], slot.as_str());
    assert_eq!(own.json["slot"]["starts_at"], "2027-06-24T11:00:00+02:00");
    assert_eq!(own.json["slot"]["stage_name"], "Forum");

    let withdrawn = app
        .post(&format!("/api/v1/pitches/{token}/withdraw"), &json!({}))
        .await;
    withdrawn.assert_status(200);
    assert_eq!(withdrawn.json["status"], "withdrawn");
    assert!(withdrawn.json["slot"].is_null());
    let mails = app.mails(4).await;
    assert_eq!(mails[3].subject(), "Pitch withdrawn: Jahrestagung 2027");
    let ics = mails[3].ics().expect("a calendar cancellation");
    assert_eq!(ics_value(&ics, "METHOD").as_deref(), Some("CANCEL"));
    assert_eq!(ics_value(&ics, "SEQUENCE").as_deref(), Some("2"));
    let slots = app.get_admin("/api/v1/events/jt/pitch-slots").await;
    assert_eq!(slots.json["items"][0]["open"], true);

    // Again: the same answer, no second mail; the organisers cannot revive it.
    app.post(&format!("/api/v1/pitches/{token}/withdraw"), &json!({}))
        .await
        .assert_status(200);
    app.patch_admin(
        &format!("/api/v1/events/jt/pitches/{id}"),
        &json!({"status": "accepted"}),
    )
    .await
    .assert_problem(409);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.smtp.messages().len(), 4);
    app.post("/api/v1/pitches/unknown/withdraw", &json!({}))
        .await
        .assert_problem(404);
}

#[tokio::test]
async fn edits_of_an_assigned_pitch_keep_the_programme_rules() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    let stage = app.create_stage("jt", "Hauptbühne").await;
    let other_stage = app.create_stage("jt", "Forum").await;
    let slot = app
        .slot(
            "jt",
            &stage,
            "2027-06-24T10:00:00+02:00",
            "2027-06-24T10:10:00+02:00",
        )
        .await;
    let other = app
        .slot(
            "jt",
            &other_stage,
            "2027-06-24T10:05:00+02:00",
            "2027-06-24T10:20:00+02:00",
        )
        .await;
    let pitch = app.accepted_pitch("jt", json!({})).await;
    let id = pitch["id"].as_str().unwrap();
    app.assign("jt", &slot, id).await.assert_status(200);
    let busy = app
        .accepted_pitch("jt", json!({"presenter_email": "busy@x.example"}))
        .await;
    app.assign("jt", &other, busy["id"].as_str().unwrap())
        .await
        .assert_status(200);
    let path = format!("/api/v1/events/jt/pitches/{id}");
    app.patch_admin(&path, &json!({"duration_minutes": 10}))
        .await
        .assert_status(200);
    app.patch_admin(&path, &json!({"duration_minutes": 11}))
        .await
        .assert_problem(422);
    app.patch_admin(&path, &json!({"presenter_email": "BUSY@x.example"}))
        .await
        .assert_problem(409);
    app.patch_admin(&path, &json!({"presenter_email": "free@x.example"}))
        .await
        .assert_status(200);
}
