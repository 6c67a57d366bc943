//! The jury (issue 29, item 2): review criteria, reviews and their visibility, the review
//! table's numbers, anonymous review, conflicts of interest, the assignment of pitches to
//! reviewers, and what a reviewer may not do.
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Answer, TestApp};

/// A new team member; `(id, token)`.
async fn member(app: &TestApp, body: &Value) -> (String, String) {
    let answer = app.post_admin("/api/v1/organisers", body).await;
    answer.assert_status(201);
    (
        answer.json["id"].as_str().unwrap().to_owned(),
        answer.json["token"].as_str().unwrap().to_owned(),
    )
}

/// A reviewer of every event with this name and address; `(id, token)`.
async fn reviewer(app: &TestApp, name: &str, email: &str) -> (String, String) {
    member(
        app,
        &json!({"name": name, "email": email, "role": "reviewer"}),
    )
    .await
}

async fn send(app: &TestApp, method: Method, path: &str, token: &str, body: &Value) -> Answer {
    app.request(method, path, Some(token), Some(body)).await
}

/// Two criteria: `relevance` (weight 2, 0–5) and `clarity` (weight 1, 0–5).
fn two_criteria() -> Value {
    json!([
        {"key": "relevance", "name_de": "Relevanz", "name_en": "Relevance", "weight": 2, "max": 5},
        {"key": "clarity", "name_de": "Klarheit", "name_en": "Clarity", "weight": 1, "max": 5}
    ])
}

/// A published event with `criteria` and one proposed pitch; `(event id, pitch id)`.
async fn event_with_pitch(app: &TestApp, criteria: Value) -> (String, String) {
    let event = app.published_event(json!({})).await;
    let event = event["id"].as_str().unwrap().to_owned();
    app.put_admin(
        &format!("/api/v1/events/{event}/review-criteria"),
        &criteria,
    )
    .await
    .assert_status(200);
    let pitch = app.propose_pitch(&event, json!({})).await;
    (event, pitch["id"].as_str().unwrap().to_owned())
}

async fn review(app: &TestApp, event: &str, pitch: &str, token: &str, body: Value) -> Answer {
    send(
        app,
        Method::POST,
        &format!("/api/v1/events/{event}/pitches/{pitch}/reviews"),
        token,
        &body,
    )
    .await
}

fn close(a: &Value, b: f64) {
    let a = a.as_f64().unwrap_or_else(|| panic!("{a} is no number"));
    assert!((a - b).abs() < 1e-9, "{a} is not {b}");
}

#[tokio::test]
async fn criteria_are_replaced_as_a_set_and_each_bad_field_is_named() {
    let app = spawn_app().await;
    let event = app.published_event(json!({})).await;
    let path = format!(
        "/api/v1/events/{}/review-criteria",
        event["id"].as_str().unwrap()
    );
    app.get_admin(&path).await.assert_status(200);
    assert_eq!(app.get_admin(&path).await.json, json!([]));

    let answer = app.put_admin(&path, &two_criteria()).await;
    answer.assert_status(200);
    assert_eq!(answer.json, app.get_admin(&path).await.json);
    assert_eq!(answer.json[0]["key"], "relevance");
    assert_eq!(answer.json[1]["weight"], 1.0);

    let bad = json!([
        {"key": "relevance", "name_de": "Relevanz", "name_en": "Relevance", "weight": 1, "max": 5},
        {"key": "relevance", "name_de": " ", "name_en": "Twice", "weight": 0, "max": 0},
        {"key": "Not A Key", "name_de": "x", "name_en": "x", "weight": 1.5, "max": 2.5},
        {"key": "fine", "name_de": "x", "name_en": "x", "weight": -1, "max": 101, "colour": "red"}
    ]);
    let answer = app.put_admin(&path, &bad).await;
    answer.assert_problem(422);
    let mut fields = answer.error_fields();
    fields.sort();
    assert_eq!(
        fields,
        [
            "[1].key",
            "[1].max",
            "[1].name_de",
            "[1].weight",
            "[2].key",
            "[2].max",
            "[3].colour",
            "[3].max",
            "[3].weight"
        ]
    );
    app.put_admin(&path, &json!({"key": "x"}))
        .await
        .assert_problem(422);
    assert_eq!(app.get_admin(&path).await.json.as_array().unwrap().len(), 2);

    // PUT replaces the set.
    let one = json!([{"key": "impact", "name_de": "Wirkung", "name_en": "Impact", "weight": 0.5, "max": 10}]);
    app.put_admin(&path, &one).await.assert_status(200);
    assert_eq!(app.get_admin(&path).await.json, one);
}

