//! Scoped tokens on tagged routes with nested path parameters (seeds/003).

use serde_json::{Value, json};
use warden_test::RequestBuilder;

use crate::common::ErrorBody;
use crate::fixture::{Fixture, default_fixture};

/// `POST /tokens/scoped` of this scope, as `login`.
fn mint(f: &Fixture, login: &str, scope: &Value) -> RequestBuilder {
    f.client.post("/tokens/scoped").user(login).json(scope)
}

async fn scoped(f: &Fixture, login: &str, scope: Value) -> String {
    let reply = mint(f, login, &scope).expect(200).await;
    reply.json_value()["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// `GET uri` with this bearer token.
fn bearer(f: &Fixture, uri: &str, token: &str) -> RequestBuilder {
    f.client.get(uri).bearer(token)
}

#[tokio::test]
async fn a_scoped_token_passes_only_routes_with_its_tags() {
    let f = default_fixture();
    let token = scoped(&f, "hobbes", json!({"tags": ["tasks"]})).await;
    bearer(&f, "/dept/x/task/1", &token).expect(200).await;
    let out = bearer(&f, "/whoami", &token).expect(403).await;
    assert_eq!(out.error(), "the token's scope does not cover this request");
}

#[tokio::test]
async fn nested_path_parameters_are_restricted_where_they_appear() {
    let f = default_fixture();
    let token = scoped(
        &f,
        "hobbes",
        json!({"tags": ["tasks"], "params": {"dept_id": ["xxxxx001"], "task_id": [1, 2, 3]}}),
    )
    .await;
    bearer(&f, "/dept/xxxxx001/task/3", &token)
        .expect(200)
        .await;
    bearer(&f, "/dept/xxxxx001", &token).expect(200).await;
    bearer(&f, "/dept/xxxxx001/task/4", &token)
        .expect(403)
        .await;
    bearer(&f, "/dept/xxxxx002/task/3", &token)
        .expect(403)
        .await;
    bearer(&f, "/dept/xxxxx002", &token).expect(403).await;
}

#[tokio::test]
async fn a_scope_narrows_and_never_widens() {
    let f = default_fixture();
    // hobbes is not an administrator: a scope naming an admin route does not make him one.
    let token = scoped(
        &f,
        "hobbes",
        json!({"tags": ["tasks"], "params": {"task_id": [1]}}),
    )
    .await;
    let denied = bearer(&f, "/admin/tasks/1", &token).expect(403).await;
    assert_eq!(denied.error(), "not in group \"ADMIN\"");
    // calvin is, and his scoped token keeps that within its scope only.
    let token = scoped(
        &f,
        "calvin",
        json!({"tags": ["tasks"], "params": {"task_id": [1]}}),
    )
    .await;
    bearer(&f, "/admin/tasks/1", &token).expect(200).await;
    bearer(&f, "/admin/tasks/2", &token).expect(403).await;
}

#[tokio::test]
async fn a_value_scoped_token_cannot_reach_the_minting_route() {
    let f = default_fixture();
    let token = scoped(&f, "calvin", json!({"params": {"task_id": [1, 2]}})).await;
    let mint_with = |scope: Value| f.client.post("/tokens/scoped").bearer(&token).json(&scope);
    // A value-restricted scope reaches only routes that carry a restricted parameter: the
    // minting route has none, so the token mints nothing, narrower or wider.
    for scope in [
        json!({"params": {"task_id": [1]}}),
        json!({"params": {"task_id": [1, 7]}}),
        json!({"tags": ["tasks"]}),
    ] {
        mint_with(scope).expect(403).await;
    }
}

#[tokio::test]
async fn scoped_tokens_have_a_maximum_lifetime_and_need_a_restriction() {
    let f = default_fixture();
    mint(&f, "susie", &json!({"tags": ["me"], "expires_in": 86_401}))
        .expect(400)
        .await;
    mint(&f, "susie", &json!({"tags": ["me"], "expires_in": 86_400}))
        .expect(200)
        .await;
    mint(&f, "susie", &json!({})).expect(400).await;
    mint(&f, "susie", &json!({"tags": "me"})).expect(400).await;
    f.client
        .post("/tokens/scoped")
        .json(&json!({"tags": ["me"]}))
        .expect(401)
        .await;
}

/// The capabilities endpoint carries no tag, so a scoped token, which only reaches routes with
/// one of its tags, never reaches it: the front-end asks with the user's unscoped credentials.
#[tokio::test]
async fn scoped_tokens_do_not_reach_the_capabilities_endpoint_their_user_does() {
    let f = default_fixture();
    for scope in [
        json!({"tags": ["tasks"]}),
        json!({"tags": ["me"]}),
        json!({"params": {"task_id": [1]}}),
    ] {
        let token = scoped(&f, "hobbes", scope.clone()).await;
        let refused = bearer(&f, "/capabilities", &token).expect(403).await;
        assert_eq!(
            refused.error(),
            "the token's scope does not cover this request",
            "{scope}"
        );
    }
    let caps = f
        .client
        .get("/capabilities")
        .user("hobbes")
        .expect(200)
        .await
        .json_value();
    let verdict = |method: &str, path: &str| {
        caps["routes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["method"] == method && r["path"] == path)
            .unwrap_or_else(|| panic!("no {method} {path} in {caps}"))["verdict"]
            .clone()
    };
    assert_eq!(verdict("GET", "/whoami"), "allowed");
    assert_eq!(verdict("GET", "/admin/tasks/{task_id}"), "denied");
    assert_eq!(verdict("DELETE", "/kick/{login}"), "denied");
    // And the requests agree.
    f.client.get("/whoami").user("hobbes").expect(200).await;
    f.client
        .get("/admin/tasks/1")
        .user("hobbes")
        .expect(403)
        .await;
}
