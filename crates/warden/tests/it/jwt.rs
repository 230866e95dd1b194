//! JWTs: round trips for every algorithm, the attacks of issue 5, key rotation, configuration
//! mistakes caught at construction, and inputs that must never panic.
//!
//! The keys under `tests/data/` are test-only: their private halves are public.

use std::sync::{Arc, LazyLock};
use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, KeyInit, Mac};
use jsonwebtoken::{Algorithm, EncodingKey};
use proptest::prelude::*;
use serde_json::{Value, json};
use sha2::Sha256;
use warden::Scope;
use warden::clock::ManualClock;
use warden::jwt::{Jwt, JwtAlgorithm, JwtError, JwtKey, JwtSettings, TokenKind};

const REALM: &str = "stuff";
const APP_SECRET: &[u8] = b"the application secret of the jwt tests";
const HS_NEW: &str = "a fresh HS256 secret of 32 bytes or more";
const HS_OLD: &str = "an old HS256 secret, still verifying, 32+";
/// When the tests start: 2027-01-15.
const T0: u64 = 1_800_000_000;
const MINUTE: Duration = Duration::from_secs(60);

fn data(name: &str) -> String {
    format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn pem(name: &str) -> String {
    std::fs::read_to_string(data(name)).unwrap()
}

fn clock() -> ManualClock {
    ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(T0))
}

fn build(settings: &JwtSettings, clock: &ManualClock) -> Result<Jwt, String> {
    Jwt::new(settings, REALM, APP_SECRET, Arc::new(clock.clone()))
}

fn settings(algorithm: JwtAlgorithm, keys: Vec<JwtKey>) -> JwtSettings {
    JwtSettings {
        algorithm,
        keys,
        ..JwtSettings::default()
    }
}

/// A codec, its clock, and the key it signs with, to forge tokens the codec should accept
/// (or, with a flaw, refuse).
struct Case {
    name: &'static str,
    jwt: Jwt,
    clock: ManualClock,
    alg: Algorithm,
    kid: Option<&'static str>,
    key: EncodingKey,
}

impl Case {
    fn new(
        name: &'static str,
        settings: &JwtSettings,
        alg: Algorithm,
        kid: Option<&'static str>,
        key: EncodingKey,
    ) -> Case {
        let clock = clock();
        let jwt = build(settings, &clock).unwrap_or_else(|e| panic!("{name}: {e}"));
        Case {
            name,
            jwt,
            clock,
            alg,
            kid,
            key,
        }
    }

    /// The header warden itself writes.
    fn header(&self) -> Value {
        let mut header = json!({"alg": self.jwt.algorithm().as_str(), "typ": "JWT"});
        if let Some(kid) = self.kid {
            header["kid"] = json!(kid);
        }
        header
    }

    /// Valid access-token claims issued at T0 for 15 minutes.
    fn claims(&self) -> Value {
        json!({
            "sub": "calvin", "iss": REALM, "aud": REALM, "jti": "Yc2H1m3xQ0Wc0rj3kL1p0w",
            "typ": "access", "iat": T0, "nbf": T0, "exp": T0 + 900,
        })
    }

    /// Any header and claims, signed with the case's real key.
    fn forge(&self, header: &Value, claims: &Value) -> String {
        sign(header, claims, &self.key, self.alg)
    }

    fn mint(&self, kind: TokenKind) -> String {
        let claims = self.jwt.claims("calvin", kind, 15 * MINUTE).unwrap();
        self.jwt.encode(&claims).unwrap()
    }

    fn decode(&self, token: &str) -> Result<warden::jwt::Claims, JwtError> {
        self.jwt.decode(token, TokenKind::Access)
    }
}

fn sign(header: &Value, claims: &Value, key: &EncodingKey, alg: Algorithm) -> String {
    let message = format!(
        "{}.{}",
        B64.encode(header.to_string()),
        B64.encode(claims.to_string())
    );
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), key, alg).unwrap();
    format!("{message}.{signature}")
}

fn derived_key() -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(APP_SECRET).unwrap();
    mac.update(b"warden/jwt/v1");
    mac.finalize().into_bytes().to_vec()
}

