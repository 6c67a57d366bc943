//! Finishing touches on the generated OpenAPI document: every error answer is documented as
//! `application/problem+json`, with the statuses every operation of its kind can give; every
//! field's description where viewers show it.
use utoipa::openapi::{
    path::Operation,
    response::ResponseBuilder,
    schema::{Object, Schema},
    ContentBuilder, OpenApi, Ref, RefOr,
};

const PROBLEM: &str = "application/problem+json";

/// Documents the error answers each operation can give, in one place, so that no route can
/// answer a status its operation does not list (the fuzz run in CI checks this):
///
/// - every operation: 400 (a NUL in the path or query string is refused before any handler);
/// - every `/api/` operation, `HEAD` included: 401 (an invalid bearer token is refused even on
///   public routes), 503 (the database is unreachable, busy or out of space; with
///   `Retry-After`), 404 where the path has parameters, 403 where a token is required;
/// - public `POST`s: 429 (rate limit, with `Retry-After`);
/// - operations with a body: 408 (the body did not arrive in time), 413, 415, 422.
pub fn document_errors(spec: &mut OpenApi) {
    for (path, item) in spec.paths.paths.iter_mut() {
        let api = path.starts_with("/api/");
        let has_params = path.contains('{');
        let operations = [
            (&mut item.get, false),
            (&mut item.head, false),
            (&mut item.put, false),
            (&mut item.post, true),
            (&mut item.patch, false),
            (&mut item.delete, false),
        ];
        for (operation, is_post) in operations {
            let Some(operation) = operation.as_mut() else {
                continue;
            };
            retag_problem_content(operation);
            add_problem(operation, "400", "Malformed path, body or query string");
            if !api {
                continue;
            }
            let secured = operation.security.is_some();
            let has_body = operation.request_body.is_some();
            let mut add = |status: &str, why: &str| add_problem(operation, status, why);
            add("401", "Missing or invalid bearer token");
            add(
                "503",
                "The database is unavailable, busy or out of space; see Retry-After",
            );
            if has_params {
                add("404", "No such resource");
            }
            if is_post {
                add("429", "Too many requests from this client; see Retry-After");
            }
            if secured {
                add(
                    "403",
                    "The member's role does not allow this, or the event is not among the \
                     member's events",
                );
            }
            if has_body {
                add("408", "The body did not arrive within 10 seconds");
                add("413", "Body larger than 1 MiB");
                add("415", "Body is not application/json");
                add("422", "Invalid values; `errors` names the fields");
            }
        }
    }
}

fn add_problem(operation: &mut Operation, status: &str, description: &str) {
    if operation.responses.responses.contains_key(status) {
        return;
    }
    let response = ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build();
    operation
        .responses
        .responses
        .insert(status.to_owned(), RefOr::T(response));
}

/// Error answers declared with a JSON body are problem+json.
fn retag_problem_content(operation: &mut Operation) {
    for (status, response) in operation.responses.responses.iter_mut() {
        let (RefOr::T(response), true) =
            (response, status.starts_with('4') || status.starts_with('5'))
        else {
            continue;
        };
        if let Some(content) = response.content.shift_remove("application/json") {
            response.content.insert(PROBLEM.to_owned(), content);
        }
    }
}

