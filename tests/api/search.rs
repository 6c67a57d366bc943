//! The attendee list's `q`: case, accents and umlauts folded on both databases, through the
//! trigram index on PostgreSQL.
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;

use crate::helpers::{is_postgres, spawn_app, TestApp};

async fn names_found(app: &TestApp, q: &str) -> Vec<String> {
    let answer = app
        .get_admin(&format!(
            "/api/v1/events/suche/registrations?sort=name&q={}",
            url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
        ))
        .await;
    answer.assert_status(200);
    answer.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn muller_and_mueller_find_mueller_with_umlaut_and_accents_and_case_do_not_matter() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "suche"})).await;
    for (name, email, organisation) in [
        ("Jürgen Müller", "j.mueller@example.org", "Universität Jena"),
        ("Anna Mueller", "anna@example.org", "Straßenbau AG"),
        ("José Núñez", "jose@example.org", "Łódź Tech"),
        ("Max Muster", "max@example.org", "Beispiel GmbH"),
    ] {
        app.register(
            "suche",
            &json!({"name": name, "email": email, "organisation": organisation,
                    "sector": "science", "consent": true}),
        )
        .await
        .assert_status(201);
    }
    let both = ["Anna Mueller", "Jürgen Müller"];
    assert_eq!(names_found(&app, "mueller").await, both);
    assert_eq!(names_found(&app, "Müller").await, both);
    assert_eq!(names_found(&app, "MÜLLER").await, both);
    assert_eq!(names_found(&app, "muller").await, ["Jürgen Müller"]);
    assert_eq!(names_found(&app, "jurgen").await, ["Jürgen Müller"]);
    assert_eq!(names_found(&app, "universitat").await, ["Jürgen Müller"]);
    assert_eq!(names_found(&app, "universitaet").await, ["Jürgen Müller"]);
    assert_eq!(names_found(&app, "strassenbau").await, ["Anna Mueller"]);
    assert_eq!(names_found(&app, "jose nunez").await, ["José Núñez"]);
    assert_eq!(names_found(&app, "lodz").await, ["José Núñez"]);
    assert_eq!(names_found(&app, "J.MUELLER@").await, ["Jürgen Müller"]);
    assert!(names_found(&app, "müllerin").await.is_empty());
    assert!(
        names_found(&app, "%").await.is_empty(),
        "wildcards are literal"
    );

    // The CSV export filters the same way.
    let csv = app
        .get_admin("/api/v1/events/suche/registrations.csv?q=muller")
        .await;
    assert!(csv.text.contains("Jürgen Müller") && !csv.text.contains("Anna Mueller"));

    // A changed or erased registration's key follows its data.
    let id = app
        .get_admin("/api/v1/events/suche/registrations?q=nunez")
        .await
        .json["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.delete_admin(&format!("/api/v1/events/suche/registrations/{id}"))
        .await
        .assert_status(204);
    assert!(
        names_found(&app, "nunez").await.is_empty(),
        "erased data is not found"
    );
}

#[tokio::test]
async fn rows_written_beside_the_api_are_searchable_too() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "suche"})).await;
    let id = if is_postgres() {
        "gen_random_uuid()"
    } else {
        "randomblob(16)"
    };
    // A row written beside the API (as the seed and tools do): the database folds it.
    app.db
        .execute_unprepared(&format!(
            "INSERT INTO registrations (id, event_id, name, email, email_lower, organisation, \
             sector, language, status, manage_token_hash, sequence, created_at, updated_at) VALUES \
             ({id}, (SELECT id FROM events WHERE slug = 'suche'), 'Bärbel Groß', \
             'b@example.org', 'b@example.org', '', 'other', 'de', 'cancelled', 'tok-bärbel', 0, \
             '2027-01-01T00:00:00+00:00', '2027-01-01T00:00:00+00:00')"
        ))
        .await
        .unwrap();
    assert_eq!(names_found(&app, "barbel gross").await, ["Bärbel Groß"]);
    assert_eq!(names_found(&app, "baerbel").await, ["Bärbel Groß"]);
}

