//! Registration questions (issue 17): organiser CRUD, answers through the API, validation,
//! the attendee list, its filter, the CSV and the stats, and answers that outlive changes.
use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::helpers::{registration_body, spawn_app, TestApp};

fn s(v: &Value) -> &str {
    v.as_str().expect("a string")
}

/// An event `day` with a lunch question (one choice, required), a workshops question
/// (several choices), an evening yes/no and a free remark; gives their ids in that order.
async fn event_with_questions(app: &TestApp) -> [String; 4] {
    app.published_event(json!({"slug": "day", "capacity": 100}))
        .await;
    let mut ids = Vec::new();
    for body in [
        json!({"kind": "one_choice", "required": true, "label_de": "Mittagessen",
            "label_en": "Lunch", "choices": [
                {"key": "veggie", "de": "Vegetarisch", "en": "Vegetarian"},
                {"key": "meat", "de": "Mit Fleisch", "en": "With meat"}]}),
        json!({"kind": "many_choices", "label_de": "Workshops", "label_en": "Workshops",
            "choices": [{"de": "Optik", "en": "Optics"}, {"de": "Laser", "en": "Lasers"}]}),
        json!({"kind": "yes_no", "label_de": "Abendveranstaltung", "label_en": "Evening event"}),
        json!({"kind": "long_text", "label_de": "Anmerkungen", "label_en": "Remarks"}),
    ] {
        let answer = app.post_admin("/api/v1/events/day/questions", &body).await;
        answer.assert_status(201);
        ids.push(s(&answer.json["id"]).to_owned());
    }
    ids.try_into().expect("four questions")
}

fn with_answers(name: &str, email: &str, answers: Value) -> Value {
    let mut body = registration_body(name, email);
    body["answers"] = answers;
    body
}

#[tokio::test]
async fn organisers_create_list_change_and_delete_questions_in_form_order() {
    let app = spawn_app().await;
    let [lunch, workshops, evening, remarks] = event_with_questions(&app).await;

    let listed = app.get("/api/v1/events/day/questions").await;
    listed.assert_status(200);
    let ids: Vec<&str> = listed
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|q| s(&q["id"]))
        .collect();
    assert_eq!(ids, [&lunch, &workshops, &evening, &remarks]);
    assert_eq!(listed.json[0]["kind"], "one_choice");
    assert_eq!(listed.json[0]["required"], true);
    assert_eq!(listed.json[1]["required"], false);
    // Keys derived from the English labels.
    assert_eq!(listed.json[1]["choices"][0]["key"], "optics");
    assert_eq!(listed.json[1]["choices"][1]["key"], "lasers");

    let moved = app
        .patch_admin(
            &format!("/api/v1/events/day/questions/{remarks}"),
            &json!({"position": 0, "label_en": "Anything else?"}),
        )
        .await;
    moved.assert_status(200);
    assert_eq!(moved.json["label_en"], "Anything else?");
    assert_eq!(moved.json["label_de"], "Anmerkungen");
    let listed = app.get("/api/v1/events/day/questions").await;
    assert_eq!(listed.json[0]["id"], remarks.as_str());

    app.delete_admin(&format!("/api/v1/events/day/questions/{evening}"))
        .await
        .assert_status(204);
    app.get(&format!("/api/v1/events/day/questions/{evening}"))
        .await
        .assert_problem(404);
    assert_eq!(
        app.get("/api/v1/events/day/questions")
            .await
            .json
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn only_organisers_change_questions() {
    let app = spawn_app().await;
    let [lunch, ..] = event_with_questions(&app).await;
    app.post(
        "/api/v1/events/day/questions",
        &json!({"kind": "yes_no", "label_de": "x", "label_en": "x"}),
    )
    .await
    .assert_problem(401);
    app.request(
        reqwest::Method::DELETE,
        &format!("/api/v1/events/day/questions/{lunch}"),
        None,
        None,
    )
    .await
    .assert_problem(401);
}

#[tokio::test]
async fn invalid_questions_name_every_invalid_field() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "day"})).await;
    let answer = app
        .post_admin(
            "/api/v1/events/day/questions",
            &json!({"kind": "one_choice", "label_de": "", "label_en": "Lunch",
                "choices": [{"key": "Bad Key", "de": "a", "en": "b"}, {"de": "c", "en": "\u{7}"}]}),
        )
        .await;
    answer.assert_problem(422);
    let mut fields = answer.error_fields();
    fields.sort();
    assert_eq!(fields, ["choices.0.key", "choices.1.en", "label_de"]);

    // Two choices a person could not tell apart (case and spaces aside), in either language.
    let answer = app
        .post_admin(
            "/api/v1/events/day/questions",
            &json!({"kind": "one_choice", "label_de": "Essen", "label_en": "Food",
                "choices": [{"de": "Vegetarisch", "en": "Vegetarian"},
                    {"de": "vegetarisch ", "en": "Vegan"},
                    {"de": "Fleisch", "en": "vegetarian"}]}),
        )
        .await;
    answer.assert_problem(422);
    assert_eq!(answer.error_fields(), ["choices.1.de", "choices.2.en"]);
    assert_eq!(
        app.get_admin("/api/v1/events/day/questions").await.json,
        json!([]),
        "nothing added"
    );

    let answer = app
        .post_admin(
            "/api/v1/events/day/questions",
            &json!({"kind": "many_choices", "label_de": "a", "label_en": "b", "choices": []}),
        )
        .await;
    answer.assert_problem(422);
    assert_eq!(answer.error_fields(), ["choices"]);

    let answer = app
        .post_admin(
            "/api/v1/events/day/questions",
            &json!({"kind": "essay", "label_de": "a", "label_en": "b"}),
        )
        .await;
    answer.assert_problem(422);
    assert_eq!(answer.error_fields(), ["kind"]);

    let answer = app
        .post_admin(
            "/api/v1/events/day/questions",
            &json!({"kind": "yes_no", "label_de": "a", "label_en": "b",
                "choices": [{"de": "x", "en": "y"}]}),
        )
        .await;
    answer.assert_problem(422);
    assert_eq!(answer.error_fields(), ["choices"]);
}

