//! One named query: its kind, documentation and parameters, and its SQL in each backend's
//! placeholder style.

use std::fmt;
use std::sync::Arc;

use warden_query_file::{self as format, Block, Dialect, Place};

use crate::Backend;
use crate::error::{Error, ErrorKind, Result};

/// What a query returns, from the suffix of its name (aiosql/AnoDB semantics).
pub use warden_query_file::QueryKind;

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
    /// Set once the query is prepared for one backend ([`Queries::for_backend`](crate::Queries::for_backend)).
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

    /// The reason given by `-- @unconstrained: <reason>`, which exempts the query from the
    /// tenant check ([`Tenancy::check`](crate::Tenancy::check)); `Some("")` when the mark has
    /// no reason (which the check refuses), `None` without the mark. The colon may be left out
    /// (`-- @unconstrained reason`).
    #[must_use]
    pub fn unconstrained(&self) -> Option<&str> {
        self.annotations.iter().find_map(|annotation| {
            let rest = annotation.strip_prefix("unconstrained")?;
            if !(rest.is_empty() || rest.starts_with([':', ' ', '\t'])) {
                return None;
            }
            let rest = rest.trim_start();
            Some(rest.strip_prefix(':').unwrap_or(rest).trim())
        })
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

    /// The 1-based line of the file where the SQL starts.
    pub(crate) fn sql_line(&self) -> usize {
        self.sql_line
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
    pub(crate) fn from_block(
        block: Block<'_>,
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
        if let Some(declared) = &block.declared {
            query.check_declared(declared)?;
        }
        Ok(query)
    }

    /// A declared parameter list (`-- name: get(a, b)^`) must name exactly the parameters the
    /// SQL uses, by their first component (`u` for `:u.login`).
    fn check_declared(&self, declared: &[String]) -> Result<()> {
        let params: Vec<&str> = self.params.iter().map(|p| &**p).collect();
        let at = Place {
            file: &self.origin.file,
            line: self.origin.line,
        };
        Ok(format::check_declared(&self.name, at, &params, declared)?)
    }

    /// Scans the SQL with `dialect`; returns it with placeholders and the parameter names.
    fn render(&self, dialect: Dialect) -> Result<(Rendered, Box<[Box<str>]>)> {
        let at = Place {
            file: &self.origin.file,
            line: self.sql_line,
        };
        let statement = format::statement(&self.name, self.kind, &self.sql, at, dialect)?;
        let end = statement.end;
        let mut sql = String::with_capacity(end + 4 * statement.occurrences.len());
        let mut copied = 0;
        for (occurrence, &index) in statement.occurrences.iter().zip(&statement.binds) {
            sql.push_str(&self.sql[copied..occurrence.start]);
            copied = occurrence.end;
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
            binds: statement.binds.into(),
        };
        let names = statement.params.into_iter().map(Into::into).collect();
        Ok((rendered, names))
    }

    /// This query prepared for `backend`.
    pub(crate) fn for_backend(&self, backend: Backend) -> Result<Self> {
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
                other => other.describe_suffix(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Queries;

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
