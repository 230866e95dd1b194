//! Object checkers that are one named query: "only the owner may" without writing a checker.
//!
//! The query runs in the request's transaction (it sees what the handler will see) and takes,
//! by name, any of: `:login` (the user), the object's path parameter (e.g. `:oid`), `:mode`
//! (`read`, `write`, `delete`) and `:tenant` (the user's tenant, or null). It answers with
//!
//! - `^` (one row): a row whose `allowed` column is true (or 1) allows, false (or 0) denies, and
//!   no row at all is "not found";
//! - `$` (one value): true/1 allows, false/0 denies, null (no row) is "not found".
//!
//! ```sql
//! -- name: owns_object^
//! SELECT u.login = :login AS allowed
//!   FROM Owned AS o JOIN Utilisateur AS u ON (o.owner = u.uid)
//!  WHERE o.oid = :oid;
//! ```
//!
//! The query, its suffix and its parameters are checked when the application is built, against
//! every route that names the domain.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::authz::{Access, ObjectCheck, ObjectChecker};
use crate::error::{Error, Result};
use crate::sql::{Database, Query, QueryKind};
use futures_util::future::BoxFuture;

/// The parameters, besides the object's own, that an object query may take.
const CONTEXT_PARAMS: [&str; 3] = ["login", "mode", "tenant"];

/// An object checker answered by a named query (see the module documentation).
#[derive(Clone, Debug)]
pub(crate) struct ObjectQuery {
    name: Arc<str>,
    kind: QueryKind,
    params: Arc<[String]>,
}

impl ObjectQuery {
    /// Looks the query up in `db`: it must exist and end in `^` or `$`.
    pub(crate) fn new(db: &Database, name: &str) -> Result<Self, String> {
        let query: &Query = db
            .queries()
            .get(name)
            .ok_or_else(|| format!("the queries have no {name:?} (-- name: {name}^)"))?;
        if !matches!(query.kind(), QueryKind::One | QueryKind::Value) {
            return Err(format!(
                "object query {name:?} must end in ^ (a row with \"allowed\") or $ (a value), not {:?}",
                query.kind().suffix()
            ));
        }
        let mut params: Vec<String> = query.params().map(str::to_owned).collect();
        params.sort_unstable();
        params.dedup();
        Ok(Self {
            name: Arc::from(name),
            kind: query.kind(),
            params: params.into(),
        })
    }

    /// What is wrong with using the query for objects named by the path parameter `param`.
    pub(crate) fn problem(&self, param: &str) -> Option<String> {
        let name = &self.name;
        if !self.params.iter().any(|p| p == param) {
            return Some(format!(
                "object query {name:?} does not take the object's parameter :{param}"
            ));
        }
        let unknown: Vec<&str> = self
            .params
            .iter()
            .map(String::as_str)
            .filter(|p| *p != param && !CONTEXT_PARAMS.contains(p))
            .collect();
        (!unknown.is_empty()).then(|| {
            format!(
                "object query {name:?} takes {unknown:?}, which warden cannot give (only :{param}, :login, :mode, :tenant)"
            )
        })
    }

    /// Runs the query for one check.
    fn run<S>(&self, check: &ObjectCheck<S>) -> BoxFuture<'static, Result<Access>> {
        let mut args = Map::new();
        for param in self.params.iter() {
            let value = match param.as_str() {
                p if p == &*check.param => object_value(&check.value),
                "login" => Value::from(check.user.login()),
                "mode" => Value::from(check.mode.to_string()),
                "tenant" => check.user.tenant().map_or(Value::Null, Value::from),
                _ => Value::Null,
            };
            args.insert(param.clone(), value);
        }
        let args = Value::Object(args);
        let tx = check.tx().cloned();
        let query = self.clone();
        Box::pin(async move {
            let tx = tx?;
            let name = &*query.name;
            let answer = match query.kind {
                QueryKind::One => match tx.one(name, &args).await? {
                    None => return Ok(Access::NotFound),
                    Some(row) => row.get("allowed").cloned().ok_or_else(|| {
                        Error::internal(format!(
                            "object query {name:?} returned no \"allowed\" column"
                        ))
                    })?,
                },
                _ => match tx.scalar(name, &args).await? {
                    Value::Null => return Ok(Access::NotFound),
                    value => value,
                },
            };
            truth(&answer).map(Access::from).ok_or_else(|| {
                Error::internal(format!(
                    "object query {name:?} answered {answer}, not a boolean"
                ))
            })
        })
    }
}

impl<S: Send + Sync + 'static> ObjectChecker<S> for ObjectQuery {
    fn check(&self, check: ObjectCheck<S>) -> BoxFuture<'static, Result<Access>> {
        self.run(&check)
    }
}

/// The path value as the query gets it: an integer when it is written as one (so that it
/// compares with integer keys on every backend), text otherwise.
fn object_value(text: &str) -> Value {
    match text.parse::<i64>() {
        Ok(n) if n.to_string() == text => Value::from(n),
        _ => Value::from(text),
    }
}

/// SQL truth as the backends return it: a boolean, or 0/1 where there is no boolean type.
fn truth(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_i64().map(|n| n != 0),
        Value::String(s) => match s.as_str() {
            "0" | "f" | "false" => Some(false),
            "1" | "t" | "true" => Some(true),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_bound_as_integers_only_when_written_as_such() {
        assert_eq!(object_value("42"), Value::from(42));
        assert_eq!(object_value("-3"), Value::from(-3));
        assert_eq!(object_value("007"), Value::from("007"));
        assert_eq!(object_value("abc"), Value::from("abc"));
        assert_eq!(
            object_value("99999999999999999999"),
            Value::from("99999999999999999999")
        );
    }

    #[test]
    fn truth_accepts_booleans_and_bits() {
        assert_eq!(truth(&Value::from(true)), Some(true));
        assert_eq!(truth(&Value::from(0)), Some(false));
        assert_eq!(truth(&Value::from(1)), Some(true));
        assert_eq!(truth(&Value::from("maybe")), None);
    }
}
