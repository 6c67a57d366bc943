use std::collections::HashSet;

use chrono::{Duration, Utc};
use entity::{event, registration};
use futures_util::future::join_all;
use podium::mail::MailSignal;
use podium::services::maintenance;
use reqwest::Method;
use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use crate::helpers::{
    registration_body, spawn_app, spawn_app_with, spawn_second_instance, Answer, TestApp,
};

fn s(v: &Value) -> &str {
    v.as_str().expect("a string")
}

/// Checks the event's counters against the registrations table.
async fn assert_counters_consistent(app: &TestApp, event_id: &str) {
    let id = uuid::Uuid::parse_str(event_id).unwrap();
    let e = event::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let rows = registration::Entity::find()
        .filter(registration::Column::EventId.eq(id))
        .all(&app.db)
        .await
        .unwrap();
    let count = |st: registration::RegistrationStatus| {
        rows.iter().filter(|r| r.status == st).count() as i32
    };
    assert_eq!(
        e.confirmed_count,
        count(registration::RegistrationStatus::Confirmed)
    );
    assert_eq!(
        e.pending_count,
        count(registration::RegistrationStatus::Pending)
    );
    assert_eq!(
        e.waitlisted_count,
        count(registration::RegistrationStatus::Waitlisted)
    );
    assert!(e.confirmed_count + e.pending_count <= e.capacity);
}

#[tokio::test]
async fn two_hundred_concurrent_registrations_fill_forty_seats_and_a_gapless_waitlist() {
    let app = spawn_app_with(|s| s.db_max_connections = 24).await;
    let event = app
        .published_event(json!({"slug": "rush", "capacity": 40}))
        .await;
    let requests = (0..200).map(|i| {
        let app = &app;
        async move {
            app.register_person("rush", &format!("Person {i}"), &format!("p{i}@example.org"))
                .await
        }
    });
    let answers = join_all(requests).await;
    let mut confirmed = 0;
    let mut positions = Vec::new();
    for a in &answers {
        a.assert_status(201);
        match s(&a.json["status"]) {
            "confirmed" => {
                confirmed += 1;
                assert!(a.json["waitlist_position"].is_null());
            }
            "waitlisted" => positions.push(a.json["waitlist_position"].as_i64().unwrap()),
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(confirmed, 40);
    positions.sort_unstable();
    assert_eq!(positions, (1..=160).collect::<Vec<i64>>());

    let e = app.event_admin("rush").await;
    assert_eq!(e["confirmed_count"], 40);
    assert_eq!(e["waitlisted_count"], 160);
    assert_eq!(e["seats_left"], 0);
    assert_counters_consistent(&app, s(&event["id"])).await;

    // Positions read back agree with the ones handed out.
    let last = answers
        .iter()
        .find(|a| a.json["waitlist_position"] == 160)
        .unwrap();
    let own = app
        .get(&format!(
            "/api/v1/registrations/{}",
            s(&last.json["manage_token"])
        ))
        .await;
    assert_eq!(own.json["waitlist_position"], 160);
    let stats = app.get_admin("/api/v1/events/rush/stats").await;
    assert_eq!(stats.json["registrations"]["confirmed"], 40);
    assert_eq!(stats.json["registrations"]["waitlisted"], 160);
    assert_eq!(stats.json["by_sector"]["science"], 200);
}

#[tokio::test]
async fn concurrent_registrations_with_the_same_email_give_one_seat_and_conflicts() {
    let app = spawn_app_with(|s| s.db_max_connections = 16).await;
    let event = app
        .published_event(json!({"slug": "twice", "capacity": 5}))
        .await;
    let answers = join_all((0..10).map(|i| {
        let app = &app;
        async move {
            let email = if i % 2 == 0 {
                "Same@Example.org"
            } else {
                "same@example.org"
            };
            app.register_person("twice", "Same Person", email).await
        }
    }))
    .await;
    let created = answers.iter().filter(|a| a.status == 201).count();
    assert_eq!(created, 1);
    for a in answers.iter().filter(|a| a.status != 201) {
        a.assert_problem(409);
    }
    assert_eq!(app.event_admin("twice").await["confirmed_count"], 1);
    assert_counters_consistent(&app, s(&event["id"])).await;
}

#[tokio::test]
async fn registering_answers_201_with_location_token_and_links() {
    let app = spawn_app().await;
    let event = app.published_event(json!({"slug": "fest"})).await;
    let a = app
        .register_person("fest", "Jane Doe", "jane@example.org")
        .await;
    a.assert_status(201);
    let token = s(&a.json["manage_token"]).to_owned();
    assert!(token.len() >= 43);
    assert_eq!(a.json["status"], "confirmed");
    assert_eq!(a.json["event_id"], event["id"]);
    assert!(a.json["waitlist_position"].is_null());
    assert_eq!(
        a.header("location"),
        Some(format!("/api/v1/registrations/{token}").as_str())
    );
    assert_eq!(
        a.json["calendar_url"],
        app.url(&format!("/api/v1/registrations/{token}/calendar.ics"))
    );
    assert_eq!(
        a.json["manage_url"],
        app.url(&format!("/registrations/{token}"))
    );
    assert_eq!(
        a.json["api_url"],
        app.url(&format!("/api/v1/registrations/{token}"))
    );
    let own = app.get(&format!("/api/v1/registrations/{token}")).await;
    own.assert_status(200);
    assert_eq!(own.json["email"], "jane@example.org");
    assert!(own.json.get("manage_token").is_none());
    app.get("/api/v1/registrations/not-a-token")
        .await
        .assert_problem(404);
    // The event's version (ETag) does not move with registrations.
    assert_eq!(app.event_admin("fest").await["confirmed_count"], 1);
    let before = app.get("/api/v1/events/fest").await;
    app.register_person("fest", "John Doe", "john@example.org")
        .await
        .assert_status(201);
    let after = app.get("/api/v1/events/fest").await;
    assert_eq!(before.header("etag"), after.header("etag"));
}

#[tokio::test]
async fn an_active_registration_with_the_same_email_in_any_case_is_a_conflict() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "fest"})).await;
    let first = app
        .register_person("fest", "Jane", "Jane.Doe@Example.org")
        .await;
    first.assert_status(201);
    app.register_person("fest", "Jane", "jane.doe@example.ORG")
        .await
        .assert_problem(409);
    // After cancelling, the address may register again.
    app.post(
        &format!(
            "/api/v1/registrations/{}/cancel",
            s(&first.json["manage_token"])
        ),
        &json!({}),
    )
    .await
    .assert_status(200);
    app.register_person("fest", "Jane", "jane.doe@example.org")
        .await
        .assert_status(201);
}

