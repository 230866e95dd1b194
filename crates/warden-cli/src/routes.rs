//! `routes`: every route of a back-end with its methods, declaration and tags; with `--matrix`,
//! the authorization matrix, and with `--replay URL`, the matrix checked against a live server.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use warden::Tx;

use warden::users::SqlRoles;

use crate::Context;
use crate::matrix::{self, Caller};

/// What `routes` shows.
#[derive(Debug, Args)]
pub struct RoutesArgs {
    /// The authorization matrix: route x caller -> 200 (passes authorization), 401, 403 or 404,
    /// for anonymous callers and each --user, from the same rules and checkers as requests.
    ///
    /// Example: stuff routes --matrix --user hobbes --role ADMIN --scoped calvin:stuff --id sid=1
    #[arg(long)]
    matrix: bool,
    /// A user (login) as a column of the matrix; repeat for several.
    #[arg(long = "user", value_name = "LOGIN")]
    users: Vec<String>,
    /// A role as a column: its first member (in warden's role tables) calls; repeat.
    #[arg(long = "role", value_name = "ROLE")]
    roles: Vec<String>,
    /// A user with a scoped token restricted to these route tags as a column: calvin:stuff,me;
    /// repeat.
    #[arg(long = "scoped", value_name = "LOGIN:TAGS")]
    scoped: Vec<String>,
    /// The value of a path parameter, naming the object of object routes: `sid=1`; repeat.
    #[arg(long = "id", value_name = "PARAM=VALUE")]
    ids: Vec<String>,
    /// A JSON file of path parameter values, `{"sid": "1", "uid": "2"}` (--id adds to it).
    #[arg(long, value_name = "FILE")]
    ids_file: Option<PathBuf>,
    /// Sends the matrix's requests to the live server at URL as each user (tokens signed with
    /// the server's secret, WARDEN_SECRET) and reports every cell where it disagrees; exit 1
    /// if one does. GET and HEAD only, unless --unsafe.
    ///
    /// Example: stuff routes --matrix --user calvin --id sid=1 --replay http://127.0.0.1:5000
    #[arg(long, value_name = "URL", requires = "matrix")]
    replay: Option<String>,
    /// With --replay, also sends POST, PUT, PATCH and DELETE: they change data, so only against
    /// a server whose data may be lost.
    #[arg(long = "unsafe", requires = "replay")]
    unsafe_too: bool,
}

pub(crate) async fn run(
    args: RoutesArgs,
    ctx: &Context<'_>,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<bool> {
    let app = ctx.app.context(
        "routes are compiled into each back-end: run this command through its binary (stuff routes)",
    )?;
    if !args.matrix {
        let width = app.routes().iter().map(|r| r.path.len()).max().unwrap_or(0);
        for route in app.routes() {
            writeln!(
                out,
                "{:<7} {:<width$}  {}",
                route.method.as_str(),
                route.path,
                route.policy
            )?;
        }
        return Ok(true);
    }
    let ids = ids(&args)?;
    let mut callers = vec![Caller::anonymous()];
    callers.extend(args.users.iter().map(|login| Caller::user(login)));
    for role in &args.roles {
        callers.push(role_member(ctx, role).await?);
    }
    for spec in &args.scoped {
        callers.push(Caller::scoped(spec)?);
    }
    let db = ctx.database.clone();
    let tx = db.map(Tx::read);
    let matrix = matrix::compute(app, callers, &ids, tx.as_ref()).await?;
    drop(tx);
    matrix::print(&matrix, out)?;
    let Some(url) = args.replay else {
        return Ok(true);
    };
    if ctx.secret().is_none() {
        anyhow::bail!("the replay signs tokens with the server's secret: set WARDEN_SECRET");
    }
    let (sent, disagreements) = matrix::replay(app, &matrix, &url, &ids, args.unsafe_too).await?;
    for d in &disagreements {
        writeln!(
            out,
            "disagree: {} as {}: the matrix says {}, the server answered {}",
            d.request, d.column, d.expected, d.status
        )?;
    }
    writeln!(
        out,
        "replayed {sent} requests to {url}: {} disagree",
        disagreements.len()
    )?;
    Ok(disagreements.is_empty())
}

/// A role's column: its first member calls, headed `ROLE=login`.
async fn role_member(ctx: &Context<'_>, role: &str) -> anyhow::Result<Caller> {
    let db = ctx.connect().await?;
    let roles = SqlRoles::new(db).map_err(|e| anyhow::anyhow!("{e}"))?;
    let members = roles
        .members(role)
        .await
        .with_context(|| format!("the members of {role}"))?;
    let login = members
        .first()
        .with_context(|| format!("--role {role}: nobody holds it"))?;
    let mut caller = Caller::user(login);
    caller.heading = format!("{role}={login}");
    Ok(caller)
}

fn ids(args: &RoutesArgs) -> anyhow::Result<BTreeMap<String, String>> {
    let mut ids = BTreeMap::new();
    if let Some(file) = &args.ids_file {
        let text =
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        let values: BTreeMap<String, serde_json::Value> = serde_json::from_str(&text)
            .with_context(|| format!("{}: expected a JSON object of values", file.display()))?;
        for (param, value) in values {
            let value = match value {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            ids.insert(param, value);
        }
    }
    for pair in &args.ids {
        let (param, value) = pair
            .split_once('=')
            .with_context(|| format!("--id {pair:?}: expected PARAM=VALUE, such as sid=1"))?;
        ids.insert(param.to_owned(), value.to_owned());
    }
    Ok(ids)
}
