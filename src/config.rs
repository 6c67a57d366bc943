//! Settings from flags and the environment: the only place that reads `std::env`.
//!
//! Secrets (the database and SMTP URLs, which carry passwords, and the metrics token) are held
//! as [`SecretString`]: `Debug` prints `[REDACTED]`, and reading them takes an explicit
//! `expose_secret()`.
use std::{net::SocketAddr, path::PathBuf, time::Duration};

use anyhow::Context;
use clap::Args;
use secrecy::{ExposeSecret, SecretSlice, SecretString};

/// The default database: an SQLite file in the working directory, created on first use.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://podium.db?mode=rwc";

/// Reads a secret flag or variable (clap needs a parser: `SecretString` has no `FromStr`).
pub fn secret(value: &str) -> Result<SecretString, std::convert::Infallible> {
    Ok(SecretString::from(value))
}

/// Where the database is, for the commands that open it without serving.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Database: `sqlite://FILE?mode=rwc` (embedded) or `postgres://user:pass@host/db`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = DEFAULT_DATABASE_URL,
        hide_env_values = true,
        hide_default_value = true,
        value_parser = secret,
    )]
    pub database_url: SecretString,

    /// Log lines as `text` or `json`.
    #[arg(long, env = "PODIUM_LOG_FORMAT", default_value = "text")]
    pub log_format: String,
}

