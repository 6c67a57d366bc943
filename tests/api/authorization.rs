//! Who may do what: every organiser route from the served OpenAPI spec against every kind of
//! wrong credential, manage tokens that reach their own record only, and public answers that
//! carry no one's e-mail address or token.
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Answer, TestApp};

/// Real ids for the path parameters of every organiser route.
pub(crate) struct Fixture {
    event: String,
    stage: String,
    slot: String,
    pitch: String,
    exhibit: String,
    registration: String,
    outbox: String,
    organiser: String,
    /// The attendee's manage token.
    registration_token: String,
    pitch_token: String,
    exhibit_token: String,
    question: String,
    /// An admin's webhook endpoint (issue 31).
    webhook: String,
}

impl Fixture {
    pub(crate) async fn new(app: &TestApp) -> Self {
        let event = app.published_event(json!({"slug": "authz"})).await;
        let event = event["id"].as_str().unwrap().to_owned();
        let stage = app.create_stage(&event, "Saal 1").await;
        let slot = app
            .slot(
                &event,
                &stage,
                "2027-06-24T10:00:00+02:00",
                "2027-06-24T10:15:00+02:00",
            )
            .await;
        let pitch = app.accepted_pitch(&event, json!({})).await;
        let exhibit = app
            .post(
                &format!("/api/v1/events/{event}/exhibits"),
                &crate::helpers::exhibit_body(json!({})),
            )
            .await;
        exhibit.assert_status(201);
        let registration = app
            .register_person(&event, "Anna Attendee", "anna@attendee.example")
            .await;
        registration.assert_status(201);
        let outbox = app.get_admin("/api/v1/admin/outbox").await;
        outbox.assert_status(200);
        let organiser = app
            .post_admin(
                "/api/v1/organisers",
                &json!({"name": "Other Organiser", "email": "other@example.org"}),
            )
            .await;
        organiser.assert_status(201);
        let question = app
            .post_admin(
                &format!("/api/v1/events/{event}/questions"),
                &json!({"kind": "yes_no", "label_de": "Frage", "label_en": "Question"}),
            )
            .await;
        question.assert_status(201);
        let webhook = app
            .post_admin(
                "/api/v1/webhooks",
                &json!({"url": "https://hooks.example.org/podium", "events": ["pitch.accepted"]}),
            )
            .await;
        webhook.assert_status(201);
        Self {
            webhook: webhook.json["id"].as_str().unwrap().to_owned(),
            question: question.json["id"].as_str().unwrap().to_owned(),
            event,
            stage,
            slot,
            pitch: pitch["id"].as_str().unwrap().to_owned(),
            exhibit: exhibit.json["id"].as_str().unwrap().to_owned(),
            registration: registration.json["id"].as_str().unwrap().to_owned(),
            outbox: outbox.json["items"][0]["id"].as_str().unwrap().to_owned(),
            organiser: organiser.json["id"].as_str().unwrap().to_owned(),
            registration_token: registration.json["manage_token"]
                .as_str()
                .unwrap()
                .to_owned(),
            pitch_token: pitch["manage_token"].as_str().unwrap().to_owned(),
            exhibit_token: exhibit.json["manage_token"].as_str().unwrap().to_owned(),
        }
    }

    /// The concrete path for a spec template such as `/api/v1/events/{event}/stages/{id}`.
    pub(crate) fn path(&self, template: &str) -> String {
        let id = if template.contains("/stages/") {
            &self.stage
        } else if template.contains("/pitch-slots/") {
            &self.slot
        } else if template.contains("/pitches/") {
            &self.pitch
        } else if template.contains("/exhibits/") {
            &self.exhibit
        } else if template.contains("/registrations/") {
            &self.registration
        } else if template.contains("/questions/") {
            &self.question
        } else if template.contains("/outbox/") {
            &self.outbox
        } else if template.contains("/organisers/") {
            &self.organiser
        } else if template.contains("/webhooks/") {
            &self.webhook
        } else {
            ""
        };
        // A review no one gave: the routes answer 404 after the role check.
        let path = template
            .replace("{event}", &self.event)
            .replace("{id}", id)
            .replace("{version}", "1")
            .replace("{review}", "00000000-0000-4000-8000-000000000000");
        assert!(!path.contains('{'), "no id for {template}: extend Fixture");
        path
    }
}

