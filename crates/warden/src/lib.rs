//! # warden
//!
//! Secure REST back-ends over SQL with declarative authentication, authorization and audit.
//!
//! Every route declares who may call it — the declaration is an argument of the route, so a
//! route without one does not compile — and warden guarantees it before the handler runs:
//! authentication (HTTP Basic, login/password parameters, signed tokens), groups and object
//! permissions, typed parameters, and one JSON error shape for every failure.
//!
//! ```
//! use serde::Deserialize;
//! use warden::{
//!     Access, App, Auth, CurrentUser, MemoryDirectory, ObjectCheck, Open, Params, Result,
//!     Routes, Settings, UserRecord, get, group, object,
//! };
//!
//! async fn hello(user: CurrentUser) -> String {
//!     format!("hello {user}!")
//! }
//!
//! #[derive(Deserialize)]
//! struct Add {
//!     i: i64,
//!     j: i64,
//! }
//!
//! async fn add(Params(p): Params<Add>) -> Result<axum::Json<i64>> {
//!     let sum = p.i.checked_add(p.j).ok_or_else(|| warden::Error::bad_request("overflow"))?;
//!     Ok(axum::Json(sum))
//! }
//!
//! async fn object_of(Params(oid): Params<serde_json::Value>) -> axum::Json<serde_json::Value> {
//!     axum::Json(oid)
//! }
//!
//! async fn owner_only(check: ObjectCheck<()>) -> Result<Access> {
//!     let oid: i64 = check.value_as()?;
//!     Ok(if oid == 1 { (check.user.login() == "calvin").into() } else { Access::NotFound })
//! }
//!
//! let users = MemoryDirectory::new().declare_group("ADMIN");
//! users.insert(UserRecord::new("calvin", "$argon2id$v=19$m=19456,t=2,p=1$...").group("ADMIN"));
//!
//! let app = App::builder(Settings::default())
//!     .directory(users)
//!     .object("owned", owner_only)
//!     .routes(
//!         Routes::new()
//!             .route("/hello", get(Auth, hello))
//!             .route("/admin", get(group("ADMIN"), hello))
//!             .route("/object/{oid}", get(object("owned", "oid"), object_of))
//!             .nest("/cmp", Routes::new().route("/add", get(Auth, add))),
//!     )
//!     .build()
//!     .expect("a valid application");
//! assert_eq!(app.routes().len(), 4);
//!
//! // A declaration naming a group nobody knows fails the build, not the first request:
//! let err = App::builder(Settings::default())
//!     .routes(Routes::new().route("/x", get(group("NOPE"), hello)))
//!     .build()
//!     .unwrap_err();
//! assert!(err.to_string().contains("group \"NOPE\""));
//! ```
//!
//! Serve it with [`Server`]: header-read and request timeouts, header and body limits, and
//! graceful shutdown on SIGTERM and SIGINT.

// The modules, in the order of a request (see the README's architecture section): the edge,
// the application builder, the built-in endpoints, routing, authorization, authentication,
// parameters; then what those stages draw on: tokens, users, the request transaction, the
// shared store, settings; and leaves shared by all.
mod app;
pub mod audit;
pub mod authn;
mod authz;
mod build_error;
mod cache;
pub mod clock;
mod encoding;
mod endpoints;
mod error;
mod guards;
mod http;
mod login;
pub mod logs;
pub mod metrics;
pub mod openapi;
mod params;
mod request_id;
mod routing;
pub mod schema;
mod scheme;
mod settings;
pub mod sql;
pub mod store;
pub mod tenancy;
pub mod tokens;
pub mod users;

#[doc(inline)]
pub use app::{App, AppBuilder};
#[doc(inline)]
pub use audit::Audit;
#[doc(inline)]
pub use authn::{CurrentUser, IssuedToken, Tokens, Users, api_keys};
#[doc(inline)]
pub use authz::{
    Access, Auth, Authz, Close, GroupCheck, GroupChecker, Mode, ObjectCapability, ObjectCheck,
    ObjectChecker, Open, Policy, RouteCapability, Verdict, all, any, group, object, perm,
};
#[doc(inline)]
pub use build_error::BuildError;
#[doc(inline)]
pub use error::{BoxError, Error, Result};
/// A boxed, sendable future, as directory, store and checker methods return.
pub use futures_util::future::BoxFuture;
#[doc(inline)]
pub use guards::ClientIp;
#[doc(inline)]
pub use http::{REQUEST_ID, RequestId, Server, shutdown_signal};
#[doc(inline)]
pub use metrics::Metrics;
#[doc(inline)]
pub use params::{Page, Paged, Params, Valid};
#[doc(inline)]
pub use routing::{MethodRoutes, RouteInfo, Routes, delete, get, handler, on, patch, post, put};
#[doc(inline)]
pub use scheme::{Scheme, Schemes};
#[doc(inline)]
pub use settings::{
    ApiKeySettings, AuditSettings, AuthSettings, BootstrapSettings, CorsSettings, ErrorLevel,
    HttpSettings, LimitSettings, LogFormat, LogSettings, LoginThrottleSettings, MetricsSettings,
    REFRESH_COOKIE, Rate, RunMode, ScopedSettings, Secret, ServerSettings, SessionSettings,
    Settings, TokenCarrier, TokenFormat, parse_duration,
};
#[doc(inline)]
pub use sql::Tx;
#[doc(inline)]
pub use tokens::{AccessToken, Scope, jwt};
#[doc(inline)]
pub use users::{Directory, MemoryDirectory, Passwords, UserRecord};

/// Validation rules for [`Valid`] parameters (re-exported so versions match).
pub use garde;

// What every back-end's handlers use, so that a back-end depends on warden alone for its HTTP
// types (and gets the versions and features warden is built with).
/// HTTP status codes and header maps: `(StatusCode::CREATED, Json(row))`.
pub use ::http::{HeaderMap, StatusCode};
/// axum itself, at the version and with the features warden uses, for its other extractors
/// and responses.
pub use axum;
/// Answers a JSON body: `Json(value)`; also reads one, as the last handler argument.
pub use axum::Json;
/// The router an [`App`] serves and tests drive.
pub use axum::Router;
/// What a handler may return.
pub use axum::response::{IntoResponse, Response};
/// JSON values, for handlers that answer rows or build query parameters: `json!({"sid": 1})`.
pub use serde_json::{Value, json};
