//! Authentication schemes: HTTP Basic, login/password parameters, tokens in each carrier,
//! per-route scheme restrictions and their challenges, and the credential cache.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use warden::clock::ManualClock;
use warden::{
    App, Auth, AuthSettings, CurrentUser, IssuedToken, Open, Result, Routes, Scheme, Settings,
    TokenCarrier, Tokens, UserRecord, get, post,
};

use crate::common::{CountingHasher, Reply, basic, call, request, settings, users};

async fn whoami(user: CurrentUser) -> String {
    user.login().to_owned()
}

async fn maybe(user: Option<CurrentUser>) -> axum::Json<Option<CurrentUser>> {
    axum::Json(user)
}

async fn login(user: CurrentUser, tokens: Tokens) -> Result<IssuedToken> {
    tokens.mint(&user)
}

struct Fixture {
    router: Router,
    hasher: CountingHasher,
    users: warden::MemoryDirectory,
    clock: ManualClock,
    app: App,
}

fn fixture_with(settings: Settings) -> Fixture {
    let hasher = CountingHasher::default();
    let users = users();
    let clock = ManualClock::starting_now();
    let app = App::builder(settings)
        .directory(users.clone())
        .hasher(hasher.clone())
        .clock(clock.clone())
        .routes(
            Routes::new()
                .route("/whoami", get(Auth, whoami).post(Auth, whoami))
                .route("/maybe", post(Open, maybe))
                .route("/login", get(Auth.schemes([Scheme::Basic]), login))
                .route("/qui-suis-je", get(Auth.schemes([Scheme::Token]), whoami)),
        )
        .build()
        .unwrap();
    Fixture {
        router: app.router(),
        hasher,
        users,
        clock,
        app,
    }
}

fn fixture() -> Fixture {
    fixture_with(settings())
}

async fn send(router: &Router, method: &str, uri: &str, auth: Option<&str>) -> Reply {
    let mut req = request(method, uri);
    if let Some(auth) = auth {
        req = req.header("authorization", auth);
    }
    call(router, req.body(Body::empty()).unwrap()).await
}

#[tokio::test]
async fn basic_authenticates_and_passwords_may_contain_colons() {
    let f = fixture();
    f.users.insert(UserRecord::new("moe", "plain$se:cr:et"));
    let reply = send(&f.router, "GET", "/whoami", Some(&basic("moe", "se:cr:et"))).await;
    assert_eq!((reply.status, &reply.body[..]), (200, &b"moe"[..]));
    let lower = basic("calvin", "hobbes").replacen("Basic", "basic", 1);
    assert_eq!(
        send(&f.router, "GET", "/whoami", Some(&lower)).await.status,
        200
    );
}

#[tokio::test]
async fn basic_with_unknown_user_is_401_like_wrong_password() {
    let f = fixture();
    let unknown = send(
        &f.router,
        "GET",
        "/whoami",
        Some(&basic("hacker", "secret")),
    )
    .await;
    let after_unknown = f.hasher.count();
    let wrong = send(
        &f.router,
        "GET",
        "/whoami",
        Some(&basic("hobbes", "pas-le-bon")),
    )
    .await;
    let after_wrong = f.hasher.count();
    assert_eq!(unknown.status, 401);
    assert_eq!(unknown.status, wrong.status);
    assert_eq!(unknown.body, wrong.body);
    assert_eq!(unknown.error(), "invalid credentials");
    let visible = |r: &Reply| {
        let mut h: Vec<(String, String)> = r
            .headers
            .iter()
            .filter(|(n, _)| *n != "x-request-id")
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
            .collect();
        h.sort();
        h
    };
    assert_eq!(visible(&unknown), visible(&wrong));
    // The same work: one password verification each (the unknown user against a dummy hash).
    assert_eq!(after_unknown, 1);
    assert_eq!(after_wrong - after_unknown, 1);
}

