use reqwest::Method;
use serde_json::json;

use crate::helpers::{spawn_app, TestApp};

#[tokio::test]
async fn creating_an_event_gives_a_draft_with_a_derived_slug_and_local_times() {
    let app = spawn_app().await;
    let event = app
        .create_event(json!({"title": "Jahrestagung 2027: Größe zählt"}))
        .await;
    assert_eq!(event["status"], "draft");
    assert_eq!(event["slug"], "jahrestagung-2027-groesse-zaehlt");
    assert_eq!(event["starts_at"], "2027-06-24T09:00:00+02:00");
    assert_eq!(event["timezone"], "Europe/Berlin");
    assert_eq!(event["seats_left"], 150);
    assert_eq!(event["waitlist"], true);
    assert!(event["calendar_url"]
        .as_str()
        .unwrap()
        .ends_with("/calendar.ics"));
    assert!(event["webcal_url"]
        .as_str()
        .unwrap()
        .starts_with("webcal://"));
}

#[tokio::test]
async fn a_draft_is_hidden_from_the_public_until_published() {
    let app = spawn_app().await;
    let event = app.create_event(json!({"slug": "sommerfest"})).await;
    app.get("/api/v1/events/sommerfest")
        .await
        .assert_problem(404);
    assert_eq!(app.get("/api/v1/events").await.json["total"], 0);
    assert_eq!(app.get_admin("/api/v1/events").await.json["total"], 1);
    let published = app
        .post_admin("/api/v1/events/sommerfest/publish", &json!({}))
        .await;
    published.assert_status(200);
    assert_eq!(published.json["status"], "published");
    let by_id = app
        .get(&format!("/api/v1/events/{}", event["id"].as_str().unwrap()))
        .await;
    by_id.assert_status(200);
    assert!(by_id.header("etag").is_some());
    assert_eq!(app.get("/api/v1/events").await.json["total"], 1);
}

#[tokio::test]
async fn organisers_filter_the_list_by_status() {
    let app = spawn_app().await;
    app.create_event(json!({"slug": "a"})).await;
    app.published_event(json!({"slug": "b"})).await;
    let drafts = app.get_admin("/api/v1/events?status=draft").await;
    assert_eq!(drafts.json["total"], 1);
    assert_eq!(drafts.json["items"][0]["slug"], "a");
    let public_drafts = app.get("/api/v1/events?status=draft").await;
    assert_eq!(public_drafts.json["total"], 0);
}

