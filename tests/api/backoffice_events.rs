//! The backoffice's event and question pages (issue 28) over HTTP as a browser uses them:
//! create with times typed in the event's zone, bad input kept with errors at the fields,
//! edit guarded by the version (a change made meanwhile is shown, not overwritten), publish,
//! cancel after a confirmation that counts who is mailed, the next edition, the registration
//! questions (add, edit, reorder, delete, preview), the role guard and the cross-site check.
use reqwest::{header, Method};
use serde_json::json;

use crate::helpers::{spawn_app, Answer, TestApp};

/// A form `POST` (or a `GET`) to `path` with the cookie and extra headers.
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    cookie: &str,
    headers: &[(&str, &str)],
    form: &[(&str, &str)],
) -> Answer {
    let mut request = app
        .client
        .request(method.clone(), app.url(path))
        .header(header::COOKIE, cookie);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if method == Method::POST {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        request = request
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body);
    }
    Answer::read(request.send().await.expect("request sent")).await
}

/// A signed-in member: the cookie and the form token of the session.
struct Member {
    cookie: String,
    token: String,
}

impl Member {
    async fn sign_in(app: &TestApp, token: &str) -> Self {
        let answer = app
            .client
            .post(app.url("/orga/sign-in"))
            .header("origin", &app.address)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(format!("token={token}"))
            .send()
            .await
            .expect("sent");
        assert_eq!(answer.status().as_u16(), 303);
        let cookie = answer
            .headers()
            .get("set-cookie")
            .expect("a cookie")
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let page = send(app, Method::GET, "/orga/", &cookie, &[], &[]).await;
        page.assert_status(200);
        let token = field_value(&page.text, "form_token");
        Self { cookie, token }
    }

    async fn get(&self, app: &TestApp, path: &str) -> Answer {
        send(app, Method::GET, path, &self.cookie, &[], &[]).await
    }

    /// A form sent from podium's own page, with the session's form token.
    async fn post(&self, app: &TestApp, path: &str, form: &[(&str, &str)]) -> Answer {
        let mut form = form.to_vec();
        form.push(("form_token", &self.token));
        send(
            app,
            Method::POST,
            path,
            &self.cookie,
            &[("origin", &app.address), ("sec-fetch-site", "same-origin")],
            &form,
        )
        .await
    }
}

/// The `value` of the input named `name` in `page`.
fn field_value(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\"");
    let at = page
        .find(&marker)
        .unwrap_or_else(|| panic!("{name} in {page}"));
    let rest = &page[at..];
    let value = rest.find("value=\"").expect("a value") + 7;
    rest[value..].split('"').next().unwrap().to_owned()
}

/// A member with `role` on `events` (slugs; empty: all) and their session.
async fn member(app: &TestApp, role: &str, events: &[&str]) -> Member {
    let answer = app
        .post_admin(
            "/api/v1/organisers",
            &json!({"name": format!("{role} member"), "email": format!("{role}@example.org"),
                "role": role, "events": events}),
        )
        .await;
    answer.assert_status(201);
    Member::sign_in(app, answer.json["token"].as_str().unwrap()).await
}

/// The new-event form's fields, `changes` replacing some.
fn event_form<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("title", "Jahrestagung 2027"),
        ("slug", "jt-2027"),
        ("description", "Pitches und Empfang."),
        ("venue", "Volkshaus Jena"),
        ("address", "Carl-Zeiß-Platz 15, 07743 Jena"),
        ("timezone", "Europe/Berlin"),
        ("starts_at", "2027-06-24T09:00"),
        ("ends_at", "2027-06-24T18:00"),
        ("capacity", "150"),
        ("waitlist", "true"),
        ("registration_opens_at", ""),
        ("registration_closes_at", ""),
        ("exhibit_capacity", ""),
        ("organiser_name", ""),
        ("organiser_email", ""),
    ];
    for (name, value) in changes {
        match form.iter_mut().find(|(n, _)| n == name) {
            Some(field) => field.1 = value,
            None => form.push((name, value)),
        }
    }
    form
}

