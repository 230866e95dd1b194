//! Building an application: routes, directory, checkers and settings, validated together at
//! startup so that a declaration naming an unknown group, object domain or path parameter fails
//! the build instead of the first request.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::IntoResponse;
use axum::routing::MethodRouter;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;

use crate::apikey::ApiKeyStore;
use crate::authn::{Authenticator, Services};
use crate::authorize::{Checkers, Rule};
use crate::checker::{GroupChecker, ObjectChecker};
use crate::clock::{Clock, SharedClock, SystemClock};
use crate::context::RouteContext;
use crate::directory::{CachedDirectory, Directory, MemoryDirectory};
use crate::error::Error;
use crate::handler::RouteMeta;
use crate::jwt::Jwt;
use crate::observe::ObserveLayer;
use crate::password::{Argon2id, PasswordHasher, PasswordPolicy, Passwords};
use crate::revocation::Revocations;
use crate::routing::{RouteInfo, Routes, captures};
use crate::scheme::{Scheme, Schemes};
use crate::settings::{RunMode, Settings};
use crate::sql::{Database, TxLayer};
use crate::store::{MemoryStore, Store};
use crate::token::{CompactTokens, Tokens};

/// A built application: an axum [`Router`] with warden's layers, and its route table.
///
/// ```
/// use warden::{App, Auth, CurrentUser, Open, Routes, Settings, get};
///
/// async fn hello(user: CurrentUser) -> String {
///     format!("hello {user}!")
/// }
///
/// let app = App::builder(Settings::default())
///     .routes(Routes::new().route("/hello", get(Auth, hello)))
///     .build()
///     .unwrap();
/// assert_eq!(app.routes()[0].to_string(), "GET /hello AUTH");
/// let router: axum::Router = app.router();
/// ```
pub struct App {
    router: Router,
    routes: Vec<RouteInfo>,
    auth: Arc<Authenticator>,
    settings: Arc<Settings>,
}

impl fmt::Debug for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("App")
            .field("name", &self.settings.name)
            .field("routes", &self.routes)
            .finish_non_exhaustive()
    }
}

impl App {
    /// Starts building an application without state.
    pub fn builder(settings: Settings) -> AppBuilder<()> {
        AppBuilder::new(settings, ())
    }

    /// Starts building an application whose handlers and checkers share `state`.
    pub fn with_state<S: Clone + Send + Sync + 'static>(
        settings: Settings,
        state: S,
    ) -> AppBuilder<S> {
        AppBuilder::new(settings, state)
    }

    /// The router, with every warden layer; serve it or drive it in tests.
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// Every route with its declaration, in registration order.
    pub fn routes(&self) -> &[RouteInfo] {
        &self.routes
    }

    /// The settings the application was built with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Mints tokens outside requests (command-line tools, tests).
    pub fn tokens(&self) -> Tokens {
        Tokens::new(Arc::clone(&self.auth))
    }

    /// The password service.
    pub fn passwords(&self) -> Passwords {
        self.auth.passwords.clone()
    }

    /// Forgets what is cached about a user, after a password change or a removal, so that the
    /// change counts at once rather than when the cache entry runs out.
    pub fn forget_user(&self, login: &str) {
        self.auth.forget(login);
    }

    /// Revokes every token the user holds (a kick): every process refuses them within a
    /// second. Also forgets what is cached about the user.
    pub async fn revoke_user(&self, login: &str) -> crate::Result<()> {
        self.auth.forget(login);
        self.auth.revocations.revoke_user(login).await
    }
}

/// Collects the parts of an application; [`AppBuilder::build`] checks them together.
pub struct AppBuilder<S> {
    settings: Settings,
    state: S,
    routes: Routes<S>,
    directory: Option<Arc<dyn Directory>>,
    hasher: Option<Arc<dyn PasswordHasher>>,
    policy: PasswordPolicy,
    clock: SharedClock,
    groups: HashMap<String, Arc<dyn GroupChecker<S>>>,
    objects: HashMap<String, Arc<dyn ObjectChecker<S>>>,
    database: Option<Database>,
    store: Option<Arc<dyn Store>>,
    api_keys: Option<Arc<dyn ApiKeyStore>>,
    sessions: bool,
    scoped: bool,
}

