//! Exhibit registration, decisions, booths, capacity and withdrawal.
use serde_json::json;

use crate::helpers::{exhibit_body, spawn_app, TestApp};

async fn register(app: &TestApp, overrides: serde_json::Value) -> serde_json::Value {
    let answer = app
        .post("/api/v1/events/jt/exhibits", &exhibit_body(overrides))
        .await;
    answer.assert_status(201);
    answer.json
}

async fn decide(
    app: &TestApp,
    id: &serde_json::Value,
    body: serde_json::Value,
) -> crate::helpers::Answer {
    app.patch_admin(
        &format!("/api/v1/events/jt/exhibits/{}", id.as_str().unwrap()),
        &body,
    )
    .await
}

#[tokio::test]
async fn registering_an_exhibit_mails_the_contact_and_gives_a_token() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    let created = register(&app, json!({})).await;
    assert_eq!(created["status"], "submitted");
    assert_eq!(created["needs_power"], true);
    assert!(created["booth"].is_null());
    let token = created["manage_token"].as_str().unwrap();
    let mails = app.mails(1).await;
    assert_eq!(
        mails[0].subject(),
        "Exhibit registration received: Jahrestagung 2027"
    );
    assert!(mails[0].text().unwrap().contains(token));
    let own = app.get(&format!("/api/v1/exhibits/{token}")).await;
    own.assert_status(200);
    assert_eq!(own.json["contact_email"], "erik@kreislauf.example");
    app.get("/api/v1/exhibits/nope").await.assert_problem(404);

    for (overrides, field) in [
        (json!({"title": "x".repeat(201)}), "title"),
        (json!({"description": "x".repeat(5001)}), "description"),
        (json!({"contact_email": "erik"}), "contact_email"),
        (json!({"space_sqm": 0}), "space_sqm"),
        (json!({"space_sqm": 10001}), "space_sqm"),
    ] {
        let answer = app
            .post("/api/v1/events/jt/exhibits", &exhibit_body(overrides))
            .await;
        answer.assert_problem(422);
        assert_eq!(answer.error_fields(), vec![field.to_owned()]);
    }
    app.create_event(json!({"slug": "draft"})).await;
    app.post("/api/v1/events/draft/exhibits", &exhibit_body(json!({})))
        .await
        .assert_problem(404);
    app.post_admin("/api/v1/events/draft/exhibits", &exhibit_body(json!({})))
        .await
        .assert_status(201);
}

#[tokio::test]
async fn the_public_sees_approved_exhibits_without_contact_data() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    let a = register(&app, json!({"title": "Angenommen"})).await;
    let b = register(
        &app,
        json!({"title": "Offen", "contact_email": "b@x.example"}),
    )
    .await;
    decide(&app, &a["id"], json!({"status": "approved", "booth": "A1"}))
        .await
        .assert_status(200);
    let public = app.get("/api/v1/events/jt/exhibits").await;
    public.assert_status(200);
    assert_eq!(public.json["total"], 1);
    assert_eq!(public.json["items"][0]["title"], "Angenommen");
    assert_eq!(public.json["items"][0]["booth"], "A1");
    assert!(!public.text.contains('@'), "{}", public.text);
    assert!(!public.text.contains("Erik Exhibitor"));
    for token in [&a["manage_token"], &b["manage_token"]] {
        assert!(!public.text.contains(token.as_str().unwrap()));
    }
    assert_eq!(
        app.get("/api/v1/events/jt/exhibits?status=submitted")
            .await
            .json["total"],
        0
    );
    let organiser = app.get_admin("/api/v1/events/jt/exhibits").await;
    assert_eq!(organiser.json["total"], 2);
    assert!(organiser.text.contains("b@x.example"));
    let submitted = app
        .get_admin("/api/v1/events/jt/exhibits?status=submitted")
        .await;
    assert_eq!(submitted.json["total"], 1);
    assert_eq!(submitted.json["items"][0]["title"], "Offen");
}

#[tokio::test]
async fn a_booth_is_unique_per_event_and_only_for_approved_exhibits() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    let a = register(&app, json!({})).await;
    let b = register(&app, json!({})).await;
    decide(&app, &a["id"], json!({"status": "approved", "booth": "B7"}))
        .await
        .assert_status(200);
    decide(&app, &b["id"], json!({"booth": "B8"}))
        .await
        .assert_problem(409);
    decide(&app, &b["id"], json!({"status": "approved", "booth": "B7"}))
        .await
        .assert_problem(409);
    decide(&app, &b["id"], json!({"status": "approved", "booth": "B8"}))
        .await
        .assert_status(200);
    // Moving a to a free booth; b may then take B7.
    let moved = decide(&app, &a["id"], json!({"booth": "C1"})).await;
    moved.assert_status(200);
    assert_eq!(moved.json["booth"], "C1");
    decide(&app, &b["id"], json!({"booth": "B7"}))
        .await
        .assert_status(200);
    // Waitlisting frees the booth.
    let waitlisted = decide(&app, &a["id"], json!({"status": "waitlisted"})).await;
    assert!(waitlisted.json["booth"].is_null());
    for body in [
        json!({"status": "submitted"}),
        json!({"status": "withdrawn"}),
        json!({"booth": "x".repeat(51)}),
        json!({"booth": ""}),
    ] {
        decide(&app, &b["id"], body).await.assert_problem(422);
    }
    // Another event may use the same booth name.
    app.published_event(json!({"slug": "other"})).await;
    let c = app
        .post("/api/v1/events/other/exhibits", &exhibit_body(json!({})))
        .await;
    app.patch_admin(
        &format!(
            "/api/v1/events/other/exhibits/{}",
            c.json["id"].as_str().unwrap()
        ),
        &json!({"status": "approved", "booth": "B7"}),
    )
    .await
    .assert_status(200);
}

