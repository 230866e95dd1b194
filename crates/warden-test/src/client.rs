//! The client: one per suite, in-process or live, holding the test users and their jars.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use axum::Router;
use http::Method;

use crate::cookies::CookieJar;
use crate::request::{RequestBuilder, fetch_token};
use crate::runtime::Driver;
use crate::shared::Shared;
use crate::temp::TempDatabase;
use crate::transport::Transport;
use crate::users::{AuthScheme, AuthSettings, TokenSource, User};

/// The environment variable that switches [`Client::from_env`] to live mode: the base URL of
/// the server under test, such as `http://127.0.0.1:5000`.
pub const TEST_URL_VAR: &str = "WARDEN_TEST_URL";

/// How long a request may take by default, token fetch included.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// A test client for an axum app, in-process or over HTTP, with test users.
///
/// Cheap to clone (clones share everything) and safe to share across tests running in
/// parallel, for example in a `static LazyLock<Client>`. Requests run on the client's own
/// tokio runtime, so a client outlives the `#[tokio::test]` runtimes of the tests that use it.
///
/// Configuration methods take `&self` and return it, so that they chain and can be called on
/// a shared client; users and settings apply to requests built afterwards.
///
/// # Example
///
/// ```
/// use std::sync::LazyLock;
/// use axum::{Router, routing::get};
/// use warden_test::Client;
///
/// fn app() -> Router {
///     Router::new().route("/version", get(|| async { "1.0" }))
/// }
///
/// // One client for the whole suite: live when WARDEN_TEST_URL is set, in-process otherwise.
/// static CLIENT: LazyLock<Client> = LazyLock::new(|| {
///     let client = Client::from_env(app);
///     client.user("calvin", "hobbes").user("hobbes", "susie");
///     client
/// });
///
/// # #[tokio::main] async fn main() {
/// # if !CLIENT.is_live() {
/// let res = CLIENT.get("/version").expect(200).await;
/// assert_eq!(res.text(), "1.0");
/// # }
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Shared>,
}

impl Client {
    /// A client calling `router` in-process, through `tower::ServiceExt::oneshot` on a clone
    /// of it. Requests carry `ConnectInfo<SocketAddr>` for `127.0.0.1:40000` in their
    /// extensions, a `Host: localhost` header, and count as loopback for cookies.
    pub fn in_process(router: Router) -> Self {
        Self::with_transport(Transport::InProcess(router), Driver::start())
    }

    /// A client talking HTTP to the server at `base_url` (`http://127.0.0.1:5000`, or with a
    /// path prefix such as `http://host/api`, to which request paths are appended).
    ///
    /// It uses one connection pool, no proxy, and does not follow redirects.
    ///
    /// # Panics
    ///
    /// When `base_url` is not an http or https URL without query.
    #[track_caller]
    pub fn live(base_url: &str) -> Self {
        match Transport::live(base_url) {
            Ok(transport) => Self::with_transport(transport, Driver::start()),
            Err(e) => panic!("warden-test: invalid base URL {e}"),
        }
    }

    /// A live client when the environment variable [`WARDEN_TEST_URL`](TEST_URL_VAR) is set
    /// and not empty, otherwise an in-process client of the router that `app` builds.
    ///
    /// `app` is only called in-process. It runs on its own thread inside the client's runtime,
    /// so whatever it spawns (a database pool...) lives as long as the client, and async
    /// set-up can be run with `tokio::runtime::Handle::current().block_on(...)`.
    ///
    /// # Example
    ///
    /// ```
    /// use axum::{Router, routing::get};
    /// use tokio::runtime::Handle;
    /// use warden_test::Client;
    ///
    /// async fn app() -> Router {
    ///     // connect to the database, load the queries...
    ///     Router::new().route("/", get(|| async { "ready" }))
    /// }
    ///
    /// let client = Client::from_env(|| Handle::current().block_on(app()));
    /// assert_eq!(client.is_live(), std::env::var("WARDEN_TEST_URL").is_ok_and(|u| !u.is_empty()));
    /// ```
    ///
    /// # Panics
    ///
    /// When the variable is set to an invalid URL, and when `app` panics.
    #[track_caller]
    pub fn from_env<F>(app: F) -> Self
    where
        F: FnOnce() -> Router + Send,
    {
        match std::env::var(TEST_URL_VAR) {
            Ok(url) if !url.is_empty() => Self::live(&url),
            _ => {
                let driver = Driver::start();
                let router = driver.call(app);
                Self::with_transport(Transport::InProcess(router), driver)
            }
        }
    }

    fn with_transport(transport: Transport, driver: Driver) -> Self {
        Self::assemble(transport, driver, None)
    }

    /// A client of `transport`, owning `driver` and, for fixtures, their temporary database.
    pub(crate) fn assemble(
        transport: Transport,
        driver: Driver,
        database: Option<TempDatabase>,
    ) -> Self {
        Self {
            inner: Arc::new(Shared {
                transport,
                settings: RwLock::new(AuthSettings::default()),
                users: RwLock::new(HashMap::new()),
                anonymous: CookieJar::new(),
                timeout_ms: AtomicU64::new(millis(DEFAULT_TIMEOUT)),
                _database: database,
                driver,
            }),
        }
    }

