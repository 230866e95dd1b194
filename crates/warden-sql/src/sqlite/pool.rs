//! A fixed set of SQLite connections, leased one at a time and given back clean.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use tokio::sync::{Semaphore, TryAcquireError};

use super::sqlite_error;
use crate::error::{Error, ErrorKind, Result};

/// Where the database lives.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    File(PathBuf),
    Memory,
}

impl Target {
    /// The target of a `sqlite:` URL.
    pub(crate) fn from_url(url: &str) -> Result<Self> {
        let rest = url
            .strip_prefix("sqlite:")
            .ok_or_else(|| Error::new(ErrorKind::Other, "not a sqlite: URL"))?;
        let path = rest.strip_prefix("//").unwrap_or(rest);
        if path.contains('?') {
            return Err(Error::new(
                ErrorKind::Other,
                "SQLite URLs take no options; use warden_sql::Options",
            ));
        }
        match path {
            ":memory:" | "memory:" => Ok(Self::Memory),
            "" => Err(Error::new(
                ErrorKind::Other,
                "SQLite URL without a file: use sqlite://file.db or sqlite::memory:",
            )),
            path => Ok(Self::File(PathBuf::from(path))),
        }
    }
}

/// What the pool needs to open its connections.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) target: Target,
    pub(crate) readers: usize,
    pub(crate) busy_timeout: Duration,
    pub(crate) acquire_timeout: Duration,
    pub(crate) statement_cache: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Writer,
    Reader,
}

/// A fixed number of connections, opened again if one is lost.
pub(super) struct ConnPool {
    idle: Mutex<Vec<Connection>>,
    permits: Semaphore,
    /// How many connections it holds.
    size: usize,
    role: Role,
    settings: Arc<Settings>,
}

impl ConnPool {
    pub(super) fn new(role: Role, size: usize, settings: &Arc<Settings>) -> Result<Arc<Self>> {
        let pool = Arc::new(Self {
            idle: Mutex::new(Vec::with_capacity(size)),
            permits: Semaphore::new(size),
            size,
            role,
            settings: settings.clone(),
        });
        // Open them all now, so that a bad path fails at startup, not at the first request.
        let connections = (0..size).map(|_| pool.open()).collect::<Result<Vec<_>>>()?;
        *pool.lock() = connections;
        Ok(pool)
    }

    /// Its connections, and those not leased.
    pub(super) fn state(&self) -> (usize, usize) {
        (self.size, self.permits.available_permits().min(self.size))
    }

    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Connection>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn open(&self) -> Result<Connection> {
        let settings = &self.settings;
        let conn = match &settings.target {
            Target::Memory => Connection::open_in_memory(),
            Target::File(path) => Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_WRITE
                    | OpenFlags::SQLITE_OPEN_CREATE
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            ),
        }
        .map_err(sqlite_error)?;
        // The writer waits for other processes' locks asynchronously (see `Sqlite::begin`), so
        // that a worker thread never sleeps in SQLite's busy handler.
        let busy_timeout = match self.role {
            Role::Writer => Duration::ZERO,
            Role::Reader => settings.busy_timeout,
        };
        conn.busy_timeout(busy_timeout).map_err(sqlite_error)?;
        conn.set_prepared_statement_cache_capacity(settings.statement_cache);
        if self.role == Role::Writer && matches!(settings.target, Target::File(_)) {
            let mode: String = conn
                .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
                .map_err(sqlite_error)?;
            if !mode.eq_ignore_ascii_case("wal") {
                tracing::warn!(journal_mode = %mode, "SQLite refused WAL mode");
            }
        }
        let pragmas = match self.role {
            Role::Writer => "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
            Role::Reader => "PRAGMA foreign_keys = ON; PRAGMA query_only = ON;",
        };
        conn.execute_batch(pragmas).map_err(sqlite_error)?;
        Ok(conn)
    }

    /// Leases a connection, waiting at most the acquire timeout for one.
    pub(super) async fn lease(self: &Arc<Self>) -> Result<Lease> {
        let permit = match self.permits.try_acquire() {
            Ok(permit) => permit,
            Err(TryAcquireError::NoPermits) => {
                let timeout = self.settings.acquire_timeout;
                tokio::time::timeout(timeout, self.permits.acquire())
                    .await
                    .map_err(|_| {
                        Error::new(
                            ErrorKind::Unavailable,
                            format!(
                                "no SQLite {} connection free within {timeout:?}",
                                self.role_name()
                            ),
                        )
                    })?
                    .map_err(|_| closed())?
            }
            Err(TryAcquireError::Closed) => return Err(closed()),
        };
        // The lease gives the permit back when it ends.
        permit.forget();
        let mut lease = Lease {
            conn: None,
            pool: self.clone(),
        };
        let idle = self.lock().pop();
        lease.conn = Some(match idle {
            Some(conn) => conn,
            None => self.open()?,
        });
        Ok(lease)
    }

    fn role_name(&self) -> &'static str {
        match self.role {
            Role::Writer => "writer",
            Role::Reader => "reader",
        }
    }
}

fn closed() -> Error {
    Error::new(ErrorKind::Unavailable, "the database is closed")
}

/// One connection taken from a pool; given back (rolled back if need be) when dropped.
pub(super) struct Lease {
    /// `None` only while a slow query has it on the blocking pool.
    pub(super) conn: Option<Connection>,
    pool: Arc<ConnPool>,
}

impl Lease {
    pub(super) fn conn(&self) -> Result<&Connection> {
        self.conn
            .as_ref()
            .ok_or_else(|| Error::new(ErrorKind::Other, "connection lost by a cancelled query"))
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            let clean = conn.is_autocommit()
                || (conn.execute_batch("ROLLBACK").is_ok() && conn.is_autocommit());
            // A connection stuck in a transaction is closed (which rolls back); the pool opens
            // a new one when needed.
            if clean {
                self.pool.lock().push(conn);
            }
        }
        self.pool.permits.add_permits(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_a_file_or_memory() {
        assert!(matches!(
            Target::from_url("sqlite::memory:"),
            Ok(Target::Memory)
        ));
        assert!(matches!(
            Target::from_url("sqlite://:memory:"),
            Ok(Target::Memory)
        ));
        match Target::from_url("sqlite://data/app.db").unwrap() {
            Target::File(path) => assert_eq!(path, PathBuf::from("data/app.db")),
            Target::Memory => panic!("not memory"),
        }
        match Target::from_url("sqlite:///var/app.db").unwrap() {
            Target::File(path) => assert_eq!(path, PathBuf::from("/var/app.db")),
            Target::Memory => panic!("not memory"),
        }
        assert!(Target::from_url("sqlite://").is_err());
        assert!(Target::from_url("sqlite://x.db?mode=ro").is_err());
    }
}
