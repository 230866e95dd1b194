//! Building an application: routes, directory, checkers and settings, validated together at
//! startup so that a declaration naming an unknown group, object domain or path parameter fails
//! the build instead of the first request.

mod build;
mod capabilities;
mod secret;

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use axum::Router;

use crate::audit::{Audit, Trail};
use crate::authn::CurrentUser;
use crate::authn::api_keys::{ApiKey, ApiKeyStore, CreatedKey};
use crate::authn::{Authenticator, Tokens};
use crate::authz::{
    GroupChecker, ObjectCapability, ObjectChecker, Policy, Predict, RouteCapability,
};
use crate::build_error::BuildError;
use crate::clock::{Clock, SharedClock, SystemClock};
use crate::error::Error;
use crate::metrics::Metrics;
use crate::routing::{RouteInfo, Routes};
use crate::settings::Settings;
use crate::sql::Database;
use crate::sql::Tx;
use crate::store::Store;
use crate::tenancy::Tenancy;
use crate::users::{Directory, PasswordHasher, PasswordPolicy, Passwords, SqlRoles};

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
    predict: Arc<dyn Predict>,
    audit: Option<Arc<Trail>>,
    openapi: Arc<serde_json::Value>,
    metrics: Option<Metrics>,
    warnings: Vec<String>,
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

    /// The application's metrics, kept when `metrics.listen` is set: serve
    /// [`Metrics::router`] there (see [`metrics`](crate::metrics)).
    pub fn metrics(&self) -> Option<&Metrics> {
        self.metrics.as_ref()
    }

    /// What the build found allowed but worth saying, also logged as warnings when it built:
    /// development conveniences in force (a random secret, routes open in development), and
    /// protections a production configuration leaves off ([`Settings::warnings`](crate::Settings::warnings)).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The settings the application was built with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The OpenAPI 3.1 document of every route ([`openapi`](crate::openapi)), built with the
    /// application whether or not [`AppBuilder::openapi`] serves it.
    pub fn openapi(&self) -> &serde_json::Value {
        &self.openapi
    }

    /// Writes the counts of pending denial groups and seals every written audit row into the
    /// chain; returns how many rows it sealed. Servers call it after draining, so that a
    /// quiet or stopped server leaves no row unsealed; requests otherwise seal every
    /// `audit.seal_interval`. Nothing to do without an audit trail.
    pub async fn flush_audit(&self) -> crate::Result<u64> {
        match &self.audit {
            Some(trail) => trail.flush(true).await,
            None => Ok(0),
        }
    }

    /// Mints tokens outside requests (command-line tools, tests).
    pub fn tokens(&self) -> Tokens {
        Tokens::new(Arc::clone(&self.auth), Audit::default())
    }

    /// Every declared route and whether `user` (with their token's scope, if any) may call
    /// it: what the capabilities endpoint answers, for tools such as an authorization matrix.
    /// Checkers that query the database need `tx`; without it they fail.
    pub async fn capabilities(
        &self,
        user: &CurrentUser,
        tx: Option<&Tx>,
    ) -> crate::Result<Vec<RouteCapability>> {
        self.predict.routes(user, tx).await
    }

    /// The modes `user` holds on the object `id` of `domain` (`None` for an unknown domain),
    /// asked of the domain's checker for each mode the routes use.
    pub async fn object_capabilities(
        &self,
        user: &CurrentUser,
        domain: &str,
        id: &str,
        tx: Option<&Tx>,
    ) -> crate::Result<Option<ObjectCapability>> {
        self.predict.object(user, domain, id, tx).await
    }

    /// The password service.
    pub fn passwords(&self) -> Passwords {
        self.auth.services.passwords.clone()
    }

    /// Forgets what is cached about a user, after a password change or a removal, so that the
    /// change counts at once rather than when the cache entry runs out.
    pub fn forget_user(&self, login: &str) {
        self.auth.forget(login);
    }

    /// Makes an API key named `name` for `login` (command-line tools): its text is in the
    /// answer only, the store keeps its hash. Needs [`AppBuilder::api_keys`].
    pub async fn create_api_key(&self, login: &str, name: &str) -> crate::Result<CreatedKey> {
        self.auth.create_key(login, name).await
    }

    /// The live API keys of `login`, without their secrets.
    pub async fn api_keys(&self, login: &str) -> crate::Result<Vec<ApiKey>> {
        self.auth.keys_of(login).await
    }

    /// Revokes `login`'s API key `id`; `false` if it had no such live key.
    pub async fn revoke_api_key(&self, login: &str, id: &str) -> crate::Result<bool> {
        self.auth.revoke_key(login, id).await
    }

    /// Revokes every token the user holds (a kick): every process refuses them within a
    /// second. Also forgets what is cached about the user.
    pub async fn revoke_user(&self, login: &str) -> crate::Result<()> {
        self.auth.forget(login);
        self.auth
            .services
            .revocations
            .revoke_user(login, None)
            .await
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
    object_queries: Vec<(String, String)>,
    hidden: Vec<String>,
    database: Option<Database>,
    store: Option<Arc<dyn Store>>,
    api_keys: Option<Arc<dyn ApiKeyStore>>,
    sessions: bool,
    scoped: bool,
    roles: Option<(SqlRoles, Policy)>,
    capabilities: Option<String>,
    blocklist: Option<Policy>,
    audit: Option<Policy>,
    health: bool,
    openapi: Option<Policy>,
    login: Option<String>,
    tenancy: Option<Tenancy>,
    row_level_security: bool,
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
            object_queries: Vec::new(),
            hidden: Vec::new(),
            database: None,
            store: None,
            api_keys: None,
            sessions: false,
            scoped: false,
            roles: None,
            capabilities: None,
            blocklist: None,
            audit: None,
            health: false,
            openapi: None,
            login: None,
            tenancy: None,
            row_level_security: false,
        }
    }

    /// The shared store for revocations, refresh families, one-live-token pointers, nonces,
    /// rate limits and login failures.
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

    /// Mounts the role administration endpoints under `/roles`, every one declared with
    /// `admin` (list roles and their members, a user's roles, grant with `PUT
    /// /roles/{role}/users/{login}`, revoke with `DELETE` on the same path). Pair it with
    /// [`SqlDirectory::with_roles`](crate::users::SqlDirectory::with_roles) so that the grants
    /// are what `group(...)` and `perm(...)` check.
    ///
    /// ```no_run
    /// # fn f(db: warden::sql::Database) -> Result<(), warden::BuildError> {
    /// use warden::users::{SqlDirectory, SqlRoles};
    /// use warden::{App, Settings, group};
    ///
    /// let users = SqlDirectory::new(db.clone(), "warden_user")?.with_roles()?.declare_group("ADMIN");
    /// let app = App::builder(Settings::default())
    ///     .database(db.clone())
    ///     .directory(users)
    ///     .roles(SqlRoles::new(db)?, group("ADMIN").tag("admin"))
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn roles(mut self, roles: SqlRoles, admin: impl Into<Policy>) -> Self {
        self.roles = Some((roles, admin.into()));
        self
    }

    /// Mounts the capabilities endpoint at `path` (e.g. `/capabilities`), for any
    /// authenticated user: which declared routes they may call, and which modes they hold on
    /// the objects they name, predicted from the same rules as the requests.
    #[must_use]
    pub fn capabilities(mut self, path: impl Into<String>) -> Self {
        self.capabilities = Some(path.into());
        self
    }

    /// Answers 404 for the objects of `domain` that the caller may not access, exactly as for
    /// objects that do not exist, instead of 403: then an answer does not reveal that an id
    /// exists (users' private documents, other tenants' rows). The default, 403, tells an
    /// honest caller that the object is there but not theirs, which helps when ids are not
    /// secret (public projects, sequential order numbers shown to everyone). The denial still
    /// counts as one for combinations (`any(...)`) and predictions.
    ///
    /// ```
    /// use warden::{App, Settings};
    /// let builder = App::builder(Settings::default()).hide_objects("task");
    /// ```
    #[must_use]
    pub fn hide_objects(mut self, domain: impl Into<String>) -> Self {
        self.hidden.push(domain.into());
        self
    }

    /// Mounts the login route at `path` (`/login`, where warden-test's clients fetch tokens by
    /// default): `GET` with HTTP Basic, or `POST` with Basic or the login/password parameters
    /// (`auth.user_param`/`auth.pass_param` in a form or JSON body), answers a token in the
    /// configured format and lifetime (`Cache-Control: no-store`). Tagged `login` for rate
    /// limits; failed attempts are throttled per account and client IP.
    ///
    /// ```
    /// use warden::{App, Settings};
    /// let app = App::builder(Settings::default()).login("/login").build().unwrap();
    /// assert_eq!(app.routes()[0].to_string(), "GET /login AUTH schemes=basic tags=login");
    /// ```
    #[must_use]
    pub fn login(mut self, path: impl Into<String>) -> Self {
        self.login = Some(path.into());
        self
    }

    /// Mounts the health checks: `GET /health` (the process answers) and `GET /ready` (the
    /// database and the store answer too; 503 otherwise), at `http.health_path` and
    /// `http.ready_path`, open to anyone.
    #[must_use]
    pub fn health(mut self) -> Self {
        self.health = true;
        self
    }

    /// Serves the OpenAPI document ([`App::openapi`]) at `http.openapi_path`
    /// (`/openapi.json`) and a docs page showing it (Swagger UI, shipped inside the binary) at
    /// `http.docs_path` (`/docs`), both declared with `policy` (`Open`, or `group("ADMIN")`
    /// for instance). `http.openapi = false` switches both off; the docs page is off in
    /// production unless `http.docs = true`.
    ///
    /// ```
    /// use warden::{App, Open, Settings};
    /// let app = App::builder(Settings::default()).openapi(Open).build().unwrap();
    /// assert_eq!(app.routes()[0].path, "/openapi.json");
    /// ```
    #[must_use]
    pub fn openapi(mut self, policy: impl Into<Policy>) -> Self {
        self.openapi = Some(policy.into());
        self
    }

    /// Keeps an audit trail in the database's `warden_audit` table (see [`audit`](crate::audit)
    /// for what is recorded, and [`schema`](crate::schema) for the table), and mounts the
    /// administrators' listing at `audit.path` (`GET /audit?actor=&action=&outcome=&since=
    /// &until=&before=&limit=`, newest first, with a `Link: <...>; rel="next"` while there are
    /// more), declared with `readers`.
    ///
    /// ```
    /// use warden::{App, Settings, group};
    /// let builder = App::builder(Settings::default()).audit(group("ADMIN"));
    /// ```
    #[must_use]
    pub fn audit(mut self, readers: impl Into<Policy>) -> Self {
        self.audit = Some(readers.into());
        self
    }

    /// The IP blocklist's table (`warden_blocklist`, in [`schema`](crate::schema)) and its
    /// admin endpoints, guarded by `policy`: `GET /blocklist`, `POST /blocklist`
    /// `{"cidr", "reason"}`, `DELETE /blocklist/{cidr}`. Its ranges join those of
    /// `server.blocklist`; every instance sees a change within `server.blocklist_refresh`, the
    /// one that made it at once. Needs the [`database`](Self::database) with warden's queries.
    ///
    /// ```
    /// # use warden::{App, Settings, group};
    /// let builder = App::builder(Settings::default()).blocklist(group("ADMIN"));
    /// ```
    #[must_use]
    pub fn blocklist(mut self, policy: impl Into<Policy>) -> Self {
        self.blocklist = Some(policy.into());
        self
    }

    /// The database: each request gets a [`Tx`](crate::Tx) on it, opened on first use and
    /// committed when the response status is below 400, rolled back otherwise.
    #[must_use]
    pub fn database(mut self, db: Database) -> Self {
        self.database = Some(db);
        self
    }

    /// Keeps tenants apart: `tables` are tenant-bound, and every named query of the database
    /// that reads or writes one must constrain each use of it by `:tenant`, or the build fails
    /// naming the file, line and table; a query marked `-- @unconstrained: why` is let through
    /// and listed in the startup warnings. Each request's [`Tx`](crate::Tx) binds `:tenant` from
    /// the authenticated identity (NULL without one), whatever the handler passes. See
    /// [`tenancy`](crate::tenancy).
    ///
    /// ```
    /// use warden::tenancy::Tenancy;
    /// # fn f(builder: warden::AppBuilder<()>) -> warden::AppBuilder<()> {
    /// builder.tenancy(Tenancy::new().table("projects", "tenant_id").table("users", "tenant_id"))
    /// # }
    /// ```
    #[must_use]
    pub fn tenancy(mut self, tables: Tenancy) -> Self {
        self.tenancy = Some(tables);
        self
    }

    /// On PostgreSQL, sets the request's tenant in each transaction for row-level security
    /// policies to read, a second wall behind the query check of [`tenancy`](Self::tenancy)
    /// (which it needs). On SQLite and MySQL it does nothing: they have no such policies.
    #[must_use]
    pub fn row_level_security(mut self) -> Self {
        self.row_level_security = true;
        self
    }

    /// Adds routes (may be called several times).
    #[must_use]
    pub fn routes(mut self, routes: Routes<S>) -> Self {
        self.routes = std::mem::take(&mut self.routes).merge(routes);
        self
    }

    /// Where users live. Default: an empty [`MemoryDirectory`](crate::MemoryDirectory).
    #[must_use]
    pub fn directory(mut self, directory: impl Directory) -> Self {
        self.directory = Some(Arc::new(directory));
        self
    }

    /// The password hasher. Default: [`Argon2id`](crate::users::Argon2id) with OWASP's parameters.
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

    /// Registers the checker of an object domain as one named query of the
    /// [database](Self::database): "only the owner may" without writing a checker.
    ///
    /// The query takes, by name, the object's path parameter (e.g. `:oid`, bound as an integer
    /// when it is written as one) and any of `:login`, `:mode` (`read`, `write`, `delete`) and
    /// `:tenant`. As `^`, a row whose `allowed` column is true allows, false denies, and no row
    /// is "not found" (404); as `$`, true/1 allows, false/0 denies, null is "not found". The
    /// build fails if the query is missing, has another suffix, or takes other parameters than
    /// those of every route naming the domain.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use warden::sql::{Database, Queries};
    /// use warden::{App, Routes, Settings, Tx, get, object};
    ///
    /// let mut queries = Queries::new();
    /// queries.add_str(
    ///     "docs.sql",
    ///     "-- name: owns_doc^\nSELECT owner = :login AS allowed FROM doc WHERE id = :id;",
    /// )?;
    /// let db = Database::connect("sqlite::memory:", queries).await?;
    /// async fn read(_tx: Tx) -> &'static str { "the doc" }
    /// let app = App::builder(Settings::default())
    ///     .database(db)
    ///     .object_query("doc", "owns_doc")
    ///     .routes(Routes::new().route("/doc/{id}", get(object("doc", "id"), read)))
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn object_query(mut self, domain: impl Into<String>, query: impl Into<String>) -> Self {
        self.object_queries.push((domain.into(), query.into()));
        self
    }
}

/// The problems a build finds, collected so that it reports them all at once.
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn push(&mut self, problem: impl Into<String>) {
        self.0.push(problem.into());
    }

    /// Adds a problem after which the build cannot go on, and ends it with every problem so far.
    fn fail(&mut self, problem: impl Into<String>) -> BuildError {
        self.push(problem);
        BuildError::new(std::mem::take(&mut self.0))
    }

    /// [`fail`](Self::fail) with an error's cause (a startup error has no client to hide it from).
    fn fail_with(&mut self, error: &Error) -> BuildError {
        let problem = error
            .source_error()
            .map_or_else(|| error.to_string(), ToString::to_string);
        self.fail(problem)
    }

    fn into_result(self) -> Result<(), BuildError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(BuildError::new(self.0))
        }
    }
}