#[tokio::test]
async fn answers_are_checked_like_every_other_field_and_named_by_question() {
    let app = spawn_app().await;
    let [lunch, workshops, evening, remarks] = event_with_questions(&app).await;

    // The required lunch question unanswered, a workshop that is not offered, a yes/no that is
    // a string, a remark with a control character, and a question of no such id: all at once,
    // with the ordinary fields' errors.
    let mut body = with_answers(
        "",
        "ada@example.org",
        json!({
            workshops.as_str(): ["optics", "cooking"],
            evening.as_str(): "perhaps",
            remarks.as_str(): "fine\u{0}",
            "00000000-0000-0000-0000-000000000000": "x",
        }),
    );
    body["sector"] = json!("nowhere");
    let answer = app.register("day", &body).await;
    answer.assert_problem(422);
    let mut fields = answer.error_fields();
    fields.sort();
    let mut expected = vec![
        format!("answers.{lunch}"),
        format!("answers.{workshops}"),
        format!("answers.{evening}"),
        format!("answers.{remarks}"),
        "answers.00000000-0000-0000-0000-000000000000".to_owned(),
        "name".to_owned(),
        "sector".to_owned(),
    ];
    expected.sort();
    assert_eq!(fields, expected);

    // Two choices for a one-choice question.
    let answer = app
        .register(
            "day",
            &with_answers(
                "Ada",
                "ada@example.org",
                json!({lunch.as_str(): ["veggie", "meat"]}),
            ),
        )
        .await;
    answer.assert_problem(422);
    assert_eq!(answer.error_fields(), [format!("answers.{lunch}")]);

    // Nothing was registered by the refusals.
    let list = app.get_admin("/api/v1/events/day/registrations").await;
    assert_eq!(list.json["total"], 0);
}

