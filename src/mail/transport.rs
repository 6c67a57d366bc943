//! The way out: SMTP (plain, STARTTLS or implicit TLS) from `SMTP_URL`, or `.eml` files on disk,
//! and the MIME message built from an outbox row.
use anyhow::{anyhow, bail, Context};
use entity::outbox;
use lettre::{
    message::{
        header::{ContentType, HeaderName, HeaderValue},
        Attachment, Mailbox, MultiPart, SinglePart,
    },
    transport::smtp::{
        authentication::Credentials,
        client::{Tls, TlsParameters},
    },
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};

use super::MailSettings;

/// Connecting to the SMTP server. lettre's async transport applies its timeout only to the
/// TCP connect; the greeting and every later step are bounded by the worker's deadline for the
/// whole send ([`MailSettings::send_timeout`]).
pub(crate) const SMTP_CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Why a message was not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    /// The server refused for good (an SMTP 5xx reply, RFC 5321 §4.2.1) or the message cannot
    /// be built: trying again will not help.
    pub permanent: bool,
    /// What went wrong, as the transport says it (it may quote the recipient's address).
    pub message: String,
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Sends finished messages; cheap to clone (the SMTP variant shares its connection pool).
#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Smtp(_) => f.write_str("Mailer::Smtp"),
            Self::File(_) => f.write_str("Mailer::File"),
        }
    }
}

impl Mailer {
    /// Builds the transport (inside a Tokio runtime: the SMTP pool spawns a task); a malformed `SMTP_URL` or an unusable mail directory is an error
    /// here, when the app starts, rather than on the first mail.
    pub fn from_settings(settings: &MailSettings) -> anyhow::Result<Self> {
        match settings
            .smtp_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
        {
            Some(url) => Ok(Self::Smtp(smtp_transport(url)?)),
            None => {
                std::fs::create_dir_all(&settings.mail_dir).with_context(|| {
                    format!(
                        "cannot create the mail directory {}",
                        settings.mail_dir.display()
                    )
                })?;
                Ok(Self::File(AsyncFileTransport::new(&settings.mail_dir)))
            }
        }
    }

    /// Sends one message. An SMTP 5xx reply is a permanent [`SendError`]; 4xx replies, refused
    /// or broken connections and file errors are temporary. Not bounded in time by itself: see
    /// [`MailSettings::send_timeout`].
    pub async fn send(&self, message: Message) -> Result<(), SendError> {
        match self {
            Self::Smtp(t) => t.send(message).await.map(drop).map_err(|e| SendError {
                permanent: e.is_permanent(),
                message: e.to_string(),
            }),
            Self::File(t) => t.send(message).await.map(drop).map_err(|e| SendError {
                permanent: false,
                message: e.to_string(),
            }),
        }
    }
}

