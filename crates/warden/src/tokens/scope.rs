//! Scoped tokens: a user hands out a token narrower than themselves, restricted to routes that
//! carry some tags and/or to some values of path parameters (seeds/003).
//!
//! A scope narrows, never widens: a scoped token passes a route only if the scope allows it,
//! and then the user's own authorization still applies.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What a scoped token may reach.
///
/// ```
/// use warden::Scope;
///
/// let scope: Scope = serde_json::from_str(r#"{"tags": ["tasks"], "params": {"task_id": [123, 45]}}"#).unwrap();
/// assert!(scope.allows_tags(&["tasks", "read"]));
/// assert!(!scope.allows_tags::<&str>(&[]));                              // untagged routes are out
/// assert!(scope.allows_param("task_id", "123"));
/// assert!(!scope.allows_param("task_id", "7"));
/// assert!(scope.allows_param("dept_id", "anything"));            // not restricted
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// When not empty, only routes carrying at least one of these tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// For each restricted path parameter, the values allowed (JSON scalars, compared with the
    /// parameter's text: `123` and `"123"` both allow `/task/123`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, Vec<Value>>,
}

impl Scope {
    /// Whether a route with these tags is within the scope.
    pub fn allows_tags<S: AsRef<str>>(&self, route_tags: &[S]) -> bool {
        self.tags.is_empty()
            || route_tags
                .iter()
                .any(|t| self.tags.iter().any(|s| s == t.as_ref()))
    }

    /// Whether the path parameter `name` may have the value `value`.
    pub fn allows_param(&self, name: &str, value: &str) -> bool {
        match self.params.get(name) {
            None => true,
            Some(allowed) => allowed.iter().any(|v| match v {
                Value::String(s) => s == value,
                Value::Number(n) => n.to_string() == value,
                Value::Bool(b) => b.to_string() == value,
                _ => false,
            }),
        }
    }

    /// Whether this scope is within `outer`: a scoped token may only mint narrower ones.
    pub fn is_within(&self, outer: &Scope) -> bool {
        let tags_ok = outer.tags.is_empty()
            || (!self.tags.is_empty() && self.tags.iter().all(|t| outer.tags.contains(t)));
        let params_ok = outer.params.iter().all(|(name, allowed)| {
            self.params
                .get(name)
                .is_some_and(|mine| mine.iter().all(|v| allowed.contains(v)))
        });
        tags_ok && params_ok
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn scope(value: Value) -> Scope {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn nested_parameters_restrict_only_routes_that_have_them() {
        let s = scope(json!({"params": {"dept_id": ["xxxxx001"], "task_id": [1, 2, 3]}}));
        assert!(s.allows_param("dept_id", "xxxxx001") && s.allows_param("task_id", "3"));
        assert!(!s.allows_param("dept_id", "xxxxx002"));
        assert!(s.allows_tags::<&str>(&[]), "no tag restriction");
    }

    #[test]
    fn a_scope_is_within_a_wider_one_only() {
        let outer = scope(json!({"tags": ["a", "b"], "params": {"id": [1, 2]}}));
        assert!(scope(json!({"tags": ["a"], "params": {"id": [1]}})).is_within(&outer));
        assert!(!scope(json!({"tags": ["c"], "params": {"id": [1]}})).is_within(&outer));
        assert!(
            !scope(json!({"tags": ["a"]})).is_within(&outer),
            "drops a restriction"
        );
        assert!(
            !scope(json!({"params": {"id": [1]}})).is_within(&outer),
            "drops the tags"
        );
        assert!(scope(json!({"tags": ["x"]})).is_within(&Scope::default()));
    }

    #[test]
    fn unknown_fields_are_refused() {
        assert!(serde_json::from_value::<Scope>(json!({"tag": ["a"]})).is_err());
    }
}
