//! [`AppBuilder::build`] as named steps, each readable alone: check the secrets, build the
//! services, mount the built-in routes, compile the routes, assemble the layers. Every step
//! adds what it finds wrong to one list, so that a build names every problem at once.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::IntoResponse;
use axum::routing::{MethodFilter, MethodRouter};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::limit::RequestBodyLimitLayer;

use super::capabilities::{Compiled, Predictor};
use super::secret::check_secrets;
use super::{App, AppBuilder, Problems};
use crate::audit::{RouteFacts, Trail};
use crate::authn::api_keys::Sealer;
use crate::authn::{Authenticator, Services};
use crate::authz::{Access, Checkers, ObjectCheck, ObjectQuery, Predict, PredictSlot, Rule};
use crate::build_error::BuildError;
use crate::endpoints;
use crate::endpoints::health::Ready;
use crate::endpoints::openapi::SpecSlot;
use crate::error::Error;
use crate::guards::{
    BLOCKLIST_QUERIES, Blocklist, IpLimit, Limiter, Ranges, RouteRates, Throttle, unmatched,
};
use crate::http::{ObserveLayer, cors_layer, panic_response};
use crate::metrics::Metrics;
use crate::openapi::{Context, Described};
use crate::routing::{RouteContext, RouteInfo, RouteLimits, RouteMeta, Routes, captures};
use crate::scheme::{Scheme, Schemes};
use crate::settings::{LimitSettings, RunMode, Settings};
use crate::sql::{Database, QueryKind, TxLayer, check_query};
use crate::store::{MemoryStore, Store};
use crate::tenancy::{self, Wall};
use crate::tokens::jwt::Jwt;
use crate::tokens::{CompactTokens, Revocations};
use crate::users::{Argon2id, CachedDirectory, MemoryDirectory, Passwords};

