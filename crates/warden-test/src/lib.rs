//! One test client for axum back-ends, run in-process or against a live server.
//!
//! The same test suite runs either way: in-process, requests go straight to an axum
//! [`Router`](axum::Router) (fast, no sockets); live, they go over HTTP to a server, such as
//! a release build started by CI. [`Client::from_env`] picks live mode for the whole suite
//! when the environment variable `WARDEN_TEST_URL` holds the server's base URL. This is the
//! "tests mixtes" of the seed course's FlaskTester.
//!
//! The client knows test users and how each authenticates (HTTP Basic, login/password
//! parameters, or a bearer token fetched once and reused), keeps a cookie jar per user, and
//! checks the status in the call: a different status fails the test with the request, the
//! status and the body.
//!
//! ```
//! use axum::{Json, Router, http::HeaderMap, routing::get};
//! use serde_json::{Value, json};
//! use warden_test::Client;
//!
//! /// Greets whoever comes with HTTP Basic credentials (not checked here).
//! async fn hello(headers: HeaderMap) -> Json<Value> {
//!     let who = headers.get("authorization").map_or("stranger", |_| "calvin");
//!     Json(json!(format!("hello {who}!")))
//! }
//!
//! # #[tokio::main] async fn main() {
//! let app = Router::new().route("/hello", get(hello));
//! let client = Client::in_process(app);
//! client.user("calvin", "hobbes");
//!
//! let res = client.get("/hello").user("calvin").expect(200).await;
//! assert_eq!(res.json::<String>(), "hello calvin!");
//! assert_eq!(client.get("/hello").expect(200).await.json_value(), "hello stranger!");
//! client.get("/nowhere").expect(404).await;
//! # }
//! ```
//!
//! # One client per suite
//!
//! Keep one client in a `static` and register the users once; tests running in parallel
//! share it. Requests run on the client's own tokio runtime, so the client is not tied to the
//! runtime of the `#[tokio::test]` that happened to create it.
//!
//! ```no_run
//! use std::sync::LazyLock;
//! use warden_test::{AuthScheme, Client};
//!
//! # fn app() -> axum::Router { axum::Router::new() }
//! static CLIENT: LazyLock<Client> = LazyLock::new(|| {
//!     let client = Client::from_env(app);
//!     client
//!         .user("calvin", "hobbes")
//!         .user_with("hobbes", "susie", AuthScheme::Token)
//!         .user_with("susie", "derkins", AuthScheme::Param);
//!     client
//! });
//!
//! #[tokio::test]
//! async fn stuff_is_created_then_deleted() {
//!     let res = CLIENT.post("/stuff").form(&[("stuff", "Book")]).expect(201).await;
//!     let sid: i64 = res.json_value()["sid"].as_i64().unwrap();
//!     CLIENT.get(&format!("/stuff/{sid}")).user("calvin").expect(200).await;
//!     CLIENT.delete(&format!("/stuff/{sid}")).user("hobbes").expect(204).await;
//! }
//! ```
//!
//! Then `cargo test` runs the suite in-process, and
//! `WARDEN_TEST_URL=http://127.0.0.1:5000 cargo test` runs it against a server.
//!
//! # Cookies
//!
//! `Set-Cookie` answers are stored in the jar of the request's user (or the anonymous jar)
//! and sent back on later matching requests, following domain, path, expiry and `Max-Age`.
//! Like browsers, the jar treats loopback hosts as secure, so `Secure` cookies come back over
//! `http://127.0.0.1`; in-process requests count as loopback. See [`CookieJar`].

mod client;
mod cookies;
mod fixture;
mod request;
mod response;
mod runtime;
mod shared;
mod temp;
mod transport;
mod users;

pub use client::{Client, TEST_URL_VAR};
pub use cookies::CookieJar;
pub use request::RequestBuilder;
pub use response::TestResponse;
pub use users::{AuthScheme, TokenAnswer, TokenSource};

/// The cookie crate, whose [`Cookie`](cookie::Cookie) jars and responses return.
pub use cookie;
/// The HTTP method type taken by [`Client::request`].
#[doc(no_inline)]
pub use http::Method;