/// HS256 with the key derived from the application secret (no keys configured).
fn hs256_derived() -> Case {
    let key = EncodingKey::from_secret(&derived_key());
    Case::new(
        "HS256 derived",
        &JwtSettings::default(),
        Algorithm::HS256,
        None,
        key,
    )
}

/// HS256 with two configured secrets: the new one signs, the old one still verifies.
fn hs256_kids() -> Case {
    let keys = vec![
        JwtKey::secret("hs-new", HS_NEW),
        JwtKey::secret("hs-old", HS_OLD),
    ];
    let key = EncodingKey::from_secret(HS_NEW.as_bytes());
    let settings = settings(JwtAlgorithm::HS256, keys);
    Case::new(
        "HS256 kids",
        &settings,
        Algorithm::HS256,
        Some("hs-new"),
        key,
    )
}

/// EdDSA, the private key by path, an older public key inline.
fn eddsa() -> Case {
    let keys = vec![
        JwtKey::private("ed-a", data("test-only-ed25519-a.pem")),
        JwtKey::public("ed-b", pem("test-only-ed25519-b.pub.pem")),
    ];
    let key = EncodingKey::from_ed_pem(pem("test-only-ed25519-a.pem").as_bytes()).unwrap();
    let settings = settings(JwtAlgorithm::EdDSA, keys);
    Case::new("EdDSA", &settings, Algorithm::EdDSA, Some("ed-a"), key)
}

/// RS256, one key pair: the private key inline, its public half by path.
fn rs256() -> Case {
    let mut key = JwtKey::private("rsa-a", pem("test-only-rsa2048-a.pem"));
    key.public_key = Some(data("test-only-rsa2048-a.pub.pem"));
    let encoding = EncodingKey::from_rsa_pem(pem("test-only-rsa2048-a.pem").as_bytes()).unwrap();
    let settings = settings(JwtAlgorithm::RS256, vec![key]);
    Case::new(
        "RS256",
        &settings,
        Algorithm::RS256,
        Some("rsa-a"),
        encoding,
    )
}

fn cases() -> Vec<Case> {
    vec![hs256_derived(), hs256_kids(), eddsa(), rs256()]
}

#[test]
fn every_algorithm_round_trips_its_claims() {
    for case in cases() {
        let mut claims = case
            .jwt
            .claims("calvin", TokenKind::Access, 15 * MINUTE)
            .unwrap();
        claims.tenant = Some("acme".into());
        claims.scope = Some(serde_json::from_value::<Scope>(json!({"tags": ["tasks"]})).unwrap());
        claims.fam = Some("family".into());
        claims.one = true;
        let token = case.jwt.encode(&claims).unwrap();
        assert_eq!(case.decode(&token), Ok(claims), "{}", case.name);

        let refresh = case.mint(TokenKind::Refresh);
        let decoded = case.jwt.decode(&refresh, TokenKind::Refresh).unwrap();
        assert_eq!(decoded.typ, TokenKind::Refresh, "{}", case.name);
    }
}

#[test]
fn headers_carry_the_algorithm_and_the_signing_kid() {
    for case in cases() {
        let token = case.mint(TokenKind::Access);
        let header = B64.decode(token.split('.').next().unwrap()).unwrap();
        let header: Value = serde_json::from_slice(&header).unwrap();
        assert_eq!(header, case.header(), "{}", case.name);
        assert_eq!(case.jwt.signing_kid(), case.kid, "{}", case.name);
    }
}

#[test]
fn tokens_from_another_jwt_library_verify_when_they_follow_the_rules() {
    for case in cases() {
        let token = case.forge(&case.header(), &case.claims());
        assert_eq!(
            case.decode(&token).map(|c| c.sub),
            Ok("calvin".into()),
            "{}",
            case.name
        );
    }
}

#[test]
fn alg_none_is_refused() {
    for case in cases() {
        let claims = B64.encode(case.claims().to_string());
        let real = case.mint(TokenKind::Access);
        let real_signature = real.rsplit('.').next().unwrap();
        for alg in ["none", "None", "NONE", "nOnE"] {
            let mut header = case.header();
            header["alg"] = json!(alg);
            let header = B64.encode(header.to_string());
            for signature in ["", real_signature] {
                let token = format!("{header}.{claims}.{signature}");
                assert_eq!(
                    case.decode(&token),
                    Err(JwtError::Invalid),
                    "{} {alg}",
                    case.name
                );
            }
            assert_eq!(
                case.decode(&format!("{header}.{claims}")),
                Err(JwtError::Invalid)
            );
        }
    }
}

