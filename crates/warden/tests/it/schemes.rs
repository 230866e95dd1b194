//! Authentication schemes: HTTP Basic, login/password parameters, tokens in each carrier,
//! per-route scheme restrictions and their challenges, and the credential cache.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::json;
use warden::clock::ManualClock;
use warden::{
    App, Auth, AuthSettings, CurrentUser, IssuedToken, Open, Result, Routes, Scheme, Settings,
    TokenCarrier, Tokens, UserRecord, get, post,
};

use warden_test::{Client, TestResponse};

use crate::common::{CountingHasher, ErrorBody, basic, call, client, request, settings, users};

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
    /// Sends requests in-process, as calvin, hobbes, susie or with any credentials.
    client: Client,
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
        client: client(app.router()),
        hasher,
        users,
        clock,
        app,
    }
}

fn fixture() -> Fixture {
    fixture_with(settings())
}

#[tokio::test]
async fn basic_authenticates_and_passwords_may_contain_colons() {
    let f = fixture();
    f.users.insert(UserRecord::new("moe", "plain$se:cr:et"));
    let reply = f
        .client
        .get("/whoami")
        .basic_auth("moe", "se:cr:et")
        .expect(200)
        .await;
    assert_eq!(reply.text(), "moe");
    // The scheme's name is case-insensitive.
    let lower = format!("basic {}", BASE64.encode("calvin:hobbes"));
    f.client
        .get("/whoami")
        .header("authorization", lower)
        .expect(200)
        .await;
}

#[tokio::test]
async fn basic_with_unknown_user_is_401_like_wrong_password() {
    let f = fixture();
    let whoami =
        |login: &str, password: &str| f.client.get("/whoami").basic_auth(login, password).send();
    let unknown = whoami("hacker", "secret").await;
    let after_unknown = f.hasher.count();
    let wrong = whoami("hobbes", "pas-le-bon").await;
    let after_wrong = f.hasher.count();
    assert_eq!(unknown.status(), 401);
    assert_eq!(unknown.status(), wrong.status());
    assert_eq!(unknown.bytes(), wrong.bytes());
    assert_eq!(unknown.error(), "invalid credentials");
    let visible = |r: &TestResponse| {
        let mut h: Vec<(String, String)> = r
            .headers()
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
    let whoami =
        |login: &str, password: &str| f.client.get("/whoami").basic_auth(login, password).send();
    let unknown = whoami("hacker", "x").await;
    assert_eq!(unknown.status(), 401);
    let dummy = f.hasher.verified();
    assert_eq!(dummy.len(), 1, "an unknown user verifies the dummy hash");
    let wrong = whoami("moe", "tyrannosaur").await;
    assert_eq!(
        (wrong.status(), wrong.bytes()),
        (unknown.status(), unknown.bytes())
    );
    assert_eq!(
        f.hasher.verified()[1..],
        ["weak$dinosaur".to_owned(), dummy[0].clone()],
        "the weak hash, then the dummy: at least an unknown user's work"
    );
    // A wrong password against a current hash costs one verification, as an unknown user.
    let before = f.hasher.count();
    assert_eq!(whoami("hobbes", "x").await.status(), 401);
    assert_eq!(f.hasher.count() - before, 1);
    // The right password still logs in (and the weak hash is upgraded in the background).
    let right = whoami("moe", "dinosaur").await;
    assert_eq!((right.status().as_u16(), right.text()), (200, "moe"));
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
        let reply = f
            .client
            .get("/whoami")
            .header("authorization", header)
            .send()
            .await;
        assert_eq!(reply.status(), 401, "{header:.40}");
        assert!(reply.header("www-authenticate").is_some());
        reply.error();
    }
    let non_utf8 = http::HeaderValue::from_bytes(b"Basic \xff\xfe").unwrap();
    f.client
        .get("/whoami")
        .header("authorization", non_utf8)
        .expect(401)
        .await;
}

#[tokio::test]
async fn a_verified_password_is_cached_without_letting_changes_in_past_the_ttl() {
    let f = fixture();
    let calvin = || f.client.get("/whoami").user("calvin");
    for _ in 0..5 {
        calvin().expect(200).await;
    }
    assert_eq!(f.hasher.count(), 1, "one hash for five requests");
    // Unchanged, the check outlives the directory cache: still no new hash.
    f.clock.advance(AuthSettings::default().cache_ttl * 2);
    calvin().expect(200).await;
    assert_eq!(
        f.hasher.count(),
        1,
        "the same hash is still the one checked"
    );

    // The password changes: the old one may work until the TTL runs out, never after.
    f.users
        .insert(UserRecord::new("calvin", "plain$tigers").group("ADMIN"));
    f.clock.advance(AuthSettings::default().cache_ttl);
    calvin().expect(401).await;
    let new = || f.client.get("/whoami").basic_auth("calvin", "tigers");
    new().expect(200).await;

    // The user is removed.
    f.users.remove("calvin");
    new().expect(200).await;
    f.clock.advance(AuthSettings::default().cache_ttl);
    new().expect(401).await;
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
    let client = client(slow_router(&hasher));
    let mut requests = Vec::new();
    for i in 0..16 {
        let whoami = client.get("/whoami");
        let whoami = if i % 2 == 0 {
            whoami.user("calvin")
        } else {
            whoami.basic_auth("hobbes", "wrong")
        };
        requests.push(tokio::spawn(whoami.send()));
    }
    let mut statuses = Vec::new();
    for request in requests {
        statuses.push(request.await.unwrap().status().as_u16());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 8);
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 8);
    assert_eq!(
        hasher.0.count(),
        2,
        "one hash for the good password, one for the wrong one"
    );
}

