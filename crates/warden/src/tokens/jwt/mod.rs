//! JSON Web Tokens (RFC 7519) with a pinned algorithm and strict validation.
//!
//! [`Jwt`] signs and verifies the access and refresh tokens that warden hands out. The algorithm
//! is chosen by configuration ([`JwtSettings::algorithm`]: HS256, EdDSA or RS256), never by the
//! token: a token whose header names another algorithm, or `none`, is refused. Verification is
//! stricter than JWT libraries are by default:
//!
//! - the header's `alg` must be the configured one, `crit` is refused, `typ` is `JWT` or absent;
//! - a `kid` must name a configured key; a token without one is accepted only when a single key
//!   can verify;
//! - `exp`, `nbf`, `iat`, `iss`, `aud`, `sub`, `jti` and `typ` are required, the times as whole
//!   numbers of seconds; `iat` and `nbf` may not be in the future and `exp` must be, give or take
//!   [`leeway`](JwtSettings::leeway); `exp - iat` may not exceed
//!   [`max_lifetime`](JwtSettings::max_lifetime);
//! - `iss` and `aud` must be the configured ones (the application's realm by default);
//! - `typ` must be the kind of token the caller expects: a refresh token is never accepted as an
//!   access token, nor the reverse;
//! - tokens longer than 8 KiB are refused before any work.
//!
//! Time comes from warden's [`Clock`](crate::clock::Clock), so tests move time instead of
//! sleeping.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//!
//! use warden::clock::ManualClock;
//! use warden::jwt::{Jwt, JwtError, JwtSettings, TokenKind};
//!
//! let clock = ManualClock::starting_now();
//! // No keys configured: HS256 with a key derived from the application secret.
//! let secret = b"a long random application secret, not this one";
//! let jwt = Jwt::new(&JwtSettings::default(), "stuff", secret, Arc::new(clock.clone()))?;
//!
//! let mut claims = jwt.claims("calvin", TokenKind::Access, Duration::from_secs(900))?;
//! claims.tenant = Some("acme".to_owned());
//! let token = jwt.encode(&claims)?;
//!
//! assert_eq!(jwt.decode(&token, TokenKind::Access), Ok(claims));
//! assert_eq!(jwt.decode(&token, TokenKind::Refresh), Err(JwtError::WrongKind));
//!
//! clock.advance(Duration::from_secs(900 + 30)); // the lifetime, then the leeway
//! assert_eq!(jwt.decode(&token, TokenKind::Access), Err(JwtError::Expired));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Keys
//!
//! Without [`keys`](JwtSettings::keys), HS256 signs with `HMAC-SHA256(app secret,
//! "warden/jwt/v1")`, so the JWT key is never the compact tokens' key. EdDSA and RS256 need keys.
//! Each [`JwtKey`] has a `kid`; the [signing key](JwtSettings::signing_kid) (the first by
//! default) signs new tokens and puts its `kid` in their header, and every configured key
//! verifies. To rotate, add the new key, make it the signing key and keep the old one
//! (its public half is enough) until the tokens it signed have expired; then remove it.
//!
//! A PEM value is either the PEM text itself (when it starts with `-----BEGIN`) or the path of a
//! PEM file. Private keys are PKCS#8 (`openssl genpkey`) or, for RSA, PKCS#1; public keys are
//! SubjectPublicKeyInfo (`openssl pkey -pubout`) or, for RSA, PKCS#1. RSA keys have at least
//! 2048 bits; HS256 secrets at least 32 bytes.
//!
//! ```toml
//! algorithm = "EdDSA"
//! leeway = "30s"
//! max_lifetime = "30d"
//! signing_kid = "2026-11"
//!
//! [[keys]]
//! kid = "2026-11"
//! private_key = "/etc/stuff/jwt-2026-11.pem"
//!
//! [[keys]]                # retired for signing; verifies until removed
//! kid = "2026-05"
//! public_key = "/etc/stuff/jwt-2026-05.pub.pem"
//! ```

mod codec;
mod keys;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::tokens::Scope;

#[doc(inline)]
pub use crate::settings::{JwtAlgorithm, JwtKey, JwtSettings};
#[doc(inline)]
pub use codec::{Jwt, MAX_TOKEN_LEN};

/// What a token is for, carried in its `typ` claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    /// A short-lived token that authenticates requests (`"access"`).
    Access,
    /// A token that only buys new access tokens, at the refresh endpoint (`"refresh"`).
    Refresh,
}

impl TokenKind {
    /// `access` or `refresh`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Access => "access",
            TokenKind::Refresh => "refresh",
        }
    }
}

