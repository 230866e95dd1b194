//! State shared by warden processes: revocations, refresh-token families, "one live token"
//! pointers, replay nonces, rate-limit and login-failure counters.
//!
//! A [`Store`] maps string keys to string values that always expire, so it never grows beyond the
//! entries that are still live. Two implementations:
//!
//! - [`MemoryStore`], the default: one process, entries in a map, expiry by warden's
//!   [`Clock`](crate::clock::Clock) (tests move a [`ManualClock`](crate::clock::ManualClock)
//!   instead of sleeping);
//! - [`RedisStore`]: several warden processes share one Redis, each application under its own
//!   key namespace. It fails closed: when Redis is unreachable or slow (at startup too),
//!   operations return a 503 [`Error`] within a bounded time, never a stale or
//!   made-up answer, and it reconnects by itself.
//!
//! [`connect`] picks one from an optional URL. The operations are the few that token flows need
//! to be safe with several processes: [`set_if_absent`](Store::set_if_absent) for "used once"
//! nonces and [`compare_and_swap`](Store::compare_and_swap) for rotation, where of two concurrent
//! callers exactly one wins; [`incr`](Store::incr), a counter with expiry, for failures that
//! must be counted exactly however many arrive at once (wrong passwords, wrong second-factor
//! codes); and [`admit`](Store::admit), the GCRA rate limiter's one atomic step.
//!
//! ```
//! use std::time::Duration;
//! use warden::store::{MemoryStore, Store};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> warden::Result<()> {
//! let store = MemoryStore::new();
//! let ttl = Duration::from_secs(600);
//!
//! // A nonce is accepted once.
//! assert!(store.set_if_absent("nonce:4f2a", "1", ttl).await?);
//! assert!(!store.set_if_absent("nonce:4f2a", "1", ttl).await?);
//!
//! // Rotation: only the caller holding the current value moves it on.
//! store.set("family:7", "gen-1", ttl).await?;
//! assert!(store.compare_and_swap("family:7", "gen-1", "gen-2", ttl).await?);
//! assert!(!store.compare_and_swap("family:7", "gen-1", "gen-2", ttl).await?);
//! assert_eq!(store.get("family:7").await?.as_deref(), Some("gen-2"));
//!
//! store.delete("family:7").await?;
//! assert_eq!(store.get("family:7").await?, None);
//! # Ok(())
//! # }
//! ```

use std::sync::Arc;
use std::time::Duration;

use crate::error::Error;
use futures_util::future::BoxFuture;

mod memory;
mod redis;

#[doc(inline)]
pub use self::memory::MemoryStore;
#[doc(inline)]
pub use self::redis::{RedisOptions, RedisStore};

