//! Webhooks (issue 31): endpoints made by organisers, deliveries written with the change they
//! report and sent by the worker to a real HTTP receiver in the test, signed as Standard
//! Webhooks says (checked here by an HMAC of our own and by the specification's Python
//! verifier), retried when the receiver fails, nothing sent for a change rolled back, and the
//! roles and events that may make them.
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use hmac::{KeyInit, Mac};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{spawn_app, spawn_app_with, Answer, TestApp};

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    headers: HashMap<String, String>,
    body: String,
}

/// A small HTTP/1.1 server on 127.0.0.1: answers 500 to the first `fail_first` requests and
/// 200 afterwards, and keeps every request.
#[derive(Clone)]
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    async fn start(fail_first: usize) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("receiver binds");
        let url = format!(
            "http://{}/hooks/podium",
            listener.local_addr().expect("addr")
        );
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let seen = Arc::new(AtomicUsize::new(0));
        let kept = got.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let kept = kept.clone();
                let seen = seen.clone();
                tokio::spawn(async move {
                    let Some(request) = read_request(&mut socket).await else {
                        return;
                    };
                    let n = seen.fetch_add(1, Ordering::SeqCst);
                    kept.lock().unwrap().push(request);
                    let status = if n < fail_first {
                        "500 Internal Server Error"
                    } else {
                        "200 OK"
                    };
                    let answer = format!(
                        "HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    );
                    let _ = socket.write_all(answer.as_bytes()).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        Self { url, got }
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits (up to 15 s) until `n` requests arrived; answers them.
    async fn wait_for(&self, n: usize) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "the receiver got {} of {n} requests: {got:?}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<Received> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
    let mut headers = HashMap::new();
    for line in head.lines().skip(1) {
        if let Some((name, value)) = line.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while buffer.len() < head_end + length {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&buffer[head_end..]).to_string();
    Some(Received { headers, body })
}

/// The Standard Webhooks signature, computed here from the secret as the specification says.
fn expected_signature(secret: &str, id: &str, timestamp: &str, body: &str) -> String {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").expect("whsec_ prefix"))
        .expect("base64 secret");
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).expect("key");
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    )
}

async fn hook(app: &TestApp, body: Value) -> Answer {
    app.post_admin("/api/v1/webhooks", &body).await
}

async fn deliveries(app: &TestApp, id: &str) -> Vec<Value> {
    let answer = app
        .get_admin(&format!("/api/v1/webhooks/{id}/deliveries"))
        .await;
    answer.assert_status(200);
    answer.json["items"].as_array().cloned().unwrap_or_default()
}

/// A published event with an endpoint for `events` at `receiver`: the endpoint's 201 body.
async fn hooked_event(app: &TestApp, slug: &str, receiver: &Receiver, events: Value) -> Value {
    app.published_event(json!({ "slug": slug })).await;
    let answer = hook(
        app,
        json!({"url": receiver.url, "events": events, "event": slug}),
    )
    .await;
    answer.assert_status(201);
    answer.json
}

#[tokio::test]
async fn a_registration_reaches_the_receiver_signed_with_the_secret_shown_once() {
    let app = spawn_app().await;
    let receiver = Receiver::start(0).await;
    let endpoint = hooked_event(&app, "hooked", &receiver, json!(["registration.created"])).await;
    let secret = endpoint["secret"].as_str().expect("secret");
    assert!(secret.starts_with("whsec_"));
    let key = base64::engine::general_purpose::STANDARD
        .decode(&secret["whsec_".len()..])
        .expect("base64");
    assert!(key.len() >= 24, "{} bytes", key.len());
    assert_eq!(endpoint["events"], json!(["registration.created"]));
    assert_eq!(endpoint["status"], "active");
    let endpoint_path = format!("/api/v1/webhooks/{}", endpoint["id"].as_str().expect("id"));
    assert_eq!(endpoint["self_url"], endpoint_path.as_str());
    let shown = app.get_admin(&endpoint_path).await;
    shown.assert_status(200);
    assert_eq!(shown.json["url"], receiver.url.as_str());
    assert!(shown.json.get("secret").is_none());

    let registered = app
        .register_person("hooked", "Hanna Hook", "hanna@example.org")
        .await;
    registered.assert_status(201);
    let got = receiver.wait_for(1).await;
    let delivery = &got[0];
    let id = &delivery.headers["webhook-id"];
    let timestamp = &delivery.headers["webhook-timestamp"];
    assert_eq!(
        delivery.headers["webhook-signature"],
        expected_signature(secret, id, timestamp, &delivery.body)
    );
    let sent_at: i64 = timestamp.parse().expect("seconds");
    assert!((chrono::Utc::now().timestamp() - sent_at).abs() < 60);
    assert_eq!(delivery.headers["content-type"], "application/json");

    let body: Value = serde_json::from_str(&delivery.body).expect("JSON body");
    assert_eq!(body["type"], "registration.created");
    assert!(body["timestamp"].is_string());
    let registration_id = registered.json["id"].as_str().expect("id");
    assert_eq!(body["data"]["registration_id"], registration_id);
    assert_eq!(body["data"]["event_slug"], "hooked");
    let url = body["data"]["url"].as_str().expect("url");
    assert!(
        url.starts_with(&app.address) && url.ends_with(registration_id),
        "{url}"
    );
    // A thin body: nothing personal.
    for personal in ["Hanna", "hanna@example.org", "manage_token"] {
        assert!(!delivery.body.contains(personal), "{}", delivery.body);
    }
    // The URL fetches the record with an organiser's token.
    app.get_admin(url.trim_start_matches(&app.address))
        .await
        .assert_status(200);

    // The list never shows the secret; the log shows the delivery.
    let listed = app.get_admin("/api/v1/webhooks").await;
    listed.assert_status(200);
    assert_eq!(listed.json["total"], 1);
    assert!(!listed.text.contains(secret) && !listed.text.contains("whsec_"));
    let endpoint_id = endpoint["id"].as_str().expect("id");
    let start = Instant::now();
    let log = loop {
        let log = deliveries(&app, endpoint_id).await;
        if log.first().is_some_and(|d| d["status"] == "delivered") || start.elapsed().as_secs() > 10
        {
            break log;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["id"], id.as_str());
    assert_eq!(log[0]["type"], "registration.created");
    assert_eq!(log[0]["status"], "delivered");
    assert_eq!(log[0]["last_status_code"], 200);
    assert_eq!(log[0]["attempts"], 1);
}

#[tokio::test]
async fn each_subscribed_change_is_delivered_once_with_its_type() {
    let app = spawn_app().await;
    let receiver = Receiver::start(0).await;
    hooked_event(
        &app,
        "many",
        &receiver,
        json!([
            "registration.confirmed",
            "registration.cancelled",
            "registration.checked_in",
            "pitch.submitted",
            "pitch.accepted",
            "event.cancelled"
        ]),
    )
    .await;
    let registered = app.register_person("many", "Kim", "kim@example.org").await;
    registered.assert_status(201);
    let id = registered.json["id"].as_str().expect("id");
    app.post_admin(
        &format!("/api/v1/events/many/registrations/{id}/check-in"),
        &json!({}),
    )
    .await
    .assert_status(200);
    let token = registered.json["manage_token"].as_str().expect("token");
    app.post(&format!("/api/v1/registrations/{token}/cancel"), &json!({}))
        .await
        .assert_status(200);
    app.accepted_pitch("many", json!({})).await;
    app.post_admin("/api/v1/events/many/cancel", &json!({}))
        .await
        .assert_status(200);
    let got = receiver.wait_for(6).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut types: Vec<String> = receiver
        .received()
        .iter()
        .map(|r| {
            let body: Value = serde_json::from_str(&r.body).expect("json");
            body["type"].as_str().expect("type").to_owned()
        })
        .collect();
    types.sort();
    assert_eq!(
        types,
        [
            "event.cancelled",
            "pitch.accepted",
            "pitch.submitted",
            "registration.cancelled",
            "registration.checked_in",
            "registration.confirmed",
        ],
        "{got:?}"
    );
}

#[tokio::test]
async fn a_change_rolled_back_sends_nothing_and_a_refused_registration_neither() {
    let app = spawn_app().await;
    let receiver = Receiver::start(0).await;
    let endpoint = hooked_event(
        &app,
        "rollback",
        &receiver,
        json!(["event.published", "registration.created"]),
    )
    .await;
    let event = app.get("/api/v1/events/rollback").await.json;
    let event_id: uuid::Uuid = event["id"].as_str().expect("id").parse().expect("uuid");

    // Queued in a transaction that is rolled back: never sent.
    let change = podium::webhooks::Change::new(
        podium::webhooks::EventType::EventPublished,
        event_id,
        "rollback",
        podium::webhooks::Subject::Event,
    );
    // As the services write: on SQLite `BEGIN IMMEDIATE`, so the worker's writes meanwhile
    // make it wait rather than fail.
    let txn = podium::db::begin_write(&app.db).await.expect("begin");
    let queued = podium::webhooks::enqueue(&txn, std::slice::from_ref(&change))
        .await
        .expect("queued");
    assert_eq!(queued, 1);
    txn.rollback().await.expect("rolled back");

    // A registration refused (the same address twice) sends nothing either.
    app.register_person("rollback", "Ria", "ria@example.org")
        .await
        .assert_status(201);
    app.register_person("rollback", "Ria", "RIA@example.org")
        .await
        .assert_problem(409);

    // The same change committed is sent.
    // As the services write: on SQLite `BEGIN IMMEDIATE`, so the worker's writes meanwhile
    // make it wait rather than fail.
    let txn = podium::db::begin_write(&app.db).await.expect("begin");
    podium::webhooks::enqueue(&txn, &[change])
        .await
        .expect("queued");
    txn.commit().await.expect("committed");
    receiver.wait_for(2).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got = receiver.received();
    assert_eq!(got.len(), 2, "{got:?}");
    let log = deliveries(&app, endpoint["id"].as_str().expect("id")).await;
    assert_eq!(log.len(), 2, "{log:?}");
}

#[tokio::test]
async fn a_failing_receiver_is_retried_until_one_attempt_succeeds() {
    let app = spawn_app_with(|s| s.webhook_retry_base_ms = 100).await;
    let receiver = Receiver::start(2).await;
    let endpoint = hooked_event(&app, "retry", &receiver, json!(["registration.created"])).await;
    app.register_person("retry", "Rolf", "rolf@example.org")
        .await
        .assert_status(201);
    let got = receiver.wait_for(3).await;
    // One delivery, three attempts, the same id each time, each signed anew.
    let ids: Vec<&String> = got.iter().map(|r| &r.headers["webhook-id"]).collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    let secret = endpoint["secret"].as_str().expect("secret");
    for r in &got {
        assert_eq!(
            r.headers["webhook-signature"],
            expected_signature(
                secret,
                &r.headers["webhook-id"],
                &r.headers["webhook-timestamp"],
                &r.body
            )
        );
        assert_eq!(r.body, got[0].body, "the same body on every attempt");
    }
    // Delivered once: nothing more comes.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.received().len(), 3);
    let log = deliveries(&app, endpoint["id"].as_str().expect("id")).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["status"], "delivered");
    assert_eq!(log[0]["attempts"], 3);
    assert_eq!(log[0]["last_status_code"], 200);
    let listed = app.get_admin("/api/v1/webhooks").await;
    assert_eq!(listed.json["items"][0]["consecutive_failures"], 0);
}

#[tokio::test]
async fn an_erased_registrations_pending_deliveries_are_dropped() {
    // The receiver fails for a long time: the delivery stays pending until the erasure.
    let app = spawn_app_with(|s| s.webhook_retry_base_ms = 60_000).await;
    let receiver = Receiver::start(usize::MAX).await;
    let endpoint = hooked_event(&app, "erase", &receiver, json!(["registration.created"])).await;
    let registered = app
        .register_person("erase", "Erika", "erika@example.org")
        .await;
    registered.assert_status(201);
    receiver.wait_for(1).await;
    let endpoint_id = endpoint["id"].as_str().expect("id");
    let log = deliveries(&app, endpoint_id).await;
    assert_eq!(log[0]["status"], "pending");
    let token = registered.json["manage_token"].as_str().expect("token");
    app.delete(&format!("/api/v1/registrations/{token}"))
        .await
        .assert_status(204);
    assert!(deliveries(&app, endpoint_id).await.is_empty());
}

#[tokio::test]
async fn bad_endpoints_are_refused_naming_the_field() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "bad"})).await;
    for (body, field) in [
        (
            json!({"url": "ftp://x.example/", "events": ["registration.created"]}),
            "url",
        ),
        (
            json!({"url": "not a url", "events": ["registration.created"]}),
            "url",
        ),
        (json!({"url": "https://h.example/", "events": []}), "events"),
        (
            json!({"url": "https://h.example/", "events": ["registration.deleted"]}),
            "events",
        ),
        (
            json!({"url": "https://h.example/", "events": ["pitch.accepted"], "event": "nothing-here"}),
            "event",
        ),
    ] {
        let answer = hook(&app, body.clone()).await;
        answer.assert_problem(422);
        assert_eq!(answer.error_fields(), [field], "{body}");
    }
}

