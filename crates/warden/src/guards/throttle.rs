//! Login throttling: failed credential checks counted in the store per (account, client IP)
//! pair, per client IP and per account, with the store's atomic counter
//! ([`incr`](crate::store::Store::incr)); see
//! [`LoginThrottleSettings`](crate::LoginThrottleSettings) for the policy.
//!
//! A password attempt is counted *before* its hash is checked, and given back when it
//! succeeds or is refused: so of 50 parallel attempts under a limit of 10, exactly 10 are
//! checked, and 50 parallel failures are exactly 50 counts. API keys are random and long, so
//! guessing one is hopeless; their failures are only counted after the check, so that a valid
//! key costs no store round trip. When the store cannot answer, the login path fails closed
//! (503, `Retry-After`).

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join3;
use sha2::{Digest, Sha256};

use super::limits::IpKey;
use crate::encoding::hex;
use crate::error::{Error, Result};
use crate::login::fold;
use crate::settings::LoginThrottleSettings;
use crate::store::{Count, Store};

/// Counts failed logins and refuses attempts past the limits.
pub(crate) struct Throttle {
    store: Arc<dyn Store>,
    settings: LoginThrottleSettings,
}

/// The store keys of one (account, IP) attempt.
struct Keys {
    pair: String,
    ip: String,
    account: String,
    known: String,
}

impl Keys {
    fn new(account: &str, ip: IpAddr) -> Self {
        let account = account_id(account);
        let ip = IpKey(ip);
        Self {
            pair: format!("login:pair:{account}:{ip}"),
            ip: format!("login:ip:{ip}"),
            account: format!("login:account:{account}"),
            known: format!("login:known:{account}:{ip}"),
        }
    }
}

/// A password attempt counted as a failure until it is known to have succeeded.
pub(crate) struct Attempt<'a> {
    throttle: &'a Throttle,
    keys: Keys,
}

impl Throttle {
    /// The throttle, unless the settings turn it off.
    pub(crate) fn new(store: Arc<dyn Store>, settings: &LoginThrottleSettings) -> Option<Self> {
        settings.enabled.then(|| Self {
            store,
            settings: settings.clone(),
        })
    }

    /// Counts a password attempt on `login` from `ip` before its check: a 429 (the attempt
    /// given back) when a limit is reached, a 503 when the store cannot count it.
    pub(crate) async fn reserve(&self, login: &str, ip: IpAddr) -> Result<Attempt<'_>> {
        let keys = Keys::new(login, ip);
        let counts = self.count(&keys, 1).await?;
        if let Some(wait) = self.refusal(&keys, counts).await? {
            // Not checked, so not a failure: the counters say how many were.
            self.give_back(&keys).await;
            return Err(throttled(wait));
        }
        Ok(Attempt {
            throttle: self,
            keys,
        })
    }

    /// Counts a failed check of an API key (`account` is the key's id) from `ip`, after the
    /// check: a 429 instead of the 401 when that failure reached a limit.
    pub(crate) async fn failed(&self, account: &str, ip: IpAddr) -> Result<()> {
        let keys = Keys::new(account, ip);
        let counts = self.count(&keys, 1).await?;
        match self.refusal(&keys, counts).await? {
            Some(wait) => Err(throttled(wait)),
            None => Ok(()),
        }
    }

    /// Adds `delta` to the pair's, the IP's and the account's counters at once.
    async fn count(&self, keys: &Keys, delta: i64) -> Result<[Count; 3]> {
        let window = self.settings.window;
        let (pair, ip, account) = join3(
            self.store.incr(&keys.pair, delta, window),
            self.store.incr(&keys.ip, delta, window),
            self.store.incr(&keys.account, delta, window),
        )
        .await;
        Ok([pair?, ip?, account?])
    }

    /// How long to wait when an attempt counted as `counts` is over a limit: the pair's, the
    /// IP's, or the account's unless the IP is known for the account.
    async fn refusal(
        &self,
        keys: &Keys,
        [pair, ip, account]: [Count; 3],
    ) -> Result<Option<Duration>> {
        let over = |count: Count, limit: u32| count.value > i64::from(limit);
        let s = &self.settings;
        if over(pair, s.pair_failures) {
            return Ok(Some(pair.expires_in));
        }
        if over(ip, s.ip_failures) {
            return Ok(Some(ip.expires_in));
        }
        if over(account, s.account_failures) && self.store.get(&keys.known).await?.is_none() {
            return Ok(Some(account.expires_in));
        }
        Ok(None)
    }

    async fn give_back(&self, keys: &Keys) {
        if let Err(e) = self.count(keys, -1).await {
            tracing::warn!(error = %e, "could not give back a refused login attempt's count");
        }
    }
}

impl Attempt<'_> {
    /// The password was right: the pair's and the account's failures are forgotten, the IP's
    /// count is given back, and the IP becomes known for the account. Failures here are
    /// logged: the login itself stands.
    pub(crate) async fn succeeded(self) {
        let Self { throttle, keys } = self;
        let store = &throttle.store;
        let (pair, account, ip) = join3(
            store.delete(&keys.pair),
            store.delete(&keys.account),
            store.incr(&keys.ip, -1, throttle.settings.window),
        )
        .await;
        let known = store
            .set(&keys.known, "1", throttle.settings.known_ip_lifetime)
            .await;
        if let Some(e) = [pair.err(), account.err(), ip.err(), known.err()]
            .into_iter()
            .flatten()
            .next()
        {
            tracing::warn!(error = %e, "could not reset the login counters after a success");
        }
    }
}

/// The same answer whether the account exists or not.
fn throttled(wait: Duration) -> Error {
    Error::too_many_requests(wait)
}

/// An account as the counters know it: the login after NFKC normalisation and case folding
/// (`Hobbes`, `HOBBES` and the full-width `ｈｏｂｂｅｓ` are one account), hashed so that keys
/// have a bounded length and the store holds no logins.
fn account_id(login: &str) -> String {
    hex(&Sha256::digest(fold(login).as_bytes())[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_differing_in_case_or_width_are_one_account() {
        let hobbes = account_id("hobbes");
        for same in [
            "Hobbes",
            "HOBBES",
            "ｈｏｂｂｅｓ",
            "ＨＯＢＢＥＳ",
            " hobbes ",
        ] {
            assert_eq!(account_id(same), hobbes, "{same:?}");
        }
        assert_ne!(account_id("calvin"), hobbes);
        // Compatibility forms: the ligature "ﬁ" is "fi", "Å" (angstrom sign) is "å".
        assert_eq!(account_id("ﬁona"), account_id("FIONA"));
        assert_eq!(account_id("\u{212B}sa"), account_id("åsa"));
        assert_eq!(hobbes.len(), 32);
    }
}