impl<S: Clone + Send + Sync + 'static> AppBuilder<S> {
    /// Checks everything and builds the application, or lists every problem found.
    pub fn build(mut self) -> Result<App, BuildError> {
        let mut problems = Problems::default();
        let secret = check_secrets(&self.settings, &mut problems);
        for problem in self.settings.problems() {
            problems.push(problem);
        }
        let store: Arc<dyn Store> = self
            .store
            .take()
            .unwrap_or_else(|| Arc::new(MemoryStore::with_shared_clock(Arc::clone(&self.clock))));
        let (auth, checkers) = self.services(&secret, &store, &mut problems)?;
        let ready = self.health.then(|| Ready {
            database: self.database.clone(),
            store: Arc::clone(&store),
        });
        let limiter = Limiter::new(store);
        let mut warnings = self.settings.warnings();
        let slot = PredictSlot::default();
        let (trusted, blocklist) = self.guards(&mut problems);
        let trail = self.trail(&mut problems);
        let wall = self.wall(&mut problems, &mut warnings);
        let metrics = self
            .settings
            .metrics
            .listen
            .is_some()
            .then(|| Metrics::new(&self.settings.metrics.path, self.database.clone()));
        let spec = SpecSlot::default();
        let mut routes =
            self.mounted_routes(&slot, blocklist.as_ref(), trail.as_ref(), ready, &spec);
        if self.database.is_none() {
            for route in routes.needing_database() {
                problems.push(format!(
                    "{route}: the handler takes a Tx, but the application has no database (AppBuilder::database)"
                ));
            }
        }
        if self.settings.mode == RunMode::Development {
            let named = routes.use_development_declarations();
            if !named.is_empty() {
                warnings.push(format!(
                    "development mode: {} route(s) use their development declaration, never deploy this: {}",
                    named.len(),
                    named.join("; ")
                ));
            }
        }
        let (routes, infos, compiled, described) = compile_routes(
            routes,
            &auth,
            &checkers,
            default_schemes(&self.settings),
            RouteLimits {
                max_body_bytes: self.settings.server.max_body_bytes,
                page_limit: self.settings.http.page_limit.max(1),
                max_page_limit: self.settings.http.max_page_limit.max(1),
            },
            (&limiter, &self.settings.limits, metrics.as_ref()),
            &mut problems,
        );
        problems.into_result()?;
        // Built once here and served from memory: requests never pay for it.
        let started = std::time::Instant::now();
        let openapi = crate::openapi::document(
            &Context {
                settings: &self.settings,
                database: self.database.is_some(),
                blocklist: blocklist.is_some(),
                api_keys: self.api_keys.is_some(),
            },
            &described,
        );
        let bytes = serde_json::to_vec(&openapi).unwrap_or_default();
        tracing::debug!(
            bytes = bytes.len(),
            micros = started.elapsed().as_micros(),
            "built the OpenAPI document"
        );
        let _ = spec.set(bytes.into());
        let predict: Arc<dyn Predict> = Arc::new(Predictor {
            routes: compiled,
            objects: checkers.objects,
            hidden: checkers.hidden,
            auth: Arc::clone(&auth),
            state: self.state.clone(),
        });
        let _ = slot.set(Arc::clone(&predict));
        let observe = ObserveLayer::new(
            &self.settings,
            trusted,
            blocklist,
            IpLimit::new(&limiter, &self.settings.limits),
            trail.clone(),
            metrics.clone(),
        )
        .map_err(BuildError::from)?;
        let router = assemble(
            routes,
            self.state,
            self.database.map(|db| TxLayer {
                db,
                trail: trail.clone(),
                wall,
            }),
            &self.settings,
            observe,
        )?;
        for warning in &warnings {
            tracing::warn!("{warning}");
        }
        Ok(App {
            router,
            routes: infos,
            auth,
            settings: Arc::new(self.settings),
            predict,
            audit: trail,
            openapi: Arc::new(openapi),
            metrics,
            warnings,
        })
    }

    /// The services behind authentication and authorization: the cached directory, passwords,
    /// compact tokens and JWTs, revocations on the store, and the registered checkers. Without
    /// an authenticator nothing else can be checked, so its failure ends the build here.
    fn services(
        &mut self,
        secret: &[u8],
        store: &Arc<dyn Store>,
        problems: &mut Problems,
    ) -> Result<(Arc<Authenticator>, Checkers<S>), BuildError> {
        let settings = &self.settings;
        let auth = &settings.auth;
        let realm: Arc<str> = Arc::from(settings.realm());
        let clock = &self.clock;
        let directory = self
            .directory
            .take()
            .unwrap_or_else(|| Arc::new(MemoryDirectory::new()));
        let mut checkers = Checkers {
            groups: std::mem::take(&mut self.groups),
            objects: std::mem::take(&mut self.objects),
            queries: HashMap::new(),
            directory_groups: directory.groups(),
            hidden: std::mem::take(&mut self.hidden),
        };
        object_queries(
            std::mem::take(&mut self.object_queries),
            self.database.as_ref(),
            &mut checkers,
            problems,
        );
        for domain in &checkers.hidden {
            if !checkers.objects.contains_key(domain) {
                problems.push(format!(
                    "hide_objects(\"{domain}\"): no object checker or query is registered for \"{domain}\""
                ));
            }
        }
        let hasher = self
            .hasher
            .take()
            .unwrap_or_else(|| Arc::new(Argon2id::default()));
        let previous: Vec<&[u8]> = auth
            .previous_secrets
            .iter()
            .map(|s| s.expose().as_bytes())
            .collect();
        // Revocations must outlive every token they may refuse.
        let horizon = [
            auth.token_lifetime,
            auth.jwt.max_lifetime,
            auth.sessions.refresh_lifetime,
            auth.api_keys.token_lifetime,
            auth.scoped.max_lifetime,
        ]
        .into_iter()
        .max()
        .unwrap_or_default();
        if auth.sessions.refresh_lifetime > auth.jwt.max_lifetime {
            problems.push("the sessions' refresh lifetime exceeds jwt.max_lifetime");
        }
        let services = Services {
            directory: CachedDirectory::new(
                directory,
                auth.cache_capacity,
                auth.cache_ttl,
                Arc::clone(clock),
            ),
            passwords: Passwords::new(
                hasher,
                std::mem::take(&mut self.policy).forbid_names([&settings.name, &*realm]),
            ),
            tokens: CompactTokens::new(
                Arc::clone(&realm),
                secret,
                &previous,
                auth.token_lifetime,
                Arc::clone(clock),
            )
            .map_err(|e| problems.fail_with(&e))?,
            jwt: Jwt::new(&auth.jwt, &realm, secret, Arc::clone(clock))
                .map_err(|e| problems.fail(format!("JWT settings: {e}")))?,
            revocations: Revocations::new(Arc::clone(store), Arc::clone(clock), horizon)
                .durable(durable_revocations(self.database.as_ref())),
            api_keys: self.api_keys.clone(),
            // Its own key, derived from the secret: never the compact tokens' or the JWT key.
            sealer: Sealer::new(secret, &previous),
            throttle: Throttle::new(Arc::clone(store), &settings.limits.login),
        };
        let authenticator = Authenticator::new(realm, auth, services, Arc::clone(clock))
            .map_err(|e| problems.fail_with(&e))?;
        Ok((Arc::new(authenticator), checkers))
    }

    /// The guards' state: the trusted proxies' networks, and the blocklist (its configured
    /// ranges, and its table when the application mounted it).
    fn guards(&self, problems: &mut Problems) -> (Ranges, Option<Arc<Blocklist>>) {
        let server = &self.settings.server;
        let mut parse = |what: &str, list: &[String]| {
            Ranges::parse(list.iter().map(String::as_str)).unwrap_or_else(|bad| {
                for problem in bad {
                    problems.push(format!("server.{what}: {problem}"));
                }
                Ranges::default()
            })
        };
        let trusted = parse("trusted_proxies", &server.trusted_proxies);
        let configured = parse("blocklist", &server.blocklist);
        let table = match (&self.blocklist, &self.database) {
            (None, _) => None,
            (Some(_), None) => {
                problems.push("the blocklist's table needs a database (AppBuilder::database)");
                None
            }
            (Some(_), Some(db)) => {
                for (name, kind, params) in BLOCKLIST_QUERIES {
                    if let Err(e) = check_query(db, name, kind, params) {
                        problems.push(format!(
                            "blocklist: {}; add warden's queries (warden::schema::add_queries)",
                            e.problems().join("; ")
                        ));
                    }
                }
                Some((db.clone(), server.blocklist_refresh))
            }
        };
        let blocklist = Blocklist::new(configured, table);
        (trusted, blocklist.is_active().then(|| Arc::new(blocklist)))
    }
}

