//! Signing keys of API keys, and their sealed copies in the key store.
//!
//! A key's secret gives two values by two one-way functions: the verifier the store keeps
//! (`SHA-256(secret)`, the `hash` column, checked when the key is shown whole) and the signing
//! key of signed requests (`HMAC-SHA256(secret, "warden/sign/v1")`), which neither the
//! verifier nor anything else stored gives. The server cannot recompute the signing key from
//! the verifier, so it keeps it sealed under its own secret:
//!
//! ```text
//! seal_key = HMAC-SHA256(server secret, "warden/seal-key/v1")
//! sealed   = hex(signing_key XOR HMAC-SHA256(seal_key, "warden/seal/v1:" || id))
//! ```
//!
//! The pad is a pseudo-random function of the key's id, unique per key (ids are random and
//! never reused), so the sealed value says nothing of the signing key to whoever reads the
//! database without the server's secret. Tampering needs no tag to be caught: a changed sealed
//! value unseals to a key that signs nothing the client sent. The seal key is derived under its
//! own label, never the compact tokens' key (the raw secret) nor the JWT key
//! (`"warden/jwt/v1"`).
//!
//! When the secret rotates, a sealed key is tried under the current secret and then under each
//! of `previous_secrets`: a key sealed under a former secret signs while that secret is listed,
//! and no longer once it is removed (the key still works whole: exchange, header).

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::encoding::{hex, unhex};

type HmacSha256 = Hmac<Sha256>;

/// Derives the signing key from a key's secret.
const SIGNING_LABEL: &[u8] = b"warden/sign/v1";
/// Derives the seal key from the server's secret.
const SEAL_KEY_LABEL: &[u8] = b"warden/seal-key/v1";
/// Derives a key's pad from the seal key and the key's id.
const PAD_LABEL: &[u8] = b"warden/seal/v1:";

/// The signing key of the key whose secret is `secret`: what clients sign requests with.
pub(crate) fn signing_key(secret: &str) -> [u8; 32] {
    let mut mac = mac(secret.as_bytes());
    mac.update(SIGNING_LABEL);
    mac.finalize().into_bytes().into()
}

/// The HMAC-SHA256 of `data` under `key`, as signed requests carry it.
pub(crate) fn sign(key: &[u8; 32], data: &str) -> [u8; 32] {
    let mut mac = mac(key);
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().into()
}

fn mac(key: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length: this cannot fail.
    <HmacSha256 as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!())
}

/// Seals signing keys under the server's secret, and unseals them under it or a former one.
pub(crate) struct Sealer {
    /// The current seal key, then those of the previous secrets.
    keys: Vec<HmacSha256>,
}

impl Sealer {
    /// Seal keys derived from the secret and the previous secrets, in this order.
    pub(crate) fn new(secret: &[u8], previous: &[&[u8]]) -> Self {
        let keys = std::iter::once(secret)
            .chain(previous.iter().copied())
            .map(|secret| {
                let mut derive = mac(secret);
                derive.update(SEAL_KEY_LABEL);
                mac(&derive.finalize().into_bytes())
            })
            .collect();
        Self { keys }
    }

    /// The signing key of key `id`, sealed under the current secret (hex).
    pub(crate) fn seal(&self, id: &str, signing_key: &[u8; 32]) -> String {
        hex(&xor(signing_key, &pad(&self.keys[0], id)))
    }

    /// The signing keys that `sealed` may hold, under the current secret first and then the
    /// previous ones; none when it is not a sealed value.
    pub(crate) fn unseal<'a>(
        &'a self,
        id: &'a str,
        sealed: &str,
    ) -> impl Iterator<Item = [u8; 32]> + 'a {
        let mut bytes = [0u8; 32];
        let valid = unhex(sealed, &mut bytes).is_some();
        self.keys
            .iter()
            .filter(move |_| valid)
            .map(move |key| xor(&bytes, &pad(key, id)))
    }
}

fn pad(seal_key: &HmacSha256, id: &str) -> [u8; 32] {
    let mut mac = seal_key.clone();
    mac.update(PAD_LABEL);
    mac.update(id.as_bytes());
    mac.finalize().into_bytes().into()
}

fn xor(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    std::array::from_fn(|i| a[i] ^ b[i])
}

#[cfg(test)]
mod tests {
    use sha2::Digest;

    use super::*;

    #[test]
    fn a_sealed_key_unseals_under_its_secret_only() {
        let signing = signing_key("the key's secret");
        let old = Sealer::new(b"old secret", &[]);
        let sealed = old.seal("id1", &signing);
        assert_ne!(sealed, hex(&signing));
        assert_eq!(old.unseal("id1", &sealed).collect::<Vec<_>>(), [signing]);
        assert_ne!(
            old.unseal("id2", &sealed).next(),
            Some(signing),
            "bound to its id"
        );
        let rotated = Sealer::new(b"new secret", &[b"old secret"]);
        assert_eq!(rotated.unseal("id1", &sealed).nth(1), Some(signing));
        let retired = Sealer::new(b"new secret", &[]);
        assert!(retired.unseal("id1", &sealed).all(|k| k != signing));
        assert_eq!(old.unseal("id1", "not hex").count(), 0);
    }

    #[test]
    fn the_signing_key_is_not_the_stored_verifier() {
        let verifier: [u8; 32] = Sha256::digest(b"s").into();
        assert_ne!(signing_key("s"), verifier);
    }
}
