//! Minting credentials for an authenticated user: the seed's `app.create_token(user)`.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::response::{IntoResponse, Response};
use http::HeaderValue;
use http::header::{CACHE_CONTROL, PRAGMA, SET_COOKIE};

use super::{Authenticator, CurrentUser, credential_cookie};
use crate::audit::Audit;
use crate::error::{Error, Result};
use crate::settings::{TokenCarrier, TokenFormat};
use crate::tokens::jwt::TokenKind;
use crate::tokens::{AccessToken, Scope};

/// Mints compact tokens for users: the seed's `app.create_token(user)`. An extractor in
/// handlers; also [`App::tokens`](crate::App::tokens) outside requests.
///
/// ```
/// use warden::{CurrentUser, IssuedToken, Result, Tokens};
///
/// // GET /login, Basic only: a token for the authenticated user.
/// async fn login(user: CurrentUser, tokens: Tokens) -> Result<IssuedToken> {
///     tokens.mint(&user)
/// }
/// ```
///
/// Each token minted in a request is an audit event (`token.issue`) when the application keeps
/// an audit trail.
#[derive(Clone)]
pub struct Tokens(Arc<Authenticator>, Audit);

impl Tokens {
    pub(crate) fn new(auth: Arc<Authenticator>, audit: Audit) -> Self {
        Self(auth, audit)
    }

    /// A token for the user, valid for the configured lifetime.
    pub fn mint(&self, user: &CurrentUser) -> Result<IssuedToken> {
        self.mint_for(user.login())
    }

    /// A token for a login, in the configured format (a compact token refuses a login that
    /// contains `:` with 400).
    pub fn mint_for(&self, login: &str) -> Result<IssuedToken> {
        self.mint_lasting(login, self.0.services.tokens.lifetime)
    }

    /// A token for a login that lives `lifetime`, at most the configured `auth.token_lifetime`
    /// (a compact token's key is bound to it; a shorter compact token counts as issued one
    /// configured lifetime before its expiry, so a kick in that span ends it too). For tools
    /// that hand out short-lived tokens, such as `warden token issue --lifetime 5m`.
    ///
    /// # Errors
    /// 400 for a zero or longer lifetime, or a login a token cannot carry.
    pub fn mint_for_lifetime(&self, login: &str, lifetime: Duration) -> Result<IssuedToken> {
        self.mint_lasting(login, lifetime)
    }

    fn mint_lasting(&self, login: &str, lifetime: Duration) -> Result<IssuedToken> {
        let (token, expires) = match self.0.settings.token_format {
            TokenFormat::Compact => self.0.services.tokens.mint_lasting(login, lifetime)?,
            TokenFormat::Jwt => {
                if lifetime > self.0.services.tokens.lifetime || lifetime.is_zero() {
                    return Err(Error::bad_request(format!(
                        "a token lives 1 to {} seconds (auth.token_lifetime)",
                        self.0.services.tokens.lifetime.as_secs()
                    )));
                }
                let claims = self
                    .0
                    .services
                    .jwt
                    .claims(login, TokenKind::Access, lifetime)?;
                let expires = std::time::UNIX_EPOCH + Duration::from_secs(claims.exp);
                (self.0.services.jwt.encode(&claims)?, expires)
            }
        };
        self.1.event("token.issue");
        let cookie = match &self.0.settings.token_carrier {
            TokenCarrier::Cookie(name) => Some(name.clone()),
            _ => None,
        };
        Ok(IssuedToken {
            token,
            expires,
            lifetime,
            cookie,
        })
    }
}

impl Tokens {
    /// A JWT access token for the user restricted to `scope`, for `lifetime` (at most the
    /// configured maximum; by default the maximum).
    pub fn mint_scoped(
        &self,
        user: &CurrentUser,
        scope: Scope,
        lifetime: Option<Duration>,
    ) -> Result<AccessToken> {
        let max = self.0.settings.scoped.max_lifetime;
        let lifetime = lifetime.unwrap_or(max);
        if lifetime > max || lifetime.is_zero() {
            return Err(Error::bad_request(format!(
                "a scoped token lives 1 to {} seconds",
                max.as_secs()
            )));
        }
        let mut claims = self
            .0
            .services
            .jwt
            .claims(user.login(), TokenKind::Access, lifetime)?;
        claims.scope = Some(scope);
        claims.tenant = user.tenant().map(str::to_owned);
        self.1.event("token.issue");
        Ok(AccessToken::new(
            self.0.services.jwt.encode(&claims)?,
            lifetime,
        ))
    }
}

/// A freshly minted token. As a response it is a JSON string with `Cache-Control: no-store`,
/// and, when tokens travel in a cookie, also sets that cookie (`HttpOnly; Secure;
/// SameSite=Strict`).
#[derive(Clone)]
pub struct IssuedToken {
    token: String,
    expires: SystemTime,
    lifetime: Duration,
    cookie: Option<String>,
}

impl IssuedToken {
    /// The token.
    pub fn as_str(&self) -> &str {
        &self.token
    }

    /// When it expires.
    pub fn expires(&self) -> SystemTime {
        self.expires
    }

    /// The token, owned.
    pub fn into_string(self) -> String {
        self.token
    }
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("token", &"[redacted]")
            .field("expires", &self.expires)
            .finish()
    }
}

impl IntoResponse for IssuedToken {
    fn into_response(self) -> Response {
        let mut response = axum::Json(&self.token).into_response();
        let headers = response.headers_mut();
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
        if let Some(name) = &self.cookie
            && let Some(value) = credential_cookie(name, &self.token, "/", self.lifetime)
        {
            headers.append(SET_COOKIE, value);
        }
        response
    }
}