#[test]
fn hs256_signed_with_the_rs256_public_key_is_refused() {
    let case = rs256();
    let public_pem = pem("test-only-rsa2048-a.pub.pem");
    let public_der = {
        let body: String = public_pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap()
    };
    for secret in [
        public_pem.as_bytes(),
        public_pem.trim_end().as_bytes(),
        public_der.as_slice(),
    ] {
        let hmac = EncodingKey::from_secret(secret);
        for header in [
            json!({"alg": "HS256", "typ": "JWT", "kid": "rsa-a"}),
            json!({"alg": "HS256", "typ": "JWT"}),
            json!({"alg": "RS256", "typ": "JWT", "kid": "rsa-a"}),
        ] {
            let token = sign(&header, &case.claims(), &hmac, Algorithm::HS256);
            assert_eq!(case.decode(&token), Err(JwtError::Invalid), "{header}");
        }
    }
}

#[test]
fn a_header_naming_another_algorithm_is_refused() {
    for case in cases() {
        for alg in [
            "HS256", "HS384", "HS512", "RS256", "RS512", "PS256", "ES256", "EdDSA", "ED25519",
        ] {
            if alg == case.jwt.algorithm().as_str() {
                continue;
            }
            let mut header = case.header();
            header["alg"] = json!(alg);
            let token = case.forge(&header, &case.claims());
            assert_eq!(
                case.decode(&token),
                Err(JwtError::Invalid),
                "{} {alg}",
                case.name
            );
        }
    }
}

#[test]
fn an_unknown_kid_is_refused() {
    for case in cases() {
        for kid in [json!("nope"), json!(""), json!(42), json!(["ed-a"])] {
            let mut header = case.header();
            header["kid"] = kid.clone();
            let token = case.forge(&header, &case.claims());
            assert_eq!(
                case.decode(&token),
                Err(JwtError::Invalid),
                "{} {kid}",
                case.name
            );
        }
    }
}

#[test]
fn a_missing_kid_is_accepted_only_when_a_single_key_verifies() {
    for case in cases() {
        let mut header = case.header();
        header.as_object_mut().unwrap().remove("kid");
        let token = case.forge(&header, &case.claims());
        let single = case.name == "HS256 derived" || case.name == "RS256";
        assert_eq!(case.decode(&token).is_ok(), single, "{}", case.name);
    }
}

#[test]
fn expired_tokens_are_refused_after_the_leeway() {
    for case in cases() {
        let token = case.mint(TokenKind::Access);
        case.clock.advance(15 * MINUTE + Duration::from_secs(29));
        assert!(case.decode(&token).is_ok(), "{}", case.name);
        case.clock.advance(Duration::from_secs(1));
        assert_eq!(case.decode(&token), Err(JwtError::Expired), "{}", case.name);
        assert_eq!(JwtError::Expired.message(), "expired token");
    }
}

#[test]
fn tokens_are_refused_before_their_nbf() {
    for case in cases() {
        let mut claims = case.claims();
        claims["nbf"] = json!(T0 + 120);
        let token = case.forge(&case.header(), &claims);
        assert_eq!(
            case.decode(&token),
            Err(JwtError::NotYetValid),
            "{}",
            case.name
        );
        case.clock.advance(Duration::from_secs(120 - 30));
        assert!(
            case.decode(&token).is_ok(),
            "{}: the leeway applies",
            case.name
        );
    }
}

#[test]
fn tokens_issued_in_the_future_are_refused() {
    for case in cases() {
        let mut claims = case.claims();
        claims["iat"] = json!(T0 + 120);
        let token = case.forge(&case.header(), &claims);
        assert_eq!(case.decode(&token), Err(JwtError::Invalid), "{}", case.name);
    }
}

