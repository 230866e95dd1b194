//! Warden's own tables (API keys today; audit, roles, blocklists and revocations to come), as
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
//! queries.add_str("warden", warden::schema::QUERIES)?;
//! let db = Database::connect("sqlite::memory:", queries).await?;
//! let applied = warden::schema::apply(&db).await?;
//! assert_eq!(applied.versions(), [1, 2]);
//! assert!(warden::schema::apply(&db).await?.is_empty()); // already there
//! let keys = warden::api_keys::SqlApiKeys::new(db)?;      // its queries are warden's
//! # Ok(()) }
//! ```

use warden_sql::migrations::{Applied, Migrations};

use crate::build_error::BuildError;
use crate::sql::Database;

/// The table that records which of warden's steps a database has.
pub const TABLE: &str = "warden_schema";

/// Warden's named queries on its own tables, to add to the application's queries.
pub const QUERIES: &str = include_str!("sql/queries.sql");

/// Warden's schema steps, in order.
pub fn migrations() -> Result<Migrations, BuildError> {
    Ok(Migrations::new(TABLE)
        .step(1, "api_keys", include_str!("sql/0001_api_keys.sql"))?
        .step(
            2,
            "api_key_signing",
            include_str!("sql/0002_api_key_signing.sql"),
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