/// Routes only an admin may use.
pub(crate) fn admin_only(method: &Method, template: &str) -> bool {
    template.starts_with("/api/v1/admin/")
        || (template.starts_with("/api/v1/organisers")
            && !template.starts_with("/api/v1/organisers/me"))
        || (method == Method::DELETE && template == "/api/v1/organisers/{id}")
        || template.starts_with("/api/v1/organisation")
}

/// Every operation the served spec marks as needing a bearer token.
pub(crate) async fn secured_operations(app: &TestApp) -> Vec<(Method, String)> {
    let spec = app.get("/api-docs/openapi.json").await;
    spec.assert_status(200);
    let mut operations = Vec::new();
    for (template, item) in spec.json["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            if operation.get("security").is_some() {
                operations.push((method, template.clone()));
            }
        }
    }
    // Rotating one's own token invalidates the token in use: last.
    operations.sort_by_key(|(_, template)| template.ends_with("/me/rotate"));
    operations
}

pub(crate) async fn call(
    app: &TestApp,
    method: &Method,
    path: &str,
    token: Option<&str>,
) -> Answer {
    let body = matches!(*method, Method::POST | Method::PUT | Method::PATCH).then(|| json!({}));
    app.request(method.clone(), path, token, body.as_ref())
        .await
}

#[tokio::test]
async fn every_organiser_route_needs_a_valid_organiser_token_and_admin_routes_an_admin() {
    let app = spawn_app().await;
    let fixture = Fixture::new(&app).await;
    let organiser = app.organiser_token().await;
    let revoked = app
        .post_admin(
            "/api/v1/organisers",
            &json!({"name": "Gone", "email": "gone@example.org"}),
        )
        .await;
    revoked.assert_status(201);
    app.delete_admin(&format!(
        "/api/v1/organisers/{}",
        revoked.json["id"].as_str().unwrap()
    ))
    .await
    .assert_status(200);
    let revoked = revoked.json["token"].as_str().unwrap().to_owned();

    let operations = secured_operations(&app).await;
    assert!(
        operations.len() >= 30,
        "the spec lists the organiser routes: {operations:?}"
    );
    let wrong: [(&str, Option<&str>); 6] = [
        ("no token", None),
        ("a garbage token", Some("not-a-token")),
        ("a revoked organiser token", Some(&revoked)),
        (
            "an attendee's manage token",
            Some(&fixture.registration_token),
        ),
        ("a presenter's manage token", Some(&fixture.pitch_token)),
        ("an exhibitor's manage token", Some(&fixture.exhibit_token)),
    ];
    for (method, template) in &operations {
        let path = fixture.path(template);
        for (what, token) in &wrong {
            let answer = call(&app, method, &path, *token).await;
            assert_eq!(
                answer.status, 401,
                "{method} {template} with {what}: {}",
                answer.text
            );
            answer.assert_problem(401);
            assert_eq!(answer.header("www-authenticate"), Some("Bearer"));
        }
    }
    // A non-admin organiser: 403 on admin routes, through everywhere else. These requests
    // really run (and may cancel or delete things): only the authorisation is judged.
    for (method, template) in &operations {
        let path = fixture.path(template);
        let answer = call(&app, method, &path, Some(&organiser)).await;
        if admin_only(method, template) {
            assert_eq!(
                answer.status, 403,
                "{method} {template} as a non-admin: {}",
                answer.text
            );
            answer.assert_problem(403);
        } else {
            assert!(
                answer.status != 401 && answer.status != 403,
                "{method} {template} as an organiser: {} {}",
                answer.status,
                answer.text
            );
        }
    }
}

