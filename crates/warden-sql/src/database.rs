//! The database handle: a pool of whichever backend the URL names, and its prepared queries.

use std::path::Path;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sqlx::{MySql, Postgres};

use crate::backend::Backend;
use crate::error::{Error, ErrorKind, Result};
use crate::options::Options;
use crate::queries::Queries;
use crate::server;
use crate::sqlite;
use crate::transaction::{Conn, Transaction};
use crate::tx_mode::TxMode;
use crate::value::Row;

/// One backend's connections.
enum Pool {
    Sqlite(sqlite::Sqlite),
    Postgres(sqlx::Pool<Postgres>),
    MySql(sqlx::Pool<MySql>),
}

struct Shared {
    /// Shared with every transaction, which runs them by name.
    queries: Arc<Queries>,
    pool: Pool,
    backend: Backend,
}

/// The connections of a [`Database`]'s pool at one moment ([`Database::pool_state`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolState {
    /// The connections open (for SQLite, the writer's and the readers', opened at start).
    pub connections: usize,
    /// Those not leased to a transaction.
    pub idle: usize,
}

/// A database: a connection pool and the named queries prepared for its backend.
///
/// Cheap to clone (an `Arc`); share one per application.
///
/// Each autocommit call (`rows`, `one`, `execute`...) runs in a transaction of its own: a read
/// transaction when the query starts with `SELECT` (see [`Query::reads_only`]), a write one
/// otherwise. Use [`begin`](Database::begin) to run several queries in one transaction.
///
/// [`Query::reads_only`]: crate::Query::reads_only
#[derive(Clone)]
pub struct Database(Arc<Shared>);

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("backend", &self.0.backend)
            .field("queries", &self.0.queries.len())
            .finish_non_exhaustive()
    }
}

impl Database {
    /// Connects to `url` with default [`Options`]: `sqlite://file.db` (relative),
    /// `sqlite:///abs/file.db`, `sqlite::memory:`, `postgres://...` (or `postgresql://`),
    /// `mysql://...` (or `mariadb://`).
    ///
    /// # Errors
    /// [`ErrorKind::Load`] if a query does not fit the backend's SQL; [`ErrorKind::Unavailable`]
    /// if the server cannot be reached or the SQLite file opened; [`ErrorKind::Other`] for a
    /// bad URL.
    pub async fn connect(url: &str, queries: Queries) -> Result<Self> {
        Self::connect_with(url, queries, Options::default()).await
    }

    /// Connects to `url` with `options`.
    ///
    /// # Errors
    /// As [`connect`](Database::connect).
    pub async fn connect_with(url: &str, queries: Queries, options: Options) -> Result<Self> {
        let backend = Backend::from_url(url).ok_or_else(|| {
            Error::new(
                ErrorKind::Other,
                "unsupported database URL: use sqlite://, sqlite::memory:, postgres:// or mysql://",
            )
        })?;
        let queries = queries.for_backend(backend)?;
        let statements = options.statement_cache.max(queries.len() + 8);
        let pool = match backend {
            Backend::Sqlite => Pool::Sqlite(sqlite::Sqlite::open(sqlite::Settings {
                target: sqlite::Target::from_url(url)?,
                readers: options.sqlite_readers,
                busy_timeout: options.busy_timeout,
                acquire_timeout: options.acquire_timeout,
                statement_cache: statements,
            })?),
            Backend::Postgres => Pool::Postgres(server::connect(url, &options, statements).await?),
            Backend::MySql => Pool::MySql(server::connect(url, &options, statements).await?),
        };
        Ok(Self(Arc::new(Shared {
            queries: Arc::new(queries),
            pool,
            backend,
        })))
    }

    /// The backend the URL named.
    #[must_use]
    pub fn backend(&self) -> Backend {
        self.0.backend
    }

    /// How many connections the pool holds now, and how many of them wait for work.
    #[must_use]
    pub fn pool_state(&self) -> PoolState {
        match &self.0.pool {
            Pool::Sqlite(sqlite) => {
                let (connections, idle) = sqlite.pool_state();
                PoolState { connections, idle }
            }
            Pool::Postgres(pool) => PoolState {
                connections: pool.size() as usize,
                idle: pool.num_idle(),
            },
            Pool::MySql(pool) => PoolState {
                connections: pool.size() as usize,
                idle: pool.num_idle(),
            },
        }
    }

    /// The queries, as this backend runs them (variants applied).
    #[must_use]
    pub fn queries(&self) -> &Queries {
        &self.0.queries
    }

    /// Opens a transaction on a connection of its own.
    ///
    /// # Errors
    /// [`ErrorKind::Unavailable`] when no connection is free within the acquire timeout or the
    /// server cannot be reached.
    pub async fn begin(&self, mode: TxMode) -> Result<Transaction> {
        // sqlx's connection futures take kilobytes: boxed, they stop making every caller's
        // future that large (SQLite's too), which each request would move around.
        let conn = match &self.0.pool {
            Pool::Sqlite(sqlite) => Conn::Sqlite(sqlite.begin(mode).await?),
            Pool::Postgres(pool) => Conn::Postgres(Box::pin(server::begin(pool, mode)).await?),
            Pool::MySql(pool) => Conn::MySql(Box::pin(server::begin(pool, mode)).await?),
        };
        Ok(Transaction::new(self.0.queries.clone(), conn))
    }