/// Everything `podium serve` needs, from flags or environment variables.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Address to listen on.
    #[arg(long, env = "PODIUM_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Database: `sqlite://FILE?mode=rwc` (embedded, the default `sqlite://podium.db?mode=rwc`)
    /// or `postgres://user:pass@host/db`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = DEFAULT_DATABASE_URL,
        hide_env_values = true,
        hide_default_value = true,
        value_parser = secret,
    )]
    pub database_url: SecretString,

    /// Base URL for links in mails, feeds and pages; defaults to `http://<bind>`.
    #[arg(long, env = "PODIUM_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// `smtp://host:port`, `smtp://user:pass@host:587?tls=required` or
    /// `smtps://user:pass@host:465`; unset: mails are written as `.eml` files to --mail-dir.
    #[arg(long, env = "SMTP_URL", hide_env_values = true, value_parser = secret)]
    pub smtp_url: Option<SecretString>,

    /// Where mails go as `.eml` files when no SMTP server is configured.
    #[arg(long, env = "PODIUM_MAIL_DIR", default_value = "./mail-outbox")]
    pub mail_dir: PathBuf,

    /// Sender of every mail, e.g. `Tagungsbüro <tagung@example.org>`; default: `podium
    /// <podium@HOST>` for the host of `PODIUM_PUBLIC_URL`, else `podium <noreply@localhost>`.
    #[arg(long, env = "MAIL_FROM", default_value = "podium <noreply@localhost>")]
    pub mail_from: String,

    /// Attempts before a mail is marked failed (an admin may retry it).
    #[arg(long, env = "PODIUM_MAIL_MAX_ATTEMPTS", default_value_t = 10)]
    pub mail_max_attempts: i32,

    /// How often the mail worker looks for due mail, in milliseconds.
    #[arg(long, env = "PODIUM_MAIL_POLL_MS", default_value_t = 1000)]
    pub mail_poll_ms: u64,

    /// The longest one mail may take to send (connect, greeting, every SMTP step), in
    /// milliseconds; past it the attempt fails and is retried.
    #[arg(long, env = "PODIUM_MAIL_SEND_TIMEOUT_MS", default_value_t = 30_000)]
    pub mail_send_timeout_ms: u64,

    /// Public `POST`s per minute per client address; `0` turns the limit off.
    #[arg(long, env = "PODIUM_RATE_LIMIT", default_value_t = 60)]
    pub rate_limit: u32,

    /// Public pitch and exhibit submissions per hour per client address (each one mails the
    /// address it names); `0` turns the limit off.
    #[arg(long, env = "PODIUM_SUBMISSION_LIMIT", default_value_t = 10)]
    pub submission_limit: u32,

    /// A header set by a trusted reverse proxy with the client address (e.g. `X-Forwarded-For`).
    #[arg(long, env = "PODIUM_TRUSTED_PROXY_HEADER")]
    pub trusted_proxy_header: Option<String>,

    /// Origins allowed by CORS, comma-separated; unset: CORS is off.
    #[arg(long, env = "PODIUM_CORS_ORIGINS")]
    pub cors_origins: Option<String>,

    /// Largest database connection pool; on SQLite at most twice the CPUs (at least 4).
    #[arg(long, env = "PODIUM_DB_MAX_CONNECTIONS", default_value_t = 16)]
    pub db_max_connections: u32,

    /// A bearer token `/metrics` requires (`Authorization: Bearer <token>`); unset: open.
    #[arg(long, env = "PODIUM_METRICS_TOKEN", hide_env_values = true, value_parser = secret)]
    pub metrics_token: Option<SecretString>,

    /// The server secret that manage links are derived from (HMAC-SHA256): the secret itself
    /// (at least 32 characters), or a path (starting with `/` or `.`) of a file holding it,
    /// created (mode 0600) on the first start if it does not exist. Unset on SQLite: kept in
    /// `<database file>.secret`. Unset on PostgreSQL: kept in the database (table
    /// `server_secrets`), which every instance shares; a database dump then carries the key to
    /// every manage link, so production sets it (the same value on each instance).
    #[arg(long, env = "PODIUM_SECRET", hide_env_values = true, value_parser = secret)]
    pub secret: Option<SecretString>,

    /// Days a sent mail keeps its text (names, links) before only its outbox record stays.
    #[arg(long, env = "PODIUM_MAIL_RETENTION_DAYS", default_value_t = 30)]
    pub mail_retention_days: u32,

    /// `1` (or `true`) lets webhook deliveries go to loopback, private and link-local
    /// addresses, and endpoints use plain `http`; off by default (every delivery's address is
    /// checked when it is sent).
    #[arg(
        long,
        env = "PODIUM_WEBHOOK_ALLOW_PRIVATE",
        default_value_t = false,
        action = clap::ArgAction::Set,
        value_parser = clap::builder::BoolishValueParser::new(),
    )]
    pub webhook_allow_private: bool,

    /// The wait after a webhook delivery's first failed attempt, in milliseconds; it doubles
    /// with each further failure, up to six hours, for three days.
    #[arg(long, env = "PODIUM_WEBHOOK_RETRY_BASE_MS", default_value_t = 30_000)]
    pub webhook_retry_base_ms: u64,

    /// Failed webhook attempts in a row (over at least a day) after which an endpoint is
    /// paused and its owner mailed.
    #[arg(long, env = "PODIUM_WEBHOOK_PAUSE_AFTER", default_value_t = 20)]
    pub webhook_pause_after: i32,

    /// Hours since an endpoint's last successful delivery (or its creation) before
    /// `webhook_pause_after` failures in a row pause it.
    #[arg(long, env = "PODIUM_WEBHOOK_PAUSE_HOURS", default_value_t = 24)]
    pub webhook_pause_hours: u32,

    /// How often the webhook worker looks for due deliveries, in milliseconds.
    #[arg(long, env = "PODIUM_WEBHOOK_POLL_MS", default_value_t = 1000)]
    pub webhook_poll_ms: u64,

    /// Log lines as `text` or `json`.
    #[arg(long, env = "PODIUM_LOG_FORMAT", default_value = "text")]
    pub log_format: String,
}

impl Settings {
    /// How the webhook worker sends and retries.
    pub fn webhooks(&self) -> crate::webhooks::worker::WebhookSettings {
        crate::webhooks::worker::WebhookSettings {
            allow_private: self.webhook_allow_private,
            poll_interval: Duration::from_millis(self.webhook_poll_ms.max(10)),
            retry_base: Duration::from_millis(self.webhook_retry_base_ms.max(10)),
            pause_after: self.webhook_pause_after.max(1),
            pause_window: chrono::TimeDelta::hours(i64::from(self.webhook_pause_hours)),
        }
    }

