//! The application: state, middleware and routes wired together, on a port of its own.
use std::net::TcpListener;
use std::sync::Arc;

use actix_web::{
    dev::Server,
    http::{header, Method},
    middleware::{self, from_fn},
    web, App, HttpRequest, HttpServer,
};
use anyhow::Context;
use sea_orm::DatabaseConnection;
use tracing_actix_web::TracingLogger;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_actix_web::{scope, AppExt};
use utoipa_swagger_ui::SwaggerUi;

use tokio_util::sync::CancellationToken;

use crate::config::Settings;
use crate::error::{self, ApiError};
use crate::mail::{MailSignal, MailWorker};
use crate::{db, routes, services};

/// Largest accepted request body.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// The longest a client may take to send a request body, from the end of its headers; a slower
/// body is answered 408 and its connection closed. (The headers themselves have actix's
/// `client_request_timeout`, 5 s.)
pub const BODY_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Bounds the time a request body may take to arrive ([`BODY_READ_TIMEOUT`]): a client that
/// dribbles its body can no longer hold a connection and a worker for as long as it likes.
async fn body_read_deadline(
    mut req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    use futures_util::StreamExt;
    let has_body = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .is_none_or(|len| len.as_bytes() != b"0")
        && (req.headers().contains_key(header::CONTENT_LENGTH)
            || req.headers().contains_key(header::TRANSFER_ENCODING));
    if has_body {
        let payload = actix_web::HttpMessage::take_payload(&mut req);
        let deadline = tokio::time::Instant::now() + BODY_READ_TIMEOUT;
        let bounded = futures_util::stream::unfold(Some(payload), move |payload| async move {
            let mut payload = payload?;
            match tokio::time::timeout_at(deadline, payload.next()).await {
                Ok(Some(chunk)) => Some((chunk, Some(payload))),
                Ok(None) => None,
                Err(_) => Some((
                    Err(actix_web::error::PayloadError::Io(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "the request body did not arrive in time",
                    ))),
                    None,
                )),
            }
        });
        req.set_payload(actix_web::dev::Payload::from(
            Box::pin(bounded) as actix_http::BoxedPayloadStream
        ));
    }
    next.call(req).await
}

/// What every handler may reach.
pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    /// Base of the links in mails and feeds, without a trailing slash.
    pub public_url: String,
    /// Every route's path template and methods, to tell a 405 from a 404 and to answer `HEAD`.
    pub routes: Vec<Route>,
    pub mail_signal: MailSignal,
    /// Commits registrations that arrive together in one transaction.
    pub desk: services::desk::Desk,
    /// Public `POST`s per client address; `None` when the limit is off.
    pub limiter: Option<crate::rate_limit::Limiter>,
    /// Public pitch and exhibit submissions per client address and hour; `None` when off.
    pub submissions: Option<crate::rate_limit::Limiter>,
    /// Rendered calendar feeds, keyed by the version of the data they show.
    pub feeds: services::feeds::FeedCache,
    /// Bumped after every request that may have written (see [`services::read_cache`]).
    pub write_epoch: services::read_cache::WriteEpoch,
    /// Recent event rows for the feeds and the schedule, checked against `write_epoch`.
    pub reads: services::read_cache::EventReads,
    /// Organisers recently found by their bearer token.
    pub tokens: crate::auth::TokenCache,
    /// Rendered public event pages (see [`crate::pages`]).
    pub pages: crate::pages::PageCache,
    /// Serialised event JSON answers (`GET /api/v1/events/{event}`).
    pub event_json: routes::events::EventJsonCache,
    /// Recent storage failures, for `/readyz`.
    pub storage: routes::health::StorageHealth,
}

impl AppState {
    /// Tells the mail worker that a committed transaction has queued mail.
    pub fn wake_mailer(&self) {
        self.mail_signal.notify();
    }
}

/// Connections of the registration desk's own pool (PostgreSQL): it runs one batch at a time,
/// and one more for the one-by-one retry of a failed batch.
const DESK_CONNECTIONS: u32 = 2;

pub struct Application {
    port: u16,
    write_epoch: services::read_cache::WriteEpoch,
    server: Server,
    shutdown: CancellationToken,
    background: Vec<tokio::task::JoinHandle<()>>,
    /// The token of the admin created on a first start, if this start created one.
    pub initial_admin_token: Option<String>,
}

