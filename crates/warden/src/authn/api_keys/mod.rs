//! API keys (seeds/004): a user holds keys, shown once at creation and stored hashed, with a
//! name, a last-used time and a revocation flag; a key is exchanged for a token, used directly
//! in a header when the application allows it, or used to sign requests.
//!
//! A key reads `wk_ID.SECRET`: the public id finds the record, and the secret (32 random bytes)
//! is compared with the stored SHA-256 hash in constant time. Keys are random and long, so a
//! fast hash is enough (passwords, chosen by people, need argon2id).
//!
//! Signed requests use another value derived from the secret, the signing key
//! (`HMAC-SHA256(SECRET, "warden/sign/v1")`), which the stored hash does not give; the store
//! keeps it sealed under the server's secret, so that reading the database is not enough to
//! sign requests (see [`sign_request`]). Keys stored before sealing existed have no sealed
//! signing key: they still work whole, but cannot sign.

mod seal;
mod sql;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use serde::Serialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub(crate) use seal::{Sealer, sign};
pub use sql::SqlApiKeys;

use crate::encoding::hex;
use crate::encoding::random_id;
use crate::error::{Error, Result};
use futures_util::future::BoxFuture;

/// A stored API key, without its secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct ApiKey {
    /// The public id (`wk_ID`'s `ID`).
    pub id: String,
    /// The owner's login.
    #[serde(skip)]
    pub login: String,
    /// A name the owner chose.
    pub name: String,
    /// Hex SHA-256 of the secret: the verifier of the whole key.
    #[serde(skip)]
    pub hash: String,
    /// The key's signing key, sealed under the server's secret (hex); `None` for a key stored
    /// before signing keys were sealed, which cannot sign requests. A store keeps it as it is
    /// given and returns it with the key.
    #[serde(skip)]
    pub sealed_signing_key: Option<String>,
    /// When it was created (as the store gives it).
    pub created: Option<String>,
    /// When it was last used (as the store gives it).
    pub last_used: Option<String>,
    /// Whether it was revoked.
    #[serde(skip)]
    pub revoked: bool,
}

impl ApiKey {
    /// A key record, without a sealed signing key.
    pub fn new(
        id: impl Into<String>,
        login: impl Into<String>,
        name: impl Into<String>,
        hash: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            login: login.into(),
            name: name.into(),
            hash: hash.into(),
            sealed_signing_key: None,
            created: None,
            last_used: None,
            revoked: false,
        }
    }

    /// The same record with its sealed signing key.
    #[must_use]
    pub fn with_sealed_signing_key(mut self, sealed: impl Into<String>) -> Self {
        self.sealed_signing_key = Some(sealed.into());
        self
    }
}

/// Where API keys live. A store keeps every field of [`ApiKey`] that [`create`](Self::create)
/// gives it (the sealed signing key included) and returns them from [`find`](Self::find).
pub trait ApiKeyStore: Send + Sync + 'static {
    /// Stores a new key.
    fn create<'a>(&'a self, key: &'a ApiKey) -> BoxFuture<'a, Result<()>>;
    /// The key with this public id, revoked or not.
    fn find<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<ApiKey>>>;
    /// The keys of a user.
    fn list<'a>(&'a self, login: &'a str) -> BoxFuture<'a, Result<Vec<ApiKey>>>;
    /// Revokes a user's key; `false` if the user has no such live key.
    fn revoke<'a>(&'a self, login: &'a str, id: &'a str) -> BoxFuture<'a, Result<bool>>;
    /// Records a use.
    fn touch<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<()>>;
}

/// API keys in memory, for tests and examples. Clones share the keys.
#[derive(Clone, Default)]
pub struct MemoryApiKeys(Arc<RwLock<HashMap<String, ApiKey>>>);

impl MemoryApiKeys {
    /// No keys yet.
    pub fn new() -> Self {
        Self::default()
    }
}

impl ApiKeyStore for MemoryApiKeys {
    fn create<'a>(&'a self, key: &'a ApiKey) -> BoxFuture<'a, Result<()>> {
        let mut keys = self.0.write().unwrap_or_else(|e| e.into_inner());
        keys.insert(key.id.clone(), key.clone());
        Box::pin(async { Ok(()) })
    }

    fn find<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<ApiKey>>> {
        let key = self
            .0
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned();
        Box::pin(async move { Ok(key) })
    }

    fn list<'a>(&'a self, login: &'a str) -> BoxFuture<'a, Result<Vec<ApiKey>>> {
        let mut keys: Vec<ApiKey> = self
            .0
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .filter(|k| k.login == login && !k.revoked)
            .cloned()
            .collect();
        keys.sort_by(|a, b| a.name.cmp(&b.name));
        Box::pin(async move { Ok(keys) })
    }

    fn revoke<'a>(&'a self, login: &'a str, id: &'a str) -> BoxFuture<'a, Result<bool>> {
        let mut keys = self.0.write().unwrap_or_else(|e| e.into_inner());
        let revoked = match keys.get_mut(id) {
            Some(key) if key.login == login && !key.revoked => {
                key.revoked = true;
                true
            }
            _ => false,
        };
        Box::pin(async move { Ok(revoked) })
    }

    fn touch<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<()>> {
        if let Some(key) = self
            .0
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(id)
        {
            key.last_used = Some(
                time::OffsetDateTime::now_utc()
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
            );
        }
        Box::pin(async { Ok(()) })
    }
}

/// The prefix of every key: greppable in leaked logs and code.
const PREFIX: &str = "wk_";

