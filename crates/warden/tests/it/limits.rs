//! Rate limits (per client IP, per route and tag, per user) and login throttling (per account
//! and IP pair, per IP, per account), in memory and shared through Redis, and what happens when
//! the store is down.
//!
//! The in-process client's peer is 127.0.0.1: as in guards.rs, loopback is a trusted proxy and
//! `X-Forwarded-For` says which client a request comes from.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use warden::api_keys::MemoryApiKeys;
use warden::store::{RedisOptions, RedisStore, Store};
use warden::{App, Auth, ClientIp, CurrentUser, LimitSettings, Open, Rate, Routes, Settings, get};
use warden_test::{Client, RequestBuilder, TestResponse};

use crate::common::{CountingHasher, ErrorBody, client, settings, users};
use crate::store::Namespace;

async fn ok() -> &'static str {
    "ok"
}

fn routes() -> Routes<()> {
    Routes::new()
        .route(
            "/ip",
            get(Open, |ip: ClientIp| async move { ip.to_string() }),
        )
        .route(
            "/whoami",
            get(Auth, |user: CurrentUser| async move { user.to_string() }),
        )
        .route("/login", get(Auth.tag("login"), ok))
        .route("/once", get(Open.limit(Rate::per_minute(1)), ok))
}

/// The test settings, loopback trusted as a proxy.
fn limited(limits: LimitSettings) -> Settings {
    let mut settings = settings();
    settings.server.trusted_proxies = vec!["127.0.0.0/8".to_owned()];
    settings.limits = limits;
    settings
}

struct Fixture {
    client: Client,
    hasher: CountingHasher,
}

fn app_on(settings: Settings, store: Option<Arc<dyn Store>>) -> Fixture {
    let hasher = CountingHasher::default();
    let mut builder = App::builder(settings)
        .directory(users())
        .hasher(hasher.clone())
        .api_keys(MemoryApiKeys::new())
        .routes(routes());
    if let Some(store) = store {
        builder = builder.store(store);
    }
    Fixture {
        client: client(builder.build().unwrap().router()),
        hasher,
    }
}

fn app(limits: LimitSettings) -> Fixture {
    app_on(limited(limits), None)
}

fn from(request: RequestBuilder, ip: &str) -> RequestBuilder {
    request.header("x-forwarded-for", ip)
}

/// `GET /whoami` as `login` with `password`, from `ip`.
fn login(f: &Fixture, login: &str, password: &str, ip: &str) -> RequestBuilder {
    from(f.client.get("/whoami").basic_auth(login, password), ip)
}

/// A 429 says when to come back, in whole seconds within `max`, with the usual JSON body.
#[track_caller]
fn assert_throttled(reply: &TestResponse, max: u64) {
    assert_eq!(reply.status(), 429, "{:?}", reply.bytes());
    let wait: u64 = reply.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=max).contains(&wait), "Retry-After: {wait}");
    assert_eq!(reply.json_value(), json!({"error": "too many requests"}));
}

