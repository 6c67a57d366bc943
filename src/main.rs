//! The `podium` command: serve, migrate, manage organisers, seed demo data.
use clap::{Parser, Subcommand};
use entity::organiser::Role;
use podium::{config::Settings, db, services, startup::Application, telemetry};

#[derive(Parser)]
#[command(
    name = "podium",
    version,
    about = "Event and annual-conference management"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    settings: Settings,
}

#[derive(Subcommand)]
enum Command {
    /// Run migrations, then serve the API (the default).
    Serve,
    /// Run database migrations and exit.
    Migrate,
    /// Manage organisers.
    Organiser {
        #[command(subcommand)]
        command: OrganiserCommand,
    },
    /// Load data.
    Seed {
        #[command(subcommand)]
        command: SeedCommand,
    },
}

#[derive(Subcommand)]
enum OrganiserCommand {
    /// Create an organiser; prints the new token as the last line.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        /// Give the organiser the admin role.
        #[arg(long)]
        admin: bool,
    },
}

#[derive(Subcommand)]
enum SeedCommand {
    /// A published annual conference with stages, slots, pitches, exhibits and attendees.
    Demo,
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    telemetry::init(&cli.settings.log_format);
    if let Err(err) = run(cli).await {
        eprintln!("podium: {err:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = cli.settings;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(settings).await?;
            if let Some(token) = &app.initial_admin_token {
                tracing::warn!(
                    "no organiser existed: created an admin. Its token, shown only now: {token}"
                );
            }
            tracing::info!(port = app.port(), "podium is serving");
            app.run_until_stopped().await?;
        }
        Command::Migrate => {
            let conn = db::connect(&settings.database_url, 2).await?;
            db::migrate(&conn).await?;
            println!("migrations applied");
        }
        Command::Organiser {
            command: OrganiserCommand::Add { name, email, admin },
        } => {
            let conn = db::connect(&settings.database_url, 2).await?;
            db::migrate(&conn).await?;
            let email = podium::domain::EmailAddress::parse("email", &email)
                .map_err(|e| anyhow::anyhow!("--email {}", e.message))?;
            let name = podium::domain::text::one_line("name", &name, 200)
                .map_err(|e| anyhow::anyhow!("--name {}", e.message))?;
            let role = if admin { Role::Admin } else { Role::Organiser };
            let (organiser, token) =
                services::organisers::create(&conn, &name, email.as_str(), role).await?;
            println!("created organiser {} ({:?})", organiser.id, organiser.role);
            println!("{token}");
        }
        Command::Seed {
            command: SeedCommand::Demo,
        } => {
            let conn = db::connect(&settings.database_url, 4).await?;
            db::migrate(&conn).await?;
            let summary = podium::seed::demo(&conn).await?;
            println!("{summary}");
            println!(
                "event page: {}/events/{}",
                settings.public_url(),
                podium::seed::DEMO_SLUG
            );
        }
    }
    Ok(())
}