#[tokio::test]
async fn a_wrong_password_against_a_weak_hash_pays_the_dummy_verification_too() {
    let f = fixture();
    // An imported low-cost hash (bcrypt with 2^4 rounds, say): it needs a rehash.
    f.users.insert(UserRecord::new("moe", "weak$dinosaur"));
    let unknown = send(&f.router, "GET", "/whoami", Some(&basic("hacker", "x"))).await;
    assert_eq!(unknown.status, 401);
    let dummy = f.hasher.verified();
    assert_eq!(dummy.len(), 1, "an unknown user verifies the dummy hash");
    let wrong = send(
        &f.router,
        "GET",
        "/whoami",
        Some(&basic("moe", "tyrannosaur")),
    )
    .await;
    assert_eq!((wrong.status, &wrong.body), (unknown.status, &unknown.body));
    assert_eq!(
        f.hasher.verified()[1..],
        ["weak$dinosaur".to_owned(), dummy[0].clone()],
        "the weak hash, then the dummy: at least an unknown user's work"
    );
    // A wrong password against a current hash costs one verification, as an unknown user.
    let before = f.hasher.count();
    send(&f.router, "GET", "/whoami", Some(&basic("hobbes", "x"))).await;
    assert_eq!(f.hasher.count() - before, 1);
    // The right password still logs in (and the weak hash is upgraded in the background).
    let right = send(&f.router, "GET", "/whoami", Some(&basic("moe", "dinosaur"))).await;
    assert_eq!((right.status, &right.body[..]), (200, &b"moe"[..]));
    for _ in 0..500 {
        if f.users.get("moe").unwrap().password_hash.as_deref() == Some("plain$dinosaur") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the weak hash was not upgraded");
}

#[tokio::test]
async fn malformed_authorization_headers_are_401_never_a_panic() {
    let f = fixture();
    let mut huge = "Basic ".to_owned();
    huge.push_str(&"QUFB".repeat(2000));
    for header in [
        "Basic !!!notbase64",
        "Basic bm9jb2xvbg==", // "nocolon"
        "Basic //79/w==",     // not UTF-8 once decoded
        "Basic",
        "Bearer",
        "Bearer a:b:c",
        "Digest username=calvin",
        "",
        huge.as_str(),
    ] {
        let reply = send(&f.router, "GET", "/whoami", Some(header)).await;
        assert_eq!(reply.status, 401, "{header:.40}");
        assert!(reply.header("www-authenticate").is_some());
        reply.error();
    }
    let non_utf8 = request("GET", "/whoami")
        .header(
            "authorization",
            http::HeaderValue::from_bytes(b"Basic \xff\xfe").unwrap(),
        )
        .body(Body::empty())
        .unwrap();
    assert_eq!(call(&f.router, non_utf8).await.status, 401);
}

#[tokio::test]
async fn a_verified_password_is_cached_without_letting_changes_in_past_the_ttl() {
    let f = fixture();
    let calvin = basic("calvin", "hobbes");
    for _ in 0..5 {
        assert_eq!(
            send(&f.router, "GET", "/whoami", Some(&calvin))
                .await
                .status,
            200
        );
    }
    assert_eq!(f.hasher.count(), 1, "one hash for five requests");
    // Unchanged, the check outlives the directory cache: still no new hash.
    f.clock.advance(AuthSettings::default().cache_ttl * 2);
    assert_eq!(
        send(&f.router, "GET", "/whoami", Some(&calvin))
            .await
            .status,
        200
    );
    assert_eq!(
        f.hasher.count(),
        1,
        "the same hash is still the one checked"
    );

    // The password changes: the old one may work until the TTL runs out, never after.
    f.users
        .insert(UserRecord::new("calvin", "plain$tigers").group("ADMIN"));
    f.clock.advance(AuthSettings::default().cache_ttl);
    assert_eq!(
        send(&f.router, "GET", "/whoami", Some(&calvin))
            .await
            .status,
        401
    );
    let new = basic("calvin", "tigers");
    assert_eq!(
        send(&f.router, "GET", "/whoami", Some(&new)).await.status,
        200
    );

    // The user is removed.
    f.users.remove("calvin");
    assert_eq!(
        send(&f.router, "GET", "/whoami", Some(&new)).await.status,
        200
    );
    f.clock.advance(AuthSettings::default().cache_ttl);
    assert_eq!(
        send(&f.router, "GET", "/whoami", Some(&new)).await.status,
        401
    );
}

/// Counts verifications that take a while, as a real hash does.
#[derive(Clone, Default)]
struct SlowHasher(CountingHasher);

impl warden::users::PasswordHasher for SlowHasher {
    fn hash(&self, password: &str) -> Result<String> {
        warden::users::PasswordHasher::hash(&self.0, password)
    }

    fn verify(&self, password: &str, hash: &str) -> bool {
        std::thread::sleep(Duration::from_millis(500));
        warden::users::PasswordHasher::verify(&self.0, password, hash)
    }

    fn needs_rehash(&self, hash: &str) -> bool {
        warden::users::PasswordHasher::needs_rehash(&self.0, hash)
    }
}

/// `GET /whoami` over the seed's users, hashed slowly.
fn slow_router(hasher: &SlowHasher) -> Router {
    App::builder(settings())
        .directory(users())
        .hasher(hasher.clone())
        .routes(Routes::new().route("/whoami", get(Auth, whoami)))
        .build()
        .unwrap()
        .router()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_with_the_same_credentials_share_one_hash() {
    let hasher = SlowHasher::default();
    let router = slow_router(&hasher);
    let calvin = basic("calvin", "hobbes");
    let wrong = basic("hobbes", "wrong");
    let mut requests = Vec::new();
    for i in 0..16 {
        let router = router.clone();
        let auth = if i % 2 == 0 {
            calvin.clone()
        } else {
            wrong.clone()
        };
        requests.push(tokio::spawn(async move {
            send(&router, "GET", "/whoami", Some(&auth)).await.status
        }));
    }
    let mut statuses = Vec::new();
    for request in requests {
        statuses.push(request.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 8);
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 8);
    assert_eq!(
        hasher.0.count(),
        2,
        "one hash for the good password, one for the wrong one"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_dropped_mid_hash_leaves_the_next_ones_working() {
    let hasher = SlowHasher::default();
    let router = slow_router(&hasher);
    let calvin = basic("calvin", "hobbes");
    let (first, waiter) = {
        let (r1, r2, a1, a2) = (
            router.clone(),
            router.clone(),
            calvin.clone(),
            calvin.clone(),
        );
        (
            tokio::spawn(async move { send(&r1, "GET", "/whoami", Some(&a1)).await.status }),
            tokio::spawn(async move { send(&r2, "GET", "/whoami", Some(&a2)).await.status }),
        )
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    // The client hangs up while its hash runs: the request waiting on the same verification
    // still gets its answer, and later requests are served.
    first.abort();
    assert_eq!(waiter.await.unwrap(), 200);
    assert_eq!(
        send(&router, "GET", "/whoami", Some(&calvin)).await.status,
        200
    );
    assert!(hasher.0.count() <= 2, "{} hashes", hasher.0.count());
}

#[tokio::test]
async fn forgetting_a_user_applies_a_change_at_once() {
    let f = fixture();
    let hobbes = basic("hobbes", "susie");
    assert_eq!(
        send(&f.router, "GET", "/whoami", Some(&hobbes))
            .await
            .status,
        200
    );
    f.users.insert(UserRecord::new("hobbes", "plain$calvin"));
    f.app.forget_user("hobbes");
    assert_eq!(
        send(&f.router, "GET", "/whoami", Some(&hobbes))
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn the_cache_ttl_is_configurable() {
    let f = fixture_with(Settings {
        auth: AuthSettings {
            cache_ttl: Duration::ZERO,
            ..AuthSettings::default()
        },
        ..settings()
    });
    let hobbes = basic("hobbes", "susie");
    for _ in 0..3 {
        assert_eq!(
            send(&f.router, "GET", "/whoami", Some(&hobbes))
                .await
                .status,
            200
        );
    }
    assert_eq!(f.hasher.count(), 3, "no cache: one hash per request");
}

fn with_body(method: &str, uri: &str, content_type: &str, body: &str) -> http::Request<Body> {
    request(method, uri)
        .header("content-type", content_type)
        .body(Body::from(body.to_owned()))
        .unwrap()
}

#[tokio::test]
async fn param_credentials_come_from_form_or_json_bodies() {
    let f = fixture();
    let form = with_body(
        "POST",
        "/whoami",
        "application/x-www-form-urlencoded",
        "USER=susie&PASS=derkins",
    );
    let reply = call(&f.router, form).await;
    assert_eq!((reply.status, &reply.body[..]), (200, &b"susie"[..]));
    let json = with_body(
        "POST",
        "/whoami",
        "application/json",
        r#"{"USER": "calvin", "PASS": "hobbes"}"#,
    );
    assert_eq!(call(&f.router, json).await.status, 200);
    let wrong = with_body(
        "POST",
        "/whoami",
        "application/json",
        r#"{"USER": "calvin", "PASS": "nope"}"#,
    );
    assert_eq!(call(&f.router, wrong).await.error(), "invalid credentials");
    let no_pass = with_body(
        "POST",
        "/whoami",
        "application/x-www-form-urlencoded",
        "USER=calvin",
    );
    let reply = call(&f.router, no_pass).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.error(), "parameter \"PASS\" is missing");
}

#[tokio::test]
async fn param_credentials_in_the_query_string_only_when_enabled() {
    let uri = "/whoami?USER=susie&PASS=derkins";
    let f = fixture();
    assert_eq!(send(&f.router, "GET", uri, None).await.status, 401);
    let f = fixture_with(Settings {
        auth: AuthSettings {
            params_in_query: true,
            user_param: "login".into(),
            pass_param: "password".into(),
            ..AuthSettings::default()
        },
        ..settings()
    });
    assert_eq!(send(&f.router, "GET", uri, None).await.status, 401);
    let reply = send(
        &f.router,
        "GET",
        "/whoami?login=susie&password=derkins",
        None,
    )
    .await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn optional_user_on_open_routes_reads_body_credentials_too() {
    let f = fixture();
    let none = with_body("POST", "/maybe", "application/x-www-form-urlencoded", "x=1");
    assert_eq!(&call(&f.router, none).await.body[..], b"null");
    let some = with_body(
        "POST",
        "/maybe",
        "application/x-www-form-urlencoded",
        "USER=hobbes&PASS=susie",
    );
    assert_eq!(&call(&f.router, some).await.body[..], b"\"hobbes\"");
    let bad = with_body(
        "POST",
        "/maybe",
        "application/x-www-form-urlencoded",
        "USER=hobbes&PASS=calvin",
    );
    assert_eq!(call(&f.router, bad).await.status, 401);
}

#[tokio::test]
async fn a_token_only_route_refuses_basic_with_only_the_bearer_challenge() {
    let f = fixture();
    let reply = send(
        &f.router,
        "GET",
        "/qui-suis-je",
        Some(&basic("calvin", "hobbes")),
    )
    .await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.header("www-authenticate"),
        Some("Bearer realm=\"stuff\"")
    );
    let token = send(&f.router, "GET", "/login", Some(&basic("calvin", "hobbes")))
        .await
        .json();
    let bearer = format!("Bearer {}", token.as_str().unwrap());
    let reply = send(&f.router, "GET", "/qui-suis-je", Some(&bearer)).await;
    assert_eq!((reply.status, &reply.body[..]), (200, &b"calvin"[..]));
    // /login is Basic only: a token does not get a token.
    let reply = send(&f.router, "GET", "/login", Some(&bearer)).await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.header("www-authenticate"),
        Some("Basic realm=\"stuff\"")
    );
}

#[tokio::test]
async fn tokens_can_travel_in_a_cookie_or_a_custom_header() {
    for carrier in ["cookie:auth", "header:x-auth-token"] {
        let f = fixture_with(Settings {
            auth: AuthSettings {
                token_carrier: carrier.parse::<TokenCarrier>().unwrap(),
                ..AuthSettings::default()
            },
            ..settings()
        });
        let issued = send(&f.router, "GET", "/login", Some(&basic("hobbes", "susie"))).await;
        let token = issued.json().as_str().unwrap().to_owned();
        let (name, value) = if carrier.starts_with("cookie") {
            let cookie = issued.header("set-cookie").unwrap();
            assert!(cookie.starts_with(&format!("auth={token};")), "{cookie}");
            for attribute in [
                "HttpOnly",
                "Secure",
                "SameSite=Strict",
                "Path=/",
                "Max-Age=3600",
            ] {
                assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
            }
            ("cookie", format!("theme=dark; auth={token}"))
        } else {
            ("x-auth-token", token.clone())
        };
        let req = request("GET", "/qui-suis-je")
            .header(name, value)
            .body(Body::empty())
            .unwrap();
        let reply = call(&f.router, req).await;
        assert_eq!(
            (reply.status, &reply.body[..]),
            (200, &b"hobbes"[..]),
            "{carrier}"
        );
        // Not as a bearer token, and no Bearer challenge.
        let reply = send(
            &f.router,
            "GET",
            "/qui-suis-je",
            Some(&format!("Bearer {token}")),
        )
        .await;
        assert_eq!(reply.status, 401, "{carrier}");
        assert_eq!(reply.header("www-authenticate"), None, "{carrier}");
    }
}
