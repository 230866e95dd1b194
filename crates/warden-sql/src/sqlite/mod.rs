//! SQLite through rusqlite: the embedded default, tuned for one process serving many requests.
//!
//! - One **writer** connection, leased by write transactions one at a time (`BEGIN IMMEDIATE`):
//!   writes are serialised in the process, so `BEGIN IMMEDIATE` only waits for other processes
//!   (asynchronously, up to the busy timeout), and a read-then-write transaction never fails
//!   with `SQLITE_BUSY` half-way.
//! - A small pool of **reader** connections (`PRAGMA query_only`) for read transactions; in WAL
//!   mode they read while the writer writes.
//! - Queries run **inline** on the async worker: a point read costs microseconds, far less than
//!   a hop to another thread. A query marked `-- @slow` runs on tokio's blocking pool instead.
//! - Each connection caches its prepared statements (rusqlite's statement cache).
//!
//! `sqlite::memory:` is one connection shared by readers and writer (each in-memory connection
//! would otherwise be its own database).

mod column;
mod pool;

use std::sync::Arc;
use std::time::Duration;

use rusqlite::fallible_iterator::FallibleIterator;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Batch, Connection, ErrorCode, ToSql};
use serde_json::Value;

use crate::bind::Bind;
use crate::error::{Error, ErrorKind, Result};
use crate::fetch::{Fetch, Sink};
use crate::query::Rendered;
use crate::tx_mode::TxMode;
use column::{ColumnKind, convert};
use pool::{ConnPool, Lease, Role};
pub(crate) use pool::{Settings, Target};

/// The SQLite side of a [`Database`](crate::Database).
pub(crate) struct Sqlite {
    writer: Arc<ConnPool>,
    readers: Option<Arc<ConnPool>>,
    memory: bool,
    busy_timeout: Duration,
}

impl Sqlite {
    /// Its connections, and those not leased, writer and readers together.
    pub(crate) fn pool_state(&self) -> (usize, usize) {
        let (mut connections, mut idle) = self.writer.state();
        if let Some(readers) = &self.readers {
            let (more, idle_more) = readers.state();
            connections += more;
            idle += idle_more;
        }
        (connections, idle)
    }

    pub(crate) fn open(settings: Settings) -> Result<Self> {
        let memory = matches!(settings.target, Target::Memory);
        let settings = Arc::new(settings);
        let writer = ConnPool::new(Role::Writer, 1, &settings)?;
        let readers = if memory || settings.readers == 0 {
            None
        } else {
            Some(ConnPool::new(Role::Reader, settings.readers, &settings)?)
        };
        Ok(Self {
            writer,
            readers,
            memory,
            busy_timeout: settings.busy_timeout,
        })
    }

    pub(crate) async fn begin(&self, mode: TxMode) -> Result<SqliteTx> {
        let lease = match (mode, &self.readers) {
            (TxMode::Read, Some(readers)) => {
                let lease = readers.lease().await?;
                run_cached(lease.conn()?, "BEGIN")?;
                lease
            }
            (TxMode::Read, None) => {
                let lease = self.writer.lease().await?;
                run_cached(lease.conn()?, "BEGIN")?;
                lease
            }
            (TxMode::Write, _) => self.begin_immediate(self.writer.lease().await?).await?,
        };
        Ok(SqliteTx {
            lease,
            read_only: mode == TxMode::Read,
            // An in-memory database dies with its one connection: never let a cancelled slow
            // query take it away.
            may_block: !self.memory,
        })
    }

