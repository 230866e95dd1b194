//! Connection settings: pool sizes and timeouts, each with a default.

use std::time::Duration;

/// Connection settings. Every setting has a default; [`Options::new`] gives them all.
///
/// ```
/// use std::time::Duration;
/// use warden_sql::Options;
///
/// let options = Options::new()
///     .max_connections(20)
///     .sqlite_readers(8)
///     .busy_timeout(Duration::from_secs(2));
/// ```
#[derive(Debug, Clone)]
pub struct Options {
    pub(crate) max_connections: u32,
    pub(crate) sqlite_readers: usize,
    pub(crate) acquire_timeout: Duration,
    pub(crate) busy_timeout: Duration,
    pub(crate) statement_cache: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            max_connections: 10,
            sqlite_readers: 4,
            acquire_timeout: Duration::from_secs(5),
            busy_timeout: Duration::from_secs(5),
            statement_cache: 256,
        }
    }
}

impl Options {
    /// The defaults: 10 server connections, 4 SQLite readers, 5 s acquire and busy timeouts,
    /// 256 cached statements per connection.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// PostgreSQL and MySQL: the most connections the pool opens (default 10).
    #[must_use]
    pub fn max_connections(mut self, max: u32) -> Self {
        self.max_connections = max.max(1);
        self
    }

    /// SQLite: how many reader connections serve read transactions, besides the one writer
    /// (default 4). With 0, reads share the writer.
    #[must_use]
    pub fn sqlite_readers(mut self, readers: usize) -> Self {
        self.sqlite_readers = readers;
        self
    }

    /// How long `begin` waits for a free connection before failing with
    /// [`ErrorKind::Unavailable`](crate::ErrorKind::Unavailable) (default 5 s).
    #[must_use]
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// SQLite: how long a statement waits for a lock held by another process before failing
    /// with [`ErrorKind::Unavailable`](crate::ErrorKind::Unavailable) (default 5 s).
    #[must_use]
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// How many prepared statements each connection keeps (default 256; at least the number of
    /// queries, so that every named query stays prepared).
    #[must_use]
    pub fn statement_cache_capacity(mut self, capacity: usize) -> Self {
        self.statement_cache = capacity;
        self
    }
}
