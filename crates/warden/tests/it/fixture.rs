//! An application with every token flow mounted: sessions, API keys, scoped tokens, a kick
//! route, tagged routes with nested parameters; its clock, keys and store are the test's, and
//! a warden-test client with the seed's users sends it requests.

use std::sync::Arc;

use warden::api_keys::MemoryApiKeys;
use warden::clock::ManualClock;
use warden::store::{MemoryStore, Store};
use warden::{
    App, Auth, CurrentUser, Open, Params, Result, Routes, Settings, Users, delete, get, group,
};
use warden_test::Client;

use crate::common::{CountingHasher, client, settings, users};

pub(crate) struct Fixture {
    /// Sends requests to the application in-process, as calvin, hobbes, susie or anonymously.
    pub(crate) client: Client,
    pub(crate) clock: ManualClock,
    pub(crate) app: App,
    /// The API key store, as the database would hold it.
    pub(crate) keys: MemoryApiKeys,
}

async fn whoami(user: CurrentUser) -> String {
    user.login().to_owned()
}

#[derive(serde::Deserialize)]
struct Login {
    login: String,
}

async fn kick(users: Users, Params(p): Params<Login>) -> Result<http::StatusCode> {
    users.revoke_tokens(&p.login).await?;
    Ok(http::StatusCode::NO_CONTENT)
}

pub(crate) fn fixture_with(
    settings: Settings,
    store: Arc<dyn Store>,
    clock: ManualClock,
) -> Fixture {
    fixture_with_keys(settings, store, clock, MemoryApiKeys::new())
}

/// A fixture whose API keys live in `keys`, which other fixtures (processes) may share.
pub(crate) fn fixture_with_keys(
    settings: Settings,
    store: Arc<dyn Store>,
    clock: ManualClock,
    keys: MemoryApiKeys,
) -> Fixture {
    let app = App::builder(settings)
        .directory(users())
        .hasher(CountingHasher::default())
        .clock(clock.clone())
        .store(store)
        .sessions()
        .api_keys(keys.clone())
        .scoped_tokens()
        .capabilities("/capabilities")
        .routes(
            Routes::new()
                .route("/whoami", get(Auth.tag("me"), whoami))
                .route("/open", get(Open.tag("me"), || async { "open" }))
                .route("/dept/{dept_id}", get(Auth.tag("tasks"), whoami))
                .route(
                    "/dept/{dept_id}/task/{task_id}",
                    get(Auth.tag("tasks"), whoami),
                )
                .route(
                    "/admin/tasks/{task_id}",
                    get(group("ADMIN").tag("tasks"), whoami),
                )
                .route("/kick/{login}", delete(group("ADMIN"), kick)),
        )
        .build()
        .unwrap();
    Fixture {
        client: client(app.router()),
        clock,
        app,
        keys,
    }
}

pub(crate) fn fixture(settings: Settings) -> Fixture {
    let clock = ManualClock::starting_now();
    let store: Arc<dyn Store> = Arc::new(MemoryStore::with_clock(clock.clone()));
    fixture_with(settings, store, clock)
}

pub(crate) fn default_fixture() -> Fixture {
    fixture(settings())
}
