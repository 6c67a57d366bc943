//! A real SMTP server inside the test process (mailin-embedded), collecting what it receives.
//!
//! Self-contained: include it with `mod smtp_server;` (or `#[path = "api/smtp_server.rs"]`).
//! The server thread lives until the test process ends; each test starts its own on a free port.
#![allow(dead_code)]

use std::{
    io,
    net::{IpAddr, TcpListener},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use mailin_embedded::{response, Handler, Response, Server};
use mailparse::{MailHeaderMap, ParsedMail};

/// One message as the server received it.
#[derive(Clone, Debug)]
pub struct ReceivedMail {
    /// The envelope sender (`MAIL FROM`).
    pub from: String,
    /// The envelope recipients (`RCPT TO`).
    pub to: Vec<String>,
    /// The message as sent, headers and body.
    pub raw: Vec<u8>,
}

impl ReceivedMail {
    fn parsed(&self) -> ParsedMail<'_> {
        mailparse::parse_mail(&self.raw).expect("the received mail parses")
    }

    /// A decoded top-level header, e.g. `header("Message-ID")`.
    pub fn header(&self, name: &str) -> Option<String> {
        self.parsed().headers.get_first_value(name)
    }

    pub fn subject(&self) -> String {
        self.header("Subject").unwrap_or_default()
    }

    /// The decoded body of the first part of this MIME type (`text/plain`, `text/calendar`…).
    pub fn part(&self, mimetype: &str) -> Option<String> {
        let parsed = self.parsed();
        find(&parsed, mimetype).map(|p| p.get_body().expect("the part decodes"))
    }

    /// The full `Content-Type` header value of the first part of this MIME type.
    pub fn part_content_type(&self, mimetype: &str) -> Option<String> {
        let parsed = self.parsed();
        find(&parsed, mimetype).and_then(|p| p.headers.get_first_value("Content-Type"))
    }

    /// The attachment file name of the first part of this MIME type.
    pub fn part_filename(&self, mimetype: &str) -> Option<String> {
        let parsed = self.parsed();
        find(&parsed, mimetype)
            .and_then(|p| p.get_content_disposition().params.get("filename").cloned())
    }

    pub fn text(&self) -> Option<String> {
        self.part("text/plain")
    }

    pub fn html(&self) -> Option<String> {
        self.part("text/html")
    }

    /// The iCalendar attachment, if any.
    pub fn ics(&self) -> Option<String> {
        self.part("text/calendar")
    }

    /// The MIME types of all leaf parts, in order.
    pub fn mimetypes(&self) -> Vec<String> {
        fn walk(p: &ParsedMail<'_>, out: &mut Vec<String>) {
            if p.subparts.is_empty() {
                out.push(p.ctype.mimetype.clone());
            }
            for s in &p.subparts {
                walk(s, out);
            }
        }
        let mut out = Vec::new();
        walk(&self.parsed(), &mut out);
        out
    }
}

fn find<'a>(p: &'a ParsedMail<'a>, mimetype: &str) -> Option<&'a ParsedMail<'a>> {
    if p.subparts.is_empty() && p.ctype.mimetype.eq_ignore_ascii_case(mimetype) {
        return Some(p);
    }
    p.subparts.iter().find_map(|s| find(s, mimetype))
}

/// A running SMTP server on `127.0.0.1:port`, without TLS or authentication.
pub struct TestSmtp {
    pub port: u16,
    received: Arc<Mutex<Vec<ReceivedMail>>>,
    /// How long the server takes over each message's end of `DATA` (milliseconds, 0 at first).
    delay_ms: Arc<std::sync::atomic::AtomicU64>,
}

impl TestSmtp {
    /// Starts a server on a free port.
    pub fn start() -> Self {
        Self::serve(TcpListener::bind("127.0.0.1:0").expect("bind a free port"))
    }

    /// Starts a server on a given port, e.g. one a test first left closed.
    pub fn start_on(port: u16) -> Self {
        Self::serve(TcpListener::bind(("127.0.0.1", port)).expect("bind the requested port"))
    }

    /// A port nobody listens on (right now): for "the mail server is down".
    pub fn closed_port() -> u16 {
        TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    /// `smtp://127.0.0.1:PORT`, the value for `SMTP_URL`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn serve(listener: TcpListener) -> Self {
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let delay_ms = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let handler = Collector {
            received: received.clone(),
            delay_ms: delay_ms.clone(),
            ..Collector::default()
        };
        let mut server = Server::new(handler);
        // Pooled clients keep connections open, each holds a thread.
        server
            .with_name("test-smtp")
            .with_num_threads(16)
            .with_tcp_listener(listener);
        std::thread::Builder::new()
            .name(format!("test-smtp-{port}"))
            .spawn(move || {
                let _ = server.serve();
            })
            .expect("spawn the SMTP server thread");
        Self {
            port,
            received,
            delay_ms,
        }
    }

    /// Makes the server take `delay` over each message from now on (a slow mail server), the
    /// message counting as received before its reply is sent.
    pub fn set_delay(&self, delay: Duration) {
        self.delay_ms.store(
            delay.as_millis() as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    /// Everything received so far.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until at least `n` messages arrived or `timeout` passed; returns what arrived.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = Instant::now() + timeout;
        loop {
            let messages = self.messages();
            if messages.len() >= n || Instant::now() >= deadline {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Cloned per connection by mailin; one connection may carry several messages.
#[derive(Clone, Default)]
struct Collector {
    received: Arc<Mutex<Vec<ReceivedMail>>>,
    delay_ms: Arc<std::sync::atomic::AtomicU64>,
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Collector {
    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.from = from.to_owned();
        self.to = to.to_vec();
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let mail = ReceivedMail {
            from: std::mem::take(&mut self.from),
            to: std::mem::take(&mut self.to),
            raw: std::mem::take(&mut self.data),
        };
        self.received.lock().unwrap().push(mail);
        let delay = self.delay_ms.load(std::sync::atomic::Ordering::Relaxed);
        if delay > 0 {
            std::thread::sleep(Duration::from_millis(delay));
        }
        response::OK
    }

    fn helo(&mut self, _ip: IpAddr, _domain: &str) -> Response {
        response::OK
    }
}