/// Key-value state with expiry, shared by every request of a process (and, on Redis, by every
/// process of an application).
///
/// Every entry has a time to live: it is rounded up to whole milliseconds, and is at least one
/// millisecond. An expired entry behaves as an absent one for every operation.
///
/// The trait is object-safe: the framework holds an `Arc<dyn Store>`, and `Arc<S>` is a store
/// too. Errors are warden [`Error`]s: a store that cannot answer returns a 503 (with
/// `Retry-After`), so a request that needs it fails closed.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use warden::store::{MemoryStore, Store};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> warden::Result<()> {
/// let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
/// store.set("revoked:jti-42", "1", Duration::from_secs(900)).await?;
/// assert!(store.get("revoked:jti-42").await?.is_some());
/// # Ok(())
/// # }
/// ```
pub trait Store: Send + Sync + 'static {
    /// The value of `key`, if set and not expired.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, crate::Result<Option<String>>>;

    /// Sets `key` to `value` for `ttl`, replacing any value it had.
    fn set<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, crate::Result<()>>;

    /// Sets `key` to `value` for `ttl` only if it is absent (or expired); `true` if this call
    /// set it. Of several concurrent callers, exactly one gets `true`: "used once" nonces.
    fn set_if_absent<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, crate::Result<bool>>;

    /// Atomically replaces the value of `key` with `value` (and a new `ttl`) only if it currently
    /// equals `expected`; `true` if replaced. An absent or expired key is never replaced.
    ///
    /// For refresh-token rotation: of concurrent callers with the same `expected`, exactly one
    /// wins.
    fn compare_and_swap<'a>(
        &'a self,
        key: &'a str,
        expected: &'a str,
        value: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, crate::Result<bool>>;

    /// Removes `key` (nothing happens if it is absent).
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, crate::Result<()>>;

    /// Atomically adds `delta` (which may be negative) to the integer counter at `key`, an absent
    /// or expired key counting as zero, and returns the new value and the time the counter has
    /// left.
    ///
    /// The counter expires `ttl` after the call that created it: later calls do not extend it,
    /// so it counts within a fixed window that starts with the first event. Of `n` concurrent
    /// calls adding 1, each sees a different value and the last sees `n` more than the first
    /// found: failures are counted exactly however many arrive at once. The counter's value
    /// reads back through [`get`](Self::get) as decimal text, and [`delete`](Self::delete)
    /// resets it. A key holding text that is not an integer is an error.
    ///
    /// ```
    /// use std::time::Duration;
    /// use warden::store::{MemoryStore, Store};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> warden::Result<()> {
    /// let store = MemoryStore::new();
    /// let window = Duration::from_secs(900);
    /// assert_eq!(store.incr("otp-failures:hobbes", 1, window).await?.value, 1);
    /// let count = store.incr("otp-failures:hobbes", 1, window).await?;
    /// assert_eq!(count.value, 2);
    /// assert!(count.expires_in <= window);
    /// assert_eq!(store.get("otp-failures:hobbes").await?.as_deref(), Some("2"));
    /// # Ok(())
    /// # }
    /// ```
    fn incr<'a>(
        &'a self,
        key: &'a str,
        delta: i64,
        ttl: Duration,
    ) -> BoxFuture<'a, crate::Result<Count>>;

    /// One atomic step of the generic cell rate algorithm (GCRA): admits an event on `key` if the
    /// events on it conform to one per `interval` with bursts of up to `burst` at once.
    ///
    /// The key holds one number, the theoretical arrival time of the next event (TAT): an event
    /// is admitted when pushing the TAT one `interval` further leaves it at most
    /// `interval * burst` ahead of now, and then the TAT is moved; otherwise the answer says how
    /// long to wait, and nothing changes. The key expires when the TAT is reached, when it would
    /// say nothing anyway. `burst` below 1 counts as 1; `interval` is taken in whole milliseconds
    /// (at least one).
    ///
    /// "Now" is the store's clock: the [`Clock`](crate::clock::Clock) of a [`MemoryStore`],
    /// Redis's own `TIME` for a [`RedisStore`], so that processes whose clocks differ still
    /// share one schedule.
    ///
    /// ```
    /// use std::time::Duration;
    /// use warden::store::{Admission, MemoryStore, Store};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> warden::Result<()> {
    /// let store = MemoryStore::new();
    /// // 10 per second, 3 at once.
    /// let interval = Duration::from_millis(100);
    /// for _ in 0..3 {
    ///     assert_eq!(store.admit("ip:192.0.2.7", interval, 3).await?, Admission::Admitted);
    /// }
    /// let Admission::Refused { retry_after } = store.admit("ip:192.0.2.7", interval, 3).await? else {
    ///     panic!("a fourth at once is refused");
    /// };
    /// assert!(retry_after <= interval);
    /// # Ok(())
    /// # }
    /// ```
    fn admit<'a>(
        &'a self,
        key: &'a str,
        interval: Duration,
        burst: u32,
    ) -> BoxFuture<'a, crate::Result<Admission>>;
}

