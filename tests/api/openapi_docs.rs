//! The OpenAPI document as documentation: every field described, every request body with an
//! example, every parameter described, and every example a request the API accepts (issue
//! #15, item 9).
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

/// `components.schemas.NAME` of a `$ref`.
fn schema_name(reference: &str) -> &str {
    reference.rsplit('/').next().unwrap_or(reference)
}

/// The properties of a schema, including those of the objects in an `allOf` (a flattened
/// struct).
fn properties(schema: &Value) -> Vec<(String, Value)> {
    let mut found: Vec<(String, Value)> = schema["properties"]
        .as_object()
        .map(|p| p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    for part in schema["allOf"].as_array().into_iter().flatten() {
        found.extend(properties(part));
    }
    found
}

/// The example of an operation's request body: on the media type, or on the schema it refers to.
fn body_example(spec: &Value, operation: &Value) -> Option<Value> {
    let content = operation["requestBody"]["content"].as_object()?;
    content.values().find_map(|media| {
        if let Some(example) = media.get("example") {
            return Some(example.clone());
        }
        if let Some(first) = media["examples"]
            .as_object()
            .and_then(|e| e.values().next())
        {
            return Some(first["value"].clone());
        }
        let schema = &media["schema"];
        match schema["$ref"].as_str() {
            Some(reference) => spec["components"]["schemas"][schema_name(reference)]
                .get("example")
                .cloned(),
            None => schema.get("example").cloned(),
        }
    })
}

async fn spec(app: &TestApp) -> Value {
    let answer = app.get("/api-docs/openapi.json").await;
    answer.assert_status(200);
    answer.json
}

#[tokio::test]
async fn every_property_of_every_schema_in_the_openapi_document_has_a_description() {
    let app = spawn_app().await;
    let spec = spec(&app).await;
    let schemas = spec["components"]["schemas"]
        .as_object()
        .expect("components.schemas");
    let mut counted = 0;
    let mut undocumented = Vec::new();
    for (name, schema) in schemas {
        for (field, property) in properties(schema) {
            counted += 1;
            let described = property["description"]
                .as_str()
                .is_some_and(|d| !d.trim().is_empty());
            if !described {
                undocumented.push(format!("{name}.{field}"));
            }
        }
    }
    assert!(counted > 250, "only {counted} properties found");
    assert!(
        undocumented.is_empty(),
        "{} of {counted} fields have no description: {undocumented:?}",
        undocumented.len()
    );
}

#[tokio::test]
async fn every_parameter_of_every_operation_has_a_description() {
    let app = spawn_app().await;
    let spec = spec(&app).await;
    let mut counted = 0;
    let mut undocumented = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                counted += 1;
                let described = parameter["description"]
                    .as_str()
                    .is_some_and(|d| !d.trim().is_empty());
                if !described {
                    undocumented.push(format!(
                        "{} {path}: {} ({})",
                        method.to_uppercase(),
                        parameter["name"],
                        parameter["in"]
                    ));
                }
            }
        }
    }
    assert!(counted > 100, "only {counted} parameters found");
    assert!(undocumented.is_empty(), "no description: {undocumented:?}");
}