#[tokio::test]
async fn a_full_event_without_waitlist_is_a_conflict() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "small", "capacity": 1, "waitlist": false}))
        .await;
    app.register_person("small", "A", "a@example.org")
        .await
        .assert_status(201);
    app.register_person("small", "B", "b@example.org")
        .await
        .assert_problem(409);
    assert_eq!(app.event_admin("small").await["waitlisted_count"], 0);
}

#[tokio::test]
async fn a_full_event_with_waitlist_puts_people_in_line() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "small", "capacity": 1}))
        .await;
    app.register_person("small", "A", "a@example.org")
        .await
        .assert_status(201);
    let b = app.register_person("small", "B", "b@example.org").await;
    let c = app.register_person("small", "C", "c@example.org").await;
    assert_eq!(b.json["status"], "waitlisted");
    assert_eq!(b.json["waitlist_position"], 1);
    assert_eq!(c.json["waitlist_position"], 2);
    // B leaves the line: C moves to position 1.
    app.post(
        &format!(
            "/api/v1/registrations/{}/cancel",
            s(&b.json["manage_token"])
        ),
        &json!({}),
    )
    .await
    .assert_status(200);
    let c_now = app
        .get(&format!(
            "/api/v1/registrations/{}",
            s(&c.json["manage_token"])
        ))
        .await;
    assert_eq!(c_now.json["waitlist_position"], 1);
    assert_eq!(app.event_admin("small").await["waitlisted_count"], 1);
}

#[tokio::test]
async fn registration_is_refused_outside_the_window_and_for_unpublished_events() {
    let app = spawn_app().await;
    let soon = (Utc::now() + Duration::days(2)).to_rfc3339();
    let past = (Utc::now() - Duration::days(2)).to_rfc3339();
    let long_ago = (Utc::now() - Duration::days(3)).to_rfc3339();
    app.published_event(json!({"slug": "later", "registration_opens_at": soon}))
        .await;
    app.published_event(json!({"slug": "closed", "registration_closes_at": past}))
        .await;
    app.published_event(json!({"slug": "over", "starts_at": long_ago, "ends_at": past}))
        .await;
    app.create_event(json!({"slug": "draft"})).await;
    app.published_event(json!({"slug": "called-off"})).await;
    app.post_admin("/api/v1/events/called-off/cancel", &json!({}))
        .await
        .assert_status(200);
    for slug in ["later", "closed", "over", "called-off"] {
        app.register_person(slug, "A", "a@example.org")
            .await
            .assert_problem(409);
    }
    // A draft is nothing to strangers: the same 404 as an unknown event (#12 item 8).
    app.register_person("draft", "A", "a@example.org")
        .await
        .assert_problem(404);
    app.register_person("no-such-event", "A", "a@example.org")
        .await
        .assert_problem(404);
}

#[tokio::test]
async fn invalid_registrations_are_422_with_every_field_named() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "fest"})).await;
    let a = app
        .register(
            "fest",
            &json!({"name": "", "email": "nope", "sector": "crime", "language": "fr",
                    "organisation": "x".repeat(201), "consent": false}),
        )
        .await;
    a.assert_problem(422);
    let mut fields = a.error_fields();
    fields.sort();
    assert_eq!(
        fields,
        [
            "consent",
            "email",
            "language",
            "name",
            "organisation",
            "sector"
        ]
    );
    let mut no_consent = registration_body("A", "a@example.org");
    no_consent.as_object_mut().unwrap().remove("consent");
    let a = app.register("fest", &no_consent).await;
    a.assert_problem(422);
    assert_eq!(a.error_fields(), ["consent"]);
    let a = app
        .register("fest", &json!({"name": "A", "email": "a@example.org"}))
        .await;
    a.assert_problem(422);
    let a = app
        .register(
            "fest",
            &json!({"name": "A", "email": "a@example.org", "sector": "science", "consent": "yes"}),
        )
        .await;
    a.assert_problem(422);
    let a = app.register("fest", &json!({"name": "A\nB", "email": "a@example.org", "sector": "science", "consent": true})).await;
    a.assert_problem(422);
    let raw = app
        .client
        .post(app.url("/api/v1/events/fest/registrations"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    assert_eq!(app.event_admin("fest").await["confirmed_count"], 0);
}

#[tokio::test]
async fn language_defaults_to_the_accept_language_header_else_english() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "fest"})).await;
    let mut body = registration_body("A", "a@example.org");
    body.as_object_mut().unwrap().remove("language");
    let a = app.register("fest", &body).await;
    assert_eq!(a.json["language"], "en");
    body["email"] = json!("b@example.org");
    let b = app
        .client
        .post(app.url("/api/v1/events/fest/registrations"))
        .header("accept-language", "de-DE,de;q=0.9,en;q=0.8")
        .json(&body)
        .send()
        .await
        .unwrap();
    let b: Value = b.json().await.unwrap();
    assert_eq!(b["language"], "de");
}

#[tokio::test]
async fn an_idempotency_key_replays_the_first_answer_and_creates_nothing() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "fest"})).await;
    let body = registration_body("Jane", "jane@example.org");
    let path = "/api/v1/events/fest/registrations";
    let first = app
        .post_with_headers(path, &body, &[("Idempotency-Key", "k-1")])
        .await;
    first.assert_status(201);
    // The same document, keys in another order.
    let reordered: Value = serde_json::from_str(
        r#"{"consent": true, "language": "en", "sector": "science",
            "organisation": "Fraunhofer IOF", "email": "jane@example.org", "name": "Jane"}"#,
    )
    .unwrap();
    let again = app
        .post_with_headers(path, &reordered, &[("Idempotency-Key", "k-1")])
        .await;
    again.assert_status(201);
    assert_eq!(again.json, first.json);
    assert_eq!(again.header("location"), first.header("location"));
    assert_eq!(app.event_admin("fest").await["confirmed_count"], 1);
    // The same key with another body.
    app.post_with_headers(
        path,
        &registration_body("Jane", "other@example.org"),
        &[("Idempotency-Key", "k-1")],
    )
    .await
    .assert_problem(422);
    // Concurrent repeats of one key: one registration, the same answer for all.
    let body = registration_body("Max", "max@example.org");
    let answers =
        join_all((0..6).map(|_| app.post_with_headers(path, &body, &[("Idempotency-Key", "k-2")])))
            .await;
    for a in &answers {
        a.assert_status(201);
        assert_eq!(a.json["id"], answers[0].json["id"]);
    }
    assert_eq!(app.event_admin("fest").await["confirmed_count"], 2);
    // Without a key a repeat is a new request (and here a duplicate).
    app.register("fest", &body).await.assert_problem(409);
}

