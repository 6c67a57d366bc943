//! The `podium` command line, run as the built binary: each command's own options, organisers
//! from the command line, the demo seed and the container health check.
use std::process::Output;

use crate::helpers::{fresh_database, registration_body, spawn_app};
use crate::smtp_server::TestSmtp;

/// Runs `podium ARGS` against `database_url`, with no other podium setting in its environment.
pub(crate) async fn podium(database_url: &str, args: &[&str]) -> Output {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_podium"));
    for (name, _) in std::env::vars() {
        if name.starts_with("PODIUM_") || name == "SMTP_URL" || name == "MAIL_FROM" {
            command.env_remove(name);
        }
    }
    command
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .await
        .expect("podium runs")
}

pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn each_command_lists_only_its_own_options_each_with_help() {
    let url = fresh_database().await;
    let server_only = [
        "--bind",
        "--smtp-url",
        "--rate-limit",
        "--cors-origins",
        "--mail-dir",
    ];
    for command in [
        &["organiser", "add", "--help"][..],
        &["organiser", "list", "--help"],
        &["organiser", "revoke", "--help"],
        &["seed", "demo", "--help"],
        &["migrate", "--help"],
    ] {
        let help = stdout(&podium(&url, command).await);
        for option in server_only {
            assert!(
                !help.contains(option),
                "{command:?} shows {option}:\n{help}"
            );
        }
        assert!(help.contains("--database-url"), "{command:?}:\n{help}");
        // Every option line carries a description after its name.
        for line in help.lines().filter(|l| l.trim_start().starts_with("--")) {
            let described = line
                .trim()
                .split_once("  ")
                .is_some_and(|(_, d)| !d.trim().is_empty());
            assert!(described, "{command:?}: no help for `{line}`");
        }
    }
    let add = stdout(&podium(&url, &["organiser", "add", "--help"]).await);
    assert!(add.contains("--name") && add.contains("--email") && add.contains("--admin"));
    let serve = stdout(&podium(&url, &["serve", "--help"]).await);
    for option in server_only {
        assert!(serve.contains(option), "serve lacks {option}");
    }
}

#[tokio::test]
async fn the_same_organiser_email_is_refused_twice_whatever_its_case() {
    let url = fresh_database().await;
    let first = podium(
        &url,
        &[
            "organiser",
            "add",
            "--name",
            "Erika",
            "--email",
            "erika@cluster.example",
        ],
    )
    .await;
    assert!(first.status.success(), "{}", stderr(&first));
    let second = podium(
        &url,
        &[
            "organiser",
            "add",
            "--name",
            "Erika 2",
            "--email",
            "Erika@Cluster.example",
        ],
    )
    .await;
    assert_eq!(second.status.code(), Some(1));
    assert!(
        stderr(&second).contains("an active organiser with the e-mail address"),
        "{}",
        stderr(&second)
    );
    assert!(
        stdout(&second).is_empty(),
        "no token for a refused organiser"
    );
}

#[tokio::test]
async fn an_organiser_is_listed_and_revoked_from_the_command_line_and_its_token_stops_working() {
    let app = spawn_app().await;
    let added = podium(
        &app.database_url,
        &[
            "organiser",
            "add",
            "--name",
            "Max Muster",
            "--email",
            "max@cluster.example",
        ],
    )
    .await;
    assert!(added.status.success(), "{}", stderr(&added));
    let token = stdout(&added).lines().last().unwrap().to_owned();
    app.get_as("/api/v1/organisers/me", &token)
        .await
        .assert_status(200);

    let list = stdout(&podium(&app.database_url, &["organiser", "list"]).await);
    let line = list
        .lines()
        .find(|l| l.contains("max@cluster.example"))
        .expect("listed");
    let fields: Vec<&str> = line.split('\t').collect();
    assert_eq!(
        fields[1..],
        ["organiser", "active", "max@cluster.example", "Max Muster"]
    );
    assert!(!list.contains(&token), "tokens are never listed");

    let revoked = podium(
        &app.database_url,
        &["organiser", "revoke", "max@cluster.example"],
    )
    .await;
    assert!(revoked.status.success(), "{}", stderr(&revoked));
    assert!(stdout(&revoked).contains(fields[0]));
    // The app trusts a token it found valid for at most a second.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    app.get_as("/api/v1/organisers/me", &token)
        .await
        .assert_problem(401);
    let list = stdout(&podium(&app.database_url, &["organiser", "list"]).await);
    assert!(
        list.contains(&format!("{}\torganiser\trevoked ", fields[0])),
        "{list}"
    );

    let unknown = podium(
        &app.database_url,
        &["organiser", "revoke", "nobody@cluster.example"],
    )
    .await;
    assert_eq!(unknown.status.code(), Some(1));
    assert!(stderr(&unknown).contains("no organiser"));
    // The address is free again once revoked.
    let again = podium(
        &app.database_url,
        &[
            "organiser",
            "add",
            "--name",
            "Max",
            "--email",
            "max@cluster.example",
        ],
    )
    .await;
    assert!(again.status.success(), "{}", stderr(&again));
}

