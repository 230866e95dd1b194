//! # warden-cli
//!
//! The `warden` command: the operations of a warden back-end outside its requests, on the same
//! settings as the server (`--config FILE` or `warden.toml`, `WARDEN_*`, and `--database URL`):
//!
//! ```text
//! warden db migrate --dir migrations      # warden's schema, then the application's migrations
//! warden db status --dir migrations
//! echo 'passphrase' | warden user add hobbes --group ADMIN --queries queries.sql
//! warden user import users.in --queries queries.sql   # login:password lines, argon2id
//! warden token issue calvin               # a compact token (or JWT, as configured)
//! warden token revoke calvin              # every token calvin holds (the kick)
//! warden key add calvin --name ci         # an API key, shown once
//! warden audit verify                     # exit 0 if the audit chain is intact, 1 if not
//! warden audit seal
//! warden audit archive --before 2026-01-01T00:00:00Z --out audit-2025.jsonl
//! warden check                            # settings, queries, database: every problem at once
//! warden new tasks                        # a new back-end, as examples/minimal
//! stuff routes --matrix --user calvin --id sid=1 --replay http://127.0.0.1:5000
//! ```
//!
//! The same commands mount in a back-end's own binary, which adds what only it knows — its
//! routes, its embedded migrations, its directory:
//!
//! ```no_run
//! use clap::Parser;
//!
//! #[derive(Parser)]
//! struct Cli {
//!     #[command(subcommand)]
//!     command: Option<warden_cli::Command>,
//! }
//!
//! # async fn run(app: warden::App, db: warden::sql::Database) -> anyhow::Result<()> {
//! let cli = Cli::parse();
//! if let Some(command) = cli.command {
//!     let backend = warden_cli::Context::new(app.settings().clone()).app(&app).database(db);
//!     let ok = warden_cli::run_command(command, &backend, &mut std::io::stdout()).await?;
//!     std::process::exit(if ok { 0 } else { 1 });
//! }
//! // ... no command: serve
//! # Ok(()) }
//! ```

mod audit;
mod check;
mod db;
mod key;
mod matrix;
mod new;
mod openapi;
mod routes;
mod token;
mod user;

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use warden::sql::migrations::Migrations;
use warden::sql::{Database, Queries, redact_url};
use warden::{App, Settings};

pub use audit::AuditCommand;
pub use db::DbCommand;
pub use key::KeyCommand;
pub use new::NewArgs;
pub use routes::RoutesArgs;
pub use token::TokenCommand;
pub use user::UserCommand;

/// The `warden` command line.
#[derive(Debug, Parser)]
#[command(
    name = "warden",
    version,
    about = "Operate a warden back-end: its database, tokens and audit trail"
)]
pub struct Cli {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    command: Command,
}

/// What every command reads.
#[derive(Debug, Args)]
struct Common {
    /// A settings file (TOML), as the server reads it [env: WARDEN_CONFIG; default: warden.toml]
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// The database URL, instead of the settings' [env: WARDEN_DATABASE_URL]
    #[arg(long, global = true)]
    database: Option<String>,
    /// The application's queries (AnoDB format), for the user commands; repeat for several
    /// files
    #[arg(long, global = true)]
    queries: Vec<PathBuf>,
}

/// The commands, for the `warden` binary and for back-ends that mount them.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The database: warden's schema and the application's migrations.
    #[command(subcommand)]
    Db(DbCommand),
    /// The application's users: add, change, list, remove, group, disable, import.
    #[command(subcommand)]
    User(UserCommand),
    /// Tokens: issue one for a user, revoke all of a user's.
    #[command(subcommand)]
    Token(TokenCommand),
    /// API keys: make one for a user (shown once), list them, revoke one.
    #[command(subcommand)]
    Key(KeyCommand),
    /// The audit trail: verify its hash chain, seal pending rows, archive old ones.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Every route with its methods, declaration and tags, or the authorization matrix (a
    /// back-end's own binary only: the routes are compiled into it).
    ///
    /// Example: stuff routes --matrix --user calvin --user hobbes --id sid=1
    Routes(RoutesArgs),
    /// Checks the settings, the queries and the routes without serving, naming every problem
    /// at once; exit 1 if there is one. Through a back-end's binary it checks everything the
    /// application's build checks; through `warden`, the settings, query files and database.
    ///
    /// Example: WARDEN_MODE=production stuff check
    Check,
    /// Creates a new back-end: users in SQL, owner-only tasks, the login route, an
    /// administrators' route and its tests (the same as warden's examples/minimal).
    ///
    /// Example: warden new tasks && cd tasks && cargo test
    New(NewArgs),
    /// The OpenAPI 3.1 document of every route, as `/openapi.json` serves it (a back-end's
    /// own binary only).
    ///
    /// Example: stuff openapi > openapi.json
    Openapi,
}

