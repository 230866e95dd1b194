//! Revoking every token a user holds: a kick, a password change.

use serde_json::json;
use warden::REFRESH_COOKIE;

use crate::common::{CLIENT, new_user};

#[tokio::test]
async fn a_kick_revokes_compact_jwt_and_session_tokens() {
    let (login, uid) = new_user("kick").await;
    let compact = CLIENT.token(&login).await;
    let session = CLIENT
        .post("/session/login")
        .basic(&login)
        .expect(200)
        .await;
    let access = session.json_value()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let refresh = session
        .set_cookie(REFRESH_COOKIE)
        .unwrap()
        .value()
        .to_owned();
    CLIENT
        .get("/whoami")
        .bearer(compact.clone())
        .expect(200)
        .await;
    CLIENT
        .get("/whoami")
        .bearer(access.clone())
        .expect(200)
        .await;

    CLIENT
        .delete(&format!("/users/{uid}/tokens"))
        .user("hobbes")
        .expect(403)
        .await;
    CLIENT
        .delete(&format!("/users/{uid}/tokens"))
        .user("calvin")
        .expect(204)
        .await;
    CLIENT
        .delete("/users/99999999/tokens")
        .user("calvin")
        .expect(404)
        .await;

    for token in [compact, access] {
        let refused = CLIENT.get("/whoami").bearer(token).expect(401).await;
        assert_eq!(refused.json_value(), json!({"error": "revoked token"}));
    }
    CLIENT
        .post("/session/refresh")
        .header("cookie", format!("{REFRESH_COOKIE}={refresh}"))
        .header("x-requested-with", "stuff-suite")
        .expect(401)
        .await;
    // The password still works: a kick is not a lock-out.
    CLIENT.forget_token(&login);
    CLIENT.get("/whoami").user(&login).expect(200).await;
}

#[tokio::test]
async fn a_password_change_revokes_the_users_tokens() {
    let (login, uid) = new_user("pwd").await;
    let token = CLIENT.token(&login).await;
    CLIENT
        .put(&format!("/users/{uid}"))
        .json(&json!({"user": {"uid": uid, "login": login, "password": "a-brand-new-password", "isAdmin": false}}))
        .user("calvin")
        .expect(204)
        .await;
    CLIENT.get("/whoami").bearer(token).expect(401).await;
}

/// The back-end on the database at `url` with a store of its own: in memory, or a fresh
/// namespace of the test Redis (what an emptied Redis looks like).
async fn process(url: &str, store: &str) -> warden_test::Client {
    let db = stuff::connect(url).await.unwrap();
    let store = warden::store::connect(
        std::env::var("WARDEN_TEST_REDIS_URL").ok().as_deref(),
        store,
    )
    .await
    .unwrap();
    let settings = warden::Settings {
        name: "stuff".to_owned(),
        secret: Some(warden::Secret::new(crate::common::secret())),
        ..warden::Settings::default()
    };
    let client = warden_test::Client::in_process(stuff::app(settings, db, store).unwrap().router());
    client.user("calvin", "hobbes");
    client
}

#[tokio::test]
async fn a_kick_outlives_the_store_that_answered_it() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("stuff.db").display());
    let first = process(&url, &crate::common::unique("stuff-first")).await;
    let (login, uid) = crate::common::new_user_on(&first, "kicked").await;
    let token = first.token(&login).await;
    first.get("/whoami").bearer(token.clone()).expect(200).await;
    first
        .delete(&format!("/users/{uid}/tokens"))
        .user("calvin")
        .expect(204)
        .await;
    first.get("/whoami").bearer(token.clone()).expect(401).await;

    // The next process, or the same one after its store came back empty: still refused.
    let second = process(&url, &crate::common::unique("stuff-second")).await;
    let refused = second.get("/whoami").bearer(token).expect(401).await;
    assert_eq!(refused.json_value(), json!({"error": "revoked token"}));
}
