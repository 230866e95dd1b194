//! A set of named queries loaded from files or strings, with per-backend variants.

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use crate::Backend;
use warden_query_file::{self as format, Place};

use crate::error::{Error, ErrorKind, Result, load_error};
use crate::query::{Query, Rendered};

/// A set of named queries, loaded from files or strings.
///
/// A block in a variant file (`queries.sqlite.sql`, `queries.postgres.sql`,
/// `queries.mysql.sql`) overrides the block of the same name in the shared file for that
/// backend. A [`Database`](crate::Database) keeps the set prepared for its backend
/// ([`Queries::for_backend`]).
///
/// ```
/// use warden_sql::{Backend, Queries, QueryKind};
///
/// let mut queries = Queries::new();
/// queries.add_str("queries.sql", "-- name: now$\nSELECT CURRENT_TIMESTAMP")?;
/// queries.add_str("queries.mysql.sql", "-- name: now$\nSELECT UTC_TIMESTAMP()")?;
/// assert_eq!(queries.names().collect::<Vec<_>>(), ["now"]);
/// assert_eq!(queries.get("now").unwrap().kind(), QueryKind::Value);
/// let mysql = queries.for_backend(Backend::MySql)?;
/// assert_eq!(mysql.get("now").unwrap().sql(), "SELECT UTC_TIMESTAMP()");
/// # Ok::<(), warden_sql::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Queries {
    /// The shared queries, then the variant-only ones, in load order.
    queries: Vec<Query>,
    index: HashMap<Box<str>, usize>,
    /// Per-backend overrides, not yet applied.
    variants: Vec<Query>,
    backend: Option<Backend>,
}

impl Queries {
    /// An empty set.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses `text` as the queries file named `origin`. A name such as `queries.postgres.sql`
    /// makes it a variant file for that backend.
    ///
    /// # Errors
    /// [`ErrorKind::Load`] (with file and line) for a bad suffix, a block without SQL,
    /// SQL in a file without any `-- name:` line, a parameter list that does not match the SQL,
    /// an unterminated string or comment, or a duplicate name.
    pub fn parse(origin: &str, text: &str) -> Result<Self> {
        let mut queries = Self::new();
        queries.add_str(origin, text)?;
        Ok(queries)
    }

