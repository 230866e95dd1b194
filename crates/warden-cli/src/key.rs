//! `key add | list | revoke`: a user's API keys, in warden's own table.

use anyhow::{Context as _, bail};
use clap::Subcommand;

use crate::Context;
use crate::token::app_for;

/// A user's API keys: make one (shown once), list them, revoke one.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Makes a key for LOGIN and prints it, once: the database keeps only its hash. Signed
    /// with the server's secret (WARDEN_SECRET), which seals its signing key.
    ///
    /// Example: warden key add calvin --name ci
    Add {
        /// The user.
        login: String,
        /// What the key is for.
        #[arg(long)]
        name: String,
    },
    /// Lists LOGIN's live keys (id, name, created, last used), never their secrets.
    ///
    /// Example: warden key list calvin
    List {
        /// The user.
        login: String,
    },
    /// Revokes LOGIN's key ID, and with it the tokens it bought.
    ///
    /// Example: warden key revoke calvin 3HkX9...
    Revoke {
        /// The user.
        login: String,
        /// The key's id (ids are base64url: one may start with `-`).
        #[arg(allow_hyphen_values = true)]
        id: String,
    },
}

pub(crate) async fn run(
    command: KeyCommand,
    ctx: &Context<'_>,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<bool> {
    if ctx.secret().is_none() {
        bail!("API keys are sealed with the server's secret: set WARDEN_SECRET");
    }
    let app = app_for(ctx).await?;
    let app = app.get();
    match command {
        KeyCommand::Add { login, name } => {
            let created = app
                .create_api_key(&login, &name)
                .await
                .context("making the key")?;
            writeln!(out, "{}", created.key)?;
            eprintln!(
                "key {} ({}) for {login}: shown once, keep it now",
                created.id, created.name
            );
        }
        KeyCommand::List { login } => {
            for key in app.api_keys(&login).await? {
                writeln!(
                    out,
                    "{}\t{}\tcreated {}\tlast used {}",
                    key.id,
                    key.name,
                    key.created.as_deref().unwrap_or("-"),
                    key.last_used.as_deref().unwrap_or("never")
                )?;
            }
        }
        KeyCommand::Revoke { login, id } => {
            if !app.revoke_api_key(&login, &id).await? {
                bail!("{login} has no live key {id}");
            }
            writeln!(out, "revoked key {id} of {login}")?;
        }
    }
    Ok(true)
}
