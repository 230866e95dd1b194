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
/// Generates one typed function per query of a queries file, read at compile time, so that a
/// misspelt query name or a forgotten parameter does not compile.
///
/// `queries!("queries.sql")` reads the file (the path is relative to the crate's
/// `Cargo.toml`) and the variant files beside it that exist (`queries.sqlite.sql`,
/// `queries.postgres.sql`, `queries.mysql.sql`) with warden-sql's own parser, so a file that
/// would not load at run time does not compile either, with the loader's `file:line` message.
/// Write it in a module of its own (`mod q { warden::queries!("queries.sql"); }`) or at the top
/// level. The functions still run the query by name through [`Tx`]: the SQL that runs is the
/// one the [`Database`](sql::Database) loaded, for its backend.
///
/// For each query, parameters become arguments in order of first use (`:u.login` makes one
/// argument `u`, whose field `login` is read; names that are Rust keywords take `r#`), each
/// `impl Serialize`, serialised without building a JSON value:
///
/// | suffix | functions                                                     |
/// |--------|---------------------------------------------------------------|
/// | none   | `NAME(tx, ..) -> Result<Vec<Row>>`, `NAME_as::<T>(tx, ..) -> Result<Vec<T>>` |
/// | `^`    | `NAME(tx, ..) -> Result<Option<Row>>`, `NAME_as::<T>(..) -> Result<Option<T>>` |
/// | `$`    | `NAME(tx, ..) -> Result<Value>`, `NAME_as::<T>(..) -> Result<T>` |
/// | `<!`   | as `$`: the value `RETURNING` gives (the new row's id on MySQL without it) |
/// | `!`    | `NAME(tx, ..) -> Result<u64>`, the affected rows              |
/// | `*!`   | `NAME(tx, sets: impl IntoIterator<Item: Serialize>) -> Result<u64>` |
/// | `#`    | none: scripts are run by migrations or [`Database::script`](sql::Database::script) |
///
/// Each function's documentation is the query's, with its file, line and SQL (and its
/// variants'). A variant must return what the shared query returns and take the same
/// parameters, since one function serves every backend; a name only variant files define gets
/// a function too, which fails as an unknown query on the other backends.
///
/// `fixed(tenant)` names parameters the application binds itself, which are then no
/// arguments: with tenancy on, [`Tx`] binds `:tenant` from the identity
/// (`warden::queries!("queries.sql", fixed(tenant));`).
///
/// Cargo rebuilds the crate when a file read changes; a variant file created later is seen at
/// the next change of a file already read (or `cargo clean -p`).
///
/// # Example
///
/// ```
/// mod q {
///     warden::queries!("src/sql/stuff.sql");
/// }
///
/// use serde::{Deserialize, Serialize};
/// use warden::sql::{Database, Queries};
/// use warden::{Result, Tx, json};
///
/// #[derive(Debug, Deserialize, PartialEq)]
/// struct Stuff {
///     sid: i64,
///     name: String,
/// }
///
/// #[derive(Serialize)]
/// struct User<'a> {
///     login: &'a str,
/// }
///
/// // A handler that writes: tx is the request's transaction.
/// async fn add_two(tx: Tx) -> Result<u64> {
///     let sid: i64 = q::add_stuff_as(&tx, "lamp", "calvin").await?;
///     q::rename_stuff(&tx, "night lamp", sid).await?;
///     let more = [json!({"name": "rug", "owner": "hobbes"})];
///     q::add_stuffs(&tx, more).await
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/sql/stuff.sql");
/// let db = Database::connect("sqlite::memory:", Queries::load_file(path)?).await?;
/// db.script("create_stuff").await?;
/// db.scalar("add_stuff", &json!({"name": "chair", "owner": "calvin"})).await?;
///
/// let tx = Tx::read(db);
/// assert_eq!(q::count_stuff(&tx).await?, json!(1));
/// let row = q::get_stuff(&tx, 1).await?.expect("stuff 1");
/// assert_eq!(row["name"], "chair");
/// let mine: Vec<Stuff> = q::stuff_of_as(&tx, User { login: "calvin" }).await?;
/// assert_eq!(mine, [Stuff { sid: 1, name: "chair".into() }]);
/// assert_eq!(q::get_stuff_as::<Stuff>(&tx, 2).await?, None);
/// # let _ = add_two;
/// # Ok(())
/// # }
/// ```
///
/// A misspelt query name does not compile:
///
/// ```compile_fail,E0425
/// mod q {
///     warden::queries!("src/sql/stuff.sql");
/// }
/// async fn handler(tx: warden::Tx) -> warden::Result<()> {
///     q::get_stuf(&tx, 1).await?;
///     Ok(())
/// }
/// ```
///
/// Nor does a call without a parameter the query uses (`:sid`):
///
/// ```compile_fail,E0061
/// mod q {
///     warden::queries!("src/sql/stuff.sql");
/// }
/// async fn handler(tx: warden::Tx) -> warden::Result<u64> {
///     q::rename_stuff(&tx, "night lamp").await
/// }
/// ```
///
/// Nor a queries file the loader would refuse (here, one that does not exist):
///
/// ```compile_fail
/// mod q {
///     warden::queries!("src/sql/no-such-file.sql");
/// }
/// ```
pub use warden_macros::queries;

// What `queries!` expands to names serde through warden, so that a back-end needs no serde
// dependency of its own for it, and gets warden's version.
#[doc(hidden)]
pub mod __private {
    pub use serde;
}
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
