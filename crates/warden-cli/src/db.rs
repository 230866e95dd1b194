//! `db migrate | status`: warden's own schema, then the application's versioned migrations
//! (numbered SQL files, per-backend variants allowed, recorded with their checksums).

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Subcommand;
use warden::sql::migrations::{Migrations, StepState, StepStatus};

use crate::Context;

/// The database: warden's schema and the application's migrations.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Applies warden's schema, then the application's migrations it lacks, in order; an
    /// applied migration that was edited since is refused.
    ///
    /// Example: warden db migrate --dir migrations   (files 0001_create.sql, 0001_create.mysql.sql, ...)
    Migrate(Source),
    /// Says which steps a database has, lacks, or has in another version.
    ///
    /// Example: warden db status --dir migrations
    Status(Source),
}

/// Where the application's migrations are.
#[derive(Debug, clap::Args)]
pub struct Source {
    /// A folder of NNNN_name.sql files (and NNNN_name.{sqlite,postgres,mysql}.sql variants);
    /// a back-end's own binary knows its migrations already.
    #[arg(long)]
    dir: Option<PathBuf>,
    /// The table that records the application's migrations.
    #[arg(long, default_value = "app_schema")]
    table: String,
}

impl Source {
    fn migrations(&self, ctx: &Context<'_>) -> anyhow::Result<Option<Migrations>> {
        match (&self.dir, &ctx.migrations) {
            (Some(dir), _) => Ok(Some(
                Migrations::from_dir(&self.table, dir)
                    .with_context(|| format!("reading the migrations in {}", dir.display()))?,
            )),
            (None, Some(own)) => Ok(Some(own.clone())),
            (None, None) => Ok(None),
        }
    }
}

pub(crate) async fn run(
    command: DbCommand,
    ctx: &Context<'_>,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<bool> {
    let db = ctx.connect().await?;
    match command {
        DbCommand::Migrate(source) => {
            let app = source.migrations(ctx)?;
            let warden = warden::schema::apply(&db)
                .await
                .context("applying warden's schema")?;
            report_applied(out, "warden's schema", warden.versions(), warden.current())?;
            if let Some(app) = app {
                // Its errors name the migrations' table and the step already.
                let applied = app.apply(&db).await?;
                report_applied(out, app.table(), applied.versions(), applied.current())?;
            }
            Ok(true)
        }
        DbCommand::Status(source) => {
            let app = source.migrations(ctx)?;
            let mut clean = true;
            let warden = warden::schema::migrations()?;
            for migrations in std::iter::once(&warden).chain(app.as_ref()) {
                let steps = migrations
                    .status(&db)
                    .await
                    .with_context(|| format!("reading {}", migrations.table()))?;
                writeln!(out, "{}:", migrations.table())?;
                for step in &steps {
                    clean &= writeln_step(out, step)?;
                }
            }
            Ok(clean)
        }
    }
}

fn report_applied(
    out: &mut dyn std::io::Write,
    what: &str,
    versions: &[u32],
    current: Option<u32>,
) -> anyhow::Result<()> {
    let current = current.map_or_else(|| "none".to_owned(), |v| v.to_string());
    if versions.is_empty() {
        writeln!(out, "{what}: up to date (version {current})")?;
    } else {
        let list: Vec<String> = versions.iter().map(u32::to_string).collect();
        writeln!(
            out,
            "{what}: applied {} (now version {current})",
            list.join(", ")
        )?;
    }
    Ok(())
}

/// One status line; `false` for a step that needs attention (changed or unknown).
fn writeln_step(out: &mut dyn std::io::Write, step: &StepStatus) -> anyhow::Result<bool> {
    let (state, clean) = match step.state() {
        StepState::Applied => ("applied", true),
        StepState::Pending => ("pending", true),
        StepState::Changed => ("CHANGED since it was applied", false),
        StepState::Unknown => ("applied, unknown to this code", false),
        _ => ("?", false),
    };
    let at = step
        .applied_at()
        .map(|at| format!(" ({at})"))
        .unwrap_or_default();
    writeln!(
        out,
        "  {:04} {:<24} {state}{at}",
        step.version(),
        step.name()
    )?;
    Ok(clean)
}