/// The parameters of the audit trail's insert.
const AUDIT_INSERT: &[&str] = &[
    "at",
    "request_id",
    "actor",
    "tenant",
    "client_ip",
    "method",
    "route",
    "target_domain",
    "target_id",
    "action",
    "outcome",
    "rule",
    "detail",
    "count",
];

impl<S: Clone + Send + Sync + 'static> AppBuilder<S> {
    /// Tenant isolation, when the application declares tenant-bound tables: every query of the
    /// database checked, the unconstrained ones listed.
    fn wall(&self, problems: &mut Problems, warnings: &mut Vec<String>) -> Option<Arc<Wall>> {
        let Some(tables) = &self.tenancy else {
            if self.row_level_security {
                problems.push("row-level security needs tenant-bound tables (AppBuilder::tenancy)");
            }
            return None;
        };
        let Some(db) = &self.database else {
            problems.push("tenancy needs a database (AppBuilder::database)");
            return None;
        };
        let unconstrained = match tables.check(db.queries(), db.backend()) {
            Ok(unconstrained) => unconstrained,
            Err(e) => {
                problems.push(e.message().to_owned());
                return None;
            }
        };
        if !unconstrained.is_empty() {
            warnings.push(tenancy::describe(&unconstrained));
            if self.audit.is_none() {
                warnings.push(
                    "tenancy: queries that cross tenants run unaudited: keep a trail (AppBuilder::audit)"
                        .to_owned(),
                );
            }
        }
        Some(Arc::new(Wall {
            param: tables.param().into(),
            unconstrained: unconstrained.into_iter().map(|u| u.name.into()).collect(),
            row_level_security: self.row_level_security,
        }))
    }

    /// The audit trail, when the application keeps one: it needs the database and warden's
    /// queries on it.
    fn trail(&self, problems: &mut Problems) -> Option<Arc<Trail>> {
        self.audit.as_ref()?;
        let Some(db) = &self.database else {
            problems.push("the audit trail needs a database (AppBuilder::database)");
            return None;
        };
        if let Err(e) = check_query(db, "warden_audit_insert", QueryKind::Execute, AUDIT_INSERT) {
            problems.push(format!(
                "audit: {e}; add warden's queries (warden::schema::add_queries)"
            ));
            return None;
        }
        Some(Arc::new(Trail::new(
            db.clone(),
            self.settings.audit.clone(),
            Arc::clone(&self.clock),
        )))
    }

    /// The application's routes with the built-in endpoints it asked for.
    fn mounted_routes(
        &mut self,
        slot: &PredictSlot,
        blocklist: Option<&Arc<Blocklist>>,
        trail: Option<&Arc<Trail>>,
        ready: Option<Ready>,
        spec: &SpecSlot,
    ) -> Routes<S> {
        let auth = &self.settings.auth;
        let mut routes = std::mem::take(&mut self.routes);
        if let Some(path) = self.login.take() {
            routes = routes.merge(endpoints::login::routes(&path));
        }
        if self.sessions {
            routes = routes.merge(endpoints::sessions::routes(&auth.sessions));
        }
        if self.api_keys.is_some() {
            routes = routes.merge(endpoints::api_keys::routes(&auth.api_keys));
        }
        if let Some((roles, admin)) = self.roles.take() {
            routes = routes.merge(endpoints::roles::routes(ROLES_PREFIX, roles, &admin));
        }
        if let Some(path) = self.capabilities.take() {
            routes = routes.merge(endpoints::capabilities::routes(&path, Arc::clone(slot)));
        }
        if let (Some(policy), Some(blocklist)) = (&self.blocklist, blocklist) {
            routes = routes.merge(endpoints::blocklist::routes(policy, blocklist));
        }
        if let (Some(readers), Some(trail)) = (&self.audit, trail) {
            routes = routes.merge(endpoints::audit::routes(readers, trail));
        }
        if let Some(ready) = ready {
            routes = routes.merge(endpoints::health::routes(&self.settings.http, ready));
        }
        if let Some(policy) = &self.openapi {
            routes = routes.merge(endpoints::openapi::routes(&self.settings, policy, spec));
        }
        if self.scoped {
            let known = routes.paths().into_iter().flat_map(captures).collect();
            routes = routes.merge(endpoints::scoped::routes(&auth.scoped, known));
        }
        routes
    }
}

