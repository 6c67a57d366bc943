//! Faults under failure and bad input (issue #13): input that once panicked or answered 500,
//! slow bodies, concurrent organisers on SQLite, database connections dropped under load, the
//! statuses the spec lists, and a shutdown while the mail server is silent.
use std::time::{Duration, Instant};

use reqwest::Method;
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{is_postgres, registration_body, spawn_app, Answer, TestApp};

const T: &str = "2027-06-24T";

fn at(hm: &str) -> String {
    format!("{T}{hm}:00+02:00")
}

#[tokio::test]
async fn a_cursor_with_an_offset_of_two_to_the_63_is_a_422_not_a_dropped_request() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    // "o:9223372036854775808" (2^63), from issue #13; and u64::MAX.
    for cursor in [
        "bzo5MjIzMzcyMDM2ODU0Nzc1ODA4",
        "bzoxODQ0Njc0NDA3MzcwOTU1MTYxNQ",
    ] {
        for path in [
            "/api/v1/events",
            "/api/v1/events/jt/pitches",
            "/api/v1/events/jt/exhibits",
            "/api/v1/events/jt/pitch-slots",
        ] {
            let answer = app.get_admin(&format!("{path}?cursor={cursor}")).await;
            answer.assert_problem(422);
            assert_eq!(answer.error_fields(), ["cursor"], "{path}");
        }
    }
    // The service is still there.
    app.get("/api/v1/events").await.assert_status(200);
}

#[tokio::test]
async fn a_nul_character_in_a_path_query_or_body_is_refused_with_a_4xx() {
    let app = spawn_app().await;
    let event = app.published_event(json!({"slug": "jt"})).await;
    let id = event["id"].as_str().unwrap();
    let admin = Some(app.admin_token.as_str());
    let nul_name = "n|00000000-0000-0000-0000-000000000000|a\u{0}b";
    let nul_cursor = podium::routes::pagination::encode_cursor(nul_name);
    let requests: Vec<(Method, String, Option<&str>, Option<Value>)> = vec![
        (Method::GET, "/api/v1/events/%00".into(), None, None),
        (Method::GET, "/api/v1/events/jt%00".into(), admin, None),
        (
            Method::HEAD,
            "/api/v1/events/%00/calendar.ics".into(),
            None,
            None,
        ),
        (Method::GET, "/api/v1/registrations/%00".into(), None, None),
        (Method::GET, "/api/v1/pitches/a%00b".into(), None, None),
        (Method::GET, "/api/v1/series/%00".into(), None, None),
        (Method::GET, "/api/v1/events?status=%00".into(), admin, None),
        (
            Method::GET,
            "/api/v1/events/jt/registrations?q=a%00b".into(),
            admin,
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/events/jt/registrations?sort=name&cursor={nul_cursor}"),
            admin,
            None,
        ),
        (
            Method::POST,
            "/api/v1/events/jt/registrations".into(),
            None,
            Some(registration_body("Ada\u{0}Lovelace", "ada@example.org")),
        ),
        (
            Method::POST,
            "/api/v1/events/jt/pitches".into(),
            None,
            Some(crate::helpers::pitch_body(json!({"title": "Flachs\u{0}"}))),
        ),
        (
            Method::PATCH,
            format!("/api/v1/events/{id}"),
            admin,
            Some(json!({"title": "Tagung\u{0}"})),
        ),
        (
            Method::POST,
            "/api/v1/events".into(),
            admin,
            Some(
                json!({"title": "T", "slug": "a\u{0}b", "venue": "V", "address": "A",
                "timezone": "Europe/Berlin", "starts_at": at("09:00"), "ends_at": at("18:00"),
                "capacity": 1}),
            ),
        ),
    ];
    for (method, path, token, body) in requests {
        let answer = app
            .request(method.clone(), &path, token, body.as_ref())
            .await;
        let status = answer.status.as_u16();
        assert!(
            (400..500).contains(&status),
            "{method} {path} answered {status}: {}",
            answer.text
        );
        if method != Method::HEAD {
            answer.assert_problem(status);
        }
    }
}

