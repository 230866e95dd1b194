//! Revoking every token of a user, rotating secrets, sharing revocations between processes,
//! and failing closed when the store is down.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use warden::BoxFuture;
use warden::clock::ManualClock;
use warden::store::{MemoryStore, Store};
use warden::{AuthSettings, Error, Secret, Settings, TokenFormat};

use crate::common::{SECRET, settings};
use crate::fixture::{Fixture, fixture, fixture_with};

async fn kick(f: &Fixture, login: &str) {
    let reply = f
        .send(
            Fixture::as_user("DELETE", &format!("/kick/{login}"), "calvin"),
            Body::empty(),
        )
        .await;
    assert_eq!(reply.status, 204);
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
        assert_eq!(f.bearer("/whoami", &before).await.status, 200);
        kick(&f, "hobbes").await;
        let refused = f.bearer("/whoami", &before).await;
        assert_eq!(
            (refused.status, refused.error()),
            (401, "revoked token".into())
        );
        assert_eq!(
            f.bearer("/whoami", &other).await.status,
            200,
            "others keep theirs"
        );
        // Tokens minted after the kick work.
        f.clock.advance(Duration::from_secs(2));
        let after = f.app.tokens().mint_for("hobbes").unwrap().into_string();
        assert_eq!(f.bearer("/whoami", &after).await.status, 200);
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
    assert_eq!(new.bearer("/whoami", &token).await.status, 200);
    let fresh = new.app.tokens().mint_for("hobbes").unwrap().into_string();
    assert_eq!(
        old.bearer("/whoami", &fresh).await.status,
        401,
        "new tokens use the new key"
    );
    let retired = fixture_with(rotated(Vec::new()), store, clock);
    assert_eq!(retired.bearer("/whoami", &token).await.status, 401);
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
    assert_eq!(b.bearer("/whoami", &token).await.status, 200);
    kick(&a, "hobbes").await;
    assert_eq!(
        a.bearer("/whoami", &token).await.status,
        401,
        "at once where revoked"
    );
    clock.advance(Duration::from_secs(1));
    assert_eq!(
        b.bearer("/whoami", &token).await.status,
        401,
        "within a second elsewhere"
    );
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
}

#[tokio::test]
async fn token_requests_fail_closed_when_the_store_is_down() {
    let f = fixture_with(settings(), Arc::new(Down), ManualClock::starting_now());
    let token = f.app.tokens().mint_for("hobbes").unwrap().into_string();
    let reply = f.bearer("/whoami", &token).await;
    assert_eq!(reply.status, 503);
    assert_eq!(reply.header("retry-after"), Some("1"));
    // Passwords do not need the store.
    let basic = f
        .send(Fixture::as_user("GET", "/whoami", "hobbes"), Body::empty())
        .await;
    assert_eq!(basic.status, 200);
}

#[tokio::test]
async fn tokens_of_users_the_directory_does_not_know_are_refused() {
    for settings in [settings(), jwt_settings()] {
        let f = fixture(settings);
        let token = f.app.tokens().mint_for("nobody").unwrap().into_string();
        let refused = f.bearer("/whoami", &token).await;
        assert_eq!(
            (refused.status, refused.error()),
            (401, "invalid token".into())
        );
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
    let refused = f.bearer("/whoami", &token).await;
    assert_eq!(
        (refused.status, refused.error()),
        (401, "invalid token".into())
    );
}
