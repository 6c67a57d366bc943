//! The route table and what it answers: 405 with `Allow` for a known path with another method,
//! 404 for an unknown path, `HEAD` through the `GET` handler; and the route template of a
//! request (for logs, metrics and caching headers), remembered per path.
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use actix_web::{
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::Method,
    middleware::Next,
    web, Error, HttpMessage, HttpRequest, HttpResponse,
};

use crate::error::ApiError;
use crate::state::AppState;

/// A route as the OpenAPI document lists it.
pub struct Route {
    pub template: String,
    /// In the order `Allow` lists them; `HEAD` wherever there is a `GET` ([`head_as_get`]).
    pub methods: Vec<Method>,
}

/// The routes of the API, from its OpenAPI document.
pub fn route_table(spec: &utoipa::openapi::OpenApi) -> Vec<Route> {
    spec.paths
        .paths
        .iter()
        .map(|(path, item)| {
            let ops = [
                (Method::GET, item.get.is_some()),
                (Method::HEAD, item.get.is_some() || item.head.is_some()),
                (Method::POST, item.post.is_some()),
                (Method::PUT, item.put.is_some()),
                (Method::PATCH, item.patch.is_some()),
                (Method::DELETE, item.delete.is_some()),
            ];
            Route {
                template: path.clone(),
                methods: ops
                    .into_iter()
                    .filter_map(|(method, has)| has.then_some(method))
                    .collect(),
            }
        })
        .collect()
}

fn template_matches(template: &str, path: &str) -> bool {
    let mut t = template.trim_matches('/').split('/');
    let mut p = path.trim_matches('/').split('/');
    loop {
        match (t.next(), p.next()) {
            (None, None) => return true,
            (Some(ts), Some(ps)) if ts.starts_with('{') || ts == ps => {}
            _ => return false,
        }
    }
}

/// The route a path belongs to: of the templates matching it, the one with the most literal
/// segments (`/organisers/me` before `/organisers/{id}`).
pub fn route_of<'a>(routes: &'a [Route], path: &str) -> Option<&'a Route> {
    routes
        .iter()
        .filter(|route| template_matches(&route.template, path))
        .max_by_key(|route| {
            route
                .template
                .split('/')
                .filter(|s| !s.starts_with('{'))
                .count()
        })
}

