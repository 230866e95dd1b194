use serde_json::json;

use crate::common::CLIENT;

#[tokio::test]
async fn hello_needs_authentication_with_a_challenge_per_scheme() {
    let anonymous = CLIENT.get("/hello").expect(401).await;
    assert_eq!(
        anonymous.header("www-authenticate"),
        Some("Basic realm=\"stuff\", Bearer realm=\"stuff\"")
    );
    assert_eq!(
        anonymous.json_value(),
        json!({"error": "authentication required"})
    );
    let hobbes = CLIENT.get("/hello").user("hobbes").expect(200).await;
    assert_eq!(hobbes.json::<String>(), "hello hobbes!");
}

#[tokio::test]
async fn unknown_user_and_wrong_password_answer_alike() {
    let unknown = CLIENT
        .get("/hello")
        .header("authorization", "Basic aGFja2VyOnNlY3JldA==") // hacker:secret
        .expect(401)
        .await;
    let wrong = CLIENT
        .get("/hello")
        .header("authorization", "Basic aG9iYmVzOnBhcy1sZS1ib24=") // hobbes:pas-le-bon
        .expect(401)
        .await;
    assert_eq!(unknown.bytes(), wrong.bytes());
    assert_eq!(
        unknown.header("www-authenticate"),
        wrong.header("www-authenticate")
    );
}

#[tokio::test]
async fn admin_is_for_the_admin_group() {
    let hobbes = CLIENT.get("/admin").user("hobbes").expect(403).await;
    assert_eq!(
        hobbes.json_value(),
        json!({"error": "not in group \"ADMIN\""})
    );
    let calvin = CLIENT.get("/admin").user("calvin").expect(200).await;
    assert_eq!(calvin.json::<String>(), "hello admin calvin!");
    CLIENT.get("/admin").expect(401).await;
}

#[tokio::test]
async fn whoami_accepts_basic_param_and_token() {
    for login in ["calvin", "hobbes", "susie"] {
        for request in [
            CLIENT.get("/whoami").basic(login),
            CLIENT.get("/whoami").param(login),
            CLIENT.get("/whoami").token(login),
        ] {
            assert_eq!(request.expect(200).await.json::<String>(), login);
        }
    }
}

#[tokio::test]
async fn param_credentials_work_in_json_bodies_too() {
    let me = CLIENT
        .get("/whoami")
        .json(&json!({"USER": "hobbes", "PASS": "susie"}))
        .expect(200)
        .await;
    assert_eq!(me.json::<String>(), "hobbes");
    CLIENT
        .get("/whoami")
        .json(&json!({"USER": "hobbes", "PASS": "calvin"}))
        .expect(401)
        .await;
}

#[tokio::test]
async fn credentials_in_the_query_string_are_not_accepted() {
    CLIENT
        .get("/whoami")
        .query(&[("USER", "calvin"), ("PASS", "hobbes")])
        .expect(401)
        .await;
}

#[tokio::test]
async fn qui_suis_je_takes_tokens_only() {
    let basic = CLIENT.get("/qui-suis-je").basic("calvin").expect(401).await;
    assert_eq!(
        basic.header("www-authenticate"),
        Some("Bearer realm=\"stuff\"")
    );
    CLIENT.get("/qui-suis-je").param("calvin").expect(401).await;
    let token = CLIENT.get("/qui-suis-je").token("calvin").expect(200).await;
    assert_eq!(token.json::<String>(), "calvin");
}

#[tokio::test]
async fn login_takes_basic_only() {
    let token = CLIENT.get("/login").basic("hobbes").expect(200).await;
    assert_eq!(token.header("cache-control"), Some("no-store"));
    assert!(token.json::<String>().starts_with("stuff:hobbes:"));
    let bearer = CLIENT.get("/login").token("hobbes").expect(401).await;
    assert_eq!(
        bearer.header("www-authenticate"),
        Some("Basic realm=\"stuff\"")
    );
    CLIENT.get("/login").param("hobbes").expect(401).await;
}

#[tokio::test]
async fn malformed_authorization_headers_are_401() {
    for header in [
        "Basic !!!",
        "Basic bm9jb2xvbg==",
        "Bearer",
        "Bearer stuff:calvin",
        "Negotiate abc",
    ] {
        CLIENT
            .get("/hello")
            .header("authorization", header)
            .expect(401)
            .await;
    }
}
