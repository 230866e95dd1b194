//! Password schemes: verification with the dummy-hash rule, the verified-password cache, and
//! background upgrades of outdated hashes.

use std::net::IpAddr;
use std::sync::{Arc, PoisonError};

use hmac::Mac;
use subtle::ConstantTimeEq;

use tokio::sync::OnceCell;
use tracing::Instrument as _;

use super::{
    Authenticator, Inflight, InflightKey, VERIFIED_CLIENTS, Verified, invalid_credentials,
};
use crate::error::Result;
use crate::users::UserRecord;

impl Authenticator {
    /// Checks a login and password from `client`; the same 401 for an unknown user and a
    /// wrong password, after at least the same work: an unknown user is verified against the
    /// dummy hash, and a wrong password against an outdated (possibly cheaper) hash pays the
    /// dummy too.
    ///
    /// The attempt is counted by the login throttle before any hash is checked: past its
    /// limits the answer is 429, the same for known and unknown users, and 503 when the store
    /// cannot count. Only a password verified recently *from this client IP* skips both the
    /// throttle and the hash (then no guess is being made): were it skipped from any IP, a
    /// throttled guesser would still learn the right password from its 200.
    pub(crate) async fn verify_password(
        &self,
        login: &str,
        password: &str,
        client: IpAddr,
    ) -> Result<Arc<UserRecord>> {
        let record = if login.is_empty() {
            None
        } else {
            self.services.directory.lookup(login).await?
        };
        let record = record.and_then(|r| {
            let hash: Arc<str> = Arc::from(r.password_hash.as_deref()?);
            Some((r, hash))
        });
        let tag = self.tag(login, password);
        let seen = match (&record, self.verified.get(login)) {
            (Some((_, hash)), Some(seen)) => {
                let same_hash = seen.hash.as_bytes().ct_eq(hash.as_bytes());
                let same_password = seen.tag.ct_eq(&tag);
                bool::from(same_hash & same_password).then_some(seen)
            }
            _ => None,
        };
        if let (Some(seen), Some((record, _))) = (&seen, &record)
            && (self.services.throttle.is_none() || seen.clients.contains(&client))
        {
            return Ok(Arc::clone(record));
        }
        let Some((record, hash)) = record else {
            if let Some(throttle) = &self.services.throttle {
                throttle.reserve(login, client).await?;
            }
            self.services.passwords.verify_dummy(password).await?;
            return Err(invalid_credentials());
        };
        if seen.is_some() {
            // Right, but not from this client yet: counted like any attempt, without the hash.
            if let Some(throttle) = &self.services.throttle {
                throttle.reserve(login, client).await?.succeeded().await;
            }
        } else if !self
            .verify_once(login, password, &hash, tag, client)
            .await?
        {
            // A hash cheaper than today's (bcrypt with 2^4 rounds answers in 2 ms) would tell
            // a known user from an unknown one, who pays the dummy verification: pay it too.
            if self.services.passwords.needs_rehash(&hash) {
                self.services.passwords.verify_dummy(password).await?;
            }
            return Err(invalid_credentials());
        }
        // (A verification already remembered itself, before other requests could miss it.)
        if let Some(seen) = &seen {
            self.remember(login, &hash, tag, &seen.clients, client);
        } else if self.services.passwords.needs_rehash(&hash) {
            self.upgrade(login, password);
        }
        Ok(record)
    }

    /// Remembers a verified password, for `client` and up to the last few `earlier` ones.
    fn remember(
        &self,
        login: &str,
        hash: &Arc<str>,
        tag: [u8; 32],
        earlier: &[IpAddr],
        client: IpAddr,
    ) {
        let earlier: Vec<IpAddr> = earlier.iter().copied().filter(|c| *c != client).collect();
        let skip = (earlier.len() + 1).saturating_sub(VERIFIED_CLIENTS);
        let clients = earlier[skip..].iter().copied().chain([client]).collect();
        self.verified.insert(
            login.to_owned(),
            Verified {
                hash: Arc::clone(hash),
                tag,
                clients,
            },
        );
    }

