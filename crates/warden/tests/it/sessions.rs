//! The access + refresh cookie flow, end to end over the router.

use std::time::Duration;

use warden::{AuthSettings, REFRESH_COOKIE, SessionSettings, Settings};
use warden_test::{RequestBuilder, TestResponse};

use crate::common::{ErrorBody, settings};
use crate::fixture::{Fixture, default_fixture, fixture};

fn cookie_value(reply: &TestResponse) -> String {
    reply
        .set_cookie(REFRESH_COOKIE)
        .unwrap_or_else(|| panic!("no refresh cookie in {:?}", reply.headers()))
        .value()
        .to_owned()
}

async fn login(f: &Fixture, user: &str) -> TestResponse {
    f.client.post("/session/login").user(user).expect(200).await
}

/// A same-site `POST` to a cookie endpoint with this refresh token as the cookie, whatever
/// the jar holds.
fn post_cookie(f: &Fixture, path: &str, refresh: &str) -> RequestBuilder {
    f.client
        .post(path)
        .header("cookie", format!("{REFRESH_COOKIE}={refresh}"))
        .header("x-requested-with", "test")
}

fn access(reply: &TestResponse) -> String {
    reply.json_value()["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// `GET /whoami` with this bearer token.
fn whoami(f: &Fixture, token: &str) -> RequestBuilder {
    f.client.get("/whoami").bearer(token)
}

#[tokio::test]
async fn the_refresh_cookie_is_locked_down() {
    let f = default_fixture();
    let reply = login(&f, "hobbes").await;
    let cookie = reply.header("set-cookie").unwrap();
    for attribute in [
        "Path=/session",
        "HttpOnly",
        "Secure",
        "SameSite=Strict",
        "Max-Age=604800",
    ] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    assert!(cookie.starts_with("__Secure-"));
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(reply.json_value()["expires_in"], 300);
}

#[tokio::test]
async fn login_access_refresh_reuse_detection_and_logout() {
    let f = default_fixture();
    let first = login(&f, "hobbes").await;
    let (spent, access_1) = (cookie_value(&first), access(&first));
    whoami(&f, &access_1).expect(200).await;

    let second = post_cookie(&f, "/session/refresh", &spent)
        .expect(200)
        .await;
    let (current, access_2) = (cookie_value(&second), access(&second));
    assert_ne!(spent, current, "the refresh token rotates");
    whoami(&f, &access_2).expect(200).await;

    // The spent token again: reuse detected, the whole family revoked.
    post_cookie(&f, "/session/refresh", &spent)
        .expect(401)
        .await;
    post_cookie(&f, "/session/refresh", &current)
        .expect(401)
        .await;
    for token in [&access_1, &access_2] {
        let refused = whoami(&f, token).expect(401).await;
        assert_eq!(refused.error(), "revoked token");
    }

    // A new login is a new family; logout revokes it and clears the cookie.
    let third = login(&f, "hobbes").await;
    let (refresh, access_3) = (cookie_value(&third), access(&third));
    let out = post_cookie(&f, "/session/logout", &refresh)
        .expect(204)
        .await;
    let cleared = out.header("set-cookie").unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    post_cookie(&f, "/session/refresh", &refresh)
        .expect(401)
        .await;
    whoami(&f, &access_3).expect(401).await;
}

#[tokio::test]
async fn two_parallel_refreshes_with_the_same_token_have_exactly_one_winner() {
    let f = default_fixture();
    let refresh = cookie_value(&login(&f, "susie").await);
    let (a, b) = tokio::join!(
        post_cookie(&f, "/session/refresh", &refresh).send(),
        post_cookie(&f, "/session/refresh", &refresh).send()
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 401]);
}

#[tokio::test]
async fn access_and_refresh_tokens_are_not_interchangeable() {
    let f = default_fixture();
    let reply = login(&f, "hobbes").await;
    whoami(&f, &cookie_value(&reply)).expect(401).await;
    post_cookie(&f, "/session/refresh", &access(&reply))
        .expect(401)
        .await;
}

#[tokio::test]
async fn access_tokens_are_short_and_refresh_never_extends_the_session() {
    let f = fixture(Settings {
        auth: AuthSettings {
            sessions: SessionSettings {
                access_lifetime: Duration::from_secs(60),
                refresh_lifetime: Duration::from_secs(3600),
                ..SessionSettings::default()
            },
            ..AuthSettings::default()
        },
        ..settings()
    });
    let reply = login(&f, "hobbes").await;
    assert_eq!(reply.json_value()["expires_in"], 60);
    let access_1 = access(&reply);
    // A minute, and the 30 s of leeway allowed for clock skew.
    f.clock.advance(Duration::from_secs(91));
    let expired = whoami(&f, &access_1).expect(401).await;
    assert_eq!(expired.error(), "expired token");
    let mut refresh = cookie_value(&reply);
    for _ in 0..3 {
        f.clock.advance(Duration::from_secs(1000));
        let next = post_cookie(&f, "/session/refresh", &refresh)
            .expect(200)
            .await;
        let cookie = next.header("set-cookie").unwrap().to_owned();
        let max_age: u64 = cookie
            .split("Max-Age=")
            .nth(1)
            .and_then(|r| r.split(';').next())
            .unwrap()
            .parse()
            .unwrap();
        assert!(max_age <= 3600 - 91 - 1000, "{cookie}");
        refresh = cookie_value(&next);
    }
    // 91 + 3000 s have passed; past the hour (and the leeway), the session is over.
    f.clock.advance(Duration::from_secs(600));
    post_cookie(&f, "/session/refresh", &refresh)
        .expect(401)
        .await;
}

#[tokio::test]
async fn cookie_endpoints_refuse_cross_site_requests() {
    let f = default_fixture();
    let refresh = cookie_value(&login(&f, "hobbes").await);
    let cookie = format!("{REFRESH_COOKIE}={refresh}");
    let with_cookie = |path: &str| f.client.post(path).header("cookie", &cookie);
    let cases = [
        with_cookie("/session/refresh"),
        with_cookie("/session/refresh")
            .header("x-requested-with", "x")
            .header("host", "api.example.com")
            .header("origin", "https://evil.example.com"),
        with_cookie("/session/logout")
            .header("x-requested-with", "x")
            .header("sec-fetch-site", "cross-site"),
    ];
    for req in cases {
        req.expect(403).await;
    }
    with_cookie("/session/refresh")
        .header("x-requested-with", "x")
        .header("host", "api.example.com")
        .header("origin", "https://api.example.com")
        .expect(200)
        .await;
}
