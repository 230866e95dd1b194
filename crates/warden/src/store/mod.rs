//! State shared by warden processes: revocations, refresh-token families, "one live token"
//! pointers, replay nonces.
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
//! callers exactly one wins.
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
