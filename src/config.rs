//! Settings from flags and the environment: the only place that reads `std::env`.
//!
//! Secrets (the database and SMTP URLs, which carry passwords, and the metrics token) are held
//! as [`SecretString`]: `Debug` prints `[REDACTED]`, and reading them takes an explicit
//! `expose_secret()`.
use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::Args;
use secrecy::{ExposeSecret, SecretString};

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

    /// Sender of every mail, e.g. `Cluster-Jahrestagung <tagung@cluster.example>`.
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
    #[arg(
        long,
        env = "PODIUM_MAIL_SEND_TIMEOUT_MS",
        default_value_t = 30_000,
        global = true
    )]
    pub mail_send_timeout_ms: u64,

    /// Public `POST`s per minute per client address; `0` turns the limit off.
    #[arg(long, env = "PODIUM_RATE_LIMIT", default_value_t = 60)]
    pub rate_limit: u32,

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

    /// Log lines as `text` or `json`.
    #[arg(long, env = "PODIUM_LOG_FORMAT", default_value = "text")]
    pub log_format: String,
}

impl Settings {
    /// The base URL links in mails and feeds start with, without a trailing slash.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.bind),
        }
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
            from: self.mail_from.clone(),
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

#[cfg(test)]
mod tests {
    use super::Settings;

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
}
