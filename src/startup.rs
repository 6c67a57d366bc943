//! The application: connects, migrates, starts the background tasks and serves the App that
//! [`crate::http::app`] assembles, on a port of its own.
use std::net::TcpListener;
use std::sync::Arc;

use actix_web::{dev::Server, web, HttpServer};
use anyhow::Context;
use sea_orm::DatabaseConnection;
use tokio_util::sync::CancellationToken;

use crate::config::Settings;
use crate::mail::MailWorker;
use crate::state::AppState;
use crate::{db, http, services};

pub struct Application {
    port: u16,
    /// The base URL links start with (the bound port filled in when none was given).
    public_url: String,
    write_epoch: services::read_cache::WriteEpoch,
    server: Server,
    /// How this instance is asked to stop (see [`Self::run_until_stopped`]).
    stop: Stop,
    /// Cancelled once the server has stopped: the background tasks then finish and end.
    shutdown: CancellationToken,
    background: Vec<tokio::task::JoinHandle<()>>,
    /// The token of the admin created on a first start, if this start created one.
    pub initial_admin_token: Option<String>,
}

/// How a running [`Application`] is asked to stop: two tokens, cancelled by whoever decides
/// (`podium serve`: [`StopSignals`]; tests: never, or by hand).
#[derive(Debug, Clone, Default)]
pub struct Stop {
    /// Stop accepting connections, answer the requests in flight (up to 30 s), then stop.
    pub drain: CancellationToken,
    /// Stop at once, also in the middle of a drain: the requests in flight are cut off.
    pub abort: CancellationToken,
}

