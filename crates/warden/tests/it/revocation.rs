//! Revoking every token of a user, rotating secrets, sharing revocations between processes,
//! and failing closed when the store is down.

use std::sync::Arc;
use std::time::Duration;

use warden::BoxFuture;
use warden::clock::ManualClock;
use warden::store::{MemoryStore, Store};
use warden::{AuthSettings, Error, Secret, Settings, TokenFormat};
use warden_test::RequestBuilder;

use crate::common::{ErrorBody, SECRET, settings};
use crate::fixture::{Fixture, fixture, fixture_with};

async fn kick(f: &Fixture, login: &str) {
    f.client
        .delete(&format!("/kick/{login}"))
        .user("calvin")
        .expect(204)
        .await;
}

/// `GET /whoami` with this bearer token.
fn whoami(f: &Fixture, token: &str) -> RequestBuilder {
    f.client.get("/whoami").bearer(token)
}

fn jwt_settings() -> Settings {
    Settings {
        auth: AuthSettings {
            token_format: TokenFormat::Jwt,
            ..AuthSettings::default()
        },
        ..settings()
    }
}

#[tokio::test]
async fn a_kick_revokes_compact_and_jwt_tokens_without_listing_them() {
    for settings in [settings(), jwt_settings()] {
        let f = fixture(settings);
        let before = f.app.tokens().mint_for("hobbes").unwrap().into_string();
        let other = f.app.tokens().mint_for("susie").unwrap().into_string();
        whoami(&f, &before).expect(200).await;
        kick(&f, "hobbes").await;
        let refused = whoami(&f, &before).expect(401).await;
        assert_eq!(refused.error(), "revoked token");
        // Others keep theirs.
        whoami(&f, &other).expect(200).await;
        // Tokens minted after the kick work.
        f.clock.advance(Duration::from_secs(2));
        let after = f.app.tokens().mint_for("hobbes").unwrap().into_string();
        whoami(&f, &after).expect(200).await;
    }
}

#[tokio::test]
async fn a_rotated_secret_still_verifies_old_tokens_until_it_is_retired() {
    let clock = ManualClock::starting_now();
    let store: Arc<dyn Store> = Arc::new(MemoryStore::with_clock(clock.clone()));
    let old = fixture_with(settings(), Arc::clone(&store), clock.clone());
    let token = old.app.tokens().mint_for("hobbes").unwrap().into_string();
    let rotated = |previous: Vec<Secret>| Settings {
        secret: Some(Secret::new("the new secret, also long enough for tokens")),
        auth: AuthSettings {
            previous_secrets: previous,
            ..AuthSettings::default()
        },
        ..settings()
    };
    let new = fixture_with(
        rotated(vec![Secret::new(SECRET)]),
        Arc::clone(&store),
        clock.clone(),
    );
    whoami(&new, &token).expect(200).await;
    let fresh = new.app.tokens().mint_for("hobbes").unwrap().into_string();
    // New tokens use the new key.
    whoami(&old, &fresh).expect(401).await;
    let retired = fixture_with(rotated(Vec::new()), store, clock);
    whoami(&retired, &token).expect(401).await;
}

#[tokio::test]
async fn two_processes_sharing_a_store_see_a_revocation_within_a_second() {
    let clock = ManualClock::starting_now();
    let store: Arc<dyn Store> = Arc::new(MemoryStore::with_clock(clock.clone()));
    shared_revocation(store, clock).await;
}