#[test]
fn a_wrong_issuer_or_audience_is_refused() {
    for case in cases() {
        for (claim, value) in [
            ("iss", json!("other")),
            ("aud", json!("other")),
            ("aud", json!([REALM])),
            ("iss", json!("Stuff")),
        ] {
            let mut claims = case.claims();
            claims[claim] = value.clone();
            let token = case.forge(&case.header(), &claims);
            assert_eq!(
                case.decode(&token),
                Err(JwtError::Invalid),
                "{} {claim}={value}",
                case.name
            );
        }
    }
}

#[test]
fn another_realm_with_the_same_secret_refuses_the_tokens() {
    let case = hs256_derived();
    let token = case.mint(TokenKind::Access);
    let other = Jwt::new(
        &JwtSettings::default(),
        "other",
        APP_SECRET,
        Arc::new(clock()),
    )
    .unwrap();
    assert_eq!(
        other.decode(&token, TokenKind::Access),
        Err(JwtError::Invalid)
    );

    let api = JwtSettings {
        audience: Some("api".into()),
        ..JwtSettings::default()
    };
    let api = Jwt::new(&api, REALM, APP_SECRET, Arc::new(clock())).unwrap();
    assert_eq!(
        api.decode(&token, TokenKind::Access),
        Err(JwtError::Invalid)
    );
    let token = api
        .encode(&api.claims("calvin", TokenKind::Access, MINUTE).unwrap())
        .unwrap();
    assert_eq!(api.decode(&token, TokenKind::Access).unwrap().aud, "api");
}

#[test]
fn a_tampered_payload_is_refused() {
    for case in cases() {
        let token = case.mint(TokenKind::Access);
        let parts: Vec<&str> = token.split('.').collect();
        let mut claims: Value = serde_json::from_slice(&B64.decode(parts[1]).unwrap()).unwrap();
        for (claim, value) in [
            ("sub", json!("admin")),
            ("exp", json!(T0 + 86_400)),
            ("typ", json!("refresh")),
            ("scope", Value::Null),
        ] {
            claims[claim] = value;
            let forged = format!(
                "{}.{}.{}",
                parts[0],
                B64.encode(claims.to_string()),
                parts[2]
            );
            assert_eq!(
                case.decode(&forged),
                Err(JwtError::Invalid),
                "{} {claim}",
                case.name
            );
        }
        // The same claims, re-encoded with other whitespace, no longer match the signature.
        let original: Value = serde_json::from_slice(&B64.decode(parts[1]).unwrap()).unwrap();
        let pretty = serde_json::to_string_pretty(&original).unwrap();
        let forged = format!("{}.{}.{}", parts[0], B64.encode(pretty), parts[2]);
        assert_eq!(
            case.decode(&forged),
            Err(JwtError::Invalid),
            "{}",
            case.name
        );
    }
}

#[test]
fn a_swapped_signature_is_refused() {
    for case in cases() {
        let a = case.mint(TokenKind::Access);
        let b = case.mint(TokenKind::Access);
        let (a_signed, _) = a.rsplit_once('.').unwrap();
        let (_, b_signature) = b.rsplit_once('.').unwrap();
        let forged = format!("{a_signed}.{b_signature}");
        assert_eq!(
            case.decode(&forged),
            Err(JwtError::Invalid),
            "{}",
            case.name
        );
    }
}

#[test]
fn truncated_tokens_are_refused() {
    for case in cases() {
        let token = case.mint(TokenKind::Access);
        for end in 0..token.len() {
            assert_eq!(
                case.decode(&token[..end]),
                Err(JwtError::Invalid),
                "{} {end}",
                case.name
            );
        }
        for start in 1..token.len() {
            assert_eq!(
                case.decode(&token[start..]),
                Err(JwtError::Invalid),
                "{} {start}",
                case.name
            );
        }
        assert!(case.decode(&token).is_ok());
    }
}

#[test]
fn a_lifetime_above_the_maximum_is_refused() {
    for case in cases() {
        let max = case.jwt.max_lifetime().as_secs();
        let mut claims = case.claims();
        claims["exp"] = json!(T0 + max);
        assert!(
            case.decode(&case.forge(&case.header(), &claims)).is_ok(),
            "{}",
            case.name
        );
        claims["exp"] = json!(T0 + max + 1);
        let token = case.forge(&case.header(), &claims);
        assert_eq!(case.decode(&token), Err(JwtError::Invalid), "{}", case.name);
        assert!(
            case.jwt
                .claims(
                    "calvin",
                    TokenKind::Refresh,
                    case.jwt.max_lifetime() + MINUTE
                )
                .is_err()
        );
    }
}