#[tokio::test]
async fn sixty_four_concurrent_registrations_with_and_without_keys_fill_ten_seats_and_register_each_key_once(
) {
    let app = spawn_app_with(|s| s.db_max_connections = 24).await;
    let event = app
        .published_event(json!({"slug": "mixed", "capacity": 10}))
        .await;
    let path = "/api/v1/events/mixed/registrations";
    // Half without a key (32 people), half with one: 16 keys, each sent twice with its body.
    let requests = (0..64).map(|i| {
        let app = &app;
        async move {
            if i % 2 == 0 {
                let answer = app
                    .register_person(
                        "mixed",
                        &format!("Ohne {i}"),
                        &format!("ohne{i}@example.org"),
                    )
                    .await;
                (None, answer)
            } else {
                let k = i / 4;
                let key = format!("key-{k}");
                let body = registration_body(&format!("Mit {k}"), &format!("mit{k}@example.org"));
                let answer = app
                    .post_with_headers(path, &body, &[("Idempotency-Key", key.as_str())])
                    .await;
                (Some(key), answer)
            }
        }
    });
    let answers = join_all(requests).await;
    let mut ids = HashSet::new();
    let mut confirmed = 0;
    let mut positions = Vec::new();
    for (_, a) in &answers {
        a.assert_status(201);
        if !ids.insert(s(&a.json["id"]).to_owned()) {
            continue;
        }
        match s(&a.json["status"]) {
            "confirmed" => confirmed += 1,
            "waitlisted" => positions.push(a.json["waitlist_position"].as_i64().unwrap()),
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(ids.len(), 48, "32 without a key, 16 keys once each");
    assert_eq!(confirmed, 10);
    positions.sort_unstable();
    assert_eq!(positions, (1..=38).collect::<Vec<i64>>());
    for k in 0..16 {
        let key = format!("key-{k}");
        let pair: Vec<&crate::helpers::Answer> = answers
            .iter()
            .filter(|(sent, _)| sent.as_deref() == Some(key.as_str()))
            .map(|(_, a)| a)
            .collect();
        assert_eq!(pair.len(), 2);
        assert_eq!(pair[0].json, pair[1].json, "a replay is the first answer");
        assert_eq!(pair[0].header("location"), pair[1].header("location"));
        let replayed = pair
            .iter()
            .filter(|a| a.header("idempotent-replayed") == Some("true"))
            .count();
        assert_eq!(replayed, 1, "{key}: one ran, one replayed");
    }
    let e = app.event_admin("mixed").await;
    assert_eq!(e["confirmed_count"], 10);
    assert_eq!(e["waitlisted_count"], 38);
    assert_counters_consistent(&app, s(&event["id"])).await;
    let keys = entity::idempotency_key::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(keys.len(), 16);

    // One key sent at once with two bodies: one registers, the other is refused.
    let clash = join_all(["Erste", "Zweite"].map(|name| {
        let body = registration_body(name, &format!("{name}@example.org"));
        let app = &app;
        async move {
            app.post_with_headers(path, &body, &[("Idempotency-Key", "clash")])
                .await
        }
    }))
    .await;
    let mut statuses: Vec<u16> = clash.iter().map(|a| a.status.as_u16()).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 422]);
    assert_counters_consistent(&app, s(&event["id"])).await;
}

/// Makes every transaction that stores an idempotency key fail at its `COMMIT` (a deferred
/// foreign key broken by a trigger), or takes that back.
async fn fail_commits_with_keys(app: &TestApp, fail: bool) {
    use sea_orm::ConnectionTrait;
    let postgres = crate::helpers::is_postgres();
    let statements: Vec<&str> = match (fail, postgres) {
        (true, false) => vec![
            "CREATE TABLE doom_parent (id INTEGER PRIMARY KEY)",
            "CREATE TABLE doom (parent INTEGER REFERENCES doom_parent (id) DEFERRABLE INITIALLY DEFERRED)",
            "CREATE TRIGGER doom_keys AFTER INSERT ON idempotency_keys BEGIN INSERT INTO doom (parent) VALUES (1); END",
        ],
        (true, true) => vec![
            "CREATE TABLE doom_parent (id INTEGER PRIMARY KEY)",
            "CREATE TABLE doom (parent INTEGER REFERENCES doom_parent (id) DEFERRABLE INITIALLY DEFERRED)",
            "CREATE FUNCTION doom_key() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN INSERT INTO doom (parent) VALUES (1); RETURN NEW; END $$",
            "CREATE TRIGGER doom_keys AFTER INSERT ON idempotency_keys \
             FOR EACH ROW EXECUTE FUNCTION doom_key()",
        ],
        (false, false) => vec!["DROP TRIGGER doom_keys"],
        (false, true) => vec!["DROP TRIGGER doom_keys ON idempotency_keys"],
    };
    for sql in statements {
        app.db.execute_unprepared(sql).await.unwrap();
    }
}

#[tokio::test]
async fn a_batch_whose_commit_fails_keeps_no_key_and_a_retry_with_the_key_registers() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "wackel"})).await;
    let path = "/api/v1/events/wackel/registrations";
    let body = registration_body("Ada", "ada@example.org");
    let keyed = [("Idempotency-Key", "doomed")];
    fail_commits_with_keys(&app, true).await;
    // The batch's statements (key included) all run; its commit fails, and so does the retry
    // of the request on its own.
    let failed = app.post_with_headers(path, &body, &keyed).await;
    assert_ne!(failed.status.as_u16(), 201, "{}", failed.text);
    assert!(failed.header("idempotent-replayed").is_none());
    let keys = entity::idempotency_key::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert!(keys.is_empty(), "a key without its registration: {keys:?}");
    let rows = registration::Entity::find().all(&app.db).await.unwrap();
    assert!(rows.is_empty());
    assert_eq!(app.event_admin("wackel").await["confirmed_count"], 0);
    // Others are not held up: a request without a key still registers.
    app.register_person("wackel", "Ohne", "ohne@example.org")
        .await
        .assert_status(201);

    fail_commits_with_keys(&app, false).await;
    let retried = app.post_with_headers(path, &body, &keyed).await;
    retried.assert_status(201);
    assert!(retried.header("idempotent-replayed").is_none());
    let repeated = app.post_with_headers(path, &body, &keyed).await;
    repeated.assert_status(201);
    assert_eq!(repeated.header("idempotent-replayed"), Some("true"));
    assert_eq!(repeated.json, retried.json);
    assert_eq!(app.event_admin("wackel").await["confirmed_count"], 2);
}

