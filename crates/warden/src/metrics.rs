//! Prometheus metrics of an application, collected when `metrics.listen` is set and served
//! there, apart from the application's own address (they say which routes are called, how
//! often logins fail and whether the database is down: nobody outside needs that).
//!
//! | metric | labels | what |
//! |---|---|---|
//! | `warden_http_requests_total` | `method`, `route`, `status` | answers, by route template (`/stuff/{sid}`; `unmatched` for requests no route took) |
//! | `warden_http_request_duration_seconds` | `method`, `route` | time from the request's arrival to its answer's headers |
//! | `warden_authentications_total` | `outcome` | on routes that need a user: `success`, `missing` (no credentials: 401), `failure` (refused: 401), `throttled` (429), `error` (the directory or store failed) |
//! | `warden_dependency_errors_total` | `dependency` | server errors answered because the `database` (unreachable, pool exhausted, a failed statement) or the `store` failed |
//! | `warden_database_connections` | `state` | the database pool's connections, `idle` or `busy` (leased to a transaction), when scraped |
//!
//! 401 and 403 counts are `warden_http_requests_total{status="401"}` and `{status="403"}`.
//!
//! Built on `prometheus-client` rather than `metrics` with its exporter: one small crate with no
//! global recorder, whose counters are atomics. A routed request pays its histogram's
//! uncontended mutex and an atomic add on its counter, both the route's own (made when the app
//! was built, or on the route's first answer with that status): no label is hashed.
//!
//! ```no_run
//! # async fn run(app: warden::App) -> std::io::Result<()> {
//! if let Some(metrics) = app.metrics() {
//!     let listen = app.settings().metrics.listen.as_deref().unwrap_or("127.0.0.1:9100");
//!     let server = warden::Server::bind(listen, &app.settings().server).await?;
//!     tokio::spawn(server.serve(metrics.router()));
//! }
//! # Ok(()) }
//! ```

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::response::IntoResponse;
use axum::routing::get;
use http::header::CONTENT_TYPE;
use http::{HeaderValue, Method, StatusCode};
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::error::Fault;
use crate::sql::Database;