    /// Loads several `(name, text)` sources, typically embedded with `include_str!`; names
    /// such as `queries.sqlite.sql` make variant files.
    ///
    /// ```
    /// # use warden_sql::Queries;
    /// let queries = Queries::from_sources([
    ///     ("queries.sql", "-- name: add_stuff<!\nINSERT INTO Stuff(stuff) VALUES (:stuff) RETURNING sid"),
    ///     ("queries.mysql.sql", "-- name: add_stuff<!\nINSERT INTO Stuff(stuff) VALUES (:stuff)"),
    /// ])?;
    /// # Ok::<(), warden_sql::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Queries::parse`].
    pub fn from_sources<'a>(sources: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self> {
        let mut queries = Self::new();
        for (origin, text) in sources {
            queries.add_str(origin, text)?;
        }
        Ok(queries)
    }

    /// Loads the queries file at `path` and, next to it, its variant files if they exist
    /// (`queries.sql` brings `queries.sqlite.sql`, `queries.postgres.sql`, `queries.mysql.sql`).
    ///
    /// # Errors
    /// [`ErrorKind::Load`] if a file cannot be read or parsed.
    pub fn load_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let mut queries = Self::new();
        queries.add_file(path)?;
        if Backend::of_variant_file(&path.to_string_lossy()).is_none()
            && let Some(stem) = path.to_str().and_then(|p| p.strip_suffix(".sql"))
        {
            for backend in Backend::ALL {
                let variant = format!("{stem}.{}.sql", backend.name());
                if Path::new(&variant).is_file() {
                    queries.add_file(&variant)?;
                }
            }
        }
        Ok(queries)
    }

    /// Adds the queries of one file; its name says whether it is a variant file.
    ///
    /// # Errors
    /// [`ErrorKind::Load`] if the file cannot be read or parsed, or defines a name already
    /// defined (for the same backend).
    pub fn add_file(&mut self, path: impl AsRef<Path>) -> Result<&mut Self> {
        let path = path.as_ref();
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::new(ErrorKind::Load, format!("{origin}: cannot read: {e}")).with_source(e)
        })?;
        self.add_str(&origin, &text)
    }

    /// Adds the queries in `text`, read from `origin`; a name such as `queries.mysql.sql`
    /// makes it a variant file.
    ///
    /// # Errors
    /// As [`Queries::parse`].
    pub fn add_str(&mut self, origin: &str, text: &str) -> Result<&mut Self> {
        self.add_variant_str(Backend::of_variant_file(origin), origin, text)
    }

    /// Adds the queries in `text` as a variant for `backend` (or as shared queries for `None`),
    /// whatever `origin` is called.
    ///
    /// # Errors
    /// As [`Queries::parse`].
    pub fn add_variant_str(
        &mut self,
        backend: Option<Backend>,
        origin: &str,
        text: &str,
    ) -> Result<&mut Self> {
        let file: Arc<str> = origin.into();
        let mut parsed = Vec::new();
        for block in format::blocks(origin, text)? {
            parsed.push(Query::from_block(block, &file, backend)?);
        }
        for query in parsed {
            self.insert(query)?;
        }
        Ok(self)
    }

    fn insert(&mut self, query: Query) -> Result<()> {
        let duplicate = match query.variant() {
            None => self.index.get(query.name()).map(|&i| &self.queries[i]),
            Some(backend) => self
                .variants
                .iter()
                .find(|v| v.variant() == Some(backend) && v.name() == query.name()),
        };
        // A shared query may follow a variant-only one of the same name: the variant then
        // overrides it.
        let duplicate = duplicate.filter(|d| d.variant() == query.variant());
        if let Some(first) = duplicate {
            return Err(load_error(
                query.origin().file(),
                query.origin().line(),
                format!(
                    "duplicate query name {}, first defined at {}",
                    query.name(),
                    first.origin()
                ),
            ));
        }
        self.check_variant_kinds(&query)?;
        if query.variant().is_some() {
            if !self.index.contains_key(query.name()) {
                self.index.insert(query.name().into(), self.queries.len());
                self.queries.push(query.clone());
            }
            self.variants.push(query);
        } else if let Some(&i) = self.index.get(query.name()) {
            self.queries[i] = query;
        } else {
            self.index.insert(query.name().into(), self.queries.len());
            self.queries.push(query);
        }
        Ok(())
    }

    /// A variant must return what the shared query returns: callers use one method for both.
    fn check_variant_kinds(&self, query: &Query) -> Result<()> {
        let shared = self
            .index
            .get(query.name())
            .map(|&i| &self.queries[i])
            .filter(|q| q.variant().is_none());
        let pairs: Vec<(&Query, &Query)> = match query.variant() {
            Some(_) => shared.map(|shared| (query, shared)).into_iter().collect(),
            None => self
                .variants
                .iter()
                .filter(|v| v.name() == query.name())
                .map(|variant| (variant, query))
                .collect(),
        };
        for (variant, shared) in pairs {
            format::check_variant_kind(variant.name(), place(variant), place(shared))?;
        }
        Ok(())
    }

    /// The query names, each once, in load order.
    pub fn names(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.queries.iter().map(|q| q.name())
    }

    /// The queries, each name once (the shared definition when there is one), in load order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &Query> + '_ {
        self.queries.iter()
    }

    /// The number of distinct names.
    #[must_use]
    pub fn len(&self) -> usize {
        self.queries.len()
    }

    /// Whether no query is loaded.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.queries.is_empty()
    }

    /// The query named `name`: the shared definition, or a variant when only variants define it.
    /// Once prepared for a backend, the definition for that backend.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&Query> {
        self.index.get(name).map(|&i| &self.queries[i])
    }

    /// The definition of `name` that `backend` runs: its variant if there is one, else the
    /// shared one. `None` when neither exists or when only another backend's variant does.
    #[must_use]
    pub fn get_for(&self, name: &str, backend: Backend) -> Option<&Query> {
        if let Some(variant) = self
            .variants
            .iter()
            .find(|v| v.variant() == Some(backend) && v.name() == name)
        {
            return Some(variant);
        }
        self.get(name)
            .filter(|q| q.variant().is_none() || q.variant() == Some(backend))
    }

    /// The backend this set was prepared for, if it was ([`Queries::for_backend`]).
    #[must_use]
    pub fn backend(&self) -> Option<Backend> {
        self.backend
    }

    /// This set as `backend` runs it: variants applied, other backends' variants dropped, every
    /// query rescanned with the backend's quoting rules and given its placeholders.
    ///
    /// # Errors
    /// [`ErrorKind::Load`] if a query does not scan under the backend's rules (a MySQL string
    /// ending in a backslash, a `?` placeholder...).
    pub fn for_backend(&self, backend: Backend) -> Result<Queries> {
        let mut prepared = Queries {
            backend: Some(backend),
            ..Queries::default()
        };
        for query in &self.queries {
            if let Some(effective) = self.get_for(query.name(), backend) {
                prepared
                    .index
                    .insert(effective.name().into(), prepared.queries.len());
                prepared.queries.push(effective.for_backend(backend)?);
            }
        }
        Ok(prepared)
    }

    /// The prepared query `name`, for running it.
    pub(crate) fn prepared(&self, name: &str) -> Result<(&Query, &Rendered)> {
        let query = self.get(name).ok_or_else(|| Error::unknown_query(name))?;
        let rendered = query.rendered.as_ref().ok_or_else(|| {
            Error::new(ErrorKind::Other, "query set not prepared for a backend").in_query(name)
        })?;
        Ok((query, rendered))
    }
}

