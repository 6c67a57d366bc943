//! `spawn_app()`: podium on a random port with a database of its own.
#![allow(dead_code)]

use std::path::PathBuf;

use podium::{config::Settings, db, services::read_cache::WriteEpoch, startup::Application};
use reqwest::{header, Method, Response, StatusCode};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::smtp_server::{ReceivedMail, TestSmtp};

pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub db: DatabaseConnection,
    pub admin_token: String,
    pub client: reqwest::Client,
    pub mail_dir: PathBuf,
    pub database_url: String,
    /// The real SMTP server this app sends to.
    pub smtp: TestSmtp,
    /// The app's count of its own writes: bump it after writing through `db` to make the write
    /// count as one made through this instance (visible at once, not after the read caches'
    /// second).
    pub write_epoch: WriteEpoch,
    /// Last, so it is dropped after the app's other fields: removes or drops the database.
    _database: TestDatabase,
}

/// A test leaves nothing behind: its mail directory is removed here, its database by
/// [`TestDatabase`]'s `Drop`.
impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.mail_dir);
    }
}

/// A database made for one test ([`fresh_database`]): its SQLite file (with its `-wal`, `-shm`
/// and `.secret`) is removed and its PostgreSQL database dropped (`WITH (FORCE)`: an app may still be
/// connected) when it goes out of scope, on a thread of its own, as a `Drop` cannot wait.
/// Without this a day of test runs filled the disk with thousands of databases.
pub struct TestDatabase {
    pub url: String,
}

impl std::ops::Deref for TestDatabase {
    type Target = str;

    fn deref(&self) -> &str {
        &self.url
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(path) = self
            .url
            .strip_prefix("sqlite://")
            .and_then(|rest| rest.split('?').next())
        {
            // The server secret podium writes beside a SQLite file it was given none for.
            for suffix in ["", "-wal", "-shm", ".secret"] {
                let _ = std::fs::remove_file(format!("{path}{suffix}"));
            }
            return;
        }
        let (Ok(base), Ok(url)) = (
            std::env::var("TEST_DATABASE_URL"),
            url::Url::parse(&self.url),
        ) else {
            return;
        };
        let name = url.path().trim_start_matches('/').to_owned();
        if !name.starts_with("podium_test_") {
            return;
        }
        let dropping = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                if let Ok(admin) = db::connect(&base, 1).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    admin.close().await.ok();
                }
            });
        });
        // Waited for, so a test binary that ends leaves no database half dropped.
        let _ = dropping.join();
    }
}

/// A fresh database: a new PostgreSQL database when `TEST_DATABASE_URL` is set, else a SQLite file.
pub async fn fresh_database() -> TestDatabase {
    let name = format!("podium_test_{}", Uuid::new_v4().simple());
    match std::env::var("TEST_DATABASE_URL") {
        Ok(base) if base.starts_with("postgres") => {
            let admin = db::connect(&base, 1)
                .await
                .expect("TEST_DATABASE_URL reachable");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            admin.close().await.ok();
            let mut url = url::Url::parse(&base).expect("TEST_DATABASE_URL is a URL");
            url.set_path(&name);
            TestDatabase {
                url: url.to_string(),
            }
        }
        _ => {
            let path = std::env::temp_dir().join(format!("{name}.db"));
            TestDatabase {
                url: format!("sqlite://{}?mode=rwc", path.display()),
            }
        }
    }
}

/// The server secret of every test app (as instances sharing one database share theirs).
pub const TEST_SECRET: &str = "podium-test-secret-0123456789abcdef0123456789";

