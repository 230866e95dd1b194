//! warden on warden-sql: the request's transaction, committed before the response is sent;
//! database errors mapped to HTTP once; the startup check of the queries warden itself calls.

mod tx;

pub use tx::Tx;
pub(crate) use tx::TxLayer;
#[doc(no_inline)]
pub use warden_sql::migrations;
#[doc(no_inline)]
pub use warden_sql::{
    Backend, Database, Error as SqlError, ErrorKind as SqlErrorKind, Options, Queries, Query,
    QueryKind, Row, Transaction, TxMode, redact_url,
};

use std::time::Duration;

use warden_sql::ErrorKind;

use crate::build_error::BuildError;
use crate::error::{Error, Fault};

impl From<warden_sql::Error> for Error {
    /// Constraint violations are the client's doing (409 for a duplicate, 400 for the others),
    /// named by the constraint or column that refused the change when the database says which
    /// (`a value is not allowed (tasks_title_check)`): a name from the schema, never a value
    /// from a row. An unavailable database is a 503 to retry, and anything else is a 500 whose
    /// details stay in the log.
    fn from(e: warden_sql::Error) -> Self {
        let gist = match e.kind() {
            ErrorKind::UniqueViolation => "conflict with an existing row",
            ErrorKind::ForeignKeyViolation => "a referenced row does not exist",
            ErrorKind::NotNullViolation => "a required value is missing",
            ErrorKind::CheckViolation => "a value is not allowed",
            ErrorKind::Unavailable => {
                return Error::unavailable(e, Duration::from_secs(1)).fault(Fault::Database);
            }
            _ => return Error::internal(e).fault(Fault::Database),
        };
        let message = match e.constraint() {
            Some(name) => format!("{gist} ({name})"),
            None => gist.to_owned(),
        };
        if e.kind() == ErrorKind::UniqueViolation {
            Error::conflict(message).with_source(e)
        } else {
            Error::bad_request(message).with_source(e)
        }
    }
}

/// Checks at startup that a named query exists with the expected suffix and parameters.
pub(crate) fn check_query(
    db: &Database,
    name: &str,
    kind: QueryKind,
    params: &[&str],
) -> Result<(), BuildError> {
    let query = db.queries().get(name).ok_or_else(|| {
        format!(
            "the queries have no {name:?} (-- name: {name}{})",
            kind.suffix()
        )
    })?;
    if query.kind() != kind {
        let suffix = |kind: QueryKind| match kind.suffix() {
            "" => "no suffix".to_owned(),
            suffix => format!("the suffix {suffix}"),
        };
        return Err(format!(
            "query {name:?} must have {} (-- name: {name}{}), not {}",
            suffix(kind),
            kind.suffix(),
            suffix(query.kind())
        )
        .into());
    }
    let mut wanted: Vec<&str> = params.to_vec();
    let mut given: Vec<&str> = query.params().collect();
    wanted.sort_unstable();
    given.sort_unstable();
    given.dedup();
    if wanted != given {
        return Err(
            format!("query {name:?} must take the parameters {params:?}, not {given:?}").into(),
        );
    }
    Ok(())
}
