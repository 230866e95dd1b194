//! Token schemes: compact tokens and JWT access tokens, each checked against revocations.

use std::sync::Arc;

use super::Authenticator;
use crate::authn::{CurrentUser, TokenFacts};
use crate::error::{Error, Result};
use crate::scheme::Scheme;
use crate::tokens::Issued;
use crate::tokens::jwt::TokenKind;
use crate::users::UserRecord;

/// The family prefix of the tokens exchanged for an API key: `key:ID`.
pub(crate) const KEY_FAMILY: &str = "key:";

/// JWTs have three dot-separated parts; compact tokens have none.
fn is_jwt(token: &str) -> bool {
    token.bytes().filter(|&b| b == b'.').count() == 2
}

impl Authenticator {
    /// The user a valid, unrevoked access token names.
    pub(crate) async fn verify_token(&self, token: &str) -> Result<CurrentUser> {
        if is_jwt(token) {
            let claims = self
                .services
                .jwt
                .decode(token, TokenKind::Access)
                .map_err(|e| Error::unauthorized(e.message()))?;
            // A token exchanged for an API key lives no longer than the key: its family names
            // the key, looked up (cached for the cache TTL) rather than kept in the store.
            let key = claims
                .fam
                .as_deref()
                .and_then(|f| f.strip_prefix(KEY_FAMILY));
            if let Some(id) = key {
                self.live_key(id)
                    .await
                    .map_err(|_| Error::unauthorized("revoked token"))?;
            }
            self.services
                .revocations
                .check(&Issued {
                    login: &claims.sub,
                    issued_at: claims.iat,
                    family: claims.fam.as_deref().filter(|_| key.is_none()),
                    live: claims.one.then_some(claims.jti.as_str()),
                })
                .await?;
            let record = self.holder(&claims.sub).await?;
            return Ok(CurrentUser::with_token(
                record,
                Scheme::Token,
                TokenFacts {
                    id: Some(claims.jti),
                    tenant: claims.tenant,
                    scope: claims.scope,
                },
            ));
        }
        let verified = self
            .services
            .tokens
            .verify(token)
            .map_err(|e| Error::unauthorized(e.message()))?;
        self.services
            .revocations
            .check(&Issued {
                login: verified.login,
                issued_at: verified.issued_at,
                family: None,
                live: None,
            })
            .await?;
        let record = self.holder(verified.login).await?;
        Ok(CurrentUser::with_record(record, Scheme::Token))
    }

    /// The directory's record of a credential's holder: a token or key outlives nothing its
    /// user does not. A removed or renamed user's tokens and keys stop working within the
    /// directory cache's TTL (at once where the application calls `Users::forget`), on every
    /// instance, however long they were minted for.
    pub(crate) async fn holder(&self, login: &str) -> Result<Arc<UserRecord>> {
        self.services
            .directory
            .lookup(login)
            .await?
            .ok_or_else(|| Error::unauthorized("invalid token"))
    }
}
