//! Finishing touches on the generated OpenAPI document: every error answer is documented as
//! `application/problem+json`, with the statuses every operation of its kind can give.
use utoipa::openapi::{
    path::Operation, response::ResponseBuilder, ContentBuilder, OpenApi, Ref, RefOr,
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
                add("403", "The token's role does not allow this");
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
