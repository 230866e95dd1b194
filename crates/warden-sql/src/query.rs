//! Named queries: one parsed block ([`Query`]) and a loaded set of them ([`Queries`]).

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use crate::Backend;
use crate::error::{Error, ErrorKind, Result};
use crate::parse::{self, load_error};
use crate::scan::{self, Dialect, ScanError};

/// What a query returns, from the suffix of its name (aiosql/AnoDB semantics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueryKind {
    /// No suffix: all rows ([`Transaction::rows`](crate::Transaction::rows)).
    Rows,
    /// `^`: the first row or none ([`Transaction::one`](crate::Transaction::one)).
    One,
    /// `$`: the first column of the first row, or null
    /// ([`Transaction::scalar`](crate::Transaction::scalar)).
    Value,
    /// `!`: a statement; returns the number of affected rows
    /// ([`Transaction::execute`](crate::Transaction::execute)).
    Execute,
    /// `<!`: an insert or update with `RETURNING`; read with `rows`, `one` or `scalar`.
    Returning,
    /// `*!`: a statement run once per parameter set
    /// ([`Transaction::execute_many`](crate::Transaction::execute_many)).
    ExecuteMany,
    /// `#`: a script of several statements, without parameters
    /// ([`Transaction::script`](crate::Transaction::script)).
    Script,
}

impl QueryKind {
    /// The suffix that selects this kind after a query's name.
    #[must_use]
    pub fn suffix(self) -> &'static str {
        match self {
            Self::Rows => "",
            Self::One => "^",
            Self::Value => "$",
            Self::Execute => "!",
            Self::Returning => "<!",
            Self::ExecuteMany => "*!",
            Self::Script => "#",
        }
    }

    /// The kind a suffix selects, if it is one.
    #[must_use]
    pub fn from_suffix(suffix: &str) -> Option<Self> {
        Some(match suffix {
            "" => Self::Rows,
            "^" => Self::One,
            "$" => Self::Value,
            "!" => Self::Execute,
            "<!" => Self::Returning,
            "*!" => Self::ExecuteMany,
            "#" => Self::Script,
            _ => return None,
        })
    }
}

/// Where a query was defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    file: Arc<str>,
    line: usize,
}