#[tokio::test]
async fn a_manage_token_reaches_its_own_record_and_nothing_else() {
    let app = spawn_app().await;
    let event = app.published_event(json!({"slug": "one"})).await;
    let other_event = app.published_event(json!({"slug": "two"})).await;
    let (event, other_event) = (
        event["id"].as_str().unwrap().to_owned(),
        other_event["id"].as_str().unwrap().to_owned(),
    );
    let anna = app
        .register_person(&event, "Anna", "anna@example.org")
        .await
        .json;
    let bert = app
        .register_person(&event, "Bert", "bert@example.org")
        .await
        .json;
    let carla = app
        .register_person(&other_event, "Carla", "carla@example.org")
        .await
        .json;
    let anna_token = anna["manage_token"].as_str().unwrap();
    let bert_token = bert["manage_token"].as_str().unwrap();
    assert!(carla["manage_token"].is_string());
    let pitch = app.propose_pitch(&event, json!({})).await;
    let pitch_token = pitch["manage_token"].as_str().unwrap();
    let exhibit = app
        .post(
            &format!("/api/v1/events/{event}/exhibits"),
            &crate::helpers::exhibit_body(json!({})),
        )
        .await
        .json;
    let exhibit_token = exhibit["manage_token"].as_str().unwrap();

    // Each token finds its own record, and its record only.
    let own = app
        .get(&format!("/api/v1/registrations/{anna_token}"))
        .await;
    own.assert_status(200);
    assert_eq!(own.json["id"], anna["id"]);
    assert_eq!(own.json["email"], "anna@example.org");
    let own = app
        .get(&format!("/api/v1/registrations/{bert_token}"))
        .await;
    assert_eq!(own.json["id"], bert["id"]);

    // A registration's id is not its token; a token of another kind is no registration token.
    for not_a_registration_token in [anna["id"].as_str().unwrap(), pitch_token, exhibit_token, ""] {
        for (method, suffix) in [
            (Method::GET, ""),
            (Method::GET, "/calendar.ics"),
            (Method::POST, "/confirm"),
            (Method::POST, "/cancel"),
            (Method::DELETE, ""),
        ] {
            let path = format!("/api/v1/registrations/{not_a_registration_token}{suffix}");
            let answer = app.request(method.clone(), &path, None, None).await;
            assert!(
                matches!(answer.status.as_u16(), 404 | 405),
                "{method} {path}: {}",
                answer.text
            );
        }
    }
    for (kind, not_its_token) in [
        ("pitches", anna_token),
        ("pitches", exhibit_token),
        ("pitches", pitch["id"].as_str().unwrap()),
        ("exhibits", anna_token),
        ("exhibits", pitch_token),
        ("exhibits", exhibit["id"].as_str().unwrap()),
    ] {
        for (method, suffix) in [(Method::GET, ""), (Method::POST, "/withdraw")] {
            let path = format!("/api/v1/{kind}/{not_its_token}{suffix}");
            app.request(method.clone(), &path, None, None)
                .await
                .assert_problem(404);
        }
    }
    app.get(&format!("/api/v1/pitches/{anna_token}/calendar.ics"))
        .await
        .assert_status(404);

    // A manage token opens no organiser view of its own event, nor of another event.
    for path in [
        format!("/api/v1/events/{event}/registrations"),
        format!(
            "/api/v1/events/{event}/registrations/{}",
            bert["id"].as_str().unwrap()
        ),
        format!(
            "/api/v1/events/{other_event}/registrations/{}",
            carla["id"].as_str().unwrap()
        ),
        format!("/api/v1/events/{event}/pitches"),
    ] {
        app.get_as(&path, anna_token).await.assert_problem(401);
    }

    // Anna cancelling and erasing herself leaves Bert untouched.
    app.post(
        &format!("/api/v1/registrations/{anna_token}/cancel"),
        &json!({}),
    )
    .await
    .assert_status(200);
    app.delete(&format!("/api/v1/registrations/{anna_token}"))
        .await
        .assert_status(204);
    let bert_now = app
        .get(&format!("/api/v1/registrations/{bert_token}"))
        .await;
    bert_now.assert_status(200);
    assert_eq!(bert_now.json["status"], "confirmed");
    assert_eq!(bert_now.json["email"], "bert@example.org");
    // An erased registration's token stops working.
    app.get(&format!("/api/v1/registrations/{anna_token}"))
        .await
        .assert_problem(404);
}