/// Shows each field's description on the field itself. utoipa writes the doc comment of an
/// optional field whose type is a named schema (`Option<Language>`, `Option<PitchSlotRef>`)
/// into the `$ref` branch of its `oneOf: [$ref, null]`, where documentation viewers do not
/// look; this moves it up to the `oneOf`, in every schema under `components.schemas`.
pub fn lift_field_descriptions(spec: &mut OpenApi) {
    let Some(components) = spec.components.as_mut() else {
        return;
    };
    for schema in components.schemas.values_mut() {
        let RefOr::T(schema) = schema else {
            continue;
        };
        let objects: Vec<&mut Object> = match schema {
            Schema::Object(object) => vec![object],
            Schema::AllOf(all) => all
                .items
                .iter_mut()
                .filter_map(|item| match item {
                    RefOr::T(Schema::Object(object)) => Some(object),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        for object in objects {
            for property in object.properties.values_mut() {
                let RefOr::T(Schema::OneOf(one_of)) = property else {
                    continue;
                };
                if one_of.description.as_deref().is_some_and(|d| !d.is_empty()) {
                    continue;
                }
                let lifted = one_of.items.iter_mut().find_map(|item| match item {
                    RefOr::Ref(r) if !r.description.is_empty() => {
                        Some(std::mem::take(&mut r.description))
                    }
                    _ => None,
                });
                if lifted.is_some() {
                    one_of.description = lifted;
                }
            }
        }
    }
}

/// Gives `Idempotency-Key` the limits the services check, and describes the path parameters
/// and headers that routes name without a description: `event`
/// (an id or a slug), `slug`, `If-Match`, and `id` after the kind of record it names
/// (`…/pitches/{id}` is a pitch's id).
pub fn describe_parameters(spec: &mut OpenApi) {
    for (path, item) in spec.paths.paths.iter_mut() {
        let operations = [
            &mut item.get,
            &mut item.head,
            &mut item.put,
            &mut item.post,
            &mut item.patch,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            for parameter in operation.parameters.iter_mut().flatten() {
                let RefOr::T(parameter) = parameter else {
                    continue;
                };
                if parameter.name == "Idempotency-Key" {
                    parameter.schema = Some(idempotency_key_schema());
                }
                if parameter
                    .description
                    .as_deref()
                    .is_some_and(|d| !d.trim().is_empty())
                {
                    continue;
                }
                parameter.description = parameter_description(path, &parameter.name);
            }
        }
    }
}

/// An `Idempotency-Key` as the services take it: 1 to 200 visible ASCII characters.
fn idempotency_key_schema() -> RefOr<Schema> {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    RefOr::T(Schema::Object(
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(200))
            .pattern(Some("^[!-~]{1,200}$"))
            .build(),
    ))
}

/// What the parameter `name` of `path` is, when podium's routes use it in only one sense.
fn parameter_description(path: &str, name: &str) -> Option<String> {
    let text = match name {
        "event" => "The event's id (UUID) or slug",
        "slug" => "The series' slug (`[a-z0-9-]`)",
        "If-Match" => {
            "The ETag of the last read; when the resource has changed since, the change is \
             refused with 412"
        }
        "id" => {
            let before = path.split("/{id}").next()?.rsplit('/').next()?;
            match before {
                "outbox" => "The mail's id (UUID)",
                "exhibits" => "The exhibit's id (UUID)",
                "pitch-slots" => "The slot's id (UUID)",
                "pitches" => "The pitch's id (UUID)",
                "questions" => "The question's id (UUID)",
                "registrations" => "The registration's id (UUID)",
                "stages" => "The stage's id (UUID)",
                "organisers" => "The organiser's id (UUID)",
                _ => return None,
            }
        }
        _ => return None,
    };
    Some(text.to_owned())
}

/// The tags the API's operations are grouped by, each with what it groups. Every tag an
/// operation names is defined in the document ([`define_tags`]); one missing here gets a
/// plain description, so the document stays valid, and the `openapi_docs` test names it.
pub const TAGS: [(&str, &str); 16] = [
    (
        "events",
        "Events: create, edit, publish, cancel and clone; the public list and page data",
    ),
    (
        "registrations",
        "Registrations: the public form, the attendee's own record by manage token, the \
         attendee list, exports (CSV, XLSX), badges and check-in",
    ),
    (
        "questions",
        "The registration form's own questions and their answers",
    ),
    ("stages", "The rooms or tracks of an event's programme"),
    (
        "pitch slots",
        "Time slots on the stages and the pitch assigned to each",
    ),
    (
        "releases",
        "Releases of the programme: the draft organisers edit, published as numbered versions",
    ),
    (
        "pitches",
        "Short talks proposed by member organisations, and their review",
    ),
    (
        "reviews",
        "The jury: review criteria, reviewers' scores and comments, assignment of pitches \
         to reviewers, anonymous review",
    ),
    (
        "exhibits",
        "The exhibition: stands registered, approved and given a booth",
    ),
    (
        "announcements",
        "Mail from the organisers to an audience of an event",
    ),
    (
        "calendar feeds",
        "iCalendar feeds (RFC 5545) of events, pitches and registrations",
    ),
    (
        "webhooks",
        "Endpoints told of changes (Standard Webhooks signatures) and their delivery logs",
    ),
    ("organisers", "Organiser accounts and their bearer tokens"),
    (
        "organisation",
        "The organisation that runs the events: name, contact, logo, colour, imprint and privacy links",
    ),
    ("admin", "Administration: the mail outbox"),
    ("operations", "Health, readiness and metrics for operators"),
];

/// Defines every tag an operation names, with its description from [`TAGS`] (in that order,
/// then any other in the order of first use).
pub fn define_tags(spec: &mut OpenApi) {
    use utoipa::openapi::tag::TagBuilder;
    let mut used: Vec<String> = Vec::new();
    for item in spec.paths.paths.values() {
        let operations = [
            &item.get,
            &item.head,
            &item.put,
            &item.post,
            &item.patch,
            &item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            for tag in operation.tags.iter().flatten() {
                if !used.contains(tag) {
                    used.push(tag.clone());
                }
            }
        }
    }
    let mut tags: Vec<utoipa::openapi::tag::Tag> = spec.tags.take().unwrap_or_default();
    let known = TAGS.iter().map(|(name, _)| *name);
    let others: Vec<&str> = used
        .iter()
        .map(String::as_str)
        .filter(|name| !TAGS.iter().any(|(known, _)| known == name))
        .collect();
    for name in known.chain(others) {
        if tags.iter().any(|tag| tag.name == name) {
            continue;
        }
        let description = TAGS
            .iter()
            .find(|(known, _)| *known == name)
            .map_or_else(|| format!("Operations on {name}"), |(_, d)| (*d).to_owned());
        tags.push(
            TagBuilder::new()
                .name(name)
                .description(Some(description))
                .build(),
        );
    }
    spec.tags = Some(tags);
}

/// Gives every operation without a description its summary, and every response without one a
/// description (OpenAPI requires it): an error answer by
/// its status code; a success answer says what it holds, from its status and the schema of
/// its body (`201`: "Created: the new EventResponse"), with the operation's summary.
pub fn describe_responses(spec: &mut OpenApi) {
    for item in spec.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.head,
            &mut item.put,
            &mut item.post,
            &mut item.patch,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            // The route's doc comment is all in `summary` when it is one paragraph: viewers
            // show `description` in full, so it holds the same text.
            if operation
                .description
                .as_deref()
                .is_none_or(|d| d.trim().is_empty())
            {
                operation.description.clone_from(&operation.summary);
            }
            let summary = operation
                .summary
                .as_deref()
                .map(first_sentence)
                .unwrap_or_default();
            for (status, response) in operation.responses.responses.iter_mut() {
                let RefOr::T(response) = response else {
                    continue;
                };
                if !response.description.trim().is_empty() {
                    continue;
                }
                let body = response
                    .content
                    .iter()
                    .next()
                    .map(|(media, content)| match content {
                        RefOr::T(content) => body_words(media, content.schema.as_ref()),
                        RefOr::Ref(_) => body_words(media, None),
                    });
                response.description = response_description(status, body.as_deref(), &summary);
            }
        }
    }
}

