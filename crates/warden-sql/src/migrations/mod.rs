//! Schema migrations: numbered, per-backend steps, applied once each and recorded with their
//! checksum. [`Migrations`] is the entry point; [`Sql`] gives a step a text per backend.

mod dir;
mod engine;
mod record;
mod report;
mod step;

use std::path::Path;

use crate::database::Database;
use crate::error::{Error, ErrorKind, Result};

pub use report::{Applied, StepState, StepStatus};
pub use step::{Sql, Step};

/// A schema's history as numbered steps, applied in order, each once, and recorded in a table
/// of the database with the SHA-256 of its SQL.
///
/// Steps come from code ([`step`](Migrations::step)) or from a folder of numbered SQL files
/// ([`from_dir`](Migrations::from_dir)); each may have a different text per backend ([`Sql`]).
/// [`apply`](Migrations::apply) runs those the database has not recorded yet, and is
/// idempotent: a second call finds nothing to do. It refuses to run when
///
/// - an applied step's text has changed since (its checksum differs): add a new step instead;
/// - the database records a version higher than the highest the code knows: the database was
///   migrated by newer code, which this code may not understand
///   (`database schema is newer than this code (version N > M)`).
///
/// The record table (`version`, `name`, `checksum`, `applied_at`) is created when missing.
///
/// # Transactions and locks
///
/// On SQLite and PostgreSQL, where DDL is transactional, each step runs in one transaction
/// with its record row: a failing step leaves neither schema changes nor a record. Two
/// processes starting together do not apply a step twice: each step's transaction takes a lock
/// first (SQLite's `BEGIN IMMEDIATE`, PostgreSQL's `pg_advisory_xact_lock`) and reads the
/// record again inside it. On SQLite the second process waits for a step at most the
/// [busy timeout](crate::Options::busy_timeout), then fails with
/// [`ErrorKind::Unavailable`]: give a long step a longer timeout. PostgreSQL waits as long as
/// the step takes (or the session's `lock_timeout`).
///
/// MySQL and MariaDB commit implicitly before and after DDL, so a step cannot be undone
/// there: it runs statement after statement in autocommit mode, and is recorded once it has
/// run. A step that fails half-way leaves its first statements done and no record; fix the
/// database by hand (or write steps with `IF NOT EXISTS`) before applying again. The lock is
/// `GET_LOCK`, held by one connection for the whole run (waiting at most 60 s for another
/// process, then failing with [`ErrorKind::Unavailable`]).
///
/// # Example
///
/// ```
/// use warden_sql::migrations::{Migrations, Sql, StepState};
/// use warden_sql::{Database, Queries};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), warden_sql::Error> {
/// let migrations = Migrations::new("app_schema")
///     .step(1, "create_stuff", Sql::new(
///         "CREATE TABLE Stuff(sid INTEGER PRIMARY KEY, stuff TEXT NOT NULL)",
///     ).postgres(
///         "CREATE TABLE Stuff(sid SERIAL PRIMARY KEY, stuff TEXT NOT NULL)",
///     ))?
///     .step(2, "index_stuff", "CREATE UNIQUE INDEX stuff_stuff ON Stuff(stuff)")?;
///
/// let db = Database::connect("sqlite::memory:", Queries::new()).await?;
/// let applied = migrations.apply(&db).await?;
/// assert_eq!(applied.versions(), [1, 2]);
/// assert_eq!(applied.current(), Some(2));
/// // Idempotent: nothing left to do.
/// assert!(migrations.apply(&db).await?.is_empty());
/// let status = migrations.status(&db).await?;
/// assert!(status.iter().all(|step| step.state() == StepState::Applied));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Migrations {
    table: String,
    steps: Vec<Step>,
}

impl Migrations {
    /// No steps yet, recorded in `table` (lowercase letters, digits and `_`; checked by
    /// [`apply`](Migrations::apply) and [`status`](Migrations::status)).
    #[must_use]
    pub fn new(table: impl Into<String>) -> Self {
        Self {
            table: table.into(),
            steps: Vec::new(),
        }
    }

    /// Adds a step. `sql` is a `&str` or `String` for every backend, or a [`Sql`] with
    /// per-backend texts; it may hold several statements.
    ///
    /// # Errors
    /// [`ErrorKind::Migration`] when `version` is 0 or not above the previous step's, or the
    /// name is empty.
    pub fn step(
        mut self,
        version: u32,
        name: impl Into<String>,
        sql: impl Into<Sql>,
    ) -> Result<Self> {
        let name = name.into();
        let previous = self.steps.last().map_or(0, Step::version);
        if version <= previous {
            return Err(Error::new(
                ErrorKind::Migration,
                format!(
                    "step {version} {name}: versions must start at 1 and increase strictly \
                     (the previous step is {previous})"
                ),
            ));
        }
        if name.is_empty() {
            return Err(Error::new(
                ErrorKind::Migration,
                format!("step {version} has no name"),
            ));
        }
        self.steps.push(Step::new(version, name, sql.into()));
        Ok(self)
    }

    /// The steps in folder `dir`, recorded in `table`: one file per step named
    /// `NNNN_name.sql` (any number of digits: the version; then the name), for every
    /// backend, and optionally `NNNN_name.sqlite.sql`, `NNNN_name.postgres.sql` or
    /// `NNNN_name.mysql.sql` for one backend instead. Files not ending in `.sql` are left
    /// alone.
    ///
    /// ```no_run
    /// # async fn start(db: &warden_sql::Database) -> warden_sql::Result<()> {
    /// use warden_sql::Migrations;
    ///
    /// // migrations/0001_create_users.sql, migrations/0001_create_users.mysql.sql, ...
    /// let applied = Migrations::from_dir("app_schema", "migrations")?.apply(db).await?;
    /// println!("applied {:?}, schema version {:?}", applied.versions(), applied.current());
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::Load`] when the folder or a file cannot be read, a `.sql` file is not
    /// named as above, or two files give one version different names or the same backend;
    /// [`ErrorKind::Migration`] for a version 0.
    pub fn from_dir(table: impl Into<String>, dir: impl AsRef<Path>) -> Result<Self> {
        let mut migrations = Self::new(table);
        for step in dir::load(dir.as_ref())? {
            migrations = migrations.step(step.version(), step.name(), step.sql().clone())?;
        }
        Ok(migrations)
    }

    /// The record table's name.
    #[must_use]
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The steps, in version order.
    #[must_use]
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// Applies the steps `db` has not recorded yet, in version order; returns which.
    ///
    /// # Errors
    /// [`ErrorKind::Migration`] when an applied step changed, the database is newer than the
    /// code, a step has no SQL for this backend or the table name is invalid; a failing
    /// step's own error (its message names the step); [`ErrorKind::Unavailable`] when another
    /// process holds the lock too long.
    pub async fn apply(&self, db: &Database) -> Result<Applied> {
        engine::apply(db, &self.table, &self.steps).await
    }

    /// Where each step stands in `db`, in version order, with the versions the database
    /// records but the code does not know. Reads only: the record table is not created.
    ///
    /// # Errors
    /// [`ErrorKind::Migration`] for an invalid table name; the database's errors.
    pub async fn status(&self, db: &Database) -> Result<Vec<StepStatus>> {
        engine::status(db, &self.table, &self.steps).await
    }
}
