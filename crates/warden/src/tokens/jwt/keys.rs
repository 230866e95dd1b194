//! The key ring: configured keys loaded, checked against the pinned algorithm, and used.
//!
//! Signing and verifying call jsonwebtoken's RustCrypto provider directly rather than through
//! its process-wide default: that default is picked on first use from the crate's features and
//! panics when both or neither of `rust_crypto` and `aws_lc_rs` end up enabled (features unify
//! across the dependency graph). Naming the provider leaves nothing to install at startup and
//! nothing that can panic later.

use hmac::{Hmac, KeyInit, Mac};
use jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER as RUST_CRYPTO;
use jsonwebtoken::jwk::EllipticCurve;
use jsonwebtoken::{DecodingKey, DecodingKeyKind, EncodingKey};
use sha2::Sha256;

use crate::settings::{JwtAlgorithm, JwtKey, JwtSettings, read_pem};

/// The label of the HS256 key derived from the application secret.
const DERIVATION_LABEL: &[u8] = b"warden/jwt/v1";
/// RFC 7518 §3.2: an HS256 key is at least as long as the hash.
const MIN_SECRET_BYTES: usize = 32;
const MIN_RSA_BITS: usize = 2048;
const ED25519_PUBLIC_BYTES: usize = 32;
/// Longest `kid` accepted in configuration.
const MAX_KID_LEN: usize = 128;

/// The signing key and every key that verifies (the signing key included).
pub(super) struct KeyRing {
    algorithm: JwtAlgorithm,
    signing: SigningKey,
    verifying: Vec<VerifyingKey>,
}

struct SigningKey {
    kid: Option<String>,
    key: EncodingKey,
}

struct VerifyingKey {
    kid: Option<String>,
    key: DecodingKey,
}

/// One configured key, loaded.
struct Loaded {
    kid: String,
    private: Option<EncodingKey>,
    public: DecodingKey,
}

impl KeyRing {
    /// Loads and checks the configured keys, or derives the HS256 key from `default_secret`
    /// when none are configured. Lists every problem found.
    pub(super) fn new(settings: &JwtSettings, default_secret: &[u8]) -> Result<Self, String> {
        let algorithm = settings.algorithm;
        let ring = if settings.keys.is_empty() {
            derived(settings, default_secret)?
        } else {
            configured(settings)?
        };
        // A last check that the signing key signs and verifies as configured.
        let probe = b"warden/jwt/probe";
        let kid = ring.signing.kid.as_deref();
        let signature = ring
            .sign(probe)
            .map_err(|e| format!("the JWT signing key {kid:?} cannot sign: {e}"))?;
        let verifies = ring
            .verifier(kid)
            .is_some_and(|key| verify(algorithm, key, probe, &signature));
        if !verifies {
            return Err(format!(
                "the JWT signing key {kid:?} cannot verify its own tokens"
            ));
        }
        Ok(ring)
    }

    /// The `kid` new tokens carry: `None` for the derived key.
    pub(super) fn signing_kid(&self) -> Option<&str> {
        self.signing.kid.as_deref()
    }

    /// The ids of the configured keys; empty for the derived key.
    pub(super) fn kids(&self) -> impl Iterator<Item = &str> {
        self.verifying.iter().filter_map(|k| k.kid.as_deref())
    }

    /// Signs `message` with the signing key.
    pub(super) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        let signer =
            (RUST_CRYPTO.signer_factory)(&to_jsonwebtoken(self.algorithm), &self.signing.key)
                .map_err(|e| e.to_string())?;
        signer.try_sign(message).map_err(|e| e.to_string())
    }

    /// The key a token's `kid` selects: a configured key by name, or, without a `kid`, the only
    /// key there is.
    pub(super) fn verifier(&self, kid: Option<&str>) -> Option<&DecodingKey> {
        match kid {
            Some(kid) => self
                .verifying
                .iter()
                .find(|k| k.kid.as_deref() == Some(kid))
                .map(|k| &k.key),
            None => match self.verifying.as_slice() {
                [only] => Some(&only.key),
                _ => None,
            },
        }
    }

    /// Whether `signature` is `key`'s signature of `message` under the pinned algorithm.
    #[allow(clippy::ptr_arg)] // jsonwebtoken's `Verifier` is over `Vec<u8>`
    pub(super) fn verify(&self, key: &DecodingKey, message: &[u8], signature: &Vec<u8>) -> bool {
        verify(self.algorithm, key, message, signature)
    }
}

