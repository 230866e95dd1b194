//! The OpenAPI 3.1 document of an application, generated from its route declarations.
//!
//! Every route is in it, whether or not it says more about itself: its path parameters, the
//! statuses its declaration makes possible (401 when it needs credentials, 403 when a group, a
//! permission, an object check, a token's scope or the IP blocklist can refuse, 404 for an
//! object or a path that names nothing, 409 for a write that conflicts, 429 when a rate limit
//! or login throttling applies) with warden's error body (`{"error": "..."}`, the `Error`
//! schema), and its authorization as security requirements, with the declaration itself in
//! `x-warden-*` extensions:
//!
//! | extension | what it holds |
//! |---|---|
//! | `x-warden-authorization` | the declaration as text: `group:ADMIN`, `any(group:ADMIN, object:owned:oid)` |
//! | `x-warden-groups`, `x-warden-permissions` | the groups and permissions it names |
//! | `x-warden-objects` | its object checks: `{"domain", "param", "mode"}` |
//! | `x-warden-schemes` | the schemes it accepts, `param` (login and password as parameters) included |
//! | `x-warden-tags` | its tags, which scoped tokens are restricted to (also the operation's `tags`) |
//! | `x-warden-rate-limit`, `x-warden-audit` | its own rate limit, its audit action |
//!
//! What a handler reads and answers cannot be seen from its type without specialization, so a
//! route says it with [`MethodRoutes::doc`](crate::MethodRoutes::doc) and a [`Doc`]. Schemas
//! are derived with [`schemars`] (JSON Schema 2020-12, OpenAPI 3.1's dialect) and shared under
//! `components/schemas`.
//!
//! ```
//! use schemars::JsonSchema;
//! use serde::{Deserialize, Serialize};
//! use warden::openapi::Doc;
//! use warden::{App, Open, Params, Routes, Settings, get};
//!
//! #[derive(Deserialize, JsonSchema)]
//! struct Filter {
//!     /// A `LIKE` pattern.
//!     filter: Option<String>,
//! }
//!
//! #[derive(Serialize, JsonSchema)]
//! struct Stuff {
//!     sid: i64,
//!     stuff: String,
//! }
//!
//! async fn list(Params(_f): Params<Filter>) -> axum::Json<Vec<Stuff>> {
//!     axum::Json(Vec::new())
//! }
//!
//! let app = App::builder(Settings::default())
//!     .routes(Routes::new().route(
//!         "/stuff",
//!         get(Open, list).doc(Doc::new().summary("The stuff").params::<Filter>().returns::<Vec<Stuff>>()),
//!     ))
//!     .build()
//!     .unwrap();
//! let doc = app.openapi();
//! assert_eq!(doc["openapi"], "3.1.0");
//! assert_eq!(doc["paths"]["/stuff"]["get"]["parameters"][0]["name"], "filter");
//! ```
//!
//! The document is built once, when the application is built ([`App::openapi`](crate::App::openapi));
//! [`AppBuilder::openapi`](crate::AppBuilder::openapi) serves it at `http.openapi_path`, with a
//! docs page at `http.docs_path`.

mod doc;
mod document;
mod schemas;
pub(crate) mod ui;

pub use doc::Doc;
pub(crate) use document::{Context, Described, document};
pub use schemas::NewPassword;