#[tokio::test]
async fn an_expired_key_not_yet_swept_registers_anew_and_is_kept_again() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "alt"})).await;
    let path = "/api/v1/events/alt/registrations";
    let key = [("Idempotency-Key", "gestern")];
    app.post_with_headers(path, &registration_body("A", "a@example.org"), &key)
        .await
        .assert_status(201);
    entity::idempotency_key::Entity::update_many()
        .col_expr(
            entity::idempotency_key::Column::CreatedAt,
            Expr::value(Utc::now() - Duration::hours(25)),
        )
        .exec(&app.db)
        .await
        .unwrap();
    // Another body under the old key: no 422, the key is free again, and its row is replaced
    // in the batch's own statement.
    let body = registration_body("B", "b@example.org");
    let fresh = app.post_with_headers(path, &body, &key).await;
    fresh.assert_status(201);
    assert!(fresh.header("idempotent-replayed").is_none());
    let again = app.post_with_headers(path, &body, &key).await;
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.json, fresh.json);
    assert_eq!(app.event_admin("alt").await["confirmed_count"], 2);
}

#[tokio::test]
async fn old_idempotency_keys_are_purged_by_the_sweep() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "fest"})).await;
    let path = "/api/v1/events/fest/registrations";
    app.post_with_headers(
        path,
        &registration_body("A", "a@example.org"),
        &[("Idempotency-Key", "old")],
    )
    .await
    .assert_status(201);
    entity::idempotency_key::Entity::update_many()
        .col_expr(
            entity::idempotency_key::Column::CreatedAt,
            Expr::value(Utc::now() - Duration::hours(25)),
        )
        .exec(&app.db)
        .await
        .unwrap();
    maintenance::run_once(&app.db, &MailSignal::new(), &app.address)
        .await
        .unwrap();
    let left = entity::idempotency_key::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert!(left.is_empty());
}

async fn cancel(app: &TestApp, token: &str) -> crate::helpers::Answer {
    app.post(&format!("/api/v1/registrations/{token}/cancel"), &json!({}))
        .await
}

#[tokio::test]
async fn cancelling_frees_the_seat_for_the_first_on_the_waitlist() {
    let app = spawn_app().await;
    let event = app
        .published_event(json!({"slug": "small", "capacity": 2}))
        .await;
    let a = app.register_person("small", "A", "a@example.org").await;
    app.register_person("small", "B", "b@example.org").await;
    let c = app.register_person("small", "C", "c@example.org").await;
    let d = app.register_person("small", "D", "d@example.org").await;
    assert_eq!(c.json["waitlist_position"], 1);
    let cancelled = cancel(&app, s(&a.json["manage_token"])).await;
    cancelled.assert_status(200);
    assert_eq!(cancelled.json["status"], "cancelled");
    // Cancelling twice is harmless.
    cancel(&app, s(&a.json["manage_token"]))
        .await
        .assert_status(200);
    let c_now = app
        .get(&format!(
            "/api/v1/registrations/{}",
            s(&c.json["manage_token"])
        ))
        .await;
    assert_eq!(c_now.json["status"], "confirmed");
    let d_now = app
        .get(&format!(
            "/api/v1/registrations/{}",
            s(&d.json["manage_token"])
        ))
        .await;
    assert_eq!(d_now.json["waitlist_position"], 1);
    let e = app.event_admin("small").await;
    assert_eq!(e["confirmed_count"], 2);
    assert_eq!(e["waitlisted_count"], 1);
    assert_counters_consistent(&app, s(&event["id"])).await;
}

#[tokio::test]
async fn raising_the_capacity_promotes_in_waitlist_order() {
    let app = spawn_app().await;
    let event = app
        .published_event(json!({"slug": "small", "capacity": 1}))
        .await;
    app.register_person("small", "A", "a@example.org").await;
    let b = app.register_person("small", "B", "b@example.org").await;
    let c = app.register_person("small", "C", "c@example.org").await;
    let d = app.register_person("small", "D", "d@example.org").await;
    let updated = app
        .patch_admin("/api/v1/events/small", &json!({"capacity": 3}))
        .await;
    updated.assert_status(200);
    assert_eq!(updated.json["confirmed_count"], 3);
    assert_eq!(updated.json["waitlisted_count"], 1);
    for (who, status) in [(&b, "confirmed"), (&c, "confirmed"), (&d, "waitlisted")] {
        let now = app
            .get(&format!(
                "/api/v1/registrations/{}",
                s(&who.json["manage_token"])
            ))
            .await;
        assert_eq!(now.json["status"], status);
    }
    assert_counters_consistent(&app, s(&event["id"])).await;
}

#[tokio::test]
async fn double_opt_in_holds_the_seat_until_confirmed() {
    let app = spawn_app().await;
    let event = app
        .published_event(
            json!({"slug": "optin", "capacity": 1, "require_email_confirmation": true}),
        )
        .await;
    let a = app.register_person("optin", "A", "a@example.org").await;
    a.assert_status(201);
    assert_eq!(a.json["status"], "pending");
    assert!(a.json["hold_expires_at"].is_string());
    let b = app.register_person("optin", "B", "b@example.org").await;
    assert_eq!(b.json["status"], "waitlisted");
    let token = s(&a.json["manage_token"]);
    let confirmed = app
        .post(
            &format!("/api/v1/registrations/{token}/confirm"),
            &json!({}),
        )
        .await;
    confirmed.assert_status(200);
    assert_eq!(confirmed.json["status"], "confirmed");
    assert!(confirmed.json["hold_expires_at"].is_null());
    app.post(
        &format!("/api/v1/registrations/{token}/confirm"),
        &json!({}),
    )
    .await
    .assert_status(200);
    app.post(
        &format!(
            "/api/v1/registrations/{}/confirm",
            s(&b.json["manage_token"])
        ),
        &json!({}),
    )
    .await
    .assert_problem(409);
    let e = app.event_admin("optin").await;
    assert_eq!(e["confirmed_count"], 1);
    assert_eq!(e["pending_count"], 0);
    assert_counters_consistent(&app, s(&event["id"])).await;
}