#[allow(clippy::ptr_arg)] // jsonwebtoken's `Verifier` is over `Vec<u8>`
fn verify(algorithm: JwtAlgorithm, key: &DecodingKey, message: &[u8], signature: &Vec<u8>) -> bool {
    match (RUST_CRYPTO.verifier_factory)(&to_jsonwebtoken(algorithm), key) {
        Ok(verifier) => verifier.verify(message, signature).is_ok(),
        Err(_) => false,
    }
}

/// `HMAC-SHA256(secret, "warden/jwt/v1")`: the JWT key is never the compact tokens' key.
pub(super) fn derive_hs256_key(secret: &[u8]) -> Result<[u8; 32], String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret)
        .map_err(|e| format!("invalid application secret: {e}"))?;
    mac.update(DERIVATION_LABEL);
    Ok(mac.finalize().into_bytes().into())
}

fn derived(settings: &JwtSettings, default_secret: &[u8]) -> Result<KeyRing, String> {
    if settings.algorithm != JwtAlgorithm::HS256 {
        return Err(format!(
            "JWT algorithm {} needs keys: configure at least one in `keys`",
            settings.algorithm
        ));
    }
    if let Some(kid) = &settings.signing_kid {
        return Err(format!(
            "signing_kid {kid:?} names a JWT key, but no keys are configured"
        ));
    }
    if default_secret.is_empty() {
        return Err("JWT: the application secret is empty".to_owned());
    }
    let key = derive_hs256_key(default_secret)?;
    Ok(KeyRing {
        algorithm: JwtAlgorithm::HS256,
        signing: SigningKey {
            kid: None,
            key: EncodingKey::from_secret(&key),
        },
        verifying: vec![VerifyingKey {
            kid: None,
            key: DecodingKey::from_secret(&key),
        }],
    })
}

fn configured(settings: &JwtSettings) -> Result<KeyRing, String> {
    let algorithm = settings.algorithm;
    let mut problems = Vec::new();
    let mut loaded: Vec<Loaded> = Vec::new();
    for (i, key) in settings.keys.iter().enumerate() {
        let kid = &key.kid;
        if kid.is_empty() || kid.len() > MAX_KID_LEN || kid.chars().any(char::is_control) {
            problems.push(format!(
                "JWT key #{}: kid {kid:?} must be 1 to {MAX_KID_LEN} bytes without control characters",
                i + 1
            ));
            continue;
        }
        if settings.keys[..i].iter().any(|k| &k.kid == kid) {
            problems.push(format!("JWT key {kid:?} is configured twice"));
            continue;
        }
        match load(algorithm, key) {
            Ok(key) => loaded.push(key),
            Err(problem) => problems.push(format!("JWT key {kid:?}: {problem}")),
        }
    }
    let first = settings.keys.first().map_or("", |k| k.kid.as_str());
    let signing_kid = settings.signing_kid.as_deref().unwrap_or(first);
    let signing = match settings.keys.iter().find(|k| k.kid == signing_kid) {
        None => {
            problems.push(format!(
                "signing_kid {signing_kid:?} names no configured JWT key"
            ));
            None
        }
        Some(_) => match loaded.iter().find(|k| k.kid == signing_kid) {
            // Already reported as a problem of the key.
            None => None,
            Some(Loaded { private: None, .. }) => {
                problems.push(format!(
                    "the JWT signing key {signing_kid:?} has no private key: it can only verify"
                ));
                None
            }
            Some(Loaded {
                private: Some(key), ..
            }) => Some(key.clone()),
        },
    };
    match signing {
        Some(key) if problems.is_empty() => Ok(KeyRing {
            algorithm,
            signing: SigningKey {
                kid: Some(signing_kid.to_owned()),
                key,
            },
            verifying: loaded
                .into_iter()
                .map(|k| VerifyingKey {
                    kid: Some(k.kid),
                    key: k.public,
                })
                .collect(),
        }),
        _ => Err(problems.join("; ")),
    }
}

