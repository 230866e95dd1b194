//! A transaction: named queries run by name on one connection, then committed or rolled back.

use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use sqlx::{MySql, Postgres};

use crate::backend::Backend;
use crate::bind::{Bind, BindSerializer};
use crate::error::Result;
use crate::fetch::{Fetch, Sink};
use crate::params;
use crate::queries::Queries;
use crate::query::{Query, QueryKind, Rendered};
use crate::server::{self, ServerTx};
use crate::sqlite::SqliteTx;
use crate::value::{self, Row};

/// A transaction on one backend's connection.
pub(crate) enum Conn {
    Sqlite(SqliteTx),
    Postgres(ServerTx<Postgres>),
    MySql(ServerTx<MySql>),
}

/// A database transaction, owning its connection.
///
/// Queries are called by name with named parameters: any `Serialize` value whose fields (or
/// keys) are the parameters' names — a struct, a map, `serde_json::json!({...})` — or `&()`
/// when the query has none. `:u.login` reads field `login` of parameter `u`.
///
/// Calling a method that does not fit the query's suffix is an
/// [`ErrorKind::WrongKind`](crate::ErrorKind::WrongKind) error:
///
/// | method                   | suffixes                       |
/// |--------------------------|--------------------------------|
/// | `rows`, `rows_as`        | none, `<!`                     |
/// | `one`, `one_as`          | `^`, `<!`                      |
/// | `scalar`, `scalar_as`    | `$`, `<!`                      |
/// | `execute`                | `!`                            |
/// | `execute_many`           | `*!`                           |
/// | `script`                 | `#`                            |
///
/// Dropping a transaction without [`commit`](Transaction::commit) rolls it back.
///
/// After an error, PostgreSQL refuses further statements in the transaction until it is rolled
/// back; SQLite and MySQL carry on. Either way, warden rolls back a request that failed.
pub struct Transaction {
    /// The database's queries, prepared for this backend.
    queries: Arc<Queries>,
    conn: Conn,
    /// Parameters the transaction's owner binds in every query ([`Transaction::fix_param`]).
    fixed: Vec<(Box<str>, Bind)>,
}

const ROWS: &[QueryKind] = &[QueryKind::Rows, QueryKind::Returning];
const ONE: &[QueryKind] = &[QueryKind::One, QueryKind::Returning];
const SCALAR: &[QueryKind] = &[QueryKind::Value, QueryKind::Returning];

impl Transaction {
    pub(crate) fn new(queries: Arc<Queries>, conn: Conn) -> Self {
        Self {
            queries,
            conn,
            fixed: Vec::new(),
        }
    }

    /// Binds `:name` to `value` in every query this transaction runs from now on, whatever the
    /// caller's parameters say, and without the caller having to pass it: a parameter that
    /// only the transaction's owner may supply. warden binds `:tenant` this way, from the
    /// authenticated identity, so that no request can name another tenant.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), warden_sql::Error> {
    /// use serde_json::json;
    /// use warden_sql::{Database, Queries, TxMode};
    ///
    /// let queries = Queries::parse("q.sql", "-- name: echo$\nSELECT :tenant")?;
    /// let db = Database::connect("sqlite::memory:", queries).await?;
    /// let mut tx = db.begin(TxMode::Read).await?;
    /// tx.fix_param("tenant", &"acme")?;
    /// assert_eq!(tx.scalar("echo", &json!({"tenant": "other"})).await?, json!("acme"));
    /// assert_eq!(tx.scalar("echo", &()).await?, json!("acme"));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::InvalidParameter`](crate::ErrorKind::InvalidParameter) if `value` does not
    /// serialize to a bindable value.
    pub fn fix_param<V: Serialize + ?Sized>(&mut self, name: &str, value: &V) -> Result<()> {
        let bind = value.serialize(BindSerializer).map_err(|e| {
            crate::Error::new(crate::ErrorKind::InvalidParameter, e.0).in_query(&format!(":{name}"))
        })?;
        match self.fixed.iter_mut().find(|(n, _)| &**n == name) {
            Some(slot) => slot.1 = bind,
            None => self.fixed.push((name.into(), bind)),
        }
        Ok(())
    }

    /// Sets a PostgreSQL run-time parameter until the transaction ends
    /// (`set_config(setting, value, true)`): what row-level security policies read with
    /// `current_setting(setting, true)`.
    ///
    /// # Errors
    /// [`ErrorKind::Other`](crate::ErrorKind::Other) on SQLite and MySQL, which have no such
    /// settings; what PostgreSQL says otherwise.
    pub async fn set_local(&mut self, setting: &str, value: &str) -> Result<()> {
        match &mut self.conn {
            Conn::Postgres(tx) => sqlx::query("SELECT set_config($1, $2, true)")
                .bind(setting)
                .bind(value)
                .execute(&mut **tx)
                .await
                .map(drop)
                .map_err(server::server_error::<Postgres>),
            _ => Err(crate::Error::new(
                crate::ErrorKind::Other,
                format!("{setting}: only PostgreSQL has transaction settings"),
            )),
        }
    }

