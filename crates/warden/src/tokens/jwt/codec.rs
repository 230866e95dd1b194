//! The codec: claims to compact JWS and back, with every check done here rather than left to
//! library defaults.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::keys::KeyRing;
use super::{Claims, JwtAlgorithm, JwtError, TokenKind};
use crate::clock::Clock;
use crate::encoding::random_id;
use crate::error::{Error, Result};
use crate::settings::JwtSettings;

/// Longest token accepted (and minted): anything longer is refused before any work.
pub const MAX_TOKEN_LEN: usize = 8 * 1024;
/// Largest leeway configuration may ask for: more would make `exp` meaningless.
const MAX_LEEWAY: Duration = Duration::from_secs(300);

/// Signs and verifies warden's JWTs. Built once from [`JwtSettings`]; cheap to share.
///
/// See the [module documentation](crate::tokens::jwt) for what is checked and an example.
pub struct Jwt {
    algorithm: JwtAlgorithm,
    issuer: String,
    audience: String,
    leeway: u64,
    max_lifetime: u64,
    keys: KeyRing,
    clock: Arc<dyn Clock>,
}

/// The header of the tokens minted.
#[derive(Serialize)]
struct OutHeader<'a> {
    alg: &'static str,
    typ: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    kid: Option<&'a str>,
}

/// What is read of a received header. Other members (`jku`, `x5u`, `jwk`...) are ignored: keys
/// only ever come from configuration.
#[derive(Deserialize)]
struct InHeader {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    typ: Option<String>,
    /// Extensions the verifier must understand (RFC 7515 §4.1.11): warden understands none.
    #[serde(default)]
    crit: Option<serde::de::IgnoredAny>,
}

impl Jwt {
    /// The codec for `settings`. `realm` is the issuer and audience unless the settings name
    /// them; `default_secret` (the application secret) keys HS256 when no keys are configured,
    /// through `HMAC-SHA256(default_secret, "warden/jwt/v1")`.
    ///
    /// Fails, listing the problems, when a key cannot be read or does not fit the algorithm,
    /// when EdDSA or RS256 has no keys, when the signing key cannot sign, or when a tolerance is
    /// out of range.
    pub fn new(
        settings: &JwtSettings,
        realm: &str,
        default_secret: &[u8],
        clock: Arc<dyn Clock>,
    ) -> Result<Jwt, String> {
        let issuer = settings.issuer.as_deref().unwrap_or(realm);
        let audience = settings.audience.as_deref().unwrap_or(realm);
        if issuer.is_empty() || audience.is_empty() {
            return Err("the JWT issuer and audience must not be empty".to_owned());
        }
        if settings.leeway > MAX_LEEWAY {
            return Err(format!(
                "the JWT leeway is {} s; at most {} s is allowed",
                settings.leeway.as_secs(),
                MAX_LEEWAY.as_secs()
            ));
        }
        if settings.max_lifetime.as_secs() == 0 {
            return Err("the JWT max_lifetime must be at least one second".to_owned());
        }
        Ok(Jwt {
            algorithm: settings.algorithm,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            leeway: settings.leeway.as_secs(),
            max_lifetime: settings.max_lifetime.as_secs(),
            keys: KeyRing::new(settings, default_secret)?,
            clock,
        })
    }

    /// The pinned algorithm.
    pub fn algorithm(&self) -> JwtAlgorithm {
        self.algorithm
    }

    /// The `iss` minted and required.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The `aud` minted and required.
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// The longest lifetime minted and accepted.
    pub fn max_lifetime(&self) -> Duration {
        Duration::from_secs(self.max_lifetime)
    }

    /// The `kid` new tokens carry; `None` with the key derived from the application secret.
    pub fn signing_kid(&self) -> Option<&str> {
        self.keys.signing_kid()
    }