#[tokio::test]
async fn a_400_character_token_with_an_idempotency_key_is_a_404() {
    let app = spawn_app().await;
    let token = "a".repeat(400);
    for path in [
        format!("/api/v1/pitches/{token}/withdraw"),
        format!("/api/v1/exhibits/{token}/withdraw"),
        format!("/api/v1/registrations/{token}/cancel"),
        format!("/api/v1/registrations/{token}/confirm"),
    ] {
        app.post_with_headers(&path, &json!({}), &[("Idempotency-Key", "k-400")])
            .await
            .assert_problem(404);
    }
}

#[tokio::test]
async fn a_pitch_with_the_longest_title_in_an_event_with_the_longest_title_can_be_scheduled() {
    let app = spawn_app().await;
    let event_title = format!("Jahrestagung {}", "Ö".repeat(187));
    let pitch_title = format!("Leichtbau {}", "ß".repeat(190));
    assert_eq!(event_title.chars().count(), 200);
    assert_eq!(pitch_title.chars().count(), 200);
    app.published_event(json!({"slug": "jt", "title": event_title}))
        .await;
    let stage = app.create_stage("jt", "Hauptbühne").await;
    let pitch = app
        .accepted_pitch("jt", json!({"title": pitch_title}))
        .await;
    let slot = app.slot("jt", &stage, &at("10:00"), &at("10:15")).await;
    app.assign("jt", &slot, pitch["id"].as_str().unwrap())
        .await
        .assert_status(200);
    app.release("jt", "").await;
    // Proposal, acceptance and the slot mail, whose subject names both titles in full.
    app.mails(3).await;
    let mails = app.mails_to("petra@faserwerk.example");
    let slot_mail = mails
        .iter()
        .find(|m| m.subject().starts_with("Your slot at"))
        .expect("the slot mail");
    assert!(
        slot_mail.subject().contains(&event_title),
        "{}",
        slot_mail.subject()
    );
}

/// Sends `head` (a request line and headers announcing a 1000-byte body), then the body one
/// byte a second; the answer podium gives and when it came.
async fn dribble(port: u16, head: &str) -> (String, Duration) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(b"{").await.unwrap();
    let started = Instant::now();
    let (mut reader, mut writer) = stream.into_split();
    let trickle = tokio::spawn(async move {
        for _ in 0..60 {
            tokio::time::sleep(Duration::from_millis(1000)).await;
            if writer.write_all(b" ").await.is_err() {
                break;
            }
        }
    });
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(30), async {
        let mut buf = [0u8; 4096];
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
            if answer.windows(4).any(|w| w == b"\r\n\r\n") && answer.ends_with(b"}") {
                break;
            }
        }
    })
    .await;
    trickle.abort();
    (
        String::from_utf8_lossy(&answer).into_owned(),
        started.elapsed(),
    )
}