/// The first sentence of an operation's summary, without its full stop.
fn first_sentence(summary: &str) -> String {
    let end = summary.find(". ").unwrap_or(summary.len());
    summary[..end].trim_end_matches('.').trim().to_owned()
}

/// What a body is, in words: "a page of OutboxItem", "a list of StageResponse", "an
/// EventResponse", "text/csv text".
fn body_words(media: &str, schema: Option<&RefOr<Schema>>) -> String {
    let name = |r: &Ref| {
        r.ref_location
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    match schema {
        Some(RefOr::Ref(r)) => {
            let name = name(r);
            match name.strip_prefix("Page_") {
                Some(item) => format!("a page of {item} (`items`, `total`, the next cursor)"),
                None => name,
            }
        }
        Some(RefOr::T(Schema::Array(array))) => match &array.items {
            utoipa::openapi::schema::ArrayItems::RefOrSchema(item) => match item.as_ref() {
                RefOr::Ref(r) => format!("a list of {}", name(r)),
                _ => "a list".to_owned(),
            },
            _ => "a list".to_owned(),
        },
        _ if media.contains("json") => "a JSON body".to_owned(),
        _ => format!("a {media} body"),
    }
}

/// The description of a response of `status` whose body is `body` (in words).
fn response_description(status: &str, body: Option<&str>, summary: &str) -> String {
    let what = |lead: &str| match body {
        Some(body) => format!("{lead}: {body}"),
        None => lead.to_owned(),
    };
    let success = match status {
        "200" => Some(what("OK")),
        "201" => Some(what("Created; the new record")),
        "202" => Some(what("Accepted: the work is queued")),
        "204" => Some("Done; no body".to_owned()),
        "303" => Some("See Other: the answer is at `Location`".to_owned()),
        "304" => Some("Not Modified: the copy named by `If-None-Match` is current".to_owned()),
        _ => None,
    };
    if let Some(success) = success {
        return if summary.is_empty() {
            success
        } else {
            format!("{success}. ({summary})")
        };
    }
    match status {
        "400" => "Malformed path, body or query string",
        "401" => "Missing or invalid bearer token",
        "403" => "The token's role does not allow this",
        "404" => "No such resource",
        "405" => "The path does not take this method; see Allow",
        "408" => "The body did not arrive within 10 seconds",
        "409" => "Conflicts with the current state; `detail` says how",
        "410" => "Gone: erased or expired",
        "412" => "The resource has changed since the ETag given in If-Match",
        "413" => "Body larger than 1 MiB",
        "415" => "Body is not application/json",
        "422" => "Invalid values; `errors` names the fields",
        "428" => "If-Match is required",
        "429" => "Too many requests from this client; see Retry-After",
        "500" => "Internal error; logged with its cause",
        "503" => "The database is unavailable, busy or out of space; see Retry-After",
        _ => "See the status code (RFC 9110)",
    }
    .to_owned()
}

/// Declares the bodies that are files (PDF, XLSX: every media type that is neither JSON nor
/// text) as `type: string, format: binary`, so Swagger UI offers them as a download instead
/// of showing bytes as text (`Vec<u8>` made them arrays of integers).
pub fn declare_binary_bodies(spec: &mut OpenApi) {
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
    for item in spec.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.head,
            &mut item.put,
            &mut item.post,
            &mut item.patch,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            for response in operation.responses.responses.values_mut() {
                let RefOr::T(response) = response else {
                    continue;
                };
                for (media, content) in response.content.iter_mut() {
                    let RefOr::T(content) = content else {
                        continue;
                    };
                    if media.contains("json") || media.starts_with("text/") {
                        continue;
                    }
                    content.schema = Some(RefOr::T(Schema::Object(
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
                            .build(),
                    )));
                }
            }
        }
    }
}

