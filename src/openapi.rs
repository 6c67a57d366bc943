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

/// Describes the path parameters and headers that routes name without a description: `event`
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