/// The upper bounds of the latency buckets, in seconds: from a quarter of a millisecond (a
/// request that runs no SQL) to ten seconds.
const BUCKETS: [f64; 14] = [
    0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// The route label of requests that no route took (404, 405, refused at the edge).
const UNMATCHED: &str = "unmatched";

/// A label value shared without copying: a route template.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
struct Text(Arc<str>);

impl EncodeLabelValue for Text {
    fn encode(&self, encoder: &mut LabelValueEncoder<'_>) -> Result<(), fmt::Error> {
        fmt::Write::write_str(encoder, &self.0)
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: Text,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: Text,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DependencyLabels {
    dependency: &'static str,
}

type Latencies = Family<RouteLabels, Histogram, fn() -> Histogram>;

fn histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

/// An application's metrics: what its requests counted, ready to be scraped.
///
/// Made by [`AppBuilder::build`](crate::AppBuilder::build) when `metrics.listen` is set, and
/// found with [`App::metrics`](crate::App::metrics). Cloning shares them.
#[derive(Clone)]
pub struct Metrics(Arc<Inner>);

struct Inner {
    registry: Registry,
    /// The database whose pool the gauges show, read when the metrics are rendered.
    database: Option<Database>,
    /// `warden_database_connections`: the pool's idle and busy connections.
    connections: [Gauge; 2],
    path: String,
    requests: Family<RequestLabels, Counter>,
    latencies: Latencies,
    dependencies: Family<DependencyLabels, Counter>,
    unmatched: Text,
    /// The counters of [`AuthOutcome`], in its order: made once, so that counting one is an
    /// atomic add.
    outcomes: [Counter; 5],
}

/// The statuses whose counters a route keeps at hand (made on first use); other statuses are
/// looked up in the family.
const COMMON: [u16; 14] = [
    200, 201, 204, 400, 401, 403, 404, 405, 409, 413, 422, 429, 500, 503,
];

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics")
            .field("path", &self.0.path)
            .finish_non_exhaustive()
    }
}

impl Metrics {
    /// Empty metrics, served at `path` by [`router`](Self::router).
    pub(crate) fn new(path: &str, database: Option<Database>) -> Self {
        let mut registry = Registry::default();
        let pool = Family::<StateLabels, Gauge>::default();
        let connections =
            ["idle", "busy"].map(|state| pool.get_or_create_owned(&StateLabels { state }));
        if database.is_some() {
            registry.register(
                "warden_database_connections",
                "The database pool's connections, idle or leased to a transaction",
                pool,
            );
        }
        let requests = Family::<RequestLabels, Counter>::default();
        let latencies: Latencies = Family::new_with_constructor(histogram);
        let authentications = Family::<OutcomeLabels, Counter>::default();
        let outcomes = ["success", "missing", "failure", "throttled", "error"]
            .map(|outcome| authentications.get_or_create_owned(&OutcomeLabels { outcome }));
        let dependencies = Family::<DependencyLabels, Counter>::default();
        registry.register(
            "warden_http_requests",
            "HTTP answers by method, route template and status",
            requests.clone(),
        );
        registry.register(
            "warden_http_request_duration_seconds",
            "Time from a request's arrival to its answer, by method and route template",
            latencies.clone(),
        );
        registry.register(
            "warden_authentications",
            "Authentications on routes that need a user, by outcome",
            authentications,
        );
        registry.register(
            "warden_dependency_errors",
            "Server errors caused by the database or the store",
            dependencies.clone(),
        );
        Self(Arc::new(Inner {
            registry,
            database,
            connections,
            path: path.to_owned(),
            requests,
            latencies,
            dependencies,
            unmatched: Text(Arc::from(UNMATCHED)),
            outcomes,
        }))
    }

    /// The metrics in Prometheus' text format (OpenMetrics 1.0).
    pub fn render(&self) -> String {
        if let Some(db) = &self.0.database {
            let pool = db.pool_state();
            let [idle, busy] = &self.0.connections;
            idle.set(i64::try_from(pool.idle).unwrap_or(i64::MAX));
            busy.set(i64::try_from(pool.connections.saturating_sub(pool.idle)).unwrap_or(i64::MAX));
        }
        let mut text = String::new();
        // Writing to a String fails only if a metric's own encoding does, which ours do not.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.0.registry);
        text
    }

    /// A router answering `GET {metrics.path}` with [`render`](Self::render): serve it on
    /// its own address ([`Server`](crate::Server)), never with the application's routes.
    pub fn router(&self) -> Router {
        let metrics = self.clone();
        Router::new()
            .route(
                &self.0.path,
                get(move || {
                    let text = metrics.render();
                    async move {
                        (
                            [(
                                CONTENT_TYPE,
                                HeaderValue::from_static(
                                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                                ),
                            )],
                            text,
                        )
                    }
                }),
            )
            .fallback(|| async { StatusCode::NOT_FOUND.into_response() })
    }

    /// The handle of one route, made when the app is built: its template and its histogram,
    /// so that its requests look neither up.
    pub(crate) fn route(&self, method: &Method, template: &str) -> RouteMetrics {
        let route = Text(Arc::from(template));
        let method = method_label(method);
        let latency = self.0.latencies.get_or_create_owned(&RouteLabels {
            method,
            route: route.clone(),
        });
        RouteMetrics(Arc::new(RouteHandle {
            metrics: self.clone(),
            method,
            route,
            latency,
            statuses: Default::default(),
        }))
    }

    /// Counts one answer: under its route when a route took it, as `unmatched` otherwise.
    pub(crate) fn answered(
        &self,
        method: &Method,
        route: Option<&RouteMetrics>,
        status: StatusCode,
        fault: Option<Fault>,
        elapsed: Duration,
    ) {
        let status = status.as_u16();
        match route {
            Some(route) => {
                let route = &route.0;
                route.latency.observe(elapsed.as_secs_f64());
                let labels = || RequestLabels {
                    method: route.method,
                    route: route.route.clone(),
                    status,
                };
                match COMMON.iter().position(|&common| common == status) {
                    Some(i) => route.statuses[i]
                        .get_or_init(|| self.0.requests.get_or_create_owned(&labels()))
                        .inc(),
                    None => self.0.requests.get_or_create(&labels()).inc(),
                };
            }
            None => {
                let method = method_label(method);
                let route = self.0.unmatched.clone();
                self.0
                    .latencies
                    .get_or_create(&RouteLabels {
                        method,
                        route: route.clone(),
                    })
                    .observe(elapsed.as_secs_f64());
                self.0
                    .requests
                    .get_or_create(&RequestLabels {
                        method,
                        route,
                        status,
                    })
                    .inc();
            }
        }
        if status >= 500
            && let Some(fault) = fault
        {
            let dependency = match fault {
                Fault::Database => "database",
                Fault::Store => "store",
            };
            self.0
                .dependencies
                .get_or_create(&DependencyLabels { dependency })
                .inc();
        }
    }
}

/// What an authentication came to, for `warden_authentications_total` (in the order of
/// [`Inner::outcomes`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AuthOutcome {
    /// A user was authenticated.
    Success = 0,
    /// No credentials came (401).
    Missing,
    /// Credentials were refused (401).
    Failure,
    /// Too many failures: throttled (429).
    Throttled,
    /// The directory or the store failed (5xx).
    Error,
}