impl Origin {
    /// The file (or the name given to an embedded string).
    #[must_use]
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The 1-based line of the `-- name:` line.
    #[must_use]
    pub fn line(&self) -> usize {
        self.line
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// One named query.
#[derive(Debug, Clone)]
pub struct Query {
    name: Box<str>,
    kind: QueryKind,
    doc: Box<str>,
    annotations: Box<[Box<str>]>,
    sql: Box<str>,
    sql_line: usize,
    params: Box<[Box<str>]>,
    origin: Origin,
    /// The backend a variant file defined this query for.
    variant: Option<Backend>,
    /// Set once the query is prepared for one backend ([`Queries::for_backend`]).
    pub(crate) rendered: Option<Rendered>,
}

/// A query's SQL in one backend's placeholder style.
#[derive(Debug, Clone)]
pub(crate) struct Rendered {
    /// The SQL to send: `$1` (PostgreSQL), `?1` (SQLite) or `?` (MySQL) placeholders.
    pub(crate) sql: Arc<str>,
    /// For each placeholder in order, the index of its parameter in [`Query::params`]
    /// (MySQL's `?` are positional, so a repeated parameter is bound once per use).
    pub(crate) binds: Box<[usize]>,
}

impl Query {
    /// The query's name, hyphens turned into underscores.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What the query returns (its suffix).
    #[must_use]
    pub fn kind(&self) -> QueryKind {
        self.kind
    }

    /// The comment lines between the name line and the SQL, without their `--`.
    #[must_use]
    pub fn doc(&self) -> &str {
        &self.doc
    }

    /// The `-- @word` lines between the name line and the SQL, without their `-- @`.
    /// warden-sql understands `@slow`; other annotations are for the application.
    pub fn annotations(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.annotations.iter().map(|a| &**a)
    }

    /// Whether the query has the annotation `-- @word`.
    #[must_use]
    pub fn has_annotation(&self, word: &str) -> bool {
        self.annotations.iter().any(|a| &**a == word)
    }

    /// Whether the query is marked `-- @slow`: on SQLite it then runs on tokio's blocking pool
    /// instead of inline on the async worker.
    #[must_use]
    pub fn is_slow(&self) -> bool {
        self.has_annotation("slow")
    }

    /// The SQL as written, with its `:name` parameters.
    #[must_use]
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The parameter names, each once, in order of first use; `u.login` for `:u.login`.
    pub fn params(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.params.iter().map(|p| &**p)
    }

    /// Where the query was defined.
    #[must_use]
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The backend whose variant file defined this query, `None` for the shared file.
    #[must_use]
    pub fn variant(&self) -> Option<Backend> {
        self.variant
    }

    pub(crate) fn param_names(&self) -> &[Box<str>] {
        &self.params
    }

    /// Whether the query only reads, judged by its first keyword (`SELECT`, `VALUES`, `SHOW`,
    /// `EXPLAIN`). Autocommit calls on [`Database`](crate::Database) use it to pick the
    /// transaction mode. `WITH` counts as a write, since PostgreSQL's CTEs may modify data.
    #[must_use]
    pub fn reads_only(&self) -> bool {
        if !matches!(
            self.kind,
            QueryKind::Rows | QueryKind::One | QueryKind::Value
        ) {
            return false;
        }
        let keyword: String = first_keyword(&self.sql).to_ascii_uppercase();
        matches!(keyword.as_str(), "SELECT" | "VALUES" | "SHOW" | "EXPLAIN")
    }

    /// Builds a query from a parsed block, scanning its SQL with `dialect`.
    fn from_block(
        block: parse::Block<'_>,
        file: &Arc<str>,
        variant: Option<Backend>,
    ) -> Result<Self> {
        let mut query = Query {
            name: block.name.into(),
            kind: block.kind,
            doc: block.doc.into(),
            annotations: block.annotations.into_iter().map(Into::into).collect(),
            sql: block.sql.into(),
            sql_line: block.sql_line,
            params: Box::default(),
            origin: Origin {
                file: file.clone(),
                line: block.name_line,
            },
            variant,
            rendered: None,
        };
        let dialect = variant.map_or(Dialect::Generic, Dialect::from);
        query.params = query.render(dialect)?.1;
        Ok(query)
    }

    /// The error for a scan failure, at its line in the file.
    fn scan_error(&self, error: &ScanError) -> Error {
        let line = self.sql_line + self.sql[..error.offset()].matches('\n').count();
        load_error(
            &self.origin.file,
            line,
            format!(
                "{} in query {}{}",
                error.describe(),
                self.name,
                error.hint()
            ),
        )
    }

    /// Scans the SQL with `dialect`; returns it with placeholders and the parameter names.
    fn render(&self, dialect: Dialect) -> Result<(Rendered, Box<[Box<str>]>)> {
        let scanned = scan::scan(&self.sql, dialect).map_err(|e| self.scan_error(&e))?;
        let is_script = self.kind == QueryKind::Script;
        if is_script {
            if let Some(param) = scanned.params.first() {
                return Err(self.scan_error_at(
                    param.start,
                    format!(
                        "script {} takes no parameters, found :{}",
                        self.name, param.name
                    ),
                ));
            }
        } else if let Some(at) = scanned.second_statement {
            return Err(self.scan_error_at(
                at,
                format!(
                    "query {} holds several statements; only `#` scripts may",
                    self.name
                ),
            ));
        }
        // A lone trailing `;` (and any comment after it) is dropped: MySQL refuses it in
        // prepared statements.
        let end = match scanned.first_semicolon {
            Some(at) if !is_script => at,
            _ => self.sql.len(),
        };
        let mut names: Vec<Box<str>> = Vec::new();
        let mut binds = Vec::with_capacity(scanned.params.len());
        let mut sql = String::with_capacity(end + 4 * scanned.params.len());
        let mut copied = 0;
        for occurrence in &scanned.params {
            let index = match names.iter().position(|n| **n == *occurrence.name) {
                Some(index) => index,
                None => {
                    names.push(occurrence.name.into());
                    names.len() - 1
                }
            };
            sql.push_str(&self.sql[copied..occurrence.start]);
            copied = occurrence.end;
            binds.push(index);
            let number = index + 1;
            match dialect {
                Dialect::Postgres | Dialect::Generic => sql.push_str(&format!("${number}")),
                Dialect::Sqlite => sql.push_str(&format!("?{number}")),
                Dialect::MySql => sql.push('?'),
            }
        }
        sql.push_str(self.sql[copied..end].trim_end());
        let rendered = Rendered {
            sql: sql.into(),
            binds: binds.into(),
        };
        Ok((rendered, names.into()))
    }

    fn scan_error_at(&self, offset: usize, message: String) -> Error {
        let line = self.sql_line + self.sql[..offset].matches('\n').count();
        load_error(&self.origin.file, line, message)
    }

    /// This query prepared for `backend`.
    fn for_backend(&self, backend: Backend) -> Result<Self> {
        let (rendered, params) = self.render(Dialect::from(backend))?;
        let mut query = self.clone();
        query.params = params;
        query.rendered = Some(rendered);
        Ok(query)
    }

    /// Checks that a method for `wanted` kinds may run this query.
    pub(crate) fn expect_kind(&self, method: &str, allowed: &[QueryKind]) -> Result<()> {
        if allowed.contains(&self.kind) {
            return Ok(());
        }
        let suffixes: Vec<String> = allowed
            .iter()
            .map(|&k| match k {
                QueryKind::Rows => "no suffix".to_owned(),
                other => describe_suffix(other),
            })
            .collect();
        Err(Error::new(
            ErrorKind::WrongKind,
            format!(
                "`{method}` runs queries with {}, but {} has {}",
                suffixes.join(" or "),
                self.name,
                match self.kind.suffix() {
                    "" => "no suffix".to_owned(),
                    s => format!("suffix `{s}`"),
                }
            ),
        )
        .in_query(&self.name))
    }
}

fn describe_suffix(kind: QueryKind) -> String {
    match kind.suffix() {
        "" => "none".to_owned(),
        suffix => format!("`{suffix}`"),
    }
}

/// The first word of `sql`, skipping comments, whitespace and opening parentheses.
fn first_keyword(sql: &str) -> &str {
    let mut rest = sql;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '(');
        if let Some(comment) = rest.strip_prefix("--") {
            rest = comment.split_once('\n').map_or("", |(_, after)| after);
        } else if let Some(comment) = rest.strip_prefix("/*") {
            rest = comment.split_once("*/").map_or("", |(_, after)| after);
        } else {
            break;
        }
    }
    let end = rest
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(rest.len());
    &rest[..end]
}

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
    /// SQL before the first name, an unterminated string or comment, or a duplicate name.
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
        for block in parse::blocks(origin, text)? {
            parsed.push(Query::from_block(block, &file, backend)?);
        }
        for query in parsed {
            self.insert(query)?;
        }
        Ok(self)
    }

    fn insert(&mut self, query: Query) -> Result<()> {
        let duplicate = match query.variant {
            None => self.index.get(&query.name).map(|&i| &self.queries[i]),
            Some(backend) => self
                .variants
                .iter()
                .find(|v| v.variant == Some(backend) && v.name == query.name),
        };
        // A shared query may follow a variant-only one of the same name: the variant then
        // overrides it.
        let duplicate = duplicate.filter(|d| d.variant == query.variant);
        if let Some(first) = duplicate {
            return Err(load_error(
                &query.origin.file,
                query.origin.line,
                format!(
                    "duplicate query name {}, first defined at {}",
                    query.name, first.origin
                ),
            ));
        }
        self.check_variant_kinds(&query)?;
        if query.variant.is_some() {
            if !self.index.contains_key(&query.name) {
                self.index.insert(query.name.clone(), self.queries.len());
                self.queries.push(query.clone());
            }
            self.variants.push(query);
        } else if let Some(&i) = self.index.get(&query.name) {
            self.queries[i] = query;
        } else {
            self.index.insert(query.name.clone(), self.queries.len());
            self.queries.push(query);
        }
        Ok(())
    }

    /// A variant must return what the shared query returns: callers use one method for both.
    fn check_variant_kinds(&self, query: &Query) -> Result<()> {
        let shared = self
            .index
            .get(&query.name)
            .map(|&i| &self.queries[i])
            .filter(|q| q.variant.is_none());
        let pairs: Vec<(&Query, &Query)> = match query.variant {
            Some(_) => shared.map(|shared| (query, shared)).into_iter().collect(),
            None => self
                .variants
                .iter()
                .filter(|v| v.name == query.name)
                .map(|variant| (variant, query))
                .collect(),
        };
        for (variant, shared) in pairs {
            if variant.kind != shared.kind {
                let origin = &variant.origin;
                return Err(load_error(
                    &origin.file,
                    origin.line,
                    format!(
                        "variant {} has suffix {}, but {} has {}",
                        variant.name,
                        describe_suffix(variant.kind),
                        shared.origin,
                        describe_suffix(shared.kind)
                    ),
                ));
            }
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
            .find(|v| v.variant == Some(backend) && &*v.name == name)
        {
            return Some(variant);
        }
        self.get(name)
            .filter(|q| q.variant.is_none() || q.variant == Some(backend))
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
            if let Some(effective) = self.get_for(&query.name, backend) {
                prepared
                    .index
                    .insert(effective.name.clone(), prepared.queries.len());
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

    fn rendered(text: &str, backend: Backend) -> (String, Vec<usize>, Vec<String>) {
        let queries: Queries = text.parse().unwrap();
        let prepared = queries.for_backend(backend).unwrap();
        let query = prepared.iter().next().unwrap();
        let rendered = query.rendered.as_ref().unwrap();
        (
            rendered.sql.to_string(),
            rendered.binds.to_vec(),
            query.params().map(str::to_owned).collect(),
        )
    }

    const REPEATED: &str = "-- name: q\nSELECT :a, :b::text, ':c', :a, :u.login;";

    #[test]
    fn postgres_numbers_placeholders_and_reuses_them() {
        let (sql, binds, params) = rendered(REPEATED, Backend::Postgres);
        assert_eq!(sql, "SELECT $1, $2::text, ':c', $1, $3");
        assert_eq!(binds, [0, 1, 0, 2]);
        assert_eq!(params, ["a", "b", "u.login"]);
    }

    #[test]
    fn sqlite_numbers_placeholders_with_question_marks() {
        let (sql, _, _) = rendered(REPEATED, Backend::Sqlite);
        assert_eq!(sql, "SELECT ?1, ?2::text, ':c', ?1, ?3");
    }

    #[test]
    fn mysql_binds_a_repeated_parameter_once_per_use() {
        let (sql, binds, params) = rendered(REPEATED, Backend::MySql);
        assert_eq!(sql, "SELECT ?, ?::text, ':c', ?, ?");
        assert_eq!(binds, [0, 1, 0, 2]);
        assert_eq!(params, ["a", "b", "u.login"]);
    }

    #[test]
    fn scripts_keep_their_semicolons() {
        let (sql, _, _) = rendered(
            "-- name: s#\nCREATE TABLE a(x INT);\nDROP TABLE a;",
            Backend::Sqlite,
        );
        assert_eq!(sql, "CREATE TABLE a(x INT);\nDROP TABLE a;");
    }

    #[test]
    fn scripts_take_no_parameters() {
        let error = Queries::parse("f.sql", "-- name: s#\nSELECT 1;\nSELECT :x;").unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Load);
        assert!(
            error
                .message()
                .starts_with("f.sql:3: script s takes no parameters"),
            "{error}"
        );
    }

    #[test]
    fn two_statements_outside_a_script_are_refused_at_their_line() {
        let error =
            Queries::parse("f.sql", "-- name: q!\nDELETE FROM a;\nDELETE FROM b;").unwrap_err();
        assert!(
            error
                .message()
                .starts_with("f.sql:3: query q holds several statements"),
            "{error}"
        );
    }

    #[test]
    fn unterminated_string_is_reported_at_its_line() {
        let text = "-- name: ok\nSELECT 1;\n\n-- name: bad\nSELECT *\nFROM t\nWHERE a = 'oops;\n";
        let error = Queries::parse("q.sql", text).unwrap_err();
        assert!(
            error
                .message()
                .starts_with("q.sql:7: unterminated string in query bad"),
            "{error}"
        );
    }

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

    #[test]
    fn reads_only_looks_at_the_first_keyword() {
        let queries: Queries = "-- name: a\n-- doc\n/* c */ (select 1)\n-- name: b$\nWITH x AS (DELETE FROM t RETURNING 1) SELECT 1\n-- name: c!\nSELECT 1"
            .parse()
            .unwrap();
        assert!(queries.get("a").unwrap().reads_only());
        assert!(!queries.get("b").unwrap().reads_only());
        assert!(!queries.get("c").unwrap().reads_only());
    }

    #[test]
    fn wrong_kind_names_method_and_suffixes() {
        let queries: Queries = "-- name: q^\nSELECT 1".parse().unwrap();
        let error = queries
            .get("q")
            .unwrap()
            .expect_kind("execute", &[QueryKind::Execute])
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::WrongKind);
        assert_eq!(
            error.to_string(),
            "wrong query kind in query q: `execute` runs queries with `!`, but q has suffix `^`"
        );
    }
}
