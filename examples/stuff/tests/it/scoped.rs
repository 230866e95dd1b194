//! Scoped tokens: narrower than their holder, never wider.

use serde_json::{Value, json};

use crate::common::CLIENT;

async fn scoped(login: &str, scope: Value) -> String {
    CLIENT
        .post("/tokens/scoped")
        .json(&scope)
        .user(login)
        .expect(200)
        .await
        .json_value()["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_scoped_token_reaches_only_its_tags_and_parameter_values() {
    let token = scoped(
        "calvin",
        json!({"tags": ["objects"], "params": {"oid": [1]}, "expires_in": 600}),
    )
    .await;
    let box_ = CLIENT
        .get("/object/1")
        .bearer(token.clone())
        .expect(200)
        .await;
    assert_eq!(box_.json_value(), json!({"oid": 1, "object": "Box"}));
    // Calvin's own tiger, but not in the token's list.
    let out = CLIENT
        .get("/object/4")
        .bearer(token.clone())
        .expect(403)
        .await;
    assert_eq!(
        out.json_value()["error"],
        "the token's scope does not cover this request"
    );
    // Untagged or differently tagged routes are out.
    CLIENT
        .get("/whoami")
        .bearer(token.clone())
        .expect(403)
        .await;
    CLIENT.get("/admin").bearer(token.clone()).expect(403).await;
    // The same user without the scope reaches them.
    CLIENT.get("/object/4").user("calvin").expect(200).await;
}

#[tokio::test]
async fn a_scope_never_widens_the_users_rights() {
    let token = scoped("hobbes", json!({"tags": ["objects"]})).await;
    // In scope, but hobbes is not an administrator and does not own object 1.
    CLIENT.get("/owned").bearer(token.clone()).expect(403).await;
    CLIENT
        .get("/object/1")
        .bearer(token.clone())
        .expect(403)
        .await;
    CLIENT.get("/object/2").bearer(token).expect(200).await;
}

#[tokio::test]
async fn a_scoped_token_mints_only_narrower_ones() {
    let outer = scoped("calvin", json!({"tags": ["objects", "me"]})).await;
    let narrower = CLIENT
        .post("/tokens/scoped")
        .json(&json!({"tags": ["me"]}))
        .bearer(outer.clone())
        .send()
        .await;
    // The minting route carries no tag: a tag-scoped token cannot reach it at all.
    assert_eq!(narrower.status(), 403);
    let wide = CLIENT
        .post("/tokens/scoped")
        .json(&json!({"tags": ["stuff"]}))
        .bearer(outer)
        .send()
        .await;
    assert_eq!(wide.status(), 403);
}

#[tokio::test]
async fn scoped_tokens_have_bounds() {
    CLIENT
        .post("/tokens/scoped")
        .json(&json!({"tags": ["me"], "expires_in": 10_000_000}))
        .user("susie")
        .expect(400)
        .await;
    CLIENT
        .post("/tokens/scoped")
        .json(&json!({}))
        .user("susie")
        .expect(400)
        .await;
    CLIENT
        .post("/tokens/scoped")
        .json(&json!({"params": {"oid": [{"nested": 1}]}}))
        .user("susie")
        .expect(400)
        .await;
    CLIENT
        .post("/tokens/scoped")
        .json(&json!({"tags": ["me"]}))
        .expect(401)
        .await;
}

#[tokio::test]
async fn a_misspelt_field_or_an_unknown_parameter_mints_nothing() {
    for scope in [
        json!({"tag": ["objects"]}),
        json!({"tags": ["objects"], "params": {"OID": [1]}}),
        json!({"tags": ["objects"], "expires": 60}),
    ] {
        CLIENT
            .post("/tokens/scoped")
            .json(&scope)
            .user("calvin")
            .expect(400)
            .await;
    }
}

#[tokio::test]
async fn a_token_scoped_to_object_values_reaches_no_list_and_no_other_key() {
    let token = scoped(
        "calvin",
        json!({"tags": ["objects"], "params": {"oid": [1]}}),
    )
    .await;
    CLIENT
        .get("/object/1")
        .bearer(token.clone())
        .expect(200)
        .await;
    // Calvin, an administrator, may list every object, but the token names one.
    for path in ["/object", "/owned", "/owned/1"] {
        CLIENT.get(path).bearer(token.clone()).expect(403).await;
        CLIENT.get(path).user("calvin").expect(200).await;
    }
}
