//! # warden-cli
//!
//! The `warden` command: the database-level operations of any warden back-end, on the same
//! settings as the server (`--config FILE` or `warden.toml`, `WARDEN_*`, and `--database URL`).
//! Its first commands read and maintain the audit trail:
//!
//! ```text
//! warden audit verify --database sqlite://stuff.db    # exit 0 if the chain is intact, 1 if not
//! warden audit seal --database sqlite://stuff.db      # seal rows a stopped server left
//! warden audit archive --before 2026-01-01T00:00:00Z --out audit-2025.jsonl
//! ```
//!
//! [`Cli`] and [`run`] are a library too, so that a back-end's own binary can offer the same
//! commands.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use warden::Settings;
use warden::audit;
use warden::sql::{Database, Queries, redact_url};

/// The `warden` command line.
#[derive(Debug, Parser)]
#[command(
    name = "warden",
    version,
    about = "Operate a warden back-end's database"
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
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The audit trail: verify its hash chain, seal pending rows, archive old ones.
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Checks the whole chain; exits 0 if it is intact, 1 naming the first broken row.
    ///
    /// Example: warden audit verify --database postgres://app@db/app
    ///
    /// With the server's secret (WARDEN_SECRET or the settings), archive checkpoints'
    /// signatures are checked too. It only reads.
    Verify,
    /// Seals the rows written but not yet in the chain (a stopped server's last rows).
    ///
    /// Example: warden audit seal --database sqlite://stuff.db
    Seal,
    /// Exports the sealed rows written before a time as JSON lines, then removes them under a
    /// checkpoint signed with the server's secret; the rest of the chain still verifies.
    ///
    /// Example: warden audit archive --before 2026-01-01T00:00:00Z --out audit-2025.jsonl
    Archive {
        /// Rows written before this time (RFC 3339, UTC) are archived.
        #[arg(long)]
        before: String,
        /// The file to write; it must not exist.
        #[arg(long)]
        out: PathBuf,
    },
}

/// Runs a parsed command line, writing its report to `out`. `Ok(false)` when the command ran
/// and found a problem (a broken chain): the process should exit 1.
///
/// # Errors
/// Settings that do not load, a database that cannot be reached or holds no audit trail, a
/// file that cannot be written: one line for the user.
pub async fn run(cli: Cli, out: &mut dyn std::io::Write) -> anyhow::Result<bool> {
    let settings = settings(&cli.common)?;
    let url = cli
        .common
        .database
        .clone()
        .or_else(|| settings.database_url.clone())
        .context("no database: pass --database URL or set WARDEN_DATABASE_URL")?;
    let db = connect(&url).await?;
    let secret = settings
        .secret
        .as_ref()
        .map(|s| s.expose().as_bytes().to_vec());
    let result = match cli.command {
        Command::Audit(AuditCommand::Verify) => verify(&db, &url, secret.as_deref(), out).await,
        Command::Audit(AuditCommand::Seal) => {
            let sealed = audit::seal(&db).await.context("sealing the audit trail")?;
            writeln!(out, "sealed {sealed} rows")?;
            Ok(true)
        }
        Command::Audit(AuditCommand::Archive { before, out: file }) => {
            let secret = secret.context(
                "archiving signs a checkpoint with the server's secret: set WARDEN_SECRET",
            )?;
            archive(&db, &secret, &before, &file, out).await
        }
    };
    db.close().await;
    result
}

fn settings(common: &Common) -> anyhow::Result<Settings> {
    let settings = match &common.config {
        Some(path) => Settings::load_file(path),
        None => Settings::load(),
    };
    settings.map_err(|e| anyhow::anyhow!("settings: {e}"))
}

async fn connect(url: &str) -> anyhow::Result<Database> {
    let mut queries = Queries::new();
    warden::schema::add_queries(&mut queries)?;
    Database::connect(url, queries)
        .await
        .with_context(|| format!("connecting to {}", redact_url(url)))
}

async fn verify(
    db: &Database,
    url: &str,
    secret: Option<&[u8]>,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<bool> {
    let report = audit::verify(db, secret)
        .await
        .context("reading the audit trail (has warden's schema been applied?)")?;
    let (seq, hash) = &report.head;
    let verdict = match &report.broken {
        None => "intact".to_owned(),
        Some(broken) => format!("BROKEN at {broken}"),
    };
    writeln!(out, "audit trail of {}: {verdict}", redact_url(url))?;
    writeln!(
        out,
        "  rows checked: {}, not yet sealed: {}",
        report.checked, report.unsealed
    )?;
    writeln!(
        out,
        "  head: seq {seq}, hash {}",
        if hash.is_empty() { "-" } else { hash }
    )?;
    if !report.checkpoints.is_empty() {
        let last = report.checkpoints.last().map_or(0, |c| c.upto);
        writeln!(
            out,
            "  checkpoints: {} (archived up to seq {last}; signatures {})",
            report.checkpoints.len(),
            if report.signatures_checked {
                "checked"
            } else {
                "not checked: no secret"
            }
        )?;
    }
    Ok(report.is_intact())
}

async fn archive(
    db: &Database,
    secret: &[u8],
    before: &str,
    file: &std::path::Path,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<bool> {
    let parsed =
        time::OffsetDateTime::parse(before, &time::format_description::well_known::Rfc3339)
            .with_context(|| format!("--before {before:?} is not an RFC 3339 time"))?;
    // The trail's times are UTC text of a fixed width: compare in the same form.
    let before =
        parsed
            .to_offset(time::UtcOffset::UTC)
            .format(time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
            ))?;
    let mut writer = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(file)
        .with_context(|| format!("creating {}", file.display()))?;
    let archived = audit::archive(db, secret, &before, &mut writer)
        .await
        .context("archiving the audit trail")?;
    writer.sync_all()?;
    match archived.checkpoint {
        Some(checkpoint) => writeln!(
            out,
            "archived {} rows to {} (up to seq {}); checkpoint signed",
            archived.rows,
            file.display(),
            checkpoint.upto
        )?,
        None => {
            std::fs::remove_file(file)?;
            writeln!(out, "nothing to archive before {before}")?;
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_parses() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