// Raw in-process calls (common::call): a warden-test request runs on the client's own runtime
// and goes on when the caller's future is dropped, so it cannot hang up mid-request as this
// test must.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_dropped_mid_hash_leaves_the_next_ones_working() {
    let hasher = SlowHasher::default();
    let router = slow_router(&hasher);
    let calvin = basic("calvin", "hobbes");
    let send = |router: Router, auth: String| async move {
        let req = request("GET", "/whoami")
            .header("authorization", auth)
            .body(Body::empty())
            .unwrap();
        call(&router, req).await.status
    };
    let (first, waiter) = (
        tokio::spawn(send(router.clone(), calvin.clone())),
        tokio::spawn(send(router.clone(), calvin.clone())),
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    // The client hangs up while its hash runs: the request waiting on the same verification
    // still gets its answer, and later requests are served.
    first.abort();
    assert_eq!(waiter.await.unwrap(), 200);
    assert_eq!(send(router, calvin).await, 200);
    assert!(hasher.0.count() <= 2, "{} hashes", hasher.0.count());
}

#[tokio::test]
async fn forgetting_a_user_applies_a_change_at_once() {
    let f = fixture();
    let hobbes = || f.client.get("/whoami").user("hobbes");
    hobbes().expect(200).await;
    f.users.insert(UserRecord::new("hobbes", "plain$calvin"));
    f.app.forget_user("hobbes");
    hobbes().expect(401).await;
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
    for _ in 0..3 {
        f.client.get("/whoami").user("hobbes").expect(200).await;
    }
    assert_eq!(f.hasher.count(), 3, "no cache: one hash per request");
}

#[tokio::test]
async fn param_credentials_come_from_form_or_json_bodies() {
    let f = fixture();
    let whoami = || f.client.post("/whoami");
    let reply = whoami()
        .form(&[("USER", "susie"), ("PASS", "derkins")])
        .expect(200)
        .await;
    assert_eq!(reply.text(), "susie");
    whoami()
        .json(&json!({"USER": "calvin", "PASS": "hobbes"}))
        .expect(200)
        .await;
    let wrong = whoami()
        .json(&json!({"USER": "calvin", "PASS": "nope"}))
        .send()
        .await;
    assert_eq!(wrong.error(), "invalid credentials");
    let reply = whoami().form(&[("USER", "calvin")]).expect(401).await;
    assert_eq!(reply.error(), "parameter \"PASS\" is missing");
}

#[tokio::test]
async fn param_credentials_in_the_query_string_only_when_enabled() {
    let uri = "/whoami?USER=susie&PASS=derkins";
    let f = fixture();
    f.client.get(uri).expect(401).await;
    let f = fixture_with(Settings {
        auth: AuthSettings {
            params_in_query: true,
            user_param: "login".into(),
            pass_param: "password".into(),
            ..AuthSettings::default()
        },
        ..settings()
    });
    f.client.get(uri).expect(401).await;
    f.client
        .get("/whoami?login=susie&password=derkins")
        .expect(200)
        .await;
}

#[tokio::test]
async fn optional_user_on_open_routes_reads_body_credentials_too() {
    let f = fixture();
    let maybe = |pairs: &[(&str, &str)]| f.client.post("/maybe").form(pairs);
    assert_eq!(maybe(&[("x", "1")]).send().await.text(), "null");
    let some = maybe(&[("USER", "hobbes"), ("PASS", "susie")]).send().await;
    assert_eq!(some.text(), "\"hobbes\"");
    maybe(&[("USER", "hobbes"), ("PASS", "calvin")])
        .expect(401)
        .await;
}

#[tokio::test]
async fn a_token_only_route_refuses_basic_with_only_the_bearer_challenge() {
    let f = fixture();
    let reply = f
        .client
        .get("/qui-suis-je")
        .basic("calvin")
        .expect(401)
        .await;
    assert_eq!(
        reply.header("www-authenticate"),
        Some("Bearer realm=\"stuff\"")
    );
    let token = f
        .client
        .get("/login")
        .basic("calvin")
        .send()
        .await
        .json_value();
    let token = token.as_str().unwrap();
    let reply = f.client.get("/qui-suis-je").bearer(token).expect(200).await;
    assert_eq!(reply.text(), "calvin");
    // /login is Basic only: a token does not get a token.
    let reply = f.client.get("/login").bearer(token).expect(401).await;
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
        // As hobbes, with his own jar: the anonymous requests below carry no cookie but theirs.
        let issued = f.client.get("/login").basic("hobbes").send().await;
        let token = issued.json_value().as_str().unwrap().to_owned();
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
        let reply = f
            .client
            .get("/qui-suis-je")
            .header(name, value)
            .send()
            .await;
        assert_eq!(
            (reply.status().as_u16(), reply.text()),
            (200, "hobbes"),
            "{carrier}"
        );
        // Not as a bearer token, and no Bearer challenge.
        let reply = f.client.get("/qui-suis-je").bearer(&token).send().await;
        assert_eq!(reply.status(), 401, "{carrier}");
        assert_eq!(reply.header("www-authenticate"), None, "{carrier}");
    }
}
