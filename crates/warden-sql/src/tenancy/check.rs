//! The walk over one parsed statement: every `SELECT` at every depth, and `UPDATE`, `DELETE`,
//! `INSERT`, each use of a tenant-bound table constrained by the tenant parameter.
//!
//! sqlparser's visitor reaches every nested query (subqueries in any expression, CTEs, derived
//! tables, set operations) and every table reference. Each `SELECT` and each DML statement is
//! checked where the visitor meets it, and records the table references it checked; a
//! reference to a bound table inside a query or a DML statement that no check recorded (a
//! `PIVOT`, SQLite's `x IN table`, `MERGE`...) is refused, so that a form this walk does not
//! understand can never pass unchecked.

use std::fmt;
use std::ops::ControlFlow;
use std::ptr;

use sqlparser::ast::{
    Expr, JoinConstraint, JoinOperator, ObjectName, Query, Select, SetExpr, Spanned, Statement,
    TableFactor, TableWithJoins, Visitor,
};

mod dml;

use super::Tenancy;
use super::expr::{column_ref, conjuncts, equality, is_tenant, last_ident, lower};

/// Why a statement is refused: the message, and the 1-based line in the query's SQL if known.
#[derive(Debug)]
pub(super) struct Refusal {
    pub(super) line: Option<u64>,
    pub(super) message: String,
}

/// What a statement does to a table, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verb {
    Reads,
    Updates,
    DeletesFrom,
    InsertsInto,
}

impl fmt::Display for Verb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Reads => "reads",
            Self::Updates => "updates",
            Self::DeletesFrom => "deletes from",
            Self::InsertsInto => "inserts into",
        })
    }
}

/// One table factor of a `FROM` (or of a DML statement's targets).
struct Factor<'s> {
    /// The table's name, for table factors.
    name: Option<&'s ObjectName>,
    /// Its entry in [`Tenancy::tables`], when the table is tenant-bound.
    bound: Option<usize>,
    /// How columns are qualified with it: its alias, else its table name (lowercased).
    qualifier: String,
    /// The same as written, for messages.
    shown: String,
    /// The conjuncts of the `ON` conditions that filter its rows.
    conditions: Vec<&'s Expr>,
    verb: Verb,
}

/// Checks one statement as a [`Visitor`]; breaks with the first [`Refusal`].
pub(super) struct Checker<'a> {
    tenancy: &'a Tenancy,
    query: &'a str,
    /// The placeholder that stands for `:tenant`, if the query uses it.
    tenant: Option<&'a str>,
    /// The table references a check has looked at (compared by address, never dereferenced).
    accounted: Vec<*const ObjectName>,
    /// How many queries and DML statements the visitor is inside.
    depth: usize,
}

impl<'a> Checker<'a> {
    pub(super) fn new(tenancy: &'a Tenancy, query: &'a str, tenant: Option<&'a str>) -> Self {
        Checker {
            tenancy,
            query,
            tenant,
            accounted: Vec::new(),
            depth: 0,
        }
    }

    fn bound(&self, name: &ObjectName) -> Option<usize> {
        last_ident(name).and_then(|ident| self.tenancy.position(&lower(ident)))
    }

    fn refuse(&self, line: Option<u64>, message: String) -> ControlFlow<Refusal> {
        ControlFlow::Break(Refusal { line, message })
    }

