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
use warden::sql::migrations::{Migrations, Sql};
use warden::sql::{Database, Queries, redact_url};
use warden::store::Store;
use warden::users::{SqlDirectory, SqlRoles};
use warden::{App, BuildError, HttpSettings, LimitSettings, Open, Rate, Routes, Settings, group};

/// The SQL of the back-end, embedded.
pub mod sql {
    /// The schema on SQLite.
    pub const CREATE_SQLITE: &str = include_str!("../sql/create.sql");
    /// The schema on PostgreSQL.
    pub const CREATE_POSTGRES: &str = include_str!("../sql/create.postgres.sql");
    /// The schema on MySQL/MariaDB.
    pub const CREATE_MYSQL: &str = include_str!("../sql/create.mysql.sql");
    /// The `ADMIN` role, for role grants (after warden's role tables).
    pub const ROLES: &str = include_str!("../sql/roles.sql");
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
        http: HttpSettings {
            api_version: env!("CARGO_PKG_VERSION").to_owned(),
            ..HttpSettings::default()
        },
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

/// The back-end's schema as versioned migrations, recorded in `stuff_schema` (`stuff db
/// migrate`, `stuff db status`). Step 1 is idempotent, so databases made before the
/// migrations take it without harm; step 2 defines the `ADMIN` role that administrators grant
/// through `/roles`.
pub fn migrations() -> anyhow::Result<Migrations> {
    let create = Sql::new(sql::CREATE_SQLITE)
        .postgres(sql::CREATE_POSTGRES)
        .mysql(sql::CREATE_MYSQL);
    Ok(Migrations::new("stuff_schema")
        .step(1, "create", create)?
        .step(2, "admin role", sql::ROLES)?)
}

/// Connects with the back-end's queries and warden's, without touching the schema.
pub async fn open(url: &str) -> anyhow::Result<Database> {
    let mut queries = Queries::from_sources(sql::QUERIES).context("loading queries.sql")?;
    warden::schema::add_queries(&mut queries).context("loading warden's queries")?;
    Database::connect(url, queries)
        .await
        .with_context(|| format!("connecting to {}", redact_url(url)))
}

/// Connects and migrates: warden's own tables, then the back-end's migrations, then the
/// initial data if there are no users (so that a first start on an empty database works).
pub async fn connect(url: &str) -> anyhow::Result<Database> {
    let db = open(url).await?;
    let applied = warden::schema::apply(&db)
        .await
        .context("applying warden's schema")?;
    if !applied.is_empty() {
        tracing::info!(steps = ?applied.versions(), "applied warden's schema");
    }
    let applied = migrations()?
        .apply(&db)
        .await
        .context("applying the migrations")?;
    if !applied.is_empty() {
        tracing::info!(steps = ?applied.versions(), "applied the migrations");
    }
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
    Ok(db)
}

/// The application, with its shared store: in memory, or Redis when `store_url` says so.
pub async fn build(settings: Settings, db: Database) -> anyhow::Result<App> {
    let namespace = format!("warden:{}", settings.name);
    let store = warden::store::connect(settings.store_url.as_deref(), &namespace)
        .await
        .context("connecting to the store")?;
    Ok(app(settings, db, store)?)
}

/// The application: every route with its declaration, users and API keys from the database,
/// sessions with refresh cookies, scoped tokens, the OpenAPI document and its docs page, and
/// for administrators the IP blocklist, role grants (`/roles`) and the audit trail. A user's groups are `ADMIN` when `isAdmin` says
/// so, and the roles granted to them.
pub fn app(settings: Settings, db: Database, store: Arc<dyn Store>) -> Result<App, BuildError> {
    let users = SqlDirectory::new(db.clone(), "warden_user")?
        .update_hash("warden_set_password")?
        .with_roles()?
        .declare_group("ADMIN");
    let roles = SqlRoles::new(db.clone())?;
    let keys = SqlApiKeys::new(db.clone())?;
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
        // GET /health and /ready for load balancers.
        .health()
        // GET /openapi.json, and the docs page at /docs (off in production unless
        // `http.docs = true`).
        .openapi(Open)
        .object_query("owned", "can_access_owned")
        .object_query("user", "can_access_user")
        .routes(
            Routes::new()
                .merge(whoami::routes())
                .merge(stuff::routes())
                .merge(users::routes())
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
}