/// `smtp://host[:port]` (plain), `smtp://…?tls=required` (STARTTLS), `smtp://…?tls=opportunistic`,
/// `smtps://…` (implicit TLS); `user:pass@` is percent-decoded.
fn smtp_transport(raw: &str) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
    // Never echo the URL itself: it may hold a password.
    let url = url::Url::parse(raw).map_err(|e| anyhow!("SMTP_URL is not a valid URL: {e}"))?;
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| anyhow!("SMTP_URL has no host"))?
        .trim_matches(|c| c == '[' || c == ']')
        .to_owned();
    let tls_mode = url
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.into_owned());
    if let Some((k, _)) = url.query_pairs().find(|(k, _)| k != "tls") {
        bail!("SMTP_URL has an unknown parameter `{k}` (only `tls` is understood)");
    }
    let tls_params = || {
        TlsParameters::new(host.clone())
            .map_err(|e| anyhow!("SMTP_URL: cannot set up TLS for the host: {e}"))
    };
    let (tls, default_port) = match (url.scheme(), tls_mode.as_deref()) {
        ("smtp", None | Some("none")) => (Tls::None, 25),
        ("smtp", Some("required")) => (Tls::Required(tls_params()?), 587),
        ("smtp", Some("opportunistic")) => (Tls::Opportunistic(tls_params()?), 587),
        ("smtps", None | Some("wrapper") | Some("implicit")) => (Tls::Wrapper(tls_params()?), 465),
        ("smtp" | "smtps", Some(other)) => bail!(
            "SMTP_URL: unknown tls mode `{other}` (use `required` or `opportunistic` with smtp://, or smtps://)"
        ),
        (scheme, _) => bail!("SMTP_URL: unknown scheme `{scheme}` (use smtp:// or smtps://)"),
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        .port(url.port().unwrap_or(default_port))
        .timeout(Some(SMTP_CONNECT_TIMEOUT))
        .tls(tls);
    if !url.username().is_empty() || url.password().is_some() {
        let decode = |s: &str| {
            percent_decode(s).ok_or_else(|| {
                anyhow!("SMTP_URL: the credentials are not valid percent-encoded UTF-8")
            })
        };
        let user = decode(url.username())?;
        let pass = decode(url.password().unwrap_or_default())?;
        builder = builder.credentials(Credentials::new(user, pass));
    }
    Ok(builder.build())
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The headers of one send that the outbox row does not hold; derived when the mail is sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendHeaders {
    /// `<id@domain>`, the domain of `MAIL_FROM`; the first mail about a record has the
    /// thread's root as its own.
    pub message_id: String,
    /// `<record-id@domain>` on every later mail about the same registration, pitch or exhibit
    /// (`In-Reply-To` and `References`), so that they thread.
    pub thread_root: Option<String>,
    /// An announcement's one-click link to leave the event's announcements.
    pub unsubscribe: Option<String>,
}

/// The MIME message for an outbox row: text and HTML as alternatives, plus `invite.ics` when
/// the row carries a calendar. With a check-in code, the HTML and the code's QR picture form a
/// `multipart/related` part (RFC 2387), the picture named by its Content-ID (RFC 2392):
///
/// ```text
/// multipart/mixed
/// ├── multipart/alternative
/// │   ├── text/plain
/// │   └── multipart/related          (only with a check-in code)
/// │       ├── text/html              <img src="cid:check-in-qr@podium">
/// │       └── image/png              Content-ID: <check-in-qr@podium>, inline
/// └── text/calendar  invite.ics      (only with a calendar)
/// ```
///
/// The record's manage links and check-in code are derived here from the row's placeholders
/// ([`super::secrets`]). Every mail is marked `Auto-Submitted: auto-generated` (RFC 3834 §5:
/// no automatic answers, vacation replies included) with `X-Auto-Response-Suppress: All`
/// (Exchange's equivalent); `headers` give the Message-ID, the thread (`In-Reply-To` and
/// `References`, RFC 5322 §3.6.4) and an announcement's `List-Unsubscribe` with
/// `List-Unsubscribe-Post` (RFC 2369, RFC 8058 one-click).
pub fn build_message(
    row: &outbox::Model,
    from: &str,
    headers: &SendHeaders,
) -> anyhow::Result<Message> {
    let from: Mailbox = from.parse().context("MAIL_FROM is not a valid mailbox")?;
    let reveal = |text: &str| match row.record_id {
        Some(record) => super::secrets::reveal(text, record),
        None => text.to_owned(),
    };
    let (text_body, html_body) = (reveal(&row.text_body), reveal(&row.html_body));
    let ics_body = row.ics.as_deref().map(reveal);
    let check_in_code = super::secrets::reveal_code(row.check_in_code.as_deref(), row.record_id);
    let to_address = row
        .recipient
        .parse()
        .context("the recipient address is invalid")?;
    let to_name = Some(row.recipient_name.trim().to_owned()).filter(|n| !n.is_empty());
    let to = Mailbox::new(to_name, to_address);
    let raw = |name: &'static str, value: &str| {
        HeaderValue::new(HeaderName::new_from_ascii_str(name), value.to_owned())
    };
    let mut builder = Message::builder()
        .message_id(Some(headers.message_id.clone()))
        .from(from)
        .to(to)
        .subject(reveal(&row.subject))
        .raw_header(raw("Auto-Submitted", "auto-generated"))
        .raw_header(raw("X-Auto-Response-Suppress", "All"));
    if let Some(root) = &headers.thread_root {
        builder = builder.in_reply_to(root.clone()).references(root.clone());
    }
    if let Some(url) = &headers.unsubscribe {
        builder = builder
            .raw_header(raw("List-Unsubscribe", &format!("<{url}>")))
            .raw_header(raw("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"));
    }
    // Answers go to the event's organiser; a value that no longer parses is left out.
    if let Some(reply_to) = row
        .reply_to
        .as_deref()
        .and_then(|r| r.parse::<Mailbox>().ok())
    {
        builder = builder.reply_to(reply_to);
    }
    let alternative = match check_in_code.as_deref().map(super::qr::png) {
        None => MultiPart::alternative_plain_html(text_body, html_body),
        Some(picture) => {
            let html = SinglePart::html(html_body);
            let html = match picture {
                Ok(png) => MultiPart::related().singlepart(html).singlepart(
                    Attachment::new_inline(super::qr::CONTENT_ID.to_owned())
                        .body(png, ContentType::parse("image/png")?),
                ),
                // The code is in the text too: better a mail without its picture than none.
                Err(error) => {
                    tracing::warn!(mail_id = %row.id, %error, "the check-in QR code could not be drawn");
                    MultiPart::related().singlepart(html)
                }
            };
            MultiPart::alternative()
                .singlepart(SinglePart::plain(text_body))
                .multipart(html)
        }
    };
    let message = match ics_body {
        Some(ics) => {
            let method = row.ics_method.as_deref().unwrap_or("PUBLISH");
            if !method
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
            {
                bail!("invalid iCalendar method");
            }
            let content_type =
                ContentType::parse(&format!("text/calendar; charset=utf-8; method={method}"))
                    .context("invalid iCalendar content type")?;
            builder.multipart(
                MultiPart::mixed()
                    .multipart(alternative)
                    .singlepart(Attachment::new("invite.ics".to_owned()).body(ics, content_type)),
            )
        }
        None => builder.multipart(alternative),
    };
    message.context("cannot build the message")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(url: &str) -> MailSettings {
        MailSettings {
            smtp_url: Some(url.to_owned()),
            ..MailSettings::default()
        }
    }

    // The pooled SMTP transport spawns its pool task, so it needs a runtime.
    #[tokio::test]
    async fn the_documented_smtp_url_forms_are_accepted() {
        for url in [
            "smtp://127.0.0.1:2525",
            "smtp://mail.example.org:587?tls=required",
            "smtp://user:p%40ss@mail.example.org?tls=opportunistic",
            "smtps://user%40example.org:s%3Acret@mail.example.org:465",
            "smtps://mail.example.org",
        ] {
            let mailer = Mailer::from_settings(&settings(url));
            assert!(matches!(mailer, Ok(Mailer::Smtp(_))), "{url}: {mailer:?}");
        }
    }

    #[test]
    fn a_bad_smtp_url_is_a_clear_error_without_the_password() {
        for (url, expected) in [
            ("mail.example.org", "not a valid URL"),
            ("http://mail.example.org", "unknown scheme `http`"),
            (
                "smtp://u:hunter2@mail.example.org?tls=maybe",
                "unknown tls mode `maybe`",
            ),
            ("smtp://mail.example.org?foo=1", "unknown parameter `foo`"),
        ] {
            let err = Mailer::from_settings(&settings(url))
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{url}: {err}");
            assert!(!err.contains("hunter2"));
        }
    }

    #[test]
    fn credentials_are_percent_decoded() {
        assert_eq!(
            percent_decode("p%40ss%3Aw%C3%B6rd").as_deref(),
            Some("p@ss:wörd")
        );
        assert_eq!(percent_decode("bad%zz"), None);
    }
}
