//! `token issue | revoke`: a token for a user, outside any request; every token of a user
//! revoked (the kick).

use std::time::Duration;

use anyhow::Context as _;
use clap::Subcommand;
use warden::api_keys::SqlApiKeys;
use warden::{App, CurrentUser, Scheme, Scope};

use crate::Context;

/// Tokens: issue one for a user, revoke all of a user's.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Prints a token for LOGIN, in the configured format (compact or JWT), signed with the
    /// server's secret (WARDEN_SECRET). It lives `auth.token_lifetime` (which must be the
    /// servers': it is part of a compact token's key), or less with --lifetime. With --tag or
    /// --param it is a scoped token (a JWT restricted to those route tags and path values, up
    /// to `auth.scoped.max_lifetime`). It does not check that the user exists: the server
    /// checks at each request.
    ///
    /// Example: warden token issue calvin --lifetime 5m
    /// Example: warden token issue calvin --tag stuff --param sid=12 --lifetime 10m
    Issue {
        /// The user.
        login: String,
        /// How long the token lives: 30s, 5m, 1h... (at most the configured lifetime).
        #[arg(long, value_parser = warden::parse_duration)]
        lifetime: Option<Duration>,
        /// Restricts the token to routes with this tag; repeat for several.
        #[arg(long = "tag", value_name = "TAG")]
        tags: Vec<String>,
        /// Restricts the token to this value of a path parameter: sid=12; repeat.
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
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
        TokenCommand::Issue {
            login,
            lifetime,
            tags,
            params,
        } => {
            if tags.is_empty() && params.is_empty() {
                let token = match lifetime {
                    Some(lifetime) => app.tokens().mint_for_lifetime(&login, lifetime)?,
                    None => app.tokens().mint_for(&login)?,
                };
                writeln!(out, "{}", token.as_str())?;
            } else {
                let mut scope = Scope {
                    tags,
                    ..Scope::default()
                };
                for pair in &params {
                    let (name, value) = pair.split_once('=').with_context(|| {
                        format!("--param {pair:?}: expected NAME=VALUE, such as sid=12")
                    })?;
                    scope
                        .params
                        .entry(name.to_owned())
                        .or_default()
                        .push(serde_json::Value::String(value.to_owned()));
                }
                let user = CurrentUser::new(login.as_str(), Scheme::Token);
                let token = app.tokens().mint_scoped(&user, scope, lifetime)?;
                writeln!(out, "{}", token.access_token)?;
            }
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
