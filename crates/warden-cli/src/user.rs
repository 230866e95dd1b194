//! `user add | passwd | list | remove | groups | disable | import`: the application's users,
//! through named queries that it provides (its table is its own), with argon2id hashes and
//! groups kept as warden's roles.
//!
//! The queries, beside the directory's `warden_user^` lookup and `warden_set_password!`:
//!
//! ```sql
//! -- name: warden_user_add!
//! INSERT INTO Utilisateur(login, pword) VALUES (:login, :password);
//! -- name: warden_user_list
//! SELECT login FROM Utilisateur ORDER BY login;
//! -- name: warden_user_remove!
//! DELETE FROM Utilisateur WHERE login = :login;
//! ```
//!
//! A back-end's binary has them in its queries; the `warden` binary reads them with
//! `--queries FILE`.

use std::collections::HashSet;
use std::io::BufRead as _;
use std::path::PathBuf;
use std::sync::Mutex;

use anyhow::{Context as _, bail};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;
use warden::sql::{Database, TxMode};
use warden::users::{Argon2id, PasswordHasher as _, PasswordPolicy, SqlRoles};

use crate::Context;

/// The application's users: passwords hashed with argon2id, groups as warden's roles.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Adds a user; the password is read from the standard input (never from the command line,
    /// where `ps` would show it).
    ///
    /// Example: echo 's3cret-passphrase' | warden user add hobbes --group ADMIN
    Add {
        /// The login.
        login: String,
        /// A group (a warden role) to grant; repeat for several.
        #[arg(long = "group")]
        groups: Vec<String>,
    },
    /// Sets a user's password, read from the standard input, and revokes their tokens.
    ///
    /// Example: echo 'n3w-passphrase' | warden user passwd hobbes
    Passwd {
        /// The login.
        login: String,
    },
    /// Lists the users, with their groups.
    ///
    /// Example: warden user list
    List,
    /// Removes a user, their groups and their tokens.
    ///
    /// Example: warden user remove hobbes
    Remove {
        /// The login.
        login: String,
    },
    /// Shows a user's groups, or changes them.
    ///
    /// Example: warden user groups hobbes --add ADMIN --remove EDITOR
    Groups {
        /// The login.
        login: String,
        /// Groups to grant.
        #[arg(long)]
        add: Vec<String>,
        /// Groups to take away.
        #[arg(long)]
        remove: Vec<String>,
    },
    /// Disables a user: no password matches any more, and their tokens are revoked.
    ///
    /// Example: warden user disable hobbes
    Disable {
        /// The login.
        login: String,
    },
    /// Imports users from FILE: the course's `login:password` lines, or CSV with a header
    /// naming `login` and `password` (and optionally `groups`, separated by `;`). Users that
    /// exist are left as they are, so a second run changes nothing; a bad line stops the import
    /// before anything is written, naming every bad line.
    ///
    /// Example: warden user import users.in
    Import {
        /// The file.
        file: PathBuf,
    },
}

/// The hash that no password matches: what a disabled user keeps.
const DISABLED: &str = "!disabled";

pub(crate) async fn run(
    command: UserCommand,
    ctx: &Context<'_>,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<bool> {
    let db = ctx.connect().await?;
    let roles = SqlRoles::new(db.clone()).map_err(|e| anyhow::anyhow!("{e}"))?;
    match command {
        UserCommand::Add { login, groups } => {
            check_login(&login)?;
            let password = read_password(&login)?;
            if exists(&db, &login).await? {
                bail!("user {login} exists already (warden user passwd changes a password)");
            }
            let hash = hash(password).await?;
            execute(
                &db,
                "warden_user_add",
                &json!({ "login": login, "password": hash }),
            )
            .await?;
            for group in &groups {
                grant(&roles, &login, group).await?;
            }
            writeln!(out, "added {login}")?;
        }
        UserCommand::Passwd { login } => {
            let password = read_password(&login)?;
            let hash = hash(password).await?;
            let changed = execute(
                &db,
                "warden_set_password",
                &json!({ "login": login, "password": hash }),
            )
            .await?;
            if changed == 0 {
                bail!("no user {login}");
            }
            revoke(ctx, &login).await?;
            writeln!(
                out,
                "changed the password of {login}; their tokens are revoked"
            )?;
        }
        UserCommand::List => {
            let users = db
                .rows("warden_user_list", &())
                .await
                .map_err(|e| missing_query(e, "warden_user_list"))?;
            for user in users {
                let login = user.get("login").and_then(|l| l.as_str()).unwrap_or("?");
                writeln!(
                    out,
                    "{login}\t{}",
                    groups_of(&db, &roles, login).await?.join(",")
                )?;
            }
        }
        UserCommand::Remove { login } => {
            for role in roles.of(&login).await?.roles {
                roles.revoke(&login, &role).await?;
            }
            if execute(&db, "warden_user_remove", &json!({ "login": login })).await? == 0 {
                bail!("no user {login}");
            }
            revoke(ctx, &login).await?;
            writeln!(out, "removed {login}")?;
        }
        UserCommand::Groups { login, add, remove } => {
            if !exists(&db, &login).await? {
                bail!("no user {login}");
            }
            for group in &add {
                grant(&roles, &login, group).await?;
            }
            for group in &remove {
                roles.revoke(&login, group).await?;
            }
            writeln!(
                out,
                "{login}\t{}",
                groups_of(&db, &roles, &login).await?.join(",")
            )?;
        }
        UserCommand::Disable { login } => {
            let changed = execute(
                &db,
                "warden_set_password",
                &json!({ "login": login, "password": DISABLED }),
            )
            .await?;
            if changed == 0 {
                bail!("no user {login}");
            }
            revoke(ctx, &login).await?;
            writeln!(out, "disabled {login}; their tokens are revoked")?;
        }
        UserCommand::Import { file } => import(&db, &roles, &file, out).await?,
    }
    Ok(true)
}