/// The object checkers declared as named queries, checked against the database's queries.
fn object_queries<S: Clone + Send + Sync + 'static>(
    declared: Vec<(String, String)>,
    database: Option<&Database>,
    checkers: &mut Checkers<S>,
    problems: &mut Problems,
) {
    for (domain, name) in declared {
        let Some(db) = database else {
            problems.push(format!(
                "object domain \"{domain}\" is a query, but the application has no database"
            ));
            continue;
        };
        if checkers.objects.contains_key(&domain) {
            problems.push(format!("object domain \"{domain}\" is registered twice"));
            continue;
        }
        match ObjectQuery::new(db, &name) {
            Ok(query) => {
                checkers
                    .objects
                    .insert(domain.clone(), Arc::new(query.clone()));
                checkers.queries.insert(domain, query);
            }
            Err(problem) => {
                problems.push(format!("object domain \"{domain}\": {problem}"));
                // Said once: the routes naming the domain need not say it has no checker.
                let refuse = |_: ObjectCheck<S>| async { Ok(Access::Deny) };
                checkers.objects.insert(domain, Arc::new(refuse));
            }
        }
    }
}

/// Where the role administration endpoints are mounted.
const ROLES_PREFIX: &str = "/roles";

/// The database that keeps per-user revocations beyond the store's life: the application's,
/// when it has warden's revocation queries ([`schema::add_queries`](crate::schema::add_queries)).
fn durable_revocations(db: Option<&Database>) -> Option<Database> {
    let db = db?;
    let queries = [
        (
            "warden_revocation_set",
            QueryKind::Execute,
            &["login", "valid_after", "expires"][..],
        ),
        ("warden_revocation_live", QueryKind::Rows, &["now"][..]),
    ];
    match queries
        .into_iter()
        .try_for_each(|(name, kind, params)| check_query(db, name, kind, params))
    {
        Ok(()) => Some(db.clone()),
        Err(e) => {
            tracing::warn!(
                problem = %e.problems().join("; "),
                "revocations are kept in the store only, and are lost with it: add warden::schema's queries and apply its schema"
            );
            None
        }
    }
}