#[tokio::test]
async fn a_request_body_that_dribbles_in_is_cut_off_with_408() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    let json_body = "POST /api/v1/events/jt/registrations HTTP/1.1\r\nHost: podium\r\n\
        Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n";
    // A body read before the handler: the Idempotency-Key of a public POST.
    let with_key = "POST /api/v1/events/jt/pitches HTTP/1.1\r\nHost: podium\r\n\
        Content-Type: application/json\r\nIdempotency-Key: k1\r\nContent-Length: 1000\r\n\r\n";
    let (first, second) = tokio::join!(dribble(app.port, json_body), dribble(app.port, with_key));
    for (answer, elapsed) in [first, second] {
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(answer.contains("application/problem+json"), "{answer}");
        assert!(
            elapsed >= Duration::from_secs(9) && elapsed < Duration::from_secs(20),
            "{elapsed:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_organisers_cloning_creating_patching_and_registering_get_no_503() {
    let app = spawn_app().await;
    let base = app
        .published_event(json!({"slug": "base", "capacity": 10_000}))
        .await;
    let base_id = base["id"].as_str().unwrap().to_owned();
    app.create_stage("base", "Hauptbühne").await;
    let app = &app;
    let clients = (0..10).map(|client| {
        let base_id = base_id.clone();
        async move {
            let mut statuses = Vec::new();
            for round in 0..4 {
                let slug = format!("c{client}-{round}");
                let cloned = app
                    .post_admin(
                        &format!("/api/v1/events/{base_id}/clone"),
                        &json!({"starts_at": format!("{}-06-24T09:00:00+02:00", 2030 + round),
                            "slug": slug}),
                    )
                    .await;
                statuses.push(("clone", cloned.status.as_u16(), cloned.text.clone()));
                let stage = app
                    .post_admin(
                        &format!("/api/v1/events/{slug}/stages"),
                        &json!({"name": format!("Forum {client}")}),
                    )
                    .await;
                statuses.push(("stage", stage.status.as_u16(), stage.text.clone()));
                let patched = app
                    .patch_admin(
                        &format!("/api/v1/events/{slug}"),
                        &json!({"description": format!("Runde {round}")}),
                    )
                    .await;
                statuses.push(("patch", patched.status.as_u16(), patched.text.clone()));
                let registered = app
                    .register_person("base", "Ada", &format!("ada-{client}-{round}@example.org"))
                    .await;
                statuses.push(("register", registered.status.as_u16(), registered.text));
            }
            statuses
        }
    });
    let all: Vec<_> = futures_util::future::join_all(clients)
        .await
        .into_iter()
        .flatten()
        .collect();
    let failed: Vec<_> = all
        .iter()
        .filter(|(_, status, _)| !(200..300).contains(status))
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} failed: {failed:?}",
        failed.len(),
        all.len()
    );
}

/// Every status that is not a success: a 503 with `Retry-After`, never a 500.
fn assert_unavailable_or_fine(label: &str, answer: &Answer) {
    let status = answer.status.as_u16();
    assert!(status != 500, "{label} answered 500: {}", answer.text);
    if status == 503 {
        answer.assert_problem(503);
        assert!(
            answer.header("retry-after").is_some(),
            "{label}: {answer:?}"
        );
    }
}

