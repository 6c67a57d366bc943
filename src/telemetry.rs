//! Structured logs: one line per request with its route pattern, status and request id, in text
//! for people or JSON for log shippers. Paths are logged as patterns, never as sent: they can
//! carry manage tokens.
use actix_web::{
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    Error, HttpMessage,
};
use std::io::IsTerminal;

use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};
use tracing_subscriber::{
    fmt::{self, format::FmtSpan},
    layer::SubscriberExt,
    util::SubscriberInitExt,
    EnvFilter,
};

/// Starts logging once; `RUST_LOG` overrides the default filter.
pub fn init(format: &str) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,tracing_actix_web=error"));
    let registry = tracing_subscriber::registry().with(filter);
    let result = if format == "json" {
        registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_span_events(FmtSpan::CLOSE),
            )
            .try_init()
    } else {
        registry
            .with(
                fmt::layer()
                    .with_ansi(std::io::stdout().is_terminal())
                    .with_span_events(FmtSpan::CLOSE),
            )
            .try_init()
    };
    // A second init (tests) keeps the first subscriber.
    let _ = result;
}

/// The root span of every request: method, route pattern, request id and status; no client
/// address, no path, no query: nothing personal.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let span = tracing::info_span!(
            "request",
            method = %request.method(),
            route = tracing::field::Empty,
            request_id = tracing::field::Empty,
            status = tracing::field::Empty,
            error = tracing::field::Empty,
        );
        // Filled in only when the span is logged: below `info` (`RUST_LOG=warn`) finding the
        // route and formatting the id were 7–10 % of a cached page's CPU for nothing.
        if !span.is_disabled() {
            let route = crate::http::routes::route_label(request.request());
            span.record("route", tracing::field::display(route));
            if let Some(id) = request.extensions().get::<RequestId>() {
                span.record("request_id", tracing::field::display(id));
            }
        }
        span
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let status = match outcome {
            Ok(response) => response.status(),
            Err(error) => error.as_response_error().status_code(),
        };
        span.record("status", status.as_u16());
        if status.is_server_error() {
            if let Ok(response) = outcome {
                if let Some(error) = response.response().error() {
                    span.record("error", tracing::field::display(error));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use actix_web::test::TestRequest;
    use tracing_actix_web::RootSpanBuilder;
    use tracing_subscriber::{fmt::format::FmtSpan, layer::SubscriberExt, EnvFilter};

    use super::RequestSpan;

    /// What the fmt layer writes, kept for the test to read.
    #[derive(Clone, Default)]
    struct Written(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Written {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("the buffer").extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// The request line that `RequestSpan` logs at its close, under `filter`.
    fn logged(filter: &str) -> String {
        let written = Written::default();
        let writer = written.clone();
        let subscriber = tracing_subscriber::registry()
            .with(EnvFilter::new(filter))
            .with(
                tracing_subscriber::fmt::layer()
                    .with_ansi(false)
                    .with_span_events(FmtSpan::CLOSE)
                    .with_writer(move || writer.clone()),
            );
        tracing::subscriber::with_default(subscriber, || {
            let request = TestRequest::get().uri("/somewhere").to_srv_request();
            let span = RequestSpan::on_request_start(&request);
            span.record("status", 200);
            drop(span);
        });
        let bytes = written.0.lock().expect("the buffer").clone();
        String::from_utf8(bytes).expect("UTF-8")
    }

    /// At `info` the request's line names its method, route and status (the route is
    /// `unmatched` here: a test request has no routes); below, nothing is written and the
    /// fields are never worked out.
    #[test]
    fn the_request_line_carries_its_fields_at_info_and_nothing_below() {
        let line = logged("info");
        assert!(
            line.contains("request{method=GET route=unmatched"),
            "{line}"
        );
        assert!(line.contains("status=200"), "{line}");
        assert!(
            !line.contains("somewhere"),
            "paths are never logged: {line}"
        );
        assert_eq!(logged("warn"), "");
    }
}