impl Application {
    /// Connects, migrates, makes sure an admin exists and binds the listener. Nothing stops it
    /// but the end of its runtime (the in-process tests'); `podium serve` builds it with
    /// [`Self::build_on`] instead.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let db = db::connect(settings.database_url(), settings.db_max_connections).await?;
        db::migrate(&db).await?;
        Self::build_on(settings, db, Stop::default()).await
    }

    /// As [`Self::build`] on a database already connected and migrated, for an instance that
    /// stops when `stop` says so (see [`Self::run_until_stopped`]).
    pub async fn build_on(
        settings: Settings,
        db: DatabaseConnection,
        stop: Stop,
    ) -> anyhow::Result<Self> {
        http::metrics::handle();
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
        let worker = MailWorker::new(
            db.clone(),
            &crate::mail::MailSettings {
                public_url: public_url.clone(),
                ..settings.mail()
            },
        )?;
        let mail_signal = worker.signal();
        let webhook_worker = crate::webhooks::WebhookWorker::new(
            db.clone(),
            settings.webhooks(),
            public_url.clone(),
            mail_signal.clone(),
        )?;
        let webhook_signal = webhook_worker.signal();
        let write_epoch = services::read_cache::WriteEpoch::default();
        let background = vec![
            worker.spawn(shutdown.clone()),
            webhook_worker.spawn(shutdown.clone()),
            tokio::spawn(services::maintenance::run(
                db.clone(),
                mail_signal.clone(),
                public_url.clone(),
                chrono::Duration::days(i64::from(settings.mail_retention_days)),
                write_epoch.clone(),
                shutdown.clone(),
            )),
            tokio::spawn(http::metrics::upkeep(shutdown.clone())),
        ];
        let cors_origins = settings.cors_origins.clone();
        http::cors::check_origins(cors_origins.as_deref())?;
        let spec = http::document();
        let document = http::ApiDocument::new(&spec).context("serialising the OpenAPI document")?;
        let state = web::Data::new(
            AppState::build(
                Arc::new(settings),
                db,
                public_url.clone(),
                mail_signal,
                webhook_signal,
                write_epoch.clone(),
                http::routes::route_table(&spec),
            )
            .await?,
        );
        // podium's own stop token instead of actix's OS signal handlers: actix installs those
        // only when the server is first polled, after its workers have built their apps
        // (about 110 ms in a debug build), and a SIGTERM before then killed the process by the
        // signal's default action. `podium serve` listens from its start ([`StopSignals`]).
        let server = HttpServer::new(move || {
            http::app(state.clone(), cors_origins.as_deref(), document.clone())
        })
        .listen(listener)?
        .shutdown_signal(stop.drain.clone().cancelled_owned())
        .shutdown_timeout(30)
        .run();
        Ok(Self {
            port,
            public_url,
            write_epoch,
            server,
            stop,
            shutdown,
            background,
            initial_admin_token,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The base URL links in mails, feeds and pages start with, without a trailing slash.
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// The counter of this instance's writes: bumping it makes the instance re-read what it
    /// holds of the database (for writes made beside its API, as tests and tools do).
    pub fn write_epoch(&self) -> services::read_cache::WriteEpoch {
        self.write_epoch.clone()
    }

    /// Serves until [`Stop::drain`] is cancelled: stops accepting connections, answers the
    /// requests in flight (up to 30 s), then stops the background tasks (the mail worker gives
    /// back the claim of a mail it is sending, to be sent again) and returns once they ended.
    /// [`Stop::abort`], at any point of that, cuts the requests in flight off and gives the
    /// background tasks at most [`ABORT_WAIT`] from then on.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let abort = self.stop.abort;
        let mut server = self.server;
        let served = tokio::select! {
            served = &mut server => served,
            () = abort.cancelled() => Ok(()),
        };
        drop(server);
        self.shutdown.cancel();
        let background = futures_util::future::join_all(self.background);
        let aborted = async {
            abort.cancelled().await;
            tokio::time::sleep(ABORT_WAIT).await;
        };
        tokio::select! {
            _ = background => {}
            () = aborted => tracing::warn!("the background tasks did not end in time"),
        }
        served
    }
}

/// How long an aborted instance waits for its background tasks to end (the mail worker's
/// giving back of its claims takes milliseconds; a database that does not answer would not).
pub const ABORT_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// `podium serve`'s stop signals, listened for from [`StopSignals::listen`] on: the first
/// SIGTERM or SIGINT (Ctrl-C) cancels [`Stop::drain`]; a second one, or SIGQUIT, cancels
/// [`Stop::abort`] and sets the exit status to 128 + the signal's number (130 for SIGINT,
/// 131 for SIGQUIT, 143 for SIGTERM), as a shell reports a process a signal ended; any signal
/// after that exits at once. Signals of one kind that arrive before the first is seen count
/// once (tokio merges them): the log line of the drain says when a second one counts.
/// Elsewhere than Unix only Ctrl-C counts, listened for from the listening task's first run on.
#[derive(Debug, Clone, Default)]
pub struct StopSignals {
    stop: Stop,
    /// 0 until an abort; then 128 + the signal's number.
    status: Arc<std::sync::atomic::AtomicI32>,
}

impl StopSignals {
    /// Installs the handlers now (on Unix), before the slow parts of a start: a signal during
    /// them is no longer the default action (killing the process) but a drain or an abort.
    ///
    /// # Errors
    /// When a handler cannot be installed.
    pub fn listen() -> std::io::Result<Self> {
        let this = Self::default();
        let on = this.clone();
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let mut terminate = signal(SignalKind::terminate())?;
            let mut interrupt = signal(SignalKind::interrupt())?;
            let mut quit = signal(SignalKind::quit())?;
            tokio::spawn(async move {
                loop {
                    let (name, number) = tokio::select! {
                        Some(()) = terminate.recv() => ("SIGTERM", 15),
                        Some(()) = interrupt.recv() => ("SIGINT", 2),
                        Some(()) = quit.recv() => ("SIGQUIT", 3),
                        else => return,
                    };
                    on.received(name, number);
                }
            });
        }
        #[cfg(not(unix))]
        tokio::spawn(async move {
            while tokio::signal::ctrl_c().await.is_ok() {
                on.received("Ctrl-C", 2);
            }
        });
        Ok(this)
    }

    /// The tokens the signals cancel.
    pub fn stop(&self) -> Stop {
        self.stop.clone()
    }

    /// `None` until a signal aborted; then the exit status it asks for.
    pub fn abort_status(&self) -> Option<i32> {
        self.stop
            .abort
            .is_cancelled()
            .then(|| self.status.load(std::sync::atomic::Ordering::SeqCst))
    }

    /// Acts on one signal: drains, aborts, or (after an abort) exits.
    fn received(&self, name: &str, number: i32) {
        if self.stop.abort.is_cancelled() {
            tracing::warn!("{name}: exiting now");
            std::process::exit(self.status.load(std::sync::atomic::Ordering::SeqCst));
        }
        if number != 3 && !self.stop.drain.is_cancelled() {
            tracing::info!(
                "{name}: draining requests, then stopping (a second signal stops at once)"
            );
            self.stop.drain.cancel();
            return;
        }
        tracing::warn!(
            "{name}: stopping at once, without draining (migrations under way finish first); \
             another signal exits now"
        );
        self.status
            .store(128 + number, std::sync::atomic::Ordering::SeqCst);
        self.stop.abort.cancel();
    }
}