#[tokio::test]
async fn organisers_see_answers_in_the_list_filter_by_them_and_count_them() {
    let app = spawn_app().await;
    let [lunch, workshops, evening, remarks] = event_with_questions(&app).await;
    let people = [
        ("Ada", "veggie", json!(["optics", "lasers"]), json!(true)),
        ("Bea", "veggie", json!(["lasers"]), json!(false)),
        ("Cem", "meat", json!([]), json!(true)),
    ];
    for (name, meal, chosen, evening_answer) in people.clone() {
        let body = with_answers(
            name,
            &format!("{}@example.org", name.to_lowercase()),
            json!({
                lunch.as_str(): meal,
                workshops.as_str(): chosen,
                evening.as_str(): evening_answer,
                remarks.as_str(): if name == "Ada" { "Line one\nline two" } else { "" },
            }),
        );
        app.register("day", &body).await.assert_status(201);
    }

    let list = app
        .get_admin("/api/v1/events/day/registrations?sort=name")
        .await;
    list.assert_status(200);
    let ada = &list.json["items"][0];
    assert_eq!(ada["name"], "Ada");
    let answers = ada["answers"].as_array().unwrap();
    assert_eq!(answers.len(), 4);
    assert_eq!(answers[0]["question_id"], lunch.as_str());
    assert_eq!(answers[0]["value"], "veggie");
    assert_eq!(answers[0]["text_en"], "Vegetarian");
    assert_eq!(answers[0]["text_de"], "Vegetarisch");
    assert_eq!(answers[1]["value"], json!(["optics", "lasers"]));
    assert_eq!(answers[1]["text_en"], "Optics, Lasers");
    assert_eq!(answers[2]["value"], json!(true));
    assert_eq!(answers[2]["text_de"], "ja");
    assert_eq!(answers[3]["value"], "Line one\nline two");
    // An optional question left empty has no answer.
    let cem = &list.json["items"][2];
    assert_eq!(cem["answers"].as_array().unwrap().len(), 2);

    let veggies = app
        .get_admin(&format!(
            "/api/v1/events/day/registrations?answer={lunch}:veggie&sort=name"
        ))
        .await;
    veggies.assert_status(200);
    assert_eq!(veggies.json["total"], 2);
    let names: Vec<&str> = veggies.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| s(&i["name"]))
        .collect();
    assert_eq!(names, ["Ada", "Bea"]);
    let lasers = app
        .get_admin(&format!(
            "/api/v1/events/day/registrations?answer={workshops}:lasers"
        ))
        .await;
    assert_eq!(lasers.json["total"], 2);
    app.get_admin("/api/v1/events/day/registrations?answer=lunch")
        .await
        .assert_problem(422);

    let stats = app.get_admin("/api/v1/events/day/stats").await;
    stats.assert_status(200);
    let counted = stats.json["answers"].as_array().unwrap();
    assert_eq!(counted.len(), 3, "choice and yes/no questions: {counted:?}");
    assert_eq!(counted[0]["question_id"], lunch.as_str());
    assert_eq!(counted[0]["counts"], json!({"veggie": 2, "meat": 1}));
    assert_eq!(counted[1]["counts"], json!({"optics": 1, "lasers": 2}));
    assert_eq!(counted[2]["counts"], json!({"yes": 2, "no": 1}));

    // A cancelled attendee's lunch no longer counts.
    let dan = app
        .register(
            "day",
            &with_answers("Dan", "dan@example.org", json!({lunch.as_str(): "meat"})),
        )
        .await;
    let token = s(&dan.json["manage_token"]).to_owned();
    app.post(&format!("/api/v1/registrations/{token}/cancel"), &json!({}))
        .await
        .assert_status(200);
    let stats = app.get_admin("/api/v1/events/day/stats").await;
    assert_eq!(
        stats.json["answers"][0]["counts"],
        json!({"veggie": 2, "meat": 1})
    );
}