#[tokio::test]
async fn a_review_scores_every_criterion_and_a_second_replaces_the_first() {
    let app = spawn_app().await;
    let (event, pitch) = event_with_pitch(&app, two_criteria()).await;
    let (reviewer_id, token) = reviewer(&app, "Rita Review", "rita@jury.example").await;

    for (scores, field) in [
        (json!({"relevance": 4}), "scores.clarity"),
        (
            json!({"relevance": 4, "clarity": 1, "charm": 3}),
            "scores.charm",
        ),
        (json!({"relevance": 6, "clarity": 1}), "scores.relevance"),
        (json!({"relevance": -1, "clarity": 1}), "scores.relevance"),
        (json!({"relevance": 2.5, "clarity": 1}), "scores.relevance"),
        (json!({"relevance": "4", "clarity": 1}), "scores.relevance"),
    ] {
        let answer = review(&app, &event, &pitch, &token, json!({"scores": scores})).await;
        answer.assert_problem(422);
        assert_eq!(answer.error_fields(), [field], "{scores}");
    }

    let first = review(
        &app,
        &event,
        &pitch,
        &token,
        json!({"scores": {"relevance": 4, "clarity": 1}, "comment": "Gut."}),
    )
    .await;
    first.assert_status(201);
    let id = first.json["id"].as_str().unwrap().to_owned();
    assert_eq!(
        first.header("location"),
        Some(format!("/api/v1/events/{event}/pitches/{pitch}/reviews/{id}").as_str())
    );
    assert_eq!(first.json["reviewer_id"], reviewer_id.as_str());
    assert_eq!(first.json["reviewer_name"], "Rita Review");
    // (2·4 + 1·1) / 3
    close(&first.json["score"], 3.0);

    let second = review(
        &app,
        &event,
        &pitch,
        &token,
        json!({"scores": {"relevance": 5, "clarity": 5}, "comment": "Sehr gut."}),
    )
    .await;
    second.assert_status(200);
    assert_eq!(second.json["id"], id.as_str());
    close(&second.json["score"], 5.0);

    let list = app
        .get_admin(&format!("/api/v1/events/{event}/pitches/{pitch}/reviews"))
        .await;
    list.assert_status(200);
    assert_eq!(list.json["total"], 1);
    assert_eq!(list.json["items"][0]["comment"], "Sehr gut.");
    assert_eq!(
        list.json["items"][0]["scores"],
        json!({"relevance": 5, "clarity": 5})
    );
    let one = app
        .get_as(
            &format!("/api/v1/events/{event}/pitches/{pitch}/reviews/{id}"),
            &token,
        )
        .await;
    one.assert_status(200);
    assert_eq!(one.json["id"], id.as_str());

    // Reviews keep their scores by key when the criteria change.
    let path = format!("/api/v1/events/{event}/review-criteria");
    let only_clarity = json!([{"key": "clarity", "name_de": "Klarheit", "name_en": "Clarity", "weight": 1, "max": 5}]);
    app.put_admin(&path, &only_clarity).await.assert_status(200);
    app.put_admin(&path, &two_criteria())
        .await
        .assert_status(200);
    let list = app
        .get_admin(&format!("/api/v1/events/{event}/pitches/{pitch}/reviews"))
        .await;
    assert_eq!(
        list.json["items"][0]["scores"],
        json!({"relevance": 5, "clarity": 5})
    );

    // Without criteria nobody can review.
    app.put_admin(&path, &json!([])).await.assert_status(200);
    review(&app, &event, &pitch, &token, json!({"scores": {}}))
        .await
        .assert_problem(409);
}

