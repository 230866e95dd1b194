//! What PostgreSQL and MySQL share through sqlx, written once over [`sqlx::Database`]: the pool,
//! transactions, running a rendered query and reading its rows, scripts, and the mapping of
//! errors. Each backend module implements [`Server`] with only what differs: how it connects,
//! begins, binds parameters and decodes columns.
//!
//! Every function here is generic and monomorphised per backend: no boxing, no dynamic
//! dispatch, the same code as a hand-written copy per backend.

mod error;

use futures_util::TryStreamExt as _;
use serde_json::Value;
use sqlx::error::{BoxDynError, DatabaseError};
use sqlx::pool::PoolOptions;
use sqlx::{AssertSqlSafe, Column, ColumnIndex, Either, Executor, IntoArguments, Row, TypeInfo};

use crate::bind::Bind;
use crate::error::{Error, ErrorKind, Result};
use crate::fetch::{Fetch, Sink};
use crate::options::Options;
use crate::query::Rendered;
use crate::tx_mode::TxMode;

pub(crate) use error::server_error;

/// A transaction on a server, owning its pooled connection.
pub(crate) type ServerTx<DB> = sqlx::Transaction<'static, DB>;

/// The connect options of a server's connections.
pub(crate) type ConnectOptions<DB> =
    <<DB as sqlx::Database>::Connection as sqlx::Connection>::Options;

/// What differs between the servers warden-sql speaks to through sqlx.
pub(crate) trait Server: sqlx::Database {
    /// The statement that opens a read-only transaction.
    const BEGIN_READ: &'static str;
    /// The statement that opens a write transaction; `None` for sqlx's own `BEGIN`.
    const BEGIN_WRITE: Option<&'static str>;
    /// Whether a `<!` insert without `RETURNING` reports its new row's id (MySQL).
    const REPORTS_INSERT_ID: bool;

    /// The connect options for `url`, keeping `statements` prepared statements per connection.
    fn connect_options(url: &str, statements: usize) -> Result<ConnectOptions<Self>>;

    /// The arguments of one run of `rendered`, from the parameter values in name order.
    fn arguments(rendered: &Rendered, binds: &[Bind]) -> Result<Self::Arguments>;

    /// One column value as JSON.
    fn convert(raw: Self::ValueRef<'_>) -> Result<Value, BoxDynError>;

    /// How many rows a statement changed.
    fn rows_affected(done: &Self::QueryResult) -> u64;

    /// The id of the row an insert added, when the server says it.
    fn inserted_id(_done: &Self::QueryResult) -> Option<u64> {
        None
    }

    /// The kind of an error that is no constraint violation, by the server's own code:
    /// read-only, busy, lost connection... or [`ErrorKind::Other`].
    fn error_kind(error: &dyn DatabaseError) -> ErrorKind;

    /// The constraint (or column) a violation of `kind` names, if the server says it.
    fn constraint(error: &dyn DatabaseError, kind: ErrorKind) -> Option<String>;

    /// The message to log instead of the server's own, when that one may quote data.
    fn safe_message(
        _error: &dyn DatabaseError,
        _kind: ErrorKind,
        _constraint: Option<&str>,
    ) -> Option<String> {
        None
    }
}

/// Opens the pool.
pub(crate) async fn connect<DB: Server>(
    url: &str,
    options: &Options,
    statements: usize,
) -> Result<sqlx::Pool<DB>> {
    PoolOptions::<DB>::new()
        .max_connections(options.max_connections)
        .acquire_timeout(options.acquire_timeout)
        .connect_with(DB::connect_options(url, statements)?)
        .await
        .map_err(server_error::<DB>)
}

pub(crate) async fn begin<DB: Server>(pool: &sqlx::Pool<DB>, mode: TxMode) -> Result<ServerTx<DB>> {
    match (mode, DB::BEGIN_WRITE) {
        (TxMode::Read, _) => pool.begin_with(DB::BEGIN_READ).await,
        (TxMode::Write, Some(statement)) => pool.begin_with(statement).await,
        (TxMode::Write, None) => pool.begin().await,
    }
    .map_err(server_error::<DB>)
}

fn query<'q, DB: Server>(
    rendered: &Rendered,
    binds: &[Bind],
) -> Result<sqlx::query::Query<'q, DB, DB::Arguments>>
where
    DB::Arguments: IntoArguments<DB>,
{
    Ok(sqlx::query_with(
        AssertSqlSafe(rendered.sql.clone()),
        DB::arguments(rendered, binds)?,
    ))
}