/// Text fields the services read with [`crate::domain::text::multi_line`]: line breaks and
/// tabs allowed. Every other free-text field of a request is one line
/// ([`crate::domain::text::one_line`] or `optional_line`).
const MULTI_LINE_FIELDS: [&str; 6] = [
    "description",
    "abstract",
    "text_de",
    "text_en",
    "answers",
    "note",
];
/// No control character (Unicode `Cc`: U+0000–U+001F, U+007F–U+009F) and no bidirectional
/// override (U+202A–U+202E, U+2066–U+2069), as `one_line` checks.
const ONE_LINE: &str = r"^[^\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*$";
/// As [`ONE_LINE`], with at least one character that is not white space: what `one_line`
/// keeps after trimming must not be empty.
const ONE_LINE_NOT_BLANK: &str = r"^[^\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*[^\s\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069][^\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*$";
/// A date-time in the years podium takes (`crate::domain::time::YEARS`, 1970 to 2999).
const YEARS: &str = r"^(19[7-9][0-9]|2[0-9]{3})-";
/// No control character but tab, line feed and carriage return, and no bidirectional
/// override, as `multi_line` checks.
const MULTI_LINE: &str =
    r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*$";

/// States in the schema what the services check of every free-text field of a request body:
/// a `pattern` that refuses control characters (and, for a required one-line field with
/// `minLength`, text that is only white space, since the services trim); a date-time's
/// years; an IANA time zone's name, from the zones podium knows. Applied to every
/// string without a `format`, `enum` or `pattern` of its own, in the schemas request bodies
/// use (followed through `$ref`s), so a new field cannot be forgotten; response-only schemas
/// are left as they are.
///
/// Works on the document's JSON (`crate::http::ApiDocument::new` calls it), as utoipa's
/// types cannot read their own output back.
pub fn constrain_text(document: &mut serde_json::Value) {
    let mut names = Vec::new();
    if let Some(paths) = document.get_mut("paths").and_then(|p| p.as_object_mut()) {
        for item in paths.values_mut() {
            for operation in item
                .as_object_mut()
                .into_iter()
                .flat_map(|o| o.values_mut())
            {
                for parameter in operation
                    .get_mut("parameters")
                    .and_then(|p| p.as_array_mut())
                    .into_iter()
                    .flatten()
                {
                    let in_url = matches!(
                        parameter.get("in").and_then(|i| i.as_str()),
                        Some("query" | "path")
                    );
                    if let (true, Some(schema)) = (in_url, parameter.get_mut("schema")) {
                        refuse_nul(schema);
                    }
                }
                let Some(content) = operation.pointer_mut("/requestBody/content") else {
                    continue;
                };
                collect_refs(content, &mut names);
                for media in content
                    .as_object_mut()
                    .into_iter()
                    .flat_map(|m| m.values_mut())
                {
                    if let Some(schema) = media.get_mut("schema") {
                        constrain_strings(schema, None);
                    }
                }
            }
        }
    }
    let mut done = std::collections::HashSet::new();
    while let Some(name) = names.pop() {
        if !done.insert(name.clone()) {
            continue;
        }
        let Some(schema) = document.pointer_mut(&format!("/components/schemas/{name}")) else {
            continue;
        };
        collect_refs(schema, &mut names);
        constrain_strings(schema, None);
    }
}

