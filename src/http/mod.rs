//! The actix edge: everything that knows a request or a response but no rule of podium's.
//! Handlers live in `routes` (JSON API) and `pages` (HTML); they parse, call a service and
//! answer. This module wraps them.
//!
//! # Middleware order
//! A request passes these from the outside in (actix runs the last `.wrap` first); the answer
//! passes them back out in reverse:
//!
//! 1. [`write_epoch::local_writes`]: after any method but `GET`/`HEAD`/`OPTIONS`, even a
//!    cancelled one, bumps the write epoch, so the read caches drop what they read before.
//! 2. [`routes::head_as_get`]: `HEAD` becomes the `GET` of the path and loses its body on the
//!    way out; everything inside sees a `GET`.
//! 3. [`headers::security`], [`headers::vary_by_language`], [`headers::no_store`]: headers on
//!    every answer, errors included (`Vary: Accept-Language` where the header chose the
//!    language, after `no_store` so its `no-store` wins over the default `no-cache`).
//! 4. `TracingLogger`, then [`metrics::track`]: the request's span and its counters (with the
//!    route template, [`routes::route_pattern`]) see every answer, the 429s and 401s too.
//! 5. CORS ([`cors::cors`]): answers preflights before any limit or token is looked at.
//! 6. [`body::read_deadline`]: a body must arrive within `error::BODY_READ_TIMEOUT`.
//! 7. [`storage::record_storage_faults`]: remembers storage failures for `/readyz`.
//! 8. [`extract::refuse_nul`]: a `%00` in the path or query is a 400 before any lookup.
//! 9. [`rate_limit::limit_public_posts`]: anonymous `POST`s per client address (429).
//! 10. [`auth::authenticate`]: the bearer token, resolved once (401 for a bad one, before any
//!     body is read); handlers take `Organiser`/`Admin`/`MaybeOrganiser`.
//!
//! `Idempotency-Key` is no middleware: each public `POST`'s service judges the key under its
//! lock and stores the answer in the transaction of the write it protects
//! (`services::idempotency`; the registration desk for registrations).
//!
//! No route matched: [`routes::not_found`] answers 405 with `Allow` when the path exists with
//! other methods (from the route table of the OpenAPI document), else 404. Extractor failures
//! go through [`extract`]'s handlers, so malformed input answers problem+json too.
pub mod auth;
pub mod body;
pub mod cors;
pub mod cross_site;
pub mod extract;
pub mod headers;
pub mod language;
pub mod metrics;
pub mod rate_limit;
pub mod routes;
pub mod storage;
pub mod write_epoch;

use actix_web::{
    body::MessageBody,
    dev::{ServiceFactory, ServiceRequest, ServiceResponse},
    middleware::from_fn,
    web, App,
};
use tracing_actix_web::TracingLogger;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::OpenApi as _;
use utoipa_actix_web::{scope, AppExt};
use utoipa_swagger_ui::SwaggerUi;

use crate::error::BODY_LIMIT;
use crate::state::AppState;

/// Where the OpenAPI document is served, and where Swagger UI (`/docs/`) reads it from.
pub const DOCUMENT_PATH: &str = "/api-docs/openapi.json";

/// The OpenAPI document as `DOCUMENT_PATH` serves it: built and serialised once at start
/// ([`document`]) and shared by every worker, which keeps no document of its own (each
/// worker building and holding one cost about 2 MiB of heap apiece).
#[derive(Clone, Debug)]
pub struct ApiDocument(web::Bytes);

impl ApiDocument {
    /// `spec` as JSON, with the text fields' patterns added
    /// ([`crate::openapi::constrain_text`]). Errors only if a schema holds a value JSON cannot
    /// express.
    pub fn new(spec: &utoipa::openapi::OpenApi) -> serde_json::Result<Self> {
        let mut document = serde_json::to_value(spec)?;
        crate::openapi::constrain_text(&mut document);
        crate::openapi::require_question_fields(&mut document);
        Ok(Self(serde_json::to_vec(&document)?.into()))
    }
}

