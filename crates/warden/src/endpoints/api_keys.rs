//! The API key endpoints, mounted with one call (`AppBuilder::api_keys`):
//!
//! - `POST {prefix}` (authenticated) `{"name": ...}` -> 201 `{"id", "name", "key"}`: the key is
//!   shown this once.
//! - `GET {prefix}` -> the caller's live keys `[{"id", "name", "created", "last_used"}]`.
//! - `DELETE {prefix}/{id}` -> 204, or 404 if the caller has no such live key.
//! - `POST {prefix}/token` (open) `{"user": LOGIN, "key": KEY}` -> an access token valid for
//!   the configured time (two hours by default); with "one live token per user", minting one
//!   revokes the previous.

use axum::Json;
use axum::extract::FromRequestParts;
use http::StatusCode;
use http::request::Parts;
use serde::Deserialize;

use crate::audit::Audit;
use crate::authn::api_keys::{ApiKey, ApiKeyStore, CreatedKey, matches, parse};
use crate::authn::{CurrentUser, KEY_FAMILY};
use crate::authz::{Auth, Open};
use crate::error::{Error, Result};
use crate::guards::ClientIp;
use crate::openapi::Doc;
use crate::params::Params;
use crate::routing::RouteContext;
use crate::routing::{Routes, delete, get, post};
use crate::settings::ApiKeySettings;
use crate::tokens::AccessToken;
use crate::tokens::jwt::TokenKind;

pub(crate) fn routes<S: Clone + Send + Sync + 'static>(settings: &ApiKeySettings) -> Routes<S> {
    Routes::new().nest(
        &settings.prefix,
        Routes::new()
            .route(
                "/",
                get(Auth, list)
                    .doc(
                        Doc::new()
                            .summary("The caller's live API keys")
                            .returns::<Vec<ApiKey>>(),
                    )
                    .post(Auth.audit("key.create"), create)
                    .doc(
                        Doc::new()
                            .summary("A new API key, shown this once")
                            .params::<NewKey>()
                            .created::<CreatedKey>(),
                    ),
            )
            .route(
                "/{id}",
                delete(Auth.audit("key.revoke"), revoke).doc(
                    Doc::new()
                        .summary("Revokes one of the caller's keys")
                        .params::<KeyId>()
                        .no_content()
                        .error(StatusCode::NOT_FOUND, "the caller has no such live key"),
                ),
            )
            .route(
                "/token",
                post(Open.audit("token.issue"), exchange).doc(
                    Doc::new()
                        .summary("An access token for a user and one of their API keys")
                        .params::<Exchange>()
                        .returns::<AccessToken>()
                        .error(StatusCode::UNAUTHORIZED, "invalid credentials")
                        .error(
                            StatusCode::TOO_MANY_REQUESTS,
                            "too many failed attempts: retry after `Retry-After` seconds",
                        ),
                ),
            ),
    )
}

/// The key service, as handlers see it.
struct Keys(RouteContext);

impl<S: Send + Sync> FromRequestParts<S> for Keys {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self> {
        Ok(Keys(RouteContext::of(parts)?))
    }
}

impl Keys {
    fn store(&self) -> Result<&dyn ApiKeyStore> {
        self.0
            .auth()
            .services
            .api_keys
            .as_deref()
            .ok_or_else(|| Error::internal("API keys used without a key store"))
    }
}

fn not_for_scoped(user: &CurrentUser) -> Result<()> {
    match user.scope() {
        Some(_) => Err(Error::forbidden("a scoped token cannot manage API keys")),
        None => Ok(()),
    }
}

#[derive(Deserialize, schemars::JsonSchema)]
struct NewKey {
    /// 1 to 64 characters, not only spaces (trimmed).
    #[schemars(
        length(min = 1, max = 64),
        regex(pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$")
    )]
    name: String,
}

async fn create(
    user: CurrentUser,
    keys: Keys,
    Params(p): Params<NewKey>,
) -> Result<(
    StatusCode,
    [(http::HeaderName, &'static str); 1],
    Json<CreatedKey>,
)> {
    not_for_scoped(&user)?;
    let created = keys.0.auth().create_key(user.login(), &p.name).await?;
    Ok((
        StatusCode::CREATED,
        [(http::header::CACHE_CONTROL, "no-store")],
        Json(created),
    ))
}

async fn list(user: CurrentUser, keys: Keys) -> Result<Json<Vec<ApiKey>>> {
    not_for_scoped(&user)?;
    Ok(Json(keys.0.auth().keys_of(user.login()).await?))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct KeyId {
    id: String,
}

async fn revoke(user: CurrentUser, keys: Keys, Params(p): Params<KeyId>) -> Result<StatusCode> {
    not_for_scoped(&user)?;
    if !keys.0.auth().revoke_key(user.login(), &p.id).await? {
        return Err(Error::not_found(format!("no such key: {}", p.id)));
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, schemars::JsonSchema)]
struct Exchange {
    user: String,
    key: String,
}

/// User id + API key -> an access token. Every failure answers alike, is audited, and counts
/// for the login throttle on the user's account (429 past its limits).
async fn exchange(
    keys: Keys,
    audit: Audit,
    ip: ClientIp,
    Params(p): Params<Exchange>,
) -> Result<AccessToken> {
    let refused = || {
        audit.failed_login(Some(&p.user));
        Error::unauthorized("invalid credentials")
    };
    let checked = async {
        let (id, secret) = parse(&p.key).ok_or_else(refused)?;
        let key = keys.store()?.find(id).await?.ok_or_else(refused)?;
        if key.revoked || key.login != p.user || !matches(&key, secret) {
            return Err(refused());
        }
        Ok((id, key))
    };
    let auth = keys.0.auth();
    let (id, key) = match checked.await {
        Ok(found) => found,
        Err(e) if e.status() == StatusCode::UNAUTHORIZED => {
            auth.key_failed(&p.user, ip.ip()).await?;
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    auth.holder(&key.login).await.map_err(|_| refused())?;
    keys.store()?.touch(id).await?;
    audit.user(&key.login, None);
    audit.target("key", id);
    let settings = &auth.settings.api_keys;
    let mut claims =
        auth.services
            .jwt
            .claims(&key.login, TokenKind::Access, settings.token_lifetime)?;
    // Revoking the key revokes the tokens it bought.
    claims.fam = Some(format!("{KEY_FAMILY}{id}"));
    if settings.one_live_token {
        claims.one = true;
        auth.services
            .revocations
            .set_live(&key.login, &claims.jti, settings.token_lifetime)
            .await?;
    }
    Ok(AccessToken::new(
        auth.services.jwt.encode(&claims)?,
        settings.token_lifetime,
    ))
}