impl AuthOutcome {
    /// The outcome of a refusal with this status.
    pub(crate) fn of_refusal(status: StatusCode) -> Self {
        match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => AuthOutcome::Failure,
            StatusCode::TOO_MANY_REQUESTS => AuthOutcome::Throttled,
            _ => AuthOutcome::Error,
        }
    }
}

/// One route's metrics, made when the app is built; the routing layer attaches it to the
/// route's answers, for the observing layer to count them under the route's template.
#[derive(Clone)]
pub(crate) struct RouteMetrics(Arc<RouteHandle>);

struct RouteHandle {
    metrics: Metrics,
    method: &'static str,
    route: Text,
    latency: Histogram,
    /// The route's counters of the [`COMMON`] statuses, in that order.
    statuses: [OnceLock<Counter>; COMMON.len()],
}

impl RouteMetrics {
    /// Counts an authentication on the route.
    pub(crate) fn authenticated(&self, outcome: AuthOutcome) {
        self.0.metrics.0.outcomes[outcome as usize].inc();
    }
}

/// The method as a label: the standard ones by name, any other as `OTHER` (a client inventing
/// methods must not invent label values).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_counted_under_their_route_and_unknown_methods_under_other() {
        let metrics = Metrics::new("/metrics", None);
        let route = metrics.route(&Method::GET, "/stuff/{sid}");
        let ms = Duration::from_millis(3);
        metrics.answered(&Method::GET, Some(&route), StatusCode::OK, None, ms);
        metrics.answered(&Method::GET, Some(&route), StatusCode::OK, None, ms);
        let brew = Method::from_bytes(b"BREW").unwrap();
        metrics.answered(&brew, None, StatusCode::NOT_FOUND, None, ms);
        let failed = Some(Fault::Database);
        metrics.answered(
            &Method::GET,
            Some(&route),
            StatusCode::SERVICE_UNAVAILABLE,
            failed,
            ms,
        );
        route.authenticated(AuthOutcome::Failure);
        let text = metrics.render();
        for line in [
            r#"warden_http_requests_total{method="GET",route="/stuff/{sid}",status="200"} 2"#,
            r#"warden_http_requests_total{method="OTHER",route="unmatched",status="404"} 1"#,
            r#"warden_http_request_duration_seconds_count{method="GET",route="/stuff/{sid}"} 3"#,
            r#"warden_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/stuff/{sid}"} 3"#,
            r#"warden_dependency_errors_total{dependency="database"} 1"#,
            r#"warden_authentications_total{outcome="failure"} 1"#,
        ] {
            assert!(text.contains(line), "{line} is missing from:\n{text}");
        }
    }
}