/// The App, from the one list of routes that [`document`] describes. Each worker builds
/// its own and serves `document`, the JSON every worker shares, at [`DOCUMENT_PATH`].
pub fn app(
    state: web::Data<AppState>,
    cors_origins: Option<&str>,
    document: ApiDocument,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    // The routes' descriptions are collected as the routes are added; a worker drops them.
    let (app, _) = routes(Some(state), cors_origins);
    let served = document.0;
    // Guarded, so another method falls through to `routes::not_found` (a problem+json 404), as
    // it did when utoipa's Swagger UI served the document.
    let resource = web::resource(DOCUMENT_PATH).guard(actix_web::guard::Get());
    app.service(resource.route(web::get().to(move || {
        let body = served.clone();
        async move {
            actix_web::HttpResponse::Ok()
                .content_type(actix_web::http::header::ContentType::json())
                .body(body)
        }
    })))
    // The pages before the Swagger UI: its `/docs/{_:.*}` is a regular expression every page
    // request would be matched against first.
    .configure(crate::pages::config)
    .configure(crate::backoffice::config)
    .service(SwaggerUi::new("/docs/{_:.*}").config(utoipa_swagger_ui::Config::new([DOCUMENT_PATH])))
    .service(web::redirect("/docs", "/docs/"))
    .default_service(web::to(routes::not_found))
}

/// The OpenAPI description of every route [`app`] serves, with the problem answers, field
/// and parameter descriptions filled in (`crate::openapi`); built once at start.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, mut spec) = routes(None, None);
    spec.merge(crate::routes::feeds::HeadDocs::openapi());
    spec.merge(crate::routes::schedule::HeadDocs::openapi());
    crate::openapi::document_errors(&mut spec);
    crate::openapi::lift_field_descriptions(&mut spec);
    crate::openapi::describe_parameters(&mut spec);
    crate::openapi::describe_responses(&mut spec);
    crate::openapi::declare_binary_bodies(&mut spec);
    crate::openapi::define_tags(&mut spec);
    spec.info.title = "podium".to_owned();
    spec.info.version = env!("CARGO_PKG_VERSION").to_owned();
    spec.info.contact = None;
    spec.info.license = Some(utoipa::openapi::License::new("MIT"));
    // Relative: the document is served by the instance it describes, wherever it runs.
    spec.servers = Some(vec![utoipa::openapi::Server::new("/")]);
    spec.info.description = Some(
        "Events and annual conferences: registrations, pitches, exhibits and calendar feeds."
            .to_owned(),
    );
    let components = spec.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(crate::domain::member::ROLES_DOC))
                .build(),
        ),
    );
    spec
}

/// The middleware and the API's routes (the ones the OpenAPI document describes), with the
/// description utoipa collects from them.
fn routes(
    state: Option<web::Data<AppState>>,
    cors_origins: Option<&str>,
) -> (
    App<
        impl ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<impl MessageBody>,
            Error = actix_web::Error,
            InitError = (),
        >,
    >,
    utoipa::openapi::OpenApi,
) {
    let mut app = App::new()
        .app_data(
            web::JsonConfig::default()
                .limit(BODY_LIMIT)
                .error_handler(extract::json_error),
        )
        .app_data(web::PayloadConfig::new(BODY_LIMIT))
        .app_data(web::PathConfig::default().error_handler(extract::path_error))
        .app_data(web::QueryConfig::default().error_handler(extract::query_error));
    if let Some(state) = state {
        app = app.app_data(state);
    }
    // Innermost first: see the module's list, read from the bottom up.
    app.wrap(from_fn(auth::authenticate))
        .wrap(from_fn(rate_limit::limit_public_posts))
        .wrap(from_fn(extract::refuse_nul))
        .wrap(from_fn(crate::pages::branding::middleware))
        .wrap(from_fn(storage::record_storage_faults))
        .wrap(from_fn(body::read_deadline))
        .wrap(cors::cors(cors_origins))
        .wrap(from_fn(metrics::track))
        .wrap(TracingLogger::<crate::telemetry::RequestSpan>::new())
        .wrap(from_fn(headers::no_store))
        .wrap(from_fn(headers::vary_by_language))
        .wrap(headers::security())
        .wrap(from_fn(routes::head_as_get))
        .wrap(from_fn(write_epoch::local_writes))
        .into_utoipa_app()
        .service(crate::routes::health::healthz)
        .service(crate::routes::health::readyz)
        .service(crate::routes::health::metrics)
        .service(scope::scope("/api/v1").configure(crate::routes::api))
        .split_for_parts()
}
