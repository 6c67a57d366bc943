//! The server secret that manage links derive from, when `PODIUM_SECRET` is unset: podium still
//! starts on either database (API.md's `podium serve` needs only `DATABASE_URL`), and every
//! instance on the same database, and every restart, derives the same links.
//!
//! A test binary of its own: the secret is the process's (`domain::token::install`), and the
//! API tests all run with `helpers::TEST_SECRET`.
#[path = "api/helpers.rs"]
mod helpers;
#[path = "api/smtp_server.rs"]
mod smtp_server;

use helpers::{is_postgres, spawn_app_with};
use podium::{config::Settings, startup::Application};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;

#[tokio::test]
async fn without_a_configured_secret_a_second_instance_opens_the_links_of_the_first() {
    let app = spawn_app_with(|s| s.secret = None).await;
    app.published_event(json!({"slug": "fest"})).await;
    let first = app
        .register_person("fest", "Erika", "erika@example.org")
        .await;
    first.assert_status(201);
    let token = first.json["manage_token"]
        .as_str()
        .expect("a manage token")
        .to_owned();

    if is_postgres() {
        let rows = app
            .db
            .query_all_raw(Statement::from_string(
                app.db.get_database_backend(),
                "SELECT value FROM server_secrets",
            ))
            .await
            .expect("server_secrets readable");
        assert_eq!(rows.len(), 1, "one secret, shared by every instance");
    } else {
        let file = app
            .database_url
            .trim_start_matches("sqlite://")
            .split('?')
            .next()
            .expect("a file")
            .to_owned();
        assert!(std::path::Path::new(&format!("{file}.secret")).exists());
    }

    // Another instance (or a restart) on the same database, also without the setting.
    let mut settings = Settings::for_database(&app.database_url);
    settings.bind = "127.0.0.1:0".parse().expect("address");
    settings.rate_limit = 0;
    settings.secret = None;
    settings.smtp_url = Some(app.smtp.url().into());
    settings.mail_dir = app.mail_dir.clone();
    let second = Application::build(settings)
        .await
        .expect("a second podium starts without PODIUM_SECRET");
    let port = second.port();
    tokio::spawn(second.run_until_stopped());

    let own = app
        .client
        .get(format!(
            "http://127.0.0.1:{port}/api/v1/registrations/{token}"
        ))
        .send()
        .await
        .expect("second instance answers");
    assert_eq!(
        own.status(),
        200,
        "the first instance's link opens on the second"
    );
    let again = app.get(&format!("/api/v1/registrations/{token}")).await;
    again.assert_status(200);
}
