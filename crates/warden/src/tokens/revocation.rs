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
//!
//! A per-user revocation matters for as long as the longest token lifetime, longer than a
//! store is guaranteed to keep it (Redis restarted empty, a process whose memory store died
//! with it). With a database, it is also written to warden's `warden_revocation` table, and
//! the store carries a marker saying that it holds the table's revocations: a store found
//! without the marker (new, or emptied) is loaded from the table before it answers. The
//! families and the one-live-token pointer stay in the store alone: losing them fails open
//! only for the tokens of one session or one key, never for a kicked user.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::json;

use crate::cache::TtlCache;
use crate::clock::SharedClock;
use crate::clock::unix;
use crate::error::{Error, Result};
use crate::sql::{Database, Tx};
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
    /// The durable copy of per-user revocations, when the application has a database.
    durable: Option<Database>,
    /// Whether the store was seen holding the durable revocations (the marker), recently.
    loaded: TtlCache<Box<str>, Option<Arc<str>>>,
}

/// The store's marker: it holds the durable revocations.
const LOADED: &str = "revocations-loaded";

/// A row of `warden_revocation`.
#[derive(Deserialize)]
struct Row {
    login: String,
    valid_after: i64,
    expires: i64,
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
        let clock_for_marker = Arc::clone(&clock);
        Self {
            store,
            valid_after: TtlCache::new(CAPACITY, FRESHNESS, Arc::clone(&clock)),
            families: TtlCache::new(CAPACITY, FRESHNESS, Arc::clone(&clock)),
            live: TtlCache::new(CAPACITY, FRESHNESS, Arc::clone(&clock)),
            clock,
            horizon,
            durable: None,
            loaded: TtlCache::new(1, FRESHNESS, Arc::clone(&clock_for_marker)),
        }
    }

    /// Keeps per-user revocations in warden's `warden_revocation` table of `db` too (see the
    /// module's documentation); the table comes with [`schema::apply`](crate::schema::apply).
    pub(crate) fn durable(mut self, db: Option<Database>) -> Self {
        self.durable = db;
        self
    }

    /// Makes sure the store holds the durable revocations: when its marker is missing (a new
    /// or emptied store), loads the table's live rows into it first. Without an answer from
    /// the store or the database, fails closed like every check.
    async fn ensure_loaded(&self, db: &Database) -> Result<()> {
        if self
            .get(&self.loaded, "", LOADED, |v| Some(v.into()))
            .await?
            .is_some()
        {
            return Ok(());
        }
        let now = unix(self.clock.now());
        let rows: Vec<Row> = db
            .rows_as("warden_revocation_live", &json!({ "now": now }))
            .await?;
        for row in &rows {
            let left = u64::try_from(row.expires).unwrap_or(0).saturating_sub(now);
            if left == 0 {
                continue;
            }
            // Never over a newer revocation made meanwhile by another process.
            self.store
                .set_if_absent(
                    &[VALID_AFTER, &row.login].concat(),
                    &row.valid_after.to_string(),
                    Duration::from_secs(left),
                )
                .await?;
        }
        self.store.set(LOADED, "1", self.horizon).await?;
        self.loaded.insert(LOADED.into(), Some("1".into()));
        if !rows.is_empty() {
            tracing::info!(
                revocations = rows.len(),
                "loaded revocations into the store"
            );
        }
        Ok(())
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
        if let Some(db) = &self.durable {
            self.ensure_loaded(db).await?;
        }
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
    /// token minted in the same second as a kick does not survive it). With a database, the
    /// revocation is written to it first: through `tx` when the request has one (SQLite has
    /// one writer, which the request's transaction may hold), on its own otherwise.
    pub(crate) async fn revoke_user(&self, login: &str, tx: Option<&Tx>) -> Result<()> {
        let after = unix(self.clock.now()) + 1;
        if let Some(db) = &self.durable {
            let row = json!({
                "login": login,
                "valid_after": after,
                "expires": after + self.horizon.as_secs(),
            });
            match tx {
                Some(tx) => tx.execute("warden_revocation_set", &row).await?,
                None => db.execute("warden_revocation_set", &row).await?,
            };
        }
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