#[tokio::test]
async fn every_operation_with_a_request_body_has_an_example() {
    let app = spawn_app().await;
    let spec = spec(&app).await;
    let mut bodies = 0;
    let mut missing = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            if operation.get("requestBody").is_none() {
                continue;
            }
            bodies += 1;
            if body_example(&spec, operation).is_none_or(|e| e.is_null()) {
                missing.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    assert!(bodies >= 15, "only {bodies} request bodies found");
    assert!(missing.is_empty(), "no example: {missing:?}");
}

#[tokio::test]
async fn the_spec_states_the_limits_the_server_checks() {
    let app = spawn_app().await;
    let spec = spec(&app).await;
    let schemas = &spec["components"]["schemas"];
    let register = &schemas["RegisterRequest"];
    assert_eq!(register["properties"]["name"]["maxLength"], 200);
    assert_eq!(register["properties"]["name"]["minLength"], 1);
    assert_eq!(
        register["properties"]["sector"]["$ref"],
        "#/components/schemas/Sector"
    );
    assert_eq!(
        schemas["Sector"]["enum"],
        json!(["business", "science", "politics", "other"])
    );
    let event = &schemas["CreateEvent"];
    let required: Vec<&str> = event["required"]
        .as_array()
        .expect("required")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(required, ["title", "starts_at", "ends_at"]);
    assert_eq!(event["properties"]["capacity"]["maximum"], 1_000_000);
    assert_eq!(event["properties"]["hold_hours"]["maximum"], 720);
    assert_eq!(
        schemas["CreatePitch"]["properties"]["duration_minutes"]["minimum"],
        1
    );
    assert_eq!(
        schemas["CreateExhibit"]["properties"]["space_sqm"]["exclusiveMinimum"],
        0.0
    );
    let limit = spec["paths"]["/api/v1/events"]["get"]["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .find(|p| p["name"] == "limit")
        .expect("limit")
        .clone();
    assert_eq!(limit["schema"]["maximum"], 500, "{limit}");
    // An optional field of a named type carries its description itself, where viewers show
    // it, not inside the `$ref` branch of its `oneOf`.
    let slot = &schemas["PitchResponse"]["properties"]["slot"];
    assert!(slot["description"].is_string(), "{slot}");
}

/// The example of the operation `method path` in the spec.
fn example(spec: &Value, method: &str, path: &str) -> Value {
    let operation = &spec["paths"][path][method];
    assert!(operation.is_object(), "no operation {method} {path}");
    body_example(spec, operation).unwrap_or_else(|| panic!("no example for {method} {path}"))
}

/// Replaces the values of `fields` in an example by ids of this test's own records: the
/// examples name ids no fresh database has.
fn with_ids(mut example: Value, ids: &[(&str, &str)]) -> Value {
    for (field, id) in ids {
        if example.get(field).is_some() {
            example[*field] = json!(id);
        }
    }
    example
}

#[tokio::test]
async fn every_request_body_example_is_accepted_by_the_api() {
    let app = spawn_app().await;
    let spec = spec(&app).await;
    let send = |method: Method, path: String, token: Option<String>, body: Value| {
        let app = &app;
        async move {
            let answer = app
                .request(method.clone(), &path, token.as_deref(), Some(&body))
                .await;
            assert!(
                answer.status.is_success(),
                "{method} {path} with the spec's example {body} answered {}: {}",
                answer.status,
                answer.text
            );
            answer.json
        }
    };
    let admin = Some(app.admin_token.clone());
    let events = "/api/v1/events";

    let event = send(
        Method::POST,
        events.to_owned(),
        admin.clone(),
        example(&spec, "post", "/api/v1/events"),
    )
    .await;
    let slug = event["slug"].as_str().expect("slug").to_owned();
    let base = format!("{events}/{slug}");
    send(
        Method::POST,
        format!("{base}/publish"),
        admin.clone(),
        json!({}),
    )
    .await;
    send(
        Method::PATCH,
        base.clone(),
        admin.clone(),
        example(&spec, "patch", "/api/v1/events/{event}"),
    )
    .await;

    // The public requests, without a token.
    let registration = send(
        Method::POST,
        format!("{base}/registrations"),
        None,
        example(&spec, "post", "/api/v1/events/{event}/registrations"),
    )
    .await;
    let pitch = send(
        Method::POST,
        format!("{base}/pitches"),
        None,
        example(&spec, "post", "/api/v1/events/{event}/pitches"),
    )
    .await;
    let pitch_id = pitch["id"].as_str().expect("pitch id").to_owned();
    let exhibit = send(
        Method::POST,
        format!("{base}/exhibits"),
        None,
        example(&spec, "post", "/api/v1/events/{event}/exhibits"),
    )
    .await;
    let exhibit_id = exhibit["id"].as_str().expect("exhibit id");

    // The organisers' decisions.
    send(
        Method::PATCH,
        format!("{base}/pitches/{pitch_id}"),
        admin.clone(),
        example(&spec, "patch", "/api/v1/events/{event}/pitches/{id}"),
    )
    .await;
    send(
        Method::PATCH,
        format!("{base}/exhibits/{exhibit_id}"),
        admin.clone(),
        example(&spec, "patch", "/api/v1/events/{event}/exhibits/{id}"),
    )
    .await;

    // Stages and slots.
    let stage = send(
        Method::POST,
        format!("{base}/stages"),
        admin.clone(),
        example(&spec, "post", "/api/v1/events/{event}/stages"),
    )
    .await;
    let stage_id = stage["id"].as_str().expect("stage id").to_owned();
    send(
        Method::PATCH,
        format!("{base}/stages/{stage_id}"),
        admin.clone(),
        example(&spec, "patch", "/api/v1/events/{event}/stages/{id}"),
    )
    .await;
    let ids = [
        ("stage_id", stage_id.as_str()),
        ("pitch_id", pitch_id.as_str()),
    ];
    let slot = send(
        Method::POST,
        format!("{base}/pitch-slots"),
        admin.clone(),
        with_ids(
            example(&spec, "post", "/api/v1/events/{event}/pitch-slots"),
            &ids,
        ),
    )
    .await;
    let slot_id = slot["id"].as_str().expect("slot id").to_owned();
    send(
        Method::PATCH,
        format!("{base}/pitch-slots/{slot_id}"),
        admin.clone(),
        with_ids(
            example(&spec, "patch", "/api/v1/events/{event}/pitch-slots/{id}"),
            &ids,
        ),
    )
    .await;
    send(
        Method::POST,
        format!("{base}/pitch-slots/generate"),
        admin.clone(),
        with_ids(
            example(&spec, "post", "/api/v1/events/{event}/pitch-slots/generate"),
            &ids,
        ),
    )
    .await;
    send(
        Method::PUT,
        format!("{base}/pitch-slots/{slot_id}/assignment"),
        admin.clone(),
        with_ids(
            example(
                &spec,
                "put",
                "/api/v1/events/{event}/pitch-slots/{id}/assignment",
            ),
            &ids,
        ),
    )
    .await;
    send(
        Method::POST,
        format!("{base}/schedule/releases"),
        admin.clone(),
        example(&spec, "post", "/api/v1/events/{event}/schedule/releases"),
    )
    .await;

    // Registration questions, announcements and the door.
    let question = send(
        Method::POST,
        format!("{base}/questions"),
        admin.clone(),
        example(&spec, "post", "/api/v1/events/{event}/questions"),
    )
    .await;
    let question_id = question["id"].as_str().expect("question id").to_owned();
    send(
        Method::PATCH,
        format!("{base}/questions/{question_id}"),
        admin.clone(),
        example(&spec, "patch", "/api/v1/events/{event}/questions/{id}"),
    )
    .await;
    for path in ["/preview", "/test", ""] {
        send(
            Method::POST,
            format!("{base}/announcements{path}"),
            admin.clone(),
            example(
                &spec,
                "post",
                &format!("/api/v1/events/{{event}}/announcements{path}"),
            ),
        )
        .await;
    }
    // The examples name a code of no attendee: scan the one just registered.
    let code = registration["check_in_code"]
        .as_str()
        .expect("a confirmed attendee's code");
    let mut scan = example(&spec, "post", "/api/v1/events/{event}/check-in");
    scan["code"] = json!(code);
    send(
        Method::POST,
        format!("{base}/check-in"),
        admin.clone(),
        scan,
    )
    .await;

    // The next edition, and a new organiser.
    send(
        Method::POST,
        format!("{base}/clone"),
        admin.clone(),
        example(&spec, "post", "/api/v1/events/{event}/clone"),
    )
    .await;
    send(
        Method::POST,
        "/api/v1/organisers".to_owned(),
        admin,
        example(&spec, "post", "/api/v1/organisers"),
    )
    .await;
}

/// Every operation of the document, as (method, path, operation).
fn operations(spec: &Value) -> Vec<(String, String, Value)> {
    let mut found = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("a path item") {
            if ["get", "head", "put", "post", "patch", "delete"].contains(&method.as_str()) {
                found.push((method.clone(), path.clone(), operation.clone()));
            }
        }
    }
    found
}

/// OpenAPI requires a description on every response (244 of 583 lacked one), and every tag an
/// operation names is defined in `tags`, with a description (79 operations named undefined
/// ones). Files (the badges' PDF, the XLSX) are `type: string, format: binary`, so Swagger UI
/// downloads them instead of showing them as text.
#[tokio::test]
async fn every_response_has_a_description_and_every_tag_is_defined() {
    let app = spawn_app().await;
    let spec = spec(&app).await;
    let defined: Vec<&str> = spec["tags"]
        .as_array()
        .expect("tags defined")
        .iter()
        .map(|tag| {
            assert!(
                tag["description"].as_str().is_some_and(|d| !d.is_empty()),
                "tag without a description: {tag}"
            );
            tag["name"].as_str().expect("a tag's name")
        })
        .collect();
    let mut missing = Vec::new();
    let mut responses = 0;
    for (method, path, operation) in operations(&spec) {
        for tag in operation["tags"].as_array().into_iter().flatten() {
            let tag = tag.as_str().unwrap();
            if !defined.contains(&tag) {
                missing.push(format!("{method} {path}: tag {tag} is not defined"));
            }
        }
        for (status, response) in operation["responses"].as_object().expect("responses") {
            responses += 1;
            if response["description"]
                .as_str()
                .is_none_or(|d| d.trim().is_empty())
            {
                missing.push(format!("{method} {path} {status}: no description"));
            }
        }
    }
    assert!(responses > 300, "{responses} responses");
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    for (path, media) in [
        ("/api/v1/events/{event}/badges.pdf", "application/pdf"),
        (
            "/api/v1/events/{event}/registrations.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ] {
        let schema = &spec["paths"][path]["get"]["responses"]["200"]["content"][media]["schema"];
        assert_eq!(
            *schema,
            json!({"type": "string", "format": "binary"}),
            "{path}"
        );
    }
}

/// The served document passes `openapi-spec-validator` (Python; `tests/support/requirements.txt`).
/// Fails, never skips, without it.
#[tokio::test]
#[ignore = "needs Python's openapi-spec-validator: run by .ci/run (cargo test --workspace -- --ignored)"]
async fn the_served_document_passes_openapi_spec_validator() {
    let app = spawn_app().await;
    let answer = app.get("/api-docs/openapi.json").await;
    answer.assert_status(200);
    let file = std::env::temp_dir().join(format!("podium-openapi-{}.json", uuid::Uuid::new_v4()));
    std::fs::write(&file, &answer.text).expect("the document written");
    let output = std::process::Command::new("python3")
        .args(["-m", "openapi_spec_validator"])
        .arg(&file)
        .output()
        .expect("python3 must be installed to validate the document");
    let _ = std::fs::remove_file(&file);
    assert!(
        output.status.success(),
        "openapi-spec-validator (is `pip install -r tests/support/requirements.txt` done?):\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