/// Loads one key and checks that it fits the algorithm.
fn load(algorithm: JwtAlgorithm, key: &JwtKey) -> Result<Loaded, String> {
    let kid = key.kid.clone();
    if algorithm == JwtAlgorithm::HS256 {
        if key.private_key.is_some() || key.public_key.is_some() {
            return Err(
                "HS256 keys are shared secrets: set `secret`, not `private_key`/`public_key` \
                 (those are for EdDSA and RS256)"
                    .to_owned(),
            );
        }
        let Some(secret) = &key.secret else {
            return Err("an HS256 key needs a `secret`".to_owned());
        };
        let secret = secret.expose().as_bytes();
        if secret.len() < MIN_SECRET_BYTES {
            return Err(format!(
                "an HS256 secret must have at least {MIN_SECRET_BYTES} bytes"
            ));
        }
        return Ok(Loaded {
            kid,
            private: Some(EncodingKey::from_secret(secret)),
            public: DecodingKey::from_secret(secret),
        });
    }
    if key.secret.is_some() {
        return Err(format!(
            "{algorithm} keys are key pairs: `secret` is for HS256 (set `private_key` and/or \
             `public_key`)"
        ));
    }
    let private = match &key.private_key {
        None => None,
        Some(pem) => {
            let pem = read_pem(pem.expose()).map_err(|e| format!("private_key {e}"))?;
            Some(load_private(algorithm, &pem)?)
        }
    };
    let public = match &key.public_key {
        None => None,
        Some(pem) => {
            let pem = read_pem(pem).map_err(|e| format!("public_key {e}"))?;
            Some(load_public(algorithm, &pem)?)
        }
    };
    match (private, public) {
        (None, None) => Err(format!(
            "an {algorithm} key needs a `private_key` (to sign) and/or a `public_key` (to verify)"
        )),
        (None, Some((public, _))) => Ok(Loaded {
            kid,
            private: None,
            public,
        }),
        (Some((private, derived, _)), None) => Ok(Loaded {
            kid,
            private: Some(private),
            public: derived,
        }),
        (Some((private, _, mine)), Some((public, theirs))) => {
            if mine != theirs {
                return Err("public_key is not the public half of private_key".to_owned());
            }
            Ok(Loaded {
                kid,
                private: Some(private),
                public,
            })
        }
    }
}

/// The public components of a key, to compare a private key with a public one.
#[derive(PartialEq, Eq)]
enum Components {
    Rsa { n: Vec<u8>, e: Vec<u8> },
    Ed(Vec<u8>),
}

/// A private key, the public key derived from it, and its public components.
fn load_private(
    algorithm: JwtAlgorithm,
    pem: &[u8],
) -> Result<(EncodingKey, DecodingKey, Components), String> {
    match algorithm {
        JwtAlgorithm::HS256 => Err("HS256 has no private keys".to_owned()),
        JwtAlgorithm::EdDSA => {
            let not_ed = || "private_key is not an Ed25519 private key in PEM".to_owned();
            let key = EncodingKey::from_ed_pem(pem).map_err(|_| not_ed())?;
            let x = (RUST_CRYPTO.key_utils.ed_pub_components_from_private_key)(
                key.as_bytes(),
                &EllipticCurve::Ed25519,
            )
            .map_err(|_| not_ed())?;
            let public = DecodingKey::from_ed_der(&x);
            Ok((key, public, Components::Ed(x)))
        }
        JwtAlgorithm::RS256 => {
            let not_rsa = || "private_key is not an RSA private key in PEM".to_owned();
            let key = EncodingKey::from_rsa_pem(pem).map_err(|_| not_rsa())?;
            // Also refuses a public key, which `from_rsa_pem` accepts.
            let (n, e) =
                (RUST_CRYPTO.key_utils.rsa_pub_components_from_private_key)(key.as_bytes())
                    .map_err(|_| not_rsa())?;
            check_rsa_size(&n)?;
            let public = DecodingKey::from_rsa_raw_components(&n, &e);
            Ok((key, public, Components::Rsa { n, e }))
        }
    }
}

/// A public key and its components.
fn load_public(algorithm: JwtAlgorithm, pem: &[u8]) -> Result<(DecodingKey, Components), String> {
    match algorithm {
        JwtAlgorithm::HS256 => Err("HS256 has no public keys".to_owned()),
        JwtAlgorithm::EdDSA => {
            let not_ed = || "public_key is not an Ed25519 public key in PEM".to_owned();
            let key = DecodingKey::from_ed_pem(pem).map_err(|_| not_ed())?;
            // jsonwebtoken slices the first 32 bytes when it verifies: check the length here.
            let x = match key.kind() {
                DecodingKeyKind::SecretOrDer(x) if x.len() == ED25519_PUBLIC_BYTES => x.clone(),
                _ => return Err(not_ed()),
            };
            Ok((key, Components::Ed(x)))
        }
        JwtAlgorithm::RS256 => {
            let not_rsa = || "public_key is not an RSA public key in PEM".to_owned();
            let key = DecodingKey::from_rsa_pem(pem).map_err(|_| not_rsa())?;
            // Also refuses a private key, which `from_rsa_pem` accepts.
            let (n, e) = match key.kind() {
                DecodingKeyKind::SecretOrDer(der) => {
                    (RUST_CRYPTO.key_utils.rsa_pub_components_from_public_key)(der)
                        .map_err(|_| not_rsa())?
                }
                DecodingKeyKind::RsaModulusExponent { .. } => return Err(not_rsa()),
            };
            check_rsa_size(&n)?;
            Ok((key, Components::Rsa { n, e }))
        }
    }
}

