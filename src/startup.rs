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
    write_epoch: services::read_cache::WriteEpoch,
    server: Server,
    /// Cancelled to stop serving: the server then drains (see [`Self::stop_token`]).
    stop: CancellationToken,
    /// Cancelled once the server has drained: the background tasks then finish and end.
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
                public_url,
                mail_signal,
                write_epoch.clone(),
                http::routes::route_table(&spec),
            )
            .await?,
        );
        // podium's own stop signal instead of actix's OS signal handlers: actix installs those
        // only when the server is first polled, after its workers have built their apps (over
        // 50 ms in a debug build), and a SIGTERM before then killed the process uncleanly.
        // `main` listens for the OS signals from its start instead (`termination_signal`).
        let stop = CancellationToken::new();
        let server = HttpServer::new(move || {
            http::app(state.clone(), cors_origins.as_deref(), document.clone())
        })
        .listen(listener)?
        .shutdown_signal(stop.clone().cancelled_owned())
        .shutdown_timeout(30)
        .run();
        Ok(Self {
            port,
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

    /// The counter of this instance's writes: bumping it makes the instance re-read what it
    /// holds of the database (for writes made beside its API, as tests and tools do).
    pub fn write_epoch(&self) -> services::read_cache::WriteEpoch {
        self.write_epoch.clone()
    }

    /// The token that stops this instance: cancelling it makes [`Self::run_until_stopped`]
    /// stop accepting connections, drain the requests in flight (up to 30 s) and return.
    pub fn stop_token(&self) -> CancellationToken {
        self.stop.clone()
    }

    /// Serves until the [stop token](Self::stop_token) is cancelled: in-flight requests drain,
    /// then the mail worker finishes the mail it is sending and stops. No OS signal stops it by
    /// itself; `podium serve` cancels the token on [`termination_signal`].
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        self.shutdown.cancel();
        for task in self.background {
            let _ = task.await;
        }
        served
    }
}

/// Listens for SIGTERM and SIGINT (Ctrl-C) from the moment it is called; the future completes
/// on the first of them. Call it before the slow parts of a start (connecting, migrating,
/// building the app): a signal that arrives during them is kept and acted on once serving,
/// instead of killing the process by the signals' default action.
///
/// # Errors
/// When the signal handlers cannot be installed.
pub fn termination_signal() -> std::io::Result<impl std::future::Future<Output = ()> + Send> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut terminate = signal(SignalKind::terminate())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = terminate.recv() => tracing::info!("SIGTERM: stopping"),
                _ = interrupt.recv() => tracing::info!("SIGINT: stopping"),
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}