async fn event_count(app: &TestApp) -> usize {
    let list = app.get_admin("/api/v1/events?status=draft").await;
    list.json["items"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn an_organiser_creates_a_draft_with_times_typed_in_berlin_across_the_change_to_summer_time()
{
    let app = spawn_app().await;
    let admin = Member::sign_in(&app, &app.admin_token).await;
    let form = admin.get(&app, "/orga/events/new").await;
    form.assert_status(200);
    assert!(form
        .text
        .contains("<option selected>Europe/Berlin</option>"));
    assert!(form.text.contains("type=\"datetime-local\""));
    assert!(!form.text.contains("<script"));

    // Saturday before the clocks go forward (CET) to the Sunday after (CEST).
    let created = admin
        .post(
            &app,
            "/orga/events/new",
            &event_form(&[
                ("starts_at", "2027-03-27T09:00"),
                ("ends_at", "2027-03-28T18:00"),
                ("registration_closes_at", "2027-03-28T03:30"),
            ]),
        )
        .await;
    created.assert_status(303);
    assert_eq!(
        created.header("location"),
        Some("/orga/events/jt-2027?lang=en&done=created")
    );
    let event = app.get_admin("/api/v1/events/jt-2027").await;
    assert_eq!(event.json["status"], "draft");
    assert_eq!(event.json["timezone"], "Europe/Berlin");
    assert_eq!(event.json["starts_at"], "2027-03-27T09:00:00+01:00");
    assert_eq!(event.json["ends_at"], "2027-03-28T18:00:00+02:00");
    assert_eq!(
        event.json["registration_closes_at"],
        "2027-03-28T03:30:00+02:00"
    );
    assert_eq!(event.json["capacity"], 150);
    assert_eq!(event.json["waitlist"], true);
    assert_eq!(event.json["require_email_confirmation"], false);

    let page = admin.get(&app, "/orga/events/jt-2027?done=created").await;
    page.assert_status(200);
    assert!(page.text.contains("<h1>Jahrestagung 2027</h1>"));
    assert!(page.text.contains("The draft is created."));
    // A draft is not cancelled (that would make it public); it stays unpublished.
    assert!(!page.text.contains("href=\"/orga/events/jt-2027/cancel"));
    for link in ["/attendees", "/questions", "/edit", "/clone"] {
        assert!(
            page.text
                .contains(&format!("href=\"/orga/events/jt-2027{link}?lang=en\"")),
            "{link}"
        );
    }
    assert!(page
        .text
        .contains("action=\"/orga/events/jt-2027/publish?lang=en\""));

    // Each edition's form shows the times back in the zone.
    let edit = admin.get(&app, "/orga/events/jt-2027/edit").await;
    assert_eq!(field_value(&edit.text, "starts_at"), "2027-03-27T09:00");
    assert_eq!(field_value(&edit.text, "ends_at"), "2027-03-28T18:00");
}

#[tokio::test]
async fn a_refused_event_form_comes_back_with_what_was_typed_and_each_error_at_its_field() {
    let app = spawn_app().await;
    let admin = Member::sign_in(&app, &app.admin_token).await;
    let refused = admin
        .post(
            &app,
            "/orga/events/new",
            &event_form(&[
                ("slug", "Bad Slug!"),
                ("title", "Tagung <b>Jena</b>"),
                ("ends_at", "2027-06-24T08:00"),
                ("capacity", "viele"),
            ]),
        )
        .await;
    refused.assert_status(422);
    let page = &refused.text;
    assert!(page.contains("value=\"Bad Slug!\""), "{page}");
    assert!(
        page.contains("value=\"Tagung &#60;b&#62;Jena&#60;/b&#62;\"")
            || page.contains("Tagung &lt;b&gt;Jena")
    );
    assert!(page.contains("id=\"slug-error\""));
    assert!(page.contains("aria-describedby=\"slug-hint slug-error\" aria-invalid=\"true\""));
    assert!(page.contains("id=\"capacity-error\""));
    assert!(page.contains("value=\"viele\""));
    // Capacity is unreadable, yet the end before the start is still named.
    assert!(page.contains("id=\"ends_at-error\""));
    assert!(page.contains("The end must come after the start."));
    assert!(page.contains("value=\"2027-06-24T08:00\""));
    assert!(page.contains("error-summary"));

    let refused = admin
        .post(
            &app,
            "/orga/events/new",
            &event_form(&[("timezone", "Mars/Olympus_Mons")]),
        )
        .await;
    refused.assert_status(422);
    assert!(refused.text.contains("id=\"timezone-error\""));
    assert!(refused
        .text
        .contains("<option selected>Mars/Olympus_Mons</option>"));
    assert!(refused.text.contains("value=\"2027-06-24T09:00\""));

    let refused = admin
        .post(
            &app,
            "/orga/events/new",
            &event_form(&[("starts_at", "morgen früh")]),
        )
        .await;
    refused.assert_status(422);
    assert!(refused.text.contains("id=\"starts_at-error\""));
    assert!(refused.text.contains("value=\"morgen früh\""));
    assert_eq!(event_count(&app).await, 0, "nothing was created");

    // A slug in use is named at the slug.
    app.create_event(json!({"slug": "jt-2027"})).await;
    let taken = admin.post(&app, "/orga/events/new", &event_form(&[])).await;
    taken.assert_status(409);
    assert!(taken.text.contains("Another event has this address."));
    assert_eq!(event_count(&app).await, 1);
}

#[tokio::test]
async fn an_edit_from_a_stale_form_shows_the_change_made_meanwhile_and_saves_nothing() {
    let app = spawn_app().await;
    app.create_event(json!({"slug": "jt", "title": "Jahrestagung"}))
        .await;
    let admin = Member::sign_in(&app, &app.admin_token).await;
    let edit = admin.get(&app, "/orga/events/jt/edit").await;
    edit.assert_status(200);
    let version = field_value(&edit.text, "version");

    // Someone else changes the capacity through the API meanwhile.
    app.patch_admin("/api/v1/events/jt", &json!({"capacity": 222}))
        .await
        .assert_status(200);

    let mine = event_form(&[
        ("slug", "jt"),
        ("title", "Jahrestagung (neu)"),
        ("version", &version),
    ]);
    let stale = admin.post(&app, "/orga/events/jt/edit", &mine).await;
    stale.assert_status(409);
    assert!(stale
        .text
        .contains("Someone else changed this event meanwhile"));
    assert!(
        stale.text.contains("<td>222</td><td>150</td>"),
        "{}",
        stale.text
    );
    assert!(stale.text.contains("value=\"Jahrestagung (neu)\""));
    let now = app.get_admin("/api/v1/events/jt").await;
    assert_eq!(now.json["title"], "Jahrestagung");
    assert_eq!(now.json["capacity"], 222);

    // Sent again from the page that showed the conflict: saved knowingly.
    let current = field_value(&stale.text, "version");
    assert_ne!(current, version);
    let again = event_form(&[
        ("slug", "jt"),
        ("title", "Jahrestagung (neu)"),
        ("version", &current),
    ]);
    let saved = admin.post(&app, "/orga/events/jt/edit", &again).await;
    saved.assert_status(303);
    assert_eq!(
        saved.header("location"),
        Some("/orga/events/jt?lang=en&done=saved")
    );
    let now = app.get_admin("/api/v1/events/jt").await;
    assert_eq!(now.json["title"], "Jahrestagung (neu)");
    assert_eq!(now.json["capacity"], 150);

    // Bad input at edit: 422, nothing changed.
    let version = field_value(
        &admin.get(&app, "/orga/events/jt/edit").await.text,
        "version",
    );
    let bad = event_form(&[("slug", "jt"), ("title", ""), ("version", &version)]);
    let refused = admin.post(&app, "/orga/events/jt/edit", &bad).await;
    refused.assert_status(422);
    assert!(refused.text.contains("id=\"title-error\""));
    let bad = event_form(&[
        ("slug", "jt"),
        ("ends_at", "2027-06-23T09:00"),
        ("version", &version),
    ]);
    let refused = admin.post(&app, "/orga/events/jt/edit", &bad).await;
    refused.assert_status(422);
    assert!(refused.text.contains("The end must come after the start."));
    assert_eq!(field_value(&refused.text, "version"), version);
    assert_eq!(
        app.get_admin("/api/v1/events/jt").await.json["title"],
        "Jahrestagung (neu)"
    );
}

#[tokio::test]
async fn publishing_and_cancelling_after_a_confirmation_that_counts_who_is_mailed() {
    let app = spawn_app().await;
    app.create_event(json!({"slug": "jt"})).await;
    let admin = Member::sign_in(&app, &app.admin_token).await;
    let published = admin.post(&app, "/orga/events/jt/publish", &[]).await;
    published.assert_status(303);
    assert_eq!(
        app.get_admin("/api/v1/events/jt").await.json["status"],
        "published"
    );
    app.register_person("jt", "Ada", "ada@example.org")
        .await
        .assert_status(201);
    app.register_person("jt", "Grace", "grace@example.org")
        .await
        .assert_status(201);
    app.propose_pitch("jt", json!({})).await;

    let ask = admin.get(&app, "/orga/events/jt/cancel").await;
    ask.assert_status(200);
    assert!(
        ask.text
            .contains("3 people will be mailed that the event is cancelled."),
        "{}",
        ask.text
    );
    assert!(ask.text.contains("2 attendees"));
    assert!(ask.text.contains("1 presenters"));
    assert_eq!(
        app.get_admin("/api/v1/events/jt").await.json["status"],
        "published",
        "asking changes nothing"
    );
    let german = admin.get(&app, "/orga/events/jt/cancel?lang=de").await;
    assert!(german.text.contains("3 Personen bekommen eine Mail"));

    let cancelled = admin.post(&app, "/orga/events/jt/cancel", &[]).await;
    cancelled.assert_status(303);
    assert_eq!(
        app.get_admin("/api/v1/events/jt").await.json["status"],
        "cancelled"
    );
    // Two confirmations and the pitch's receipt before; three cancellations.
    let mails = app.mails(6).await;
    assert_eq!(
        mails
            .iter()
            .filter(|m| {
                let subject = m.subject().to_lowercase();
                subject.contains("cancel") || subject.contains("abgesagt")
            })
            .count(),
        3
    );
    let page = admin.get(&app, "/orga/events/jt?done=cancelled").await;
    assert!(page.text.contains("This event is cancelled."));
    assert!(!page.text.contains("/cancel?lang"));
}

#[tokio::test]
async fn the_next_edition_is_a_draft_at_the_start_typed_with_its_slug() {
    let app = spawn_app().await;
    app.create_event(json!({"slug": "jt-2027", "title": "Jahrestagung 2027"}))
        .await;
    let admin = Member::sign_in(&app, &app.admin_token).await;
    let form = admin.get(&app, "/orga/events/jt-2027/clone").await;
    form.assert_status(200);
    assert_eq!(field_value(&form.text, "starts_at"), "2028-06-24T09:00");

    let refused = admin
        .post(
            &app,
            "/orga/events/jt-2027/clone",
            &[
                ("starts_at", "2028-06-22T09:00"),
                ("slug", "Not A Slug"),
                ("title", ""),
            ],
        )
        .await;
    refused.assert_status(422);
    assert!(refused.text.contains("id=\"slug-error\""));
    assert!(refused.text.contains("value=\"Not A Slug\""));

    let cloned = admin
        .post(
            &app,
            "/orga/events/jt-2027/clone",
            &[
                ("starts_at", "2028-06-22T09:00"),
                ("slug", "jt-2028"),
                ("title", ""),
            ],
        )
        .await;
    cloned.assert_status(303);
    assert_eq!(
        cloned.header("location"),
        Some("/orga/events/jt-2028?lang=en&done=cloned")
    );
    let next = app.get_admin("/api/v1/events/jt-2028").await;
    assert_eq!(next.json["status"], "draft");
    assert_eq!(next.json["title"], "Jahrestagung 2028");
    assert_eq!(next.json["starts_at"], "2028-06-22T09:00:00+02:00");
    assert_eq!(next.json["ends_at"], "2028-06-22T18:00:00+02:00");

    let taken = admin
        .post(
            &app,
            "/orga/events/jt-2027/clone",
            &[
                ("starts_at", "2029-06-22T09:00"),
                ("slug", "jt-2028"),
                ("title", ""),
            ],
        )
        .await;
    taken.assert_status(409);
    assert!(taken.text.contains("Another event has this address."));
}

/// The questions' English labels in form order, from the API.
async fn labels(app: &TestApp, event: &str) -> Vec<String> {
    let list = app
        .get_admin(&format!("/api/v1/events/{event}/questions"))
        .await;
    list.json
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["label_en"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn questions_are_added_edited_reordered_previewed_and_deleted_from_the_pages() {
    let app = spawn_app().await;
    app.create_event(json!({"slug": "jt"})).await;
    let admin = Member::sign_in(&app, &app.admin_token).await;
    let empty = admin.get(&app, "/orga/events/jt/questions").await;
    empty.assert_status(200);
    assert!(empty.text.contains("No questions yet"));

    let added = admin
        .post(
            &app,
            "/orga/events/jt/questions",
            &[
                ("kind", "short_text"),
                ("label_de", "Ihre Position?"),
                ("label_en", "Your position?"),
                ("choices", ""),
                ("required", "true"),
            ],
        )
        .await;
    added.assert_status(303);
    let added = admin
        .post(
            &app,
            "/orga/events/jt/questions",
            &[
                ("kind", "one_choice"),
                ("label_de", "Mittagessen?"),
                ("label_en", "Lunch?"),
                (
                    "choices",
                    "Mit Fleisch | With meat\nveg | Vegetarisch | Vegetarian\n",
                ),
            ],
        )
        .await;
    added.assert_status(303);
    assert_eq!(labels(&app, "jt").await, ["Your position?", "Lunch?"]);
    let questions = app.get_admin("/api/v1/events/jt/questions").await;
    let lunch = questions.json[1].clone();
    assert_eq!(lunch["choices"][1]["key"], "veg");
    assert_eq!(lunch["choices"][0]["en"], "With meat");
    assert_eq!(lunch["required"], false);
    assert_eq!(questions.json[0]["required"], true);
    let lunch_id = lunch["id"].as_str().unwrap().to_owned();
    let position_id = questions.json[0]["id"].as_str().unwrap().to_owned();

    // A choice question without choices, and a line that is no choice: kept, errors at the field.
    let refused = admin
        .post(
            &app,
            "/orga/events/jt/questions",
            &[
                ("kind", "many_choices"),
                ("label_de", "Workshops"),
                ("label_en", ""),
                ("choices", ""),
            ],
        )
        .await;
    refused.assert_status(422);
    assert!(refused.text.contains("id=\"choices-error\""));
    assert!(refused.text.contains("id=\"label_en-error\""));
    assert!(refused.text.contains("value=\"Workshops\""));
    assert!(refused
        .text
        .contains("<option value=\"many_choices\" selected>"));
    let refused = admin
        .post(
            &app,
            "/orga/events/jt/questions",
            &[
                ("kind", "one_choice"),
                ("label_de", "Workshops"),
                ("label_en", "Workshops"),
                ("choices", "A | B\nnur eins"),
            ],
        )
        .await;
    refused.assert_status(422);
    assert!(refused.text.contains("Line 2:"));
    assert!(refused.text.contains("nur eins"));
    assert_eq!(labels(&app, "jt").await.len(), 2, "nothing added");

    // Up and down.
    admin
        .post(
            &app,
            &format!("/orga/events/jt/questions/{lunch_id}/move"),
            &[("direction", "up")],
        )
        .await
        .assert_status(303);
    assert_eq!(labels(&app, "jt").await, ["Lunch?", "Your position?"]);
    admin
        .post(
            &app,
            &format!("/orga/events/jt/questions/{lunch_id}/move"),
            &[("direction", "up")],
        )
        .await
        .assert_status(303);
    assert_eq!(
        labels(&app, "jt").await,
        ["Lunch?", "Your position?"],
        "at the top already"
    );
    let list = admin.get(&app, "/orga/events/jt/questions").await;
    assert!(list.text.contains("Move down"));
    admin
        .post(
            &app,
            &format!("/orga/events/jt/questions/{lunch_id}/move"),
            &[("direction", "down")],
        )
        .await
        .assert_status(303);
    assert_eq!(labels(&app, "jt").await, ["Your position?", "Lunch?"]);

    // Edit: the form holds the choices as lines.
    let edit = admin
        .get(&app, &format!("/orga/events/jt/questions/{lunch_id}/edit"))
        .await;
    edit.assert_status(200);
    assert!(edit.text.contains("veg | Vegetarisch | Vegetarian"));
    let saved = admin
        .post(
            &app,
            &format!("/orga/events/jt/questions/{lunch_id}/edit"),
            &[
                ("kind", "one_choice"),
                ("label_de", "Mittagessen"),
                ("label_en", "Lunch"),
                (
                    "choices",
                    "veg | Vegetarisch | Vegetarian\nvegan | Vegan | Vegan",
                ),
                ("required", "true"),
            ],
        )
        .await;
    saved.assert_status(303);
    let lunch = app
        .get_admin(&format!("/api/v1/events/jt/questions/{lunch_id}"))
        .await;
    assert_eq!(lunch.json["label_en"], "Lunch");
    assert_eq!(lunch.json["required"], true);
    assert_eq!(lunch.json["choices"][1]["key"], "vegan");

    // The preview: the public form's markup, nothing to send.
    let preview = admin
        .get(&app, "/orga/events/jt/questions/preview?lang=de")
        .await;
    preview.assert_status(200);
    assert!(preview.text.contains("<html lang=\"de\">"));
    assert!(preview.text.contains("Mittagessen"));
    assert!(preview
        .text
        .contains(&format!("name=\"answers.{lunch_id}\" value=\"vegan\"")));
    assert!(preview.text.contains(&format!("id=\"q-{position_id}\"")));
    assert!(!preview.text.contains("type=\"submit\" class=\"primary\""));

    // Delete, after asking.
    let ask = admin
        .get(
            &app,
            &format!("/orga/events/jt/questions/{position_id}/delete"),
        )
        .await;
    ask.assert_status(200);
    assert!(ask.text.contains("Delete this question?"));
    assert_eq!(labels(&app, "jt").await.len(), 2);
    admin
        .post(
            &app,
            &format!("/orga/events/jt/questions/{position_id}/delete"),
            &[],
        )
        .await
        .assert_status(303);
    assert_eq!(labels(&app, "jt").await, ["Lunch"]);
}

#[tokio::test]
async fn door_reviewer_and_an_organiser_of_another_event_get_403_on_every_event_page() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "jt"})).await;
    app.create_event(json!({"slug": "other"})).await;
    let question = app
        .post_admin(
            "/api/v1/events/jt/questions",
            &json!({"kind": "short_text", "label_de": "Frage", "label_en": "Question"}),
        )
        .await;
    let q = question.json["id"].as_str().unwrap().to_owned();
    let door = member(&app, "door", &["jt"]).await;
    let reviewer = member(&app, "reviewer", &[]).await;
    let elsewhere = member(&app, "organiser", &["other"]).await;
    let gets = [
        "/orga/events/new".to_owned(),
        "/orga/events/jt".to_owned(),
        "/orga/events/jt/edit".to_owned(),
        "/orga/events/jt/cancel".to_owned(),
        "/orga/events/jt/clone".to_owned(),
        "/orga/events/jt/questions".to_owned(),
        "/orga/events/jt/questions/preview".to_owned(),
        format!("/orga/events/jt/questions/{q}/edit"),
        format!("/orga/events/jt/questions/{q}/delete"),
        "/orga/events/unknown".to_owned(),
        "/orga/events/unknown/questions".to_owned(),
    ];
    for who in [&door, &reviewer, &elsewhere] {
        for path in &gets {
            let page = who.get(&app, path).await;
            page.assert_status(403);
            assert!(page.text.contains("Your role does not allow this page."));
        }
        for (path, form) in [
            ("/orga/events/new".to_owned(), event_form(&[])),
            ("/orga/events/jt/publish".to_owned(), vec![]),
            ("/orga/events/jt/cancel".to_owned(), vec![]),
            (
                "/orga/events/jt/edit".to_owned(),
                event_form(&[("slug", "jt"), ("title", "Gekapert"), ("version", "1")]),
            ),
            (
                "/orga/events/jt/questions".to_owned(),
                vec![("kind", "yes_no"), ("label_de", "x"), ("label_en", "x")],
            ),
            (format!("/orga/events/jt/questions/{q}/delete"), vec![]),
            (
                format!("/orga/events/jt/questions/{q}/move"),
                vec![("direction", "down")],
            ),
        ] {
            who.post(&app, &path, &form).await.assert_status(403);
        }
    }
    // The organiser of the other event manages that one.
    elsewhere
        .get(&app, "/orga/events/other")
        .await
        .assert_status(200);
    // An admin gets a 404 for an event that does not exist.
    let admin = Member::sign_in(&app, &app.admin_token).await;
    admin
        .get(&app, "/orga/events/unknown")
        .await
        .assert_status(404);
    let jt = app.get_admin("/api/v1/events/jt").await;
    assert_eq!(jt.json["status"], "published");
    assert_ne!(jt.json["title"], "Gekapert");
    assert_eq!(labels(&app, "jt").await, ["Question"]);
    assert_eq!(event_count(&app).await, 1, "only the draft 'other'");
}