#[tokio::test]
async fn a_reviewer_sees_the_others_reviews_only_after_giving_their_own() {
    let app = spawn_app().await;
    let (event, pitch) = event_with_pitch(&app, two_criteria()).await;
    let (_, first) = reviewer(&app, "Erste", "erste@jury.example").await;
    let (_, second) = reviewer(&app, "Zweite", "zweite@rat.example").await;
    let reviews = format!("/api/v1/events/{event}/pitches/{pitch}/reviews");
    let pitches = format!("/api/v1/events/{event}/pitches");

    let empty = app.get_as(&reviews, &second).await;
    empty.assert_status(200);
    assert_eq!(empty.json["items"], json!([]));
    assert_eq!(empty.json["others_hidden"], false);

    review(
        &app,
        &event,
        &pitch,
        &first,
        json!({"scores": {"relevance": 2, "clarity": 2}}),
    )
    .await
    .assert_status(201);
    let hidden = app.get_as(&reviews, &second).await;
    assert_eq!(hidden.json["items"], json!([]));
    assert_eq!(hidden.json["total"], 0);
    assert_eq!(hidden.json["others_hidden"], true);
    // Nor do the pitch list's numbers tell the others' scores.
    let list = app.get_as(&pitches, &second).await;
    list.assert_status(200);
    assert_eq!(list.json["items"][0]["review_count"], 1);
    assert_eq!(list.json["items"][0]["score"], Value::Null);
    assert_eq!(list.json["items"][0]["reviewed_by_me"], false);
    let single = app.get_as(&format!("{pitches}/{pitch}"), &second).await;
    assert_eq!(single.json["score"], Value::Null);
    // The first reviewer sees their own and the numbers.
    let own = app.get_as(&reviews, &first).await;
    assert_eq!(own.json["total"], 1);
    close(
        &app.get_as(&pitches, &first).await.json["items"][0]["score"],
        2.0,
    );

    review(
        &app,
        &event,
        &pitch,
        &second,
        json!({"scores": {"relevance": 4, "clarity": 4}}),
    )
    .await
    .assert_status(201);
    let all = app.get_as(&reviews, &second).await;
    assert_eq!(all.json["total"], 2);
    assert_eq!(all.json["others_hidden"], false);
    let list = app.get_as(&pitches, &second).await;
    assert_eq!(list.json["items"][0]["reviewed_by_me"], true);
    close(&list.json["items"][0]["score"], 3.0);
    // Organisers see everything, without reviewing.
    assert_eq!(app.get_admin(&reviews).await.json["total"], 2);
}

#[tokio::test]
async fn the_review_table_numbers_match_hand_computed_values() {
    let app = spawn_app().await;
    let criteria = json!([
        {"key": "fit", "name_de": "Passung", "name_en": "Fit", "weight": 3, "max": 5},
        {"key": "novelty", "name_de": "Neuheit", "name_en": "Novelty", "weight": 1, "max": 10}
    ]);
    let (event, pitch) = event_with_pitch(&app, criteria).await;
    let other = app
        .propose_pitch(
            &event,
            json!({"title": "Ohne Bewertung", "presenter_email": "o@anders.example"}),
        )
        .await;
    // Values: (3·5 + 10)/4 = 6.25, (3·1 + 2)/4 = 1.25, (3·3 + 3)/4 = 3.
    for (i, (fit, novelty)) in [(5, 10), (1, 2), (3, 3)].into_iter().enumerate() {
        let (_, token) = reviewer(&app, &format!("R{i}"), &format!("r{i}@jury{i}.example")).await;
        review(
            &app,
            &event,
            &pitch,
            &token,
            json!({"scores": {"fit": fit, "novelty": novelty}}),
        )
        .await
        .assert_status(201);
    }
    let list = app
        .get_admin(&format!("/api/v1/events/{event}/pitches"))
        .await;
    list.assert_status(200);
    let item = |id: &str| {
        list.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .cloned()
            .unwrap()
    };
    let scored = item(&pitch);
    assert_eq!(scored["review_count"], 3);
    close(&scored["score"], 10.5 / 3.0);
    close(&scored["score_median"], 3.0);
    close(&scored["score_min"], 1.25);
    close(&scored["score_max"], 6.25);
    // Deviations from 3.5: 2.75, −2.25, −0.5; squares sum to 12.875.
    close(&scored["score_stddev"], (12.875f64 / 3.0).sqrt());
    let unscored = item(other["id"].as_str().unwrap());
    assert_eq!(unscored["review_count"], 0);
    assert_eq!(unscored["score"], Value::Null);
    assert_eq!(unscored["score_median"], Value::Null);
    assert_eq!(unscored["score_stddev"], Value::Null);
}