    /// Runs a script of several statements (`create.sql`, `data.sql`, `drop.sql`...) in
    /// autocommit mode, statement after statement. Make creation scripts idempotent with
    /// `IF NOT EXISTS`, so that `db init` can run them again.
    ///
    /// # Errors
    /// The first failing statement's error. On SQLite and MySQL the statements before it stay
    /// done; PostgreSQL runs a multi-statement script as one implicit transaction, all or
    /// nothing (unless the script holds its own `BEGIN`/`COMMIT`).
    pub async fn run_script(&self, sql: &str) -> Result<()> {
        match &self.0.pool {
            Pool::Sqlite(sqlite) => sqlite.run_script(sql).await,
            Pool::Postgres(pool) => server::run_script(pool, sql).await,
            Pool::MySql(pool) => server::run_script(pool, sql).await,
        }
    }

    /// Runs the script file at `path`, or its variant for this backend when one exists next to
    /// it (`create.postgres.sql` instead of `create.sql` on PostgreSQL).
    ///
    /// # Errors
    /// [`ErrorKind::Load`] if the file cannot be read; then as [`run_script`](Database::run_script).
    pub async fn run_script_file(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let variant = path
            .to_str()
            .and_then(|p| p.strip_suffix(".sql"))
            .map(|stem| format!("{stem}.{}.sql", self.backend().name()))
            .filter(|variant| Path::new(variant).is_file());
        let path = variant.as_deref().map_or(path, Path::new);
        let sql = std::fs::read_to_string(path).map_err(|e| {
            Error::new(
                ErrorKind::Load,
                format!("{}: cannot read: {e}", path.display()),
            )
            .with_source(e)
        })?;
        self.run_script(&sql).await
    }

    /// Closes the pool: waits for connections in use to come back, then closes them all.
    pub async fn close(&self) {
        match &self.0.pool {
            Pool::Sqlite(_) => {}
            Pool::Postgres(pool) => pool.close().await,
            Pool::MySql(pool) => pool.close().await,
        }
    }

    /// The transaction mode an autocommit call on `name` needs.
    fn mode_for(&self, name: &str) -> Result<TxMode> {
        let query = self
            .0
            .queries
            .get(name)
            .ok_or_else(|| Error::unknown_query(name))?;
        Ok(if query.reads_only() {
            TxMode::Read
        } else {
            TxMode::Write
        })
    }

    /// [`Transaction::rows`] in a transaction of its own.
    ///
    /// # Errors
    /// As [`Transaction::rows`], plus those of [`begin`](Database::begin) and commit.
    pub async fn rows<P: Serialize + ?Sized>(&self, name: &str, params: &P) -> Result<Vec<Row>> {
        let mut tx = self.begin(self.mode_for(name)?).await?;
        let rows = tx.rows(name, params).await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// [`Transaction::rows_as`] in a transaction of its own.
    ///
    /// # Errors
    /// As [`Database::rows`].
    pub async fn rows_as<T, P>(&self, name: &str, params: &P) -> Result<Vec<T>>
    where
        T: DeserializeOwned,
        P: Serialize + ?Sized,
    {
        let mut tx = self.begin(self.mode_for(name)?).await?;
        let rows = tx.rows_as(name, params).await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// [`Transaction::one`] in a transaction of its own.
    ///
    /// # Errors
    /// As [`Database::rows`].
    pub async fn one<P: Serialize + ?Sized>(&self, name: &str, params: &P) -> Result<Option<Row>> {
        let mut tx = self.begin(self.mode_for(name)?).await?;
        let row = tx.one(name, params).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// [`Transaction::one_as`] in a transaction of its own.
    ///
    /// # Errors
    /// As [`Database::rows`].
    pub async fn one_as<T, P>(&self, name: &str, params: &P) -> Result<Option<T>>
    where
        T: DeserializeOwned,
        P: Serialize + ?Sized,
    {
        let mut tx = self.begin(self.mode_for(name)?).await?;
        let row = tx.one_as(name, params).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// [`Transaction::scalar`] in a transaction of its own.
    ///
    /// # Errors
    /// As [`Database::rows`].
    pub async fn scalar<P: Serialize + ?Sized>(&self, name: &str, params: &P) -> Result<Value> {
        let mut tx = self.begin(self.mode_for(name)?).await?;
        let value = tx.scalar(name, params).await?;
        tx.commit().await?;
        Ok(value)
    }

    /// [`Transaction::scalar_as`] in a transaction of its own.
    ///
    /// # Errors
    /// As [`Database::rows`].
    pub async fn scalar_as<T, P>(&self, name: &str, params: &P) -> Result<T>
    where
        T: DeserializeOwned,
        P: Serialize + ?Sized,
    {
        let mut tx = self.begin(self.mode_for(name)?).await?;
        let value = tx.scalar_as(name, params).await?;
        tx.commit().await?;
        Ok(value)
    }

    /// [`Transaction::execute`] in a transaction of its own.
    ///
    /// # Errors
    /// As [`Database::rows`].
    pub async fn execute<P: Serialize + ?Sized>(&self, name: &str, params: &P) -> Result<u64> {
        let mut tx = self.begin(self.mode_for(name)?).await?;
        let count = tx.execute(name, params).await?;
        tx.commit().await?;
        Ok(count)
    }

    /// [`Transaction::execute_many`] in a transaction of its own: all sets or none.
    ///
    /// # Errors
    /// As [`Database::rows`].
    pub async fn execute_many<I>(&self, name: &str, sets: I) -> Result<u64>
    where
        I: IntoIterator,
        I::Item: Serialize,
    {
        let mut tx = self.begin(self.mode_for(name)?).await?;
        let count = tx.execute_many(name, sets).await?;
        tx.commit().await?;
        Ok(count)
    }

    /// [`Transaction::script`] in a transaction of its own.
    ///
    /// # Errors
    /// As [`Database::rows`].
    pub async fn script(&self, name: &str) -> Result<()> {
        let mut tx = self.begin(self.mode_for(name)?).await?;
        tx.script(name).await?;
        tx.commit().await
    }
}
