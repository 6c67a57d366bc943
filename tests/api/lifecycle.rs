//! The real binary as operators run it: start, stop on SIGTERM, crash.
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::helpers::fresh_database;

/// A `podium serve` child process and what it logged at start.
pub struct Served {
    pub child: Child,
    pub port: u16,
    pub admin_token: Option<String>,
    /// Every line the process wrote to stdout (its log), as it arrives.
    log: Arc<Mutex<Vec<String>>>,
}

/// `podium serve` on `database_url`, on a free port, with the tests' secret and a mail
/// directory of its own.
fn serve_command(database_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_podium"));
    command
        .arg("serve")
        .env("DATABASE_URL", database_url)
        .env("PODIUM_BIND", "127.0.0.1:0")
        .env("PODIUM_SECRET", crate::helpers::TEST_SECRET)
        .env("RUST_LOG", "warn,podium=info")
        .env(
            "PODIUM_MAIL_DIR",
            std::env::temp_dir().join(format!("podium-mail-{}", uuid::Uuid::new_v4().simple())),
        );
    command
}

/// Sends `signal` (`TERM`, `QUIT`, …) to `child`.
fn send_signal(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// Waits up to `timeout` for `child` to exit; its exit status. Past it, kills the child and
/// fails.
fn wait_for_exit(child: &mut Child, timeout: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("podium did not stop within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Served {
    pub fn start(database_url: &str, extra_env: &[(&str, &str)]) -> Self {
        let mut command = serve_command(database_url);
        command
            .env("PODIUM_LOG_FORMAT", "json")
            .env("PODIUM_RATE_LIMIT", "0")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, v) in extra_env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("podium starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let mut admin_token = None;
        let log = Arc::new(Mutex::new(Vec::new()));
        let deadline = Instant::now() + Duration::from_secs(30);
        let port = loop {
            assert!(Instant::now() < deadline, "podium did not report its port");
            let Some(Ok(line)) = lines.next() else {
                panic!("podium exited before serving");
            };
            log.lock().unwrap().push(line.clone());
            let Ok(value) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            let message = value["message"].as_str().unwrap_or_default();
            if let Some(token) = message.split("shown only now: ").nth(1) {
                admin_token = Some(token.trim().to_owned());
            }
            if let Some(port) = value["port"].as_u64() {
                break port as u16;
            }
        };
        // Keep reading stdout so the child never blocks on a full pipe.
        let collected = log.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                collected.lock().unwrap().push(line);
            }
        });
        Self {
            child,
            port,
            admin_token,
            log,
        }
    }

    /// What the process has logged so far, one line per entry.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn signal(&self, signal: &str) {
        send_signal(&self.child, signal);
    }

    /// Waits for the process to exit; its exit status.
    pub fn wait(&mut self, timeout: Duration) -> std::process::ExitStatus {
        wait_for_exit(&mut self.child, timeout)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn sigterm_drains_requests_and_exits_cleanly() {
    let url = fresh_database().await;
    let mut served = Served::start(&url, &[]);
    let client = reqwest::Client::new();
    let mut workers = Vec::new();
    // Answers so far, over all clients: the signal goes once the load runs (a fixed sleep was
    // not always enough on a loaded machine).
    let so_far = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    for _ in 0..16 {
        let client = client.clone();
        let target = served.url("/api/v1/events");
        let so_far = so_far.clone();
        workers.push(tokio::spawn(async move {
            let (mut answered, mut bad) = (0, Vec::new());
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                match client.get(&target).send().await {
                    Ok(response) => {
                        let status = response.status();
                        match response.text().await {
                            Ok(_) if status == 200 => {}
                            Ok(body) => bad.push(format!("{status}: {body}")),
                            Err(e) => bad.push(format!("{status}, body cut off: {e:?}")),
                        }
                        answered += 1;
                        so_far.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    // The listener is closed: the drain is over for this client.
                    Err(_) => break,
                }
            }
            (answered, bad)
        }));
    }
    let running = Instant::now() + Duration::from_secs(5);
    while so_far.load(std::sync::atomic::Ordering::Relaxed) < 64 && Instant::now() < running {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    served.signal("TERM");
    let (mut answered, mut bad) = (0, Vec::new());
    for worker in workers {
        let (a, b) = worker.await.expect("worker");
        answered += a;
        bad.extend(b);
    }
    let status = served.wait(Duration::from_secs(20));
    assert!(status.success(), "exit status {status}");
    assert!(answered > 0, "the load ran before the signal");
    assert!(
        bad.is_empty(),
        "every request that was taken in is answered in full: {bad:?}\n{}",
        served.log()
    );
}

/// actix installed its signal handlers only once its workers had started, about 110 ms after
/// podium logged that it serves (debug build): a SIGTERM then killed the process by the
/// signal's default action (`signal: 15`), which is how CI once saw the drain test fail on a
/// loaded machine. podium now listens for its stop signals from its start.
#[tokio::test]
async fn a_sigterm_right_after_the_start_stops_podium_cleanly() {
    let url = fresh_database().await;
    for _ in 0..3 {
        let mut served = Served::start(&url, &[]);
        served.signal("TERM");
        let status = served.wait(Duration::from_secs(20));
        assert!(status.success(), "exit status {status}\n{}", served.log());
    }
}

/// A second SIGTERM ends a drain at once. The drain is held by a connection the test never
/// reads: pipelined requests for the OpenAPI document whose answers exceed every socket buffer
/// on the way, so podium cannot finish them (nor the drain) until the test reads, however slow
/// the machine. The second signal goes once podium has logged the drain, so it counts as a
/// second one. (A request whose body never arrived held the drain only for `BODY_READ_TIMEOUT`,
/// 10 s, and a fixed sleep stood in for the log line: on a busy machine the two signals merged
/// and the drain ended first, with status 0.)
#[tokio::test]
async fn a_second_sigterm_stops_a_drain_at_once_with_status_143() {
    use std::io::{Read, Write};
    let url = fresh_database().await;
    let mut served = Served::start(&url, &[]);
    let document = reqwest::get(served.url("/api-docs/openapi.json"))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    // Loopback buffers grow to a few MB at most (tcp_rmem, tcp_wmem): 64 MB of answers stall.
    let requests = (64 << 20) / document.len() + 1;
    let mut stalled = std::net::TcpStream::connect(("127.0.0.1", served.port)).unwrap();
    let pipelined = "GET /api-docs/openapi.json HTTP/1.1\r\nHost: podium\r\n\r\n".repeat(requests);
    stalled.write_all(pipelined.as_bytes()).unwrap();
    // The first bytes of the first answer: podium has taken the connection in.
    let mut head = [0u8; 12];
    stalled.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
    served.signal("TERM");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !served.log().contains("SIGTERM: draining requests") {
        assert!(
            served.child.try_wait().unwrap().is_none(),
            "the first SIGTERM drains: the answers in flight hold podium\n{}",
            served.log()
        );
        assert!(
            Instant::now() < deadline,
            "no drain logged\n{}",
            served.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        served.child.try_wait().unwrap().is_none(),
        "the answers in flight hold the drain\n{}",
        served.log()
    );
    served.signal("TERM");
    let started = Instant::now();
    let status = served.wait(Duration::from_secs(20));
    assert_eq!(status.code(), Some(143), "{status}\n{}", served.log());
    // At once: the background tasks get up to `ABORT_WAIT` (5 s); the answers, never.
    let took = started.elapsed();
    assert!(took < Duration::from_secs(6), "{took:?}");
    drop(stalled);
}

/// SIGQUIT stops at once (actix's old meaning of it), with 128 + 3.
#[tokio::test]
async fn sigquit_stops_podium_at_once_with_status_131() {
    let url = fresh_database().await;
    let mut served = Served::start(&url, &[]);
    served.signal("QUIT");
    let status = served.wait(Duration::from_secs(10));
    assert_eq!(status.code(), Some(131), "{status}\n{}", served.log());
}

/// A start that hangs (a database server that takes the connection and never answers) is
/// not stuck: the first SIGTERM waits for the start, the second ends it, long before the
/// connection's own timeout.
#[test]
fn a_second_sigterm_ends_a_start_that_hangs() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let mut child = serve_command(&format!("postgres://podium:podium@127.0.0.1:{port}/podium"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("podium starts");
    // Connected: podium waits for the server's first answer.
    silent.set_nonblocking(true).unwrap();
    let connected = Instant::now() + Duration::from_secs(30);
    let _held = loop {
        match silent.accept() {
            Ok((stream, _)) => break stream,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if let Some(status) = child.try_wait().unwrap() {
                    panic!("podium ended before connecting: {status}");
                }
                assert!(Instant::now() < connected, "podium did not connect");
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("accept: {e}"),
        }
    };
    send_signal(&child, "TERM");
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the first SIGTERM waits"
    );
    send_signal(&child, "TERM");
    let status = wait_for_exit(&mut child, Duration::from_secs(3));
    assert_eq!(status.code(), Some(143), "{status}");
}

/// Each migration is one transaction on SQLite too: a start killed at any point of its
/// migrations (here by SIGKILL, 5 to 150 ms in; a debug build migrates from about 10 to
/// 80 ms) leaves a database the next start migrates.
/// Run without a transaction, as sea-orm-migration does on SQLite by default, a migration cut
/// halfway left "table already exists" or "no such column" at every later start.
#[test]
fn a_start_killed_during_its_migrations_leaves_a_database_that_migrates() {
    for delay in (5..=150).step_by(5) {
        let path = std::env::temp_dir().join(format!("podium-killed-{}.db", uuid::Uuid::new_v4()));
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let mut child = serve_command(&url)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("podium starts");
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill();
        let _ = child.wait();
        let migrated = Command::new(env!("CARGO_BIN_EXE_podium"))
            .arg("migrate")
            .env("DATABASE_URL", &url)
            .output()
            .expect("podium runs");
        assert!(
            migrated.status.success(),
            "killed after {delay} ms: {}",
            String::from_utf8_lossy(&migrated.stderr)
        );
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}

#[tokio::test]
async fn the_first_start_logs_an_admin_token_and_a_restart_does_not() {
    let url = fresh_database().await;
    let mut first = Served::start(&url, &[]);
    let token = first
        .admin_token
        .clone()
        .expect("a token on the first start");
    let me = reqwest::Client::new()
        .get(first.url("/api/v1/organisers/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    first.signal("TERM");
    first.wait(Duration::from_secs(20));
    let second = Served::start(&url, &[]);
    assert!(second.admin_token.is_none());
}

#[test]
fn an_unreachable_database_exits_non_zero_with_a_message() {
    let output = Command::new(env!("CARGO_BIN_EXE_podium"))
        .arg("migrate")
        .env(
            "DATABASE_URL",
            "postgres://podium:hunter2@127.0.0.1:1/podium",
        )
        .output()
        .expect("podium runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot connect to the database"),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"));
}

#[test]
fn organiser_add_prints_the_token_as_the_last_line() {
    let dir = std::env::temp_dir().join(format!("podium-cli-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("cli.db").display());
    let output = Command::new(env!("CARGO_BIN_EXE_podium"))
        .args([
            "organiser",
            "add",
            "--name",
            "Erika",
            "--email",
            "erika@cluster.example",
            "--admin",
        ])
        .env("DATABASE_URL", &url)
        .output()
        .expect("podium runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let token = stdout.lines().last().unwrap();
    assert!(token.len() >= 43 && !token.contains(' '), "{stdout}");
    let bad = Command::new(env!("CARGO_BIN_EXE_podium"))
        .args([
            "organiser",
            "add",
            "--name",
            "X",
            "--email",
            "not-an-address",
        ])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(!bad.status.success());
}

#[tokio::test]
async fn a_hard_kill_during_registrations_loses_no_committed_registration_or_mail() {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let url = fresh_database().await;
    // SMTP that never answers: every confirmation stays queued in the outbox.
    let closed = crate::smtp_server::TestSmtp::closed_port();
    let smtp = format!("smtp://127.0.0.1:{closed}");
    let served = Served::start(&url, &[("SMTP_URL", smtp.as_str())]);
    let token = served.admin_token.clone().expect("admin token");
    let client = reqwest::Client::new();
    let create = client
        .post(served.url("/api/v1/events"))
        .bearer_auth(&token)
        .json(
            &serde_json::json!({"title": "Crash", "slug": "crash", "capacity": 1000,
            "starts_at": "2030-01-01T10:00:00Z", "ends_at": "2030-01-01T12:00:00Z"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(create.status(), 201);
    let publish = client
        .post(served.url("/api/v1/events/crash/publish"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(publish.status(), 200);

    // Registrations go out one every 5 ms; podium is killed once 20 are answered, while the
    // rest are in flight or not yet sent.
    let answered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut requests = Vec::new();
    for i in 0..300u64 {
        let client = client.clone();
        let answered = answered.clone();
        let target = served.url("/api/v1/events/crash/registrations");
        requests.push(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(5 * i)).await;
            let answer = client
                .post(target)
                .json(&crate::helpers::registration_body(
                    "Crash Test",
                    &format!("c{i}@example.org"),
                ))
                .send()
                .await
                .ok()?;
            if answer.status() != 201 {
                return None;
            }
            let body: serde_json::Value = answer.json().await.ok()?;
            answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            body["id"].as_str().map(str::to_owned)
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while answered.load(std::sync::atomic::Ordering::SeqCst) < 20 {
        assert!(Instant::now() < deadline, "registrations are answered");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    served.signal("KILL");
    let mut committed = Vec::new();
    for request in requests {
        if let Some(id) = request.await.expect("task") {
            committed.push(id);
        }
    }
    assert!(
        !committed.is_empty(),
        "some registrations were answered before the kill"
    );
    assert!(committed.len() < 300, "the kill came during the load");

    let db = podium::db::connect(&url, 2).await.unwrap();
    for id in &committed {
        let id = uuid::Uuid::parse_str(id).unwrap();
        let row = entity::registration::Entity::find_by_id(id)
            .one(&db)
            .await
            .unwrap()
            .expect("every answered registration is in the database");
        let mails = entity::outbox::Entity::find()
            .filter(entity::outbox::Column::Recipient.eq(row.email.clone()))
            .count(&db)
            .await
            .unwrap();
        assert_eq!(mails, 1, "its confirmation is queued");
    }
    // The counters agree with the rows that survived.
    let event = entity::event::Entity::find()
        .filter(entity::event::Column::Slug.eq("crash"))
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    let rows = entity::registration::Entity::find()
        .filter(entity::registration::Column::EventId.eq(event.id))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(i64::from(event.confirmed_count), rows as i64);
    assert_eq!(event.registrations_total, rows as i64);
}

/// The outbox's mail texts: LZ4 on a PostgreSQL built with it (`attcompression` 'l'),
/// PostgreSQL's default after the migration is rolled back, and LZ4 again when it is
/// re-applied. On SQLite the migration changes nothing, and rolls back and forth cleanly.
#[tokio::test]
async fn the_outbox_compression_migration_rolls_back_and_forth() {
    use migration::MigratorTrait;
    use sea_orm::{ConnectionTrait, DbBackend, Statement};

    let url = fresh_database().await;
    let db = podium::db::connect(&url, 1).await.unwrap();
    podium::db::migrate(&db).await.unwrap();
    let methods = || async {
        if !crate::helpers::is_postgres() {
            return String::new();
        }
        let row = db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT string_agg(coalesce(nullif(attcompression::text, ''), '-'), '' \
                 ORDER BY attname) AS methods FROM pg_attribute \
                 WHERE attrelid = 'outbox'::regclass \
                 AND attname IN ('text_body', 'html_body', 'ics')",
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<String>("", "methods").unwrap()
    };
    let offers_lz4 = crate::helpers::is_postgres()
        && db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT 1 AS found FROM pg_settings \
                 WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)",
            ))
            .await
            .unwrap()
            .is_some();
    let lz4 = match (crate::helpers::is_postgres(), offers_lz4) {
        (false, _) => "",
        (true, true) => "lll",
        (true, false) => "---",
    };
    let default = if crate::helpers::is_postgres() {
        "---"
    } else {
        ""
    };
    assert_eq!(methods().await, lz4);
    // Back to before the compression migration, whatever migrations came after it.
    let all = migration::Migrator::migrations();
    let position = all
        .iter()
        .position(|m| m.name() == "m20261129_000001_compress_outbox_lz4")
        .unwrap();
    let steps = u32::try_from(all.len() - position).unwrap();
    migration::Migrator::down(&db, Some(steps)).await.unwrap();
    assert_eq!(methods().await, default);
    migration::Migrator::up(&db, None).await.unwrap();
    assert_eq!(methods().await, lz4);
}

/// The start names the database (never its password), the public URL and where the API
/// documentation is; listening on every interface with links to an address no other machine
/// reaches (no `PODIUM_PUBLIC_URL`: `http://0.0.0.0:PORT/…`) it warns. The image once made
/// every link `http://0.0.0.0:8080/…` without a word.
#[tokio::test]
async fn the_start_log_names_database_and_urls_and_warns_of_a_public_url_nobody_reaches() {
    let url = fresh_database().await;
    let password = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(user, _)| user.split_once(':'))
        .map(|(_, password)| format!(":{password}@"));
    let served = Served::start(&url, &[("PODIUM_BIND", "0.0.0.0:0")]);
    let log = served.log();
    let warning = log
        .lines()
        .find(|line| line.contains("PODIUM_PUBLIC_URL"))
        .unwrap_or_else(|| panic!("no warning of the public URL\n{log}"));
    assert!(warning.contains("WARN"), "{warning}");
    assert!(warning.contains("http://0.0.0.0:"), "{warning}");
    let serving = log
        .lines()
        .find(|line| line.contains("podium is serving"))
        .unwrap_or_else(|| panic!("no serving line\n{log}"));
    let kind = if url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    assert!(serving.contains(kind), "{serving}");
    let public = format!("http://0.0.0.0:{}", served.port);
    assert!(serving.contains(&format!("{public}/docs/")), "{serving}");
    if let Some(password) = password {
        assert!(!log.contains(&password), "the password is logged\n{log}");
    }
    drop(served);

    let served = Served::start(
        &url,
        &[
            ("PODIUM_BIND", "0.0.0.0:0"),
            ("PODIUM_PUBLIC_URL", "https://tagung.example.org"),
        ],
    );
    let log = served.log();
    assert!(!log.contains("PODIUM_PUBLIC_URL"), "{log}");
    assert!(
        log.contains("https://tagung.example.org/docs/"),
        "the docs at the public URL\n{log}"
    );
}
