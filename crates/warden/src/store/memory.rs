//! The in-process store: a map behind a mutex, expiry by warden's clock.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use super::{Admission, Count, Store, gcra, ttl_millis};
use crate::clock::{Clock, SharedClock, SystemClock};
use futures_util::future::BoxFuture;

/// Below this many entries the map is only swept by time.
const MIN_SWEEP_LEN: usize = 64;
/// Even a map that does not grow drops its expired entries this often (on a write).
const SWEEP_INTERVAL: Duration = Duration::from_secs(60);

/// A [`Store`] in the process's memory: the default, for one warden process.
///
/// Entries expire by the store's [`Clock`] (the system clock unless given another one), so tests
/// move a [`ManualClock`](crate::clock::ManualClock) instead of sleeping. Expired entries are
/// dropped as writes come: when the map has doubled since the last sweep, and at least once a
/// minute, so memory stays proportional to the live entries at a constant amortised cost.
///
/// Every operation holds one mutex for a few map operations and never awaits while holding it, so
/// each is atomic. Clones share the same entries.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use warden::clock::ManualClock;
/// use warden::store::{MemoryStore, Store};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> warden::Result<()> {
/// let clock = ManualClock::new(SystemTime::UNIX_EPOCH);
/// let store = MemoryStore::with_clock(clock.clone());
/// store.set("revoked:42", "1", Duration::from_secs(60)).await?;
///
/// clock.advance(Duration::from_secs(59));
/// assert!(store.get("revoked:42").await?.is_some());
/// clock.advance(Duration::from_secs(1));
/// assert!(store.get("revoked:42").await?.is_none());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct MemoryStore {
    inner: Arc<Inner>,
}

struct Inner {
    clock: SharedClock,
    map: Mutex<Map>,
}

struct Map {
    entries: HashMap<String, Entry>,
    /// Sweep when the map reaches this length...
    sweep_len: usize,
    /// ...or on the first write after this time.
    sweep_at: SystemTime,
}

struct Entry {
    value: Value,
    expires: SystemTime,
}

/// Text as it was set, or a number that counters and the rate limiter update in place.
enum Value {
    Text(String),
    Number(i64),
}

impl Value {
    fn text(&self) -> String {
        match self {
            Value::Text(text) => text.clone(),
            Value::Number(n) => n.to_string(),
        }
    }

    fn number(&self) -> Option<i64> {
        match self {
            Value::Text(text) => text.parse().ok(),
            Value::Number(n) => Some(*n),
        }
    }
}

impl Entry {
    fn live(&self, now: SystemTime) -> bool {
        now < self.expires
    }
}

impl MemoryStore {
    /// An empty store on the system clock.
    pub fn new() -> Self {
        Self::with_clock(SystemClock)
    }

    /// An empty store on `clock`: tests pass a [`ManualClock`](crate::clock::ManualClock).
    pub fn with_clock(clock: impl Clock) -> Self {
        Self::with_shared_clock(Arc::new(clock))
    }