/// A counter's value after [`Store::incr`], and how long it has left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Count {
    /// The counter after the increment.
    pub value: i64,
    /// The time left before the counter expires (and counts from zero again).
    pub expires_in: Duration,
}

/// The answer of [`Store::admit`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// The event conforms to the rate, and was counted.
    Admitted,
    /// Too early: the event was not counted, and would be admitted after `retry_after`.
    Refused {
        /// How long to wait before the next event conforms.
        retry_after: Duration,
    },
}

impl<S: Store + ?Sized> Store for Arc<S> {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, crate::Result<Option<String>>> {
        (**self).get(key)
    }

    fn set<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, crate::Result<()>> {
        (**self).set(key, value, ttl)
    }

    fn set_if_absent<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, crate::Result<bool>> {
        (**self).set_if_absent(key, value, ttl)
    }

    fn compare_and_swap<'a>(
        &'a self,
        key: &'a str,
        expected: &'a str,
        value: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, crate::Result<bool>> {
        (**self).compare_and_swap(key, expected, value, ttl)
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, crate::Result<()>> {
        (**self).delete(key)
    }

    fn incr<'a>(
        &'a self,
        key: &'a str,
        delta: i64,
        ttl: Duration,
    ) -> BoxFuture<'a, crate::Result<Count>> {
        (**self).incr(key, delta, ttl)
    }

    fn admit<'a>(
        &'a self,
        key: &'a str,
        interval: Duration,
        burst: u32,
    ) -> BoxFuture<'a, crate::Result<Admission>> {
        (**self).admit(key, interval, burst)
    }
}

/// One GCRA step on integer milliseconds: the new TAT to store when the event is admitted,
/// else how long to wait. Shared by the memory store and (as Lua) the Redis store.
fn gcra(now: u64, tat: Option<u64>, interval: u64, burst: u32) -> Result<u64, u64> {
    let interval = interval.max(1);
    let limit = interval.saturating_mul(u64::from(burst.max(1)));
    let next = tat.unwrap_or(now).max(now).saturating_add(interval);
    let ahead = next - now;
    if ahead > limit {
        Err(ahead - limit)
    } else {
        Ok(next)
    }
}

/// The store for an optional URL: a [`MemoryStore`] for `None`, a [`RedisStore`] under
/// `namespace` for a `redis://`, `redis+unix://` or `unix://` URL (with
/// [`RedisOptions::default`]). A `rediss://` (TLS) URL is refused with a clear message until one
/// of the `redis` crate's TLS features is enabled.
///
/// Fails when the URL or the namespace is invalid, or when Redis refuses the connection's setup
/// (credentials), so a misconfigured store stops startup with a clear message. A Redis that
/// cannot be reached yet does not: the store starts, logs it, answers 503 to the operations
/// until Redis answers, and then works ([`RedisStore::connect`]).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> warden::Result<()> {
/// let store = warden::store::connect(None, "warden:stuff").await?;
/// assert!(store.set_if_absent("nonce:1", "1", std::time::Duration::from_secs(60)).await?);
///
/// let err = warden::store::connect(Some("http://localhost"), "warden:stuff").await.err().unwrap();
/// assert!(err.to_string().contains("unsupported store URL"));
/// # Ok(())
/// # }
/// ```
pub async fn connect(url: Option<&str>, namespace: &str) -> crate::Result<Arc<dyn Store>> {
    let Some(url) = url else {
        return Ok(Arc::new(MemoryStore::new()));
    };
    let scheme = url.split_once("://").map_or("", |(scheme, _)| scheme);
    match scheme.to_ascii_lowercase().as_str() {
        "redis" | "rediss" | "redis+unix" | "unix" => {
            Ok(Arc::new(RedisStore::connect(url, namespace).await?))
        }
        _ => Err(config_error(format!(
            "unsupported store URL {:?}: expected redis://, rediss://, redis+unix:// or unix://",
            redact_url(url)
        ))),
    }
}