#[tokio::test]
async fn seeding_the_demo_twice_refuses_loudly_and_replace_loads_it_afresh() {
    let url = fresh_database().await;
    let first = podium(
        &url,
        &["seed", "demo", "--public-url", "https://tagung.example/"],
    )
    .await;
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        stdout(&first).contains("https://tagung.example/events/jahrestagung-2027"),
        "the demo's page: {}",
        stdout(&first)
    );
    assert!(
        stdout(&first).contains("with answers to 3 registration questions; 2 announcements sent"),
        "{}",
        stdout(&first)
    );
    assert!(
        stdout(&first)
            .contains("https://tagung.example/api/v1/events/jahrestagung-2027/badges.pdf"),
        "the badges: {}",
        stdout(&first)
    );
    let second = podium(&url, &["seed", "demo"]).await;
    assert_eq!(
        second.status.code(),
        Some(1),
        "a seed that loads nothing fails"
    );
    assert!(stderr(&second).contains("--replace"), "{}", stderr(&second));
    let replaced = podium(&url, &["seed", "demo", "--replace"]).await;
    assert!(replaced.status.success(), "{}", stderr(&replaced));
    assert!(stdout(&replaced).contains("http://127.0.0.1:8080/events/jahrestagung-2027"));
}

#[tokio::test]
async fn the_demo_has_questions_with_answers_an_announcement_history_check_ins_and_badges() {
    let app = spawn_app().await;
    let seeded = podium(&app.database_url, &["seed", "demo"]).await;
    assert!(seeded.status.success(), "{}", stderr(&seeded));
    let event = "/api/v1/events/jahrestagung-2027";

    let questions = app.get_admin(&format!("{event}/questions")).await;
    questions.assert_status(200);
    let labels: Vec<&str> = questions.json["items"]
        .as_array()
        .or(questions.json.as_array())
        .expect("a list of questions")
        .iter()
        .map(|q| q["label_en"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "Lunch",
            "I will attend the evening reception",
            "Afternoon workshop"
        ]
    );
    let stats = app.get_admin(&format!("{event}/stats")).await;
    stats.assert_status(200);
    let answers = stats.json["answers"].to_string();
    for key in ["veggie", "meat", "coatings", "recycling", "testing"] {
        assert!(answers.contains(key), "no count for {key}: {answers}");
    }

    let sent = app.get_admin(&format!("{event}/announcements")).await;
    sent.assert_status(200);
    let sent = sent.json.as_array().expect("a list").clone();
    assert_eq!(sent.len(), 2);
    let recipients = |audience: &str| {
        sent.iter().find(|a| a["audience"] == audience).map(|a| {
            (
                a["recipients"].as_i64().unwrap(),
                a["delivered"].as_i64().unwrap(),
            )
        })
    };
    assert_eq!(recipients("confirmed"), Some((150, 150)));
    let (everyone, delivered) = recipients("everyone").expect("an announcement to everyone");
    assert!(
        everyone >= 150 && delivered == everyone,
        "{everyone}, {delivered}"
    );

    // Seats stay free: a newcomer's first registration is confirmed, not waitlisted.
    let ids: Vec<String> = questions.json["items"]
        .as_array()
        .or(questions.json.as_array())
        .unwrap()
        .iter()
        .map(|q| q["id"].as_str().unwrap().to_owned())
        .collect();
    let mut body = registration_body("Neu Ankömmling", "neu@example.org");
    body["answers"] = serde_json::json!({ &ids[0]: "veggie", &ids[1]: true, &ids[2]: "coatings" });
    let newcomer = app.register("jahrestagung-2027", &body).await;
    newcomer.assert_status(201);
    assert_eq!(newcomer.json["status"], "confirmed", "{}", newcomer.json);

    let checked_in = app
        .get_admin(&format!("{event}/registrations?checked_in=true&limit=1"))
        .await;
    assert!(checked_in.json["total"].as_i64().unwrap() > 0);

    let badges = app
        .client
        .get(app.url(&format!("{event}/badges.pdf?layout=labels")))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .expect("badges");
    assert_eq!(badges.status().as_u16(), 200);
    let pdf = badges.bytes().await.expect("a PDF");
    let doc = lopdf::Document::load_mem(&pdf).expect("the badges parse");
    // 150 confirmed attendees, eight to a sheet.
    assert_eq!(doc.get_pages().len(), 150_usize.div_ceil(8));
}