#[test]
fn a_refresh_token_is_not_an_access_token_nor_the_reverse() {
    for case in cases() {
        let refresh = case.mint(TokenKind::Refresh);
        assert_eq!(
            case.jwt.decode(&refresh, TokenKind::Access),
            Err(JwtError::WrongKind),
            "{}",
            case.name
        );
        let access = case.mint(TokenKind::Access);
        assert_eq!(
            case.jwt.decode(&access, TokenKind::Refresh),
            Err(JwtError::WrongKind),
            "{}",
            case.name
        );
        let mut claims = case.claims();
        for typ in [json!("Access"), json!("id"), json!(null), json!(1)] {
            claims["typ"] = typ.clone();
            let token = case.forge(&case.header(), &claims);
            assert_eq!(
                case.decode(&token),
                Err(JwtError::Invalid),
                "{} typ={typ}",
                case.name
            );
        }
    }
}

#[test]
fn exp_nbf_and_iat_must_be_present_and_numeric() {
    for case in cases() {
        for claim in ["exp", "nbf", "iat", "sub", "iss", "aud", "jti", "typ"] {
            let mut claims = case.claims();
            claims.as_object_mut().unwrap().remove(claim);
            let token = case.forge(&case.header(), &claims);
            assert_eq!(
                case.decode(&token),
                Err(JwtError::Invalid),
                "{} without {claim}",
                case.name
            );
        }
        for exp in [
            json!((T0 + 900).to_string()),
            json!(1.8e9 + 900.5),
            json!(null),
            json!(-1),
            json!(true),
        ] {
            let mut claims = case.claims();
            claims["exp"] = exp.clone();
            let token = case.forge(&case.header(), &claims);
            assert_eq!(
                case.decode(&token),
                Err(JwtError::Invalid),
                "{} exp={exp}",
                case.name
            );
        }
    }
}

/// Rotation for one algorithm: `old` signs, then `new` signs while `old` verifies, then `old`
/// is retired.
fn rotate(algorithm: JwtAlgorithm, old: JwtKey, old_verify_only: JwtKey, new: JwtKey) {
    let clock = clock();
    let before = build(&settings(algorithm, vec![old]), &clock).unwrap();
    let old_token = before
        .encode(&before.claims("calvin", TokenKind::Access, MINUTE).unwrap())
        .unwrap();

    let mut during = settings(algorithm, vec![old_verify_only, new.clone()]);
    during.signing_kid = Some(new.kid.clone());
    let during = build(&during, &clock).unwrap();
    assert!(
        during.decode(&old_token, TokenKind::Access).is_ok(),
        "{algorithm}: old tokens verify"
    );
    let new_token = during
        .encode(&during.claims("calvin", TokenKind::Access, MINUTE).unwrap())
        .unwrap();
    let header: Value =
        serde_json::from_slice(&B64.decode(new_token.split('.').next().unwrap()).unwrap()).unwrap();
    assert_eq!(
        header["kid"],
        json!(new.kid),
        "{algorithm}: new tokens carry the new kid"
    );
    assert_eq!(
        before.decode(&new_token, TokenKind::Access),
        Err(JwtError::Invalid)
    );

    let after = build(&settings(algorithm, vec![new]), &clock).unwrap();
    assert!(
        after.decode(&new_token, TokenKind::Access).is_ok(),
        "{algorithm}"
    );
    assert_eq!(
        after.decode(&old_token, TokenKind::Access),
        Err(JwtError::Invalid),
        "{algorithm}: retired"
    );
}

#[test]
fn hs256_keys_rotate() {
    rotate(
        JwtAlgorithm::HS256,
        JwtKey::secret("2026-05", HS_OLD),
        JwtKey::secret("2026-05", HS_OLD),
        JwtKey::secret("2026-11", HS_NEW),
    );
}

#[test]
fn eddsa_keys_rotate() {
    rotate(
        JwtAlgorithm::EdDSA,
        JwtKey::private("2026-05", data("test-only-ed25519-b.pem")),
        JwtKey::public("2026-05", data("test-only-ed25519-b.pub.pem")),
        JwtKey::private("2026-11", data("test-only-ed25519-a.pem")),
    );
}

