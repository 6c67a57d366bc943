//! The `podium` command: serve, migrate, manage organisers, seed demo data, check health.
//!
//! Each command takes only its own options: the server's settings belong to `serve` (and to
//! `podium` without a command, which serves), the database URL to the commands that open it.
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use entity::organiser::Role;
use podium::{
    config::{DatabaseArgs, Settings},
    db, services,
    startup::Application,
    telemetry,
};

#[derive(Parser)]
#[command(
    name = "podium",
    version,
    about = "Event and annual-conference management: an HTTP API with mail and calendar feeds",
    long_about = "Event and annual-conference management: an HTTP API with mail and calendar \
                  feeds.\n\nWithout a command podium serves, taking the options of `podium serve`.",
    args_conflicts_with_subcommands = true,
    subcommand_precedence_over_arg = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// The options of `serve`, for `podium` without a command.
    #[command(flatten)]
    serve: Settings,
}

#[derive(Subcommand)]
enum Command {
    /// Run migrations, then serve the API (the default).
    Serve(Box<Settings>),
    /// Run database migrations and exit.
    Migrate(DatabaseArgs),
    /// Add, list and revoke organisers.
    #[command(subcommand)]
    Organiser(OrganiserCommand),
    /// Load example data.
    #[command(subcommand)]
    Seed(SeedCommand),
    /// Ask a running podium whether it is ready (`GET /readyz`); exit 0 if it is, 1 if not.
    /// For container health checks: needs no shell and no curl.
    Healthcheck(HealthcheckArgs),
}