/// A freshly made key: the text to show once, and what to store.
pub(crate) struct NewKey {
    pub(crate) text: String,
    pub(crate) id: String,
    pub(crate) hash: String,
    pub(crate) sealed_signing_key: String,
}

/// A key just made: its id and its text, shown once.
#[derive(Clone, Serialize, schemars::JsonSchema)]
pub struct CreatedKey {
    /// The key's public id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The whole key (`wk_ID.SECRET`): shown once, never stored.
    pub key: String,
}

impl std::fmt::Debug for CreatedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedKey")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("key", &"[redacted]")
            .finish()
    }
}

impl super::Authenticator {
    fn key_store(&self) -> Result<&dyn ApiKeyStore> {
        self.services
            .api_keys
            .as_deref()
            .ok_or_else(|| Error::internal("API keys used without a key store"))
    }

    /// Makes a key named `name` for `login` and stores it (its hash and sealed signing key).
    pub(crate) async fn create_key(&self, login: &str, name: &str) -> Result<CreatedKey> {
        // Counted as sent, stored trimmed: what the OpenAPI schema says (1 to 64 characters,
        // not only spaces).
        if name.trim().is_empty() || name.chars().count() > 64 {
            return Err(Error::bad_request("a key name has 1 to 64 characters"));
        }
        let name = name.trim();
        let new = generate(&self.services.sealer)?;
        let record = ApiKey::new(new.id.clone(), login, name, new.hash)
            .with_sealed_signing_key(new.sealed_signing_key);
        self.key_store()?.create(&record).await?;
        Ok(CreatedKey {
            id: new.id,
            name: name.to_owned(),
            key: new.text,
        })
    }

    /// The live keys of `login`.
    pub(crate) async fn keys_of(&self, login: &str) -> Result<Vec<ApiKey>> {
        self.key_store()?.list(login).await
    }

    /// Revokes `login`'s key `id` (and what this process caches of it); `false` if there was
    /// no such live key.
    pub(crate) async fn revoke_key(&self, login: &str, id: &str) -> Result<bool> {
        let revoked = self.key_store()?.revoke(login, id).await?;
        self.forget_key(id);
        Ok(revoked)
    }
}

/// Makes a new key, its signing key sealed by `sealer`.
pub(crate) fn generate(sealer: &Sealer) -> Result<NewKey> {
    let id = random_id::<12>()?;
    let secret = random_id::<32>()?;
    Ok(NewKey {
        text: format!("{PREFIX}{id}.{secret}"),
        hash: hash(&secret),
        sealed_signing_key: sealer.seal(&id, &seal::signing_key(&secret)),
        id,
    })
}

/// Hex SHA-256 of a key's secret.
pub(crate) fn hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// `wk_ID.SECRET` -> (`ID`, `SECRET`).
pub(crate) fn parse(text: &str) -> Option<(&str, &str)> {
    let rest = text.strip_prefix(PREFIX)?;
    let (id, secret) = rest.split_once('.')?;
    let valid = |s: &str| {
        !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    (valid(id) && valid(secret)).then_some((id, secret))
}

/// The signature of a request signed with `key` (`wk_ID.SECRET`), for API clients: send it in
/// `X-Warden-Signature` with `X-Warden-Key: ID` and `X-Warden-Timestamp: TIMESTAMP` (unix
/// seconds). It covers the method, the path, the query string (without `?`, empty if none),
/// the timestamp and the SHA-256 of the body; each signature is accepted once, within the
/// configured window.
///
/// The signature is `hex(HMAC-SHA256(K, METHOD \n PATH \n QUERY \n TIMESTAMP \n
/// hex(SHA-256(BODY))))` where `K = HMAC-SHA256(SECRET, "warden/sign/v1")`, for clients in
/// other languages. Keys made before warden sealed signing keys cannot sign (401): make a new
/// key.
///
/// ```
/// let key = "wk_AAAAAAAAAAAAAAAA.c2VjcmV0";
/// let signature = warden::api_keys::sign_request(key, "POST", "/stuff", "", "1700000000", b"stuff=Clock").unwrap();
/// assert_eq!(signature.len(), 64);
/// ```
pub fn sign_request(
    key: &str,
    method: &str,
    path: &str,
    query: &str,
    timestamp: &str,
    body: &[u8],
) -> Option<String> {
    let (_, secret) = parse(key)?;
    let data = crate::authn::canonical(method, path, query, timestamp, body);
    Some(hex(&seal::sign(&seal::signing_key(secret), &data)))
}

/// Whether `secret` is the key's, in constant time.
pub(crate) fn matches(key: &ApiKey, secret: &str) -> bool {
    let given = hash(secret);
    bool::from(given.as_bytes().ct_eq(key.hash.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_parse_and_match_their_hash() {
        let sealer = Sealer::new(b"server secret", &[]);
        let key = generate(&sealer).unwrap();
        let (id, secret) = parse(&key.text).unwrap();
        assert_eq!(id, key.id);
        let record = ApiKey::new(id, "calvin", "ci", key.hash.clone());
        assert!(matches(&record, secret));
        assert!(!matches(&record, "nope"));
        assert_ne!(generate(&sealer).unwrap().text, key.text);
        let signing = sealer.unseal(&key.id, &key.sealed_signing_key).next();
        assert_eq!(signing, Some(seal::signing_key(secret)));
    }

    #[test]
    fn malformed_keys_do_not_parse() {
        for text in [
            "", "wk_", "wk_abc", "wk_.x", "wk_a.", "xx_a.b", "wk_a b.c", "wk_a.b.c",
        ] {
            assert!(parse(text).is_none(), "{text}");
        }
    }
}