    /// Runs a row-returning query, feeding `sink`.
    async fn fetch<P, S>(
        &mut self,
        method: &str,
        allowed: &[QueryKind],
        name: &str,
        params: &P,
        first_only: bool,
        sink: &mut S,
    ) -> Result<()>
    where
        P: Serialize + ?Sized,
        S: Sink,
    {
        let (query, rendered) = self.queries.prepared(name)?;
        query.expect_kind(method, allowed)?;
        let binds = params::collect(params, query.param_names(), &self.fixed)
            .map_err(|e| e.in_query(name))?;
        let fetch = Fetch {
            first_only,
            last_insert_id: query.kind() == QueryKind::Returning,
        };
        let result = match &mut self.conn {
            Conn::Sqlite(tx) => {
                tx.fetch(rendered, binds, fetch, query.is_slow(), sink)
                    .await
            }
            Conn::Postgres(tx) => server::fetch(tx, rendered, &binds, fetch, sink).await,
            Conn::MySql(tx) => server::fetch(tx, rendered, &binds, fetch, sink).await,
        };
        result.map_err(|e| e.in_query(name))
    }

    /// All rows of a query without suffix (or `<!`), as JSON objects.
    ///
    /// # Errors
    /// [`ErrorKind`](crate::ErrorKind)s: `UnknownQuery`, `WrongKind`, `MissingParameter`,
    /// `InvalidParameter`, `Decode`, and whatever the database says.
    pub async fn rows<P: Serialize + ?Sized>(
        &mut self,
        name: &str,
        params: &P,
    ) -> Result<Vec<Row>> {
        let mut rows = Vec::new();
        let mut sink = |names: &[&str], values| {
            rows.push(value::to_map(names, values));
            Ok(())
        };
        self.fetch("rows", ROWS, name, params, false, &mut sink)
            .await?;
        Ok(rows)
    }

    /// All rows of a query without suffix (or `<!`), each as a `T` (see
    /// [`one_as`](Transaction::one_as) for how rows become `T`s).
    ///
    /// # Errors
    /// As [`rows`](Transaction::rows).
    pub async fn rows_as<T, P>(&mut self, name: &str, params: &P) -> Result<Vec<T>>
    where
        T: DeserializeOwned,
        P: Serialize + ?Sized,
    {
        let mut rows = Vec::new();
        let mut sink = |names: &[&str], values| {
            rows.push(value::to_typed(names, values)?);
            Ok(())
        };
        self.fetch("rows_as", ROWS, name, params, false, &mut sink)
            .await?;
        Ok(rows)
    }

    /// The first row of a `^` (or `<!`) query as a JSON object, `None` when there is none.
    ///
    /// # Errors
    /// As [`rows`](Transaction::rows).
    pub async fn one<P: Serialize + ?Sized>(
        &mut self,
        name: &str,
        params: &P,
    ) -> Result<Option<Row>> {
        let mut row = None;
        let mut sink = |names: &[&str], values| {
            row = Some(value::to_map(names, values));
            Ok(())
        };
        self.fetch("one", ONE, name, params, true, &mut sink)
            .await?;
        Ok(row)
    }

    /// The first row of a `^` (or `<!`) query as a `T`, `None` when there is none.
    ///
    /// A struct or map reads the columns by name, a tuple or `Vec` by position, and any other
    /// type the row's only column.
    ///
    /// # Errors
    /// As [`rows`](Transaction::rows).
    pub async fn one_as<T, P>(&mut self, name: &str, params: &P) -> Result<Option<T>>
    where
        T: DeserializeOwned,
        P: Serialize + ?Sized,
    {
        let mut row = None;
        let mut sink = |names: &[&str], values| {
            row = Some(value::to_typed(names, values)?);
            Ok(())
        };
        self.fetch("one_as", ONE, name, params, true, &mut sink)
            .await?;
        Ok(row)
    }

    /// The first column of the first row of a `$` (or `<!`) query; `null` when there is no row.
    ///
    /// # Errors
    /// As [`rows`](Transaction::rows).
    pub async fn scalar<P: Serialize + ?Sized>(&mut self, name: &str, params: &P) -> Result<Value> {
        let mut scalar = Value::Null;
        let mut sink = |_: &[&str], values: Vec<Value>| {
            scalar = values.into_iter().next().unwrap_or(Value::Null);
            Ok(())
        };
        self.fetch("scalar", SCALAR, name, params, true, &mut sink)
            .await?;
        Ok(scalar)
    }

    /// The first column of the first row of a `$` (or `<!`) query as a `T`; no row reads as
    /// `null`, so use an `Option<T>` when there may be none.
    ///
    /// # Errors
    /// As [`rows`](Transaction::rows).
    pub async fn scalar_as<T, P>(&mut self, name: &str, params: &P) -> Result<T>
    where
        T: DeserializeOwned,
        P: Serialize + ?Sized,
    {
        let scalar = self.scalar(name, params).await?;
        value::value_to_typed(scalar).map_err(|e| e.in_query(name))
    }