#[tokio::test]
async fn an_unconfirmed_hold_expires_after_48_hours_and_the_waitlist_moves_up() {
    let app = spawn_app().await;
    let event = app
        .published_event(
            json!({"slug": "optin", "capacity": 1, "require_email_confirmation": true}),
        )
        .await;
    let a = app.register_person("optin", "A", "a@example.org").await;
    let b = app.register_person("optin", "B", "b@example.org").await;
    assert_eq!(b.json["status"], "waitlisted");
    // Not yet due: nothing happens.
    maintenance::run_once(&app.db, &MailSignal::new(), &app.address)
        .await
        .unwrap();
    assert_eq!(app.event_admin("optin").await["pending_count"], 1);
    registration::Entity::update_many()
        .col_expr(
            registration::Column::HoldExpiresAt,
            Expr::value(Some(Utc::now() - Duration::minutes(1))),
        )
        .filter(registration::Column::Status.eq(registration::RegistrationStatus::Pending))
        .exec(&app.db)
        .await
        .unwrap();
    let token = s(&a.json["manage_token"]);
    app.post(
        &format!("/api/v1/registrations/{token}/confirm"),
        &json!({}),
    )
    .await
    .assert_problem(409);
    maintenance::run_once(&app.db, &MailSignal::new(), &app.address)
        .await
        .unwrap();
    // A second sweep (another instance) changes nothing.
    maintenance::run_once(&app.db, &MailSignal::new(), &app.address)
        .await
        .unwrap();
    let a_now = app.get(&format!("/api/v1/registrations/{token}")).await;
    assert_eq!(a_now.json["status"], "expired");
    let b_now = app
        .get(&format!(
            "/api/v1/registrations/{}",
            s(&b.json["manage_token"])
        ))
        .await;
    // B never confirmed an address: the seat is offered as a hold of its own (double opt-in).
    assert_eq!(b_now.json["status"], "pending");
    let e = app.event_admin("optin").await;
    assert_eq!(e["pending_count"], 1);
    assert_eq!(e["confirmed_count"], 0);
    assert_eq!(e["waitlisted_count"], 0);
    assert_counters_consistent(&app, s(&event["id"])).await;
    let mails = app.mails(4).await;
    let kinds: HashSet<String> = mails.iter().map(|m| m.subject()).collect();
    assert!(
        kinds.iter().any(|s| s.starts_with("Registration expired")),
        "{kinds:?}"
    );
    let to_b: Vec<String> = app
        .mails_to("b@example.org")
        .iter()
        .map(|m| m.subject())
        .collect();
    assert_eq!(to_b.len(), 2, "{to_b:?}");
    assert!(
        to_b.iter()
            .any(|s| s.starts_with("Please confirm your registration")),
        "{to_b:?}"
    );
}

#[tokio::test]
async fn the_attendee_erases_their_data_and_frees_the_seat() {
    let app = spawn_app().await;
    let event = app
        .published_event(json!({"slug": "small", "capacity": 1}))
        .await;
    let a = app
        .register_person("small", "Anna Secret", "anna@example.org")
        .await;
    let b = app.register_person("small", "B", "b@example.org").await;
    let token = s(&a.json["manage_token"]);
    let id = s(&a.json["id"]);
    app.delete(&format!("/api/v1/registrations/{token}"))
        .await
        .assert_status(204);
    app.get(&format!("/api/v1/registrations/{token}"))
        .await
        .assert_problem(404);
    let row = app
        .get_admin(&format!("/api/v1/events/small/registrations/{id}"))
        .await;
    row.assert_status(200);
    assert_eq!(row.json["name"], "");
    assert_eq!(row.json["email"], "");
    assert_eq!(row.json["organisation"], "");
    assert_eq!(row.json["status"], "cancelled");
    assert!(row.json["erased_at"].is_string());
    assert_eq!(row.json["sector"], "science");
    let b_now = app
        .get(&format!(
            "/api/v1/registrations/{}",
            s(&b.json["manage_token"])
        ))
        .await;
    assert_eq!(b_now.json["status"], "confirmed");
    let stats = app.get_admin("/api/v1/events/small/stats").await;
    assert_eq!(stats.json["registrations"]["cancelled"], 1);
    assert_eq!(stats.json["registrations"]["confirmed"], 1);
    let db_row = registration::Entity::find_by_id(uuid::Uuid::parse_str(id).unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(!format!("{db_row:?}").contains("anna"));
    assert!(!format!("{db_row:?}").contains("Secret"));
    assert_counters_consistent(&app, s(&event["id"])).await;
}

#[tokio::test]
async fn an_organiser_erases_an_attendee() {
    let app = spawn_app().await;
    let event = app.published_event(json!({"slug": "fest"})).await;
    let a = app
        .register_person("fest", "Anna", "anna@example.org")
        .await;
    let id = s(&a.json["id"]);
    let path = format!("/api/v1/events/fest/registrations/{id}");
    app.delete(&path).await.assert_problem(401);
    app.delete_admin(&path).await.assert_status(204);
    app.delete_admin(&path).await.assert_status(204);
    let row = app.get_admin(&path).await;
    assert_eq!(row.json["name"], "");
    assert_eq!(app.event_admin("fest").await["confirmed_count"], 0);
    app.delete_admin(&format!(
        "/api/v1/events/fest/registrations/{}",
        uuid::Uuid::new_v4()
    ))
    .await
    .assert_problem(404);
    // The address may register again.
    app.register_person("fest", "Anna", "anna@example.org")
        .await
        .assert_status(201);
    assert_counters_consistent(&app, s(&event["id"])).await;
}

#[tokio::test]
async fn organisers_check_attendees_in_and_undo_it() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "small", "capacity": 1}))
        .await;
    let a = app.register_person("small", "A", "a@example.org").await;
    let b = app.register_person("small", "B", "b@example.org").await;
    let path = |r: &crate::helpers::Answer| {
        format!(
            "/api/v1/events/small/registrations/{}/check-in",
            s(&r.json["id"])
        )
    };
    app.post(&path(&a), &json!({})).await.assert_problem(401);
    let first = app.post_admin(&path(&a), &json!({})).await;
    first.assert_status(200);
    let at = first.json["checked_in_at"].clone();
    assert!(at.is_string());
    let again = app.post_admin(&path(&a), &json!({})).await;
    assert_eq!(again.json["checked_in_at"], at);
    // A waitlisted attendee has no seat to check in to.
    app.post_admin(&path(&b), &json!({}))
        .await
        .assert_problem(409);
    let stats = app.get_admin("/api/v1/events/small/stats").await;
    assert_eq!(stats.json["checked_in"], 1);
    let checked = app
        .get_admin("/api/v1/events/small/registrations?checked_in=true")
        .await;
    assert_eq!(checked.json["total"], 1);
    let undone = app
        .request(Method::DELETE, &path(&a), Some(&app.admin_token), None)
        .await;
    undone.assert_status(200);
    assert!(undone.json["checked_in_at"].is_null());
    let stats = app.get_admin("/api/v1/events/small/stats").await;
    assert_eq!(stats.json["checked_in"], 0);
}

