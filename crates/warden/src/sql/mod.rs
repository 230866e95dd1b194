//! warden on warden-sql: the request's transaction, committed before the response is sent;
//! database errors mapped to HTTP once; users read through named queries.

mod directory;
mod tx;

pub use directory::SqlDirectory;
pub use tx::Tx;
pub(crate) use tx::TxLayer;
#[doc(no_inline)]
pub use warden_sql::{
    Backend, Database, Error as SqlError, ErrorKind as SqlErrorKind, Options, Queries, Query,
    QueryKind, Row, Transaction, TxMode,
};

use std::time::Duration;

use warden_sql::ErrorKind;

use crate::error::{Error, Result};

impl From<warden_sql::Error> for Error {
    /// Constraint violations are the client's doing (409 for a duplicate, 400 for the others),
    /// an unavailable database is a 503 to retry, and anything else is a 500 whose details stay
    /// in the log.
    fn from(e: warden_sql::Error) -> Self {
        let message = match e.kind() {
            ErrorKind::UniqueViolation => {
                return Error::conflict("conflict with an existing row").with_source(e);
            }
            ErrorKind::ForeignKeyViolation => "a referenced row does not exist",
            ErrorKind::NotNullViolation => "a required value is missing",
            ErrorKind::CheckViolation => "a value is not allowed",
            ErrorKind::Unavailable => return Error::unavailable(e, Duration::from_secs(1)),
            _ => return Error::internal(e),
        };
        Error::bad_request(message).with_source(e)
    }
}

/// Checks at startup that a named query exists with the expected suffix and parameters.
pub(crate) fn check_query(
    db: &Database,
    name: &str,
    kind: QueryKind,
    params: &[&str],
) -> Result<()> {
    let query = db
        .queries()
        .get(name)
        .ok_or_else(|| Error::internal(format!("the directory needs a query named {name:?}")))?;
    if query.kind() != kind {
        return Err(Error::internal(format!(
            "query {name:?} must be a {kind:?} query, not {:?}",
            query.kind()
        )));
    }
    let mut wanted: Vec<&str> = params.to_vec();
    let mut given: Vec<&str> = query.params().collect();
    wanted.sort_unstable();
    given.sort_unstable();
    given.dedup();
    if wanted != given {
        return Err(Error::internal(format!(
            "query {name:?} must take the parameters {params:?}, not {given:?}"
        )));
    }
    Ok(())
}