#[derive(Subcommand)]
enum OrganiserCommand {
    /// Create an organiser; prints the new token as the last line (it is shown only now).
    Add {
        /// The organiser's name, as shown to other organisers (one line, at most 200 characters).
        #[arg(long)]
        name: String,
        /// The organiser's e-mail address; no two active organisers may share one.
        #[arg(long)]
        email: String,
        /// Give the organiser the admin role (may manage organisers and the mail outbox).
        #[arg(long)]
        admin: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// List organisers: id, role, state, e-mail and name, one per line, tab-separated.
    List {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Replace an organiser's token; the old one and every session opened with it (door,
    /// backoffice) stop working at once. Prints the new token as the last line.
    Rotate {
        /// The organiser's id (see `podium organiser list`) or e-mail address.
        organiser: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Revoke an organiser's token and end their sessions at once; the account stays for the
    /// record.
    Revoke {
        /// The organiser's id (see `podium organiser list`) or e-mail address.
        organiser: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Subcommand)]
enum SeedCommand {
    /// A published annual conference (`jahrestagung-2027`) with stages, slots, pitches,
    /// exhibits and attendees; refuses (exit 1) when that event exists, unless --replace.
    Demo {
        /// Delete an existing `jahrestagung-2027` (with its registrations, programme and mail)
        /// and load the demo afresh.
        #[arg(long)]
        replace: bool,
        /// Base URL of the printed event page, as `serve`'s --public-url; default
        /// `http://127.0.0.1:8080`.
        #[arg(long, env = "PODIUM_PUBLIC_URL")]
        public_url: Option<String>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Args)]
struct HealthcheckArgs {
    /// The address podium listens on (as `serve --bind`); an unspecified address such as
    /// `0.0.0.0` is asked on the loopback.
    #[arg(long, env = "PODIUM_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Seconds to wait for the answer.
    #[arg(long, default_value_t = 3)]
    timeout: u64,
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let log_format = match &cli.command {
        None => cli.serve.log_format.clone(),
        Some(Command::Serve(settings)) => settings.log_format.clone(),
        Some(Command::Migrate(database))
        | Some(Command::Organiser(
            OrganiserCommand::Add { database, .. }
            | OrganiserCommand::List { database }
            | OrganiserCommand::Rotate { database, .. }
            | OrganiserCommand::Revoke { database, .. },
        ))
        | Some(Command::Seed(SeedCommand::Demo { database, .. })) => database.log_format.clone(),
        Some(Command::Healthcheck(_)) => "text".to_owned(),
    };
    telemetry::init(&log_format);
    if let Err(err) = run(cli).await {
        eprintln!("podium: {err:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve(Box::new(cli.serve))) {
        Command::Serve(settings) => serve(*settings).await,
        Command::Migrate(database) => {
            open(&database).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Organiser(command) => organiser(command).await,
        Command::Seed(SeedCommand::Demo {
            replace,
            public_url,
            database,
        }) => {
            let conn = open(&database).await?;
            let public_url = public_url.unwrap_or_else(|| "http://127.0.0.1:8080".to_owned());
            let summary = podium::seed::demo(&conn, replace, &public_url).await?;
            println!("{summary}");
            Ok(())
        }
        Command::Healthcheck(args) => healthcheck(&args),
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    // First, so a signal during the start is a drain or an abort, not the signal's default
    // action (killing the process).
    let signals = podium::startup::StopSignals::listen().context("listening for stop signals")?;
    let stop = signals.stop();
    tracing::info!("{}", settings.mail_destination());
    if let Some(warning) = settings.public_url_warning() {
        tracing::warn!("{warning}");
    }
    let database = settings.database_description();
    let db = tokio::select! {
        db = db::connect(settings.database_url(), settings.db_max_connections) => db?,
        // A database that does not answer: a second signal ends the wait.
        () = stop.abort.cancelled() => std::process::exit(signals.abort_status().unwrap_or(1)),
    };
    // Not cut short by an abort: each migration is one transaction (see `migration`), so a
    // cut would only roll it back for the next start to run again. (A later signal exits.)
    db::migrate(&db).await?;
    if let Some(status) = signals.abort_status() {
        std::process::exit(status);
    }
    let app = Application::build_on(settings, db, stop).await?;
    if let Some(token) = &app.initial_admin_token {
        tracing::warn!(
            "no organiser existed: created an admin. Its token, shown only now: {token}"
        );
    }
    let public_url = app.public_url().to_owned();
    tracing::info!(
        port = app.port(),
        database = %database,
        public_url = %public_url,
        docs = %format!("{public_url}/docs/"),
        "podium is serving: {database}, at {public_url} (API documentation at {public_url}/docs/)"
    );
    app.run_until_stopped().await?;
    if let Some(status) = signals.abort_status() {
        std::process::exit(status);
    }
    Ok(())
}

/// Connects and migrates, for the commands that work on the database without serving.
async fn open(database: &DatabaseArgs) -> anyhow::Result<sea_orm::DatabaseConnection> {
    use secrecy::ExposeSecret;
    let conn = db::connect(database.database_url.expose_secret(), 4).await?;
    db::migrate(&conn).await?;
    Ok(conn)
}

async fn organiser(command: OrganiserCommand) -> anyhow::Result<()> {
    match command {
        OrganiserCommand::Add {
            name,
            email,
            admin,
            database,
        } => {
            let email = podium::domain::EmailAddress::parse("email", &email)
                .map_err(|e| anyhow::anyhow!("--email {}", e.message))?;
            let name = podium::domain::text::one_line("name", &name, 200)
                .map_err(|e| anyhow::anyhow!("--name {}", e.message))?;
            let role = if admin { Role::Admin } else { Role::Organiser };
            let conn = open(&database).await?;
            let (organiser, token) =
                services::organisers::create(&conn, &name, email.as_str(), role, None)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("created organiser {} ({:?})", organiser.id, organiser.role);
            println!("{token}");
        }
        OrganiserCommand::List { database } => {
            let conn = open(&database).await?;
            for o in services::organisers::list(&conn).await? {
                let state = match o.revoked_at {
                    Some(at) => format!("revoked {}", at.format("%Y-%m-%d %H:%M UTC")),
                    None => "active".to_owned(),
                };
                let role = podium::domain::member::role_name(o.role);
                println!("{}\t{role}\t{state}\t{}\t{}", o.id, o.email, o.name);
            }
        }
        OrganiserCommand::Rotate {
            organiser,
            database,
        } => {
            let conn = open(&database).await?;
            let found = services::organisers::find_by_id_or_email(&conn, &organiser).await?;
            let Some(found) = found.filter(|o| o.revoked_at.is_none()) else {
                bail!("no active organiser with the id or e-mail '{organiser}' (see `podium organiser list`)");
            };
            let Some((_, token)) = services::organisers::rotate(&conn, found.id).await? else {
                bail!("organiser {} was revoked meanwhile", found.id);
            };
            println!(
                "rotated the token of organiser {} ({})",
                found.id, found.email
            );
            println!("{token}");
        }
        OrganiserCommand::Revoke {
            organiser,
            database,
        } => {
            let conn = open(&database).await?;
            let found = services::organisers::find_by_id_or_email(&conn, &organiser).await?;
            let Some(found) = found else {
                bail!("no organiser with the id or active e-mail '{organiser}' (see `podium organiser list`)");
            };
            if found.revoked_at.is_some() {
                println!(
                    "organiser {} ({}) was already revoked",
                    found.id, found.email
                );
                return Ok(());
            }
            services::organisers::revoke(&conn, found.id).await?;
            println!("revoked organiser {} ({})", found.id, found.email);
        }
    }
    Ok(())
}

/// `GET /readyz` over a plain TCP connection (HTTP/1.1, `Connection: close`): ready on a 200.
fn healthcheck(args: &HealthcheckArgs) -> anyhow::Result<()> {
    let mut address = args.bind;
    if address.ip().is_unspecified() {
        address.set_ip(if address.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    let timeout = Duration::from_secs(args.timeout.max(1));
    let address = address
        .to_socket_addrs()?
        .next()
        .context("no address to ask")?;
    let mut stream = TcpStream::connect_timeout(&address, timeout)
        .with_context(|| format!("podium does not answer on {address}"))?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    write!(
        stream,
        "GET /readyz HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nUser-Agent: podium-healthcheck\r\n\r\n"
    )?;
    let mut answer = Vec::new();
    stream
        .take(64 * 1024)
        .read_to_end(&mut answer)
        .with_context(|| format!("no complete answer from {address}"))?;
    let answer = String::from_utf8_lossy(&answer);
    let status_line = answer.lines().next().unwrap_or_default();
    if status_line.split_whitespace().nth(1) == Some("200") {
        println!("ready");
        Ok(())
    } else {
        bail!("not ready: {status_line}")
    }
}
