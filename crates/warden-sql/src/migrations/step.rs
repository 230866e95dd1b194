//! One migration step: a version, a name, and its SQL for each backend.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use crate::backend::Backend;

/// The SQL of a step: one text for every backend, and per-backend overrides.
///
/// A backend runs its override when there is one, the default text otherwise. A `&str` or a
/// `String` converts into a `Sql` for every backend.
///
/// ```
/// use warden_sql::Backend;
/// use warden_sql::migrations::Sql;
///
/// let sql = Sql::new("CREATE TABLE Stuff(sid INTEGER PRIMARY KEY, stuff TEXT)")
///     .postgres("CREATE TABLE Stuff(sid SERIAL PRIMARY KEY, stuff TEXT)")
///     .mysql("CREATE TABLE Stuff(sid INTEGER AUTO_INCREMENT PRIMARY KEY, stuff TEXT)");
/// assert!(sql.for_backend(Backend::Sqlite).unwrap().contains("INTEGER PRIMARY KEY"));
/// assert!(sql.for_backend(Backend::Postgres).unwrap().contains("SERIAL"));
/// // Only for PostgreSQL: other backends have nothing to run.
/// let sql = Sql::default().postgres("CREATE EXTENSION IF NOT EXISTS citext");
/// assert_eq!(sql.for_backend(Backend::MySql), None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sql {
    default: Option<String>,
    /// Indexed as [`Backend::ALL`].
    variants: [Option<String>; 3],
}

impl Sql {
    /// The same text for every backend.
    #[must_use]
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            default: Some(text.into()),
            variants: Default::default(),
        }
    }

    /// The text `backend` runs instead of the default.
    #[must_use]
    pub fn variant(mut self, backend: Backend, text: impl Into<String>) -> Self {
        self.variants[index(backend)] = Some(text.into());
        self
    }

    /// The text SQLite runs instead of the default.
    #[must_use]
    pub fn sqlite(self, text: impl Into<String>) -> Self {
        self.variant(Backend::Sqlite, text)
    }

    /// The text PostgreSQL runs instead of the default.
    #[must_use]
    pub fn postgres(self, text: impl Into<String>) -> Self {
        self.variant(Backend::Postgres, text)
    }

    /// The text MySQL and MariaDB run instead of the default.
    #[must_use]
    pub fn mysql(self, text: impl Into<String>) -> Self {
        self.variant(Backend::MySql, text)
    }

    /// The text `backend` runs: its override, else the default; `None` when there is neither.
    #[must_use]
    pub fn for_backend(&self, backend: Backend) -> Option<&str> {
        self.variants[index(backend)]
            .as_deref()
            .or(self.default.as_deref())
    }

    pub(super) fn default_text(&self) -> Option<&str> {
        self.default.as_deref()
    }

    pub(super) fn set_default(&mut self, text: String) {
        self.default = Some(text);
    }

    pub(super) fn has_variant(&self, backend: Backend) -> bool {
        self.variants[index(backend)].is_some()
    }
}

fn index(backend: Backend) -> usize {
    Backend::ALL
        .iter()
        .position(|&b| b == backend)
        .unwrap_or_default()
}

impl From<&str> for Sql {
    fn from(text: &str) -> Self {
        Self::new(text)
    }
}

impl From<String> for Sql {
    fn from(text: String) -> Self {
        Self::new(text)
    }
}

/// One numbered step of a schema's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    version: u32,
    name: String,
    sql: Sql,
}

impl Step {
    pub(super) fn new(version: u32, name: String, sql: Sql) -> Self {
        Self { version, name, sql }
    }

    /// Its version: steps apply in increasing version order.
    #[must_use]
    pub fn version(&self) -> u32 {
        self.version
    }

    /// Its name, recorded with it.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its SQL, per backend.
    #[must_use]
    pub fn sql(&self) -> &Sql {
        &self.sql
    }

    pub(super) fn sql_mut(&mut self) -> &mut Sql {
        &mut self.sql
    }

    /// The SHA-256 of the text `backend` runs, in lowercase hex, as recorded when the step is
    /// applied; `None` when the step has no SQL for `backend`.
    #[must_use]
    pub fn checksum(&self, backend: Backend) -> Option<String> {
        self.sql.for_backend(backend).map(checksum)
    }
}

/// SHA-256 of `text`, in lowercase hex.
pub(super) fn checksum(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checksum_is_the_sha256_of_the_backends_text() {
        assert_eq!(
            checksum(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let step = Step::new(1, "a".into(), Sql::new("x").mysql(""));
        assert_eq!(step.checksum(Backend::Sqlite), Some(checksum("x")));
        assert_eq!(step.checksum(Backend::MySql), Some(checksum("")));
    }

    #[test]
    fn an_override_wins_over_the_default() {
        let sql = Sql::new("default").sqlite("lite");
        assert_eq!(sql.for_backend(Backend::Sqlite), Some("lite"));
        assert_eq!(sql.for_backend(Backend::Postgres), Some("default"));
        assert!(sql.has_variant(Backend::Sqlite));
        assert!(!sql.has_variant(Backend::MySql));
    }
}