#[tokio::test]
async fn the_healthcheck_command_passes_against_a_ready_podium_and_fails_without_one() {
    let app = spawn_app().await;
    let ready = podium(
        &app.database_url,
        &["healthcheck", "--bind", &format!("0.0.0.0:{}", app.port)],
    )
    .await;
    assert!(ready.status.success(), "{}", stderr(&ready));
    let closed = TestSmtp::closed_port();
    let down = podium(
        &app.database_url,
        &["healthcheck", "--bind", &format!("127.0.0.1:{closed}")],
    )
    .await;
    assert_eq!(down.status.code(), Some(1));
    assert!(
        stderr(&down).contains("does not answer"),
        "{}",
        stderr(&down)
    );
}

#[tokio::test]
async fn podium_without_a_command_serves_with_the_options_of_serve() {
    let url = fresh_database().await;
    let port = TestSmtp::closed_port();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_podium"))
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", &url.url)
        .env(
            "PODIUM_MAIL_DIR",
            std::env::temp_dir().join(format!("podium-cli-{port}")),
        )
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("podium starts");
    let mut ready = false;
    for _ in 0..100 {
        let check = podium(
            &url,
            &["healthcheck", "--bind", &format!("127.0.0.1:{port}")],
        )
        .await;
        if check.status.success() {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    child.kill().await.ok();
    assert!(ready, "podium --bind … served");
}

#[tokio::test]
async fn the_demo_team_signs_in_with_the_printed_token_or_by_mailed_link() {
    let app = spawn_app().await;
    let seeded = podium(&app.database_url, &["seed", "demo"]).await;
    assert!(seeded.status.success(), "{}", stderr(&seeded));
    let out = stdout(&seeded);
    for line in [
        "admin     Amelie Admin <admin@example.org>, all events",
        "organiser Oskar Organisator <organiser@example.org>, all events",
        "reviewer  Rita Reviewer <reviewer@example.org>, jahrestagung-2027",
        "door      Doris Door <door@example.org>, jahrestagung-2027",
        "http://127.0.0.1:8080/orga/sign-in",
        "PODIUM_MAIL_DIR",
    ] {
        assert!(out.contains(line), "{line}: {out}");
    }
    let token = |out: &str| {
        out.lines()
            .find(|l| l.contains("paste this token"))
            .and_then(|l| l.rsplit(": ").next())
            .expect("the admin's token")
            .to_owned()
    };
    let me = app.get_as("/api/v1/organisers/me", &token(&out)).await;
    me.assert_status(200);
    assert_eq!(me.json["email"], "admin@example.org");
    assert_eq!(me.json["role"], "admin");

    // The door member asks for a link: it is mailed, in German.
    let asked = app
        .client
        .post(app.url("/orga/sign-in"))
        .header("origin", &app.address)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("email=door%40example.org")
        .send()
        .await
        .expect("sent");
    assert_eq!(asked.status(), 200);
    app.mails(1).await;
    let mail = &app.mails_to("door@example.org")[0];
    assert_eq!(mail.subject(), "Ihr Anmelde-Link für podium");

    // Loaded afresh: the same four members, the limited ones on the new conference, a new
    // admin token.
    let again = podium(&app.database_url, &["seed", "demo", "--replace"]).await;
    assert!(again.status.success(), "{}", stderr(&again));
    let renewed = token(&stdout(&again));
    assert_ne!(renewed, token(&out));
    app.get_as("/api/v1/organisers/me", &renewed)
        .await
        .assert_status(200);
    let event = app.event_admin("jahrestagung-2027").await;
    let team = app.get_admin("/api/v1/organisers").await;
    let team = team.json.as_array().expect("a list");
    assert_eq!(team.len(), 5, "the first admin and the demo's four");
    let door = team
        .iter()
        .find(|m| m["email"] == "door@example.org")
        .expect("the door");
    assert_eq!(door["events"], serde_json::json!([event["id"]]));
}
