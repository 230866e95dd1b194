//! Tokens: fetched once per user, reused, forgotten on demand, from a configurable route.

use serde_json::json;
use warden_test::{AuthScheme, TokenAnswer, TokenSource};

use crate::{Mode, both_modes, client, panic_message};

both_modes!(
    token_is_fetched_once_and_reused,
    parallel_first_uses_fetch_a_single_token,
    each_user_has_their_own_token,
    forgotten_token_is_fetched_again_after_revocation,
    token_source_route_login_and_answer_are_configurable,
    failed_token_fetch_panics_with_the_answer,
    raw_bearer_tokens_are_sent_as_given,
);

async fn issued(client: &warden_test::Client, login: &str) -> u64 {
    client
        .get(&format!("/issued/{login}"))
        .expect(200)
        .await
        .json()
}

async fn token_is_fetched_once_and_reused(mode: Mode) {
    let client = client(mode).await;
    for _ in 0..3 {
        let seen = client
            .get("/echo")
            .token("calvin")
            .expect(200)
            .await
            .json_value();
        assert_eq!(
            (seen["user"].as_str(), seen["scheme"].as_str()),
            (Some("calvin"), Some("bearer"))
        );
    }
    assert_eq!(issued(&client, "calvin").await, 1);
    let token = client.token("calvin").await;
    assert!(token.starts_with("calvin:1:"), "{token}");
    assert_eq!(issued(&client, "calvin").await, 1);
}

async fn parallel_first_uses_fetch_a_single_token(mode: Mode) {
    let client = client(mode).await;
    let requests: Vec<_> = (0..8)
        .map(|_| tokio::spawn(client.get("/whoami").token("hobbes").expect(200)))
        .collect();
    for request in requests {
        assert_eq!(request.await.unwrap().json::<String>(), "hobbes");
    }
    assert_eq!(issued(&client, "hobbes").await, 1);
}

async fn each_user_has_their_own_token(mode: Mode) {
    let client = client(mode).await;
    let calvin = client.get("/whoami").token("calvin").expect(200).await;
    let susie = client.get("/whoami").token("susie").expect(200).await;
    assert_eq!(
        (calvin.json::<String>(), susie.json::<String>()),
        ("calvin".into(), "susie".into())
    );
    assert_ne!(client.token("calvin").await, client.token("susie").await);
    assert_eq!(issued(&client, "calvin").await, 1);
    assert_eq!(issued(&client, "susie").await, 1);
}

async fn forgotten_token_is_fetched_again_after_revocation(mode: Mode) {
    let client = client(mode).await;
    let first = client.token("calvin").await;
    client.post("/logout").token("calvin").expect(204).await;
    // The cached token is the revoked one.
    client.get("/whoami").token("calvin").expect(401).await;
    client.forget_token("calvin");
    client.get("/whoami").token("calvin").expect(200).await;
    assert_ne!(client.token("calvin").await, first);
    assert_eq!(issued(&client, "calvin").await, 2);
}

async fn token_source_route_login_and_answer_are_configurable(mode: Mode) {
    let client = client(mode).await;
    client
        .param_names("username", "password")
        .token_source(
            TokenSource::post("/token")
                .login_with(AuthScheme::Param)
                .answer(TokenAnswer::field("access_token")),
        )
        .default_auth(AuthScheme::Token);
    let res = client.get("/whoami").user("susie").expect(200).await;
    assert_eq!(res.json::<String>(), "susie");
    assert_eq!(issued(&client, "susie").await, 1);
    assert!(client.token("susie").await.starts_with("susie:1:"));
}

async fn failed_token_fetch_panics_with_the_answer(mode: Mode) {
    let client = client(mode).await;
    client.user("calvin", "wrong");
    let message = panic_message(client.get("/whoami").token("calvin").expect(200)).await;
    for part in [
        "GET /whoami as calvin (token)",
        "fetching calvin's token: GET /login as calvin (basic)",
        "answered 401 Unauthorized",
        "who are you?",
    ] {
        assert!(message.contains(part), "{part:?} not in {message:?}");
    }

    // A success whose body is not a token is a failure too.
    client.user("calvin", "hobbes");
    client.token_source(TokenSource::get("/whoami").answer(TokenAnswer::field("token")));
    let message = panic_message(client.token("calvin")).await;
    assert!(
        message.contains(r#"the answer is not a JSON object: "calvin""#),
        "{message}"
    );
}

async fn raw_bearer_tokens_are_sent_as_given(mode: Mode) {
    let client = client(mode).await;
    client
        .get("/whoami")
        .bearer("calvin:1:forged")
        .expect(401)
        .await;
    let token = client.token("hobbes").await;
    let seen = client
        .get("/echo")
        .bearer(token)
        .expect(200)
        .await
        .json_value();
    assert_eq!(seen["user"], json!("hobbes"));
    assert_eq!(seen["scheme"], json!("bearer"));
}