#[tokio::test]
async fn the_event_list_pages_with_a_cursor() {
    let app = spawn_app().await;
    for day in 1..=5 {
        app.published_event(json!({
            "title": format!("Workshop {day}"),
            "starts_at": format!("2027-03-0{day}T10:00:00+01:00"),
            "ends_at": format!("2027-03-0{day}T12:00:00+01:00"),
        }))
        .await;
    }
    let first = app.get("/api/v1/events?limit=2").await;
    assert_eq!(first.json["total"], 5);
    assert_eq!(first.json["items"].as_array().unwrap().len(), 2);
    let mut seen: Vec<String> = first.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["title"].as_str().unwrap().to_owned())
        .collect();
    let mut cursor = first.json["next_cursor"].as_str().map(str::to_owned);
    while let Some(c) = cursor {
        let page = app.get(&format!("/api/v1/events?limit=2&cursor={c}")).await;
        page.assert_status(200);
        for e in page.json["items"].as_array().unwrap() {
            seen.push(e["title"].as_str().unwrap().to_owned());
        }
        cursor = page.json["next_cursor"].as_str().map(str::to_owned);
    }
    assert_eq!(
        seen,
        (1..=5).map(|d| format!("Workshop {d}")).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn invalid_events_name_every_bad_field() {
    let app = spawn_app().await;
    let answer = app
        .post_admin(
            "/api/v1/events",
            &json!({
                "title": "x".repeat(201),
                "slug": "Not A Slug",
                "timezone": "Europe/Atlantis",
                "starts_at": "2027-06-24T18:00:00+02:00",
                "ends_at": "2027-06-24T09:00:00+02:00",
                "capacity": -1,
                "venue": "two\nlines",
                "description": "d".repeat(10_001)
            }),
        )
        .await;
    answer.assert_problem(422);
    let fields = answer.error_fields();
    for field in [
        "title",
        "slug",
        "timezone",
        "ends_at",
        "capacity",
        "venue",
        "description",
    ] {
        assert!(
            fields.contains(&field.to_owned()),
            "{field} not reported: {fields:?}"
        );
    }
    let naive = app
        .post_admin(
            "/api/v1/events",
            &json!({"title": "t", "starts_at": "2027-06-24T09:00:00", "ends_at": "2027-06-24T10:00:00+02:00"}),
        )
        .await;
    naive.assert_problem(422);
    assert_eq!(naive.error_fields(), vec!["starts_at"]);
}

#[tokio::test]
async fn a_taken_slug_is_a_conflict() {
    let app = spawn_app().await;
    app.create_event(json!({"slug": "jt"})).await;
    app.post_admin(
        "/api/v1/events",
        &json!({"title": "t", "slug": "jt", "starts_at": "2027-06-24T09:00:00Z", "ends_at": "2027-06-24T10:00:00Z"}),
    )
    .await
    .assert_problem(409);
}

#[tokio::test]
async fn creating_events_needs_an_organiser_token() {
    let app = spawn_app().await;
    app.post("/api/v1/events", &json!({"title": "t"}))
        .await
        .assert_problem(401);
}

#[tokio::test]
async fn patch_updates_fields_and_honours_if_match() {
    let app = spawn_app().await;
    let event = app.create_event(json!({"slug": "jt"})).await;
    let read = app.get_admin("/api/v1/events/jt").await;
    let etag = read.header("etag").unwrap().to_owned();
    let updated = app
        .client
        .patch(app.url("/api/v1/events/jt"))
        .bearer_auth(&app.admin_token)
        .header("If-Match", &etag)
        .json(
            &json!({"title": "Neuer Titel", "registration_opens_at": "2027-01-01T00:00:00+01:00"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(updated.status(), 200);
    let new_etag = updated.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(new_etag, etag);
    let body: serde_json::Value = updated.json().await.unwrap();
    assert_eq!(body["title"], "Neuer Titel");
    assert_eq!(body["id"], event["id"]);
    assert_eq!(body["registration_opens_at"], "2027-01-01T00:00:00+01:00");

    let stale = app
        .client
        .patch(app.url("/api/v1/events/jt"))
        .bearer_auth(&app.admin_token)
        .header("If-Match", &etag)
        .json(&json!({"title": "Verloren"}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 412);
    assert_eq!(
        app.get_admin("/api/v1/events/jt").await.json["title"],
        "Neuer Titel"
    );

    let cleared = app
        .patch_admin("/api/v1/events/jt", &json!({"registration_opens_at": null}))
        .await;
    cleared.assert_status(200);
    assert!(cleared.json["registration_opens_at"].is_null());
}

#[tokio::test]
async fn patch_rejects_an_end_before_the_start_and_changes_nothing() {
    let app = spawn_app().await;
    app.create_event(json!({"slug": "jt"})).await;
    app.patch_admin(
        "/api/v1/events/jt",
        &json!({"ends_at": "2027-06-24T08:00:00+02:00", "title": "X"}),
    )
    .await
    .assert_problem(422);
    let event = app.get_admin("/api/v1/events/jt").await;
    assert_eq!(event.json["title"], "Jahrestagung 2027");
}

#[tokio::test]
async fn a_cancelled_event_stays_listed_and_cannot_be_published_again() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    let cancelled = app.post_admin("/api/v1/events/jt/cancel", &json!({})).await;
    cancelled.assert_status(200);
    assert_eq!(cancelled.json["status"], "cancelled");
    let listed = app.get("/api/v1/events").await;
    assert_eq!(listed.json["items"][0]["status"], "cancelled");
    app.post_admin("/api/v1/events/jt/publish", &json!({}))
        .await
        .assert_problem(409);
}

#[tokio::test]
async fn stages_are_created_listed_renamed_and_removed() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    let main = app
        .post_admin("/api/v1/events/jt/stages", &json!({"name": "Hauptbühne"}))
        .await;
    main.assert_status(201);
    assert!(main.header("location").is_some());
    app.post_admin("/api/v1/events/jt/stages", &json!({"name": "Forum"}))
        .await
        .assert_status(201);
    app.post_admin("/api/v1/events/jt/stages", &json!({"name": "Forum"}))
        .await
        .assert_problem(409);
    let list = app.get("/api/v1/events/jt/stages").await;
    let names: Vec<&str> = list
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Hauptbühne", "Forum"]);
    let id = main.json["id"].as_str().unwrap();
    let renamed = app
        .patch_admin(
            &format!("/api/v1/events/jt/stages/{id}"),
            &json!({"name": "Große Bühne"}),
        )
        .await;
    renamed.assert_status(200);
    assert_eq!(renamed.json["name"], "Große Bühne");
    app.delete_admin(&format!("/api/v1/events/jt/stages/{id}"))
        .await
        .assert_status(204);
    assert_eq!(
        app.get("/api/v1/events/jt/stages")
            .await
            .json
            .as_array()
            .unwrap()
            .len(),
        1
    );
    app.delete_admin(&format!("/api/v1/events/jt/stages/{id}"))
        .await
        .assert_problem(404);
}

#[tokio::test]
async fn cloning_makes_the_next_edition_with_stages_and_a_series() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt-2027", "title": "Jahrestagung 2027"}))
        .await;
    app.post_admin(
        "/api/v1/events/jt-2027/stages",
        &json!({"name": "Hauptbühne"}),
    )
    .await
    .assert_status(201);
    let next = app
        .post_admin(
            "/api/v1/events/jt-2027/clone",
            &json!({"starts_at": "2028-06-22T09:00:00+02:00", "slug": "jt-2028"}),
        )
        .await;
    next.assert_status(201);
    assert_eq!(next.json["status"], "draft");
    assert_eq!(next.json["title"], "Jahrestagung 2028");
    assert_eq!(next.json["ends_at"], "2028-06-22T18:00:00+02:00");
    assert_eq!(next.json["confirmed_count"], 0);
    let stages = app.get_admin("/api/v1/events/jt-2028/stages").await;
    assert_eq!(stages.json[0]["name"], "Hauptbühne");
    let series = next.json["series"].as_str().unwrap().to_owned();
    let editions = app.get_admin(&format!("/api/v1/series/{series}")).await;
    editions.assert_status(200);
    let slugs: Vec<&str> = editions.json["editions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["jt-2027", "jt-2028"]);
    app.get("/api/v1/series/none-such")
        .await
        .assert_problem(404);
}

/// The slots of `event` (organiser view): their local start and end times, in order.
async fn slot_times(app: &TestApp, event: &str) -> Vec<(String, String)> {
    let slots = app
        .get_admin(&format!("/api/v1/events/{event}/pitch-slots"))
        .await;
    slots.assert_status(200);
    let mut times: Vec<(String, String)> = slots.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["starts_at"].as_str().unwrap().to_owned(),
                s["ends_at"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    times.sort();
    times
}

/// Issue 30 item 5: a two-day event over the October switch (Berlin's clocks go back on
/// Sunday 31 October 2027) cloned to a weekend without a switch: day 2's 10:00 stays 10:00
/// (one UTC duration made it 11:00), and the registration questions come along.
#[tokio::test]
async fn a_clone_over_the_october_switch_keeps_day_two_at_its_local_time_and_the_questions() {
    let app = spawn_app().await;
    app.published_event(json!({
        "slug": "herbst-2027", "title": "Herbsttagung 2027",
        "starts_at": "2027-10-30T09:00:00+02:00", "ends_at": "2027-10-31T18:00:00+01:00",
        "registration_closes_at": "2027-10-23T12:00:00+02:00"}))
        .await;
    let stage = app.create_stage("herbst-2027", "Hauptbühne").await;
    app.slot(
        "herbst-2027",
        &stage,
        "2027-10-30T10:00:00+02:00",
        "2027-10-30T10:10:00+02:00",
    )
    .await;
    app.slot(
        "herbst-2027",
        &stage,
        "2027-10-31T10:00:00+01:00",
        "2027-10-31T10:10:00+01:00",
    )
    .await;
    let mut question_ids = Vec::new();
    for body in [
        json!({"kind": "one_choice", "required": true, "label_de": "Mittagessen",
            "label_en": "Lunch", "choices": [
                {"key": "veggie", "de": "Vegetarisch", "en": "Vegetarian"},
                {"key": "meat", "de": "Mit Fleisch", "en": "With meat"}]}),
        json!({"kind": "yes_no", "label_de": "Abendveranstaltung", "label_en": "Evening event"}),
    ] {
        let answer = app
            .post_admin("/api/v1/events/herbst-2027/questions", &body)
            .await;
        answer.assert_status(201);
        question_ids.push(answer.json["id"].as_str().unwrap().to_owned());
    }
    let mut body = crate::helpers::registration_body("Erika Muster", "erika@example.org");
    body["answers"] = json!({ question_ids[0].as_str(): "veggie", question_ids[1].as_str(): true });
    app.register("herbst-2027", &body).await.assert_status(201);

    let next = app
        .post_admin(
            "/api/v1/events/herbst-2027/clone",
            &json!({"starts_at": "2028-10-14T09:00:00+02:00", "slug": "herbst-2028"}),
        )
        .await;
    next.assert_status(201);
    assert_eq!(next.json["title"], "Herbsttagung 2028");
    assert_eq!(next.json["starts_at"], "2028-10-14T09:00:00+02:00");
    assert_eq!(next.json["ends_at"], "2028-10-15T18:00:00+02:00");
    assert_eq!(
        next.json["registration_closes_at"],
        "2028-10-07T12:00:00+02:00"
    );
    assert_eq!(
        slot_times(&app, "herbst-2028").await,
        [
            (
                "2028-10-14T10:00:00+02:00".to_owned(),
                "2028-10-14T10:10:00+02:00".to_owned()
            ),
            (
                "2028-10-15T10:00:00+02:00".to_owned(),
                "2028-10-15T10:10:00+02:00".to_owned()
            ),
        ]
    );

    // The questions, with their choices, under new ids; nobody has answered them.
    let old = app.get("/api/v1/events/herbst-2027/questions").await.json;
    let new = app.get_admin("/api/v1/events/herbst-2028/questions").await;
    new.assert_status(200);
    let new = new.json.as_array().unwrap().clone();
    assert_eq!(new.len(), 2);
    for (old, new) in old.as_array().unwrap().iter().zip(&new) {
        assert_ne!(old["id"], new["id"]);
        for field in [
            "kind", "required", "label_de", "label_en", "choices", "position",
        ] {
            assert_eq!(old[field], new[field], "{field}");
        }
    }
    assert_eq!(new[0]["choices"][1]["key"], "meat");
    let registrations = app
        .get_admin("/api/v1/events/herbst-2028/registrations")
        .await;
    registrations.assert_status(200);
    assert_eq!(registrations.json["total"], 0);
}

/// Issue 30 item 5: a June event whose registration opens in winter, cloned to December:
/// the registration opens at 10:00 local time in July (one UTC duration made it 12:00).
#[tokio::test]
async fn a_june_event_cloned_to_december_opens_registration_at_the_same_local_time() {
    let app = spawn_app().await;
    app.published_event(json!({
        "slug": "sommer-2027", "title": "Sommerfest",
        "starts_at": "2027-06-24T09:00:00+02:00", "ends_at": "2027-06-24T18:00:00+02:00",
        "registration_opens_at": "2027-02-01T10:00:00+01:00"}))
        .await;
    let stage = app.create_stage("sommer-2027", "Garten").await;
    app.slot(
        "sommer-2027",
        &stage,
        "2027-06-24T17:00:00+02:00",
        "2027-06-24T17:30:00+02:00",
    )
    .await;
    let next = app
        .post_admin(
            "/api/v1/events/sommer-2027/clone",
            &json!({"starts_at": "2027-12-09T09:00:00+01:00", "slug": "winter-2027"}),
        )
        .await;
    next.assert_status(201);
    assert_eq!(
        next.json["registration_opens_at"],
        "2027-07-19T10:00:00+02:00"
    );
    assert_eq!(next.json["ends_at"], "2027-12-09T18:00:00+01:00");
    assert_eq!(
        slot_times(&app, "winter-2027").await,
        [(
            "2027-12-09T17:00:00+01:00".to_owned(),
            "2027-12-09T17:30:00+01:00".to_owned()
        )]
    );
}

#[tokio::test]
async fn stats_start_at_zero() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    let stats = app.get_admin("/api/v1/events/jt/stats").await;
    stats.assert_status(200);
    assert_eq!(stats.json["registrations"]["confirmed"], 0);
    assert_eq!(stats.json["by_sector"]["science"], 0);
    assert_eq!(stats.json["checked_in"], 0);
    app.get("/api/v1/events/jt/stats").await.assert_problem(401);
}

#[tokio::test]
async fn capacity_cannot_go_below_zero_or_past_the_limit() {
    let app = spawn_app().await;
    app.create_event(json!({"slug": "jt"})).await;
    app.patch_admin("/api/v1/events/jt", &json!({"capacity": -5}))
        .await
        .assert_problem(422);
    app.request(
        Method::PATCH,
        "/api/v1/events/jt",
        None,
        Some(&json!({"capacity": 5})),
    )
    .await
    .assert_problem(401);
}

#[tokio::test]
async fn a_misspelt_field_in_a_patch_is_refused_not_ignored() {
    let app = spawn_app().await;
    app.create_event(json!({"slug": "jt"})).await;
    let answer = app
        .patch_admin("/api/v1/events/jt", &json!({"titel": "Tippfehler"}))
        .await;
    answer.assert_problem(422);
    assert_eq!(answer.error_fields(), vec!["titel"]);
}

/// A cancelled event is public (its page says so), so cancelling a draft would publish what
/// was never announced: refused with a 409, and the draft stays hidden.
#[tokio::test]
async fn a_draft_cannot_be_cancelled_and_stays_hidden() {
    let app = spawn_app().await;
    app.create_event(json!({"slug": "entwurf"})).await;
    app.post_admin("/api/v1/events/entwurf/cancel", &json!({}))
        .await
        .assert_problem(409);
    app.get("/api/v1/events/entwurf").await.assert_status(404);
    let listed = app.get("/api/v1/events").await;
    assert!(!listed.text.contains("entwurf"), "{}", listed.text);
    assert_eq!(
        app.get_admin("/api/v1/events/entwurf").await.json["status"],
        "draft"
    );
}