/// No NUL in a path or query parameter: podium refuses a `%00` in the URL before any handler
/// (400), as PostgreSQL cannot store or compare it.
const NO_NUL: &str = r"^[^\u0000]*$";

/// Adds [`NO_NUL`] to a parameter's string schema that has no `format`, `enum` or `pattern`.
fn refuse_nul(schema: &mut serde_json::Value) {
    let Some(map) = schema.as_object_mut() else {
        return;
    };
    let is_string = match map.get("type") {
        Some(serde_json::Value::String(t)) => t == "string",
        Some(serde_json::Value::Array(types)) => types.iter().any(|t| t == "string"),
        _ => false,
    };
    if is_string
        && !["format", "enum", "pattern"]
            .iter()
            .any(|k| map.contains_key(*k))
    {
        map.insert("pattern".to_owned(), NO_NUL.into());
    }
}

/// One schema (`QuestionRequest`) serves both creating a question and changing one, where
/// every field is optional; creating needs `kind`, `label_de` and `label_en`
/// (`services::questions::create`). This states it on the creating operation: its body is the
/// shared schema and those three.
pub fn require_question_fields(document: &mut serde_json::Value) {
    let pointer = "/paths/~1api~1v1~1events~1{event}~1questions/post/requestBody/content/application~1json/schema";
    let example = document
        .pointer("/components/schemas/QuestionRequest/example")
        .cloned();
    if let Some(schema) = document.pointer_mut(pointer) {
        let shared = schema.take();
        *schema = serde_json::json!({
            "allOf": [shared, {"required": ["kind", "label_de", "label_en"]}]
        });
        if let Some(example) = example {
            schema["example"] = example;
        }
    }
}

