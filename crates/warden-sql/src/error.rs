//! The crate's one error type and the kinds a caller can act on.

use std::fmt;

/// A queries file's error at `origin:line`, of kind [`ErrorKind::Load`].
pub(crate) fn load_error(origin: &str, line: usize, message: impl fmt::Display) -> Error {
    warden_query_file::Error::at(origin, line, message).into()
}

impl From<warden_query_file::Error> for Error {
    fn from(error: warden_query_file::Error) -> Self {
        Error::new(ErrorKind::Load, error.to_string())
    }
}

/// A specialised `Result` for warden-sql.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, in terms a caller can act on (warden maps each kind to one HTTP status).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A unique or primary-key constraint refused the row (HTTP: 409 Conflict).
    UniqueViolation,
    /// A foreign-key constraint refused the change (HTTP: 400).
    ForeignKeyViolation,
    /// A `NOT NULL` column was given no value (HTTP: 400).
    NotNullViolation,
    /// A `CHECK` constraint refused the row (HTTP: 400).
    CheckViolation,
    /// The database cannot serve now but may soon: busy or locked, pool exhausted or timed out,
    /// unreachable, deadlock or serialisation failure (HTTP: 503 with `Retry-After`).
    Unavailable,
    /// A write was attempted in a read-only transaction ([`TxMode::Read`](crate::TxMode::Read)).
    ReadOnly,
    /// No query has this name.
    UnknownQuery,
    /// The query needs a parameter that was not given.
    MissingParameter,
    /// A parameter value cannot be bound (not a struct or map, an integer out of range...).
    InvalidParameter,
    /// The method does not fit the query's suffix (e.g. `execute` on a `^` query).
    WrongKind,
    /// A queries file or script could not be loaded or parsed; the message names the file and line.
    Load,
    /// A result could not be converted to JSON or to the requested Rust type.
    Decode,
    /// Migrations cannot run: an applied step was changed since, the database's schema is
    /// newer than the code, a step has no SQL for this backend, or the steps are not in
    /// strictly increasing order ([`Migrations`](crate::Migrations)).
    Migration,
    /// Anything else: a syntax error in SQL, an unknown table, a bad URL... (HTTP: 500).
    Other,
}

impl ErrorKind {
    /// Whether this kind is a constraint violation, whose [`Error::constraint`] gist may be shown
    /// to a client.
    #[must_use]
    pub fn is_constraint_violation(self) -> bool {
        matches!(
            self,
            Self::UniqueViolation
                | Self::ForeignKeyViolation
                | Self::NotNullViolation
                | Self::CheckViolation
        )
    }

    fn describe(self) -> &'static str {
        match self {
            Self::UniqueViolation => "unique violation",
            Self::ForeignKeyViolation => "foreign key violation",
            Self::NotNullViolation => "not null violation",
            Self::CheckViolation => "check violation",
            Self::Unavailable => "database unavailable",
            Self::ReadOnly => "write in a read-only transaction",
            Self::UnknownQuery => "unknown query",
            Self::MissingParameter => "missing parameter",
            Self::InvalidParameter => "invalid parameter",
            Self::WrongKind => "wrong query kind",
            Self::Load => "load error",
            Self::Decode => "decode error",
            Self::Migration => "migration error",
            Self::Other => "database error",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// The error type of warden-sql.
///
/// Opaque: ask [`kind`](Error::kind) what happened, [`constraint`](Error::constraint) which
/// constraint or column refused a change, [`query`](Error::query) which named query failed.
/// The message is safe to log: it never contains parameter values or row data (MySQL's
/// "Duplicate entry 'value'" is rewritten without the value). It does contain the database's
/// own message, which may name tables, columns and constraints: show clients only the
/// [`kind`](Error::kind) and, for constraint violations, the [`constraint`](Error::constraint).
pub struct Error(Box<Inner>);

struct Inner {
    kind: ErrorKind,
    message: String,
    query: Option<Box<str>>,
    constraint: Option<String>,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self(Box::new(Inner {
            kind,
            message: message.into(),
            query: None,
            constraint: None,
            source: None,
        }))
    }

    pub(crate) fn with_source(
        mut self,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        self.0.source = Some(Box::new(source));
        self
    }

    pub(crate) fn with_constraint(mut self, constraint: Option<String>) -> Self {
        self.0.constraint = constraint;
        self
    }

    /// Names the query this error happened in, unless one is already named.
    pub(crate) fn in_query(mut self, name: &str) -> Self {
        if self.0.query.is_none() {
            self.0.query = Some(name.into());
        }
        self
    }

    /// Says what was being done when this error happened: `"{context}: {message}"`.
    pub(crate) fn context(mut self, context: impl fmt::Display) -> Self {
        self.0.message = format!("{context}: {}", self.0.message);
        self
    }

    pub(crate) fn unknown_query(name: &str) -> Self {
        Self::new(ErrorKind::UnknownQuery, format!("no query named {name:?}"))
    }

    /// What happened.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The name of the constraint (or, where the database names none, the column) that refused
    /// a change, when the database says it. Only set for constraint violations.
    #[must_use]
    pub fn constraint(&self) -> Option<&str> {
        self.0.constraint.as_deref()
    }

    /// The named query this error happened in, if any.
    #[must_use]
    pub fn query(&self) -> Option<&str> {
        self.0.query.as_deref()
    }

    /// The message without the kind and query name.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.0.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.query {
            Some(query) => write!(f, "{} in query {query}: {}", self.0.kind, self.0.message),
            None => write!(f, "{}: {}", self.0.kind, self.0.message),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("Error");
        debug
            .field("kind", &self.0.kind)
            .field("message", &self.0.message);
        if let Some(query) = &self.0.query {
            debug.field("query", query);
        }
        if let Some(constraint) = &self.0.constraint {
            debug.field("constraint", constraint);
        }
        debug.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|source| source as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_kind_query_and_message() {
        let error = Error::new(ErrorKind::MissingParameter, "parameter :sid is missing")
            .in_query("get_stuff_sid");
        assert_eq!(
            error.to_string(),
            "missing parameter in query get_stuff_sid: parameter :sid is missing"
        );
        assert_eq!(error.kind(), ErrorKind::MissingParameter);
        assert_eq!(error.query(), Some("get_stuff_sid"));
    }

    #[test]
    fn the_first_query_named_wins() {
        let error = Error::new(ErrorKind::Other, "x")
            .in_query("inner")
            .in_query("outer");
        assert_eq!(error.query(), Some("inner"));
    }

    #[test]
    fn only_constraint_kinds_are_violations() {
        assert!(ErrorKind::UniqueViolation.is_constraint_violation());
        assert!(ErrorKind::CheckViolation.is_constraint_violation());
        assert!(!ErrorKind::Unavailable.is_constraint_violation());
        assert!(!ErrorKind::Other.is_constraint_violation());
    }
}
