//! API keys sent directly, and requests signed with them.

use std::net::IpAddr;
use std::sync::Arc;

use http::request::Parts;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tracing::Instrument as _;

use super::{Authenticator, BodyBytes, SIGNATURE};
use crate::authn::CurrentUser;
use crate::authn::api_keys::{self, ApiKey, sign};
use crate::clock::unix;
use crate::encoding::{hex, unhex};
use crate::error::{Error, Result};
use crate::scheme::Scheme;

/// The headers of a signed request besides the signature.
const KEY: &str = "x-warden-key";
const TIMESTAMP: &str = "x-warden-timestamp";

fn refused() -> Error {
    Error::unauthorized("invalid credentials")
}

/// A key stored before signing keys were sealed: it still works whole, but cannot sign.
fn cannot_sign() -> Error {
    Error::unauthorized(
        "this API key predates sealed signing keys and cannot sign requests: make a new key",
    )
}

/// What a signed request's signature covers:
/// `METHOD \n PATH \n QUERY \n TIMESTAMP \n hex(SHA-256(BODY))`.
pub(crate) fn canonical(
    method: &str,
    path: &str,
    query: &str,
    timestamp: &str,
    body: &[u8],
) -> String {
    format!(
        "{method}\n{path}\n{query}\n{timestamp}\n{}",
        hex(&Sha256::digest(body))
    )
}

impl Authenticator {
    /// A live key by id, cached for the cache TTL.
    pub(crate) async fn live_key(&self, id: &str) -> Result<Arc<ApiKey>> {
        let store = self.services.api_keys.as_deref().ok_or_else(refused)?;
        let key = match self.keys.get(id) {
            Some(key) => key,
            None => {
                let key = Arc::new(store.find(id).await?.ok_or_else(refused)?);
                self.keys.insert(id.to_owned(), Arc::clone(&key));
                key
            }
        };
        if key.revoked {
            return Err(refused());
        }
        Ok(key)
    }

    /// Records a key's use at most once a minute, off the request's path.
    fn touch(&self, id: &str) {
        if self.touched.get(id).is_some() {
            return;
        }
        self.touched.insert(id.to_owned(), ());
        if let Some(store) = self.services.api_keys.clone() {
            let id = id.to_owned();
            tokio::spawn(
                async move {
                    if let Err(e) = store.touch(&id).await {
                        tracing::warn!(error = %e, "could not record an API key's use");
                    }
                }
                .instrument(tracing::Span::current()),
            );
        }
    }

    /// Counts a refused API key on `account` from `client` with the login throttle: a 429 when
    /// this failure reached a limit (the caller answers 401 otherwise), a 503 when the store
    /// cannot count it.
    pub(crate) async fn key_failed(&self, account: &str, client: IpAddr) -> Result<()> {
        match &self.services.throttle {
            Some(throttle) => throttle.failed(account, client).await,
            None => Ok(()),
        }
    }

    /// The user whose key this is. A refused key is counted by the login throttle (its id as
    /// the account) after the check: past a limit the answer is 429 rather than 401.
    pub(crate) async fn verify_api_key(&self, text: &str, client: IpAddr) -> Result<CurrentUser> {
        let checked = async {
            let (id, secret) = api_keys::parse(text).ok_or_else(refused)?;
            let key = self.live_key(id).await?;
            if api_keys::matches(&key, secret) {
                Ok((id, key))
            } else {
                Err(refused())
            }
        };
        let (id, key) = match checked.await {
            Ok(found) => found,
            Err(e) if e.status() == http::StatusCode::UNAUTHORIZED => {
                let account = api_keys::parse(text).map_or("", |(id, _)| id);
                self.key_failed(&format!("api-key:{account}"), client)
                    .await?;
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        let record = self.holder(&key.login).await?;
        self.touch(id);
        Ok(CurrentUser::with_record(record, Scheme::ApiKey))
    }

    /// The user whose key signed this request, within the window, once.
    pub(crate) async fn verify_signed(&self, parts: &Parts) -> Result<CurrentUser> {
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(refused)
        };
        let (id, timestamp, signature) = (header(KEY)?, header(TIMESTAMP)?, header(SIGNATURE)?);
        let window = self.settings.api_keys.signature_window;
        let sent: u64 = timestamp.parse().map_err(|_| refused())?;
        if unix(self.clock.now()).abs_diff(sent) > window.as_secs() {
            return Err(Error::unauthorized("signature outside its time window"));
        }
        let key = self.live_key(id).await?;
        let body = parts
            .extensions
            .get::<BodyBytes>()
            .map_or(&[][..], |b| &b.0[..]);
        let data = canonical(
            parts.method.as_str(),
            parts.uri.path(),
            parts.uri.query().unwrap_or(""),
            timestamp,
            body,
        );
        // The signing key is not the stored hash (whoever reads the database has that): it is
        // kept sealed under the server's secret, and keys stored before that cannot sign.
        let sealed = key.sealed_signing_key.as_deref().ok_or_else(cannot_sign)?;
        let mut given = [0u8; 32];
        unhex(signature, &mut given).ok_or_else(refused)?;
        let signed = self
            .services
            .sealer
            .unseal(id, sealed)
            .any(|signing_key| bool::from(sign(&signing_key, &data).ct_eq(&given)));
        if !signed {
            return Err(refused());
        }
        if !self
            .services
            .revocations
            .use_nonce(signature, window * 2)
            .await?
        {
            return Err(Error::unauthorized("signature already used"));
        }
        let record = self.holder(&key.login).await?;
        self.touch(id);
        Ok(CurrentUser::with_record(record, Scheme::Signed))
    }
}
