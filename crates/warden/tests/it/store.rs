//! The store contract, run against `MemoryStore` and (when `WARDEN_TEST_REDIS_URL` is set)
//! `RedisStore`; then what only one of them has: expiry by the clock, Redis TTLs, namespaces,
//! several processes on one Redis, and failing closed when Redis is down or stalled.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use http::StatusCode;
use redis::AsyncCommands;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Barrier, watch};
use tokio::task::JoinHandle;
use warden::BoxFuture;
use warden::clock::ManualClock;
use warden::store::{self, Admission, MemoryStore, RedisOptions, RedisStore, Store};

const TTL: Duration = Duration::from_secs(60);

/// The operations of every store, each a scenario.
mod contract {
    use super::*;

    pub(super) async fn get_set_overwrite_delete(store: Arc<dyn Store>) {
        assert_eq!(store.get("k").await.unwrap(), None);
        store.set("k", "one", TTL).await.unwrap();
        assert_eq!(store.get("k").await.unwrap().as_deref(), Some("one"));
        store.set("k", "two", TTL).await.unwrap();
        assert_eq!(store.get("k").await.unwrap().as_deref(), Some("two"));
        store.delete("k").await.unwrap();
        assert_eq!(store.get("k").await.unwrap(), None);
        // Deleting what is not there is not an error.
        store.delete("k").await.unwrap();
    }

    pub(super) async fn values_and_keys_are_kept_verbatim(store: Arc<dyn Store>) {
        for (key, value) in [
            ("empty", ""),
            ("family:7:gen", "jti 1\nline two"),
            ("clé ünïcode", "värde ✓"),
            ("*?[glob]", "\"quoted\" 'and' \\escaped"),
        ] {
            store.set(key, value, TTL).await.unwrap();
            assert_eq!(
                store.get(key).await.unwrap().as_deref(),
                Some(value),
                "{key}"
            );
        }
    }

    pub(super) async fn set_if_absent_sets_once(store: Arc<dyn Store>) {
        assert!(store.set_if_absent("nonce", "first", TTL).await.unwrap());
        assert!(!store.set_if_absent("nonce", "second", TTL).await.unwrap());
        assert_eq!(store.get("nonce").await.unwrap().as_deref(), Some("first"));
        store.delete("nonce").await.unwrap();
        assert!(store.set_if_absent("nonce", "third", TTL).await.unwrap());
        assert_eq!(store.get("nonce").await.unwrap().as_deref(), Some("third"));
    }

    pub(super) async fn compare_and_swap_replaces_the_expected_value(store: Arc<dyn Store>) {
        store.set("family", "gen-1", TTL).await.unwrap();
        assert!(
            store
                .compare_and_swap("family", "gen-1", "gen-2", TTL)
                .await
                .unwrap()
        );
        assert_eq!(store.get("family").await.unwrap().as_deref(), Some("gen-2"));
        // The old value is spent.
        assert!(
            !store
                .compare_and_swap("family", "gen-1", "gen-3", TTL)
                .await
                .unwrap()
        );
        assert_eq!(store.get("family").await.unwrap().as_deref(), Some("gen-2"));
    }

    pub(super) async fn compare_and_swap_fails_on_a_wrong_value(store: Arc<dyn Store>) {
        store.set("family", "gen-1", TTL).await.unwrap();
        for wrong in ["gen-0", "", "gen-1 ", "GEN-1"] {
            assert!(
                !store
                    .compare_and_swap("family", wrong, "stolen", TTL)
                    .await
                    .unwrap(),
                "{wrong:?}"
            );
        }
        assert_eq!(store.get("family").await.unwrap().as_deref(), Some("gen-1"));
    }

    pub(super) async fn compare_and_swap_fails_on_an_absent_key(store: Arc<dyn Store>) {
        assert!(
            !store
                .compare_and_swap("missing", "", "created?", TTL)
                .await
                .unwrap()
        );
        assert!(
            !store
                .compare_and_swap("missing", "x", "created?", TTL)
                .await
                .unwrap()
        );
        assert_eq!(store.get("missing").await.unwrap(), None);
    }