/// What the commands work on: the settings, and what a back-end adds (its application, its
/// database handle, its migrations).
pub struct Context<'a> {
    settings: Settings,
    app: Option<&'a App>,
    database: Option<Database>,
    migrations: Option<Migrations>,
    queries: Vec<PathBuf>,
    build_problems: Vec<String>,
}

impl<'a> Context<'a> {
    /// The settings alone: the database is connected from `settings.database_url`.
    pub fn new(settings: Settings) -> Self {
        Self {
            settings,
            app: None,
            database: None,
            migrations: None,
            queries: Vec::new(),
            build_problems: Vec::new(),
        }
    }

    /// What stopped the back-end's application from building (a
    /// [`BuildError`](warden::BuildError)'s problems), for `check` to report instead of the
    /// application.
    #[must_use]
    pub fn build_problems(mut self, problems: Vec<String>) -> Self {
        self.build_problems = problems;
        self
    }

    /// The back-end's application: its routes and its token service.
    #[must_use]
    pub fn app(mut self, app: &'a App) -> Self {
        self.app = Some(app);
        self
    }

    /// The back-end's database handle, with its queries.
    #[must_use]
    pub fn database(mut self, db: Database) -> Self {
        self.database = Some(db);
        self
    }

    /// The back-end's migrations, for `db migrate` and `db status`.
    #[must_use]
    pub fn migrations(mut self, migrations: Migrations) -> Self {
        self.migrations = Some(migrations);
        self
    }

    fn url(&self) -> anyhow::Result<&str> {
        self.settings
            .database_url
            .as_deref()
            .context("no database: pass --database URL or set WARDEN_DATABASE_URL")
    }

    fn secret(&self) -> Option<&[u8]> {
        self.settings.secret.as_ref().map(|s| s.expose().as_bytes())
    }

    /// The back-end's database, or a connection with warden's queries.
    async fn connect(&self) -> anyhow::Result<Database> {
        if let Some(db) = &self.database {
            return Ok(db.clone());
        }
        let url = self.url()?;
        let mut queries = Queries::new();
        for file in &self.queries {
            queries
                .add_file(file)
                .with_context(|| format!("loading {}", file.display()))?;
        }
        warden::schema::add_queries(&mut queries)?;
        Database::connect(url, queries)
            .await
            .with_context(|| format!("connecting to {}", redact_url(url)))
    }
}

/// Runs the `warden` binary's command line, writing its report to `out`. `Ok(false)` when the
/// command ran and found a problem (a broken chain): the process should exit 1.
///
/// # Errors
/// Settings that do not load, a database that cannot be reached, a command that needs a
/// back-end's routes: one line for the user.
pub async fn run(cli: Cli, out: &mut dyn std::io::Write) -> anyhow::Result<bool> {
    let settings = settings(&cli)?;
    let mut ctx = Context::new(settings);
    ctx.queries = cli.common.queries;
    run_command(cli.command, &ctx, out).await
}

/// The settings the command line names: `--config FILE` or `warden.toml`, then `WARDEN_*`,
/// then `--database`. The binary sets its log up from them ([`warden::logs::init`]) before
/// [`run`].
///
/// # Errors
/// Settings that do not load.
pub fn settings(cli: &Cli) -> anyhow::Result<Settings> {
    let mut settings = match &cli.common.config {
        Some(path) => Settings::load_file(path),
        None => Settings::load(),
    }
    .map_err(|e| anyhow::anyhow!("settings: {e}"))?;
    if let Some(url) = &cli.common.database {
        settings.database_url = Some(url.clone());
    }
    Ok(settings)
}

/// Runs one command on `ctx`; see [`run`].
///
/// # Errors
/// See [`run`].
pub async fn run_command(
    command: Command,
    ctx: &Context<'_>,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<bool> {
    match command {
        Command::Db(command) => db::run(command, ctx, out).await,
        Command::User(command) => user::run(command, ctx, out).await,
        Command::Token(command) => token::run(command, ctx, out).await,
        Command::Key(command) => key::run(command, ctx, out).await,
        Command::Audit(command) => audit::run(command, ctx, out).await,
        Command::Routes(args) => routes::run(args, ctx, out).await,
        Command::Check => check::run(ctx, out).await,
        Command::New(args) => new::run(&args, out),
        Command::Openapi => openapi::run(ctx, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_parses() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn a_key_id_may_start_with_a_hyphen() {
        // Key ids are base64url: a sixty-fourth of them start with `-`.
        let cli =
            Cli::try_parse_from(["warden", "key", "revoke", "calvin", "-KkVZ0_rBt5u0BRU"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Key(KeyCommand::Revoke { ref id, .. }) if id == "-KkVZ0_rBt5u0BRU"
        ));
    }
}
