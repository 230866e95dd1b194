//! API keys: creation, exchange for tokens, one live token, direct use, signed requests.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use serde_json::json;
use warden::api_keys::sign_request;
use warden::{ApiKeySettings, AuthSettings, Settings};

use crate::common::{Reply, request, settings};
use crate::fixture::{Fixture, default_fixture, fixture};

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
