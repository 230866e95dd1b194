//! # stuff
//!
//! The reference back-end of the seed course (Flask + FlaskSimpleAuth + AnoDB) on warden:
//! users, stuff and owned objects, with the course's routes, status codes and curl examples.
//! Its SQL lives in `sql/` (`create.sql`, `data.sql`, `queries.sql` and per-backend variants)
//! and is embedded in the binary, so it runs from any directory.
//!
//! ```no_run
//! # async fn run() -> anyhow::Result<()> {
//! let settings = stuff::settings()?;
//! let db = stuff::connect("sqlite://stuff.db").await?;
//! let app = stuff::build(settings, db).await?;
//! let server = warden::Server::bind("127.0.0.1:5000", &app.settings().server).await?;
//! server.serve(app.router()).await?;
//! # Ok(()) }
//! ```

mod compute;
mod objects;
mod stuff;
mod users;
mod whoami;

use std::sync::Arc;

use anyhow::Context as _;
use serde_json::json;
use warden::api_keys::SqlApiKeys;
use warden::sql::{Backend, Database, Queries};
use warden::store::Store;
use warden::users::{SqlDirectory, SqlRoles};
use warden::{App, BuildError, LimitSettings, Rate, Routes, Settings, group};

/// The SQL of the back-end, embedded.
pub mod sql {
    /// The schema on SQLite.
    pub const CREATE_SQLITE: &str = include_str!("../sql/create.sql");
    /// The schema on PostgreSQL.
    pub const CREATE_POSTGRES: &str = include_str!("../sql/create.postgres.sql");
    /// The schema on MySQL/MariaDB.
    pub const CREATE_MYSQL: &str = include_str!("../sql/create.mysql.sql");
    /// The initial data.
    pub const DATA: &str = include_str!("../sql/data.sql");
    /// Drops the tables.
    pub const DROP: &str = include_str!("../sql/drop.sql");
    /// The named queries and their per-backend variants.
    pub const QUERIES: [(&str, &str); 3] = [
        ("queries.sql", include_str!("../sql/queries.sql")),
        (
            "queries.sqlite.sql",
            include_str!("../sql/queries.sqlite.sql"),
        ),
        (
            "queries.mysql.sql",
            include_str!("../sql/queries.mysql.sql"),
        ),
    ];
}

/// The database URL used when none is configured: a file in the current directory.
pub const DEFAULT_DATABASE: &str = "sqlite://stuff.db";

/// The back-end's settings: warden's, named `stuff`, from `warden.toml` and `WARDEN_*`, over
/// [`limits`].
pub fn settings() -> anyhow::Result<Settings> {
    let defaults = Settings {
        name: "stuff".to_owned(),
        database_url: Some(DEFAULT_DATABASE.to_owned()),
        limits: limits(),
        ..Settings::default()
    };
    Settings::load_with(defaults).map_err(|e| anyhow::anyhow!(e))
}

/// The back-end's default rate limits: the routes that mint tokens or create accounts are
/// limited per client IP, so that a client cannot try credentials or register users in bulk;
/// failed logins are throttled by warden's defaults (10 per account and IP, 100 per IP, 100
/// per account in 15 minutes). There is no limit on every request per IP by default (the
/// proxy in front usually has one, and `bench/run` loads the server from one address): set
/// `WARDEN_LIMITS__IP=100/s` to add one.
pub fn limits() -> LimitSettings {
    // Registrations: 10 a minute sustained, 60 at once (a classroom behind one address).
    let routes = [
        ("GET /login", Rate::per_minute(30)),
        ("POST /session/login", Rate::per_minute(30)),
        ("POST /keys/token", Rate::per_minute(30)),
        ("POST /register", Rate::per_minute(10).with_burst(60)),
    ];
    LimitSettings {
        routes: routes
            .into_iter()
            .map(|(route, rate)| (route.to_owned(), rate))
            .collect(),
        ..LimitSettings::default()
    }
}