#[tokio::test]
async fn loopback_and_private_targets_are_refused_unless_the_operator_allows_them() {
    let app = spawn_app_with(|s| s.webhook_allow_private = false).await;
    app.published_event(json!({"slug": "strict"})).await;
    for url in [
        "http://hooks.example.org/",
        "https://127.0.0.1/hook",
        "https://localhost:8443/hook",
        "https://10.1.2.3/",
        "https://192.168.0.10/",
        "https://172.20.0.1/",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/",
        "https://[fd00::1]/",
        "https://[fe80::1]/",
        "https://[::ffff:127.0.0.1]/",
    ] {
        let answer = hook(
            &app,
            json!({"url": url, "events": ["registration.created"], "event": "strict"}),
        )
        .await;
        answer.assert_problem(422);
        assert_eq!(answer.error_fields(), ["url"], "{url}");
    }
    hook(
        &app,
        json!({"url": "https://hooks.example.org/podium", "events": ["registration.created"]}),
    )
    .await
    .assert_status(201);
}

/// A member with `role` on `events`; its token.
async fn member(app: &TestApp, email: &str, role: &str, events: Value) -> String {
    let answer = app
        .post_admin(
            "/api/v1/organisers",
            &json!({"name": "Member", "email": email, "role": role, "events": events}),
        )
        .await;
    answer.assert_status(201);
    answer.json["token"].as_str().expect("token").to_owned()
}