pub fn is_postgres() -> bool {
    std::env::var("TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres"))
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts podium with settings adjusted by `adjust` (SMTP, rate limit, …).
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let database = fresh_database().await;
    let database_url = database.url.clone();
    let mut settings = Settings::for_database(&database_url);
    settings.bind = "127.0.0.1:0".parse().expect("address");
    settings.rate_limit = 0;
    settings.submission_limit = 0;
    settings.secret = Some(TEST_SECRET.into());
    settings.db_max_connections = 8;
    settings.mail_poll_ms = 50;
    // Webhook receivers in the tests listen on 127.0.0.1 over plain http.
    settings.webhook_allow_private = true;
    settings.webhook_poll_ms = 50;
    let smtp = TestSmtp::start();
    settings.smtp_url = Some(smtp.url().into());
    let mail_dir = std::env::temp_dir().join(format!("podium-mail-{}", Uuid::new_v4().simple()));
    settings.mail_dir = mail_dir.clone();
    adjust(&mut settings);
    let app = Application::build(settings).await.expect("podium starts");
    let port = app.port();
    let write_epoch = app.write_epoch();
    let admin_token = app
        .initial_admin_token
        .clone()
        .expect("a first admin on a fresh database");
    tokio::spawn(app.run_until_stopped());
    let db = db::connect(&database_url, 2)
        .await
        .expect("test connection");
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        db,
        admin_token,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        mail_dir,
        database_url,
        _database: database,
        smtp,
        write_epoch,
    }
}

/// An answer read whole: status, headers and body (JSON when it parses).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: header::HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Answer {
    pub async fn read(response: Response) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Self {
            status,
            headers,
            text,
            json,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts a problem+json answer with this status.
    pub fn assert_problem(&self, status: u16) -> &Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected answer: {}",
            self.text
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "problem+json expected: {}",
            self.text
        );
        assert_eq!(self.json["status"], status);
        assert!(self.json["type"].is_string() && self.json["title"].is_string());
        assert!(self.json["detail"].is_string());
        self
    }

    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected answer: {}",
            self.text
        );
        self
    }

    /// The fields named in a validation problem.
    pub fn error_fields(&self) -> Vec<String> {
        self.json["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .filter_map(|e| e["field"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl TestApp {
    /// Waits until the SMTP server has received `n` mails in all (at most 10 s) and returns them.
    pub async fn mails(&self, n: usize) -> Vec<ReceivedMail> {
        self.smtp
            .wait_for(n, std::time::Duration::from_secs(10))
            .await
    }

    /// The mails received so far that went to `address`.
    pub fn mails_to(&self, address: &str) -> Vec<ReceivedMail> {
        self.smtp
            .messages()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(address)))
            .collect()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Answer {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        Answer::read(request.send().await.expect("request sent")).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.request(Method::GET, path, None, None).await
    }

    pub async fn get_as(&self, path: &str, token: &str) -> Answer {
        self.request(Method::GET, path, Some(token), None).await
    }

    pub async fn get_admin(&self, path: &str) -> Answer {
        self.request(Method::GET, path, Some(&self.admin_token), None)
            .await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        self.request(Method::POST, path, None, Some(body)).await
    }

    pub async fn post_admin(&self, path: &str, body: &Value) -> Answer {
        self.request(Method::POST, path, Some(&self.admin_token), Some(body))
            .await
    }

    pub async fn patch_admin(&self, path: &str, body: &Value) -> Answer {
        self.request(Method::PATCH, path, Some(&self.admin_token), Some(body))
            .await
    }

    pub async fn put_admin(&self, path: &str, body: &Value) -> Answer {
        self.request(Method::PUT, path, Some(&self.admin_token), Some(body))
            .await
    }

    pub async fn delete_admin(&self, path: &str) -> Answer {
        self.request(Method::DELETE, path, Some(&self.admin_token), None)
            .await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.request(Method::DELETE, path, None, None).await
    }

    /// A draft event; `overrides` replace fields of a valid default.
    pub async fn create_event(&self, overrides: Value) -> Value {
        let mut body = json!({
            "title": "Jahrestagung 2027",
            "description": "Pitches, Ausstellung und Empfang.",
            "venue": "Volkshaus Jena",
            "address": "Carl-Zeiß-Platz 15, 07743 Jena",
            "timezone": "Europe/Berlin",
            "starts_at": "2027-06-24T09:00:00+02:00",
            "ends_at": "2027-06-24T18:00:00+02:00",
            "capacity": 150
        });
        if let (Some(body), Some(overrides)) = (body.as_object_mut(), overrides.as_object()) {
            for (k, v) in overrides {
                body.insert(k.clone(), v.clone());
            }
        }
        let answer = self.post_admin("/api/v1/events", &body).await;
        answer.assert_status(201);
        answer.json
    }

    /// A published event; `overrides` as for [`TestApp::create_event`].
    pub async fn published_event(&self, overrides: Value) -> Value {
        let event = self.create_event(overrides).await;
        let id = event["id"].as_str().expect("id");
        let answer = self
            .post_admin(&format!("/api/v1/events/{id}/publish"), &json!({}))
            .await;
        answer.assert_status(200);
        answer.json
    }

    /// A second organiser (not admin) and its token.
    pub async fn organiser_token(&self) -> String {
        let answer = self
            .post_admin(
                "/api/v1/organisers",
                &json!({"name": "Orga Nisator", "email": "orga@example.org"}),
            )
            .await;
        answer.assert_status(201);
        answer.json["token"].as_str().expect("token").to_owned()
    }
}

