//! The scoped-token endpoint, mounted with one call (`AppBuilder::scoped_tokens`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use std::time::Duration;

use http::StatusCode;
use serde::Deserialize;
use serde_json::Value;

use crate::authn::{CurrentUser, Tokens};
use crate::authz::Auth;
use crate::error::{Error, Result};
use crate::openapi::Doc;
use crate::params::Params;
use crate::routing::{Routes, post};
use crate::settings::ScopedSettings;
use crate::tokens::{AccessToken, Scope};

/// `POST {path}` (authenticated): `{"tags": [...], "params": {"task_id": [123, 45]},
/// "expires_in": SECONDS}` -> an access token narrower than its holder. `known` are the path
/// parameters of the application's routes: a scope naming another one would restrict nothing,
/// so it is refused, as is any unknown field (a misspelt `"tag"` must not mint a wider token).
pub(crate) fn routes<S: Clone + Send + Sync + 'static>(
    settings: &ScopedSettings,
    known: BTreeSet<String>,
) -> Routes<S> {
    let known = Arc::new(known);
    let handler = move |user: CurrentUser, tokens: Tokens, params: Params<MintScoped>| {
        let known = Arc::clone(&known);
        async move { mint(&user, &tokens, params, &known) }
    };
    Routes::new().route(
        &settings.path,
        post(Auth, handler).doc(
            Doc::new()
                .summary("A token narrower than its holder: restricted to tags and path parameter values")
                .params::<MintScoped>()
                .returns::<AccessToken>()
                .error(
                    StatusCode::BAD_REQUEST,
                    "the scope names neither tags nor params, or a path parameter no route has",
                ),
        ),
    )
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct MintScoped {
    /// The route tags the token may call.
    #[serde(default)]
    tags: Vec<String>,
    /// Path parameter values the token is restricted to, by parameter name.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Vec<ScopeValue>>")]
    params: BTreeMap<String, Vec<Value>>,
    /// Its lifetime in seconds (at most the configured maximum).
    expires_in: Option<u64>,
}

/// A path parameter value in a scope.
#[derive(schemars::JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum ScopeValue {
    /// Text.
    Text(String),
    /// A number.
    Number(f64),
    /// A boolean.
    Bool(bool),
}

fn mint(
    user: &CurrentUser,
    tokens: &Tokens,
    Params(p): Params<MintScoped>,
    known: &BTreeSet<String>,
) -> Result<AccessToken> {
    if let Some(name) = p.params.keys().find(|name| !known.contains(*name)) {
        return Err(Error::bad_request(format!(
            "no route has the path parameter {name:?}"
        )));
    }
    let scope = Scope {
        tags: p.tags,
        params: p.params,
    };
    if scope.tags.is_empty() && scope.params.is_empty() {
        return Err(Error::bad_request("a scoped token needs tags or params"));
    }
    if scope
        .params
        .values()
        .flatten()
        .any(|v| !(v.is_string() || v.is_number() || v.is_boolean()))
    {
        return Err(Error::bad_request(
            "scope parameter values must be strings or numbers",
        ));
    }
    if let Some(outer) = user.scope()
        && !scope.is_within(outer)
    {
        return Err(Error::forbidden(
            "a scoped token can only mint narrower ones",
        ));
    }
    tokens.mint_scoped(user, scope, p.expires_in.map(Duration::from_secs))
}