#[test]
fn rs256_keys_rotate() {
    rotate(
        JwtAlgorithm::RS256,
        JwtKey::private("2026-05", data("test-only-rsa2048-b.pem")),
        JwtKey::public("2026-05", data("test-only-rsa2048-b.pub.pem")),
        JwtKey::private("2026-11", data("test-only-rsa2048-a.pkcs1.pem")),
    );
}

#[test]
fn an_rs256_signing_key_without_its_private_half_fails_construction() {
    let keys = vec![JwtKey::public("rsa-a", data("test-only-rsa2048-a.pub.pem"))];
    let problem = build(&settings(JwtAlgorithm::RS256, keys), &clock()).unwrap_err();
    assert!(
        problem.contains("\"rsa-a\" has no private key"),
        "{problem}"
    );
}

#[test]
fn eddsa_and_rs256_need_keys() {
    for algorithm in [JwtAlgorithm::EdDSA, JwtAlgorithm::RS256] {
        let problem = build(&settings(algorithm, vec![]), &clock()).unwrap_err();
        assert!(problem.contains("needs keys"), "{problem}");
    }
}

#[test]
fn construction_refuses_a_key_that_does_not_fit_the_algorithm() {
    let refused = [
        (
            JwtAlgorithm::HS256,
            JwtKey::public("k", data("test-only-rsa2048-a.pub.pem")),
        ),
        (
            JwtAlgorithm::HS256,
            JwtKey::private("k", data("test-only-ed25519-a.pem")),
        ),
        (
            JwtAlgorithm::RS256,
            JwtKey::private("k", data("test-only-ed25519-a.pem")),
        ),
        (
            JwtAlgorithm::RS256,
            JwtKey::public("k", data("test-only-ed25519-a.pub.pem")),
        ),
        (JwtAlgorithm::RS256, JwtKey::secret("k", HS_NEW)),
        (
            JwtAlgorithm::EdDSA,
            JwtKey::private("k", data("test-only-rsa2048-a.pem")),
        ),
        (
            JwtAlgorithm::EdDSA,
            JwtKey::public("k", data("test-only-rsa2048-a.pub.pem")),
        ),
        (JwtAlgorithm::EdDSA, JwtKey::secret("k", HS_NEW)),
        (
            JwtAlgorithm::RS256,
            JwtKey::private("k", data("test-only-rsa1024.pem")),
        ),
        (JwtAlgorithm::HS256, JwtKey::secret("k", "too short")),
        (
            JwtAlgorithm::RS256,
            JwtKey::private("k", data("no-such-key.pem")),
        ),
        (
            JwtAlgorithm::RS256,
            JwtKey::private("k", "-----BEGIN PRIVATE KEY-----\ngarbage\n"),
        ),
    ];
    for (algorithm, key) in refused {
        let shown = format!("{algorithm} {key:?}");
        let problem = build(&settings(algorithm, vec![key]), &clock()).unwrap_err();
        assert!(problem.contains("\"k\""), "{shown}: {problem}");
    }
}

#[test]
fn construction_refuses_a_public_key_that_is_not_the_private_keys_half() {
    let mut key = JwtKey::private("k", data("test-only-rsa2048-a.pem"));
    key.public_key = Some(data("test-only-rsa2048-b.pub.pem"));
    let problem = build(&settings(JwtAlgorithm::RS256, vec![key]), &clock()).unwrap_err();
    assert!(problem.contains("not the public half"), "{problem}");
}

#[test]
fn construction_refuses_a_leeway_that_would_make_exp_meaningless() {
    let settings = JwtSettings {
        leeway: Duration::from_secs(3600),
        ..JwtSettings::default()
    };
    assert!(build(&settings, &clock()).unwrap_err().contains("leeway"));
}

