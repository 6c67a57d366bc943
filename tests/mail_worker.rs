//! The mail subsystem against a real database (SQLite, or PostgreSQL via `TEST_DATABASE_URL`)
//! and a real SMTP server in the test process.
#[path = "api/helpers.rs"]
mod helpers;
#[path = "api/smtp_server.rs"]
mod smtp_server;

use std::{collections::HashSet, path::PathBuf, time::Duration};

use entity::{
    outbox::{self, OutboxStatus},
    registration::Language,
};
use migration::MigratorTrait;
use podium::mail::{
    self,
    templates::{self, AttendeeMail, EventInfo},
    Attachment, MailSettings, MailWorker, NewMail,
};
use sea_orm::{
    ColumnTrait, Database, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait,
};
use smtp_server::TestSmtp;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

const ICS: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//podium//EN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:test@podium\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260624T070000Z\r\nDTEND:20260624T153000Z\r\nSUMMARY:Summit\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

/// A fresh database with the schema (`helpers::fresh_database`: a PostgreSQL database when
/// `TEST_DATABASE_URL` is set, else a SQLite file), removed when the returned guard is dropped:
/// bind it for the whole test (`_database`, not `_`). Installs the log capture first.
async fn fresh_db() -> (DatabaseConnection, helpers::TestDatabase) {
    install_log_capture();
    let database = helpers::fresh_database().await;
    let db = Database::connect(database.url.as_str())
        .await
        .expect("connect to the test database");
    migration::Migrator::up(&db, None).await.expect("migrate");
    (db, database)
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("podium-mail-{}", Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn settings(smtp_url: Option<String>) -> MailSettings {
    MailSettings {
        smtp_url,
        mail_dir: temp_dir(),
        from: "Podium Office <office@podium.test>".to_owned(),
        public_url: "http://podium.test".to_owned(),
        max_attempts: 8,
        poll_interval: Duration::from_millis(100),
        send_timeout: Duration::from_secs(10),
    }
}

fn confirmation(recipient: &str, name: &str, language: Language, ics: bool) -> NewMail {
    let event = EventInfo {
        title: "Summit <2026>",
        when: "Wednesday, 24 June 2026, 09:00–17:30 (Europe/Berlin)",
        venue: "Kongresshalle",
        organiser: "Podium Office",
        contact: "office@podium.test",
    };
    let content = templates::registration_confirmed(
        language,
        &AttendeeMail {
            name,
            event,
            link: "http://localhost:8080/api/v1/registrations/tok",
        },
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567ABCDEFG",
    );
    NewMail {
        kind: "registration_confirmed",
        event_id: None,
        recipient: recipient.to_owned(),
        recipient_name: name.to_owned(),
        language,
        content,
        ics: ics.then(|| Attachment {
            body: ICS.to_owned(),
            method: "REQUEST".to_owned(),
        }),
        record_id: None,
    }
}

async fn enqueue_committed(db: &DatabaseConnection, mail: NewMail) -> Uuid {
    let txn = db.begin().await.unwrap();
    let id = mail::enqueue(&txn, mail).await.unwrap();
    txn.commit().await.unwrap();
    id
}

/// Queues `count` plain confirmations, to guest0@example.org, guest1@… , each committed alone.
async fn enqueue_guests(db: &DatabaseConnection, count: u64) {
    for i in 0..count {
        enqueue_committed(
            db,
            confirmation(
                &format!("guest{i}@example.org"),
                "Guest",
                Language::En,
                false,
            ),
        )
        .await;
    }
}

async fn row(db: &DatabaseConnection, id: Uuid) -> outbox::Model {
    outbox::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .expect("the outbox row")
}

/// Polls until `check` holds for the row, or panics after `timeout`.
async fn wait_for_row(
    db: &DatabaseConnection,
    id: Uuid,
    timeout: Duration,
    check: impl Fn(&outbox::Model) -> bool,
) -> outbox::Model {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        let r = row(db, id).await;
        if check(&r) {
            return r;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for the row: {r:?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn queued_mail_arrives_as_multipart_with_the_calendar_attached() {
    let (db, _database) = fresh_db().await;
    let smtp = TestSmtp::start();
    let worker = MailWorker::new(db.clone(), &settings(Some(smtp.url()))).unwrap();
    let signal = worker.signal();
    let shutdown = CancellationToken::new();
    let handle = worker.spawn(shutdown.clone());

    let with_ics = enqueue_committed(
        &db,
        confirmation("ada@example.org", "Ada Lovelace", Language::En, true),
    )
    .await;
    let german = enqueue_committed(
        &db,
        confirmation("grete@example.org", "Grete Müller", Language::De, false),
    )
    .await;
    signal.notify();

    let received = smtp.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(received.len(), 2);
    let ada = received
        .iter()
        .find(|m| m.to == ["ada@example.org"])
        .expect("Ada's mail");
    let grete = received
        .iter()
        .find(|m| m.to == ["grete@example.org"])
        .expect("Grete's mail");

    assert_eq!(ada.from, "office@podium.test");
    assert_eq!(ada.subject(), "Registration confirmed: Summit <2026>");
    assert!(ada.header("To").unwrap().contains("Ada Lovelace"));
    let from = ada.header("From").unwrap();
    assert!(
        from.contains("Podium Office") && from.contains("<office@podium.test>"),
        "{from}"
    );
    assert_eq!(
        ada.header("Message-ID").unwrap(),
        row(&db, with_ics).await.message_id
    );
    assert!(ada.text().unwrap().contains("Dear Ada Lovelace,"));
    assert!(ada
        .text()
        .unwrap()
        .contains("http://localhost:8080/api/v1/registrations/tok"));
    let html = ada.html().unwrap();
    assert!(html.contains("Summit &#60;2026&#62;") && !html.contains("<2026>"));
    // The confirmation's check-in code comes as an inline picture beside the HTML.
    assert_eq!(
        ada.mimetypes(),
        ["text/plain", "text/html", "image/png", "text/calendar"]
    );
    assert_eq!(
        ada.ics().unwrap().replace("\r\n", "\n"),
        ICS.replace("\r\n", "\n")
    );
    let ics_type = ada
        .part_content_type("text/calendar")
        .unwrap()
        .to_lowercase();
    assert!(
        ics_type.contains("method=request") && ics_type.contains("charset=utf-8"),
        "{ics_type}"
    );
    assert_eq!(
        ada.part_filename("text/calendar").as_deref(),
        Some("invite.ics")
    );
    assert!(ada
        .header("Content-Type")
        .unwrap()
        .starts_with("multipart/mixed"));

    assert_eq!(grete.subject(), "Anmeldung bestätigt: Summit <2026>");
    assert!(grete.header("To").unwrap().contains("Grete Müller"));
    assert!(grete.text().unwrap().starts_with("Guten Tag Grete Müller,"));
    assert!(grete.html().unwrap().contains("lang=\"de\""));
    assert_eq!(grete.mimetypes(), ["text/plain", "text/html", "image/png"]);
    assert!(grete
        .header("Content-Type")
        .unwrap()
        .starts_with("multipart/alternative"));

    for id in [with_ics, german] {
        let r = wait_for_row(&db, id, Duration::from_secs(5), |r| {
            r.status == OutboxStatus::Sent
        })
        .await;
        assert!(r.sent_at.is_some() && r.locked_until.is_none() && r.last_error.is_none());
        assert_eq!(r.attempts, 1);
    }

    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(5), handle)
        .await
        .expect("the worker stops")
        .unwrap();
}

#[tokio::test]
async fn mail_rolled_back_with_its_transaction_is_never_sent() {
    let (db, _database) = fresh_db().await;
    let txn = db.begin().await.unwrap();
    let id = mail::enqueue(
        &txn,
        confirmation("ada@example.org", "Ada", Language::En, false),
    )
    .await
    .unwrap();
    txn.rollback().await.unwrap();
    assert!(outbox::Entity::find_by_id(id)
        .one(&db)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn while_the_mail_server_is_down_mail_waits_and_then_arrives_exactly_once() {
    let (db, _database) = fresh_db().await;
    let port = TestSmtp::closed_port();
    let worker = MailWorker::new(
        db.clone(),
        &settings(Some(format!("smtp://127.0.0.1:{port}"))),
    )
    .unwrap();
    let shutdown = CancellationToken::new();
    let handle = worker.spawn(shutdown.clone());

    let id = enqueue_committed(
        &db,
        confirmation("ada@example.org", "Ada", Language::En, true),
    )
    .await;
    let failed = wait_for_row(&db, id, Duration::from_secs(10), |r| {
        r.attempts >= 1 && r.locked_until.is_none()
    })
    .await;
    assert_eq!(failed.status, OutboxStatus::Pending);
    assert!(failed.last_error.is_some());
    assert!(failed.next_attempt_at > failed.created_at);

    let smtp = TestSmtp::start_on(port);
    let received = smtp.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(received.len(), 1);
    let sent = wait_for_row(&db, id, Duration::from_secs(5), |r| {
        r.status == OutboxStatus::Sent
    })
    .await;
    assert!(sent.attempts >= 2);

    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(smtp.messages().len(), 1, "the mail arrived more than once");
    shutdown.cancel();
    handle.await.unwrap();
}

#[tokio::test]
async fn two_workers_on_one_database_never_send_a_mail_twice() {
    let (db, url) = fresh_db().await;
    let smtp = TestSmtp::start();
    let total = 60;
    enqueue_guests(&db, total as u64).await;
    let shutdown = CancellationToken::new();
    let mut handles = Vec::new();
    for _ in 0..2 {
        // Each worker has its own connection pool, as two podium instances would.
        let own_db = Database::connect(url.url.as_str()).await.unwrap();
        let worker = MailWorker::new(own_db, &settings(Some(smtp.url()))).unwrap();
        handles.push(worker.spawn(shutdown.clone()));
    }

    let received = smtp.wait_for(total, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received = if smtp.messages().len() > received.len() {
        smtp.messages()
    } else {
        received
    };
    assert_eq!(received.len(), total);
    let ids: HashSet<String> = received
        .iter()
        .map(|m| m.header("Message-ID").unwrap())
        .collect();
    assert_eq!(ids.len(), total, "some mail was sent twice");

    shutdown.cancel();
    for h in handles {
        h.await.unwrap();
    }
    assert_eq!(sent_count(&db).await, total as u64);
}

/// Registrations come first (`MailSignal::desk_batch`): while the desk keeps working the
/// worker pauses after each batch of mail, and still sends it all; without a busy desk it does
/// not pause.
#[tokio::test]
async fn a_busy_registration_desk_slows_the_worker_but_never_stops_it() {
    const PAUSE: &str = "the registration desk is busy: mail waits";
    let (db, _database) = fresh_db().await;
    let settings = settings(None);
    // Sends `count` queued mails with a worker of its own; meanwhile, if `busy`, a desk on a
    // thread of its own (so it keeps time whatever the test's runtime is doing) reports a
    // batch every millisecond. Returns the worker's log.
    let send = |count: u64, busy: bool| {
        let (db, settings) = (db.clone(), settings.clone());
        captured_logs(async move {
            let before = sent_count(&db).await;
            enqueue_guests(&db, count).await;
            let worker = MailWorker::new(db.clone(), &settings).unwrap();
            let signal = worker.signal();
            let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let desk = std::thread::spawn({
                let stop = stop.clone();
                move || {
                    while busy && !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        signal.desk_batch();
                        std::thread::sleep(Duration::from_millis(1));
                    }
                }
            });
            let shutdown = CancellationToken::new();
            let handle = worker.spawn(shutdown.clone());
            let deadline = std::time::Instant::now() + Duration::from_secs(20);
            while sent_count(&db).await < before + count {
                assert!(
                    std::time::Instant::now() < deadline,
                    "mail held back (busy desk: {busy})"
                );
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            shutdown.cancel();
            handle.await.unwrap();
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            desk.join().unwrap();
        })
    };

    let ((), busy_log) = send(100, true).await;
    // Five batches of 20: a pause after each of the first four at least, and the pauses are
    // real ones, gaps of 20 ms between one batch's last mail and the next one's first.
    assert!(
        busy_log.matches(PAUSE).count() >= 4,
        "the worker did not pause for the busy desk:\n{busy_log}"
    );
    let gaps = gaps_between_sends(&busy_log);
    assert!(
        gaps.iter()
            .filter(|gap| **gap >= Duration::from_millis(19))
            .count()
            >= 4,
        "no 20 ms gaps between the batches: {gaps:?}\n{busy_log}"
    );
    let ((), idle_log) = send(60, false).await;
    assert_eq!(idle_log.matches(PAUSE).count(), 0, "{idle_log}");
}

/// The times between consecutive "mail sent" lines of a log (each line starts with its RFC 3339
/// timestamp).
fn gaps_between_sends(log: &str) -> Vec<Duration> {
    let sent: Vec<chrono::DateTime<chrono::FixedOffset>> = log
        .lines()
        .filter(|line| line.contains("mail sent"))
        .filter_map(|line| {
            chrono::DateTime::parse_from_rfc3339(line.split_whitespace().next()?).ok()
        })
        .collect();
    sent.windows(2)
        .map(|pair| (pair[1] - pair[0]).to_std().unwrap_or_default())
        .collect()
}

async fn sent_count(db: &DatabaseConnection) -> u64 {
    mail::list(db, Some(OutboxStatus::Sent), 1, None)
        .await
        .unwrap()
        .total
}

#[tokio::test]
async fn without_smtp_mail_is_written_as_eml_files() {
    let (db, _database) = fresh_db().await;
    let settings = settings(None);
    let worker = MailWorker::new(db.clone(), &settings).unwrap();
    let id = enqueue_committed(
        &db,
        confirmation("ada@example.org", "Ada", Language::En, true),
    )
    .await;

    let outcome = worker.run_once(&CancellationToken::new()).await.unwrap();
    assert_eq!((outcome.claimed, outcome.sent), (1, 1));
    assert_eq!(row(&db, id).await.status, OutboxStatus::Sent);

    let files: Vec<PathBuf> = std::fs::read_dir(&settings.mail_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    assert_eq!(files.len(), 1);
    let raw = std::fs::read(&files[0]).unwrap();
    let mail = smtp_server::ReceivedMail {
        from: String::new(),
        to: Vec::new(),
        raw,
    };
    assert_eq!(mail.subject(), "Registration confirmed: Summit <2026>");
    assert!(mail.ics().is_some() && mail.html().is_some() && mail.text().is_some());
}

#[tokio::test]
async fn undeliverable_mail_fails_and_an_admin_can_retry_it() {
    let (db, _database) = fresh_db().await;
    let port = TestSmtp::closed_port();
    let mut settings = settings(Some(format!("smtp://127.0.0.1:{port}")));
    settings.max_attempts = 2;
    let worker = MailWorker::new(db.clone(), &settings).unwrap();
    let never = CancellationToken::new();

    let id = enqueue_committed(
        &db,
        confirmation("ada@example.org", "Ada", Language::En, false),
    )
    .await;
    let first = worker.run_once(&never).await.unwrap();
    assert_eq!((first.claimed, first.failed), (1, 1));
    assert_eq!(first.next_retry_in, Some(Duration::from_secs(2)));
    // Not due yet: the backoff keeps the worker away.
    assert_eq!(worker.run_once(&never).await.unwrap().claimed, 0);

    // Make it due now, as if the backoff had passed.
    mail::retry(&db, id).await.unwrap();
    let r = row(&db, id).await;
    assert_eq!((r.status, r.attempts), (OutboxStatus::Pending, 0));
    worker.run_once(&never).await.unwrap();
    worker.run_once(&never).await.unwrap(); // not due: still attempt 1
    assert_eq!(row(&db, id).await.attempts, 1);

    // A bad address can never be delivered: failed at once.
    let bad = enqueue_committed(
        &db,
        confirmation("not an address", "Nobody", Language::En, false),
    )
    .await;
    worker.run_once(&never).await.unwrap();
    let r = row(&db, bad).await;
    assert_eq!((r.status, r.attempts), (OutboxStatus::Failed, 1));
    assert!(r.last_error.unwrap().contains("recipient"));

    // max_attempts = 2: the second failed attempt gives up.
    mail::retry(&db, id).await.unwrap();
    outbox::Entity::update_many()
        .col_expr(outbox::Column::Attempts, sea_orm::sea_query::Expr::value(1))
        .filter(outbox::Column::Id.eq(id))
        .exec(&db)
        .await
        .unwrap();
    worker.run_once(&never).await.unwrap();
    let r = row(&db, id).await;
    assert_eq!((r.status, r.attempts), (OutboxStatus::Failed, 2));

    let failed = mail::list(&db, Some(OutboxStatus::Failed), 50, None)
        .await
        .unwrap();
    assert_eq!(failed.total, 2);
    assert_eq!(failed.items.len(), 2);

    // Retry after the server is back: it goes out.
    let smtp = TestSmtp::start_on(port);
    let retried = mail::retry(&db, id).await.unwrap().unwrap();
    assert_eq!(
        (retried.status, retried.attempts),
        (OutboxStatus::Pending, 0)
    );
    assert_eq!(worker.run_once(&never).await.unwrap().sent, 1);
    assert_eq!(smtp.wait_for(1, Duration::from_secs(5)).await.len(), 1);

    // A sent mail is not retried; an unknown id is None.
    assert_eq!(
        mail::retry(&db, id).await.unwrap().unwrap().status,
        OutboxStatus::Sent
    );
    assert!(mail::retry(&db, Uuid::now_v7()).await.unwrap().is_none());
}

#[tokio::test]
async fn the_outbox_lists_newest_first_in_pages() {
    let (db, _database) = fresh_db().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            enqueue_committed(
                &db,
                confirmation(&format!("g{i}@example.org"), "G", Language::En, false),
            )
            .await,
        );
    }
    ids.reverse();
    let first = mail::list(&db, None, 2, None).await.unwrap();
    assert_eq!(first.total, 5);
    assert_eq!(
        first.items.iter().map(|m| m.id).collect::<Vec<_>>(),
        ids[..2]
    );
    let second = mail::list(&db, None, 2, first.next_cursor).await.unwrap();
    assert_eq!(
        second.items.iter().map(|m| m.id).collect::<Vec<_>>(),
        ids[2..4]
    );
    let third = mail::list(&db, None, 2, second.next_cursor).await.unwrap();
    assert_eq!(
        third.items.iter().map(|m| m.id).collect::<Vec<_>>(),
        ids[4..]
    );
    assert!(third.next_cursor.is_none());
    assert_eq!(
        mail::list(&db, Some(OutboxStatus::Sent), 50, None)
            .await
            .unwrap()
            .total,
        0
    );
}

#[tokio::test]
async fn a_worker_told_to_stop_sends_nothing_more_and_releases_its_claim() {
    let (db, _database) = fresh_db().await;
    let smtp = TestSmtp::start();
    let worker = MailWorker::new(db.clone(), &settings(Some(smtp.url()))).unwrap();
    let id = enqueue_committed(
        &db,
        confirmation("ada@example.org", "Ada", Language::En, false),
    )
    .await;

    let stopped = CancellationToken::new();
    stopped.cancel();
    let outcome = worker.run_once(&stopped).await.unwrap();
    assert_eq!((outcome.claimed, outcome.sent), (1, 0));
    let r = row(&db, id).await;
    assert_eq!(
        (r.status, r.attempts, r.locked_until),
        (OutboxStatus::Pending, 0, None)
    );
    assert!(smtp.messages().is_empty());

    // Another worker can take it at once.
    assert_eq!(
        worker
            .run_once(&CancellationToken::new())
            .await
            .unwrap()
            .sent,
        1
    );
    assert_eq!(smtp.wait_for(1, Duration::from_secs(5)).await.len(), 1);
}

#[tokio::test]
async fn mail_that_commits_after_later_mail_was_sent_still_goes_out() {
    let (db, url) = fresh_db().await;
    if url.starts_with("sqlite:") {
        // SQLite has one writer at a time: a later transaction cannot queue and commit mail
        // while an earlier one holds mail uncommitted, so there is no such order to test.
        return;
    }
    let smtp = TestSmtp::start();
    let worker = MailWorker::new(db.clone(), &settings(Some(smtp.url()))).unwrap();
    let shutdown = CancellationToken::new();
    let handle = worker.spawn(shutdown.clone());

    // A transaction queues its mail (due now) but commits only after a later mail went out.
    let slow = db.begin().await.unwrap();
    let early = mail::enqueue(
        &slow,
        confirmation("early@example.org", "Early", Language::En, false),
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let later = enqueue_committed(
        &db,
        confirmation("later@example.org", "Later", Language::En, false),
    )
    .await;
    wait_for_row(&db, later, Duration::from_secs(10), |r| {
        r.status == OutboxStatus::Sent
    })
    .await;
    slow.commit().await.unwrap();

    // Due before the mail the worker last took, so found by the next look from the start.
    let sent = wait_for_row(&db, early, Duration::from_secs(10), |r| {
        r.status == OutboxStatus::Sent
    })
    .await;
    assert!(sent.next_attempt_at < row(&db, later).await.next_attempt_at);
    assert_eq!(smtp.wait_for(2, Duration::from_secs(5)).await.len(), 2);
    shutdown.cancel();
    handle.await.unwrap();
}

// ---------------------------------------------------------------------------------------------
// Mail servers that misbehave (issue #13, items 2–4; issue #12, item 8)
// ---------------------------------------------------------------------------------------------

/// A listener that accepts connections and never says a word; counts the connections.
fn silent_smtp() -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::{atomic::AtomicUsize, Arc};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            held.push(stream);
        }
    });
    (port, accepted)
}

/// A minimal real SMTP server over TCP that answers every `RCPT TO` with `rcpt_reply`
/// (e.g. `550 5.1.1 <a@b>: user unknown`) and everything else as a willing server would.
fn refusing_smtp(rcpt_reply: &'static str) -> u16 {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut writer = stream.try_clone().unwrap();
                let mut reader = BufReader::new(stream);
                let _ = writer.write_all(b"220 refuser.test ESMTP\r\n");
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                    let command = line.to_ascii_uppercase();
                    let reply = if command.starts_with("EHLO") || command.starts_with("HELO") {
                        "250 refuser.test".to_owned()
                    } else if command.starts_with("RCPT") {
                        // The reply quotes the address the client gave, as real servers do.
                        let address = line.trim_end().trim_start_matches("RCPT TO:");
                        rcpt_reply.replace("{rcpt}", address)
                    } else if command.starts_with("QUIT") {
                        let _ = writer.write_all(b"221 bye\r\n");
                        break;
                    } else {
                        "250 2.0.0 ok".to_owned()
                    };
                    let _ = writer.write_all(format!("{reply}\r\n").as_bytes());
                    line.clear();
                }
            });
        }
    });
    port
}