/// Runs a row-returning query, feeding `sink`.
pub(crate) async fn fetch<DB: Server, S: Sink>(
    tx: &mut ServerTx<DB>,
    rendered: &Rendered,
    binds: &[Bind],
    how: Fetch,
    sink: &mut S,
) -> Result<()>
where
    DB::Arguments: IntoArguments<DB>,
    usize: ColumnIndex<DB::Row>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    let query = query::<DB>(rendered, binds)?;
    let rows = if how.last_insert_id && DB::REPORTS_INSERT_ID {
        // MySQL has no RETURNING: like aiosql, an insert that returns no rows gives its new
        // row's id.
        let mut rows = Vec::new();
        let mut inserted = None;
        let mut results = (&mut **tx).fetch_many(query);
        while let Some(item) = results.try_next().await.map_err(server_error::<DB>)? {
            match item {
                Either::Left(done) if DB::rows_affected(&done) > 0 => {
                    inserted = DB::inserted_id(&done).filter(|&id| id > 0).or(inserted);
                }
                Either::Left(_) => {}
                Either::Right(row) => rows.push(row),
            }
        }
        drop(results);
        if let (true, Some(id)) = (rows.is_empty(), inserted) {
            return sink.row(&["last_insert_id"], vec![Value::from(id)]);
        }
        rows
    } else if how.first_only {
        query
            .fetch_optional(&mut **tx)
            .await
            .map(|row| row.into_iter().collect())
            .map_err(server_error::<DB>)?
    } else {
        query
            .fetch_all(&mut **tx)
            .await
            .map_err(server_error::<DB>)?
    };
    let wanted = if how.first_only { 1 } else { usize::MAX };
    for row in rows.iter().take(wanted) {
        let names: Vec<&str> = row.columns().iter().map(Column::name).collect();
        let mut values = Vec::with_capacity(names.len());
        for index in 0..names.len() {
            let raw = row.try_get_raw(index).map_err(server_error::<DB>)?;
            values.push(DB::convert(raw).map_err(|e| decode_error(row, index, &e))?);
        }
        sink.row(&names, values)?;
    }
    Ok(())
}

fn decode_error<R: Row>(row: &R, index: usize, error: &BoxDynError) -> Error {
    let column = &row.columns()[index];
    Error::new(
        ErrorKind::Decode,
        format!(
            "column {} of type {}: {error}",
            column.name(),
            column.type_info().name()
        ),
    )
}

/// Runs a statement once per parameter set; returns the total of changed rows.
pub(crate) async fn execute<DB: Server>(
    tx: &mut ServerTx<DB>,
    rendered: &Rendered,
    sets: &[Vec<Bind>],
) -> Result<u64>
where
    DB::Arguments: IntoArguments<DB>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    let mut total = 0;
    for binds in sets {
        let done = query::<DB>(rendered, binds)?
            .execute(&mut **tx)
            .await
            .map_err(server_error::<DB>)?;
        total += DB::rows_affected(&done);
    }
    Ok(total)
}

/// Runs a script of several statements in the transaction.
pub(crate) async fn script<DB: Server>(
    tx: &mut ServerTx<DB>,
    sql: &std::sync::Arc<str>,
) -> Result<()>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    sqlx::raw_sql(AssertSqlSafe(sql.clone()))
        .execute(&mut **tx)
        .await
        .map(drop)
        .map_err(server_error::<DB>)
}

/// Runs a script of several statements in autocommit mode.
pub(crate) async fn run_script<DB: Server>(pool: &sqlx::Pool<DB>, sql: &str) -> Result<()>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .execute(pool)
        .await
        .map(drop)
        .map_err(server_error::<DB>)
}

pub(crate) async fn commit<DB: Server>(tx: ServerTx<DB>) -> Result<()> {
    tx.commit().await.map_err(server_error::<DB>)
}

pub(crate) async fn rollback<DB: Server>(tx: ServerTx<DB>) -> Result<()> {
    tx.rollback().await.map_err(server_error::<DB>)
}
