//! Whether a scoped token reaches a route: one of its tags, and, when it restricts parameter
//! values, a path that carries at least one restricted parameter, every one within its list. Checked right after authentication; the user's own authorization still follows, so
//! a scope narrows and never widens.

use axum::extract::{FromRequestParts, RawPathParams};
use http::request::Parts;

use crate::error::{Error, Result};
use crate::tokens::Scope;

/// 403 unless the scope covers a route with `tags` and the request's path parameters.
pub(crate) async fn check_scope(scope: &Scope, tags: &[String], parts: &mut Parts) -> Result<()> {
    let out_of_scope = || Error::forbidden("the token's scope does not cover this request");
    if !scope.allows_tags(tags) {
        return Err(out_of_scope());
    }
    if !scope.params.is_empty() {
        let path = RawPathParams::from_request_parts(parts, &())
            .await
            .map_err(|_| out_of_scope())?;
        // A value-restricted scope reaches only routes that carry a restricted parameter: a
        // list, or a route keyed by another parameter, could show objects outside the values.
        let carries = path.iter().any(|(name, _)| scope.params.contains_key(name));
        if !carries
            || !path
                .iter()
                .all(|(name, value)| scope.allows_param(name, value))
        {
            return Err(out_of_scope());
        }
    }
    Ok(())
}
