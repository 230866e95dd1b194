//! Revocation for every token kind, on the shared store.
//!
//! - A per-user "valid after" time: a password change, a removal or a kick refuses every token
//!   the user holds that was issued before it, compact tokens included, without listing them.
//! - Refresh families: logging out, or reusing a spent refresh token, revokes the family, and
//!   with it the access tokens issued from it.
//! - The "one live token per user" pointer: minting a new tracked token replaces the previous.
//!
//! Answers are cached for one second per process, so a revocation made anywhere is seen
//! everywhere within a second; the process that revokes sees it at once. Without an answer
//! (the store is down and nothing is cached), requests fail closed with 503.

use std::sync::Arc;
use std::time::Duration;

use crate::cache::TtlCache;
use crate::clock::SharedClock;
use crate::clock::unix;
use crate::error::{Error, Result};
use crate::store::Store;

/// How stale a cached answer may be: the promise "refused everywhere within one second".
const FRESHNESS: Duration = Duration::from_secs(1);

/// How many answers of each kind are cached.
const CAPACITY: u64 = 100_000;

/// The family value that marks it revoked.
const REVOKED: &str = "revoked";

/// Revocation state, over the store.
pub(crate) struct Revocations {
    store: Arc<dyn Store>,
    /// One cache per kind of key, looked up by the bare login or family so that a cached
    /// answer costs no allocation on the request path.
    valid_after: TtlCache<Box<str>, Option<u64>>,
    families: TtlCache<Box<str>, Option<Arc<str>>>,
    live: TtlCache<Box<str>, Option<Arc<str>>>,
    clock: SharedClock,
    /// How long a revocation must be remembered: the longest token lifetime.
    horizon: Duration,
}

/// The store's key prefixes.
const VALID_AFTER: &str = "va:";
const FAMILY: &str = "fam:";
const LIVE: &str = "live:";

/// What a verified token says about itself, for the checks.
pub(crate) struct Issued<'a> {
    pub(crate) login: &'a str,
    /// Unix seconds.
    pub(crate) issued_at: u64,
    pub(crate) family: Option<&'a str>,
    /// The token id, when the token is tracked as the user's one live token.
    pub(crate) live: Option<&'a str>,
}

fn revoked() -> Error {
    Error::unauthorized("revoked token")
}

impl Revocations {
    pub(crate) fn new(store: Arc<dyn Store>, clock: SharedClock, horizon: Duration) -> Self {
        Self {
            store,
            valid_after: TtlCache::new(CAPACITY, FRESHNESS, Arc::clone(&clock)),
            families: TtlCache::new(CAPACITY, FRESHNESS, Arc::clone(&clock)),
            live: TtlCache::new(CAPACITY, FRESHNESS, Arc::clone(&clock)),
            clock,
            horizon,
        }
    }

    /// The store's value at `prefix` + `name`, through `cache`.
    async fn get<V: Clone + Send + Sync + 'static>(
        &self,
        cache: &TtlCache<Box<str>, Option<V>>,
        prefix: &str,
        name: &str,
        read: impl FnOnce(String) -> Option<V>,
    ) -> Result<Option<V>> {
        if let Some(answer) = cache.get(name) {
            return Ok(answer);
        }
        let answer = self
            .store
            .get(&[prefix, name].concat())
            .await?
            .and_then(read);
        cache.insert(name.into(), answer.clone());
        Ok(answer)
    }

    /// Refuses a token revoked by any of the three mechanisms.
    pub(crate) async fn check(&self, token: &Issued<'_>) -> Result<()> {
        // An unreadable time refuses everything, as the most recent revocation would.
        let after = self
            .get(&self.valid_after, VALID_AFTER, token.login, |v| {
                Some(v.parse().unwrap_or(u64::MAX))
            })
            .await?;
        if after.is_some_and(|after| token.issued_at < after) {
            return Err(revoked());
        }
        if let Some(family) = token.family
            && self
                .get(&self.families, FAMILY, family, |v| Some(v.into()))
                .await?
                .as_deref()
                == Some(REVOKED)
        {
            return Err(revoked());
        }
        if let Some(id) = token.live
            && self
                .get(&self.live, LIVE, token.login, |v| Some(v.into()))
                .await?
                .as_deref()
                != Some(id)
        {
            return Err(revoked());
        }
        Ok(())
    }

    /// Revokes every token of `login` issued until now (the next second included, so that a
    /// token minted in the same second as a kick does not survive it).
    pub(crate) async fn revoke_user(&self, login: &str) -> Result<()> {
        let after = unix(self.clock.now()) + 1;
        let key = [VALID_AFTER, login].concat();
        self.store
            .set(&key, &after.to_string(), self.horizon)
            .await?;
        self.valid_after.insert(login.into(), Some(after));
        Ok(())
    }

    /// Starts a refresh family whose current token is `id`.
    pub(crate) async fn start_family(&self, family: &str, id: &str, ttl: Duration) -> Result<()> {
        self.set_family(family, id, ttl).await
    }

    /// Rotates a family from `id` to `next`; `false` if `id` is not the current token (reuse,
    /// or a concurrent rotation that won).
    pub(crate) async fn rotate_family(
        &self,
        family: &str,
        id: &str,
        next: &str,
        ttl: Duration,
    ) -> Result<bool> {
        let key = [FAMILY, family].concat();
        let rotated = self.store.compare_and_swap(&key, id, next, ttl).await?;
        if rotated {
            self.families.insert(family.into(), Some(next.into()));
        }
        Ok(rotated)
    }

    /// Revokes a family and the access tokens issued from it.
    pub(crate) async fn revoke_family(&self, family: &str, ttl: Duration) -> Result<()> {
        self.set_family(family, REVOKED, ttl).await
    }

    async fn set_family(&self, family: &str, value: &str, ttl: Duration) -> Result<()> {
        self.store
            .set(&[FAMILY, family].concat(), value, ttl)
            .await?;
        self.families.insert(family.into(), Some(value.into()));
        Ok(())
    }

    /// Makes `id` the user's one live token, replacing (revoking) the previous one.
    pub(crate) async fn set_live(&self, login: &str, id: &str, ttl: Duration) -> Result<()> {
        self.store.set(&[LIVE, login].concat(), id, ttl).await?;
        self.live.insert(login.into(), Some(id.into()));
        Ok(())
    }

    /// Uses a nonce once: `false` if it was already used within `ttl`.
    pub(crate) async fn use_nonce(&self, nonce: &str, ttl: Duration) -> Result<bool> {
        self.store
            .set_if_absent(&format!("nonce:{nonce}"), "1", ttl)
            .await
    }
}