#[tokio::test]
async fn the_csv_has_a_column_per_question_with_the_answers_text() {
    let app = spawn_app().await;
    let [lunch, workshops, _evening, remarks] = event_with_questions(&app).await;
    let body = with_answers(
        "Ada",
        "ada@example.org",
        json!({lunch.as_str(): "veggie", workshops.as_str(): ["optics", "lasers"],
            remarks.as_str(): "=1+1"}),
    );
    app.register("day", &body).await.assert_status(201);
    let csv = app.get_admin("/api/v1/events/day/registrations.csv").await;
    csv.assert_status(200);
    let mut lines = csv.text.trim_start_matches('\u{feff}').lines();
    let header = lines.next().unwrap();
    assert!(
        header.ends_with(",Lunch,Workshops,Evening event,Remarks"),
        "{header}"
    );
    let row = lines.next().unwrap();
    assert!(
        row.ends_with(",Vegetarian,\"Optics, Lasers\",,\"'=1+1\""),
        "{row}"
    );
}

#[tokio::test]
async fn answers_stay_readable_after_their_question_changes_or_goes() {
    let app = spawn_app().await;
    let [lunch, workshops, ..] = event_with_questions(&app).await;
    let body = with_answers(
        "Ada",
        "ada@example.org",
        json!({lunch.as_str(): "veggie", workshops.as_str(): ["optics"]}),
    );
    app.register("day", &body).await.assert_status(201);

    app.patch_admin(
        &format!("/api/v1/events/day/questions/{lunch}"),
        &json!({"label_en": "Dinner", "choices": [{"key": "fish", "de": "Fisch", "en": "Fish"}]}),
    )
    .await
    .assert_status(200);
    app.delete_admin(&format!("/api/v1/events/day/questions/{workshops}"))
        .await
        .assert_status(204);

    let list = app.get_admin("/api/v1/events/day/registrations").await;
    let answers = &list.json["items"][0]["answers"];
    assert_eq!(answers[0]["label_en"], "Lunch");
    assert_eq!(answers[0]["text_en"], "Vegetarian");
    assert_eq!(answers[1]["label_en"], "Workshops");
    assert_eq!(answers[1]["text_en"], "Optics");
    let csv = app.get_admin("/api/v1/events/day/registrations.csv").await;
    let header = csv.text.lines().next().unwrap().to_owned();
    assert!(
        header.ends_with(",Dinner,Evening event,Remarks,Workshops"),
        "{header}"
    );
    assert!(csv
        .text
        .lines()
        .nth(1)
        .unwrap()
        .ends_with(",Vegetarian,,,Optics"));

    // New answers follow the changed question.
    let old = app
        .register(
            "day",
            &with_answers("Bea", "bea@example.org", json!({lunch.as_str(): "veggie"})),
        )
        .await;
    old.assert_problem(422);
    app.register(
        "day",
        &with_answers("Bea", "bea@example.org", json!({lunch.as_str(): "fish"})),
    )
    .await
    .assert_status(201);
}

#[tokio::test]
async fn answers_of_a_batch_of_concurrent_registrations_are_each_stored_with_their_own() {
    let app = spawn_app().await;
    let [lunch, ..] = event_with_questions(&app).await;
    let requests = (0..40).map(|i| {
        let app = &app;
        let lunch = lunch.clone();
        async move {
            let meal = if i % 4 == 0 { "meat" } else { "veggie" };
            let body = with_answers(
                &format!("Person {i:02}"),
                &format!("p{i}@example.org"),
                json!({lunch.as_str(): meal}),
            );
            app.register("day", &body).await
        }
    });
    for answer in join_all(requests).await {
        answer.assert_status(201);
    }
    let list = app
        .get_admin("/api/v1/events/day/registrations?limit=100&sort=name")
        .await;
    for (i, item) in list.json["items"].as_array().unwrap().iter().enumerate() {
        let meal = if i % 4 == 0 { "meat" } else { "veggie" };
        assert_eq!(item["answers"][0]["value"], meal, "{item}");
    }
    let stats = app.get_admin("/api/v1/events/day/stats").await;
    assert_eq!(
        stats.json["answers"][0]["counts"],
        json!({"veggie": 30, "meat": 10})
    );
}