/// The schemes a route accepts when its declaration names none.
fn default_schemes(settings: &Settings) -> Schemes {
    let mut schemes: Schemes = settings.auth.schemes.iter().copied().collect();
    if settings.auth.api_keys.header.is_some() {
        schemes = schemes.with(Scheme::ApiKey);
    }
    if settings.auth.api_keys.signed_requests {
        schemes = schemes.with(Scheme::Signed);
    }
    schemes
}

/// Every route's method routers, grouped by path in registration order.
type ByPath<S> = Vec<(String, Vec<MethodRouter<S>>)>;

/// Compiles each declaration against the checkers and the path, and binds each handler to its
/// route's authentication context.
fn compile_routes<S: Clone + Send + Sync + 'static>(
    routes: Routes<S>,
    auth: &Arc<Authenticator>,
    checkers: &Checkers<S>,
    default_schemes: Schemes,
    limits: RouteLimits,
    (limiter, rates, metrics): (&Limiter, &LimitSettings, Option<&Metrics>),
    problems: &mut Problems,
) -> (ByPath<S>, Vec<RouteInfo>, Vec<Compiled<S>>, Vec<Described>) {
    let mut infos: Vec<RouteInfo> = Vec::new();
    let mut described: Vec<Described> = Vec::new();
    let mut compiled: Vec<Compiled<S>> = Vec::new();
    let mut by_path: ByPath<S> = Vec::new();
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
                .any(|i| i.method == declared.method && i.path == path)
            {
                problems.push(format!("{route}: declared twice"));
                continue;
            }
            if MethodFilter::try_from(declared.method.clone()).is_err() {
                problems.push(format!("{route}: unsupported method"));
                continue;
            }
            let mut route_problems = Vec::new();
            let in_force = declared.authorize().clone();
            let authz = &in_force;
            let rule = Rule::compile(
                authz,
                &declared.method,
                &names,
                checkers,
                &mut route_problems,
            );
            let schemes = declared.policy.schemes.unwrap_or(default_schemes);
            if authz.needs_auth() && schemes.is_empty() {
                route_problems.push("requires authentication but accepts no scheme".into());
            }
            for problem in route_problems {
                problems.push(format!("{route}: {problem}"));
            }
            let tags: Vec<String> = declared.policy.tags.iter().map(|t| t.to_string()).collect();
            let route_rates = RouteRates::new(limiter, rates, &route, &tags, declared.policy.limit);
            let audit = Arc::new(RouteFacts {
                template: path.clone(),
                rule: authz.to_string(),
                action: declared.policy.audit.clone(),
                target: declared.policy.object_target(),
            });
            let meta = Arc::new(RouteMeta {
                audit,
                context: RouteContext::new(Arc::clone(auth), schemes, tags, limits, route_rates),
                needs_auth: authz.needs_auth(),
                has_objects: rule.has_objects(),
                rule,
                metrics: metrics.map(|m| m.route(&declared.method, &path)),
            });
            compiled.push(Compiled {
                method: declared.method.to_string(),
                path: path.clone(),
                captures: names.clone(),
                tags: declared.policy.tags.iter().map(|t| t.to_string()).collect(),
                meta: Arc::clone(&meta),
            });
            by_path[slot].1.push((declared.make)(meta));
            described.push(Described {
                method: declared.method.clone(),
                path: path.clone(),
                policy: declared.policy.clone(),
                schemes,
                doc: declared.doc,
            });
            infos.push(RouteInfo {
                in_force,
                reads_user: declared.reads_user,
                method: declared.method,
                path: path.clone(),
                policy: declared.policy,
            });
        }
    }
    let names: Vec<String> = infos
        .iter()
        .map(|i| format!("{} {}", i.method, i.path))
        .collect();
    let tags: Vec<&str> = infos
        .iter()
        .flat_map(|i| i.policy.tags.iter().map(|t| &**t))
        .collect();
    for problem in unmatched(rates, &names, &tags) {
        problems.push(problem);
    }
    (by_path, infos, compiled, described)
}

