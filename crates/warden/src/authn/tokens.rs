//! Token schemes: compact tokens and JWT access tokens, each checked against revocations.

use super::Authenticator;
use crate::authn::{CurrentUser, TokenFacts};
use crate::error::{Error, Result};
use crate::scheme::Scheme;
use crate::tokens::Issued;
use crate::tokens::jwt::TokenKind;

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
            self.services
                .revocations
                .check(&Issued {
                    login: &claims.sub,
                    issued_at: claims.iat,
                    family: claims.fam.as_deref(),
                    live: claims.one.then_some(claims.jti.as_str()),
                })
                .await?;
            return Ok(CurrentUser::with_token(
                claims.sub,
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
        // A compact token says when it expires; it was issued one lifetime before.
        let issued_at = verified
            .expires
            .saturating_sub(self.services.tokens.lifetime.as_secs());
        self.services
            .revocations
            .check(&Issued {
                login: verified.login,
                issued_at,
                family: None,
                live: None,
            })
            .await?;
        Ok(CurrentUser::new(verified.login, Scheme::Token))
    }
}
