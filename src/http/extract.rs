//! Malformed input answers problem+json like every other error: the extractors' error
//! handlers (JSON body, path, query string) and the refusal of NUL characters in the URL.
use actix_web::{
    body::{BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    error::{JsonPayloadError, PathError, QueryPayloadError},
    middleware::Next,
    HttpRequest, ResponseError,
};

use crate::error::ApiError;

/// Refuses a request whose path or query string holds a NUL character (`%00`) with a 400,
/// before any handler, lookup or idempotency record sees it: PostgreSQL cannot store or even
/// compare text with NUL (it answered 500), and no name podium gives out contains one. Text in
/// JSON bodies is checked by the field validators (no control characters), and a NUL that
/// reaches the database anyway answers 400 ((`error::DbFault::Text`)).
pub async fn refuse_nul(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let uri = req.uri();
    let has_nul = |s: &str| s.contains("%00");
    if has_nul(uri.path()) || uri.query().is_some_and(has_nul) {
        let err =
            ApiError::BadRequest("the path or query string holds a NUL character (%00)".to_owned());
        return Ok(req.into_response(err.error_response()));
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}

/// Extractor error handlers: malformed input answers problem+json like every other error.
pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::from_json(&err).into()
}

/// A path segment that does not parse (an id that is no UUID) is a 404 whose detail names the
/// segment and what was expected, not the parser's text.
pub fn path_error(err: PathError, req: &HttpRequest) -> actix_web::Error {
    super::routes::method_not_allowed(req)
        .unwrap_or_else(|| {
            let not_a_uuid = req
                .match_info()
                .iter()
                .map(|(_, value)| value)
                .find(|value| {
                    uuid::Uuid::parse_str(value).is_err() && err.to_string().contains("UUID")
                });
            ApiError::NotFound(match not_a_uuid {
                Some(value) => format!(
                    "'{}' is not a valid id (a UUID such as 0190a5c2-7b1e-7c3d-9f4e-2a6b8c0d1e2f)",
                    value.chars().take(100).collect::<String>()
                ),
                None => "no such resource: a part of the path is not valid here".to_owned(),
            })
        })
        .into()
}

pub fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::BadRequest(format!("invalid query string: {err}")).into()
}

/// A JSON request body, as `web::Json` reads it (the same limit, content type and error
/// answers), with two differences: anything but a JSON object is a 422 (`body`), and a number with no fractional part written with one
/// (`17.0`, `2e3`) counts as the integer it is. JSON Schema (2020-12, which OpenAPI 3.1 uses)
/// calls such a number an integer, so a field documented as `integer` must take it; serde
/// alone refuses `17.0` for an `i64`.
pub struct Json<T>(pub T);

impl<T> Json<T> {
    /// The body's value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: serde::de::DeserializeOwned + 'static> actix_web::FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let body = actix_web::web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            let mut value = body.await?.into_inner();
            // Every body podium takes is an object; serde alone would read a struct from an
            // array too (`[null, null]` as its first two fields).
            if !value.is_object() {
                return Err(ApiError::validation(vec![crate::error::FieldError::new(
                    "body",
                    "must be a JSON object",
                )])
                .into());
            }
            whole_numbers_as_integers(&mut value);
            serde_json::from_value(value)
                .map(Json)
                .map_err(|e| ApiError::from_json(&JsonPayloadError::Deserialize(e)).into())
        })
    }
}

/// Rewrites every number in `value` that has no fractional part and fits an `i64` or `u64`
/// as that integer (`17.0` becomes `17`); other numbers stay as they are.
pub fn whole_numbers_as_integers(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Number(number) if number.is_f64() => {
            let Some(f) = number.as_f64() else { return };
            // 2^63: the first whole f64 an i64 cannot hold; beyond it only u64 up to 2^64.
            const I64_END: f64 = 9_223_372_036_854_775_808.0;
            if f.fract() != 0.0 || !f.is_finite() {
                return;
            }
            if (-I64_END..I64_END).contains(&f) {
                *number = serde_json::Number::from(f as i64);
            } else if (0.0..2.0 * I64_END).contains(&f) {
                *number = serde_json::Number::from(f as u64);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        serde_json::Value::Object(map) => map.values_mut().for_each(whole_numbers_as_integers),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn whole_numbers_written_with_a_fraction_are_integers() {
        let mut value = json!({"a": 17.0, "b": [2e3, -4.0], "c": 1.5, "d": "17.0", "e": 3});
        super::whole_numbers_as_integers(&mut value);
        assert_eq!(
            value,
            json!({"a": 17, "b": [2000, -4], "c": 1.5, "d": "17.0", "e": 3})
        );
        assert!(value["a"].is_i64());
        let mut huge = json!(1e300);
        super::whole_numbers_as_integers(&mut huge);
        assert!(huge.is_f64());
    }
}