/// The keys of the event's registrations, by id.
async fn stored_keys(app: &TestApp) -> Vec<(String, String)> {
    let id = if is_postgres() { "id::text" } else { "hex(id)" };
    let rows = app
        .db
        .query_all_raw(Statement::from_string(
            app.db.get_database_backend(),
            format!("SELECT {id}, search_key FROM registrations ORDER BY id"),
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            (
                r.try_get_by_index(0).unwrap(),
                r.try_get_by_index(1).unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn keys_the_desk_writes_are_the_keys_the_database_folds() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "suche"})).await;
    for (i, (name, organisation)) in [
        ("Jürgen Müller", "Universität Jena"),
        ("ÆSIR Þórr Œuvre", "Straße ĲSSEL"),
        ("Łukasz Żółć", "Ærø ÖL ÜBER ÄRA"),
        ("MAX Muster", ""),
        ("Дмитрий 王 ẞ", "Groß & Söhne"),
    ]
    .into_iter()
    .enumerate()
    {
        app.register(
            "suche",
            &json!({"name": name, "email": format!("Mixed.Case{i}@Example.ORG"),
                    "organisation": organisation, "sector": "science", "consent": true}),
        )
        .await
        .assert_status(201);
    }
    let written = stored_keys(&app).await;
    assert_eq!(written.len(), 5);
    assert!(written.iter().all(|(_, key)| !key.is_empty()));
    // A change of the name makes the database's trigger fold the key itself.
    app.db
        .execute_unprepared("UPDATE registrations SET name = name")
        .await
        .unwrap();
    assert_eq!(stored_keys(&app).await, written);
}

