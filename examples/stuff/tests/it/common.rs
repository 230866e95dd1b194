//! The shared client, unique names, and forged tokens.

use std::path::PathBuf;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use warden::{RunMode, Secret, Settings};
use warden_test::Client;

/// The secret of in-process runs; a live server must be started with the same `WARDEN_SECRET`.
const DEFAULT_SECRET: &str = "kQ7vN2xR9pL4mW8tZ3bY6cF1hJ5sD0gA-stuff-suite-only";

pub(crate) fn secret() -> String {
    std::env::var("WARDEN_SECRET").unwrap_or_else(|_| DEFAULT_SECRET.to_owned())
}

/// One client for the whole suite, with the seed's users.
pub(crate) static CLIENT: LazyLock<Client> = LazyLock::new(|| {
    let client = Client::from_env(|| {
        tokio::runtime::Handle::current().block_on(in_process(RunMode::Development))
    });
    client
        .user("calvin", "hobbes")
        .user("hobbes", "susie")
        .user("susie", "derkins");
    client
});

/// The back-end on a fresh SQLite file, in-process.
pub(crate) async fn in_process(mode: RunMode) -> axum::Router {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let file = dir.join(format!("stuff-suite-{mode}-{}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    let db = stuff::connect(&format!("sqlite://{}", file.display()))
        .await
        .expect("the test database");
    let settings = Settings {
        name: "stuff".to_owned(),
        mode,
        secret: Some(Secret::new(secret())),
        limits: stuff::limits(),
        ..Settings::default()
    };
    stuff::build(settings, db)
        .await
        .expect("the application")
        .router()
}

/// A name no other test, run or process uses.
pub(crate) fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{prefix}-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A compact token signed with the suite's secret, for any realm, login and expiry. The key is
/// derived from the secret and the server's token lifetime (the default hour), as warden does.
pub(crate) fn forge(realm: &str, login: &str, expiry: &str) -> String {
    let data = format!("{realm}:{login}:{expiry}");
    let mut derive = Hmac::<Sha256>::new_from_slice(secret().as_bytes()).unwrap();
    derive.update(b"warden/compact/v1:3600");
    let key = derive.finalize().into_bytes();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(data.as_bytes());
    let tag: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{data}:{tag}")
}

/// A timestamp in the token format, `seconds` from now.
pub(crate) fn expiry_in(seconds: i64) -> String {
    let at = time::OffsetDateTime::now_utc() + time::Duration::seconds(seconds);
    at.format(time::macros::format_description!(
        "[year][month][day][hour][minute][second]"
    ))
    .unwrap()
}

/// A freshly registered user (logged in with Basic by default), for tests that change or
/// revoke what a user holds: the seed users stay untouched.
pub(crate) async fn new_user(prefix: &str) -> (String, i64) {
    new_user_on(&CLIENT, prefix).await
}

/// [`new_user`] on another client's back-end.
pub(crate) async fn new_user_on(client: &Client, prefix: &str) -> (String, i64) {
    let login = unique(prefix);
    let password = format!("{login}-password");
    let uid = client
        .post("/register")
        .form(&[("login", login.as_str()), ("pword", password.as_str())])
        .expect(201)
        .await
        .json_value()["uid"]
        .as_i64()
        .unwrap();
    client.user(&login, &password);
    (login, uid)
}
