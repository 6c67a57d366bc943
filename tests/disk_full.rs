//! SQLite on a full disk (issue #13, item 1): the database lives on a small tmpfs that the test
//! fills. Nothing may be answered 2xx unless it is stored, a full disk answers a fast 503 with
//! `Retry-After`, `/readyz` says 503, and podium recovers by itself once space returns.
//!
//! Mounting needs root, so the test is ignored by default and run by `.ci/run`
//! (`cargo test --workspace -- --ignored`), which runs as root in its container.
#[path = "api/helpers.rs"]
mod helpers;
#[path = "api/smtp_server.rs"]
mod smtp_server;

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, Instant},
};

use helpers::{registration_body, spawn_app_with, Answer};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;

/// A tmpfs of `size` mounted on a fresh directory, unmounted when dropped (also on panic).
struct SmallDisk {
    dir: PathBuf,
}

impl SmallDisk {
    fn mount(size: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("podium-disk-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("mount point");
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir)
            .status()
            .expect("mount runs");
        assert!(status.success(), "mounting a tmpfs needs root");
        Self { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        // Lazy: podium's connections may still hold the files open.
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// Writes zeros into `path` until the filesystem has no space left.
fn fill(path: &Path) {
    use std::io::Write;
    let mut file = std::fs::File::create(path).expect("filler file");
    let block = vec![0u8; 4096];
    while file.write_all(&block).is_ok() {}
    let _ = file.sync_all();
}

async fn register_many(
    app: &helpers::TestApp,
    event: &str,
    prefix: &str,
    n: usize,
) -> Vec<(String, Answer)> {
    let requests = (0..n).map(|i| {
        let email = format!("{prefix}{i}@example.org");
        async move {
            let started = Instant::now();
            let answer = app
                .register(event, &registration_body(&format!("Person {i}"), &email))
                .await;
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "a registration took {:?} ({})",
                started.elapsed(),
                answer.status
            );
            (email, answer)
        }
    });
    futures_util::future::join_all(requests).await
}

#[ignore = "needs root to mount a tmpfs: run by .ci/run (cargo test --workspace -- --ignored)"]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_disk_answers_503_loses_no_acknowledged_registration_and_recovers() {
    let disk = SmallDisk::mount("6m");
    let database = disk.path("podium.db");
    let url = format!("sqlite://{}?mode=rwc", database.display());
    let app = spawn_app_with(|s| s.database_url = url.clone().into()).await;
    let event = app.published_event(json!({"capacity": 100_000})).await;
    let slug = event["slug"].as_str().expect("slug").to_owned();

    // Some registrations while there is space, then the disk fills up.
    for (_, answer) in register_many(&app, &slug, "before", 10).await {
        answer.assert_status(201);
    }
    fill(&disk.path("filler"));

    // Writes that fit into space the files already hold (the write-ahead log is reused after
    // each checkpoint) still succeed, and are durable: keep registering until the database
    // needs a block the disk no longer has, then a few rounds more.
    let mut acknowledged = Vec::new();
    let mut refused = 0;
    let mut rounds_after_refusal = 0;
    for round in 0..60 {
        if refused > 0 {
            rounds_after_refusal += 1;
            if rounds_after_refusal > 3 {
                break;
            }
        }
        for (email, answer) in register_many(&app, &slug, &format!("full{round}-"), 12).await {
            match answer.status.as_u16() {
                201 => acknowledged.push(email),
                503 => {
                    answer.assert_problem(503);
                    assert!(answer.header("retry-after").is_some(), "{answer:?}");
                    refused += 1;
                }
                other => panic!("a full disk answered {other}: {}", answer.text),
            }
        }
    }
    assert!(refused > 0, "no registration was refused on a full disk");
    app.get("/readyz").await.assert_problem(503);

    // Space returns: podium recovers without a restart.
    std::fs::remove_file(disk.path("filler")).expect("free the disk");
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if app.get("/readyz").await.status == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "/readyz stayed 503 after space returned"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for (email, answer) in register_many(&app, &slug, "after", 20).await {
        answer.assert_status(201);
        acknowledged.push(email);
    }

    // Every acknowledged registration is in the file, as a new connection reads it.
    let check = podium::db::connect(&url, 1)
        .await
        .expect("a new connection");
    for email in &acknowledged {
        let found = check
            .query_one_raw(Statement::from_sql_and_values(
                check.get_database_backend(),
                "SELECT COUNT(*) AS n FROM registrations WHERE email = $1",
                [email.clone().into()],
            ))
            .await
            .expect("query")
            .and_then(|row| row.try_get::<i64>("", "n").ok());
        assert_eq!(found, Some(1), "{email} was answered 201 but is not stored");
    }
    // And every connection of the app agrees on the count.
    let mut totals = std::collections::BTreeSet::new();
    for _ in 0..16 {
        let list = app
            .get_admin(&format!("/api/v1/events/{slug}/registrations?limit=1"))
            .await;
        list.assert_status(200);
        totals.insert(list.json["total"].as_u64().expect("total"));
    }
    assert_eq!(totals.len(), 1, "connections disagree: {totals:?}");
    drop(disk);
}
