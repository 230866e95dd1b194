//! What configuration says about JWTs: the algorithm, the checks' tolerances and the keys.

use std::fmt;
use std::io::Read;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Secret, duration};

/// The signature algorithm, pinned by configuration.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum JwtAlgorithm {
    /// HMAC-SHA256 with a shared secret (the default).
    #[default]
    HS256,
    /// Ed25519 signatures (RFC 8037): small keys and tokens, fast.
    EdDSA,
    /// RSASSA-PKCS1-v1_5 with SHA-256, for verifiers that only speak RSA.
    RS256,
}

impl JwtAlgorithm {
    /// The name, as in a token's header and in configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            JwtAlgorithm::HS256 => "HS256",
            JwtAlgorithm::EdDSA => "EdDSA",
            JwtAlgorithm::RS256 => "RS256",
        }
    }
}

impl fmt::Display for JwtAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for JwtAlgorithm {
    type Err = String;

    /// `HS256`, `EdDSA` or `RS256`, in any case (only configuration text is parsed this way: a
    /// token's header must spell the name exactly).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_uppercase().as_str() {
            "HS256" => Ok(JwtAlgorithm::HS256),
            "EDDSA" => Ok(JwtAlgorithm::EdDSA),
            "RS256" => Ok(JwtAlgorithm::RS256),
            _ => Err(format!(
                "unknown JWT algorithm {s:?} (expected HS256, EdDSA or RS256)"
            )),
        }
    }
}

impl Serialize for JwtAlgorithm {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for JwtAlgorithm {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// Largest PEM file read; a path naming something bigger (or endless) is a mistake.
const MAX_PEM_FILE: u64 = 64 * 1024;

/// JWT settings. Every field has a default, so an empty section gives HS256 with a key derived
/// from the application secret.
///
/// ```
/// use std::time::Duration;
/// use warden::jwt::{JwtAlgorithm, JwtSettings};
///
/// let settings = JwtSettings::default();
/// assert_eq!(settings.algorithm, JwtAlgorithm::HS256);
/// assert_eq!(settings.issuer, None);                       // the realm
/// assert_eq!(settings.leeway, Duration::from_secs(30));
/// assert_eq!(settings.max_lifetime, Duration::from_secs(30 * 86_400));
/// assert!(settings.keys.is_empty());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct JwtSettings {
    /// The only algorithm tokens may use. Default `HS256`.
    pub algorithm: JwtAlgorithm,
    /// The `iss` claim minted and required. Default: the application's realm.
    pub issuer: Option<String>,
    /// The `aud` claim minted and required. Default: the application's realm.
    pub audience: Option<String>,
    /// Clock skew tolerated on `exp`, `nbf` and `iat`, at most 5 minutes. Default 30 s.
    #[serde(with = "duration")]
    pub leeway: Duration,
    /// The longest `exp - iat` accepted, and minted. Default 30 days, so that refresh tokens
    /// fit.
    #[serde(with = "duration")]
    pub max_lifetime: Duration,
    /// The keys, each named by a `kid`. Default none: HS256 with a key derived from the
    /// application secret. EdDSA and RS256 need at least one.
    pub keys: Vec<JwtKey>,
    /// The `kid` of the key that signs new tokens. Default: the first key.
    pub signing_kid: Option<String>,
}

impl Default for JwtSettings {
    fn default() -> Self {
        Self {
            algorithm: JwtAlgorithm::HS256,
            issuer: None,
            audience: None,
            leeway: Duration::from_secs(30),
            max_lifetime: Duration::from_secs(30 * 86_400),
            keys: Vec::new(),
            signing_kid: None,
        }
    }
}

/// One key, named by its `kid`: a secret for HS256, a key pair (or only its public half, to
/// verify) for EdDSA and RS256.
///
/// `private_key` and `public_key` are PEM text when they start with `-----BEGIN`, and otherwise
/// the path of a PEM file (relative paths from the working directory). The private key is a
/// [`Secret`] because it may be inline; with only `private_key`, the public half is derived from
/// it.
///
/// ```
/// use warden::jwt::JwtKey;
///
/// let key = JwtKey::public("2026-05", "/etc/stuff/jwt-2026-05.pub.pem");
/// assert!(key.private_key.is_none());
/// let key = JwtKey::secret("old", "an old shared secret of at least 32 bytes");
/// assert_eq!(format!("{:?}", key.secret), "Some(Secret([redacted]))");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JwtKey {
    /// The key id, put in the header of the tokens this key signs.
    pub kid: String,
    /// HS256: the shared secret, at least 32 bytes, used as it is.
    #[serde(default)]
    pub secret: Option<Secret>,
    /// EdDSA, RS256: the private key (PEM text or path), needed to sign.
    #[serde(default)]
    pub private_key: Option<Secret>,
    /// EdDSA, RS256: the public key (PEM text or path). Enough to verify.
    #[serde(default)]
    pub public_key: Option<String>,
}