/// Another podium instance on `app`'s database, as a second replica behind a load balancer
/// would be (same public URL); its base URL.
pub async fn spawn_second_instance(app: &TestApp) -> String {
    let mut settings = Settings::for_database(&app.database_url);
    settings.public_url = Some(app.address.clone());
    settings.bind = "127.0.0.1:0".parse().expect("address");
    settings.rate_limit = 0;
    settings.submission_limit = 0;
    settings.secret = Some(TEST_SECRET.into());
    settings.db_max_connections = 4;
    settings.mail_poll_ms = 50;
    settings.smtp_url = Some(app.smtp.url().into());
    settings.mail_dir = app.mail_dir.clone();
    let second = Application::build(settings)
        .await
        .expect("a second podium starts");
    let port = second.port();
    tokio::spawn(second.run_until_stopped());
    format!("http://127.0.0.1:{port}")
}

/// A valid registration body for `name` and `email`.
pub fn registration_body(name: &str, email: &str) -> Value {
    json!({
        "name": name,
        "email": email,
        "organisation": "Fraunhofer IOF",
        "sector": "science",
        "language": "en",
        "consent": true
    })
}

impl TestApp {
    /// `POST /events/{event}/registrations` with `body`.
    pub async fn register(&self, event: &str, body: &Value) -> Answer {
        self.post(&format!("/api/v1/events/{event}/registrations"), body)
            .await
    }

    /// Registers `name <email>` with otherwise default fields.
    pub async fn register_person(&self, event: &str, name: &str, email: &str) -> Answer {
        self.register(event, &registration_body(name, email)).await
    }