    /// The base URL links in mails and feeds start with, without a trailing slash.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.bind),
        }
    }

    /// The database for the start-up log: its kind and where it is (the SQLite file, or the
    /// PostgreSQL server's host, port and database name), never its user or password.
    pub fn database_description(&self) -> String {
        let url = self.database_url.expose_secret();
        if let Some(rest) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            let file = rest.split('?').next().unwrap_or_default();
            return format!("SQLite ({file})");
        }
        match url::Url::parse(url) {
            Ok(parsed) if parsed.scheme().starts_with("postgres") => format!(
                "PostgreSQL ({}:{}{})",
                parsed.host_str().unwrap_or("?"),
                parsed.port().unwrap_or(5432),
                parsed.path()
            ),
            Ok(parsed) => format!("{} database", parsed.scheme()),
            Err(_) => "a database whose URL does not parse".to_owned(),
        }
    }

    /// A warning for the start-up log when podium listens on every interface (`0.0.0.0`, `::`)
    /// but its links point at an address no other machine can reach: the public URL's host is
    /// unspecified or loopback (`0.0.0.0`, `::`, `127.0.0.0/8`, `::1`, `localhost`), as it is
    /// when `PODIUM_PUBLIC_URL` is unset in a container. `None` when nothing is amiss.
    pub fn public_url_warning(&self) -> Option<String> {
        if !self.bind.ip().is_unspecified() {
            return None;
        }
        let public = self.public_url();
        let host = url::Url::parse(&public).ok()?.host()?.to_owned();
        let unreachable = match host {
            url::Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
            url::Host::Ipv4(ip) => ip.is_unspecified() || ip.is_loopback(),
            url::Host::Ipv6(ip) => ip.is_unspecified() || ip.is_loopback(),
        };
        unreachable.then(|| {
            format!(
                "listening on {} but links in mails, feeds and pages start with {public}, \
                 which other machines cannot reach: set PODIUM_PUBLIC_URL (--public-url) to \
                 the address people use",
                self.bind
            )
        })
    }

    /// The database URL, password included: only for opening connections.
    pub fn database_url(&self) -> &str {
        self.database_url.expose_secret()
    }

    /// How mail leaves: the SMTP URL (password included) goes to the mail transport only.
    pub fn mail(&self) -> crate::mail::MailSettings {
        crate::mail::MailSettings {
            smtp_url: self
                .smtp_url
                .as_ref()
                .map(|url| url.expose_secret().to_owned()),
            mail_dir: self.mail_dir.clone(),
            from: self.sender(),
            public_url: self.public_url(),
            max_attempts: self.mail_max_attempts.max(1),
            poll_interval: Duration::from_millis(self.mail_poll_ms.max(10)),
            send_timeout: Duration::from_millis(self.mail_send_timeout_ms.max(100)),
        }
    }

    /// Where mail goes, for the start-up log: the SMTP server's host and port (never its user
    /// or password) or the directory of `.eml` files.
    pub fn mail_destination(&self) -> String {
        match &self.smtp_url {
            None => format!(
                "mail is written as .eml files to {}",
                self.mail_dir.display()
            ),
            Some(url) => match url::Url::parse(url.expose_secret()) {
                Ok(url) => format!(
                    "mail is sent by SMTP to {}:{} ({})",
                    url.host_str().unwrap_or("?"),
                    url.port()
                        .map_or_else(|| "default port".to_owned(), |p| p.to_string()),
                    url.scheme()
                ),
                Err(_) => "mail is sent by SMTP (the URL does not parse)".to_owned(),
            },
        }
    }

    /// The server secret (see [`Settings::secret`]): from the setting, else beside the SQLite
    /// file (created on the first start). `None` on PostgreSQL without the setting: the
    /// application then keeps it in the database (`db::shared_secret`).
    pub fn load_secret(&self) -> anyhow::Result<Option<SecretSlice<u8>>> {
        if let Some(given) = &self.secret {
            let given = given.expose_secret();
            if given.starts_with('/') || given.starts_with('.') {
                return read_or_create_secret(std::path::Path::new(given)).map(Some);
            }
            let value = given.trim().to_owned();
            anyhow::ensure!(
                value.len() >= 32,
                "PODIUM_SECRET must be at least 32 characters (or the path of a file holding them)"
            );
            return Ok(Some(SecretSlice::from(value.into_bytes())));
        }
        let url = self.database_url.expose_secret();
        let Some(rest) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        else {
            return Ok(None);
        };
        let file = rest.split('?').next().unwrap_or_default();
        if file.is_empty() || file.contains(":memory:") || rest.contains("mode=memory") {
            tracing::warn!("in-memory database: manage links derive from a secret of this run");
            return Ok(Some(SecretSlice::from(fresh_secret().into_bytes())));
        }
        let path = PathBuf::from(format!("{file}.secret"));
        read_or_create_secret(&path).map(Some)
    }

    /// The sender of every mail: `MAIL_FROM` when set; otherwise an address at the public URL's
    /// host (`podium <podium@tagung.example.org>`), since receiving servers refuse mail from
    /// `localhost`; `podium <noreply@localhost>` only when there is no public host name.
    pub fn sender(&self) -> String {
        const BUILT_IN: &str = "podium <noreply@localhost>";
        if self.mail_from != BUILT_IN {
            return self.mail_from.clone();
        }
        let host = self
            .public_url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
            .and_then(|u| match u.host() {
                Some(url::Host::Domain(d)) if d.contains('.') && d != "localhost" => {
                    Some(d.trim_start_matches("www.").to_owned())
                }
                _ => None,
            });
        match host {
            Some(host) => format!("podium <podium@{host}>"),
            None => BUILT_IN.to_owned(),
        }
    }

    /// Settings for tests and tools: defaults, with the given database.
    pub fn for_database(database_url: &str) -> Self {
        use clap::Parser;
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            settings: Settings,
        }
        let mut settings = Only::parse_from(["podium"]).settings;
        settings.database_url = SecretString::from(database_url);
        settings
    }
}