fn rates(ip: Option<&str>, user: Option<&str>) -> LimitSettings {
    LimitSettings {
        ip: ip.map(|r| r.parse().unwrap()),
        user: user.map(|r| r.parse().unwrap()),
        ..LimitSettings::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Rate limits

#[tokio::test]
async fn the_per_ip_limit_answers_429_with_retry_after_before_routing() {
    let f = app(rates(Some("2/m"), None));
    from(f.client.get("/ip"), "203.0.113.1").expect(200).await;
    from(f.client.get("/nowhere"), "203.0.113.1")
        .expect(404)
        .await;
    for path in ["/ip", "/nowhere", "/whoami"] {
        let refused = from(f.client.get(path), "203.0.113.1").send().await;
        assert_throttled(&refused, 30);
    }
    // Another client has its own allowance; an IPv6 client's is its /64 network's.
    from(f.client.get("/ip"), "203.0.113.2").expect(200).await;
    from(f.client.get("/ip"), "2001:db8:1:2::1")
        .expect(200)
        .await;
    from(f.client.get("/ip"), "2001:db8:1:2::ffff")
        .expect(200)
        .await;
    let refused = from(f.client.get("/ip"), "2001:db8:1:2:aaaa::7")
        .send()
        .await;
    assert_throttled(&refused, 30);
    from(f.client.get("/ip"), "2001:db8:1:3::1")
        .expect(200)
        .await;
}

#[tokio::test]
async fn route_and_tag_limits_refuse_before_authentication_pays_a_hash() {
    let mut limits = LimitSettings::default();
    limits
        .tags
        .insert("login".to_owned(), "2/m".parse().unwrap());
    let f = app(limits);
    for _ in 0..2 {
        login_route(&f, "wrong", "203.0.113.1").expect(401).await;
    }
    let refused = login_route(&f, "hobbes", "203.0.113.1").send().await;
    assert_throttled(&refused, 30);
    assert_eq!(f.hasher.count(), 2, "the refused attempt was not checked");
    login_route(&f, "susie", "203.0.113.2").expect(200).await;

    // The route's own limit, declared with it.
    from(f.client.get("/once"), "203.0.113.1").expect(200).await;
    let refused = from(f.client.get("/once"), "203.0.113.1").send().await;
    assert_throttled(&refused, 60);
    from(f.client.get("/once"), "203.0.113.2").expect(200).await;
    // Routes without limits are not affected.
    from(f.client.get("/ip"), "203.0.113.1").expect(200).await;
}

fn login_route(f: &Fixture, password: &str, ip: &str) -> RequestBuilder {
    from(f.client.get("/login").basic_auth("hobbes", password), ip)
}

#[tokio::test]
async fn the_per_user_limit_counts_a_user_from_every_ip_after_authentication() {
    let f = app(rates(None, Some("2/m")));
    login(&f, "hobbes", "susie", "203.0.113.1")
        .expect(200)
        .await;
    // Failed authentication does not spend the user's allowance.
    login(&f, "hobbes", "wrong", "203.0.113.9")
        .expect(401)
        .await;
    login(&f, "hobbes", "susie", "203.0.113.2")
        .expect(200)
        .await;
    let refused = login(&f, "hobbes", "susie", "203.0.113.3").send().await;
    assert_throttled(&refused, 30);
    login(&f, "calvin", "hobbes", "203.0.113.3")
        .expect(200)
        .await;
    // Anonymous requests to open routes are not per-user limited.
    for _ in 0..3 {
        from(f.client.get("/ip"), "203.0.113.1").expect(200).await;
    }
}

#[tokio::test]
async fn limits_naming_no_route_or_tag_and_nonsensical_settings_fail_the_build() {
    let mut limits = LimitSettings::default();
    limits
        .routes
        .insert("GET /who-am-i".to_owned(), Rate::per_second(1));
    limits
        .routes
        .insert("GET /whoami".to_owned(), Rate::per_second(1));
    limits.tags.insert("logn".to_owned(), Rate::per_second(1));
    limits.login.account_failures = 500;
    limits.login.pair_failures = 0;
    let err = App::builder(limited(limits))
        .routes(routes())
        .build()
        .unwrap_err()
        .to_string();
    assert!(err.contains("no route \"GET /who-am-i\""), "{err}");
    assert!(!err.contains("\"GET /whoami\""), "{err}");
    assert!(err.contains("no route carries the tag \"logn\""), "{err}");
    assert!(err.contains("at most 100"), "{err}");
    assert!(err.contains("limits.login.pair_failures"), "{err}");

    for bad in [
        json!({"ip": "0/s"}),
        json!({"user": "10 per second"}),
        json!({"tags": {"x": "5/s burst 0"}}),
    ] {
        assert!(
            serde_json::from_value::<LimitSettings>(bad.clone()).is_err(),
            "{bad}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Login throttling (defaults: 10 per account and IP, 100 per IP, 100 per account)

#[tokio::test]
async fn the_victim_logs_in_from_their_ip_while_an_attacker_fails_on_their_account() {
    let f = app(LimitSettings::default());
    let attacker = "198.51.100.66";
    for i in 0..10 {
        login(&f, "hobbes", &format!("guess-{i}"), attacker)
            .expect(401)
            .await;
    }
    // Past the pair's limit even the right password is refused unchecked.
    let checked = f.hasher.count();
    for password in ["guess-10", "susie"] {
        let refused = login(&f, "hobbes", password, attacker).send().await;
        assert_throttled(&refused, 15 * 60);
    }
    assert_eq!(f.hasher.count(), checked);
    // The attacker's IP may still log in to its own account; the victim logs in from theirs.
    login(&f, "susie", "derkins", attacker).expect(200).await;
    login(&f, "hobbes", "susie", "203.0.113.5")
        .expect(200)
        .await;
}

#[tokio::test]
async fn throttled_answers_do_not_tell_whether_the_account_exists() {
    let f = app(LimitSettings::default());
    let mut answers = Vec::new();
    for account in ["hobbes", "nobody"] {
        for i in 0..10 {
            login(&f, account, &format!("guess-{i}"), "198.51.100.7")
                .expect(401)
                .await;
        }
        let refused = login(&f, account, "guess", "198.51.100.7").send().await;
        assert_throttled(&refused, 15 * 60);
        answers.push((
            refused.header("retry-after").map(str::to_owned),
            refused.error(),
        ));
    }
    assert_eq!(answers[0], answers[1]);
}

#[tokio::test]
async fn logins_differing_in_case_or_width_count_as_one_account() {
    let f = app(LimitSettings::default());
    for (i, spelling) in ["Hobbes", "HOBBES", "ｈｏｂｂｅｓ", "ＨＯＢＢＥＳ", "hobbes"]
        .iter()
        .cycle()
        .take(10)
        .enumerate()
    {
        login(&f, spelling, &format!("guess-{i}"), "198.51.100.8")
            .expect(401)
            .await;
    }
    let refused = login(&f, "hobbes", "susie", "198.51.100.8").send().await;
    assert_throttled(&refused, 15 * 60);
}

/// A client that starts with a burst of requests, all with the right password, is not
/// throttled: identical attempts from one client are one attempt, checked once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_right_passwords_from_one_client_is_one_attempt() {
    let f = app(LimitSettings::default());
    let requests: Vec<_> = (0..40)
        .map(|_| tokio::spawn(login(&f, "hobbes", "susie", "203.0.113.5").send()))
        .collect();
    for request in requests {
        assert_eq!(request.await.unwrap().status(), 200);
    }
    assert_eq!(f.hasher.count(), 1);
}

#[tokio::test]
async fn a_success_resets_the_pairs_count() {
    let f = app(LimitSettings::default());
    let ip = "203.0.113.5";
    for i in 0..9 {
        login(&f, "hobbes", &format!("typo-{i}"), ip)
            .expect(401)
            .await;
    }
    login(&f, "hobbes", "susie", ip).expect(200).await;
    for i in 0..10 {
        login(&f, "hobbes", &format!("typo-{i}"), ip)
            .expect(401)
            .await;
    }
    let refused = login(&f, "hobbes", "typo", ip).send().await;
    assert_throttled(&refused, 15 * 60);
}

#[tokio::test]
async fn an_account_sees_at_most_100_failures_then_only_ips_it_logged_in_from_may_try() {
    let f = app(LimitSettings::default());
    let home = "203.0.113.5";
    login(&f, "hobbes", "susie", home).expect(200).await;
    // 100 failures from 25 addresses, 4 each: under every per-IP limit.
    for i in 0..100 {
        let ip = format!("198.51.100.{}", i / 4);
        login(&f, "hobbes", &format!("guess-{i}"), &ip)
            .expect(401)
            .await;
    }
    assert_eq!(f.hasher.count(), 101);
    // The 101st failure is not checked, from anywhere new, whatever the password.
    for (password, ip) in [("guess", "198.51.100.200"), ("susie", "192.0.2.1")] {
        let refused = login(&f, "hobbes", password, ip).send().await;
        assert_throttled(&refused, 15 * 60);
    }
    assert_eq!(f.hasher.count(), 101);
    // Other accounts are not affected, and the owner, from home, logs in.
    login(&f, "susie", "derkins", "198.51.100.200")
        .expect(200)
        .await;
    login(&f, "hobbes", "susie", home).expect(200).await;
}

#[tokio::test]
async fn failed_api_key_exchanges_are_throttled_per_account_and_ip() {
    let f = app(LimitSettings::default());
    let exchange = |user: &str, ip: &str| {
        from(
            f.client
                .post("/keys/token")
                .json(&json!({"user": user, "key": "wk_nope.c2VjcmV0"})),
            ip,
        )
    };
    for _ in 0..10 {
        exchange("hobbes", "198.51.100.9").expect(401).await;
    }
    let refused = exchange("HOBBES", "198.51.100.9").send().await;
    assert_throttled(&refused, 15 * 60);
    exchange("hobbes", "198.51.100.10").expect(401).await;
}

/// 60 wrong passwords at once from one IP, under a pair limit of 50: exactly 50 are checked
/// (and answered 401), the other 10 are refused unchecked, and the count stays at 50.
async fn fifty_parallel_failures_are_counted_exactly(store: Option<Arc<dyn Store>>) {
    let mut limits = LimitSettings::default();
    limits.login.pair_failures = 50;
    let f = app_on(limited(limits), store);
    let attempts: Vec<_> = (0..60)
        .map(|i| tokio::spawn(login(&f, "hobbes", &format!("guess-{i}"), "198.51.100.50").send()))
        .collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.unwrap().status().as_u16());
    }
    let unauthorized = statuses.iter().filter(|s| **s == 401).count();
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((unauthorized, throttled), (50, 10), "{statuses:?}");
    assert_eq!(f.hasher.count(), 50);
    let refused = login(&f, "hobbes", "susie", "198.51.100.50").send().await;
    assert_throttled(&refused, 15 * 60);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_parallel_failures_are_counted_exactly_in_memory() {
    fifty_parallel_failures_are_counted_exactly(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_parallel_failures_are_counted_exactly_on_redis() {
    let Some(ns) = Namespace::new("fifty_parallel_failures_are_counted_exactly_on_redis") else {
        return;
    };
    fifty_parallel_failures_are_counted_exactly(Some(Arc::new(ns.store().await))).await;
    ns.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_redis_share_their_counters() {
    let Some(ns) = Namespace::new("two_instances_on_one_redis_share_their_counters") else {
        return;
    };
    let limits = rates(Some("3/m"), None);
    let a = app_on(limited(limits.clone()), Some(Arc::new(ns.store().await)));
    let b = app_on(limited(limits), Some(Arc::new(ns.store().await)));

    // The per-IP limit: three requests in all, wherever they land.
    from(a.client.get("/ip"), "203.0.113.1").expect(200).await;
    from(b.client.get("/ip"), "203.0.113.1").expect(200).await;
    from(a.client.get("/ip"), "203.0.113.1").expect(200).await;
    assert_throttled(&from(b.client.get("/ip"), "203.0.113.1").send().await, 20);

    // Login failures: ten for the pair, wherever they land; then both refuse.
    let a = app_on(
        limited(LimitSettings::default()),
        Some(Arc::new(ns.store().await)),
    );
    let b = app_on(
        limited(LimitSettings::default()),
        Some(Arc::new(ns.store().await)),
    );
    for i in 0..10 {
        let instance = if i % 2 == 0 { &a } else { &b };
        login(instance, "hobbes", &format!("guess-{i}"), "198.51.100.99")
            .expect(401)
            .await;
    }
    for instance in [&a, &b] {
        let refused = login(instance, "hobbes", "susie", "198.51.100.99")
            .send()
            .await;
        assert_throttled(&refused, 15 * 60);
    }
    // A success on one resets the pair for both.
    login(&a, "hobbes", "susie", "203.0.113.5")
        .expect(200)
        .await;
    login(&b, "hobbes", "susie", "203.0.113.5")
        .expect(200)
        .await;
    ns.finish().await;
}

#[tokio::test]
async fn when_the_store_is_down_logins_fail_closed_and_open_reads_go_on() {
    let store = RedisStore::connect_with(
        "redis://127.0.0.1:1",
        "warden-test:down",
        RedisOptions::default().timeout(Duration::from_millis(200)),
    )
    .await
    .unwrap();
    let f = app_on(limited(rates(Some("100/s"), None)), Some(Arc::new(store)));
    // The rate limit lets requests through when it cannot count them,
    let open = from(f.client.get("/ip"), "203.0.113.1").expect(200).await;
    assert_eq!(open.text(), "203.0.113.1");
    // while a login is refused unchecked, right password or wrong.
    for password in ["susie", "wrong"] {
        let reply = login(&f, "hobbes", password, "203.0.113.1")
            .expect(503)
            .await;
        assert!(reply.header("retry-after").is_some());
    }
    assert_eq!(f.hasher.count(), 0);
}