    /// An empty store on a clock already shared with the rest of the framework.
    pub fn with_shared_clock(clock: Arc<dyn Clock>) -> Self {
        let sweep_at = clock.now() + SWEEP_INTERVAL;
        Self {
            inner: Arc::new(Inner {
                clock,
                map: Mutex::new(Map {
                    entries: HashMap::new(),
                    sweep_len: MIN_SWEEP_LEN,
                    sweep_at,
                }),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Map> {
        // The map is consistent after every statement, so a panic elsewhere cannot corrupt it.
        self.inner.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn now(&self) -> SystemTime {
        self.inner.clock.now()
    }

    fn get_now(&self, key: &str) -> Option<String> {
        let now = self.now();
        let map = self.lock();
        map.entries
            .get(key)
            .filter(|entry| entry.live(now))
            .map(|entry| entry.value.text())
    }

    fn set_now(&self, key: &str, value: &str, ttl: Duration) {
        let now = self.now();
        let mut map = self.lock();
        map.entries
            .insert(key.to_owned(), Entry::new(value, now, ttl));
        map.maybe_sweep(now);
    }

    fn set_if_absent_now(&self, key: &str, value: &str, ttl: Duration) -> bool {
        let now = self.now();
        let mut map = self.lock();
        let set = match map.entries.get_mut(key) {
            Some(entry) if entry.live(now) => false,
            Some(entry) => {
                *entry = Entry::new(value, now, ttl);
                true
            }
            None => {
                map.entries
                    .insert(key.to_owned(), Entry::new(value, now, ttl));
                true
            }
        };
        if set {
            map.maybe_sweep(now);
        }
        set
    }

    fn compare_and_swap_now(&self, key: &str, expected: &str, value: &str, ttl: Duration) -> bool {
        let now = self.now();
        let mut map = self.lock();
        match map.entries.get_mut(key) {
            Some(entry) if entry.live(now) && entry.value.text() == expected => {
                *entry = Entry::new(value, now, ttl);
                true
            }
            _ => false,
        }
    }

    fn delete_now(&self, key: &str) {
        self.lock().entries.remove(key);
    }

    fn incr_now(&self, key: &str, delta: i64, ttl: Duration) -> crate::Result<Count> {
        let now = self.now();
        let mut map = self.lock();
        let count = match map.entries.get_mut(key) {
            Some(entry) if entry.live(now) => {
                let value = entry
                    .value
                    .number()
                    .ok_or_else(|| crate::Error::internal(format!("{key:?} is not a counter")))?
                    .saturating_add(delta);
                entry.value = Value::Number(value);
                Count {
                    value,
                    expires_in: entry.expires.duration_since(now).unwrap_or_default(),
                }
            }
            _ => {
                let entry = Entry::number(delta, now, ttl);
                let expires_in = entry.expires.duration_since(now).unwrap_or_default();
                map.entries.insert(key.to_owned(), entry);
                map.maybe_sweep(now);
                Count {
                    value: delta,
                    expires_in,
                }
            }
        };
        Ok(count)
    }

    fn admit_now(&self, key: &str, interval: Duration, burst: u32) -> Admission {
        let now = self.now();
        let now_ms = millis_since_epoch(now);
        let mut map = self.lock();
        let tat = map
            .entries
            .get(key)
            .filter(|entry| entry.live(now))
            .and_then(|entry| entry.value.number())
            .and_then(|tat| u64::try_from(tat).ok());
        match gcra(now_ms, tat, ttl_millis(interval), burst) {
            Ok(next) => {
                let ttl = Duration::from_millis(next - now_ms);
                let value = i64::try_from(next).unwrap_or(i64::MAX);
                match map.entries.get_mut(key) {
                    Some(entry) => *entry = Entry::number(value, now, ttl),
                    None => {
                        map.entries
                            .insert(key.to_owned(), Entry::number(value, now, ttl));
                        map.maybe_sweep(now);
                    }
                }
                Admission::Admitted
            }
            Err(wait) => Admission::Refused {
                retry_after: Duration::from_millis(wait),
            },
        }
    }
}

/// Milliseconds since the Unix epoch (zero before it).
fn millis_since_epoch(at: SystemTime) -> u64 {
    at.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl Entry {
    fn new(value: &str, now: SystemTime, ttl: Duration) -> Self {
        Self {
            value: Value::Text(value.to_owned()),
            expires: now + Duration::from_millis(ttl_millis(ttl)),
        }
    }

    fn number(value: i64, now: SystemTime, ttl: Duration) -> Self {
        Self {
            value: Value::Number(value),
            expires: now + Duration::from_millis(ttl_millis(ttl)),
        }
    }
}

impl Map {
    /// Drops expired entries when the map has doubled since the last sweep or the interval has
    /// passed: each sweep costs O(len) and comes after O(len) writes or a minute.
    fn maybe_sweep(&mut self, now: SystemTime) {
        if self.entries.len() < self.sweep_len && now < self.sweep_at {
            return;
        }
        self.entries.retain(|_, entry| entry.live(now));
        self.sweep_len = (self.entries.len() * 2).max(MIN_SWEEP_LEN);
        self.sweep_at = now + SWEEP_INTERVAL;
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("entries", &self.lock().entries.len())
            .finish_non_exhaustive()
    }
}

impl Store for MemoryStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, crate::Result<Option<String>>> {
        Box::pin(async move { Ok(self.get_now(key)) })
    }

    fn set<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, crate::Result<()>> {
        Box::pin(async move {
            self.set_now(key, value, ttl);
            Ok(())
        })
    }

    fn set_if_absent<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, crate::Result<bool>> {
        Box::pin(async move { Ok(self.set_if_absent_now(key, value, ttl)) })
    }

    fn compare_and_swap<'a>(
        &'a self,
        key: &'a str,
        expected: &'a str,
        value: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, crate::Result<bool>> {
        Box::pin(async move { Ok(self.compare_and_swap_now(key, expected, value, ttl)) })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, crate::Result<()>> {
        Box::pin(async move {
            self.delete_now(key);
            Ok(())
        })
    }

    fn incr<'a>(
        &'a self,
        key: &'a str,
        delta: i64,
        ttl: Duration,
    ) -> BoxFuture<'a, crate::Result<Count>> {
        Box::pin(async move { self.incr_now(key, delta, ttl) })
    }

    fn admit<'a>(
        &'a self,
        key: &'a str,
        interval: Duration,
        burst: u32,
    ) -> BoxFuture<'a, crate::Result<Admission>> {
        Box::pin(async move { Ok(self.admit_now(key, interval, burst)) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    fn store() -> (MemoryStore, ManualClock) {
        let clock = ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000));
        (MemoryStore::with_clock(clock.clone()), clock)
    }

    fn len(store: &MemoryStore) -> usize {
        store.lock().entries.len()
    }

    #[test]
    fn an_entry_expires_exactly_at_its_ttl() {
        let (store, clock) = store();
        store.set_now("k", "v", Duration::from_millis(1500));
        clock.advance(Duration::from_millis(1499));
        assert_eq!(store.get_now("k").as_deref(), Some("v"));
        clock.advance(Duration::from_millis(1));
        assert_eq!(store.get_now("k"), None);
    }

    #[test]
    fn a_zero_ttl_lives_one_millisecond() {
        let (store, clock) = store();
        store.set_now("k", "v", Duration::ZERO);
        assert_eq!(store.get_now("k").as_deref(), Some("v"));
        clock.advance(Duration::from_millis(1));
        assert_eq!(store.get_now("k"), None);
    }

    #[test]
    fn expired_entries_are_swept_as_the_map_grows() {
        let (store, clock) = store();
        for i in 0..1000 {
            store.set_now(&format!("old{i}"), "v", Duration::from_secs(1));
        }
        clock.advance(Duration::from_secs(2));
        // Writes of live entries sweep the dead ones long before the map doubles again.
        for i in 0..1000 {
            store.set_now(&format!("new{i}"), "v", Duration::from_secs(10));
            assert!(len(&store) <= 2000, "{} entries at write {i}", len(&store));
        }
        assert!(len(&store) <= 1000 + MIN_SWEEP_LEN, "{}", len(&store));
    }

    #[test]
    fn a_map_that_stops_growing_is_swept_by_time() {
        let (store, clock) = store();
        for i in 0..40 {
            store.set_now(&format!("k{i}"), "v", Duration::from_secs(1));
        }
        assert_eq!(len(&store), 40);
        clock.advance(SWEEP_INTERVAL);
        store.set_now("one more", "v", Duration::from_secs(600));
        assert_eq!(len(&store), 1);
    }

    #[test]
    fn nonces_and_swaps_only_see_live_entries() {
        let (store, clock) = store();
        assert!(store.set_if_absent_now("n", "a", Duration::from_secs(1)));
        assert!(!store.set_if_absent_now("n", "b", Duration::from_secs(1)));
        assert!(store.compare_and_swap_now("n", "a", "c", Duration::from_secs(1)));
        clock.advance(Duration::from_secs(1));
        assert!(!store.compare_and_swap_now("n", "c", "d", Duration::from_secs(1)));
        assert!(store.set_if_absent_now("n", "e", Duration::from_secs(1)));
        assert_eq!(store.get_now("n").as_deref(), Some("e"));
    }

    #[test]
    fn counters_count_within_a_fixed_window() {
        let (store, clock) = store();
        let window = Duration::from_secs(10);
        assert_eq!(store.incr_now("c", 1, window).unwrap().value, 1);
        clock.advance(Duration::from_secs(4));
        // A later increment does not extend the window.
        let count = store.incr_now("c", 2, window).unwrap();
        assert_eq!((count.value, count.expires_in), (3, Duration::from_secs(6)));
        assert_eq!(store.get_now("c").as_deref(), Some("3"));
        assert_eq!(store.incr_now("c", -1, window).unwrap().value, 2);
        clock.advance(Duration::from_secs(6));
        assert_eq!(store.incr_now("c", 1, window).unwrap().value, 1);
        store.set_now("text", "not a number", window);
        assert!(store.incr_now("text", 1, window).is_err());
        store.set_now("digits", "41", window);
        assert_eq!(store.incr_now("digits", 1, window).unwrap().value, 42);
    }

    #[test]
    fn admissions_follow_the_clock() {
        let (store, clock) = store();
        let interval = Duration::from_millis(500);
        assert_eq!(store.admit_now("ip", interval, 2), Admission::Admitted);
        assert_eq!(store.admit_now("ip", interval, 2), Admission::Admitted);
        assert_eq!(
            store.admit_now("ip", interval, 2),
            Admission::Refused {
                retry_after: interval
            }
        );
        clock.advance(interval);
        assert_eq!(store.admit_now("ip", interval, 2), Admission::Admitted);
        // The entry lives until its TAT, and no longer.
        clock.advance(Duration::from_millis(1000));
        assert_eq!(store.get_now("ip"), None);
    }

    #[test]
    fn clones_share_entries() {
        let (store, _) = store();
        let other = store.clone();
        store.set_now("k", "v", Duration::from_secs(1));
        assert_eq!(other.get_now("k").as_deref(), Some("v"));
        other.delete_now("k");
        assert_eq!(store.get_now("k"), None);
        assert_eq!(format!("{store:?}"), "MemoryStore { entries: 0, .. }");
    }
}