/// Logins travel in Basic credentials and compact tokens, which a `:` would break.
fn check_login(login: &str) -> anyhow::Result<()> {
    if login.is_empty() || login.chars().count() > 64 || login.contains(':') {
        bail!("a login has 1 to 64 characters and no ':'");
    }
    if login.chars().any(char::is_control) {
        bail!("a login has no control characters");
    }
    Ok(())
}

fn read_password(login: &str) -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from the standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    PasswordPolicy::default()
        .check(&password, Some(login))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(password)
}

async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || Argon2id::default().hash(&password))
        .await?
        .map_err(|e| anyhow::anyhow!("{e}"))
}

async fn exists(db: &Database, login: &str) -> anyhow::Result<bool> {
    Ok(db
        .one("warden_user", &json!({ "login": login }))
        .await
        .map_err(|e| missing_query(e, "warden_user"))?
        .is_some())
}

async fn execute(db: &Database, query: &str, params: &serde_json::Value) -> anyhow::Result<u64> {
    db.execute(query, params)
        .await
        .map_err(|e| missing_query(e, query))
}

fn missing_query(e: warden::sql::SqlError, query: &str) -> anyhow::Error {
    if e.kind() == warden::sql::SqlErrorKind::UnknownQuery {
        anyhow::anyhow!(
            "the application's queries have no {query:?}: pass them with --queries FILE (see warden user --help)"
        )
    } else {
        anyhow::Error::new(e).context(format!("running {query}"))
    }
}

