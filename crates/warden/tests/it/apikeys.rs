//! API keys: creation, exchange for tokens, one live token, direct use, signed requests.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;
use warden::api_keys::{ApiKey, ApiKeyStore, MemoryApiKeys, sign_request};
use warden::clock::ManualClock;
use warden::store::{MemoryStore, Store};
use warden::{ApiKeySettings, AuthSettings, Secret, Settings};
use warden_test::{RequestBuilder, TestResponse};

use crate::common::{ErrorBody, SECRET, settings};
use crate::fixture::{Fixture, default_fixture, fixture, fixture_with_keys};

const FORM: &str = "application/x-www-form-urlencoded";

async fn new_key(f: &Fixture, login: &str) -> (String, String) {
    let body = f
        .client
        .post("/keys")
        .user(login)
        .json(&json!({"name": "ci"}))
        .expect(201)
        .await
        .json_value();
    (
        body["id"].as_str().unwrap().to_owned(),
        body["key"].as_str().unwrap().to_owned(),
    )
}

async fn exchange(f: &Fixture, user: &str, key: &str) -> TestResponse {
    f.client
        .post("/keys/token")
        .json(&json!({"user": user, "key": key}))
        .send()
        .await
}

fn token(reply: &TestResponse) -> String {
    assert_eq!(reply.status(), 200, "{:?}", reply.bytes());
    reply.json_value()["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// `GET /whoami` with this bearer token.
fn whoami(f: &Fixture, token: &str) -> RequestBuilder {
    f.client.get("/whoami").bearer(token)
}

fn revoke(f: &Fixture, id: &str, login: &str) -> RequestBuilder {
    f.client.delete(&format!("/keys/{id}")).user(login)
}

#[tokio::test]
async fn a_key_is_exchanged_for_a_two_hour_token() {
    let f = default_fixture();
    let (id, key) = new_key(&f, "hobbes").await;
    let listed = f
        .client
        .get("/keys")
        .user("hobbes")
        .json(&json!({}))
        .expect(200)
        .await
        .json_value();
    assert_eq!(listed[0]["id"], id);
    assert!(listed[0].get("hash").is_none());
    let reply = exchange(&f, "hobbes", &key).await;
    assert_eq!(reply.json_value()["expires_in"], 7200);
    let access = token(&reply);
    assert_eq!(whoami(&f, &access).expect(200).await.text(), "hobbes");
    // Two hours, and the 30 s of leeway allowed for clock skew.
    f.clock.advance(Duration::from_secs(7200 + 31));
    whoami(&f, &access).expect(401).await;
    // Someone else's login with this key, or a revoked key: refused alike.
    assert_eq!(exchange(&f, "calvin", &key).await.status(), 401);
    revoke(&f, &id, "hobbes").expect(204).await;
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
    whoami(&f, &first).expect(200).await;
    let second = token(&exchange(&f, "susie", &key).await);
    whoami(&f, &second).expect(200).await;
    let refused = whoami(&f, &first).expect(401).await;
    assert_eq!(refused.error(), "revoked token");
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
    let with_key = |f: &Fixture, key: &str| f.client.get("/whoami").header("x-api-key", key);
    let f = default_fixture();
    let (_, key) = new_key(&f, "hobbes").await;
    // Off by default.
    with_key(&f, &key).expect(401).await;

    let f = with_header();
    let (id, key) = new_key(&f, "hobbes").await;
    let direct = with_key(&f, &key).expect(200).await;
    assert_eq!(direct.text(), "hobbes");
    with_key(&f, "wk_a.b").expect(401).await;
    revoke(&f, &id, "hobbes").expect(204).await;
    with_key(&f, &key).expect(401).await;
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

/// A form `POST` of `body` to `path`, signed with API key `key` (of id `id`).
fn signed(
    f: &Fixture,
    path: &str,
    key: &str,
    id: &str,
    timestamp: &str,
    body: &str,
) -> RequestBuilder {
    let (path_only, query) = path.split_once('?').unwrap_or((path, ""));
    let signature =
        sign_request(key, "POST", path_only, query, timestamp, body.as_bytes()).unwrap();
    f.client
        .post(path)
        .header("x-warden-key", id)
        .header("x-warden-timestamp", timestamp)
        .header("x-warden-signature", signature)
        .body(body.to_owned(), FORM)
}

#[tokio::test]
async fn signed_requests_are_checked_within_a_window_and_used_once() {
    let f = with_header();
    let (id, key) = new_key(&f, "calvin").await;
    let ts = now(&f);
    let path = "/keys";
    let body = "name=signed";
    signed(&f, path, &key, &id, &ts, body).expect(201).await;
    let replay = signed(&f, path, &key, &id, &ts, body).expect(401).await;
    assert_eq!(replay.error(), "signature already used");
    // The body is signed.
    signed(&f, path, &key, &id, &now(&f), body)
        .body("name=other", FORM)
        .expect(401)
        .await;
    let old = (SystemTime::now() - Duration::from_secs(3600))
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    signed(&f, path, &key, &id, &old, body).expect(401).await;
    signed(&f, path, &key, "nope", &now(&f), body)
        .expect(401)
        .await;
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
fn forged(
    f: &Fixture,
    signing_key: &[u8],
    id: &str,
    timestamp: &str,
    body: &str,
) -> RequestBuilder {
    use hmac::{Hmac, KeyInit, Mac};
    use sha2::{Digest, Sha256};
    let canonical = format!(
        "POST\n/keys\n\n{timestamp}\n{}",
        hex(&Sha256::digest(body.as_bytes()))
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(signing_key).unwrap();
    mac.update(canonical.as_bytes());
    f.client
        .post("/keys")
        .header("x-warden-key", id)
        .header("x-warden-timestamp", timestamp)
        .header("x-warden-signature", hex(&mac.finalize().into_bytes()))
        .body(body.to_owned(), FORM)
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
        let reply = forged(&f, &value, &id, &ts, body).send().await;
        assert_eq!(
            reply.status(),
            401,
            "signed with {value:?}: {:?}",
            reply.bytes()
        );
    }
    signed(&f, "/keys", &key, &id, &ts, body).expect(201).await;
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
    let refused = signed(&f, "/keys", &key, id, &now(&f), body)
        .expect(401)
        .await;
    assert_eq!(
        refused.error(),
        "this API key predates sealed signing keys and cannot sign requests: make a new key"
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
    signed(&rotated, "/keys", &key, &id, &now(&rotated), body)
        .expect(201)
        .await;
    let retired = process(signing_settings(new_secret, Vec::new()));
    let body = "name=retired";
    signed(&retired, "/keys", &key, &id, &now(&retired), body)
        .expect(401)
        .await;
    // The key itself is unchanged: it still buys tokens.
    token(&exchange(&retired, "susie", &key).await);
}