    /// Whether this password, for this hash, was verified from `client` lately.
    fn verified_from(&self, login: &str, hash: &str, tag: &[u8; 32], client: IpAddr) -> bool {
        self.verified.get(login).is_some_and(|seen| {
            let same = seen.hash.as_bytes().ct_eq(hash.as_bytes()) & seen.tag.ct_eq(tag);
            bool::from(same) && seen.clients.contains(&client)
        })
    }

    /// Verifies a password against its hash, once for all the requests that present the same
    /// login and password from the same client at the same time: when a cached check runs out
    /// under load, the concurrent requests wait for one hash rather than each paying for its
    /// own, and count as one attempt for the login throttle (reserved before the hash, given
    /// back when it matches), so that a client's burst of right passwords is not throttled.
    async fn verify_once(
        &self,
        login: &str,
        password: &str,
        hash: &Arc<str>,
        tag: [u8; 32],
        client: IpAddr,
    ) -> Result<bool> {
        // The tag stands for the login and the password; with the hash and the client, for
        // the whole question.
        let key = (tag, Arc::clone(hash), client);
        let cell = Arc::clone(
            self.inflight
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(key.clone())
                .or_default(),
        );
        // Removes the entry however this ends, a dropped request included, so that clients
        // hanging up mid-hash cannot make the map grow.
        let _leave = Leave {
            inflight: &self.inflight,
            key,
            cell: Arc::clone(&cell),
        };
        cell.get_or_try_init(|| async {
            // A request that looked before another's verification was remembered, and came
            // here after that verification left the map, finds it remembered now.
            if self.verified_from(login, hash, &tag, client) {
                return Ok(true);
            }
            let attempt = match &self.services.throttle {
                Some(throttle) => Some(throttle.reserve(login, client).await?),
                None => None,
            };
            let right = self.services.passwords.verify(password, hash).await?;
            if right {
                if let Some(attempt) = attempt {
                    attempt.succeeded().await;
                }
                // Before the verification leaves the map: no request can miss both. (Clients
                // remembered for another hash or password are not carried over.)
                self.remember(login, hash, tag, &[], client);
            }
            Ok(right)
        })
        .await
        .copied()
    }

    /// Replaces an outdated hash in the background, without delaying the login.
    fn upgrade(&self, login: &str, password: &str) {
        let passwords = self.services.passwords.clone();
        let directory = Arc::clone(self.services.directory.inner());
        let (login, password) = (login.to_owned(), password.to_owned());
        tokio::spawn(
            async move {
                let outcome = match passwords.hash(&password).await {
                    Ok(hash) => directory.update_hash(&login, &hash).await,
                    Err(e) => Err(e),
                };
                match outcome {
                    Ok(()) => tracing::info!(user = %login, "upgraded the password hash"),
                    Err(e) => {
                        tracing::warn!(user = %login, error = %e, "password hash upgrade failed");
                    }
                }
            }
            // Logged with the id of the request whose login started it.
            .instrument(tracing::Span::current()),
        );
    }

    fn tag(&self, login: &str, password: &str) -> [u8; 32] {
        let mut mac = self.tag_key.clone();
        mac.update(login.as_bytes());
        mac.update(&[0]);
        mac.update(password.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

/// Takes a shared verification out of the map when a request is done with it, or dropped.
struct Leave<'a> {
    inflight: &'a Inflight,
    key: InflightKey,
    cell: Arc<OnceCell<bool>>,
}

impl Drop for Leave<'_> {
    fn drop(&mut self) {
        let mut inflight = self.inflight.lock().unwrap_or_else(PoisonError::into_inner);
        // The first to be done takes it out: later requests start afresh (the verified cache
        // answers them after a success), waiters still holding the cell read its answer or, if
        // its verification was dropped, run it themselves.
        if inflight
            .get(&self.key)
            .is_some_and(|cell| Arc::ptr_eq(cell, &self.cell))
        {
            inflight.remove(&self.key);
        }
    }
}