async fn seed_list(app: &TestApp) {
    app.published_event(json!({"slug": "list", "capacity": 3}))
        .await;
    let people = [
        ("Carla Zeiss", "carla@zeiss.example", "Zeiss AG", "business"),
        (
            "anton Abbe",
            "anton@uni-jena.example",
            "Universität Jena",
            "science",
        ),
        (
            "Bruno Schott",
            "bruno@schott.example",
            "Schott AG",
            "business",
        ),
        (
            "Dora Landtag",
            "dora@landtag.example",
            "Thüringer Landtag",
            "politics",
        ),
        ("Emil 100%_Sure", "emil@example.org", "Verein", "other"),
    ];
    for (name, email, org, sector) in people {
        let a = app
            .register(
                "list",
                &json!({"name": name, "email": email, "organisation": org,
                        "sector": sector, "consent": true}),
            )
            .await;
        a.assert_status(201);
    }
}

#[tokio::test]
async fn the_attendee_list_filters_by_status_sector_check_in_and_text() {
    let app = spawn_app().await;
    seed_list(&app).await;
    let app = &app;
    let get = |q: &str| {
        let path = format!("/api/v1/events/list/registrations{q}");
        async move { app.get_admin(&path).await }
    };
    let all = get("").await;
    all.assert_status(200);
    assert_eq!(all.json["total"], 5);
    assert!(all.json["next_cursor"].is_null());
    assert!(all.json["items"][0].get("manage_token").is_none());
    assert_eq!(get("?status=waitlisted").await.json["total"], 2);
    assert_eq!(get("?status=confirmed,waitlisted").await.json["total"], 5);
    let waiting = get("?status=waitlisted").await;
    let positions: Vec<i64> = waiting.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["waitlist_position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, [1, 2]);
    assert_eq!(get("?sector=business").await.json["total"], 2);
    assert_eq!(get("?q=ZEISS").await.json["total"], 1);
    assert_eq!(get("?q=uni-jena").await.json["total"], 1);
    assert_eq!(get("?q=ag").await.json["total"], 3);
    assert_eq!(get("?q=100%25_").await.json["total"], 1);
    assert_eq!(get("?q=%25").await.json["total"], 1);
    assert_eq!(get("?checked_in=false").await.json["total"], 5);
    assert_eq!(get("?checked_in=true").await.json["total"], 0);
    for bad in [
        "?status=happy",
        "?sector=crime",
        "?checked_in=maybe",
        "?sort=age",
        "?limit=0",
        "?cursor=xyz",
    ] {
        get(bad).await.assert_problem(422);
    }
    app.get("/api/v1/events/list/registrations")
        .await
        .assert_problem(401);
    app.get_admin("/api/v1/events/nothing/registrations")
        .await
        .assert_problem(404);
}

#[tokio::test]
async fn the_attendee_list_sorts_and_pages_with_a_cursor() {
    let app = spawn_app().await;
    seed_list(&app).await;
    let names = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let by_time = app.get_admin("/api/v1/events/list/registrations").await;
    assert_eq!(names(&by_time.json)[0], "Carla Zeiss");
    let newest = app
        .get_admin("/api/v1/events/list/registrations?sort=-created_at")
        .await;
    assert_eq!(names(&newest.json)[0], "Emil 100%_Sure");
    for sort in ["name", "-name", "created_at", "-created_at"] {
        let full = app
            .get_admin(&format!("/api/v1/events/list/registrations?sort={sort}"))
            .await;
        let mut paged = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("/api/v1/events/list/registrations?sort={sort}&limit=2");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let page = app.get_admin(&path).await;
            page.assert_status(200);
            assert_eq!(page.json["total"], 5);
            paged.extend(names(&page.json));
            match page.json["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        assert_eq!(paged, names(&full.json), "sort {sort}");
    }
    let by_name = names(
        &app.get_admin("/api/v1/events/list/registrations?sort=name")
            .await
            .json,
    );
    let mut sorted = by_name.clone();
    sorted.sort();
    let mut reversed = names(
        &app.get_admin("/api/v1/events/list/registrations?sort=-name")
            .await
            .json,
    );
    reversed.reverse();
    assert_eq!(by_name, reversed);
    // A cursor from one sort does not fit another.
    let page = app
        .get_admin("/api/v1/events/list/registrations?sort=name&limit=2")
        .await;
    let c = page.json["next_cursor"].as_str().unwrap();
    app.get_admin(&format!(
        "/api/v1/events/list/registrations?sort=created_at&cursor={c}"
    ))
    .await
    .assert_problem(422);
}

/// The list reads its page its own way on SQLite (one JSON value for the whole page); every
/// item must be exactly what the organisers' view of that one registration says, in every
/// status, timestamps to the last digit.
#[tokio::test]
async fn every_attendee_in_the_list_is_as_the_single_registration_shows_them() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "same", "capacity": 2, "require_email_confirmation": true}))
        .await;
    let mut tokens = Vec::new();
    for (name, email) in [
        ("Anna Ärger", "anna@example.org"),
        ("Ben \"Quote\" Back\\slash", "ben@example.org"),
        ("Cleo", "cleo@example.org"),
        ("Dan", "dan@example.org"),
        ("Eva", "eva@example.org"),
    ] {
        let a = app.register_person("same", name, email).await;
        a.assert_status(201);
        tokens.push(s(&a.json["manage_token"]).to_owned());
    }
    // Anna confirms and is checked in, Ben stays pending, Cleo waits, Dan cancels, Eva is erased.
    app.post(
        &format!("/api/v1/registrations/{}/confirm", tokens[0]),
        &json!({}),
    )
    .await
    .assert_status(200);
    let anna = app
        .get(&format!("/api/v1/registrations/{}", tokens[0]))
        .await;
    app.post_admin(
        &format!(
            "/api/v1/events/same/registrations/{}/check-in",
            s(&anna.json["id"])
        ),
        &json!({}),
    )
    .await
    .assert_status(200);
    app.post(
        &format!("/api/v1/registrations/{}/cancel", tokens[3]),
        &json!({}),
    )
    .await
    .assert_status(200);
    app.delete(&format!("/api/v1/registrations/{}", tokens[4]))
        .await
        .assert_status(204);
    for sort in ["created_at", "-name"] {
        let list = app
            .get_admin(&format!(
                "/api/v1/events/same/registrations?sort={sort}&limit=3"
            ))
            .await;
        list.assert_status(200);
        let mut seen = Vec::new();
        let mut page = list;
        loop {
            for item in page.json["items"].as_array().unwrap() {
                let one = app
                    .get_admin(&format!(
                        "/api/v1/events/same/registrations/{}",
                        s(&item["id"])
                    ))
                    .await;
                one.assert_status(200);
                assert_eq!(item, &one.json, "sort {sort}");
                seen.push(s(&item["status"]).to_owned());
            }
            let Some(cursor) = page.json["next_cursor"].as_str() else {
                break;
            };
            page = app
                .get_admin(&format!(
                    "/api/v1/events/same/registrations?sort={sort}&limit=3&cursor={cursor}"
                ))
                .await;
        }
        seen.sort();
        assert_eq!(
            seen,
            [
                "cancelled",
                "cancelled",
                "confirmed",
                "pending",
                "waitlisted"
            ],
            "sort {sort}"
        );
    }
    let anna = app
        .get_admin("/api/v1/events/same/registrations?checked_in=true")
        .await;
    assert_eq!(anna.json["items"][0]["name"], "Anna Ärger");
    assert!(anna.json["items"][0]["checked_in_at"].is_string());
}

