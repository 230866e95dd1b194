//! The record table of applied steps, and the lock that keeps two processes from applying the
//! same step: the SQL of each, per backend, as named queries.

use std::sync::Arc;

use crate::backend::Backend;
use crate::error::{Error, ErrorKind, Result};
use crate::queries::Queries;

/// How long MySQL waits for another process's migration lock, in seconds.
pub(super) const MYSQL_LOCK_SECONDS: u32 = 60;

/// Checks that `table` can be written into SQL as it is: lowercase letters, digits and `_`,
/// not starting with a digit, at most 63 characters (PostgreSQL's limit). Lowercase, because
/// PostgreSQL folds unquoted names and MySQL may compare them case-sensitively.
pub(super) fn check_table_name(table: &str) -> Result<()> {
    let mut chars = table.chars();
    let valid = table.len() <= 63
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::Migration,
            format!(
                "bad migrations table name {table:?}: use lowercase letters, digits and _ \
                 (at most 63)"
            ),
        ))
    }
}

/// The record-keeping queries for `table` on `backend`, prepared for it:
/// `create#`, `exists$`, `records`, `record!`, and the lock: `lock#` (PostgreSQL, in the
/// transaction), `lock$` and `unlock$` (MySQL, for the session).
pub(super) fn queries(table: &str, backend: Backend) -> Result<Arc<Queries>> {
    check_table_name(table)?;
    let create = match backend {
        Backend::Sqlite => format!(
            "CREATE TABLE IF NOT EXISTS {table} (version INTEGER PRIMARY KEY, \
             name TEXT NOT NULL, checksum TEXT NOT NULL, \
             applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)"
        ),
        Backend::Postgres => format!(
            "CREATE TABLE IF NOT EXISTS {table} (version BIGINT PRIMARY KEY, \
             name TEXT NOT NULL, checksum VARCHAR(64) NOT NULL, \
             applied_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP)"
        ),
        Backend::MySql => format!(
            "CREATE TABLE IF NOT EXISTS {table} (version BIGINT PRIMARY KEY, \
             name VARCHAR(255) NOT NULL, checksum VARCHAR(64) NOT NULL, \
             applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)"
        ),
    };
    let exists = match backend {
        Backend::Sqlite => {
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = :table"
        }
        Backend::Postgres => {
            "SELECT COUNT(*) FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name = :table"
        }
        Backend::MySql => {
            "SELECT COUNT(*) FROM information_schema.tables \
             WHERE table_schema = DATABASE() AND table_name = :table"
        }
    };
    // The lock is named after the schema (or database) and the table: tests and tenants in
    // other schemas of the same server do not wait for each other.
    let lock = match backend {
        Backend::Sqlite => String::new(),
        Backend::Postgres => format!(
            "-- name: lock#\n\
             SELECT pg_advisory_xact_lock(hashtext('warden_sql'), \
             hashtext(current_schema() || '.{table}'));\n"
        ),
        Backend::MySql => {
            let name = format!("MD5(CONCAT('warden_sql.', DATABASE(), '.{table}'))");
            format!(
                "-- name: lock$\nSELECT GET_LOCK({name}, {MYSQL_LOCK_SECONDS})\n\n\
                 -- name: unlock$\nSELECT RELEASE_LOCK({name})\n"
            )
        }
    };
    let text = format!(
        "-- name: create#\n{create};\n\n\
         -- name: exists$\n{exists}\n\n\
         -- name: records\n\
         SELECT version, name, checksum, applied_at FROM {table} ORDER BY version\n\n\
         -- name: record!\n\
         INSERT INTO {table}(version, name, checksum) VALUES (:version, :name, :checksum)\n\n\
         {lock}"
    );
    Ok(Arc::new(
        Queries::parse("migrations.sql", &text)?.for_backend(backend)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_queries_parse_on_every_backend() {
        for backend in Backend::ALL {
            let queries = queries("warden_schema", backend).unwrap();
            assert!(queries.get("records").is_some(), "{backend}");
        }
    }

    #[test]
    fn table_names_must_be_plain_identifiers() {
        assert!(check_table_name("warden_schema").is_ok());
        assert!(check_table_name("_m2").is_ok());
        for bad in ["", "2m", "Schema", "a;drop", "a b", &"a".repeat(64)] {
            let error = check_table_name(bad).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Migration, "{bad}");
        }
    }
}