/// Every string anywhere in a JSON value.
fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn public_answers_carry_no_email_address_and_no_manage_token() {
    let app = spawn_app().await;
    let event = app.published_event(json!({"slug": "public"})).await;
    let event = event["id"].as_str().unwrap().to_owned();
    let stage = app.create_stage(&event, "Saal 1").await;
    let slot = app
        .slot(
            &event,
            &stage,
            "2027-06-24T10:00:00+02:00",
            "2027-06-24T10:15:00+02:00",
        )
        .await;
    let pitch = app
        .accepted_pitch(
            &event,
            json!({"presenter_email": "presenter@secret.example"}),
        )
        .await;
    app.assign(&event, &slot, pitch["id"].as_str().unwrap())
        .await
        .assert_status(200);
    app.release(&event, "").await;
    let exhibit = app
        .post(
            &format!("/api/v1/events/{event}/exhibits"),
            &crate::helpers::exhibit_body(json!({"contact_email": "exhibitor@secret.example"})),
        )
        .await;
    exhibit.assert_status(201);
    app.patch_admin(
        &format!(
            "/api/v1/events/{event}/exhibits/{}",
            exhibit.json["id"].as_str().unwrap()
        ),
        &json!({"status": "approved", "booth": "A1"}),
    )
    .await
    .assert_status(200);
    let registration = app
        .register_person(&event, "Anna Attendee", "attendee@secret.example")
        .await;
    registration.assert_status(201);
    let secrets = [
        "presenter@secret.example".to_owned(),
        "exhibitor@secret.example".to_owned(),
        "attendee@secret.example".to_owned(),
        "secret.example".to_owned(),
        pitch["manage_token"].as_str().unwrap().to_owned(),
        exhibit.json["manage_token"].as_str().unwrap().to_owned(),
        registration.json["manage_token"]
            .as_str()
            .unwrap()
            .to_owned(),
    ];
    for path in [
        "/api/v1/events".to_owned(),
        format!("/api/v1/events/{event}"),
        "/api/v1/events/public".to_owned(),
        format!("/api/v1/events/{event}/schedule"),
        format!("/api/v1/events/{event}/pitch-slots"),
        format!("/api/v1/events/{event}/exhibits"),
        format!("/api/v1/events/{event}/stages"),
        format!("/api/v1/events/{event}/calendar.ics"),
        "/api/v1/calendar.ics".to_owned(),
    ] {
        let answer = app.get(&path).await;
        answer.assert_status(200);
        for secret in &secrets {
            assert!(
                !answer.text.contains(secret.as_str()),
                "{path} shows {secret}: {}",
                answer.text
            );
        }
        // No e-mail address of anyone in a JSON answer.
        let mut texts = Vec::new();
        strings(&answer.json, &mut texts);
        for text in texts {
            assert!(
                !(text.contains('@') && text.contains('.') && !text.contains(' ')),
                "{path} shows an address: {text}"
            );
        }
    }
    // The public programme still names what is public.
    let schedule = app.get(&format!("/api/v1/events/{event}/schedule")).await;
    assert!(
        schedule.text.contains("Petra Presenter"),
        "{}",
        schedule.text
    );
}