/// The routed application wrapped in warden's layers: observe (request id, client IP,
/// blocklist and per-IP rate limit, access log, metrics, error bodies), compression when
/// configured, CORS, the request transaction, panic catching and the body limit.
fn assemble<S: Clone + Send + Sync + 'static>(
    by_path: ByPath<S>,
    state: S,
    database: Option<TxLayer>,
    settings: &Settings,
    observe: ObserveLayer,
) -> Result<Router, BuildError> {
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
                return Err(format!("path {path:?}: {reason}").into());
            }
        }
    }
    // Inside observe, which counts, logs and stamps the answer before it is compressed, and
    // only replaces the bodies of errors, which are never compressed.
    let compression = settings.http.compression.then(|| {
        ServiceBuilder::new()
            .map_response(IntoResponse::into_response)
            .layer(CompressionLayer::new().compress_when(compressible(settings)))
            .into_inner()
    });
    let cors = cors_layer(&settings.http.cors).map_err(BuildError::new)?;
    let max_body = settings.server.max_body_bytes;
    let router = router
        .fallback(|| async { Error::not_found("no such route") })
        .with_state(state);
    // The layers wrap the routed application once, outside the router: `Router::layer` would
    // wrap every route separately and box each layer's service and future again.
    let stack = ServiceBuilder::new()
        .layer(observe)
        .option_layer(compression)
        .option_layer(cors)
        .option_layer(database)
        .map_response(IntoResponse::into_response)
        .layer(CatchPanicLayer::custom(panic_response))
        .map_response(IntoResponse::into_response)
        .layer(RequestBodyLimitLayer::new(max_body))
        .layer(DefaultBodyLimit::max(max_body))
        .service(router);
    Ok(Router::new().fallback_service(stack))
}

/// Which answers the compression layer compresses: successful ones of at least
/// `http.compression_min_bytes` (a streamed body of unknown length counts as large), neither
/// images nor event streams, and none that carries a secret.
fn compressible(settings: &Settings) -> impl Predicate + use<> {
    SizeAbove::new(settings.http.compression_min_bytes)
        .and(NotForContentType::IMAGES)
        .and(NotForContentType::SSE)
        .and(secret_free_success)
}

/// A successful answer that carries no secret. BREACH recovers a secret from the compressed
/// length of bodies that also reflect text an attacker chooses; answers carrying tokens or keys
/// say `Cache-Control: no-store` (warden's endpoints do, and so must handlers that return
/// secrets), and cookies are set on no other, so neither kind is compressed.
fn secret_free_success(
    status: http::StatusCode,
    _: http::Version,
    headers: &http::HeaderMap,
    _: &http::Extensions,
) -> bool {
    status.is_success()
        && !headers.contains_key(http::header::SET_COOKIE)
        && !headers
            .get_all(http::header::CACHE_CONTROL)
            .iter()
            .any(|v| {
                v.to_str()
                    .is_ok_and(|v| v.to_ascii_lowercase().contains("no-store"))
            })
}