#[tokio::test]
async fn erasing_a_registration_deletes_its_answers() {
    let app = spawn_app().await;
    let [lunch, .., remarks] = event_with_questions(&app).await;
    let answer = app
        .register(
            "day",
            &with_answers(
                "Ada",
                "ada@example.org",
                json!({lunch.as_str(): "veggie", remarks.as_str(): "I use a wheelchair"}),
            ),
        )
        .await;
    let token = s(&answer.json["manage_token"]).to_owned();
    app.delete(&format!("/api/v1/registrations/{token}"))
        .await
        .assert_status(204);
    let list = app.get_admin("/api/v1/events/day/registrations").await;
    assert_eq!(list.json["items"][0]["answers"], json!([]));
    let csv = app.get_admin("/api/v1/events/day/registrations.csv").await;
    assert!(!csv.text.contains("wheelchair"));
}

/// `POST` of a form as a browser sends it (`application/x-www-form-urlencoded`).
async fn post_form(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> crate::helpers::Answer {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let response = app
        .client
        .post(app.url(path))
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body)
        .send()
        .await
        .expect("request sent");
    crate::helpers::Answer::read(response).await
}

fn base_form<'a>(name: &'a str, email: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("email", email),
        ("organisation", "IOF"),
        ("sector", "science"),
        ("language", "de"),
        ("consent", "true"),
    ]
}

#[tokio::test]
async fn the_event_pages_form_asks_the_questions_in_the_pages_language() {
    let app = spawn_app().await;
    let [lunch, workshops, evening, remarks] = event_with_questions(&app).await;
    let german = app.get("/events/day?lang=de").await;
    german.assert_status(200);
    let html = &german.text;
    let at = |needle: &str| {
        html.find(needle)
            .unwrap_or_else(|| panic!("{needle} in {html}"))
    };
    // In form order, German labels, the right inputs.
    assert!(at("Mittagessen") < at("Workshops") && at("Workshops") < at("Abendveranstaltung"));
    assert!(html.contains(&format!(
        "<input type=\"radio\" name=\"answers.{lunch}\" value=\"veggie\"> Vegetarisch"
    )));
    assert!(html.contains(&format!(
        "<input type=\"checkbox\" name=\"answers.{workshops}\" value=\"lasers\"> Laser"
    )));
    assert!(html.contains(&format!("name=\"answers.{evening}\" value=\"yes\"> Ja")));
    assert!(html.contains(&format!(
        "<textarea id=\"q-{remarks}\" name=\"answers.{remarks}\""
    )));

    // A new question shows on the (cached) page at once.
    app.post_admin(
        "/api/v1/events/day/questions",
        &json!({"kind": "short_text", "label_de": "Ihre Funktion", "label_en": "Your role"}),
    )
    .await
    .assert_status(201);
    let english = app.get("/events/day?lang=en").await;
    assert!(english.text.contains("Your role"));
    let german = app.get("/events/day?lang=de").await;
    assert!(german.text.contains("Ihre Funktion"));
}