async fn hook_as(app: &TestApp, token: &str, body: &Value) -> Answer {
    let response = app
        .client
        .post(app.url("/api/v1/webhooks"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("sent");
    Answer::read(response).await
}

#[tokio::test]
async fn door_and_reviewer_members_get_403() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "roles"})).await;
    let body = json!({"url": "https://hooks.example.org/", "events": ["registration.created"], "event": "roles"});
    for role in ["door", "reviewer"] {
        let token = member(&app, &format!("{role}@example.org"), role, json!(["roles"])).await;
        hook_as(&app, &token, &body).await.assert_problem(403);
        app.get_as("/api/v1/webhooks", &token)
            .await
            .assert_problem(403);
    }
}

#[tokio::test]
async fn an_organiser_limited_to_one_event_hooks_it_and_no_other() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "event-a"})).await;
    app.published_event(json!({"slug": "event-b"})).await;
    let token = member(&app, "a@example.org", "organiser", json!(["event-a"])).await;
    let body = |event: Option<&str>| {
        let mut body =
            json!({"url": "https://hooks.example.org/", "events": ["registration.created"]});
        if let Some(event) = event {
            body["event"] = json!(event);
        }
        body
    };
    hook_as(&app, &token, &body(Some("event-b")))
        .await
        .assert_problem(403);
    hook_as(&app, &token, &body(None)).await.assert_problem(403);
    let made = hook_as(&app, &token, &body(Some("event-a"))).await;
    made.assert_status(201);
    // Their own endpoint only; the admin sees every one and may remove it.
    let admins = hook(&app, body(None)).await;
    admins.assert_status(201);
    let theirs = app.get_as("/api/v1/webhooks", &token).await;
    assert_eq!(theirs.json["total"], 1);
    assert_eq!(theirs.json["items"][0]["id"], made.json["id"]);
    let other = admins.json["id"].as_str().expect("id");
    let response = app
        .client
        .delete(app.url(&format!("/api/v1/webhooks/{other}")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 404);
    assert_eq!(app.get_admin("/api/v1/webhooks").await.json["total"], 2);
    app.delete_admin(&format!("/api/v1/webhooks/{other}"))
        .await
        .assert_status(204);
    assert_eq!(app.get_admin("/api/v1/webhooks").await.json["total"], 1);
}