    pub(super) async fn of_fifty_concurrent_swaps_exactly_one_wins(store: Arc<dyn Store>) {
        store.set("family", "gen-1", TTL).await.unwrap();
        let winners = race(50, |i| {
            let store = store.clone();
            async move {
                store
                    .compare_and_swap("family", "gen-1", &format!("gen-2-by-{i}"), TTL)
                    .await
                    .unwrap()
            }
        })
        .await;
        assert_eq!(winners.len(), 1, "winners: {winners:?}");
        let value = format!("gen-2-by-{}", winners[0]);
        assert_eq!(store.get("family").await.unwrap(), Some(value));
    }

    pub(super) async fn of_fifty_concurrent_nonces_exactly_one_is_set(store: Arc<dyn Store>) {
        let winners = race(50, |i| {
            let store = store.clone();
            async move {
                store
                    .set_if_absent("nonce", &i.to_string(), TTL)
                    .await
                    .unwrap()
            }
        })
        .await;
        assert_eq!(winners.len(), 1, "winners: {winners:?}");
        assert_eq!(
            store.get("nonce").await.unwrap(),
            Some(winners[0].to_string())
        );
    }

    // The counter and the rate limiter's step, which rate limits and login throttling use.

    pub(super) async fn incr_counts_within_the_window_of_the_first_call(store: Arc<dyn Store>) {
        let first = store.incr("failures", 1, TTL).await.unwrap();
        assert_eq!(first.value, 1);
        assert!(first.expires_in <= TTL && first.expires_in > TTL - Duration::from_secs(5));
        // A longer TTL later does not extend the window.
        let second = store.incr("failures", 2, TTL * 10).await.unwrap();
        assert_eq!(second.value, 3);
        assert!(second.expires_in <= TTL, "{second:?}");
        assert_eq!(store.incr("failures", -3, TTL).await.unwrap().value, 0);
        assert_eq!(store.get("failures").await.unwrap().as_deref(), Some("0"));
        store.delete("failures").await.unwrap();
        assert_eq!(store.incr("failures", 1, TTL).await.unwrap().value, 1);
        // Text that is not a number is not a counter.
        store.set("text", "hello", TTL).await.unwrap();
        assert!(store.incr("text", 1, TTL).await.is_err());
    }

    pub(super) async fn fifty_concurrent_increments_count_fifty(store: Arc<dyn Store>) {
        let start = Arc::new(Barrier::new(50));
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let (store, start) = (store.clone(), start.clone());
                tokio::spawn(async move {
                    start.wait().await;
                    store.incr("failures", 1, TTL).await.unwrap().value
                })
            })
            .collect();
        let mut seen = Vec::new();
        for task in tasks {
            seen.push(task.await.unwrap());
        }
        seen.sort_unstable();
        assert_eq!(seen, (1..=50).collect::<Vec<i64>>());
        assert_eq!(store.get("failures").await.unwrap().as_deref(), Some("50"));
    }

    pub(super) async fn admit_lets_a_burst_through_then_says_when(store: Arc<dyn Store>) {
        let hour = Duration::from_secs(3600);
        for i in 0..3 {
            assert_eq!(
                store.admit("ip", hour, 3).await.unwrap(),
                Admission::Admitted,
                "{i}"
            );
        }
        match store.admit("ip", hour, 3).await.unwrap() {
            Admission::Refused { retry_after } => {
                assert!(retry_after <= hour && retry_after > hour - Duration::from_secs(60));
            }
            Admission::Admitted => panic!("a fourth at once was admitted"),
        }
        // Another key has its own schedule.
        assert_eq!(
            store.admit("other", hour, 1).await.unwrap(),
            Admission::Admitted
        );
    }

    pub(super) async fn of_fifty_concurrent_admissions_exactly_the_burst_pass(
        store: Arc<dyn Store>,
    ) {
        let admitted = race(50, |_| {
            let store = store.clone();
            async move {
                store
                    .admit("ip", Duration::from_secs(3600), 10)
                    .await
                    .unwrap()
                    == Admission::Admitted
            }
        })
        .await;
        assert_eq!(admitted.len(), 10, "{admitted:?}");
    }
}