/// A query's kind and place, for the format's checks.
fn place(query: &Query) -> (crate::QueryKind, Place<'_>) {
    let origin = query.origin();
    (
        query.kind(),
        Place {
            file: origin.file(),
            line: origin.line(),
        },
    )
}

impl FromStr for Queries {
    type Err = Error;

    /// Parses shared queries from a string (named `<string>` in errors).
    fn from_str(text: &str) -> Result<Self> {
        Self::parse("<string>", text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_refused_with_both_places() {
        let mut queries = Queries::parse("a.sql", "-- name: q\nSELECT 1").unwrap();
        let error = queries
            .add_str("b.sql", "\n-- name: q\nSELECT 2")
            .unwrap_err();
        assert_eq!(
            error.message(),
            "b.sql:2: duplicate query name q, first defined at a.sql:1"
        );
        let error = Queries::from_sources([
            ("q.postgres.sql", "-- name: q\nSELECT 1"),
            ("r.postgres.sql", "-- name: q\nSELECT 2"),
        ])
        .unwrap_err();
        assert!(
            error.message().starts_with("r.postgres.sql:1: duplicate"),
            "{error}"
        );
    }

    #[test]
    fn variants_override_the_shared_query_for_their_backend_only() {
        let queries = Queries::from_sources([
            (
                "queries.mysql.sql",
                "-- name: q\nSELECT 'mysql'\n-- name: only_mysql!\nDO 1",
            ),
            ("queries.sql", "-- name: q\nSELECT 'shared'"),
        ])
        .unwrap();
        assert_eq!(queries.names().collect::<Vec<_>>(), ["q", "only_mysql"]);
        assert_eq!(queries.get("q").unwrap().sql(), "SELECT 'shared'");
        assert_eq!(
            queries.get_for("q", Backend::MySql).unwrap().sql(),
            "SELECT 'mysql'"
        );
        assert!(queries.get_for("only_mysql", Backend::Sqlite).is_none());
        let sqlite = queries.for_backend(Backend::Sqlite).unwrap();
        assert_eq!(sqlite.names().collect::<Vec<_>>(), ["q"]);
        assert_eq!(sqlite.get("q").unwrap().sql(), "SELECT 'shared'");
        let mysql = queries.for_backend(Backend::MySql).unwrap();
        assert_eq!(mysql.get("q").unwrap().variant(), Some(Backend::MySql));
        assert_eq!(mysql.len(), 2);
    }

    #[test]
    fn a_query_valid_in_standard_sql_may_fail_under_mysql_rules() {
        let queries: Queries = "-- name: q\nSELECT 'a\\' , :p".parse().unwrap();
        assert_eq!(
            queries.get("q").unwrap().params().collect::<Vec<_>>(),
            ["p"]
        );
        let error = queries.for_backend(Backend::MySql).unwrap_err();
        assert!(
            error
                .message()
                .starts_with("<string>:2: unterminated string"),
            "{error}"
        );
    }
}
