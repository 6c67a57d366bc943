//! The jury's pages (issue 29): a reviewer finds their pitches from the dashboard, scores them
//! on a form (a wrong score comes back at its field), sees no attendee; the organisers' table
//! shows the numbers, and accepting the chosen pitches previews the mails before it decides.
use serde_json::json;

use crate::helpers::{pitch_body, spawn_app};
use crate::orga_client::{form_token, get, post, sign_in};

#[tokio::test]
async fn a_reviewer_scores_on_the_page_and_the_organiser_accepts_from_the_table() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt", "capacity": 50}))
        .await;
    app.put_admin(
        "/api/v1/events/jt/review-criteria",
        &json!([
            {"key": "idea", "name_de": "Idee", "name_en": "Idea", "weight": 2, "max": 5},
            {"key": "fit", "name_de": "Passung", "name_en": "Fit", "weight": 1, "max": 5}
        ]),
    )
    .await
    .assert_status(200);
    let pitch = app
        .post(
            "/api/v1/events/jt/pitches",
            &pitch_body(json!({"title": "Flachs statt Glas"})),
        )
        .await;
    pitch.assert_status(201);
    let id = pitch.json["id"].as_str().unwrap().to_owned();
    let member = app
        .post_admin(
            "/api/v1/organisers",
            &json!({"name": "Rita Reviewer", "email": "rita@jury.example", "role": "reviewer",
                "events": ["jt"]}),
        )
        .await;
    member.assert_status(201);
    let reviewer = sign_in(&app, member.json["token"].as_str().unwrap()).await;

    // From the dashboard to the pitches, to the form.
    let dashboard = get(&app, "/orga/", &reviewer).await;
    assert!(
        dashboard
            .text
            .contains("href=\"/orga/events/jt/reviews?lang=en\""),
        "{}",
        dashboard.text
    );
    let list = get(&app, "/orga/events/jt/reviews", &reviewer).await;
    list.assert_status(200);
    assert!(list.text.contains("Flachs statt Glas"), "{}", list.text);
    let form = get(&app, &format!("/orga/events/jt/reviews/{id}"), &reviewer).await;
    form.assert_status(200);
    let token = form_token(&form);
    let path = format!("/orga/events/jt/reviews/{id}");
    let wrong = post(
        &app,
        &path,
        &reviewer,
        &[
            ("form_token", &token),
            ("score.idea", "9"),
            ("score.fit", "3"),
            ("comment", ""),
        ],
    )
    .await;
    wrong.assert_status(422);
    assert!(
        wrong.text.contains("aria-invalid=\"true\""),
        "{}",
        wrong.text
    );
    post(
        &app,
        &path,
        &reviewer,
        &[
            ("form_token", &token),
            ("score.idea", "4"),
            ("score.fit", "3"),
            ("comment", "Klar und machbar."),
        ],
    )
    .await
    .assert_status(303);
    let reviews = app
        .get_admin(&format!("/api/v1/events/jt/pitches/{id}/reviews"))
        .await;
    reviews.assert_status(200);
    let text = reviews.text.clone();
    assert!(text.contains("Klar und machbar."), "{text}");
    // No attendee data for a reviewer.
    get(&app, "/orga/events/jt/attendees", &reviewer)
        .await
        .assert_status(403);

    // The organisers' table, sorted by score; accepting previews the mails first.
    let admin = sign_in(&app, &app.admin_token).await;
    let table = get(&app, "/orga/events/jt/reviews?sort=score", &admin).await;
    table.assert_status(200);
    assert!(table.text.contains("Flachs statt Glas"));
    let pitches = app.get_admin("/api/v1/events/jt/pitches").await;
    let listed = &pitches.json["items"][0];
    assert_eq!(listed["review_count"], 1);
    // (2 × 4 + 1 × 3) / 3 points
    let score = listed["score"].as_f64().unwrap();
    assert!((score - 11.0 / 3.0).abs() < 1e-9, "{score}");
    let token = form_token(&table);
    let preview = post(
        &app,
        "/orga/events/jt/reviews/decide",
        &admin,
        &[
            ("form_token", &token),
            ("decision", "accepted"),
            ("pitch", &id),
        ],
    )
    .await;
    preview.assert_status(200);
    assert!(preview.text.contains("Flachs statt Glas"));
    assert_eq!(
        app.get_admin(&format!("/api/v1/events/jt/pitches/{id}"))
            .await
            .json["status"],
        "submitted",
        "a preview decides nothing"
    );
    post(
        &app,
        "/orga/events/jt/reviews/decide",
        &admin,
        &[
            ("form_token", &token),
            ("decision", "accepted"),
            ("pitch", &id),
            ("confirm", "yes"),
        ],
    )
    .await
    .assert_status(303);
    assert_eq!(
        app.get_admin(&format!("/api/v1/events/jt/pitches/{id}"))
            .await
            .json["status"],
        "accepted"
    );
}
