//! The scoped-token endpoint, mounted with one call (`AppBuilder::scoped_tokens`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use std::time::Duration;

use http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

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
    let schema = mint_schema(settings, &known);
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
                .params_value(schema)
                .returns::<AccessToken>()
                .error(
                    StatusCode::FORBIDDEN,
                    "a scoped token can only mint narrower ones",
                ),
        ),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MintScoped {
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    params: BTreeMap<String, Vec<Value>>,
    expires_in: Option<u64>,
}

/// The body's schema: its rules come from the routes (which path parameters exist) and the
/// settings (the longest lifetime).
fn mint_schema(settings: &ScopedSettings, known: &BTreeSet<String>) -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "tags": {
                "type": "array",
                "description": "the route tags the token may call",
                "items": { "type": "string" },
            },
            "params": {
                "type": "object",
                "description": "path parameter values the token is restricted to, by parameter name",
                "propertyNames": { "enum": known },
                "additionalProperties": {
                    "type": "array",
                    "items": { "type": ["string", "number", "boolean"] },
                },
            },
            "expires_in": {
                "type": ["integer", "null"],
                "description": "its lifetime in seconds (null or absent: the longest)",
                "minimum": 1,
                "maximum": settings.max_lifetime.as_secs(),
            },
        },
        "anyOf": [
            { "required": ["tags"], "properties": { "tags": { "minItems": 1 } } },
            { "required": ["params"], "properties": { "params": { "minProperties": 1 } } },
        ],
    })
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
