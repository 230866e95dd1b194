//! Whether a transaction may write: the one setting every backend's `begin` takes.

/// Whether a transaction may write.
///
/// warden opens `Read` transactions for safe HTTP methods (GET, HEAD) and `Write` ones for the
/// others. A write inside a `Read` transaction fails with
/// [`ErrorKind::ReadOnly`](crate::ErrorKind::ReadOnly) on every backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TxMode {
    /// Read-only: on SQLite a reader connection and `BEGIN`; `READ ONLY` transactions on the
    /// servers.
    Read,
    /// May write: on SQLite the one writer connection and `BEGIN IMMEDIATE`, so that a
    /// read-then-write transaction never meets `SQLITE_BUSY` half-way.
    Write,
}