    /// Claims for `sub`, issued now by the clock, valid for `lifetime` (whole seconds) from now,
    /// with this codec's issuer and audience and a fresh random `jti`. Tenant, scope, family and
    /// `one` are left for the caller.
    ///
    /// A 500 error when `lifetime` is zero or above [`max_lifetime`](Jwt::max_lifetime) (no
    /// token minted that would be refused), when the clock is before 1970, or when the system
    /// has no randomness.
    pub fn claims(
        &self,
        sub: impl Into<String>,
        kind: TokenKind,
        lifetime: Duration,
    ) -> Result<Claims> {
        let secs = lifetime.as_secs();
        if secs == 0 || secs > self.max_lifetime {
            return Err(Error::internal(format!(
                "a {kind} token lifetime of {secs} s is outside 1 s ..= {} s (the JWT max_lifetime)",
                self.max_lifetime
            )));
        }
        let now = self
            .now()
            .ok_or_else(|| Error::internal("the clock is before 1970"))?;
        let exp = now
            .checked_add(secs)
            .ok_or_else(|| Error::internal("the clock is too far in the future"))?;
        Ok(Claims {
            sub: sub.into(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            exp,
            nbf: now,
            iat: now,
            jti: random_id::<16>()?,
            typ: kind,
            tenant: None,
            scope: None,
            fam: None,
            one: false,
        })
    }

    /// Signs `claims` into a compact token whose header names the algorithm and, when keys are
    /// configured, the signing key's `kid`.
    ///
    /// A 500 error when the key cannot sign or the token would be longer than
    /// [`MAX_TOKEN_LEN`].
    pub fn encode(&self, claims: &Claims) -> Result<String> {
        let header = OutHeader {
            alg: self.algorithm.as_str(),
            typ: "JWT",
            kid: self.keys.signing_kid(),
        };
        let header = serde_json::to_vec(&header).map_err(Error::internal)?;
        let payload = serde_json::to_vec(claims).map_err(Error::internal)?;
        let mut token = URL_SAFE_NO_PAD.encode(header);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(payload, &mut token);
        let signature = self
            .keys
            .sign(token.as_bytes())
            .map_err(|e| Error::internal(format!("cannot sign a JWT: {e}")))?;
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(signature, &mut token);
        if token.len() > MAX_TOKEN_LEN {
            return Err(Error::internal(format!(
                "a JWT of {} bytes is longer than the {MAX_TOKEN_LEN} accepted",
                token.len()
            )));
        }
        Ok(token)
    }

    /// The claims of `token` when it is valid, signed by a configured key and of the `expected`
    /// kind. Never panics, whatever the input.
    pub fn decode(&self, token: &str, expected: TokenKind) -> Result<Claims, JwtError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(JwtError::Invalid);
        }
        let mut parts = token.split('.');
        let (Some(header64), Some(payload64), Some(signature64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JwtError::Invalid);
        };

        let header: InHeader = json_object(&base64url(header64)?)?;
        if header.alg != self.algorithm.as_str()
            || header.crit.is_some()
            || header.typ.is_some_and(|typ| typ != "JWT")
        {
            return Err(JwtError::Invalid);
        }
        let key = self
            .keys
            .verifier(header.kid.as_deref())
            .ok_or(JwtError::Invalid)?;
        let signature = base64url(signature64)?;
        let signed = &token[..header64.len() + 1 + payload64.len()];
        if !self.keys.verify(key, signed.as_bytes(), &signature) {
            return Err(JwtError::Invalid);
        }

