//! Each test's own database: a temporary SQLite file, or a fresh PostgreSQL database owned by
//! a role that is no superuser (so that row-level security binds it), or a fresh MariaDB
//! database. The servers' URLs come from `WARDEN_TEST_POSTGRES_URL` and
//! `WARDEN_TEST_MYSQL_URL`; without them a test says it is skipped, and fails under CI.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::Connection;
use warden::{RouteInfo, RunMode, Secret, Settings};
use warden_test::Client;

/// The database a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Backend {
    Sqlite,
    Postgres,
    MySql,
}

/// The role the back-end connects as on PostgreSQL: not a superuser, so that the policies on
/// the tables it owns hold for it (they are FORCEd).
pub(crate) const PG_ROLE: &str = "saas_app";

pub(crate) const ROOT: (&str, &str) = ("root@platform", "the platform's own password");

pub(crate) fn settings() -> Settings {
    Settings {
        mode: RunMode::Test,
        secret: Some(Secret::new(
            "a test secret of at least thirty-two characters",
        )),
        bootstrap: warden::BootstrapSettings {
            login: Some(ROOT.0.to_owned()),
            password: Some(Secret::new(ROOT.1)),
            ..Default::default()
        },
        ..Settings::default()
    }
}

fn admin_url(backend: Backend) -> Option<String> {
    let var = match backend {
        Backend::Sqlite => return None,
        Backend::Postgres => "WARDEN_TEST_POSTGRES_URL",
        Backend::MySql => "WARDEN_TEST_MYSQL_URL",
    };
    let url = std::env::var(var).ok().filter(|u| !u.is_empty());
    if url.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{var} is not set, but CI is: the {backend:?} tests must run"
        );
        eprintln!("SKIPPED: {backend:?} tests need {var}");
    }
    url
}

fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{prefix}_{}_{nanos}", std::process::id())
}

/// A database of the test's own on a server, dropped with it.
pub(crate) struct Scratch {
    backend: Backend,
    admin: String,
    name: String,
    /// The URL the back-end connects to.
    pub(crate) url: String,
}

impl Scratch {
    /// A fresh database on `backend`'s server, or `None` when its URL is not set.
    pub(crate) async fn new(backend: Backend) -> Option<Scratch> {
        let admin = admin_url(backend)?;
        let name = unique("saas");
        let url = match backend {
            Backend::Sqlite => unreachable!("SQLite tests use a temporary file"),
            Backend::Postgres => {
                let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
                // Several tests create the role at once: one of them wins, the others carry on.
                let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "CREATE ROLE {PG_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS"
                )))
                .execute(&mut conn)
                .await;
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "CREATE DATABASE {name} OWNER {PG_ROLE}"
                )))
                .execute(&mut conn)
                .await
                .unwrap();
                server_url(&admin, &name, Some(PG_ROLE))
            }
            Backend::MySql => {
                let mut conn = sqlx::MySqlConnection::connect(&admin).await.unwrap();
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .unwrap();
                server_url(&admin, &name, None)
            }
        };
        Some(Scratch {
            backend,
            admin,
            name,
            url,
        })
    }

    pub(crate) async fn drop(self) {
        let sql = match self.backend {
            Backend::Postgres => format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            _ => format!("DROP DATABASE IF EXISTS {}", self.name),
        };
        let result = match self.backend {
            Backend::Postgres => match sqlx::PgConnection::connect(&self.admin).await {
                Ok(mut conn) => sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .execute(&mut conn)
                    .await
                    .map(drop),
                Err(e) => Err(e),
            },
            _ => match sqlx::MySqlConnection::connect(&self.admin).await {
                Ok(mut conn) => sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .execute(&mut conn)
                    .await
                    .map(drop),
                Err(e) => Err(e),
            },
        };
        if let Err(e) = result {
            eprintln!("could not drop {}: {e}", self.name);
        }
    }
}

/// `admin`'s URL with another database (and user).
fn server_url(admin: &str, database: &str, user: Option<&str>) -> String {
    let (scheme, rest) = admin.split_once("://").expect("a URL");
    let (authority, _) = rest.split_once('/').unwrap_or((rest, ""));
    let host = match (user, authority.rsplit_once('@')) {
        (Some(user), Some((_, host))) => format!("{user}@{host}"),
        (Some(user), None) => format!("{user}@{authority}"),
        (None, _) => authority.to_owned(),
    };
    format!("{scheme}://{host}/{database}")
}

/// The back-end's routes, as the app that the client serves lists them.
pub(crate) type Routes = Arc<Mutex<Vec<RouteInfo>>>;

/// An in-process client of the back-end on `url`, and its route table.
pub(crate) fn client_on(url: Option<&str>) -> (Client, Routes) {
    let routes: Routes = Arc::default();
    let listed = Arc::clone(&routes);
    let build = move |url: String| async move {
        let settings = settings();
        let db = saas::connect(&url, saas::queries().unwrap(), &settings)
            .await
            .unwrap();
        let app = saas::app(settings, db).unwrap();
        *listed.lock().unwrap() = app.routes().to_vec();
        app.router()
    };
    let client = match url {
        Some(url) => Client::on_database(url, build),
        None => Client::on_sqlite(build),
    };
    client.user(ROOT.0, ROOT.1);
    (client, routes)
}

/// The platform creates acme (administrator alice@acme) and globex (bob@globex), and the client
/// registers both administrators (password: `"{admin}'s long password"`).
pub(crate) async fn two_tenants(client: &Client) {
    for (tenant, admin) in [("acme", "alice"), ("globex", "bob")] {
        let password = format!("{admin}'s long password");
        client
            .post("/platform/tenants")
            .user(ROOT.0)
            .json(&warden::json!({ "id": tenant, "name": tenant, "admin": admin, "password": password }))
            .expect(201)
            .await;
        client.user(&format!("{admin}@{tenant}"), &password);
    }
}