impl<S: Clone + Send + Sync + 'static> AppBuilder<S> {
    fn new(settings: Settings, state: S) -> Self {
        Self {
            settings,
            state,
            routes: Routes::new(),
            directory: None,
            hasher: None,
            policy: PasswordPolicy::default(),
            clock: Arc::new(SystemClock),
            groups: HashMap::new(),
            objects: HashMap::new(),
            database: None,
            store: None,
            api_keys: None,
            sessions: false,
            scoped: false,
        }
    }

    /// The shared store for revocations, refresh families, one-live-token pointers and nonces.
    /// Default: in this process's memory; use [`store::connect`](crate::store::connect) with
    /// `settings.store_url` to share it between processes through Redis.
    #[must_use]
    pub fn store(mut self, store: Arc<dyn Store>) -> Self {
        self.store = Some(store);
        self
    }

    /// Mounts the access + refresh cookie flow under `settings.auth.sessions.prefix`
    /// (`POST /session/login`, `/session/refresh`, `/session/logout` by default).
    #[must_use]
    pub fn sessions(mut self) -> Self {
        self.sessions = true;
        self
    }

    /// API keys kept in `keys`: mounts their endpoints under `settings.auth.api_keys.prefix`
    /// (`/keys` by default) and enables the key header and signed requests when configured.
    #[must_use]
    pub fn api_keys(mut self, keys: impl ApiKeyStore) -> Self {
        self.api_keys = Some(Arc::new(keys));
        self
    }

    /// Mounts the scoped-token endpoint at `settings.auth.scoped.path`
    /// (`POST /tokens/scoped` by default).
    #[must_use]
    pub fn scoped_tokens(mut self) -> Self {
        self.scoped = true;
        self
    }

    /// The database: each request gets a [`Tx`](crate::Tx) on it, opened on first use and
    /// committed when the response status is below 400, rolled back otherwise.
    #[must_use]
    pub fn database(mut self, db: Database) -> Self {
        self.database = Some(db);
        self
    }

    /// Adds routes (may be called several times).
    #[must_use]
    pub fn routes(mut self, routes: Routes<S>) -> Self {
        self.routes = std::mem::take(&mut self.routes).merge(routes);
        self
    }

    /// Where users live. Default: an empty [`MemoryDirectory`].
    #[must_use]
    pub fn directory(mut self, directory: impl Directory) -> Self {
        self.directory = Some(Arc::new(directory));
        self
    }

    /// The password hasher. Default: [`Argon2id`] with OWASP's parameters.
    #[must_use]
    pub fn hasher(mut self, hasher: impl PasswordHasher) -> Self {
        self.hasher = Some(Arc::new(hasher));
        self
    }

    /// The password policy behind [`Passwords::check`]. Default: [`PasswordPolicy::default`].
    #[must_use]
    pub fn password_policy(mut self, policy: PasswordPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The clock for token expiry and cache lifetimes. Default: the system clock.
    #[must_use]
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Registers the checker of a group.
    #[must_use]
    pub fn group(mut self, name: impl Into<String>, checker: impl GroupChecker<S>) -> Self {
        self.groups.insert(name.into(), Arc::new(checker));
        self
    }

    /// Registers the checker of an object domain.
    #[must_use]
    pub fn object(mut self, domain: impl Into<String>, checker: impl ObjectChecker<S>) -> Self {
        self.objects.insert(domain.into(), Arc::new(checker));
        self
    }

    /// Checks everything and builds the application, or lists every problem found.
    pub fn build(self) -> Result<App, BuildError> {
        let mut problems = Vec::new();
        let settings = self.settings;
        let realm: Arc<str> = Arc::from(settings.realm());
        if realm.is_empty()
            || realm
                .chars()
                .any(|c| c == '"' || c == ':' || c == '\\' || !(c == ' ' || c.is_ascii_graphic()))
        {
            problems.push(format!(
                "realm {realm:?} must be printable ASCII without quotes, backslashes or colons"
            ));
        }
        let secret = match secret(&settings) {
            Ok(secret) => secret,
            Err(problem) => {
                problems.push(problem);
                Vec::new()
            }
        };
        let mut default_schemes: Schemes = settings.auth.schemes.iter().copied().collect();
        if settings.auth.api_keys.header.is_some() {
            default_schemes = default_schemes.with(Scheme::ApiKey);
        }
        if settings.auth.api_keys.signed_requests {
            default_schemes = default_schemes.with(Scheme::Signed);
        }

        let directory = self
            .directory
            .unwrap_or_else(|| Arc::new(MemoryDirectory::new()));
        let checkers = Checkers {
            groups: self.groups,
            objects: self.objects,
            directory_groups: directory.groups(),
        };
        let hasher = self.hasher.unwrap_or_else(|| Arc::new(Argon2id::default()));
        let passwords = Passwords::new(hasher, self.policy);
        let cached = CachedDirectory::new(
            directory,
            settings.auth.cache_capacity,
            settings.auth.cache_ttl,
            Arc::clone(&self.clock),
        );
        let previous: Vec<&[u8]> = settings
            .auth
            .previous_secrets
            .iter()
            .map(|s| s.expose().as_bytes())
            .collect();
        let tokens = CompactTokens::new(
            Arc::clone(&realm),
            &secret,
            &previous,
            settings.auth.token_lifetime,
            Arc::clone(&self.clock),
        );
        let jwt = Jwt::new(&settings.auth.jwt, &realm, &secret, Arc::clone(&self.clock))
            .map_err(|e| Error::internal(format!("JWT settings: {e}")));
        let store = self
            .store
            .unwrap_or_else(|| Arc::new(MemoryStore::with_shared_clock(Arc::clone(&self.clock))));
        // Revocations must outlive every token they may refuse.
        let horizon = [
            settings.auth.token_lifetime,
            settings.auth.jwt.max_lifetime,
            settings.auth.sessions.refresh_lifetime,
            settings.auth.api_keys.token_lifetime,
            settings.auth.scoped.max_lifetime,
        ]
        .into_iter()
        .max()
        .unwrap_or_default();
        let revocations = Revocations::new(store, Arc::clone(&self.clock), horizon);
        let auth = tokens.and_then(|tokens| {
            Authenticator::new(
                Arc::clone(&realm),
                &settings.auth,
                Services {
                    directory: cached,
                    passwords,
                    tokens,
                    jwt: jwt?,
                    revocations,
                    api_keys: self.api_keys.clone(),
                },
                settings.server.max_body_bytes,
                Arc::clone(&self.clock),
            )
        });
        let auth = match auth {
            Ok(auth) => Arc::new(auth),
            Err(e) => {
                problems.push(
                    e.source_error()
                        .map_or_else(|| e.to_string(), ToString::to_string),
                );
                return Err(BuildError { problems });
            }
        };
        if settings.auth.sessions.refresh_lifetime > settings.auth.jwt.max_lifetime {
            problems.push("the sessions' refresh lifetime exceeds jwt.max_lifetime".to_owned());
        }
        let mut routes = self.routes;
        if self.sessions {
            routes = routes.merge(crate::session::routes(&settings.auth.sessions));
        }
        if self.api_keys.is_some() {
            routes = routes.merge(crate::apikey::routes(&settings.auth.api_keys));
        }
        if self.scoped {
            routes = routes.merge(crate::scope::routes(&settings.auth.scoped));
        }

        let mut infos = Vec::new();
        let mut by_path: Vec<(String, Vec<MethodRouter<S>>)> = Vec::new();
        for (path, methods) in routes.entries {
            if !path.starts_with('/') {
                problems.push(format!("path {path:?} must start with '/'"));
                continue;
            }
            let names = captures(&path);
            let slot = match by_path.iter().position(|(p, _)| *p == path) {
                Some(i) => i,
                None => {
                    by_path.push((path.clone(), Vec::new()));
                    by_path.len() - 1
                }
            };
            for declared in methods.declared {
                let route = format!("{} {path}", declared.method);
                if infos
                    .iter()
                    .any(|i: &RouteInfo| i.method == declared.method && i.path == path)
                {
                    problems.push(format!("{route}: declared twice"));
                    continue;
                }
                if axum::routing::MethodFilter::try_from(declared.method.clone()).is_err() {
                    problems.push(format!("{route}: unsupported method"));
                    continue;
                }
                let mut route_problems = Vec::new();
                let authz = &declared.policy.authorize;
                let rule = Rule::compile(
                    authz,
                    &declared.method,
                    &names,
                    &checkers,
                    &mut route_problems,
                );
                let schemes = declared.policy.schemes.unwrap_or(default_schemes);
                if authz.needs_auth() && schemes.is_empty() {
                    route_problems.push("requires authentication but accepts no scheme".into());
                }
                problems.extend(route_problems.into_iter().map(|p| format!("{route}: {p}")));
                let meta = Arc::new(RouteMeta {
                    context: RouteContext::new(
                        Arc::clone(&auth),
                        schemes,
                        declared.policy.tags.iter().map(|t| t.to_string()).collect(),
                    ),
                    needs_auth: authz.needs_auth(),
                    has_objects: rule.has_objects(),
                    rule,
                });
                by_path[slot].1.push((declared.make)(meta));
                infos.push(RouteInfo {
                    method: declared.method,
                    path: path.clone(),
                    policy: declared.policy,
                });
            }
        }
        if !problems.is_empty() {
            return Err(BuildError { problems });
        }

        let mut router: Router<S> = Router::new();
        for (path, method_routers) in by_path {
            let method_router = method_routers
                .into_iter()
                .fold(MethodRouter::new(), MethodRouter::merge);
            // axum panics on paths it cannot route (conflicting captures...): report it.
            let attempt = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                router.clone().route(&path, method_router)
            }));
            match attempt {
                Ok(next) => router = next,
                Err(panic) => {
                    let reason = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                        .unwrap_or_else(|| "invalid route".to_owned());
                    return Err(BuildError {
                        problems: vec![format!("path {path:?}: {reason}")],
                    });
                }
            }
        }
        let max_body = settings.server.max_body_bytes;
        let router = router
            .fallback(|| async { Error::not_found("no such route") })
            .with_state(self.state);
        // The layers wrap the routed application once, outside the router: `Router::layer`
        // would wrap every route separately and box each layer's service and future again.
        let stack = ServiceBuilder::new()
            .layer(ObserveLayer::new(&settings))
            .option_layer(self.database.map(TxLayer))
            .map_response(IntoResponse::into_response)
            .layer(CatchPanicLayer::custom(crate::observe::panic_response))
            .map_response(IntoResponse::into_response)
            .layer(RequestBodyLimitLayer::new(max_body))
            .layer(DefaultBodyLimit::max(max_body))
            .service(router);
        let router = Router::new().fallback_service(stack);
        if settings.secret.is_none() {
            tracing::warn!(
                "no secret configured: using a random per-process secret; tokens will not survive a restart (set WARDEN_SECRET)"
            );
        }
        Ok(App {
            router,
            routes: infos,
            auth,
            settings: Arc::new(settings),
        })
    }
}