#[tokio::test]
async fn anonymous_review_hides_the_presenter_from_reviewers_but_not_from_organisers() {
    let app = spawn_app().await;
    let (event, pitch) = event_with_pitch(&app, two_criteria()).await;
    let (_, token) = reviewer(&app, "Anna Nym", "anna@jury.example").await;
    let settings = format!("/api/v1/events/{event}/review-settings");
    assert_eq!(
        app.get_as(&settings, &token).await.json,
        json!({"anonymous_review": false})
    );
    let single = format!("/api/v1/events/{event}/pitches/{pitch}");
    assert_eq!(
        app.get_as(&single, &token).await.json["presenter_name"],
        "Petra Presenter"
    );

    send(
        &app,
        Method::PUT,
        &settings,
        &token,
        &json!({"anonymous_review": true}),
    )
    .await
    .assert_problem(403);
    app.put_admin(&settings, &json!({"anonymous_review": "yes"}))
        .await
        .assert_problem(422);
    app.put_admin(&settings, &json!({"anonymous_review": true}))
        .await
        .assert_status(200);

    for answer in [
        app.get_as(&single, &token).await.json,
        app.get_as(&format!("/api/v1/events/{event}/pitches"), &token)
            .await
            .json["items"][0]
            .clone(),
    ] {
        assert_eq!(answer["title"], "Leichtbau mit Naturfasern");
        for field in ["presenter_name", "presenter_email", "organisation"] {
            assert!(answer.get(field).is_none(), "{field} shown: {answer}");
        }
        assert!(!answer.to_string().contains("Petra"));
        assert!(!answer.to_string().contains("faserwerk"));
    }
    let organiser = app.get_admin(&single).await.json;
    assert_eq!(organiser["presenter_name"], "Petra Presenter");
    assert_eq!(organiser["organisation"], "Faserwerk GmbH");
}

#[tokio::test]
async fn a_conflict_of_interest_is_refused_for_the_same_mail_domain_and_the_same_organisation() {
    let app = spawn_app().await;
    let (event, pitch) = event_with_pitch(&app, two_criteria()).await;
    let scores = json!({"scores": {"relevance": 5, "clarity": 5}});
    let (colleague, colleague_token) =
        reviewer(&app, "Kollegin", "kollegin@FASERWERK.example").await;
    let answer = review(&app, &event, &pitch, &colleague_token, scores.clone()).await;
    answer.assert_problem(409);
    assert!(
        answer.json["detail"]
            .as_str()
            .unwrap()
            .contains("mail domain"),
        "{}",
        answer.text
    );

    let (same_org, same_org_token) = member(
        &app,
        &json!({"name": "Partner", "email": "partner@elsewhere.example", "role": "reviewer",
            "organisation": "  faserwerk   GMBH "}),
    )
    .await;
    let shown = app
        .get_admin(&format!("/api/v1/organisers/{same_org}"))
        .await;
    assert_eq!(shown.json["organisation"], "faserwerk   GMBH");
    let answer = review(&app, &event, &pitch, &same_org_token, scores.clone()).await;
    answer.assert_problem(409);
    assert!(
        answer.json["detail"]
            .as_str()
            .unwrap()
            .contains("organisation"),
        "{}",
        answer.text
    );
    // An organiser is held to the same rule.
    let (_, orga) = member(
        &app,
        &json!({"name": "Orga", "email": "orga@faserwerk.example", "role": "organiser"}),
    )
    .await;
    review(&app, &event, &pitch, &orga, scores.clone())
        .await
        .assert_problem(409);
    // Assigning them by hand is refused as well, naming the member.
    for id in [&colleague, &same_org] {
        let answer = app
            .put_admin(
                &format!("/api/v1/events/{event}/pitches/{pitch}/reviewers"),
                &json!({"reviewer_ids": [id]}),
            )
            .await;
        answer.assert_problem(409);
    }
    // Changing the organisation removes the conflict; a shared mail provider is none.
    app.patch_admin(
        &format!("/api/v1/organisers/{same_org}"),
        &json!({"organisation": "Andere AG"}),
    )
    .await
    .assert_status(200);
    review(&app, &event, &pitch, &same_org_token, scores.clone())
        .await
        .assert_status(201);
    let gmail = app
        .propose_pitch(
            &event,
            json!({"presenter_email": "someone@gmail.com", "organisation": "Solo"}),
        )
        .await;
    let (_, also_gmail) = reviewer(&app, "G", "reviewer@gmail.com").await;
    review(
        &app,
        &event,
        gmail["id"].as_str().unwrap(),
        &also_gmail,
        scores,
    )
    .await
    .assert_status(201);
}