#[tokio::test]
async fn exhibit_capacity_counts_approved_exhibits_and_each_decision_is_mailed() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt", "exhibit_capacity": 2}))
        .await;
    let ids: Vec<serde_json::Value> = {
        let mut ids = Vec::new();
        for n in 0..3 {
            let e = register(&app, json!({"contact_email": format!("c{n}@x.example")})).await;
            ids.push(e["id"].clone());
        }
        ids
    };
    decide(&app, &ids[0], json!({"status": "approved"}))
        .await
        .assert_status(200);
    decide(&app, &ids[1], json!({"status": "approved"}))
        .await
        .assert_status(200);
    decide(&app, &ids[2], json!({"status": "approved"}))
        .await
        .assert_problem(409);
    decide(&app, &ids[2], json!({"status": "waitlisted"}))
        .await
        .assert_status(200);
    // Approving an approved exhibit again takes no second place.
    decide(&app, &ids[1], json!({"status": "approved"}))
        .await
        .assert_status(200);
    assert_eq!(
        app.get("/api/v1/events/jt").await.json["approved_exhibits"],
        2
    );
    decide(&app, &ids[1], json!({"status": "rejected"}))
        .await
        .assert_status(200);
    assert_eq!(
        app.get("/api/v1/events/jt").await.json["approved_exhibits"],
        1
    );
    decide(&app, &ids[2], json!({"status": "approved", "booth": "D4"}))
        .await
        .assert_status(200);
    assert_eq!(
        app.get("/api/v1/events/jt").await.json["approved_exhibits"],
        2
    );

    // 3 receipts + approved, approved, waitlisted, rejected, approved.
    app.mails(8).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.smtp.messages().len(), 8);
    let c2 = app.mails_to("c2@x.example");
    assert_eq!(c2[1].subject(), "Exhibit waiting list: Jahrestagung 2027");
    assert_eq!(c2[2].subject(), "Exhibit approved: Jahrestagung 2027");
    assert!(c2[2].text().unwrap().contains("D4"));
    assert!(app.mails_to("c1@x.example")[2]
        .subject()
        .starts_with("Your exhibit registration for"));
    let stats = app.get_admin("/api/v1/events/jt/stats").await;
    assert_eq!(stats.json["exhibits"]["approved"], 2);
    assert_eq!(stats.json["exhibits"]["rejected"], 1);
}

#[tokio::test]
async fn withdrawing_frees_the_booth_and_the_place() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt", "exhibit_capacity": 1}))
        .await;
    let a = register(&app, json!({})).await;
    let b = register(&app, json!({"contact_email": "b@x.example"})).await;
    decide(&app, &a["id"], json!({"status": "approved", "booth": "A1"}))
        .await
        .assert_status(200);
    let token = a["manage_token"].as_str().unwrap();
    let withdrawn = app
        .post(&format!("/api/v1/exhibits/{token}/withdraw"), &json!({}))
        .await;
    withdrawn.assert_status(200);
    assert_eq!(withdrawn.json["status"], "withdrawn");
    assert!(withdrawn.json["booth"].is_null());
    assert_eq!(
        app.get("/api/v1/events/jt").await.json["approved_exhibits"],
        0
    );
    decide(&app, &b["id"], json!({"status": "approved", "booth": "A1"}))
        .await
        .assert_status(200);
    decide(&app, &a["id"], json!({"status": "approved"}))
        .await
        .assert_problem(409);
    app.post(&format!("/api/v1/exhibits/{token}/withdraw"), &json!({}))
        .await
        .assert_status(200);
    // 2 receipts, approval, withdrawal, approval; no second withdrawal mail.
    app.mails(5).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.smtp.messages().len(), 5);
    assert_eq!(
        app.mails_to("erik@kreislauf.example")[2].subject(),
        "Exhibit withdrawn: Jahrestagung 2027"
    );
}

#[tokio::test]
async fn concurrent_approvals_never_exceed_the_exhibit_capacity() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt", "exhibit_capacity": 1}))
        .await;
    let a = register(&app, json!({})).await;
    let b = register(&app, json!({})).await;
    let (x, y) = tokio::join!(
        decide(&app, &a["id"], json!({"status": "approved"})),
        decide(&app, &b["id"], json!({"status": "approved"}))
    );
    let mut statuses = vec![x.status.as_u16(), y.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, vec![200, 409]);
    assert_eq!(
        app.get("/api/v1/events/jt").await.json["approved_exhibits"],
        1
    );

    // Two exhibits, one booth, at once.
    let c = register(&app, json!({})).await;
    app.patch_admin("/api/v1/events/jt", &json!({"exhibit_capacity": 5}))
        .await
        .assert_status(200);
    let winner = if x.status.as_u16() == 200 { &a } else { &b };
    let (x, y) = tokio::join!(
        decide(&app, &winner["id"], json!({"booth": "Z9"})),
        decide(&app, &c["id"], json!({"status": "approved", "booth": "Z9"}))
    );
    let mut statuses = vec![x.status.as_u16(), y.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, vec![200, 409]);
}
