//! API keys: created, listed, exchanged for tokens, revoked.

use serde_json::json;

use crate::common::{CLIENT, new_user};

/// A new key of `login`'s: its id and its text.
async fn new_key(login: &str, name: &str) -> (String, String) {
    let created = CLIENT
        .post("/keys")
        .json(&json!({ "name": name }))
        .user(login)
        .expect(201)
        .await
        .json_value();
    let text = |field: &str| created[field].as_str().unwrap().to_owned();
    (text("id"), text("key"))
}

async fn exchange(login: &str, key: &str) -> warden_test::TestResponse {
    CLIENT
        .post("/keys/token")
        .json(&json!({"user": login, "key": key}))
        .send()
        .await
}

#[tokio::test]
async fn a_key_is_shown_once_and_exchanged_for_a_two_hour_token() {
    let (login, _) = new_user("keys").await;
    let created = CLIENT
        .post("/keys")
        .json(&json!({"name": "ci"}))
        .user(&login)
        .expect(201)
        .await;
    assert_eq!(created.header("cache-control"), Some("no-store"));
    let created = created.json_value();
    let key = created["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("wk_"));
    let listed = CLIENT
        .get("/keys")
        .user(&login)
        .expect(200)
        .await
        .json_value();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"], created["id"]);
    assert_eq!(listed[0]["name"], "ci");
    assert!(listed[0].get("key").is_none() && listed[0].get("hash").is_none());

    let token = exchange(&login, &key).await;
    assert_eq!(token.status(), 200);
    let token = token.json_value();
    assert_eq!(token["expires_in"], 7200);
    let me = CLIENT
        .get("/whoami")
        .bearer(token["access_token"].as_str().unwrap())
        .expect(200)
        .await;
    assert_eq!(me.json::<String>(), login);
}

#[tokio::test]
async fn wrong_keys_and_wrong_users_answer_alike() {
    let (login, _) = new_user("keys").await;
    let key = CLIENT
        .post("/keys")
        .form(&[("name", "laptop")])
        .user(&login)
        .expect(201)
        .await
        .json_value()["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let wrong_secret = format!("{}x", &key[..key.len() - 1]);
    for (user, key) in [
        ("calvin", key.as_str()),
        (login.as_str(), wrong_secret.as_str()),
        (login.as_str(), "wk_nope.nope"),
        (login.as_str(), "garbage"),
    ] {
        let refused = exchange(user, key).await;
        assert_eq!(refused.status(), 401);
        assert_eq!(
            refused.json_value(),
            json!({"error": "invalid credentials"})
        );
    }
}

#[tokio::test]
async fn a_revoked_key_is_exchanged_no_more() {
    let (login, _) = new_user("keys").await;
    let (id, key) = new_key(&login, "old").await;
    let (id, key) = (id.as_str(), key.as_str());
    // Another user cannot revoke it.
    CLIENT
        .delete(&format!("/keys/{id}"))
        .user("hobbes")
        .expect(404)
        .await;
    CLIENT
        .delete(&format!("/keys/{id}"))
        .user(&login)
        .expect(204)
        .await;
    assert_eq!(exchange(&login, key).await.status(), 401);
    CLIENT
        .delete(&format!("/keys/{id}"))
        .user(&login)
        .expect(404)
        .await;
    let listed = CLIENT
        .get("/keys")
        .user(&login)
        .expect(200)
        .await
        .json_value();
    assert_eq!(listed, json!([]));
    CLIENT
        .post("/keys")
        .json(&json!({"name": ""}))
        .user(&login)
        .expect(400)
        .await;
    CLIENT.get("/keys").expect(401).await;
}

#[tokio::test]
async fn revoking_a_key_revokes_the_tokens_it_bought() {
    let (login, _) = new_user("keys").await;
    let (id, key) = new_key(&login, "short-lived").await;
    let bought = exchange(&login, &key).await;
    assert_eq!(bought.status(), 200);
    let token = bought.json_value()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    CLIENT
        .get("/whoami")
        .bearer(token.clone())
        .expect(200)
        .await;
    CLIENT
        .delete(&format!("/keys/{id}"))
        .user(&login)
        .expect(204)
        .await;
    let refused = CLIENT.get("/whoami").bearer(token).expect(401).await;
    assert_eq!(refused.json_value(), json!({"error": "revoked token"}));
}