/// Secrets that must never sign production tokens.
const WELL_KNOWN_SECRETS: &[&str] = &[
    "secret",
    "changeme",
    "change-me",
    "changeit",
    "default",
    "password",
    "development",
    "dev-secret",
    "test",
    "warden",
    "not-a-secret",
    "insecure",
];

/// Shortest secret accepted in production.
const MIN_PRODUCTION_SECRET: usize = 32;

fn secret(settings: &Settings) -> Result<Vec<u8>, String> {
    match (&settings.secret, settings.mode) {
        (Some(secret), RunMode::Production) => {
            let text = secret.expose();
            let lower = text.to_ascii_lowercase();
            if WELL_KNOWN_SECRETS.iter().any(|known| lower.contains(known))
                && text.len() < 2 * MIN_PRODUCTION_SECRET
            {
                Err(
                    "the secret is a well-known default: set WARDEN_SECRET to a random value"
                        .into(),
                )
            } else if text.len() < MIN_PRODUCTION_SECRET {
                Err(format!(
                    "the secret must have at least {MIN_PRODUCTION_SECRET} characters in production"
                ))
            } else {
                Ok(text.as_bytes().to_vec())
            }
        }
        (Some(secret), RunMode::Development) if secret.expose().is_empty() => {
            Err("the secret is empty".into())
        }
        (Some(secret), RunMode::Development) => Ok(secret.expose().as_bytes().to_vec()),
        (None, RunMode::Production) => {
            Err("no secret configured: production requires one (set WARDEN_SECRET)".into())
        }
        (None, RunMode::Development) => {
            let mut random = vec![0u8; 32];
            getrandom::fill(&mut random).map_err(|e| format!("no randomness: {e}"))?;
            Ok(random)
        }
    }
}

/// Why an application could not be built: every problem found, one per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError {
    problems: Vec<String>,
}

impl BuildError {
    /// A build error from problems found outside the builder (the application's own checks).
    pub fn new(problems: Vec<String>) -> Self {
        Self { problems }
    }

    /// The problems.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cannot build the application:")?;
        for problem in &self.problems {
            write!(f, "\n  - {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for BuildError {}