        let claims: Claims = json_object(&base64url(payload64)?)?;
        self.check(&claims, expected)?;
        Ok(claims)
    }

    /// The checks on signed claims.
    fn check(&self, claims: &Claims, expected: TokenKind) -> Result<(), JwtError> {
        if claims.iss != self.issuer
            || claims.aud != self.audience
            || claims.sub.is_empty()
            || claims.jti.is_empty()
        {
            return Err(JwtError::Invalid);
        }
        if claims.typ != expected {
            return Err(JwtError::WrongKind);
        }
        match claims.exp.checked_sub(claims.iat) {
            Some(lifetime) if lifetime > 0 && lifetime <= self.max_lifetime => {}
            _ => return Err(JwtError::Invalid),
        }
        let now = self.now().ok_or(JwtError::Invalid)?;
        let tolerated = now.saturating_add(self.leeway);
        if claims.iat > tolerated {
            return Err(JwtError::Invalid);
        }
        if claims.nbf > tolerated {
            return Err(JwtError::NotYetValid);
        }
        if now >= claims.exp.saturating_add(self.leeway) {
            return Err(JwtError::Expired);
        }
        Ok(())
    }

    /// Seconds since the epoch, by the clock.
    fn now(&self) -> Option<u64> {
        self.clock
            .now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .ok()
            .map(|d| d.as_secs())
    }
}