#[tokio::test]
async fn forms_posted_from_another_site_or_without_the_form_token_change_nothing() {
    let app = spawn_app().await;
    app.create_event(json!({"slug": "jt"})).await;
    let admin = Member::sign_in(&app, &app.admin_token).await;
    let mut with_token = event_form(&[("slug", "evil")]);
    with_token.push(("form_token", &admin.token));
    for headers in [
        vec![
            ("origin", "https://evil.example"),
            ("sec-fetch-site", "cross-site"),
        ],
        vec![("origin", "https://evil.example")],
        vec![("sec-fetch-site", "cross-site")],
    ] {
        for (path, form) in [
            ("/orga/events/new", with_token.clone()),
            (
                "/orga/events/jt/publish",
                vec![("form_token", admin.token.as_str())],
            ),
            (
                "/orga/events/jt/cancel",
                vec![("form_token", admin.token.as_str())],
            ),
            (
                "/orga/events/jt/questions",
                vec![
                    ("form_token", admin.token.as_str()),
                    ("kind", "yes_no"),
                    ("label_de", "x"),
                    ("label_en", "x"),
                ],
            ),
        ] {
            let answer = send(&app, Method::POST, path, &admin.cookie, &headers, &form).await;
            answer.assert_status(403);
            assert!(answer.text.contains("was not sent from podium"));
        }
    }
    // From podium's own page but without the session's form token.
    for path in ["/orga/events/new", "/orga/events/jt/publish"] {
        let answer = send(
            &app,
            Method::POST,
            path,
            &admin.cookie,
            &[("origin", &app.address)],
            &event_form(&[("slug", "evil")]),
        )
        .await;
        answer.assert_status(403);
    }
    let jt = app.get_admin("/api/v1/events/jt").await;
    assert_eq!(jt.json["status"], "draft");
    assert_eq!(event_count(&app).await, 1);
    assert!(labels(&app, "jt").await.is_empty());
}