/// Runs `n` tasks released together on the multi-threaded runtime; the indices that got `true`.
async fn race<F, Fut>(n: usize, task: F) -> Vec<usize>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = bool> + Send + 'static,
{
    let start = Arc::new(Barrier::new(n));
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let start = start.clone();
            let attempt = task(i);
            tokio::spawn(async move {
                start.wait().await;
                attempt.await
            })
        })
        .collect();
    let mut winners = Vec::new();
    for (i, task) in tasks.into_iter().enumerate() {
        if task.await.unwrap() {
            winners.push(i);
        }
    }
    winners
}

/// One test per contract scenario and store: `store::in_memory::...` and `store::on_redis::...`.
macro_rules! contract_tests {
    ($($scenario:ident),* $(,)?) => {
        mod in_memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $scenario() {
                    super::contract::$scenario(std::sync::Arc::new(super::MemoryStore::new())).await;
                }
            )*
        }

        mod on_redis {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $scenario() {
                    let Some(namespace) = super::Namespace::new(stringify!($scenario)) else {
                        return;
                    };
                    let store = namespace.store().await;
                    super::contract::$scenario(std::sync::Arc::new(store)).await;
                    namespace.finish().await;
                }
            )*
        }
    };
}

contract_tests!(
    incr_counts_within_the_window_of_the_first_call,
    fifty_concurrent_increments_count_fifty,
    admit_lets_a_burst_through_then_says_when,
    of_fifty_concurrent_admissions_exactly_the_burst_pass,
    get_set_overwrite_delete,
    values_and_keys_are_kept_verbatim,
    set_if_absent_sets_once,
    compare_and_swap_replaces_the_expected_value,
    compare_and_swap_fails_on_a_wrong_value,
    compare_and_swap_fails_on_an_absent_key,
    of_fifty_concurrent_swaps_exactly_one_wins,
    of_fifty_concurrent_nonces_exactly_one_is_set,
);

// ---------------------------------------------------------------------------------------------
// Memory only

#[tokio::test]
async fn memory_entries_expire_when_the_clock_passes_their_ttl() {
    let clock = ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let store = MemoryStore::with_clock(clock.clone());
    store
        .set("set", "v", Duration::from_secs(10))
        .await
        .unwrap();
    assert!(
        store
            .set_if_absent("nonce", "v", Duration::from_secs(5))
            .await
            .unwrap()
    );
    store
        .set("swapped", "a", Duration::from_secs(5))
        .await
        .unwrap();
    assert!(
        store
            .compare_and_swap("swapped", "a", "b", Duration::from_secs(20))
            .await
            .unwrap()
    );

    clock.advance(Duration::from_millis(4999));
    assert!(!store.set_if_absent("nonce", "again", TTL).await.unwrap());
    clock.advance(Duration::from_millis(1));
    assert_eq!(store.get("nonce").await.unwrap(), None);
    assert_eq!(store.get("set").await.unwrap().as_deref(), Some("v"));
    // The swap gave its entry a new lifetime.
    assert_eq!(store.get("swapped").await.unwrap().as_deref(), Some("b"));

    clock.advance(Duration::from_secs(5));
    assert_eq!(store.get("set").await.unwrap(), None);
    clock.advance(Duration::from_secs(10));
    assert_eq!(store.get("swapped").await.unwrap(), None);

    // Expired entries are absent for every operation.
    assert!(
        !store
            .compare_and_swap("swapped", "b", "c", TTL)
            .await
            .unwrap()
    );
    assert!(store.set_if_absent("nonce", "again", TTL).await.unwrap());
    assert_eq!(store.get("nonce").await.unwrap().as_deref(), Some("again"));
}

#[tokio::test]
async fn the_memory_store_is_shared_through_arc_dyn_store() {
    let store: Arc<dyn Store> = store::connect(None, "ignored").await.unwrap();
    let clone = store.clone();
    store.set("k", "v", TTL).await.unwrap();
    assert_eq!(clone.get("k").await.unwrap().as_deref(), Some("v"));
}

// ---------------------------------------------------------------------------------------------
// Redis only

/// A namespace of one test's own on the test Redis; [`finish`](Self::finish) deletes its keys
/// (a failed test leaves them to expire: every test key has a TTL).
pub(crate) struct Namespace {
    url: String,
    name: String,
}