/// A 405 when the request's path exists but not with its method.
pub fn method_not_allowed(req: &HttpRequest) -> Option<ApiError> {
    let state = req.app_data::<web::Data<AppState>>()?;
    let methods = &route_of(&state.routes, req.path())?.methods;
    if methods.contains(req.method()) {
        return None;
    }
    Some(ApiError::MethodNotAllowed {
        method: req.method().to_string(),
        allow: methods
            .iter()
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// No route matched: a 405 with `Allow` when the path exists with other methods, else a 404.
///
/// A person gets a page, not JSON: under `/orga` the backoffice's (sign-in for a stranger, a
/// 404 page in the member's language), elsewhere outside `/api/` the public 404 page when the
/// client asks for HTML (a browser's `Accept`).
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    if let Some(not_allowed) = method_not_allowed(&req) {
        return Err(not_allowed);
    }
    let path = req.path();
    if path == "/orga" || path.starts_with("/orga/") {
        return Ok(crate::backoffice::unknown_page(&req).await);
    }
    if !path.starts_with("/api/") && wants_html(&req) {
        return Ok(crate::pages::not_found(&req));
    }
    Err(ApiError::NotFound(format!("no resource at {path}")))
}

/// Whether `Accept` names `text/html` (browsers do; API clients and `*/*` do not).
fn wants_html(req: &HttpRequest) -> bool {
    req.headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// Middleware, the one way `HEAD` is answered: as the `GET` of the same path, for the API, the
/// pages and the feeds alike; no handler is written for `HEAD`. The connection knows the request
/// was a `HEAD` (actix-http notes it when it reads the request line), so it sends the `GET`
/// answer's headers, `Content-Length` included, without the body (RFC 9110 §9.3.2). Left
/// alone: an API path without a `GET`, which answers 405 with its `Allow`.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let head = req.method() == Method::HEAD
        && req
            .app_data::<web::Data<AppState>>()
            .and_then(|state| route_of(&state.routes, req.path()))
            .is_none_or(|route| route.methods.contains(&Method::GET));
    if head {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}

/// The route template a request matched, e.g. `/api/v1/events/{event}`; `None` when no route did.
#[derive(Clone)]
struct MatchedRoute(Option<Rc<str>>);

/// Paths whose route template each worker thread remembers; past that it starts over.
const REMEMBERED_PATHS: usize = 1024;
/// Longer paths are matched every time (a scanner's junk would fill the memory otherwise).
const REMEMBERED_PATH_LEN: usize = 200;

thread_local! {
    /// Route templates by path, per worker thread (actix serves a request on one thread).
    /// Hashed with foldhash, which is only minimally DoS-resistant (its own term): the paths
    /// are the clients', but at most [`REMEMBERED_PATHS`] of them are kept before the map
    /// starts over, so even keys that all collide cost a lookup some 1 000 comparisons.
    static TEMPLATES: RefCell<HashMap<Box<str>, Option<Rc<str>>, foldhash::fast::RandomState>> =
        RefCell::default();
}

/// The request's route template, found once and kept with the request (the log span, the
/// metrics and the caching headers all ask for it). actix finds it by matching the path
/// against the routes' regular expressions, 5 % of podium's CPU on a busy path; the same
/// paths come again and again (a feed, a list), so each worker remembers up to a thousand.
pub fn route_pattern(req: &HttpRequest) -> Option<Rc<str>> {
    if let Some(matched) = req.extensions().get::<MatchedRoute>() {
        return matched.0.clone();
    }
    let path = req.path();
    let pattern = if path.len() > REMEMBERED_PATH_LEN {
        req.match_pattern().map(Rc::from)
    } else {
        TEMPLATES.with_borrow_mut(|templates| {
            if let Some(pattern) = templates.get(path) {
                return pattern.clone();
            }
            let pattern: Option<Rc<str>> = req.match_pattern().map(Rc::from);
            if templates.len() >= REMEMBERED_PATHS {
                templates.clear();
            }
            templates.insert(path.into(), pattern.clone());
            pattern
        })
    };
    req.extensions_mut().insert(MatchedRoute(pattern.clone()));
    pattern
}

/// The request's route template as logs and metrics name it: [`route_pattern`], or
/// `unmatched` when no route matched (one shared string per worker, not one per request).
pub fn route_label(req: &HttpRequest) -> Rc<str> {
    thread_local! {
        static UNMATCHED: Rc<str> = Rc::from("unmatched");
    }
    route_pattern(req).unwrap_or_else(|| UNMATCHED.with(Rc::clone))
}

#[cfg(test)]
mod tests {
    use actix_web::{test, web, App, HttpRequest, HttpResponse};

    async fn template(req: HttpRequest) -> HttpResponse {
        let first = super::route_pattern(&req);
        // The remembered answer is the one actix gives.
        assert_eq!(first.as_deref(), req.match_pattern().as_deref());
        HttpResponse::Ok().body(first.map_or("none".to_owned(), |p| p.to_string()))
    }

    #[actix_web::test]
    async fn each_path_gets_its_own_route_template_every_time() {
        let app = test::init_service(
            App::new()
                .route("/events/{event}", web::get().to(template))
                .route("/events/{event}/calendar.ics", web::get().to(template))
                .default_service(web::to(template)),
        )
        .await;
        let long = format!("/{}", "x".repeat(300));
        for _ in 0..3 {
            for (path, expected) in [
                ("/events/fest", "/events/{event}"),
                ("/events/fest/calendar.ics", "/events/{event}/calendar.ics"),
                ("/events/other", "/events/{event}"),
                ("/nothing/here", "none"),
                (long.as_str(), "none"),
            ] {
                let req = test::TestRequest::get().uri(path).to_request();
                let body = test::call_and_read_body(&app, req).await;
                assert_eq!(body, expected, "{path}");
            }
        }
    }
}
