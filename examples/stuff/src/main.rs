//! `stuff`: serve the reference back-end, or run one of warden's commands on it
//! (`stuff db migrate`, `stuff routes`, `stuff token issue calvin`, `stuff audit verify`...).
//! Settings: flag over environment over default.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser;
use warden::{RunMode, Secret, Server};

/// The seed course's reference back-end on warden. Without a command, it serves.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Address to listen on; port 0 picks a free port [env: WARDEN_LISTEN; default: 127.0.0.1:5000]
    #[arg(long, global = true)]
    listen: Option<String>,
    /// Database URL: sqlite://FILE, postgres://..., mysql://... [env: WARDEN_DATABASE_URL; default: sqlite://stuff.db]
    #[arg(long, global = true)]
    database: Option<String>,
    /// Token signing secret; required in production [env: WARDEN_SECRET]
    #[arg(long, global = true)]
    secret: Option<String>,
    /// development or production [env: WARDEN_MODE; default: development]
    #[arg(long, global = true)]
    mode: Option<RunMode>,
    /// One of warden's commands instead of serving.
    #[command(subcommand)]
    command: Option<warden_cli::Command>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match settings(&cli) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("stuff: {e:#}");
            return ExitCode::from(2);
        }
    };
    // Kept to the end: dropping it writes out the lines still queued.
    let _log = match warden::logs::init(&settings) {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("stuff: {e}");
            return ExitCode::from(2);
        }
    };
    match run(cli.command, settings) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("stuff: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// The back-end's settings with the command line's flags over them.
fn settings(cli: &Cli) -> anyhow::Result<warden::Settings> {
    let mut settings = stuff::settings()?;
    if let Some(listen) = &cli.listen {
        settings.listen.clone_from(listen);
    }
    if let Some(database) = &cli.database {
        settings.database_url = Some(database.clone());
    }
    if let Some(secret) = &cli.secret {
        settings.secret = Some(Secret::new(secret.clone()));
    }
    if let Some(mode) = cli.mode {
        settings.mode = mode;
    }
    if settings.database_url.is_none() {
        settings.database_url = Some(stuff::DEFAULT_DATABASE.to_owned());
    }
    Ok(settings)
}

#[tokio::main]
async fn run(
    command: Option<warden_cli::Command>,
    settings: warden::Settings,
) -> anyhow::Result<bool> {
    let url = settings
        .database_url
        .clone()
        .unwrap_or_else(|| stuff::DEFAULT_DATABASE.to_owned());
    if let Some(command) = command {
        return command_on(command, settings, &url).await;
    }
    let db = stuff::connect(&url).await?;
    let app = stuff::build(settings, db.clone()).await?;
    let server = Server::bind(&app.settings().listen, &app.settings().server)
        .await
        .with_context(|| format!("binding {}", app.settings().listen))?;
    #[allow(clippy::print_stdout)] // the first line, which scripts wait for
    {
        println!("listening on http://{}", server.local_addr()?);
    }
    if let (Some(metrics), Some(listen)) = (app.metrics(), &app.settings().metrics.listen) {
        // On an address of its own: the metrics say who calls what, for the operator only.
        let exporter = Server::bind(listen, &app.settings().server)
            .await
            .with_context(|| format!("binding the metrics' address {listen}"))?;
        #[allow(clippy::print_stdout)]
        {
            let path = &app.settings().metrics.path;
            println!("metrics on http://{}{path}", exporter.local_addr()?);
        }
        tokio::spawn(exporter.serve(metrics.router()));
    }
    server.serve(app.router()).await?;
    // Seal the rows of the last requests, so that a stopped server leaves none unsealed.
    app.flush_audit().await.context("sealing the audit trail")?;
    db.close().await;
    Ok(true)
}

/// A warden command on this back-end: `db` commands on the database as it is; the others on
/// the migrated database and the built application (its routes, its store).
async fn command_on(
    command: warden_cli::Command,
    settings: warden::Settings,
    url: &str,
) -> anyhow::Result<bool> {
    let mut out = std::io::stdout();
    let ctx = warden_cli::Context::new(settings.clone()).migrations(stuff::migrations()?);
    if matches!(command, warden_cli::Command::Db(_)) {
        let db = stuff::open(url).await?;
        return warden_cli::run_command(command, &ctx.database(db), &mut out).await;
    }
    let db = stuff::connect(url).await?;
    if matches!(command, warden_cli::Command::Check) {
        // `check` reports a failed build's problems rather than failing on them.
        return match stuff::build(settings, db.clone()).await {
            Ok(app) => {
                warden_cli::run_command(command, &ctx.database(db).app(&app), &mut out).await
            }
            Err(e) => {
                let problems = match e.downcast_ref::<warden::BuildError>() {
                    Some(build) => build.problems().to_vec(),
                    None => vec![format!("{e:#}")],
                };
                warden_cli::run_command(command, &ctx.build_problems(problems), &mut out).await
            }
        };
    }
    let app = stuff::build(settings, db.clone()).await?;
    warden_cli::run_command(command, &ctx.database(db).app(&app), &mut out).await
}
