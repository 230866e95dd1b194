//! Tenant isolation, checked when queries load: every query that reads or writes a
//! tenant-bound table constrains each use of it by the `:tenant` parameter, which warden binds
//! from the authenticated identity (a request never supplies it).
//!
//! ```
//! use warden_sql::{Backend, Queries, Tenancy};
//!
//! let tenancy = Tenancy::new().table("projects", "tenant_id");
//! let queries = Queries::parse("queries.sql", "
//! -- name: list_projects
//! SELECT p.id, p.name FROM projects p WHERE p.tenant_id = :tenant AND p.archived = :archived;
//!
//! -- name: count_all_projects$
//! -- @unconstrained: the operators' dashboard counts every tenant's projects
//! SELECT count(*) FROM projects;
//! ")?;
//! let unconstrained = tenancy.check(&queries, Backend::Postgres)?;
//! assert_eq!(unconstrained[0].name, "count_all_projects");
//!
//! let leaky = Queries::parse("queries.sql", "-- name: leak\nSELECT * FROM projects WHERE id = :id")?;
//! let error = tenancy.check(&leaky, Backend::Sqlite).unwrap_err();
//! assert!(error.message().starts_with(
//!     "queries.sql:2: query leak reads tenant-bound table projects without the condition \
//!      projects.tenant_id = :tenant"
//! ));
//! # Ok::<(), warden_sql::Error>(())
//! ```
//!
//! # What counts as constrained
//!
//! Each query is parsed with sqlparser in the dialect of the backend that runs it, and each
//! use of a tenant-bound table (bare or schema-qualified, compared case-insensitively) must be
//! constrained where it is used:
//!
//! - In a `SELECT` at any depth (subqueries anywhere, CTE bodies, derived tables, each branch
//!   of a `UNION`), a top-level `AND` conjunct of that `SELECT`'s `WHERE`, or of a join's `ON`
//!   that filters the table's rows, is `X.col = :tenant` (either way round; `:tenant` may be
//!   cast), where `X` is the table's alias, or its name when it has none; `col = :tenant`
//!   counts when the table is the only one in the `FROM`. `X.col = Y.col` counts too when `Y`
//!   is another constrained tenant-bound table of the same `FROM`. An inner join's `ON`
//!   filters both sides, a left join's its right side, a right join's its left side, a full
//!   join's neither. Conditions under `OR`, `NOT`, `CASE` or a function, and comparisons other
//!   than `=`, do not count.
//! - `UPDATE` and `DELETE` constrain their target in `WHERE`, and tables in `UPDATE ... FROM`
//!   or `DELETE ... USING` like a `SELECT`'s. Setting the tenant column to anything but
//!   `:tenant` is refused, in `UPDATE` as in `ON CONFLICT DO UPDATE` and
//!   `ON DUPLICATE KEY UPDATE`. `TRUNCATE` of a bound table is refused.
//! - `INSERT` names its columns, the tenant column among them, and gives it `:tenant` in every
//!   `VALUES` row, or, from a `SELECT`, `:tenant` or the tenant column of a constrained table.
//! - A bound table used anywhere else in a query (`PIVOT`, SQLite's `x IN table`, `MERGE`,
//!   PostgreSQL's `TABLE t`) is refused: what the check does not understand does not pass.
//!
//! Scripts (`#`) are not checked, nor are other statements (DDL, `PRAGMA`, `SET`) except for
//! the queries inside them (`CREATE TABLE ... AS SELECT`). A query that sqlparser cannot parse
//! is refused if its text names a bound table as a word, and passes otherwise.
//!
//! A query marked `-- @unconstrained: <why>` is not checked; [`Tenancy::check`] lists it. The
//! reason is required, and the mark is refused on a query that touches no bound table.
//!
//! The check is syntactic and knows only the tables it is told about: declare as tenant-bound
//! the views over bound tables too, and mind functions and procedures, whose bodies it does
//! not see. An upsert (`ON CONFLICT`, `ON DUPLICATE KEY`, `REPLACE`) updates whichever row
//! holds the conflicting key, so bound tables' unique keys should include their tenant column.

mod check;
mod expr;