/// A user's groups as the server sees them: the directory's own (the lookup's `groups`
/// column) and warden's roles.
async fn groups_of(db: &Database, roles: &SqlRoles, login: &str) -> anyhow::Result<Vec<String>> {
    let mut groups: Vec<String> = match db.one("warden_user", &json!({ "login": login })).await {
        Ok(Some(row)) => match row.get("groups") {
            Some(serde_json::Value::Array(list)) => list
                .iter()
                .filter_map(|g| g.as_str().map(str::to_owned))
                .collect(),
            Some(serde_json::Value::String(text)) => text
                .split(',')
                .map(str::trim)
                .filter(|g| !g.is_empty())
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    for role in roles.of(login).await?.roles {
        if !groups.contains(&role) {
            groups.push(role);
        }
    }
    Ok(groups)
}

async fn grant(roles: &SqlRoles, login: &str, group: &str) -> anyhow::Result<()> {
    if !roles.exists(group).await? {
        roles.define(group, "", std::iter::empty::<&str>()).await?;
    }
    roles.grant(login, group).await?;
    Ok(())
}

async fn revoke(ctx: &Context<'_>, login: &str) -> anyhow::Result<()> {
    crate::token::app_for(ctx)
        .await?
        .get()
        .revoke_user(login)
        .await?;
    Ok(())
}

/// One user of an import file.
struct Row {
    line: usize,
    login: String,
    password: String,
    groups: Vec<String>,
}

fn parse_import(text: &str) -> anyhow::Result<Vec<Row>> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')));
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let first = lines
        .clone()
        .find(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'));
    let csv_columns = first.and_then(|(_, header)| {
        let names: Vec<String> = header
            .split(',')
            .map(|c| c.trim().to_ascii_lowercase())
            .collect();
        (names.iter().any(|n| n == "login") && names.iter().any(|n| n == "password"))
            .then_some(names)
    });
    if csv_columns.is_some() {
        lines.next();
    }
    let mut seen = HashSet::new();
    for (number, line) in lines {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Option<(String, String, Vec<String>)> = match &csv_columns {
            Some(names) => {
                let values: Vec<&str> = line.split(',').map(str::trim).collect();
                let get = |name: &str| {
                    names
                        .iter()
                        .position(|n| n == name)
                        .and_then(|i| values.get(i))
                        .map(|v| (*v).to_owned())
                };
                (values.len() == names.len())
                    .then(|| {
                        let groups = get("groups")
                            .map(|g| {
                                g.split(';')
                                    .filter(|s| !s.is_empty())
                                    .map(str::to_owned)
                                    .collect()
                            })
                            .unwrap_or_default();
                        Some((get("login")?, get("password")?, groups))
                    })
                    .flatten()
            }
            None => line
                .split_once(':')
                .map(|(l, p)| (l.to_owned(), p.to_owned(), Vec::new())),
        };
        let Some((login, password, groups)) = fields else {
            problems.push(format!("line {number}: expected login:password"));
            continue;
        };
        if let Err(e) = check_login(&login) {
            problems.push(format!("line {number}: {e}"));
        } else if let Err(e) = PasswordPolicy::default().check(&password, Some(&login)) {
            problems.push(format!("line {number}: {login}: {e}"));
        } else if !seen.insert(login.clone()) {
            problems.push(format!("line {number}: {login} appears twice"));
        } else {
            rows.push(Row {
                line: number,
                login,
                password,
                groups,
            });
        }
    }
    if !problems.is_empty() {
        bail!("nothing imported:\n  {}", problems.join("\n  "));
    }
    Ok(rows)
}

async fn import(
    db: &Database,
    roles: &SqlRoles,
    file: &std::path::Path,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let mut rows = parse_import(&text)?;
    let total = rows.len();
    let mut new = Vec::new();
    for row in rows.drain(..) {
        if !exists(db, &row.login).await? {
            new.push(row);
        }
    }
    let hashes = hash_all(&new).await?;
    // One transaction: all the new users, or none.
    let mut tx = db.begin(TxMode::Write).await?;
    for (row, hash) in new.iter().zip(&hashes) {
        tx.execute(
            "warden_user_add",
            &json!({ "login": row.login, "password": hash }),
        )
        .await
        .with_context(|| format!("line {}: adding {}", row.line, row.login))?;
    }
    tx.commit().await?;
    for row in &new {
        for group in &row.groups {
            grant(roles, &row.login, group).await?;
        }
    }
    writeln!(
        out,
        "imported {} users ({} already there)",
        new.len(),
        total - new.len()
    )?;
    Ok(())
}

/// argon2id for every row, on every core, with a progress bar on a terminal (about 30 ms a
/// hash: ten thousand users take minutes).
async fn hash_all(rows: &[Row]) -> anyhow::Result<Vec<String>> {
    let passwords: Vec<String> = rows.iter().map(|r| r.password.clone()).collect();
    tokio::task::spawn_blocking(move || {
        let bar = ProgressBar::with_draw_target(
            Some(passwords.len() as u64),
            ProgressDrawTarget::stderr(),
        );
        bar.set_style(
            ProgressStyle::with_template("hashing {bar:40} {pos}/{len} ({eta} left)")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
        let hashes = Mutex::new(vec![String::new(); passwords.len()]);
        let next = std::sync::atomic::AtomicUsize::new(0);
        let failed = Mutex::new(None);
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(password) = passwords.get(i) else {
                            break;
                        };
                        match Argon2id::default().hash(password) {
                            Ok(hash) => hashes.lock().unwrap_or_else(|e| e.into_inner())[i] = hash,
                            Err(e) => *failed.lock().unwrap_or_else(|e| e.into_inner()) = Some(e),
                        }
                        bar.inc(1);
                    }
                });
            }
        });
        bar.finish_and_clear();
        match failed.into_inner().unwrap_or_else(|e| e.into_inner()) {
            Some(e) => Err(anyhow::anyhow!("{e}")),
            None => Ok(hashes.into_inner().unwrap_or_else(|e| e.into_inner())),
        }
    })
    .await?
}
