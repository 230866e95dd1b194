//! Real password hashes through the application: argon2id, imported bcrypt (passlib's `$2b$`
//! and PHP's `$2y$`), upgrade on login, and the password policy.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use serde::Deserialize;
use warden::{
    App, Auth, CurrentUser, MemoryDirectory, Open, Params, Passwords, Result, Routes, UserRecord,
    get, post,
};

use crate::common::{basic, call, request, settings};

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

fn app() -> (Router, MemoryDirectory) {
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
    (router, users)
}

async fn whoami_as(router: &Router, login: &str, password: &str) -> u16 {
    let req = request("GET", "/whoami")
        .header("authorization", basic(login, password))
        .body(Body::empty())
        .unwrap();
    call(router, req).await.status
}

#[tokio::test]
async fn argon2id_and_imported_bcrypt_hashes_verify() {
    let (router, _) = app();
    assert_eq!(whoami_as(&router, "calvin", "hobbes").await, 200);
    assert_eq!(whoami_as(&router, "calvin", "Hobbes").await, 401);
    assert_eq!(whoami_as(&router, "hobbes", "susie").await, 200);
    assert_eq!(
        whoami_as(&router, "susie", "derkins").await,
        200,
        "$2y$ verifies"
    );
    assert_eq!(whoami_as(&router, "susie", "derkin").await, 401);
}

#[tokio::test]
async fn a_bcrypt_hash_is_upgraded_to_argon2id_at_login() {
    let (router, users) = app();
    assert_eq!(whoami_as(&router, "hobbes", "susie").await, 200);
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
    assert_eq!(whoami_as(&router, "calvin", "hobbes").await, 200);
    assert_eq!(
        users.get("calvin").unwrap().password_hash.as_deref(),
        Some(CALVIN_ARGON2)
    );
}

#[tokio::test]
async fn new_passwords_follow_the_policy_and_hash_with_argon2id() {
    let (router, _) = app();
    let send = |body: &'static str| {
        let router = router.clone();
        async move {
            let req = request("POST", "/register")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap();
            call(&router, req).await
        }
    };
    let short = send("login=moe&pword=secret").await;
    assert_eq!(
        (short.status, short.error()),
        (400, "password must have at least 8 characters".into())
    );
    let common = send("login=moe&pword=password123").await;
    assert_eq!(
        (common.status, common.error()),
        (400, "password is too common".into())
    );
    let ok = send("login=moe&pword=a-long-enough-secret").await;
    assert_eq!(ok.status, 200);
    assert!(
        ok.json()
            .as_str()
            .unwrap()
            .starts_with("$argon2id$v=19$m=19456,t=2,p=1$")
    );
}
