//! sqlx errors of PostgreSQL and MySQL mapped to the crate's kinds, with the constraint they name.

use sqlx::error::{DatabaseError, ErrorKind as SqlxKind};

use crate::error::{Error, ErrorKind};

/// Maps a sqlx error to the crate's kinds.
pub(crate) fn server_error(error: sqlx::Error) -> Error {
    let (kind, constraint) = match &error {
        sqlx::Error::Database(db) => database_error(db.as_ref()),
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => {
            (ErrorKind::Unavailable, None)
        }
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) => (ErrorKind::Unavailable, None),
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => (ErrorKind::Decode, None),
        _ => (ErrorKind::Other, None),
    };
    let message = match &error {
        sqlx::Error::PoolTimedOut => "no connection free in the pool in time".to_owned(),
        // MySQL's message quotes the duplicate value ("Duplicate entry 'calvin' for key
        // 'login'"): keep the log free of data.
        sqlx::Error::Database(db)
            if kind == ErrorKind::UniqueViolation
                && db
                    .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
                    .is_some() =>
        {
            format!(
                "error returned from database: duplicate entry for key '{}'",
                constraint.as_deref().unwrap_or("?")
            )
        }
        other => other.to_string(),
    };
    Error::new(kind, message)
        .with_constraint(constraint)
        .with_source(error)
}

fn database_error(db: &dyn DatabaseError) -> (ErrorKind, Option<String>) {
    let kind = match db.kind() {
        SqlxKind::UniqueViolation => ErrorKind::UniqueViolation,
        SqlxKind::ForeignKeyViolation => ErrorKind::ForeignKeyViolation,
        SqlxKind::NotNullViolation => ErrorKind::NotNullViolation,
        SqlxKind::CheckViolation => ErrorKind::CheckViolation,
        _ => other_kind(db),
    };
    let constraint = if kind.is_constraint_violation() {
        constraint(db, kind)
    } else {
        None
    };
    (kind, constraint)
}

fn other_kind(db: &dyn DatabaseError) -> ErrorKind {
    if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        let code = pg.code();
        return match code {
            "25006" => ErrorKind::ReadOnly,
            // Serialisation failure, deadlock, lock not available, too many connections, out of
            // resources, shutdown or crash in progress, connection exceptions: try again later.
            "40001" | "40P01" | "55P03" | "53300" | "53400" | "57P01" | "57P02" | "57P03" => {
                ErrorKind::Unavailable
            }
            _ if code.starts_with("08") => ErrorKind::Unavailable,
            _ => ErrorKind::Other,
        };
    }
    if let Some(my) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
        return match my.number() {
            // ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
            1792 => ErrorKind::ReadOnly,
            // Too many connections, lock wait timeout, deadlock, server shutdown, lost connection.
            1040 | 1205 | 1213 | 1053 | 2006 | 2013 => ErrorKind::Unavailable,
            _ => ErrorKind::Other,
        };
    }
    ErrorKind::Other
}

/// The constraint (or column) the database names in a violation.
fn constraint(db: &dyn DatabaseError, kind: ErrorKind) -> Option<String> {
    if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        return pg.constraint().or(pg.column()).map(str::to_owned);
    }
    // MySQL and MariaDB only say it in their messages, which may quote the offending value:
    // the key name is looked for after it.
    let message = db.message();
    let name = match kind {
        ErrorKind::UniqueViolation => after_last(message, "for key '", "'"),
        ErrorKind::NotNullViolation => {
            between(message, "Column '", "'").or_else(|| between(message, "Field '", "'"))
        }
        _ => {
            between(message, "CONSTRAINT `", "`").or_else(|| between(message, "constraint '", "'"))
        }
    };
    name.map(str::to_owned)
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let end = text[start..].find(close)? + start;
    Some(&text[start..end])
}

fn after_last<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.rfind(open)? + open.len();
    let end = text[start..].find(close)? + start;
    Some(&text[start..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn between_finds_the_quoted_name() {
        let message = "Duplicate entry 'x for key 'y' for key 'stuff'";
        assert_eq!(after_last(message, "for key '", "'"), Some("stuff"));
        let message = "CONSTRAINT `positive` failed for `db`.`t`";
        assert_eq!(between(message, "CONSTRAINT `", "`"), Some("positive"));
        assert_eq!(between("nothing", "CONSTRAINT `", "`"), None);
        assert_eq!(between("CONSTRAINT `open", "CONSTRAINT `", "`"), None);
    }
}