    /// Runs a `!` statement; returns the number of rows it changed (matched rows on MySQL too).
    ///
    /// # Errors
    /// As [`rows`](Transaction::rows).
    pub async fn execute<P: Serialize + ?Sized>(&mut self, name: &str, params: &P) -> Result<u64> {
        let (query, rendered) = self.queries.prepared(name)?;
        query.expect_kind("execute", &[QueryKind::Execute])?;
        let binds = params::collect(params, query.param_names(), &self.fixed)
            .map_err(|e| e.in_query(name))?;
        execute(&mut self.conn, query, rendered, vec![binds])
            .await
            .map_err(|e| e.in_query(name))
    }

    /// Runs a `*!` statement once per parameter set; returns the total of changed rows.
    ///
    /// ```no_run
    /// # async fn example(tx: &mut warden_sql::Transaction) -> warden_sql::Result<()> {
    /// use serde_json::json;
    /// let added = tx
    ///     .execute_many("add_stuff", &[json!({"stuff": "Chair"}), json!({"stuff": "Desk"})])
    ///     .await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`rows`](Transaction::rows); nothing runs if a parameter set is missing a parameter.
    pub async fn execute_many<I>(&mut self, name: &str, sets: I) -> Result<u64>
    where
        I: IntoIterator,
        I::Item: Serialize,
    {
        let (query, rendered) = self.queries.prepared(name)?;
        query.expect_kind("execute_many", &[QueryKind::ExecuteMany])?;
        let binds = sets
            .into_iter()
            .map(|set| params::collect(&set, query.param_names(), &self.fixed))
            .collect::<Result<Vec<_>>>()
            .map_err(|e| e.in_query(name))?;
        execute(&mut self.conn, query, rendered, binds)
            .await
            .map_err(|e| e.in_query(name))
    }

    /// Runs a `#` script (several statements, no parameters).
    ///
    /// On MySQL, DDL statements commit implicitly: a script of `CREATE TABLE`s is not undone by
    /// a rollback there.
    ///
    /// # Errors
    /// As [`rows`](Transaction::rows).
    pub async fn script(&mut self, name: &str) -> Result<()> {
        let (query, rendered) = self.queries.prepared(name)?;
        query.expect_kind("script", &[QueryKind::Script])?;
        let result = match &mut self.conn {
            Conn::Sqlite(tx) => tx.script(&rendered.sql, query.is_slow()).await,
            Conn::Postgres(tx) => server::script(tx, &rendered.sql).await,
            Conn::MySql(tx) => server::script(tx, &rendered.sql).await,
        };
        result.map_err(|e| e.in_query(name))
    }

    /// Commits the transaction.
    ///
    /// # Errors
    /// A failed commit (a deferred constraint, a serialisation failure, a lost connection)
    /// leaves nothing written; its kind says why.
    pub async fn commit(self) -> Result<()> {
        match self.conn {
            Conn::Sqlite(tx) => tx.commit(),
            Conn::Postgres(tx) => server::commit(tx).await,
            Conn::MySql(tx) => server::commit(tx).await,
        }
    }

    /// Rolls the transaction back (dropping it does the same).
    ///
    /// # Errors
    /// When the database cannot be told; nothing is written either way.
    pub async fn rollback(self) -> Result<()> {
        match self.conn {
            Conn::Sqlite(tx) => tx.rollback(),
            Conn::Postgres(tx) => server::rollback(tx).await,
            Conn::MySql(tx) => server::rollback(tx).await,
        }
    }

    /// The same transaction, running its named queries from `queries` (prepared for its
    /// backend) instead of the database's: the migrations' own record-keeping queries.
    pub(crate) fn with_queries(mut self, queries: Arc<Queries>) -> Self {
        self.queries = queries;
        self
    }

    /// Runs SQL text that is no named query, as a script of several statements (a migration
    /// step). On SQLite it runs off the async workers: a step may take long.
    pub(crate) async fn run_sql(&mut self, sql: &Arc<str>) -> Result<()> {
        match &mut self.conn {
            Conn::Sqlite(tx) => tx.script(sql, true).await,
            Conn::Postgres(tx) => server::script(tx, sql).await,
            Conn::MySql(tx) => server::script(tx, sql).await,
        }
    }

    /// The backend this transaction runs on.
    #[must_use]
    pub fn backend(&self) -> Backend {
        match self.conn {
            Conn::Sqlite(_) => Backend::Sqlite,
            Conn::Postgres(_) => Backend::Postgres,
            Conn::MySql(_) => Backend::MySql,
        }
    }
}

async fn execute(
    conn: &mut Conn,
    query: &Query,
    rendered: &Rendered,
    binds: Vec<Vec<Bind>>,
) -> Result<u64> {
    match conn {
        Conn::Sqlite(tx) => tx.execute(rendered, binds, query.is_slow()).await,
        Conn::Postgres(tx) => server::execute(tx, rendered, &binds).await,
        Conn::MySql(tx) => server::execute(tx, rendered, &binds).await,
    }
}

impl std::fmt::Debug for Transaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transaction")
            .field("backend", &self.backend())
            .finish_non_exhaustive()
    }
}
