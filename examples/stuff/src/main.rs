//! `stuff`: serve the reference back-end. Settings: flag over environment over default.

use std::io::IsTerminal as _;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser;
use warden::{RunMode, Secret, Server};

/// The seed course's reference back-end on warden.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Address to listen on; port 0 picks a free port [env: WARDEN_LISTEN; default: 127.0.0.1:5000]
    #[arg(long)]
    listen: Option<String>,
    /// Database URL: sqlite://FILE, postgres://..., mysql://... [env: WARDEN_DATABASE_URL; default: sqlite://stuff.db]
    #[arg(long)]
    database: Option<String>,
    /// Token signing secret; required in production [env: WARDEN_SECRET]
    #[arg(long)]
    secret: Option<String>,
    /// development or production [env: WARDEN_MODE; default: development]
    #[arg(long)]
    mode: Option<RunMode>,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stuff: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[tokio::main]
async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let mut settings = stuff::settings()?;
    if let Some(listen) = cli.listen {
        settings.listen = listen;
    }
    if let Some(database) = cli.database {
        settings.database_url = Some(database);
    }
    if let Some(secret) = cli.secret {
        settings.secret = Some(Secret::new(secret));
    }
    if let Some(mode) = cli.mode {
        settings.mode = mode;
    }
    let url = settings
        .database_url
        .clone()
        .unwrap_or_else(|| stuff::DEFAULT_DATABASE.to_owned());
    let db = stuff::connect(&url).await?;
    let app = stuff::build(settings, db.clone()).await?;
    let server = Server::bind(&app.settings().listen, &app.settings().server)
        .await
        .with_context(|| format!("binding {}", app.settings().listen))?;
    #[allow(clippy::print_stdout)] // the one line scripts wait for
    {
        println!("listening on http://{}", server.local_addr()?);
    }
    server.serve(app.router()).await?;
    // Seal the rows of the last requests, so that a stopped server leaves none unsealed.
    app.flush_audit().await.context("sealing the audit trail")?;
    db.close().await;
    Ok(())
}