#[tokio::test]
async fn a_form_with_answers_registers_them_and_a_missing_answer_comes_back_at_its_question() {
    let app = spawn_app().await;
    let [lunch, workshops, evening, remarks] = event_with_questions(&app).await;
    let lunch_field = format!("answers.{lunch}");
    let workshops_field = format!("answers.{workshops}");
    let evening_field = format!("answers.{evening}");
    let remarks_field = format!("answers.{remarks}");

    // The required lunch question unanswered: the form comes back with what was chosen.
    let mut fields = base_form("Ada", "ada@example.org");
    fields.push((&workshops_field, "lasers"));
    fields.push((&remarks_field, "Rollstuhl"));
    let refused = post_form(&app, "/events/day/register?lang=de", &fields).await;
    refused.assert_status(422);
    assert!(refused.text.contains(&format!("href=\"#q-{lunch}\"")));
    assert!(refused.text.contains("Bitte beantworten Sie diese Frage."));
    assert!(refused.text.contains(&format!(
        "name=\"answers.{workshops}\" value=\"lasers\" checked"
    )));
    assert!(refused.text.contains(">Rollstuhl</textarea>"));
    // A choice that is not offered.
    let mut fields = base_form("Ada", "ada@example.org");
    fields.push((&lunch_field, "caviar"));
    let refused = post_form(&app, "/events/day/register?lang=en", &fields).await;
    refused.assert_status(422);
    assert!(refused.text.contains("Please check this answer."));
    assert_eq!(
        app.get_admin("/api/v1/events/day/registrations").await.json["total"],
        0
    );

    let mut fields = base_form("Ada", "ada@example.org");
    fields.extend([
        (lunch_field.as_str(), "veggie"),
        (workshops_field.as_str(), "optics"),
        (workshops_field.as_str(), "lasers"),
        (evening_field.as_str(), "no"),
        (remarks_field.as_str(), ""),
    ]);
    let posted = post_form(&app, "/events/day/register", &fields).await;
    posted.assert_status(303);
    let list = app.get_admin("/api/v1/events/day/registrations").await;
    let answers = &list.json["items"][0]["answers"];
    assert_eq!(answers[0]["value"], "veggie");
    assert_eq!(answers[1]["value"], json!(["optics", "lasers"]));
    assert_eq!(answers[2]["value"], json!(false));
    assert_eq!(answers.as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn a_registration_with_an_idempotency_key_stores_its_answers_once() {
    let app = spawn_app().await;
    let [lunch, ..] = event_with_questions(&app).await;
    let body = with_answers("Ada", "ada@example.org", json!({lunch.as_str(): "meat"}));
    for _ in 0..2 {
        app.post_with_headers(
            "/api/v1/events/day/registrations",
            &body,
            &[("Idempotency-Key", "ada-1")],
        )
        .await
        .assert_status(201);
    }
    let stats = app.get_admin("/api/v1/events/day/stats").await;
    assert_eq!(
        stats.json["answers"][0]["counts"],
        json!({"veggie": 0, "meat": 1})
    );
}

/// Registrations are checked against the questions as they are now: a question added through
/// this instance is asked of the very next registration, and one removed through another
/// instance on the same database is no longer asked within a second (the questions are kept
/// like the event row, `read_cache::EVENT_TTL`).
#[tokio::test]
async fn a_question_added_here_is_asked_at_once_and_one_removed_elsewhere_within_a_second() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "day", "capacity": 100}))
        .await;
    let second = crate::helpers::spawn_second_instance(&app).await;
    // Read (and kept) while the event asks nothing.
    app.register_person("day", "Ada", "ada@example.org")
        .await
        .assert_status(201);
    let added = app
        .post_admin(
            "/api/v1/events/day/questions",
            &json!({"kind": "yes_no", "required": true, "label_de": "Abendveranstaltung",
                "label_en": "Evening event"}),
        )
        .await;
    added.assert_status(201);
    let evening = s(&added.json["id"]).to_owned();
    let unanswered = app.register_person("day", "Bea", "bea@example.org").await;
    unanswered.assert_problem(422);
    assert_eq!(unanswered.error_fields(), [format!("answers.{evening}")]);
    app.register(
        "day",
        &with_answers("Bea", "bea@example.org", json!({evening.as_str(): true})),
    )
    .await
    .assert_status(201);

    let removed = app
        .client
        .delete(format!("{second}/api/v1/events/day/questions/{evening}"))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .expect("request sent");
    assert_eq!(removed.status(), 204);
    // Answering the removed question is accepted while this instance's copy still asks it (a
    // 201 leaves the copies in place), and refused as an unknown question once the copy has
    // expired: the probe itself never refreshes the copy early.
    let since = std::time::Instant::now();
    let mut n = 0;
    loop {
        n += 1;
        let email = format!("late{n}@example.org");
        // When this probe began: a slow answer on a busy machine does not count against it.
        let asked = since.elapsed();
        let answer = app
            .register(
                "day",
                &with_answers("Cem", &email, json!({evening.as_str(): true})),
            )
            .await;
        if answer.status == 422 {
            assert_eq!(answer.error_fields(), [format!("answers.{evening}")]);
            break;
        }
        answer.assert_status(201);
        assert!(
            asked < std::time::Duration::from_millis(1500),
            "the removed question is still asked after a second"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
