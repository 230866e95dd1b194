//! sqlx errors mapped to the crate's kinds, once for both servers; what each server's own
//! error codes mean is its [`Server`] implementation's.

use sqlx::error::{DatabaseError, ErrorKind as SqlxKind};

use super::Server;
use crate::error::{Error, ErrorKind};

/// Maps a sqlx error of server `DB` to the crate's kinds.
pub(crate) fn server_error<DB: Server>(error: sqlx::Error) -> Error {
    let (kind, constraint) = match &error {
        sqlx::Error::Database(db) => database_error::<DB>(db.as_ref()),
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => {
            (ErrorKind::Unavailable, None)
        }
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) => (ErrorKind::Unavailable, None),
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => (ErrorKind::Decode, None),
        _ => (ErrorKind::Other, None),
    };
    let message = match &error {
        sqlx::Error::PoolTimedOut => "no connection free in the pool in time".to_owned(),
        sqlx::Error::Database(db) => DB::safe_message(db.as_ref(), kind, constraint.as_deref())
            .unwrap_or_else(|| error.to_string()),
        other => other.to_string(),
    };
    Error::new(kind, message)
        .with_constraint(constraint)
        .with_source(error)
}

fn database_error<DB: Server>(db: &dyn DatabaseError) -> (ErrorKind, Option<String>) {
    let kind = match db.kind() {
        SqlxKind::UniqueViolation => ErrorKind::UniqueViolation,
        SqlxKind::ForeignKeyViolation => ErrorKind::ForeignKeyViolation,
        SqlxKind::NotNullViolation => ErrorKind::NotNullViolation,
        SqlxKind::CheckViolation => ErrorKind::CheckViolation,
        _ => DB::error_kind(db),
    };
    let constraint = if kind.is_constraint_violation() {
        DB::constraint(db, kind)
    } else {
        None
    };
    (kind, constraint)
}
