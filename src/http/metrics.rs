//! Prometheus metrics (requests and latency by route and status, the mail outbox) and the
//! `X-Request-Id` header.
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use actix_web::{
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::{
        header::{HeaderName, HeaderValue},
        Method,
    },
    middleware::Next,
    Error, HttpMessage, HttpRequest,
};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tokio_util::sync::CancellationToken;
use tracing_actix_web::RequestId;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process-wide recorder; installed on first use (several apps in one test process share it).
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(&[
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ])
            .map(|b| b.build_recorder())
            .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
        let handle = recorder.handle();
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// How often recorded latencies are folded into the histograms' buckets.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Folds recorded latencies into the histograms' buckets every few seconds until shutdown.
/// The exporter keeps every observation until then (or until `/metrics` is scraped): a
/// podium that nobody scraped grew by 16 bytes a request, 1 MiB every 5 s under load.
pub async fn upkeep(shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(UPKEEP_EVERY);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = tick.tick() => handle().run_upkeep(),
        }
    }
}

/// The series of one method, route template and status: `http_requests_total` and
/// `http_request_duration_seconds`.
#[derive(Clone)]
struct Series {
    requests: metrics::Counter,
    duration: metrics::Histogram,
}

/// `(method, route template, status)` of a request's series.
type SeriesKey = (Method, Rc<str>, u16);

/// Series each worker thread keeps at hand; past that it starts over.
const KEPT_SERIES: usize = 1024;

thread_local! {
    /// The series by their labels, per worker thread: registering a series looks its labels
    /// up in the recorder's map (allocating them first), 2–3 % of a cached page's CPU; the
    /// handles it returns stay valid, so each worker asks once per series. Hashed with
    /// foldhash instead of the standard SipHash.
    static SERIES: RefCell<HashMap<SeriesKey, Series, foldhash::fast::RandomState>> =
        RefCell::default();
}

/// The series of `key`, registered with the recorder the first time this thread sees it.
fn series(key: SeriesKey) -> Series {
    SERIES.with_borrow_mut(|kept| {
        if let Some(series) = kept.get(&key) {
            return series.clone();
        }
        let (method, route, status) = &key;
        let labels = [
            ("method", method.to_string()),
            ("route", route.to_string()),
            ("status", status.to_string()),
        ];
        let series = Series {
            requests: metrics::counter!("http_requests_total", &labels),
            duration: metrics::histogram!("http_request_duration_seconds", &labels),
        };
        if kept.len() >= KEPT_SERIES {
            kept.clear();
        }
        kept.insert(key, series.clone());
        series
    })
}

/// The `method` label: one of the methods of RFC 9110 §9 (and `PATCH`), else `OTHER`. A client
/// may send any token as a method, and each label value is a series the recorder keeps until
/// the process ends: one per made-up method would let a client grow podium's memory at will.
fn method_label(method: &Method) -> Method {
    const KNOWN: [Method; 9] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
        Method::TRACE,
        Method::CONNECT,
    ];
    if KNOWN.contains(method) {
        method.clone()
    } else {
        // Five bytes are kept inline: no allocation. `from_bytes` accepts any token.
        Method::from_bytes(b"OTHER").unwrap_or(Method::GET)
    }
}

/// Middleware: counts every answer and records its latency by method ([`method_label`]),
/// route template (or `unmatched`) and status, and sends the request's id as `X-Request-Id`.
pub async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let method = method_label(req.method());
    let request_id = req.extensions().get::<RequestId>().map(|id| **id);
    let mut response = next.call(req).await?;
    if let Some(id) = request_id {
        let mut text = uuid::Uuid::encode_buffer();
        let text = id.hyphenated().encode_lower(&mut text);
        if let Ok(value) = HeaderValue::from_str(text) {
            response
                .headers_mut()
                .insert(HeaderName::from_static("x-request-id"), value);
        }
    }
    let route = super::routes::route_label(response.request());
    let series = series((method, route, response.status().as_u16()));
    series.requests.increment(1);
    series.duration.record(started.elapsed().as_secs_f64());
    Ok(response)
}

