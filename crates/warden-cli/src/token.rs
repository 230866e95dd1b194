//! `token issue | revoke`: a token for a user, outside any request; every token of a user
//! revoked (the kick).

use anyhow::Context as _;
use clap::Subcommand;
use warden::App;
use warden::api_keys::SqlApiKeys;

use crate::Context;

/// Tokens: issue one for a user, revoke all of a user's.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Prints a token for LOGIN, in the configured format (compact or JWT) and lifetime
    /// (`auth.token_lifetime`, which must be the servers': it is part of a compact token's
    /// key), signed with the server's secret (WARDEN_SECRET). It does not check that the user
    /// exists: the server checks at each request.
    ///
    /// Example: warden token issue calvin
    Issue {
        /// The user.
        login: String,
    },
    /// Revokes every token LOGIN holds, on every server that shares the store (Redis) at once,
    /// and in the database for the others at their next start.
    ///
    /// Example: warden token revoke calvin
    Revoke {
        /// The user.
        login: String,
    },
}

pub(crate) async fn run(
    command: TokenCommand,
    ctx: &Context<'_>,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<bool> {
    if ctx.secret().is_none() {
        anyhow::bail!("tokens are signed with the server's secret: set WARDEN_SECRET");
    }
    let app = app_for(ctx).await?;
    let app = app.get();
    match command {
        TokenCommand::Issue { login } => {
            let token = app.tokens().mint_for(&login)?;
            writeln!(out, "{}", token.as_str())?;
        }
        TokenCommand::Revoke { login } => {
            app.revoke_user(&login)
                .await
                .with_context(|| format!("revoking the tokens of {login}"))?;
            writeln!(out, "revoked every token of {login}")?;
        }
    }
    Ok(true)
}

/// The back-end's application, or one built from the settings.
pub(crate) enum AppRef<'a> {
    Borrowed(&'a App),
    Owned(Box<App>),
}

impl AppRef<'_> {
    pub(crate) fn get(&self) -> &App {
        match self {
            AppRef::Borrowed(app) => app,
            AppRef::Owned(app) => app,
        }
    }
}

/// The back-end's application; else one with the settings' store, the database (durable
/// revocations) and warden's API key table, and no routes of its own: enough to sign, revoke
/// and keep keys.
pub(crate) async fn app_for<'a>(ctx: &Context<'a>) -> anyhow::Result<AppRef<'a>> {
    if let Some(app) = ctx.app {
        return Ok(AppRef::Borrowed(app));
    }
    let db = ctx.connect().await?;
    // The namespace servers use: `warden:{name}`.
    let namespace = format!("warden:{}", ctx.settings.name);
    let store = warden::store::connect(ctx.settings.store_url.as_deref(), &namespace)
        .await
        .context("connecting to the store")?;
    let keys = SqlApiKeys::new(db.clone()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let app = App::builder(ctx.settings.clone())
        .database(db)
        .store(store)
        .api_keys(keys)
        .build()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(AppRef::Owned(Box::new(app)))
}
