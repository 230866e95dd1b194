//! Warden's own tables (API keys, per-user revocations, the IP blocklist, roles and permissions,
//! the audit trail), as
//! numbered steps applied by warden-sql's migrations engine and recorded in `warden_schema`
//! with their checksums: idempotent, refusing an edited step or a database newer than this
//! code, on SQLite, PostgreSQL and MySQL/MariaDB alike.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), warden::BuildError> {
//! use warden::sql::{Database, Queries};
//!
//! let mut queries = Queries::new();
//! warden::schema::add_queries(&mut queries)?;
//! let db = Database::connect("sqlite::memory:", queries).await?;
//! let applied = warden::schema::apply(&db).await?;
//! assert_eq!(applied.versions(), [1, 2, 3, 4, 5, 6]);
//! assert!(warden::schema::apply(&db).await?.is_empty()); // already there
//! let keys = warden::api_keys::SqlApiKeys::new(db)?;      // its queries are warden's
//! # Ok(()) }
//! ```

use warden_sql::migrations::{Applied, Migrations, Sql};

use crate::build_error::BuildError;
use crate::sql::{Backend, Database, Queries};

/// The table that records which of warden's steps a database has.
pub const TABLE: &str = "warden_schema";

/// Warden's named queries on its own tables, to add to the application's queries with
/// [`add_queries`] (which also adds their MySQL/MariaDB variants).
pub const QUERIES: &str = include_str!("sql/queries.sql");

/// The MySQL/MariaDB variants of some of [`QUERIES`].
pub const QUERIES_MYSQL: &str = include_str!("sql/queries.mysql.sql");

/// Adds warden's queries, and their per-backend variants, to the application's.
///
/// # Errors
/// A name that the application's queries already use.
pub fn add_queries(queries: &mut Queries) -> Result<(), BuildError> {
    queries.add_str("warden/queries.sql", QUERIES)?;
    queries.add_variant_str(
        Some(Backend::MySql),
        "warden/queries.mysql.sql",
        QUERIES_MYSQL,
    )?;
    Ok(())
}

/// Warden's schema steps, in order.
pub fn migrations() -> Result<Migrations, BuildError> {
    Ok(Migrations::new(TABLE)
        .step(1, "api_keys", include_str!("sql/0001_api_keys.sql"))?
        .step(
            2,
            "api_key_signing",
            include_str!("sql/0002_api_key_signing.sql"),
        )?
        .step(3, "revocations", include_str!("sql/0003_revocations.sql"))?
        .step(4, "blocklist", include_str!("sql/0004_blocklist.sql"))?
        .step(5, "roles", include_str!("sql/0005_roles.sql"))?
        .step(
            6,
            "audit",
            Sql::new(include_str!("sql/0006_audit.sql"))
                .postgres(include_str!("sql/0006_audit.postgres.sql"))
                .mysql(include_str!("sql/0006_audit.mysql.sql")),
        )?)
}

/// Brings a database up to warden's schema: applies the steps it lacks and says which.
///
/// # Errors
/// A step that fails, a step changed since it was applied, or a database whose schema is
/// newer than this version of warden.
pub async fn apply(db: &Database) -> Result<Applied, BuildError> {
    Ok(migrations()?.apply(db).await?)
}