    /// Takes the write lock. Within the process the writer lease already serialises writers;
    /// another process (a CLI command, a second server) may hold the lock: then wait for it
    /// without blocking the worker, retrying until the busy timeout.
    /// (The lease is moved in and out: a `&Connection` held across an await would make request
    /// futures `!Send`.)
    async fn begin_immediate(&self, lease: Lease) -> Result<Lease> {
        let started = tokio::time::Instant::now();
        let mut pause = Duration::from_millis(1);
        loop {
            let error = match run_cached(lease.conn()?, "BEGIN IMMEDIATE") {
                Ok(()) => return Ok(lease),
                Err(error) => error,
            };
            let waited = started.elapsed();
            if error.kind() != ErrorKind::Unavailable || waited >= self.busy_timeout {
                return Err(error);
            }
            tokio::time::sleep(pause.min(self.busy_timeout - waited)).await;
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }

    /// Runs a script outside any transaction, on the writer. Each statement may wait for other
    /// processes' locks up to the busy timeout, blocking the worker: scripts are for
    /// administration, not requests.
    pub(crate) async fn run_script(&self, sql: &str) -> Result<()> {
        let lease = self.writer.lease().await?;
        let conn = lease.conn()?;
        conn.busy_timeout(self.busy_timeout).map_err(sqlite_error)?;
        let result = script(conn, sql, false);
        conn.busy_timeout(Duration::ZERO).map_err(sqlite_error)?;
        result
    }
}

/// Runs a statement without parameters or results (`BEGIN`, `COMMIT`), prepared once.
fn run_cached(conn: &Connection, sql: &str) -> Result<()> {
    conn.prepare_cached(sql)
        .and_then(|mut stmt| stmt.execute([]))
        .map(drop)
        .map_err(sqlite_error)
}

/// A transaction on one leased connection.
pub(crate) struct SqliteTx {
    lease: Lease,
    read_only: bool,
    may_block: bool,
}

impl SqliteTx {
    /// Runs `job` on the connection: inline, or on the blocking pool when `slow`.
    async fn run<R, F>(&mut self, slow: bool, job: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> Result<R> + Send + 'static,
    {
        if !(slow && self.may_block) {
            return job(self.lease.conn()?);
        }
        let conn =
            self.lease.conn.take().ok_or_else(|| {
                Error::new(ErrorKind::Other, "connection lost by a cancelled query")
            })?;
        let (conn, result) = tokio::task::spawn_blocking(move || {
            let result = job(&conn);
            (conn, result)
        })
        .await
        .map_err(|e| Error::new(ErrorKind::Other, format!("slow query task failed: {e}")))?;
        self.lease.conn = Some(conn);
        result
    }

    pub(crate) async fn fetch<S: Sink>(
        &mut self,
        rendered: &Rendered,
        binds: Vec<Bind>,
        how: Fetch,
        slow: bool,
        sink: &mut S,
    ) -> Result<()> {
        let read_only = self.read_only;
        if slow && self.may_block {
            let sql = rendered.sql.clone();
            let (names, rows) = self
                .run(true, move |conn| {
                    let mut names = Vec::new();
                    let mut rows = Vec::new();
                    fetch(
                        conn,
                        &sql,
                        &binds,
                        read_only,
                        how,
                        &mut |n: &[&str], row| {
                            if names.is_empty() {
                                names = n.iter().map(|&s| s.to_owned()).collect();
                            }
                            rows.push(row);
                            Ok(())
                        },
                    )?;
                    Ok((names, rows))
                })
                .await?;
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            for row in rows {
                sink.row(&names, row)?;
            }
            return Ok(());
        }
        fetch(
            self.lease.conn()?,
            &rendered.sql,
            &binds,
            read_only,
            how,
            sink,
        )
    }

    pub(crate) async fn execute(
        &mut self,
        rendered: &Rendered,
        binds: Vec<Vec<Bind>>,
        slow: bool,
    ) -> Result<u64> {
        let read_only = self.read_only;
        let sql = rendered.sql.clone();
        self.run(slow, move |conn| {
            let mut stmt = prepare(conn, &sql, read_only)?;
            let mut total = 0;
            for set in &binds {
                bind(&mut stmt, set)?;
                let mut rows = stmt.raw_query();
                // A statement with RETURNING gives rows; they are not wanted here.
                while rows.next().map_err(sqlite_error)?.is_some() {}
                total += conn.changes();
            }
            Ok(total)
        })
        .await
    }

    pub(crate) async fn script(&mut self, sql: &Arc<str>, slow: bool) -> Result<()> {
        let read_only = self.read_only;
        let sql = sql.clone();
        self.run(slow, move |conn| script(conn, &sql, read_only))
            .await
    }

    /// Commits; the lease then gives the connection back, outside any transaction.
    pub(crate) fn commit(self) -> Result<()> {
        run_cached(self.lease.conn()?, "COMMIT")
    }

    pub(crate) fn rollback(self) -> Result<()> {
        run_cached(self.lease.conn()?, "ROLLBACK")
    }
}

fn prepare<'c>(
    conn: &'c Connection,
    sql: &str,
    read_only: bool,
) -> Result<rusqlite::CachedStatement<'c>> {
    let stmt = conn.prepare_cached(sql).map_err(sqlite_error)?;
    if read_only && !stmt.readonly() {
        return Err(read_only_error());
    }
    Ok(stmt)
}

fn read_only_error() -> Error {
    Error::new(
        ErrorKind::ReadOnly,
        "the statement writes, in a read-only transaction",
    )
}

/// A parameter as SQLite takes it; text and blobs are borrowed, not copied.
struct SqlBind<'a>(&'a Bind);