/// Drops the app's database connections while requests run: on PostgreSQL by terminating
/// every other backend of the test database (as a server restart would), on SQLite by holding
/// its write lock from outside for longer than podium's busy timeout.
async fn drop_connections_during(
    app: &TestApp,
    load: Duration,
    sqlite_lock: Option<sea_orm::DatabaseTransaction>,
) {
    let deadline = Instant::now() + load;
    if is_postgres() {
        while Instant::now() < deadline {
            app.db
                .execute_unprepared(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE datname = current_database() AND pid <> pg_backend_pid()",
                )
                .await
                .expect("terminate backends");
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    } else if let Some(holder) = sqlite_lock {
        tokio::time::sleep(load).await;
        holder.rollback().await.unwrap();
    }
}

/// On SQLite, a transaction holding the write lock (`BEGIN IMMEDIATE`), taken before the
/// clients start and kept checked out of its pool until rolled back. Taken among the clients,
/// the busy handler could leave it waiting behind their writes for most of a run on a loaded
/// machine; and a bare `BEGIN` sent through a pool is ended when the connection goes back
/// (podium discards connections left inside a transaction), so the fault was never felt.
async fn sqlite_write_lock(app: &TestApp) -> Option<sea_orm::DatabaseTransaction> {
    if is_postgres() {
        return None;
    }
    let holder = podium::db::connect(&app.database_url, 1).await.unwrap();
    Some(
        podium::db::begin_write(&holder)
            .await
            .expect("the write lock"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dropped_database_connections_under_load_answer_503_with_retry_after_never_500() {
    let app = spawn_app().await;
    let event = app
        .published_event(json!({"slug": "jt", "capacity": 100_000}))
        .await;
    let id = event["id"].as_str().unwrap().to_owned();
    let load = if is_postgres() {
        Duration::from_secs(3)
    } else {
        Duration::from_secs(11)
    };
    let sqlite_lock = sqlite_write_lock(&app).await;
    let until = Instant::now() + load + Duration::from_millis(500);
    let app = &app;
    let clients = (0..8).map(|client| {
        let id = id.clone();
        async move {
            let mut registered = Vec::new();
            let mut statuses = Vec::new();
            let mut n = 0;
            while Instant::now() < until {
                n += 1;
                let email = format!("p{client}-{n}@example.org");
                // The patch first: a registration outlasts a held write lock (the desk retries
                // a failed batch one by one), so on SQLite it would never see the fault.
                let patch = app
                    .patch_admin(
                        &format!("/api/v1/events/{id}"),
                        &json!({"description": format!("{client}-{n}")}),
                    )
                    .await;
                assert_unavailable_or_fine("a patch", &patch);
                let answer = app.register_person("jt", "Pat", &email).await;
                assert_unavailable_or_fine("a registration", &answer);
                if answer.status == 201 {
                    registered.push(email);
                }
                statuses.push(answer.status.as_u16());
                let read = app.get("/api/v1/events/jt").await;
                assert_unavailable_or_fine("an event read", &read);
                statuses.push(read.status.as_u16());
                statuses.push(patch.status.as_u16());
            }
            (registered, statuses)
        }
    });
    let (results, ()) = tokio::join!(
        futures_util::future::join_all(clients),
        drop_connections_during(app, load, sqlite_lock)
    );
    let statuses: Vec<u16> = results.iter().flat_map(|(_, s)| s.clone()).collect();
    assert!(
        statuses.contains(&503),
        "the fault was never felt: {statuses:?}"
    );
    // podium recovers by itself, and every registration answered 201 is stored.
    tokio::time::sleep(Duration::from_millis(500)).await;
    app.get("/readyz").await.assert_status(200);
    app.register_person("jt", "After", "after@example.org")
        .await
        .assert_status(201);
    for email in results.iter().flat_map(|(r, _)| r) {
        let found = app
            .db
            .query_one_raw(sea_orm::Statement::from_sql_and_values(
                app.db.get_database_backend(),
                "SELECT COUNT(*) AS n FROM registrations WHERE email = $1",
                [email.clone().into()],
            ))
            .await
            .unwrap()
            .and_then(|row| row.try_get::<i64>("", "n").ok());
        assert_eq!(found, Some(1), "{email} was answered 201 but is not stored");
    }
}

#[tokio::test]
async fn every_status_a_route_can_give_is_in_the_spec() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    // HEAD on a public feed with an invalid bearer token: 401, as the spec must say.
    let head = app
        .client
        .head(app.url("/api/v1/events/jt/calendar.ics"))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 401);
    let spec = app.get("/api-docs/openapi.json").await.json;
    let feed_head = &spec["paths"]["/api/v1/events/{event}/calendar.ics"]["head"]["responses"];
    assert!(feed_head["401"].is_object(), "{feed_head}");

    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let responses = &operation["responses"];
            let mut required = vec!["400"];
            if path.starts_with("/api/") {
                required.extend(["401", "503"]);
                if operation.get("requestBody").is_some() {
                    required.extend(["408", "413", "415", "422"]);
                }
                if method == "post" {
                    required.push("429");
                }
            }
            for status in required {
                assert!(
                    responses[status].is_object(),
                    "{method} {path} does not list {status}"
                );
            }
        }
    }
}

