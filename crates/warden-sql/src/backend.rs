//! The database engines warden-sql speaks to.

use std::fmt;

use warden_query_file::Dialect;

/// A database engine, chosen by the URL given to [`Database::connect`](crate::Database::connect).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// SQLite through rusqlite (bundled): `sqlite://file.db`, `sqlite::memory:`.
    Sqlite,
    /// PostgreSQL through sqlx: `postgres://...` or `postgresql://...`.
    Postgres,
    /// MySQL or MariaDB through sqlx: `mysql://...` or `mariadb://...`.
    MySql,
}

impl Backend {
    /// Every backend, in a fixed order.
    pub const ALL: [Backend; 3] = [Backend::Sqlite, Backend::Postgres, Backend::MySql];

    /// The backend's short name, as used in variant file names (`queries.postgres.sql`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
            Self::MySql => "mysql",
        }
    }

    /// The backend a database URL names, if any.
    ///
    /// ```
    /// use warden_sql::Backend;
    /// assert_eq!(Backend::from_url("sqlite::memory:"), Some(Backend::Sqlite));
    /// assert_eq!(Backend::from_url("postgresql://db/app"), Some(Backend::Postgres));
    /// assert_eq!(Backend::from_url("mariadb://db/app"), Some(Backend::MySql));
    /// assert_eq!(Backend::from_url("oracle://db"), None);
    /// ```
    #[must_use]
    pub fn from_url(url: &str) -> Option<Backend> {
        let scheme = url.split_once(':')?.0;
        match scheme {
            "sqlite" => Some(Self::Sqlite),
            "postgres" | "postgresql" => Some(Self::Postgres),
            "mysql" | "mariadb" => Some(Self::MySql),
            _ => None,
        }
    }

    /// The backend a variant file is for, from its name: `queries.sqlite.sql` is for SQLite,
    /// `queries.sql` for every backend (`None`).
    #[must_use]
    pub fn of_variant_file(file_name: &str) -> Option<Backend> {
        let stem = file_name.strip_suffix(".sql")?;
        let (_, tag) = stem.rsplit_once('.')?;
        Self::ALL.into_iter().find(|backend| backend.name() == tag)
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A database URL without its password, for messages and logs: `postgres://app:***@db/app`.
///
/// ```
/// assert_eq!(
///     warden_sql::redact_url("mysql://app:s3cret@db:3306/app"),
///     "mysql://app:***@db:3306/app"
/// );
/// assert_eq!(warden_sql::redact_url("sqlite://stuff.db"), "sqlite://stuff.db");
/// ```
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return url.to_owned();
    };
    match rest[..at].split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***{}", &rest[at..]),
        None => url.to_owned(),
    }
}

/// A backend's quoting rules, to scan its queries with.
impl From<Backend> for Dialect {
    fn from(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => Self::Sqlite,
            Backend::Postgres => Self::Postgres,
            Backend::MySql => Self::MySql,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variant_files_are_known_by_their_second_extension() {
        assert_eq!(
            Backend::of_variant_file("queries.sqlite.sql"),
            Some(Backend::Sqlite)
        );
        assert_eq!(
            Backend::of_variant_file("dir/queries.postgres.sql"),
            Some(Backend::Postgres)
        );
        assert_eq!(
            Backend::of_variant_file("queries.mysql.sql"),
            Some(Backend::MySql)
        );
        assert_eq!(Backend::of_variant_file("queries.sql"), None);
        assert_eq!(Backend::of_variant_file("my.queries.sql"), None);
        assert_eq!(Backend::of_variant_file("queries.postgres"), None);
    }
}