impl fmt::Display for TokenKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The claims of a warden token. Times are seconds since the Unix epoch.
///
/// [`Jwt::claims`] fills the registered claims; the caller adds tenant, scope and family.
/// Optional claims are left out of the token when absent.
///
/// ```
/// use warden::jwt::{Claims, TokenKind};
///
/// let claims = Claims {
///     sub: "calvin".into(), iss: "stuff".into(), aud: "stuff".into(),
///     exp: 1_700_000_900, nbf: 1_700_000_000, iat: 1_700_000_000,
///     jti: "Yc2H1m3xQ0Wc0rj3kL1p0w".into(), typ: TokenKind::Refresh,
///     tenant: None, scope: None, fam: Some("f1".into()), one: false,
/// };
/// let json = serde_json::to_value(&claims).unwrap();
/// assert_eq!(json["typ"], "refresh");
/// assert!(json.get("tenant").is_none() && json.get("one").is_none());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Subject: the user's login.
    pub sub: String,
    /// Issuer: who minted the token.
    pub iss: String,
    /// Audience: who the token is for.
    pub aud: String,
    /// Expiry: the token is refused from this time on (give or take the leeway).
    pub exp: u64,
    /// Not before: the token is refused before this time (give or take the leeway).
    pub nbf: u64,
    /// Issued at.
    pub iat: u64,
    /// A unique id (128 random bits, base64url), for revocation.
    pub jti: String,
    /// Access or refresh.
    pub typ: TokenKind,
    /// The tenant the token is bound to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// What a scoped token may reach; `None` for a token with all of its user's rights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
    /// The refresh-token family: every refresh token descended from one login shares it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fam: Option<String>,
    /// Whether the "one live token per user" policy tracks this token.
    #[serde(default, skip_serializing_if = "is_false")]
    pub one: bool,
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// Why a token was refused. The [`message`](JwtError::message) is safe to show to clients; the
/// details stay out on purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum JwtError {
    /// Malformed, badly signed, unknown key, wrong algorithm, issuer or audience, missing or
    /// ill-typed claims, `iat` in the future, lifetime above the maximum.
    #[error("invalid token")]
    Invalid,
    /// Past its `exp`.
    #[error("expired token")]
    Expired,
    /// Before its `nbf`.
    #[error("token not yet valid")]
    NotYetValid,
    /// A refresh token where an access token was expected, or the reverse.
    #[error("wrong kind of token")]
    WrongKind,
}

impl JwtError {
    /// What the client is told.
    pub fn message(self) -> &'static str {
        match self {
            JwtError::Invalid => "invalid token",
            JwtError::Expired => "expired token",
            JwtError::NotYetValid => "token not yet valid",
            JwtError::WrongKind => "wrong kind of token",
        }
    }
}

/// 401 with the client-safe message.
impl From<JwtError> for Error {
    fn from(e: JwtError) -> Self {
        Error::unauthorized(e.message())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn claims() -> Claims {
        Claims {
            sub: "calvin".into(),
            iss: "stuff".into(),
            aud: "stuff".into(),
            exp: 1_700_000_900,
            nbf: 1_700_000_000,
            iat: 1_700_000_000,
            jti: "jti".into(),
            typ: TokenKind::Access,
            tenant: None,
            scope: None,
            fam: None,
            one: false,
        }
    }

    #[test]
    fn algorithms_parse_from_configuration_text_and_print_as_in_headers() {
        assert_eq!("hs256".parse(), Ok(JwtAlgorithm::HS256));
        assert_eq!(" EdDSA ".parse(), Ok(JwtAlgorithm::EdDSA));
        assert_eq!("RS256".parse(), Ok(JwtAlgorithm::RS256));
        assert!("none".parse::<JwtAlgorithm>().is_err());
        assert!("HS512".parse::<JwtAlgorithm>().is_err());
        assert_eq!(
            serde_json::to_value(JwtAlgorithm::EdDSA).unwrap(),
            json!("EdDSA")
        );
        let back: JwtAlgorithm = serde_json::from_value(json!("RS256")).unwrap();
        assert_eq!(back, JwtAlgorithm::RS256);
    }

    #[test]
    fn token_kinds_are_lowercase_words() {
        assert_eq!(
            serde_json::to_value(TokenKind::Access).unwrap(),
            json!("access")
        );
        assert_eq!(
            serde_json::to_value(TokenKind::Refresh).unwrap(),
            json!("refresh")
        );
        assert!(serde_json::from_value::<TokenKind>(json!("Access")).is_err());
        assert_eq!(TokenKind::Refresh.to_string(), "refresh");
    }

    #[test]
    fn optional_claims_are_left_out_when_absent() {
        let json = serde_json::to_value(claims()).unwrap();
        let mut keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["aud", "exp", "iat", "iss", "jti", "nbf", "sub", "typ"],
            "{json}"
        );

        let mut full = claims();
        full.tenant = Some("acme".into());
        full.scope = Some(serde_json::from_value(json!({"tags": ["t"]})).unwrap());
        full.fam = Some("fam".into());
        full.one = true;
        let json = serde_json::to_value(&full).unwrap();
        assert_eq!(json["one"], json!(true));
        assert_eq!(json["scope"], json!({"tags": ["t"]}));
        assert_eq!(serde_json::from_value::<Claims>(json).unwrap(), full);
    }

    #[test]
    fn registered_claims_are_required_and_times_are_whole_numbers() {
        let json = serde_json::to_value(claims()).unwrap();
        for name in ["sub", "iss", "aud", "exp", "nbf", "iat", "jti", "typ"] {
            let mut without = json.clone();
            without.as_object_mut().unwrap().remove(name);
            assert!(serde_json::from_value::<Claims>(without).is_err(), "{name}");
        }
        for exp in [json!("1700000900"), json!(1.7e9), json!(-1), json!(null)] {
            let mut bad = json.clone();
            bad["exp"] = exp.clone();
            assert!(serde_json::from_value::<Claims>(bad).is_err(), "{exp}");
        }
    }

    #[test]
    fn errors_tell_clients_little() {
        assert_eq!(JwtError::Invalid.message(), "invalid token");
        assert_eq!(JwtError::Expired.to_string(), "expired token");
        let e = Error::from(JwtError::WrongKind);
        assert_eq!(e.status(), http::StatusCode::UNAUTHORIZED);
        assert_eq!(e.message(), "wrong kind of token");
    }
}