fn check_rsa_size(modulus: &[u8]) -> Result<(), String> {
    let modulus = match modulus.iter().position(|&b| b != 0) {
        Some(first) => &modulus[first..],
        None => &[],
    };
    let bits = match modulus.first() {
        Some(&top) => (modulus.len() - 1) * 8 + (8 - top.leading_zeros() as usize),
        None => 0,
    };
    if bits < MIN_RSA_BITS {
        return Err(format!(
            "the RSA key has {bits} bits; at least {MIN_RSA_BITS} are required"
        ));
    }
    Ok(())
}

fn to_jsonwebtoken(algorithm: JwtAlgorithm) -> jsonwebtoken::Algorithm {
    match algorithm {
        JwtAlgorithm::HS256 => jsonwebtoken::Algorithm::HS256,
        JwtAlgorithm::EdDSA => jsonwebtoken::Algorithm::EdDSA,
        JwtAlgorithm::RS256 => jsonwebtoken::Algorithm::RS256,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED_A: &str = include_str!("../../../tests/data/test-only-ed25519-a.pem");
    const ED_A_PUB: &str = include_str!("../../../tests/data/test-only-ed25519-a.pub.pem");
    const ED_B_PUB: &str = include_str!("../../../tests/data/test-only-ed25519-b.pub.pem");
    const RSA_A: &str = include_str!("../../../tests/data/test-only-rsa2048-a.pem");
    const RSA_A_PKCS1: &str = include_str!("../../../tests/data/test-only-rsa2048-a.pkcs1.pem");
    const RSA_A_PUB: &str = include_str!("../../../tests/data/test-only-rsa2048-a.pub.pem");
    const RSA_1024: &str = include_str!("../../../tests/data/test-only-rsa1024.pem");

    fn settings(algorithm: JwtAlgorithm, keys: Vec<JwtKey>) -> JwtSettings {
        JwtSettings {
            algorithm,
            keys,
            ..JwtSettings::default()
        }
    }

    fn problem(algorithm: JwtAlgorithm, keys: Vec<JwtKey>) -> String {
        match KeyRing::new(&settings(algorithm, keys), b"app secret") {
            Ok(_) => panic!("the keys were accepted"),
            Err(problem) => problem,
        }
    }

    #[test]
    fn the_derived_key_is_hmac_of_the_label_never_the_secret() {
        let key = derive_hs256_key(b"app secret").unwrap();
        let mut mac = Hmac::<Sha256>::new_from_slice(b"app secret").unwrap();
        mac.update(b"warden/jwt/v1");
        assert_eq!(key[..], mac.finalize().into_bytes()[..]);
        assert_ne!(key, derive_hs256_key(b"app secreu").unwrap());

        let ring = KeyRing::new(&JwtSettings::default(), b"app secret").unwrap();
        assert_eq!(ring.signing_kid(), None);
        assert_eq!(ring.kids().count(), 0);
        assert!(KeyRing::new(&JwtSettings::default(), b"").is_err());
    }

    #[test]
    fn only_hs256_can_do_without_keys() {
        for algorithm in [JwtAlgorithm::EdDSA, JwtAlgorithm::RS256] {
            assert!(problem(algorithm, vec![]).contains("needs keys"));
        }
    }

    #[test]
    fn private_keys_alone_derive_their_public_half() {
        for (algorithm, pem) in [
            (JwtAlgorithm::EdDSA, ED_A),
            (JwtAlgorithm::RS256, RSA_A),
            (JwtAlgorithm::RS256, RSA_A_PKCS1),
        ] {
            let ring = KeyRing::new(&settings(algorithm, vec![JwtKey::private("a", pem)]), b"")
                .unwrap_or_else(|e| panic!("{algorithm}: {e}"));
            let signature = ring.sign(b"m").unwrap();
            let key = ring.verifier(Some("a")).unwrap();
            assert!(ring.verify(key, b"m", &signature));
            assert!(!ring.verify(key, b"n", &signature));
            assert!(ring.verifier(None).is_some(), "a single key needs no kid");
            assert!(ring.verifier(Some("b")).is_none());
        }
    }

    #[test]
    fn keys_that_do_not_fit_the_algorithm_are_refused() {
        let p = problem(JwtAlgorithm::HS256, vec![JwtKey::public("a", RSA_A_PUB)]);
        assert!(p.contains("shared secrets"), "{p}");
        let p = problem(
            JwtAlgorithm::RS256,
            vec![JwtKey::secret("a", "x".repeat(40))],
        );
        assert!(p.contains("`secret` is for HS256"), "{p}");
        let p = problem(JwtAlgorithm::RS256, vec![JwtKey::private("a", ED_A)]);
        assert!(p.contains("not an RSA private key"), "{p}");
        let p = problem(JwtAlgorithm::EdDSA, vec![JwtKey::private("a", RSA_A)]);
        assert!(p.contains("not an Ed25519 private key"), "{p}");
        let p = problem(JwtAlgorithm::EdDSA, vec![JwtKey::public("a", RSA_A_PUB)]);
        assert!(p.contains("not an Ed25519 public key"), "{p}");
        let p = problem(JwtAlgorithm::RS256, vec![JwtKey::private("a", RSA_A_PUB)]);
        assert!(p.contains("not an RSA private key"), "{p}");
        let p = problem(
            JwtAlgorithm::RS256,
            vec![JwtKey::private("a", RSA_A), JwtKey::public("b", RSA_A)],
        );
        assert!(p.contains("not an RSA public key"), "{p}");
        let p = problem(JwtAlgorithm::RS256, vec![JwtKey::private("a", RSA_1024)]);
        assert!(p.contains("1024 bits"), "{p}");
        let p = problem(JwtAlgorithm::HS256, vec![JwtKey::secret("a", "short")]);
        assert!(p.contains("at least 32 bytes"), "{p}");
    }

    #[test]
    fn a_public_key_must_match_its_private_key() {
        let mut key = JwtKey::private("a", ED_A);
        key.public_key = Some(ED_B_PUB.to_owned());
        let p = problem(JwtAlgorithm::EdDSA, vec![key.clone()]);
        assert!(p.contains("not the public half"), "{p}");
        key.public_key = Some(ED_A_PUB.to_owned());
        assert!(KeyRing::new(&settings(JwtAlgorithm::EdDSA, vec![key]), b"").is_ok());
    }

    #[test]
    fn kids_are_unique_and_the_signing_one_must_exist_and_sign() {
        let secret = "s".repeat(32);
        let p = problem(
            JwtAlgorithm::HS256,
            vec![JwtKey::secret("a", &secret), JwtKey::secret("a", &secret)],
        );
        assert!(p.contains("twice"), "{p}");
        assert!(problem(JwtAlgorithm::HS256, vec![JwtKey::secret("", &secret)]).contains("kid"));

        let mut s = settings(JwtAlgorithm::HS256, vec![JwtKey::secret("a", &secret)]);
        s.signing_kid = Some("z".into());
        let p = KeyRing::new(&s, b"").err().unwrap();
        assert!(p.contains("names no configured"), "{p}");

        let p = problem(
            JwtAlgorithm::EdDSA,
            vec![
                JwtKey::public("old", ED_B_PUB),
                JwtKey::private("new", ED_A),
            ],
        );
        assert!(p.contains("\"old\" has no private key"), "{p}");
    }

    #[test]
    fn every_problem_is_listed() {
        let p = problem(
            JwtAlgorithm::HS256,
            vec![JwtKey::secret("a", "short"), JwtKey::public("b", ED_A_PUB)],
        );
        assert!(p.contains("\"a\"") && p.contains("\"b\""), "{p}");
    }

    #[test]
    fn rsa_sizes_count_bits_not_bytes() {
        let mut n = vec![0u8, 0x01];
        n.extend([0xff; 255]);
        assert!(check_rsa_size(&n).unwrap_err().contains("2041 bits"));
        assert!(check_rsa_size(&[0x80; 256]).is_ok());
        assert!(check_rsa_size(&[]).is_err());
    }
}