use sqlparser::ast::{ObjectName, Query as SqlQuery, SetExpr, Statement, Visit, Visitor};
use sqlparser::dialect::{Dialect as SqlDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;
use std::ops::ControlFlow;

use warden_query_file::{self as format, Dialect};

use crate::error::{Result, load_error};
use crate::{Backend, Origin, Queries, Query, QueryKind};

use check::Checker;
use expr::{last_ident, lower};

/// The parameter that carries the tenant.
const PARAM: &str = "tenant";

/// Tenant-bound tables and the parameter that constrains them.
///
/// Starts with no table ([`Tenancy::new`], or `Default`); the parameter is always `tenant`.
#[derive(Debug, Clone, Default)]
pub struct Tenancy {
    /// (table, tenant column), both lowercased.
    tables: Vec<(String, String)>,
}

impl Tenancy {
    /// No tenant-bound table yet; the parameter is `:tenant`.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares `table` tenant-bound, its rows owned by the tenant in `column`. Names are
    /// unquoted and compared case-insensitively; declaring a table again replaces its column.
    #[must_use]
    pub fn table(mut self, table: &str, column: &str) -> Self {
        let (table, column) = (table.to_lowercase(), column.to_lowercase());
        match self.tables.iter_mut().find(|(t, _)| *t == table) {
            Some(entry) => entry.1 = column,
            None => self.tables.push((table, column)),
        }
        self
    }

    /// The tenant-bound tables and their tenant columns (lowercased), in declaration order.
    pub fn tables(&self) -> impl Iterator<Item = (&str, &str)> {
        self.tables.iter().map(|(t, c)| (t.as_str(), c.as_str()))
    }

    /// Whether no table is tenant-bound.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// The name of the parameter that carries the tenant: `tenant`.
    #[must_use]
    pub fn param(&self) -> &str {
        PARAM
    }

    /// Checks every query that `backend` runs (its variants applied), parsed with that
    /// backend's SQL dialect. Scripts (`#`) are skipped.
    ///
    /// Returns the queries marked `-- @unconstrained: <why>` that touch a tenant-bound table,
    /// in load order, for the application to log or review.
    ///
    /// # Errors
    /// [`ErrorKind::Load`](crate::ErrorKind::Load) for the first query that uses a
    /// tenant-bound table without constraining it, cannot be parsed while naming a bound
    /// table, or carries an `@unconstrained` mark without a reason or without a bound table to
    /// excuse; the message names the file and line (of the offending table when known), the
    /// query, the table and what to do. Also the errors of
    /// [`Queries::for_backend`](crate::Queries::for_backend).
    pub fn check(&self, queries: &Queries, backend: Backend) -> Result<Vec<Unconstrained>> {
        let prepared = queries.for_backend(backend)?;
        let mut unconstrained = Vec::new();
        for query in prepared.iter() {
            if query.kind() == QueryKind::Script {
                continue;
            }
            if let Some(marked) = self.check_query(query, backend)? {
                unconstrained.push(marked);
            }
        }
        Ok(unconstrained)
    }

    pub(crate) fn position(&self, table: &str) -> Option<usize> {
        self.tables.iter().position(|(t, _)| t == table)
    }

    fn check_query(&self, query: &Query, backend: Backend) -> Result<Option<Unconstrained>> {
        let origin = query.origin();
        let error = |line: usize, message: String| load_error(origin.file(), line, message);
        let (sql, tenant) = render(query, backend).map_err(|_| {
            error(
                origin.line(),
                format!("query {} does not scan", query.name()),
            )
        })?;
        let parsed = Parser::parse_sql(&*dialect(backend), &sql);
        if let Some(reason) = query.unconstrained() {
            if reason.is_empty() {
                return Err(error(
                    origin.line(),
                    format!(
                        "query {} is marked @unconstrained without a reason; say why: \
                         -- @unconstrained: <why>",
                        query.name()
                    ),
                ));
            }
            let tables = match &parsed {
                Ok(statements) => self.touched(statements),
                Err(_) => self.named_in(query.sql()),
            };
            if tables.is_empty() {
                return Err(error(
                    origin.line(),
                    format!(
                        "query {} is marked @unconstrained but touches no tenant-bound table; \
                         remove the stale mark, which excuses nothing but misleads",
                        query.name()
                    ),
                ));
            }
            return Ok(Some(Unconstrained {
                name: query.name().to_owned(),
                origin: origin.clone(),
                reason: reason.to_owned(),
                tables,
            }));
        }
        let statements = match parsed {
            Ok(statements) => statements,
            Err(_) if self.named_in(query.sql()).is_empty() => return Ok(None),
            Err(parse_error) => {
                return Err(error(
                    origin.line(),
                    format!(
                        "query {} cannot be parsed to check its tenant constraint: \
                         {parse_error}; rewrite it or mark it `-- @unconstrained: why`",
                        query.name()
                    ),
                ));
            }
        };
        for statement in &statements {
            let mut checker = Checker::new(self, query.name(), tenant.as_deref());
            if let ControlFlow::Break(refusal) = statement.visit(&mut checker) {
                let line = refusal.line.map_or(origin.line(), |line| {
                    query.sql_line() + usize::try_from(line).unwrap_or(1) - 1
                });
                return Err(error(line, refusal.message));
            }
        }
        Ok(None)
    }

    /// The bound tables `statements` refer to, each once, in order of first reference.
    fn touched(&self, statements: &[Statement]) -> Vec<String> {
        let mut touched = Touched {
            tenancy: self,
            tables: Vec::new(),
        };
        for statement in statements {
            let _ = statement.visit(&mut touched);
        }
        touched.tables
    }

    /// The bound tables whose names appear in `sql` as words, in declaration order.
    fn named_in(&self, sql: &str) -> Vec<String> {
        let words: Vec<String> = sql
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        self.tables
            .iter()
            .filter(|(table, _)| words.contains(table))
            .map(|(table, _)| table.clone())
            .collect()
    }
}

/// A query marked `-- @unconstrained: reason` that touches tenant-bound tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unconstrained {
    /// The query's name.
    pub name: String,
    /// Where the query is defined (its `-- name:` line).
    pub origin: Origin,
    /// The reason given after `@unconstrained:`.
    pub reason: String,
    /// The tenant-bound tables it touches (lowercased), in order of first use.
    pub tables: Vec<String>,
}

