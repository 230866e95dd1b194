//! The harness: a fresh database per test on each backend, and a macro that runs one scenario
//! on all three.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::FutureExt as _;
use warden_sql::{Backend, Database, Options, Queries};

/// The directory of the test SQL files.
pub(crate) fn sql_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/sql")
}

/// The test queries, with their variants.
pub(crate) fn queries() -> Queries {
    Queries::load_file(sql_dir().join("queries.sql")).expect("the test queries load")
}

fn server_url(backend: Backend) -> Option<String> {
    let variable = match backend {
        Backend::Sqlite => return None,
        Backend::Postgres => "WARDEN_TEST_POSTGRES_URL",
        Backend::MySql => "WARDEN_TEST_MYSQL_URL",
    };
    std::env::var(variable).ok().filter(|url| !url.is_empty())
}

/// Whether tests on `backend` can run here; says so when they are skipped.
///
/// # Panics
/// When the server's URL is missing in CI (`CI` set and not empty): CI always sets the URLs,
/// so a missing one is a broken pipeline, which must not pass as a green run of skipped tests.
pub(crate) fn available(backend: Backend, test: &str) -> bool {
    if backend == Backend::Sqlite || server_url(backend).is_some() {
        return true;
    }
    let message = format!(
        "skipped {test} on {backend}: set WARDEN_TEST_{}_URL",
        backend.name().to_uppercase()
    );
    eprintln!("{message}");
    assert!(!in_ci(), "{message} (CI is set, so the URL must be too)");
    false
}

/// Whether this run is in CI, where every backend must be tested.
fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|value| !value.is_empty())
}

/// A name no other test (in this or a parallel run) uses.
fn unique_name() -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "warden_test_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A fresh, empty database of `backend`, and how to remove it.
pub(crate) struct Scratch {
    /// The URL of the fresh database.
    pub(crate) url: String,
    backend: Backend,
    admin: Option<(Database, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl Scratch {
    pub(crate) async fn new(backend: Backend) -> Scratch {
        let name = unique_name();
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("a temporary directory");
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                Scratch {
                    url,
                    backend,
                    admin: None,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => {
                let base = server_url(backend).expect("checked by available()");
                let admin = Database::connect(&base, Queries::new())
                    .await
                    .expect("PostgreSQL is up");
                admin
                    .run_script(&format!("CREATE SCHEMA {name}"))
                    .await
                    .expect("create schema");
                let separator = if base.contains('?') { '&' } else { '?' };
                let url = format!("{base}{separator}options=-c%20search_path%3D{name}");
                Scratch {
                    url,
                    backend,
                    admin: Some((admin, name)),
                    _dir: None,
                }
            }
            Backend::MySql => {
                let base = server_url(backend).expect("checked by available()");
                let admin = Database::connect(&base, Queries::new())
                    .await
                    .expect("MySQL is up");
                admin
                    .run_script(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create database");
                let (server, _) = base.rsplit_once('/').expect("a database in the URL");
                let url = format!("{server}/{name}");
                Scratch {
                    url,
                    backend,
                    admin: Some((admin, name)),
                    _dir: None,
                }
            }
        }
    }

    /// Connects to the scratch database with the test queries and creates the test schema.
    pub(crate) async fn database(&self, options: Options) -> Database {
        schema_database(&self.url, options).await
    }

    pub(crate) async fn drop(self) {
        if let Some((admin, name)) = &self.admin {
            let drop = match self.backend {
                Backend::Postgres => format!("DROP SCHEMA {name} CASCADE"),
                _ => format!("DROP DATABASE {name}"),
            };
            admin
                .run_script(&drop)
                .await
                .expect("drop the scratch database");
            admin.close().await;
        }
    }
}

/// Connects to `url` with the test queries and creates the test schema.
async fn schema_database(url: &str, options: Options) -> Database {
    let db = Database::connect_with(url, queries(), options)
        .await
        .expect("connect to the scratch database");
    db.run_script_file(sql_dir().join("create.sql"))
        .await
        .expect("create the schema");
    db
}

/// Runs `scenario` on a fresh database of `backend` with the test schema, then closes and
/// removes the database, even when the scenario panics.
pub(crate) async fn run_with<F, Fut>(backend: Backend, test: &str, options: Options, scenario: F)
where
    F: FnOnce(Database) -> Fut,
    Fut: Future<Output = ()>,
{
    run_on_url(backend, test, |url| async move {
        let db = schema_database(&url, options).await;
        let outcome = AssertUnwindSafe(scenario(db.clone())).catch_unwind().await;
        db.close().await;
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
    })
    .await;
}

/// Runs `scenario` with the URL of a fresh, empty database of `backend` (no test schema), then
/// removes the database, even when the scenario panics. For tests that connect by themselves,
/// several times.
pub(crate) async fn run_on_url<F, Fut>(backend: Backend, test: &str, scenario: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()>,
{
    if !available(backend, test) {
        return;
    }
    let scratch = Scratch::new(backend).await;
    let outcome = AssertUnwindSafe(scenario(scratch.url.clone()))
        .catch_unwind()
        .await;
    scratch.drop().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// Runs `scenario` on a fresh database of `backend` with default options.
pub(crate) async fn run<F, Fut>(backend: Backend, test: &str, scenario: F)
where
    F: FnOnce(Database) -> Fut,
    Fut: Future<Output = ()>,
{
    run_with(backend, test, Options::new(), scenario).await;
}

/// The three tests of one scenario, `sqlite`, `postgres` and `mysql`, each calling
/// `$runner(backend, name, scenario)`.
macro_rules! backend_tests {
    ($runner:path, $name:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn sqlite() {
            $runner(warden_sql::Backend::Sqlite, stringify!($name), scenario).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn postgres() {
            $runner(warden_sql::Backend::Postgres, stringify!($name), scenario).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn mysql() {
            $runner(warden_sql::Backend::MySql, stringify!($name), scenario).await;
        }
    };
}

/// Declares scenarios that run on every backend, one test per backend:
/// `scenario_name::sqlite`, `scenario_name::postgres`, `scenario_name::mysql`.
macro_rules! on_every_backend {
    ($(
        $(#[$meta:meta])*
        async fn $name:ident($db:ident: Database) $body:block
    )*) => {$(
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn scenario($db: warden_sql::Database) $body

            backend_tests!($crate::support::run, $name);
        }
    )*};
}

/// Declares scenarios that get the URL of an empty database, one test per backend, as
/// `on_every_backend!` does.
macro_rules! on_every_empty_database {
    ($(
        $(#[$meta:meta])*
        async fn $name:ident($url:ident: String) $body:block
    )*) => {$(
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn scenario($url: String) $body

            backend_tests!($crate::support::run_on_url, $name);
        }
    )*};
}