#[tokio::test]
async fn two_processes_sharing_redis_see_a_revocation_within_a_second() {
    let Some(url) = crate::common::service_url(
        "WARDEN_TEST_REDIS_URL",
        "two_processes_sharing_redis_see_a_revocation_within_a_second",
    ) else {
        return;
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let namespace = format!("warden-it-{}-{nanos}", std::process::id());
    let a = warden::store::connect(Some(&url), &namespace)
        .await
        .unwrap();
    shared_revocation(a, ManualClock::starting_now()).await;
}

async fn shared_revocation(store: Arc<dyn Store>, clock: ManualClock) {
    let a = fixture_with(jwt_settings(), Arc::clone(&store), clock.clone());
    let b = fixture_with(jwt_settings(), store, clock.clone());
    let token = a.app.tokens().mint_for("hobbes").unwrap().into_string();
    whoami(&b, &token).expect(200).await;
    kick(&a, "hobbes").await;
    // At once where revoked,
    whoami(&a, &token).expect(401).await;
    // and within a second elsewhere.
    clock.advance(Duration::from_secs(1));
    whoami(&b, &token).expect(401).await;
}

/// A store that is down.
struct Down;

impl Store for Down {
    fn get<'a>(&'a self, _: &'a str) -> BoxFuture<'a, warden::Result<Option<String>>> {
        Box::pin(async { Err(Error::unavailable("store down", Duration::from_secs(1))) })
    }
    fn set<'a>(&'a self, _: &'a str, _: &'a str, _: Duration) -> BoxFuture<'a, warden::Result<()>> {
        Box::pin(async { Err(Error::unavailable("store down", Duration::from_secs(1))) })
    }
    fn set_if_absent<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
        _: Duration,
    ) -> BoxFuture<'a, warden::Result<bool>> {
        Box::pin(async { Err(Error::unavailable("store down", Duration::from_secs(1))) })
    }
    fn compare_and_swap<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
        _: &'a str,
        _: Duration,
    ) -> BoxFuture<'a, warden::Result<bool>> {
        Box::pin(async { Err(Error::unavailable("store down", Duration::from_secs(1))) })
    }
    fn delete<'a>(&'a self, _: &'a str) -> BoxFuture<'a, warden::Result<()>> {
        Box::pin(async { Err(Error::unavailable("store down", Duration::from_secs(1))) })
    }
    fn incr<'a>(
        &'a self,
        _: &'a str,
        _: i64,
        _: Duration,
    ) -> BoxFuture<'a, warden::Result<warden::store::Count>> {
        Box::pin(async { Err(Error::unavailable("store down", Duration::from_secs(1))) })
    }
    fn admit<'a>(
        &'a self,
        _: &'a str,
        _: Duration,
        _: u32,
    ) -> BoxFuture<'a, warden::Result<warden::store::Admission>> {
        Box::pin(async { Err(Error::unavailable("store down", Duration::from_secs(1))) })
    }
}

#[tokio::test]
async fn token_requests_fail_closed_when_the_store_is_down() {
    let f = fixture_with(settings(), Arc::new(Down), ManualClock::starting_now());
    let token = f.app.tokens().mint_for("hobbes").unwrap().into_string();
    let reply = whoami(&f, &token).expect(503).await;
    assert_eq!(reply.header("retry-after"), Some("1"));
    // Passwords need it too: the login throttle counts each attempt before its check.
    let reply = f.client.get("/whoami").user("hobbes").expect(503).await;
    assert_eq!(reply.header("retry-after"), Some("1"));
    // Without login throttling they do not.
    let mut unthrottled = settings();
    unthrottled.limits.login.enabled = false;
    let f = fixture_with(unthrottled, Arc::new(Down), ManualClock::starting_now());
    f.client.get("/whoami").user("hobbes").expect(200).await;
}

#[tokio::test]
async fn tokens_of_users_the_directory_does_not_know_are_refused() {
    for settings in [settings(), jwt_settings()] {
        let f = fixture(settings);
        let token = f.app.tokens().mint_for("nobody").unwrap().into_string();
        let refused = whoami(&f, &token).expect(401).await;
        assert_eq!(refused.error(), "invalid token");
    }
}

#[tokio::test]
async fn a_compact_token_dies_with_the_lifetime_it_was_minted_under() {
    let week = Settings {
        auth: AuthSettings {
            token_lifetime: Duration::from_secs(7 * 86_400),
            ..AuthSettings::default()
        },
        ..settings()
    };
    let token = fixture(week)
        .app
        .tokens()
        .mint_for("hobbes")
        .unwrap()
        .into_string();
    // Restarted with an hour: the week-long token has no issue time it can trust, so it is
    // refused rather than escape a kick.
    let f = fixture(settings());
    let refused = whoami(&f, &token).expect(401).await;
    assert_eq!(refused.error(), "invalid token");
}