/// Collects the bound tables a statement refers to.
struct Touched<'a> {
    tenancy: &'a Tenancy,
    tables: Vec<String>,
}

impl Touched<'_> {
    fn add(&mut self, table: &str) {
        if let Some(index) = self.tenancy.position(table) {
            let name = &self.tenancy.tables[index].0;
            if !self.tables.contains(name) {
                self.tables.push(name.clone());
            }
        }
    }
}

impl Visitor for Touched<'_> {
    type Break = ();

    fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<()> {
        if let Some(ident) = last_ident(relation) {
            self.add(&lower(ident));
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_query(&mut self, query: &SqlQuery) -> ControlFlow<()> {
        self.add_table_sets(&query.body);
        ControlFlow::Continue(())
    }
}

impl Touched<'_> {
    /// `TABLE t` names a table without a relation the visitor reports.
    fn add_table_sets(&mut self, body: &SetExpr) {
        match body {
            SetExpr::Table(table) => {
                if let Some(name) = &table.table_name {
                    self.add(&lower(name));
                }
            }
            SetExpr::SetOperation { left, right, .. } => {
                self.add_table_sets(left);
                self.add_table_sets(right);
            }
            _ => {}
        }
    }
}

fn dialect(backend: Backend) -> Box<dyn SqlDialect> {
    match backend {
        Backend::Sqlite => Box::new(SQLiteDialect {}),
        Backend::Postgres => Box::new(PostgreSqlDialect {}),
        Backend::MySql => Box::new(MySqlDialect {}),
    }
}

/// The query's SQL with each `:name` replaced by a placeholder the dialect parses (`$n` on
/// PostgreSQL, `?n` elsewhere; lines unchanged), and the placeholder of `:tenant` if used.
fn render(query: &Query, backend: Backend) -> std::result::Result<(String, Option<String>), ()> {
    let source = query.sql();
    let scanned = format::scan(source, Dialect::from(backend)).map_err(drop)?;
    let mut names: Vec<&str> = Vec::new();
    let mut sql = String::with_capacity(source.len());
    let mut tenant = None;
    let mut copied = 0;
    for occurrence in &scanned.params {
        let index = names
            .iter()
            .position(|n| *n == occurrence.name)
            .unwrap_or_else(|| {
                names.push(occurrence.name);
                names.len() - 1
            });
        let placeholder = match backend {
            Backend::Postgres => format!("${}", index + 1),
            Backend::Sqlite | Backend::MySql => format!("?{}", index + 1),
        };
        sql.push_str(&source[copied..occurrence.start]);
        sql.push_str(&placeholder);
        copied = occurrence.end;
        if occurrence.name == PARAM {
            tenant = Some(placeholder);
        }
    }
    sql.push_str(&source[copied..]);
    Ok((sql, tenant))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(text: &str) -> Query {
        Queries::parse("q.sql", text)
            .unwrap()
            .iter()
            .next()
            .unwrap()
            .clone()
    }

    #[test]
    fn rendering_numbers_each_name_once_and_remembers_the_tenant() {
        let q = query("-- name: q\nSELECT :a, :tenant, ':tenant', :a, :tenant.x::int");
        let (sql, tenant) = render(&q, Backend::Postgres).unwrap();
        assert_eq!(sql, "SELECT $1, $2, ':tenant', $1, $3::int");
        assert_eq!(tenant.as_deref(), Some("$2"));
        let (sql, tenant) = render(&q, Backend::MySql).unwrap();
        assert_eq!(sql, "SELECT ?1, ?2, ':tenant', ?1, ?3::int");
        assert_eq!(tenant.as_deref(), Some("?2"));
        let dotted = query("-- name: q\nSELECT :tenant.id");
        assert_eq!(render(&dotted, Backend::Sqlite).unwrap().1, None);
    }

    #[test]
    fn tables_are_lowercased_and_redeclaring_replaces_the_column() {
        let tenancy = Tenancy::new()
            .table("Projects", "Tenant_ID")
            .table("tasks", "org")
            .table("PROJECTS", "owner");
        assert_eq!(
            tenancy.tables().collect::<Vec<_>>(),
            [("projects", "owner"), ("tasks", "org")]
        );
        assert_eq!(tenancy.param(), "tenant");
        assert!(Tenancy::default().is_empty());
    }

    #[test]
    fn word_matches_need_whole_words() {
        let tenancy = Tenancy::new().table("projects", "tenant_id");
        assert_eq!(tenancy.named_in("SELECT * FROM Projects;"), ["projects"]);
        assert!(
            tenancy
                .named_in("SELECT * FROM projects_archive")
                .is_empty()
        );
        assert!(tenancy.named_in("SELECT * FROM my$projects").is_empty());
    }
}