#[tokio::test]
async fn sigterm_stops_podium_within_seconds_while_the_mail_server_never_speaks() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let smtp_port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            counter.fetch_add(1, Ordering::SeqCst);
            held.push(stream);
        }
    });
    let url = crate::helpers::fresh_database().await;
    let smtp_url = format!("smtp://127.0.0.1:{smtp_port}");
    let mut served = crate::lifecycle::Served::start(&url, &[("SMTP_URL", smtp_url.as_str())]);
    let token = served.admin_token.clone().expect("a first admin");
    let client = reqwest::Client::new();
    let created = client
        .post(served.url("/api/v1/events"))
        .bearer_auth(&token)
        .json(
            &json!({"title": "T", "slug": "jt", "venue": "V", "address": "A",
            "timezone": "Europe/Berlin", "starts_at": at("09:00"), "ends_at": at("18:00"),
            "capacity": 10}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let published = client
        .post(served.url("/api/v1/events/jt/publish"))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(published.status(), 200);
    let registered = client
        .post(served.url("/api/v1/events/jt/registrations"))
        .json(&registration_body("Ada", "ada@example.org"))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 201);
    // The worker has connected and waits for a greeting that never comes.
    let deadline = Instant::now() + Duration::from_secs(10);
    while accepted.load(Ordering::SeqCst) == 0 {
        assert!(
            Instant::now() < deadline,
            "podium never connected to the mail server"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stopping = Instant::now();
    served.signal("TERM");
    let status = served.wait(Duration::from_secs(5));
    assert!(status.success(), "exit status {status}");
    assert!(stopping.elapsed() < Duration::from_secs(5));
    // The mail it held is not parked behind a lease: a restarted podium sends it at once.
    let db = podium::db::connect(&url, 1).await.unwrap();
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending' AND locked_until IS NULL",
        ))
        .await
        .unwrap()
        .and_then(|row| row.try_get::<i64>("", "n").ok());
    assert_eq!(row, Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_commit_that_fails_answers_503_and_leaves_no_connection_inside_the_dead_transaction() {
    if !is_postgres() {
        // On SQLite a COMMIT fails when the disk is full: tests/disk_full.rs fills a real
        // filesystem under the database (it needs root to mount one, so it runs in CI's
        // `-- --ignored` pass). SQLite has no deferred trigger to make a COMMIT fail here.
        return;
    }
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt", "capacity": 1000}))
        .await;
    // A deferred constraint trigger fails the COMMIT of any transaction that registered a
    // `full-…` address, with PostgreSQL's own "disk full" error.
    app.db
        .execute_unprepared(
            "CREATE FUNCTION fail_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
               IF NEW.email LIKE 'full-%' THEN \
                 RAISE EXCEPTION 'could not extend file' USING ERRCODE = 'disk_full'; \
               END IF; RETURN NULL; END $$; \
             CREATE CONSTRAINT TRIGGER fail_commit AFTER INSERT ON registrations \
               DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fail_commit()",
        )
        .await
        .expect("the failing trigger");
    let app = &app;
    let requests = (0..40).map(|i| async move {
        let email = if i % 4 == 0 {
            format!("full-{i}@example.org")
        } else {
            format!("ok-{i}@example.org")
        };
        let answer = app.register_person("jt", "Pat", &email).await;
        (email, answer)
    });
    let answers = futures_util::future::join_all(requests).await;
    let mut stored = Vec::new();
    for (email, answer) in &answers {
        if email.starts_with("full-") {
            answer.assert_problem(503);
            assert!(answer.header("retry-after").is_some(), "{answer:?}");
        } else {
            answer.assert_status(201);
            stored.push(email.clone());
        }
    }
    app.get("/readyz").await.assert_problem(503);
    // Later transactions commit for real on every pooled connection, and the instance is
    // ready again once the storage failures are a few seconds old.
    for i in 0..20 {
        let email = format!("later-{i}@example.org");
        app.register_person("jt", "Pat", &email)
            .await
            .assert_status(201);
        stored.push(email);
    }
    let count = |email: String| async move {
        app.db
            .query_one_raw(sea_orm::Statement::from_sql_and_values(
                app.db.get_database_backend(),
                "SELECT COUNT(*) AS n FROM registrations WHERE email = $1",
                [email.into()],
            ))
            .await
            .unwrap()
            .and_then(|row| row.try_get::<i64>("", "n").ok())
    };
    for email in &stored {
        assert_eq!(count(email.clone()).await, Some(1), "{email} is not stored");
    }
    for (email, _) in answers.iter().filter(|(e, _)| e.starts_with("full-")) {
        assert_eq!(count(email.clone()).await, Some(0), "{email} was stored");
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while app.get("/readyz").await.status != 200 {
        assert!(Instant::now() < deadline, "/readyz stayed 503");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
