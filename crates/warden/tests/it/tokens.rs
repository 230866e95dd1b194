//! Compact tokens end to end: minting, format, expiry, tampering, realm and secret.

use std::time::{Duration, SystemTime};

use warden::clock::ManualClock;
use warden::{
    App, Auth, AuthSettings, CurrentUser, IssuedToken, Result, Routes, Scheme, Secret, Settings,
    Tokens, UserRecord, get,
};
use warden_test::Client;

use crate::common::{CountingHasher, ErrorBody, client, settings, users};

async fn whoami(user: CurrentUser) -> String {
    user.login().to_owned()
}

async fn login(user: CurrentUser, tokens: Tokens) -> Result<IssuedToken> {
    tokens.mint(&user)
}

/// The seed's users, and "a:b" with password "colon-login".
fn app(settings: Settings, clock: &ManualClock) -> Client {
    let directory = users();
    directory.insert(UserRecord::new("a:b", "plain$colon-login"));
    let app = App::builder(settings)
        .directory(directory)
        .hasher(CountingHasher::default())
        .clock(clock.clone())
        .routes(Routes::new().route("/whoami", get(Auth, whoami)).route(
            "/login",
            get(Auth.schemes([Scheme::Basic, Scheme::Param]), login),
        ))
        .build()
        .unwrap();
    client(app.router())
}

/// A token for seed user `login`, from `GET /login` with Basic credentials.
async fn token(client: &Client, login: &str) -> String {
    let reply = client.get("/login").basic(login).expect(200).await;
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(reply.header("content-type"), Some("application/json"));
    reply.json_value().as_str().unwrap().to_owned()
}

fn at_seed_time() -> ManualClock {
    // 2024-08-02 17:36:24 UTC, when the seed's course minted its token.
    ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_722_620_184))
}

#[tokio::test]
async fn a_minted_token_has_the_seed_format_and_authenticates() {
    let clock = at_seed_time();
    let client = app(settings(), &clock);
    let token = token(&client, "hobbes").await;
    let parts: Vec<&str> = token.split(':').collect();
    assert_eq!(parts[..3], ["stuff", "hobbes", "20240802183624"]);
    assert_eq!(parts[3].len(), 64);
    assert!(
        parts[3]
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    let reply = client.get("/whoami").bearer(&token).expect(200).await;
    assert_eq!(reply.text(), "hobbes");
}

#[tokio::test]
async fn tokens_expire_after_their_lifetime_without_sleeping() {
    let clock = at_seed_time();
    let client = app(
        Settings {
            auth: AuthSettings {
                token_lifetime: Duration::from_secs(60),
                ..AuthSettings::default()
            },
            ..settings()
        },
        &clock,
    );
    let token = token(&client, "calvin").await;
    clock.advance(Duration::from_secs(59));
    client.get("/whoami").bearer(&token).expect(200).await;
    clock.advance(Duration::from_secs(1));
    let reply = client.get("/whoami").bearer(&token).expect(401).await;
    assert_eq!(reply.error(), "expired token");
}

#[tokio::test]
async fn tampered_foreign_and_malformed_tokens_are_refused() {
    let clock = ManualClock::starting_now();
    let client = app(settings(), &clock);
    let good = token(&client, "hobbes").await;
    let other_realm = token(
        &app(
            Settings {
                realm: Some("other".into()),
                ..settings()
            },
            &clock,
        ),
        "hobbes",
    )
    .await;
    let other_secret = token(
        &app(
            Settings {
                secret: Some(Secret::new("another secret, just as long as the first one")),
                ..settings()
            },
            &clock,
        ),
        "hobbes",
    )
    .await;
    let (head, signature) = good.rsplit_once(':').unwrap();
    let flipped = format!(
        "{head}:{}{}",
        if signature.starts_with('0') { "1" } else { "0" },
        &signature[1..]
    );
    let later = good.replacen(":20", ":30", 1); // the seed's "invalid token" example
    let as_calvin = good.replacen(":hobbes:", ":calvin:", 1);
    let renamed = other_realm.replacen("other:", "stuff:", 1);
    for bad in [
        flipped.as_str(),
        later.as_str(),
        as_calvin.as_str(),
        other_realm.as_str(),
        renamed.as_str(),
        other_secret.as_str(),
        &good[..good.len() - 2],
        "stuff:moe:20380119031407:1b098331931e6059",
        "garbage",
        ":::",
        &"x".repeat(5000),
    ] {
        let reply = client.get("/whoami").bearer(bad).send().await;
        assert_eq!(reply.status(), 401, "{bad:.60}");
        assert_eq!(reply.error(), "invalid token", "{bad:.60}");
    }
}

#[tokio::test]
async fn a_login_with_a_colon_cannot_get_a_token() {
    let clock = ManualClock::starting_now();
    let client = app(settings(), &clock);
    // USER=a%3Ab&PASS=colon-login
    let reply = client
        .get("/login")
        .form(&[("USER", "a:b"), ("PASS", "colon-login")])
        .expect(400)
        .await;
    assert!(reply.error().contains("cannot be carried in a token"));
}

#[tokio::test]
async fn the_built_in_login_route_trades_credentials_for_a_token() {
    let app = App::builder(settings())
        .directory(users())
        .hasher(CountingHasher::default())
        .login("/login")
        .routes(Routes::new().route("/whoami", get(Auth, whoami)))
        .build()
        .unwrap();
    let client = client(app.router());
    let answer = client
        .get("/login")
        .basic_auth("calvin", "hobbes")
        .expect(200)
        .await;
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    let token: String = answer.json();
    assert!(token.starts_with("stuff:calvin:"), "{token}");
    let me = client.get("/whoami").bearer(&token).expect(200).await;
    assert_eq!(me.text(), "calvin");
    // POST takes the password parameters as well.
    let answer = client
        .post("/login")
        .form(&[("USER", "hobbes"), ("PASS", "susie")])
        .expect(200)
        .await;
    assert!(answer.json::<String>().starts_with("stuff:hobbes:"));
    // A token does not get a token; a wrong password gets nothing.
    client.get("/login").bearer(&token).expect(401).await;
    client
        .get("/login")
        .basic_auth("calvin", "tiger")
        .expect(401)
        .await;
    // warden-test's clients fetch their tokens there by default.
    client.user("susie", "derkins");
    let fetched = client.token("susie").await;
    assert!(fetched.starts_with("stuff:susie:"), "{fetched}");
}