    /// A public `POST` with extra headers (e.g. `Idempotency-Key`).
    pub async fn post_with_headers(
        &self,
        path: &str,
        body: &Value,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut request = self.client.post(self.url(path)).json(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Answer::read(request.send().await.expect("request sent")).await
    }

    /// The event as an organiser sees it (counters included).
    pub async fn event_admin(&self, event: &str) -> Value {
        let answer = self.get_admin(&format!("/api/v1/events/{event}")).await;
        answer.assert_status(200);
        answer.json
    }
}

/// Starts another podium on an existing database (a restart, or a second instance), sending
/// to `smtp_url`; returns its address.
pub async fn start_app_on(database_url: &str, smtp_url: &str) -> String {
    let mut settings = Settings::for_database(database_url);
    settings.bind = "127.0.0.1:0".parse().expect("address");
    settings.rate_limit = 0;
    settings.submission_limit = 0;
    settings.secret = Some(TEST_SECRET.into());
    settings.mail_poll_ms = 50;
    settings.smtp_url = Some(smtp_url.into());
    let app = Application::build(settings).await.expect("podium starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    address
}

// ---------------------------------------------------------------------------------------------
// Programme: stages, pitches, slots, exhibits
// ---------------------------------------------------------------------------------------------

/// A pitch proposal body; `overrides` replace fields of a valid default.
pub fn pitch_body(overrides: Value) -> Value {
    let mut body = json!({
        "title": "Leichtbau mit Naturfasern",
        "abstract": "Wie Flachs Glasfasern ersetzt.",
        "organisation": "Faserwerk GmbH",
        "presenter_name": "Petra Presenter",
        "presenter_email": "petra@faserwerk.example",
        "duration_minutes": 10
    });
    if let (Some(body), Some(overrides)) = (body.as_object_mut(), overrides.as_object()) {
        for (k, v) in overrides {
            body.insert(k.clone(), v.clone());
        }
    }
    body
}

/// An exhibit registration body; `overrides` replace fields of a valid default.
pub fn exhibit_body(overrides: Value) -> Value {
    let mut body = json!({
        "title": "Recycelte Verbundwerkstoffe",
        "description": "Ein Demonstrator zum Anfassen.",
        "organisation": "Kreislauf AG",
        "contact_name": "Erik Exhibitor",
        "contact_email": "erik@kreislauf.example",
        "space_sqm": 9.0,
        "needs_power": true
    });
    if let (Some(body), Some(overrides)) = (body.as_object_mut(), overrides.as_object()) {
        for (k, v) in overrides {
            body.insert(k.clone(), v.clone());
        }
    }
    body
}

/// The value of iCalendar property `name` (lines unfolded): the VEVENT's own if it has one
/// (not a VTIMEZONE's), else the calendar's, e.g. `ics_value(ics, "UID")`.
pub fn ics_value(ics: &str, name: &str) -> Option<String> {
    let unfolded = ics.replace("\r\n ", "").replace("\n ", "");
    let find = |text: &str| {
        text.lines().find_map(|line| {
            let line = line.trim_end_matches('\r');
            let (key, value) = line.split_once(':')?;
            let key = key.split(';').next()?;
            (key == name).then(|| value.to_owned())
        })
    };
    let event = unfolded
        .split_once("BEGIN:VEVENT")
        .map(|(_, rest)| rest.to_owned());
    event.as_deref().and_then(find).or_else(|| find(&unfolded))
}

impl TestApp {
    /// A stage of the event; returns its id.
    pub async fn create_stage(&self, event: &str, name: &str) -> String {
        let answer = self
            .post_admin(
                &format!("/api/v1/events/{event}/stages"),
                &json!({"name": name}),
            )
            .await;
        answer.assert_status(201);
        answer.json["id"].as_str().expect("stage id").to_owned()
    }

    /// A public proposal; returns the 201 body (with `manage_token`).
    pub async fn propose_pitch(&self, event: &str, overrides: Value) -> Value {
        let answer = self
            .post(
                &format!("/api/v1/events/{event}/pitches"),
                &pitch_body(overrides),
            )
            .await;
        answer.assert_status(201);
        answer.json
    }

    /// A proposal the organisers accepted; returns the proposal's 201 body.
    pub async fn accepted_pitch(&self, event: &str, overrides: Value) -> Value {
        let pitch = self.propose_pitch(event, overrides).await;
        let id = pitch["id"].as_str().expect("pitch id");
        self.patch_admin(
            &format!("/api/v1/events/{event}/pitches/{id}"),
            &json!({"status": "accepted"}),
        )
        .await
        .assert_status(200);
        pitch
    }

    /// `POST …/pitch-slots` as an organiser.
    pub async fn create_slot(&self, event: &str, stage: &str, starts: &str, ends: &str) -> Answer {
        self.post_admin(
            &format!("/api/v1/events/{event}/pitch-slots"),
            &json!({"stage_id": stage, "starts_at": starts, "ends_at": ends}),
        )
        .await
    }

    /// A slot that must be created; returns its id.
    pub async fn slot(&self, event: &str, stage: &str, starts: &str, ends: &str) -> String {
        let answer = self.create_slot(event, stage, starts, ends).await;
        answer.assert_status(201);
        answer.json["id"].as_str().expect("slot id").to_owned()
    }

    /// `POST …/schedule/releases` as an organiser: publishes the draft programme (the public
    /// schedule, pages and feeds show the last release); returns the release.
    pub async fn release(&self, event: &str, note: &str) -> Value {
        let answer = self
            .post_admin(
                &format!("/api/v1/events/{event}/schedule/releases"),
                &json!({"note": note}),
            )
            .await;
        answer.assert_status(201);
        answer.json
    }

    /// `PUT …/pitch-slots/{slot}/assignment` as an organiser.
    pub async fn assign(&self, event: &str, slot: &str, pitch: &str) -> Answer {
        self.put_admin(
            &format!("/api/v1/events/{event}/pitch-slots/{slot}/assignment"),
            &json!({"pitch_id": pitch}),
        )
        .await
    }
}