/// A small RFC 4180 reader for the test.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                '"' => quoted = false,
                c => cell.push(c),
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => row.push(std::mem::take(&mut cell)),
            '\r' => {
                assert_eq!(chars.next(), Some('\n'), "CRLF line ends");
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            c => cell.push(c),
        }
    }
    assert!(
        cell.is_empty() && row.is_empty(),
        "the last line ends with CRLF"
    );
    rows
}

#[tokio::test]
async fn the_csv_export_is_rfc_4180_and_safe_in_spreadsheets() {
    let app = spawn_app().await;
    seed_list(&app).await;
    let tricky = [
        (
            "=HYPERLINK(\"http://evil\")",
            "f1@example.org",
            "+49 Org, \"Quoted\"",
        ),
        ("@SUM(A1)", "f2@example.org", "-minus"),
    ];
    app.patch_admin("/api/v1/events/list", &json!({"capacity": 10}))
        .await
        .assert_status(200);
    for (name, email, org) in tricky {
        app.register(
            "list",
            &json!({"name": name, "email": email, "organisation": org, "sector": "other", "consent": true}),
        )
        .await
        .assert_status(201);
    }
    let response = app
        .client
        .get(app.url("/api/v1/events/list/registrations.csv?sort=name"))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let body = response.text().await.unwrap();
    let body = body.strip_prefix('\u{feff}').expect("a BOM");
    let rows = parse_csv(body);
    assert_eq!(rows[0][0], "id");
    assert_eq!(rows[0][1], "name");
    assert_eq!(rows[0][2], "email");
    assert_eq!(rows.len(), 8);
    assert!(rows[1..].iter().all(|r| r.len() == rows[0].len()));
    let cell_for = |email: &str, col: usize| {
        rows.iter()
            .find(|r| r[2] == email)
            .map(|r| r[col].clone())
            .unwrap()
    };
    assert_eq!(
        cell_for("f1@example.org", 1),
        "'=HYPERLINK(\"http://evil\")"
    );
    assert_eq!(cell_for("f1@example.org", 3), "'+49 Org, \"Quoted\"");
    assert_eq!(cell_for("f2@example.org", 1), "'@SUM(A1)");
    assert_eq!(cell_for("f2@example.org", 3), "'-minus");
    assert_eq!(cell_for("dora@landtag.example", 3), "Thüringer Landtag");
    for row in &rows[1..] {
        for cell in row {
            assert!(!cell.starts_with(['=', '+', '-', '@']), "{cell}");
        }
    }
    // Filters apply to the export too.
    let filtered = app
        .get_admin("/api/v1/events/list/registrations.csv?sector=politics")
        .await;
    let rows = parse_csv(filtered.text.trim_start_matches('\u{feff}'));
    assert_eq!(rows.len(), 2);
    app.get("/api/v1/events/list/registrations.csv")
        .await
        .assert_problem(401);
}

#[tokio::test]
async fn the_admin_outbox_lists_and_retries_mail_for_admins_only() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "fest"})).await;
    app.register_person("fest", "A", "a@example.org")
        .await
        .assert_status(201);
    app.mails(1).await;
    let outbox = app.get_admin("/api/v1/admin/outbox").await;
    outbox.assert_status(200);
    assert_eq!(outbox.json["total"], 1, "{}", outbox.text);
    assert_eq!(outbox.json["items"][0]["kind"], "registration_confirmed");
    let sent = app.get_admin("/api/v1/admin/outbox?status=sent").await;
    assert_eq!(sent.json["total"], 1);
    assert_eq!(
        app.get_admin("/api/v1/admin/outbox?status=failed")
            .await
            .json["total"],
        0
    );
    app.get_admin("/api/v1/admin/outbox?status=lost")
        .await
        .assert_problem(422);
    let id = s(&outbox.json["items"][0]["id"]).to_owned();
    app.post_admin(&format!("/api/v1/admin/outbox/{id}/retry"), &json!({}))
        .await
        .assert_problem(409);
    app.post_admin(
        &format!("/api/v1/admin/outbox/{}/retry", uuid::Uuid::new_v4()),
        &json!({}),
    )
    .await
    .assert_problem(404);
    let organiser = app.organiser_token().await;
    app.get_as("/api/v1/admin/outbox", &organiser)
        .await
        .assert_problem(403);
    app.request(
        Method::POST,
        &format!("/api/v1/admin/outbox/{id}/retry"),
        Some(&organiser),
        Some(&json!({})),
    )
    .await
    .assert_problem(403);
    app.get("/api/v1/admin/outbox").await.assert_problem(401);
}

