//! A bounded cache whose entries expire by warden's [`Clock`](crate::clock::Clock), so that
//! tests move time instead of sleeping.

use std::borrow::Borrow;
use std::hash::Hash;
use std::time::{Duration, SystemTime};

use crate::clock::SharedClock;

#[derive(Clone)]
struct Entry<V> {
    value: V,
    expires: SystemTime,
}

pub(crate) struct TtlCache<K, V> {
    inner: moka::sync::Cache<K, Entry<V>>,
    ttl: Duration,
    clock: SharedClock,
}

impl<K, V> TtlCache<K, V>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    pub(crate) fn new(capacity: u64, ttl: Duration, clock: SharedClock) -> Self {
        // moka's own expiry, on the real clock, only reclaims memory; the answer of `get`
        // follows the injectable clock.
        let inner = moka::sync::Cache::builder()
            .max_capacity(capacity)
            .time_to_live(ttl.max(Duration::from_millis(1)))
            .build();
        Self { inner, ttl, clock }
    }

    pub(crate) fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if self.ttl.is_zero() {
            return None;
        }
        let entry = self.inner.get(key)?;
        if self.clock.now() < entry.expires {
            Some(entry.value)
        } else {
            self.inner.invalidate(key);
            None
        }
    }

    pub(crate) fn insert(&self, key: K, value: V) {
        if self.ttl.is_zero() {
            return;
        }
        let expires = self.clock.now() + self.ttl;
        self.inner.insert(key, Entry { value, expires });
    }

    pub(crate) fn invalidate<Q>(&self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.inner.invalidate(key);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::clock::ManualClock;

    #[test]
    fn entries_expire_by_the_injected_clock() {
        let clock = ManualClock::starting_now();
        let cache: TtlCache<String, u32> =
            TtlCache::new(10, Duration::from_secs(5), Arc::new(clock.clone()));
        cache.insert("a".to_owned(), 1);
        assert_eq!(cache.get("a"), Some(1));
        clock.advance(Duration::from_secs(4));
        assert_eq!(cache.get("a"), Some(1));
        clock.advance(Duration::from_secs(1));
        assert_eq!(cache.get("a"), None);
    }

    #[test]
    fn zero_ttl_disables_caching() {
        let cache: TtlCache<String, u32> =
            TtlCache::new(10, Duration::ZERO, Arc::new(ManualClock::starting_now()));
        cache.insert("a".to_owned(), 1);
        assert_eq!(cache.get("a"), None);
    }
}