/// The plan the database makes for the list's search condition on a large event.
async fn plan(app: &TestApp, event_id: &str, q: &str, tail: &str) -> String {
    let postgres = is_postgres();
    let patterns = migration::search::like_patterns(q);
    let condition: Vec<String> = (0..patterns.len())
        .map(|i| {
            let n = if postgres {
                format!("${}", i + 2)
            } else {
                "?".to_owned()
            };
            format!("search_key LIKE {n} ESCAPE '\\'")
        })
        .collect();
    let (explain, first, backend) = if postgres {
        ("EXPLAIN", "$1", DbBackend::Postgres)
    } else {
        ("EXPLAIN QUERY PLAN", "?", DbBackend::Sqlite)
    };
    let sql = format!(
        "{explain} SELECT id, name FROM registrations WHERE event_id = {first} AND ({}) {tail}",
        condition.join(" OR ")
    );
    let mut values: Vec<sea_orm::Value> = vec![uuid::Uuid::parse_str(event_id).unwrap().into()];
    values.extend(patterns.into_iter().map(Into::into));
    let rows = app
        .db
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            if postgres {
                r.try_get_by_index::<String>(0).unwrap()
            } else {
                r.try_get::<String>("", "detail").unwrap()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// 30 000 attendees of one event, 15 of them named Müller.
async fn large_event(app: &TestApp) -> String {
    let event = app
        .published_event(json!({"slug": "suche", "capacity": 100000}))
        .await;
    let event_id = event["id"].as_str().unwrap().to_owned();
    let (uuid, md5, now) = if is_postgres() {
        ("gen_random_uuid()", "md5(i::text)", "now()")
    } else {
        (
            "randomblob(16)",
            "hex(randomblob(8))",
            "'2027-01-01T00:00:00+00:00'",
        )
    };
    let series = if is_postgres() {
        "generate_series(1, 30000) AS g(i)".to_owned()
    } else {
        "(WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 30000) \
         SELECT i FROM c) AS g"
            .to_owned()
    };
    app.db
        .execute_unprepared(&format!(
            "INSERT INTO registrations (id, event_id, name, email, email_lower, organisation, \
             sector, language, status, manage_token_hash, sequence, created_at, updated_at) \
             SELECT {uuid}, (SELECT id FROM events WHERE slug = 'suche'), \
               CASE WHEN i % 2000 = 0 THEN 'Müller ' || i ELSE 'Person ' || {md5} END, \
               'p' || i || '@example.org', 'p' || i || '@example.org', 'Org ' || (i % 97), \
               'business', 'de', 'confirmed', 'tok-' || i, 0, {now}, {now} \
             FROM {series}"
        ))
        .await
        .unwrap();
    // What autovacuum does after a bulk load: statistics, and on PostgreSQL the GIN index's
    // pending list merged into the index (until then the planner prices it high).
    let vacuum = if is_postgres() {
        "VACUUM ANALYZE registrations"
    } else {
        "ANALYZE registrations"
    };
    app.db.execute_unprepared(vacuum).await.unwrap();
    event_id
}

#[tokio::test]
async fn a_search_is_an_index_search_on_both_databases_the_trigram_index_on_postgresql() {
    let app = spawn_app().await;
    let event_id = large_event(&app).await;
    assert_eq!(names_found(&app, "muller").await.len(), 15);
    let unordered = plan(&app, &event_id, "muller", "").await;
    let page = plan(&app, &event_id, "Müller", "ORDER BY name, id LIMIT 51").await;
    for plan in [unordered, page] {
        if is_postgres() {
            assert!(plan.contains("idx_registrations_search"), "{plan}");
            assert!(!plan.contains("Seq Scan"), "{plan}");
        } else {
            // SQLite has no index for an infix LIKE: it reads the event's rows by event_id,
            // never the whole table.
            assert!(plan.contains("SEARCH registrations USING"), "{plan}");
            assert!(!plan.contains("SCAN registrations"), "{plan}");
        }
    }
}

/// The trigram index's pending list (GIN `fastupdate`) is merged beside the registrations, on
/// the desk's spare connection every 1 000 registrations (`desk::UPKEEP_EVERY`),
/// not by the insert that finds it past 4 MB, which would merge it inside a batch under the
/// event's lock. After 1 200 registrations only the rows since the last merge wait in it, and
/// the tables the burst grew have been analysed (`postgres::refresh_statistics`). On
/// SQLite (no such index) the same registrations all land and are found.
#[tokio::test]
async fn new_registrations_reach_the_search_index_beside_the_desk_not_under_its_lock() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "suche", "capacity": 5000}))
        .await;
    let streams = (0..16).map(|stream| {
        let app = &app;
        async move {
            for i in 0..75 {
                let n = stream * 75 + i;
                app.register_person(
                    "suche",
                    &format!("Gast {n:04}"),
                    &format!("g{n}@example.org"),
                )
                .await
                .assert_status(201);
            }
        }
    });
    futures_util::future::join_all(streams).await;
    assert_eq!(names_found(&app, "gast 1199").await, ["Gast 1199"]);
    if !is_postgres() {
        return;
    }
    app.db
        .execute_unprepared("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        .await
        .expect("pgstattuple (PostgreSQL's contrib)");
    let pending = || async {
        let row = app
            .db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT pending_tuples FROM pgstatginindex('idx_registrations_search')",
            ))
            .await
            .expect("pgstatginindex")
            .expect("a row");
        row.try_get_by_index::<i64>(0).expect("pending_tuples")
    };
    within_a_minute(
        "entries still pending after 1 200 registrations",
        pending,
        |waiting| *waiting < 600,
    )
    .await;
    // The same upkeep analysed the tables the burst grew (never analysed before it), so the
    // list's and the outbox claim's kept plans are made again with statistics that know their
    // rows; `analyze_count` counts the `ANALYZE`s run by a session. On a loaded machine
    // autovacuum may get to a table first (its count is `autoanalyze_count`): the upkeep then
    // finds the statistics fresh and leaves the table alone, which is as right.
    let analysed = || async {
        app.db
            .query_all_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT relname::text, analyze_count + autoanalyze_count FROM pg_stat_user_tables \
                 WHERE relname IN ('registrations', 'outbox', 'idempotency_keys') \
                 ORDER BY relname",
            ))
            .await
            .expect("pg_stat_user_tables")
            .iter()
            .map(|row| {
                let table: String = row.try_get_by_index(0).expect("relname");
                let count: i64 = row.try_get_by_index(1).expect("analyze_count");
                (table, count)
            })
            .collect::<Vec<_>>()
    };
    within_a_minute(
        "not analysed after 1 200 registrations",
        analysed,
        |counts| counts.len() == 3 && counts.iter().all(|(_, count)| *count >= 1),
    )
    .await;
}

/// Asks `probe` every 100 ms until `done` holds for its answer; fails with `what` and the last
/// answer after a minute. The upkeep runs beside the desk and PostgreSQL publishes its
/// statistics when a session next reports them, so on a loaded machine this takes seconds: the
/// condition is what the test asserts, the minute only ends a run that never gets there.
async fn within_a_minute<T: std::fmt::Debug, F: std::future::Future<Output = T>>(
    what: &str,
    probe: impl Fn() -> F,
    done: impl Fn(&T) -> bool,
) {
    let since = std::time::Instant::now();
    loop {
        let answer = probe().await;
        if done(&answer) {
            return;
        }
        assert!(
            since.elapsed() < std::time::Duration::from_secs(60),
            "{what}: {answer:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