thread_local! {
    /// Where this thread's log lines go while [`captured_logs`] runs on it.
    static CAPTURE: std::cell::RefCell<Option<Vec<u8>>> = const { std::cell::RefCell::new(None) };
}

/// Installs, once per test process, the one global subscriber [`captured_logs`] reads from.
///
/// A subscriber set per thread (`set_default`) is not enough: a callsite first met by another
/// test's thread while no subscriber wanted it may stay cached as unwanted (a race that lost a
/// test its "mail sent" lines in CI). With one global subscriber every callsite is wanted
/// "sometimes" and the filter asks, event by event, whether this thread is capturing.
fn install_log_capture() {
    use tracing_subscriber::{filter::dynamic_filter_fn, layer::SubscriberExt, Layer};
    static ONCE: std::sync::Once = std::sync::Once::new();
    struct ThreadWriter;
    impl std::io::Write for ThreadWriter {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            CAPTURE.with(|capture| {
                if let Some(buffer) = capture.borrow_mut().as_mut() {
                    buffer.extend_from_slice(bytes);
                }
            });
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    ONCE.call_once(|| {
        let capturing = dynamic_filter_fn(|_, _| CAPTURE.with(|c| c.borrow().is_some()));
        let layer = tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(|| ThreadWriter)
            .with_filter(capturing);
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
            .expect("no other global subscriber in this test process");
    });
}

/// The log lines (every level) written on this thread while `f` runs; `f` must not move to
/// another thread (`#[tokio::test]` runs on the current thread).
async fn captured_logs<T>(f: impl std::future::Future<Output = T>) -> (T, String) {
    install_log_capture();
    CAPTURE.with(|capture| *capture.borrow_mut() = Some(Vec::new()));
    let value = f.await;
    let bytes = CAPTURE.with(|capture| capture.borrow_mut().take().unwrap_or_default());
    (value, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test]
async fn a_mail_server_that_accepts_and_never_speaks_times_out_and_the_attempt_is_retried() {
    let (db, _database) = fresh_db().await;
    let (port, accepted) = silent_smtp();
    let mut settings = settings(Some(format!("smtp://127.0.0.1:{port}")));
    settings.send_timeout = Duration::from_millis(500);
    let worker = MailWorker::new(db.clone(), &settings).unwrap();
    let id = enqueue_committed(
        &db,
        confirmation("ada@example.org", "Ada", Language::En, false),
    )
    .await;

    let started = std::time::Instant::now();
    let outcome = worker.run_once(&CancellationToken::new()).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!((outcome.claimed, outcome.sent, outcome.failed), (1, 0, 1));
    assert!(accepted.load(std::sync::atomic::Ordering::SeqCst) >= 1);
    let r = row(&db, id).await;
    assert_eq!(
        (r.status, r.attempts, r.locked_until),
        (OutboxStatus::Pending, 1, None)
    );
    assert!(r.last_error.unwrap().contains("did not finish"));
    assert!(r.next_attempt_at > chrono::Utc::now());
}

#[tokio::test]
async fn a_stopping_worker_gives_up_on_a_silent_mail_server_within_seconds_and_releases_the_mail() {
    let (db, _database) = fresh_db().await;
    let (port, accepted) = silent_smtp();
    let mut settings = settings(Some(format!("smtp://127.0.0.1:{port}")));
    settings.send_timeout = Duration::from_secs(600);
    let worker = MailWorker::new(db.clone(), &settings).unwrap();
    let id = enqueue_committed(
        &db,
        confirmation("ada@example.org", "Ada", Language::En, false),
    )
    .await;
    let shutdown = CancellationToken::new();
    let task = worker.spawn(shutdown.clone());
    // The worker is waiting for the greeting.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while accepted.load(std::sync::atomic::Ordering::SeqCst) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the worker never connected"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;

    let stopping = std::time::Instant::now();
    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(3), task)
        .await
        .expect("the worker stops within 3 s")
        .unwrap();
    assert!(stopping.elapsed() < Duration::from_secs(3));
    // Not stuck behind a lease: the next worker may take it at once.
    let r = row(&db, id).await;
    assert_eq!(
        (r.status, r.attempts, r.locked_until),
        (OutboxStatus::Pending, 0, None)
    );
}

#[tokio::test]
async fn a_permanent_smtp_refusal_fails_the_mail_at_once_without_logging_the_address() {
    let (db, _database) = fresh_db().await;
    let port = refusing_smtp("550 5.1.1 {rcpt}: Recipient address rejected: user unknown");
    let worker = MailWorker::new(
        db.clone(),
        &settings(Some(format!("smtp://127.0.0.1:{port}"))),
    )
    .unwrap();
    let id = enqueue_committed(
        &db,
        confirmation("nobody.here@example.org", "Nobody", Language::En, false),
    )
    .await;

    let (outcome, logs) = captured_logs(worker.run_once(&CancellationToken::new())).await;
    assert_eq!(outcome.unwrap().failed, 1);
    let r = row(&db, id).await;
    assert_eq!((r.status, r.attempts), (OutboxStatus::Failed, 1));
    let error = r.last_error.unwrap();
    assert!(error.contains("550"), "{error}");
    assert!(!error.to_lowercase().contains("nobody.here"), "{error}");
    assert!(logs.contains("mail failed for good"), "{logs}");
    assert!(
        !logs.to_lowercase().contains("nobody.here"),
        "the address was logged: {logs}"
    );
    // The admin outbox shows it as failed.
    let failed = mail::list(&db, Some(OutboxStatus::Failed), 10, None)
        .await
        .unwrap();
    assert_eq!(failed.items.iter().map(|m| m.id).collect::<Vec<_>>(), [id]);
}

#[tokio::test]
async fn a_temporary_smtp_refusal_is_retried() {
    let (db, _database) = fresh_db().await;
    let port = refusing_smtp("451 4.3.0 {rcpt}: try again later");
    let worker = MailWorker::new(
        db.clone(),
        &settings(Some(format!("smtp://127.0.0.1:{port}"))),
    )
    .unwrap();
    let id = enqueue_committed(
        &db,
        confirmation("later@example.org", "Later", Language::En, false),
    )
    .await;
    let (outcome, logs) = captured_logs(worker.run_once(&CancellationToken::new())).await;
    let outcome = outcome.unwrap();
    assert_eq!(outcome.failed, 1);
    assert_eq!(outcome.next_retry_in, Some(Duration::from_secs(2)));
    let r = row(&db, id).await;
    assert_eq!((r.status, r.attempts), (OutboxStatus::Pending, 1));
    assert!(r.last_error.unwrap().contains("451"));
    assert!(logs.contains("will retry"), "{logs}");
    assert!(
        !logs.contains("later@example.org"),
        "the address was logged: {logs}"
    );
}

#[tokio::test]
async fn mail_parked_years_ahead_by_a_clock_that_went_back_is_sent_on_the_next_pass() {
    let (db, _database) = fresh_db().await;
    let smtp = TestSmtp::start();
    let worker = MailWorker::new(db.clone(), &settings(Some(smtp.url()))).unwrap();
    let due_later = enqueue_committed(
        &db,
        confirmation("ada@example.org", "Ada", Language::En, false),
    )
    .await;
    let leased_later = enqueue_committed(
        &db,
        confirmation("bob@example.org", "Bob", Language::En, false),
    )
    .await;
    // Written while the clock ran ten years ahead.
    let ahead = chrono::Utc::now() + chrono::Duration::days(3650);
    for (id, column) in [
        (due_later, outbox::Column::NextAttemptAt),
        (leased_later, outbox::Column::LockedUntil),
    ] {
        outbox::Entity::update_many()
            .col_expr(column, sea_orm::sea_query::Expr::value(ahead))
            .filter(outbox::Column::Id.eq(id))
            .exec(&db)
            .await
            .unwrap();
    }

    let outcome = worker.run_once(&CancellationToken::new()).await.unwrap();
    assert_eq!(outcome.sent, 2);
    assert_eq!(smtp.wait_for(2, Duration::from_secs(5)).await.len(), 2);
    for id in [due_later, leased_later] {
        let r = row(&db, id).await;
        assert_eq!(r.status, OutboxStatus::Sent);
    }
}

#[tokio::test]
async fn no_pending_mail_stays_due_further_ahead_than_the_longest_backoff() {
    let (db, _database) = fresh_db().await;
    let id = enqueue_committed(
        &db,
        confirmation("ada@example.org", "Ada", Language::En, false),
    )
    .await;
    let now = chrono::Utc::now();
    outbox::Entity::update_many()
        .col_expr(
            outbox::Column::NextAttemptAt,
            sea_orm::sea_query::Expr::value(now + chrono::Duration::days(3650)),
        )
        .filter(outbox::Column::Id.eq(id))
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(
        podium::mail::worker::clamp_future(&db, now).await.unwrap(),
        1
    );
    assert!(row(&db, id).await.next_attempt_at <= now + chrono::Duration::seconds(60));
    // A retry scheduled by another worker a moment after this clamp read the clock is left
    // alone (a minute's slack), and so is a fresh claim.
    outbox::Entity::update_many()
        .col_expr(
            outbox::Column::NextAttemptAt,
            sea_orm::sea_query::Expr::value(now + chrono::Duration::seconds(61)),
        )
        .col_expr(
            outbox::Column::LockedUntil,
            sea_orm::sea_query::Expr::value(now + chrono::Duration::seconds(301)),
        )
        .filter(outbox::Column::Id.eq(id))
        .exec(&db)
        .await
        .unwrap();
    // Nothing left to clamp.
    assert_eq!(
        podium::mail::worker::clamp_future(&db, now).await.unwrap(),
        0
    );
}

/// Runs `sql` until it succeeds (a pooled connection may have been cut), 10 s at most.
async fn execute_until_done(db: &DatabaseConnection, sql: &str) {
    use sea_orm::ConnectionTrait;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        match db.execute_unprepared(sql).await {
            Ok(_) => return,
            Err(e) if std::time::Instant::now() > deadline => panic!("{sql}: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// Issue 30, item 4: the database goes away for 3 s in the middle of a burst (the outbox is
/// out of reach, and on PostgreSQL every connection of the worker is cut). Before, mails sent
/// while it was away were sent again after the lease and the claimed rest waited out its 5
/// minutes; now the worker keeps what it sent and what it did not attempt, records and gives
/// them back as soon as the database answers: every mail exactly once, soon after.
#[tokio::test]
async fn a_database_outage_mid_burst_sends_every_mail_exactly_once_and_soon() {
    use sea_orm::ConnectionTrait;
    let (db, _database) = fresh_db().await;
    let smtp = TestSmtp::start();
    smtp.set_delay(Duration::from_millis(10));
    let total = 100;
    enqueue_guests(&db, total as u64).await;
    let worker = MailWorker::new(
        Database::connect(_database.url.as_str()).await.unwrap(),
        &settings(Some(smtp.url())),
    )
    .unwrap();
    let shutdown = CancellationToken::new();
    let handle = worker.spawn(shutdown.clone());
    let before = smtp.wait_for(20, Duration::from_secs(20)).await.len();
    assert!(before < total, "the burst ended before the fault");
    execute_until_done(&db, "ALTER TABLE outbox RENAME TO outbox_away").await;
    if helpers::is_postgres() {
        db.execute_unprepared(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .await
        .unwrap();
    }
    // The fault lasts 3 s (its length is the fault's, not a wait for a condition).
    tokio::time::sleep(Duration::from_secs(3)).await;
    let during = smtp.messages().len();
    execute_until_done(&db, "ALTER TABLE outbox_away RENAME TO outbox").await;
    let restored = std::time::Instant::now();
    let received = smtp.wait_for(total, Duration::from_secs(20)).await;
    let took = restored.elapsed();
    assert!(
        during < total,
        "the burst was over before the database came back"
    );
    let mut seen = std::collections::HashMap::new();
    for m in &received {
        *seen.entry(m.header("Message-ID").unwrap()).or_insert(0) += 1;
    }
    assert_eq!(seen.len(), total, "every mail arrives");
    // A mail would arrive twice only after its claim: wait past it before counting.
    wait_until_sent(&db, total as u64).await;
    let received = smtp.messages();
    assert_eq!(received.len(), total, "no mail arrived twice");
    assert!(took < Duration::from_secs(10), "took {took:?}");
    shutdown.cancel();
    handle.await.unwrap();
}

/// Polls until `n` mails are marked sent (20 s at most).
async fn wait_until_sent(db: &DatabaseConnection, n: u64) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while sent_count(db).await < n {
        assert!(
            std::time::Instant::now() < deadline,
            "not every mail was marked sent"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