impl fmt::Debug for Jwt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Jwt")
            .field("algorithm", &self.algorithm)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway", &self.leeway)
            .field("max_lifetime", &self.max_lifetime)
            .field("signing_kid", &self.keys.signing_kid())
            .field("kids", &self.keys.kids().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// Unpadded base64url, canonical only (no padding, no stray bits).
fn base64url(part: &str) -> Result<Vec<u8>, JwtError> {
    URL_SAFE_NO_PAD.decode(part).map_err(|_| JwtError::Invalid)
}

/// A JSON object, as JOSE headers and claim sets must be: serde would also read a struct from
/// an array. Duplicate members are refused by the derived `Deserialize`.
fn json_object<T: serde::de::DeserializeOwned>(json: &[u8]) -> Result<T, JwtError> {
    if json.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(JwtError::Invalid);
    }
    serde_json::from_slice(json).map_err(|_| JwtError::Invalid)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::clock::ManualClock;

    const SECRET: &[u8] = b"the application secret";
    const START: u64 = 1_800_000_000;

    fn clock() -> ManualClock {
        ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(START))
    }

    fn jwt(clock: &ManualClock) -> Jwt {
        Jwt::new(
            &JwtSettings::default(),
            "stuff",
            SECRET,
            Arc::new(clock.clone()),
        )
        .unwrap()
    }

    /// A token over any header and payload, signed with the derived key.
    fn forge(header: &Value, payload: &Value) -> String {
        let key = super::super::keys::derive_hs256_key(SECRET).unwrap();
        let mut token = URL_SAFE_NO_PAD.encode(header.to_string());
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(payload.to_string(), &mut token);
        let signature = jsonwebtoken::crypto::sign(
            token.as_bytes(),
            &jsonwebtoken::EncodingKey::from_secret(&key),
            jsonwebtoken::Algorithm::HS256,
        )
        .unwrap();
        format!("{token}.{signature}")
    }

    fn payload() -> Value {
        json!({
            "sub": "calvin", "iss": "stuff", "aud": "stuff", "jti": "j", "typ": "access",
            "iat": START, "nbf": START, "exp": START + 600,
        })
    }

    #[test]
    fn the_codec_can_be_shared_between_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<Jwt>();
    }

    #[test]
    fn minted_claims_come_from_the_clock_and_settings() {
        let clock = clock();
        let jwt = jwt(&clock);
        let claims = jwt
            .claims("calvin", TokenKind::Refresh, Duration::from_millis(90_500))
            .unwrap();
        assert_eq!(
            (claims.iat, claims.nbf, claims.exp),
            (START, START, START + 90)
        );
        assert_eq!(
            (claims.iss.as_str(), claims.aud.as_str()),
            ("stuff", "stuff")
        );
        assert_eq!(claims.typ, TokenKind::Refresh);
        assert_eq!(claims.jti.len(), 22, "128 bits in base64url");
        let other = jwt
            .claims("calvin", TokenKind::Refresh, Duration::from_secs(90))
            .unwrap();
        assert_ne!(claims.jti, other.jti);
    }

    #[test]
    fn lifetimes_outside_the_maximum_are_not_minted() {
        let jwt = jwt(&clock());
        assert!(
            jwt.claims("calvin", TokenKind::Access, Duration::ZERO)
                .is_err()
        );
        let max = jwt.max_lifetime();
        assert!(jwt.claims("calvin", TokenKind::Refresh, max).is_ok());
        let err = jwt
            .claims("calvin", TokenKind::Refresh, max + Duration::from_secs(1))
            .unwrap_err();
        assert_eq!(err.status(), http::StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn the_header_names_the_algorithm_and_no_kid_for_the_derived_key() {
        let jwt = jwt(&clock());
        let token = jwt
            .encode(
                &jwt.claims("calvin", TokenKind::Access, Duration::from_secs(60))
                    .unwrap(),
            )
            .unwrap();
        let header = token.split('.').next().unwrap();
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
        assert_eq!(header, json!({"alg": "HS256", "typ": "JWT"}));
        assert_eq!(jwt.signing_kid(), None);
    }

    #[test]
    fn tokens_signed_elsewhere_with_the_same_key_verify() {
        let jwt = jwt(&clock());
        let token = forge(&json!({"alg": "HS256"}), &payload());
        assert_eq!(jwt.decode(&token, TokenKind::Access).unwrap().sub, "calvin");
    }

    #[test]
    fn time_checks_follow_the_clock_with_the_leeway() {
        let clock = clock();
        let jwt = jwt(&clock);
        let token = forge(&json!({"alg": "HS256"}), &payload());
        clock.set(SystemTime::UNIX_EPOCH + Duration::from_secs(START + 600 + 29));
        assert!(jwt.decode(&token, TokenKind::Access).is_ok());
        clock.advance(Duration::from_secs(1));
        assert_eq!(
            jwt.decode(&token, TokenKind::Access),
            Err(JwtError::Expired)
        );

        let mut early = payload();
        early["nbf"] = json!(START + 100);
        let early = forge(&json!({"alg": "HS256"}), &early);
        clock.set(SystemTime::UNIX_EPOCH + Duration::from_secs(START + 69));
        assert_eq!(
            jwt.decode(&early, TokenKind::Access),
            Err(JwtError::NotYetValid)
        );
        clock.advance(Duration::from_secs(1));
        assert!(jwt.decode(&early, TokenKind::Access).is_ok());

        let mut future = payload();
        future["iat"] = json!(START + 31);
        future["nbf"] = json!(START);
        let future = forge(&json!({"alg": "HS256"}), &future);
        clock.set(SystemTime::UNIX_EPOCH + Duration::from_secs(START));
        assert_eq!(
            jwt.decode(&future, TokenKind::Access),
            Err(JwtError::Invalid)
        );
    }

    #[test]
    fn lifetimes_are_checked_from_iat_to_exp() {
        let jwt = jwt(&clock());
        for (iat, exp) in [
            (START, START),
            (START, START - 1),
            (START, START + 30 * 86_400 + 1),
        ] {
            let mut claims = payload();
            claims["iat"] = json!(iat);
            claims["exp"] = json!(exp);
            let token = forge(&json!({"alg": "HS256"}), &claims);
            assert_eq!(
                jwt.decode(&token, TokenKind::Access),
                Err(JwtError::Invalid),
                "{claims}"
            );
        }
    }

    #[test]
    fn extreme_times_do_not_overflow() {
        let clock = clock();
        let jwt = jwt(&clock);
        let mut claims = payload();
        claims["exp"] = json!(u64::MAX);
        claims["iat"] = json!(u64::MAX - 1);
        claims["nbf"] = json!(0);
        let token = forge(&json!({"alg": "HS256"}), &claims);
        assert_eq!(
            jwt.decode(&token, TokenKind::Access),
            Err(JwtError::Invalid)
        );
        clock.set(SystemTime::UNIX_EPOCH - Duration::from_secs(1));
        let token = forge(&json!({"alg": "HS256"}), &payload());
        assert_eq!(
            jwt.decode(&token, TokenKind::Access),
            Err(JwtError::Invalid)
        );
        assert!(
            jwt.claims("calvin", TokenKind::Access, Duration::from_secs(1))
                .is_err()
        );
    }

    #[test]
    fn headers_must_be_plain() {
        let jwt = jwt(&clock());
        for header in [
            json!({"alg": "HS256", "crit": ["exp"]}),
            json!({"alg": "HS256", "typ": "at+jwt"}),
            json!({"alg": "hs256"}),
            json!({"alg": "HS256", "kid": "any"}),
            json!({"typ": "JWT"}),
            json!({"alg": "HS256", "alg": "none"}),
            json!(["HS256"]),
        ] {
            let token = forge(&header, &payload());
            assert_eq!(
                jwt.decode(&token, TokenKind::Access),
                Err(JwtError::Invalid),
                "{header}"
            );
        }
    }

    #[test]
    fn claims_must_be_an_object() {
        let jwt = jwt(&clock());
        let fields: Vec<Value> = payload().as_object().unwrap().values().cloned().collect();
        let token = forge(&json!({"alg": "HS256"}), &Value::Array(fields));
        assert_eq!(
            jwt.decode(&token, TokenKind::Access),
            Err(JwtError::Invalid)
        );
    }

    #[test]
    fn duplicate_members_are_refused() {
        let jwt = jwt(&clock());
        let good = forge(&json!({"alg": "HS256"}), &payload());
        let (head, rest) = good.split_once('.').unwrap();
        let doubled = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","alg":"HS256"}"#);
        let token = format!("{doubled}.{rest}");
        assert_eq!(
            jwt.decode(&token, TokenKind::Access),
            Err(JwtError::Invalid)
        );
        assert!(
            jwt.decode(&format!("{head}.{rest}"), TokenKind::Access)
                .is_ok()
        );
    }

    #[test]
    fn oversized_tokens_are_refused_before_parsing() {
        let jwt = jwt(&clock());
        let mut claims = payload();
        claims["pad"] = json!("x".repeat(MAX_TOKEN_LEN));
        let token = forge(&json!({"alg": "HS256"}), &claims);
        assert_eq!(
            jwt.decode(&token, TokenKind::Access),
            Err(JwtError::Invalid)
        );

        let mut big = jwt
            .claims("calvin", TokenKind::Access, Duration::from_secs(60))
            .unwrap();
        big.tenant = Some("t".repeat(MAX_TOKEN_LEN));
        assert!(jwt.encode(&big).is_err(), "never minted");
    }

    #[test]
    fn non_canonical_base64_is_refused() {
        let jwt = jwt(&clock());
        let token = forge(&json!({"alg": "HS256"}), &payload());
        assert!(jwt.decode(&token, TokenKind::Access).is_ok());
        assert_eq!(
            jwt.decode(&format!("{token}="), TokenKind::Access),
            Err(JwtError::Invalid)
        );
        // HS256's 32-byte tag leaves two spare bits in its last character.
        let last = token.chars().last().unwrap();
        let index = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
            .iter()
            .position(|&c| c == last as u8)
            .unwrap();
        let stray =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[index ^ 1] as char;
        let token = format!("{}{stray}", &token[..token.len() - 1]);
        assert_eq!(
            jwt.decode(&token, TokenKind::Access),
            Err(JwtError::Invalid)
        );
    }

    #[test]
    fn debug_shows_no_keys() {
        let jwt = jwt(&clock());
        let shown = format!("{jwt:?}");
        assert!(
            shown.contains("HS256") && shown.contains("stuff"),
            "{shown}"
        );
    }
}