impl Application {
    /// Connects, migrates, makes sure an admin exists and binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let db = db::connect(settings.database_url(), settings.db_max_connections).await?;
        db::migrate(&db).await?;
        Self::build_with_db(settings, db).await
    }

    pub async fn build_with_db(settings: Settings, db: DatabaseConnection) -> anyhow::Result<Self> {
        crate::metrics::handle();
        let secret = match settings.load_secret()? {
            Some(secret) => secret,
            None => db::shared_secret(&db).await?,
        };
        crate::domain::token::install(secret);
        let initial_admin_token = services::organisers::ensure_first_admin(&db)
            .await
            .context("creating the first admin")?;
        if let Some(sender) = services::ics::mailbox_parts(&settings.sender()) {
            services::events::adopt_sender_as_organiser(&db, sender)
                .await
                .context("giving events without an organiser the sender")?;
        }
        let listener = TcpListener::bind(settings.bind)
            .with_context(|| format!("cannot listen on {}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let public_url = match &settings.public_url {
            Some(_) => settings.public_url(),
            None => format!("http://{}:{}", settings.bind.ip(), port),
        };
        let shutdown = CancellationToken::new();
        let worker = MailWorker::new(db.clone(), &settings.mail())?;
        let mail_signal = worker.signal();
        let write_epoch = services::read_cache::WriteEpoch::default();
        let background = vec![
            worker.spawn(shutdown.clone()),
            tokio::spawn(services::maintenance::run(
                db.clone(),
                mail_signal.clone(),
                public_url.clone(),
                chrono::Duration::days(i64::from(settings.mail_retention_days)),
                write_epoch.clone(),
                shutdown.clone(),
            )),
            tokio::spawn(crate::metrics::upkeep(shutdown.clone())),
        ];
        let cors_origins = settings.cors_origins.clone();
        check_cors_origins(cors_origins.as_deref())?;
        let (_, spec) = build_app(None, None);
        let limiter = crate::rate_limit::Limiter::new(
            settings.rate_limit,
            settings.trusted_proxy_header.as_deref(),
        );
        // The registration desk's own connections, planning each statement as it runs (see
        // `db::Planning`); on SQLite it shares the pool.
        let desk_db = if db::is_postgres(&db) {
            db::connect_with(
                settings.database_url(),
                DESK_CONNECTIONS,
                db::Planning::PerRun,
            )
            .await?
        } else {
            db.clone()
        };
        let desk = services::desk::Desk::start(desk_db, public_url.clone(), mail_signal.clone());
        let submissions = crate::rate_limit::Limiter::per_hour(
            settings.submission_limit,
            settings.trusted_proxy_header.as_deref(),
        );
        let state = web::Data::new(AppState {
            submissions,
            desk,
            db,
            limiter,
            public_url,
            routes: route_table(&spec),
            settings: Arc::new(settings),
            mail_signal,
            feeds: services::feeds::FeedCache::default(),
            reads: services::read_cache::EventReads::new(write_epoch.clone()),
            write_epoch: write_epoch.clone(),
            tokens: crate::auth::TokenCache::default(),
            pages: crate::pages::PageCache::default(),
            event_json: routes::events::EventJsonCache::default(),
            storage: routes::health::StorageHealth::default(),
        });
        let server =
            HttpServer::new(move || build_app(Some(state.clone()), cors_origins.as_deref()).0)
                .listen(listener)?
                .shutdown_timeout(30)
                .run();
        Ok(Self {
            port,
            write_epoch,
            server,
            shutdown,
            background,
            initial_admin_token,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The counter of this instance's writes: bumping it makes the instance re-read what it
    /// holds of the database (for writes made beside its API, as tests and tools do).
    pub fn write_epoch(&self) -> services::read_cache::WriteEpoch {
        self.write_epoch.clone()
    }

    /// Serves until SIGINT/SIGTERM: in-flight requests drain, then the mail worker finishes
    /// the mail it is sending and stops.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        self.shutdown.cancel();
        for task in self.background {
            let _ = task.await;
        }
        served
    }
}

/// The App and its OpenAPI description, from one list of routes.
fn build_app(
    state: Option<web::Data<AppState>>,
    cors_origins: Option<&str>,
) -> (
    App<
        impl actix_web::dev::ServiceFactory<
            actix_web::dev::ServiceRequest,
            Config = (),
            Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
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
                .error_handler(error::json_error),
        )
        .app_data(web::PayloadConfig::new(BODY_LIMIT))
        .app_data(web::PathConfig::default().error_handler(error::path_error))
        .app_data(web::QueryConfig::default().error_handler(error::query_error));
    if let Some(state) = state {
        app = app.app_data(state);
    }
    let (app, mut spec) = app
        .wrap(from_fn(crate::auth::authenticate))
        .wrap(from_fn(crate::rate_limit::limit_public_posts))
        .wrap(from_fn(error::refuse_nul))
        .wrap(from_fn(routes::health::record_storage_faults))
        .wrap(from_fn(body_read_deadline))
        .wrap(cors(cors_origins))
        .wrap(from_fn(crate::metrics::track))
        .wrap(TracingLogger::<crate::telemetry::RequestSpan>::new())
        .wrap(from_fn(crate::headers::no_store))
        .wrap(crate::headers::security())
        .wrap(from_fn(crate::metrics::head_as_get))
        .wrap(from_fn(services::read_cache::local_writes))
        .into_utoipa_app()
        .service(routes::health::healthz)
        .service(routes::health::readyz)
        .service(routes::health::metrics)
        .service(scope::scope("/api/v1").configure(routes::api))
        .split_for_parts();
    crate::openapi::document_errors(&mut spec);
    crate::openapi::lift_field_descriptions(&mut spec);
    crate::openapi::describe_parameters(&mut spec);
    spec.info.title = "podium".to_owned();
    spec.info.version = env!("CARGO_PKG_VERSION").to_owned();
    spec.info.contact = None;
    spec.info.license = Some(utoipa::openapi::License::new("MIT"));
    spec.info.description = Some(
        "Events and annual conferences: registrations, pitches, exhibits and calendar feeds."
            .to_owned(),
    );
    let components = spec.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
    );
    let app = app
        .service(SwaggerUi::new("/docs/{_:.*}").url("/api-docs/openapi.json", spec.clone()))
        .service(web::redirect("/docs", "/docs/"))
        .configure(crate::pages::config)
        .default_service(web::to(not_found));
    (app, spec)
}