/// A store that cannot be built as configured: reported at startup, never to a client.
fn config_error(message: String) -> Error {
    Error::new(http::StatusCode::INTERNAL_SERVER_ERROR, message)
}

/// `url` without the password or user it may carry, for messages and logs.
fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

/// A time to live in whole milliseconds, rounded up, at least 1 ms, and at most about a hundred
/// years (Redis refuses expiry times that overflow; no token lives that long).
fn ttl_millis(ttl: Duration) -> u64 {
    const MAX_MILLIS: u64 = 100 * 365 * 24 * 3600 * 1000;
    let millis = ttl.as_nanos().div_ceil(1_000_000);
    u64::try_from(millis)
        .unwrap_or(MAX_MILLIS)
        .clamp(1, MAX_MILLIS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttls_round_up_to_at_least_one_millisecond() {
        assert_eq!(ttl_millis(Duration::ZERO), 1);
        assert_eq!(ttl_millis(Duration::from_nanos(1)), 1);
        assert_eq!(ttl_millis(Duration::from_micros(1500)), 2);
        assert_eq!(ttl_millis(Duration::from_millis(250)), 250);
        assert_eq!(ttl_millis(Duration::from_secs(90)), 90_000);
        assert_eq!(ttl_millis(Duration::MAX), 100 * 365 * 24 * 3600 * 1000);
    }

    #[test]
    fn gcra_admits_a_burst_then_one_per_interval() {
        // 3 at once, then one per 100 ms.
        let mut tat = None;
        for _ in 0..3 {
            tat = Some(gcra(1000, tat, 100, 3).unwrap());
        }
        assert_eq!(tat, Some(1300));
        assert_eq!(gcra(1000, tat, 100, 3), Err(100));
        assert_eq!(gcra(1099, tat, 100, 3), Err(1));
        assert_eq!(gcra(1100, tat, 100, 3), Ok(1400));
        // A long pause forgets the past: the burst is available again, not more.
        assert_eq!(gcra(10_000, Some(1400), 100, 3), Ok(10_100));
        // Degenerate parameters still limit.
        assert_eq!(gcra(0, None, 0, 0), Ok(1));
        assert_eq!(gcra(0, Some(1), 0, 0), Err(1));
    }

    #[test]
    fn urls_lose_their_credentials_in_messages() {
        assert_eq!(
            redact_url("redis://:hunter2@db.example:6379/0"),
            "redis://***@db.example:6379/0"
        );
        assert_eq!(
            redact_url("rediss://user:p@ss@db.example/1?x=@"),
            "rediss://***@db.example/1?x=@"
        );
        assert_eq!(
            redact_url("redis://127.0.0.1:6379"),
            "redis://127.0.0.1:6379"
        );
        assert_eq!(redact_url("not a url"), "not a url");
    }

    #[tokio::test]
    async fn no_url_means_memory_and_unknown_schemes_are_refused() {
        let store = connect(None, "ns").await.unwrap();
        store.set("k", "v", Duration::from_secs(1)).await.unwrap();
        assert_eq!(store.get("k").await.unwrap().as_deref(), Some("v"));

        for url in ["http://localhost:6379", "localhost:6379", "memcached://x"] {
            let err = connect(Some(url), "ns").await.err().unwrap();
            assert_eq!(err.status(), http::StatusCode::INTERNAL_SERVER_ERROR);
            assert!(err.message().contains("unsupported store URL"), "{err}");
        }
        let err = connect(Some("ftp://u:secret@host"), "ns")
            .await
            .err()
            .unwrap();
        assert!(!err.to_string().contains("secret"), "{err}");
    }

    #[test]
    fn arc_and_trait_objects_are_stores() {
        fn is_store<S: Store>() {}
        is_store::<MemoryStore>();
        is_store::<Arc<MemoryStore>>();
        is_store::<Arc<dyn Store>>();
        is_store::<RedisStore>();
    }
}