/// Connects, brings warden's own tables up to date, creates the schema if absent and loads the
/// initial data if there are no users.
pub async fn connect(url: &str) -> anyhow::Result<Database> {
    let mut queries = Queries::from_sources(sql::QUERIES).context("loading queries.sql")?;
    warden::schema::add_queries(&mut queries).context("loading warden's queries")?;
    let db = Database::connect(url, queries)
        .await
        .with_context(|| format!("connecting to {}", redact(url)))?;
    let applied = warden::schema::apply(&db)
        .await
        .context("applying warden's schema")?;
    if !applied.is_empty() {
        tracing::info!(steps = ?applied.versions(), "applied warden's schema");
    }
    let create = match db.backend() {
        Backend::Postgres => sql::CREATE_POSTGRES,
        Backend::MySql => sql::CREATE_MYSQL,
        _ => sql::CREATE_SQLITE,
    };
    db.run_script(create).await.context("creating the schema")?;
    let users: i64 = db
        .scalar_as("count_users", &json!({}))
        .await
        .context("counting users")?;
    if users == 0 {
        db.run_script(sql::DATA)
            .await
            .context("loading the initial data")?;
        tracing::info!("loaded the initial data");
    }
    // The role administrators grant through `/roles`; `isAdmin` still makes the first ones.
    SqlRoles::new(db.clone())?
        .define(
            "ADMIN",
            "administrators: users, tokens, the blocklist, roles",
            ["users.manage"],
        )
        .await
        .context("defining the ADMIN role")?;
    Ok(db)
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// The application, with its shared store: in memory, or Redis when `store_url` says so.
pub async fn build(settings: Settings, db: Database) -> anyhow::Result<App> {
    let store = warden::store::connect(settings.store_url.as_deref(), "warden:stuff")
        .await
        .context("connecting to the store")?;
    Ok(app(settings, db, store)?)
}

/// The application: every route with its declaration, users and API keys from the database,
/// sessions with refresh cookies, scoped tokens, and for administrators the IP blocklist,
/// role grants (`/roles`) and the audit trail. A user's groups are `ADMIN` when `isAdmin` says
/// so, and the roles granted to them.
pub fn app(settings: Settings, db: Database, store: Arc<dyn Store>) -> Result<App, BuildError> {
    let users = SqlDirectory::new(db.clone(), "warden_user")?
        .update_hash("warden_set_password")?
        .with_roles()?
        .declare_group("ADMIN");
    let roles = SqlRoles::new(db.clone())?;
    let keys = SqlApiKeys::new(db.clone())?;
    let mode = settings.mode;
    App::builder(settings)
        .database(db)
        .directory(users)
        .store(store)
        .sessions()
        .api_keys(keys)
        .scoped_tokens()
        // Administrators edit the IP blocklist; `server.blocklist` adds fixed ranges and
        // `server.trusted_proxies` (empty by default) names the proxies whose headers count.
        .blocklist(group("ADMIN"))
        .roles(roles, group("ADMIN"))
        // Denials, data changes and authentication events, hash-chained; GET /audit for
        // administrators, `warden audit verify --database URL` to check the chain.
        .audit(group("ADMIN"))
        .object_query("owned", "can_access_owned")
        .object_query("user", "can_access_user")
        .routes(
            Routes::new()
                .merge(whoami::routes())
                .merge(stuff::routes())
                .merge(users::routes(mode))
                .merge(objects::routes())
                .nest("/cmp", compute::routes()),
        )
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_limits_name_routes_that_exist() {
        let limits = limits();
        assert_eq!(limits.routes.len(), 4);
        assert!(limits.ip.is_none() && limits.login.enabled);
        // That they name routes that exist is checked when the app is built: the suite's
        // in-process server has these limits.
    }

    #[test]
    fn urls_lose_their_password_in_messages() {
        assert_eq!(
            redact("postgres://kiva:EfTLPJBij@pagode/kiva"),
            "postgres://kiva:***@pagode/kiva"
        );
        assert_eq!(redact("sqlite://stuff.db"), "sqlite://stuff.db");
    }
}
