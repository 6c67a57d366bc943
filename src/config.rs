//! Settings from flags and the environment: the only place that reads `std::env`.
use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::Args;

/// Everything podium needs to run, from flags or environment variables.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Address to listen on.
    #[arg(
        long,
        env = "PODIUM_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: SocketAddr,

    /// `sqlite://…` (the default, embedded) or `postgres://…`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://podium.db?mode=rwc",
        hide_env_values = true,
        global = true
    )]
    pub database_url: String,

    /// Base URL for links in mails and feeds; defaults to `http://<bind>`.
    #[arg(long, env = "PODIUM_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// `smtp://host:port`, `smtp://…?tls=required` or `smtps://user:pass@host:465`;
    /// unset: mails are written as `.eml` files to the mail directory.
    #[arg(long, env = "SMTP_URL", hide_env_values = true, global = true)]
    pub smtp_url: Option<String>,

    /// Where mails go when no SMTP server is configured.
    #[arg(
        long,
        env = "PODIUM_MAIL_DIR",
        default_value = "./mail-outbox",
        global = true
    )]
    pub mail_dir: PathBuf,

    /// Sender of every mail, e.g. `Tagungsbüro <tagung@example.org>`; default: `podium
    /// <podium@HOST>` for the host of `PODIUM_PUBLIC_URL`, else `podium <noreply@localhost>`.
    #[arg(
        long,
        env = "MAIL_FROM",
        default_value = "podium <noreply@localhost>",
        global = true
    )]
    pub mail_from: String,

    /// Attempts before a mail is marked failed.
    #[arg(
        long,
        env = "PODIUM_MAIL_MAX_ATTEMPTS",
        default_value_t = 10,
        global = true
    )]
    pub mail_max_attempts: i32,

    /// How often the mail worker looks for due mail, in milliseconds.
    #[arg(
        long,
        env = "PODIUM_MAIL_POLL_MS",
        default_value_t = 1000,
        global = true
    )]
    pub mail_poll_ms: u64,

    /// Public `POST`s per minute per client address; `0` turns the limit off.
    #[arg(long, env = "PODIUM_RATE_LIMIT", default_value_t = 60, global = true)]
    pub rate_limit: u32,

    /// A header set by a trusted reverse proxy with the client address (e.g. `X-Forwarded-For`).
    #[arg(long, env = "PODIUM_TRUSTED_PROXY_HEADER", global = true)]
    pub trusted_proxy_header: Option<String>,

    /// Origins allowed by CORS, comma-separated; unset: CORS is off.
    #[arg(long, env = "PODIUM_CORS_ORIGINS", global = true)]
    pub cors_origins: Option<String>,

    /// Largest database connection pool; on SQLite at most twice the CPUs (at least 4).
    #[arg(
        long,
        env = "PODIUM_DB_MAX_CONNECTIONS",
        default_value_t = 16,
        global = true
    )]
    pub db_max_connections: u32,

    /// `text` or `json` log lines.
    #[arg(long, env = "PODIUM_LOG_FORMAT", default_value = "text", global = true)]
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

    pub fn mail(&self) -> crate::mail::MailSettings {
        crate::mail::MailSettings {
            smtp_url: self.smtp_url.clone(),
            mail_dir: self.mail_dir.clone(),
            from: self.sender(),
            max_attempts: self.mail_max_attempts.max(1),
            poll_interval: Duration::from_millis(self.mail_poll_ms.max(10)),
        }
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
        database_url.clone_into(&mut settings.database_url);
        settings
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