/// The component names `$ref`s under `value` point to.
fn collect_refs(value: &serde_json::Value, names: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner.as_str()) {
                    ("$ref", Some(target)) => {
                        if let Some(name) = target.strip_prefix("#/components/schemas/") {
                            names.push(name.to_owned());
                        }
                    }
                    _ => collect_refs(inner, names),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|i| collect_refs(i, names)),
        _ => {}
    }
}

/// Adds the text patterns to the string schemas in `schema`; `field` is the name of the
/// property it describes, if any.
fn constrain_strings(schema: &mut serde_json::Value, field: Option<&str>) {
    let Some(map) = schema.as_object_mut() else {
        return;
    };
    let is_string = match map.get("type") {
        Some(serde_json::Value::String(t)) => t == "string",
        Some(serde_json::Value::Array(types)) => types.iter().any(|t| t == "string"),
        _ => false,
    };
    let free = !["format", "enum", "pattern", "const", "$ref"]
        .iter()
        .any(|k| map.contains_key(*k));
    let date_time = map.get("format").and_then(|f| f.as_str()) == Some("date-time");
    if is_string && date_time && !map.contains_key("pattern") {
        map.insert("pattern".to_owned(), YEARS.into());
    }
    if is_string && free && field == Some("timezone") {
        // The names `domain::time::parse_timezone` takes, exactly (case and all).
        let mut names: Vec<serde_json::Value> = chrono_tz::TZ_VARIANTS
            .iter()
            .map(|tz| tz.name().into())
            .collect();
        if matches!(map.get("type"), Some(serde_json::Value::Array(t)) if t.iter().any(|t| t == "null"))
        {
            names.push(serde_json::Value::Null);
        }
        map.insert("enum".to_owned(), names.into());
        return;
    }
    if is_string && free {
        let pattern = if field.is_some_and(|f| MULTI_LINE_FIELDS.contains(&f)) {
            MULTI_LINE
        } else if map.get("minLength").and_then(|m| m.as_u64()).unwrap_or(0) > 0 {
            ONE_LINE_NOT_BLANK
        } else {
            ONE_LINE
        };
        map.insert("pattern".to_owned(), pattern.into());
    }
    if let Some(serde_json::Value::Object(properties)) = map.get_mut("properties") {
        for (name, property) in properties.iter_mut() {
            constrain_strings(property, Some(name));
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(inner) = map.get_mut(key) {
            constrain_strings(inner, field);
        }
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(serde_json::Value::Array(members)) = map.get_mut(key) {
            for member in members {
                constrain_strings(member, field);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn request_text_fields_state_the_control_character_rule() {
        let mut spec = serde_json::to_value(crate::http::document()).unwrap();
        super::constrain_text(&mut spec);
        super::require_question_fields(&mut spec);
        let create = &spec["paths"]["/api/v1/events/{event}/questions"]["post"]["requestBody"];
        assert_eq!(
            create["content"]["application/json"]["schema"]["allOf"][1]["required"],
            serde_json::json!(["kind", "label_de", "label_en"]),
            "{create}"
        );
        let stage = &spec["components"]["schemas"]["CreateStage"]["properties"];
        assert_eq!(
            stage["name"]["pattern"],
            super::ONE_LINE_NOT_BLANK,
            "{stage}"
        );
        assert_eq!(
            stage["description"]["pattern"],
            super::MULTI_LINE,
            "{stage}"
        );
    }
}