#[tokio::test]
async fn each_pitch_gets_n_reviewers_spread_evenly_skipping_conflicts() {
    let app = spawn_app().await;
    let (event, first) = event_with_pitch(&app, two_criteria()).await;
    let mut pitches = vec![first];
    for i in 0..4 {
        let p = app
            .propose_pitch(
                &event,
                json!({"title": format!("Pitch {i}"), "organisation": format!("Org {i}"),
                    "presenter_email": format!("p{i}@org{i}.example")}),
            )
            .await;
        pitches.push(p["id"].as_str().unwrap().to_owned());
    }
    let spread = format!("/api/v1/events/{event}/review-assignments");
    app.post_admin(&spread, &json!({"per_pitch": 2}))
        .await
        .assert_problem(409);
    // Anja works at Faserwerk: the first pitch is a conflict for her.
    let (anja, _) = reviewer(&app, "Anja", "anja@faserwerk.example").await;
    let (bert, bert_token) = reviewer(&app, "Bert", "bert@jury.example").await;
    let (carl, _) = reviewer(&app, "Carl", "carl@rat.example").await;
    // A door member and a reviewer of another event take no part.
    member(
        &app,
        &json!({"name": "Door", "email": "door@jury.example", "role": "door"}),
    )
    .await;
    let other = app.published_event(json!({"slug": "anderes"})).await;
    member(
        &app,
        &json!({"name": "Elsewhere", "email": "else@jury.example", "role": "reviewer", "events": [other["id"]]}),
    )
    .await;

    for bad in [
        json!({"per_pitch": 0}),
        json!({"per_pitch": 21}),
        json!({"per_pitch": "2"}),
    ] {
        app.post_admin(&spread, &bad).await.assert_problem(422);
    }
    let answer = app.post_admin(&spread, &json!({"per_pitch": 2})).await;
    answer.assert_status(200);
    assert_eq!(answer.json["reviewers"], 3);
    assert_eq!(answer.json["pitches"], 5);
    assert_eq!(answer.json["created"], 10);
    assert_eq!(answer.json["short"], json!([]));
    let loads: Vec<u64> = answer.json["load"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["pitches"].as_u64().unwrap())
        .collect();
    assert_eq!(loads.iter().sum::<u64>(), 10);
    assert!(
        loads.iter().max().unwrap() - loads.iter().min().unwrap() <= 1,
        "{loads:?}"
    );

    for (i, pitch) in pitches.iter().enumerate() {
        let list = app
            .get_admin(&format!("/api/v1/events/{event}/pitches/{pitch}/reviewers"))
            .await;
        list.assert_status(200);
        assert_eq!(list.json["total"], 2, "pitch {i}");
        let ids: Vec<&str> = list.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        if i == 0 {
            assert!(!ids.contains(&anja.as_str()), "a conflict was assigned");
            assert!(ids.contains(&bert.as_str()) && ids.contains(&carl.as_str()));
        }
    }
    // Again: every pitch has its two, nothing new.
    let again = app.post_admin(&spread, &json!({"per_pitch": 2})).await;
    assert_eq!(again.json["created"], 0);
    // Three per pitch: the first pitch cannot get a third.
    let three = app.post_admin(&spread, &json!({"per_pitch": 3})).await;
    assert_eq!(three.json["created"], 4);
    assert_eq!(
        three.json["short"],
        json!([{"pitch_id": pitches[0], "missing": 1}])
    );

    // With assignments, a reviewer scores what is assigned to them.
    app.put_admin(
        &format!("/api/v1/events/{event}/pitches/{}/reviewers", pitches[1]),
        &json!({"reviewer_ids": [carl]}),
    )
    .await
    .assert_status(200);
    let mine = app
        .get_as(
            &format!("/api/v1/events/{event}/pitches/{}", pitches[1]),
            &bert_token,
        )
        .await;
    assert_eq!(mine.json["assigned_to_me"], false);
    assert_eq!(mine.json["assigned_reviewers"], 1);
    let refused = review(
        &app,
        &event,
        &pitches[1],
        &bert_token,
        json!({"scores": {"relevance": 1, "clarity": 1}}),
    )
    .await;
    refused.assert_problem(403);
    review(
        &app,
        &event,
        &pitches[0],
        &bert_token,
        json!({"scores": {"relevance": 1, "clarity": 1}}),
    )
    .await
    .assert_status(201);
}