impl Namespace {
    /// `None`, after saying so, when no test Redis is configured.
    pub(crate) fn new(test: &str) -> Option<Self> {
        let url = crate::common::service_url("WARDEN_TEST_REDIS_URL", test)?;
        let mut random = [0u8; 8];
        getrandom::fill(&mut random).unwrap();
        let suffix: String = random.iter().map(|b| format!("{b:02x}")).collect();
        Some(Self {
            url,
            name: format!("warden-test:{test}:{suffix}"),
        })
    }

    pub(crate) async fn store(&self) -> RedisStore {
        RedisStore::connect(&self.url, &self.name).await.unwrap()
    }

    /// A plain connection, to look at keys as Redis holds them.
    async fn raw(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.url.as_str())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap()
    }

    async fn pttl(&self, key: &str) -> i64 {
        self.raw()
            .await
            .pttl(format!("{}:{key}", self.name))
            .await
            .unwrap()
    }

    async fn keys(&self) -> Vec<String> {
        let mut raw = self.raw().await;
        let pattern = format!("{}:*", self.name);
        let mut keys = Vec::new();
        let mut iter: redis::AsyncIter<'_, String> = raw.scan_match(pattern).await.unwrap();
        while let Some(key) = iter.next_item().await {
            keys.push(key.unwrap());
        }
        keys
    }

    pub(crate) async fn finish(self) {
        let keys = self.keys().await;
        if !keys.is_empty() {
            let _: () = self.raw().await.del(keys).await.unwrap();
        }
        assert!(self.keys().await.is_empty());
    }
}

fn assert_within(limit: Duration, started: Instant) {
    let took = started.elapsed();
    assert!(took < limit, "took {took:?}, limit {limit:?}");
}

#[tokio::test]
async fn redis_writes_carry_their_ttl_in_milliseconds() {
    let Some(ns) = Namespace::new("redis_writes_carry_their_ttl_in_milliseconds") else {
        return;
    };
    let store = ns.store().await;
    let in_range = |pttl: i64, ttl: i64| pttl > ttl - 5_000 && pttl <= ttl;

    store
        .set("set", "v", Duration::from_secs(60))
        .await
        .unwrap();
    assert!(
        in_range(ns.pttl("set").await, 60_000),
        "{}",
        ns.pttl("set").await
    );

    assert!(
        store
            .set_if_absent("nonce", "v", Duration::from_secs(30))
            .await
            .unwrap()
    );
    assert!(in_range(ns.pttl("nonce").await, 30_000));
    // A refused nonce leaves the existing lifetime alone.
    assert!(
        !store
            .set_if_absent("nonce", "v", Duration::from_secs(600))
            .await
            .unwrap()
    );
    assert!(in_range(ns.pttl("nonce").await, 30_000));

    assert!(
        store
            .compare_and_swap("set", "v", "w", Duration::from_secs(90))
            .await
            .unwrap()
    );
    assert!(in_range(ns.pttl("set").await, 90_000));
    assert!(
        !store
            .compare_and_swap("set", "v", "x", Duration::from_secs(900))
            .await
            .unwrap()
    );
    assert!(in_range(ns.pttl("set").await, 90_000));

    // Milliseconds, not seconds: 1.5 s stays 1.5 s.
    store
        .set("short", "v", Duration::from_millis(1500))
        .await
        .unwrap();
    assert!(
        in_range(ns.pttl("short").await, 1500),
        "{}",
        ns.pttl("short").await
    );
    // A zero TTL still sets an expiry (of one millisecond): gone, or about to be.
    store.set("zero", "v", Duration::ZERO).await.unwrap();
    assert!(
        matches!(ns.pttl("zero").await, -2..=1),
        "{}",
        ns.pttl("zero").await
    );

    ns.finish().await;
}

#[tokio::test]
async fn redis_entries_expire() {
    let Some(ns) = Namespace::new("redis_entries_expire") else {
        return;
    };
    let store = ns.store().await;
    let ttl = Duration::from_millis(300);
    store.set("set", "v", ttl).await.unwrap();
    assert!(store.set_if_absent("nonce", "v", ttl).await.unwrap());
    tokio::time::sleep(Duration::from_millis(400)).await;

    assert_eq!(store.get("set").await.unwrap(), None);
    assert!(!store.compare_and_swap("set", "v", "w", TTL).await.unwrap());
    assert!(store.set_if_absent("nonce", "again", TTL).await.unwrap());
    ns.finish().await;
}