    /// The factors of `from`, each with the `ON` conjuncts that filter its rows: an inner
    /// join's condition filters both sides, a left join's its right side, a right join's its
    /// left side, a full join's neither.
    fn push_from<'s>(&self, from: &'s [TableWithJoins], verb: Verb, out: &mut Vec<Factor<'s>>) {
        for table in from {
            let start = out.len();
            self.push_factor(&table.relation, verb, out);
            for join in &table.joins {
                let right = out.len();
                self.push_factor(&join.relation, verb, out);
                let (constraint, left_side, right_side) = match &join.join_operator {
                    JoinOperator::Join(c)
                    | JoinOperator::Inner(c)
                    | JoinOperator::CrossJoin(c)
                    | JoinOperator::StraightJoin(c) => (c, true, true),
                    JoinOperator::Left(c)
                    | JoinOperator::LeftOuter(c)
                    | JoinOperator::Semi(c)
                    | JoinOperator::LeftSemi(c)
                    | JoinOperator::Anti(c)
                    | JoinOperator::LeftAnti(c) => (c, false, true),
                    JoinOperator::Right(c)
                    | JoinOperator::RightOuter(c)
                    | JoinOperator::RightSemi(c)
                    | JoinOperator::RightAnti(c) => (c, true, false),
                    _ => continue,
                };
                let JoinConstraint::On(condition) = constraint else {
                    continue;
                };
                let parts = conjuncts(condition);
                let end = out.len();
                for (index, factor) in out[start..end].iter_mut().enumerate() {
                    let on_right = start + index >= right;
                    if (on_right && right_side) || (!on_right && left_side) {
                        factor.conditions.extend(&parts);
                    }
                }
            }
        }
    }

    fn push_factor<'s>(&self, factor: &'s TableFactor, verb: Verb, out: &mut Vec<Factor<'s>>) {
        let (name, alias) = match factor {
            TableFactor::Table { name, alias, .. } => (Some(name), alias.as_ref()),
            TableFactor::NestedJoin {
                table_with_joins, ..
            } => return self.push_from(std::slice::from_ref(&**table_with_joins), verb, out),
            TableFactor::Derived { alias, .. }
            | TableFactor::TableFunction { alias, .. }
            | TableFactor::Function { alias, .. }
            | TableFactor::UNNEST { alias, .. } => (None, alias.as_ref()),
            _ => (None, None),
        };
        let shown_ident = alias.map(|a| &a.name).or_else(|| name.and_then(last_ident));
        out.push(Factor {
            name,
            bound: name.and_then(|n| self.bound(n)),
            qualifier: shown_ident.map(lower).unwrap_or_default(),
            shown: shown_ident.map(|i| i.value.clone()).unwrap_or_default(),
            conditions: Vec::new(),
            verb,
        });
    }

    /// Whether `expr` names the tenant column of factor `index`: qualified by its alias (or
    /// table name), or unqualified when it is the only factor.
    fn is_tenant_column(&self, expr: &Expr, factors: &[Factor<'_>], index: usize) -> bool {
        let factor = &factors[index];
        let Some(bound) = factor.bound else {
            return false;
        };
        let Some((qualifier, column)) = column_ref(expr) else {
            return false;
        };
        column == self.tenancy.tables[bound].1
            && match qualifier {
                Some(qualifier) => qualifier == factor.qualifier,
                None => factors.len() == 1,
            }
    }

    /// Which factors are constrained: a conjunct of the filter (or of an `ON` that filters the
    /// factor) equates its tenant column with `:tenant`, or with the tenant column of another
    /// constrained factor; to a fixpoint.
    fn constrained(&self, factors: &[Factor<'_>], filter: &[&Expr]) -> Vec<bool> {
        let mut constrained = vec![false; factors.len()];
        loop {
            let mut changed = false;
            for index in 0..factors.len() {
                if constrained[index] || factors[index].bound.is_none() {
                    continue;
                }
                let holds = |conjunct: &&Expr| {
                    let Some((left, right)) = equality(conjunct) else {
                        return false;
                    };
                    [(left, right), (right, left)]
                        .into_iter()
                        .any(|(mine, other)| {
                            self.is_tenant_column(mine, factors, index)
                                && (is_tenant(other, self.tenant)
                                    || (0..factors.len()).any(|j| {
                                        j != index
                                            && constrained[j]
                                            && self.is_tenant_column(other, factors, j)
                                    }))
                        })
                };
                if filter.iter().chain(&factors[index].conditions).any(holds) {
                    constrained[index] = true;
                    changed = true;
                }
            }
            if !changed {
                return constrained;
            }
        }
    }

    /// Records the factors as checked, and refuses the first bound one not constrained.
    fn require(&mut self, factors: &[Factor<'_>], filter: &[&Expr]) -> ControlFlow<Refusal> {
        let constrained = self.constrained(factors, filter);
        for factor in factors {
            if let Some(name) = factor.name {
                self.accounted.push(ptr::from_ref(name));
            }
        }
        for (factor, constrained) in factors.iter().zip(constrained) {
            let (Some(bound), false) = (factor.bound, constrained) else {
                continue;
            };
            let (table, column) = &self.tenancy.tables[bound];
            let clause = if factor.verb == Verb::Reads {
                "WHERE (or JOIN ... ON)"
            } else {
                "WHERE"
            };
            return self.refuse(
                factor.name.and_then(line_of),
                format!(
                    "query {} {} tenant-bound table {table} without the condition \
                     {}.{column} = :{} in its {clause}; add it, or mark the query \
                     -- @unconstrained: <why>",
                    self.query,
                    factor.verb,
                    factor.shown,
                    self.tenancy.param(),
                ),
            );
        }
        ControlFlow::Continue(())
    }

    fn check_select(&mut self, select: &Select) -> ControlFlow<Refusal> {
        let mut factors = Vec::new();
        self.push_from(&select.from, Verb::Reads, &mut factors);
        let filter = select.selection.as_ref().map(conjuncts).unwrap_or_default();
        self.require(&factors, &filter)
    }

    /// `TABLE projects` (PostgreSQL) reads a whole table and has no `WHERE`.
    fn check_table_sets(&self, body: &SetExpr) -> ControlFlow<Refusal> {
        match body {
            SetExpr::SetOperation { left, right, .. } => {
                self.check_table_sets(left)?;
                self.check_table_sets(right)
            }
            SetExpr::Table(table) => {
                let bound = table
                    .table_name
                    .as_ref()
                    .and_then(|t| self.tenancy.position(&lower(t)));
                match bound {
                    Some(bound) => self.refuse(
                        None,
                        format!(
                            "query {} reads all of tenant-bound table {} with TABLE; write \
                             SELECT ... WHERE {}.{} = :{}, or mark the query \
                             -- @unconstrained: <why>",
                            self.query,
                            self.tenancy.tables[bound].0,
                            self.tenancy.tables[bound].0,
                            self.tenancy.tables[bound].1,
                            self.tenancy.param()
                        ),
                    ),
                    None => ControlFlow::Continue(()),
                }
            }
            _ => ControlFlow::Continue(()),
        }
    }
}

/// Statements whose every table reference must be checked; in others (DDL and the like) only
/// the references inside their queries are.
fn is_data_statement(statement: &Statement) -> bool {
    matches!(
        statement,
        Statement::Query(_)
            | Statement::Insert(_)
            | Statement::Update(_)
            | Statement::Delete(_)
            | Statement::Merge(_)
            | Statement::Truncate(_)
            | Statement::Copy { .. }
    )
}

/// The 1-based line where `node` starts in the parsed SQL, if the parser recorded it.
fn line_of(node: &impl Spanned) -> Option<u64> {
    Some(node.span().start.line).filter(|&line| line > 0)
}

impl Visitor for Checker<'_> {
    type Break = Refusal;

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<Refusal> {
        self.depth += 1;
        self.check_table_sets(&query.body)
    }

    fn post_visit_query(&mut self, _query: &Query) -> ControlFlow<Refusal> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }

    fn pre_visit_select(&mut self, select: &Select) -> ControlFlow<Refusal> {
        self.check_select(select)
    }

    fn pre_visit_statement(&mut self, statement: &Statement) -> ControlFlow<Refusal> {
        if is_data_statement(statement) {
            self.depth += 1;
        }
        self.check_statement(statement)
    }

    fn post_visit_statement(&mut self, statement: &Statement) -> ControlFlow<Refusal> {
        if is_data_statement(statement) {
            self.depth -= 1;
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<Refusal> {
        let accounted = self.accounted.contains(&ptr::from_ref(relation));
        match self.bound(relation) {
            Some(bound) if self.depth > 0 && !accounted => self.refuse(
                line_of(relation),
                format!(
                    "query {} uses tenant-bound table {} where its tenant constraint cannot be \
                     checked; use it in a plain FROM or JOIN with {}.{} = :{}, or mark the \
                     query -- @unconstrained: <why>",
                    self.query,
                    self.tenancy.tables[bound].0,
                    self.tenancy.tables[bound].0,
                    self.tenancy.tables[bound].1,
                    self.tenancy.param()
                ),
            ),
            _ => ControlFlow::Continue(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::ast::SetExpr;
    use sqlparser::dialect::SQLiteDialect;
    use sqlparser::parser::Parser;

    fn select(sql: &str) -> Select {
        let statement = Parser::parse_sql(&SQLiteDialect {}, sql).unwrap().remove(0);
        let Statement::Query(query) = statement else {
            panic!("not a query: {sql}");
        };
        let SetExpr::Select(select) = *query.body else {
            panic!("not a select: {sql}");
        };
        *select
    }

    /// For each factor of `sql`'s FROM: its qualifier and the ON conjuncts that filter it.
    fn conditions(sql: &str) -> Vec<(String, Vec<String>)> {
        let tenancy = Tenancy::new();
        let checker = Checker::new(&tenancy, "q", None);
        let select = select(sql);
        let mut factors = Vec::new();
        checker.push_from(&select.from, Verb::Reads, &mut factors);
        factors
            .iter()
            .map(|f| {
                let on = f.conditions.iter().map(ToString::to_string).collect();
                (f.qualifier.clone(), on)
            })
            .collect()
    }

    #[test]
    fn each_join_kind_filters_its_own_sides() {
        let found = conditions(
            "SELECT * FROM a JOIN b ON x = 1 LEFT JOIN c ON y = 2 RIGHT JOIN d ON z = 3 \
             FULL JOIN e ON w = 4, f AS g",
        );
        let expected: Vec<(String, Vec<String>)> = [
            ("a", &["x = 1", "z = 3"][..]),
            ("b", &["x = 1", "z = 3"]),
            ("c", &["y = 2", "z = 3"]),
            ("d", &[]),
            ("e", &[]),
            ("g", &[]),
        ]
        .iter()
        .map(|(q, c)| (q.to_string(), c.iter().map(ToString::to_string).collect()))
        .collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn nested_joins_are_flattened_and_filtered_by_the_join_around_them() {
        let found = conditions("SELECT * FROM a LEFT JOIN (b JOIN c ON u = 1) ON v = 2 AND w = 3");
        assert_eq!(found[0], ("a".to_owned(), vec![]));
        // The inner join inside filters both its sides.
        assert_eq!(found[1].1, ["u = 1", "v = 2", "w = 3"]);
        assert_eq!(found[2].1, ["u = 1", "v = 2", "w = 3"]);
    }

    #[test]
    fn constraints_reach_a_fixpoint_through_tenant_columns() {
        let tenancy = Tenancy::new()
            .table("a", "t")
            .table("b", "t")
            .table("c", "t");
        let checker = Checker::new(&tenancy, "q", Some("?1"));
        let select = select(
            "SELECT * FROM a JOIN b ON b.t = a.t JOIN c ON c.t = b.t WHERE a.t = ?1 AND c.t = 7",
        );
        let mut factors = Vec::new();
        checker.push_from(&select.from, Verb::Reads, &mut factors);
        let filter = conjuncts(select.selection.as_ref().unwrap());
        assert_eq!(checker.constrained(&factors, &filter), [true, true, true]);
        let unanchored = select_constrained(&checker, "SELECT * FROM a JOIN b ON b.t = a.t");
        assert_eq!(unanchored, [false, false]);
    }

    fn select_constrained(checker: &Checker<'_>, sql: &str) -> Vec<bool> {
        let select = select(sql);
        let mut factors = Vec::new();
        checker.push_from(&select.from, Verb::Reads, &mut factors);
        let filter = select.selection.as_ref().map(conjuncts).unwrap_or_default();
        checker.constrained(&factors, &filter)
    }
}