#[tokio::test]
async fn the_unfiltered_total_counts_every_registration_whatever_its_status() {
    let app = spawn_app().await;
    app.published_event(serde_json::json!({"slug": "total", "capacity": 1}))
        .await;
    for i in 0..3 {
        app.register_person("total", &format!("P {i}"), &format!("p{i}@example.org"))
            .await
            .assert_status(201);
    }
    let first = app.register_person("total", "Q", "q@example.org").await;
    let token = first.json["manage_token"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/registrations/{token}/cancel"),
        &serde_json::json!({}),
    )
    .await
    .assert_status(200);
    let all = app
        .get_admin("/api/v1/events/total/registrations?limit=2")
        .await;
    assert_eq!(all.json["total"], 4);
    let cancelled = app
        .get_admin("/api/v1/events/total/registrations?status=cancelled")
        .await;
    assert_eq!(cancelled.json["total"], 1);
}

#[tokio::test]
async fn a_window_closed_or_an_event_cancelled_through_another_instance_is_honoured_at_once() {
    let app = spawn_app().await;
    let second = spawn_second_instance(&app).await;
    app.published_event(json!({"slug": "shut"})).await;
    app.published_event(json!({"slug": "off"})).await;
    // This instance has just read both events.
    for slug in ["shut", "off"] {
        app.register_person(slug, "Early", "early@example.org")
            .await
            .assert_status(201);
    }
    let past = (Utc::now() - Duration::minutes(1)).to_rfc3339();
    let closed = app
        .client
        .patch(format!("{second}/api/v1/events/shut"))
        .bearer_auth(&app.admin_token)
        .json(&json!({"registration_closes_at": past}))
        .send()
        .await
        .unwrap();
    assert_eq!(closed.status(), 200);
    let cancelled = app
        .client
        .post(format!("{second}/api/v1/events/off/cancel"))
        .bearer_auth(&app.admin_token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.status(), 200);
    // No waiting for the copy to expire: the seat is decided on the event row itself.
    for slug in ["shut", "off"] {
        app.register_person(slug, "Late", "late@example.org")
            .await
            .assert_problem(409);
    }
    assert_eq!(app.event_admin("shut").await["confirmed_count"], 1);
    // The same with an Idempotency-Key (judged and stored in the desk's batch too).
    let keyed = app
        .post_with_headers(
            "/api/v1/events/shut/registrations",
            &registration_body("Keyed", "keyed@example.org"),
            &[("Idempotency-Key", "late-and-keyed")],
        )
        .await;
    keyed.assert_problem(409);
    assert_eq!(app.event_admin("shut").await["confirmed_count"], 1);
}

#[tokio::test]
async fn the_attendee_list_of_an_event_without_attendees_is_empty_and_of_no_event_a_404() {
    let app = spawn_app().await;
    let event = app.published_event(json!({"slug": "leer"})).await;
    for key in ["leer", event["id"].as_str().unwrap()] {
        let page = app
            .get_admin(&format!("/api/v1/events/{key}/registrations"))
            .await;
        page.assert_status(200);
        assert_eq!(page.json["total"], 0);
        assert_eq!(page.json["items"], json!([]));
        let filtered = app
            .get_admin(&format!(
                "/api/v1/events/{key}/registrations?status=confirmed"
            ))
            .await;
        assert_eq!(filtered.json["total"], 0);
    }
    app.get_admin("/api/v1/events/nirgends/registrations")
        .await
        .assert_problem(404);
    app.get_admin(&format!(
        "/api/v1/events/{}/registrations",
        uuid::Uuid::now_v7()
    ))
    .await
    .assert_problem(404);
    // By id and by slug, the same page; past the last page, the total still counts them all.
    app.register_person("leer", "Eine", "eine@example.org")
        .await
        .assert_status(201);
    let by_id = app
        .get_admin(&format!("/api/v1/events/{}/registrations", s(&event["id"])))
        .await;
    let by_slug = app.get_admin("/api/v1/events/leer/registrations").await;
    assert_eq!(by_id.json, by_slug.json);
    assert_eq!(by_slug.json["total"], 1);
}

#[tokio::test]
async fn the_same_email_through_two_instances_at_once_gets_one_seat() {
    let app = spawn_app_with(|s| s.db_max_connections = 16).await;
    let second = spawn_second_instance(&app).await;
    let event = app
        .published_event(json!({"slug": "doppelt", "capacity": 5}))
        .await;
    let body = registration_body("Same Person", "twice@example.org");
    let answers = join_all((0..16).map(|i| {
        let (app, second, body) = (&app, &second, &body);
        async move {
            let base = if i % 2 == 0 {
                app.address.clone()
            } else {
                second.clone()
            };
            let response = app
                .client
                .post(format!("{base}/api/v1/events/doppelt/registrations"))
                .json(body)
                .send()
                .await
                .expect("request sent");
            Answer::read(response).await
        }
    }))
    .await;
    let created = answers.iter().filter(|a| a.status == 201).count();
    assert_eq!(created, 1, "one registration, whichever instance took it");
    for a in answers.iter().filter(|a| a.status != 201) {
        a.assert_problem(409);
    }
    assert_eq!(app.event_admin("doppelt").await["confirmed_count"], 1);
    assert_counters_consistent(&app, s(&event["id"])).await;
}

#[tokio::test]
async fn one_key_sent_through_two_instances_at_once_registers_once_with_one_answer() {
    let app = spawn_app_with(|s| s.db_max_connections = 16).await;
    let second = spawn_second_instance(&app).await;
    let event = app
        .published_event(json!({"slug": "zweimal", "capacity": 3}))
        .await;
    let body = registration_body("Eine Person", "eine@example.org");
    let answers = join_all((0..16).map(|i| {
        let (app, second, body) = (&app, &second, &body);
        async move {
            let base = if i % 2 == 0 {
                app.address.clone()
            } else {
                second.clone()
            };
            let response = app
                .client
                .post(format!("{base}/api/v1/events/zweimal/registrations"))
                .header("Idempotency-Key", "beide")
                .json(body)
                .send()
                .await
                .expect("request sent");
            Answer::read(response).await
        }
    }))
    .await;
    for a in &answers {
        a.assert_status(201);
        assert_eq!(a.json, answers[0].json);
    }
    let ran = answers
        .iter()
        .filter(|a| a.header("idempotent-replayed").is_none())
        .count();
    assert_eq!(
        ran, 1,
        "each instance's desk judges the key under the event's lock"
    );
    assert_eq!(app.event_admin("zweimal").await["confirmed_count"], 1);
    assert_counters_consistent(&app, s(&event["id"])).await;
}