#[tokio::test]
async fn redis_namespaces_keep_applications_apart() {
    let (Some(one), Some(two)) = (
        Namespace::new("redis_namespaces_keep_applications_apart"),
        Namespace::new("redis_namespaces_keep_applications_apart"),
    ) else {
        return;
    };
    let (a, b) = (one.store().await, two.store().await);
    a.set("user:calvin", "a", TTL).await.unwrap();
    b.set("user:calvin", "b", TTL).await.unwrap();
    assert_eq!(a.get("user:calvin").await.unwrap().as_deref(), Some("a"));
    assert_eq!(b.get("user:calvin").await.unwrap().as_deref(), Some("b"));
    assert!(a.set_if_absent("nonce", "a", TTL).await.unwrap());
    assert!(b.set_if_absent("nonce", "b", TTL).await.unwrap());

    a.delete("user:calvin").await.unwrap();
    assert_eq!(a.get("user:calvin").await.unwrap(), None);
    assert_eq!(b.get("user:calvin").await.unwrap().as_deref(), Some("b"));

    // In Redis, a key is the namespace, a colon, and the store's key.
    assert_eq!(a.prefix(), format!("{}:", one.name));
    let raw: Option<String> = two
        .raw()
        .await
        .get(format!("{}:user:calvin", two.name))
        .await
        .unwrap();
    assert_eq!(raw.as_deref(), Some("b"));
    assert_eq!(one.keys().await, [format!("{}:nonce", one.name)]);

    // A namespace that already ends with a colon is the same namespace.
    let same = RedisStore::connect(&one.url, &format!("{}:", one.name))
        .await
        .unwrap();
    assert_eq!(same.get("nonce").await.unwrap().as_deref(), Some("a"));

    one.finish().await;
    two.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_two_processes_see_each_others_writes_at_once() {
    let Some(ns) = Namespace::new("redis_two_processes_see_each_others_writes_at_once") else {
        return;
    };
    // Two stores with their own connections, as two warden processes would have.
    let (one, two) = (ns.store().await, ns.store().await);

    one.set("revoked:jti-1", "1", TTL).await.unwrap();
    assert_eq!(
        two.get("revoked:jti-1").await.unwrap().as_deref(),
        Some("1")
    );
    two.delete("revoked:jti-1").await.unwrap();
    assert_eq!(one.get("revoked:jti-1").await.unwrap(), None);

    assert!(two.set_if_absent("nonce", "two", TTL).await.unwrap());
    assert!(!one.set_if_absent("nonce", "one", TTL).await.unwrap());

    // Rotation raced from both processes: still exactly one winner.
    one.set("family", "gen-1", TTL).await.unwrap();
    let stores = [Arc::new(one), Arc::new(two)];
    let winners = race(50, |i| {
        let store = stores[i % 2].clone();
        async move {
            store
                .compare_and_swap("family", "gen-1", &format!("gen-2-by-{i}"), TTL)
                .await
                .unwrap()
        }
    })
    .await;
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    let value = format!("gen-2-by-{}", winners[0]);
    assert_eq!(
        stores[1 - winners[0] % 2].get("family").await.unwrap(),
        Some(value)
    );

    ns.finish().await;
}

#[tokio::test]
async fn redis_values_the_store_cannot_read_are_500s_not_503s() {
    let Some(ns) = Namespace::new("redis_values_the_store_cannot_read_are_500s") else {
        return;
    };
    let store = ns.store().await;
    let mut raw = ns.raw().await;
    let _: () = raw
        .set(format!("{}:bytes", ns.name), &[0xff_u8, 0xfe][..])
        .await
        .unwrap();
    let _: () = raw
        .hset(format!("{}:hash", ns.name), "field", "value")
        .await
        .unwrap();
    let _: () = raw.expire(format!("{}:hash", ns.name), 60).await.unwrap();
    let _: () = raw.expire(format!("{}:bytes", ns.name), 60).await.unwrap();

    for key in ["bytes", "hash"] {
        let err = store.get(key).await.unwrap_err();
        assert_eq!(
            err.status(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "{key}: {err}"
        );
    }
    // Still a working store.
    store.delete("hash").await.unwrap();
    assert_eq!(store.get("hash").await.unwrap(), None);
    ns.finish().await;
}

// ---------------------------------------------------------------------------------------------
// Failing closed

#[tokio::test]
async fn an_unreachable_redis_at_start_is_a_store_that_503s_promptly() {
    for url in ["redis://127.0.0.1:1", "redis://127.0.0.1:1/0"] {
        let started = Instant::now();
        // Redis may come up after warden: starting is not refused.
        let store = store::connect(Some(url), "warden:test").await.unwrap();
        assert_within(Duration::from_secs(2), started);
        for _ in 0..3 {
            let started = Instant::now();
            let err = store.get("k").await.unwrap_err();
            assert_within(Duration::from_secs(2), started);
            assert_eq!(err.status(), StatusCode::SERVICE_UNAVAILABLE, "{err}");
            assert!(
                err.headers()
                    .any(|(name, _)| name == http::header::RETRY_AFTER)
            );
            assert!(err.to_string().contains("127.0.0.1:1"), "{err}");
        }
    }
}

#[tokio::test]
async fn a_bad_redis_url_fails_at_once_without_showing_its_password() {
    for url in [
        "redis://:hunter2@127.0.0.1:notaport",
        "redis://:hunter2@[::1",
    ] {
        let started = Instant::now();
        let err = store::connect(Some(url), "warden:test")
            .await
            .err()
            .unwrap();
        assert_within(Duration::from_millis(100), started);
        assert!(err.message().contains("invalid Redis URL"), "{err}");
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }
}

#[tokio::test]
async fn a_redis_that_accepts_but_never_answers_is_a_503_after_the_timeout() {
    // No Redis needed: a listener that never says a word.
    let proxy = Proxy::start(None).await;
    proxy.set(Mode::Stalled).await;
    let started = Instant::now();
    let options = RedisOptions::default().timeout(Duration::from_millis(300));
    let store = RedisStore::connect_with(&proxy.url(), "warden:test", options)
        .await
        .unwrap();
    assert_within(Duration::from_secs(2), started);
    let started = Instant::now();
    let err = store.get("k").await.unwrap_err();
    assert_within(Duration::from_secs(2), started);
    assert_eq!(err.status(), StatusCode::SERVICE_UNAVAILABLE, "{err}");
    assert!(err.to_string().contains("no answer within 300ms"), "{err}");
}

#[tokio::test]
async fn a_redis_that_refuses_the_credentials_fails_at_start() {
    let Some(ns) = Namespace::new("a_redis_that_refuses_the_credentials_fails_at_start") else {
        return;
    };
    // A user that does not exist: Redis answers, and says no.
    let (scheme, rest) = ns.url.split_once("://").unwrap();
    let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    let url = format!("{scheme}://warden-nobody:hunter2@{host}");
    let started = Instant::now();
    let err = store::connect(Some(&url), &ns.name).await.err().unwrap();
    assert_within(Duration::from_secs(2), started);
    assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR, "{err}");
    assert!(err.message().contains("refused"), "{err}");
    assert!(!err.to_string().contains("hunter2"), "{err}");
}

#[tokio::test]
async fn redis_down_at_start_is_used_as_soon_as_it_comes_up() {
    let Some(ns) = Namespace::new("redis_down_at_start_is_used_as_soon_as_it_comes_up") else {
        return;
    };
    let proxy = Proxy::start(Some(&ns.url)).await;
    proxy.set(Mode::Down).await;
    let options = RedisOptions::default().timeout(Duration::from_millis(500));
    let store = RedisStore::connect_with(&proxy.url(), &ns.name, options)
        .await
        .unwrap();
    assert_every_operation_fails_closed(&store, Duration::from_secs(1)).await;
    tokio::time::sleep(Duration::from_millis(100)).await;

    proxy.set(Mode::Up).await;
    // The first operation after Redis is up already succeeds, without a new store.
    assert!(store.set_if_absent("n", "v", TTL).await.unwrap());
    store.set("k", "v", TTL).await.unwrap();
    assert!(store.compare_and_swap("k", "v", "w", TTL).await.unwrap());
    assert_eq!(store.get("k").await.unwrap().as_deref(), Some("w"));
    ns.finish().await;
}

/// Every operation fails with a prompt 503 on `store`.
async fn assert_every_operation_fails_closed(store: &RedisStore, limit: Duration) {
    let ops: [(&str, BoxFuture<'_, warden::Result<()>>); 5] = [
        ("get", Box::pin(async { store.get("k").await.map(drop) })),
        ("set", store.set("k", "v", TTL)),
        (
            "set_if_absent",
            Box::pin(async { store.set_if_absent("n", "v", TTL).await.map(drop) }),
        ),
        (
            "compare_and_swap",
            Box::pin(async { store.compare_and_swap("k", "v", "w", TTL).await.map(drop) }),
        ),
        ("delete", store.delete("k")),
    ];
    for (name, op) in ops {
        let started = Instant::now();
        let err = op.await.expect_err(name);
        assert_within(limit, started);
        assert_eq!(
            err.status(),
            StatusCode::SERVICE_UNAVAILABLE,
            "{name}: {err}"
        );
    }
}

#[tokio::test]
async fn redis_going_down_fails_closed_and_the_store_recovers_when_it_is_back() {
    let Some(ns) = Namespace::new("redis_going_down_fails_closed_and_recovers") else {
        return;
    };
    let proxy = Proxy::start(Some(&ns.url)).await;
    let options = RedisOptions::default().timeout(Duration::from_millis(500));
    let store = RedisStore::connect_with(&proxy.url(), &ns.name, options)
        .await
        .unwrap();
    store.set("k", "v", TTL).await.unwrap();

    proxy.set(Mode::Down).await;
    assert_every_operation_fails_closed(&store, Duration::from_secs(1)).await;
    assert_every_operation_fails_closed(&store, Duration::from_secs(1)).await;
    // Redis stays down a while without traffic: the manager's last reconnection attempt fails.
    tokio::time::sleep(Duration::from_millis(100)).await;

    proxy.set(Mode::Up).await;
    // The first request after Redis is back already succeeds, nonces and swaps included.
    assert!(store.set_if_absent("n", "v", TTL).await.unwrap());
    assert!(store.compare_and_swap("k", "v", "w", TTL).await.unwrap());
    assert_eq!(store.get("k").await.unwrap().as_deref(), Some("w"));
    ns.finish().await;
}

#[tokio::test]
async fn redis_stalling_fails_closed_within_the_timeout_and_the_store_recovers() {
    let Some(ns) = Namespace::new("redis_stalling_fails_closed_and_recovers") else {
        return;
    };
    let proxy = Proxy::start(Some(&ns.url)).await;
    let options = RedisOptions::default().timeout(Duration::from_millis(300));
    let store = RedisStore::connect_with(&proxy.url(), &ns.name, options)
        .await
        .unwrap();
    store.set("k", "v", TTL).await.unwrap();

    proxy.set(Mode::Stalled).await;
    assert_every_operation_fails_closed(&store, Duration::from_secs(1)).await;
    // Many requests at once while stalled: all fail within the timeout, none hangs.
    let started = Instant::now();
    let waits = (0..20).map(|_| store.get("k"));
    for result in futures_util::future::join_all(waits).await {
        assert_eq!(
            result.unwrap_err().status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
    }
    assert_within(Duration::from_secs(1), started);

    // Redis answers again (here: on a new connection, the stalled one is closed).
    proxy.set(Mode::Up).await;
    assert_eq!(store.get("k").await.unwrap().as_deref(), Some("v"));
    assert!(store.compare_and_swap("k", "v", "w", TTL).await.unwrap());
    ns.finish().await;
}

// ---------------------------------------------------------------------------------------------
// A TCP proxy in front of Redis that the tests switch off, stall and switch back on.

#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    /// Forwards to Redis.
    Up,
    /// Nothing listens: connections are refused, open ones are closed.
    Down,
    /// Connections are accepted and kept open, but nothing is forwarded either way.
    Stalled,
}

struct Proxy {
    address: std::net::SocketAddr,
    mode: watch::Sender<Mode>,
    upstream: Option<String>,
    /// The accepting task, while there is one.
    listener: Mutex<Option<JoinHandle<()>>>,
    /// The forwarding tasks, one per connection.
    forwards: Arc<Mutex<Vec<JoinHandle<()>>>>,
    /// Connections held open without an answer.
    stalled: Arc<Mutex<Vec<TcpStream>>>,
}

impl Proxy {
    /// A proxy to the Redis at `upstream` (`None`: no Redis behind it, only good for `Stalled`).
    async fn start(upstream: Option<&str>) -> Self {
        let upstream = upstream.map(|url| {
            let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
            let authority = rest.split(['/', '?']).next().unwrap();
            let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            if host_port.contains(':') {
                host_port.to_owned()
            } else {
                format!("{host_port}:6379")
            }
        });
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = Self {
            address: listener.local_addr().unwrap(),
            mode: watch::channel(Mode::Up).0,
            upstream,
            listener: Mutex::new(None),
            forwards: Arc::default(),
            stalled: Arc::default(),
        };
        proxy.serve(listener);
        proxy
    }

    /// The URL of the Redis behind the proxy, as seen through it (same credentials and db).
    fn url(&self) -> String {
        let address = self.address;
        match std::env::var("WARDEN_TEST_REDIS_URL").ok() {
            Some(url) if self.upstream.is_some() => {
                let (scheme, rest) = url.split_once("://").unwrap();
                let (authority, path) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
                match authority.rsplit_once('@') {
                    Some((userinfo, _)) => format!("{scheme}://{userinfo}@{address}{path}"),
                    None => format!("{scheme}://{address}{path}"),
                }
            }
            _ => format!("redis://{address}"),
        }
    }

    fn serve(&self, listener: TcpListener) {
        let mode = self.mode.subscribe();
        let upstream = self.upstream.clone();
        let (forwards, stalled) = (self.forwards.clone(), self.stalled.clone());
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let upstream = match (*mode.borrow(), &upstream) {
                    (Mode::Up, Some(upstream)) => upstream.clone(),
                    _ => {
                        stalled.lock().unwrap().push(client);
                        continue;
                    }
                };
                let task = tokio::spawn(forward(client, upstream, mode.clone(), stalled.clone()));
                forwards.lock().unwrap().push(task);
            }
        });
        *self.listener.lock().unwrap() = Some(task);
    }

    /// Switches mode; when this returns, no connection forwards unless the mode is `Up`.
    async fn set(&self, mode: Mode) {
        let before = self.mode.send_replace(mode);
        if mode != Mode::Up {
            let forwards = std::mem::take(&mut *self.forwards.lock().unwrap());
            for task in forwards {
                let _ = task.await;
            }
        }
        if mode != Mode::Stalled {
            self.stalled.lock().unwrap().clear();
        }
        if mode == Mode::Down {
            let listener = self.listener.lock().unwrap().take();
            if let Some(task) = listener {
                task.abort();
                // The listener is closed once the aborted task is gone.
                let _ = task.await;
            }
        } else if before == Mode::Down {
            let std = std::net::TcpListener::bind(self.address).unwrap();
            std.set_nonblocking(true).unwrap();
            self.serve(TcpListener::from_std(std).unwrap());
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(task) = self.listener.lock().unwrap().take() {
            task.abort();
        }
        for task in self.forwards.lock().unwrap().drain(..) {
            task.abort();
        }
    }
}

/// Forwards one connection while the proxy is up; closes it when the proxy goes down, parks it
/// when the proxy stalls.
async fn forward(
    mut client: TcpStream,
    upstream: String,
    mut mode: watch::Receiver<Mode>,
    stalled: Arc<Mutex<Vec<TcpStream>>>,
) {
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        return;
    };
    let outcome = tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => None,
        now = mode.wait_for(|mode| *mode != Mode::Up) => now.ok().map(|mode| *mode),
    };
    if outcome == Some(Mode::Stalled) {
        stalled.lock().unwrap().push(client);
    }
}