#[test]
fn settings_from_toml_build_a_codec() {
    use figment::Figment;
    use figment::providers::{Format, Toml};

    let toml = format!(
        r#"
        algorithm = "EdDSA"
        issuer = "https://stuff.example"
        leeway = "10s"
        max_lifetime = "1d"
        signing_kid = "2026-11"

        [[keys]]
        kid = "2026-11"
        private_key = "{}"

        [[keys]]
        kid = "2026-05"
        public_key = "{}"
        "#,
        data("test-only-ed25519-a.pem"),
        data("test-only-ed25519-b.pub.pem"),
    );
    let settings: JwtSettings = Figment::from(Toml::string(&toml)).extract().unwrap();
    let clock = clock();
    let jwt = build(&settings, &clock).unwrap();
    assert_eq!(jwt.issuer(), "https://stuff.example");
    assert_eq!(jwt.audience(), REALM);
    assert_eq!(jwt.signing_kid(), Some("2026-11"));
    assert!(
        jwt.claims("calvin", TokenKind::Refresh, Duration::from_secs(86_401))
            .is_err()
    );
    let token = jwt
        .encode(&jwt.claims("calvin", TokenKind::Access, MINUTE).unwrap())
        .unwrap();
    clock.advance(MINUTE + Duration::from_secs(10));
    assert_eq!(
        jwt.decode(&token, TokenKind::Access),
        Err(JwtError::Expired)
    );
}

#[test]
fn huge_tokens_are_refused() {
    let case = hs256_derived();
    let mut claims = case.claims();
    claims["pad"] = json!("x".repeat(9000));
    let token = case.forge(&case.header(), &claims);
    assert_eq!(case.decode(&token), Err(JwtError::Invalid));
    assert_eq!(case.decode(&"a".repeat(1 << 20)), Err(JwtError::Invalid));
    assert_eq!(case.decode(&".".repeat(1 << 20)), Err(JwtError::Invalid));
}

fn base64_part() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<u8>(), 0..200).prop_map(|bytes| B64.encode(bytes))
}

/// JSON objects that look like headers and claims: the right names with random values.
fn json_object(names: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let value = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,12}".prop_map(Value::from),
        prop::sample::select(
            &[
                "HS256", "EdDSA", "RS256", "none", "access", "refresh", "stuff", "JWT"
            ][..]
        )
        .prop_map(Value::from),
        Just(json!(T0)),
        Just(json!({"tags": ["a"], "params": {"id": [1]}})),
        Just(json!([])),
    ];
    prop::collection::btree_map(prop::sample::select(names), value, 0..names.len())
        .prop_map(|map| Value::Object(map.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()))
}

const HEADER_NAMES: &[&str] = &["alg", "typ", "kid", "crit", "jku", "b64"];
const CLAIM_NAMES: &[&str] = &[
    "sub", "iss", "aud", "exp", "nbf", "iat", "jti", "typ", "tenant", "scope", "fam", "one",
];

/// Built once: the properties run hundreds of cases.
static DERIVED: LazyLock<Case> = LazyLock::new(hs256_derived);
static EDDSA: LazyLock<Case> = LazyLock::new(eddsa);

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_text_never_panics(text in any::<String>()) {
        prop_assert!(DERIVED.decode(&text).is_err());
    }

    #[test]
    fn random_dot_separated_base64_never_panics(
        parts in prop::collection::vec(base64_part(), 1..5),
    ) {
        let token = parts.join(".");
        for case in [&*DERIVED, &*EDDSA] {
            prop_assert!(case.decode(&token).is_err());
        }
    }

    #[test]
    fn signed_random_headers_and_claims_never_panic(
        header in json_object(HEADER_NAMES),
        claims in json_object(CLAIM_NAMES),
    ) {
        let token = DERIVED.forge(&header, &claims);
        // Whatever the outcome, decoding returns; a success must be a fully checked token.
        if let Ok(decoded) = DERIVED.decode(&token) {
            prop_assert_eq!(decoded.iss, REALM);
            prop_assert_eq!(decoded.typ, TokenKind::Access);
        }
    }

    #[test]
    fn a_changed_character_breaks_the_token(index in any::<prop::sample::Index>(), replacement in "[A-Za-z0-9_.=-]") {
        let token = DERIVED.mint(TokenKind::Access);
        let at = index.index(token.len());
        prop_assume!(token[at..=at] != replacement);
        let changed = format!("{}{replacement}{}", &token[..at], &token[at + 1..]);
        prop_assert!(DERIVED.decode(&changed).is_err());
    }
}
