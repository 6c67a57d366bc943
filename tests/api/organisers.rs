use reqwest::Method;
use serde_json::json;

use std::time::{Duration, Instant};

use crate::helpers::{spawn_app, spawn_second_instance};

#[tokio::test]
async fn the_first_admin_sees_itself() {
    let app = spawn_app().await;
    let me = app.get_admin("/api/v1/organisers/me").await;
    me.assert_status(200);
    assert_eq!(me.json["role"], "admin");
    assert!(me.json.get("token_hash").is_none());
}

#[tokio::test]
async fn an_admin_creates_an_organiser_whose_token_works_once_shown() {
    let app = spawn_app().await;
    let created = app
        .post_admin(
            "/api/v1/organisers",
            &json!({"name": "Erika Muster", "email": "erika@cluster.example"}),
        )
        .await;
    created.assert_status(201);
    assert!(created.header("location").is_some());
    let token = created.json["token"].as_str().unwrap();
    assert!(token.len() >= 32, "at least 128 random bits");
    let me = app.get_as("/api/v1/organisers/me", token).await;
    me.assert_status(200);
    assert_eq!(me.json["email"], "erika@cluster.example");
    assert_eq!(me.json["role"], "organiser");
    let list = app.get_admin("/api/v1/organisers").await;
    assert!(!list.text.contains(token), "tokens are never listed");
}

#[tokio::test]
async fn tokens_are_stored_only_as_hashes() {
    let app = spawn_app().await;
    let token = app.organiser_token().await;
    use sea_orm::EntityTrait;
    let rows = entity::organiser::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert!(rows
        .iter()
        .all(|r| r.token_hash != token && r.token_hash.len() == 64));
}

#[tokio::test]
async fn a_non_admin_may_not_create_organisers() {
    let app = spawn_app().await;
    let token = app.organiser_token().await;
    let answer = app
        .request(
            Method::POST,
            "/api/v1/organisers",
            Some(&token),
            Some(&json!({"name": "X", "email": "x@example.org"})),
        )
        .await;
    answer.assert_problem(403);
}

#[tokio::test]
async fn missing_or_wrong_tokens_are_unauthorized() {
    let app = spawn_app().await;
    app.get("/api/v1/organisers/me").await.assert_problem(401);
    app.get_as("/api/v1/organisers/me", "not-a-token")
        .await
        .assert_problem(401);
    let answer = app
        .client
        .get(app.url("/api/v1/organisers/me"))
        .header("Authorization", "Basic abc")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 401);
}

#[tokio::test]
async fn a_revoked_token_stops_working() {
    let app = spawn_app().await;
    let token = app.organiser_token().await;
    let me = app.get_as("/api/v1/organisers/me", &token).await;
    let id = me.json["id"].as_str().unwrap();
    app.delete_admin(&format!("/api/v1/organisers/{id}"))
        .await
        .assert_status(200);
    app.get_as("/api/v1/organisers/me", &token)
        .await
        .assert_problem(401);
}

#[tokio::test]
async fn a_token_revoked_through_another_instance_stops_working_within_two_seconds() {
    let app = spawn_app().await;
    let second = spawn_second_instance(&app).await;
    let token = app.organiser_token().await;
    // Known to this instance now.
    let me = app.get_as("/api/v1/organisers/me", &token).await;
    me.assert_status(200);
    let id = me.json["id"].as_str().unwrap();
    let revoked = app
        .client
        .delete(format!("{second}/api/v1/organisers/{id}"))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    let since = Instant::now();
    loop {
        let answer = app.get_as("/api/v1/organisers/me", &token).await;
        if answer.status == 401 {
            break;
        }
        answer.assert_status(200);
        assert!(
            since.elapsed() < Duration::from_secs(2),
            "the revoked token still works here after two seconds"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn rotating_a_token_replaces_it() {
    let app = spawn_app().await;
    let old = app.organiser_token().await;
    let rotated = app
        .request(
            Method::POST,
            "/api/v1/organisers/me/rotate",
            Some(&old),
            None,
        )
        .await;
    rotated.assert_status(200);
    let new = rotated.json["token"].as_str().unwrap();
    app.get_as("/api/v1/organisers/me", &old)
        .await
        .assert_problem(401);
    app.get_as("/api/v1/organisers/me", new)
        .await
        .assert_status(200);
}

#[tokio::test]
async fn an_invalid_organiser_is_rejected_with_the_fields_named() {
    let app = spawn_app().await;
    let answer = app
        .post_admin("/api/v1/organisers", &json!({"name": "", "email": "nope"}))
        .await;
    answer.assert_problem(422);
    let fields = answer.error_fields();
    assert!(fields.contains(&"name".to_owned()) && fields.contains(&"email".to_owned()));
}

#[tokio::test]
async fn an_organiser_email_already_active_is_a_conflict_whatever_its_case() {
    let app = spawn_app().await;
    let body = json!({"name": "Erika Muster", "email": "erika@cluster.example"});
    app.post_admin("/api/v1/organisers", &body)
        .await
        .assert_status(201);
    let again = app
        .post_admin(
            "/api/v1/organisers",
            &json!({"name": "Erika", "email": "ERIKA@cluster.example"}),
        )
        .await;
    again.assert_problem(409);
    assert!(again.json["detail"]
        .as_str()
        .unwrap()
        .contains("ERIKA@cluster.example"));
}
