//! Short access tokens with a rotating refresh cookie.

use warden::REFRESH_COOKIE;

use crate::common::{CLIENT, new_user};

/// A request to a cookie endpoint with the refresh token and the anti-CSRF header.
fn with_cookie(path: &str, token: &str) -> warden_test::RequestBuilder {
    CLIENT
        .post(path)
        .header("cookie", format!("{REFRESH_COOKIE}={token}"))
        .header("x-requested-with", "stuff-suite")
}

/// A fresh user's new session: its answer's refresh token.
async fn refresh_token_of_new_user() -> String {
    let (login, _) = new_user("sess").await;
    CLIENT
        .post("/session/login")
        .basic(&login)
        .expect(200)
        .await
        .set_cookie(REFRESH_COOKIE)
        .unwrap()
        .value()
        .to_owned()
}

#[tokio::test]
async fn login_answers_an_access_token_and_sets_a_locked_down_refresh_cookie() {
    let (login, _) = new_user("sess").await;
    let res = CLIENT
        .post("/session/login")
        .basic(&login)
        .expect(200)
        .await;
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let body = res.json_value();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 300);
    let cookie = res.set_cookie(REFRESH_COOKIE).expect("a refresh cookie");
    assert_eq!(cookie.path(), Some("/session"));
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(cookie.secure(), Some(true));
    assert_eq!(
        cookie.same_site(),
        Some(warden_test::cookie::SameSite::Strict)
    );
    assert_eq!(
        cookie.max_age(),
        Some(warden_test::cookie::time::Duration::days(7))
    );
    let access = body["access_token"].as_str().unwrap().to_owned();
    let me = CLIENT.get("/whoami").bearer(access).expect(200).await;
    assert_eq!(me.json::<String>(), login);
    // The refresh token is not an access token.
    CLIENT
        .get("/whoami")
        .bearer(cookie.value())
        .expect(401)
        .await;
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let (login, _) = new_user("sess").await;
    let first = CLIENT
        .post("/session/login")
        .basic(&login)
        .expect(200)
        .await;
    let spent = first.set_cookie(REFRESH_COOKIE).unwrap().value().to_owned();
    let rotated = with_cookie("/session/refresh", &spent).expect(200).await;
    let current = rotated
        .set_cookie(REFRESH_COOKIE)
        .unwrap()
        .value()
        .to_owned();
    assert_ne!(current, spent);
    let access = rotated.json_value()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    CLIENT
        .get("/whoami")
        .bearer(access.clone())
        .expect(200)
        .await;
    // The spent token comes back: the whole family is revoked.
    let reused = with_cookie("/session/refresh", &spent).expect(401).await;
    assert!(
        reused.json_value()["error"]
            .as_str()
            .unwrap()
            .contains("reused")
    );
    with_cookie("/session/refresh", &current).expect(401).await;
    CLIENT.get("/whoami").bearer(access).expect(401).await;
}

#[tokio::test]
async fn two_parallel_refreshes_with_one_token_have_one_winner() {
    let token = refresh_token_of_new_user().await;
    let attempt = || with_cookie("/session/refresh", &token).send();
    let (a, b) = tokio::join!(attempt(), attempt());
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 401]);
}

#[tokio::test]
async fn logout_revokes_the_family_and_clears_the_cookie() {
    let (login, _) = new_user("sess").await;
    let session = CLIENT
        .post("/session/login")
        .basic(&login)
        .expect(200)
        .await;
    let token = session
        .set_cookie(REFRESH_COOKIE)
        .unwrap()
        .value()
        .to_owned();
    let access = session.json_value()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = with_cookie("/session/logout", &token).expect(204).await;
    let cleared = out.set_cookie(REFRESH_COOKIE).unwrap();
    assert_eq!(cleared.value(), "");
    assert_eq!(
        cleared.max_age(),
        Some(warden_test::cookie::time::Duration::ZERO)
    );
    with_cookie("/session/refresh", &token).expect(401).await;
    CLIENT.get("/whoami").bearer(access).expect(401).await;
}

#[tokio::test]
async fn cookie_endpoints_refuse_cross_site_requests() {
    let token = refresh_token_of_new_user().await;
    // No X-Requested-With: a plain cross-site form could send that.
    CLIENT
        .post("/session/refresh")
        .header("cookie", format!("{REFRESH_COOKIE}={token}"))
        .expect(403)
        .await;
    with_cookie("/session/refresh", &token)
        .header("origin", "https://evil.example")
        .expect(403)
        .await;
    with_cookie("/session/logout", &token)
        .header("sec-fetch-site", "cross-site")
        .expect(403)
        .await;
    // Still usable from the right place.
    with_cookie("/session/refresh", &token).expect(200).await;
}

#[tokio::test]
async fn an_access_token_is_not_a_refresh_token() {
    let (login, _) = new_user("sess").await;
    let access = CLIENT
        .post("/session/login")
        .basic(&login)
        .expect(200)
        .await
        .json_value()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    with_cookie("/session/refresh", &access).expect(401).await;
}
