use serde_json::json;
use warden::RunMode;
use warden_test::Client;

use crate::common::{CLIENT, in_process, unique};

#[tokio::test]
async fn register_then_log_in() {
    let login = unique("moe");
    let created = CLIENT
        .post("/register")
        .form(&[("login", login.as_str()), ("pword", "secret-moe-password")])
        .expect(201)
        .await;
    assert!(created.json_value()["uid"].as_i64().unwrap() > 3);
    CLIENT.user(&login, "secret-moe-password");
    assert_eq!(
        CLIENT
            .get("/whoami")
            .user(&login)
            .expect(200)
            .await
            .json::<String>(),
        login
    );
    assert_eq!(
        CLIENT
            .get("/qui-suis-je")
            .token(&login)
            .expect(200)
            .await
            .json::<String>(),
        login
    );
}

#[tokio::test]
async fn register_refuses_existing_logins_weak_passwords_and_missing_parameters() {
    let conflict = CLIENT
        .post("/register")
        .form(&[("login", "calvin"), ("pword", "comics-are-great")])
        .expect(409)
        .await;
    assert_eq!(
        conflict.json_value(),
        json!({"error": "conflict on user: calvin"})
    );
    let login = unique("weak");
    let weak = CLIENT
        .post("/register")
        .form(&[("login", login.as_str()), ("pword", "secret")])
        .expect(400)
        .await;
    assert_eq!(
        weak.json_value()["error"],
        "password must have at least 8 characters"
    );
    CLIENT
        .post("/register")
        .form(&[("login", login.as_str()), ("pword", "password123")])
        .expect(400)
        .await;
    CLIENT
        .post("/register")
        .form(&[("login", login.as_str())])
        .expect(400)
        .await;
    CLIENT
        .post("/register")
        .form(&[("login", "a:b"), ("pword", "colons-break-basic")])
        .expect(400)
        .await;
}

#[tokio::test]
async fn register_refuses_the_application_name_as_a_password() {
    let login = unique("named");
    // `stuff` and `Stuff` are also too short; the others pass every other rule.
    for pword in [
        "stuff",
        "Stuff",
        " stuff  ",
        "STUFF\t\t\t",
        "Stuff2024!",
        "stuffstuff",
    ] {
        let refused = CLIENT
            .post("/register")
            .form(&[("login", login.as_str()), ("pword", pword)])
            .expect(400)
            .await;
        assert!(refused.json_value()["error"].is_string(), "{pword:?}");
    }
    let refused = CLIENT
        .post("/register")
        .form(&[("login", login.as_str()), ("pword", "Stuff2024!")])
        .expect(400)
        .await;
    assert_eq!(
        refused.json_value()["error"],
        "password must not be the application's name"
    );
    // A password that only contains the name is fine.
    CLIENT
        .post("/register")
        .form(&[("login", login.as_str()), ("pword", "my stuff, my rules")])
        .expect(201)
        .await;
}

#[tokio::test]
async fn auth_takes_a_json_user_object() {
    let login = unique("bro");
    let user = json!({"u": {"login": login, "password": "bro-password", "isAdmin": false}});
    let created = CLIENT.post("/auth").json(&user).expect(201).await;
    assert!(created.json_value()["uid"].is_i64());
    let again = CLIENT.post("/auth").json(&user).expect(409).await;
    assert_eq!(
        again.json_value()["error"],
        format!("conflict on user: {login}")
    );
    CLIENT.user(&login, "bro-password");
    CLIENT.get("/whoami").user(&login).expect(200).await;
    let bad = json!({"u": {"login": unique("bro"), "password": "bro-password", "isAdmin": "no"}});
    let reply = CLIENT.post("/auth").json(&bad).expect(400).await;
    assert_eq!(
        reply.json_value()["error"],
        "parameter \"u.isAdmin\" must be a boolean"
    );
    CLIENT
        .post("/auth")
        .json(&json!({"u": {"login": unique("bro"), "password": "short", "isAdmin": false}}))
        .expect(400)
        .await;
}

#[tokio::test]
async fn users_takes_json_or_a_json_string_in_a_form() {
    let sis = unique("sis");
    let user = json!({"login": sis, "password": "sis-password", "isAdmin": false});
    CLIENT
        .post("/users")
        .form(&[("user", user.to_string())])
        .expect(201)
        .await;
    let bro = unique("bro");
    CLIENT
        .post("/users")
        .json(&json!({"user": {"login": bro, "password": "bro-password", "isAdmin": false}}))
        .expect(201)
        .await;
    CLIENT
        .post("/users")
        .form(&[("user", "{not json")])
        .expect(400)
        .await;
}

#[tokio::test]
async fn a_user_is_changed_and_the_old_password_stops_working_at_once() {
    let login = unique("sis");
    let uid = CLIENT
        .post("/users")
        .json(&json!({"user": {"login": login, "password": "sis-password", "isAdmin": false}}))
        .expect(201)
        .await
        .json_value()["uid"]
        .as_i64()
        .unwrap();
    CLIENT.user(&login, "sis-password");
    CLIENT.get("/whoami").user(&login).expect(200).await;
    CLIENT
        .put(&format!("/users/{uid}"))
        .json(&json!({"user": {"uid": uid, "login": login, "password": "sis-PASSWORD", "isAdmin": true}}))
        .expect(204)
        .await;
    CLIENT.get("/whoami").user(&login).expect(401).await;
    CLIENT.user(&login, "sis-PASSWORD");
    CLIENT.get("/admin").user(&login).expect(200).await;
    // The uid in the path and the object must agree; an unknown user is 404.
    let inconsistent = CLIENT
        .put(&format!("/users/{uid}"))
        .json(&json!({"user": {"uid": uid + 1, "login": login, "password": "sis-password", "isAdmin": false}}))
        .expect(400)
        .await;
    assert_eq!(inconsistent.json_value()["error"], "inconsistent user id");
    let missing = CLIENT
        .put("/users/99999999")
        .json(&json!({"user": {"uid": 99_999_999, "login": "dad", "password": "dad-password", "isAdmin": true}}))
        .expect(404)
        .await;
    assert_eq!(missing.json_value()["error"], "no such user: 99999999");
}

#[tokio::test]
async fn in_production_only_administrators_manage_users() {
    // The production back-end, in-process whatever the suite's mode.
    let app = tokio::task::spawn_blocking(|| {
        let client = Client::in_process(
            tokio::runtime::Runtime::new()
                .unwrap()
                .block_on(in_process(RunMode::Production)),
        );
        client.user("calvin", "hobbes").user("hobbes", "susie");
        client
    })
    .await
    .unwrap();
    let user =
        || json!({"u": {"login": unique("prod"), "password": "prod-password", "isAdmin": false}});
    app.post("/auth").json(&user()).expect(401).await;
    app.post("/auth")
        .json(&user())
        .user("hobbes")
        .expect(403)
        .await;
    app.post("/auth")
        .json(&user())
        .user("calvin")
        .expect(201)
        .await;
    app.post("/users")
        .json(&json!({"user": user()["u"]}))
        .user("hobbes")
        .expect(403)
        .await;
    // /register stays open.
    app.post("/register")
        .form(&[
            ("login", unique("prod").as_str()),
            ("pword", "prod-password"),
        ])
        .expect(201)
        .await;
}