/// 256 random bits, hex.
pub fn fresh_secret() -> String {
    use rand::Rng;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The secret in `path`, or a new one written there readable by the owner only (0600).
fn read_or_create_secret(path: &std::path::Path) -> anyhow::Result<SecretSlice<u8>> {
    use std::io::Write;
    match std::fs::read_to_string(path) {
        Ok(text) if text.trim().len() >= 32 => {
            return Ok(SecretSlice::from(text.trim().as_bytes().to_vec()))
        }
        Ok(_) => anyhow::bail!(
            "{} holds no secret (fewer than 32 characters)",
            path.display()
        ),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => {
            return Err(err).with_context(|| format!("reading the secret {}", path.display()))
        }
    }
    let secret = fresh_secret();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(secret.as_bytes())
                .and_then(|()| file.sync_all())
                .with_context(|| format!("writing the secret {}", path.display()))?;
            tracing::info!(path = %path.display(), "created the server secret for manage links");
            Ok(SecretSlice::from(secret.into_bytes()))
        }
        // Another process created it first: use theirs.
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => read_or_create_secret(path),
        Err(err) => Err(err).with_context(|| format!("creating the secret {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_public_url_other_machines_cannot_reach_is_warned_of_when_listening_everywhere() {
        let mut settings = Settings::for_database("sqlite://podium.db?mode=rwc");
        settings.bind = "0.0.0.0:8080".parse().unwrap();
        assert!(
            settings.public_url_warning().is_some(),
            "unset: http://0.0.0.0:8080"
        );
        for url in [
            "http://localhost:8080",
            "http://127.0.0.1",
            "http://[::1]:80",
            "http://[::]",
        ] {
            settings.public_url = Some(url.to_owned());
            assert!(settings.public_url_warning().is_some(), "{url}");
        }
        settings.public_url = Some("https://tagung.example.org".to_owned());
        assert_eq!(settings.public_url_warning(), None);
        settings.public_url = None;
        settings.bind = "127.0.0.1:8080".parse().unwrap();
        assert_eq!(
            settings.public_url_warning(),
            None,
            "only this machine listens"
        );
    }

    #[test]
    fn the_database_description_names_the_kind_and_never_the_password() {
        let settings = Settings::for_database("postgres://podium:hunter2@db.example:5433/podium");
        assert_eq!(
            settings.database_description(),
            "PostgreSQL (db.example:5433/podium)"
        );
        let settings = Settings::for_database("sqlite:///var/lib/podium/data/podium.db?mode=rwc");
        assert_eq!(
            settings.database_description(),
            "SQLite (/var/lib/podium/data/podium.db)"
        );
    }

    #[test]
    fn debug_output_never_shows_the_passwords_in_the_urls() {
        let mut settings = Settings::for_database("postgres://podium:db-secret@db/podium");
        settings.smtp_url = Some("smtps://mailer:smtp-secret@mail.example:465".into());
        settings.metrics_token = Some("metrics-secret".into());
        let printed = format!("{settings:?}");
        for secret in ["db-secret", "smtp-secret", "metrics-secret"] {
            assert!(!printed.contains(secret), "{secret} in {printed}");
        }
        assert!(printed.contains("REDACTED"));
    }

    #[test]
    fn the_mail_log_line_names_the_smtp_host_without_credentials() {
        let mut settings = Settings::for_database("sqlite::memory:");
        settings.smtp_url = Some("smtps://mailer:smtp-secret@mail.example:465".into());
        let line = settings.mail_destination();
        assert_eq!(line, "mail is sent by SMTP to mail.example:465 (smtps)");
        settings.smtp_url = None;
        assert!(settings
            .mail_destination()
            .contains(".eml files to ./mail-outbox"));
    }

    #[test]
    fn the_secret_is_created_beside_the_sqlite_file_once_and_readable_by_its_owner_only() {
        let dir = std::env::temp_dir().join(format!("podium-secret-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("podium.db");
        let settings = Settings::for_database(&format!("sqlite://{}?mode=rwc", db.display()));
        let first = settings.load_secret().unwrap().unwrap();
        let again = settings.load_secret().unwrap().unwrap();
        assert_eq!(first.expose_secret(), again.expose_secret());
        let file = dir.join("podium.db.secret");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn postgresql_without_a_secret_leaves_it_to_the_database_and_a_short_secret_is_refused() {
        let mut settings = Settings::for_database("postgres://u:p@localhost/db");
        assert!(settings.load_secret().unwrap().is_none());
        settings.secret = Some(SecretString::from("short"));
        assert!(settings.load_secret().is_err());
        settings.secret = Some(SecretString::from("x".repeat(32)));
        assert_eq!(
            settings
                .load_secret()
                .unwrap()
                .unwrap()
                .expose_secret()
                .len(),
            32
        );
        let file = std::env::temp_dir().join(format!("podium-secret-{}", uuid::Uuid::new_v4()));
        settings.secret = Some(SecretString::from(file.display().to_string()));
        let created = settings.load_secret().unwrap().unwrap();
        assert_eq!(created.expose_secret().len(), 64);
        let read = settings.load_secret().unwrap().unwrap();
        assert_eq!(created.expose_secret(), read.expose_secret());
        std::fs::remove_file(&file).unwrap();
    }
}

#[cfg(test)]
mod sender_tests {
    use super::*;

    #[test]
    fn the_default_sender_is_at_the_public_hosts_domain_and_mail_from_wins() {
        let mut settings = Settings::for_database("sqlite::memory:");
        assert_eq!(settings.sender(), "podium <noreply@localhost>");
        settings.public_url = Some("https://www.tagung.example.org/".to_owned());
        assert_eq!(settings.sender(), "podium <podium@tagung.example.org>");
        assert_eq!(settings.mail().from, settings.sender());
        settings.public_url = Some("http://127.0.0.1:8080".to_owned());
        assert_eq!(settings.sender(), "podium <noreply@localhost>");
        settings.mail_from = "Tagungsbüro <tagung@example.org>".to_owned();
        assert_eq!(settings.sender(), "Tagungsbüro <tagung@example.org>");
    }
}