#[tokio::test]
#[ignore = "needs Python's standardwebhooks: run by .ci/run (cargo test --workspace -- --ignored)"]
async fn the_standard_webhooks_reference_verifier_accepts_the_signature() {
    let app = spawn_app().await;
    let receiver = Receiver::start(0).await;
    let endpoint = hooked_event(&app, "verified", &receiver, json!(["registration.created"])).await;
    app.register_person("verified", "Vera", "vera@example.org")
        .await
        .assert_status(201);
    let got = receiver.wait_for(1).await;
    let delivery = &got[0];
    let script = r#"
import json, sys
from standardwebhooks.webhooks import Webhook
given = json.load(sys.stdin)
payload = Webhook(given["secret"]).verify(given["body"], given["headers"])
print(json.dumps(payload))
"#;
    let input = json!({
        "secret": endpoint["secret"],
        "body": delivery.body,
        "headers": {
            "webhook-id": delivery.headers["webhook-id"],
            "webhook-timestamp": delivery.headers["webhook-timestamp"],
            "webhook-signature": delivery.headers["webhook-signature"],
        },
    });
    let run = |input: Value| {
        let mut child = std::process::Command::new("python3")
            .arg("-c")
            .arg(script)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("python3 must be installed to run the Standard Webhooks check");
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.to_string().as_bytes())
            .expect("written");
        child.wait_with_output().expect("finished")
    };
    let output = run(input.clone());
    assert!(
        output.status.success(),
        "standardwebhooks refused it (pip install -r tests/support/requirements.txt): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let verified: Value = serde_json::from_slice(&output.stdout).expect("payload");
    assert_eq!(verified["type"], "registration.created");
    // A body changed on the way fails the same verifier.
    let mut tampered = input;
    tampered["body"] = json!(delivery
        .body
        .replace("registration.created", "registration.cancelled"));
    assert!(!run(tampered).status.success());
}

