//! `audit verify | seal | archive`: the audit trail's hash chain.

use anyhow::Context as _;
use clap::Subcommand;
use warden::audit;
use warden::sql::{Database, redact_url};

use crate::Context;

/// The audit trail: verify its hash chain, seal pending rows, archive old ones.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
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
        out: std::path::PathBuf,
    },
}

pub(crate) async fn run(
    command: AuditCommand,
    ctx: &Context<'_>,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<bool> {
    let db = ctx.connect().await?;
    let secret = ctx.secret();
    match command {
        AuditCommand::Verify => verify(&db, ctx.url()?, secret, out).await,
        AuditCommand::Seal => {
            let sealed = audit::seal(&db).await.context("sealing the audit trail")?;
            writeln!(out, "sealed {sealed} rows")?;
            Ok(true)
        }
        AuditCommand::Archive { before, out: file } => {
            let secret = secret.context(
                "archiving signs a checkpoint with the server's secret: set WARDEN_SECRET",
            )?;
            archive(&db, secret, &before, &file, out).await
        }
    }
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
