//! The access + refresh cookie flow, end to end over the router.

use std::time::Duration;

use axum::body::Body;
use warden::{AuthSettings, REFRESH_COOKIE, SessionSettings, Settings};

use crate::common::{Reply, request, settings};
use crate::fixture::{Fixture, default_fixture, fixture};

fn cookie_value(reply: &Reply) -> String {
    let header = reply
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with(REFRESH_COOKIE))
        .unwrap_or_else(|| panic!("no refresh cookie in {:?}", reply.headers));
    header[REFRESH_COOKIE.len() + 1..header.find(';').unwrap()].to_owned()
}

async fn login(f: &Fixture, user: &str) -> Reply {
    let reply = f
        .send(
            Fixture::as_user("POST", "/session/login", user),
            Body::empty(),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply
}

async fn post_cookie(f: &Fixture, path: &str, refresh: &str) -> Reply {
    f.send(
        request("POST", path)
            .header("cookie", format!("{REFRESH_COOKIE}={refresh}"))
            .header("x-requested-with", "test"),
        Body::empty(),
    )
    .await
}

fn access(reply: &Reply) -> String {
    reply.json()["access_token"].as_str().unwrap().to_owned()
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
    assert_eq!(reply.json()["expires_in"], 300);
}

#[tokio::test]
async fn login_access_refresh_reuse_detection_and_logout() {
    let f = default_fixture();
    let first = login(&f, "hobbes").await;
    let (spent, access_1) = (cookie_value(&first), access(&first));
    assert_eq!(f.bearer("/whoami", &access_1).await.status, 200);

    let second = post_cookie(&f, "/session/refresh", &spent).await;
    assert_eq!(second.status, 200);
    let (current, access_2) = (cookie_value(&second), access(&second));
    assert_ne!(spent, current, "the refresh token rotates");
    assert_eq!(f.bearer("/whoami", &access_2).await.status, 200);

    // The spent token again: reuse detected, the whole family revoked.
    let reused = post_cookie(&f, "/session/refresh", &spent).await;
    assert_eq!(reused.status, 401);
    assert_eq!(
        post_cookie(&f, "/session/refresh", &current).await.status,
        401
    );
    for token in [&access_1, &access_2] {
        let refused = f.bearer("/whoami", token).await;
        assert_eq!(
            (refused.status, refused.error()),
            (401, "revoked token".into())
        );
    }

    // A new login is a new family; logout revokes it and clears the cookie.
    let third = login(&f, "hobbes").await;
    let (refresh, access_3) = (cookie_value(&third), access(&third));
    let out = post_cookie(&f, "/session/logout", &refresh).await;
    assert_eq!(out.status, 204);
    let cleared = out.header("set-cookie").unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert_eq!(
        post_cookie(&f, "/session/refresh", &refresh).await.status,
        401
    );
    assert_eq!(f.bearer("/whoami", &access_3).await.status, 401);
}

#[tokio::test]
async fn two_parallel_refreshes_with_the_same_token_have_exactly_one_winner() {
    let f = default_fixture();
    let refresh = cookie_value(&login(&f, "susie").await);
    let (a, b) = tokio::join!(
        post_cookie(&f, "/session/refresh", &refresh),
        post_cookie(&f, "/session/refresh", &refresh)
    );
    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 401]);
}

#[tokio::test]
async fn access_and_refresh_tokens_are_not_interchangeable() {
    let f = default_fixture();
    let reply = login(&f, "hobbes").await;
    let refused = f.bearer("/whoami", &cookie_value(&reply)).await;
    assert_eq!(refused.status, 401);
    assert_eq!(
        post_cookie(&f, "/session/refresh", &access(&reply))
            .await
            .status,
        401
    );
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
    assert_eq!(reply.json()["expires_in"], 60);
    let access_1 = access(&reply);
    // A minute, and the 30 s of leeway allowed for clock skew.
    f.clock.advance(Duration::from_secs(91));
    let expired = f.bearer("/whoami", &access_1).await;
    assert_eq!(
        (expired.status, expired.error()),
        (401, "expired token".into())
    );
    let mut refresh = cookie_value(&reply);
    for _ in 0..3 {
        f.clock.advance(Duration::from_secs(1000));
        let next = post_cookie(&f, "/session/refresh", &refresh).await;
        assert_eq!(next.status, 200);
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
    assert_eq!(
        post_cookie(&f, "/session/refresh", &refresh).await.status,
        401
    );
}

#[tokio::test]
async fn cookie_endpoints_refuse_cross_site_requests() {
    let f = default_fixture();
    let refresh = cookie_value(&login(&f, "hobbes").await);
    let cookie = format!("{REFRESH_COOKIE}={refresh}");
    let cases = [
        request("POST", "/session/refresh").header("cookie", &cookie),
        request("POST", "/session/refresh")
            .header("cookie", &cookie)
            .header("x-requested-with", "x")
            .header("host", "api.example.com")
            .header("origin", "https://evil.example.com"),
        request("POST", "/session/logout")
            .header("cookie", &cookie)
            .header("x-requested-with", "x")
            .header("sec-fetch-site", "cross-site"),
    ];
    for req in cases {
        assert_eq!(f.send(req, Body::empty()).await.status, 403);
    }
    let same_origin = request("POST", "/session/refresh")
        .header("cookie", &cookie)
        .header("x-requested-with", "x")
        .header("host", "api.example.com")
        .header("origin", "https://api.example.com");
    assert_eq!(f.send(same_origin, Body::empty()).await.status, 200);
}