#[tokio::test]
async fn an_endpoint_that_keeps_failing_is_paused_and_its_owner_mailed() {
    let app = spawn_app_with(|s| {
        s.webhook_retry_base_ms = 50;
        s.webhook_pause_after = 3;
        s.webhook_pause_hours = 0;
    })
    .await;
    let receiver = Receiver::start(usize::MAX).await;
    app.published_event(json!({"slug": "paused"})).await;
    let token = member(&app, "owner@example.org", "organiser", json!(["paused"])).await;
    let made = hook_as(
        &app,
        &token,
        &json!({"url": receiver.url, "events": ["registration.created"], "event": "paused"}),
    )
    .await;
    made.assert_status(201);
    let id = made.json["id"].as_str().expect("id");
    app.register_person("paused", "Paula", "paula@example.org")
        .await
        .assert_status(201);
    receiver.wait_for(3).await;
    let start = Instant::now();
    let listed = loop {
        let listed = app.get_as("/api/v1/webhooks", &token).await;
        if listed.json["items"][0]["status"] == "paused" || start.elapsed().as_secs() > 10 {
            break listed;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        listed.json["items"][0]["status"], "paused",
        "{}",
        listed.text
    );
    assert!(listed.json["items"][0]["paused_at"].is_string());
    let log = deliveries(&app, id).await;
    assert_eq!(log[0]["status"], "failed", "{log:?}");
    assert_eq!(log[0]["last_status_code"], 500);
    // Nothing more is sent to it, and its owner is told.
    let before = receiver.received().len();
    app.register_person("paused", "Piet", "piet@example.org")
        .await
        .assert_status(201);
    let start = Instant::now();
    while app.mails_to("owner@example.org").is_empty() && start.elapsed().as_secs() < 10 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mails = app.mails_to("owner@example.org");
    assert_eq!(mails.len(), 1);
    let raw = String::from_utf8_lossy(&mails[0].raw).to_string();
    assert!(raw.contains("webhook"), "{raw}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), before);
}

#[tokio::test]
async fn a_release_of_the_programme_is_delivered_once_and_a_draft_move_is_not() {
    let app = spawn_app().await;
    let receiver = Receiver::start(0).await;
    hooked_event(&app, "prog", &receiver, json!(["schedule.released"])).await;
    let stage = app.create_stage("prog", "Bühne").await;
    let pitch = app.accepted_pitch("prog", json!({})).await;
    let event = app.event_admin("prog").await;
    let starts = event["starts_at"].as_str().unwrap().to_owned();
    let start = chrono::DateTime::parse_from_rfc3339(&starts).unwrap();
    let end = start + chrono::Duration::minutes(30);
    let slot = app
        .slot("prog", &stage, &start.to_rfc3339(), &end.to_rfc3339())
        .await;
    app.assign("prog", &slot, pitch["id"].as_str().unwrap())
        .await
        .assert_status(200);
    // A draft change tells nobody; the release does, once.
    app.post_admin(
        "/api/v1/events/prog/schedule/releases",
        &json!({"note": "Das Programm"}),
    )
    .await
    .assert_status(201);
    let got = receiver.wait_for(1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 1, "{got:?}");
    let body: Value = serde_json::from_str(&receiver.received()[0].body).unwrap();
    assert_eq!(body["type"], "schedule.released");
    assert_eq!(body["data"]["event_slug"], "prog");
    assert!(
        body["data"]["url"].as_str().unwrap().ends_with("/schedule"),
        "{body}"
    );
}