#[tokio::test]
async fn reviewers_are_assigned_by_hand_and_a_member_who_may_not_review_is_named() {
    let app = spawn_app().await;
    let (event, pitch) = event_with_pitch(&app, two_criteria()).await;
    let path = format!("/api/v1/events/{event}/pitches/{pitch}/reviewers");
    assert_eq!(app.get_admin(&path).await.json["items"], json!([]));
    let (door, _) = member(
        &app,
        &json!({"name": "Door", "email": "door@jury.example", "role": "door"}),
    )
    .await;
    let (rita, _) = reviewer(&app, "Rita", "rita@jury.example").await;
    let answer = app
        .put_admin(&path, &json!({"reviewer_ids": [rita, door]}))
        .await;
    answer.assert_problem(422);
    assert_eq!(answer.error_fields(), ["reviewer_ids[1]"]);
    let answer = app
        .put_admin(&path, &json!({"reviewer_ids": [rita, rita]}))
        .await;
    answer.assert_status(200);
    assert_eq!(answer.json["total"], 1);
    assert_eq!(answer.json["items"][0]["reviewed"], false);
    app.put_admin(&path, &json!({"reviewer_ids": []}))
        .await
        .assert_status(200);
    assert_eq!(app.get_admin(&path).await.json["total"], 0);
}

#[tokio::test]
async fn a_reviewer_reads_no_attendees_decides_no_pitch_and_sets_no_criteria() {
    let app = spawn_app().await;
    let (event, pitch) = event_with_pitch(&app, two_criteria()).await;
    let (_, token) = reviewer(&app, "Rita", "rita@jury.example").await;
    app.get_as(&format!("/api/v1/events/{event}/registrations"), &token)
        .await
        .assert_problem(403);
    app.get_as(&format!("/api/v1/events/{event}/registrations.csv"), &token)
        .await
        .assert_problem(403);
    send(
        &app,
        Method::PATCH,
        &format!("/api/v1/events/{event}/pitches/{pitch}"),
        &token,
        &json!({"status": "accepted"}),
    )
    .await
    .assert_problem(403);
    send(
        &app,
        Method::PUT,
        &format!("/api/v1/events/{event}/review-criteria"),
        &token,
        &two_criteria(),
    )
    .await
    .assert_problem(403);
    send(
        &app,
        Method::POST,
        &format!("/api/v1/events/{event}/review-assignments"),
        &token,
        &json!({"per_pitch": 1}),
    )
    .await
    .assert_problem(403);
    app.get_as(
        &format!("/api/v1/events/{event}/pitches/{pitch}/reviewers"),
        &token,
    )
    .await
    .assert_problem(403);
    // What a reviewer may: the criteria, the pitches, scoring.
    app.get_as(&format!("/api/v1/events/{event}/review-criteria"), &token)
        .await
        .assert_status(200);
    review(
        &app,
        &event,
        &pitch,
        &token,
        json!({"scores": {"relevance": 3, "clarity": 3}}),
    )
    .await
    .assert_status(201);
}

#[tokio::test]
async fn an_organiser_of_one_event_gets_403_on_the_reviews_of_another() {
    let app = spawn_app().await;
    let (a, _) = event_with_pitch(&app, two_criteria()).await;
    let b = app.published_event(json!({"slug": "event-b"})).await;
    let b = b["id"].as_str().unwrap().to_owned();
    app.put_admin(
        &format!("/api/v1/events/{b}/review-criteria"),
        &two_criteria(),
    )
    .await
    .assert_status(200);
    let b_pitch = app
        .propose_pitch(&b, json!({"presenter_email": "b@b.example"}))
        .await;
    let b_pitch = b_pitch["id"].as_str().unwrap();
    let (_, token) = member(
        &app,
        &json!({"name": "Orga A", "email": "orga-a@jury.example", "role": "organiser", "events": [a]}),
    )
    .await;
    app.get_as(&format!("/api/v1/events/{a}/review-criteria"), &token)
        .await
        .assert_status(200);
    for path in [
        format!("/api/v1/events/{b}/review-criteria"),
        "/api/v1/events/event-b/review-criteria".to_owned(),
        format!("/api/v1/events/{b}/pitches/{b_pitch}/reviews"),
        format!("/api/v1/events/{b}/review-settings"),
    ] {
        app.get_as(&path, &token).await.assert_problem(403);
    }
    review(
        &app,
        &b,
        b_pitch,
        &token,
        json!({"scores": {"relevance": 3, "clarity": 3}}),
    )
    .await
    .assert_problem(403);
}
