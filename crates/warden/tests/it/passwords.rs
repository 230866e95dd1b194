//! Real password hashes through the application: argon2id, imported bcrypt (passlib's `$2b$`
//! and PHP's `$2y$`), upgrade on login, and the password policy.

use std::time::Duration;

use serde::Deserialize;
use warden::{
    App, Auth, CurrentUser, MemoryDirectory, Open, Params, Passwords, Result, Routes, UserRecord,
    get, post,
};
use warden_test::Client;

use crate::common::{ErrorBody, client, settings};

/// Made by argon2-cffi (time_cost=2, memory_cost=19456, parallelism=1).
const CALVIN_ARGON2: &str = "$argon2id$v=19$m=19456,t=2,p=1$s0Dtr19l1YPKkHLiUWV6lQ$dG+9OgQEesjtwKBTLRGjLKMECrccmK6B0BxUqMKvaGc";
/// Made by Python's bcrypt with 2^4 rounds, as the seed's passlib script does.
const HOBBES_BCRYPT: &str = "$2b$04$hALOrWi9E09aWfrMEjPMgenjDDajYUhuyy864fIuyOMScJUYnnT2a";
const SUSIE_BCRYPT: &str = "$2b$04$/p8lVmWsklBSMQCwJbrvhuRRfD0RmxMTRCNNcgK/4lbp4HJ0myhNW";

#[derive(Deserialize)]
struct NewPassword {
    login: String,
    pword: String,
}

async fn register(
    passwords: Passwords,
    Params(p): Params<NewPassword>,
) -> Result<axum::Json<String>> {
    passwords.check(&p.pword, Some(&p.login))?;
    passwords.hash(&p.pword).await.map(axum::Json)
}

async fn whoami(user: CurrentUser) -> String {
    user.login().to_owned()
}

/// The seed's users and passwords, with real hashes.
fn app() -> (Client, MemoryDirectory) {
    let users = MemoryDirectory::new();
    users.insert(UserRecord::new("calvin", CALVIN_ARGON2));
    users.insert(UserRecord::new("hobbes", HOBBES_BCRYPT));
    users.insert(UserRecord::new(
        "susie",
        SUSIE_BCRYPT.replacen("$2b$", "$2y$", 1),
    ));
    let router = App::builder(settings())
        .directory(users.clone())
        .routes(
            Routes::new()
                .route("/whoami", get(Auth, whoami))
                .route("/register", post(Open, register)),
        )
        .build()
        .unwrap()
        .router();
    (client(router), users)
}

async fn whoami_as(client: &Client, login: &str, password: &str) -> u16 {
    client
        .get("/whoami")
        .basic_auth(login, password)
        .send()
        .await
        .status()
        .as_u16()
}

#[tokio::test]
async fn argon2id_and_imported_bcrypt_hashes_verify() {
    let (client, _) = app();
    assert_eq!(whoami_as(&client, "calvin", "hobbes").await, 200);
    assert_eq!(whoami_as(&client, "calvin", "Hobbes").await, 401);
    assert_eq!(whoami_as(&client, "hobbes", "susie").await, 200);
    assert_eq!(
        whoami_as(&client, "susie", "derkins").await,
        200,
        "$2y$ verifies"
    );
    assert_eq!(whoami_as(&client, "susie", "derkin").await, 401);
}

#[tokio::test]
async fn a_bcrypt_hash_is_upgraded_to_argon2id_at_login() {
    let (client, users) = app();
    assert_eq!(whoami_as(&client, "hobbes", "susie").await, 200);
    // The upgrade runs in the background, so as not to delay the login: wait for it.
    let mut upgraded = None;
    for _ in 0..500 {
        let hash = users.get("hobbes").unwrap().password_hash.unwrap();
        if hash.starts_with("$argon2id$") {
            upgraded = Some(hash);
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(upgraded.is_some(), "the hash was not upgraded");
    // An argon2id hash with current costs is left alone.
    assert_eq!(whoami_as(&client, "calvin", "hobbes").await, 200);
    assert_eq!(
        users.get("calvin").unwrap().password_hash.as_deref(),
        Some(CALVIN_ARGON2)
    );
}

#[tokio::test]
async fn new_passwords_follow_the_policy_and_hash_with_argon2id() {
    let (client, _) = app();
    let register = |pword: &str| {
        client
            .post("/register")
            .form(&[("login", "moe"), ("pword", pword)])
    };
    let short = register("secret").expect(400).await;
    assert_eq!(short.error(), "password must have at least 8 characters");
    let common = register("password123").expect(400).await;
    assert_eq!(common.error(), "password is too common");
    let ok = register("a-long-enough-secret").expect(200).await;
    assert!(
        ok.json_value()
            .as_str()
            .unwrap()
            .starts_with("$argon2id$v=19$m=19456,t=2,p=1$")
    );
}