#[tokio::test]
async fn the_dashboard_groups_events_by_status_with_counts_and_what_needs_attention() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "live", "title": "Live-Tagung", "capacity": 50}))
        .await;
    app.create_event(json!({"slug": "draft", "title": "Entwurfstagung"}))
        .await;
    let gone = app
        .published_event(json!({"slug": "gone", "title": "Abgesagte Tagung"}))
        .await;
    app.post_admin(
        &format!("/api/v1/events/{}/cancel", gone["id"].as_str().unwrap()),
        &json!({}),
    )
    .await
    .assert_status(200);
    app.register_person("live", "Ada", "ada@example.org")
        .await
        .assert_status(201);
    app.propose_pitch("live", json!({})).await;
    app.propose_pitch("live", json!({"presenter_email": "b@example.org"}))
        .await;
    let admin = Member::sign_in(&app, &app.admin_token).await;
    let page = admin.get(&app, "/orga/").await;
    page.assert_status(200);
    let text = &page.text;
    let drafts = text.find("<h2 id=\"drafts\">Drafts</h2>").expect("drafts");
    let published = text
        .find("<h2 id=\"published\">Published</h2>")
        .expect("published");
    let cancelled = text
        .find("<h2 id=\"cancelled\">Cancelled</h2>")
        .expect("cancelled");
    assert!(drafts < published && published < cancelled);
    let at = |what: &str| {
        text.find(what)
            .unwrap_or_else(|| panic!("{what} in {text}"))
    };
    assert!(drafts < at("Entwurfstagung") && at("Entwurfstagung") < published);
    assert!(published < at("Live-Tagung</a>") && at("Live-Tagung</a>") < cancelled);
    assert!(cancelled < at("Abgesagte Tagung</a>"));
    assert!(text.contains("href=\"/orga/events/live?lang=en\""));
    assert!(text.contains("1 confirmed · 0 waitlisted · 0 pending"));
    assert!(text.contains("<dd>50</dd>"));
    assert!(text.contains("Live-Tagung: Pitches to decide: 2"));
    assert!(!text.contains("Mails that could not be sent"));
    assert!(text.contains("href=\"/orga/events/new?lang=en\""));

    // A reviewer sees the pitches to decide, no registrations, and creates nothing.
    let reviewer = member(&app, "reviewer", &[]).await;
    let page = reviewer.get(&app, "/orga/").await;
    assert!(page.text.contains("Live-Tagung: Pitches to decide: 2"));
    assert!(!page.text.contains("confirmed ·"));
    assert!(!page.text.contains("/orga/events/new"));
    // Not the event's page: the pitches to review.
    assert!(!page.text.contains("href=\"/orga/events/live?"));
    assert!(page
        .text
        .contains("href=\"/orga/events/live/reviews?lang=en\""));
}
