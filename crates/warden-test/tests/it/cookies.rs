//! Cookie jars: per user and anonymous, Secure on loopback, Path, Max-Age deletion.

use axum::http::header::SET_COOKIE;
use serde_json::Value;

use crate::{Mode, both_modes, client};

both_modes!(
    secure_cookie_comes_back_over_loopback,
    path_scoped_cookie_is_sent_only_under_its_path,
    max_age_zero_deletes_the_cookie,
    each_user_has_their_own_jar,
    cookies_of_sends_a_users_cookies_without_credentials,
    raw_set_cookie_headers_are_visible_with_attributes,
    cleared_jar_sends_nothing,
    explicit_cookie_header_replaces_the_jar,
    token_route_cookies_land_in_the_users_jar,
);

/// The `Cookie` header the app received.
async fn cookie_sent(request: warden_test::RequestBuilder) -> Value {
    request.expect(200).await.json_value()["cookie"].clone()
}

async fn secure_cookie_comes_back_over_loopback(mode: Mode) {
    let client = client(mode).await;
    client.get("/cookies/set").expect(200).await;
    let session = client
        .anonymous_jar()
        .get("session")
        .expect("session cookie stored");
    assert_eq!(session.secure(), Some(true));
    assert_eq!(cookie_sent(client.get("/echo")).await, "session=abc");
}

async fn path_scoped_cookie_is_sent_only_under_its_path(mode: Mode) {
    let client = client(mode).await;
    client.get("/cookies/set").expect(200).await;
    assert_eq!(
        cookie_sent(client.get("/cookies/scoped/echo")).await,
        "scoped=1; session=abc"
    );
    assert_eq!(
        cookie_sent(client.get("/echo/cookies")).await,
        "session=abc"
    );
}

async fn max_age_zero_deletes_the_cookie(mode: Mode) {
    let client = client(mode).await;
    client.get("/cookies/set").expect(200).await;
    client.get("/cookies/delete").expect(200).await;
    let jar = client.anonymous_jar();
    assert_eq!(jar.get("session"), None);
    assert_eq!(jar.value("scoped").as_deref(), Some("1"));
    assert_eq!(cookie_sent(client.get("/echo")).await, Value::Null);
}

async fn each_user_has_their_own_jar(mode: Mode) {
    let client = client(mode).await;
    client.get("/cookies/set").user("calvin").expect(200).await;
    assert_eq!(
        client.jar("calvin").value("session").as_deref(),
        Some("abc")
    );
    assert!(client.jar("hobbes").is_empty());
    assert!(client.anonymous_jar().is_empty());
    assert_eq!(
        cookie_sent(client.get("/echo").user("calvin")).await,
        "session=abc"
    );
    assert_eq!(
        cookie_sent(client.get("/echo").user("hobbes")).await,
        Value::Null
    );
    assert_eq!(cookie_sent(client.get("/echo")).await, Value::Null);
}

async fn cookies_of_sends_a_users_cookies_without_credentials(mode: Mode) {
    let client = client(mode).await;
    client.get("/cookies/set").user("susie").expect(200).await;
    let seen = client
        .get("/echo")
        .cookies_of("susie")
        .expect(200)
        .await
        .json_value();
    assert_eq!(seen["cookie"], "session=abc");
    assert_eq!(seen["user"], Value::Null);
    // Cookies set on such a request go to that user's jar too.
    client
        .get("/cookies/delete")
        .cookies_of("susie")
        .expect(200)
        .await;
    assert_eq!(client.jar("susie").get("session"), None);
}

async fn raw_set_cookie_headers_are_visible_with_attributes(mode: Mode) {
    let client = client(mode).await;
    let res = client.get("/cookies/set").expect(200).await;
    let raw: Vec<&str> = res
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(
        raw,
        [
            "session=abc; Path=/; Secure; HttpOnly; SameSite=Strict",
            "scoped=1; Path=/cookies/scoped"
        ]
    );
    let session = res.set_cookie("session").unwrap();
    assert_eq!(session.http_only(), Some(true));
    assert_eq!(
        session.same_site(),
        Some(warden_test::cookie::SameSite::Strict)
    );
    assert_eq!(
        res.set_cookie("scoped").unwrap().path(),
        Some("/cookies/scoped")
    );
    // The jar keeps the attributes too.
    let stored = client.anonymous_jar().get("scoped").unwrap();
    assert_eq!(stored.path(), Some("/cookies/scoped"));
}

async fn cleared_jar_sends_nothing(mode: Mode) {
    let client = client(mode).await;
    client.get("/cookies/set").user("calvin").expect(200).await;
    client.jar("calvin").clear();
    assert_eq!(
        cookie_sent(client.get("/echo").user("calvin")).await,
        Value::Null
    );
}

async fn explicit_cookie_header_replaces_the_jar(mode: Mode) {
    let client = client(mode).await;
    client.get("/cookies/set").expect(200).await;
    let request = client.get("/echo").header("cookie", "session=forged");
    assert_eq!(cookie_sent(request).await, "session=forged");
    assert_eq!(
        client.anonymous_jar().value("session").as_deref(),
        Some("abc")
    );
}

async fn token_route_cookies_land_in_the_users_jar(mode: Mode) {
    let client = client(mode).await;
    client.token_source(warden_test::TokenSource::get("/cookies/set"));
    let _ = client.token("hobbes").await;
    assert_eq!(
        client.jar("hobbes").value("session").as_deref(),
        Some("abc")
    );
    assert!(client.anonymous_jar().is_empty());
}
