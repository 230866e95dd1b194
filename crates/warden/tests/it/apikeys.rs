//! API keys: creation, exchange for tokens, one live token, direct use, signed requests.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use serde_json::json;
use warden::api_keys::{ApiKey, ApiKeyStore, MemoryApiKeys, sign_request};
use warden::clock::ManualClock;
use warden::store::{MemoryStore, Store};
use warden::{ApiKeySettings, AuthSettings, Secret, Settings};

use crate::common::{Reply, SECRET, request, settings};
use crate::fixture::{Fixture, default_fixture, fixture, fixture_with_keys};

async fn new_key(f: &Fixture, login: &str) -> (String, String) {
    let reply = f
        .json("POST", "/keys", Some(login), json!({"name": "ci"}))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.json());
    let body = reply.json();
    (
        body["id"].as_str().unwrap().to_owned(),
        body["key"].as_str().unwrap().to_owned(),
    )
}

async fn exchange(f: &Fixture, user: &str, key: &str) -> Reply {
    f.json(
        "POST",
        "/keys/token",
        None,
        json!({"user": user, "key": key}),
    )
    .await
}

fn token(reply: &Reply) -> String {
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.json()["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_key_is_exchanged_for_a_two_hour_token() {
    let f = default_fixture();
    let (id, key) = new_key(&f, "hobbes").await;
    let listed = f
        .json("GET", "/keys", Some("hobbes"), json!({}))
        .await
        .json();
    assert_eq!(listed[0]["id"], id);
    assert!(listed[0].get("hash").is_none());
    let reply = exchange(&f, "hobbes", &key).await;
    assert_eq!(reply.json()["expires_in"], 7200);
    let access = token(&reply);
    assert_eq!(&f.bearer("/whoami", &access).await.body[..], b"hobbes");
    // Two hours, and the 30 s of leeway allowed for clock skew.
    f.clock.advance(Duration::from_secs(7200 + 31));
    assert_eq!(f.bearer("/whoami", &access).await.status, 401);
    // Someone else's login with this key, or a revoked key: refused alike.
    assert_eq!(exchange(&f, "calvin", &key).await.status, 401);
    let revoked = f
        .send(
            Fixture::as_user("DELETE", &format!("/keys/{id}"), "hobbes"),
            Body::empty(),
        )
        .await;
    assert_eq!(revoked.status, 204);
    assert_eq!(
        exchange(&f, "hobbes", &key).await.error(),
        "invalid credentials"
    );
}

#[tokio::test]
async fn one_live_token_per_user_revokes_the_previous_one() {
    let f = fixture(Settings {
        auth: AuthSettings {
            api_keys: ApiKeySettings {
                one_live_token: true,
                ..ApiKeySettings::default()
            },
            ..AuthSettings::default()
        },
        ..settings()
    });
    let (_, key) = new_key(&f, "susie").await;
    let first = token(&exchange(&f, "susie", &key).await);
    assert_eq!(f.bearer("/whoami", &first).await.status, 200);
    let second = token(&exchange(&f, "susie", &key).await);
    assert_eq!(f.bearer("/whoami", &second).await.status, 200);
    let refused = f.bearer("/whoami", &first).await;
    assert_eq!(
        (refused.status, refused.error()),
        (401, "revoked token".into())
    );
}

fn with_header() -> Fixture {
    fixture(Settings {
        auth: AuthSettings {
            api_keys: ApiKeySettings {
                header: Some("x-api-key".into()),
                signed_requests: true,
                ..ApiKeySettings::default()
            },
            ..AuthSettings::default()
        },
        ..settings()
    })
}

#[tokio::test]
async fn keys_in_a_header_only_when_enabled() {
    let f = default_fixture();
    let (_, key) = new_key(&f, "hobbes").await;
    let direct = f
        .send(
            request("GET", "/whoami").header("x-api-key", &key),
            Body::empty(),
        )
        .await;
    assert_eq!(direct.status, 401, "off by default");

    let f = with_header();
    let (id, key) = new_key(&f, "hobbes").await;
    let direct = f
        .send(
            request("GET", "/whoami").header("x-api-key", &key),
            Body::empty(),
        )
        .await;
    assert_eq!((direct.status, &direct.body[..]), (200, &b"hobbes"[..]));
    let wrong = f
        .send(
            request("GET", "/whoami").header("x-api-key", "wk_a.b"),
            Body::empty(),
        )
        .await;
    assert_eq!(wrong.status, 401);
    f.send(
        Fixture::as_user("DELETE", &format!("/keys/{id}"), "hobbes"),
        Body::empty(),
    )
    .await;
    let revoked = f
        .send(
            request("GET", "/whoami").header("x-api-key", &key),
            Body::empty(),
        )
        .await;
    assert_eq!(revoked.status, 401);
}

fn now(f: &Fixture) -> String {
    use warden::clock::Clock;
    f.clock
        .now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string()
}

fn signed(path: &str, key: &str, id: &str, timestamp: &str, body: &str) -> http::request::Builder {
    let (path_only, query) = path.split_once('?').unwrap_or((path, ""));
    let signature =
        sign_request(key, "POST", path_only, query, timestamp, body.as_bytes()).unwrap();
    request("POST", path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-warden-key", id)
        .header("x-warden-timestamp", timestamp)
        .header("x-warden-signature", signature)
}

#[tokio::test]
async fn signed_requests_are_checked_within_a_window_and_used_once() {
    let f = with_header();
    let (id, key) = new_key(&f, "calvin").await;
    let ts = now(&f);
    let path = "/keys";
    let body = "name=signed";
    let ok = f
        .send(signed(path, &key, &id, &ts, body), Body::from(body))
        .await;
    assert_eq!(ok.status, 201, "{:?}", ok.body);
    let replay = f
        .send(signed(path, &key, &id, &ts, body), Body::from(body))
        .await;
    assert_eq!(
        (replay.status, replay.error()),
        (401, "signature already used".into())
    );
    let tampered = f
        .send(
            signed(path, &key, &id, &now(&f), body),
            Body::from("name=other"),
        )
        .await;
    assert_eq!(tampered.status, 401, "the body is signed");
    let old = (SystemTime::now() - Duration::from_secs(3600))
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let stale = f
        .send(signed(path, &key, &id, &old, body), Body::from(body))
        .await;
    assert_eq!(stale.status, 401);
    let unknown_key = f
        .send(signed(path, &key, "nope", &now(&f), body), Body::from(body))
        .await;
    assert_eq!(unknown_key.status, 401);
}

fn signing_settings(secret: &str, previous: Vec<Secret>) -> Settings {
    Settings {
        secret: Some(Secret::new(secret)),
        auth: AuthSettings {
            previous_secrets: previous,
            api_keys: ApiKeySettings {
                signed_requests: true,
                ..ApiKeySettings::default()
            },
            ..AuthSettings::default()
        },
        ..settings()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A request to `POST /keys` signed as an attacker would, with `signing_key` as HMAC key.
fn forged(signing_key: &[u8], id: &str, timestamp: &str, body: &str) -> http::request::Builder {
    use hmac::{Hmac, KeyInit, Mac};
    use sha2::{Digest, Sha256};
    let canonical = format!(
        "POST\n/keys\n\n{timestamp}\n{}",
        hex(&Sha256::digest(body.as_bytes()))
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(signing_key).unwrap();
    mac.update(canonical.as_bytes());
    request("POST", "/keys")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-warden-key", id)
        .header("x-warden-timestamp", timestamp)
        .header("x-warden-signature", hex(&mac.finalize().into_bytes()))
}

/// Every value the key store holds for a key, as text and, where it is hex, as bytes: what
/// someone who reads the database has.
fn stored_values(key: &ApiKey) -> Vec<Vec<u8>> {
    let unhex = |text: &str| {
        (text.len().is_multiple_of(2) && text.bytes().all(|b| b.is_ascii_hexdigit())).then(|| {
            (0..text.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
                .collect::<Vec<u8>>()
        })
    };
    let sealed = key
        .sealed_signing_key
        .as_deref()
        .expect("a sealed signing key");
    let texts = [
        key.id.as_str(),
        key.login.as_str(),
        key.name.as_str(),
        key.hash.as_str(),
        sealed,
    ];
    texts
        .iter()
        .flat_map(|text| [Some(text.as_bytes().to_vec()), unhex(text)])
        .flatten()
        .collect()
}

#[tokio::test]
async fn a_signature_keyed_with_what_the_database_holds_is_refused() {
    let f = with_header();
    let (id, key) = new_key(&f, "calvin").await;
    let stored = f.keys.find(&id).await.unwrap().unwrap();
    let body = "name=forged";
    let ts = now(&f);
    for value in stored_values(&stored) {
        let reply = f
            .send(forged(&value, &id, &ts, body), Body::from(body))
            .await;
        assert_eq!(reply.status, 401, "signed with {value:?}: {:?}", reply.body);
    }
    let real = f
        .send(signed("/keys", &key, &id, &ts, body), Body::from(body))
        .await;
    assert_eq!(real.status, 201, "{:?}", real.body);
}

#[tokio::test]
async fn a_key_made_before_signing_keys_were_sealed_cannot_sign_but_still_buys_tokens() {
    let f = with_header();
    let (id, secret) = ("0ldK3yMadeBefore", "an-old-secret-of-enough-length-to-pass");
    let key = format!("wk_{id}.{secret}");
    let hash = {
        use sha2::{Digest, Sha256};
        hex(&Sha256::digest(secret.as_bytes()))
    };
    f.keys
        .create(&ApiKey::new(id, "hobbes", "old", hash))
        .await
        .unwrap();
    let body = "name=signed";
    let refused = f
        .send(signed("/keys", &key, id, &now(&f), body), Body::from(body))
        .await;
    assert_eq!(
        (refused.status, refused.error()),
        (
            401,
            "this API key predates sealed signing keys and cannot sign requests: make a new key"
                .into()
        )
    );
    token(&exchange(&f, "hobbes", &key).await);
}

#[tokio::test]
async fn keys_sign_under_a_previous_secret_until_it_is_retired() {
    let clock = ManualClock::starting_now();
    let store: Arc<dyn Store> = Arc::new(MemoryStore::with_clock(clock.clone()));
    let keys = MemoryApiKeys::new();
    let process = |settings: Settings| {
        fixture_with_keys(settings, Arc::clone(&store), clock.clone(), keys.clone())
    };
    let old = process(signing_settings(SECRET, Vec::new()));
    let (id, key) = new_key(&old, "susie").await;
    let new_secret = "the new secret, also long enough for tokens";
    let rotated = process(signing_settings(new_secret, vec![Secret::new(SECRET)]));
    let body = "name=rotated";
    let ok = rotated
        .send(
            signed("/keys", &key, &id, &now(&rotated), body),
            Body::from(body),
        )
        .await;
    assert_eq!(ok.status, 201, "{:?}", ok.body);
    let retired = process(signing_settings(new_secret, Vec::new()));
    let body = "name=retired";
    let refused = retired
        .send(
            signed("/keys", &key, &id, &now(&retired), body),
            Body::from(body),
        )
        .await;
    assert_eq!(refused.status, 401, "{:?}", refused.body);
    // The key itself is unchanged: it still buys tokens.
    token(&exchange(&retired, "susie", &key).await);
}