/// CORS for the configured origins (`*` for any); off when none are configured.
fn cors(origins: Option<&str>) -> middleware::Condition<actix_cors::Cors> {
    let Some(origins) = origins else {
        return middleware::Condition::new(false, actix_cors::Cors::default());
    };
    let mut cors = actix_cors::Cors::default()
        .allowed_methods(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::IF_MODIFIED_SINCE,
            header::HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::LAST_MODIFIED,
            header::RETRY_AFTER,
        ])
        .max_age(3600);
    for origin in origins.split(',').map(str::trim).filter(|o| !o.is_empty()) {
        cors = if origin == "*" {
            cors.allow_any_origin()
        } else {
            cors.allowed_origin(origin)
        };
    }
    middleware::Condition::new(true, cors)
}

/// Refuses to start with an origin CORS could not use.
fn check_cors_origins(origins: Option<&str>) -> anyhow::Result<()> {
    for origin in origins.unwrap_or_default().split(',').map(str::trim) {
        if origin.is_empty() || origin == "*" {
            continue;
        }
        let ok = url::Url::parse(origin).is_ok_and(|u| {
            matches!(u.scheme(), "http" | "https") && u.path() == "/" && !origin.ends_with('/')
        });
        anyhow::ensure!(
            ok,
            "PODIUM_CORS_ORIGINS: '{origin}' is not an origin like https://cluster.example"
        );
    }
    Ok(())
}

/// A route as the OpenAPI document lists it.
pub struct Route {
    pub template: String,
    pub methods: Vec<Method>,
    /// `HEAD` is answered by the `GET` handler (the route declares no `HEAD` of its own).
    pub head_via_get: bool,
}

fn route_table(spec: &utoipa::openapi::OpenApi) -> Vec<Route> {
    spec.paths
        .paths
        .iter()
        .map(|(path, item)| {
            let mut methods = Vec::new();
            let ops = [
                (Method::GET, &item.get),
                (Method::HEAD, &item.head),
                (Method::POST, &item.post),
                (Method::PUT, &item.put),
                (Method::PATCH, &item.patch),
                (Method::DELETE, &item.delete),
            ];
            for (method, op) in ops {
                if op.is_some() {
                    methods.push(method);
                }
            }
            let head_via_get = item.get.is_some() && item.head.is_none();
            if head_via_get {
                methods.insert(1, Method::HEAD);
            }
            Route {
                template: path.clone(),
                methods,
                head_via_get,
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
async fn not_found(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(method_not_allowed(&req)
        .unwrap_or_else(|| ApiError::NotFound(format!("no resource at {}", req.path()))))
}