    /// Whether requests go over HTTP to a live server.
    pub fn is_live(&self) -> bool {
        self.inner.transport.is_live()
    }

    /// The live server's base URL, without a trailing slash; `None` in-process.
    pub fn base_url(&self) -> Option<&str> {
        self.inner.transport.base_url()
    }

    /// Registers test user `login` with `password`, authenticating with the client's default
    /// scheme. Registering a login again replaces the user, with a new empty cookie jar and no
    /// token.
    pub fn user(&self, login: &str, password: &str) -> &Self {
        self.add_user(User::new(login, password, None))
    }

    /// Registers test user `login` with `password`, authenticating with `scheme` whatever the
    /// client's default.
    pub fn user_with(&self, login: &str, password: &str, scheme: AuthScheme) -> &Self {
        self.add_user(User::new(login, password, Some(scheme)))
    }

    fn add_user(&self, user: User) -> &Self {
        let mut users = self
            .inner
            .users
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        users.insert(user.login.clone(), Arc::new(user));
        self
    }

    /// Whether `login` is a registered test user.
    pub fn has_user(&self, login: &str) -> bool {
        self.inner
            .users
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .contains_key(login)
    }

    /// Sets how users without a scheme of their own authenticate with
    /// [`RequestBuilder::user`]. Default: [`AuthScheme::Basic`].
    pub fn default_auth(&self, scheme: AuthScheme) -> &Self {
        self.inner.settings_mut().scheme = scheme;
        self
    }

    /// Names the login and password parameters of [`AuthScheme::Param`]. Default: `USER`
    /// and `PASS`.
    pub fn param_names(&self, login: &str, password: &str) -> &Self {
        let mut settings = self.inner.settings_mut();
        settings.login_param = login.to_owned();
        settings.password_param = password.to_owned();
        self
    }

    /// Sets where tokens come from. Default: [`TokenSource::default`], `GET /login` with
    /// Basic auth answered by a JSON string. Tokens already fetched are kept.
    pub fn token_source(&self, source: TokenSource) -> &Self {
        self.inner.settings_mut().token = source;
        self
    }

    /// Sets how long a request may take, token fetch included, before it fails the test.
    /// Default: 60 seconds, so that a hung server fails a suite instead of stalling it.
    pub fn timeout(&self, limit: Duration) -> &Self {
        self.inner
            .timeout_ms
            .store(millis(limit), Ordering::Relaxed);
        self
    }

    /// User `login`'s token, fetched from the [`TokenSource`] on first use and then reused.
    ///
    /// # Panics
    ///
    /// When `login` is not a registered test user, or the token route does not answer with a
    /// success status and a token.
    #[track_caller]
    pub fn token(&self, login: &str) -> impl Future<Output = String> + Send + 'static {
        let location = Location::caller();
        let user = self.inner.registered(login);
        let shared = Arc::clone(&self.inner);
        async move {
            let runner = Arc::clone(&shared);
            runner
                .run(async move { fetch_token(&shared, &user).await })
                .await
                .unwrap_or_else(|e| panic!("warden-test: at {location}: {e}"))
        }
    }

    /// Forgets user `login`'s cached token (after the test revoked it, say): the next token
    /// request fetches a new one.
    ///
    /// # Panics
    ///
    /// When `login` is not a registered test user.
    #[track_caller]
    pub fn forget_token(&self, login: &str) {
        self.inner.registered(login).set_token(None);
    }

    /// User `login`'s cookie jar, shared with the client.
    ///
    /// # Panics
    ///
    /// When `login` is not a registered test user.
    #[track_caller]
    pub fn jar(&self, login: &str) -> CookieJar {
        self.inner.registered(login).jar.clone()
    }

    /// The jar of requests made without a user, shared with the client.
    pub fn anonymous_jar(&self) -> CookieJar {
        self.inner.anonymous.clone()
    }

    /// Starts a `GET` request to `path` (which starts with `/` and may carry a query string).
    #[track_caller]
    pub fn get(&self, path: &str) -> RequestBuilder {
        self.request(Method::GET, path)
    }

    /// Starts a `POST` request to `path`.
    #[track_caller]
    pub fn post(&self, path: &str) -> RequestBuilder {
        self.request(Method::POST, path)
    }

    /// Starts a `PUT` request to `path`.
    #[track_caller]
    pub fn put(&self, path: &str) -> RequestBuilder {
        self.request(Method::PUT, path)
    }

    /// Starts a `PATCH` request to `path`.
    #[track_caller]
    pub fn patch(&self, path: &str) -> RequestBuilder {
        self.request(Method::PATCH, path)
    }

    /// Starts a `DELETE` request to `path`.
    #[track_caller]
    pub fn delete(&self, path: &str) -> RequestBuilder {
        self.request(Method::DELETE, path)
    }

    /// Starts a request with any method to `path`.
    ///
    /// # Panics
    ///
    /// When `path` does not start with `/`.
    #[track_caller]
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        RequestBuilder::new(Arc::clone(&self.inner), method, path)
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let users = self
            .inner
            .users
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        let mut logins: Vec<&String> = users.keys().collect();
        logins.sort();
        f.debug_struct("Client")
            .field("transport", &self.inner.transport.to_string())
            .field("users", &logins)
            .field("auth", &*self.inner.settings())
            .finish_non_exhaustive()
    }
}