impl ToSql for SqlBind<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self.0 {
            Bind::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Bind::Bool(b) => ToSqlOutput::Borrowed(ValueRef::Integer(i64::from(*b))),
            Bind::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Bind::Float(f) => ToSqlOutput::Borrowed(ValueRef::Real(*f)),
            Bind::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Bind::Bytes(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
            Bind::Json(v) => ToSqlOutput::Owned(rusqlite::types::Value::Text(v.to_string())),
        })
    }
}

fn bind(stmt: &mut rusqlite::Statement<'_>, binds: &[Bind]) -> Result<()> {
    for (index, value) in binds.iter().enumerate() {
        stmt.raw_bind_parameter(index + 1, SqlBind(value))
            .map_err(sqlite_error)?;
    }
    Ok(())
}

fn fetch<S: Sink + ?Sized>(
    conn: &Connection,
    sql: &str,
    binds: &[Bind],
    read_only: bool,
    how: Fetch,
    sink: &mut S,
) -> Result<()> {
    let mut stmt = prepare(conn, sql, read_only)?;
    bind(&mut stmt, binds)?;
    let kinds: Vec<ColumnKind> = stmt
        .columns()
        .iter()
        .map(|c| ColumnKind::of(c.decl_type()))
        .collect();
    if kinds.is_empty() {
        // No result columns: an INSERT without RETURNING in a `<!` query. Like aiosql, give
        // the new row's id.
        stmt.raw_execute().map_err(sqlite_error)?;
        if how.last_insert_id && conn.changes() > 0 {
            let id = Value::from(conn.last_insert_rowid());
            sink.row(&["last_insert_id"], vec![id])?;
        }
        return Ok(());
    }
    let mut rows = stmt.raw_query();
    while let Some(row) = rows.next().map_err(sqlite_error)? {
        let stmt = row.as_ref();
        let count = stmt.column_count();
        let mut values = Vec::with_capacity(count);
        for index in 0..count {
            let kind = kinds.get(index).copied().unwrap_or(ColumnKind::Plain);
            values.push(convert(row.get_ref(index).map_err(sqlite_error)?, kind));
        }
        with_names(stmt, count, |names| sink.row(names, values))??;
        if how.first_only {
            break;
        }
    }
    Ok(())
}

/// Calls `f` with the column names, without allocating for up to 16 columns.
fn with_names<R>(
    stmt: &rusqlite::Statement<'_>,
    count: usize,
    f: impl FnOnce(&[&str]) -> R,
) -> Result<R> {
    let name = |index| stmt.column_name(index).map_err(sqlite_error);
    if count <= 16 {
        let mut names = [""; 16];
        for (index, slot) in names.iter_mut().enumerate().take(count) {
            *slot = name(index)?;
        }
        Ok(f(&names[..count]))
    } else {
        let names = (0..count).map(name).collect::<Result<Vec<_>>>()?;
        Ok(f(&names))
    }
}

fn script(conn: &Connection, sql: &str, read_only: bool) -> Result<()> {
    let mut batch = Batch::new(conn, sql);
    while let Some(mut stmt) = batch.next().map_err(sqlite_error)? {
        if read_only && !stmt.readonly() {
            return Err(read_only_error());
        }
        let mut rows = stmt.raw_query();
        while rows.next().map_err(sqlite_error)?.is_some() {}
    }
    Ok(())
}

/// Maps a rusqlite error to the crate's kinds.
pub(crate) fn sqlite_error(error: rusqlite::Error) -> Error {
    use rusqlite::ffi;
    let (kind, constraint) = match &error {
        rusqlite::Error::SqliteFailure(failure, message) => {
            let constraint = message
                .as_deref()
                .and_then(|m| m.split_once("constraint failed: "))
                .map(|(_, name)| name.trim().to_owned());
            let kind = match (failure.code, failure.extended_code) {
                (_, ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY) => {
                    ErrorKind::UniqueViolation
                }
                (_, ffi::SQLITE_CONSTRAINT_FOREIGNKEY) => ErrorKind::ForeignKeyViolation,
                (_, ffi::SQLITE_CONSTRAINT_NOTNULL) => ErrorKind::NotNullViolation,
                (_, ffi::SQLITE_CONSTRAINT_CHECK) => ErrorKind::CheckViolation,
                (ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked, _) => ErrorKind::Unavailable,
                (ErrorCode::CannotOpen, _) => ErrorKind::Unavailable,
                (ErrorCode::ReadOnly, _) => ErrorKind::ReadOnly,
                _ => ErrorKind::Other,
            };
            let constraint = constraint.filter(|_| kind.is_constraint_violation());
            (kind, constraint)
        }
        _ => (ErrorKind::Other, None),
    };
    Error::new(kind, format!("sqlite: {error}"))
        .with_constraint(constraint)
        .with_source(error)
}
