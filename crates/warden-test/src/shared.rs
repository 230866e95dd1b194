//! What a client and the requests it starts share: the transport, the test users and their
//! jars, the authentication settings, the timeout and the runtime. [`Client`](crate::Client)
//! is a handle on it; requests hold it too, so that they never need the client itself.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use crate::cookies::CookieJar;
use crate::runtime::Driver;
use crate::temp::TempDatabase;
use crate::transport::Transport;
use crate::users::{AuthScheme, AuthSettings, User};

pub(crate) struct Shared {
    pub(crate) transport: Transport,
    pub(crate) settings: RwLock<AuthSettings>,
    pub(crate) users: RwLock<HashMap<String, Arc<User>>>,
    pub(crate) anonymous: CookieJar,
    /// The request timeout, in milliseconds.
    pub(crate) timeout_ms: AtomicU64,
    /// A fixture's temporary database, removed with the client.
    pub(crate) _database: Option<TempDatabase>,
    /// Dropped last: the transport's connections belong to this runtime.
    pub(crate) driver: Driver,
}

impl Shared {
    pub(crate) fn timeout_now(&self) -> Duration {
        Duration::from_millis(self.timeout_ms.load(Ordering::Relaxed))
    }

    /// The registered user `login`.
    #[track_caller]
    pub(crate) fn registered(&self, login: &str) -> Arc<User> {
        let users = self.users.read().unwrap_or_else(PoisonError::into_inner);
        match users.get(login) {
            Some(user) => Arc::clone(user),
            None => panic!(
                "warden-test: {login:?} is not a test user; register it with client.user({login:?}, password)"
            ),
        }
    }

    /// The scheme `user` authenticates with by default.
    pub(crate) fn scheme_of(&self, user: &User) -> AuthScheme {
        user.scheme.unwrap_or_else(|| self.settings().scheme)
    }

    pub(crate) fn param_names_now(&self) -> (String, String) {
        let settings = self.settings();
        (
            settings.login_param.clone(),
            settings.password_param.clone(),
        )
    }

    pub(crate) fn transport(&self) -> &Transport {
        &self.transport
    }

    /// Runs `future` on the client's runtime.
    pub(crate) async fn run<F>(&self, future: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.driver.run(future).await
    }

    pub(crate) fn settings(&self) -> std::sync::RwLockReadGuard<'_, AuthSettings> {
        self.settings.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn settings_mut(&self) -> std::sync::RwLockWriteGuard<'_, AuthSettings> {
        self.settings
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The jar of requests made without a user.
    pub(crate) fn anonymous_jar(&self) -> CookieJar {
        self.anonymous.clone()
    }
}