/// `GET /metrics`: the process's counters and histograms, then the mail outbox's state read
/// from the database at scrape time (so every instance sharing a database reports the same).
///
/// With `PODIUM_METRICS_TOKEN` set, the request needs `Authorization: Bearer <token>` (401
/// otherwise); unset, `/metrics` is open, as Prometheus scrapers expect by default.
///
/// Mail series:
/// - `podium_mail_queued` (gauge): mails waiting to be sent, due or scheduled for a retry;
/// - `podium_mail_failed` (gauge): mails given up on (an admin may retry them);
/// - `podium_mail_oldest_due_age_seconds` (gauge): how long the oldest due mail has waited
///   past its due time, 0 when none is due — the alert for a mail server that does not answer;
/// - `podium_mail_sent_total`, `podium_mail_failures_total` (failed attempts),
///   `podium_mail_failed_total` (mails given up on): counters of this process.
pub async fn render(
    state: &crate::state::AppState,
    req: &HttpRequest,
) -> Result<actix_web::HttpResponse, crate::error::ApiError> {
    use secrecy::ExposeSecret;
    if let Some(expected) = &state.settings.metrics_token {
        let given = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map_or("", |(_, token)| token.trim());
        // Compared as digests: the time taken says nothing about the expected token.
        if crate::auth::hash_token(given) != crate::auth::hash_token(expected.expose_secret()) {
            return Err(crate::error::ApiError::Unauthorized);
        }
    }
    for counter in [
        "podium_mail_sent_total",
        "podium_mail_failures_total",
        "podium_mail_failed_total",
    ] {
        // Shown from the start, at 0, rather than from the first mail on.
        metrics::counter!(counter).increment(0);
    }
    let mut body = handle().render();
    body.push_str(&mail_gauges(&state.db).await?);
    Ok(actix_web::HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body))
}

/// The outbox's gauges in Prometheus text format; each is one index range on
/// `idx_outbox_status_next` (status, next_attempt_at).
async fn mail_gauges(db: &sea_orm::DatabaseConnection) -> Result<String, sea_orm::DbErr> {
    use entity::outbox::{self, OutboxStatus};
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
    let queued = outbox::Entity::find()
        .filter(outbox::Column::Status.eq(OutboxStatus::Pending))
        .count(db)
        .await?;
    let failed = outbox::Entity::find()
        .filter(outbox::Column::Status.eq(OutboxStatus::Failed))
        .count(db)
        .await?;
    let now = chrono::Utc::now();
    let oldest_due: Option<chrono::DateTime<chrono::Utc>> = outbox::Entity::find()
        .select_only()
        .column(outbox::Column::NextAttemptAt)
        .filter(outbox::Column::Status.eq(OutboxStatus::Pending))
        .filter(outbox::Column::NextAttemptAt.lte(now))
        .order_by_asc(outbox::Column::NextAttemptAt)
        .limit(1)
        .into_tuple()
        .one(db)
        .await?;
    let age = oldest_due.map_or(0.0, |due| {
        (now - due).num_milliseconds().max(0) as f64 / 1000.0
    });
    Ok(format!(
        "# HELP podium_mail_queued Mails waiting to be sent (due now or scheduled for a retry).\n\
         # TYPE podium_mail_queued gauge\n\
         podium_mail_queued {queued}\n\
         # HELP podium_mail_failed Mails given up on after their last attempt.\n\
         # TYPE podium_mail_failed gauge\n\
         podium_mail_failed {failed}\n\
         # HELP podium_mail_oldest_due_age_seconds How long the oldest due mail has waited past its due time.\n\
         # TYPE podium_mail_oldest_due_age_seconds gauge\n\
         podium_mail_oldest_due_age_seconds {age}\n"
    ))
}
