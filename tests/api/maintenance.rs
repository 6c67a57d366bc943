//! The maintenance sweep (every 30 s on every instance) reads only what is due, through its
//! indexes, and works off a backlog in chunks, each its own short transaction.
use chrono::{Duration, Utc};
use entity::{idempotency_key, outbox};
use podium::services::{idempotency, maintenance};
use sea_orm::{
    ConnectionTrait, EntityTrait, IntoActiveModel, QueryTrait, Statement, TransactionTrait,
};

use crate::helpers::{is_postgres, spawn_app, TestApp};

/// The plan the database makes for `statement`. PostgreSQL is told to avoid sequential scans,
/// so a test's small tables do not hide a missing index (it still scans where no index fits).
async fn plan(app: &TestApp, statement: Statement) -> String {
    let txn = app.db.begin().await.unwrap();
    let explain = if is_postgres() {
        txn.execute_unprepared("SET LOCAL enable_seqscan = off")
            .await
            .unwrap();
        "EXPLAIN"
    } else {
        "EXPLAIN QUERY PLAN"
    };
    let sql = format!("{explain} {}", statement.sql);
    let rows = txn
        .query_all_raw(Statement::from_sql_and_values(
            statement.db_backend,
            sql,
            statement.values.map(|v| v.0).unwrap_or_default(),
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|row| {
            if is_postgres() {
                row.try_get_by_index::<String>(0).unwrap()
            } else {
                row.try_get::<String>("", "detail").unwrap()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Dropping the text of old mail read every mail ever sent, and purging old idempotency keys
/// every key: on SQLite each held the one writer for its whole scan (125–160 ms at 120 000 sent
/// mails, every 30 s).
#[tokio::test]
async fn the_sweeps_statements_read_through_their_indexes() {
    let app = spawn_app().await;
    let backend = app.db.get_database_backend();
    let now = Utc::now();
    let mail = plan(&app, maintenance::mail_text_drop(now).build(backend)).await;
    assert!(mail.contains("idx_outbox_sent_text"), "{mail}");
    let keys = plan(&app, idempotency::expired_keys(now).build(backend)).await;
    assert!(keys.contains("idx_idempotency_keys_created"), "{keys}");
    // The chosen rows themselves by their primary key, not by another pass over the index
    // (PostgreSQL plans with the values known here, so only SQLite's plan shows this part).
    for plan in [mail, keys] {
        assert!(
            !plan.contains("SCAN") && !plan.contains("Seq Scan"),
            "{plan}"
        );
    }
}

fn sent_mail(i: u64, sent_at: chrono::DateTime<Utc>) -> outbox::Model {
    outbox::Model {
        id: uuid::Uuid::now_v7(),
        kind: "registration_confirmed".to_owned(),
        event_id: None,
        recipient: format!("person{i}@example.org"),
        recipient_name: format!("Person {i}"),
        language: "de".to_owned(),
        subject: "Anmeldung bestätigt".to_owned(),
        text_body: "Guten Tag".to_owned(),
        html_body: "<p>Guten Tag</p>".to_owned(),
        ics: Some("BEGIN:VCALENDAR".to_owned()),
        ics_method: Some("REQUEST".to_owned()),
        message_id: format!("<{i}@podium.test>"),
        status: outbox::OutboxStatus::Sent,
        attempts: 1,
        next_attempt_at: sent_at,
        locked_until: None,
        last_error: None,
        created_at: sent_at,
        sent_at: Some(sent_at),
        record_id: None,
        reply_to: None,
        check_in_code: None,
    }
}

/// Two chunks and one row more: every row due is done, and nothing that is not.
#[tokio::test]
async fn a_backlog_is_worked_off_in_chunks_to_the_last_row() {
    let app = spawn_app().await;
    let now = Utc::now();
    let due = 2 * podium::db::CHUNK + 1;
    // Sent a day ago: the app's own sweep (30 days' retention) leaves them alone.
    let mut mails: Vec<_> = (0..due)
        .map(|i| sent_mail(i, now - Duration::days(1)).into_active_model())
        .collect();
    mails.push(sent_mail(due, now + Duration::minutes(1)).into_active_model());
    let mut pending = sent_mail(due + 1, now - Duration::days(1));
    pending.status = outbox::OutboxStatus::Pending;
    pending.sent_at = None;
    mails.push(pending.into_active_model());
    outbox::Entity::insert_many(mails)
        .exec(&app.db)
        .await
        .unwrap();

    let dropped = maintenance::drop_sent_mail_text(&app.db, now)
        .await
        .unwrap();
    assert_eq!(dropped, due);
    let with_text: Vec<String> = outbox::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|mail| !mail.text_body.is_empty())
        .map(|mail| mail.recipient)
        .collect();
    assert_eq!(
        with_text.len(),
        2,
        "the mail sent after the cutoff and the pending one keep their text: {with_text:?}"
    );
    assert_eq!(
        maintenance::drop_sent_mail_text(&app.db, now)
            .await
            .unwrap(),
        0
    );

    let keys: Vec<_> = (0..=due)
        .map(|i| {
            idempotency_key::Model {
                scope: "POST /api/v1/test".to_owned(),
                key: format!("key-{i}"),
                request_hash: "hash".to_owned(),
                status_code: 201,
                body: "{}".to_owned(),
                location: None,
                // The last one an hour younger than the others.
                created_at: now - Duration::hours(if i == due { 1 } else { 2 }),
                record_id: None,
            }
            .into_active_model()
        })
        .collect();
    idempotency_key::Entity::insert_many(keys)
        .exec(&app.db)
        .await
        .unwrap();
    // At `now + 22 h 30 min` the keys stored two hours before `now` are past their 24 hours.
    let later = now + Duration::minutes(22 * 60 + 30);
    assert_eq!(
        idempotency::purge_expired(&app.db, later).await.unwrap(),
        due
    );
    let left = idempotency_key::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].key, format!("key-{due}"));
}
