//! What an expression says about tenants: the top-level conjuncts of a condition, whether an
//! expression is the `:tenant` parameter, and whether it names a table's tenant column.

use sqlparser::ast::{BinaryOperator, Expr, Ident, ObjectName, Value};

/// An expression without its redundant parentheses.
pub(super) fn strip(mut expr: &Expr) -> &Expr {
    while let Expr::Nested(inner) = expr {
        expr = inner;
    }
    expr
}

/// The top-level `AND` conjuncts of `condition`, parenthesised conjunctions flattened.
/// Anything under `OR`, `NOT`, `CASE` or a function stays one opaque conjunct.
pub(super) fn conjuncts(condition: &Expr) -> Vec<&Expr> {
    let mut out = Vec::new();
    push_conjuncts(condition, &mut out);
    out
}

fn push_conjuncts<'a>(condition: &'a Expr, out: &mut Vec<&'a Expr>) {
    match strip(condition) {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => {
            push_conjuncts(left, out);
            push_conjuncts(right, out);
        }
        other => out.push(other),
    }
}

/// The two sides of an equality `a = b`, parentheses stripped.
pub(super) fn equality(conjunct: &Expr) -> Option<(&Expr, &Expr)> {
    match strip(conjunct) {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Eq,
            right,
        } => Some((strip(left), strip(right))),
        _ => None,
    }
}

/// Whether `expr` is the tenant parameter, whose placeholder text is `placeholder`: bare, in
/// parentheses or cast (`:tenant::uuid`, `CAST(:tenant AS CHAR)`), which keeps its value.
pub(super) fn is_tenant(expr: &Expr, placeholder: Option<&str>) -> bool {
    let Some(placeholder) = placeholder else {
        return false;
    };
    let mut expr = strip(expr);
    while let Expr::Cast { expr: inner, .. } = expr {
        expr = strip(inner);
    }
    matches!(expr, Expr::Value(v) if matches!(&v.value, Value::Placeholder(p) if p == placeholder))
}

/// An identifier as compared: lowercased, quoted or not.
pub(super) fn lower(ident: &Ident) -> String {
    ident.value.to_lowercase()
}

/// The last identifier of a possibly qualified name (`projects` in `app.projects`).
pub(super) fn last_ident(name: &ObjectName) -> Option<&Ident> {
    name.0.last().and_then(|part| part.as_ident())
}

/// A column reference: its qualifier (the part before the column, lowercased) and its column.
pub(super) fn column_ref(expr: &Expr) -> Option<(Option<String>, String)> {
    match strip(expr) {
        Expr::Identifier(column) => Some((None, lower(column))),
        Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
            let column = lower(&parts[parts.len() - 1]);
            Some((Some(lower(&parts[parts.len() - 2])), column))
        }
        _ => None,
    }
}

/// A column named in an assignment target or a column list: its qualifier and column.
pub(super) fn name_ref(name: &ObjectName) -> Option<(Option<String>, String)> {
    let parts: Vec<&Ident> = name.0.iter().filter_map(|p| p.as_ident()).collect();
    let (column, rest) = parts.split_last()?;
    Some((rest.last().map(|q| lower(q)), lower(column)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;

    fn parse(sql: &str) -> Expr {
        Parser::new(&PostgreSqlDialect {})
            .try_with_sql(sql)
            .unwrap()
            .parse_expr()
            .unwrap()
    }

    #[test]
    fn conjunctions_flatten_through_parentheses_but_not_through_or() {
        let expr = parse("a = 1 AND (b = 2 AND (c = 3)) AND (d = 4 OR e = 5)");
        let parts: Vec<String> = conjuncts(&expr).iter().map(ToString::to_string).collect();
        assert_eq!(parts, ["a = 1", "b = 2", "c = 3", "d = 4 OR e = 5"]);
        assert_eq!(conjuncts(&parse("NOT (a = 1 AND b = 2)")).len(), 1);
    }

    #[test]
    fn the_tenant_is_its_own_placeholder_bare_parenthesised_or_cast() {
        let tenant = Some("$2");
        assert!(is_tenant(&parse("$2"), tenant));
        assert!(is_tenant(&parse("($2)::uuid"), tenant));
        assert!(is_tenant(&parse("CAST($2 AS TEXT)"), tenant));
        assert!(!is_tenant(&parse("$1"), tenant));
        assert!(!is_tenant(&parse("$2"), None));
        assert!(!is_tenant(&parse("coalesce($2, 1)"), tenant));
        assert!(!is_tenant(&parse("$2 + 0"), tenant));
    }

    #[test]
    fn equalities_only() {
        assert!(equality(&parse("(a.b = $1)")).is_some());
        assert!(equality(&parse("a.b <> $1")).is_none());
        assert!(equality(&parse("a.b IS NOT DISTINCT FROM $1")).is_none());
    }

    #[test]
    fn column_references_keep_their_nearest_qualifier() {
        assert_eq!(
            column_ref(&parse("Tenant_ID")),
            Some((None, "tenant_id".into()))
        );
        assert_eq!(
            column_ref(&parse("app.P.\"tenant_id\"")),
            Some((Some("p".into()), "tenant_id".into()))
        );
        assert_eq!(column_ref(&parse("f(x)")), None);
    }
}