impl JwtKey {
    /// An HS256 key.
    pub fn secret(kid: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            kid: kid.into(),
            secret: Some(Secret::new(secret)),
            private_key: None,
            public_key: None,
        }
    }

    /// An EdDSA or RS256 signing key (PEM text or path); the public half is derived from it.
    pub fn private(kid: impl Into<String>, private_key: impl Into<String>) -> Self {
        Self {
            kid: kid.into(),
            secret: None,
            private_key: Some(Secret::new(private_key)),
            public_key: None,
        }
    }

    /// An EdDSA or RS256 key that only verifies (PEM text or path).
    pub fn public(kid: impl Into<String>, public_key: impl Into<String>) -> Self {
        Self {
            kid: kid.into(),
            secret: None,
            private_key: None,
            public_key: Some(public_key.into()),
        }
    }
}

/// The PEM text a key setting stands for: itself when it starts with `-----BEGIN`, otherwise
/// the contents of the file it names. Errors name the path, never the contents.
pub(crate) fn read_pem(value: &str) -> Result<Vec<u8>, String> {
    if value.trim_start().starts_with("-----BEGIN") {
        return Ok(value.as_bytes().to_vec());
    }
    let path = value.trim();
    if path.is_empty() {
        return Err("is empty (expected PEM text or the path of a PEM file)".to_owned());
    }
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {path:?}: {e}"))?;
    let mut pem = Vec::new();
    file.take(MAX_PEM_FILE + 1)
        .read_to_end(&mut pem)
        .map_err(|e| format!("cannot read {path:?}: {e}"))?;
    if pem.len() as u64 > MAX_PEM_FILE {
        return Err(format!(
            "{path:?} is larger than {MAX_PEM_FILE} bytes: not a PEM key"
        ));
    }
    Ok(pem)
}

#[cfg(test)]
mod tests {
    use figment::Figment;
    use figment::providers::{Format, Toml};

    use super::*;

    #[test]
    fn settings_read_from_toml_with_durations_in_units() {
        let settings: JwtSettings = Figment::from(Toml::string(
            r#"
            algorithm = "RS256"
            audience = "api"
            leeway = 5
            max_lifetime = "12h"
            signing_kid = "b"
            keys = [
                { kid = "a", public_key = "a.pub.pem" },
                { kid = "b", private_key = "b.pem" },
            ]
            "#,
        ))
        .extract()
        .unwrap();
        assert_eq!(settings.algorithm, JwtAlgorithm::RS256);
        assert_eq!(settings.issuer, None);
        assert_eq!(settings.audience.as_deref(), Some("api"));
        assert_eq!(settings.leeway, Duration::from_secs(5));
        assert_eq!(settings.max_lifetime, Duration::from_secs(12 * 3600));
        assert_eq!(settings.keys[0], JwtKey::public("a", "a.pub.pem"));
        assert_eq!(settings.keys[1], JwtKey::private("b", "b.pem"));
        assert_eq!(settings.signing_kid.as_deref(), Some("b"));
    }

    #[test]
    fn misspelt_key_fields_are_refused() {
        let result: Result<JwtSettings, _> =
            Figment::from(Toml::string(r#"keys = [{ kid = "a", private = "a.pem" }]"#)).extract();
        assert!(result.is_err());
    }

    #[test]
    fn private_keys_never_print() {
        let key = JwtKey::private("a", "-----BEGIN PRIVATE KEY-----\nMC4CAQAw...");
        assert!(!format!("{key:?}").contains("MC4CAQAw"), "{key:?}");
        let json = serde_json::to_string(&key).unwrap();
        assert!(!json.contains("MC4CAQAw"), "{json}");
    }

    #[test]
    fn pem_text_is_itself_and_anything_else_is_a_path() {
        let text = "\n  -----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----\n";
        assert_eq!(read_pem(text).unwrap(), text.as_bytes());

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.pem");
        std::fs::write(&path, "-----BEGIN PUBLIC KEY-----\n").unwrap();
        let named = format!(" {} ", path.display());
        assert_eq!(read_pem(&named).unwrap(), b"-----BEGIN PUBLIC KEY-----\n");

        let missing = dir.path().join("missing.pem");
        let err = read_pem(missing.to_str().unwrap()).unwrap_err();
        assert!(err.contains("missing.pem"), "{err}");
        assert!(read_pem("  ").is_err());
    }

    #[test]
    fn huge_files_are_not_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.pem");
        std::fs::write(&path, vec![b'A'; 100_000]).unwrap();
        let err = read_pem(path.to_str().unwrap()).unwrap_err();
        assert!(err.contains("larger than"), "{err}");
        assert!(!err.contains("AAAA"), "{err}");
    }
}
