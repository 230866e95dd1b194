//! Scoped tokens on tagged routes with nested path parameters (seeds/003).

use serde_json::{Value, json};

use crate::common::Reply;
use crate::fixture::{Fixture, default_fixture};

async fn mint(f: &Fixture, login: &str, scope: Value) -> Reply {
    f.json("POST", "/tokens/scoped", Some(login), scope).await
}

async fn scoped(f: &Fixture, login: &str, scope: Value) -> String {
    let reply = mint(f, login, scope).await;
    assert_eq!(reply.status, 200, "{}", reply.json());
    reply.json()["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_scoped_token_passes_only_routes_with_its_tags() {
    let f = default_fixture();
    let token = scoped(&f, "hobbes", json!({"tags": ["tasks"]})).await;
    assert_eq!(f.bearer("/dept/x/task/1", &token).await.status, 200);
    let out = f.bearer("/whoami", &token).await;
    assert_eq!(
        (out.status, out.error()),
        (403, "the token's scope does not cover this request".into())
    );
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
    assert_eq!(f.bearer("/dept/xxxxx001/task/3", &token).await.status, 200);
    assert_eq!(f.bearer("/dept/xxxxx001", &token).await.status, 200);
    assert_eq!(f.bearer("/dept/xxxxx001/task/4", &token).await.status, 403);
    assert_eq!(f.bearer("/dept/xxxxx002/task/3", &token).await.status, 403);
    assert_eq!(f.bearer("/dept/xxxxx002", &token).await.status, 403);
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
    let denied = f.bearer("/admin/tasks/1", &token).await;
    assert_eq!(
        (denied.status, denied.error()),
        (403, "not in group \"ADMIN\"".into())
    );
    // calvin is, and his scoped token keeps that within its scope only.
    let token = scoped(
        &f,
        "calvin",
        json!({"tags": ["tasks"], "params": {"task_id": [1]}}),
    )
    .await;
    assert_eq!(f.bearer("/admin/tasks/1", &token).await.status, 200);
    assert_eq!(f.bearer("/admin/tasks/2", &token).await.status, 403);
}

#[tokio::test]
async fn a_value_scoped_token_cannot_reach_the_minting_route() {
    let f = default_fixture();
    let token = scoped(&f, "calvin", json!({"params": {"task_id": [1, 2]}})).await;
    let mint_with = |scope: Value| {
        let f = &f;
        let token = token.clone();
        async move {
            f.send(
                crate::common::request("POST", "/tokens/scoped")
                    .header("authorization", format!("Bearer {token}"))
                    .header("content-type", "application/json"),
                axum::body::Body::from(scope.to_string()),
            )
            .await
        }
    };
    // A value-restricted scope reaches only routes that carry a restricted parameter: the
    // minting route has none, so the token mints nothing, narrower or wider.
    for scope in [
        json!({"params": {"task_id": [1]}}),
        json!({"params": {"task_id": [1, 7]}}),
        json!({"tags": ["tasks"]}),
    ] {
        assert_eq!(mint_with(scope).await.status, 403);
    }
}

#[tokio::test]
async fn scoped_tokens_have_a_maximum_lifetime_and_need_a_restriction() {
    let f = default_fixture();
    assert_eq!(
        mint(&f, "susie", json!({"tags": ["me"], "expires_in": 86_401}))
            .await
            .status,
        400
    );
    assert_eq!(
        mint(&f, "susie", json!({"tags": ["me"], "expires_in": 86_400}))
            .await
            .status,
        200
    );
    assert_eq!(mint(&f, "susie", json!({})).await.status, 400);
    assert_eq!(mint(&f, "susie", json!({"tags": "me"})).await.status, 400);
    assert_eq!(
        f.json("POST", "/tokens/scoped", None, json!({"tags": ["me"]}))
            .await
            .status,
        401
    );
}
