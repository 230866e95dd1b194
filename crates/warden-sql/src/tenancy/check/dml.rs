//! The checks of `UPDATE`, `DELETE`, `INSERT` and `TRUNCATE` statements: their targets
//! constrained, their tenant column never given another tenant.

use std::ops::ControlFlow;
use std::ptr;

use sqlparser::ast::{
    Assignment, AssignmentTarget, Delete, FromTable, Insert, OnConflictAction, OnInsert,
    SelectItem, SetExpr, Statement, TableObject, Update, UpdateTableFromKind,
};

use super::{Checker, Factor, Refusal, Verb, line_of};
use crate::tenancy::expr::{conjuncts, is_tenant, last_ident, lower, name_ref};

impl Checker<'_> {
    fn check_update(&mut self, update: &Update) -> ControlFlow<Refusal> {
        let mut factors = Vec::new();
        self.push_from(
            std::slice::from_ref(&update.table),
            Verb::Updates,
            &mut factors,
        );
        if let Some(UpdateTableFromKind::BeforeSet(from) | UpdateTableFromKind::AfterSet(from)) =
            &update.from
        {
            self.push_from(from, Verb::Reads, &mut factors);
        }
        let filter = update.selection.as_ref().map(conjuncts).unwrap_or_default();
        self.require(&factors, &filter)?;
        // Against every factor, not only the target: MySQL's `UPDATE a, b SET b.x = ...`
        // updates tables that the parser may place in the FROM list.
        for assignment in &update.assignments {
            self.check_assignment(assignment, &factors, false)?;
        }
        ControlFlow::Continue(())
    }

    /// An assignment to the tenant column of one of `targets` must assign `:tenant`.
    /// `any_qualifier`: match the column whatever qualifies it (`ON DUPLICATE KEY UPDATE`).
    fn check_assignment(
        &self,
        assignment: &Assignment,
        targets: &[Factor<'_>],
        any_qualifier: bool,
    ) -> ControlFlow<Refusal> {
        let (columns, tuple) = match &assignment.target {
            AssignmentTarget::ColumnName(name) => (std::slice::from_ref(name), false),
            AssignmentTarget::Tuple(names) => (&names[..], true),
        };
        for column in columns {
            let Some((qualifier, name)) = name_ref(column) else {
                continue;
            };
            let hit = targets.iter().find_map(|target| {
                let bound = target.bound?;
                let matches = name == self.tenancy.tables[bound].1
                    && (any_qualifier || qualifier.as_ref().is_none_or(|q| *q == target.qualifier));
                matches.then_some(bound)
            });
            let Some(bound) = hit else {
                continue;
            };
            if tuple || !is_tenant(&assignment.value, self.tenant) {
                let (table, column_name) = &self.tenancy.tables[bound];
                return self.refuse(
                    line_of(column),
                    format!(
                        "query {} sets the tenant column {column_name} of tenant-bound table \
                         {table} to something other than :{}; a row must never change tenant \
                         (assign :{} or leave the column alone), or mark the query \
                         -- @unconstrained: <why>",
                        self.query,
                        self.tenancy.param(),
                        self.tenancy.param()
                    ),
                );
            }
        }
        ControlFlow::Continue(())
    }

    fn check_delete(&mut self, delete: &Delete) -> ControlFlow<Refusal> {
        let (FromTable::WithFromKeyword(from) | FromTable::WithoutKeyword(from)) = &delete.from;
        let mut factors = Vec::new();
        self.push_from(from, Verb::DeletesFrom, &mut factors);
        // MySQL's `DELETE t1 FROM t1 JOIN t2`: only the named tables lose rows.
        let targets: Vec<String> = delete
            .tables
            .iter()
            .filter_map(last_ident)
            .map(lower)
            .collect();
        if !targets.is_empty() {
            for factor in &mut factors {
                if !targets.contains(&factor.qualifier) {
                    factor.verb = Verb::Reads;
                }
            }
        }
        if let Some(using) = &delete.using {
            self.push_from(using, Verb::Reads, &mut factors);
        }
        let filter = delete.selection.as_ref().map(conjuncts).unwrap_or_default();
        self.require(&factors, &filter)
    }

    fn check_insert(&mut self, insert: &Insert) -> ControlFlow<Refusal> {
        let TableObject::TableName(name) = &insert.table else {
            return ControlFlow::Continue(());
        };
        self.accounted.push(ptr::from_ref(name));
        let Some(bound) = self.bound(name) else {
            return ControlFlow::Continue(());
        };
        let (table, column) = &self.tenancy.tables[bound];
        let param = self.tenancy.param();
        let shown = insert
            .table_alias
            .as_ref()
            .map(|a| &a.alias)
            .or_else(|| last_ident(name));
        let target = Factor {
            name: Some(name),
            bound: Some(bound),
            qualifier: shown.map(lower).unwrap_or_default(),
            shown: shown.map(|i| i.value.clone()).unwrap_or_default(),
            conditions: Vec::new(),
            verb: Verb::InsertsInto,
        };
        let refuse = |line: Option<u64>, what: &str| {
            self.refuse(
                line.or_else(|| line_of(name)),
                format!(
                    "query {} inserts into tenant-bound table {table} {what}; or mark the query \
                     -- @unconstrained: <why>",
                    self.query
                ),
            )
        };
        if !insert.assignments.is_empty() {
            // MySQL's `INSERT INTO t SET a = 1, ...`.
            let tenant = insert.assignments.iter().find(|a| {
                matches!(&a.target, AssignmentTarget::ColumnName(n)
                    if name_ref(n).is_some_and(|(_, c)| c == *column))
            });
            match tenant {
                Some(a) if is_tenant(&a.value, self.tenant) => {}
                Some(a) => {
                    return refuse(
                        line_of(&a.value),
                        &format!(
                            "with a value other than :{param} for its tenant column {column}; set {column} = :{param}"
                        ),
                    );
                }
                None => {
                    return refuse(
                        None,
                        &format!("without setting its tenant column; add {column} = :{param}"),
                    );
                }
            }
        } else if insert.columns.is_empty() {
            return refuse(
                None,
                &format!(
                    "without a column list, so the value of its tenant column cannot be \
                     checked; list the columns and give {column} the value :{param}"
                ),
            );
        } else {
            let position = insert
                .columns
                .iter()
                .position(|c| name_ref(c).is_some_and(|(_, name)| name == *column));
            let Some(position) = position else {
                return refuse(
                    None,
                    &format!(
                        "without its tenant column {column}; add {column} to the column list \
                         with the value :{param}"
                    ),
                );
            };
            let source = insert.source.as_deref().map(|q| &*q.body);
            if let Err(line) = self.tenant_source(source, position) {
                return refuse(
                    line,
                    &format!(
                        "with a value other than :{param} for its tenant column {column} \
                         (or, from a SELECT, other than a constrained table's tenant \
                         column); give it :{param}"
                    ),
                );
            }
        }
        let assignments = match &insert.on {
            Some(OnInsert::DuplicateKeyUpdate(assignments)) => &assignments[..],
            Some(OnInsert::OnConflict(conflict)) => match &conflict.action {
                OnConflictAction::DoUpdate(update) => &update.assignments[..],
                OnConflictAction::DoNothing => &[],
            },
            _ => &[],
        };
        for assignment in assignments {
            self.check_assignment(assignment, std::slice::from_ref(&target), true)?;
        }
        ControlFlow::Continue(())
    }

    /// Whether every row that `source` inserts has `:tenant` (or a constrained table's tenant
    /// column) at `position`; `Err` with the line of the first that does not.
    fn tenant_source(&self, source: Option<&SetExpr>, position: usize) -> Result<(), Option<u64>> {
        match source {
            Some(SetExpr::Values(values)) => {
                for row in &values.rows {
                    match row.content.get(position) {
                        Some(value) if is_tenant(value, self.tenant) => {}
                        Some(value) => return Err(line_of(value)),
                        None => return Err(None),
                    }
                }
                Ok(())
            }
            Some(SetExpr::Select(select)) => {
                let mut factors = Vec::new();
                self.push_from(&select.from, Verb::Reads, &mut factors);
                let filter = select.selection.as_ref().map(conjuncts).unwrap_or_default();
                let constrained = self.constrained(&factors, &filter);
                let Some(SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. }) =
                    select.projection.get(position)
                else {
                    return Err(None);
                };
                let from_constrained = (0..factors.len())
                    .any(|j| constrained[j] && self.is_tenant_column(expr, &factors, j));
                if is_tenant(expr, self.tenant) || from_constrained {
                    Ok(())
                } else {
                    Err(line_of(expr))
                }
            }
            Some(SetExpr::Query(query)) => self.tenant_source(Some(&query.body), position),
            Some(SetExpr::SetOperation { left, right, .. }) => {
                self.tenant_source(Some(left), position)?;
                self.tenant_source(Some(right), position)
            }
            _ => Err(None),
        }
    }

    pub(super) fn check_statement(&mut self, statement: &Statement) -> ControlFlow<Refusal> {
        match statement {
            Statement::Insert(insert) => self.check_insert(insert),
            Statement::Update(update) => self.check_update(update),
            Statement::Delete(delete) => self.check_delete(delete),
            Statement::Truncate(truncate) => {
                for target in &truncate.table_names {
                    if let Some(bound) = self.bound(&target.name) {
                        let (table, column) = &self.tenancy.tables[bound];
                        return self.refuse(
                            line_of(&target.name),
                            format!(
                                "query {} truncates tenant-bound table {table}, which empties \
                                 it for every tenant; use DELETE FROM {table} WHERE {column} = \
                                 :{}, or mark the query -- @unconstrained: <why>",
                                self.query,
                                self.tenancy.param()
                            ),
                        );
                    }
                }
                ControlFlow::Continue(())
            }
            _ => ControlFlow::Continue(()),
        }
    }
}
